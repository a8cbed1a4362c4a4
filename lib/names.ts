/**
 * Names, defaults and patterns shared by the config, the components, the CLI, the policy pack
 * and the export Lambda. A leaf module: no imports, only constants and tiny pure functions, so
 * the Lambda's serialized code can use it without capturing anything else.
 */

/** Namespace of every project config key (`connect-analytics:<key>`). */
export const CONFIG_NAMESPACE = "connect-analytics";

/** Tables shared when the config names none. */
export const DEFAULT_TABLES = ["users", "contacts", "agent_hierarchy_groups"] as const;
/** Database of the shared tables: the producer's own, or Connect's owner catalog's. */
export const DEFAULT_PRODUCER_DATABASE = "connect_datalake";
/** Database in the consumer catalog that holds the resource links. */
export const DEFAULT_CONSUMER_DATABASE = "connect_analytics_consumer";
/** The stem of a stack's bucket, function and queue names: `<project>-<environment>`. */
export const stackNamePrefix = (projectName: string, environment: string) => `${projectName}-${environment}`;
/** Where the export's Iceberg tables live under the exports bucket (each table under `<root>/<table>/`). */
export const icebergRoot = (exportPrefix: string) => `${exportPrefix}/iceberg`;
/** The export's bucket: one per stack (`<project>-<environment>`) and account. */
export const exportsBucketName = (namePrefix: string, accountId: string) => `${namePrefix}-exports-${accountId}`;
/** The export's Athena query results bucket, per stack and account. */
export const athenaResultsBucketName = (namePrefix: string, accountId: string) =>
    `${namePrefix}-athena-results-${accountId}`;
/** The stack's own server access logs bucket (unless the config names one), per stack and account. */
export const accessLogsBucketName = (namePrefix: string, accountId: string) => `${namePrefix}-access-logs-${accountId}`;

/** Days before the watermark each export run reads again, and days per MERGE of a long window. */
export const DEFAULT_LOOKBACK_DAYS = 3;
export const DEFAULT_CHUNK_DAYS = 7;

/** Glue database of the export's Iceberg tables. */
export const DEFAULT_EXPORT_DATABASE = "connect_analytics_exports";
/** The export Lambda's execution role: an exact name, because the producer's grants name it. */
export const DEFAULT_LAMBDA_ROLE_NAME = "connect-analytics-lambda-execution-role";
/** The Glue table optimizers' role of a stack: `<name prefix>-table-optimizer`. */
export const tableOptimizerRoleName = (namePrefix: string) => `${namePrefix}-table-optimizer`;
/** Whether an ARN is a stack's table optimizer role (the policy pack lets it hold ALTER on the export's tables). */
export const isTableOptimizerRole = (arn: unknown) =>
    typeof arn === "string" && /:role\/(.*\/)?[\w+=,.@-]+-table-optimizer$/.test(arn);

/** A principal's short name: the last part of its ARN (a role's or user's name), or the id itself. */
export const principalName = (principal: string) => principal.slice(principal.lastIndexOf("/") + 1);

/**
 * A principal in resource names (data cells filters, grants): a role's name, `user/<name>` for a
 * user. IAM names have no `/`, so a role and a user of one name never share a label.
 */
export const principalLabel = (principal: string) =>
    /:user\//.test(principal) ? `user/${principalName(principal)}` : principalName(principal);

/** A short, stable hash of a text (FNV-1a, 8 hex digits): to tell names apart, never for security. */
export function shortHash(text: string): string {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return (h >>> 0).toString(16).padStart(8, "0");
}

/** A table's resource link, unless the config names one. */
export const defaultLinkName = (table: string) => `${table}_link`;

/**
 * Top-level folders of the exports bucket the export itself owns (manifests, watermarks, lease):
 * the data prefix may not start with one of them.
 */
export const EXPORT_STATE_PREFIXES = ["manifests", "state"] as const;

/** An Amazon Connect instance: its id, or its ARN (whose last part is the id). */
export const CONNECT_INSTANCE =
    /^(arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The account of a RAM resource share ARN: the owner of what it shares. */
export function ramShareOwner(shareArn: string): string | undefined {
    return RAM_SHARE_ARN.exec(shareArn)?.[1];
}

/** 12-digit AWS account id (leading zeros kept). */
export const ACCOUNT_ID = /^\d{12}$/;
/** Glue database, table and column names as Lake Formation accepts them (lowercase). */
export const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
export const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
export const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
/** `org/project/stack`, `project/stack` or `stack`. */
export const STACK_NAME = /^([\w.-]+\/){0,2}[\w.-]+$/;
/** Project and environment names: they become parts of S3 bucket names. */
export const SLUG = /^[a-z][a-z0-9-]{0,27}$/;
export const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A key prefix: lowercase, no leading, trailing or doubled '/'. */
export const KEY_PREFIX = /^[a-z0-9]$|^[a-z0-9][a-z0-9_\-/]*[a-z0-9]$/;
export const ATHENA_WORKGROUP = /^[A-Za-z0-9._-]{1,128}$/;
export const LF_TAG_TEXT = /^[\w.:/=+@%-]{1,128}$/;
/**
 * One IAM role or user: `arn:<partition>:iam::<account>:role/[path/]<name>`, the name as IAM
 * allows it (letters, digits and +=,.@_-), so no wildcard, space or quote gets through.
 */
export const IAM_PRINCIPAL_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
/**
 * The partition of a region's ARNs: aws-cn for cn-*, aws-us-gov for us-gov-*, aws-iso(-b, -e,
 * -f) for the isolated regions, else aws.
 */
export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    const iso = /^[a-z]{2}-iso([a-z]?)-/.exec(region);
    return iso ? `aws-iso${iso[1] ? `-${iso[1]}` : ""}` : "aws";
}
/** The account of an IAM ARN (a role's, a user's; any partition): its first group. */
export const IAM_PRINCIPAL_ACCOUNT = /^arn:[^:]+:iam::(\d{12}):/;
/** The account of an IAM principal ARN, or undefined when the text is none. */
export const iamPrincipalAccount = (arn: string): string | undefined => IAM_PRINCIPAL_ACCOUNT.exec(arn)?.[1];
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;
export const RAM_SHARE_ARN = /^arn:aws[a-z-]*:ram:[a-z0-9-]+:(\d{12}):resource-share\/[\w-]+$/;

/**
 * The longest export prefix: an S3 key is at most 1,024 bytes, prefix included
 * (AmazonS3/latest/userguide/object-keys.html), and the export adds up to ~700 after it
 * (`/iceberg/<table, 255>/data/<time column, 255>_day=<day>/<engine's file name>`).
 */
export const EXPORT_PREFIX_MAX = 256;

/** Why a data key prefix is unusable, or undefined when it is fine. */
export function exportPrefixProblem(prefix: string): string | undefined {
    if (!KEY_PREFIX.test(prefix) || prefix.includes("//")) {
        return `${JSON.stringify(prefix)} must be lowercase letters, digits, '_', '-' and '/' without leading, trailing or doubled '/'.`;
    }
    if (prefix.length > EXPORT_PREFIX_MAX) {
        return `is ${prefix.length} characters, over ${EXPORT_PREFIX_MAX}: S3 keys are at most 1,024 bytes and the export's keys add up to ~700 after the prefix. Use a shorter prefix.`;
    }
    const top = prefix.split("/")[0];
    if ((EXPORT_STATE_PREFIXES as readonly string[]).includes(top)) {
        return `must not start with "${top}/": the export keeps its ${top} there.`;
    }
    return undefined;
}

/** The LF-tag that marks excluded columns in `lfTags` mode, and the value it takes there. */
export const EXCLUSION_TAG_KEY = "sensitivity";
export const EXCLUSION_TAG_VALUE = "restricted";

/**
 * Every environment variable the stack sets for the export Lambda (functions/settings.ts). The
 * handler also reads LATE_DATA_OVERLAP_DAYS (LOOKBACK_DAYS' old name) and TABLES_JSON (the table
 * settings inline, instead of TABLES_OBJECT: tests and hand-made functions).
 */
export const HANDLER_ENV_VARS = [
    "EXPORT_BUCKET",
    "EXPORT_PREFIX",
    "ATHENA_WORKGROUP",
    "SOURCE_DATABASE",
    "EXPORT_DATABASE",
    "TABLES_OBJECT",
    "TABLES_SHA256",
    "EXPORT_TARGET",
    "EXPORT_FORMAT",
    "LOOKBACK_DAYS",
    "CHUNK_DAYS",
    "RECONCILE_EVERY_DAYS",
    "LOG_LEVEL",
] as const;

export type HandlerEnvVar = (typeof HANDLER_ENV_VARS)[number];

/**
 * Where the stack writes the export's per-table settings in the exports bucket (a JSON list, one
 * entry a table): outside Lambda's 4 KB environment, so the table count has no limit there. Under
 * `state/`, which the export's role reads.
 */
export const TABLES_OBJECT_KEY = "state/settings/tables.json";
