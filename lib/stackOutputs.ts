/**
 * The contract between the two stacks: what each exports. `index.ts` returns these types (with
 * `satisfies`), the other stack reads them through a StackReference, the operations CLI reads
 * them from `pulumi stack output --json`, and the offline plan reports them.
 *
 * Every reader parses through `readStackOutputs`, whose per-key readers are typed as an exhaustive
 * map of the interface: adding an output is a change to the interface and to the code that sets
 * it, and the compiler then points at the reader to add. Pure.
 */
import type { ExportTarget, SharingMode, TableConfig } from "./config/types";
import { isObject } from "./json";
import type { DataFilter, DataSource, LfGrant, ReaderConfig, TableRef, TagAssignment } from "./permissions";
import {
    ACCOUNT_ID,
    ATHENA_WORKGROUP,
    CONNECT_INSTANCE,
    defaultLinkName,
    GLUE_NAME,
    IAM_ROLE_ARN,
    IAM_ROLE_NAME,
    RAM_SHARE_ARN,
    IAM_PRINCIPAL_ARN,
    REGION,
} from "./names";

/** A resource link as the consumer stack exports it. */
export interface ResourceLinkInfo {
    readonly linkName: string;
    readonly table: string;
    readonly target: TableRef;
}

interface CommonStackOutputs {
    readonly region: string;
    readonly producerAccountId: string;
    readonly consumerAccountId: string;
    readonly producerDatabaseName: string;
    /** The shared tables (with link names, time columns and exclusions). */
    readonly tables: readonly TableConfig[];
    readonly sharingMode: SharingMode;
    readonly lfTags: Readonly<Record<string, string>>;
    /** The Lake Formation grants this stack makes, as the permission model states them. */
    readonly grants: readonly LfGrant[];
    /** Where the tables come from (config `dataSource`). */
    readonly dataSource: DataSource;
    /** The catalog that owns the tables: the producer account, or Connect's owner catalog. */
    readonly sourceCatalogId: string;
}

export interface ProducerStackOutputs extends CommonStackOutputs {
    readonly side: "producer";
    readonly sharedTables: readonly string[];
    /** The consumer's querying role the grants name. */
    readonly consumerPrincipalArn: string;
    readonly grantWithGrantOption: boolean;
    /** LF-tags put on tables and columns (`lfTags` mode; empty otherwise). */
    readonly tagAssignments: readonly TagAssignment[];
    /** RAM share of the grants for the consumer to accept; "" when none is configured. */
    readonly ramShareArn: string;
    /** Every RAM share the consumer accepts (Connect's, in `connectAnalytics`); empty when none. */
    readonly ramShareArns: readonly string[];
    /** The Connect instance whose datasets are associated (`connectAnalytics`; the first of several). */
    readonly connectInstanceId?: string;
    /** Every Connect instance whose datasets are associated (`connectAnalytics`). */
    readonly connectInstanceIds: readonly string[];
    /** Every consumer account: the role its grants name, and the RAM shares it accepts. */
    readonly consumers: readonly ConsumerShareInfo[];
}

/** One consumer of the producer, as the producer stack exports it. */
export interface ConsumerShareInfo {
    readonly accountId: string;
    readonly principalArn: string;
    readonly ramShareArns: readonly string[];
}

export interface ConsumerStackOutputs extends CommonStackOutputs {
    readonly side: "consumer";
    readonly consumerDatabaseName: string;
    readonly lambdaRoleName: string;
    readonly lambdaRoleArn: string;
    readonly resourceLinks: readonly ResourceLinkInfo[];
    /** The readers and the data cells filters made for them (rows and columns each sees). */
    readonly readers: readonly ReaderConfig[];
    readonly dataFilters: readonly DataFilter[];
    /** The export's resources, when `enableLambdaExport` is on. */
    readonly exportFunctionName?: string;
    readonly exportFunctionArn?: string;
    readonly athenaWorkgroup?: string;
    readonly athenaResultsBucket?: string;
    readonly exportsBucket?: string;
    readonly exportSchedule?: string;
    readonly exportScheduleExpression?: string;
    readonly exportFailureQueueArn?: string;
    /** `iceberg` or `files`. */
    readonly exportTarget?: ExportTarget;
    /** The Iceberg tables' Glue database (`iceberg` target). */
    readonly exportDatabaseName?: string;
    /** Principals with DESCRIBE and SELECT on every export table. */
    readonly exportReaders?: readonly string[];
    /** The Glue table optimizers' role (`iceberg` target), granted ALTER, DESCRIBE, INSERT and DELETE on the export tables. */
    readonly exportOptimizerRoleArn?: string;
    /** SNS topic of the export's alarms: subscribe whoever must hear of a failed run. */
    readonly exportAlarmTopicArn?: string;
    /** Bucket receiving the exports bucket's server access logs. */
    readonly accessLogsBucket?: string;
}

export type StackOutputs = ProducerStackOutputs | ConsumerStackOutputs;

/** Reads one output value; throws `OutputProblem` when it is not what the contract says. */
interface KeyReader<T> {
    /** What the value is, for messages ("a 12-digit account id"). */
    readonly what: string;
    /** Readers cannot work without it (older stacks may lack the others). */
    readonly required: boolean;
    read(value: unknown, key: string): T;
}

/** One reader per key of the interface: the compiler flags a key without one. */
type Readers<T> = { readonly [K in keyof T]-?: KeyReader<Exclude<T[K], undefined>> };

/**
 * The Connect instances a producer's outputs say it associates (`connectInstanceIds`, or the older
 * single `connectInstanceId`), as bare ids; empty when it names none.
 */
export function producerInstanceIds(
    p: { readonly connectInstanceId?: string; readonly connectInstanceIds?: readonly string[] } | undefined,
): string[] {
    const listed = p?.connectInstanceIds?.length
        ? p.connectInstanceIds
        : p?.connectInstanceId
          ? [p.connectInstanceId]
          : [];
    return listed.map((id) => CONNECT_INSTANCE.exec(id)?.[2] ?? id);
}

export class OutputProblem extends Error {}

const wrong = (key: string, what: string, value: unknown) =>
    new OutputProblem(`"${key}" must be ${what}, got ${JSON.stringify(value)}`);

function text(what: string, pattern?: RegExp, required = true): KeyReader<string> {
    return {
        what,
        required,
        read: (v, key) => {
            if (typeof v !== "string" || (pattern && !pattern.test(v))) throw wrong(key, what, v);
            return v;
        },
    };
}
const optionalText = (what: string, pattern?: RegExp) => text(what, pattern, false);
function texts(what: string, pattern: RegExp): KeyReader<readonly string[]> {
    return {
        what,
        required: false,
        read: (v, key) => {
            if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && pattern.test(x))) {
                throw wrong(key, what, v);
            }
            return v as string[];
        },
    };
}
function oneOf<T extends string>(values: readonly T[], required = true): KeyReader<T> {
    const what = values.map((v) => JSON.stringify(v)).join(" or ");
    return {
        what,
        required,
        read: (v, key) => {
            if (!values.includes(v as T)) throw wrong(key, what, v);
            return v as T;
        },
    };
}
const flag = (required = false): KeyReader<boolean> => ({
    what: "true or false",
    required,
    read: (v, key) => {
        if (typeof v !== "boolean") throw wrong(key, "true or false", v);
        return v;
    },
});
/** A list whose entries the stack itself wrote (grants, tag assignments): checked for shape only. */
function list<T>(what: string): KeyReader<readonly T[]> {
    return {
        what,
        required: false,
        read: (v, key) => {
            if (!Array.isArray(v) || !v.every(isObject)) throw wrong(key, what, v);
            return v as T[];
        },
    };
}

const lfTags: KeyReader<Readonly<Record<string, string>>> = {
    what: "a map of tag key to value",
    required: false,
    read: (v, key) => {
        if (!isObject(v) || !Object.values(v).every((x) => typeof x === "string")) {
            throw wrong(key, "a map of tag key to value", v);
        }
        return v as Record<string, string>;
    },
};

const tables: KeyReader<readonly TableConfig[]> = {
    what: "the shared tables",
    required: true,
    read: (raw) => {
        if (!Array.isArray(raw) || raw.length === 0) {
            throw new OutputProblem(`"tables" must be a non-empty list of {name, linkName}`);
        }
        return raw.map((entry, i) => {
            const t = typeof entry === "string" ? { name: entry } : entry;
            if (!isObject(t) || typeof t.name !== "string" || !GLUE_NAME.test(t.name)) {
                throw new OutputProblem(
                    `tables[${i}] must be a table name or {name, linkName}, got ${JSON.stringify(entry)}`,
                );
            }
            const linkName = t.linkName ?? defaultLinkName(t.name);
            if (typeof linkName !== "string" || !GLUE_NAME.test(linkName)) {
                throw new OutputProblem(
                    `tables[${i}].linkName must be a Glue table name, got ${JSON.stringify(t.linkName)}`,
                );
            }
            const excluded = t.excludedColumns ?? [];
            if (!Array.isArray(excluded) || !excluded.every((c) => typeof c === "string" && c.length > 0)) {
                throw new OutputProblem(
                    `tables[${i}].excludedColumns must be a list of column names, got ${JSON.stringify(t.excludedColumns)}`,
                );
            }
            const key = t.primaryKey;
            return {
                name: t.name,
                linkName,
                ...(typeof t.timeColumn === "string" ? { timeColumn: t.timeColumn } : {}),
                // The export's key, as the consumer config declared it.
                ...(Array.isArray(key) && key.every((c) => typeof c === "string") ? { primaryKey: key } : {}),
                ...(typeof t.versionColumn === "string" ? { versionColumn: t.versionColumn } : {}),
                ...(excluded.length > 0 ? { excludedColumns: [...excluded].sort() } : {}),
            };
        });
    },
};

const account = text("a 12-digit account id", ACCOUNT_ID);
const common = {
    region: text("an AWS region like ap-southeast-2", REGION),
    producerAccountId: account,
    consumerAccountId: account,
    producerDatabaseName: text("a Glue database name", GLUE_NAME),
    tables,
    sharingMode: oneOf<SharingMode>(["named", "lfTags"], false),
    lfTags,
    grants: list<LfGrant>("a list of grants"),
    dataSource: oneOf<DataSource>(["producerCatalog", "connectAnalytics"], false),
    sourceCatalogId: optionalText("the 12-digit account of the catalog that owns the tables", ACCOUNT_ID),
};

export const PRODUCER_OUTPUT_READERS: Readers<ProducerStackOutputs> = {
    ...common,
    side: oneOf(["producer"]),
    sharedTables: {
        what: "a list of table names",
        required: false,
        read: (v, key) => {
            if (!Array.isArray(v) || !v.every((t) => typeof t === "string")) {
                throw wrong(key, "a list of table names", v);
            }
            return v as string[];
        },
    },
    consumerPrincipalArn: text("an IAM role ARN", IAM_ROLE_ARN),
    grantWithGrantOption: flag(),
    tagAssignments: list<TagAssignment>("a list of tag assignments"),
    ramShareArn: optionalText("a RAM share ARN or empty"),
    ramShareArns: texts("a list of RAM share ARNs", RAM_SHARE_ARN),
    connectInstanceId: optionalText("an Amazon Connect instance id", CONNECT_INSTANCE),
    connectInstanceIds: texts("a list of Amazon Connect instance ids", CONNECT_INSTANCE),
    consumers: list<ConsumerShareInfo>("a list of {accountId, principalArn, ramShareArns}"),
};

export const CONSUMER_OUTPUT_READERS: Readers<ConsumerStackOutputs> = {
    ...common,
    side: oneOf(["consumer"]),
    consumerDatabaseName: text("a Glue database name", GLUE_NAME),
    lambdaRoleName: optionalText("an IAM role name", IAM_ROLE_NAME),
    lambdaRoleArn: text("an IAM role ARN", IAM_ROLE_ARN),
    resourceLinks: list<ResourceLinkInfo>("a list of resource links"),
    readers: list<ReaderConfig>("a list of {principal, tables, rowFilter, excludedColumns}"),
    dataFilters: list<DataFilter>("a list of data cells filters"),
    exportFunctionName: optionalText("a Lambda function name"),
    exportFunctionArn: optionalText("a Lambda function ARN"),
    athenaWorkgroup: optionalText("an Athena workgroup name", ATHENA_WORKGROUP),
    athenaResultsBucket: optionalText("an S3 bucket name"),
    exportsBucket: optionalText("an S3 bucket name"),
    exportSchedule: optionalText("a schedule name"),
    exportScheduleExpression: optionalText("a schedule expression"),
    exportFailureQueueArn: optionalText("an SQS queue ARN"),
    exportTarget: oneOf(["iceberg", "files"], false),
    exportDatabaseName: optionalText("a Glue database name", GLUE_NAME),
    exportReaders: texts("a list of IAM principal ARNs", IAM_PRINCIPAL_ARN),
    exportOptimizerRoleArn: optionalText("an IAM role ARN", IAM_PRINCIPAL_ARN),
    exportAlarmTopicArn: optionalText("an SNS topic ARN"),
    accessLogsBucket: optionalText("an S3 bucket name"),
};

/** The output names of each side, for readers that fetch outputs one by one. */
export const OUTPUT_NAMES = {
    producer: Object.keys(PRODUCER_OUTPUT_READERS) as (keyof ProducerStackOutputs)[],
    consumer: Object.keys(CONSUMER_OUTPUT_READERS) as (keyof ConsumerStackOutputs)[],
};

/** What a reader gets: every key the stack exported, checked; required keys present. */
export type ReadOutputs<T> = Partial<T>;

export interface ReadOptions {
    /**
     * Missing required keys are an error (the CLI, which needs them). Off for a peer stack, whose
     * reader checks what is there and decides what a missing value means. Default true.
     */
    readonly requireKeys?: boolean;
}

/**
 * Reads a side's outputs from untrusted JSON. Malformed values (and, by default, missing required
 * keys) throw `OutputProblem` naming the key; missing optional keys stay undefined.
 */
export function readStackOutputs(
    side: "producer",
    raw: Record<string, unknown>,
    options?: ReadOptions,
): ReadOutputs<ProducerStackOutputs>;
export function readStackOutputs(
    side: "consumer",
    raw: Record<string, unknown>,
    options?: ReadOptions,
): ReadOutputs<ConsumerStackOutputs>;
export function readStackOutputs(
    side: "producer" | "consumer",
    raw: Record<string, unknown>,
    options: ReadOptions = {},
): ReadOutputs<ProducerStackOutputs> | ReadOutputs<ConsumerStackOutputs> {
    const readers = (side === "producer" ? PRODUCER_OUTPUT_READERS : CONSUMER_OUTPUT_READERS) as Record<
        string,
        KeyReader<unknown>
    >;
    const out: Record<string, unknown> = {};
    for (const [key, reader] of Object.entries(readers)) {
        const value = raw[key];
        if (value === undefined || value === null) {
            if (reader.required && options.requireKeys !== false) {
                throw new OutputProblem(`${side} outputs lack "${key}" (${reader.what})`);
            }
            continue;
        }
        out[key] = reader.read(value, key);
    }
    return out;
}

/** The pulumi program's return type: each output may still be an Output. */
export type ProgramOutputs<T> = { readonly [K in keyof T]: import("@pulumi/pulumi").Input<T[K]> };
