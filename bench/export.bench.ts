/**
 * Export figures (`npm run bench -- export`), each measured side by side in one run:
 *  - export-local-throughput: rows/s of the project's export path (runExport on DuckDB, with its
 *    planning, prefix clearing, manifest and watermark) vs a raw DuckDB COPY of the same rows;
 *  - export-lambda-code-size: bytes of the handler as pulumi.runtime.serializeFunction emits it;
 *  - export-incremental-reads: lake files a run reads after one new day vs a full run.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { Figure } from "./run";
import { attachLake, createDuckdbEngine, filesReadByQuery } from "../functions/local/duckdbEngine";
import { buildDuckdbSelect, LAKE_PARTITION_COLUMN } from "../functions/local/duckdbSql";
import { createFsObjectStore } from "../functions/local/fsStore";
import { addLakeDay, generateLake, lastLakeDay } from "../functions/local/syntheticLake";
import { parseExportEvent } from "../functions/event";
import { createJsonLogger } from "../functions/log";
import { runExport } from "../functions/runner";
import { buildSelectPlan } from "../functions/sql";
import { addDays } from "../functions/dates";
import type { ExportRunSummary, ExportTableSpec } from "../functions/types";

const ROWS = 1_000_000;
const DAYS = 30;
const REPEATS = 3;
const CONTACTS: ExportTableSpec = { name: "contacts", linkName: "contacts_link", timeColumn: "initiation_timestamp" };

let workDir: string | undefined;
let lakeReady: Promise<{ conn: DuckDBConnection; lake: string; generateMs: number }> | undefined;

function work(): string {
    if (!workDir) {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "export-bench-"));
        process.on("exit", () => fs.rmSync(workDir!, { recursive: true, force: true }));
    }
    return workDir;
}

/** One 1M-contact lake shared by the figures (generated once). */
function sharedLake() {
    lakeReady ??= (async () => {
        const instance = await DuckDBInstance.create(":memory:");
        const conn = await instance.connect();
        const lake = path.join(work(), "lake");
        const t = Date.now();
        await generateLake(conn, { dir: lake, rows: ROWS, days: DAYS, seed: 42, startDate: "2025-01-01" });
        const generateMs = Date.now() - t;
        await attachLake(conn, lake, [CONTACTS]);
        return { conn, lake, generateMs };
    })();
    return lakeReady;
}

/** The project's export path for contacts into a fresh exports folder (so it is a first, full run). */
async function projectExport(
    conn: DuckDBConnection,
    lake: string,
    out: string,
    scheduledTime: string,
    overlapDays = 0,
): Promise<ExportRunSummary> {
    const request = parseExportEvent({ scheduledTime }, Date.now(), [CONTACTS.name]);
    return runExport({
        settings: { prefix: "connect", format: "parquet", lateDataOverlapDays: overlapDays, tables: [CONTACTS] },
        request,
        engine: createDuckdbEngine({ connection: conn, lakeDir: lake }),
        store: createFsObjectStore(out),
        log: createJsonLogger("ERROR", () => undefined),
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: Math.random },
        remainingMs: () => Infinity,
    });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const figures: Figure[] = [
    {
        name: "export-local-throughput",
        async run() {
            const { conn, lake, generateMs } = await sharedLake();
            const scheduled = `${addDays("2025-01-01", DAYS)}T02:00:00Z`;
            const project: number[] = [];
            const raw: number[] = [];
            let rows = 0;
            for (let i = 0; i < REPEATS; i++) {
                // Alternate the two so cache warmth and background noise hit both alike.
                let t = Date.now();
                const summary = await projectExport(conn, lake, path.join(work(), `out-${i}`), scheduled);
                project.push(Date.now() - t);
                rows = summary.tables[0].rows ?? 0;
                if (rows !== ROWS) throw new Error(`project path exported ${rows} rows, expected ${ROWS}`);

                const file = path.join(work(), `raw-${i}.parquet`);
                t = Date.now();
                const reader = await conn.runAndReadAll(
                    `COPY (SELECT * EXCLUDE ("${LAKE_PARTITION_COLUMN}") FROM read_parquet('${lake}/contacts/${LAKE_PARTITION_COLUMN}=*/*.parquet', hive_partitioning = true)) ` +
                        `TO '${file}' (FORMAT PARQUET, COMPRESSION SNAPPY)`,
                );
                raw.push(Date.now() - t);
                if (Number(reader.getRows()[0][0]) !== ROWS) throw new Error("raw COPY wrote a different row count");
            }
            const projectRowsPerSec = Math.round(ROWS / (median(project) / 1000));
            const rawRowsPerSec = Math.round(ROWS / (median(raw) / 1000));
            return {
                rows: ROWS,
                repeats: REPEATS,
                projectMs: median(project),
                rawCopyMs: median(raw),
                projectRowsPerSec,
                rawCopyRowsPerSec: rawRowsPerSec,
                ratio: Number((projectRowsPerSec / rawRowsPerSec).toFixed(3)),
                goal: ">= 0.8",
                lakeGenerateMs: generateMs,
            };
        },
    },
    {
        name: "export-lambda-code-size",
        async run() {
            const pulumi = await import("@pulumi/pulumi");
            const { exportHandler } = await import("../functions/index");
            const text = (await pulumi.runtime.serializeFunction(exportHandler)).text;
            return {
                serializedTextBytes: Buffer.byteLength(text),
                deflatedBytes: zlib.deflateRawSync(Buffer.from(text), { level: 9 }).length,
                limitBytes: 64 * 1024,
                shareOfLimit: Number((Buffer.byteLength(text) / (64 * 1024)).toFixed(3)),
                containsDuckdb: /duckdb/i.test(text),
                note: "serializeFunction text only; see lambda-archive-bytes-vs-default-code-paths for the archive vs default code paths",
            };
        },
    },
    {
        name: "export-incremental-reads",
        async run() {
            const { conn, lake } = await sharedLake();
            const out = path.join(work(), "incremental");
            let t = Date.now();
            const full = await projectExport(conn, lake, out, `${addDays("2025-01-01", DAYS)}T02:00:00Z`);
            const fullMs = Date.now() - t;
            const fullRange = full.tables[0].range!;
            const fullFiles = await filesReadByQuery(conn, buildDuckdbSelect(buildSelectPlan(CONTACTS, fullRange)));

            const { info } = await addLakeDay(conn, lake);
            t = Date.now();
            const next = await projectExport(conn, lake, out, `${addDays(lastLakeDay(info), 1)}T02:00:00Z`);
            const nextMs = Date.now() - t;
            const nextRange = next.tables[0].range!;
            const nextFiles = await filesReadByQuery(conn, buildDuckdbSelect(buildSelectPlan(CONTACTS, nextRange)));
            const withOverlap = await filesReadByQuery(
                conn,
                buildDuckdbSelect(buildSelectPlan(CONTACTS, { from: addDays(nextRange.to, -1), to: nextRange.to })),
            );
            return {
                fullRun: {
                    range: fullRange,
                    filesRead: fullFiles,
                    rows: full.tables[0].rows,
                    bytesRead: full.tables[0].bytesScanned,
                    ms: fullMs,
                },
                afterOneNewDay: {
                    range: nextRange,
                    filesRead: nextFiles,
                    rows: next.tables[0].rows,
                    bytesRead: next.tables[0].bytesScanned,
                    ms: nextMs,
                },
                afterOneNewDayWithOverlap1FilesRead: withOverlap,
                filesReadRatio: Number((nextFiles / fullFiles).toFixed(3)),
                bytesReadRatio: Number(
                    ((next.tables[0].bytesScanned ?? 0) / (full.tables[0].bytesScanned ?? 1)).toFixed(3),
                ),
            };
        },
    },
];
