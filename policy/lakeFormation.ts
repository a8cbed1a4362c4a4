/**
 * Lake Formation rules: grants give only what the consumer needs, never to the IAM-only
 * compatibility principal, and the account defaults do not hand new tables to it either.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { CLASSIC_PERMISSIONS_TYPE, grantFromResourceInputs, PRINCIPAL_PERMISSIONS_TYPE } from "../lib/lfResources";
import {
    describeResource,
    describeTable,
    IAM_ALLOWED_PRINCIPALS,
    LfPermission,
    reachesTable,
    tableOfResource,
} from "../lib/permissions";
import { ACCOUNT_ID, iamPrincipalAccount, isTableOptimizerRole } from "../lib/names";
import { asArray, forTypes, Props } from "./util";

/** Every resource type that makes a Lake Formation grant (both providers). */
export const LF_GRANT_TYPES = [PRINCIPAL_PERMISSIONS_TYPE, CLASSIC_PERMISSIONS_TYPE] as const;

export const DATA_LAKE_SETTINGS_TYPES = [
    "aws:lakeformation/dataLakeSettings:DataLakeSettings",
    "aws-native:lakeformation:DataLakeSettings",
] as const;

/** Permissions that let the grantee change or delete the producer's catalog, or do anything. */
export const FORBIDDEN_LF_PERMISSIONS: readonly LfPermission[] = ["ALL", "SUPER", "ALTER", "DROP"];

/** `IAM_ALLOWED_PRINCIPALS`, as the API spells it, or `IAMAllowedPrincipals`, as the console does. */
export function isIamAllowedPrincipals(principal: unknown): boolean {
    return typeof principal === "string" && principal.replace(/[_\s-]/g, "").toLowerCase() === "iamallowedprincipals";
}

/** Config of `lakeformation-grant-least-privilege` (`--policy-pack-config`, or derived by `npm run policy`). */
export interface LfGrantPolicyConfig {
    /** Grants may carry the grant option (stack config grantWithGrantOption, or sharingMode lfTags). */
    readonly allowGrantOption?: boolean;
}

interface GrantView {
    readonly principal: unknown;
    readonly permissions: readonly string[];
    readonly grantable: readonly string[];
    readonly resource: string;
    /** The model's kind of the resource, when the model describes it. */
    readonly kind?: string;
}

/**
 * The grant a resource makes, through the permission model's reader. Resources the model does
 * not describe (a catalog or data location grant) still have principal and permission lists:
 * those are read as they are, so no grant escapes the rule.
 */
export function grantView(type: string, props: Props): GrantView {
    const grant = grantFromResourceInputs(type, props, "producer");
    if (grant) {
        return {
            principal: grant.principal,
            permissions: grant.permissions,
            grantable: grant.grantable,
            resource: describeResource(grant.resource),
            kind: grant.resource.kind,
        };
    }
    const native = type === PRINCIPAL_PERMISSIONS_TYPE;
    return {
        principal: native ? props.principal?.dataLakePrincipalIdentifier : props.principal,
        permissions: asArray<string>(props.permissions).map(String),
        grantable: asArray<string>(native ? props.permissionsWithGrantOption : props.permissionsWithGrantOptions).map(
            String,
        ),
        resource: "a resource outside the permission model",
    };
}

/**
 * The Glue table optimizers' role needs ALTER (with DESCRIBE, INSERT, DELETE) on the tables it
 * compacts when their location is registered with Lake Formation
 * (glue/latest/dg/optimization-prerequisites.html); on a table, that role may hold it.
 */
function allowedAlter(grant: GrantView): boolean {
    return isTableOptimizerRole(grant.principal) && grant.kind === "table";
}

/** Problems of one grant, one message each. */
export function grantProblems(grant: GrantView, config: LfGrantPolicyConfig): string[] {
    const problems: string[] = [];
    const on = `on ${grant.resource}`;
    const forbidden = grant.permissions.filter(
        (p) =>
            FORBIDDEN_LF_PERMISSIONS.includes(p.toUpperCase() as LfPermission) &&
            !(p.toUpperCase() === "ALTER" && allowedAlter(grant)),
    );
    if (forbidden.length > 0) {
        problems.push(`grants ${forbidden.join(", ")} ${on}; the consumer needs DESCRIBE and SELECT only.`);
    }
    const forbiddenGrantable = grant.grantable.filter((p) =>
        FORBIDDEN_LF_PERMISSIONS.includes(p.toUpperCase() as LfPermission),
    );
    if (forbiddenGrantable.length > 0) problems.push(`makes ${forbiddenGrantable.join(", ")} grantable ${on}.`);
    if (isIamAllowedPrincipals(grant.principal)) {
        problems.push(
            `grants to ${IAM_ALLOWED_PRINCIPALS} ${on}: every IAM principal with S3/Glue access would bypass Lake Formation (and column exclusions).`,
        );
    }
    if (grant.grantable.length > 0 && !config.allowGrantOption) {
        problems.push(
            `gives the grant option (${grant.grantable.join(", ")}) ${on}; least privilege keeps it off. ` +
                `Allowed only when the stack sets grantWithGrantOption or sharingMode lfTags (policy config allowGrantOption: true).`,
        );
    }
    return problems;
}

export const lakeformationGrantLeastPrivilege: ResourceValidationPolicy = {
    name: "lakeformation-grant-least-privilege",
    description:
        "Lake Formation grants give no ALL, SUPER, ALTER or DROP (not even as grantable), nothing to IAM_ALLOWED_PRINCIPALS, " +
        "and no grant option unless the policy config allowGrantOption is true.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            allowGrantOption: {
                type: "boolean",
                default: false,
                description:
                    "Allow grants with the grant option (the stack sets grantWithGrantOption, or sharingMode is lfTags).",
            },
        },
    },
    validateResource: forTypes(LF_GRANT_TYPES, (props, args, report) => {
        const config = args.getConfig<LfGrantPolicyConfig>();
        for (const problem of grantProblems(grantView(args.type, props), config)) report(problem);
    }),
};

/** The principal of a default permission entry: a string (aws) or `{dataLakePrincipalIdentifier}` (aws-native). */
function defaultPermissionPrincipal(entry: Props): unknown {
    const p = entry?.principal;
    return p && typeof p === "object" ? p.dataLakePrincipalIdentifier : p;
}

export const lakeformationSettingsNoIamAllowedPrincipals: ResourceValidationPolicy = {
    name: "lakeformation-settings-no-iam-allowed-principals",
    description:
        "Data lake settings give IAM_ALLOWED_PRINCIPALS no default permissions on new databases or tables " +
        '(the "Use only IAM access control" defaults), so Lake Formation permissions decide access.',
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forTypes(DATA_LAKE_SETTINGS_TYPES, (props, _args, report) => {
        for (const key of ["createDatabaseDefaultPermissions", "createTableDefaultPermissions"]) {
            const entries = asArray<Props>(props[key]).filter((e) =>
                isIamAllowedPrincipals(defaultPermissionPrincipal(e)),
            );
            for (const entry of entries) {
                const permissions = asArray<string>(entry.permissions).join(", ") || "no permissions listed";
                report(
                    `${key} gives ${IAM_ALLOWED_PRINCIPALS} (${permissions}): new ${key.startsWith("createDatabase") ? "databases" : "tables"} would be ` +
                        `governed by IAM alone, bypassing Lake Formation grants and column exclusions. Leave ${key} empty.`,
                );
            }
        }
    }),
};

export const lakeformationGrantDeleteBeforeReplace: ResourceValidationPolicy = {
    name: "lakeformation-grant-delete-before-replace",
    description:
        "Lake Formation grants are replaced delete-before-create: grants are not reference-counted, so the default " +
        "create-then-delete order would revoke what the replacement just granted.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forTypes(LF_GRANT_TYPES, (_props, args, report) => {
        if (args.opts.deleteBeforeReplace) return;
        report(
            "is replaced create-before-delete: deleting the old grant would revoke the permissions the new one just " +
                "gave (Lake Formation does not count grants). Set the resource option deleteBeforeReplace: true.",
        );
    }),
};

/** The account of a Lake Formation principal: an IAM ARN's account, or an account id itself. */
function principalAccount(principal: unknown): string | undefined {
    if (typeof principal !== "string") return undefined;
    if (ACCOUNT_ID.test(principal)) return principal;
    return iamPrincipalAccount(principal);
}

export const lakeformationGrantNoReshare: ResourceValidationPolicy = {
    name: "lakeformation-grant-no-reshare",
    description:
        "No grant passes a resource the granting account only received (from Amazon Connect or another account) on to a " +
        "principal of a third account: Lake Formation refuses it (lake-formation/latest/dg/regranting-shared-resources.html).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forTypes(LF_GRANT_TYPES, (props, args, report) => {
        const grant = grantFromResourceInputs(args.type, props, "consumer");
        const grantor = args.type === PRINCIPAL_PERMISSIONS_TYPE ? props.catalog : props.catalogId;
        const to = principalAccount(grant?.principal);
        if (!grant || typeof grantor !== "string" || !to) return;
        if (grant.resource.catalogId !== grantor && to !== grantor) {
            report(
                `account ${grantor} grants ${describeResource(grant.resource)}, which belongs to catalog ` +
                    `${grant.resource.catalogId}, to a principal of account ${to}: a received resource can only be granted ` +
                    `to the receiving account's own principals. With Amazon Connect's catalog use dataSource connectAnalytics.`,
            );
        }
    }),
};

export const lakeformationFilteredReaderNoTableSelect: StackValidationPolicy = {
    name: "lakeformation-filtered-reader-no-table-select",
    description:
        "A principal granted SELECT through a data cells filter holds no all-rows SELECT on the same table: such a grant " +
        "overrides every filter of that principal (lake-formation/latest/dg/athena-lf.html).",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateStack: (args, report) => {
        const grants = args.resources
            .filter((r) => (LF_GRANT_TYPES as readonly string[]).includes(r.type))
            .map((r) => ({ resource: r, grant: grantFromResourceInputs(r.type, r.props, "consumer") }))
            .filter(
                (g): g is { resource: typeof g.resource; grant: NonNullable<typeof g.grant> } => g.grant !== undefined,
            )
            .filter((g) => g.grant.permissions.includes("SELECT") || g.grant.permissions.includes("ALL"));
        for (const filtered of grants.filter((g) => g.grant.resource.kind === "dataCellsFilter")) {
            const onTable = tableOfResource(filtered.grant.resource)!;
            const table = describeTable(onTable);
            for (const wide of grants) {
                const r = wide.grant.resource;
                if (wide.grant.principal !== filtered.grant.principal || r.kind === "dataCellsFilter") continue;
                if (!reachesTable(r, onTable)) continue;
                report(
                    `${wide.grant.principal} reads ${table} through filter ${filtered.resource.name} and also holds SELECT on ` +
                        `${describeResource(r)} (${wide.resource.name}), which shows it every row and overrides the filter. Remove the table grant.`,
                    wide.resource.urn,
                );
            }
        }
    },
};

/** Glue database resource types (both providers). */
export const GLUE_DATABASE_TYPES = ["aws:glue/catalogDatabase:CatalogDatabase", "aws-native:glue:Database"] as const;

/**
 * What a database resource declares for its new tables' default permissions: the entries, or
 * undefined when the account's default applies (the classic resource sends the field only when
 * it is non-empty: terraform-provider-aws #27295).
 */
function tableDefaults(type: string, props: Props): Props[] | undefined {
    if (type === "aws-native:glue:Database") {
        const given = props.databaseInput?.createTableDefaultPermissions;
        return Array.isArray(given) ? given : undefined;
    }
    const given = asArray<Props>(props.createTableDefaultPermissions);
    return given.length > 0 ? given : undefined;
}

export const lakeformationReadersTablesNoIamAllowedPrincipals: StackValidationPolicy = {
    name: "lakeformation-readers-tables-no-iam-allowed-principals",
    description:
        "A database whose tables readers read through data cells filters or export-reader grants gives new tables no " +
        "IAM_ALLOWED_PRINCIPALS default, whatever the account's settings: with one, plain IAM access reads every row and " +
        "column and the filters are bypassed (lake-formation/latest/dg/metadata-permissions.html).",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateStack: (args, report) => {
        // A grant on a resource link reads nothing of the link's database: the data is the target's.
        const links = new Set(
            args.resources
                .filter((x) => x.type === "aws:glue/catalogTable:CatalogTable" && x.props.targetTable)
                .map((x) => `${x.props.catalogId}:${x.props.databaseName}.${x.props.name}`),
        );
        const read = new Set<string>();
        for (const r of args.resources.filter((x) => (LF_GRANT_TYPES as readonly string[]).includes(x.type))) {
            const grant = grantFromResourceInputs(r.type, r.props, "consumer");
            if (!grant || !(grant.permissions.includes("SELECT") || grant.permissions.includes("ALL"))) continue;
            const table = tableOfResource(grant.resource);
            if (!table || links.has(`${table.catalogId}:${table.databaseName}.${table.name}`)) continue;
            read.add(`${table.catalogId}:${table.databaseName}`);
        }
        for (const db of args.resources.filter((x) => (GLUE_DATABASE_TYPES as readonly string[]).includes(x.type))) {
            const native = db.type === "aws-native:glue:Database";
            const name = native ? (db.props.databaseName ?? db.props.databaseInput?.name) : db.props.name;
            if (!read.has(`${db.props.catalogId}:${name}`)) continue;
            const defaults = tableDefaults(db.type, db.props);
            if (defaults === undefined) {
                report(
                    `database ${name} takes the account's default permissions for new tables, which in an account with Lake ` +
                        `Formation's default settings give ${IAM_ALLOWED_PRINCIPALS} ALL on each table its readers read. ` +
                        `Declare them empty (aws-native glue.Database, databaseInput.createTableDefaultPermissions: []).`,
                    db.urn,
                );
            } else if (defaults.some((e) => isIamAllowedPrincipals(defaultPermissionPrincipal(e)))) {
                report(
                    `database ${name} gives ${IAM_ALLOWED_PRINCIPALS} default permissions on new tables, which readers read ` +
                        `through filters: plain IAM access would bypass them. Leave createTableDefaultPermissions empty.`,
                    db.urn,
                );
            }
        }
    },
};
