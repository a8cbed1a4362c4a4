/**
 * The Lake Formation permission model of the project, as pure data.
 *
 * One function, `requiredGrants`, says which grants the consumer's querying principal needs.
 * The Pulumi components create exactly these grants, the offline plan reports them, and the
 * operations CLI checks and repairs them: nobody writes the model twice.
 *
 * Cross-account access through a resource link takes two grants (the "grant on target"):
 * DESCRIBE on the link in the consumer catalog, and SELECT (plus DESCRIBE) on the target
 * table in the producer catalog. A grant on a link gives nothing on its target.
 */
import type { DataSource, ReaderConfig, SharingMode, TableConfig } from "./config/types";

export type { DataSource, ReaderConfig } from "./config/types";
import { EXCLUSION_TAG_KEY, EXCLUSION_TAG_VALUE, principalLabel } from "./names";

export type LfPermission =
    | "SELECT"
    | "DESCRIBE"
    | "INSERT"
    | "DELETE"
    | "ALTER"
    | "DROP"
    | "ALL"
    | "CREATE_TABLE"
    | "CREATE_DATABASE"
    | "DATA_LOCATION_ACCESS"
    | "ASSOCIATE"
    | "SUPER";

export interface LfTagCondition {
    readonly key: string;
    readonly values: readonly string[];
}

/** A Lake Formation resource, normalised across the Pulumi resource types that can grant on it. */
export type LfResource =
    | { readonly kind: "database"; readonly catalogId: string; readonly databaseName: string }
    | { readonly kind: "table"; readonly catalogId: string; readonly databaseName: string; readonly name: string }
    | {
          readonly kind: "tableWithColumns";
          readonly catalogId: string;
          readonly databaseName: string;
          readonly name: string;
          readonly excludedColumns: readonly string[];
      }
    | {
          readonly kind: "lfTagPolicy";
          readonly catalogId: string;
          readonly resourceType: "TABLE" | "DATABASE";
          readonly expression: readonly LfTagCondition[];
      }
    | { readonly kind: "lfTag"; readonly catalogId: string; readonly key: string; readonly values: readonly string[] }
    | {
          /** A data cells filter: `catalogId` is the catalog of its table (TableCatalogId). */
          readonly kind: "dataCellsFilter";
          readonly catalogId: string;
          readonly databaseName: string;
          readonly tableName: string;
          readonly name: string;
      }
    | {
          /** A registered S3 location (its ARN): DATA_LOCATION_ACCESS lets a principal create tables there. */
          readonly kind: "dataLocation";
          readonly catalogId: string;
          readonly arn: string;
      };

/** Lake Formation's stand-in for "whatever IAM allows": a grant to it switches LF off for the resource. */
export const IAM_ALLOWED_PRINCIPALS = "IAM_ALLOWED_PRINCIPALS";

/** Which stack (and so which account's credentials) makes a grant. */
export type GrantSide = "producer" | "consumer";

export interface LfGrant {
    readonly side: GrantSide;
    /** IAM principal ARN (or account id) receiving the permissions. */
    readonly principal: string;
    readonly resource: LfResource;
    /** Sorted. */
    readonly permissions: readonly LfPermission[];
    /** Sorted; the subset of `permissions` that may be re-granted. */
    readonly grantable: readonly LfPermission[];
}

/**
 * The share, as the permission model reads it. Field names are the config keys' names, and the
 * components' args are picks of this type (`ProducerShareArgs`, `ConsumerLinkSetArgs`): one model,
 * no renaming between config, args and grants.
 */
export interface ShareModel {
    /** The producer account: owner of the catalog that holds the shared tables. */
    readonly producerAccountId: string;
    /** The consumer account: receives the grants in `lfTags` mode, holds the links. */
    readonly consumerAccountId: string;
    /** Database holding the shared tables in the producer catalog. */
    readonly producerDatabaseName: string;
    /** Database in the consumer catalog that holds the resource links. */
    readonly consumerDatabaseName: string;
    /** The shared tables, with their links and excluded columns. */
    readonly tables: readonly TableConfig[];
    /** The consumer's querying principal: the export Lambda's execution role ARN. */
    readonly consumerPrincipalArn: string;
    /** Give the principal the grant option on the producer's grants (`named` mode). Default false: least privilege. */
    readonly grantWithGrantOption?: boolean;
    /** Create links (and so their DESCRIBE grants) in the consumer. Default true. */
    readonly enableResourceLinks?: boolean;
    /** Default `named`. */
    readonly sharingMode?: SharingMode;
    /** LF-tags on every shared table (`lfTags` mode). */
    readonly lfTags?: Readonly<Record<string, string>>;
    /**
     * Where the tables come from. `producerCatalog` (default): the producer owns them and grants
     * them to the consumer's role. `connectAnalytics`: Amazon Connect shares them from its own
     * catalog straight to the consumer account (through RAM), and the consumer grants its role.
     */
    readonly dataSource?: DataSource;
    /** The catalog that owns the tables. Default: the producer account (`producerCatalog`). */
    readonly sourceCatalogId?: string;
    /** Analysts' and BI roles of the consumer account, each seeing some rows and columns. Default none. */
    readonly readers?: readonly ReaderConfig[];
    /** The export's Iceberg tables, when the consumer runs the export. */
    readonly export?: ExportShare;
}

/** The export's side of Lake Formation, in the consumer account (`enableLambdaExport`). */
export interface ExportShare {
    /** Glue database of the Iceberg tables (consumer catalog). */
    readonly databaseName: string;
    /** S3 ARN of the tables' location, registered with Lake Formation so it vends access to it. */
    readonly locationArn: string;
    /** Principals given DESCRIBE and SELECT on every export table (config `exportReaders`). */
    readonly readers: readonly string[];
    /**
     * The Glue table optimizers' role (compaction, snapshot retention, orphan file deletion): on a
     * registered location it needs Lake Formation ALTER, DESCRIBE, INSERT and DELETE on the tables
     * (glue/latest/dg/optimization-prerequisites.html). Absent: no optimizers (older outputs).
     */
    readonly optimizerRoleArn?: string;
}

/** A data cells filter on a target table: the rows and columns one reader sees of it. */
export interface DataFilter {
    readonly name: string;
    /** The catalog of the table (TableCatalogId): the owner, since a filter never names a link. */
    readonly tableCatalogId: string;
    readonly databaseName: string;
    readonly tableName: string;
    /** PartiQL row filter; undefined: all rows. */
    readonly rowFilter?: string;
    readonly excludedColumns: readonly string[];
}

/** The catalog that owns the shared tables. */
export const sourceCatalogOf = (model: Pick<ShareModel, "sourceCatalogId" | "producerAccountId">): string =>
    model.sourceCatalogId ?? model.producerAccountId;

/** Athena reads `default` before any query of Lake Formation data (athena/latest/ug/lf-athena-limitations.html). */
export const ATHENA_DEFAULT_DATABASE = "default";

/** A table in a catalog: a target, a resource link, or a filter's table. */
export interface TableRef {
    readonly catalogId: string;
    readonly databaseName: string;
    readonly name: string;
}

/** A shared table itself, in the catalog that owns it: what a link points to and a filter names. */
export const targetOf = (
    model: Pick<ShareModel, "producerDatabaseName" | "sourceCatalogId" | "producerAccountId">,
    table: string,
): TableRef => ({ catalogId: sourceCatalogOf(model), databaseName: model.producerDatabaseName, name: table });

/** `<catalog>:<database>.<table>`, as plans, checks and messages print a table. */
export const describeTable = (t: TableRef) => `${t.catalogId}:${t.databaseName}.${t.name}`;

/** The consumer's resource link of that name. */
export const linkOf = (model: Pick<ShareModel, "consumerAccountId" | "consumerDatabaseName">, linkName: string) =>
    ({ catalogId: model.consumerAccountId, databaseName: model.consumerDatabaseName, name: linkName }) as TableRef;

/** The table a resource is on (a filter's table), or undefined for databases, tags and locations. */
export function tableOfResource(resource: LfResource): TableRef | undefined {
    switch (resource.kind) {
        case "table":
        case "tableWithColumns":
            return { catalogId: resource.catalogId, databaseName: resource.databaseName, name: resource.name };
        case "dataCellsFilter":
            return { catalogId: resource.catalogId, databaseName: resource.databaseName, name: resource.tableName };
        default:
            return undefined;
    }
}

/** Is a resource on `table`: the table itself, a filter of it, or every table of its database (`*`). */
export function reachesTable(resource: LfResource, table: TableRef): boolean {
    const on = tableOfResource(resource);
    return (
        on !== undefined &&
        on.catalogId === table.catalogId &&
        on.databaseName === table.databaseName &&
        (on.name === table.name || (resource.kind === "table" && on.name === "*"))
    );
}

/** A grant the consumer makes in its own catalog; never grantable: its principals pass nothing on. */
const consumerGrant = (principal: string, resource: LfResource, permissions: LfPermission[]): LfGrant => ({
    side: "consumer",
    principal,
    resource,
    permissions: sortPermissions(permissions),
    grantable: [],
});

/** What the producer's side of the model reads (it knows nothing of the consumer's links). */
export type ProducerShareModel = Pick<
    ShareModel,
    | "producerAccountId"
    | "consumerAccountId"
    | "producerDatabaseName"
    | "tables"
    | "consumerPrincipalArn"
    | "grantWithGrantOption"
    | "sharingMode"
    | "lfTags"
    | "dataSource"
    | "sourceCatalogId"
>;

/** LF-tags the producer assigns in `lfTags` mode: on each table, and overriding on excluded columns. */
export interface TagAssignment {
    readonly catalogId: string;
    readonly databaseName: string;
    readonly table: string;
    readonly tags: Readonly<Record<string, string>>;
    /** Column-level tags, which override the table's for those columns. */
    readonly columnTags: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Every value each LF-tag key takes in the share's assignments (what the producer must define). */
export function lfTagDefinitions(assignments: readonly TagAssignment[]): Record<string, string[]> {
    const values: Record<string, Set<string>> = {};
    for (const a of assignments) {
        for (const tags of [a.tags, ...Object.values(a.columnTags)]) {
            for (const [k, v] of Object.entries(tags)) (values[k] ??= new Set()).add(v);
        }
    }
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [...v].sort()]));
}

export function tagAssignments(model: ProducerShareModel): TagAssignment[] {
    if (model.sharingMode !== "lfTags") return [];
    const tags = { ...(model.lfTags ?? {}) };
    return model.tables.map((t) => ({
        catalogId: model.producerAccountId,
        databaseName: model.producerDatabaseName,
        table: t.name,
        tags,
        columnTags: Object.fromEntries(
            (t.excludedColumns ?? []).map((c) => [c, { [EXCLUSION_TAG_KEY]: EXCLUSION_TAG_VALUE }]),
        ),
    }));
}

/** The LF-tag expression of the share: every configured tag at its table value. */
export function shareExpression(model: Pick<ShareModel, "lfTags">): LfTagCondition[] {
    return Object.entries(model.lfTags ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => ({ key, values: [value] }));
}

/**
 * Grants the producer makes in its own catalog.
 * - `named`: SELECT and DESCRIBE on each shared table to the consumer's role; with excluded
 *   columns, DESCRIBE on the table and SELECT on all columns but those (TableWithColumns).
 * - `lfTags`: SELECT and DESCRIBE on the share's tag expression, and DESCRIBE on its tags, to the
 *   consumer *account* with the grant option, which the consumer uses to re-grant to its role.
 *   Excluded columns carry an overriding tag value, so the expression does not match them.
 */
export function producerGrants(model: ProducerShareModel): LfGrant[] {
    // Connect's tables are shared with the consumer account directly; the producer grants nothing.
    if (model.dataSource === "connectAnalytics") return [];
    const read: LfPermission[] = ["DESCRIBE", "SELECT"];
    const catalogId = model.producerAccountId;
    if (model.sharingMode === "lfTags") {
        const expression = shareExpression(model);
        return [
            {
                side: "producer",
                principal: model.consumerAccountId,
                resource: { kind: "lfTagPolicy", catalogId, resourceType: "TABLE", expression },
                permissions: read,
                grantable: read,
            },
            ...expression.map(
                (c): LfGrant => ({
                    side: "producer",
                    principal: model.consumerAccountId,
                    resource: { kind: "lfTag", catalogId, key: c.key, values: c.values },
                    permissions: ["DESCRIBE"],
                    grantable: ["DESCRIBE"],
                }),
            ),
        ];
    }
    return targetGrants(model, "producer", model.grantWithGrantOption ?? false);
}

/**
 * DESCRIBE and SELECT on each target in the catalog that owns it, to the consumer's role; with
 * excluded columns, DESCRIBE on the table and SELECT on all columns but those (TableWithColumns).
 */
function targetGrants(
    model: Pick<
        ShareModel,
        "tables" | "producerDatabaseName" | "consumerPrincipalArn" | "producerAccountId" | "sourceCatalogId"
    >,
    side: GrantSide,
    grantOption: boolean,
): LfGrant[] {
    const principal = model.consumerPrincipalArn;
    const grantable = (permissions: LfPermission[]) => (grantOption ? permissions : []);
    return model.tables.flatMap((table): LfGrant[] => {
        const excluded = table.excludedColumns ?? [];
        const onTable = { kind: "table" as const, ...targetOf(model, table.name) };
        if (excluded.length === 0) {
            const read: LfPermission[] = ["DESCRIBE", "SELECT"];
            return [{ side, principal, resource: onTable, permissions: read, grantable: grantable(read) }];
        }
        return [
            { side, principal, resource: onTable, permissions: ["DESCRIBE"], grantable: grantable(["DESCRIBE"]) },
            {
                side,
                principal,
                resource: { ...onTable, kind: "tableWithColumns", excludedColumns: [...excluded].sort() },
                permissions: ["SELECT"],
                grantable: grantable(["SELECT"]),
            },
        ];
    });
}

/**
 * Grants the consumer makes, to its own role: DESCRIBE on each resource link and on the `default`
 * database (its own catalog), and what the account received to pass on: in `connectAnalytics`
 * mode the targets in Connect's catalog, in `lfTags` mode the tag expression. Never the grant
 * option: the role passes nothing on.
 */
export function consumerGrants(model: ShareModel): LfGrant[] {
    const principal = model.consumerPrincipalArn;
    const received: LfGrant[] =
        model.dataSource === "connectAnalytics"
            ? targetGrants(model, "consumer", false)
            : model.sharingMode === "lfTags"
              ? [
                    consumerGrant(
                        principal,
                        {
                            kind: "lfTagPolicy",
                            catalogId: model.producerAccountId,
                            resourceType: "TABLE",
                            expression: shareExpression(model),
                        },
                        ["DESCRIBE", "SELECT"],
                    ),
                ]
              : [];
    const links = model.tables.flatMap((t) => linkGrant(model, principal, t.linkName));
    return [...received, ...links, defaultDatabaseGrant(model, principal), ...readerGrants(model)];
}

/** DESCRIBE on a resource link (when the consumer makes links): the table is visible through it. */
function linkGrant(
    model: Pick<ShareModel, "consumerAccountId" | "consumerDatabaseName" | "enableResourceLinks">,
    principal: string,
    linkName: string | undefined,
): LfGrant[] {
    return linkName && (model.enableResourceLinks ?? true)
        ? [consumerGrant(principal, { kind: "table", ...linkOf(model, linkName) }, ["DESCRIBE"])]
        : [];
}

/** DESCRIBE on the consumer's `default` database, which Athena reads before any query. */
function defaultDatabaseGrant(model: Pick<ShareModel, "consumerAccountId">, principal: string): LfGrant {
    const resource: LfResource = {
        kind: "database",
        catalogId: model.consumerAccountId,
        databaseName: ATHENA_DEFAULT_DATABASE,
    };
    return consumerGrant(principal, resource, ["DESCRIBE"]);
}

/** SELECT on a data cells filter, for the reader it was made for. */
function filterGrant(principal: string, f: DataFilter): LfGrant {
    const resource: LfResource = {
        kind: "dataCellsFilter",
        catalogId: f.tableCatalogId,
        databaseName: f.databaseName,
        tableName: f.tableName,
        name: f.name,
    };
    return consumerGrant(principal, resource, ["SELECT"]);
}

/** The name of a reader's filter on one table: the principal's label (a user's is `user/<name>`) and the table. */
export function filterName(principal: string, table: string): string {
    return `${principalLabel(principal)}-${table}`;
}

/**
 * One data cells filter per (reader, table), on the target in the catalog that owns it: a filter
 * must name the table itself, never a resource link (lake-formation/latest/dg/data-filtering-notes.html).
 */
export function readerFilters(
    model: Pick<ShareModel, "readers" | "producerDatabaseName" | "sourceCatalogId" | "producerAccountId">,
): DataFilter[] {
    return filtersOf(
        model.readers,
        (table) => targetOf(model, table),
        () => new Set(),
    );
}

/** Each reader's filter on each of its tables at `tableRef(table)`; columns withheld elsewhere are not named again. */
function filtersOf(
    readers: readonly ReaderConfig[] | undefined,
    tableRef: (table: string) => TableRef,
    withheldElsewhere: (table: string) => ReadonlySet<string>,
): DataFilter[] {
    return (readers ?? []).flatMap((reader) =>
        reader.tables.map((table) => {
            const withheld = withheldElsewhere(table);
            const on = tableRef(table);
            return {
                name: filterName(reader.principal, table),
                tableCatalogId: on.catalogId,
                databaseName: on.databaseName,
                tableName: on.name,
                ...(reader.rowFilter !== undefined ? { rowFilter: reader.rowFilter } : {}),
                excludedColumns: [...(reader.excludedColumns[table] ?? [])].filter((c) => !withheld.has(c)).sort(),
            };
        }),
    );
}

/**
 * What each reader is granted: SELECT on its filters (never on the table: an all-rows SELECT
 * would override every filter, lake-formation/latest/dg/athena-lf.html), DESCRIBE on the links it
 * reads through and on `default`. The consumer makes them, for its own principals.
 */
function readerGrants(model: ShareModel): LfGrant[] {
    return (model.readers ?? []).flatMap((reader): LfGrant[] => [
        ...readerFilters({ ...model, readers: [reader] }).flatMap((f): LfGrant[] => [
            filterGrant(reader.principal, f),
            ...linkGrant(model, reader.principal, model.tables.find((t) => t.name === f.tableName)?.linkName),
        ]),
        defaultDatabaseGrant(model, reader.principal),
    ]);
}

/**
 * The export's grants, made by the consumer in its own catalog: its role may create tables in the
 * export database and at their registered location (the tables it creates are then its own: "table
 * creators have all permissions on tables that they create", lake-formation/latest/dg/implicit-permissions.html),
 * and each export reader may describe the database and read every table in it (a table wildcard
 * also covers the tables the export creates later).
 */
export function exportGrants(
    model: Pick<ShareModel, "consumerAccountId" | "consumerPrincipalArn" | "export" | "readers" | "tables">,
): LfGrant[] {
    const e = model.export;
    if (!e) return [];
    const catalogId = model.consumerAccountId;
    const database: LfResource = { kind: "database", catalogId, databaseName: e.databaseName };
    return [
        consumerGrant(model.consumerPrincipalArn, database, ["CREATE_TABLE", "DESCRIBE"]),
        consumerGrant(model.consumerPrincipalArn, { kind: "dataLocation", catalogId, arn: e.locationArn }, [
            "DATA_LOCATION_ACCESS",
        ]),
        // "If the optimization role doesn't have IAM_ALLOWED_PRINCIPALS group permissions granted on the
        // table, the role requires Lake Formation ALTER, DESCRIBE, INSERT and DELETE permissions on the table."
        ...(e.optimizerRoleArn
            ? [
                  consumerGrant(
                      e.optimizerRoleArn,
                      { kind: "table", catalogId, databaseName: e.databaseName, name: "*" },
                      ["ALTER", "DELETE", "DESCRIBE", "INSERT"],
                  ),
              ]
            : []),
        ...e.readers.flatMap((reader) => [
            consumerGrant(reader, database, ["DESCRIBE"]),
            consumerGrant(reader, { kind: "table", catalogId, databaseName: e.databaseName, name: "*" }, [
                "DESCRIBE",
                "SELECT",
            ]),
        ]),
        // Readers see the exported copy of their tables through their filters, never a table SELECT.
        ...[...new Set((model.readers ?? []).map((r) => r.principal))].map((p) =>
            consumerGrant(p, database, ["DESCRIBE"]),
        ),
        ...(model.readers ?? []).flatMap((reader) =>
            exportReaderFilters({ ...model, readers: [reader] }).map((f) => filterGrant(reader.principal, f)),
        ),
    ];
}

/**
 * Readers' filters on the export's own tables: the consumer owns those tables, so a reader of a
 * table sees the exported copy through the same rows and columns as the shared one. Columns the
 * producer withholds are not in the export at all, so they are not named again.
 */
export function exportReaderFilters(
    model: Pick<ShareModel, "readers" | "tables" | "consumerAccountId" | "export">,
): DataFilter[] {
    const e = model.export;
    if (!e) return [];
    const catalogId = model.consumerAccountId;
    return filtersOf(
        model.readers,
        (table) => ({ catalogId, databaseName: e.databaseName, name: table }),
        (table) => new Set(model.tables.find((t) => t.name === table)?.excludedColumns ?? []),
    );
}

/** Every grant the principals need, both sides and the export's. */
export function requiredGrants(model: ShareModel): LfGrant[] {
    return [...producerGrants(model), ...consumerGrants(model), ...exportGrants(model)];
}

/** A stable identity for a grant's resource, for matching grants across sources. */
export function resourceKey(resource: LfResource): string {
    switch (resource.kind) {
        case "database":
            return `database:${resource.catalogId}:${resource.databaseName}`;
        case "table":
            return `table:${resource.catalogId}:${resource.databaseName}.${resource.name}`;
        case "tableWithColumns":
            return `tableWithColumns:${resource.catalogId}:${resource.databaseName}.${resource.name}:-${[...resource.excludedColumns].sort().join(",")}`;
        case "lfTagPolicy":
            return `lfTagPolicy:${resource.catalogId}:${resource.resourceType}:${resource.expression
                .map((c) => `${c.key}=${[...c.values].sort().join("|")}`)
                .sort()
                .join("&")}`;
        case "lfTag":
            return `lfTag:${resource.catalogId}:${resource.key}=${[...resource.values].sort().join("|")}`;
        case "dataCellsFilter":
            return `dataCellsFilter:${resource.catalogId}:${resource.databaseName}.${resource.tableName}/${resource.name}`;
        case "dataLocation":
            return `dataLocation:${resource.catalogId}:${resource.arn}`;
    }
}

/** Short human-readable name of a resource, for plan output and CLI messages. */
export function describeResource(resource: LfResource): string {
    switch (resource.kind) {
        case "database":
            return `${resource.catalogId}:${resource.databaseName}`;
        case "table":
            return describeTable(resource);
        case "tableWithColumns":
            return `${describeTable(resource)} (all columns except ${resource.excludedColumns.join(", ")})`;
        case "lfTagPolicy":
            return `${resource.catalogId}:${resource.resourceType} where ${resource.expression.map((c) => `${c.key} in (${c.values.join(", ")})`).join(" and ")}`;
        case "lfTag":
            return `${resource.catalogId}:LF-tag ${resource.key}=${resource.values.join("|")}`;
        case "dataCellsFilter":
            return `${resource.catalogId}:${resource.databaseName}.${resource.tableName} through filter ${resource.name}`;
        case "dataLocation":
            return `${resource.catalogId}:location ${resource.arn}`;
    }
}

/** Grants in a stable order: the producer's first, then by principal and resource. */
export function sortGrants<T extends LfGrant>(grants: readonly T[]): T[] {
    const key = (g: LfGrant) => `${g.side === "producer" ? 0 : 1}|${g.principal}|${resourceKey(g.resource)}`;
    return [...grants].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function sortPermissions<T extends string>(permissions: readonly T[]): T[] {
    return [...new Set(permissions)].sort();
}
