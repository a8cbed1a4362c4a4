import type { ExportMode } from "../connectDatasets";

/** One consumer account of a producer: its stack (whose outputs name the role), or the role's name. */
export interface ConsumerTarget {
    readonly accountId: string;
    /** The consumer's stack, read through a StackReference (`org/project/stack`). */
    readonly stack?: string;
    /** The querying role's name; the role ARN is derived from it when no stack is given. */
    readonly roleName: string;
}

/**
 * The typed configuration a stack runs with. Field names are the config keys' names: a value
 * keeps its name from `Pulumi.<stack>.yaml` through the component args to the permission model.
 */

export type Side = "producer" | "consumer";
export type ExportTarget = "iceberg" | "files";
export type ExportFormat = "parquet" | "csv";
export type SharingMode = "named" | "lfTags";
export type CrossAccountVersion = "1" | "2" | "3" | "4";
/** Where the tables come from (config `dataSource`). */
export type DataSource = "producerCatalog" | "connectAnalytics";

/** A principal of the consumer account that reads some tables, rows and columns (config `readers`). */
export interface ReaderConfig {
    /** IAM role or user ARN, in the consumer account. */
    readonly principal: string;
    /** The shared tables it reads (their `name`). */
    readonly tables: readonly string[];
    /** The row filter, rendered to Lake Formation's PartiQL subset (lib/rowFilter.ts); undefined: all rows. */
    readonly rowFilter?: string;
    /** Columns withheld from it, per table. */
    readonly excludedColumns: Readonly<Record<string, readonly string[]>>;
}

/** One shared table and the resource link that points to it (config `tables`, `excludedColumns`). */
export interface TableConfig {
    /** Table name in the producer database (the Connect dataset name). */
    readonly name: string;
    /** Name of the resource link in the consumer database. Default `<name>_link`. */
    readonly linkName: string;
    /**
     * Timestamp column the table is partitioned on; the export reads such a table
     * incrementally from a watermark. Undefined: exported as a full snapshot.
     */
    readonly timeColumn?: string;
    /** Columns withheld from the consumer (config `excludedColumns`); absent when none. */
    readonly excludedColumns?: readonly string[];
    /** Columns identifying a record: the export keeps one row per key. Known Connect datasets: filled in. */
    readonly primaryKey?: readonly string[];
    /** Column whose greatest value is a record's latest version. Known Connect datasets: filled in. */
    readonly versionColumn?: string;
    /**
     * How the export writes the table (where the export runs; filled in there): `merge` (key and
     * version), `insertOnly` (new keys only), `snapshot` (read whole and replaced).
     */
    readonly exportMode?: ExportMode;
}

/** Account-wide Lake Formation settings, managed only when the stack opts in. */
export interface DataLakeSettingsConfig {
    readonly manageDataLakeSettings: boolean;
    /** Added to the current admins; existing admins are kept. */
    readonly dataLakeAdmins: readonly string[];
    readonly crossAccountVersion: CrossAccountVersion;
}

/** Settings of the scheduled Athena export (consumer stack). */
export interface ExportConfig {
    readonly athenaWorkgroupName: string;
    /** EventBridge Scheduler expression, e.g. `cron(0 2 * * ? *)`. */
    readonly exportSchedule: string;
    /** `iceberg`: one Iceberg table per exported table. `files`: a folder per data day. */
    readonly exportTarget: ExportTarget;
    /** Glue database of the Iceberg tables. */
    readonly exportDatabaseName: string;
    /** File format of the `files` target. */
    readonly exportFormat: ExportFormat;
    /** Key prefix under the exports bucket. */
    readonly exportPrefix: string;
    readonly bytesScannedCutoffPerQuery: number;
    readonly logRetentionDays: number;
    /** Days before the watermark each run reads again (config `lookbackDays`, or its old name). */
    readonly lookbackDays: number;
    readonly exportChunkDays: number;
    /** Days between full reconciliations of each time-partitioned table (0: never). */
    readonly fullReconciliationDays: number;
    /** Principals given DESCRIBE and SELECT on the export tables. */
    readonly exportReaders: readonly string[];
    /** Subscribed to the alarm topic; undefined: nobody is. */
    readonly alarmEmail?: string;
    /** Existing bucket for the exports bucket's access logs; undefined: the stack makes one. */
    readonly accessLogsBucket?: string;
    readonly athenaResultsExpirationDays: number;
    readonly exportsTransitionDays: number;
    readonly lambdaTimeoutSeconds: number;
    readonly lambdaMemoryMb: number;
    /** Customer managed KMS key for buckets and Athena results; SSE-S3 when undefined. */
    readonly kmsKeyArn?: string;
}

export interface AppConfig {
    readonly side: Side;
    /** `producerCatalog`: the producer owns the tables. `connectAnalytics`: Connect's catalog shares them. */
    readonly dataSource: DataSource;
    /** Producer, `connectAnalytics`: the Connect instance id (an ARN given in config is reduced to its id). */
    readonly connectInstanceId?: string;
    /** Producer, `connectAnalytics`: every instance (`connectInstanceId` and `connectInstanceIds`), as ids. */
    readonly connectInstanceIds: readonly string[];
    /** Producer: the consumer accounts it shares with (`consumers`, else the single-consumer keys). */
    readonly consumers: readonly ConsumerTarget[];
    /** Consumer: its readers, with rendered row filters. */
    readonly readers: readonly ReaderConfig[];
    readonly region: string;
    readonly producerAccountId: string;
    readonly consumerAccountId: string;
    readonly producerDatabaseName: string;
    readonly consumerDatabaseName: string;
    readonly tables: readonly TableConfig[];
    readonly projectName: string;
    readonly environment: string;
    readonly enableResourceLinks: boolean;
    readonly enableLambdaExport: boolean;
    readonly lambdaRoleName: string;
    readonly enableCloudwatchLogging: boolean;
    readonly enableDetailedMonitoring: boolean;
    /** Consumer only: the producer stack to read through a StackReference. */
    readonly producerStack?: string;
    /** Producer only: the consumer stack to read through a StackReference. */
    readonly consumerStack?: string;
    /** Producer only: let the consumer role re-grant what it receives. */
    readonly grantWithGrantOption: boolean;
    /** `named`: grants name each table. `lfTags`: grants name an LF-tag expression. */
    readonly sharingMode: SharingMode;
    /** LF-tags (key: value) on every shared table; the expression of `lfTags` grants. */
    readonly lfTags: Readonly<Record<string, string>>;
    readonly dataLakeSettings: DataLakeSettingsConfig;
    /** Consumer: RAM share to accept (accounts outside one organization). */
    readonly ramShareArn?: string;
    readonly export: ExportConfig;
    /** Tags applied to every taggable resource. */
    readonly tags: Readonly<Record<string, string>>;
}

export interface ConfigIssue {
    /** Fully qualified key, e.g. `connect-analytics:tables`. */
    readonly key: string;
    readonly message: string;
}

export class ConfigError extends Error {
    constructor(readonly issues: readonly ConfigIssue[]) {
        super(
            `invalid configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
                issues.map((i) => `  - ${i.key}: ${i.message}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}
