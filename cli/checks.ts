/**
 * The judgements of `verify`, as pure functions of what AWS returned: each yields checks that
 * are PASS, FAIL or WARN, with a one-line fix for anything not PASS. `verify.ts` fetches,
 * these decide, so every fault can be tested without AWS.
 */
import { Table } from "@aws-sdk/client-glue";
import { DataCellsFilter as SdkDataCellsFilter, DataLakeSettings } from "@aws-sdk/client-lakeformation";
import { ResourceShareInvitation } from "@aws-sdk/client-ram";
import {
    DataFilter,
    describeResource,
    describeTable,
    exportReaderFilters,
    IAM_ALLOWED_PRINCIPALS,
    LfGrant,
    LfResource,
    reachesTable,
    readerFilters,
    requiredGrants,
    resourceKey,
    ShareModel,
    sourceCatalogOf,
} from "../lib/permissions";
import { principalName } from "../lib/names";
import { covers, isSatisfied, readableExcluded, shortfall, Shortfall, toSdkResource } from "./lf";
import { planLinks } from "./relink";
import type { Hints } from "./session";

export type { Hints } from "./session";

export type Status = "PASS" | "FAIL" | "WARN";

export interface Check {
    /** Stable identifier, e.g. `link:users_link`. */
    readonly id: string;
    readonly status: Status;
    /** What was checked, short. */
    readonly title: string;
    /** What was found. */
    readonly detail: string;
    /** One line: how to fix it. Set for FAIL and WARN. */
    readonly fix?: string;
}

/** Lake Formation needs cross-account version 3 to grant to an IAM principal of another account. */
export const MIN_CROSS_ACCOUNT_VERSION = 3;

const pass = (id: string, title: string, detail: string): Check => ({ id, status: "PASS", title, detail });
const fail = (id: string, title: string, detail: string, fix: string): Check => ({
    id,
    status: "FAIL",
    title,
    detail,
    fix,
});
const warn = (id: string, title: string, detail: string, fix: string): Check => ({
    id,
    status: "WARN",
    title,
    detail,
    fix,
});

export function identityCheck(
    who: "consumer" | "producer",
    account: string | undefined,
    arn: string | undefined,
    expected: string,
): Check {
    const flag = who === "consumer" ? "--profile" : "--producer-profile";
    const title = `${who} credentials`;
    if (account === expected) {
        return pass(`identity:${who}`, title, `${arn ?? "caller"} in the ${who} account ${expected}`);
    }
    return fail(
        `identity:${who}`,
        title,
        `caller ${arn ?? "?"} is in account ${account ?? "?"}, not the ${who} account ${expected}`,
        `pass ${flag} <a profile of account ${expected}> (or fix --${who}-account / the outputs file)`,
    );
}

export function databaseCheck(model: ShareModel, found: boolean): Check {
    const title = "consumer database";
    const where = `${model.consumerAccountId}:${model.consumerDatabaseName}`;
    return found
        ? pass("database", title, `${where} exists`)
        : fail(
              "database",
              title,
              `${where} does not exist`,
              "deploy the consumer stack (`pulumi up` with the consumer's stack), then run `connect-analytics relink`",
          );
}

export interface LinkFacts {
    /** Tables of the consumer database by name; undefined when the database is missing. */
    readonly links?: ReadonlyMap<string, Table>;
    /** Table names of the producer database; undefined when they could not be read. */
    readonly targets?: ReadonlySet<string>;
    /** Why `targets` is undefined (rendered error), for the detail line. */
    readonly targetsError?: string;
}

/** One check per expected link: exists, is a link, points at the right catalog, database and table (which exists). */
export function linkChecks(model: ShareModel, facts: LinkFacts): Check[] {
    if (!facts.links) {
        return model.tables.map((table) =>
            fail(
                `link:${table.linkName}`,
                `link ${table.linkName}`,
                `consumer database ${model.consumerDatabaseName} missing, so is the link`,
                "deploy the consumer stack, then run `connect-analytics relink`",
            ),
        );
    }
    // What relink would do with each link is what is wrong with it.
    return planLinks(model, facts.links).map((plan, i) => {
        const table = model.tables[i];
        const id = `link:${plan.link}`;
        const title = `link ${plan.link}`;
        const expected = plan.target;
        switch (plan.action) {
            case "create":
                return fail(
                    id,
                    title,
                    `missing in ${model.consumerAccountId}:${model.consumerDatabaseName} (should point to ${expected})`,
                    "run `connect-analytics relink` (or `pulumi up` the consumer stack)",
                );
            case "blocked":
                return fail(
                    id,
                    title,
                    `${plan.link} is a regular table, not a resource link`,
                    `rename the link (tables[].linkName) or move the table ${plan.link} away; relink will not replace a table it does not manage`,
                );
            case "replace":
                return fail(
                    id,
                    title,
                    `points to ${plan.current}, expected ${expected}`,
                    "run `connect-analytics relink` to recreate it with the right target",
                );
            case "ok":
                if (facts.targets && !facts.targets.has(table.name)) {
                    return fail(
                        id,
                        title,
                        `target ${expected} does not exist in the producer catalog`,
                        `check the table name in the producer database ${model.producerDatabaseName} and the stack's tables config`,
                    );
                }
                return pass(
                    id,
                    title,
                    `→ ${expected}${facts.targets ? "" : ` (target not listed: ${facts.targetsError ?? "not readable"})`}`,
                );
        }
    });
}

function lacks(s: Shortfall): string {
    const parts: string[] = [];
    if (s.missing.length) parts.push(s.missing.join(", "));
    if (s.missingGrantable.length) parts.push(`grant option on ${s.missingGrantable.join(", ")}`);
    return parts.join(" and ");
}

export interface GrantFacts {
    /** Every grant of the consumer catalog (its re-grants on producer resources included). */
    readonly consumer?: readonly LfGrant[];
    readonly consumerError?: string;
    /** Every grant of the producer catalog; undefined without producer credentials. */
    readonly producer?: readonly LfGrant[];
    readonly producerError?: string;
}

/** Short name of what a grant is on, for the check's title. */
function grantTitle(grant: LfGrant, model: ShareModel): string {
    const r = grant.resource;
    const perms = grant.permissions.join("+");
    switch (r.kind) {
        case "table":
            if (r.catalogId !== model.consumerAccountId) return `${perms} on target ${r.name}`;
            // The consumer catalog holds the links and the export's own tables.
            if (r.databaseName === model.consumerDatabaseName) return `${perms} on link ${r.name}`;
            return `${perms} on ${r.name === "*" ? `every table of ${r.databaseName}` : `table ${r.databaseName}.${r.name}`}`;
        case "tableWithColumns":
            return `${perms} on target ${r.name} (minus ${r.excludedColumns.length} column${r.excludedColumns.length === 1 ? "" : "s"})`;
        case "database":
            return `${perms} on database ${r.databaseName}`;
        case "lfTagPolicy":
            return `${perms} on ${r.resourceType.toLowerCase()}s tagged ${r.expression.map((c) => `${c.key}=${c.values.join("|")}`).join(",")}`;
        case "lfTag":
            return `${perms} on LF-tag ${r.key}`;
        case "dataCellsFilter":
            return `${perms} on ${r.tableName} through filter ${r.name}`;
        case "dataLocation":
            return `${perms} on location ${r.arn}`;
    }
}

/**
 * One check per grant `requiredGrants(model)` names, to whichever principal it names (the
 * role, or in LF-tag mode the consumer account). A producer grant to the role also counts when
 * the consumer account holds it and re-granted it to the role. A column-limited grant fails
 * when the role can read the withheld columns through another grant.
 */
export function grantChecks(model: ShareModel, facts: GrantFacts, hints: Hints = {}): Check[] {
    const role = model.consumerPrincipalArn;
    // Details name principals by their short name: the full role ARN is in every line otherwise.
    const short = (principal: string) =>
        principal === role
            ? `role ${principalName(role)}`
            : principal === model.consumerAccountId
              ? `account ${principal}`
              : principal;
    const checks: Check[] = [];
    const unverified: string[] = [];
    const producerFlag = hints.producerProfile
        ? `--producer-profile ${hints.producerProfile}`
        : `--producer-profile <profile of ${model.producerAccountId}>`;
    for (const grant of requiredGrants(model)) {
        const who = short(grant.principal);
        const on = describeResource(grant.resource);
        const what = `${grant.permissions.join("+")}${grant.grantable.length ? ` (grantable: ${grant.grantable.join("+")})` : ""} on ${on}`;
        // The role's (and in LF-tag mode the account's) grants keep the short id; a reader's, an
        // export reader's or the optimizers' role's names it: they need the same grants as others.
        const shared = grant.principal === role || grant.principal === model.consumerAccountId;
        const id = `grant:${grant.side}:${resourceKey(grant.resource)}${shared ? "" : `@${grant.principal}`}`;
        const title = grantTitle(grant, model);
        const excess = (held: readonly LfGrant[]): Check | undefined => {
            const readable = readableExcluded(grant, held, grant.principal);
            return readable.length === 0
                ? undefined
                : fail(
                      id,
                      title,
                      `${who} can read the withheld column(s) ${readable.join(", ")} through another SELECT grant on ${grant.resource.kind === "tableWithColumns" ? grant.resource.name : on}`,
                      "revoke the wider SELECT grant in the producer account (Lake Formation console > Data permissions); connect-analytics never revokes",
                  );
        };
        if (grant.side === "consumer") {
            if (!facts.consumer) {
                checks.push(
                    fail(
                        id,
                        title,
                        `cannot list the consumer's grants: ${facts.consumerError}`,
                        "fix the access error above, then run verify again",
                    ),
                );
                continue;
            }
            const s = shortfall(grant, facts.consumer, grant.principal);
            checks.push(
                isSatisfied(s)
                    ? pass(id, title, `${who} has ${what}`)
                    : fail(
                          id,
                          title,
                          `${who} lacks ${lacks(s)} on ${on}`,
                          "run `connect-analytics grant` with consumer credentials (or `pulumi up` the consumer stack)",
                      ),
            );
            continue;
        }
        // The consumer's re-grant to its role: no grant option asked, it cannot pass one on.
        const plain = { ...grant, grantable: [] };
        const toRole = grant.principal === role;
        const regranted = toRole && facts.consumer ? isSatisfied(shortfall(plain, facts.consumer, role)) : false;
        if (!facts.producer) {
            if (regranted) {
                checks.push(
                    excess(facts.consumer ?? []) ??
                        pass(id, title, `${who} has ${what} (granted by the consumer account)`),
                );
            } else unverified.push(on);
            continue;
        }
        const direct = shortfall(grant, facts.producer, grant.principal);
        if (isSatisfied(direct)) {
            checks.push(excess(facts.producer) ?? pass(id, title, `${who} has ${what} in the producer catalog`));
            continue;
        }
        const viaAccount = toRole && isSatisfied(shortfall(plain, facts.producer, model.consumerAccountId));
        if (viaAccount && regranted) {
            checks.push(
                excess(facts.consumer ?? []) ??
                    pass(
                        id,
                        title,
                        `${what} granted to account ${model.consumerAccountId}, which re-granted it to ${who}`,
                    ),
            );
        } else if (viaAccount) {
            checks.push(
                fail(
                    id,
                    title,
                    `${what} is granted to account ${model.consumerAccountId} but not passed on to ${who}`,
                    `run \`connect-analytics grant ${producerFlag}\` to grant the role directly`,
                ),
            );
        } else {
            checks.push(
                fail(
                    id,
                    title,
                    `${who} lacks ${lacks(direct)} on ${on}`,
                    `run \`connect-analytics grant ${producerFlag}\` (or \`pulumi up\` the producer stack)`,
                ),
            );
        }
    }
    if (unverified.length > 0) {
        checks.push(
            warn(
                "grant:producer:unverified",
                `${unverified.length} producer grant(s)`,
                `not verifiable from consumer credentials${facts.producerError ? ` (${facts.producerError})` : ""}: the producer makes them in its own catalog`,
                `run verify again with ${producerFlag}`,
            ),
        );
    }
    return checks;
}

/** Grants to IAMAllowedPrincipals on the shared tables or database bypass Lake Formation for IAM-only access. */
export function iamAllowedPrincipalsCheck(model: ShareModel, producer: readonly LfGrant[]): Check {
    const title = "IAMAllowedPrincipals on targets";
    const targets: LfResource[] = model.tables.map((t) => ({
        kind: "table",
        catalogId: model.producerAccountId,
        databaseName: model.producerDatabaseName,
        name: t.name,
    }));
    const database = {
        kind: "database" as const,
        catalogId: model.producerAccountId,
        databaseName: model.producerDatabaseName,
    };
    const offending = producer.filter(
        (g) =>
            g.principal === IAM_ALLOWED_PRINCIPALS &&
            (covers(g.resource, database) || targets.some((t) => covers(g.resource, t))),
    );
    if (offending.length === 0) {
        return pass("iam-allowed-principals", title, "no IAMAllowedPrincipals grants on the shared database or tables");
    }
    // Each grant's own revoke (a table wildcard as TableWildcard, its own permissions): a command
    // built from the first grant alone named a table called "*" and permissions it may not hold.
    return fail(
        "iam-allowed-principals",
        title,
        `IAMAllowedPrincipals holds ${offending.map((g) => `${g.permissions.join("+")} on ${describeResource(g.resource)}`).join("; ")}`,
        `revoke them in the producer account: ${offending.map((g) => `\`${revokeCommand(g)}\``).join("; then ")}`,
    );
}

/**
 * The RAM invitations of the share. The sender is the catalog that owns the tables: the producer,
 * or Connect's catalog account. With the share ARNs known (the producer's `ramShareArns`), each
 * share must be accepted; an expired one names the way to a new invitation.
 */
export function invitationCheck(
    model: ShareModel,
    invitations: readonly ResourceShareInvitation[],
    hints: Hints = {},
    shareArns: readonly string[] = [],
): Check[] {
    const sender = sourceCatalogOf(model);
    const flags = `${hints.region ? ` --region ${hints.region}` : ""}${hints.profile ? ` --profile ${hints.profile}` : ""}`;
    const pendingCheck = (i: ResourceShareInvitation) =>
        fail(
            `ram:${i.resourceShareInvitationArn}`,
            "RAM invitation",
            `pending from ${sender}: ${i.resourceShareName ?? i.resourceShareArn ?? "resource share"}; shared tables stay invisible until accepted`,
            `aws ram accept-resource-share-invitation --resource-share-invitation-arn ${i.resourceShareInvitationArn}${flags}`,
        );
    if (shareArns.length === 0) {
        const pending = invitations.filter((i) => i.status === "PENDING" && i.senderAccountId === sender);
        if (pending.length === 0) return [pass("ram", "RAM invitations", `none pending from ${sender}`)];
        return pending.map(pendingCheck);
    }
    return shareArns.map((arn) => {
        const mine = invitations.filter((i) => i.resourceShareArn === arn);
        const pending = mine.find((i) => i.status === "PENDING");
        if (mine.some((i) => i.status === "ACCEPTED")) return pass(`ram:${arn}`, "RAM share", `${arn} accepted`);
        if (pending) return pendingCheck(pending);
        const ended = mine.find((i) => i.status === "EXPIRED" || i.status === "REJECTED");
        if (ended) {
            return fail(
                `ram:${arn}`,
                "RAM share",
                `the invitation to ${arn} is ${ended.status}; the tables stay invisible`,
                model.dataSource === "connectAnalytics"
                    ? "re-associate the datasets (`pulumi up -s <producer stack> --replace <association urn>`), then accept the new invitation"
                    : "have the producer grant again, then accept the new invitation",
            );
        }
        return warn(
            `ram:${arn}`,
            "RAM share",
            `no invitation for ${arn}: inside one AWS Organization with RAM sharing on, none is needed`,
            "if the accounts are in different organizations, check `aws ram get-resource-shares --resource-owner OTHER-ACCOUNTS`",
        );
    });
}

export interface AssociationFacts {
    /** The Connect instance's dataset associations (ListAnalyticsDataAssociations). */
    readonly associations?: ReadonlyArray<{
        readonly DataSetId?: string;
        readonly TargetAccountId?: string;
        readonly ResourceShareArn?: string;
        /** The RAM share's state (ListAnalyticsDataAssociations' ResourceShareStatus). */
        readonly ResourceShareStatus?: string;
    }>;
    readonly error?: string;
}

/** `connectAnalytics`: every dataset associated with the consumer account (read with the producer's credentials). */
export function associationChecks(
    model: ShareModel,
    instanceId: string | undefined,
    facts: AssociationFacts,
    hints: Hints = {},
    /** Several instances: each check's id names its instance. */
    perInstance = false,
): Check[] {
    const at = perInstance && instanceId ? `@${instanceId}` : "";
    if (!facts.associations) {
        const flag = hints.producerProfile
            ? `--producer-profile ${hints.producerProfile}`
            : `--producer-profile <profile of ${model.producerAccountId}>`;
        return [
            warn(
                `association${at}`,
                "dataset associations",
                `not checked: ${facts.error ?? "no producer credentials"}`,
                `run verify again with ${flag} (the Connect instance's account)`,
            ),
        ];
    }
    return model.tables.map((t) => {
        const id = `association:${t.name}${at}`;
        const title = `association ${t.name}`;
        const a = facts.associations!.find(
            (x) => x.DataSetId === t.name && x.TargetAccountId === model.consumerAccountId,
        );
        if (!a) {
            return fail(
                id,
                title,
                `${t.name} of ${instanceId ?? "the instance"} is not associated with ${model.consumerAccountId}`,
                "`pulumi up` the producer stack (or `aws connect associate-analytics-data-set`)",
            );
        }
        // The RAM share carrying the dataset: ACTIVE is usable; PENDING waits for the consumer to accept
        // its invitation; FAILED, DELETING, DELETED (RAM's other share states) will not become usable.
        const status = a.ResourceShareStatus;
        const detail = `${t.name} of ${instanceId} is associated with ${model.consumerAccountId}, share ${a.ResourceShareArn ?? "(no ARN)"} ${status ?? "(status not reported)"}`;
        if (status === undefined || status === "ACTIVE") return pass(id, title, detail);
        return status === "PENDING"
            ? warn(
                  id,
                  title,
                  detail,
                  "accept the RAM invitation in the consumer account (the consumer stack does, when it deploys)",
              )
            : fail(
                  id,
                  title,
                  detail,
                  "associate the dataset again (replace the producer's association: `pulumi up --replace <urn>`), which makes a new share",
              );
    });
}

/**
 * Data lake settings that break the share. In the producer (the grantor): default permissions
 * for IAMAllowedPrincipals (new tables bypass Lake Formation) and a cross-account version below 3
 * (cannot grant to a role of another account). In the consumer the same defaults only make new
 * links IAM-controlled, so they warn.
 */
export function settingsChecks(side: "producer" | "consumer", accountId: string, settings: DataLakeSettings): Check[] {
    const id = `settings:${side}`;
    const title = `${side} data lake settings`;
    const defaults = [
        ...(settings.CreateDatabaseDefaultPermissions ?? []).map((p) => ["database", p] as const),
        ...(settings.CreateTableDefaultPermissions ?? []).map((p) => ["table", p] as const),
    ].filter(([, p]) => p.Principal?.DataLakePrincipalIdentifier === IAM_ALLOWED_PRINCIPALS);
    const version = Number(settings.Parameters?.CROSS_ACCOUNT_VERSION ?? "1");
    const checks: Check[] = [];
    const clearDefaults =
        `in account ${accountId}: Lake Formation console > Data Catalog settings, untick "Use only IAM access control" for new databases and tables ` +
        "(or put-data-lake-settings with empty CreateDatabaseDefaultPermissions and CreateTableDefaultPermissions, keeping DataLakeAdmins)";
    if (defaults.length > 0) {
        const detail = `IAMAllowedPrincipals gets ${[...new Set(defaults.map(([kind]) => kind))].join(" and ")} default permissions: new ${
            side === "producer" ? "tables bypass Lake Formation grants" : "links are IAM-controlled"
        }`;
        checks.push(
            side === "producer"
                ? fail(`${id}:defaults`, title, detail, clearDefaults)
                : warn(`${id}:defaults`, title, detail, clearDefaults),
        );
    }
    if (side === "producer" && !(version >= MIN_CROSS_ACCOUNT_VERSION)) {
        checks.push(
            fail(
                `${id}:version`,
                title,
                `CROSS_ACCOUNT_VERSION is ${settings.Parameters?.CROSS_ACCOUNT_VERSION ?? "unset (1)"}; granting to a role of another account needs ${MIN_CROSS_ACCOUNT_VERSION} or higher`,
                `in account ${accountId}: Lake Formation console > Data Catalog settings > Cross-account version settings: Version 4`,
            ),
        );
    }
    if (checks.length === 0) {
        checks.push(
            pass(
                id,
                title,
                `no IAMAllowedPrincipals defaults; CROSS_ACCOUNT_VERSION ${settings.Parameters?.CROSS_ACCOUNT_VERSION ?? "unset (1)"}`,
            ),
        );
    }
    return checks;
}

/**
 * Each reader's data cells filter, as `ListDataCellsFilter` returned them for the tables the
 * filters are on: missing, or with other rows or columns than the consumer stack made
 * (someone edited it in the console), is a FAIL.
 */
export function filterChecks(wanted: readonly DataFilter[], found: readonly SdkDataCellsFilter[]): Check[] {
    return wanted.map((f) => {
        // A reader's filters on the shared table and on the export's copy share a name: the database tells them apart.
        const id = `filter:${f.name}@${f.databaseName}`;
        const title = `filter ${f.name} on ${f.databaseName}.${f.tableName}`;
        const where = `${f.tableCatalogId}:${f.databaseName}.${f.tableName}`;
        const fix = "`pulumi up` the consumer stack (it owns the filters)";
        const held = found.find(
            (x) =>
                x.Name === f.name &&
                x.TableName === f.tableName &&
                x.DatabaseName === f.databaseName &&
                x.TableCatalogId === f.tableCatalogId,
        );
        if (!held) return fail(id, title, `no filter ${f.name} on ${where}`, fix);
        const rows = held.RowFilter?.FilterExpression ?? (held.RowFilter?.AllRowsWildcard ? undefined : null);
        const excluded = held.ColumnWildcard ? [...(held.ColumnWildcard.ExcludedColumnNames ?? [])].sort() : null;
        const problems = [
            ...(rows !== f.rowFilter
                ? [`rows ${rows === null ? "unset" : (rows ?? "all")} (want ${f.rowFilter ?? "all"})`]
                : []),
            ...(excluded === null || excluded.join(",") !== f.excludedColumns.join(",")
                ? [
                      `columns ${excluded === null ? `listed (${(held.ColumnNames ?? []).join(", ")})` : `all except [${excluded.join(", ")}]`} (want all except [${f.excludedColumns.join(", ")}])`,
                  ]
                : []),
        ];
        return problems.length === 0
            ? pass(
                  id,
                  title,
                  `${where}: rows ${f.rowFilter ?? "all"}, columns all except [${f.excludedColumns.join(", ")}]`,
              )
            : fail(id, title, `${where} differs: ${problems.join("; ")}`, fix);
    });
}

/**
 * Readers who can read a table their filter limits: a reader with a data cells filter on a table
 * who also holds SELECT (or ALL) on the table itself, or on all tables of its database, sees
 * every row and column ("an all-rows SELECT overrides every filter", lake-formation/latest/dg/athena-lf.html),
 * whoever granted it. One FAIL per (reader, grant); one PASS when there is none.
 */
export function readerBypassChecks(
    model: Pick<
        ShareModel,
        | "readers"
        | "producerDatabaseName"
        | "sourceCatalogId"
        | "producerAccountId"
        | "tables"
        | "consumerAccountId"
        | "export"
    >,
    grants: readonly LfGrant[],
): Check[] {
    const title = "readers' filters";
    const checks: Check[] = [];
    for (const reader of model.readers ?? []) {
        const filters = [
            ...readerFilters({ ...model, readers: [reader] }),
            ...exportReaderFilters({ ...model, readers: [reader] }),
        ];
        for (const f of filters) {
            const table = { catalogId: f.tableCatalogId, databaseName: f.databaseName, name: f.tableName };
            for (const g of grants) {
                const r = g.resource;
                if (g.principal !== reader.principal) continue;
                if (!(g.permissions.includes("SELECT") || g.permissions.includes("ALL"))) continue;
                if (r.kind !== "table" && r.kind !== "tableWithColumns") continue;
                if (!reachesTable(r, table)) continue;
                checks.push(
                    fail(
                        `reader:${principalName(reader.principal)}@${describeTable(table)}`,
                        title,
                        `reader ${reader.principal} reads ${describeTable(table)} through filter ${f.name}, and also holds ${g.permissions.join("+")} on ${describeResource(r)}: that grant shows every row and overrides the filter`,
                        `revoke it: \`${revokeCommand(g)}\``,
                    ),
                );
            }
        }
    }
    if (checks.length > 0) return checks;
    return (model.readers ?? []).length === 0
        ? []
        : [pass("reader-bypass", title, "no reader holds an all-rows SELECT on a table its filter limits")];
}

/** The AWS CLI command that revokes exactly this grant. */
function revokeCommand(g: LfGrant): string {
    return `aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=${g.principal} --permissions ${g.permissions.join(" ")} --resource '${JSON.stringify(toSdkResource(g.resource))}'`;
}

/**
 * IAMAllowedPrincipals on the export's database or tables: with it, plain IAM access reads every
 * row and column of the exported copies, bypassing readers' filters and export readers' grants
 * (lake-formation/latest/dg/metadata-permissions.html). A FAIL, whoever made it.
 */
export function exportIamAllowedPrincipalsCheck(model: ShareModel, consumer: readonly LfGrant[]): Check | undefined {
    const e = model.export;
    if (!e) return undefined;
    const title = "IAMAllowedPrincipals on export tables";
    const offending = consumer.filter((g) => {
        const r = g.resource;
        if (g.principal !== IAM_ALLOWED_PRINCIPALS || r.catalogId !== model.consumerAccountId) return false;
        return (
            (r.kind === "database" || r.kind === "table" || r.kind === "tableWithColumns") &&
            r.databaseName === e.databaseName
        );
    });
    if (offending.length === 0) {
        return pass(
            "iam-allowed-principals:export",
            title,
            `no IAMAllowedPrincipals grants on ${e.databaseName} or its tables`,
        );
    }
    const readers = [...new Set([...e.readers, ...(model.readers ?? []).map((r) => r.principal)])];
    return fail(
        "iam-allowed-principals:export",
        title,
        `IAMAllowedPrincipals holds ${offending.map((g) => `${g.permissions.join("+")} on ${describeResource(g.resource)}`).join("; ")}: ` +
            `any IAM principal with Glue and Athena access reads those tables whole${readers.length ? `, past the filters and grants of ${readers.map(principalName).join(", ")}` : ""}`,
        offending.map(revokeCommand).join("; then "),
    );
}
