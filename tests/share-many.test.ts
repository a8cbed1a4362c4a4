/**
 * Sharing with many (examples/share-many): two consumer accounts, two Connect instances, and three
 * readers with different row filters and column exclusions in one consumer.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as path from "path";
import { ConfigError, parseConfig } from "../lib/config";
import { planStack, PlanResult } from "../plan/run";
import { loadStackConfig } from "../plan/configFile";
import { MOCK_CONNECT_CATALOG } from "../plan/mocks";
import { checkPlan } from "../policy/check";
import { lakeformationFilteredReaderNoTableSelect } from "../policy/lakeFormation";
import { runPolicies } from "../policy/harness";
import { exportTables, ofType, rejection, ROOT } from "./helpers";
import { SETUP_EVENT } from "../functions";
import { BOTH, CONSUMER, connectDeployment, runCli } from "./cli-fake-aws";
import { SHARE_MANY } from "./expected-deployments";
import { dataAccess } from "./trail-events";

const EXAMPLE = path.join(ROOT, "examples", "share-many");
const SALES = "8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b";
const SUPPORT = "2d9a7c61-5e0f-4b3a-8c1d-6e7f8091a2b3";
const ANALYST = "arn:aws:iam::222222222222:role/sales-analyst";
const BI = "arn:aws:iam::222222222222:role/sales-bi";
const PLANNER = "arn:aws:iam::222222222222:role/workforce-planner";
const ROLE = "arn:aws:iam::222222222222:role/connect-analytics-lambda-execution-role";
const FILTER = "aws:lakeformation/dataCellsFilter:DataCellsFilter";
const GRANT = "aws:lakeformation/permissions:Permissions";

function issues(stack: string, overrides: Record<string, unknown>): Array<{ key: string; message: string }> {
    const config = loadStackConfig(EXAMPLE, stack);
    for (const [key, value] of Object.entries(overrides)) {
        config[`connect-analytics:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    try {
        parseConfig(config);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.issues];
    }
    return [];
}

describe("sharing with many: two consumers, two instances, three readers", () => {
    let producer: PlanResult;
    let sales: PlanResult;
    let support: PlanResult;
    before(async () => {
        producer = await planStack("producer", { configDir: EXAMPLE });
        sales = await planStack("consumer", { configDir: EXAMPLE });
        support = await planStack("consumer-support", { configDir: EXAMPLE });
    });

    it("producer: every dataset of both instances associated with both consumer accounts, each with its shares", () => {
        const associations = ofType(producer, "aws-native:connect:DataLakeAssociation");
        assert.equal(associations.length, 2 * 2 * 3);
        assert.deepEqual(
            [...new Set(associations.map((a) => `${a.inputs.instanceId}>${a.inputs.targetAccountId}`))].sort(),
            [
                `${SALES}>222222222222`,
                `${SALES}>333333333333`,
                `${SUPPORT}>222222222222`,
                `${SUPPORT}>333333333333`,
            ].sort(),
        );
        const consumers = producer.outputs.consumers!;
        assert.deepEqual(
            consumers.map((c) => [c.accountId, c.ramShareArns.length]),
            [
                ["222222222222", 2],
                ["333333333333", 2],
            ],
        );
        assert.equal(
            new Set(consumers.flatMap((c) => c.ramShareArns)).size,
            4,
            "a share per instance and consumer account",
        );
        assert.deepEqual(producer.permissions, []);
    });

    it("each consumer accepts its own shares only", () => {
        const accepted = (p: PlanResult) =>
            ofType(p, "aws:ram/resourceShareAccepter:ResourceShareAccepter").map((a) => a.inputs.shareArn);
        const byAccount = Object.fromEntries(
            producer.outputs.consumers!.map((c) => [c.accountId, [...c.ramShareArns].sort()]),
        );
        assert.deepEqual(accepted(sales).sort(), byAccount["222222222222"]);
        assert.deepEqual(accepted(support).sort(), byAccount["333333333333"]);
    });

    it("filters name the target tables in Connect's catalog, never a link, with each reader's rows and columns", () => {
        assert.deepEqual(
            ofType(sales, FILTER)
                .map((f) => f.inputs.tableData as { tableCatalogId: string; name: string })
                .filter((t) => t.tableCatalogId === MOCK_CONNECT_CATALOG)
                .sort((a, b) => a.name.localeCompare(b.name)),
            [
                {
                    tableCatalogId: MOCK_CONNECT_CATALOG,
                    databaseName: "connect_datalake",
                    tableName: "contact_record",
                    name: "sales-analyst-contact_record",
                    rowFilter: { filterExpression: `instance_id IN ('${SALES}')` },
                    columnWildcard: { excludedColumnNames: [] },
                },
                {
                    tableCatalogId: MOCK_CONNECT_CATALOG,
                    databaseName: "connect_datalake",
                    tableName: "users",
                    name: "sales-analyst-users",
                    rowFilter: { filterExpression: `instance_id IN ('${SALES}')` },
                    columnWildcard: { excludedColumnNames: ["email", "mobile"] },
                },
                {
                    tableCatalogId: MOCK_CONNECT_CATALOG,
                    databaseName: "connect_datalake",
                    tableName: "contact_record",
                    name: "sales-bi-contact_record",
                    rowFilter: { filterExpression: "channel IN ('VOICE', 'CHAT')" },
                    columnWildcard: { excludedColumnNames: ["customer_endpoint_address"] },
                },
                {
                    tableCatalogId: MOCK_CONNECT_CATALOG,
                    databaseName: "connect_datalake",
                    tableName: "agent_hierarchy_groups",
                    name: "workforce-planner-agent_hierarchy_groups",
                    rowFilter: { allRowsWildcard: {} },
                    columnWildcard: { excludedColumnNames: [] },
                },
                {
                    tableCatalogId: MOCK_CONNECT_CATALOG,
                    databaseName: "connect_datalake",
                    tableName: "users",
                    name: "workforce-planner-users",
                    rowFilter: { allRowsWildcard: {} },
                    columnWildcard: {
                        excludedColumnNames: ["email", "first_name", "last_name", "mobile", "secondary_email"],
                    },
                },
            ],
        );
        assert.ok(ofType(sales, FILTER).every((f) => f.options.deleteBeforeReplace));
    });

    it("filter grants go to the right readers, who hold no all-rows SELECT and see their links", () => {
        const filterGrants = sales.permissions
            .filter((p) => p.resource.kind === "dataCellsFilter" && p.resource.catalogId === MOCK_CONNECT_CATALOG)
            .map((p) => [
                p.principal,
                p.resource.kind === "dataCellsFilter" ? p.resource.name : "",
                p.permissions.join("+"),
            ]);
        assert.deepEqual(filterGrants, [
            [ANALYST, "sales-analyst-contact_record", "SELECT"],
            [ANALYST, "sales-analyst-users", "SELECT"],
            [BI, "sales-bi-contact_record", "SELECT"],
            [PLANNER, "workforce-planner-agent_hierarchy_groups", "SELECT"],
            [PLANNER, "workforce-planner-users", "SELECT"],
        ]);
        for (const reader of [ANALYST, BI, PLANNER]) {
            const mine = sales.permissions.filter((p) => p.principal === reader);
            assert.ok(
                mine.every((p) => !p.permissions.includes("SELECT") || p.resource.kind === "dataCellsFilter"),
                `${reader} has no SELECT but through its filters`,
            );
            assert.ok(mine.some((p) => p.resource.kind === "database" && p.resource.databaseName === "default"));
        }
        assert.ok(
            ofType(sales, GRANT).every((g) => g.inputs.catalogId === "222222222222"),
            "the consumer grants them",
        );
    });

    it("each reader also reads the export's copy of its tables through the same rows and columns, once setup made them", () => {
        const [setup] = ofType(sales, "aws:lambda/invocation:Invocation");
        assert.equal(setup.inputs.input, SETUP_EVENT);
        assert.deepEqual(
            exportTables(sales).map((t) => t.name),
            ["users", "contact_record", "agent_hierarchy_groups"],
        );
        assert.equal(
            (setup.inputs.triggers as { tables: string }).tables,
            createHash("sha256")
                .update(JSON.stringify(exportTables(sales)))
                .digest("hex"),
            "runs again when the exported tables' settings change",
        );
        const onExport = ofType(sales, FILTER)
            .map((f) => f.inputs.tableData as Record<string, unknown>)
            .filter((t) => t.databaseName === "connect_analytics_exports");
        const onSource = ofType(sales, FILTER)
            .map((f) => f.inputs.tableData as Record<string, unknown>)
            .filter((t) => t.tableCatalogId === MOCK_CONNECT_CATALOG);
        // Same names, rows and columns; the consumer's own catalog and the export database.
        const strip = ({ tableCatalogId: _c, databaseName: _d, ...rest }: Record<string, unknown>) => rest;
        assert.deepEqual(onExport.map(strip), onSource.map(strip));
        assert.ok(onExport.every((t) => t.tableCatalogId === "222222222222"));
        const exportGrants = sales.permissions.filter(
            (p) => p.resource.kind === "dataCellsFilter" && p.resource.databaseName === "connect_analytics_exports",
        );
        assert.deepEqual(
            exportGrants.map((p) => [p.principal, p.resource.kind === "dataCellsFilter" && p.resource.name]),
            [
                [ANALYST, "sales-analyst-contact_record"],
                [ANALYST, "sales-analyst-users"],
                [BI, "sales-bi-contact_record"],
                [PLANNER, "workforce-planner-agent_hierarchy_groups"],
                [PLANNER, "workforce-planner-users"],
            ],
        );
        for (const reader of [ANALYST, BI, PLANNER]) {
            assert.ok(
                sales.permissions.some(
                    (p) =>
                        p.principal === reader &&
                        p.resource.kind === "database" &&
                        p.resource.databaseName === "connect_analytics_exports",
                ),
                `${reader} sees the export database`,
            );
        }
    });

    it("effective access lists exactly the rows and columns each reader sees", () => {
        const seen = (principal: string) =>
            sales.effectiveAccess
                .filter((a) => a.principal === principal && a.select)
                .map((a) => [a.table.split(".").pop(), a.linkVisible, a.columns, a.rows]);
        assert.deepEqual(seen(ANALYST), [
            ["users", true, { allExcept: ["email", "mobile"] }, { filter: `instance_id IN ('${SALES}')` }],
            ["contact_record", true, { all: true }, { filter: `instance_id IN ('${SALES}')` }],
        ]);
        assert.deepEqual(seen(BI), [
            [
                "contact_record",
                true,
                { allExcept: ["customer_endpoint_address"] },
                { filter: "channel IN ('VOICE', 'CHAT')" },
            ],
        ]);
        assert.deepEqual(seen(PLANNER), [
            [
                "users",
                true,
                { allExcept: ["email", "first_name", "last_name", "mobile", "secondary_email"] },
                { all: true },
            ],
            ["agent_hierarchy_groups", true, { all: true }, { all: true }],
        ]);
        assert.deepEqual(
            seen(ROLE).map((row) => row[3]),
            [{ all: true }, { all: true }, { all: true }],
            "the export's role reads every row",
        );
    });

    it("passes the policy pack, whose rule catches a filtered reader that also holds an all-rows SELECT", async () => {
        for (const p of [producer, sales, support]) assert.deepEqual((await checkPlan(p, {})).violations, []);
        const wide = {
            type: GRANT,
            name: "wide",
            inputs: {
                catalogId: "222222222222",
                principal: BI,
                permissions: ["SELECT"],
                table: { catalogId: MOCK_CONNECT_CATALOG, databaseName: "connect_datalake", name: "contact_record" },
            },
        };
        const violations = await runPolicies([lakeformationFilteredReaderNoTableSelect], [...sales.resources, wide]);
        assert.equal(violations.length, 1);
        assert.match(violations[0].message, /sales-bi reads .*contact_record through filter .* overrides the filter/);
    });

    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
        [
            "readers with lfTags sharing",
            { sharingMode: "lfTags", dataSource: "producerCatalog" },
            /Lake Formation applies no data filter to LF-tag grants/,
        ],
        [
            "readers with producerCatalog",
            { dataSource: "producerCatalog", tables: ["users"] },
            /need dataSource connectAnalytics/,
        ],
        [
            "a reader of another account",
            { readers: [{ principal: "arn:aws:iam::999999999999:role/x", tables: ["users"] }] },
            /is in account 999999999999: the consumer grants what it received only to its own principals/,
        ],
        [
            "a function call in a raw filter",
            {
                readers: [
                    { principal: ANALYST, tables: ["users"], rowFilter: { expression: "lower(username) = 'x'" } },
                ],
            },
            /readers\[0\]\.rowFilter/,
        ],
        [
            "a reader that is also an export reader",
            { exportReaders: [BI] },
            /sales-bi is also in readers: exportReaders see every row .* override its filters/,
        ],
        [
            "a TIMESTAMP column in a filter",
            {
                readers: [
                    {
                        principal: ANALYST,
                        tables: ["contact_record"],
                        rowFilter: { column: "initiation_timestamp", in: ["x"] },
                    },
                ],
            },
            /readers\[0\]\.rowFilter.*timestamp/i,
        ],
    ];
    for (const [what, overrides, message] of bad) {
        it(`rejects ${what}, naming the key`, () => {
            const found = issues("consumer", overrides).filter((i) =>
                ["connect-analytics:readers", "connect-analytics:exportReaders"].includes(i.key),
            );
            assert.ok(found.length > 0, `no readers issue: ${JSON.stringify(issues("consumer", overrides))}`);
            assert.ok(
                found.some((i) => message.test(i.message)),
                found.map((i) => i.message).join("\n"),
            );
        });
    }
});

describe("sharing with many: a reader's instances must be the producer's", () => {
    const OTHER = "0f0f0f0f-1111-4222-8333-444444444444";
    const withReaders = (readers: unknown[], more: Record<string, string> = {}) => ({
        ...loadStackConfig(EXAMPLE, "consumer"),
        "connect-analytics:readers": JSON.stringify(readers),
        ...more,
    });

    it("a reader's rowFilter naming an instance the producer does not associate is an error naming the reader and both sets of ids", async () => {
        const consumer = withReaders([
            { principal: BI, tables: ["users"], rowFilter: { column: "instance_id", in: [SUPPORT] } },
            { principal: ANALYST, tables: ["contact_record"], rowFilter: { instanceIds: [SALES, OTHER] } },
        ]);
        const message = await rejection(planStack("consumer", { configDir: EXAMPLE, configs: { consumer } }));
        assert.match(
            message,
            new RegExp(
                `connect-analytics:readers: readers\\[1\\] \\(${ANALYST}\\)\\.rowFilter names Connect instance ${OTHER}, ` +
                    `which producer stack "organization/connect-analytics/producer" does not associate \\(it associates ${SALES}, ${SUPPORT}\\)`,
            ),
        );
        assert.match(message, /Fix: use the ids of the producer's instances/);
        assert.doesNotMatch(message, /readers\[0\]/, "the instances it associates are fine");
    });

    it("an expression's instance_id constants are checked too, but not the ones it excludes", async () => {
        const expression = (text: string) =>
            withReaders([{ principal: ANALYST, tables: ["contact_record"], rowFilter: { expression: text } }]);
        const named = expression(`channel = 'VOICE' AND instance_id = '${OTHER}'`);
        assert.match(
            await rejection(planStack("consumer", { configDir: EXAMPLE, configs: { consumer: named } })),
            new RegExp(`readers\\[0\\] .* names Connect instance ${OTHER}`),
        );
        const excluded = expression(`instance_id NOT IN ('${OTHER}')`);
        await planStack("consumer", { configDir: EXAMPLE, configs: { consumer: excluded } });
    });

    it("says nothing when the producer's instances are not known yet (first bootstrap)", async () => {
        const share = `arn:aws:ram:ap-southeast-2:${MOCK_CONNECT_CATALOG}:resource-share/0a1b2c3d-aaaa-bbbb-cccc-111122223333`;
        const consumer = withReaders(
            [{ principal: ANALYST, tables: ["contact_record"], rowFilter: { instanceIds: [OTHER] } }],
            {
                "connect-analytics:ramShareArn": share,
            },
        );
        const plan = await planStack("consumer", {
            configs: { consumer },
            peers: { "organization/connect-analytics/producer": {} },
        });
        assert.ok(ofType(plan, FILTER).length > 0);
        assert.ok(!plan.warnings.some((w) => w.includes(OTHER)), plan.warnings.join("\n"));
    });
});

describe("cli on a deployment shared with many", () => {
    let producer: PlanResult;
    let sales: PlanResult;
    before(async () => {
        producer = await planStack("producer", { configDir: EXAMPLE });
        sales = await planStack("consumer", { configDir: EXAMPLE });
    });
    const verify = async (d: ReturnType<typeof connectDeployment>) => {
        const r = await runCli(d, ["verify", ...BOTH, "--json"]);
        return {
            code: r.code,
            checks: JSON.parse(r.stdout).checks as Array<{ id: string; status: string; detail: string }>,
        };
    };

    it("verify checks both instances' associations, this consumer's two shares, and every reader's filter", async () => {
        const d = connectDeployment(producer, sales, SHARE_MANY);
        const { code, checks } = await verify(d);
        assert.equal(code, 0, JSON.stringify(checks.filter((c) => c.status !== "PASS")));
        const ids = checks.map((c) => c.id);
        for (const instance of [SALES, SUPPORT]) assert.ok(ids.includes(`association:users@${instance}`), instance);
        for (const share of d.shares) assert.equal(checks.find((c) => c.id === `ram:${share}`)?.status, "PASS", share);
        assert.deepEqual(
            ids.filter((id) => id.startsWith("filter:")).sort(),
            SHARE_MANY.filters.map((f) => `filter:${f.name}@${f.databaseName}`).sort(),
        );
        assert.ok(
            ids.some((id) => id.startsWith("grant:") && id.includes("sales-bi")),
            "the readers' grants are checked too",
        );
    });

    it("verify fails on an edited filter, a missing filter and a reader's missing grant, naming each", async () => {
        const d = connectDeployment(producer, sales, SHARE_MANY);
        const filters = d.aws.account(CONSUMER).filters;
        filters.find((f) => f.Name === "sales-bi-contact_record")!.RowFilter = { AllRowsWildcard: {} };
        filters.splice(
            filters.findIndex((f) => f.Name === "workforce-planner-users"),
            1,
        );
        const grants = d.aws.account(CONSUMER).grants;
        grants.splice(
            grants.findIndex(
                (g) => g.Principal?.DataLakePrincipalIdentifier === ANALYST && g.Resource?.DataCellsFilter,
            ),
            1,
        );
        const { code, checks } = await verify(d);
        assert.equal(code, 1);
        const failed = checks.filter((c) => c.status === "FAIL");
        assert.match(
            failed.find((c) => c.id === "filter:sales-bi-contact_record@connect_datalake")!.detail,
            /rows all \(want channel IN \('VOICE', 'CHAT'\)\)/,
        );
        assert.match(
            failed.find((c) => c.id === "filter:workforce-planner-users@connect_datalake")!.detail,
            /no filter/,
        );
        assert.ok(
            failed.some((c) => c.id.startsWith("grant:") && /sales-analyst/.test(c.id + c.detail)),
            JSON.stringify(failed.map((c) => c.id)),
        );
    });

    it("verify fails on a reader who also holds an all-rows SELECT on a filtered table (granted by hand), naming reader and grant", async () => {
        const d = connectDeployment(producer, sales, SHARE_MANY);
        d.aws.account(CONSUMER).grants.push({
            Principal: { DataLakePrincipalIdentifier: BI },
            Resource: {
                TableWithColumns: {
                    CatalogId: MOCK_CONNECT_CATALOG,
                    DatabaseName: "connect_datalake",
                    Name: "contact_record",
                    ColumnWildcard: {},
                },
            },
            Permissions: ["SELECT"],
            PermissionsWithGrantOption: [],
        });
        const { code, checks } = await verify(d);
        assert.equal(code, 1);
        const bypass = checks.filter((c) => c.id.startsWith("reader:"));
        assert.deepEqual(
            bypass.map((c) => [c.id, c.status]),
            [[`reader:sales-bi@${MOCK_CONNECT_CATALOG}:connect_datalake.contact_record`, "FAIL"]],
        );
        assert.match(
            bypass[0].detail,
            /reader .*sales-bi reads .*contact_record through filter sales-bi-contact_record, and also holds SELECT on .*contact_record: that grant shows every row/,
        );
        // Without it: one PASS line.
        const clean = await verify(connectDeployment(producer, sales, SHARE_MANY));
        assert.equal(clean.checks.find((c) => c.id === "reader-bypass")?.status, "PASS");
    });

    it("verify fails when IAMAllowedPrincipals holds a grant on the export's tables (readers read them through filters)", async () => {
        const d = connectDeployment(producer, sales, SHARE_MANY);
        d.aws.account(CONSUMER).grants.push({
            Principal: { DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" },
            Resource: { Table: { CatalogId: CONSUMER, DatabaseName: "connect_analytics_exports", Name: "users" } },
            Permissions: ["ALL"],
            PermissionsWithGrantOption: [],
        });
        const { code, checks } = await verify(d);
        assert.equal(code, 1);
        const c = checks.find((x) => x.id === "iam-allowed-principals:export")!;
        assert.equal(c.status, "FAIL", "a FAIL, not a WARN");
        assert.match(
            c.detail,
            /IAMAllowedPrincipals holds ALL on 222222222222:connect_analytics_exports\.users: .*past the filters and grants of .*sales-bi/,
        );
        const clean = await verify(connectDeployment(producer, sales, SHARE_MANY));
        assert.equal(clean.checks.find((x) => x.id === "iam-allowed-principals:export")?.status, "PASS");
    });

    it("verify lists the data cells filters in one paginated call without Table, whatever the number of filtered tables", async () => {
        const d = connectDeployment(producer, sales, SHARE_MANY);
        await verify(d);
        assert.equal(d.aws.callsByCommand().ListDataCellsFilterCommand, 1, "one call for every filter (10 here)");
    });

    it("audit expects each reader's configured tables from the consumer's outputs", async () => {
        const d = connectDeployment(producer, sales, SHARE_MANY);
        const now = Date.parse("2026-11-20T12:00:00Z");
        const trail = d.aws.account(CONSUMER).trail;
        trail.push(dataAccess(BI, now - 3_600_000, MOCK_CONNECT_CATALOG, "connect_datalake", "contact_record"));
        trail.push(dataAccess(PLANNER, now - 3_600_000, MOCK_CONNECT_CATALOG, "connect_datalake", "users"));
        const clean = await runCli(d, ["audit", ...BOTH, "--since", "1d", "--json"], { now });
        assert.equal(clean.code, 0, clean.stdout + clean.stderr);

        trail.push(dataAccess(BI, now - 3_600_000, MOCK_CONNECT_CATALOG, "connect_datalake", "users"));
        const strayed = await runCli(d, ["audit", ...BOTH, "--since", "1d"], { now });
        assert.equal(strayed.code, 1);
        assert.match(strayed.stdout, /UNCONFIGURED: .*sales-bi read users .* configured for contact_record/);
    });

    it("a consumer account the producer does not share with is a usage error naming its consumers", async () => {
        const d = connectDeployment(producer, sales, SHARE_MANY);
        const r = await runCli(d, ["verify", ...BOTH, "--consumer-account", "999999999999"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /999999999999 is not among the consumers of .* \(222222222222, 333333333333\)/);
    });
});

describe("sharing with many: producerCatalog gives each consumer's role its grants", () => {
    it("grants every table to each consumer's role, and exports each consumer's role", async () => {
        const producer = await planStack("producer", {
            configs: {
                producer: {
                    ...loadStackConfig(ROOT, "producer"),
                    "connect-analytics:consumerStack": "",
                    "connect-analytics:consumers": JSON.stringify([
                        { accountId: "222222222222" },
                        { accountId: "333333333333", roleName: "support-analytics-role" },
                    ]),
                },
            },
        });
        const grants = producer.permissions.map((p) => [
            p.principal,
            p.resource.kind === "table" ? p.resource.name : p.resource.kind,
        ]);
        for (const role of [ROLE, "arn:aws:iam::333333333333:role/support-analytics-role"]) {
            assert.deepEqual(
                grants
                    .filter(([principal]) => principal === role)
                    .map(([, table]) => table)
                    .sort(),
                ["agent_hierarchy_groups", "contacts", "users"],
                role,
            );
        }
        assert.deepEqual(
            producer.outputs.consumers!.map((c) => [c.accountId, c.principalArn]),
            [
                ["222222222222", ROLE],
                ["333333333333", "arn:aws:iam::333333333333:role/support-analytics-role"],
            ],
        );
    });
});
