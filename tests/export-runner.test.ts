/**
 * One export run (functions/runner.ts) in-process, on an in-memory store and a scripted engine whose
 * statements answer by step with hand-written rows: readState's validation of the store's JSON
 * state and its error texts, the lease around a run, the manifest and summary of a run and of its
 * re-runs, runStatement's retries and deadline, a table's plan, chunks, watermarks and sweep, and
 * both targets (Iceberg reconciliation; the files target's folders and index). No engine runs SQL
 * here, so each test takes milliseconds.
 */
import { strict as assert } from "assert";
import { athenaDialect } from "../functions/athena/athenaSql";
import { daysBetween } from "../functions/dates";
import { exportError, type ExportError } from "../functions/errors";
import {
    icebergPrefix,
    readIndex,
    readState,
    runExport,
    runStatement,
    withLease,
    type FilesIndex,
    type RunDeps,
} from "../functions/runner";
import type {
    Column,
    ExportRequest,
    ExportRunSummary,
    ExportSettings,
    ExportTableSpec,
    Logger,
    ObjectStore,
    RunManifest,
    StatementInfo,
    StatementResult,
    TableRunEntry,
} from "../functions/types";
import { fakeClock, type FakeClock } from "./export-fakes";
import { CONTACTS_SPEC as contacts, USERS_SPEC as users } from "./export-tables";

const NOW = "2025-02-01T02:00:00Z";
const TOUCHED = "data_lake_last_processed_timestamp";

const COLUMNS: Record<string, Column[]> = {
    contacts: [
        { name: "instance_id", type: "string" },
        { name: "contact_id", type: "string" },
        { name: "initiation_timestamp", type: "timestamp" },
        { name: "last_update_timestamp", type: "timestamp" },
    ],
    users: [
        { name: "user_id", type: "string" },
        { name: "last_modified_timestamp", type: "timestamp" },
    ],
};

/** An exports bucket in memory; `putFault` fails the writes it returns an error for. */
class MemStore implements ObjectStore {
    readonly name = "memory";
    readonly objects = new Map<string, { text: string; tag: string }>();
    putFault: (key: string, text: string) => Error | undefined = () => undefined;
    private tags = 0;
    async getText(key: string) {
        return this.objects.get(key)?.text;
    }
    async getTagged(key: string) {
        return this.objects.get(key);
    }
    async putText(key: string, text: string) {
        const fault = this.putFault(key, text);
        if (fault) throw fault;
        this.objects.set(key, { text, tag: `t${++this.tags}` });
    }
    async putIf(key: string, text: string, ifTag: string | undefined) {
        const fault = this.putFault(key, text);
        if (fault) throw fault;
        const current = this.objects.get(key);
        if (ifTag === undefined ? current : current?.tag !== ifTag) return undefined;
        const tag = `t${++this.tags}`;
        this.objects.set(key, { text, tag });
        return tag;
    }
    async listKeys(prefix: string) {
        return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    }
    async deletePrefix(prefix: string) {
        const keys = await this.listKeys(prefix);
        for (const k of keys) this.objects.delete(k);
        return keys.length;
    }
    uri(key: string) {
        return `s3://exports/${key}`;
    }
    put(key: string, value: unknown) {
        this.objects.set(key, { text: typeof value === "string" ? value : JSON.stringify(value), tag: "t0" });
    }
    json<T = any>(key: string): T {
        return JSON.parse(this.objects.get(key)!.text) as T;
    }
}

interface Call {
    readonly step: string;
    readonly table: string;
    readonly attempt: number;
    readonly reads: StatementInfo["reads"];
    readonly sql: string;
}
type Rows = Record<string, string | null>[];
/** Replaces the default answer of a statement (return undefined to keep it); throwing fails it. */
type Answer = (c: Call) => Partial<StatementResult> | undefined;

function daysOf(reads: StatementInfo["reads"]): string[] {
    if (reads === undefined || reads === "all") return ["all"];
    if (Array.isArray(reads)) return [...reads];
    const range = reads as { from?: string; to: string };
    return daysBetween(range.from!, range.to);
}

interface Options {
    readonly tables?: ExportTableSpec[];
    readonly target?: "iceberg" | "files";
    readonly request?: Partial<ExportRequest>;
    readonly settings?: Partial<ExportSettings>;
    /** Time left in the invocation; default: a deadline 15 minutes after NOW. */
    readonly remainingMs?: (clock: FakeClock) => number;
    readonly answer?: Answer;
    /** Milliseconds each statement takes, by step (the fake clock moves). */
    readonly ms?: (c: Call) => number;
    /** The sources have data_lake_last_processed_timestamp (swept). */
    readonly touched?: boolean;
    /** Targets that exist already. */
    readonly existing?: string[];
    /** Days the files target's UNLOAD writes no folder for. */
    readonly noFolder?: string[];
    readonly store?: MemStore;
}

/** Deps of one run on the scripted engine, with what it did. */
function harness(o: Options = {}) {
    const clock = fakeClock(NOW);
    const store = o.store ?? new MemStore();
    const calls: Call[] = [];
    const logs: { level: string; event: string; fields: Record<string, unknown> }[] = [];
    const steps: [string, string][] = [];
    const created: string[] = [];
    const at =
        (level: string) =>
        (event: string, fields: Record<string, unknown> = {}) => {
            logs.push({ level, event, fields });
        };
    const log: Logger = { level: "DEBUG", debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
    const columns = (t: ExportTableSpec) => [
        ...COLUMNS[t.name],
        ...(o.touched ? [{ name: TOUCHED, type: "timestamp" }] : []),
    ];
    let seq = 0;
    let lastDays: string[] = [];
    const dialect = athenaDialect();
    const deadline = clock.now() + 900_000;
    const deps: RunDeps = {
        settings: {
            prefix: "connect",
            target: o.target ?? "iceberg",
            format: "parquet",
            lookbackDays: 0,
            chunkDays: 7,
            sourceDatabase: "src",
            exportDatabase: "exp",
            tables: o.tables ?? [contacts],
            ...o.settings,
        },
        request: { runId: "r1", runDate: "2025-02-01", trigger: "schedule", force: false, ...o.request },
        engine: {
            name: "scripted",
            dialect,
            sourceColumns: async (t) => columns(t),
            targetColumns: async (_db, t) =>
                o.existing?.includes(t) || created.includes(t)
                    ? columns(o.tables?.find((x) => x.name === t) ?? contacts)
                    : undefined,
            targetLocation: (t) => `s3://exports/connect/iceberg/${t}/`,
            createTarget: async (t) => {
                created.push(t.table);
            },
            addTargetColumns: async () => undefined,
            run: async (sql, info) => {
                const c: Call = {
                    step: info.step,
                    table: info.table.name,
                    attempt: info.attempt,
                    reads: info.reads,
                    sql,
                };
                calls.push(c);
                clock.sleep(o.ms?.(c) ?? 0);
                const id = `q-${++seq}`;
                const override = o.answer?.(c);
                let rows: Rows = [];
                let outputRows: number | null = null;
                if (c.step === "bounds") rows = [{ first_day: "2025-01-31" }];
                if (c.step === "preview") {
                    lastDays = daysOf(c.reads);
                    rows = lastDays.map((day) => ({
                        day,
                        source_keys: "10",
                        source_rows: "12",
                        inserts: "10",
                        updates: "0",
                    }));
                }
                if (c.step === "reconcile") {
                    rows = lastDays.map((day) => ({ day, target_keys: "10", target_rows: "10" }));
                }
                if (c.step === "days") {
                    lastDays = daysOf(c.reads);
                    rows = lastDays.map((day) => ({ day, keys: "10", rows: "12" }));
                }
                const result = { rows, bytesScanned: 100, queryExecutionId: id, outputRows, ...override };
                if (c.step === "days") lastDays = result.rows.filter((r) => Number(r.keys) > 0).map((r) => r.day!);
                if (c.step === "unload") {
                    const dest = /^s3:\/\/exports\/(.*)$/.exec(info.output!)![1];
                    for (const day of lastDays) {
                        if (o.noFolder?.includes(day)) continue;
                        store.put(`${dest}${info.table.timeColumn ? `dt=${day}/` : ""}${id}.parquet`, "rows");
                    }
                    outputRows = lastDays.length * 10;
                    return { ...result, outputRows, ...override };
                }
                return result;
            },
        },
        store,
        log,
        clock,
        remainingMs: () => (o.remainingMs ? o.remainingMs(clock) : deadline - clock.now()),
        owner: "test-owner",
        onStep: (step, table) => steps.push([step, table]),
    };
    return {
        deps,
        store,
        calls,
        logs,
        steps,
        clock,
        created,
        /** Steps of the statements run, in order. */
        ran: () => calls.map((c) => c.step),
        logged: (event: string) => logs.filter((l) => l.event === event),
        manifest: () => store.json<RunManifest>("manifests/r1.json"),
    };
}

/** The contacts watermark as an earlier run left it: merged through `through`. */
function mergedThrough(h: ReturnType<typeof harness>, through: string): void {
    h.store.put("state/watermarks/contacts.json", { table: "contacts", through, runId: "earlier", updatedAt: NOW });
}

/** runExport's result, or its error. */
async function attempt(deps: RunDeps): Promise<{ summary?: ExportRunSummary; error?: ExportError }> {
    try {
        return { summary: await runExport(deps) };
    } catch (err) {
        return { error: err as ExportError };
    }
}

async function rejects(p: Promise<unknown>): Promise<ExportError> {
    try {
        await p;
    } catch (err) {
        return err as ExportError;
    }
    throw new Error("expected an error");
}

const failing = (message: string, fields: Record<string, unknown> = {}) => exportError("QUERY_FAILED", message, fields);

describe("export runner: readState checks the store's JSON state", () => {
    const WM = "state/watermarks/contacts.json";
    const SWEEP = "state/sweeps/contacts.json";
    const INDEX = "connect/contacts/_current.json";
    const MANIFEST = "manifests/r1.json";
    const WM_FIX =
        'Set "through" to the last day merged, or delete it to reload the table from its first day (merging again is harmless).';
    const INDEX_FIX = "Restore it from the bucket's object versions, or delete it and backfill the days to rebuild it.";
    const SWEEP_FIX =
        "Delete it: the next run starts the sweep again from the data as it stands, and reconciles every day.";
    const MANIFEST_FIX = "Delete it to start the run over, or use a new run id.";

    async function read(key: string, kind: "watermark" | "manifest" | "index" | "sweep", value: unknown, end?: string) {
        const store = new MemStore();
        store.put(key, value);
        return readState(store, key, kind, end);
    }
    async function refused(
        key: string,
        kind: "watermark" | "manifest" | "index" | "sweep",
        value: unknown,
        end?: string,
    ): Promise<string> {
        const err = await rejects(read(key, kind, value, end));
        assert.equal(err.code, "STORE", err.message);
        return err.message;
    }

    it("an absent object is undefined; readIndex gives an empty index for it", async () => {
        assert.equal(await readState(new MemStore(), WM, "watermark", "2025-01-31"), undefined);
        assert.deepEqual(await readIndex(new MemStore(), INDEX), { days: {}, retired: [], pending: [] });
    });

    it("icebergPrefix: the Iceberg table's folder under the export prefix", () => {
        assert.equal(icebergPrefix("connect", "contacts"), "connect/iceberg/contacts/");
    });

    it("watermark: a real day up to the last complete day; a later, impossible or missing one names the object and the fix", async () => {
        const ok = { table: "contacts", through: "2025-01-31", runId: "x", updatedAt: NOW };
        assert.deepEqual(await read(WM, "watermark", ok, "2025-01-31"), ok);
        assert.equal(
            await refused(WM, "watermark", { ...ok, through: "2025-02-01" }, "2025-01-31"),
            `s3://exports/${WM} is unusable: "through" must be a real day no later than the last complete day 2025-01-31, got "2025-02-01". ${WM_FIX}`,
        );
        assert.equal(
            await refused(WM, "watermark", "null", "2025-01-31"),
            `s3://exports/${WM} is unusable: "through" must be a real day no later than the last complete day 2025-01-31, got undefined. ${WM_FIX}`,
        );
        assert.match(
            await refused(WM, "watermark", "{", "2025-01-31"),
            /^s3:\/\/exports\/state\/watermarks\/contacts\.json is unusable: not JSON \(SyntaxError: .+\)\. Set "through"/,
        );
        // Read without a last complete day, no watermark is acceptable.
        assert.match(await refused(WM, "watermark", ok), /no later than the last complete day , got "2025-01-31"/);
    });

    it("sweep state: touchedThrough null or text, reconciledOn null or a real day; anything else names the object and the fix", async () => {
        for (const ok of [
            { touchedThrough: null, reconciledOn: null },
            { touchedThrough: "2025-01-31 10:00:00.000", reconciledOn: null },
            { touchedThrough: "2025-01-31 10:00:00.000", reconciledOn: "2025-01-20" },
        ]) {
            assert.deepEqual(await read(SWEEP, "sweep", ok), ok);
        }
        const why = `s3://exports/${SWEEP} is unusable: not {touchedThrough, reconciledOn}. ${SWEEP_FIX}`;
        assert.equal(await refused(SWEEP, "sweep", { touchedThrough: null, reconciledOn: "yesterday" }), why);
        assert.equal(await refused(SWEEP, "sweep", { touchedThrough: 5, reconciledOn: null }), why);
        assert.equal(await refused(SWEEP, "sweep", "null"), why);
    });

    it("index: {days, retired, pending} each part present, else named with the fix", async () => {
        const ok: FilesIndex = {
            days: { "2025-01-31": "connect/contacts/run=r0/1-2025-01-31/dt=2025-01-31/" },
            retired: ["connect/contacts/run=r0/1-all/"],
            pending: [],
        };
        assert.deepEqual(await read(INDEX, "index", ok), ok);
        const why = `s3://exports/${INDEX} is unusable: not {days, retired, pending}. ${INDEX_FIX}`;
        for (const bad of [
            "null",
            {},
            { days: {}, retired: [] },
            { days: {}, pending: [] },
            { retired: [], pending: [] },
            { days: {}, retired: "x", pending: [] },
        ]) {
            assert.equal(await refused(INDEX, "index", bad), why, JSON.stringify(bad));
        }
    });

    it("index: every folder it lists is one a run of this table wrote (under run=, ending in /, no empty, . or .. part)", async () => {
        const index = (f: unknown) => ({ days: {}, retired: [], pending: [f] });
        for (const f of [
            "connect/contacts/run=r1/1-2025-01-31/",
            "connect/contacts/run=r1/1-2025-01-31/dt=2025-01-31/",
        ]) {
            assert.deepEqual(await read(INDEX, "index", index(f)), index(f), f);
        }
        const why = (f: string) =>
            `s3://exports/${INDEX} is unusable: it lists ${f}, not folders under connect/contacts/run=. ${INDEX_FIX}`;
        for (const f of [
            "connect/users/run=r1/1-all/",
            "other/connect/contacts/run=r1/",
            "connect/contacts/run=r1/1-all",
            "connect/contacts/run=r1//",
            "connect/contacts/run=r1/./",
            "connect/contacts/run=r1/../../users/",
            "connect/contacts/run=r1/1-all/..",
        ]) {
            assert.equal(await refused(INDEX, "index", index(f)), why(JSON.stringify(f)), f);
        }
        assert.equal(await refused(INDEX, "index", index(5)), why("5"));
        assert.equal(await refused(INDEX, "index", index(null)), why("null"));
        // At most three are named: days first, then retired, then pending.
        assert.equal(
            await refused(INDEX, "index", {
                days: { "2025-01-30": "a/", "2025-01-31": "connect/contacts/run=r1/1-2025-01-31/" },
                retired: ["b/", "c/"],
                pending: ["d/"],
            }),
            why(`"a/", "b/", "c/"`),
        );
    });

    it("manifest: version 2 with a run date and tables whose entries have a known status, a run attempt and a whole window", async () => {
        const entry = { status: "running", runAttempt: 1, window: { from: "2025-01-01", to: "2025-01-31" } };
        const ok = {
            manifestVersion: 2,
            runDate: "2025-02-01",
            tables: {
                a: entry,
                b: { ...entry, status: "succeeded", window: null },
                c: { ...entry, status: "failed" },
                d: { ...entry, status: "incomplete" },
                e: { ...entry, status: "up_to_date" },
            },
        };
        assert.deepEqual(await read(MANIFEST, "manifest", ok), ok);
        const notV2 = `s3://exports/${MANIFEST} is unusable: not a version 2 manifest. ${MANIFEST_FIX}`;
        for (const bad of [
            "null",
            { ...ok, manifestVersion: 1 },
            { ...ok, runDate: undefined },
            { manifestVersion: 2, runDate: "2025-02-01" },
            { ...ok, tables: "x" },
        ]) {
            assert.equal(await refused(MANIFEST, "manifest", bad), notV2, JSON.stringify(bad));
        }
        const notEntry = (status: string) =>
            `s3://exports/${MANIFEST} is unusable: tables.x is not a table entry (status ${status}). ${MANIFEST_FIX}`;
        const withX = (x: unknown) => ({ ...ok, tables: { ...ok.tables, x } });
        assert.equal(await refused(MANIFEST, "manifest", withX({ ...entry, status: "done" })), notEntry('"done"'));
        assert.equal(await refused(MANIFEST, "manifest", withX({ ...entry, runAttempt: "1" })), notEntry('"running"'));
        assert.equal(
            await refused(MANIFEST, "manifest", withX({ ...entry, window: { from: "2025-01-01" } })),
            notEntry('"running"'),
        );
        assert.equal(await refused(MANIFEST, "manifest", withX(null)), notEntry("undefined"));
    });
});

describe("export runner: the lease around a run", () => {
    it("held until a minute past the invocation's deadline, or a day without one; released after", async () => {
        for (const [left, until] of [
            [900_000, "2025-02-01T02:16:00.000Z"],
            [Infinity, "2025-02-02T02:00:00.000Z"],
        ] as const) {
            const h = harness({ remainingMs: () => left });
            const held = await withLease(h.deps, undefined, async () => h.store.json("state/lease.json"));
            assert.deepEqual(held, {
                runId: "r1",
                owner: "test-owner",
                acquiredAt: "2025-02-01T02:00:00.000Z",
                expiresAt: until,
            });
            assert.equal(h.store.json("state/lease.json").released, true);
        }
    });

    it("a lease its holder released is taken quietly (DEBUG); one that expired unreleased is a WARN naming it", async () => {
        const released = {
            runId: "old",
            owner: "o",
            acquiredAt: "2025-02-01T01:00:00.000Z",
            expiresAt: "2025-02-01T03:00:00.000Z",
            released: true,
        };
        const h = harness();
        h.store.put("state/lease.json", released);
        assert.equal(await withLease(h.deps, undefined, async () => 7), 7);
        assert.deepEqual(
            h.logs.filter((l) => l.event.startsWith("lease")),
            [{ level: "debug", event: "lease_acquired", fields: { runId: "r1", previous: "old" } }],
        );
        const expired = { ...released, expiresAt: "2025-02-01T01:30:00.000Z", released: undefined };
        const h2 = harness();
        h2.store.put("state/lease.json", expired);
        await withLease(h2.deps, undefined, async () => 7);
        assert.deepEqual(
            h2.logs.filter((l) => l.event.startsWith("lease")),
            [
                {
                    level: "warn",
                    event: "lease_taken_over",
                    fields: {
                        runId: "r1",
                        previous: {
                            runId: "old",
                            owner: "o",
                            acquiredAt: "2025-02-01T01:00:00.000Z",
                            expiresAt: "2025-02-01T01:30:00.000Z",
                        },
                    },
                },
            ],
        );
    });

    it("a release that fails is a WARN; the work's result stands", async () => {
        const h = harness();
        h.store.putFault = (key, text) =>
            key === "state/lease.json" && text.includes('"released": true') ? new Error("S3 is down") : undefined;
        assert.equal(await withLease(h.deps, undefined, async () => "done"), "done");
        assert.deepEqual(h.logged("lease_release_failed"), [
            { level: "warn", event: "lease_release_failed", fields: { error: "S3 is down" } },
        ]);
    });
});

describe("export runner: the run's manifest and summary", () => {
    /** contacts merged through 2025-01-30: this run reads 2025-01-31 only. */
    const daily = (o: Options = {}) => {
        const h = harness(o);
        mergedThrough(h, "2025-01-30");
        return h;
    };

    it("one table's run: its statements, entry, manifest, summary and logs", async () => {
        const h = daily({ ms: (c) => ({ preview: 1000, merge: 2000, reconcile: 4000 })[c.step] ?? 0 });
        const { summary, error } = await attempt(h.deps);
        assert.equal(error, undefined, error?.message);
        assert.deepEqual(h.ran(), ["preview", "merge", "reconcile"]);
        assert.deepEqual(
            h.calls.map((c) => c.reads),
            [{ from: "2025-01-31", to: "2025-01-31" }, { from: "2025-01-31", to: "2025-01-31" }, undefined],
        );
        assert.deepEqual(h.steps, [
            ["previewed", "contacts"],
            ["merged", "contacts"],
        ]);
        const entry: TableRunEntry = {
            table: "contacts",
            exportMode: "merge",
            mode: "incremental",
            status: "succeeded",
            window: { from: "2025-01-31", to: "2025-01-31" },
            committedThrough: "2025-01-31",
            chunks: { done: 1, total: 1 },
            rowsRead: 12,
            rowsInserted: 10,
            rowsUpdated: 0,
            rowsWritten: null,
            bytesScanned: 300,
            schemaChanges: [],
            reconciliation: { sourceKeys: 10, sourceRows: 12, targetKeys: 10, targetRows: 10, ok: true },
            sweep: null,
            queryExecutionIds: ["q-1", "q-2", "q-3"],
            output: "exp.contacts",
            watermarkBefore: "2025-01-30",
            watermarkAfter: "2025-01-31",
            error: null,
            runAttempt: 1,
            startedAt: "2025-02-01T02:00:00.000Z",
            durationMs: 7000,
        };
        const fields = {
            runId: "r1",
            runDate: "2025-02-01",
            status: "succeeded",
            runAttempt: 1,
            manifestLocation: "s3://exports/manifests/r1.json",
            failedTables: [],
            rowsRead: 12,
            bytesScanned: 300,
            durationMs: 7000,
        };
        assert.deepEqual(summary, { ...fields, tables: [entry] });
        assert.deepEqual(h.manifest(), {
            manifestVersion: 2,
            runId: "r1",
            runDate: "2025-02-01",
            scheduledTime: null,
            trigger: "schedule",
            engine: "scripted",
            target: "iceberg",
            prefix: "connect",
            status: "succeeded",
            runAttempt: 1,
            startedAt: "2025-02-01T02:00:00.000Z",
            finishedAt: "2025-02-01T02:00:07.000Z",
            request: { tables: null, from: null, to: null, force: false },
            tables: { contacts: entry },
        });
        assert.deepEqual(h.logged("export_start"), [
            {
                level: "info",
                event: "export_start",
                fields: {
                    runId: "r1",
                    runDate: "2025-02-01",
                    runAttempt: 1,
                    trigger: "schedule",
                    target: "iceberg",
                    tables: ["contacts"],
                },
            },
        ]);
        assert.deepEqual(h.logged("table_export"), [
            { level: "info", event: "table_export", fields: { runId: "r1", ...entry, reused: false } },
        ]);
        assert.deepEqual(h.logged("export_summary"), [
            { level: "info", event: "export_summary", fields: { ...fields, tables: undefined } },
        ]);
        assert.equal(h.store.json("state/watermarks/contacts.json").through, "2025-01-31");
    });

    it("a re-run reuses what succeeded and counts only this attempt's rows and bytes; tables it did not select stay in the manifest", async () => {
        let first = true;
        const h = daily({
            tables: [contacts, users],
            answer: (c) => {
                if (c.table === "users" && c.step === "preview" && first) throw failing("boom");
                if (c.table === "users" && c.step === "preview") {
                    return {
                        rows: [{ day: "all", source_keys: "4", source_rows: "5", inserts: "4", updates: "0" }],
                        bytesScanned: 7,
                    };
                }
                if (c.table === "users" && c.step === "reconcile") {
                    return { rows: [{ day: "all", target_keys: "4", target_rows: "4" }], bytesScanned: 7 };
                }
                return undefined;
            },
        });
        const one = await attempt(h.deps);
        assert.equal(one.error?.code, "RUN_FAILED");
        assert.deepEqual(one.error?.summary, {
            ...(one.error?.summary as object),
            status: "failed",
            failedTables: ["users"],
            rowsRead: 12,
            bytesScanned: 300,
        });
        first = false;
        const two = await attempt(h.deps);
        assert.equal(two.error, undefined, two.error?.message);
        assert.equal(two.summary!.runAttempt, 2);
        assert.equal(two.summary!.tables[0].runAttempt, 1);
        assert.equal(two.summary!.rowsRead, 5, "users' rows only: contacts' entry is attempt 1's");
        assert.equal(two.summary!.bytesScanned, 114, "users' preview 7, MERGE 100, reconciliation 7");
        assert.deepEqual(
            h.logged("table_export").map((l) => [l.fields.table, l.fields.reused]),
            [
                ["contacts", false],
                ["users", false],
                ["contacts", true],
                ["users", false],
            ],
        );
        // A third attempt for users only keeps contacts' entry in the manifest.
        const three = await attempt({ ...h.deps, request: { ...h.deps.request, tables: ["users"], force: true } });
        assert.equal(three.error, undefined, three.error?.message);
        assert.deepEqual(Object.keys(h.manifest().tables), ["contacts", "users"]);
        assert.equal(h.manifest().tables.contacts.runAttempt, 1);
        assert.equal(h.manifest().tables.users.runAttempt, 3);
    });

    it("failed tables: the run is failed, or incomplete when every one stopped at the deadline; the error names each and how to continue", async () => {
        const h = daily({
            tables: [contacts, users],
            answer: (c) => {
                if (c.step === "preview") throw failing(`${c.table} broke`);
                return undefined;
            },
        });
        const { error } = await attempt(h.deps);
        assert.equal(error?.code, "RUN_FAILED");
        assert.equal(
            error?.message,
            "export run r1 failed for contacts (failed: ExportError: contacts broke); users (failed: ExportError: users broke). " +
                'Manifest: s3://exports/manifests/r1.json. Invoking again with {"runId": "r1"} continues after what committed.',
        );
        assert.deepEqual(error?.failedTables, ["contacts", "users"]);
        assert.equal(h.manifest().status, "failed");

        const late = daily({ remainingMs: () => 40_000 });
        const stopped = await attempt(late.deps);
        assert.equal(
            stopped.error?.message,
            "export run r1 incomplete for contacts (incomplete: stopped before the deadline with 1 of 1 chunk(s) left; invoking this run again starts this table over). " +
                'Manifest: s3://exports/manifests/r1.json. Invoking again with {"runId": "r1"} continues after what committed.',
        );
        assert.equal(late.manifest().status, "incomplete");
    });

    it("a progress write of the manifest that fails is a WARN and the run goes on", async () => {
        const h = daily();
        h.store.putFault = (key, text) =>
            key === "manifests/r1.json" && text.includes('\n  "status": "running"')
                ? new Error("slow down")
                : undefined;
        const { summary, error } = await attempt(h.deps);
        assert.equal(error, undefined, error?.message);
        assert.equal(summary!.status, "succeeded");
        const warned = h.logged("manifest_progress_write_failed");
        assert.equal(warned.length, 3, "before the chunk, after it, and after the table");
        assert.deepEqual(warned[0], {
            level: "warn",
            event: "manifest_progress_write_failed",
            fields: { runId: "r1", error: "slow down" },
        });
        assert.equal(h.manifest().status, "succeeded");
    });

    it("a final manifest that cannot be written is a STORE error carrying the summary, logged", async () => {
        const h = daily();
        h.store.putFault = (key, text) =>
            key === "manifests/r1.json" && text.includes('\n  "status": "succeeded"') ? new Error("denied") : undefined;
        const { error } = await attempt(h.deps);
        assert.equal(error?.code, "STORE");
        assert.equal(
            error?.message,
            "export run r1: could not write its manifest s3://exports/manifests/r1.json: denied",
        );
        assert.equal((error?.summary as ExportRunSummary).status, "succeeded");
        const logged = h.logged("export_summary");
        assert.equal(logged.length, 1);
        assert.equal(logged[0].level, "error");
        assert.equal(logged[0].fields.error, "manifest not written: denied");
        assert.equal(logged[0].fields.runId, "r1");
        assert.equal(logged[0].fields.rowsRead, 12);
    });
});

describe("export runner: runStatement", () => {
    const info = { table: contacts, step: "merge" };
    function ctx(remaining: () => number, answer: (attempt: number) => StatementResult) {
        const clock = fakeClock(NOW);
        const attempts: number[] = [];
        const logs: string[] = [];
        const at = () => (event: string) => logs.push(event);
        return {
            clock,
            attempts,
            logs,
            c: {
                engine: {
                    name: "x",
                    dialect: athenaDialect(),
                    sourceColumns: async () => [],
                    targetColumns: async () => undefined,
                    targetLocation: () => "",
                    createTarget: async () => undefined,
                    addTargetColumns: async () => undefined,
                    run: async (_sql: string, i: StatementInfo) => {
                        attempts.push(i.attempt);
                        return answer(i.attempt);
                    },
                },
                log: { level: "DEBUG", debug: at(), info: at(), warn: at(), error: at() } as Logger,
                clock,
                remainingMs: () => remaining() - (clock.now() - Date.parse(NOW)),
                request: { runId: "r1", trigger: "manual", force: false } as ExportRequest,
            },
        };
    }
    const ok = (id: string, bytes: number | null = 10): StatementResult => ({
        rows: [],
        bytesScanned: bytes,
        queryExecutionId: id,
        outputRows: null,
    });

    it("not started without minStartMs left after the reserve: a DEADLINE naming the step, table and seconds left", async () => {
        for (const [left, seconds] of [
            [25_000, 10],
            [44_499, 29],
            [5_000, 0],
        ]) {
            const t = ctx(
                () => left,
                () => ok("q"),
            );
            const err = await rejects(runStatement(t.c, { bytesScanned: 0, queryExecutionIds: [] }, "x", info));
            assert.equal(err.code, "DEADLINE");
            assert.equal(err.message, `merge of contacts not started: ${seconds} s left before the deadline reserve`);
            assert.deepEqual(t.attempts, []);
        }
        const t = ctx(
            () => 45_000,
            () => ok("q"),
        );
        await runStatement(t.c, { bytesScanned: 0, queryExecutionIds: [] }, "x", info);
        assert.deepEqual(t.attempts, [1], "exactly minStartMs left starts it");
    });

    it("a retryable failure is retried after a growing backoff, at most maxQueryAttempts times; each query id is kept", async () => {
        const t = ctx(
            () => 900_000,
            (n) => {
                throw failing(`conflict ${n}`, { retryable: true, queryExecutionId: `q-${n}` });
            },
        );
        const e = { bytesScanned: 0, queryExecutionIds: [] as string[] };
        const err = await rejects(runStatement(t.c, e, "x", info));
        assert.equal(err.message, "conflict 3");
        assert.deepEqual(t.attempts, [1, 2, 3]);
        assert.deepEqual(t.clock.slept, [1500, 3000]);
        assert.deepEqual(e.queryExecutionIds, ["q-1", "q-2", "q-3"]);
        assert.deepEqual(
            t.logs.filter((l) => l === "query_retry"),
            ["query_retry", "query_retry"],
        );

        const t2 = ctx(
            () => 900_000,
            (n) => {
                if (n === 1) throw failing("not retryable", { queryExecutionId: "q-1" });
                return ok("q-2");
            },
        );
        assert.equal((await rejects(runStatement(t2.c, e, "x", info))).message, "not retryable");
        assert.deepEqual(t2.attempts, [1]);
    });

    it("no retry whose backoff would leave less than minStartMs: the failure is thrown as it is", async () => {
        const conflict = (n: number): StatementResult => {
            if (n === 1) throw failing("conflict", { retryable: true });
            return ok("q-2");
        };
        // 46 s left: 31 s after the reserve, 29.5 s after the 1.5 s backoff.
        const t = ctx(() => 46_000, conflict);
        assert.equal(
            (await rejects(runStatement(t.c, { bytesScanned: 0, queryExecutionIds: [] }, "x", info))).message,
            "conflict",
        );
        assert.deepEqual(t.attempts, [1]);
        // 46.5 s left: exactly 30 s after the backoff, so the retry starts.
        const t2 = ctx(() => 46_500, conflict);
        const e = { bytesScanned: 5, queryExecutionIds: [] as string[] };
        await runStatement(t2.c, e, "x", info);
        assert.deepEqual(t2.attempts, [1, 2]);
        assert.deepEqual(e, { bytesScanned: 15, queryExecutionIds: ["q-2"] });
    });

    it("adds the statement's bytes and keeps the last 20 query ids", async () => {
        const e = { bytesScanned: 0, queryExecutionIds: Array.from({ length: 19 }, (_, i) => `old-${i + 1}`) };
        let id = 0;
        const t = ctx(
            () => 900_000,
            () => ok(`new-${++id}`, id === 2 ? null : 10),
        );
        await runStatement(t.c, e, "x", info);
        assert.equal(e.queryExecutionIds.length, 20);
        assert.equal(e.queryExecutionIds[19], "new-1");
        await runStatement(t.c, e, "x", info);
        assert.equal(e.bytesScanned, 10, "no bytes reported adds none");
        assert.deepEqual(e.queryExecutionIds, [
            ...Array.from({ length: 18 }, (_, i) => `old-${i + 2}`),
            "new-1",
            "new-2",
        ]);
    });
});

describe("export runner: a table's windows, chunks and watermarks", () => {
    const watermark = (h: ReturnType<typeof harness>, through: string) => mergedThrough(h, through);
    const entryOf = (h: ReturnType<typeof harness>, table = "contacts") => h.manifest().tables[table];

    it("a first load starts at the source's first day (a timestamp is cut to its day); an empty source sets the watermark to the last complete day", async () => {
        const h = harness({
            answer: (c) => (c.step === "bounds" ? { rows: [{ first_day: "2025-01-30 00:00:00.000" }] } : undefined),
        });
        await runExport(h.deps);
        assert.deepEqual(entryOf(h).window, { from: "2025-01-30", to: "2025-01-31" });
        assert.deepEqual(h.calls[1].reads, { from: "2025-01-30", to: "2025-01-31" });

        const empty = harness({ answer: (c) => (c.step === "bounds" ? { rows: [] } : undefined) });
        await runExport(empty.deps);
        assert.deepEqual(empty.ran(), ["bounds"]);
        const e = entryOf(empty);
        assert.deepEqual([e.status, e.window, e.watermarkAfter], ["succeeded", null, "2025-01-31"]);
        assert.equal(empty.store.json("state/watermarks/contacts.json").through, "2025-01-31");
    });

    it("a table that failed after a committed chunk keeps that commit as its resume point when it fails again", async () => {
        const h = harness({
            answer: (c) => {
                if (c.step === "bounds") return { rows: [{ first_day: "2025-01-20" }] };
                if (c.step === "merge" && (c.reads as { from: string }).from === "2025-01-27") throw failing("boom");
                return undefined;
            },
        });
        await attempt(h.deps);
        assert.equal(entryOf(h).committedThrough, "2025-01-26");
        await attempt(h.deps);
        const e = entryOf(h);
        assert.deepEqual([e.runAttempt, e.status, e.committedThrough], [2, "failed", "2025-01-26"]);
        assert.deepEqual(
            h.calls.filter((c) => c.step === "preview").map((c) => c.reads),
            [
                { from: "2025-01-20", to: "2025-01-26" },
                { from: "2025-01-27", to: "2025-01-31" },
                { from: "2025-01-27", to: "2025-01-31" },
            ],
        );
    });

    it("stops between chunks when the next may not finish before the reserve (1.5 x the slowest chunk so far)", async () => {
        const h = harness({
            answer: (c) => (c.step === "bounds" ? { rows: [{ first_day: "2025-01-20" }] } : undefined),
            ms: (c) => ({ preview: 1000, merge: 20_000, reconcile: 1000 })[c.step] ?? 0,
            // 68 s left: 31 s after the first chunk (22 s), under 1.5 x 22 s.
            remainingMs: (clock) => 68_000 - (clock.now() - Date.parse(NOW)),
        });
        await attempt(h.deps);
        const e = entryOf(h);
        assert.equal(e.status, "incomplete");
        assert.equal(
            e.error,
            "stopped before the deadline with 1 of 2 chunk(s) left; invoking this run again continues after 2025-01-26",
        );
        assert.deepEqual(e.chunks, { done: 1, total: 2 });
        assert.deepEqual(h.ran(), ["bounds", "preview", "merge", "reconcile"]);

        // Exactly minStartMs after the reserve: every chunk starts.
        const edge = harness({ remainingMs: () => 45_000 });
        watermark(edge, "2025-01-30");
        await runExport(edge.deps);
        assert.equal(entryOf(edge).status, "succeeded");
    });

    it("the files target reads at most 100 days per chunk, else the configured chunk", async () => {
        const h = harness({
            target: "files",
            answer: (c) => (c.step === "bounds" ? { rows: [{ first_day: "2025-01-20" }] } : undefined),
        });
        await runExport(h.deps);
        assert.deepEqual(entryOf(h).chunks, { done: 2, total: 2 });
    });

    it("a backfill behind the watermark leaves it as it is, and is no reason for a sweep warning", async () => {
        const h = harness({ request: { trigger: "backfill", backfill: { from: "2025-01-10", to: "2025-01-12" } } });
        watermark(h, "2025-01-31");
        const before = h.store.objects.get("state/watermarks/contacts.json")!.text;
        await runExport(h.deps);
        assert.equal(entryOf(h).status, "succeeded");
        assert.equal(h.store.objects.get("state/watermarks/contacts.json")!.text, before);
        assert.deepEqual(h.logged("sweep_unavailable"), []);
        assert.deepEqual(h.ran(), ["preview", "merge", "reconcile"]);
    });

    it("a backfill reads its days only: no sweep, even with the touched column", async () => {
        const h = harness({
            touched: true,
            request: { trigger: "backfill", backfill: { from: "2025-01-10", to: "2025-01-12" } },
        });
        watermark(h, "2025-01-31");
        await runExport(h.deps);
        assert.deepEqual(h.ran(), ["preview", "merge", "reconcile"]);
        assert.equal(entryOf(h).sweep, null);
    });

    it("without the touched column an incremental run does not sweep, and says why", async () => {
        const h = harness();
        watermark(h, "2025-01-30");
        await runExport(h.deps);
        assert.deepEqual(h.ran(), ["preview", "merge", "reconcile"]);
        assert.equal(entryOf(h).sweep, null);
        assert.deepEqual(h.logged("sweep_unavailable"), [
            {
                level: "warn",
                event: "sweep_unavailable",
                fields: {
                    runId: "r1",
                    table: "contacts",
                    message:
                        "contacts has no data_lake_last_processed_timestamp timestamp column: records re-delivered into days older than the 0-day lookback are merged only by a backfill of those days",
                },
            },
        ]);
    });
});

describe("export runner: the late-update sweep in a run", () => {
    /** contacts through 2025-01-30, swept through 2025-01-31 01:00; the sweep finds 2025-01-10 and 2025-01-11 touched. */
    function swept(o: Options = {}) {
        const h = harness({
            touched: true,
            ...o,
            answer: (c) =>
                o.answer?.(c) ??
                (c.step === "sweep_find"
                    ? {
                          rows: [
                              { day: "2025-01-10", touched_rows: "3", touched_max: "2025-02-01 01:00:00.000" },
                              { day: "2025-01-11", touched_rows: "1", touched_max: "2025-01-31 05:00:00.000" },
                          ],
                      }
                    : undefined),
        });
        mergedThrough(h, "2025-01-30");
        h.store.put("state/sweeps/contacts.json", {
            table: "contacts",
            touchedThrough: "2025-01-31 01:00:00.000",
            reconciledOn: "2025-01-31",
            runId: "earlier",
            updatedAt: NOW,
        });
        return h;
    }
    const sweepDays = [
        { day: "2025-01-10", why: "touched", rows: 3 },
        { day: "2025-01-11", why: "touched", rows: 1 },
    ];

    it("merges the touched days' rows touched since the last sweep, and counts the sweep's bytes", async () => {
        const h = swept();
        await runExport(h.deps);
        assert.deepEqual(h.ran(), ["preview", "merge", "reconcile", "sweep_find", "preview", "merge", "reconcile"]);
        assert.deepEqual(h.calls[4].reads, ["2025-01-10", "2025-01-11"]);
        assert.ok(
            h.calls[4].sql.includes(`"${TOUCHED}" > TIMESTAMP '2025-01-30 23:00:00.000'`),
            "only rows touched after the last sweep's greatest, less the overlap",
        );
        const e = h.manifest().tables.contacts;
        assert.equal(e.status, "succeeded");
        assert.deepEqual(e.sweep, {
            touchedAfter: "2025-01-30 23:00:00.000",
            touchedThrough: "2025-02-01 01:00:00.000",
            days: sweepDays,
            reconciledDays: null,
            bytesScanned: 400,
        });
        assert.equal(e.bytesScanned, 700);
    });

    it("a sweep chunk starts only with 1.5 x the slowest chunk left after the reserve", async () => {
        const ms = (c: Call) =>
            ({ preview: 1000, merge: Array.isArray(c.reads) ? 1000 : 30_000, reconcile: 1000, sweep_find: 1000 })[
                c.step
            ] ?? 0;
        // The window's chunk takes 32 s: a sweep chunk needs 48 s after the 15 s reserve.
        const late = swept({ ms, remainingMs: (clock) => 95_000 - (clock.now() - Date.parse(NOW)) });
        await attempt(late.deps);
        const e = late.manifest().tables.contacts;
        assert.equal(e.status, "incomplete");
        assert.equal(
            e.error,
            "ExportError: late-update sweep of contacts stopped before the deadline with 2 day(s) left; the next run sweeps them",
        );
        const edge = swept({ ms, remainingMs: (clock) => 96_000 - (clock.now() - Date.parse(NOW)) });
        await attempt(edge.deps);
        assert.equal(edge.manifest().tables.contacts.status, "succeeded");
    });

    it("a swept day that does not reconcile fails the table naming the swept days", async () => {
        const h = swept({
            answer: (c) =>
                c.step === "reconcile" && h.calls.some((x) => Array.isArray(x.reads))
                    ? {
                          rows: [
                              { day: "2025-01-10", target_keys: "9", target_rows: "9" },
                              { day: "2025-01-11", target_keys: "10", target_rows: "10" },
                          ],
                      }
                    : undefined,
        });
        await attempt(h.deps);
        assert.equal(
            h.manifest().tables.contacts.error,
            "ExportError: after merging the swept days 2025-01-10, 2025-01-11 the target's keys differ from the source's: 2025-01-10: source 10 keys, target 9. " +
                "The watermark stays before these days; inspect exp.contacts and run again (a record landing during the merge shows here once)",
        );
    });

    it("the files target writes a swept day into its own folder and indexes it", async () => {
        const h = swept({ target: "files" });
        await runExport(h.deps);
        assert.deepEqual(h.store.json<FilesIndex>("connect/contacts/_current.json"), {
            days: {
                "2025-01-31": "connect/contacts/run=r1/1-2025-01-31/dt=2025-01-31/",
                "2025-01-10": "connect/contacts/run=r1/1-sweep-2025-01-10/dt=2025-01-10/",
                "2025-01-11": "connect/contacts/run=r1/1-sweep-2025-01-10/dt=2025-01-11/",
            },
            retired: [],
            pending: [],
        });
    });
});

describe("export runner: the Iceberg target", () => {
    const run = async (o: Options) => {
        const h = harness(o);
        mergedThrough(h, "2025-01-30");
        await attempt(h.deps);
        return { h, entry: (t = o.tables?.[0].name ?? "contacts") => h.manifest().tables[t] };
    };
    const reconcileRows = (rows: Rows) => (c: Call) => (c.step === "reconcile" ? { rows } : undefined);

    it("no MERGE when the preview finds nothing to insert or update", async () => {
        const { h, entry } = await run({
            answer: (c) =>
                c.step === "preview"
                    ? {
                          rows: [
                              { day: "2025-01-31", source_keys: "10", source_rows: "10", inserts: "0", updates: "0" },
                          ],
                      }
                    : undefined,
        });
        assert.deepEqual(h.ran(), ["preview", "reconcile"]);
        assert.deepEqual(h.steps, [["previewed", "contacts"]]);
        assert.equal(entry().status, "succeeded");
    });

    it("a snapshot clears the target and reads it all; its target must then hold exactly the source's keys", async () => {
        const snapshot = { ...users, exportMode: "snapshot" as const };
        const preview = (c: Call) =>
            c.step === "preview"
                ? { rows: [{ day: "all", source_keys: "10", source_rows: "10", inserts: "0", updates: "0" }] }
                : undefined;
        const ok = await run({ tables: [snapshot], answer: preview });
        assert.deepEqual(ok.h.ran(), ["preview", "clear", "merge", "reconcile"]);
        assert.deepEqual(ok.h.calls[0].reads, "all");
        const more = await run({
            tables: [snapshot],
            answer: (c) => preview(c) ?? reconcileRows([{ day: "all", target_keys: "11", target_rows: "11" }])(c),
        });
        assert.equal(
            more.entry().error,
            "ExportError: after merging the table the target's keys differ from the source's: all: source 10 keys, target 11. " +
                "The watermark stays before these days; inspect exp.users and run again (a record landing during the merge shows here once)",
        );
    });

    it("a merged table read whole may keep keys the source dropped; a time-partitioned day may not", async () => {
        const whole = await run({
            tables: [users],
            answer: reconcileRows([{ day: "all", target_keys: "12", target_rows: "12" }]),
        });
        assert.equal(whole.entry().status, "succeeded");
        assert.deepEqual(whole.entry().reconciliation, {
            sourceKeys: 10,
            sourceRows: 12,
            targetKeys: 12,
            targetRows: 12,
            ok: true,
        });
        const day = await run({ answer: reconcileRows([{ day: "2025-01-31", target_keys: "11", target_rows: "11" }]) });
        assert.equal(day.entry().status, "failed");
        assert.match(day.entry().error!, /: 2025-01-31: source 10 keys, target 11\. /);
    });

    it("keys older in the target than re-delivered fail the reconciliation", async () => {
        const { entry } = await run({
            answer: reconcileRows([{ day: "2025-01-31", target_keys: "10", target_rows: "10", stale_keys: "3" }]),
        });
        assert.equal(
            entry().error,
            "ExportError: after merging 2025-01-31..2025-01-31 the target's keys differ from the source's: 3 key(s) older in the target than re-delivered. " +
                "The watermark stays before these days; inspect exp.contacts and run again (a record landing during the merge shows here once)",
        );
        assert.equal(entry().reconciliation!.ok, false);
        assert.equal(entry().watermarkAfter, "2025-01-30");
    });

    it("a reconciliation error names the first five problems", async () => {
        const h = harness({
            answer: (c) =>
                c.step === "bounds"
                    ? { rows: [{ first_day: "2025-01-26" }] }
                    : c.step === "reconcile"
                      ? {
                            rows: daysBetween("2025-01-26", "2025-01-31").map((day) => ({
                                day,
                                target_keys: "9",
                                target_rows: "9",
                            })),
                        }
                      : undefined,
        });
        await attempt(h.deps);
        assert.equal(
            h.manifest().tables.contacts.error,
            "ExportError: after merging 2025-01-26..2025-01-31 the target's keys differ from the source's: " +
                "2025-01-26: source 10 keys, target 9; 2025-01-27: source 10 keys, target 9; 2025-01-28: source 10 keys, target 9; " +
                "2025-01-29: source 10 keys, target 9; 2025-01-30: source 10 keys, target 9. " +
                "The watermark stays before these days; inspect exp.contacts and run again (a record landing during the merge shows here once)",
        );
    });
});

describe("export runner: the files target", () => {
    const INDEX = "connect/contacts/_current.json";
    const OLD = "connect/contacts/run=r0/1-2025-01-25/";
    const daily = (o: Options = {}) => {
        const h = harness({ target: "files", ...o });
        mergedThrough(h, "2025-01-30");
        return h;
    };
    const index = (h: ReturnType<typeof harness>) => h.store.json<FilesIndex>(INDEX);

    it("deletes the folders a crashed run left (retired or pending, not current), then replaces a re-read day's folder", async () => {
        const h = daily();
        const current30 = `${OLD}dt=2025-01-30/`;
        h.store.put(INDEX, {
            days: { "2025-01-30": current30, "2025-01-31": `${OLD}dt=2025-01-31/` },
            retired: ["connect/contacts/run=r0/0-2025-01-20/"],
            pending: ["connect/contacts/run=crashed/1-2025-01-31/", current30],
        });
        for (const f of [
            current30,
            `${OLD}dt=2025-01-31/`,
            "connect/contacts/run=r0/0-2025-01-20/",
            "connect/contacts/run=crashed/1-2025-01-31/",
        ]) {
            h.store.put(`${f}part.parquet`, "rows");
        }
        let atIndexed: FilesIndex | undefined;
        h.deps.onStep = (step) => {
            if (step === "indexed") atIndexed = index(h);
        };
        const { error } = await attempt(h.deps);
        assert.equal(error, undefined, error?.message);
        assert.deepEqual(h.ran(), ["days", "unload"]);
        assert.deepEqual(h.calls[0].reads, { from: "2025-01-31", to: "2025-01-31" });
        const NEW = "connect/contacts/run=r1/1-2025-01-31/dt=2025-01-31/";
        assert.deepEqual(atIndexed, {
            days: { "2025-01-30": current30, "2025-01-31": NEW },
            retired: [`${OLD}dt=2025-01-31/`],
            pending: [],
        });
        assert.deepEqual(index(h), { days: { "2025-01-30": current30, "2025-01-31": NEW }, retired: [], pending: [] });
        assert.deepEqual(
            (await h.store.listKeys("connect/contacts/")).filter((k) => !k.endsWith("_current.json")),
            [`${OLD}dt=2025-01-30/part.parquet`, `${NEW}q-2.parquet`],
        );
        const e = h.manifest().tables.contacts;
        assert.deepEqual([e.rowsWritten, e.rowsRead, e.output], [10, 12, `s3://exports/${INDEX}`]);
    });

    it("a pending folder the index names as current is no leftover: kept, and still listed after the run", async () => {
        const h = daily();
        const current30 = `${OLD}dt=2025-01-30/`;
        h.store.put(INDEX, { days: { "2025-01-30": current30 }, retired: [], pending: [current30] });
        h.store.put(`${current30}part.parquet`, "rows");
        await runExport(h.deps);
        assert.deepEqual(index(h), {
            days: { "2025-01-30": current30, "2025-01-31": "connect/contacts/run=r1/1-2025-01-31/dt=2025-01-31/" },
            retired: [],
            pending: [current30],
        });
        assert.deepEqual(await h.store.listKeys(current30), [`${current30}part.parquet`]);
    });

    it("leftovers are deleted and dropped from the index even when the run then fails", async () => {
        const h = daily({
            answer: (c) => {
                if (c.step === "days") throw failing("no source");
                return undefined;
            },
        });
        const current = `${OLD}dt=2025-01-31/`;
        h.store.put(INDEX, {
            days: { "2025-01-31": current },
            retired: ["connect/contacts/run=r0/0-2025-01-20/"],
            pending: ["connect/contacts/run=crashed/1-2025-01-31/"],
        });
        await attempt(h.deps);
        assert.deepEqual(index(h), { days: { "2025-01-31": current }, retired: [], pending: [] });
    });

    it("a re-run writing the very folder the index names (an attempt whose manifest was never written) keeps it", async () => {
        const h = daily();
        const same = "connect/contacts/run=r1/1-2025-01-31/dt=2025-01-31/";
        h.store.put(INDEX, { days: { "2025-01-31": same }, retired: [], pending: [] });
        await runExport(h.deps);
        assert.deepEqual(index(h), { days: { "2025-01-31": same }, retired: [], pending: [] });
        assert.deepEqual(await h.store.listKeys(same), [`${same}q-2.parquet`]);
    });

    it("an index with nothing left over is not rewritten before the run's first statement", async () => {
        const h = daily({
            answer: (c) => {
                if (c.step === "days") throw failing("no source");
                return undefined;
            },
        });
        const text = JSON.stringify({ days: { "2025-01-31": `${OLD}dt=2025-01-31/` }, retired: [], pending: [] });
        h.store.put(INDEX, text);
        await attempt(h.deps);
        assert.equal(h.store.objects.get(INDEX)!.text, text);
    });

    it("a first load: a folder per day with keys; a day without keys gets none and retires nothing", async () => {
        let atIndexed: FilesIndex | undefined;
        const h = harness({
            target: "files",
            answer: (c) =>
                c.step === "bounds"
                    ? { rows: [{ first_day: "2025-01-29" }] }
                    : c.step === "days"
                      ? {
                            rows: [
                                { day: "2025-01-29", keys: "10", rows: "12" },
                                { day: "2025-01-30", keys: "0", rows: "0" },
                                { day: "2025-01-31", keys: "10", rows: "12" },
                            ],
                        }
                      : undefined,
        });
        h.deps.onStep = (step) => {
            if (step === "indexed") atIndexed = h.store.json<FilesIndex>(INDEX);
        };
        await runExport(h.deps);
        const dest = "connect/contacts/run=r1/1-2025-01-29/";
        assert.deepEqual(h.ran(), ["bounds", "days", "unload"]);
        assert.deepEqual(atIndexed, {
            days: { "2025-01-29": `${dest}dt=2025-01-29/`, "2025-01-31": `${dest}dt=2025-01-31/` },
            retired: [],
            pending: [],
        });
        assert.deepEqual(h.manifest().tables.contacts.reconciliation, {
            sourceKeys: 20,
            sourceRows: 24,
            targetKeys: 20,
            targetRows: 20,
            ok: true,
        });
    });

    it("a table without a time column is one folder per run, indexed as all", async () => {
        const h = harness({ target: "files", tables: [users] });
        await runExport(h.deps);
        assert.deepEqual(h.store.json<FilesIndex>("connect/users/_current.json"), {
            days: { all: "connect/users/run=r1/1-all/" },
            retired: [],
            pending: [],
        });
    });

    it("an engine that does not report the rows written is checked on the folders alone", async () => {
        const h = daily({ answer: (c) => (c.step === "unload" ? { outputRows: null } : undefined) });
        await runExport(h.deps);
        const e = h.manifest().tables.contacts;
        assert.deepEqual([e.status, e.rowsWritten, e.reconciliation!.targetKeys], ["succeeded", 10, 10]);
    });

    it("fewer rows written than keys, or a day with keys and no folder, fails the table and leaves the index", async () => {
        const rows = daily({ answer: (c) => (c.step === "unload" ? { outputRows: 9 } : undefined) });
        await attempt(rows.deps);
        assert.equal(
            rows.manifest().tables.contacts.error,
            "ExportError: the files in s3://exports/connect/contacts/run=r1/1-2025-01-31/ are incomplete (9 rows written for 10 keys); the index still names the previous folders",
        );
        assert.equal(rows.manifest().tables.contacts.reconciliation!.ok, false);
        assert.equal(rows.store.json("state/watermarks/contacts.json").through, "2025-01-30");

        const days = daysBetween("2025-01-26", "2025-01-31");
        const folders = harness({
            target: "files",
            noFolder: days,
            answer: (c) => (c.step === "bounds" ? { rows: [{ first_day: "2025-01-26" }] } : undefined),
        });
        await attempt(folders.deps);
        assert.equal(
            folders.manifest().tables.contacts.error,
            "ExportError: the files in s3://exports/connect/contacts/run=r1/1-2025-01-26/ are incomplete (" +
                "no folder for 2025-01-26; no folder for 2025-01-27; no folder for 2025-01-28; no folder for 2025-01-29; no folder for 2025-01-30" +
                "); the index still names the previous folders",
        );
        assert.deepEqual(folders.store.json<FilesIndex>(INDEX), {
            days: {},
            retired: [],
            pending: ["connect/contacts/run=r1/1-2025-01-26/"],
        });
    });
});
