/**
 * Translation between the permission model (`LfGrant`) and the inputs of the Pulumi resources
 * that make Lake Formation grants, in both directions: the components use `toPrincipalPermissionsArgs`,
 * the offline plan and the policy pack read any grant back with `grantFromResourceInputs`.
 */
import { GrantSide, LfGrant, LfPermission, LfResource, sortPermissions } from "./permissions";

export const PRINCIPAL_PERMISSIONS_TYPE = "aws-native:lakeformation:PrincipalPermissions";
export const CLASSIC_PERMISSIONS_TYPE = "aws:lakeformation/permissions:Permissions";

/** Plain inputs of `aws-native.lakeformation.PrincipalPermissions`. */
export interface PrincipalPermissionsInputs {
    catalog: string;
    principal: { dataLakePrincipalIdentifier: string };
    resource: Record<string, unknown>;
    permissions: LfPermission[];
    permissionsWithGrantOption: LfPermission[];
}

/**
 * `catalog` is the account that makes the grant: the resource's owner for its own resources,
 * the consumer when it re-grants a resource shared with it (the resource keeps the owner's id).
 */
export function toPrincipalPermissionsArgs(
    grant: LfGrant,
    grantorAccountId: string = grant.resource.catalogId,
): PrincipalPermissionsInputs {
    const r = grant.resource;
    let resource: Record<string, unknown>;
    switch (r.kind) {
        case "database":
            resource = { database: { catalogId: r.catalogId, name: r.databaseName } };
            break;
        case "table":
            resource = { table: { catalogId: r.catalogId, databaseName: r.databaseName, name: r.name } };
            break;
        case "tableWithColumns":
            resource = {
                tableWithColumns: {
                    catalogId: r.catalogId,
                    databaseName: r.databaseName,
                    name: r.name,
                    columnWildcard: { excludedColumnNames: [...r.excludedColumns] },
                },
            };
            break;
        case "lfTagPolicy":
            resource = {
                lfTagPolicy: {
                    catalogId: r.catalogId,
                    resourceType: r.resourceType,
                    expression: r.expression.map((c) => ({ tagKey: c.key, tagValues: [...c.values] })),
                },
            };
            break;
        case "lfTag":
            resource = { lfTag: { catalogId: r.catalogId, tagKey: r.key, tagValues: [...r.values] } };
            break;
    }
    return {
        catalog: grantorAccountId,
        principal: { dataLakePrincipalIdentifier: grant.principal },
        resource,
        permissions: [...grant.permissions],
        permissionsWithGrantOption: [...grant.grantable],
    };
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

function nativeResource(r: Inputs, catalog: string | undefined): LfResource | undefined {
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
