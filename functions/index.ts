/**
 * What the rest of the project uses of the export: the Lambda handler for the AnalyticsExport
 * component, its environment contract, and the storage layout and API actions its role needs.
 */
export { exportHandler, createExportHandler, createAwsClients, AWS_CLIENT_CONFIG } from "./handler";
export type { HandlerDeps, LambdaContextLike, AwsClients } from "./handler";
export {
    HANDLER_ENV_VARS,
    parseHandlerEnv,
    parseTableSpecs,
    DEFAULT_EXPORT_DATABASE,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_CHUNK_DAYS,
    MAX_CHUNK_DAYS,
    MAX_LOOKBACK_DAYS,
} from "./settings";
export type { HandlerSettings, HandlerEnvVar } from "./settings";
export { parseExportEvent, runIdFromInstant } from "./event";
export { runExport, manifestKey, watermarkKey, filesIndexKey, icebergPrefix, DEFAULT_LIMITS } from "./runner";
export { runMaintenance } from "./maintenance";
export { runSetup } from "./setup";
export { LEASE_KEY, MAINTENANCE_LEASE_KEY } from "./lease";
export type * from "./types";

/**
 * The event that creates the export's missing Iceberg tables without reading data (the input of the
 * consumer stack's deploy-time aws.lambda.Invocation, before its data cells filters). The result
 * is a SetupSummary; the invocation fails when any table could not be set up.
 */
export const SETUP_EVENT = JSON.stringify({ setup: true });

/**
 * API actions the handler calls, and those Athena calls with the role's credentials for the
 * statements it runs.
 *  - Athena on the workgroup ARN: queries, their results (GetQueryResults reads the workgroup's
 *    results bucket) and runtime statistics.
 *  - Glue: GetTable on the source links and their targets (the columns at run time); on the export
 *    database and its tables GetDatabase/GetTable plus what Athena's Iceberg DDL/DML does there
 *    (CreateTable, UpdateTable for CREATE/ALTER/MERGE/OPTIMIZE/VACUUM commits).
 *  - S3 on the exports bucket: ListBucket (listing written folders, clearing a prefix),
 *    Get/Put/DeleteObject (manifests, watermarks, the lease's conditional writes with If-None-Match
 *    and If-Match, which need both GetObject and PutObject; Iceberg data and metadata; VACUUM's
 *    deletes), AbortMultipartUpload for UNLOAD/Iceberg multipart writes.
 *  - Lake Formation GetDataAccess (lib/iam.ts already grants it for reading through the links).
 */
export const HANDLER_AWS_ACTIONS = {
    athena: [
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:GetQueryRuntimeStatistics",
        "athena:StartQueryExecution",
        "athena:StopQueryExecution",
    ],
    glueRead: ["glue:GetDatabase", "glue:GetTable"],
    glueExportTables: ["glue:CreateTable", "glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"],
    s3Bucket: ["s3:GetBucketLocation", "s3:ListBucket"],
    s3Objects: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
} as const;
