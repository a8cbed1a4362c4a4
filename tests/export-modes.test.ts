/**
 * The export modes other than a time-partitioned merge, run for real on DuckDB (runner, DuckDB
 * engine, engine-neutral statements) over a lake written here:
 *  - insertOnly: a new key is inserted once; a key the target holds keeps its row, whatever version
 *    or content arrives later; within one batch the greatest version of a new key goes in;
 *  - snapshot (no key, no time column): each run replaces the target with the source as it stands;
 *  - merge of a table whose only columns are its key and version (nothing to tie-break on);
 *  - the files target of a table without a time column (read whole, one folder per run).
 * Each run takes tens of milliseconds: one DuckDB instance, a handful of rows.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { attachLake, attachTarget } from "../functions/local/duckdbEngine";
import { runOnDuckdb } from "./duckdb-run";
import type { ExportRunSummary, ExportTableSpec, TableRunEntry } from "../functions/types";

interface LakeTable {
    readonly spec: ExportTableSpec;
    /** Column name and DuckDB type, in file order. */
    readonly columns: readonly [string, string][];
}

const EVENTS: LakeTable = {
    spec: {
        name: "events",
        linkName: "events_link",
        exportMode: "insertOnly",
        primaryKey: ["event_id"],
        versionColumn: "v",
        timeColumn: "ts",
    },
    columns: [
        ["event_id", "VARCHAR"],
        ["ts", "TIMESTAMP"],
        ["v", "INTEGER"],
        ["kind", "VARCHAR"],
    ],
};
const STATS: LakeTable = {
    spec: { name: "stats", linkName: "stats_link", exportMode: "snapshot" },
    columns: [
        ["agent", "VARCHAR"],
        ["handled", "INTEGER"],
    ],
};
const KEYS_ONLY: LakeTable = {
    spec: {
        name: "keys_only",
        linkName: "keys_only_link",
        exportMode: "merge",
        primaryKey: ["id"],
        versionColumn: "v",
    },
    columns: [
        ["id", "VARCHAR"],
        ["v", "INTEGER"],
    ],
};

describe("export modes on DuckDB: insertOnly, snapshot, a key-and-version-only merge, the files target", function () {
    this.timeout(60_000);
    let db: DuckDBInstance;
    let conn: DuckDBConnection;
    let dir: string;
    let deliveries: number;

    before(async () => {
        db = await DuckDBInstance.create(":memory:", { threads: "1" });
    });
    after(() => db.closeSync());
    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "export-modes-"));
        conn = await db.connect();
        deliveries = 0;
    });
    afterEach(async () => {
        await conn.run("DETACH DATABASE IF EXISTS exp").catch(() => undefined);
        conn.closeSync();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const lake = () => path.join(dir, "lake");

    /**
     * One delivery of `rows` (SQL tuples in the table's column order) into `day`'s partition, or for a
     * table without a time column into its folder; `replace` first removes the table's files (a
     * snapshot source as it stands now).
     */
    async function deliver(t: LakeTable, rows: string[], options: { day?: string; replace?: boolean } = {}) {
        deliveries++;
        const tableDir = path.join(lake(), t.spec.name);
        if (options.replace) fs.rmSync(tableDir, { recursive: true, force: true });
        const folder = options.day ? path.join(tableDir, `dt=${options.day}`) : tableDir;
        fs.mkdirSync(folder, { recursive: true });
        const names = t.columns.map(([n]) => n);
        await conn.run(
            `COPY (SELECT ${t.columns.map(([n, type]) => `CAST(${n} AS ${type}) AS ${n}`).join(", ")} ` +
                `FROM (VALUES ${rows.join(", ")}) AS r(${names.join(", ")})) ` +
                `TO '${folder}/delivery-${String(deliveries).padStart(3, "0")}.parquet' (FORMAT PARQUET)`,
        );
    }

    async function run(t: LakeTable, runDate: string, target: "iceberg" | "files" = "iceberg"): Promise<TableRunEntry> {
        await attachLake(conn, lake(), "src", [t.spec]);
        await conn.run("DETACH DATABASE IF EXISTS exp");
        await attachTarget(conn, path.join(dir, "target.duckdb"), "exp");
        const summary: ExportRunSummary = await runOnDuckdb({
            conn,
            lakeDir: lake(),
            databaseFile: path.join(dir, "target.duckdb"),
            storeDir: path.join(dir, "exports"),
            runDate,
            settings: { target, tables: [t.spec] },
            owner: "export-modes-test",
        });
        const entry = summary.tables.find((e) => e.table === t.spec.name)!;
        assert.equal(entry.status, "succeeded", `${t.spec.name}: ${entry.error}`);
        return entry;
    }

    /** The target's rows, each as its columns' text joined by '|', sorted. */
    async function target(t: LakeTable): Promise<string[]> {
        const cols = t.columns.map(([n]) => `coalesce(CAST(${n} AS VARCHAR), 'null')`).join(` || '|' || `);
        const rows = await conn.runAndReadAll(`SELECT ${cols} FROM exp.${t.spec.name} ORDER BY 1`);
        return rows.getRows().map((r) => String(r[0]));
    }

    it("insertOnly: a key the target holds keeps its row whatever version or content arrives later; a new key goes in once, at its batch's greatest version", async () => {
        const day = "2025-01-01";
        await deliver(EVENTS, ["('e1', TIMESTAMP '2025-01-01 09:00:00', 1, 'queued')"], { day });
        const first = await run(EVENTS, "2025-01-02");
        assert.deepEqual([first.rowsInserted, first.rowsUpdated], [1, 0]);
        await deliver(
            EVENTS,
            [
                "('e1', TIMESTAMP '2025-01-01 09:00:00', 2, 'answered')",
                "('e2', TIMESTAMP '2025-01-01 10:00:00', 1, 'queued')",
                "('e2', TIMESTAMP '2025-01-01 10:00:00', 3, 'abandoned')",
            ],
            { day },
        );
        const second = await run(EVENTS, "2025-01-03");
        assert.deepEqual([second.rowsInserted, second.rowsUpdated], [1, 0], "e2 inserted, e1 left as it is");
        assert.deepEqual(await target(EVENTS), [
            "e1|2025-01-01 09:00:00|1|queued",
            "e2|2025-01-01 10:00:00|3|abandoned",
        ]);
    });

    it("snapshot (no key, no time column): each run replaces the target with the source as it stands, rows gone from it included", async () => {
        await deliver(STATS, ["('ann', 3)", "('bob', 5)", "('bob', 5)"]);
        const first = await run(STATS, "2025-01-02");
        assert.equal(first.rowsInserted, 3, "a snapshot copies rows as they are, duplicates too");
        assert.deepEqual(await target(STATS), ["ann|3", "bob|5", "bob|5"]);
        await deliver(STATS, ["('ann', 4)", "('cid', 1)"], { replace: true });
        await run(STATS, "2025-01-03");
        assert.deepEqual(await target(STATS), ["ann|4", "cid|1"]);
        await deliver(STATS, ["('ann', 4)"], { replace: true });
        await run(STATS, "2025-01-04");
        assert.deepEqual(await target(STATS), ["ann|4"], "a row the source no longer has is gone");
    });

    it("merge of a table whose only columns are its key and version: the newest version wins, an older one changes nothing", async () => {
        await deliver(KEYS_ONLY, ["('a', 1)", "('a', 2)", "('b', 5)"]);
        await run(KEYS_ONLY, "2025-01-02");
        assert.deepEqual(await target(KEYS_ONLY), ["a|2", "b|5"]);
        await deliver(KEYS_ONLY, ["('a', 3)", "('b', 4)"]);
        const second = await run(KEYS_ONLY, "2025-01-03");
        assert.deepEqual([second.rowsInserted, second.rowsUpdated], [0, 1]);
        assert.deepEqual(await target(KEYS_ONLY), ["a|3", "b|5"]);
    });

    it("files target, table without a time column: each run writes the newest row of each key, read whole", async () => {
        await deliver(KEYS_ONLY, ["('a', 1)", "('a', 2)", "('b', 5)"]);
        const entry = await run(KEYS_ONLY, "2025-01-02", "files");
        const written = (
            await conn.runAndReadAll(
                `SELECT id || '|' || CAST(v AS VARCHAR) FROM read_parquet('${path.join(dir, "exports")}/**/*.parquet') ORDER BY 1`,
            )
        )
            .getRows()
            .map((r) => String(r[0]));
        assert.deepEqual(written, ["a|2", "b|5"], `written under ${entry.output}`);
    });

    it("files target, snapshot: each run writes the source's rows as they are, duplicates included", async () => {
        await deliver(STATS, ["('ann', 3)", "('bob', 5)", "('bob', 5)"]);
        const entry = await run(STATS, "2025-01-02", "files");
        assert.deepEqual([entry.rowsRead, entry.reconciliation?.sourceKeys], [3, 3]);
        const written = (
            await conn.runAndReadAll(
                `SELECT agent || '|' || CAST(handled AS VARCHAR) FROM read_parquet('${path.join(dir, "exports")}/**/*.parquet') ORDER BY 1`,
            )
        )
            .getRows()
            .map((r) => String(r[0]));
        assert.deepEqual(written, ["ann|3", "bob|5", "bob|5"]);
    });

    it("files target, time-partitioned table: each data day's folder holds that day's newest row of each key", async () => {
        await deliver(
            EVENTS,
            [
                "('e1', TIMESTAMP '2025-01-01 09:00:00', 1, 'queued')",
                "('e1', TIMESTAMP '2025-01-01 09:00:00', 2, 'answered')",
            ],
            { day: "2025-01-01" },
        );
        await deliver(EVENTS, ["('e2', TIMESTAMP '2025-01-02 10:00:00', 1, 'queued')"], { day: "2025-01-02" });
        const entry = await run(EVENTS, "2025-01-03", "files");
        assert.deepEqual([entry.rowsRead, entry.reconciliation?.sourceKeys], [3, 2]);
        const written = (
            await conn.runAndReadAll(
                `SELECT dt || ':' || event_id || '|' || kind FROM read_parquet('${path.join(dir, "exports")}/**/*.parquet', hive_partitioning = true) ORDER BY 1`,
            )
        )
            .getRows()
            .map((r) => String(r[0]));
        assert.deepEqual(written, ["2025-01-01:e1|answered", "2025-01-02:e2|queued"]);
    });
});
