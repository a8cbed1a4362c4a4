/**
 * Translation between the permission model (`LfGrant`) and the inputs of the Pulumi resources
 * that make Lake Formation grants, in both directions: the grants are written with
 * `toPermissionsArgs` (the classic `aws.lakeformation.Permissions`; stack/grants.ts says why), and
 * the offline plan and the policy pack read any grant of either provider back with
 * `grantFromResourceInputs`.
 */
import { GrantSide, LfGrant, LfPermission, LfResource, sortPermissions } from "./permissions";

export const PRINCIPAL_PERMISSIONS_TYPE = "aws-native:lakeformation:PrincipalPermissions";
export const CLASSIC_PERMISSIONS_TYPE = "aws:lakeformation/permissions:Permissions";

/** Plain inputs of `aws.lakeformation.Permissions`. */
export interface PermissionsInputs {
    /** The account that makes the grant (GrantPermissions' CatalogId): the caller's own. */
    catalogId: string;
    principal: string;
    permissions: LfPermission[];
    permissionsWithGrantOptions: LfPermission[];
    table?: { catalogId: string; databaseName: string; name?: string; wildcard?: true };
    tableWithColumns?: {
        catalogId: string;
        databaseName: string;
        name: string;
        wildcard: true;
        excludedColumnNames: string[];
    };
    database?: { catalogId: string; name: string };
    lfTagPolicy?: { catalogId: string; resourceType: string; expressions: { key: string; values: string[] }[] };
    lfTag?: { catalogId: string; key: string; values: string[] };
    dataCellsFilter?: { tableCatalogId: string; databaseName: string; tableName: string; name: string };
    dataLocation?: { catalogId: string; arn: string };
}

/**
 * The grantor is the account that makes the grant: the resource's owner for its own resources,
 * the consumer when it grants its own principals on a resource shared with it (the resource
 * keeps the owner's catalog id; lake-formation/latest/dg/regranting-shared-resources.html).
 */
export function toPermissionsArgs(
    grant: LfGrant,
    grantorAccountId: string = grant.resource.catalogId,
): PermissionsInputs {
    const r = grant.resource;
    const base = {
        catalogId: grantorAccountId,
        principal: grant.principal,
        permissions: [...grant.permissions],
        permissionsWithGrantOptions: [...grant.grantable],
    };
    switch (r.kind) {
        case "database":
            return { ...base, database: { catalogId: r.catalogId, name: r.databaseName } };
        case "table":
            // "*": every table of the database, present and future (the provider's `wildcard`).
            return r.name === "*"
                ? { ...base, table: { catalogId: r.catalogId, databaseName: r.databaseName, wildcard: true } }
                : { ...base, table: { catalogId: r.catalogId, databaseName: r.databaseName, name: r.name } };
        case "tableWithColumns":
            // `wildcard` with exclusions: "all columns but these" (the provider's documented form).
            return {
                ...base,
                tableWithColumns: {
                    catalogId: r.catalogId,
                    databaseName: r.databaseName,
                    name: r.name,
                    wildcard: true,
                    excludedColumnNames: [...r.excludedColumns],
                },
            };
        case "lfTagPolicy":
            return {
                ...base,
                lfTagPolicy: {
                    catalogId: r.catalogId,
                    resourceType: r.resourceType,
                    expressions: r.expression.map((c) => ({ key: c.key, values: [...c.values] })),
                },
            };
        case "lfTag":
            return { ...base, lfTag: { catalogId: r.catalogId, key: r.key, values: [...r.values] } };
        case "dataCellsFilter":
            return {
                ...base,
                dataCellsFilter: {
                    tableCatalogId: r.catalogId,
                    databaseName: r.databaseName,
                    tableName: r.tableName,
                    name: r.name,
                },
            };
        case "dataLocation":
            return { ...base, dataLocation: { catalogId: r.catalogId, arn: r.arn } };
    }
}

type Inputs = Record<string, any>;

/**
 * Reads a grant back from the resolved inputs of a Lake Formation grant resource of either
 * provider. Returns undefined for other resource types.
 */
export function grantFromResourceInputs(type: string, inputs: Inputs, side: GrantSide): LfGrant | undefined {
    if (type === PRINCIPAL_PERMISSIONS_TYPE) {
        const resource = nativeResource(inputs.resource ?? {}, inputs.catalog);
        if (!resource) return undefined;
        return {
            side,
            principal: inputs.principal?.dataLakePrincipalIdentifier,
            resource,
            permissions: sortPermissions(inputs.permissions ?? []),
            grantable: sortPermissions(inputs.permissionsWithGrantOption ?? []),
        };
    }
    if (type === CLASSIC_PERMISSIONS_TYPE) {
        const resource = classicResource(inputs);
        if (!resource) return undefined;
        return {
            side,
            principal: inputs.principal,
            resource,
            permissions: sortPermissions(inputs.permissions ?? []),
            grantable: sortPermissions(inputs.permissionsWithGrantOptions ?? []),
        };
    }
    return undefined;
}

function filterResource(f: Inputs): LfResource {
    return {
        kind: "dataCellsFilter",
        catalogId: f.tableCatalogId,
        databaseName: f.databaseName,
        tableName: f.tableName,
        name: f.name,
    };
}

function nativeResource(r: Inputs, catalog: string | undefined): LfResource | undefined {
    if (r.dataCellsFilter) return filterResource(r.dataCellsFilter);
    if (r.dataLocation) {
        return {
            kind: "dataLocation",
            catalogId: r.dataLocation.catalogId ?? catalog,
            arn: r.dataLocation.resourceArn,
        };
    }
    if (r.database) {
        return { kind: "database", catalogId: r.database.catalogId ?? catalog, databaseName: r.database.name };
    }
    if (r.table) {
        return {
            kind: "table",
            catalogId: r.table.catalogId ?? catalog,
            databaseName: r.table.databaseName,
            name: r.table.name ?? "*",
        };
    }
    if (r.tableWithColumns) {
        const t = r.tableWithColumns;
        return {
            kind: "tableWithColumns",
            catalogId: t.catalogId ?? catalog,
            databaseName: t.databaseName,
            name: t.name,
            excludedColumns: [...(t.columnWildcard?.excludedColumnNames ?? [])].sort(),
        };
    }
    if (r.lfTagPolicy) {
        return {
            kind: "lfTagPolicy",
            catalogId: r.lfTagPolicy.catalogId ?? catalog,
            resourceType: r.lfTagPolicy.resourceType,
            expression: (r.lfTagPolicy.expression ?? []).map((c: Inputs) => ({
                key: c.tagKey,
                values: [...(c.tagValues ?? [])],
            })),
        };
    }
    if (r.lfTag) {
        return {
            kind: "lfTag",
            catalogId: r.lfTag.catalogId ?? catalog,
            key: r.lfTag.tagKey,
            values: [...(r.lfTag.tagValues ?? [])],
        };
    }
    return undefined;
}

function classicResource(i: Inputs): LfResource | undefined {
    if (i.dataCellsFilter) return filterResource(i.dataCellsFilter);
    if (i.dataLocation) {
        return { kind: "dataLocation", catalogId: i.dataLocation.catalogId ?? i.catalogId, arn: i.dataLocation.arn };
    }
    if (i.tableWithColumns) {
        const t = i.tableWithColumns;
        return {
            kind: "tableWithColumns",
            catalogId: t.catalogId ?? i.catalogId,
            databaseName: t.databaseName,
            name: t.name,
            excludedColumns: [...(t.excludedColumnNames ?? [])].sort(),
        };
    }
    if (i.table) {
        return {
            kind: "table",
            catalogId: i.table.catalogId ?? i.catalogId,
            databaseName: i.table.databaseName,
            name: i.table.name ?? "*",
        };
    }
    if (i.database) {
        return { kind: "database", catalogId: i.database.catalogId ?? i.catalogId, databaseName: i.database.name };
    }
    if (i.lfTagPolicy) {
        return {
            kind: "lfTagPolicy",
            catalogId: i.lfTagPolicy.catalogId ?? i.catalogId,
            resourceType: i.lfTagPolicy.resourceType,
            expression: (i.lfTagPolicy.expressions ?? []).map((c: Inputs) => ({
                key: c.key,
                values: [...(c.values ?? [])],
            })),
        };
    }
    if (i.lfTag) {
        return {
            kind: "lfTag",
            catalogId: i.lfTag.catalogId ?? i.catalogId,
            key: i.lfTag.key,
            values: [...(i.lfTag.values ?? [])],
        };
    }
    return undefined;
}
