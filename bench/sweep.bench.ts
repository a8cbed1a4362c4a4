/**
 * The late-update sweep's cost (`npm run bench -- sweep`), on a synthetic lake of 1,000,000
 * contacts over 90 days (each delivery from day 30 on updates 0.5% of the contacts 30 to 400
 * days old, into their own days): after the first load, one more delivery day that updates 0.5%
 * of the contacts older than 30 days, and its scheduled run. Bytes are what DuckDB read from the
 * lake's files, by its own FileSystem log (functions/local/duckdbEngine.ts): the columns each
 * statement needs, after partition pruning and Parquet row-group pruning, as Athena bills
 * (DataScannedInBytes: compressed bytes of the columns read). Figures:
 *  - sweepBytes against a full re-read of the retained lake (every column of every file): goal 5%;
 *  - the daily run's total against its window alone (the new day and the 3-day lookback);
 *  - the monthly full reconciliation (key, version and time columns of every day), for scale.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Figure } from "./run";
import { DEFAULT_CHUNK_DAYS, DEFAULT_CONSUMER_DATABASE, DEFAULT_LOOKBACK_DAYS } from "../lib/names";
import { addDays } from "../functions/dates";
import { parseExportEvent } from "../functions/event";
import { attachLake, attachTarget, createDuckdbEngine } from "../functions/local/duckdbEngine";
import { createFsObjectStore } from "../functions/local/fsStore";
import { addLakeDay, generateLake, lastLakeDay } from "../functions/local/syntheticLake";
import { createJsonLogger } from "../functions/log";
import { runExportUnderLease } from "../functions/runner";
import { DEFAULT_EXPORT_DATABASE } from "../functions/settings";
import { sweepKey } from "../functions/sweep";
import type { TableRunEntry } from "../functions/types";
import { CONTACTS_SPEC as CONTACTS } from "../tests/export-tables";

const ROWS = 1_000_000;
const DAYS = 90;
const SHARE = 0.005;

export const figures: Figure[] = [
    {
        name: "export-late-update-sweep",
        async run() {
            const work = fs.mkdtempSync(path.join(os.tmpdir(), "sweep-bench-"));
            process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));
            const instance = await DuckDBInstance.create(":memory:", { threads: "2", memory_limit: "1GB" });
            const conn = await instance.connect();
            const lake = path.join(work, "lake");
            const out = path.join(work, "out");
            fs.mkdirSync(out);
            let t = Date.now();
            let info = await generateLake(conn, lake, { rows: ROWS, days: DAYS, seed: 42, startDate: "2025-01-01" });
            const generateMs = Date.now() - t;
            const store = createFsObjectStore(out);
            const engine = createDuckdbEngine({
                connection: conn,
                lakeDir: lake,
                sourceDatabase: DEFAULT_CONSUMER_DATABASE,
                exportDatabase: DEFAULT_EXPORT_DATABASE,
                databaseFile: path.join(out, "exports.duckdb"),
            });
            await attachTarget(conn, path.join(out, "exports.duckdb"), DEFAULT_EXPORT_DATABASE);
            let reads: { step: string; targetRows: number }[] = [];
            const exportRun = async (): Promise<TableRunEntry> => {
                reads = [];
                await attachLake(conn, lake, DEFAULT_CONSUMER_DATABASE, [CONTACTS]);
                const scheduledTime = `${addDays(lastLakeDay(info), 1)}T02:00:00Z`;
                const summary = await runExportUnderLease({
                    settings: {
                        prefix: "connect",
                        target: "iceberg",
                        format: "parquet",
                        lookbackDays: DEFAULT_LOOKBACK_DAYS,
                        chunkDays: DEFAULT_CHUNK_DAYS,
                        reconcileEveryDays: 30,
                        sourceDatabase: DEFAULT_CONSUMER_DATABASE,
                        exportDatabase: DEFAULT_EXPORT_DATABASE,
                        tables: [CONTACTS],
                    },
                    request: parseExportEvent({ scheduledTime }, Date.now(), [CONTACTS.name]),
                    engine,
                    store,
                    // The engine's per-statement account (step, target rows) for the target-side estimate.
                    log: createJsonLogger("DEBUG", (line) => {
                        const e = JSON.parse(line) as { event: string; step?: string; targetRows?: number };
                        if (e.event === "duckdb_read") reads.push({ step: e.step!, targetRows: e.targetRows ?? 0 });
                    }),
                    clock: { now: () => Date.now(), sleep: async () => undefined, random: Math.random },
                    remainingMs: () => Infinity,
                    owner: "bench",
                });
                if (summary.status !== "succeeded") {
                    throw new Error(`run ${summary.status}: ${summary.tables[0].error}`);
                }
                return summary.tables[0];
            };
            t = Date.now();
            const first = await exportRun();
            const firstMs = Date.now() - t;

            // What a full re-read of the retained lake costs: every column of every file.
            const control = {
                clock: { now: Date.now, sleep: async () => undefined, random: Math.random },
                log: createJsonLogger("ERROR", () => undefined),
                remainingMs: () => Infinity,
            };
            const full = await engine.run(
                `CREATE OR REPLACE TEMP TABLE bench_full AS SELECT * FROM "${DEFAULT_CONSUMER_DATABASE}"."${CONTACTS.linkName}"`,
                { table: CONTACTS, step: "full", attempt: 1, reads: "all" },
                control,
            );
            await conn.run("DROP TABLE bench_full");

            // One more delivery day: new contacts, and 0.5% of the contacts 30 to 400 days old updated.
            ({ info } = await addLakeDay(conn, lake, info, { oldUpdates: SHARE }));
            const updatedRows = Number(
                (
                    await conn.runAndReadAll(
                        `SELECT count(*) FROM read_parquet('${lake}/contacts/*/old-update-${lastLakeDay(info)}.parquet')`,
                    )
                ).getRows()[0][0],
            );
            t = Date.now();
            const daily = await exportRun();
            const dailyMs = Date.now() - t;
            const sweep = daily.sweep!;
            const windowBytes = daily.bytesScanned - sweep.bytesScanned;
            // Not in the bytes above: the target's rows the statements join (preview, MERGE, reconcile).
            // On Athena they are Iceberg Parquet reads too, of the key and version columns at least:
            // estimated as the rows scanned times those columns' compressed bytes per row in Parquet.
            const sweepStart = reads.findIndex((r) => r.step === "sweep_find");
            const targetRowsOf = (list: typeof reads) => list.reduce((n, r) => n + r.targetRows, 0);
            const sweepTargetRows = targetRowsOf(reads.slice(sweepStart));
            const windowTargetRows = targetRowsOf(reads.slice(0, sweepStart));
            const keyFile = path.join(work, "target-keys.parquet");
            await conn.run(
                `COPY (SELECT instance_id, contact_id, last_update_timestamp FROM "${DEFAULT_EXPORT_DATABASE}"."contacts") TO '${keyFile}' (FORMAT PARQUET, COMPRESSION SNAPPY)`,
            );
            const targetCount = Number(
                (
                    await conn.runAndReadAll(`SELECT count(*) FROM "${DEFAULT_EXPORT_DATABASE}"."contacts"`)
                ).getRows()[0][0],
            );
            const keyBytesPerRow = fs.statSync(keyFile).size / targetCount;
            const sweepTargetBytes = Math.round(sweepTargetRows * keyBytesPerRow);

            // The next day's run with its full reconciliation due (the state says it never ran).
            const state = JSON.parse((await store.getText(sweepKey(CONTACTS.name)))!);
            await store.putText(sweepKey(CONTACTS.name), JSON.stringify({ ...state, reconciledOn: null }));
            ({ info } = await addLakeDay(conn, lake, info, { oldUpdates: 0 }));
            const monthly = (await exportRun()).sweep!;
            conn.closeSync();
            instance.closeSync();
            return {
                lake: {
                    contacts: ROWS,
                    days: DAYS,
                    generateMs,
                    files: Object.keys(info.files).filter((f) => f.startsWith("contacts/")).length,
                },
                firstLoad: { bytes: first.bytesScanned, ms: firstMs },
                fullReread: { bytes: full.bytesScanned },
                dailyRun: {
                    window: daily.window,
                    oldContactsUpdated: updatedRows,
                    sweptDays: sweep.days.length,
                    sweptRows: sweep.days.reduce((n, d) => n + d.rows, 0),
                    updated: daily.rowsUpdated,
                    windowBytes,
                    sweepBytes: sweep.bytesScanned,
                    totalBytes: daily.bytesScanned,
                    ms: dailyMs,
                },
                sweepToFullReread: Number((sweep.bytesScanned / full.bytesScanned!).toFixed(4)),
                goalSweepToFullReread: 0.05,
                dailyTotalToWindow: Number((daily.bytesScanned / windowBytes).toFixed(3)),
                targetSideEstimate: {
                    keyVersionBytesPerRow: Number(keyBytesPerRow.toFixed(1)),
                    windowTargetRows,
                    sweepTargetRows,
                    sweepTargetBytes,
                    sweepWithTargetToFullReread: Number(
                        ((sweep.bytesScanned + sweepTargetBytes) / full.bytesScanned!).toFixed(4),
                    ),
                },
                monthlyReconciliation: {
                    bytes: monthly.bytesScanned,
                    toFullReread: Number((monthly.bytesScanned / full.bytesScanned!).toFixed(4)),
                    differingDays: monthly.reconciledDays?.differing ?? null,
                },
                note:
                    "bytes: what DuckDB read from the lake files (its FileSystem log), after partition, column and row-group pruning; " +
                    "targetSideEstimate: the target rows the statements scanned (DuckDB's profile) times the key and version columns' Parquet bytes per row, what Athena would read of an Iceberg target at least",
            };
        },
    },
];
