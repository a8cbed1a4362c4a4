/**
 * IAM policy documents of the project, as pure data, so tests and the policy pack read the
 * same statements the components deploy.
 */
import { ATHENA_DEFAULT_DATABASE, ShareModel, sourceCatalogOf } from "./permissions";
import { ArnScope, glueCatalogArn, glueDatabaseArn, glueTableArn, logGroupArn, s3BucketArn } from "./arns";

export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string | readonly string[];
    /** Absent only in trust policies. */
    readonly Resource?: string | readonly string[];
    readonly Condition?: Record<string, Record<string, unknown>>;
    readonly Principal?: unknown;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly PolicyStatement[];
}

/**
 * Actions that AWS does not let a policy scope to a resource: their only valid Resource is
 * "*". The policy pack allows an unscoped resource for these actions and no others.
 */
export const ACTIONS_WITHOUT_RESOURCE_SCOPE: readonly string[] = [
    "lakeformation:GetDataAccess",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
];

/** Glue calls of the export on its own database and tables (creating and committing Iceberg tables). */
export const EXPORT_TABLE_ACTIONS = [
    "glue:CreateTable",
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:UpdateTable",
] as const;

/** Glue reads Athena makes on a table through a resource link (link and target both). */
export const GLUE_READ_ACTIONS = [
    "glue:GetDatabase",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTables",
] as const;

export function lambdaTrustPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    };
}

export type DataAccessScope = Pick<
    ShareModel,
    | "producerAccountId"
    | "consumerAccountId"
    | "sourceCatalogId"
    | "producerDatabaseName"
    | "consumerDatabaseName"
    | "tables"
> & {
    readonly region: string;
    /** The stack's partition (`aws.getPartition`): aws, aws-cn, aws-us-gov. Default aws. */
    readonly partition?: string;
};

/**
 * IAM caps the inline policies of a role at 10,240 characters in all, and does not count white space
 * (IAM/latest/UserGuide/reference_iam-quotas.html, "IAM and AWS STS character limits").
 */
export const INLINE_POLICY_LIMIT = 10_240;

/** A policy document's size as IAM counts it: its JSON without whitespace. */
export function policySize(doc: PolicyDocument): number {
    return JSON.stringify(doc).replace(/\s/g, "").length;
}

/**
 * What the export's inline policy (`exportStatements`) can take at most, with every name at its
 * longest: the querying role carries both policies, so the data-access policy gets the rest.
 */
export function longestExportPolicySize(partition = "aws"): number {
    const s = (n: number) => "x".repeat(n);
    const arnScope: ArnScope = { region: "ap-southeast-4", accountId: "0".repeat(12), partition };
    return policySize(
        policyDocument(
            exportStatements({
                arnScope,
                exportDatabaseName: s(255),
                workgroupArn: `arn:${partition}:athena:${arnScope.region}:${arnScope.accountId}:workgroup/${s(128)}`,
                resultsBucket: s(63),
                exportsBucket: s(63),
                exportPrefixes: [s(255), "manifests", "state"],
                logGroupArn: `arn:${partition}:logs:${arnScope.region}:${arnScope.accountId}:log-group:/aws/lambda/${s(64)}`,
                failureQueueArn: `arn:${partition}:sqs:${arnScope.region}:${arnScope.accountId}:${s(80)}`,
                kmsKeyArn: `arn:${partition}:kms:${arnScope.region}:${arnScope.accountId}:key/${s(36)}`,
                tracing: true,
                partition,
            }),
        ),
    );
}

/**
 * What the querying role needs to read the shared tables: Lake Formation data access (which
 * vends the S3 credentials; Lake Formation grants decide what it covers) and Glue reads on the
 * exact catalog, database and table ARNs of the links and of their targets, and on the `default`
 * database, which Athena reads first (athena/latest/ug/lf-athena-limitations.html).
 *
 * The exact table ARNs are kept while the document fits `budget` (default: the inline-policy
 * limit minus the longest export policy the role can also carry); past it, the database with the
 * most table ARNs gives way to `table/<database>/*`, then the other, which fits at any table count.
 * Decided by the computed length, not by a table count: long names reach the limit sooner.
 */
export function dataAccessStatements(
    scope: DataAccessScope,
    budget = INLINE_POLICY_LIMIT - longestExportPolicySize(scope.partition),
): PolicyStatement[] {
    const consumer: ArnScope = { region: scope.region, accountId: scope.consumerAccountId, partition: scope.partition };
    const source: ArnScope = {
        region: scope.region,
        accountId: sourceCatalogOf(scope),
        partition: scope.partition,
    };
    const links = {
        arnScope: consumer,
        database: scope.consumerDatabaseName,
        names: scope.tables.map((t) => t.linkName),
    };
    const targets = { arnScope: source, database: scope.producerDatabaseName, names: scope.tables.map((t) => t.name) };
    const build = (wildcard: ReadonlySet<typeof links>): PolicyStatement[] => {
        const tableArns = (d: typeof links) =>
            wildcard.has(d)
                ? [glueTableArn(d.arnScope, d.database, "*")]
                : d.names.map((n) => glueTableArn(d.arnScope, d.database, n));
        return [
            { Sid: "LakeFormationDataAccess", Effect: "Allow", Action: ["lakeformation:GetDataAccess"], Resource: "*" },
            {
                Sid: "GlueReadLinksAndTargets",
                Effect: "Allow",
                Action: [...GLUE_READ_ACTIONS],
                Resource: [
                    glueCatalogArn(consumer),
                    glueDatabaseArn(consumer, scope.consumerDatabaseName),
                    ...tableArns(links),
                    glueCatalogArn(source),
                    glueDatabaseArn(source, scope.producerDatabaseName),
                    ...tableArns(targets),
                ],
            },
            {
                Sid: "AthenaDefaultDatabase",
                Effect: "Allow",
                Action: ["glue:GetDatabase"],
                Resource: [glueDatabaseArn(consumer, ATHENA_DEFAULT_DATABASE)],
            },
        ];
    };
    // The database whose ARNs take more room goes to a wildcard first.
    const size = (d: typeof links) =>
        d.names.reduce((n, name) => n + glueTableArn(d.arnScope, d.database, name).length, 0);
    const order = size(links) >= size(targets) ? [links, targets] : [targets, links];
    const wildcard = new Set<typeof links>();
    let statements = build(wildcard);
    for (const d of order) {
        if (policySize(policyDocument(statements)) <= budget) break;
        wildcard.add(d);
        statements = build(wildcard);
    }
    return statements;
}

export function policyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

export interface ExportAccessScope {
    /** Region, account and partition of the consumer, for the Glue ARNs of the export database. */
    readonly arnScope: ArnScope;
    /** Glue database of the export's Iceberg tables. */
    readonly exportDatabaseName: string;
    readonly workgroupArn: string;
    readonly resultsBucket: string;
    readonly exportsBucket: string;
    /** Key prefixes the export writes in the exports bucket (data, manifests, watermark state). */
    readonly exportPrefixes: readonly string[];
    readonly logGroupArn: string;
    readonly failureQueueArn: string;
    readonly kmsKeyArn?: string;
    readonly tracing: boolean;
    readonly partition?: string;
}

/**
 * What the export adds to the querying role: Athena on its one workgroup, S3 on the exact
 * buckets and prefixes (Athena writes query results and UNLOAD output as the caller), its own
 * log group, its failure queue, and KMS and X-Ray only when configured.
 */
export function exportStatements(scope: ExportAccessScope): PolicyStatement[] {
    const s3 = (bucket: string, key?: string) =>
        `${s3BucketArn(bucket, scope.partition)}${key === undefined ? "" : `/${key}`}`;
    const statements: PolicyStatement[] = [
        {
            Sid: "AthenaWorkgroup",
            Effect: "Allow",
            Action: [
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "athena:GetQueryRuntimeStatistics",
                "athena:GetWorkGroup",
                "athena:StartQueryExecution",
                "athena:StopQueryExecution",
            ],
            Resource: [scope.workgroupArn],
        },
        {
            Sid: "ListBuckets",
            Effect: "Allow",
            Action: ["s3:GetBucketLocation", "s3:ListBucket"],
            Resource: [s3(scope.resultsBucket), s3(scope.exportsBucket)],
        },
        {
            Sid: "AthenaResults",
            Effect: "Allow",
            Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
            Resource: [s3(scope.resultsBucket, "*")],
        },
        {
            // DeleteObject: a re-run clears its own run prefix before UNLOAD (which refuses a non-empty destination).
            Sid: "ExportObjects",
            Effect: "Allow",
            Action: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            Resource: scope.exportPrefixes.map((prefix) => s3(scope.exportsBucket, `${prefix}/*`)),
        },
        {
            Sid: "OwnLogGroup",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: [`${scope.logGroupArn}:*`],
        },
        {
            // The function creates the Iceberg tables (glue:CreateTable) and adds their columns
            // (glue:UpdateTable); Athena's MERGEs commit through Glue as the caller (UpdateTable).
            Sid: "ExportTables",
            Effect: "Allow",
            Action: [...EXPORT_TABLE_ACTIONS],
            Resource: [
                glueCatalogArn(scope.arnScope),
                glueDatabaseArn(scope.arnScope, scope.exportDatabaseName),
                glueTableArn(scope.arnScope, scope.exportDatabaseName, "*"),
            ],
        },
        { Sid: "FailureDestination", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [scope.failureQueueArn] },
    ];
    if (scope.kmsKeyArn) {
        statements.push({
            Sid: "Kms",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: [scope.kmsKeyArn],
        });
    }
    if (scope.tracing) {
        statements.push({
            Sid: "XRay",
            Effect: "Allow",
            Action: ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            Resource: "*",
        });
    }
    return statements;
}

/** Log groups the Glue table optimizers write to (glue/latest/dg/optimization-prerequisites.html). */
export const TABLE_OPTIMIZER_LOG_GROUPS = [
    "/aws-glue/iceberg-compaction/logs",
    "/aws-glue/iceberg-retention/logs",
    "/aws-glue/iceberg-orphan-file-deletion/logs",
] as const;

/** Trust for the Glue table optimizers' role, as glue/latest/dg/optimization-prerequisites.html gives it. */
export function glueTrustPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "glue.amazonaws.com" }, Action: "sts:AssumeRole" }],
    };
}

/**
 * The Glue table optimizers' role on the export's Iceberg tables, for data registered with Lake
 * Formation (glue/latest/dg/optimization-prerequisites.html, "Use the following policy to enable
 * compaction for data registered with Lake Formation"): Lake Formation data access (it vends the S3
 * credentials; the role's LF grants decide what they cover), glue:GetTable and glue:UpdateTable on
 * the export database's tables, its three log groups, and the customer key when the bucket uses one.
 */
export function tableOptimizerStatements(scope: {
    readonly arnScope: ArnScope;
    readonly exportDatabaseName: string;
    readonly kmsKeyArn?: string;
}): PolicyStatement[] {
    const { arnScope } = scope;
    return [
        { Sid: "LakeFormationDataAccess", Effect: "Allow", Action: ["lakeformation:GetDataAccess"], Resource: "*" },
        {
            Sid: "ExportTables",
            Effect: "Allow",
            Action: ["glue:GetTable", "glue:UpdateTable"],
            Resource: [
                glueCatalogArn(arnScope),
                glueDatabaseArn(arnScope, scope.exportDatabaseName),
                glueTableArn(arnScope, scope.exportDatabaseName, "*"),
            ],
        },
        {
            Sid: "OptimizerLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: TABLE_OPTIMIZER_LOG_GROUPS.map((g) => `${logGroupArn(arnScope, g)}:*`),
        },
        ...(scope.kmsKeyArn
            ? [
                  {
                      Sid: "Kms",
                      Effect: "Allow" as const,
                      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                      Resource: [scope.kmsKeyArn],
                  },
              ]
            : []),
    ];
}

/**
 * The Scheduler's role: invoke the one function, and dead-letter to the one queue (encrypting
 * with its key when the queue has a customer managed one).
 */
export function schedulerStatements(
    functionArn: string,
    deadLetterQueueArn: string,
    kmsKeyArn?: string,
): PolicyStatement[] {
    return [
        { Sid: "InvokeExport", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [functionArn] },
        { Sid: "DeadLetter", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [deadLetterQueueArn] },
        ...(kmsKeyArn
            ? [
                  {
                      Sid: "DeadLetterKms",
                      Effect: "Allow" as const,
                      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                      Resource: [kmsKeyArn],
                  },
              ]
            : []),
    ];
}

/** Trust for EventBridge Scheduler, limited to schedules of this account (confused deputy). */
export function schedulerTrustPolicy(accountId: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "scheduler.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
        ],
    };
}

/** Bucket policy that refuses any request not made over TLS. */
export function denyInsecureTransport(bucketArn: string, extra: readonly PolicyStatement[] = []): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            ...extra,
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

/**
 * Lets S3's logging service write server access logs of the source buckets (of this account)
 * into a logs bucket: the bucket-policy form AWS recommends over ACLs, scoped by source bucket
 * and account (AmazonS3/latest/userguide/enable-server-access-logging.html).
 */
export function accessLogDeliveryStatement(
    logsBucketArn: string,
    sourceBucketArns: readonly string[],
    accountId: string,
): PolicyStatement {
    return {
        Sid: "S3ServerAccessLogsDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: ["s3:PutObject"],
        Resource: [`${logsBucketArn}/*`],
        Condition: {
            ArnLike: { "aws:SourceArn": [...sourceBucketArns] },
            StringEquals: { "aws:SourceAccount": accountId },
        },
    };
}

/**
 * Key policy of the alarm topic's key: the account administers it (through IAM), and CloudWatch
 * may use it to publish alarms of this account to the encrypted topic. The AWS managed aws/sns key
 * cannot be used: its policy cannot let CloudWatch in
 * (sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 */
export function alarmTopicKeyPolicy(scope: ArnScope): PolicyDocument {
    const partition = scope.partition ?? "aws";
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministers",
                Effect: "Allow",
                Principal: { AWS: `arn:${partition}:iam::${scope.accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "CloudWatchPublishesAlarms",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                Resource: "*",
                Condition: {
                    StringEquals: { "aws:SourceAccount": scope.accountId },
                    ArnLike: {
                        "aws:SourceArn": `arn:${partition}:cloudwatch:${scope.region}:${scope.accountId}:alarm:*`,
                    },
                },
            },
        ],
    };
}
