/**
 * The local run's reader views (`npm start -- --as <reader>`), in process: the rendered row filter
 * run by DuckDB admits exactly the rows lib/rowFilter's `rowMatches` admits (NULLs included), the
 * synthetic lake carries the Connect instances it is given, readers resolve by role name or ARN
 * with usage errors otherwise, and a view holds only the reader's rows and columns.
 * The end-to-end runs with examples/share-many are in tests/local-run.test.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import {
    localTableName,
    readerProblems,
    readerSchema,
    resolveReader,
    writeReaderView,
} from "../functions/local/readerView";
import { generateLake } from "../functions/local/syntheticLake";
import { LocalUsageError } from "../functions/local/usage";
import type { ExportTableSpec } from "../functions/types";
import type { ReaderConfig } from "../lib/permissions";
import { parseRowFilter, renderRowFilter, rowMatches } from "../lib/rowFilter";

const SALES = "8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b";
const SUPPORT = "2d9a7c61-5e0f-4b3a-8c1d-6e7f8091a2b3";

describe("local reader views", function () {
    this.timeout(60_000);
    let db: DuckDBInstance;
    let conn: DuckDBConnection;
    let dir: string;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-reader-"));
        db = await DuckDBInstance.create(":memory:");
        conn = await db.connect();
    });
    after(() => {
        conn.closeSync();
        db.closeSync();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();

    it("DuckDB running a rendered row filter admits exactly the rows rowMatches admits, NULLs included", async () => {
        const columns = [
            { name: "id", type: "int" },
            { name: "instance_id", type: "string" },
            { name: "channel", type: "string" },
            { name: "queue_name", type: "string" },
            { name: "holds", type: "bigint" },
            { name: "is_active", type: "boolean" },
            { name: "score", type: "double" },
        ];
        await conn.run(
            "CREATE TABLE t (id INTEGER, instance_id VARCHAR, channel VARCHAR, queue_name VARCHAR, holds BIGINT, is_active BOOLEAN, score DOUBLE)",
        );
        await conn.run(`INSERT INTO t VALUES
            (1, '${SALES}', 'VOICE', 'Sales', 0, TRUE, 0.1),
            (2, '${SUPPORT}', 'CHAT', 'Support', 2, FALSE, 0.9),
            (3, NULL, NULL, NULL, NULL, NULL, NULL),
            (4, '${SALES}', 'TASK', 'a%', 3, NULL, 0.5),
            (5, '${SUPPORT}', 'EMAIL', 'a\\b', 5, TRUE, NULL),
            (6, '${SALES}', NULL, 'Sales East', 1, FALSE, 0.75),
            (7, NULL, 'VOICE', 'support', -1, TRUE, 1.5),
            (8, '${SUPPORT}', 'voice', 'S', 4, NULL, -0.5)`);
        const filters: unknown[] = [
            { instanceIds: [SALES] },
            { instanceIds: [SALES, SUPPORT] },
            { column: "channel", in: ["VOICE", "CHAT"] },
            { column: "channel", equals: "VOICE" },
            { column: "is_active", equals: true },
            { column: "holds", equals: 2 },
            { expression: "channel NOT IN ('VOICE', 'CHAT')" },
            { expression: "holds BETWEEN 1 AND 3" },
            { expression: "holds NOT BETWEEN 1 AND 3" },
            { expression: "queue_name LIKE 'Sal%'" },
            { expression: "queue_name NOT LIKE '_upport'" },
            { expression: "queue_name LIKE 'a\\%'" },
            { expression: "channel IS NULL" },
            { expression: "channel IS NOT NULL AND instance_id IS NULL" },
            { expression: "NOT (channel = 'VOICE')" },
            { expression: "channel <> 'VOICE' OR holds > 2" },
            { expression: "(channel = 'VOICE' OR channel = 'CHAT') AND NOT holds < 1" },
            { expression: "is_active = FALSE OR queue_name >= 'S'" },
            { expression: "score > 0.5 AND \"queue_name\" != 'S'" },
            { expression: "NOT (is_active = TRUE AND score <= 0.5)" },
        ];
        const all = await rows("SELECT * FROM t ORDER BY id");
        for (const config of filters) {
            const rendered = renderRowFilter(config, "rowFilter", { name: "t", columns });
            assert.ok(rendered.ok, JSON.stringify(config));
            const expression = rendered.expression;
            const duck = (await rows(`SELECT id FROM t WHERE ${expression} ORDER BY id`)).map((r) => r.id);
            const node = parseRowFilter(expression);
            const js = all.filter((r) => rowMatches(node, r)).map((r) => r.id);
            assert.deepEqual(duck, js, `${expression}: DuckDB ${duck.join(",")} vs rowMatches ${js.join(",")}`);
        }
    });

    it("the lake carries the Connect instances it is given, in every table; without them, one instance as before", async () => {
        const lake = path.join(dir, "lake");
        const shape = { rows: 400, days: 2, seed: 7, startDate: "2025-01-01" };
        await generateLake(conn, lake, { ...shape, instanceIds: [SALES, SUPPORT] });
        for (const table of ["users/*.parquet", "agent_hierarchy_groups/*.parquet", "contacts/*/*.parquet"]) {
            const ids = await rows(
                `SELECT instance_id, count(*) AS n FROM read_parquet('${lake}/${table}') GROUP BY 1 ORDER BY 1`,
            );
            assert.deepEqual(
                ids.map((r) => r.instance_id),
                [SUPPORT, SALES],
                table,
            );
        }
        const mismatched = await rows(
            `SELECT count(*) AS n FROM read_parquet('${lake}/contacts/*/*.parquet') c
             WHERE (agent_arn IS NOT NULL AND NOT contains(agent_arn, c.instance_id)) OR NOT contains(queue_arn, c.instance_id)`,
        );
        assert.equal(Number(mismatched[0].n), 0, "a contact's agent and queue ARNs are of its instance");
        const single = path.join(dir, "single");
        await generateLake(conn, single, shape);
        const one = await rows(`SELECT DISTINCT instance_id FROM read_parquet('${single}/contacts/*/*.parquet')`);
        assert.equal(one.length, 1);
    });

    const readers: ReaderConfig[] = [
        {
            principal: "arn:aws:iam::222222222222:role/sales-analyst",
            tables: ["contact_record", "users", "routing_profiles"],
            rowFilter: `instance_id IN ('${SALES}')`,
            excludedColumns: { users: ["email", "mobile"] },
        },
        {
            principal: "arn:aws:iam::222222222222:role/team-a/bi",
            tables: ["contact_record"],
            excludedColumns: {},
        },
        { principal: "arn:aws:iam::222222222222:role/team-b/bi", tables: ["users"], excludedColumns: {} },
    ];
    const local = ["users", "contacts", "agent_hierarchy_groups"];

    it("resolves a reader by role name or ARN, maps contact_record to contacts, and makes anything else a usage error", () => {
        const byName = resolveReader(readers, "sales-analyst", local, "Pulumi.consumer.yaml");
        assert.deepEqual(byName, resolveReader(readers, readers[0].principal, local, "Pulumi.consumer.yaml"));
        assert.deepEqual(byName.tables, [
            { table: "contacts", configName: "contact_record", excludedColumns: [] },
            { table: "users", configName: "users", excludedColumns: ["email", "mobile"] },
        ]);
        assert.deepEqual(byName.notLocal, ["routing_profiles"]);
        assert.equal(localTableName("contact_record"), "contacts");
        assert.equal(readerSchema("Sales.Analyst-1"), "reader_sales_analyst_1");
        assert.equal(resolveReader(readers, readers[2].principal, local, "f").tables[0].table, "users");
        assert.throws(
            () => resolveReader(readers, "nobody", local, "Pulumi.consumer.yaml"),
            (e: Error) =>
                e instanceof LocalUsageError &&
                /--as nobody: no such reader in Pulumi.consumer.yaml; readers: sales-analyst \(arn:aws:iam::222222222222:role\/sales-analyst\), bi .*, bi /.test(
                    e.message,
                ),
        );
        assert.throws(
            () => resolveReader(readers, "bi", local, "f"),
            (e: Error) =>
                e instanceof LocalUsageError && /names 2 readers in f; give the principal ARN/.test(e.message),
        );
        assert.throws(
            () => resolveReader([], "x", local, "Pulumi.consumer.yaml"),
            (e: Error) => e instanceof LocalUsageError && /configures no readers/.test(e.message),
        );
    });

    it("a filter reading a column the export leaves out is a problem; a view holds only the reader's rows and columns", async () => {
        const reader = resolveReader(readers, "sales-analyst", local, "f");
        const specs = [
            { name: "users", excludedColumns: ["instance_id"] },
            { name: "contacts" },
        ] as unknown as ExportTableSpec[];
        assert.deepEqual(readerProblems(reader, specs), [
            "--as sales-analyst: its row filter reads instance_id of users, which the export leaves out (excludedColumns or --exclude); Lake Formation filters Connect's table, the local view filters the export's",
        ]);
        assert.match(
            readerProblems({ ...reader, rowFilter: "channel = 'x'; DROP TABLE users" }, [])[0],
            /its row filter does not parse/,
        );

        const file = path.join(dir, "exports.duckdb");
        await conn.run(`ATTACH '${file}' AS ex`);
        await conn.run(
            `CREATE TABLE ex.users AS SELECT * FROM (VALUES ('u1', '${SALES}', 'a@x', '1'), ('u2', '${SUPPORT}', 'b@x', '2'), ('u3', NULL, NULL, NULL)) v(user_id, instance_id, email, mobile)`,
        );
        const view = await writeReaderView(conn, reader, "ex");
        assert.equal(view.schema, "reader_sales_analyst");
        assert.deepEqual(
            view.tables.map((t) => [t.table, t.relation, t.rows, t.totalRows, t.columns, t.withheld]),
            [
                ["contacts", null, 0, 0, [], []],
                ["users", "reader_sales_analyst.users", 1, 3, ["user_id", "instance_id"], ["email", "mobile"]],
            ],
        );
        assert.deepEqual(await rows("SELECT * FROM ex.reader_sales_analyst.users"), [
            { user_id: "u1", instance_id: SALES },
        ]);
        // Written again, the view replaces the earlier one (a table it no longer reads is gone).
        await writeReaderView(conn, { ...reader, tables: [], rowFilter: undefined }, "ex");
        assert.deepEqual(
            await rows("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'reader_sales_analyst'"),
            [],
        );
        await conn.run("DETACH ex");
    });
});
