/**
 * What the stacks must deploy, written out by hand from the documented model
 * (/work/shared/reference/lake-formation.md, connect-datalake.md), never computed by
 * lib/permissions.ts: every Lake Formation grant (as `aws.lakeformation.Permissions` takes it:
 * principal, the catalog the grant is made in, the resource, the permissions and those grantable)
 * and every data cells filter, for one stack pair per data source and one with readers:
 *  - PRODUCER_CATALOG: the repo's Pulumi.producer.yaml / Pulumi.consumer.yaml (the producer owns
 *    the tables and grants the consumer's role SELECT on them; the consumer DESCRIBE on its links);
 *    with variants for column exclusions and LF-tag sharing;
 *  - CONNECT_ANALYTICS: examples/connect-analytics (Connect's catalog shares with the consumer
 *    account, whose admin grants its own role on the targets; the producer grants nothing);
 *  - SHARE_MANY: examples/share-many, the sales consumer with three readers (filters on Connect's
 *    tables and on the export's copies, SELECT on the filters only, DESCRIBE on links and default).
 * The permission tests compare the plans with these; the CLI's fake accounts are seeded from them
 * (tests/cli-fake-aws.ts connectDeployment), so `verify` is checked against this, not the model.
 */

export const PRODUCER = "111111111111";
export const CONSUMER = "222222222222";
/** The account of Connect's catalog in the offline plans (plan/mocks.ts: the RAM share's owner). */
export const CONNECT_CATALOG = "444455556666";
export const ROLE = `arn:aws:iam::${CONSUMER}:role/connect-analytics-lambda-execution-role`;
export const SALES_ANALYST = `arn:aws:iam::${CONSUMER}:role/sales-analyst`;
export const SALES_BI = `arn:aws:iam::${CONSUMER}:role/sales-bi`;
/** The Glue table optimizers' role (compaction, snapshot retention, orphan files) of the export. */
export const OPTIMIZER = `arn:aws:iam::${CONSUMER}:role/connect-analytics-dev-table-optimizer`;
export const WORKFORCE_PLANNER = `arn:aws:iam::${CONSUMER}:role/workforce-planner`;
const LINKS_DB = "connect_analytics_consumer";
const EXPORT_DB = "connect_analytics_exports";
const EXPORT_LOCATION = `arn:aws:s3:::connect-analytics-dev-exports-${CONSUMER}/connect/iceberg`;
const SALES_INSTANCE = "8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b";

/** One `aws.lakeformation.Permissions`, as its inputs say it. */
export interface ExpectedGrant {
    readonly principal: string;
    /** The catalog the grant is made in (the granting account). */
    readonly catalogId: string;
    readonly permissions: readonly string[];
    readonly permissionsWithGrantOptions: readonly string[];
    /** One table, or (`wildcard`) every table of the database, today's and future ones. */
    readonly table?:
        | { catalogId: string; databaseName: string; name: string }
        | { catalogId: string; databaseName: string; wildcard: true };
    readonly tableWithColumns?: {
        catalogId: string;
        databaseName: string;
        name: string;
        excludedColumnNames: string[];
        wildcard: true;
    };
    readonly database?: { catalogId: string; name: string };
    readonly dataCellsFilter?: { tableCatalogId: string; databaseName: string; tableName: string; name: string };
    readonly dataLocation?: { catalogId: string; arn: string };
    readonly lfTag?: { catalogId: string; key: string; values: string[] };
    readonly lfTagPolicy?: {
        catalogId: string;
        resourceType: "TABLE";
        expressions: { key: string; values: string[] }[];
    };
}

/** One `aws.lakeformation.DataCellsFilter`'s tableData. */
export interface ExpectedFilter {
    readonly tableCatalogId: string;
    readonly databaseName: string;
    readonly tableName: string;
    readonly name: string;
    /** PartiQL; undefined: all rows. */
    readonly rowFilter?: string;
    readonly excludedColumnNames: readonly string[];
}

export interface ExpectedStacks {
    readonly producer: readonly ExpectedGrant[];
    readonly consumer: readonly ExpectedGrant[];
    readonly filters: readonly ExpectedFilter[];
}

const grant = (
    principal: string,
    catalogId: string,
    permissions: string[],
    resource: Omit<ExpectedGrant, "principal" | "catalogId" | "permissions" | "permissionsWithGrantOptions">,
    grantable: string[] = [],
): ExpectedGrant => ({ principal, catalogId, permissions, permissionsWithGrantOptions: grantable, ...resource });
const table = (catalogId: string, databaseName: string, name: string) => ({ table: { catalogId, databaseName, name } });
const database = (catalogId: string, name: string) => ({ database: { catalogId, name } });

/** The consumer role's DESCRIBE on `default` (Athena reads it first) and on each link. */
const roleOnConsumer = (principal = ROLE): ExpectedGrant[] => [
    grant(principal, CONSUMER, ["DESCRIBE"], database(CONSUMER, "default")),
    ...["users_link", "contacts_link", "agent_hierarchy_groups_link"].map((link) =>
        grant(principal, CONSUMER, ["DESCRIBE"], table(CONSUMER, LINKS_DB, link)),
    ),
];
/**
 * The export's own grants: its role creates tables in its database and at its registered location;
 * the table optimizers' role gets ALTER, DELETE, DESCRIBE and INSERT on every table of the export's
 * database ("the role requires Lake Formation ALTER, DESCRIBE, INSERT and DELETE permissions on the
 * table", glue/latest/dg/optimization-prerequisites.html; no IAMAllowedPrincipals there).
 */
const exportGrants: ExpectedGrant[] = [
    grant(ROLE, CONSUMER, ["CREATE_TABLE", "DESCRIBE"], database(CONSUMER, EXPORT_DB)),
    grant(ROLE, CONSUMER, ["DATA_LOCATION_ACCESS"], { dataLocation: { catalogId: CONSUMER, arn: EXPORT_LOCATION } }),
    grant(OPTIMIZER, CONSUMER, ["ALTER", "DELETE", "DESCRIBE", "INSERT"], {
        table: { catalogId: CONSUMER, databaseName: EXPORT_DB, wildcard: true },
    }),
];

export const PRODUCER_CATALOG: ExpectedStacks = {
    producer: ["users", "contacts", "agent_hierarchy_groups"].map((t) =>
        grant(ROLE, PRODUCER, ["DESCRIBE", "SELECT"], table(PRODUCER, "connect_datalake", t)),
    ),
    consumer: [...roleOnConsumer(), ...exportGrants],
    filters: [],
};

/** excludedColumns {users: [email, mobile]}: DESCRIBE on users, SELECT on all its columns but those. */
export const PRODUCER_CATALOG_EXCLUSIONS: ExpectedStacks = {
    producer: [
        grant(ROLE, PRODUCER, ["DESCRIBE"], table(PRODUCER, "connect_datalake", "users")),
        grant(ROLE, PRODUCER, ["SELECT"], {
            tableWithColumns: {
                catalogId: PRODUCER,
                databaseName: "connect_datalake",
                name: "users",
                excludedColumnNames: ["email", "mobile"],
                wildcard: true,
            },
        }),
        grant(ROLE, PRODUCER, ["DESCRIBE", "SELECT"], table(PRODUCER, "connect_datalake", "contacts")),
        grant(ROLE, PRODUCER, ["DESCRIBE", "SELECT"], table(PRODUCER, "connect_datalake", "agent_hierarchy_groups")),
    ],
    consumer: [...roleOnConsumer(), ...exportGrants],
    filters: [],
};

/**
 * sharingMode lfTags, tags {domain: contact-center, sensitivity: general}, users' email excluded: the
 * producer grants the consumer *account*, with the grant option, on the tag expression and its tags;
 * the consumer re-grants the expression to its role (no grant option).
 */
const expression = [
    { key: "domain", values: ["contact-center"] },
    { key: "sensitivity", values: ["general"] },
];
export const PRODUCER_CATALOG_LF_TAGS: ExpectedStacks = {
    producer: [
        grant(
            CONSUMER,
            PRODUCER,
            ["DESCRIBE", "SELECT"],
            { lfTagPolicy: { catalogId: PRODUCER, resourceType: "TABLE", expressions: expression } },
            ["DESCRIBE", "SELECT"],
        ),
        grant(CONSUMER, PRODUCER, ["DESCRIBE"], { lfTag: { catalogId: PRODUCER, ...expression[0] } }, ["DESCRIBE"]),
        grant(CONSUMER, PRODUCER, ["DESCRIBE"], { lfTag: { catalogId: PRODUCER, ...expression[1] } }, ["DESCRIBE"]),
    ],
    consumer: [
        ...roleOnConsumer(),
        grant(ROLE, CONSUMER, ["DESCRIBE", "SELECT"], {
            lfTagPolicy: { catalogId: PRODUCER, resourceType: "TABLE", expressions: expression },
        }),
        ...exportGrants,
    ],
    filters: [],
};

/** examples/connect-analytics: users' email and mobile withheld from the role. */
export const CONNECT_ANALYTICS: ExpectedStacks = {
    producer: [],
    consumer: [
        ...roleOnConsumer(),
        grant(ROLE, CONSUMER, ["DESCRIBE"], table(CONNECT_CATALOG, "connect_datalake", "users")),
        grant(ROLE, CONSUMER, ["SELECT"], {
            tableWithColumns: {
                catalogId: CONNECT_CATALOG,
                databaseName: "connect_datalake",
                name: "users",
                excludedColumnNames: ["email", "mobile"],
                wildcard: true,
            },
        }),
        grant(ROLE, CONSUMER, ["DESCRIBE", "SELECT"], table(CONNECT_CATALOG, "connect_datalake", "contact_record")),
        grant(
            ROLE,
            CONSUMER,
            ["DESCRIBE", "SELECT"],
            table(CONNECT_CATALOG, "connect_datalake", "agent_hierarchy_groups"),
        ),
        ...exportGrants,
    ],
    filters: [],
};

/**
 * examples/share-many, the sales consumer. Readers (each sees the shared table and the export's copy
 * through its own filter; SELECT on the filter, never on a table; DESCRIBE on the links it reads
 * through, on `default` and on the export database):
 *  - sales-analyst: contact_record and users, rows of the sales instance, users without email, mobile;
 *  - sales-bi: contact_record, VOICE and CHAT only, without customer_endpoint_address;
 *  - workforce-planner: agent_hierarchy_groups whole, users without names, emails and mobile.
 */
const readers: { principal: string; name: string; tables: [string, string, string | undefined, string[]][] }[] = [
    {
        principal: SALES_ANALYST,
        name: "sales-analyst",
        tables: [
            ["contact_record", "contacts_link", `instance_id IN ('${SALES_INSTANCE}')`, []],
            ["users", "users_link", `instance_id IN ('${SALES_INSTANCE}')`, ["email", "mobile"]],
        ],
    },
    {
        principal: SALES_BI,
        name: "sales-bi",
        tables: [["contact_record", "contacts_link", "channel IN ('VOICE', 'CHAT')", ["customer_endpoint_address"]]],
    },
    {
        principal: WORKFORCE_PLANNER,
        name: "workforce-planner",
        tables: [
            ["agent_hierarchy_groups", "agent_hierarchy_groups_link", undefined, []],
            ["users", "users_link", undefined, ["email", "first_name", "last_name", "mobile", "secondary_email"]],
        ],
    },
];
const filterOn = (catalog: string, db: string) =>
    readers.flatMap((r) =>
        r.tables.map(
            ([tableName, , rowFilter, excluded]): ExpectedFilter => ({
                tableCatalogId: catalog,
                databaseName: db,
                tableName,
                name: `${r.name}-${tableName}`,
                ...(rowFilter ? { rowFilter } : {}),
                excludedColumnNames: excluded,
            }),
        ),
    );
const onFilter = (f: ExpectedFilter, principal: string) =>
    grant(principal, CONSUMER, ["SELECT"], {
        dataCellsFilter: {
            tableCatalogId: f.tableCatalogId,
            databaseName: f.databaseName,
            tableName: f.tableName,
            name: f.name,
        },
    });
const connectFilters = filterOn(CONNECT_CATALOG, "connect_datalake");
const exportFilters = filterOn(CONSUMER, EXPORT_DB);
const principalOf = (f: ExpectedFilter) => readers.find((r) => f.name.startsWith(`${r.name}-`))!.principal;

export const SHARE_MANY: ExpectedStacks = {
    producer: [],
    consumer: [
        ...roleOnConsumer(),
        ...["users", "contact_record", "agent_hierarchy_groups"].map((t) =>
            grant(ROLE, CONSUMER, ["DESCRIBE", "SELECT"], table(CONNECT_CATALOG, "connect_datalake", t)),
        ),
        ...exportGrants,
        ...readers.flatMap((r) => [
            grant(r.principal, CONSUMER, ["DESCRIBE"], database(CONSUMER, "default")),
            grant(r.principal, CONSUMER, ["DESCRIBE"], database(CONSUMER, EXPORT_DB)),
            ...r.tables.map(([, link]) => grant(r.principal, CONSUMER, ["DESCRIBE"], table(CONSUMER, LINKS_DB, link))),
        ]),
        ...[...connectFilters, ...exportFilters].map((f) => onFilter(f, principalOf(f))),
    ],
    filters: [...connectFilters, ...exportFilters],
};

/** Sorted by their JSON with sorted keys, so the expectation's order does not matter. */
export function sorted<T>(items: readonly T[]): T[] {
    const canonical = (x: unknown): unknown =>
        Array.isArray(x)
            ? x.map(canonical)
            : x && typeof x === "object"
              ? Object.fromEntries(
                    Object.keys(x)
                        .sort()
                        .map((k) => [k, canonical((x as Record<string, unknown>)[k])]),
                )
              : x;
    return items
        .map((x) => canonical(x) as T)
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}
