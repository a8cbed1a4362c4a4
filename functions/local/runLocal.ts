/**
 * The local export: the synthetic lake on DuckDB, the exports folder as the bucket, and the same
 * event validation and `runExport` the Lambda uses. Shared by `npm start`, the tests and the bench.
 *
 * The local clock follows the lake: a run is the daily schedule firing at 02:00 UTC the day after
 * the lake's last day, so running again without new data is a re-run of the same run id, and
 * `addDay` (a new day of contacts) makes the next day's run. A backfill is a manual run with a run
 * id of its own (from the current time), as it would be when invoking the Lambda by hand.
 */
import * as fs from "fs";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import { DEFAULT_TIME_COLUMNS } from "../../lib/config";
import { DEFAULT_TABLES } from "../../lib/names";
import { addDays } from "../dates";
import { isExportError } from "../errors";
import { parseExportEvent } from "../event";
import { createJsonLogger } from "../log";
import { runExport } from "../runner";
import { parseTableSpecs, prefixProblem } from "../settings";
import type { ExportFormat, ExportRunSummary, ExportTableSpec, Logger, LogLevel, TableRunEntry } from "../types";
import { attachLake, createDuckdbEngine } from "./duckdbEngine";
import { createFsObjectStore } from "./fsStore";
import { addLakeDay, DEFAULT_LAKE, ensureLake, lastLakeDay, type LakeInfo } from "./syntheticLake";

export interface LocalExportOptions {
    readonly lakeDir: string;
    readonly outDir: string;
    readonly rows: number;
    readonly days: number;
    readonly seed: number;
    readonly startDate: string;
    readonly format: ExportFormat;
    readonly prefix: string;
    readonly overlapDays: number;
    /** Table specs; default: the project's default tables with their links and time columns. */
    readonly tableSpecs?: readonly ExportTableSpec[];
    /** Export only these tables (the event's `tables`). */
    readonly tables?: readonly string[];
    readonly from?: string;
    readonly to?: string;
    readonly runId?: string;
    readonly force?: boolean;
    /** Append the next day of contacts to the lake before exporting. */
    readonly addDay?: boolean;
    /** Delete the lake and the exports folder first. */
    readonly fresh?: boolean;
    readonly logLevel?: LogLevel;
    readonly logSink?: (line: string) => void;
    readonly onTable?: (entry: TableRunEntry, progress: { index: number; total: number; runAttempt: number }) => void;
    /** Called once the lake is ready, before the export starts. */
    readonly onLake?: (lake: { info: LakeInfo; generated: boolean; addedDay?: string; ms: number }) => void;
    /** DuckDB worker threads; default: DuckDB's (all cores). */
    readonly threads?: number;
}

export const LOCAL_DEFAULTS = {
    lakeDir: ".local-lake",
    outDir: "exports",
    ...DEFAULT_LAKE,
    format: "parquet" as ExportFormat,
    prefix: "connect",
    // The synthetic lake never receives late data, so re-reading days would only duplicate them.
    overlapDays: 0,
};

export interface LocalExportResult {
    readonly summary: ExportRunSummary;
    /** The run's error when tables failed (the summary still describes the run). */
    readonly error?: Error;
    readonly lake: LakeInfo;
    readonly lakeGenerated: boolean;
    readonly addedDay?: string;
    readonly lakeMs: number;
    readonly exportMs: number;
}

export function defaultTableSpecs(): ExportTableSpec[] {
    return DEFAULT_TABLES.map((name) => ({
        name,
        linkName: `${name}_link`,
        ...(DEFAULT_TIME_COLUMNS[name] ? { timeColumn: DEFAULT_TIME_COLUMNS[name] } : {}),
    }));
}

export async function runLocalExport(options: LocalExportOptions): Promise<LocalExportResult> {
    const { tables: specs, problems } = parseTableSpecs(options.tableSpecs ?? defaultTableSpecs());
    const prefixIssue = prefixProblem(options.prefix);
    if (problems.length > 0 || prefixIssue) {
        throw new Error(
            `invalid local export settings: ${[...problems, ...(prefixIssue ? [`prefix ${prefixIssue}`] : [])].join("; ")}`,
        );
    }
    if (options.fresh) {
        fs.rmSync(options.lakeDir, { recursive: true, force: true });
        fs.rmSync(options.outDir, { recursive: true, force: true });
    }

    const instance = await DuckDBInstance.create(
        ":memory:",
        options.threads ? { threads: String(options.threads) } : {},
    );
    const connection = await instance.connect();
    try {
        const lakeStart = Date.now();
        const ensured = await ensureLake(connection, {
            dir: options.lakeDir,
            rows: options.rows,
            days: options.days,
            seed: options.seed,
            startDate: options.startDate,
        });
        let lake = ensured.info;
        let addedDay: string | undefined;
        if (options.addDay) ({ info: lake, day: addedDay } = await addLakeDay(connection, options.lakeDir));
        await attachLake(connection, options.lakeDir, specs);
        const lakeMs = Date.now() - lakeStart;
        options.onLake?.({ info: lake, generated: ensured.generated, addedDay, ms: lakeMs });

        const exportStart = Date.now();
        const backfill = options.from !== undefined || options.to !== undefined;
        const event = {
            ...(backfill && !options.runId ? {} : { scheduledTime: `${addDays(lastLakeDay(lake), 1)}T02:00:00Z` }),
            ...(options.runId ? { runId: options.runId } : {}),
            ...(options.tables ? { tables: options.tables } : {}),
            ...(backfill ? { from: options.from, to: options.to } : {}),
            ...(options.force ? { force: true } : {}),
        };
        const request = parseExportEvent(
            event,
            Date.now(),
            specs.map((t) => t.name),
        );
        const log: Logger = createJsonLogger(
            options.logLevel ?? "WARN",
            options.logSink ?? ((line) => process.stderr.write(`${line}\n`)),
        );
        let summary: ExportRunSummary;
        let error: Error | undefined;
        try {
            summary = await runExport({
                settings: {
                    prefix: options.prefix,
                    format: options.format,
                    lateDataOverlapDays: options.overlapDays,
                    tables: specs,
                },
                request,
                engine: createDuckdbEngine({ connection, lakeDir: options.lakeDir }),
                store: createFsObjectStore(options.outDir),
                log,
                clock: {
                    now: () => Date.now(),
                    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
                    random: () => Math.random(),
                },
                remainingMs: () => Infinity,
                onTable: options.onTable,
            });
        } catch (err) {
            if (!isExportError(err) || !err.summary) throw err;
            summary = err.summary as ExportRunSummary;
            error = err;
        }
        return {
            summary,
            error,
            lake,
            lakeGenerated: ensured.generated,
            addedDay,
            lakeMs,
            exportMs: Date.now() - exportStart,
        };
    } finally {
        connection.closeSync();
        instance.closeSync();
    }
}

/** Absolute path of a run's output folder for a table, for tools that read exports back. */
export function localRunDir(outDir: string, prefix: string, table: string, runDate: string, runId: string): string {
    return path.resolve(outDir, prefix, table, `dt=${runDate}`, `run=${runId}`);
}
