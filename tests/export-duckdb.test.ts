/**
 * The local export end to end on DuckDB (runLocalExport in-process): the synthetic lake and its
 * deliveries, tables merged into the DuckDB database file, incremental runs, the files target,
 * schema drift, and every bad input or fault of the local run as a clear error that deletes
 * nothing it did not make. Small lakes in temp folders.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import {
    LOCAL_DATABASE_FILE,
    LOCAL_DEFAULTS,
    runLocalExport,
    type LocalExportOptions,
} from "../functions/local/runLocal";
import { contactsSelect, inspectLake, LAKE_INFO_FILE, type LakeInfo } from "../functions/local/syntheticLake";
import type { RunManifest } from "../functions/types";

const LAKE = { rows: 3_000, days: 5 };
/**
 * The stack's default tables: what these tests check. The synthetic lake's statistic and event
 * tables (exported by default) have their own tests (export-sweep, local-run); the first test
 * below exports every table.
 */
const CORE_TABLES = ["users", "contacts", "agent_hierarchy_groups"];

describe("local export on DuckDB", function () {
    this.timeout(120_000);
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

    const lakeDir = () => path.join(dir, "lake");
    const outDir = () => path.join(dir, "exports");
    const options = (extra: Partial<LocalExportOptions> = {}): LocalExportOptions => ({
        ...LOCAL_DEFAULTS,
        lakeDir: lakeDir(),
        outDir: outDir(),
        lake: LAKE,
        tables: CORE_TABLES,
        threads: 2,
        logSink: () => undefined,
        ...extra,
    });
    const run = (extra: Partial<LocalExportOptions> = {}) => runLocalExport(options(extra));
    /** Rows of a query over the export database (attached read-only for the check). */
    async function target<T = Record<string, unknown>>(sql: string): Promise<T[]> {
        const c = await (
            await DuckDBInstance.create(path.join(outDir(), LOCAL_DATABASE_FILE), { access_mode: "READ_ONLY" })
        ).connect();
        try {
            return (await c.runAndReadAll(sql)).getRowObjectsJS() as T[];
        } finally {
            c.closeSync();
        }
    }
    const manifest = (runId: string) =>
        JSON.parse(fs.readFileSync(path.join(outDir(), "manifests", `${runId}.json`), "utf8")) as RunManifest;
    const watermark = () =>
        JSON.parse(fs.readFileSync(path.join(outDir(), "state/watermarks/contacts.json"), "utf8")).through;
    const failure = async (extra: Partial<LocalExportOptions>) => {
        try {
            await run(extra);
        } catch (err) {
            return (err as Error).message;
        }
        throw new Error("expected the run to fail");
    };

    it("merges every table into the DuckDB database: one row per key, the latest version, nothing stale or missing", async () => {
        const result = await run({ tables: undefined });
        assert.equal(result.error, undefined, result.error?.message);
        const { summary } = result;
        assert.equal(summary!.runId, "20250106T020000Z");
        assert.equal(result.databaseFile, path.join(outDir(), LOCAL_DATABASE_FILE));
        for (const c of result.checks) {
            assert.equal(c.rows, c.keys, `${c.table}: one row per key`);
            assert.equal(c.staleVersions, 0, c.table);
            assert.equal(c.missingKeys, 0, c.table);
        }
        assert.deepEqual(
            result.checks.map((c) => [c.table, c.rows]),
            [
                ["users", 150],
                ["contacts", result.checks[1].keys],
                ["agent_hierarchy_groups", 16],
                ["contact_flow_events", result.checks[3].keys],
                ["agent_queue_statistic_record", result.checks[4].keys],
                // No key: a snapshot holds the source's rows as they are.
                ["agent_statistic_record", result.checks[5].rows],
            ],
        );
        assert.deepEqual(
            summary!.tables.map((t) => t.exportMode),
            ["merge", "merge", "merge", "insertOnly", "merge", "snapshot"],
        );
        const [{ n }] = await target<{ n: number }>(`SELECT count(*)::INT AS n FROM contacts`);
        assert.equal(n, result.checks[1].rows);
        const c = manifest(summary!.runId).tables.contacts;
        assert.deepEqual(c.window, { from: "2025-01-01", to: "2025-01-05" });
        assert.ok(c.rowsRead > c.rowsInserted!, "the lake's duplicates were read but merged once");
        assert.equal(c.reconciliation!.ok, true);
        assert.equal(watermark(), "2025-01-05");
        assert.ok(
            fs.existsSync(path.join(outDir(), ".connect-analytics-exports.json")),
            "the exports folder carries its marker",
        );
    });

    it("runs incrementally: again without new data keeps the run; --add-day appends one delivery day to the lake whatever made it and merges its updates", async () => {
        await run();
        const again = await run();
        assert.equal(again.summary!.runAttempt, 2);
        assert.ok(
            again.summary!.tables.every((t) => t.runAttempt === 1),
            "nothing redone",
        );
        // No lake shape given: the lake made with 3,000 rows over 5 days gets its sixth day of 600.
        const next = await run({ addDay: true, lake: undefined });
        assert.equal(next.addedDay, "2025-01-06");
        assert.deepEqual(next.lake.deliveries.length, 6);
        assert.equal(next.lake.dayCounts[5], 600);
        const c = next.summary!.tables.find((t) => t.table === "contacts")!;
        assert.deepEqual(c.window, { from: "2025-01-03", to: "2025-01-06" }, "the new day plus the lookback");
        assert.ok(c.rowsUpdated! > 0, "yesterday's contacts delivered again with a later version were updated");
        assert.ok(c.rowsInserted! >= 590, "the new day's contacts and the late ones");
        assert.equal(next.checks.find((x) => x.table === "contacts")!.staleVersions, 0);
        assert.equal(next.checks.find((x) => x.table === "users")!.staleVersions, 0, "changed users are current");
        assert.equal(watermark(), "2025-01-06");
    });

    it("an incremental run reads fewer lake bytes and rows than the first load (bytes as DuckDB's FileSystem log counts them)", async () => {
        const first = await run();
        const next = await run({ addDay: true, lake: undefined });
        const full = first.summary!.tables.find((t) => t.table === "contacts")!;
        const incremental = next.summary!.tables.find((t) => t.table === "contacts")!;
        assert.ok(incremental.bytesScanned < full.bytesScanned, `${incremental.bytesScanned} < ${full.bytesScanned}`);
        assert.ok(incremental.rowsRead < full.rowsRead);
    });

    it("a new source column is added to the target and recorded; earlier rows read it as NULL", async () => {
        await run();
        const next = await run({ addDay: true, newColumn: true, lake: undefined });
        const c = next.summary!.tables.find((t) => t.table === "contacts")!;
        assert.deepEqual(c.schemaChanges, ["answering_machine_detection_status VARCHAR"]);
        assert.equal(next.lake.newColumnSince, "2025-01-06");
        const rows = await target<{ filled: number; empty: number }>(
            `SELECT count(answering_machine_detection_status)::INT AS filled, count(*) FILTER (WHERE answering_machine_detection_status IS NULL)::INT AS empty FROM contacts`,
        );
        assert.ok(rows[0].filled > 0 && rows[0].empty > 0);
    });

    it("never exports excluded columns", async () => {
        await run({
            tables: undefined,
            tableSpecs: [{ name: "users", linkName: "users_link", excludedColumns: ["email", "mobile"] }],
        });
        const columns = (await target<{ column_name: string }>(`DESCRIBE users`)).map((r) => r.column_name);
        assert.ok(
            columns.includes("first_name") && !columns.includes("email") && !columns.includes("mobile"),
            columns.join(","),
        );
    });

    it("files target: one current folder per data day in an index; a re-read day is replaced, and the folder it replaced is gone", async () => {
        await run({ target: "files" });
        const index = () => JSON.parse(fs.readFileSync(path.join(outDir(), "connect/contacts/_current.json"), "utf8"));
        const first = index();
        assert.deepEqual(Object.keys(first.days).sort(), [
            "2025-01-01",
            "2025-01-02",
            "2025-01-03",
            "2025-01-04",
            "2025-01-05",
        ]);
        assert.ok(fs.readdirSync(path.join(outDir(), first.days["2025-01-05"])).includes("data_0.parquet"));
        const next = await run({ target: "files", addDay: true, lake: undefined });
        const second = index();
        assert.notEqual(second.days["2025-01-05"], first.days["2025-01-05"], "re-read within the lookback");
        assert.equal(second.days["2025-01-02"], first.days["2025-01-02"], "not re-read: kept");
        assert.equal(
            fs.existsSync(path.join(outDir(), first.days["2025-01-05"])),
            false,
            "the replaced folder is gone",
        );
        assert.deepEqual(second.retired, []);
        const check = next.checks.find((c) => c.table === "contacts")!;
        assert.equal(check.rows, check.keys);
        assert.equal(check.staleVersions, 0);
        assert.equal(check.missingKeys, 0);
    });

    it("the same seed makes the same lake, and a new day never rewrites an earlier file", async () => {
        await run();
        const files = () =>
            fs
                .readdirSync(path.join(lakeDir(), "contacts"), { recursive: true })
                .map(String)
                .filter((f) => f.endsWith(".parquet"))
                .sort();
        const before = files().map((f) => [f, fs.readFileSync(path.join(lakeDir(), "contacts", f)).toString("base64")]);
        await run({ addDay: true, lake: undefined });
        for (const [f, content] of before) {
            assert.equal(fs.readFileSync(path.join(lakeDir(), "contacts", f)).toString("base64"), content, f);
        }
        assert.ok(
            files().some((f) => f.startsWith("dt=2025-01-05/update-2025-01-06")),
            "updates land in the earlier day's partition",
        );
        assert.ok(
            files().some((f) => f.startsWith("dt=2025-01-04/late-2025-01-06")),
            "late records land in an old day",
        );
        const other = path.join(dir, "lake2");
        await runLocalExport(options({ lakeDir: other, outDir: path.join(dir, "exports2") }));
        const [{ same }] = (
            await conn.runAndReadAll(
                `SELECT count(*)::INT AS same FROM (SELECT * FROM read_parquet('${lakeDir()}/contacts/dt=2025-01-0[1-5]/part-*.parquet') EXCEPT SELECT * FROM read_parquet('${other}/contacts/*/part-*.parquet'))`,
            )
        ).getRowObjectsJS() as { same: number }[];
        assert.equal(same, 0);
    });

    it("an empty lake makes empty tables, and the watermark still reaches the last day", async () => {
        const result = await run({ lake: { rows: 0, days: 2 }, tables: undefined });
        assert.equal(result.summary!.status, "succeeded");
        assert.deepEqual(
            result.checks.map((c) => [c.table, c.rows]),
            [
                ["users", 150],
                ["contacts", 0],
                ["agent_hierarchy_groups", 16],
                ["contact_flow_events", 0],
                ["agent_queue_statistic_record", 0],
                ["agent_statistic_record", 0],
            ],
        );
    });

    it("a backfill without a watermark sets none and says so; the next run loads all history", async () => {
        const logs: string[] = [];
        await run({ tables: ["contacts"], from: "2025-01-03", to: "2025-01-04", logSink: (l) => logs.push(l) });
        assert.equal(fs.existsSync(path.join(outDir(), "state/watermarks/contacts.json")), false);
        assert.ok(logs.some((l) => l.includes("backfill_without_watermark")));
        const next = await run();
        assert.deepEqual(next.summary!.tables.find((t) => t.table === "contacts")!.window, {
            from: "2025-01-01",
            to: "2025-01-05",
        });
        assert.equal(next.checks.find((c) => c.table === "contacts")!.missingKeys, 0);
    });

    it("maintenance compacts and cleans the local tables", async () => {
        await run();
        const result = await run({ maintenance: true });
        assert.deepEqual(
            result.maintenance!.tables.map((t) => [t.table, t.status, t.statements.join("+")]),
            [
                ["users", "succeeded", "optimize+vacuum"],
                ["contacts", "succeeded", "optimize+vacuum"],
                ["agent_hierarchy_groups", "succeeded", "optimize+vacuum"],
            ],
        );
    });

    describe("bad inputs and faults: clear errors, nothing deleted that the run did not make", () => {
        it("refuses an existing folder it did not make as the lake or the exports, and deletes nothing", async () => {
            const docs = path.join(dir, "documents");
            fs.mkdirSync(docs);
            fs.writeFileSync(path.join(docs, "thesis.txt"), "precious");
            assert.match(
                await failure({ lakeDir: docs }),
                /refusing --lake .*documents: it holds files but no lake\.json written by npm start; give a new or empty folder \(nothing was deleted\)/,
            );
            assert.match(await failure({ lakeDir: docs, fresh: true }), /refusing --lake/);
            assert.match(
                await failure({ outDir: docs, fresh: true }),
                /refusing --out .*documents: it holds files but no \.connect-analytics-exports\.json/,
            );
            const file = path.join(dir, "a-file");
            fs.writeFileSync(file, "x");
            assert.match(await failure({ lakeDir: file }), /refusing --lake .*: it is a file/);
            assert.equal(fs.readFileSync(path.join(docs, "thesis.txt"), "utf8"), "precious");
            assert.equal(fs.readFileSync(file, "utf8"), "x");
        });

        it("validates everything before touching anything: --fresh --tables nosuch deletes nothing", async () => {
            await run();
            const before = fs.readdirSync(outDir(), { recursive: true }).length;
            const message = await failure({ fresh: true, tables: ["nosuch"] });
            assert.match(
                message,
                /invalid local export \(nothing was changed\):\n {2}- --tables names "nosuch", not configured/,
            );
            assert.equal(fs.readdirSync(outDir(), { recursive: true }).length, before);
            assert.ok(fs.existsSync(path.join(lakeDir(), LAKE_INFO_FILE)));
        });

        it("--fresh deletes only what npm start made, never the folders themselves or a user's file in them", async () => {
            await run();
            fs.writeFileSync(path.join(outDir(), "my-notes.txt"), "keep");
            fs.writeFileSync(path.join(lakeDir(), "readme.txt"), "keep");
            const result = await run({ fresh: true });
            assert.equal(result.lakeGenerated, true);
            assert.equal(fs.readFileSync(path.join(outDir(), "my-notes.txt"), "utf8"), "keep");
            assert.equal(fs.readFileSync(path.join(lakeDir(), "readme.txt"), "utf8"), "keep");
            assert.equal(result.summary!.runAttempt, 1, "the exports started over");
        });

        it("--fresh after --add-day regenerates the lake as first made and says the appended days are not kept", async () => {
            const first = await run();
            const made = first.lake.deliveries.length;
            const added = await run({ addDay: true });
            assert.equal(added.lake.deliveries.length, made + 1);
            const notes: Array<string | undefined> = [];
            const fresh = await run({ fresh: true, onLake: ({ note }) => notes.push(note) });
            assert.equal(fresh.lake.deliveries.length, made, "the lake's own --days, as docs/export.md says");
            assert.deepEqual(notes, [
                `regenerated with --days ${made} as first made: the 1 day(s) --add-day appended are not kept (--fresh --days ${made + 1} keeps the length)`,
            ]);
            const later: Array<string | undefined> = [];
            const again = await run({ fresh: true, onLake: ({ note }) => later.push(note) });
            assert.equal(again.lake.deliveries.length, made);
            assert.deepEqual(later, [undefined], "nothing dropped, nothing said");
        });

        it("refuses a lake and exports inside one another, glob characters in paths, and a lake shape that differs from the existing lake", async () => {
            assert.match(
                await failure({ outDir: path.join(lakeDir(), "out") }),
                /must be separate folders, neither inside the other/,
            );
            assert.match(
                await failure({ lakeDir: path.join(dir, "gl", "a*b") }),
                /contains a glob character \(\* \? \[ \] \{ \}\), which DuckDB would expand/,
            );
            await run();
            assert.match(
                await failure({ lake: { rows: 4_000 } }),
                /the lake in .* was generated with rows=3000, not rows=4000; add --fresh to regenerate it/,
            );
            assert.match(
                await failure({ lakeDir: path.join(dir, "none"), addDay: true }),
                /--add-day needs an existing lake/,
            );
        });

        it("missing input is an error: a deleted partition or users file, not an empty success", async () => {
            await run();
            const partition = path.join(lakeDir(), "contacts", "dt=2025-01-03");
            const deleted = fs.readdirSync(partition).length;
            fs.rmSync(partition, { recursive: true });
            assert.match(
                await failure({}),
                new RegExp(
                    `the lake in .* is missing ${deleted} file\\(s\\) listed in its lake\\.json: contacts/dt=2025-01-03/part-2025-01-03\\.parquet, .*Restore them, or regenerate the lake with --fresh`,
                ),
            );
            await run({ fresh: true });
            for (const f of fs.readdirSync(path.join(lakeDir(), "users"))) fs.rmSync(path.join(lakeDir(), "users", f));
            assert.match(await failure({}), /is missing \d+ file\(s\) .*users\/part-2025-01-01\.parquet/);
        });

        it("an impossible or future watermark fails its table naming the file; the manifest is final", async () => {
            await run();
            fs.writeFileSync(
                path.join(outDir(), "state/watermarks/contacts.json"),
                JSON.stringify({ through: "2024-13-45" }),
            );
            const result = await run({ addDay: true, lake: undefined });
            const c = result.summary!.tables.find((t) => t.table === "contacts")!;
            assert.equal(c.status, "failed");
            assert.match(
                c.error!,
                /state\/watermarks\/contacts\.json is unusable: "through" must be a real day no later than the last complete day 2025-01-06, got "2024-13-45"/,
            );
            assert.equal(manifest(result.summary!.runId).status, "failed");
            fs.writeFileSync(
                path.join(outDir(), "state/watermarks/contacts.json"),
                JSON.stringify({ through: "2099-12-31" }),
            );
            const again = await run({ runId: "retry" });
            assert.match(again.summary!.tables.find((t) => t.table === "contacts")!.error!, /got "2099-12-31"/);
        });

        it("a manifest entry of the wrong shape is a clear error", async () => {
            const first = await run();
            const file = path.join(outDir(), "manifests", `${first.summary!.runId}.json`);
            const m = JSON.parse(fs.readFileSync(file, "utf8"));
            m.tables.contacts = { mode: "incremental" };
            fs.writeFileSync(file, JSON.stringify(m));
            assert.match(
                await failure({}),
                /manifests\/20250106T020000Z\.json is unusable: tables\.contacts is not a table entry \(status undefined\)\. Delete it to start the run over/,
            );
        });

        it("an exports folder where the database file cannot be written is a clear error", async () => {
            fs.mkdirSync(path.join(outDir(), LOCAL_DATABASE_FILE), { recursive: true });
            fs.writeFileSync(
                path.join(outDir(), ".connect-analytics-exports.json"),
                JSON.stringify({ createdBy: "npm start", prefixes: [] }),
            );
            assert.match(await failure({}), /cannot open the export database .*connect_analytics_exports\.duckdb/);
            const files = path.join(dir, "files-out");
            fs.mkdirSync(files);
            fs.writeFileSync(
                path.join(files, ".connect-analytics-exports.json"),
                JSON.stringify({ createdBy: "npm start", prefixes: [] }),
            );
            fs.writeFileSync(path.join(files, "connect"), "a file where the data folder goes");
            const result = await run({ target: "files", outDir: files });
            assert.match(
                result.summary!.tables[0].error!,
                /could not (read|write|clear) .*connect.*\(a file is where a folder must be\)/,
            );
        });

        it("a second local run while one holds the lease exits; a dead holder's lease is taken over", async () => {
            await run();
            const lease = path.join(outDir(), "state/lease.json");
            const hold = (pid: number) =>
                fs.writeFileSync(
                    lease,
                    JSON.stringify({
                        runId: "other",
                        owner: `local:${os.hostname()}:${pid}`,
                        acquiredAt: "x",
                        expiresAt: "2999-01-01T00:00:00.000Z",
                    }),
                );
            hold(process.pid);
            assert.match(await failure({}), /run other holds the lease until 2999-01-01T00:00:00\.000Z/);
            hold(2 ** 22 + 12_345);
            const result = await run();
            assert.equal(result.summary!.status, "succeeded");
        });
    });

    it("the generator's contacts carry every schema column, and new-column files one more", () => {
        const dims = { instances: [{ id: "i", arn: "arn" }], accountId: "a", agents: [{}], queues: [{}] } as never;
        const select = contactsSelect(dims, 1, { k: 0, day: "2025-01-01", rows: 1, kind: "update", newColumn: true });
        assert.match(select, /"last_update_timestamp"/);
        assert.match(select, /"answering_machine_detection_status"/);
        assert.equal(inspectLake(path.join(dir, "none")).kind, "absent");
        const info: Partial<LakeInfo> = { lakeVersion: 2 };
        fs.mkdirSync(path.join(dir, "half"));
        fs.writeFileSync(
            path.join(dir, "half", LAKE_INFO_FILE),
            JSON.stringify({ ...info, generator: "connect-analytics synthetic lake", complete: false }),
        );
        assert.equal(inspectLake(path.join(dir, "half")).kind, "stale", "an interrupted generation is regenerated");
    });
});
