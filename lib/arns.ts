/** ARN builders, so every component, policy and check spells an ARN the same way. */

export interface ArnScope {
    readonly partition?: string;
    readonly region: string;
    readonly accountId: string;
}

const p = (scope: ArnScope) => scope.partition ?? "aws";

export const glueCatalogArn = (s: ArnScope) => `arn:${p(s)}:glue:${s.region}:${s.accountId}:catalog`;
export const glueDatabaseArn = (s: ArnScope, database: string) =>
    `arn:${p(s)}:glue:${s.region}:${s.accountId}:database/${database}`;
export const glueTableArn = (s: ArnScope, database: string, table: string) =>
    `arn:${p(s)}:glue:${s.region}:${s.accountId}:table/${database}/${table}`;
export const athenaWorkgroupArn = (s: ArnScope, workgroup: string) =>
    `arn:${p(s)}:athena:${s.region}:${s.accountId}:workgroup/${workgroup}`;
/** How every role ARN of an account starts, whatever the role's path and name. */
export const iamRolePrefix = (s: Omit<ArnScope, "region">) => `arn:${s.partition ?? "aws"}:iam::${s.accountId}:role/`;
export const iamRoleArn = (s: Omit<ArnScope, "region">, name: string) => `${iamRolePrefix(s)}${name}`;
/**
 * A consumer's querying role (the export Lambda's execution role), derived from its account and
 * its exact name (config `lambdaRoleName`, or a consumer's `roleName`): what the producer grants to.
 */
export const consumerRoleArn = (accountId: string, roleName: string, partition?: string) =>
    iamRoleArn({ accountId, partition }, roleName);
export const s3BucketArn = (bucket: string, partition = "aws") => `arn:${partition}:s3:::${bucket}`;
export const logGroupArn = (s: ArnScope, name: string) =>
    `arn:${p(s)}:logs:${s.region}:${s.accountId}:log-group:${name}`;
