/**
 * Every config key, declared once: type, default, the stack that uses it, its description, and
 * for scalars the rule a value must meet. `Pulumi.yaml` and the key table of docs/configuration.md are generated
 * from this (`npm run docs:config`), and a test fails when they are stale.
 */
import {
    ACCOUNT_ID,
    ATHENA_WORKGROUP,
    DEFAULT_CONSUMER_DATABASE,
    DEFAULT_LAMBDA_ROLE_NAME,
    DEFAULT_PRODUCER_DATABASE,
    DEFAULT_TABLES,
    GLUE_NAME,
    IAM_ROLE_NAME,
    CONNECT_INSTANCE,
    DEFAULT_CHUNK_DAYS,
    DEFAULT_EXPORT_DATABASE,
    DEFAULT_LOOKBACK_DAYS,
    EXCLUSION_TAG_KEY,
    S3_BUCKET,
    RAM_SHARE_ARN,
    SLUG,
    STACK_NAME,
} from "../names";
import { scheduleProblem } from "./schedule";
import type { Side } from "./types";

/** The values CloudWatch Logs accepts for retentionInDays. */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * A key ARN, never an alias: "you must use its key ARN ... You cannot use a key id, alias name, or
 * alias ARN to identify a KMS key in an IAM policy statement" (kms/latest/developerguide/cmks-in-iam-policies.html).
 */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;

interface Common {
    readonly description: string;
    /** The side whose stack uses the key; undefined: both. */
    readonly side?: Side;
    /** No default: the stack file must set it. */
    readonly required?: boolean;
}

export type KeySpec = Common &
    (
        | {
              readonly type: "string";
              readonly default?: string;
              /** The value must be one of these. */
              readonly oneOf?: readonly string[];
              /** The value must match; `mustBe` says what that means, for the message. */
              readonly pattern?: RegExp;
              readonly mustBe?: string;
              /** A check the pattern cannot express: why the value is wrong, or undefined. */
              readonly check?: (value: string) => string | undefined;
          }
        | { readonly type: "boolean"; readonly default: boolean }
        | {
              readonly type: "number";
              readonly default: number;
              /** Whole numbers in [min, max]. */
              readonly min: number;
              readonly max: number;
              /** Only these values (CloudWatch's retention days). */
              readonly allowed?: readonly number[];
          }
        | { readonly type: "array"; readonly default: readonly unknown[]; readonly items?: "string" }
        | { readonly type: "object"; readonly default: Readonly<Record<string, unknown>> }
    );

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const glueName = "a valid Glue name (1-255 lowercase letters, digits and underscores)";

export const CONFIG_KEYS = {
    side: {
        type: "string",
        required: true,
        oneOf: ["producer", "consumer"],
        description: "Which account this stack manages: `producer` (owns the data lake) or `consumer` (analytics).",
    },
    dataSource: {
        type: "string",
        default: "producerCatalog",
        oneOf: ["producerCatalog", "connectAnalytics"],
        description:
            "Where the tables come from: `producerCatalog` (the producer owns them and grants them to the consumer's role) or " +
            "`connectAnalytics` (Amazon Connect's own catalog shares them: the producer is the Connect instance's account and " +
            "associates the datasets with the consumer account, which grants its own role).",
    },
    connectInstanceId: {
        type: "string",
        side: "producer",
        pattern: CONNECT_INSTANCE,
        mustBe: "an Amazon Connect instance id (a UUID) or its ARN (arn:aws:connect:<region>:<account>:instance/<id>)",
        description:
            "The Amazon Connect instance whose datasets are associated with the consumer account (dataSource connectAnalytics).",
    },
    connectInstanceIds: {
        type: "array",
        items: "string",
        default: [],
        side: "producer",
        description:
            "Several Connect instances whose datasets go to the consumers (dataSource connectAnalytics): ids or ARNs. Rows carry instance_id.",
    },
    consumers: {
        type: "array",
        default: [],
        side: "producer",
        description:
            "Several consumer accounts, each its own stack: `[{accountId, stack or roleName}]`. Given, it replaces consumerAccountId, consumerStack and lambdaRoleName for the producer.",
    },
    readers: {
        type: "array",
        default: [],
        side: "consumer",
        description:
            "Analysts' and BI principals of the consumer account: `[{principal, tables, rowFilter, excludedColumns}]`. Each gets a data cells filter per table (rows and columns) and SELECT on it, never on the table.",
    },
    producerAccountId: {
        type: "string",
        required: true,
        pattern: ACCOUNT_ID,
        mustBe: "a 12-digit AWS account id (quote it in YAML to keep leading zeros)",
        description: "12-digit AWS account id of the producer (data lake owner).",
    },
    consumerAccountId: {
        type: "string",
        // Required, except by a producer that lists `consumers` (checked in lib/config/sharing.ts).
        pattern: ACCOUNT_ID,
        mustBe: "a 12-digit AWS account id (quote it in YAML to keep leading zeros)",
        description: "12-digit AWS account id of the consumer (analytics).",
    },
    producerDatabaseName: {
        type: "string",
        default: DEFAULT_PRODUCER_DATABASE,
        pattern: GLUE_NAME,
        mustBe: glueName,
        description: "Glue database holding the shared tables in the producer catalog.",
    },
    consumerDatabaseName: {
        type: "string",
        default: DEFAULT_CONSUMER_DATABASE,
        pattern: GLUE_NAME,
        mustBe: glueName,
        description: "Glue database in the consumer catalog that holds the resource links.",
    },
    tables: {
        type: "array",
        default: [...DEFAULT_TABLES],
        description:
            "Tables to share. Each entry is a name or `{name, linkName, timeColumn, exportMode, primaryKey, versionColumn}`; linkName defaults to `<name>_link`, " +
            "timeColumn (the daily partition column, for incremental export) to the dataset's documented partition (`initiation_timestamp` for contacts/contact_record). " +
            "The export's fields (read only by a consumer with the export on) default to each Connect dataset's documented keys: " +
            "exportMode `merge` (key and version), `insertOnly` (key only: new keys inserted) or `snapshot` (no key: read whole and replaced).",
    },
    projectName: {
        type: "string",
        default: "connect-analytics",
        pattern: SLUG,
        mustBe: "a name that starts with a lowercase letter and has at most 28 lowercase letters, digits or hyphens (it is part of S3 bucket names)",
        description: "Prefix for resource names and the `project` tag.",
    },
    environment: {
        type: "string",
        default: "dev",
        pattern: SLUG,
        mustBe: "a name that starts with a lowercase letter and has at most 28 lowercase letters, digits or hyphens (it is part of S3 bucket names)",
        description: "Environment name for the `environment` tag and resource names.",
    },
    enableResourceLinks: {
        type: "boolean",
        default: true,
        description: "Create the resource links and their DESCRIBE grants (consumer).",
    },
    enableLambdaExport: {
        type: "boolean",
        default: true,
        description: "Create the scheduled Athena export Lambda and its buckets and workgroup (consumer).",
    },
    lambdaRoleName: {
        type: "string",
        default: DEFAULT_LAMBDA_ROLE_NAME,
        pattern: IAM_ROLE_NAME,
        mustBe: "1-64 characters of letters, digits and +=,.@_- (an IAM role name)",
        description: "Exact name of the Lambda execution role; the producer's grants name it, so it is not auto-named.",
    },
    enableCloudwatchLogging: { type: "boolean", default: false, description: "DEBUG log level for the export Lambda." },
    enableDetailedMonitoring: {
        type: "boolean",
        default: false,
        description: "CloudWatch alarms on Errors and Throttles, and X-Ray tracing.",
    },
    producerStack: {
        type: "string",
        side: "consumer",
        pattern: STACK_NAME,
        mustBe: "a stack name like `org/connect-analytics/producer`",
        description:
            "Producer stack to read through a StackReference (`org/connect-analytics/producer`). Unset: use this file's values.",
    },
    consumerStack: {
        type: "string",
        side: "producer",
        pattern: STACK_NAME,
        mustBe: "a stack name like `org/connect-analytics/consumer`",
        description: "Consumer stack whose `lambdaRoleArn` output the grants name (`org/connect-analytics/consumer`).",
    },
    grantWithGrantOption: {
        type: "boolean",
        default: false,
        side: "producer",
        description: "Give the consumer role the grant option on what it receives. Off: least privilege.",
    },
    sharingMode: {
        type: "string",
        default: "named",
        oneOf: ["named", "lfTags"],
        description:
            "How the producer shares: `named` (grants per table) or `lfTags` (grants on an LF-tag expression; the consumer re-grants to its role).",
    },
    lfTags: {
        type: "object",
        default: { domain: "connect", [EXCLUSION_TAG_KEY]: "general" },
        description:
            "LF-tags (key: value) assigned to every shared table in `lfTags` mode; grants use them as the expression.",
    },
    excludedColumns: {
        type: "object",
        default: {},
        description:
            "Columns withheld from the consumer, per table (`{users: [email]}`); SELECT becomes all columns but these.",
    },
    manageDataLakeSettings: {
        type: "boolean",
        default: false,
        description:
            "Manage this account's Lake Formation settings (account-wide: opt in per stack). Settings you do not set here are kept.",
    },
    dataLakeAdmins: {
        type: "array",
        items: "string",
        default: [],
        description:
            "IAM role/user ARNs added as Lake Formation admins (existing admins are kept). Only with manageDataLakeSettings.",
    },
    crossAccountVersion: {
        type: "string",
        default: "4",
        oneOf: ["1", "2", "3", "4"],
        description:
            'CROSS_ACCOUNT_VERSION to set with manageDataLakeSettings ("1"-"4"); grants to the consumer\'s role need 3 or later.',
    },
    ramShareArn: {
        type: "string",
        pattern: RAM_SHARE_ARN,
        mustBe: "a RAM resource share ARN (arn:aws:ram:<region>:<producer account>:resource-share/<id>)",
        description:
            "RAM share of the producer's grants, when the accounts are not in one organization. Producer: exported for the consumer. " +
            "Consumer: accepted before the links (unset: the producer's output).",
    },
    athenaWorkgroupName: {
        type: "string",
        default: "connect_analytics_workgroup",
        side: "consumer",
        pattern: ATHENA_WORKGROUP,
        mustBe: "1-128 letters, digits, '.', '_' or '-'",
        description: "Athena workgroup of the export.",
    },
    exportSchedule: {
        type: "string",
        default: "cron(0 2 * * ? *)",
        side: "consumer",
        check: scheduleProblem,
        description: "EventBridge Scheduler expression for the export (default daily 02:00 UTC).",
    },
    exportTarget: {
        type: "string",
        default: "iceberg",
        side: "consumer",
        oneOf: ["iceberg", "files"],
        description:
            "What the export produces: `iceberg` (one Iceberg table per exported table in `exportDatabaseName`, one current row per primary key) or `files` (a folder per data day, replaced when re-read).",
    },
    exportDatabaseName: {
        type: "string",
        default: DEFAULT_EXPORT_DATABASE,
        side: "consumer",
        pattern: GLUE_NAME,
        mustBe: glueName,
        description:
            "Glue database of the export's Iceberg tables (the stack creates it; the export creates its tables).",
    },
    exportFormat: {
        type: "string",
        default: "parquet",
        side: "consumer",
        oneOf: ["parquet", "csv"],
        description: "File format of the `files` target: `parquet` (Snappy) or `csv`.",
    },
    lookbackDays: {
        type: "number",
        default: DEFAULT_LOOKBACK_DAYS,
        min: 0,
        max: 90,
        side: "consumer",
        description:
            "Days before the watermark each run reads again, for late and updated records (Connect delivers at least once and updates records after they land).",
    },
    fullReconciliationDays: {
        type: "number",
        default: 30,
        min: 0,
        max: 400,
        side: "consumer",
        description:
            "Days between full reconciliations of each time-partitioned table: distinct keys and newest version per day over the whole retained source, against the target; the days that differ are merged again (the files target, with no table to compare, rewrites every retained day). 0: never (the daily late-update sweep still runs).",
    },
    exportChunkDays: {
        type: "number",
        default: DEFAULT_CHUNK_DAYS,
        min: 1,
        max: 100,
        side: "consumer",
        description: "Days each MERGE of a first load or backfill covers; each chunk commits and moves the watermark.",
    },
    exportReaders: {
        type: "array",
        default: [],
        items: "string",
        side: "consumer",
        description:
            "IAM role or user ARNs of the consumer account (QuickSight, analysts) given DESCRIBE and SELECT on every export table.",
    },
    alarmEmail: {
        type: "string",
        side: "consumer",
        pattern: EMAIL,
        mustBe: "an email address",
        description:
            "Subscribed to the export's alarm topic (SNS sends a confirmation mail first). Unset: subscribe someone to the topic yourself.",
    },
    accessLogsBucket: {
        type: "string",
        side: "consumer",
        pattern: S3_BUCKET,
        mustBe: "an S3 bucket name",
        description:
            "Existing bucket receiving the exports bucket's server access logs. Unset: the stack makes a logs bucket.",
    },
    exportPrefix: {
        type: "string",
        default: "connect",
        side: "consumer",
        description:
            "Key prefix of the exports in the exports bucket (at most 256 characters: S3 keys stop at 1,024 bytes).",
    },
    bytesScannedCutoffPerQuery: {
        type: "number",
        default: 10 * 1024 ** 3,
        min: 10_000_000,
        max: Number.MAX_SAFE_INTEGER,
        side: "consumer",
        description: "Athena cancels any query of the workgroup that scans more bytes (minimum 10 MB).",
    },
    logRetentionDays: {
        type: "number",
        default: 30,
        min: 1,
        max: 3653,
        allowed: LOG_RETENTION_DAYS,
        side: "consumer",
        description: "Retention of the export Lambda's log group, in days.",
    },
    athenaResultsExpirationDays: {
        type: "number",
        default: 7,
        min: 1,
        max: 3650,
        side: "consumer",
        description: "Days before Athena query results expire.",
    },
    exportsTransitionDays: {
        type: "number",
        default: 30,
        min: 30,
        max: 3650,
        side: "consumer",
        description: "Days before exports move to S3 Standard-IA (and 90 more to Glacier Instant Retrieval).",
    },
    lambdaTimeoutSeconds: {
        type: "number",
        default: 900,
        min: 60,
        max: 900,
        side: "consumer",
        description: "Export Lambda timeout (max 900).",
    },
    lambdaMemoryMb: {
        type: "number",
        default: 512,
        min: 128,
        max: 10240,
        side: "consumer",
        description: "Export Lambda memory.",
    },
    kmsKeyArn: {
        type: "string",
        side: "consumer",
        pattern: KMS_KEY_ARN,
        mustBe:
            "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias: the role's policy names the key, " +
            "and a policy naming an alias authorizes the alias, not the key behind it",
        description:
            "Customer managed KMS key for the buckets, Athena results, logs and Lambda environment; its key policy must let S3, CloudWatch Logs and the role use it. Unset: SSE-S3.",
    },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/**
 * Keys that were renamed: a stack file still setting one gets an error naming the new key
 * (never silently ignored: the meaning may have moved with the name).
 */
export const RENAMED_KEYS: Readonly<Record<string, { readonly to: ConfigKey; readonly why: string }>> = {
    lateDataOverlapDays: {
        to: "lookbackDays",
        why: "re-read days are now merged (one row per key), not exported again, and the default is 3",
    },
};

/** Keys that no longer do anything: a stack file setting one is told so (a warning), never silently ignored. */
export const REMOVED_KEYS: Readonly<Record<string, string>> = {
    maintenanceSchedule:
        "the Glue table optimizers (compaction, snapshot retention, orphan file deletion) maintain the export's Iceberg tables; Athena runs no OPTIMIZE or VACUUM on Lake Formation-registered Iceberg tables",
};

/** Every key's spec, for code that walks them all. */
export const KEY_SPECS: ReadonlyArray<readonly [ConfigKey, KeySpec]> = Object.entries(CONFIG_KEYS) as Array<
    [ConfigKey, KeySpec]
>;

/** Keys Pulumi's project schema cannot type (maps, and lists of mixed entries): documented in comments. */
export const isStructured = (spec: KeySpec) => spec.type === "object" || (spec.type === "array" && !spec.items);
