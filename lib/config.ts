/**
 * The one place where stack configuration is read and validated.
 *
 * `parseConfig` is pure: it takes the flat key/value map that Pulumi hands a program
 * (`pulumi.runtime.allConfig()`: keys like `connect-analytics:tables`, values as strings,
 * structured values JSON-encoded) and returns a typed, defaulted `AppConfig`, or throws a
 * `ConfigError` that lists every problem at once, each naming its key and the fix.
 */

export const CONFIG_NAMESPACE = "connect-analytics";

import { connectColumnNames } from "./connectSchema";

export type Side = "producer" | "consumer";
export type ExportFormat = "parquet" | "csv";
export type SharingMode = "named" | "lfTags";

/** One shared table and the resource link that points to it. */
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
}

/** Account-wide Lake Formation settings, managed only when the stack opts in. */
export interface DataLakeSettingsConfig {
    readonly manage: boolean;
    /** Added to the current admins; existing admins are kept. */
    readonly admins: readonly string[];
    readonly crossAccountVersion: "1" | "2" | "3" | "4";
}

/** The LF-tag that marks excluded columns in `lfTags` mode, and the value it takes there. */
export const EXCLUSION_TAG_KEY = "sensitivity";
export const EXCLUSION_TAG_VALUE = "restricted";

/** Settings of the scheduled Athena export (consumer stack). */
export interface ExportConfig {
    readonly workgroupName: string;
    /** EventBridge Scheduler expression, e.g. `cron(0 2 * * ? *)`. */
    readonly schedule: string;
    readonly format: ExportFormat;
    /** Key prefix under the exports bucket. */
    readonly prefix: string;
    readonly bytesScannedCutoffPerQuery: number;
    readonly logRetentionDays: number;
    readonly lateDataOverlapDays: number;
    readonly resultsExpirationDays: number;
    readonly exportsTransitionDays: number;
    readonly timeoutSeconds: number;
    readonly memorySizeMb: number;
    /** Customer managed KMS key for buckets and Athena results; SSE-S3 when undefined. */
    readonly kmsKeyArn?: string;
}

export interface AppConfig {
    readonly side: Side;
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

type KeyType = "string" | "boolean" | "number" | "array" | "object";

/** Declaration of one config key: the source for validation, Pulumi.yaml and the README. */
export interface KeySpec {
    readonly type: KeyType;
    readonly description: string;
    /** Default value; undefined means "no default" (required or optional, see `required`). */
    readonly default?: unknown;
    readonly required?: boolean;
    /** For lists of plain strings, which Pulumi.yaml can declare. */
    readonly items?: "string";
    /** The side whose stack uses the key; undefined: both. */
    readonly side?: Side;
}

export const DEFAULT_TABLES = ["users", "contacts", "agent_hierarchy_groups"] as const;

/** Connect's time-partitioned datasets and their partition column. */
export const DEFAULT_TIME_COLUMNS: Readonly<Record<string, string>> = {
    contacts: "initiation_timestamp",
    contact_record: "initiation_timestamp",
};

export const CONFIG_KEYS: Readonly<Record<string, KeySpec>> = {
    side: {
        type: "string",
        required: true,
        description: "Which account this stack manages: `producer` (owns the data lake) or `consumer` (analytics).",
    },
    producerAccountId: {
        type: "string",
        required: true,
        description: "12-digit AWS account id of the producer (data lake owner).",
    },
    consumerAccountId: {
        type: "string",
        required: true,
        description: "12-digit AWS account id of the consumer (analytics).",
    },
    producerDatabaseName: {
        type: "string",
        default: "connect_datalake",
        description: "Glue database holding the shared tables in the producer catalog.",
    },
    consumerDatabaseName: {
        type: "string",
        default: "connect_analytics_consumer",
        description: "Glue database in the consumer catalog that holds the resource links.",
    },
    tables: {
        type: "array",
        default: [...DEFAULT_TABLES],
        description:
            "Tables to share. Each entry is a name or `{name, linkName, timeColumn}`; linkName defaults to `<name>_link`, " +
            "timeColumn (the daily partition column, for incremental export) to `initiation_timestamp` for contacts/contact_record.",
    },
    projectName: {
        type: "string",
        default: "connect-analytics",
        description: "Prefix for resource names and the `project` tag.",
    },
    environment: {
        type: "string",
        default: "dev",
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
        default: "connect-analytics-lambda-execution-role",
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
        description:
            "Producer stack to read through a StackReference (`org/connect-analytics/producer`). Unset: use this file's values.",
    },
    consumerStack: {
        type: "string",
        side: "producer",
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
        description:
            'CROSS_ACCOUNT_VERSION to set with manageDataLakeSettings ("1"-"4"); grants to the consumer\'s role need 3 or later.',
    },
    ramShareArn: {
        type: "string",
        description:
            "RAM share of the producer's grants, when the accounts are not in one organization. Producer: exported for the consumer. " +
            "Consumer: accepted before the links (unset: the producer's output).",
    },
    athenaWorkgroupName: {
        type: "string",
        default: "connect_analytics_workgroup",
        side: "consumer",
        description: "Athena workgroup of the export.",
    },
    exportSchedule: {
        type: "string",
        default: "cron(0 2 * * ? *)",
        side: "consumer",
        description: "EventBridge Scheduler expression for the export (default daily 02:00 UTC).",
    },
    exportFormat: {
        type: "string",
        default: "parquet",
        side: "consumer",
        description: "Export file format: `parquet` (Snappy) or `csv`.",
    },
    exportPrefix: {
        type: "string",
        default: "connect",
        side: "consumer",
        description: "Key prefix of the exports in the exports bucket.",
    },
    bytesScannedCutoffPerQuery: {
        type: "number",
        default: 10 * 1024 ** 3,
        side: "consumer",
        description: "Athena cancels any query of the workgroup that scans more bytes (minimum 10 MB).",
    },
    logRetentionDays: {
        type: "number",
        default: 30,
        side: "consumer",
        description: "Retention of the export Lambda's log group, in days.",
    },
    lateDataOverlapDays: {
        type: "number",
        default: 1,
        side: "consumer",
        description: "Daily partitions before the watermark that each incremental run reads again, for late data.",
    },
    athenaResultsExpirationDays: {
        type: "number",
        default: 7,
        side: "consumer",
        description: "Days before Athena query results expire.",
    },
    exportsTransitionDays: {
        type: "number",
        default: 30,
        side: "consumer",
        description: "Days before exports move to S3 Standard-IA (and 90 more to Glacier Instant Retrieval).",
    },
    lambdaTimeoutSeconds: {
        type: "number",
        default: 900,
        side: "consumer",
        description: "Export Lambda timeout (max 900).",
    },
    lambdaMemoryMb: { type: "number", default: 512, side: "consumer", description: "Export Lambda memory." },
    kmsKeyArn: {
        type: "string",
        side: "consumer",
        description:
            "Customer managed KMS key for the buckets, Athena results, logs and Lambda environment; its key policy must let S3, CloudWatch Logs and the role use it. Unset: SSE-S3.",
    },
};

export const ACCOUNT_ID = /^\d{12}$/;
export const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const SLUG = /^[a-z][a-z0-9-]{0,27}$/;
const STACK_NAME = /^([\w.-]+\/){0,2}[\w.-]+$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\)|at\(.+\))$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/;
/** The values CloudWatch Logs accepts for retentionInDays. */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export interface ParseOptions {
    /** Receives non-fatal findings (unknown keys, keys of the other side). */
    readonly warn?: (issue: ConfigIssue) => void;
}

/** Parses and validates the flat Pulumi config map. Throws `ConfigError` listing every problem. */
export function parseConfig(raw: Readonly<Record<string, string>>, options: ParseOptions = {}): AppConfig {
    const issues: ConfigIssue[] = [];
    const fail = (key: string, message: string) => issues.push({ key: qualify(key), message });
    const warn = (key: string, message: string) => options.warn?.({ key: qualify(key), message });

    const values: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        const [ns, key] = splitKey(fullKey);
        if (ns !== CONFIG_NAMESPACE) continue;
        const spec = CONFIG_KEYS[key];
        if (!spec) {
            warn(key, `unknown key, ignored. Known keys: ${Object.keys(CONFIG_KEYS).join(", ")}.`);
            continue;
        }
        const decoded = decode(text, spec.type);
        if (decoded.error) fail(key, decoded.error);
        else values[key] = decoded.value;
    }
    // Optional strings are declared in Pulumi.yaml with default "" (a declared key without a
    // default would be required), so "" means unset.
    const isSet = (key: string) => key in values && (values[key] !== "" || CONFIG_KEYS[key].default !== undefined);
    const get = <T>(key: string): T => (isSet(key) ? values[key] : CONFIG_KEYS[key].default) as T;

    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
        if (spec.required && get(key) === undefined && !issues.some((i) => i.key === qualify(key))) {
            fail(key, `required. Set it with \`pulumi config set ${qualify(key)} <value>\`. ${spec.description}`);
        }
    }

    const side = get<string>("side");
    if (side !== undefined && side !== "producer" && side !== "consumer") {
        fail("side", `must be "producer" or "consumer", got ${JSON.stringify(side)}.`);
    }
    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
        const setHere = key in values && !isDefault(values[key], spec.default);
        if (spec.side && setHere && (side === "producer" || side === "consumer") && spec.side !== side) {
            warn(
                key,
                `only used by the ${spec.side} stack; this stack is the ${side}. Remove it from this stack's file.`,
            );
        }
    }

    const region = raw["aws:region"];
    if (!region) fail("aws:region", "required. Set it with `pulumi config set aws:region ap-southeast-2`.");
    else if (!REGION.test(region)) {
        fail("aws:region", `${JSON.stringify(region)} is not an AWS region name like ap-southeast-2.`);
    }
    // The grants and LF-tags use the aws-native provider, which reads its own region key.
    const nativeRegion = raw["aws-native:region"];
    if (region && nativeRegion !== region) {
        fail(
            "aws-native:region",
            nativeRegion === undefined
                ? `required by the aws-native provider (Lake Formation grants). Set it to aws:region: \`pulumi config set aws-native:region ${region}\`.`
                : `is ${nativeRegion} but aws:region is ${region}; both providers must work in one region.`,
        );
    }

    const producerAccountId = get<string>("producerAccountId");
    const consumerAccountId = get<string>("consumerAccountId");
    for (const key of ["producerAccountId", "consumerAccountId"]) {
        const v = get<string>(key);
        if (v !== undefined && !ACCOUNT_ID.test(v)) {
            fail(
                key,
                `must be a 12-digit AWS account id (quote it in YAML to keep leading zeros), got ${JSON.stringify(v)}.`,
            );
        }
    }
    if (producerAccountId && producerAccountId === consumerAccountId) {
        fail("consumerAccountId", "must differ from producerAccountId: this project shares across two accounts.");
    }

    for (const key of ["producerDatabaseName", "consumerDatabaseName"]) {
        checkGlueName(get<string>(key), key, fail);
    }

    const tables = parseTables(get<unknown[]>("tables"), fail);

    const lambdaRoleName = get<string>("lambdaRoleName");
    if (!IAM_ROLE_NAME.test(lambdaRoleName)) {
        fail("lambdaRoleName", "must be 1-64 characters of letters, digits and +=,.@_- (an IAM role name).");
    }
    for (const key of ["projectName", "environment"]) {
        if (!SLUG.test(get<string>(key))) {
            fail(
                key,
                "must start with a lowercase letter and be at most 28 lowercase letters, digits or hyphens (it is part of S3 bucket names).",
            );
        }
    }
    for (const key of ["producerStack", "consumerStack"]) {
        const v = get<string | undefined>(key);
        if (v !== undefined && !STACK_NAME.test(v)) {
            fail(key, `must be a stack name like \`org/connect-analytics/${key.replace("Stack", "")}\`.`);
        }
    }

    const governance = parseGovernance(get, fail, tables, side as Side);
    const exportConfig = parseExport(get, fail);
    const longestBucket = `${get<string>("projectName")}-${get<string>("environment")}-athena-results-${"0".repeat(12)}`;
    if (longestBucket.length > 63) {
        fail(
            "environment",
            `projectName and environment together are too long for S3 bucket names (${longestBucket.length} > 63 characters); shorten either.`,
        );
    }

    if (issues.length > 0) throw new ConfigError(issues);

    const projectName = get<string>("projectName");
    const environment = get<string>("environment");
    return {
        side: side as Side,
        region: region!,
        producerAccountId,
        consumerAccountId,
        producerDatabaseName: get<string>("producerDatabaseName"),
        consumerDatabaseName: get<string>("consumerDatabaseName"),
        tables: governance.tables,
        projectName,
        environment,
        enableResourceLinks: get<boolean>("enableResourceLinks"),
        enableLambdaExport: get<boolean>("enableLambdaExport"),
        lambdaRoleName,
        enableCloudwatchLogging: get<boolean>("enableCloudwatchLogging"),
        enableDetailedMonitoring: get<boolean>("enableDetailedMonitoring"),
        producerStack: get<string | undefined>("producerStack"),
        consumerStack: get<string | undefined>("consumerStack"),
        grantWithGrantOption: get<boolean>("grantWithGrantOption"),
        sharingMode: get<SharingMode>("sharingMode"),
        lfTags: get<Record<string, string>>("lfTags"),
        dataLakeSettings: governance.dataLakeSettings,
        ramShareArn: get<string | undefined>("ramShareArn"),
        export: exportConfig,
        tags: { project: projectName, environment, "managed-by": "pulumi" },
    };
}

type Fail = (key: string, message: string) => void;

function parseTables(entries: unknown[], fail: Fail): TableConfig[] {
    if (entries.length === 0) {
        fail("tables", "must list at least one table, e.g. [users, contacts, agent_hierarchy_groups].");
        return [];
    }
    const tables: TableConfig[] = [];
    entries.forEach((entry, index) => {
        const where = `tables[${index}]`;
        let name: unknown;
        let linkName: unknown;
        let timeColumn: unknown;
        if (typeof entry === "string") {
            name = entry;
        } else if (entry && typeof entry === "object" && !Array.isArray(entry)) {
            const { name: n, linkName: l, timeColumn: t, ...rest } = entry as Record<string, unknown>;
            [name, linkName, timeColumn] = [n, l, t];
            for (const extra of Object.keys(rest)) {
                fail("tables", `${where} has unknown field "${extra}"; allowed: name, linkName, timeColumn.`);
            }
        } else {
            fail(
                "tables",
                `${where} must be a table name or {name, linkName, timeColumn}, got ${JSON.stringify(entry)}.`,
            );
            return;
        }
        if (typeof name !== "string") {
            fail("tables", `${where} needs a string "name".`);
            return;
        }
        if (!checkGlueName(name, "tables", fail, `${where} name`)) return;
        if (linkName !== undefined && typeof linkName !== "string") {
            fail("tables", `${where} "linkName" must be a string.`);
            return;
        }
        if (timeColumn !== undefined && timeColumn !== null && typeof timeColumn !== "string") {
            fail("tables", `${where} "timeColumn" must be a column name, or null for a snapshot table.`);
            return;
        }
        const link = (linkName as string | undefined) ?? `${name}_link`;
        if (!checkGlueName(link, "tables", fail, `${where} linkName`)) return;
        const column =
            timeColumn === null ? undefined : ((timeColumn as string | undefined) ?? DEFAULT_TIME_COLUMNS[name]);
        if (column !== undefined && !checkGlueName(column, "tables", fail, `${where} timeColumn`)) return;
        tables.push(column === undefined ? { name, linkName: link } : { name, linkName: link, timeColumn: column });
    });
    for (const field of ["name", "linkName"] as const) {
        const seen = new Map<string, number>();
        tables.forEach((t) => seen.set(t[field], (seen.get(t[field]) ?? 0) + 1));
        for (const [value, count] of seen) {
            if (count > 1) {
                fail(
                    "tables",
                    `${field === "name" ? "table" : "link name"} "${value}" appears ${count} times; each must be unique` +
                        (field === "linkName" ? " (set a distinct linkName)." : " (remove the duplicate)."),
                );
            }
        }
    }
    return tables;
}

const LF_TAG_TEXT = /^[\w.:/=+@%-]{1,128}$/;
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/;
const RAM_SHARE_ARN = /^arn:aws[a-z-]*:ram:[a-z0-9-]+:\d{12}:resource-share\/[\w-]+$/;

function parseGovernance(
    get: <T>(key: string) => T,
    fail: Fail,
    tables: TableConfig[],
    side: Side,
): { tables: TableConfig[]; dataLakeSettings: DataLakeSettingsConfig } {
    const mode = get<string>("sharingMode");
    if (mode !== "named" && mode !== "lfTags") {
        fail("sharingMode", `must be "named" or "lfTags", got ${JSON.stringify(mode)}.`);
    }

    const lfTags = get<Record<string, unknown>>("lfTags");
    for (const [key, value] of Object.entries(lfTags)) {
        if (!LF_TAG_TEXT.test(key)) {
            fail("lfTags", `tag key ${JSON.stringify(key)} must be 1-128 letters, digits or _.:/=+@%-.`);
        }
        if (typeof value !== "string" || !LF_TAG_TEXT.test(value)) {
            fail(
                "lfTags",
                `value of ${key} must be one tag value (1-128 letters, digits or _.:/=+@%-), got ${JSON.stringify(value)}.`,
            );
        }
    }
    if (mode === "lfTags" && Object.keys(lfTags).length === 0) {
        fail("lfTags", "must hold at least one key: value in lfTags sharing mode.");
    }

    const excluded = get<Record<string, unknown>>("excludedColumns");
    const byTable = new Map(tables.map((t) => [t.name, t]));
    const exclusions = new Map<string, string[]>();
    for (const [table, columns] of Object.entries(excluded)) {
        const where = `excludedColumns.${table}`;
        const spec = byTable.get(table);
        if (!spec) {
            fail("excludedColumns", `${where}: "${table}" is not in tables (${[...byTable.keys()].join(", ")}).`);
            continue;
        }
        if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === "string")) {
            fail("excludedColumns", `${where} must be a non-empty list of column names.`);
            continue;
        }
        const known = connectColumnNames(table);
        const problems = columns.filter((c) => !GLUE_NAME.test(c) || (known !== undefined && !known.includes(c)));
        if (problems.length > 0) {
            fail(
                "excludedColumns",
                `${where}: ${problems.join(", ")} ${problems.length === 1 ? "is not a column" : "are not columns"} of ${table}` +
                    (known
                        ? ` (known columns: ${known.join(", ")}).`
                        : " (column names are lowercase letters, digits and underscores)."),
            );
            continue;
        }
        const duplicates = columns.filter((c, i) => columns.indexOf(c) !== i);
        if (duplicates.length > 0) fail("excludedColumns", `${where} lists ${duplicates.join(", ")} more than once.`);
        if (spec.timeColumn && columns.includes(spec.timeColumn)) {
            fail(
                "excludedColumns",
                `${where}: cannot exclude ${spec.timeColumn}, the column the export reads ${table} incrementally by.`,
            );
        }
        if (known && columns.length >= known.length) {
            fail("excludedColumns", `${where} excludes every column; remove ${table} from tables instead.`);
        }
        exclusions.set(table, [...columns].sort());
    }
    if (mode === "lfTags" && exclusions.size > 0) {
        if (!(EXCLUSION_TAG_KEY in lfTags)) {
            fail(
                "lfTags",
                `needs a "${EXCLUSION_TAG_KEY}" key when columns are excluded in lfTags mode: excluded columns get ${EXCLUSION_TAG_KEY}=${EXCLUSION_TAG_VALUE}.`,
            );
        } else if (lfTags[EXCLUSION_TAG_KEY] === EXCLUSION_TAG_VALUE) {
            fail(
                "lfTags",
                `${EXCLUSION_TAG_KEY} cannot be "${EXCLUSION_TAG_VALUE}" on tables: that value marks the excluded columns.`,
            );
        }
    }

    const admins = get<unknown[]>("dataLakeAdmins");
    for (const admin of admins) {
        if (typeof admin !== "string" || !IAM_PRINCIPAL_ARN.test(admin)) {
            fail(
                "dataLakeAdmins",
                `${JSON.stringify(admin)} is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>).`,
            );
        }
    }
    const manage = get<boolean>("manageDataLakeSettings");
    const version = get<string>("crossAccountVersion");
    if (!["1", "2", "3", "4"].includes(version)) {
        fail("crossAccountVersion", `must be "1", "2", "3" or "4", got ${JSON.stringify(version)}.`);
    } else if (manage && side === "producer" && Number(version) < 3) {
        fail(
            "crossAccountVersion",
            `is ${version}, but the producer grants straight to the consumer's role${mode === "lfTags" ? " and shares LF-tags" : ""}, which needs version 3 or later. Set "4".`,
        );
    }
    const ramShareArn = get<string | undefined>("ramShareArn");
    if (ramShareArn !== undefined && !RAM_SHARE_ARN.test(ramShareArn)) {
        fail(
            "ramShareArn",
            "must be a RAM resource share ARN (arn:aws:ram:<region>:<producer account>:resource-share/<id>).",
        );
    }

    return {
        tables: tables.map((t) => (exclusions.has(t.name) ? { ...t, excludedColumns: exclusions.get(t.name) } : t)),
        dataLakeSettings: {
            manage,
            admins: admins as string[],
            crossAccountVersion: version as DataLakeSettingsConfig["crossAccountVersion"],
        },
    };
}

function parseExport(get: <T>(key: string) => T, fail: Fail): ExportConfig {
    const workgroupName = get<string>("athenaWorkgroupName");
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(workgroupName)) {
        fail("athenaWorkgroupName", "must be 1-128 letters, digits, '.', '_' or '-'.");
    }
    const schedule = get<string>("exportSchedule");
    if (!SCHEDULE.test(schedule)) {
        fail("exportSchedule", "must be `rate(N unit)`, `cron(...)` or `at(...)` (EventBridge Scheduler syntax).");
    }
    const format = get<string>("exportFormat");
    if (format !== "parquet" && format !== "csv") {
        fail("exportFormat", `must be "parquet" or "csv", got ${JSON.stringify(format)}.`);
    }
    const prefix = get<string>("exportPrefix");
    if (!/^[a-z0-9][a-z0-9_\-/]*[a-z0-9]$|^[a-z0-9]$/.test(prefix)) {
        fail("exportPrefix", "must be lowercase letters, digits, '_', '-', '/' without leading or trailing '/'.");
    } else if (["manifests", "state"].includes(prefix.split("/")[0])) {
        fail(
            "exportPrefix",
            `must not start with "manifests" or "state": the export keeps its manifests and watermarks there.`,
        );
    }
    const numbers: Array<[string, number, number]> = [
        ["bytesScannedCutoffPerQuery", 10_000_000, Number.MAX_SAFE_INTEGER],
        ["lateDataOverlapDays", 0, 31],
        ["athenaResultsExpirationDays", 1, 3650],
        ["exportsTransitionDays", 30, 3650],
        ["lambdaTimeoutSeconds", 60, 900],
        ["lambdaMemoryMb", 128, 10240],
        ["logRetentionDays", 1, 3653],
    ];
    for (const [key, min, max] of numbers) {
        const v = get<number>(key);
        if (!Number.isInteger(v) || v < min || v > max) {
            fail(key, `must be a whole number from ${min} to ${max}, got ${v}.`);
        }
    }
    if (!LOG_RETENTION_DAYS.includes(get<number>("logRetentionDays"))) {
        fail("logRetentionDays", `must be one of CloudWatch's values: ${LOG_RETENTION_DAYS.join(", ")}.`);
    }
    const kmsKeyArn = get<string | undefined>("kmsKeyArn");
    if (kmsKeyArn !== undefined && !KMS_KEY_ARN.test(kmsKeyArn)) {
        fail("kmsKeyArn", "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>).");
    }
    return {
        workgroupName,
        schedule,
        format: format as ExportFormat,
        prefix,
        bytesScannedCutoffPerQuery: get<number>("bytesScannedCutoffPerQuery"),
        logRetentionDays: get<number>("logRetentionDays"),
        lateDataOverlapDays: get<number>("lateDataOverlapDays"),
        resultsExpirationDays: get<number>("athenaResultsExpirationDays"),
        exportsTransitionDays: get<number>("exportsTransitionDays"),
        timeoutSeconds: get<number>("lambdaTimeoutSeconds"),
        memorySizeMb: get<number>("lambdaMemoryMb"),
        kmsKeyArn,
    };
}

function checkGlueName(value: string, key: string, fail: Fail, what = "value"): boolean {
    if (GLUE_NAME.test(value)) return true;
    fail(
        key,
        `${what} ${JSON.stringify(value)} is not a valid Glue name: use 1-255 lowercase letters, digits and underscores.`,
    );
    return false;
}

function isDefault(value: unknown, fallback: unknown): boolean {
    return JSON.stringify(value) === JSON.stringify(fallback ?? "");
}

function qualify(key: string): string {
    return key.includes(":") ? key : `${CONFIG_NAMESPACE}:${key}`;
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return i < 0 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

/** Pulumi passes scalars as strings and structured values as JSON text. */
function decode(text: string, type: KeyType): { value?: unknown; error?: string } {
    switch (type) {
        case "string":
            return { value: text };
        case "boolean":
            if (text === "true" || text === "false") return { value: text === "true" };
            return { error: `must be true or false, got ${JSON.stringify(text)}.` };
        case "number": {
            const n = Number(text);
            return text.trim() !== "" && Number.isFinite(n)
                ? { value: n }
                : { error: `must be a number, got ${JSON.stringify(text)}.` };
        }
        case "array":
        case "object": {
            let parsed: unknown;
            try {
                parsed = JSON.parse(text);
            } catch {
                return { error: `must be a YAML ${type === "array" ? "list" : "map"}, got ${JSON.stringify(text)}.` };
            }
            const ok =
                type === "array"
                    ? Array.isArray(parsed)
                    : parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
            return ok ? { value: parsed } : { error: `must be a YAML ${type === "array" ? "list" : "map"}.` };
        }
    }
}
