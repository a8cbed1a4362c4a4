/**
 * The local export end to end on DuckDB: the synthetic lake, the exported Parquet/CSV files read
 * back, incremental runs across days, re-runs, exclusions and backfills. Small lakes, temp dirs.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { CONNECT_TABLE_SCHEMAS } from "../lib/connectSchema";
import { attachLake, filesReadByQuery, lakeFiles } from "../functions/local/duckdbEngine";
import { buildDuckdbSelect } from "../functions/local/duckdbSql";
import { generateLake, addLakeDay, readLakeInfo } from "../functions/local/syntheticLake";
import { LOCAL_DEFAULTS, runLocalExport, type LocalExportOptions } from "../functions/local/runLocal";
import { buildSelectPlan } from "../functions/sql";
import type { RunManifest } from "../functions/types";

const ROWS = 3_000;
const DAYS = 5;

describe("local export on DuckDB", function () {
    this.timeout(60_000);
    let dir: string;
    let db: DuckDBInstance;
    let conn: DuckDBConnection;

    before(async () => {
        db = await DuckDBInstance.create(":memory:");
        conn = await db.connect();
    });
    after(() => {
        conn.closeSync();
        db.closeSync();
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "export-duckdb-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const options = (extra: Partial<LocalExportOptions> = {}): LocalExportOptions => ({
        ...LOCAL_DEFAULTS,
        lakeDir: path.join(dir, "lake"),
        outDir: path.join(dir, "exports"),
        rows: ROWS,
        days: DAYS,
        threads: 2,
        ...extra,
    });
    const run = (extra: Partial<LocalExportOptions> = {}) => runLocalExport(options(extra));
    const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();
    const files = (sub = "") => {
        const root = path.join(dir, "exports", sub);
        const walk = (d: string): string[] =>
            fs.existsSync(d)
                ? fs
                      .readdirSync(d, { withFileTypes: true })
                      .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]))
                : [];
        return walk(root)
            .map((f) => path.relative(path.join(dir, "exports"), f))
            .sort();
    };
    const parquetOf = (table: string, runDate: string, runId: string) =>
        path.join(dir, "exports", "connect", table, `dt=${runDate}`, `run=${runId}`, "data_0.parquet");

    it("exports every table to Parquet in the bucket layout, with the Connect columns and the lake's row counts", async () => {
        const result = await run();
        assert.equal(result.error, undefined);
        const { summary } = result;
        assert.equal(summary.runId, "20250106T020000Z");
        assert.equal(summary.runDate, "2025-01-06");
        assert.deepEqual(files(), [
            "connect/agent_hierarchy_groups/dt=2025-01-06/run=20250106T020000Z/data_0.parquet",
            "connect/contacts/dt=2025-01-06/run=20250106T020000Z/data_0.parquet",
            "connect/users/dt=2025-01-06/run=20250106T020000Z/data_0.parquet",
            "manifests/20250106T020000Z.json",
            "state/watermarks/contacts.json",
        ]);
        for (const [table, expected] of [
            ["users", 150],
            ["contacts", ROWS],
            ["agent_hierarchy_groups", 16],
        ] as const) {
            const file = parquetOf(table, "2025-01-06", summary.runId);
            const [count] = await rows(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file}')`);
            assert.equal(count.n, expected, `${table} rows`);
            const columns = (
                await rows(`DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false)`)
            ).map((r) => [r.column_name, String(r.column_type).replace(/, /g, ",")]);
            assert.deepEqual(
                columns,
                CONNECT_TABLE_SCHEMAS[table].columns.map((c) => [c.name, c.type.toUpperCase()]),
                `${table}: exactly the schema's columns and types, no lake partition column`,
            );
            assert.equal(summary.tables.find((t) => t.table === table)!.rows, expected);
        }
        const [compression] = await rows(
            `SELECT DISTINCT compression FROM parquet_metadata('${parquetOf("contacts", "2025-01-06", summary.runId)}')`,
        );
        assert.equal(compression.compression, "SNAPPY");
        const manifest = JSON.parse(
            fs.readFileSync(path.join(dir, "exports", "manifests", "20250106T020000Z.json"), "utf8"),
        ) as RunManifest;
        assert.equal(manifest.engine, "duckdb");
        assert.equal(manifest.tables.contacts.watermarkAfter, "2025-01-05");
        assert.ok(manifest.tables.contacts.bytesScanned! > 0);
        const days = await rows(
            `SELECT DISTINCT CAST(initiation_timestamp AS DATE)::VARCHAR AS d FROM read_parquet('${parquetOf("contacts", "2025-01-06", summary.runId)}') ORDER BY d`,
        );
        assert.deepEqual(
            days.map((d) => d.d),
            ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"],
        );
    });

    it("runs incrementally: again without new data exports nothing; a new day exports just that day", async () => {
        await run();
        const first = files();
        const again = await run();
        assert.equal(again.summary.runAttempt, 2);
        assert.equal(again.summary.rows, 0);
        assert.deepEqual(
            files().filter((f) => !f.startsWith("manifests/")),
            first.filter((f) => !f.startsWith("manifests/")),
            "no new files",
        );

        const next = await run({ addDay: true });
        assert.equal(next.addedDay, "2025-01-06");
        assert.equal(next.summary.runId, "20250107T020000Z");
        const contacts = next.summary.tables.find((t) => t.table === "contacts")!;
        assert.deepEqual(contacts.range, { from: "2025-01-06", to: "2025-01-06" });
        assert.equal(contacts.watermarkAfter, "2025-01-06");
        const [day] = await rows(
            `SELECT count(*)::INTEGER AS n, min(CAST(initiation_timestamp AS DATE))::VARCHAR AS lo, max(CAST(initiation_timestamp AS DATE))::VARCHAR AS hi ` +
                `FROM read_parquet('${parquetOf("contacts", "2025-01-07", "20250107T020000Z")}')`,
        );
        assert.deepEqual(day, { n: ROWS / DAYS, lo: "2025-01-06", hi: "2025-01-06" });
        assert.equal(contacts.rows, ROWS / DAYS);
        assert.deepEqual(files("connect/contacts").length, 2, "one new contacts export beside the first");
    });

    it("with an overlap, the new day's run re-reads the day before the watermark too", async () => {
        await run({ overlapDays: 1 });
        const next = await run({ addDay: true, overlapDays: 1 });
        const contacts = next.summary.tables.find((t) => t.table === "contacts")!;
        assert.deepEqual(contacts.range, { from: "2025-01-05", to: "2025-01-06" });
        assert.equal(contacts.rows, (2 * ROWS) / DAYS);
    });

    it("reads only the partitions in range (DuckDB's own profile says so)", async () => {
        const lake = path.join(dir, "lake");
        await generateLake(conn, { dir: lake, rows: ROWS, days: DAYS, seed: 7, startDate: "2025-01-01" });
        const contacts = { name: "contacts", linkName: "contacts_link", timeColumn: "initiation_timestamp" };
        await attachLake(conn, lake, [contacts]);
        assert.equal(
            await filesReadByQuery(conn, buildDuckdbSelect(buildSelectPlan(contacts, { to: "2025-01-05" }))),
            DAYS,
        );
        assert.equal(
            await filesReadByQuery(
                conn,
                buildDuckdbSelect(buildSelectPlan(contacts, { from: "2025-01-04", to: "2025-01-04" })),
            ),
            1,
        );
        assert.equal(
            lakeFiles(path.join(lake, "contacts"), buildSelectPlan(contacts, { to: "2025-01-05" })).length,
            DAYS,
        );
        assert.deepEqual(
            lakeFiles(
                path.join(lake, "contacts"),
                buildSelectPlan(contacts, { from: "2025-01-04", to: "2025-01-04" }),
            ).map((f) => path.basename(path.dirname(f))),
            ["dt=2025-01-04"],
        );
    });

    it("re-running the same run id with --force overwrites the run's files instead of duplicating them", async () => {
        const first = await run();
        const forced = await run({ force: true });
        assert.equal(forced.summary.runId, first.summary.runId);
        assert.equal(forced.summary.rows, first.summary.rows);
        assert.equal(files().filter((f) => f.endsWith(".parquet")).length, 3);
    });

    it("never exports excluded columns, and writes gzip CSV with a header when asked", async () => {
        const tableSpecs = [
            { name: "users", linkName: "users_link", excludedColumns: ["email", "mobile"] },
            {
                name: "contacts",
                linkName: "contacts_link",
                timeColumn: "initiation_timestamp",
                excludedColumns: ["customer_endpoint_address"],
            },
        ];
        const result = await run({ tableSpecs, format: "csv" });
        const csv = path.join(
            dir,
            "exports",
            "connect",
            "users",
            "dt=2025-01-06",
            `run=${result.summary.runId}`,
            "data_0.csv.gz",
        );
        const columns = (await rows(`DESCRIBE SELECT * FROM read_csv('${csv}', hive_partitioning = false)`)).map(
            (r) => r.column_name,
        );
        assert.deepEqual(
            columns,
            CONNECT_TABLE_SCHEMAS.users.columns.map((c) => c.name).filter((c) => c !== "email" && c !== "mobile"),
        );
        const contactsCsv = csv.replace(/users/g, "contacts");
        const [count] = await rows(`SELECT count(*)::INTEGER AS n FROM read_csv('${contactsCsv}')`);
        assert.equal(count.n, ROWS);
        assert.ok(
            !(await rows(`DESCRIBE SELECT * FROM read_csv('${contactsCsv}', hive_partitioning = false)`)).some(
                (r) => r.column_name === "customer_endpoint_address",
            ),
        );
    });

    it("backfills a range of days without moving the watermark backwards", async () => {
        await run();
        const backfill = await run({ tables: ["contacts"], from: "2025-01-02", to: "2025-01-03", runId: "backfill-1" });
        const contacts = backfill.summary.tables[0];
        assert.equal(backfill.summary.tables.length, 1);
        assert.equal(contacts.mode, "backfill");
        assert.equal(contacts.rows, (2 * ROWS) / DAYS);
        assert.equal(contacts.watermarkAfter, "2025-01-05");
        const [range] = await rows(
            `SELECT min(CAST(initiation_timestamp AS DATE))::VARCHAR AS lo, max(CAST(initiation_timestamp AS DATE))::VARCHAR AS hi FROM read_parquet('${parquetOf("contacts", "2025-01-06", "backfill-1")}')`,
        );
        assert.deepEqual(range, { lo: "2025-01-02", hi: "2025-01-03" });
    });

    it("a backfill without a run id gets its own run and leaves the daily run's files alone", async () => {
        const daily = await run();
        const before = files("connect/contacts");
        const backfill = await run({ tables: ["contacts"], from: "2025-01-02", to: "2025-01-02" });
        assert.notEqual(backfill.summary.runId, daily.summary.runId);
        assert.equal(backfill.summary.tables[0].rows, ROWS / DAYS);
        assert.deepEqual(
            files("connect/contacts").filter((f) => before.includes(f)),
            before,
        );
        assert.equal(files("connect/contacts").length, 2);
    });

    it("generates the same lake for the same seed, and a new day leaves earlier days unchanged", async () => {
        const checksum = async (lake: string, day: string) =>
            (
                await rows(
                    `SELECT count(*)::INTEGER AS n, sum(hash(contact_id, agent_id, queue_name, initiation_timestamp, channel))::VARCHAR AS h FROM read_parquet('${lake}/contacts/dt=${day}/*.parquet')`,
                )
            )[0];
        const a = path.join(dir, "a");
        const b = path.join(dir, "b");
        const c = path.join(dir, "c");
        await generateLake(conn, { dir: a, rows: ROWS, days: DAYS, seed: 7, startDate: "2025-01-01" });
        await generateLake(conn, { dir: b, rows: ROWS, days: DAYS, seed: 7, startDate: "2025-01-01" });
        await generateLake(conn, { dir: c, rows: ROWS, days: DAYS, seed: 8, startDate: "2025-01-01" });
        const before = await checksum(a, "2025-01-03");
        assert.deepEqual(before, await checksum(b, "2025-01-03"));
        assert.notDeepEqual(before, await checksum(c, "2025-01-03"));
        const users = async (lake: string) =>
            (
                await rows(
                    `SELECT string_agg(username, ',' ORDER BY username) AS u FROM read_parquet('${lake}/users/*.parquet')`,
                )
            )[0].u;
        assert.equal(await users(a), await users(b));
        await addLakeDay(conn, a);
        assert.deepEqual(await checksum(a, "2025-01-03"), before);
        assert.equal(readLakeInfo(a)!.partitions.length, DAYS + 1);
        const [orphans] = await rows(
            `SELECT count(*)::INTEGER AS n FROM read_parquet('${a}/contacts/dt=*/*.parquet') c WHERE agent_id IS NOT NULL AND agent_id NOT IN (SELECT user_id FROM read_parquet('${a}/users/*.parquet'))`,
        );
        assert.equal(orphans.n, 0, "contacts join to users");
    });

    it("an empty lake exports empty tables", async () => {
        const result = await run({ rows: 0 });
        assert.equal(result.summary.status, "succeeded");
        assert.equal(result.summary.tables.find((t) => t.table === "contacts")!.rows, 0);
    });
});
