/**
 * Types shared by the export logic, its engines and its stores. Types only: this module emits
 * no code, so the Lambda bundle does not grow with it.
 */

export type ExportFormat = "parquet" | "csv";
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

/** One table to export, as the handler receives it in TABLES_JSON. */
export interface ExportTableSpec {
    /** Producer table name (the Connect dataset), used in output keys and watermarks. */
    readonly name: string;
    /** Resource link in the consumer database; every query goes through it. */
    readonly linkName: string;
    /** Daily partition column: exported incrementally from a watermark. Absent: full snapshot. */
    readonly timeColumn?: string;
    /** Columns that must never be selected (governance). */
    readonly excludedColumns?: readonly string[];
}

/** Settings of the export logic itself, whatever the engine. */
export interface ExportSettings {
    /** Key prefix of the exported data (no leading or trailing slash). */
    readonly prefix: string;
    readonly format: ExportFormat;
    /** Days before the watermark that an incremental run reads again, for late data. */
    readonly lateDataOverlapDays: number;
    readonly tables: readonly ExportTableSpec[];
}

/** Inclusive range of UTC days (YYYY-MM-DD). `from` undefined: from the beginning of the data. */
export interface DayRange {
    readonly from?: string;
    readonly to: string;
}

/** What to read from one table; each engine renders it in its own dialect. */
export interface SelectPlan {
    readonly table: ExportTableSpec;
    /** Columns to leave out (sorted, de-duplicated). */
    readonly excludedColumns: readonly string[];
    /** The table's columns when the project knows them (lib/connectSchema.ts). */
    readonly knownColumns?: readonly string[];
    /** Rows whose time column falls in these days; undefined: the whole table. */
    readonly range?: DayRange;
}

/** A validated export request, from the Lambda event or the local command line. */
export interface ExportRequest {
    readonly runId: string;
    /** UTC date the run is for; undefined when only a run id was given (then: earlier manifest, else today). */
    readonly runDate?: string;
    readonly scheduledTime?: string;
    readonly trigger: "schedule" | "manual" | "backfill";
    /** Subset of the configured tables; undefined: all of them. */
    readonly tables?: readonly string[];
    readonly backfill?: { readonly from: string; readonly to: string };
    /** Redo tables that already succeeded in this run id. */
    readonly force: boolean;
}

export type TableMode = "snapshot" | "incremental" | "backfill";
export type TableStatus = "succeeded" | "failed" | "up_to_date";

/** One table's outcome in a run: a manifest entry and a log line. */
export interface TableRunEntry {
    readonly table: string;
    readonly linkName: string;
    readonly mode: TableMode;
    readonly status: TableStatus;
    /** Days read; null for snapshots and tables with nothing to read. */
    readonly range: DayRange | null;
    readonly rows: number | null;
    readonly bytesScanned: number | null;
    readonly queryExecutionId: string | null;
    readonly outputLocation: string | null;
    readonly watermarkBefore: string | null;
    readonly watermarkAfter: string | null;
    readonly error: string | null;
    /** Which attempt of the run produced this entry (a re-run keeps earlier successes). */
    readonly runAttempt: number;
    /** Query attempts made for this table in that run attempt. */
    readonly queryAttempts: number;
    readonly startedAt: string;
    readonly durationMs: number;
}

export interface RunManifest {
    readonly manifestVersion: 1;
    readonly runId: string;
    readonly runDate: string;
    readonly scheduledTime: string | null;
    readonly trigger: ExportRequest["trigger"];
    readonly engine: string;
    readonly format: ExportFormat;
    readonly prefix: string;
    readonly status: "running" | "succeeded" | "failed";
    /** Incremented by each re-run of the same run id. */
    readonly runAttempt: number;
    readonly startedAt: string;
    readonly finishedAt: string | null;
    readonly request: {
        readonly tables: readonly string[] | null;
        readonly from: string | null;
        readonly to: string | null;
        readonly force: boolean;
    };
    /** Keyed by table name; keeps entries of tables a re-run did not touch. */
    readonly tables: Readonly<Record<string, TableRunEntry>>;
}

/** What the handler returns (and the local run prints). */
export interface ExportRunSummary {
    readonly runId: string;
    readonly runDate: string;
    readonly status: "succeeded" | "failed";
    readonly runAttempt: number;
    readonly manifestLocation: string;
    /** Entries of the tables this invocation covered, in configuration order. */
    readonly tables: readonly TableRunEntry[];
    readonly failedTables: readonly string[];
    readonly rows: number;
    readonly bytesScanned: number;
    readonly durationMs: number;
}

/** A single export query: read `plan`, write files of `format` under `outputUri`. */
export interface ExportJob {
    readonly runId: string;
    readonly plan: SelectPlan;
    readonly format: ExportFormat;
    /** Destination "folder", ending with "/": s3://bucket/key/ on AWS, an absolute path locally. */
    readonly outputUri: string;
    /** 1-based; a token for idempotent query starts. */
    readonly attempt: number;
}

export interface ExportJobResult {
    readonly rows: number | null;
    readonly bytesScanned: number | null;
    readonly queryExecutionId: string | null;
}

/** Time and randomness, injectable so tests never sleep. */
export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
    /** Uniform in [0, 1), for jitter. */
    random(): number;
}

export interface Logger {
    readonly level: LogLevel;
    debug(event: string, fields?: Record<string, unknown>): void;
    info(event: string, fields?: Record<string, unknown>): void;
    warn(event: string, fields?: Record<string, unknown>): void;
    error(event: string, fields?: Record<string, unknown>): void;
}

/** What an engine may use while a query runs. */
export interface JobControl {
    readonly clock: Clock;
    readonly log: Logger;
    /** Milliseconds left before the run must stop waiting (deadline minus the reserve to finish up). */
    remainingMs(): number;
}

export interface QueryEngine {
    /** "athena" or "duckdb"; recorded in the manifest. */
    readonly name: string;
    /**
     * Runs one export query. Throws an error with `retryable: true` for failures worth another
     * attempt (throttling, transient engine errors), and `code: "DEADLINE"` when it stopped a
     * query that would outrun the deadline.
     */
    runExport(job: ExportJob, control: JobControl): Promise<ExportJobResult>;
}

/** The exports bucket (S3) or the local exports folder. Keys use "/" separators. */
export interface ObjectStore {
    readonly name: string;
    /** Text of the object, or undefined when it does not exist. */
    getText(key: string): Promise<string | undefined>;
    putText(key: string, text: string): Promise<void>;
    /** Deletes every object under the prefix (which ends with "/"); returns how many. */
    deletePrefix(prefix: string): Promise<number>;
    /** Where a key lives, for manifests and engines: s3://bucket/key or an absolute path. */
    uri(key: string): string;
}
