/**
 * Lake Formation grants as the API reports them, translated into the permission model of
 * `lib/permissions.ts`, and compared with what the model requires.
 *
 * Comparison is generic (by `resourceKey` and permission sets), so new grant kinds of the
 * model (column exclusions, LF-tag policies) are checked without touching this file.
 */
import {
    BatchGrantPermissionsCommand,
    BatchPermissionsRequestEntry,
    DataCellsFilter,
    LakeFormationClient,
    paginateListDataCellsFilter,
    paginateListPermissions,
    Permission,
    PrincipalResourcePermissions,
    Resource,
} from "@aws-sdk/client-lakeformation";
import {
    GrantSide,
    LfGrant,
    LfPermission,
    LfResource,
    reachesTable,
    resourceKey,
    sortPermissions,
    tableOfResource,
} from "../lib/permissions";
import { call, collect } from "./aws";

/** Lake Formation's principal for "IAM access control only" (the pre-Lake-Formation default). */

/** ListPermissions' documented maximum page size. */
const LIST_PERMISSIONS_PAGE = 1000;
/** BatchGrantPermissions takes at most 20 entries. */
const BATCH_GRANT_SIZE = 20;

/**
 * Maps the `Resource` of a ListPermissions entry to the model's `LfResource`; undefined for
 * resources the model has no kind for (catalog, data location, cells filter, saved tag expression,
 * explicit column lists).
 *
 * Lake Formation reports SELECT on a whole table as `TableWithColumns` with an empty
 * `ColumnWildcard`; that is the table itself, so it becomes `kind: "table"`.
 */
export function fromSdkResource(resource: Resource | undefined, defaultCatalogId: string): LfResource | undefined {
    if (!resource) return undefined;
    if (resource.TableWithColumns) {
        const t = resource.TableWithColumns;
        if (!t.ColumnWildcard || !t.DatabaseName || !t.Name) return undefined;
        const excluded = [...(t.ColumnWildcard.ExcludedColumnNames ?? [])].sort();
        const catalogId = t.CatalogId ?? defaultCatalogId;
        return excluded.length === 0
            ? { kind: "table", catalogId, databaseName: t.DatabaseName, name: t.Name }
            : {
                  kind: "tableWithColumns",
                  catalogId,
                  databaseName: t.DatabaseName,
                  name: t.Name,
                  excludedColumns: excluded,
              };
    }
    if (resource.Table) {
        const t = resource.Table;
        if (!t.DatabaseName) return undefined;
        return {
            kind: "table",
            catalogId: t.CatalogId ?? defaultCatalogId,
            databaseName: t.DatabaseName,
            name: t.TableWildcard || !t.Name ? "*" : t.Name,
        };
    }
    if (resource.DataCellsFilter) {
        const f = resource.DataCellsFilter;
        if (!f.DatabaseName || !f.TableName || !f.Name) return undefined;
        return {
            kind: "dataCellsFilter",
            catalogId: f.TableCatalogId ?? defaultCatalogId,
            databaseName: f.DatabaseName,
            tableName: f.TableName,
            name: f.Name,
        };
    }
    if (resource.DataLocation) {
        if (!resource.DataLocation.ResourceArn) return undefined;
        return {
            kind: "dataLocation",
            catalogId: resource.DataLocation.CatalogId ?? defaultCatalogId,
            arn: resource.DataLocation.ResourceArn,
        };
    }
    if (resource.Database) {
        if (!resource.Database.Name) return undefined;
        return {
            kind: "database",
            catalogId: resource.Database.CatalogId ?? defaultCatalogId,
            databaseName: resource.Database.Name,
        };
    }
    if (resource.LFTagPolicy) {
        const p = resource.LFTagPolicy;
        if (!p.Expression || (p.ResourceType !== "TABLE" && p.ResourceType !== "DATABASE")) return undefined;
        return {
            kind: "lfTagPolicy",
            catalogId: p.CatalogId ?? defaultCatalogId,
            resourceType: p.ResourceType,
            expression: p.Expression.map((c) => ({ key: c.TagKey ?? "", values: [...(c.TagValues ?? [])].sort() })),
        };
    }
    if (resource.LFTag) {
        const t = resource.LFTag;
        if (!t.TagKey) return undefined;
        return {
            kind: "lfTag",
            catalogId: t.CatalogId ?? defaultCatalogId,
            key: t.TagKey,
            values: [...(t.TagValues ?? [])].sort(),
        };
    }
    return undefined;
}

/** The `Resource` to send to GrantPermissions for a model resource. */
export function toSdkResource(resource: LfResource): Resource {
    switch (resource.kind) {
        case "database":
            return { Database: { CatalogId: resource.catalogId, Name: resource.databaseName } };
        case "table":
            return resource.name === "*"
                ? { Table: { CatalogId: resource.catalogId, DatabaseName: resource.databaseName, TableWildcard: {} } }
                : {
                      Table: {
                          CatalogId: resource.catalogId,
                          DatabaseName: resource.databaseName,
                          Name: resource.name,
                      },
                  };
        case "tableWithColumns":
            return {
                TableWithColumns: {
                    CatalogId: resource.catalogId,
                    DatabaseName: resource.databaseName,
                    Name: resource.name,
                    ColumnWildcard: { ExcludedColumnNames: [...resource.excludedColumns] },
                },
            };
        case "lfTagPolicy":
            return {
                LFTagPolicy: {
                    CatalogId: resource.catalogId,
                    ResourceType: resource.resourceType,
                    Expression: resource.expression.map((c) => ({ TagKey: c.key, TagValues: [...c.values] })),
                },
            };
        case "lfTag":
            return { LFTag: { CatalogId: resource.catalogId, TagKey: resource.key, TagValues: [...resource.values] } };
        case "dataCellsFilter":
            return {
                DataCellsFilter: {
                    TableCatalogId: resource.catalogId,
                    DatabaseName: resource.databaseName,
                    TableName: resource.tableName,
                    Name: resource.name,
                },
            };
        case "dataLocation":
            return { DataLocation: { CatalogId: resource.catalogId, ResourceArn: resource.arn } };
    }
}

/** A table-with-columns that excludes nothing is the table. */
function canonical(resource: LfResource): LfResource {
    if (resource.kind === "tableWithColumns" && resource.excludedColumns.length === 0) {
        return {
            kind: "table",
            catalogId: resource.catalogId,
            databaseName: resource.databaseName,
            name: resource.name,
        };
    }
    return resource;
}

/**
 * Normalises ListPermissions entries into grants, one per (principal, resource), merging the
 * entries Lake Formation splits (DESCRIBE on `Table`, SELECT on `TableWithColumns`).
 */
export function grantsFromListing(
    entries: readonly PrincipalResourcePermissions[],
    catalogId: string,
    side: GrantSide,
): LfGrant[] {
    const merged = new Map<
        string,
        { principal: string; resource: LfResource; permissions: Set<string>; grantable: Set<string> }
    >();
    for (const entry of entries) {
        const principal = entry.Principal?.DataLakePrincipalIdentifier;
        const resource = fromSdkResource(entry.Resource, catalogId);
        if (!principal || !resource) continue;
        const key = `${principal}|${resourceKey(resource)}`;
        const grant = merged.get(key) ?? { principal, resource, permissions: new Set(), grantable: new Set() };
        (entry.Permissions ?? []).forEach((p) => grant.permissions.add(p));
        (entry.PermissionsWithGrantOption ?? []).forEach((p) => grant.grantable.add(p));
        merged.set(key, grant);
    }
    return [...merged.values()].map((g) => ({
        side,
        principal: g.principal,
        resource: g.resource,
        permissions: sortPermissions([...g.permissions] as LfPermission[]),
        grantable: sortPermissions([...g.grantable] as LfPermission[]),
    }));
}

/** Both grants are on whole tables or columns (not filters), and `h` reaches `w`'s table. */
function sameTable(h: LfResource, w: LfResource): boolean {
    const wholeTable = (r: LfResource) => r.kind === "table" || r.kind === "tableWithColumns";
    return wholeTable(h) && wholeTable(w) && reachesTable(h, tableOfResource(w)!);
}

/**
 * Does a grant on `held` carry over to `wanted`: the same resource, all tables of the database,
 * or the same table with the same or more columns (the whole table, or fewer exclusions).
 */
export function covers(held: LfResource, wanted: LfResource): boolean {
    const h = canonical(held);
    const w = canonical(wanted);
    if (resourceKey(h) === resourceKey(w)) return true;
    if (!sameTable(h, w)) return false;
    if (h.kind === "table") return true;
    // A column-limited grant covers a table with at least its exclusions, never the whole table.
    return (
        w.kind === "tableWithColumns" &&
        h.kind === "tableWithColumns" &&
        h.excludedColumns.every((c) => w.excludedColumns.includes(c))
    );
}

/**
 * Of the columns a required column-limited grant withholds, those `principal` can still read
 * through other SELECT grants (on the whole table, or with fewer exclusions).
 */
export function readableExcluded(required: LfGrant, held: readonly LfGrant[], principal: string): string[] {
    const w = required.resource;
    if (w.kind !== "tableWithColumns" || !required.permissions.includes("SELECT")) return [];
    const readable = new Set<string>();
    for (const g of held) {
        if (g.principal !== principal || !(g.permissions.includes("SELECT") || g.permissions.includes("ALL"))) continue;
        const h = canonical(g.resource);
        if (!sameTable(h, w)) continue;
        const withheld = h.kind === "tableWithColumns" ? h.excludedColumns : [];
        w.excludedColumns.filter((c) => !withheld.includes(c)).forEach((c) => readable.add(c));
    }
    return [...readable].sort();
}

export interface Shortfall {
    /** Permissions of the required grant that no held grant gives. */
    readonly missing: LfPermission[];
    /** Of the required grantable permissions, those held without the grant option. */
    readonly missingGrantable: LfPermission[];
}

/** What `principal` lacks of `required`, given the grants it holds; `ALL` stands for every permission. */
export function shortfall(
    required: Pick<LfGrant, "resource" | "permissions" | "grantable">,
    held: readonly LfGrant[],
    principal: string,
): Shortfall {
    const relevant = held.filter((g) => g.principal === principal && covers(g.resource, required.resource));
    const has = new Set(relevant.flatMap((g) => g.permissions));
    const hasGrantable = new Set(relevant.flatMap((g) => g.grantable));
    return {
        missing: required.permissions.filter((p) => !has.has(p) && !has.has("ALL")),
        missingGrantable: required.grantable.filter((p) => !hasGrantable.has(p) && !hasGrantable.has("ALL")),
    };
}

export function isSatisfied(s: Shortfall): boolean {
    return s.missing.length === 0 && s.missingGrantable.length === 0;
}

/**
 * Every grant of a catalog, paginated, with no filter: unfiltered, ListPermissions returns the
 * explicit grants, which is what the model states; with a principal or resource filter it
 * returns computed permissions instead, and omits grants to IAM principals of other accounts
 * (terraform-provider-aws #44574, #48360). The number of pages depends on the catalog's grants,
 * not on the number of tables checked.
 */
export async function listGrants(lf: LakeFormationClient, catalogId: string, side: GrantSide): Promise<LfGrant[]> {
    const entries = await collect(
        "lakeformation:ListPermissions",
        paginateListPermissions({ client: lf, pageSize: LIST_PERMISSIONS_PAGE }, { CatalogId: catalogId }),
        (page) => page.PrincipalResourcePermissions,
    );
    return grantsFromListing(entries, catalogId, side);
}

/** ListDataCellsFilter's documented maximum page size (lake-formation/latest/APIReference/API_ListDataCellsFilter.html). */
const LIST_FILTERS_PAGE = 1000;

/**
 * Every data cells filter the caller can see, in one paginated listing: the API's `Table` is
 * optional ("Required: No"), so the number of calls follows the number of filters, not of tables.
 */
export async function listFilters(lf: LakeFormationClient): Promise<DataCellsFilter[]> {
    return collect(
        "lakeformation:ListDataCellsFilter",
        paginateListDataCellsFilter({ client: lf, pageSize: LIST_FILTERS_PAGE }, {}),
        (page) => page.DataCellsFilters,
    );
}

export interface GrantFailure {
    readonly grant: LfGrant;
    readonly error: string;
}

/** Grants in batches of 20; returns the entries Lake Formation refused, with its reason. */
export async function batchGrant(
    lf: LakeFormationClient,
    catalogId: string,
    grants: readonly LfGrant[],
): Promise<GrantFailure[]> {
    const failures: GrantFailure[] = [];
    for (let start = 0; start < grants.length; start += BATCH_GRANT_SIZE) {
        const chunk = grants.slice(start, start + BATCH_GRANT_SIZE);
        const entries: BatchPermissionsRequestEntry[] = chunk.map((g, i) => ({
            Id: String(start + i),
            Principal: { DataLakePrincipalIdentifier: g.principal },
            Resource: toSdkResource(g.resource),
            Permissions: [...g.permissions] as Permission[],
            PermissionsWithGrantOption: [...g.grantable] as Permission[],
        }));
        const out = await call("lakeformation:BatchGrantPermissions", () =>
            lf.send(new BatchGrantPermissionsCommand({ CatalogId: catalogId, Entries: entries })),
        );
        for (const failure of out.Failures ?? []) {
            const index = Number(failure.RequestEntry?.Id);
            const grant = grants[index];
            if (grant) {
                failures.push({
                    grant,
                    error: `${failure.Error?.ErrorCode ?? "Error"}: ${failure.Error?.ErrorMessage ?? "refused"}`,
                });
            }
        }
    }
    return failures;
}
