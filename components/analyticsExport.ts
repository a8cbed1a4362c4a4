import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ExportConfig, TableConfig } from "../lib/config";
import { EXPORT_STATE_PREFIXES } from "../lib/names";
import { athenaWorkgroupArn, logGroupArn } from "../lib/arns";
import { exportStatements, policyDocument, schedulerStatements, schedulerTrustPolicy } from "../lib/iam";
import { lambdaCodeArchive, lambdaCodeText } from "./lambdaCode";
import { SecureBucket } from "./secureBucket";

/** The scheduled event's input: the handler derives the run id from the scheduled time. */
export const SCHEDULE_INPUT = JSON.stringify({ scheduledTime: "<aws.scheduler.scheduled-time>" });

/**
 * The export's settings are its config keys (`ExportConfig`, lib/config/types.ts: names, defaults
 * and rules are declared once in lib/config/schema.ts), plus what the consumer stack wires in.
 */
export interface AnalyticsExportArgs extends ExportConfig {
    readonly region: string;
    /** The stack's partition, for ARNs (`aws.getPartition`). Default `aws`. */
    readonly partition?: string;
    readonly accountId: string;
    /** `${projectName}-${environment}`: the stem of bucket, function and queue names. */
    readonly namePrefix: string;
    /** Name and ARN of the querying role (ConsumerLinkSet); the export adds its own policy to it. */
    readonly roleName: pulumi.Input<string>;
    readonly roleArn: pulumi.Input<string>;
    /** Consumer database holding the resource links that the queries read. */
    readonly sourceDatabase: pulumi.Input<string>;
    readonly tables: readonly TableConfig[];
    /** Alarms on Errors and Throttles, and X-Ray tracing. Default false. */
    readonly enableDetailedMonitoring?: boolean;
    /** DEBUG log level. Default false (INFO). */
    readonly enableCloudwatchLogging?: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The scheduled export of the consumer account: a Lambda that UNLOADs the linked tables through
 * Athena into S3, with its buckets, workgroup, schedule, retries, failure queue and logs.
 */
export class AnalyticsExport extends pulumi.ComponentResource {
    public readonly function: aws.lambda.Function;
    public readonly functionName: pulumi.Output<string>;
    public readonly functionArn: pulumi.Output<string>;
    public readonly workgroupName: pulumi.Output<string>;
    public readonly resultsBucketName: pulumi.Output<string>;
    public readonly exportsBucketName: pulumi.Output<string>;
    public readonly scheduleName: pulumi.Output<string>;
    public readonly failureQueueArn: pulumi.Output<string>;

    constructor(name: string, args: AnalyticsExportArgs, opts?: pulumi.ComponentResourceOptions) {
        super("connect-analytics:export:AnalyticsExport", name, {}, opts);
        const parent = { parent: this };
        const tags = { ...args.tags };

        const results = new SecureBucket(
            `${name}-results`,
            {
                bucketName: `${args.namePrefix}-athena-results-${args.accountId}`,
                kmsKeyArn: args.kmsKeyArn,
                lifecycleRules: [
                    {
                        id: "expire-query-results",
                        status: "Enabled",
                        filter: {},
                        expiration: { days: args.athenaResultsExpirationDays },
                    },
                ],
                tags,
            },
            parent,
        );
        const exportsBucket = new SecureBucket(
            `${name}-exports`,
            {
                bucketName: `${args.namePrefix}-exports-${args.accountId}`,
                kmsKeyArn: args.kmsKeyArn,
                versioning: true,
                lifecycleRules: [
                    {
                        id: "cheaper-storage-with-age",
                        status: "Enabled",
                        filter: { prefix: `${args.exportPrefix}/` },
                        transitions: [
                            { days: args.exportsTransitionDays, storageClass: "STANDARD_IA" },
                            { days: args.exportsTransitionDays + 90, storageClass: "GLACIER_IR" },
                        ],
                    },
                    // Re-runs overwrite their own run prefix; old versions need not live forever.
                    {
                        id: "expire-noncurrent-versions",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: 30 },
                    },
                ],
                tags,
            },
            parent,
        );

        const workgroup = new aws.athena.Workgroup(
            `${name}-workgroup`,
            {
                name: args.athenaWorkgroupName,
                description: "Connect analytics export: enforced settings, encrypted results, per-query scan cutoff",
                configuration: {
                    enforceWorkgroupConfiguration: true,
                    publishCloudwatchMetricsEnabled: true,
                    bytesScannedCutoffPerQuery: args.bytesScannedCutoffPerQuery,
                    engineVersion: { selectedEngineVersion: "Athena engine version 3" },
                    resultConfiguration: {
                        outputLocation: pulumi.interpolate`s3://${results.bucketName}/athena/`,
                        encryptionConfiguration: args.kmsKeyArn
                            ? { encryptionOption: "SSE_KMS", kmsKeyArn: args.kmsKeyArn }
                            : { encryptionOption: "SSE_S3" },
                        expectedBucketOwner: args.accountId,
                    },
                },
                tags,
            },
            parent,
        );

        const failures = new aws.sqs.Queue(
            `${name}-failures`,
            {
                name: `${args.namePrefix}-export-failures`,
                messageRetentionSeconds: 14 * 24 * 3600,
                sqsManagedSseEnabled: true,
                tags,
            },
            parent,
        );

        const functionName = `${args.namePrefix}-export`;
        // Created before the function, so Lambda never creates it without a retention.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/aws/lambda/${functionName}`,
                retentionInDays: args.logRetentionDays,
                kmsKeyId: args.kmsKeyArn,
                tags,
            },
            parent,
        );

        const exportPolicy = new aws.iam.RolePolicy(
            `${name}-access`,
            {
                name: "analytics-export",
                role: args.roleName,
                policy: pulumi
                    .all([results.bucketName, exportsBucket.bucketName, failures.arn])
                    .apply(([resultsBucket, exportBucket, queueArn]) =>
                        JSON.stringify(
                            policyDocument(
                                exportStatements({
                                    workgroupArn: athenaWorkgroupArn(
                                        { region: args.region, accountId: args.accountId, partition: args.partition },
                                        args.athenaWorkgroupName,
                                    ),
                                    resultsBucket,
                                    exportsBucket: exportBucket,
                                    exportPrefixes: [args.exportPrefix, ...EXPORT_STATE_PREFIXES],
                                    logGroupArn: logGroupArn(
                                        { region: args.region, accountId: args.accountId, partition: args.partition },
                                        `/aws/lambda/${functionName}`,
                                    ),
                                    failureQueueArn: queueArn,
                                    kmsKeyArn: args.kmsKeyArn,
                                    tracing: args.enableDetailedMonitoring ?? false,
                                    partition: args.partition,
                                }),
                            ),
                        ),
                    ),
            },
            parent,
        );

        const environment: Record<string, pulumi.Input<string>> = {
            EXPORT_BUCKET: exportsBucket.bucketName,
            EXPORT_PREFIX: args.exportPrefix,
            ATHENA_WORKGROUP: workgroup.name,
            SOURCE_DATABASE: args.sourceDatabase,
            // Excluded columns travel with the tables: the export must not select what the producer withholds.
            TABLES_JSON: JSON.stringify(
                args.tables.map((t) => ({
                    name: t.name,
                    linkName: t.linkName,
                    timeColumn: t.timeColumn,
                    excludedColumns: t.excludedColumns,
                })),
            ),
            EXPORT_FORMAT: args.exportFormat,
            LATE_DATA_OVERLAP_DAYS: String(args.lateDataOverlapDays),
            LOG_LEVEL: args.enableCloudwatchLogging ? "DEBUG" : "INFO",
        };
        this.function = new aws.lambda.Function(
            `${name}-function`,
            {
                name: functionName,
                description: "Exports the shared Amazon Connect tables to S3 through Athena",
                // One file: the handler serialized by Pulumi and minified (components/lambdaCode.ts).
                code: lambdaCodeArchive(lambdaCodeText()),
                handler: "index.handler",
                role: args.roleArn,
                // nodejs20.x is deprecated (function creation blocked); nodejs24.x is supported to 2028-04-30.
                runtime: aws.lambda.Runtime.NodeJS24dX,
                timeout: args.lambdaTimeoutSeconds,
                memorySize: args.lambdaMemoryMb,
                environment: { variables: environment },
                loggingConfig: {
                    logFormat: "JSON",
                    logGroup: logGroup.name,
                    applicationLogLevel: args.enableCloudwatchLogging ? "DEBUG" : "INFO",
                    systemLogLevel: "INFO",
                },
                tracingConfig: args.enableDetailedMonitoring ? { mode: "Active" } : undefined,
                kmsKeyArn: args.kmsKeyArn,
                tags,
            },
            { parent: this, dependsOn: [logGroup, exportPolicy] },
        );

        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-async`,
            {
                functionName: this.function.name,
                maximumRetryAttempts: 2,
                maximumEventAgeInSeconds: 3600,
                destinationConfig: { onFailure: { destination: failures.arn } },
            },
            parent,
        );

        const schedulerRole = new aws.iam.Role(
            `${name}-scheduler`,
            {
                name: `${args.namePrefix}-export-scheduler`,
                assumeRolePolicy: JSON.stringify(schedulerTrustPolicy(args.accountId)),
                tags,
            },
            parent,
        );
        const schedulerPolicy = new aws.iam.RolePolicy(
            `${name}-scheduler-invoke`,
            {
                name: "invoke-export",
                role: schedulerRole.name,
                policy: pulumi
                    .all([this.function.arn, failures.arn])
                    .apply(([fn, queue]) => JSON.stringify(policyDocument(schedulerStatements(fn, queue)))),
            },
            parent,
        );
        const schedule = new aws.scheduler.Schedule(
            `${name}-schedule`,
            {
                name: `${args.namePrefix}-export`,
                description: "Runs the Connect analytics export",
                scheduleExpression: args.exportSchedule,
                scheduleExpressionTimezone: "UTC",
                flexibleTimeWindow: { mode: "OFF" },
                target: {
                    arn: this.function.arn,
                    roleArn: schedulerRole.arn,
                    input: SCHEDULE_INPUT,
                    retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
                    deadLetterConfig: { arn: failures.arn },
                },
            },
            { parent: this, dependsOn: [schedulerPolicy] },
        );

        if (args.enableDetailedMonitoring) {
            for (const metric of ["Errors", "Throttles"]) {
                new aws.cloudwatch.MetricAlarm(
                    `${name}-${metric.toLowerCase()}`,
                    {
                        name: `${functionName}-${metric.toLowerCase()}`,
                        alarmDescription: `The Connect analytics export reported ${metric}`,
                        namespace: "AWS/Lambda",
                        metricName: metric,
                        dimensions: { FunctionName: this.function.name },
                        statistic: "Sum",
                        period: 300,
                        evaluationPeriods: 1,
                        threshold: 1,
                        comparisonOperator: "GreaterThanOrEqualToThreshold",
                        treatMissingData: "notBreaching",
                        tags,
                    },
                    parent,
                );
            }
        }

        this.functionName = this.function.name;
        this.functionArn = this.function.arn;
        this.workgroupName = workgroup.name;
        this.resultsBucketName = results.bucketName;
        this.exportsBucketName = exportsBucket.bucketName;
        this.scheduleName = schedule.name;
        this.failureQueueArn = failures.arn;
        this.registerOutputs({
            functionName: this.functionName,
            functionArn: this.functionArn,
            workgroupName: this.workgroupName,
            resultsBucketName: this.resultsBucketName,
            exportsBucketName: this.exportsBucketName,
            scheduleName: this.scheduleName,
        });
    }
}
