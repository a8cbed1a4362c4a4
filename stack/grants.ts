import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DataFilter, LfGrant, resourceKey } from "../lib/permissions";
import { toPermissionsArgs } from "../lib/lfResources";
import { iamPrincipalAccount, principalLabel, shortHash } from "../lib/names";

/**
 * Creates one Lake Formation grant per model grant: one resource per (principal, resource).
 *
 * Which resource type, as of 2026-11 (re-check these before changing it):
 * - `aws-native.lakeformation.PrincipalPermissions` goes through Cloud Control, whose GetResource
 *   rejects the resource's own identifier right after the create: the grant is made in AWS but the
 *   resource never reaches the stack's state, and the next `pulumi up` fails with AlreadyExists
 *   (pulumi-aws-native #648, open; #1303 closed as its duplicate; the same bug in Terraform's awscc
 *   provider, #2826, open in 2025-10). So it cannot be deployed twice.
 * - `aws.lakeformation.Permissions` (this one) calls GrantPermissions and RevokePermissions
 *   directly. Its read-back with a principal filter used to miss cross-account IAM principals, the
 *   producer's grants to the consumer's role here; terraform-provider-aws PR #49398 (merged
 *   2026-08-11) filters by resource and matches the principal itself. Assumed, not checked: the
 *   pinned @pulumi/aws (7.48.0, published 2026-09-22) bridges an upstream release with it. Still open: #49669, a role grant on a RAM-shared table read through a resource link is
 *   not found on read, so a `pulumi refresh` drops it from the state (it is not revoked), and the
 *   next `pulumi up` grants it again (GrantPermissions of a held permission succeeds).
 *
 * Lake Formation grants are not reference-counted: revoking (principal, resource, permission)
 * removes it whoever granted it. Every input of a grant forces replacement, and Pulumi creates the
 * replacement before deleting the original, which would end with the permission revoked. So each
 * grant is `deleteBeforeReplace`, and its logical name names the principal and the resource but
 * not the permissions: changing the permissions or the grant option replaces the grant under the
 * same name instead of creating a second one beside it. A column-limited SELECT waits for the
 * table grant of the same principal, so a replaced table grant is revoked before it is made.
 */
export function createGrants(
    namePrefix: string,
    grants: readonly LfGrant[],
    grantorAccountId: string,
    opts: pulumi.CustomResourceOptions,
    /** An Output for the principal of the model's grants, so grants wait for it to exist. */
    principalOutput?: { readonly arn: string; readonly output: pulumi.Input<string> },
): aws.lakeformation.Permissions[] {
    const labels = principalLabels(grants.map((g) => g.principal));
    const names = grants.map((grant) => `${namePrefix}-${grantName(grant, labels.get(grant.principal))}`);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) {
        throw new Error(
            `two grants would share the name ${duplicate}; the permission model emits one per (principal, resource)`,
        );
    }
    const made = new Map<string, aws.lakeformation.Permissions>();
    return grants.map((grant, i) => {
        const args = toPermissionsArgs(grant, grantorAccountId);
        const principal =
            principalOutput && grant.principal === principalOutput.arn ? principalOutput.output : grant.principal;
        const r = grant.resource;
        const tableGrant = r.kind === "tableWithColumns" ? made.get(tableKey(grant.principal, r)) : undefined;
        const resource = new aws.lakeformation.Permissions(
            names[i],
            { ...args, principal },
            {
                ...opts,
                deleteBeforeReplace: true,
                dependsOn: [...dependencies(opts.dependsOn), ...(tableGrant ? [tableGrant] : [])],
            },
        );
        if (r.kind === "table") made.set(tableKey(grant.principal, r), resource);
        return resource;
    });
}

/**
 * Each principal's label in grant names: `principalLabel`, and where principals of several accounts
 * share one (two consumers' roles of the default name), `<label>@<account>` for each of them. The
 * labels of a stack without such principals are the ones it always had.
 */
export function principalLabels(principals: readonly string[]): Map<string, string> {
    const distinct = [...new Set(principals)];
    const byLabel = new Map<string, string[]>();
    for (const p of distinct) {
        const label = principalLabel(p).toLowerCase();
        byLabel.set(label, [...(byLabel.get(label) ?? []), p]);
    }
    return new Map(
        distinct.map((p) => {
            const shared = (byLabel.get(principalLabel(p).toLowerCase()) ?? []).length > 1;
            const account = iamPrincipalAccount(p);
            return [p, shared && account ? `${principalLabel(p)}@${account}` : principalLabel(p)];
        }),
    );
}

function dependencies(dependsOn: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
    if (!dependsOn) return [];
    return Array.isArray(dependsOn) ? dependsOn : [dependsOn as pulumi.Input<pulumi.Resource>];
}

const tableKey = (principal: string, r: { catalogId: string; databaseName: string; name: string }) =>
    `${principal}|${r.catalogId}:${r.databaseName}.${r.name}`;

/**
 * The logical name of a grant: who and on what, never which permissions. Table grants read
 * `<principal>-<catalog>.<database>.<table>` (`-cols` for a column-limited one).
 */
export function grantName(grant: LfGrant, label?: string): string {
    const r = grant.resource;
    const principal = label ?? principalLabel(grant.principal);
    switch (r.kind) {
        case "table":
            return `${principal}-${r.catalogId}.${r.databaseName}.${r.name}`;
        case "tableWithColumns":
            return `${principal}-${r.catalogId}.${r.databaseName}.${r.name}-cols`;
        case "database":
            return `${principal}-${r.catalogId}.${r.databaseName}`;
        case "lfTag":
            return `${principal}-lftag-${r.key}`;
        case "lfTagPolicy":
            return `${principal}-lftagpolicy-${shortHash(resourceKey(r))}`;
        case "dataCellsFilter":
            return `${principal}-${r.catalogId}.${r.databaseName}.${r.tableName}-filter-${r.name}`;
        case "dataLocation":
            return `${principal}-${r.catalogId}-location-${r.arn.slice(r.arn.lastIndexOf(":") + 1)}`;
    }
}

/**
 * One Lake Formation data cells filter per model filter. Every property forces replacement and a
 * name is unique per table, so a changed filter is deleted before its replacement is made. The
 * documented forms: all rows is `allRowsWildcard {}`, all columns an empty exclusion list
 * (terraform-provider-aws #46351, #48208 fixed by #48276).
 */
export function createDataFilters(
    namePrefix: string,
    filters: readonly DataFilter[],
    opts: pulumi.CustomResourceOptions,
): aws.lakeformation.DataCellsFilter[] {
    return filters.map(
        (f) =>
            new aws.lakeformation.DataCellsFilter(
                `${namePrefix}-filter-${f.name}`,
                {
                    tableData: {
                        tableCatalogId: f.tableCatalogId,
                        databaseName: f.databaseName,
                        tableName: f.tableName,
                        name: f.name,
                        rowFilter:
                            f.rowFilter !== undefined ? { filterExpression: f.rowFilter } : { allRowsWildcard: {} },
                        columnWildcard: { excludedColumnNames: [...f.excludedColumns] },
                    },
                },
                { ...opts, deleteBeforeReplace: true },
            ),
    );
}
