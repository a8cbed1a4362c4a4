/**
 * Types shared by the export logic, its engines and its stores. Types only: this module emits
 * no code, so the Lambda bundle does not grow with it.
 */

export type ExportFormat = "parquet" | "csv";
/** `iceberg`: one merged table per exported table; `files`: Parquet/CSV folders per data day. */
export type ExportTarget = "iceberg" | "files";
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

/** One table to export, as the handler receives it in TABLES_JSON. */
export interface ExportTableSpec {
    /** Producer table name (the Connect dataset): the target table's name, output keys and watermarks. */
    readonly name: string;
    /** Resource link in the consumer database; every query reads through it. */
    readonly linkName: string;
    /** Daily partition column: exported incrementally from a watermark. Absent: read whole each run. */
    readonly timeColumn?: string;
    /** Columns that must never be selected (governance). */
    readonly excludedColumns?: readonly string[];
    /**
     * How rows are written: `merge` (one row per key at its latest version: new keys inserted,
     * newer versions updated), `insertOnly` (new keys inserted, a key already there left as it is),
     * `snapshot` (the table read whole and the target replaced with it).
     */
    readonly exportMode: "merge" | "insertOnly" | "snapshot";
    /** Columns identifying a record: the target holds one row per key (merge, insertOnly). */
    readonly primaryKey?: readonly string[];
    /** Column whose greatest value is a record's latest version (merge; insertOnly keeps the greatest of a batch). */
    readonly versionColumn?: string;
}

/** Settings of the export logic itself, whatever the engine. */
export interface ExportSettings {
    /** Key prefix of the exported data (no leading or trailing slash). */
    readonly prefix: string;
    readonly target: ExportTarget;
    /** File format of the `files` target (Iceberg tables are always Parquet). */
    readonly format: ExportFormat;
    /** Days before the watermark that each run reads again, for late and updated records. */
    readonly lookbackDays: number;
    /** Days per MERGE (or UNLOAD) of a long window; each chunk commits and moves the watermark. */
    readonly chunkDays: number;
    /** Days between full reconciliations of a time-partitioned table (0: never); default 30. */
    readonly reconcileEveryDays?: number;
    /** Database of the source resource links. */
    readonly sourceDatabase: string;
    /** Database of the Iceberg target tables. */
    readonly exportDatabase: string;
    readonly tables: readonly ExportTableSpec[];
}

/** A column as the engine's catalog reports it (Glue/Hive types on Athena, DuckDB types locally). */
export interface Column {
    readonly name: string;
    readonly type: string;
}

/** Inclusive range of UTC days (YYYY-MM-DD). `from` undefined: from the beginning of the data. */
export interface DayRange {
    readonly from?: string;
    readonly to: string;
}

/** A validated export request, from the Lambda event or the local command line. */
export interface ExportRequest {
    readonly runId: string;
    /** UTC date the run is for; undefined when only a run id was given (then: earlier manifest, else today). */
    readonly runDate?: string;
    readonly scheduledTime?: string;
    readonly trigger: "schedule" | "manual" | "backfill" | "maintenance" | "setup" | "probe";
    /** Subset of the configured tables; undefined: all of them. */
    readonly tables?: readonly string[];
    readonly backfill?: { readonly from: string; readonly to: string };
    /** Redo tables that already succeeded in this run id. */
    readonly force: boolean;
    /** OPTIMIZE and VACUUM the Iceberg targets instead of merging. */
    readonly maintenance?: boolean;
    /** Create the Iceberg targets that do not exist yet, reading no data (deploy time). */
    readonly setup?: boolean;
    /** SELECT ... LIMIT 1 on each link and export table as this function's role (`verify --query`). */
    readonly probe?: boolean;
}

export type TableMode = "snapshot" | "incremental" | "backfill";
/**
 * `running`: written before the table's first write, so a crash never leaves a success on record;
 * `incomplete`: stopped at the deadline between chunks, resumable under the same run id.
 */
export type TableStatus = "running" | "succeeded" | "failed" | "incomplete" | "up_to_date";

/** Distinct keys on both sides of a merged window (one aggregate query each side). */
export interface Reconciliation {
    readonly sourceKeys: number;
    readonly sourceRows: number;
    readonly targetKeys: number;
    readonly targetRows: number;
    readonly ok: boolean;
}

/**
 * The late-update sweep of a table in a run (functions/sweep.ts): the days before the window it
 * merged again, and why.
 */
export interface SweepEntry {
    /** Rows touched after this instant were looked for (the last sweep's greatest, less the overlap); null: the first sweep, which only records where it starts. */
    readonly touchedAfter: string | null;
    /** The greatest touched value seen so far, where the next run starts. */
    readonly touchedThrough: string | null;
    /**
     * Days merged again, oldest first: `touched` (rows re-delivered since the last sweep: their
     * touched rows merged) or `reconciliation` (the full reconciliation found its keys or newest
     * version differ: merged whole); `rows`: the touched rows found in it.
     */
    readonly days: readonly {
        readonly day: string;
        readonly why: "touched" | "reconciliation";
        readonly rows: number;
    }[];
    /** The full reconciliation, when it ran: over the days before `before`, how many differed. */
    readonly reconciledDays: { readonly before: string; readonly differing: number } | null;
    /** What the sweep's statements scanned (included in the entry's bytesScanned). */
    readonly bytesScanned: number;
}

/** One table's outcome in a run: a manifest entry and a log line. */
export interface TableRunEntry {
    readonly table: string;
    /** How the table is written (merge, insertOnly, snapshot). */
    readonly exportMode: ExportTableSpec["exportMode"];
    /** What the run read: the window (incremental), given days (backfill), or all (snapshot). */
    readonly mode: TableMode;
    readonly status: TableStatus;
    /** Days this run reads (lookback included); null for snapshots and tables with nothing to read. */
    readonly window: DayRange | null;
    /** Last day of the window whose chunk committed in this run (resume point). */
    readonly committedThrough: string | null;
    readonly chunks: { readonly done: number; readonly total: number };
    readonly rowsRead: number;
    readonly rowsInserted: number | null;
    readonly rowsUpdated: number | null;
    /** Files target: rows written (one per key). */
    readonly rowsWritten: number | null;
    readonly bytesScanned: number;
    /** Columns added to the target before merging, as `name type`. */
    readonly schemaChanges: readonly string[];
    /** Of the last chunk (per-chunk checks all had to pass). */
    readonly reconciliation: Reconciliation | null;
    /** The late-update sweep of days before the window; null when it did not run (see functions/sweep.ts). */
    readonly sweep: SweepEntry | null;
    readonly queryExecutionIds: readonly string[];
    /** The target table (iceberg) or the index of current folders (files). */
    readonly output: string | null;
    readonly watermarkBefore: string | null;
    readonly watermarkAfter: string | null;
    readonly error: string | null;
    /** Which attempt of the run produced this entry (a re-run keeps earlier successes). */
    readonly runAttempt: number;
    readonly startedAt: string;
    readonly durationMs: number;
}

export interface RunManifest {
    readonly manifestVersion: 2;
    readonly runId: string;
    readonly runDate: string;
    readonly scheduledTime: string | null;
    readonly trigger: ExportRequest["trigger"];
    readonly engine: string;
    readonly target: ExportTarget;
    readonly prefix: string;
    readonly status: "running" | "succeeded" | "failed" | "incomplete";
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
    readonly status: "succeeded" | "failed" | "incomplete";
    readonly runAttempt: number;
    readonly manifestLocation: string;
    /** Entries of the tables this invocation covered, in configuration order. */
    readonly tables: readonly TableRunEntry[];
    readonly failedTables: readonly string[];
    readonly rowsRead: number;
    readonly bytesScanned: number;
    readonly durationMs: number;
}

/** One table's maintenance outcome. */
export interface MaintenanceEntry {
    readonly table: string;
    readonly status: "succeeded" | "failed" | "skipped";
    readonly statements: readonly string[];
    readonly bytesScanned: number;
    readonly error: string | null;
}

export interface MaintenanceSummary {
    readonly runId: string;
    readonly status: "succeeded" | "failed";
    readonly tables: readonly MaintenanceEntry[];
    readonly durationMs: number;
}

/** One table's setup outcome: `created` (CREATE ran), `exists`, `skipped` (files target) or `failed`. */
export interface SetupEntry {
    readonly table: string;
    readonly status: "created" | "exists" | "skipped" | "failed";
    /** The target table (iceberg); null when there is none to create. */
    readonly output: string | null;
    /** Columns the table has (created) or was created with; null when unknown. */
    readonly columns: number | null;
    readonly error: string | null;
}

/** What the handler returns for {"setup": true}. */
export interface SetupSummary {
    readonly runId: string;
    readonly status: "succeeded" | "failed";
    readonly target: ExportTarget;
    readonly tables: readonly SetupEntry[];
    readonly durationMs: number;
}

/** One table a probe read: a source link or an export table. */
export interface ProbeEntry {
    readonly table: string;
    readonly kind: "link" | "export";
    /** "database"."table" as queried. */
    readonly name: string;
    readonly ok: boolean;
    readonly error: string | null;
}

/** What the handler returns for {"probe": true}: per table, whether the function's role can read it. */
export interface ProbeSummary {
    readonly runId: string;
    readonly status: "succeeded" | "failed";
    readonly tables: readonly ProbeEntry[];
    readonly durationMs: number;
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

/** What a statement is, for logs, retries and the local bytes-read estimate. */
export interface StatementInfo {
    readonly table: ExportTableSpec;
    /** create, alter, preview, merge, reconcile, bounds, days, unload, optimize, vacuum. */
    readonly step: string;
    /** 1-based attempt; a token for idempotent query starts. */
    readonly attempt: number;
    /** Source days the statement reads: a range, "all", or undefined when it reads no source. */
    readonly reads?: DayRange | "all" | readonly string[];
    /** The caller needs the result rows (aggregates only: a handful of rows). */
    readonly results?: boolean;
    /** The folder a statement writes files to (the engine may need to create it). */
    readonly output?: string;
}

export interface StatementResult {
    /** Result rows as text (numbers too), by column name. */
    readonly rows: readonly Readonly<Record<string, string | null>>[];
    readonly bytesScanned: number | null;
    readonly queryExecutionId: string | null;
    /** Rows an UNLOAD/COPY wrote, when the engine reports it. */
    readonly outputRows: number | null;
}

/** How one engine spells what the engine-neutral statements leave to it. Pure functions. */
export interface Dialect {
    readonly name: "athena" | "duckdb";
    /** `"db"."table"` of a source link or a target table. */
    qualified(database: string, table: string): string;
    /** Extra source predicate that prunes the lake's partitions (DuckDB's `dt`), if any. */
    sourcePrune(range: DayRange): string | undefined;
    /**
     * A column's value as comparable text (NULL stays NULL), the tie-break between two rows of one
     * key and version; undefined for a type the engine cannot render (left out of the tie-break).
     */
    text(column: Column): string | undefined;
    /** Whether a source column of `source` type is stored as `target` in the target. */
    sameType(source: string, target: string): boolean;
    /** Compaction and cleanup of a target (DuckDB locally; on AWS the Glue table optimizers do it). */
    maintenance(database: string, table: string): { readonly step: string; readonly sql: string }[];
    /** Writes a SELECT to the folder `uri`, partitioned by its last column `dt` when `partitioned`. */
    writeFiles(select: string, uri: string, format: ExportFormat, partitioned: boolean): string;
}

/** A target table to create. */
export interface TargetTable {
    readonly database: string;
    readonly table: string;
    readonly columns: readonly Column[];
    /** Partitioned by day of this column (Iceberg); DuckDB tables are not partitioned. */
    readonly partitionDay?: string;
}

export interface QueryEngine {
    /** "athena" or "duckdb"; recorded in the manifest. */
    readonly name: string;
    readonly dialect: Dialect;
    /** Real columns of a table's source (through its link); throws a clear error when it is missing. */
    sourceColumns(table: ExportTableSpec): Promise<Column[]>;
    /** Columns of the target table, or undefined when it does not exist yet. */
    targetColumns(database: string, table: string): Promise<Column[] | undefined>;
    /** Where the Iceberg table of `table` lives (an s3:// folder; a label locally). */
    targetLocation(table: string): string;
    /**
     * Creates the target table, partitioned by day of its time column (Athena: Glue CreateTable
     * with an Iceberg schema, no DDL; DuckDB: CREATE TABLE). One that exists already is left as it is.
     */
    createTarget(target: TargetTable): Promise<void>;
    /** Adds columns to an existing target (Athena: Glue UpdateTable with the new Iceberg schema; DuckDB: ALTER TABLE). */
    addTargetColumns(database: string, table: string, columns: readonly Column[]): Promise<void>;
    /**
     * Runs one statement. Throws an error with `retryable: true` for failures worth another attempt
     * (throttling, transient engine errors, Iceberg commit conflicts), and `code: "DEADLINE"` when it
     * stopped a query that would outrun the deadline.
     */
    run(sql: string, info: StatementInfo, control: JobControl): Promise<StatementResult>;
}

/** The exports bucket (S3) or the local exports folder. Keys use "/" separators. */
export interface ObjectStore {
    readonly name: string;
    /** Text of the object, or undefined when it does not exist. */
    getText(key: string): Promise<string | undefined>;
    /** Text and entity tag, or undefined when the object does not exist. */
    getTagged(key: string): Promise<{ readonly text: string; readonly tag: string } | undefined>;
    putText(key: string, text: string): Promise<void>;
    /**
     * Conditional write: creates the object only if absent (`ifTag` undefined) or replaces it only
     * if its tag is still `ifTag`. Returns the new tag, or undefined when the condition failed.
     */
    putIf(key: string, text: string, ifTag: string | undefined): Promise<string | undefined>;
    /** Keys under the prefix. */
    listKeys(prefix: string): Promise<string[]>;
    /** Deletes every object under the prefix (which ends with "/"); returns how many. */
    deletePrefix(prefix: string): Promise<number>;
    /** Where a key lives, for manifests and engines: s3://bucket/key or an absolute path. */
    uri(key: string): string;
}
