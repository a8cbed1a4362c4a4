/**
 * What the rest of the project uses of the export: the Lambda handler for the AnalyticsExport
 * component, its environment contract, and the storage layout and API actions its role needs.
 */
export { exportHandler, createExportHandler, createAwsClients, AWS_CLIENT_CONFIG } from "./handler";
export type { HandlerDeps, LambdaContextLike, AwsClients } from "./handler";
export { HANDLER_ENV_VARS, parseHandlerEnv, parseTableSpecs } from "./settings";
export type { HandlerSettings, HandlerEnvVar } from "./settings";
export { parseExportEvent, runIdFromInstant } from "./event";
export { runExport, manifestKey, watermarkKey, runOutputPrefix, DEFAULT_LIMITS } from "./runner";
export type * from "./types";

/** Keys the handler reads and writes in the exports bucket, for the role's S3 statements. */
export function exportStorageKeys(prefix: string): {
    readonly data: string;
    readonly manifests: string;
    readonly state: string;
} {
    return { data: `${prefix}/*`, manifests: "manifests/*", state: "state/*" };
}

/**
 * API actions the handler calls. S3 on the exports bucket: ListBucket (clearing a run's prefix;
 * Athena also lists the UNLOAD destination), GetObject/PutObject/DeleteObject, and
 * AbortMultipartUpload for UNLOAD's multipart writes. Athena on the workgroup ARN. Reading
 * through the resource links also needs Glue and Lake Formation (lib/iam.ts) and the Athena
 * results bucket of the workgroup.
 */
export const HANDLER_AWS_ACTIONS = {
    athena: [
        "athena:GetQueryExecution",
        "athena:GetQueryRuntimeStatistics",
        "athena:StartQueryExecution",
        "athena:StopQueryExecution",
    ],
    s3Bucket: ["s3:GetBucketLocation", "s3:ListBucket"],
    s3Objects: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
} as const;
