/**
 * The late-update sweep (functions/sweep.ts), run for real on DuckDB (runner, engine, statements)
 * over a lake written here: contacts over 301 days, then updates 3, 40 and 300 days old re-delivered
 * into their own days with a newer data_lake_last_processed_timestamp, a run with no update, an
 * update whose touched value did not move (the field "cannot be used to determine reliably data
 * freshness") found by the monthly full reconciliation, and an event table (insertOnly) that gets
 * events of an old day again. After each run the target equals the lake's latest version of each
 * key, computed straight from the files.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { addDays } from "../functions/dates";
import { attachLake, attachTarget } from "../functions/local/duckdbEngine";
import { athenaDialect } from "../functions/athena/athenaSql";
import { createExportHandler } from "../functions/handler";
import { runOnDuckdb } from "./duckdb-run";
import { sweepSkipped, sweepTable, touchedCutoff, TOUCHED_COLUMN, type SweepState } from "../functions/sweep";
import type { ExportTableSpec, StatementResult, TableRunEntry } from "../functions/types";
import { AthenaOnDuckDb, type Row as AthenaRow } from "./athena-duckdb";
import { EXPORT_DB, FakeAws, fakeClock, handlerEnv, lambdaContext, logSink, SOURCE_DB } from "./export-fakes";
import { CONTACTS_SPEC as CONTACTS } from "./export-tables";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const EVENTS: ExportTableSpec = {
    name: "contact_flow_events",
    linkName: "contact_flow_events_link",
    timeColumn: "start_timestamp",
    primaryKey: ["event_id", "instance_id"],
    exportMode: "insertOnly",
};
const FIRST = "2025-01-01";
/** The first run's date: the lake holds FIRST .. E - 1 (301 days). */
const E = addDays(FIRST, 301);

/** One row of a table: its key, day (partition), version and touched instants, and content. */
interface Row {
    readonly id: string;
    readonly day: string;
    /** The version (contacts) or start (events) instant; the day's 09:00 unless given. */
    readonly at?: string;
    /** data_lake_last_processed_timestamp; the day's 10:00 unless given. */
    readonly touched?: string;
    readonly channel?: string;
}

const select = (table: ExportTableSpec, rows: readonly Row[]) => {
    const values = rows
        .map(
            (r) =>
                `('i-1', '${r.id}', TIMESTAMP '${r.day} 09:00:00', TIMESTAMP '${r.at ?? `${r.day} 09:00:00`}', ` +
                `'${r.channel ?? "VOICE"}', TIMESTAMP '${r.touched ?? `${r.day} 10:00:00`}', DATE '${r.day}')`,
        )
        .join(", ");
    const [key, time, version] =
        table === CONTACTS
            ? ["contact_id", "initiation_timestamp", "last_update_timestamp"]
            : ["event_id", "start_timestamp", "end_timestamp"];
    return (
        `SELECT instance_id, ${key}, ${time}, ${version}, channel, data_lake_last_processed_timestamp, dt FROM (VALUES ${values}) ` +
        `AS t(instance_id, ${key}, ${time}, ${version}, channel, data_lake_last_processed_timestamp, dt)`
    );
};

describe("the late-update sweep on DuckDB: every key at its latest version, whatever the age of the update", function () {
    this.timeout(120_000);
    let db: DuckDBInstance;
    let conn: DuckDBConnection;
    let dir: string;
    let deliveries = 0;

    before(async () => {
        db = await DuckDBInstance.create(":memory:", { threads: "2" });
        conn = await db.connect();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "export-sweep-"));
    });
    after(() => {
        conn.closeSync();
        db.closeSync();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const lake = () => path.join(dir, "lake");

    /** One delivery: a file per day of the rows given (DuckDB's PARTITION_BY writes one folder a day). */
    async function deliver(table: ExportTableSpec, rows: readonly Row[]): Promise<void> {
        const to = path.join(lake(), table.name);
        fs.mkdirSync(to, { recursive: true });
        await conn.run(
            `COPY (${select(table, rows)}) TO '${to}' (FORMAT PARQUET, PARTITION_BY (dt), APPEND, FILENAME_PATTERN 'delivery-${++deliveries}-{uuid}')`,
        );
    }

    /** The scheduled run of `runDate` over the lake as delivered so far. */
    async function run(runDate: string): Promise<Record<string, TableRunEntry>> {
        await attachLake(conn, lake(), "src", [CONTACTS, EVENTS]);
        await conn.run("DETACH DATABASE IF EXISTS exp");
        await attachTarget(conn, path.join(dir, "target.duckdb"), "exp");
        const summary = await runOnDuckdb({
            conn,
            lakeDir: lake(),
            databaseFile: path.join(dir, "target.duckdb"),
            storeDir: path.join(dir, "out"),
            runDate,
            settings: { chunkDays: 100, reconcileEveryDays: 30, tables: [CONTACTS, EVENTS] },
            owner: "test",
        });
        assert.equal(summary.status, "succeeded", JSON.stringify(summary.failedTables));
        await sameAsLake();
        return Object.fromEntries(summary.tables.map((t) => [t.table, t]));
    }

    /** The target holds each key of the lake once, at its newest version (contacts), or as first written (events). */
    async function sameAsLake(): Promise<void> {
        const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0][0]);
        const contacts = `read_parquet('${lake()}/contacts/*/*.parquet', hive_partitioning = false)`;
        const newest = `SELECT contact_id, max(last_update_timestamp) AS v FROM ${contacts} GROUP BY contact_id`;
        assert.equal(await count(`SELECT count(*) FROM exp.contacts`), await count(`SELECT count(*) FROM (${newest})`));
        assert.equal(
            await count(`SELECT count(*) FROM (SELECT DISTINCT contact_id FROM exp.contacts)`),
            await count(`SELECT count(*) FROM exp.contacts`),
        );
        const stale = `SELECT count(*) FROM (${newest}) AS s JOIN exp.contacts AS t USING (contact_id) WHERE t.last_update_timestamp <> s.v`;
        assert.equal(await count(stale), 0, "every contact at its newest version");
        const events = `read_parquet('${lake()}/contact_flow_events/*/*.parquet', hive_partitioning = false)`;
        const missing = `SELECT count(*) FROM (SELECT DISTINCT event_id FROM ${events}) WHERE event_id NOT IN (SELECT event_id FROM exp.contact_flow_events)`;
        assert.equal(await count(missing), 0, "every event key once");
        assert.equal(
            await count(`SELECT count(*) FROM exp.contact_flow_events`),
            await count(`SELECT count(DISTINCT event_id) FROM ${events}`),
        );
    }

    const days = (entry: TableRunEntry) => entry.sweep!.days.map((d) => `${d.day} ${d.why}`);

    it("first load, updates 3, 40 and 300 days old, a run with no update, and the monthly reconciliation", async () => {
        // 301 days: two contacts and one event on every fifth day and on the days the test updates.
        const ages = [300, 120, 100, 40, 3, 2, 1];
        const history = Array.from({ length: 301 }, (_, i) => addDays(FIRST, i)).filter(
            (day, i) => i % 5 === 0 || ages.some((age) => addDays(E, -age) === day),
        );
        await deliver(
            CONTACTS,
            history.flatMap((day) => [
                { id: `c-${day}-a`, day },
                { id: `c-${day}-b`, day },
            ]),
        );
        await deliver(
            EVENTS,
            history.map((day) => ({ id: `e-${day}`, day })),
        );
        const first = await run(E);
        assert.equal(first.contacts.sweep!.touchedAfter, null, "the first load records where the sweep starts");
        assert.equal(first.contacts.sweep!.touchedThrough, `${addDays(E, -1)} 10:00:00`);

        // Day E: new contacts, and updates of contacts 3, 40 and 300 days old, touched on day E.
        const update = (age: number): Row => ({
            id: `c-${addDays(E, -age)}-a`,
            day: addDays(E, -age),
            at: `${E} 06:00:00`,
            touched: `${E} 07:00:00`,
            channel: "CHAT",
        });
        await deliver(CONTACTS, [{ id: `c-${E}-a`, day: E }, update(3), update(40), update(300)]);
        // Events never change: an old day's event delivered again (touched again), and one that came late.
        await deliver(EVENTS, [
            { id: `e-${E}`, day: E },
            { id: `e-${addDays(E, -120)}`, day: addDays(E, -120), touched: `${E} 07:00:00` },
            { id: `e-late`, day: addDays(E, -120), touched: `${E} 07:00:00` },
        ]);
        const second = await run(addDays(E, 1));
        assert.deepEqual(
            second.contacts.window,
            { from: addDays(E, -3), to: E },
            "the 3-day-old update is in the window",
        );
        assert.deepEqual(days(second.contacts), [`${addDays(E, -300)} touched`, `${addDays(E, -40)} touched`]);
        assert.equal(
            second.contacts.sweep!.touchedAfter,
            `${addDays(E, -1)} 08:00:00.000`,
            "the last sweep's greatest, less 2 hours",
        );
        assert.deepEqual(days(second.contact_flow_events), [`${addDays(E, -120)} touched`]);
        assert.ok(second.contacts.sweep!.bytesScanned > 0);

        // Day E+1: new contacts only. No old update: no day swept.
        await deliver(CONTACTS, [{ id: `c-${addDays(E, 1)}-a`, day: addDays(E, 1) }]);
        const third = await run(addDays(E, 2));
        assert.deepEqual(days(third.contacts), []);
        assert.deepEqual(days(third.contact_flow_events), []);
        assert.equal(third.contacts.sweep!.reconciledDays, null, "the full reconciliation is not due before 30 days");

        // An update whose touched value did not move: the sweep cannot see it; the monthly reconciliation does.
        await deliver(CONTACTS, [
            { id: `c-${addDays(E, -100)}-b`, day: addDays(E, -100), at: `${addDays(E, 2)} 05:00:00` },
            { id: `c-${addDays(E, 2)}-a`, day: addDays(E, 2) },
        ]);
        const monthly = await run(addDays(E, 31));
        assert.deepEqual(days(monthly.contacts), [`${addDays(E, -100)} reconciliation`]);
        assert.deepEqual(monthly.contacts.sweep!.reconciledDays, { before: addDays(E, -1), differing: 1 });
    });
});

/** The same sequence through the Lambda's handler: the Athena dialect's statements, run by DuckDB (tests/athena-duckdb.ts). */
describe("the late-update sweep in the Athena dialect (the Lambda's statements run by DuckDB)", function () {
    this.timeout(120_000);
    const COLUMNS = [
        { Name: "instance_id", Type: "string" },
        { Name: "contact_id", Type: "string" },
        { Name: "initiation_timestamp", Type: "timestamp" },
        { Name: "last_update_timestamp", Type: "timestamp" },
        { Name: "channel", Type: "string" },
        { Name: "data_lake_last_processed_timestamp", Type: "timestamp" },
    ];
    let aws: FakeAws;
    let engine: AthenaOnDuckDb;
    before(async () => {
        aws = new FakeAws();
        engine = await AthenaOnDuckDb.create(SOURCE_DB, EXPORT_DB);
        aws.engine = engine;
        aws.sourceColumns.set("contacts", COLUMNS);
        await engine.deliver("contacts_link", COLUMNS, []);
    });
    after(() => {
        aws.restore();
        engine.close();
    });

    const contact = (r: Row): AthenaRow => ({
        instance_id: "i-1",
        contact_id: r.id,
        initiation_timestamp: `${r.day} 09:00:00`,
        last_update_timestamp: r.at ?? `${r.day} 09:00:00`,
        channel: r.channel ?? "VOICE",
        data_lake_last_processed_timestamp: r.touched ?? `${r.day} 10:00:00`,
    });
    const deliver = (rows: readonly Row[]) => engine.deliver("contacts_link", COLUMNS, rows.map(contact));

    async function run(day: string): Promise<TableRunEntry> {
        const clock = fakeClock(`${day}T02:00:05Z`);
        const handler = createExportHandler({
            env: () => handlerEnv({ CHUNK_DAYS: "100" }),
            clock,
            logSink: logSink().sink,
        });
        const summary = await handler(
            { scheduledTime: `${day}T02:00:00Z`, tables: ["contacts"] },
            lambdaContext(clock),
        );
        const entry = summary.tables.find((t) => t.table === "contacts") as TableRunEntry;
        assert.equal(entry.status, "succeeded", entry.error ?? "");
        // The target equals the lake's newest version of each key.
        const [diff] = await engine.run(
            `SELECT count(*) AS n FROM (SELECT contact_id, max(last_update_timestamp) AS v FROM "${SOURCE_DB}"."contacts_link" GROUP BY contact_id) AS s ` +
                `FULL JOIN "${EXPORT_DB}"."contacts" AS t USING (contact_id) WHERE t.last_update_timestamp IS DISTINCT FROM s.v`,
        );
        assert.equal(diff.n, "0", "every key once, at its newest version");
        const [dupes] = await engine.run(
            `SELECT count(*) - count(DISTINCT contact_id) AS n FROM "${EXPORT_DB}"."contacts"`,
        );
        assert.equal(dupes.n, "0");
        return entry;
    }
    const swept = (e: TableRunEntry) => e.sweep!.days.map((d) => `${d.day} ${d.why}`);

    it("first load, updates 3, 40 and 300 days old, a run with no update, and the monthly reconciliation", async () => {
        const ages = [300, 120, 100, 40, 3, 2, 1];
        await deliver(
            ages.flatMap((age) => [
                { id: `c-${age}-a`, day: addDays(E, -age) },
                { id: `c-${age}-b`, day: addDays(E, -age) },
            ]),
        );
        const first = await run(E);
        assert.deepEqual(first.sweep, {
            touchedAfter: null,
            touchedThrough: `${addDays(E, -1)} 10:00:00`,
            days: [],
            reconciledDays: null,
            bytesScanned: first.sweep!.bytesScanned,
        });

        const update = (age: number): Row => ({
            id: `c-${age}-a`,
            day: addDays(E, -age),
            at: `${E} 06:00:00`,
            touched: `${E} 07:00:00`,
            channel: "CHAT",
        });
        await deliver([{ id: "c-new", day: E }, update(3), update(40), update(300)]);
        const second = await run(addDays(E, 1));
        assert.deepEqual(swept(second), [`${addDays(E, -300)} touched`, `${addDays(E, -40)} touched`]);
        assert.equal(second.rowsUpdated, 3, "the window's update and the two swept ones");
        const sweepSql = aws.queries.filter((q) => q.kind === "sweep").at(-1)!.sql;
        assert.match(sweepSql, /^SELECT CASE WHEN "initiation_timestamp" < TIMESTAMP '[\d-]+ 00:00:00' THEN/);
        assert.doesNotMatch(sweepSql, /last_update_timestamp|contact_id|channel/, "the time and touched columns only");

        await deliver([{ id: "c-next", day: addDays(E, 1) }]);
        const third = await run(addDays(E, 2));
        assert.deepEqual(swept(third), [], "no old update: no day swept");

        // An update whose touched value did not move: only the monthly reconciliation finds it.
        await deliver([{ id: "c-100-b", day: addDays(E, -100), at: `${addDays(E, 2)} 05:00:00` }]);
        const monthly = await run(addDays(E, 31));
        assert.deepEqual(swept(monthly), [`${addDays(E, -100)} reconciliation`]);
        assert.deepEqual(monthly.sweep!.reconciledDays, { before: addDays(E, -1), differing: 1 });
    });
});

describe("the late-update sweep's decisions (functions/sweep.ts, no engine)", () => {
    const d = athenaDialect();
    /** A sweep over a scripted engine: `found` are the find query's rows, `differing` the reconciliation's days. */
    function sweepWith(o: {
        state?: SweepState;
        found?: Record<string, string | null>[];
        differing?: string[];
        chunkDays?: number;
        startable?: number;
        reconcileEveryDays?: number;
        /** The files target: no table to compare with. */
        files?: boolean;
    }) {
        const ran: { step: string; text: string }[] = [];
        const merged: { days: readonly string[]; after?: string }[] = [];
        const saved: unknown[] = [];
        let starts = 0;
        const promise = sweepTable({
            table: CONTACTS,
            source: '"src"."contacts_link"',
            dialect: d,
            target: o.files ? undefined : '"exp"."contacts"',
            before: "2025-06-01",
            end: "2025-06-03",
            runDate: "2025-06-04",
            chunkDays: o.chunkDays ?? 30,
            reconcileEveryDays: o.reconcileEveryDays ?? 30,
            state: o.state,
            run: async (text, step) => {
                ran.push({ step, text });
                const rows =
                    step === "sweep_find"
                        ? (o.found ?? [])
                        : step === "reconcile_all"
                          ? (o.differing ?? []).map((day) => ({ day }))
                          : [{ touched_max: "2025-06-03 23:00:00.000" }];
                return { rows, bytesScanned: 0 } as unknown as StatementResult;
            },
            merge: async (days, after) => {
                merged.push({ days, ...(after ? { after } : {}) });
            },
            canStart: () => starts++ < (o.startable ?? Infinity),
            save: async (s) => {
                saved.push(s);
            },
        });
        return { promise, ran, merged, saved };
    }
    const state = (touchedThrough: string | null, reconciledOn: string | null): SweepState => ({
        table: "contacts",
        touchedThrough,
        reconciledOn,
        runId: "r",
        updatedAt: "2025-06-03T02:00:00Z",
    });

    it("looks from the last sweep's greatest touched value less two hours, and merges the touched days' touched rows", async () => {
        assert.equal(touchedCutoff("2025-06-03 01:30:00.123456"), "2025-06-02 23:30:00.123");
        assert.throws(() => touchedCutoff("yesterday"), /sweep state's touched value "yesterday" is not a timestamp/);
        const s = sweepWith({
            state: state("2025-06-02 10:00:00.000", "2025-05-20"),
            found: [
                { day: "2025-03-01", touched_rows: "2", touched_max: "2025-06-03 07:00:00.000" },
                { day: null, touched_rows: "9", touched_max: "2025-06-03 09:00:00.000" },
            ],
        });
        const result = await s.promise;
        assert.match(s.ran[0].text, /> TIMESTAMP '2025-06-02 08:00:00\.000'/);
        assert.deepEqual(s.merged, [{ days: ["2025-03-01"], after: "2025-06-02 08:00:00.000" }]);
        assert.equal(
            result.touchedThrough,
            "2025-06-03 09:00:00.000",
            "the window's rows count toward where the next run looks",
        );
        assert.deepEqual(s.saved, [{ touchedThrough: "2025-06-03 09:00:00.000", reconciledOn: "2025-05-20" }]);
    });

    it("a state with no touched value looks at every touched row; no state takes a baseline and reconciles at once", async () => {
        const none = sweepWith({ state: state(null, "2025-06-01"), found: [] });
        await none.promise;
        assert.equal(none.ran[0].step, "sweep_find");
        assert.doesNotMatch(none.ran[0].text, /> TIMESTAMP/);
        const fresh = sweepWith({ differing: ["2025-02-02"] });
        const r = await fresh.promise;
        assert.deepEqual(
            fresh.ran.map((x) => x.step),
            ["sweep_baseline", "reconcile_all"],
        );
        assert.deepEqual(fresh.merged, [{ days: ["2025-02-02"] }], "a differing day is merged whole");
        assert.deepEqual(r.reconciledDays, { before: "2025-06-01", differing: 1 });
        assert.deepEqual(fresh.saved, [{ touchedThrough: "2025-06-03 23:00:00.000", reconciledOn: "2025-06-04" }]);
    });

    it("reconciles once fullReconciliationDays have passed since the last, never with 0", async () => {
        const steps = async (reconciledOn: string, every = 30) => {
            const s = sweepWith({ state: state("2025-06-02 10:00:00", reconciledOn), reconcileEveryDays: every });
            await s.promise;
            return s.ran.map((x) => x.step);
        };
        assert.deepEqual(await steps("2025-05-06"), ["sweep_find"], "29 days ago");
        assert.deepEqual(await steps("2025-05-05"), ["sweep_find", "reconcile_all"], "30 days ago");
        assert.deepEqual(await steps("2024-01-01", 0), ["sweep_find"]);
    });

    it("the files target: touched days are rewritten whole, and the due reconciliation rewrites every retained old day", async () => {
        const found = [{ day: "2025-03-01", touched_rows: "2", touched_max: "2025-06-03 07:00:00.000" }];
        const daily = sweepWith({ files: true, state: state("2025-06-02 10:00:00.000", "2025-05-20"), found });
        await daily.promise;
        assert.deepEqual(daily.merged, [{ days: ["2025-03-01"] }], "a whole day, no touched filter");
        assert.deepEqual(
            daily.ran.map((x) => x.step),
            ["sweep_find"],
        );

        const monthly = sweepWith({
            files: true,
            state: state("2025-06-02 10:00:00.000", "2025-04-01"),
            found,
            differing: ["2025-02-01", "2025-03-01", "2025-05-31"],
        });
        const r = await monthly.promise;
        const listing = monthly.ran.find((x) => x.step === "reconcile_all")!.text;
        assert.match(
            listing,
            /^SELECT CAST\(CAST\("initiation_timestamp" AS DATE\) AS VARCHAR\) AS "day" FROM "src"\."contacts_link" WHERE /,
        );
        assert.match(
            listing,
            /"initiation_timestamp" < TIMESTAMP '2025-06-01 00:00:00'/,
            "only days before the window",
        );
        assert.doesNotMatch(listing, /"exp"|contact_id|last_update_timestamp/, "no target, no key or version column");
        assert.deepEqual(
            monthly.merged,
            [{ days: ["2025-02-01", "2025-03-01", "2025-05-31"] }],
            "every retained old day rewritten whole",
        );
        assert.deepEqual(r.reconciledDays, { before: "2025-06-01", differing: 3 });
        assert.deepEqual(monthly.saved, [{ touchedThrough: "2025-06-03 07:00:00.000", reconciledOn: "2025-06-04" }]);
    });

    it("stops at the deadline between chunks without saving: the next run finds the same days", async () => {
        const s = sweepWith({
            state: state("2025-06-02 10:00:00", "2025-06-01"),
            chunkDays: 1,
            startable: 1,
            found: ["2025-01-01", "2025-02-01"].map((day) => ({
                day,
                touched_rows: "1",
                touched_max: "2025-06-03 01:00:00",
            })),
        });
        await assert.rejects(
            s.promise,
            /late-update sweep of contacts stopped before the deadline with 1 day\(s\) left/,
        );
        assert.deepEqual(
            s.merged.map((m) => m.days),
            [["2025-01-01"]],
        );
        assert.deepEqual(s.saved, []);
    });

    it("skips tables read whole and tables without a touched timestamp", () => {
        const touched = { name: TOUCHED_COLUMN, type: "timestamp" };
        assert.equal(sweepSkipped(CONTACTS, [touched]), undefined);
        assert.equal(sweepSkipped({ ...CONTACTS, exportMode: "snapshot" }, [touched]), "read whole every run");
        assert.equal(sweepSkipped({ ...CONTACTS, timeColumn: undefined }, [touched]), "read whole every run");
        assert.equal(sweepSkipped(CONTACTS, []), `no ${TOUCHED_COLUMN} timestamp column`);
        assert.equal(sweepSkipped(CONTACTS, [{ ...touched, type: "string" }]), `no ${TOUCHED_COLUMN} timestamp column`);
    });
});
