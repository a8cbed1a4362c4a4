/**
 * The one place where stack configuration is read and validated.
 *
 * `parseConfig` is pure: it takes the flat key/value map that Pulumi hands a program
 * (`pulumi.runtime.allConfig()`) and returns a typed, defaulted `AppConfig` whose fields carry
 * the keys' own names, or throws a `ConfigError` that lists every problem at once, each naming
 * its key and the fix.
 *
 * - `schema.ts`: every key, declared once (type, default, side, description, rule).
 * - `reader.ts`: decoding and the declared rules.
 * - `tables.ts`, `governance.ts`: structured keys and checks across keys.
 */
import {
    athenaResultsBucketName,
    CONNECT_INSTANCE,
    DEFAULT_EXPORT_DATABASE,
    exportPrefixProblem,
    iamPrincipalAccount,
    partitionOf,
    REGION,
    stackNamePrefix,
} from "../names";
import { connectColumnNames } from "../connectSchema";
import { applyExclusions, parseDataLakeSettings, parseLfTags } from "./governance";
import { createReader, Fail, Get, qualify } from "./reader";
import { CONFIG_KEYS, ConfigKey, KeySpec } from "./schema";
import { principalArnProblem, principalIdentity, roleIdentity } from "./principals";
import { parseTables, withExportKeys } from "./tables";
import { checkConnectDatasets, CONNECT_DEFAULT_TABLES, parseSource } from "./source";
import { parseConsumers, parseInstances, parseReaders } from "./sharing";
import type { AppConfig, ConfigIssue, ExportConfig, TableConfig } from "./types";
import { ConfigError } from "./types";

export * from "./types";
export { EXCLUSION_TAG_KEY, EXCLUSION_TAG_VALUE } from "../names";
export { CONFIG_KEYS, isStructured, KEY_SPECS, LOG_RETENTION_DAYS } from "./schema";
export type { ConfigKey, KeySpec } from "./schema";
export { DEFAULT_TIME_COLUMNS } from "./tables";

export interface ParseOptions {
    /** Receives non-fatal findings (unknown keys, keys of the other side, keys the config makes unused). */
    readonly warn?: (issue: ConfigIssue) => void;
    /** When the schedules would be created, for comparing their fire times. Default: now. */
    readonly now?: Date;
}

/** Keys copied as they are into `AppConfig` (their rules are declared in the schema). */
const PLAIN_KEYS = [
    "side",
    "producerAccountId",
    "consumerAccountId",
    "producerDatabaseName",
    "consumerDatabaseName",
    "projectName",
    "environment",
    "enableResourceLinks",
    "enableLambdaExport",
    "lambdaRoleName",
    "enableCloudwatchLogging",
    "enableDetailedMonitoring",
    "producerStack",
    "consumerStack",
    "grantWithGrantOption",
    "sharingMode",
    "ramShareArn",
] as const satisfies readonly (ConfigKey & keyof AppConfig)[];

const EXPORT_KEYS = [
    "athenaWorkgroupName",
    "exportSchedule",
    "exportFormat",
    "exportPrefix",
    "bytesScannedCutoffPerQuery",
    "logRetentionDays",
    "exportTarget",
    "exportDatabaseName",
    "lookbackDays",
    "exportChunkDays",
    "fullReconciliationDays",
    "exportReaders",
    "alarmEmail",
    "accessLogsBucket",
    "athenaResultsExpirationDays",
    "exportsTransitionDays",
    "lambdaTimeoutSeconds",
    "lambdaMemoryMb",
    "kmsKeyArn",
] as const satisfies readonly (ConfigKey & keyof ExportConfig)[];

function pick<K extends ConfigKey>(get: Get, keys: readonly K[]): Record<K, unknown> {
    return Object.fromEntries(keys.map((k) => [k, get(k)])) as Record<K, unknown>;
}

/** Parses and validates the flat Pulumi config map. Throws `ConfigError` listing every problem. */
export function parseConfig(raw: Readonly<Record<string, string>>, options: ParseOptions = {}): AppConfig {
    const { get, isSet, fail, issues, side } = createReader(raw, options.warn);

    const region = raw["aws:region"];
    if (!region) fail("aws:region", "required. Set it with `pulumi config set aws:region ap-southeast-2`.");
    else if (!REGION.test(region)) {
        fail("aws:region", `${JSON.stringify(region)} is not an AWS region name like ap-southeast-2.`);
    }
    // The LF-tags and Connect's dataset associations use the aws-native provider, which reads its own region key.
    // @pulumi/aws v7 reads aws:assumeRoles (a list); the v6 key would be ignored, and the program's own
    // lookups and the provider would run as different identities.
    if (raw["aws:assumeRole"] !== undefined) {
        fail(
            "aws:assumeRole",
            "is the @pulumi/aws v6 key; v7 (this project's) reads aws:assumeRoles, a list. Move it: " +
                "`pulumi config rm aws:assumeRole && pulumi config set --path 'aws:assumeRoles[0].roleArn' <role ARN>`.",
        );
    }
    const nativeRegion = raw["aws-native:region"];
    if (region && nativeRegion !== region) {
        fail(
            "aws-native:region",
            nativeRegion === undefined
                ? `required by the aws-native provider (LF-tags, Connect dataset associations). Set it to aws:region: \`pulumi config set aws-native:region ${region}\`.`
                : `is ${nativeRegion} but aws:region is ${region}; both providers must work in one region.`,
        );
    }
    const partition = region && REGION.test(region) ? partitionOf(region) : undefined;
    const producerAccountId = get<string | undefined>("producerAccountId");
    if (producerAccountId && producerAccountId === get("consumerAccountId")) {
        fail("consumerAccountId", "must differ from producerAccountId: this project shares across two accounts.");
    }
    const prefixProblem = exportPrefixProblem(get<string>("exportPrefix"));
    if (prefixProblem) fail("exportPrefix", prefixProblem);
    const namePrefix = stackNamePrefix(get<string>("projectName"), get<string>("environment"));
    // The longest of the stack's bucket names (every account id has 12 digits).
    const longestBucket = athenaResultsBucketName(namePrefix, "0".repeat(12));
    if (longestBucket.length > 63) {
        fail(
            "environment",
            `projectName and environment together are too long for S3 bucket names (${longestBucket.length} > 63 characters); shorten either.`,
        );
    }

    const source = parseSource(get, fail, side);
    const lfTags = parseLfTags(get, fail);
    const connect = source.dataSource === "connectAnalytics";
    const exporting = side === "consumer" && get<boolean>("enableLambdaExport");
    // The export's settings of a table are read and checked only where the export runs.
    const listed = parseTables(
        connect && !isSet("tables") ? CONNECT_DEFAULT_TABLES : get<unknown[]>("tables"),
        fail,
        exporting,
    );
    if (connect) checkConnectDatasets(listed, fail);
    const governed = applyExclusions(get, fail, listed, lfTags);
    const tables = exporting
        ? withExportKeys(governed, fail, (message) => options.warn?.({ key: qualify("tables"), message }))
        : governed;
    if (exporting) checkExportKeys(tables, fail);
    if (exporting && get("exportTarget") === "iceberg") {
        const exportDatabase = get<string>("exportDatabaseName");
        if (exportDatabase === get("consumerDatabaseName")) {
            fail(
                "exportDatabaseName",
                `is consumerDatabaseName (${exportDatabase}), the database of the resource links: the export's tables would mix with the links. Give the export its own database, e.g. ${DEFAULT_EXPORT_DATABASE}.`,
            );
        } else if (exportDatabase === "default") {
            fail(
                "exportDatabaseName",
                `cannot be "default", the catalog's shared default database: the stack creates and owns the export's database. Give the export its own, e.g. ${DEFAULT_EXPORT_DATABASE}.`,
            );
        }
    }
    checkExportReaders(get<string[]>("exportReaders"), get<string | undefined>("consumerAccountId"), partition, fail);
    const kmsKeyArn = get<string | undefined>("kmsKeyArn");
    const keyRegion = kmsKeyArn?.split(":")[3];
    if (exporting && keyRegion && region && keyRegion !== region) {
        // S3, CloudWatch Logs and Lambda encrypt with a key of their own region only.
        fail(
            "kmsKeyArn",
            `is a key in ${keyRegion}, but aws:region is ${region}: the buckets, log group and Lambda environment are in ${region} and take a KMS key of their own region only. Fix: give the ARN of a key (or a multi-Region replica key) in ${region}.`,
        );
    }
    // Left at their defaults they say nothing; given, they would look like they took effect.
    const given = (key: ConfigKey) =>
        isSet(key) && JSON.stringify(get(key)) !== JSON.stringify((CONFIG_KEYS[key] as KeySpec).default ?? "");
    const ignored = (keys: readonly ConfigKey[], why: string) => {
        for (const key of keys.filter(given)) options.warn?.({ key: qualify(key), message: `ignored: ${why}` });
    };
    if (side === "consumer" && !exporting) {
        ignored(
            EXPORT_KEYS,
            "only the export uses it, and enableLambdaExport is false. Remove it, or set enableLambdaExport to true.",
        );
    } else if (exporting && get("exportTarget") === "files") {
        ignored(
            ["exportDatabaseName"],
            "only the iceberg target uses it, and exportTarget is files. Remove it, or set exportTarget to iceberg.",
        );
    } else if (exporting) {
        ignored(
            ["exportFormat"],
            "it is the files target's format, and exportTarget is iceberg (Iceberg tables). Remove it, or set exportTarget to files.",
        );
    }
    if (exporting && get("exportTarget") === "files" && get<string[]>("exportReaders").length > 0) {
        options.warn?.({
            key: qualify("exportReaders"),
            message:
                "ignored with exportTarget files: export readers are granted on the export's Iceberg tables, and the files target has none. Remove exportReaders, or set exportTarget to iceberg.",
        });
    }
    const connectInstanceIds =
        connect && side === "producer" ? parseInstances(get, fail, source.connectInstanceId) : [];
    if (connect && side === "producer") checkInstanceArns(get, fail, producerAccountId, region);
    const consumers = side === "producer" ? parseConsumers(get, fail, producerAccountId) : [];
    if (consumers.length > 0 && get<unknown[]>("consumers").length > 0) {
        // `consumers` replaces the single-consumer keys: one of them set as well is never read.
        const listed = consumers.map((c) => c.accountId);
        const single = get<string | undefined>("consumerAccountId");
        if (single !== undefined && !listed.includes(single)) {
            fail(
                "consumerAccountId",
                `is ${single}, which consumers does not list (${listed.join(", ")}): with consumers, the producer shares with the listed accounts only. Add the account to consumers, or remove consumerAccountId.`,
            );
        } else if (single !== undefined) {
            options.warn?.({
                key: qualify("consumerAccountId"),
                message: "ignored: consumers lists the consumer accounts, and replaces this key. Remove it.",
            });
        }
        if (get<string | undefined>("consumerStack") !== undefined) {
            options.warn?.({
                key: qualify("consumerStack"),
                message:
                    "ignored: consumers replaces it; give each consumer's stack as consumers[].stack. Remove consumerStack.",
            });
        }
    }
    if (side !== "producer" && get("consumerAccountId") === undefined) {
        fail(
            "consumerAccountId",
            "required. Set it with `pulumi config set connect-analytics:consumerAccountId <value>`.",
        );
    }
    const readers = parseReaders(get, fail, {
        side,
        dataSource: source.dataSource,
        sharingMode: get<string>("sharingMode"),
        consumerAccountId: get<string | undefined>("consumerAccountId"),
        partition,
        tables,
    });
    // An export reader sees every row of the export tables, which would override a reader's filters there.
    const exportReaderIds = get<string[]>("exportReaders").map(principalIdentity);
    for (const reader of readers.filter((r) => exportReaderIds.includes(principalIdentity(r.principal)))) {
        fail(
            "exportReaders",
            `${reader.principal} is also in readers: exportReaders see every row and column of the export tables, which would override its filters there. Keep it in one of the two.`,
        );
    }
    if (side === "consumer") checkOwnRole(get, fail);
    const dataLakeSettings = parseDataLakeSettings(get, fail, side);
    if (issues.length > 0) throw new ConfigError(issues);

    const plain = pick(get, PLAIN_KEYS) as Pick<AppConfig, (typeof PLAIN_KEYS)[number]>;
    return {
        ...plain,
        ...source,
        // With `consumers`, the producer's first consumer stands for the single-consumer keys.
        consumerAccountId: plain.consumerAccountId ?? consumers[0]?.accountId,
        connectInstanceIds,
        consumers,
        readers,
        region: region!,
        tables,
        lfTags,
        dataLakeSettings,
        export: pick(get, EXPORT_KEYS) as unknown as ExportConfig,
        tags: { project: plain.projectName, environment: plain.environment, "managed-by": "pulumi" },
    };
}

/**
 * The export's key, version and time columns must be columns of the table: a known Connect
 * dataset's columns are in lib/connectSchema.ts, and a key column the producer withholds cannot
 * be merged on.
 */
function checkExportKeys(tables: readonly TableConfig[], fail: Fail): void {
    for (const t of tables) {
        const known = connectColumnNames(t.name);
        const named: Array<[string, string | undefined]> = [
            ...(t.primaryKey ?? []).map((c): [string, string] => ["primaryKey", c]),
            ["versionColumn", t.versionColumn],
            ["timeColumn", t.timeColumn],
        ];
        for (const [field, column] of named) {
            if (known && column !== undefined && !known.includes(column)) {
                fail(
                    "tables",
                    `table ${t.name}: ${field} "${column}" is not a column of ${t.name} (its columns: ${known.join(", ")}). Fix: name one of its columns${field === "timeColumn" ? ", or set timeColumn: null to export it as a snapshot" : ""}.`,
                );
            }
        }
        const withheld = new Set(t.excludedColumns ?? []);
        if (t.exportMode === "snapshot") continue;
        for (const column of [...(t.primaryKey ?? []), ...(t.versionColumn ? [t.versionColumn] : [])]) {
            if (withheld.has(column)) {
                fail(
                    "tables",
                    `table ${t.name}: "${column}" is a key column of the export (primaryKey or versionColumn) but is excluded; the export merges on it. Keep it, or set primaryKey/versionColumn to other columns.`,
                );
            }
        }
    }
}

function checkExportReaders(
    readers: readonly string[],
    consumerAccountId: string | undefined,
    partition: string | undefined,
    fail: Fail,
): void {
    readers.forEach((arn, i) => {
        const problem = principalArnProblem(arn, partition);
        const account = iamPrincipalAccount(arn);
        if (problem) {
            fail("exportReaders", `[${i}] ${problem}`);
        } else if (consumerAccountId && account !== consumerAccountId) {
            fail(
                "exportReaders",
                `[${i}] ${arn} is in account ${account}; the export tables are granted to principals of the consumer account ${consumerAccountId} only.`,
            );
        } else if (readers.findIndex((other) => principalIdentity(other) === principalIdentity(arn)) !== i) {
            fail("exportReaders", `[${i}] ${arn} appears twice (IAM names ignore case and path); list it once.`);
        }
    });
}

/**
 * The stack's own Lambda execution role already holds its grants (SELECT on every table and the
 * export's tables): a reader's filter grant to it would collide with its all-rows grant, which
 * overrides any filter, and an export reader's grant would duplicate one it has.
 */
function checkOwnRole(get: Get, fail: Fail): void {
    const account = get<string | undefined>("consumerAccountId");
    if (!account) return;
    const roleName = get<string>("lambdaRoleName");
    const own = roleIdentity(account, roleName);
    get<unknown[]>("readers").forEach((entry, i) => {
        const principal = (entry as { principal?: unknown } | null)?.principal;
        if (typeof principal === "string" && principalIdentity(principal) === own) {
            fail(
                "readers",
                `readers[${i}].principal ${principal} is this stack's Lambda execution role (lambdaRoleName ${roleName}), which already reads every row: a filter grant to it would collide with its all-rows grant, which overrides filters. Remove the reader, or name another principal.`,
            );
        }
    });
    get<string[]>("exportReaders").forEach((arn, i) => {
        if (principalIdentity(arn) === own) {
            fail(
                "exportReaders",
                `[${i}] ${arn} is this stack's Lambda execution role (lambdaRoleName ${roleName}), which already has its grants on the export tables. Remove it from exportReaders.`,
            );
        }
    });
}

/**
 * An instance given by ARN names its account and region. The producer associates the instance's
 * datasets in its own account and region (AWS::Connect::DataLakeAssociation takes the bare id), so
 * an ARN of another account or region would be reduced to an id the producer cannot find there.
 */
function checkInstanceArns(get: Get, fail: Fail, producerAccountId: string | undefined, region: string | undefined) {
    const entries: Array<[ConfigKey, string, unknown]> = [
        ["connectInstanceId", "", get<string | undefined>("connectInstanceId")],
        ...get<unknown[]>("connectInstanceIds").map((v, i): [ConfigKey, string, unknown] => [
            "connectInstanceIds",
            `[${i}] `,
            v,
        ]),
    ];
    for (const [key, where, value] of entries) {
        // CONNECT_INSTANCE's first group is the ARN part (arn:<partition>:connect:<region>:<account>:instance/).
        const arn = typeof value === "string" ? CONNECT_INSTANCE.exec(value)?.[1] : undefined;
        if (!arn) continue;
        const [, , , arnRegion, account] = arn.split(":");
        if (producerAccountId && account !== producerAccountId) {
            fail(
                key,
                `${where}${value} is an instance of account ${account}, but the producer is ${producerAccountId}: with dataSource connectAnalytics the producer stack runs in the Connect instance's account. Deploy the producer there, or name an instance of ${producerAccountId}.`,
            );
        }
        if (region && arnRegion !== region) {
            fail(
                key,
                `${where}${value} is an instance in ${arnRegion}, but aws:region is ${region}: the producer associates the instance's datasets in its own region. Set aws:region to ${arnRegion}, or name an instance in ${region}.`,
            );
        }
    }
}
