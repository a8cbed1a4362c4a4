/**
 * One scheduled export run on the DuckDB engine, as the in-process export tests drive it: the lake
 * attached as "src" and the target database as "exp" by the caller, the run at 02:00 UTC of
 * `runDate`, state in a folder object store.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { createDuckdbEngine } from "../functions/local/duckdbEngine";
import { createFsObjectStore } from "../functions/local/fsStore";
import { createJsonLogger } from "../functions/log";
import { runExport } from "../functions/runner";
import type { ExportRunSummary, ExportSettings } from "../functions/types";

export function runOnDuckdb(o: {
    readonly conn: DuckDBConnection;
    readonly lakeDir: string;
    /** The target database file. */
    readonly databaseFile: string;
    /** The object store's folder (manifests, state). */
    readonly storeDir: string;
    readonly runDate: string;
    /** The settings that differ from a daily iceberg run (lookback 3, chunks of 30 days). */
    readonly settings: Pick<ExportSettings, "tables"> & Partial<ExportSettings>;
    readonly owner: string;
    /** JSON log lines at DEBUG; without it, errors only and dropped. */
    readonly onLog?: (line: string) => void;
}): Promise<ExportRunSummary> {
    const now = Date.parse(`${o.runDate}T02:00:00Z`);
    return runExport({
        settings: {
            prefix: "connect",
            target: "iceberg",
            format: "parquet",
            lookbackDays: 3,
            chunkDays: 30,
            sourceDatabase: "src",
            exportDatabase: "exp",
            ...o.settings,
        },
        request: { runId: `run-${o.runDate}`, runDate: o.runDate, trigger: "schedule", force: false },
        engine: createDuckdbEngine({
            connection: o.conn,
            lakeDir: o.lakeDir,
            sourceDatabase: "src",
            exportDatabase: "exp",
            databaseFile: o.databaseFile,
        }),
        store: createFsObjectStore(o.storeDir),
        log: o.onLog ? createJsonLogger("DEBUG", o.onLog) : createJsonLogger("ERROR", () => undefined),
        clock: { now: () => now, sleep: async () => undefined, random: () => 0.5 },
        remainingMs: () => Infinity,
        owner: o.owner,
    });
}
