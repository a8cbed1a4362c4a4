/**
 * Export figures (`npm run bench -- export`), each measured side by side in one run over one
 * synthetic lake of 1,000,000 contacts in 30 days:
 *  - export-incremental-reads: rows (and lake bytes and files) an incremental run reads after one
 *    new delivery day, vs the full first load; the incremental run's window is the new day plus
 *    the lookback.
 *  - export-local-merge-throughput: rows/s of the project's merge path (runExport on DuckDB:
 *    preview, MERGE of the newest row per key, reconciliation, chunk by chunk) into an empty
 *    target, vs a plain DuckDB CREATE TABLE AS over the same lake rows, alternated.
 *  - export-lambda-code-size: the archive the component ships, and the handler code inside it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { Figure } from "./run";
import { DEFAULT_CHUNK_DAYS, DEFAULT_CONSUMER_DATABASE, DEFAULT_LOOKBACK_DAYS } from "../lib/names";
import { attachLake, attachTarget, createDuckdbEngine, filesReadByQuery } from "../functions/local/duckdbEngine";
import { createFsObjectStore } from "../functions/local/fsStore";
import { addLakeDay, generateLake, lastLakeDay, type LakeInfo } from "../functions/local/syntheticLake";
import { parseExportEvent } from "../functions/event";
import { createJsonLogger } from "../functions/log";
import { runExportUnderLease } from "../functions/runner";
import { DEFAULT_EXPORT_DATABASE } from "../functions/settings";
import { addDays } from "../functions/dates";
import type { ExportRunSummary, TableRunEntry } from "../functions/types";
import { CONTACTS_SPEC as CONTACTS } from "../tests/export-tables";

const ROWS = 1_000_000;
const DAYS = 30;
const REPEATS = 3;

let workDir: string | undefined;
let lakeReady: Promise<{ conn: DuckDBConnection; lake: string; info: LakeInfo; generateMs: number }> | undefined;

function work(): string {
    if (!workDir) {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "export-bench-"));
        process.on("exit", () => fs.rmSync(workDir!, { recursive: true, force: true }));
    }
    return workDir;
}

/** One lake shared by the figures (generated once). */
function sharedLake() {
    lakeReady ??= (async () => {
        const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
        const conn = await instance.connect();
        const lake = path.join(work(), "lake");
        const t = Date.now();
        const info = await generateLake(conn, lake, { rows: ROWS, days: DAYS, seed: 42, startDate: "2025-01-01" });
        const generateMs = Date.now() - t;
        await attachLake(conn, lake, DEFAULT_CONSUMER_DATABASE, [CONTACTS]);
        return { conn, lake, info, generateMs };
    })();
    return lakeReady;
}

/** The project's export of contacts into the DuckDB database `out/<db file>` (a first load when new). */
async function projectExport(
    conn: DuckDBConnection,
    lake: string,
    out: string,
    scheduledTime: string,
): Promise<ExportRunSummary> {
    const file = path.join(out, "exports.duckdb");
    fs.mkdirSync(out, { recursive: true });
    await attachTarget(conn, file, DEFAULT_EXPORT_DATABASE);
    try {
        return await runExportUnderLease({
            settings: {
                prefix: "connect",
                target: "iceberg",
                format: "parquet",
                lookbackDays: DEFAULT_LOOKBACK_DAYS,
                chunkDays: DEFAULT_CHUNK_DAYS,
                sourceDatabase: DEFAULT_CONSUMER_DATABASE,
                exportDatabase: DEFAULT_EXPORT_DATABASE,
                tables: [CONTACTS],
            },
            request: parseExportEvent({ scheduledTime }, Date.now(), [CONTACTS.name]),
            engine: createDuckdbEngine({
                connection: conn,
                lakeDir: lake,
                sourceDatabase: DEFAULT_CONSUMER_DATABASE,
                exportDatabase: DEFAULT_EXPORT_DATABASE,
                databaseFile: file,
            }),
            store: createFsObjectStore(out),
            log: createJsonLogger("ERROR", () => undefined),
            clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: Math.random },
            remainingMs: () => Infinity,
            owner: "bench",
        });
    } finally {
        await conn.run(`DETACH ${DEFAULT_EXPORT_DATABASE}`);
    }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const contactsOf = (s: ExportRunSummary): TableRunEntry => s.tables.find((t) => t.table === "contacts")!;
const lakeSelect = (lake: string, range?: { from: string; to: string }) =>
    `SELECT * FROM read_parquet('${lake}/contacts/dt=*/*.parquet', hive_partitioning = true, union_by_name = true)` +
    (range ? ` WHERE dt BETWEEN DATE '${range.from}' AND DATE '${range.to}'` : "");

export const figures: Figure[] = [
    {
        name: "export-local-merge-throughput",
        async run() {
            const { conn, lake, generateMs } = await sharedLake();
            const scheduled = `${addDays("2025-01-01", DAYS)}T02:00:00Z`;
            const merge: number[] = [];
            const ctas: number[] = [];
            let rows = 0;
            for (let i = 0; i < REPEATS; i++) {
                // Alternate the two so cache warmth and background noise hit both alike.
                let t = Date.now();
                const summary = await projectExport(conn, lake, path.join(work(), `merge-${i}`), scheduled);
                merge.push(Date.now() - t);
                rows = contactsOf(summary).rowsRead;
                if (summary.status !== "succeeded") throw new Error(`merge run ${summary.status}`);

                await conn.run(`ATTACH '${path.join(work(), `ctas-${i}.duckdb`)}' AS ctas_${i}`);
                t = Date.now();
                await conn.run(
                    `CREATE TABLE ctas_${i}.contacts AS ${lakeSelect(lake).replace("SELECT *", "SELECT * EXCLUDE (dt)")}`,
                );
                ctas.push(Date.now() - t);
                const n = Number((await conn.runAndReadAll(`SELECT count(*) FROM ctas_${i}.contacts`)).getRows()[0][0]);
                await conn.run(`DETACH ctas_${i}`);
                if (n !== rows) throw new Error(`CREATE TABLE AS copied ${n} rows, the merge read ${rows}`);
            }
            const mergeRowsPerSec = Math.round(rows / (median(merge) / 1000));
            const ctasRowsPerSec = Math.round(rows / (median(ctas) / 1000));
            return {
                lakeRows: rows,
                repeats: REPEATS,
                mergeMs: median(merge),
                createTableAsMs: median(ctas),
                mergeRowsPerSec,
                createTableAsRowsPerSec: ctasRowsPerSec,
                ratio: Number((mergeRowsPerSec / ctasRowsPerSec).toFixed(3)),
                note: "merge = 5 chunks of preview + MERGE (row_number dedupe) + reconciliation; CTAS = a plain copy, no dedupe",
                lakeGenerateMs: generateMs,
            };
        },
    },
    {
        name: "export-incremental-reads",
        async run() {
            const { conn, lake, info } = await sharedLake();
            const out = path.join(work(), "incremental");
            let t = Date.now();
            const full = contactsOf(await projectExport(conn, lake, out, `${addDays("2025-01-01", DAYS)}T02:00:00Z`));
            const fullMs = Date.now() - t;
            const fullFiles = await filesReadByQuery(conn, lakeSelect(lake));

            const { info: next } = await addLakeDay(conn, lake, info);
            await attachLake(conn, lake, DEFAULT_CONSUMER_DATABASE, [CONTACTS]);
            t = Date.now();
            const inc = contactsOf(await projectExport(conn, lake, out, `${addDays(lastLakeDay(next), 1)}T02:00:00Z`));
            const incMs = Date.now() - t;
            const incFiles = await filesReadByQuery(conn, lakeSelect(lake, inc.window as { from: string; to: string }));
            return {
                fullRun: {
                    window: full.window,
                    rowsRead: full.rowsRead,
                    lakeBytesRead: full.bytesScanned,
                    filesRead: fullFiles,
                    ms: fullMs,
                },
                afterOneNewDay: {
                    window: inc.window,
                    rowsRead: inc.rowsRead,
                    inserted: inc.rowsInserted,
                    updated: inc.rowsUpdated,
                    lakeBytesRead: inc.bytesScanned,
                    filesRead: incFiles,
                    ms: incMs,
                },
                rowsReadRatio: Number((inc.rowsRead / full.rowsRead).toFixed(3)),
                bytesReadRatio: Number((inc.bytesScanned / full.bytesScanned).toFixed(3)),
                note: "bytes: lake files each statement reads after partition pruning (Athena bills DataScannedInBytes, the columns read)",
            };
        },
    },
    {
        name: "export-lambda-code-size",
        async run() {
            const pulumi = await import("@pulumi/pulumi");
            const { exportHandler } = await import("../functions/handler");
            const { lambdaCodeText, LAMBDA_CODE_BUDGET } = await import("../components/lambdaCode");
            const serialized = (await pulumi.runtime.serializeFunction(exportHandler)).text;
            const shipped = await lambdaCodeText();
            return {
                serializedBytes: Buffer.byteLength(serialized),
                shippedBytes: Buffer.byteLength(shipped),
                shippedDeflatedBytes: zlib.deflateRawSync(Buffer.from(shipped), { level: 9 }).length,
                minifiedRatio: Number((Buffer.byteLength(shipped) / Buffer.byteLength(serialized)).toFixed(3)),
                limitBytes: LAMBDA_CODE_BUDGET,
                shareOfLimit: Number((Buffer.byteLength(shipped) / LAMBDA_CODE_BUDGET).toFixed(3)),
                containsDuckdb: /duckdb/i.test(shipped),
                note: "shipped: Pulumi's serialization of the handler, minified by terser (names kept); the zip deflates it further",
            };
        },
    },
];
