/**
 * The merge's behaviour, run for real on DuckDB (the export runner, the DuckDB engine and the
 * engine-neutral statements) over a lake written here row by row, each row a version a test
 * delivers into its day's partition:
 *  - versions out of order: an older version after a newer one, in one delivery and a day later,
 *    and equal versions with other content; the target keeps the newest, and on equal versions
 *    the row merged first (within one run: the greater content, whatever the file order);
 *  - what the engine read, by its own account (its JSON profile): the lake files of the window's
 *    partitions only, and the target's rows of the window's days only.
 * Runs take tens of milliseconds: one DuckDB instance, a handful of rows.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { attachLake, attachTarget, lakeFiles } from "../functions/local/duckdbEngine";
import { duckdbDialect } from "../functions/local/duckdbSql";
import { runOnDuckdb } from "./duckdb-run";
import { statements } from "../functions/sql";
import type { ExportRunSummary, TableRunEntry } from "../functions/types";
import { CONTACTS_SPEC as CONTACTS } from "./export-tables";

const TYPED = [
    { name: "instance_id", type: "VARCHAR" },
    { name: "contact_id", type: "VARCHAR" },
    { name: "initiation_timestamp", type: "TIMESTAMP" },
    { name: "last_update_timestamp", type: "TIMESTAMP" },
    { name: "channel", type: "VARCHAR" },
    { name: "attributes", type: "MAP(VARCHAR, VARCHAR)" },
];
const COLUMNS = TYPED.map((c) => `${c.name} ${c.type}`).join(", ");
/** The rows as a typed SELECT (a file of only NULL scores still has the MAP type). */
const typedRows = (rows: Version[]) =>
    `SELECT ${TYPED.map((c) => `CAST(${c.name} AS ${c.type}) AS ${c.name}`).join(", ")} ` +
    `FROM (VALUES ${rows.map(literal).join(", ")}) AS t(${TYPED.map((c) => c.name).join(", ")})`;

/** One version of a contact: its id, day (partition), version (hour of the day after) and content. */
interface Version {
    readonly id: string;
    readonly day: string;
    readonly v: number | null;
    readonly channel: string;
    readonly score?: string;
}

const literal = (r: Version) =>
    `('i-1', '${r.id}', TIMESTAMP '${r.day} 09:00:00', ${r.v === null ? "NULL" : `TIMESTAMP '${r.day} 09:00:00' + INTERVAL ${r.v} HOUR`}, ` +
    `'${r.channel}', ${r.score === undefined ? "NULL" : `MAP {'score': '${r.score}'}`})`;

describe("the merge on DuckDB, versions delivered out of order", function () {
    this.timeout(60_000);
    let db: DuckDBInstance;
    let conn: DuckDBConnection;
    let dir: string;
    let deliveries: number;
    let lines: Record<string, unknown>[];

    before(async () => {
        db = await DuckDBInstance.create(":memory:", { threads: "2" });
    });
    after(() => db.closeSync());
    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "export-merge-"));
        conn = await db.connect();
        deliveries = 0;
        lines = [];
    });
    afterEach(async () => {
        await conn.run("DETACH DATABASE IF EXISTS exp").catch(() => undefined);
        conn.closeSync();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const lake = () => path.join(dir, "lake");

    /** One delivery: a file per day of the rows given, in the order given. */
    async function deliver(...rows: Version[]): Promise<void> {
        deliveries++;
        for (const day of [...new Set(rows.map((r) => r.day))]) {
            const folder = path.join(lake(), "contacts", `dt=${day}`);
            fs.mkdirSync(folder, { recursive: true });
            await conn.run(
                `COPY (${typedRows(rows.filter((r) => r.day === day))}) ` +
                    `TO '${folder}/delivery-${String(deliveries).padStart(3, "0")}.parquet' (FORMAT PARQUET)`,
            );
        }
    }

    /** The export run of `runDate` (it reads up to the day before), on the lake as delivered so far. */
    async function run(runDate: string): Promise<ExportRunSummary> {
        await attachLake(conn, lake(), "src", [CONTACTS]);
        await conn.run("DETACH DATABASE IF EXISTS exp");
        await attachTarget(conn, path.join(dir, "target.duckdb"), "exp");
        return runOnDuckdb({
            conn,
            lakeDir: lake(),
            databaseFile: path.join(dir, "target.duckdb"),
            storeDir: path.join(dir, "exports"),
            runDate,
            settings: { tables: [CONTACTS] },
            owner: "export-merge-test",
            onLog: (line) => lines.push(JSON.parse(line)),
        });
    }

    const contacts = (summary: ExportRunSummary): TableRunEntry => summary.tables.find((t) => t.table === "contacts")!;

    /** The target's rows: id, version (hours), channel and score. */
    async function target(): Promise<[string, number | null, string, string | null][]> {
        const rows = await conn.runAndReadAll(
            `SELECT contact_id, CAST(date_diff('hour', initiation_timestamp, last_update_timestamp) AS INTEGER), channel, attributes['score'] ` +
                `FROM exp.contacts ORDER BY contact_id`,
        );
        return rows
            .getRows()
            .map(([id, v, channel, score]) => [
                String(id),
                v === null ? null : Number(v),
                String(channel),
                score === null ? null : String(score),
            ]);
    }

    it("an older version delivered after the newer one, in the same delivery or a day later, never replaces it", async () => {
        const day = "2025-01-01";
        await deliver({ id: "a", day, v: 1, channel: "VOICE" }, { id: "b", day, v: 1, channel: "VOICE" });
        await run("2025-01-02");
        // One delivery, the newer version first and the older after it in the same file.
        await deliver({ id: "a", day, v: 3, channel: "CHAT" }, { id: "a", day, v: 2, channel: "TASK" });
        const second = contacts(await run("2025-01-03"));
        assert.deepEqual([second.rowsInserted, second.rowsUpdated], [0, 1]);
        // A day later: older versions of both again.
        await deliver({ id: "a", day, v: 2, channel: "TASK" }, { id: "b", day, v: 0, channel: "EMAIL" });
        const third = contacts(await run("2025-01-04"));
        assert.deepEqual([third.rowsInserted, third.rowsUpdated], [0, 0], "an older version is no change");
        assert.deepEqual(await target(), [
            ["a", 3, "CHAT", null],
            ["b", 1, "VOICE", null],
        ]);
    });

    it("equal versions with other content: in one run the greater content wins whatever the order delivered; in a later run the row merged first stays", async () => {
        const day = "2025-01-01";
        // Same version, other content, in both orders: x's winner is the same either way.
        await deliver(
            { id: "x", day, v: 2, channel: "CHAT", score: "3" },
            { id: "y", day, v: 2, channel: "CHAT", score: "5" },
        );
        await deliver(
            { id: "x", day, v: 2, channel: "CHAT", score: "5" },
            { id: "y", day, v: 2, channel: "CHAT", score: "3" },
        );
        await deliver({ id: "z", day, v: 2, channel: "VOICE", score: "1" });
        await run("2025-01-02");
        assert.deepEqual(await target(), [
            ["x", 2, "CHAT", "5"],
            ["y", 2, "CHAT", "5"],
            ["z", 2, "VOICE", "1"],
        ]);
        // z's equal version with greater content a day later, alongside a new contact (so the MERGE
        // runs): the row merged first stays. Were an equal version to replace it, the target would
        // depend on how deliveries fall into runs.
        await deliver({ id: "z", day, v: 2, channel: "VOICE", score: "9" }, { id: "w", day, v: 1, channel: "TASK" });
        const later = contacts(await run("2025-01-03"));
        assert.deepEqual([later.rowsInserted, later.rowsUpdated], [1, 0]);
        assert.deepEqual(await target(), [
            ["w", 1, "TASK", null],
            ["x", 2, "CHAT", "5"],
            ["y", 2, "CHAT", "5"],
            ["z", 2, "VOICE", "1"],
        ]);
    });

    it("a version where the target has none (NULL) is newer; a NULL version never replaces one", async () => {
        const day = "2025-01-01";
        await deliver({ id: "n", day, v: null, channel: "VOICE" }, { id: "m", day, v: 4, channel: "VOICE" });
        await run("2025-01-02");
        await deliver({ id: "n", day, v: 1, channel: "CHAT" }, { id: "m", day, v: null, channel: "CHAT" });
        const second = contacts(await run("2025-01-03"));
        assert.equal(second.rowsUpdated, 1);
        assert.deepEqual(await target(), [
            ["m", 4, "VOICE", null],
            ["n", 1, "CHAT", null],
        ]);
    });

    it("reads only the partitions of its window: the lake files and target rows DuckDB's profile says its scans read", async () => {
        const days = ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05", "2025-01-06"];
        for (const day of days) {
            await deliver(...["p", "q", "r"].map((id) => ({ id: `${id}-${day}`, day, v: 1, channel: "VOICE" })));
        }
        await run("2025-01-07");
        await deliver({ id: "late", day: "2025-01-07", v: 1, channel: "CHAT" });
        lines = [];
        const next = contacts(await run("2025-01-08"));
        assert.deepEqual(next.window, { from: "2025-01-04", to: "2025-01-07" }, "the new day and the lookback");
        const reads = lines.filter((l) => l.event === "duckdb_read" && l.table === "contacts");
        const window = lakeFiles(path.join(lake(), "contacts"), CONTACTS, { from: "2025-01-04", to: "2025-01-07" });
        const all = lakeFiles(path.join(lake(), "contacts"), CONTACTS, "all");
        assert.deepEqual([window.length, all.length], [4, 7]);
        const byStep = Object.fromEntries(reads.map((r) => [r.step, r]));
        assert.deepEqual(Object.keys(byStep).sort(), ["merge", "preview", "reconcile"]);
        // The source side: the files of the window's days only (DuckDB pruned the others by dt).
        assert.equal(byStep.preview.files, window.length);
        assert.equal(byStep.merge.files, window.length);
        assert.ok(Number(byStep.merge.bytes) > 0 && Number(byStep.merge.bytes) < sumOfSizes(all));
        // The target side: the rows of the window's days (3 old days of 3 rows each), not all 18.
        assert.equal(byStep.preview.targetRows, 9);
        assert.equal(byStep.merge.targetRows, 9);
        assert.equal(byStep.reconcile.targetRows, 10);
        const [[total]] = (await conn.runAndReadAll("SELECT count(*) FROM exp.contacts")).getRows();
        assert.equal(Number(total), 19);
        assert.equal(next.bytesScanned, Number(byStep.preview.bytes) + Number(byStep.merge.bytes));
    });

    it("a first load's search for its first day reads only the partitions up to the day before the run", async () => {
        for (const day of ["2025-01-01", "2025-01-02", "2025-01-03"]) {
            await deliver({ id: `k-${day}`, day, v: 1, channel: "VOICE" });
        }
        // Today's partition, still being delivered: not the run's to read.
        await deliver({ id: "today", day: "2025-01-04", v: 1, channel: "CHAT" });
        lines = [];
        const first = contacts(await run("2025-01-04"));
        assert.deepEqual(first.window, { from: "2025-01-01", to: "2025-01-03" });
        const bounds = lines.filter((l) => l.event === "duckdb_read" && l.step === "bounds");
        assert.equal(bounds.length, 1, JSON.stringify(lines.map((l) => [l.event, l.step])));
        assert.equal(bounds[0].files, 3, "the three days up to 2025-01-03, not today's");
    });
});

const sumOfSizes = (files: string[]) => files.reduce((n, f) => n + fs.statSync(f).size, 0);

describe("the MERGE statement on its own: what a target row is replaced by", function () {
    this.timeout(30_000);
    let db: DuckDBInstance;
    let conn: DuckDBConnection;
    before(async () => {
        db = await DuckDBInstance.create(":memory:");
        conn = await db.connect();
        await conn.run("CREATE SCHEMA src");
        await conn.run("CREATE SCHEMA exp");
    });
    after(() => {
        conn.closeSync();
        db.closeSync();
    });

    /** Source rows (the window's) and target rows, then the MERGE and what the target holds. */
    async function merge(source: Version[], existing: Version[]): Promise<string[]> {
        const spec = {
            table: { ...CONTACTS, timeColumn: undefined },
            source: `"src"."contacts_link"`,
            target: `"exp"."contacts"`,
            columns: TYPED,
        };
        await conn.run(`CREATE OR REPLACE TABLE src.contacts_link (${COLUMNS})`);
        await conn.run(`CREATE OR REPLACE TABLE exp.contacts (${COLUMNS})`);
        if (source.length) await conn.run(`INSERT INTO src.contacts_link ${typedRows(source)}`);
        if (existing.length) await conn.run(`INSERT INTO exp.contacts ${typedRows(existing)}`);
        await conn.run(statements(spec, duckdbDialect).merge);
        const rows = await conn.runAndReadAll(
            `SELECT contact_id || ':' || coalesce(CAST(date_diff('hour', initiation_timestamp, last_update_timestamp) AS VARCHAR), 'null') || ':' || channel FROM exp.contacts ORDER BY 1`,
        );
        return rows.getRows().map((r) => String(r[0]));
    }
    const day = "2025-01-01";

    it("an older incoming version never replaces a newer target row, even when the source no longer holds the newer one", async () => {
        assert.deepEqual(
            await merge([{ id: "a", day, v: 1, channel: "CHAT" }], [{ id: "a", day, v: 2, channel: "VOICE" }]),
            ["a:2:VOICE"],
        );
    });

    it("an equal incoming version never replaces the target row; a newer one does; a new key is inserted", async () => {
        assert.deepEqual(
            await merge(
                [
                    { id: "a", day, v: 2, channel: "CHAT", score: "9" },
                    { id: "b", day, v: 3, channel: "CHAT" },
                    { id: "c", day, v: 1, channel: "TASK" },
                ],
                [
                    { id: "a", day, v: 2, channel: "VOICE" },
                    { id: "b", day, v: 2, channel: "VOICE" },
                ],
            ),
            ["a:2:VOICE", "b:3:CHAT", "c:1:TASK"],
        );
    });

    it("among the source's rows of a key, the newest version merges, then the greater content; a NULL version last", async () => {
        assert.deepEqual(
            await merge(
                [
                    { id: "a", day, v: null, channel: "ZZZ" },
                    { id: "a", day, v: 2, channel: "CHAT" },
                    { id: "a", day, v: 2, channel: "TASK" },
                    { id: "a", day, v: 1, channel: "VOICE" },
                ],
                [],
            ),
            ["a:2:TASK"],
        );
    });
});
