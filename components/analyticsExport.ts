import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsnative from "@pulumi/aws-native";
import type { ExportConfig, TableConfig } from "../lib/config";
import { exportModesLine } from "../lib/connectDatasets";
import { environmentSizeProblem, handlerEnvironment, tablesObject } from "../lib/exportEnvironment";
import {
    accessLogsBucketName,
    athenaResultsBucketName,
    EXPORT_STATE_PREFIXES,
    exportsBucketName as exportsBucketNameOf,
    icebergRoot,
    tableOptimizerRoleName,
} from "../lib/names";
import { athenaWorkgroupArn, ArnScope, iamRoleArn, logGroupArn, s3BucketArn } from "../lib/arns";
import {
    alarmTopicKeyPolicy,
    exportStatements,
    glueTrustPolicy,
    policyDocument,
    schedulerStatements,
    schedulerTrustPolicy,
    tableOptimizerStatements,
} from "../lib/iam";
import { DataFilter, exportGrants, exportReaderFilters, ExportShare, LfGrant, ReaderConfig } from "../lib/permissions";
import { createDataFilters, createGrants } from "../stack/grants";
import { SETUP_EVENT } from "../functions";
import { lambdaCodeArchive, lambdaCodeText } from "./lambdaCode";
import { SecureBucket } from "./secureBucket";

/** The scheduled event's input: the handler derives the run id from the scheduled time. */
export const SCHEDULE_INPUT = JSON.stringify({ scheduledTime: "<aws.scheduler.scheduled-time>" });

/**
 * The Glue table optimizers of each export table (glue/latest/dg/table-optimizers.html): Athena
 * runs no OPTIMIZE or VACUUM on Lake Formation-registered Iceberg tables, and the optimizers work on
 * them with a role holding Lake Formation ALTER, DESCRIBE, INSERT and DELETE
 * (glue/latest/dg/optimization-prerequisites.html). Compaction runs as files accumulate; snapshots
 * older than 7 days are expired (the last one always kept) and their files deleted; files no
 * snapshot references are deleted after 3 days (the service's default), so a MERGE still writing
 * is never touched.
 */
export const TABLE_OPTIMIZERS = {
    compaction: { compactionConfiguration: { icebergConfiguration: { strategy: "binpack" } } },
    retention: {
        retentionConfiguration: {
            icebergConfiguration: {
                snapshotRetentionPeriodInDays: 7,
                numberOfSnapshotsToRetain: 1,
                cleanExpiredFiles: true,
            },
        },
    },
    orphan_file_deletion: {
        orphanFileDeletionConfiguration: { icebergConfiguration: { orphanFileRetentionPeriodInDays: 3 } },
    },
} as const;

/** How long the stack's own access-logs bucket keeps server access logs. */
export const ACCESS_LOG_EXPIRATION_DAYS = 365;

/**
 * The export's settings are its config keys (`ExportConfig`, lib/config/types.ts: names, defaults
 * and rules are declared once in lib/config/schema.ts), plus what the consumer stack wires in.
 */
export interface AnalyticsExportArgs extends ExportConfig {
    readonly region: string;
    /** The stack's partition, for ARNs (`aws.getPartition`). Default `aws`. */
    readonly partition?: string;
    readonly accountId: string;
    /** `stackNamePrefix` (lib/names.ts): the stem of bucket, function and queue names. */
    readonly namePrefix: string;
    /** Name and ARN of the querying role (ConsumerLinkSet); the export adds its own policy to it. */
    readonly roleName: pulumi.Input<string>;
    readonly roleArn: pulumi.Input<string>;
    /** The role's ARN as text (it is known before the role exists), for the Lake Formation grants. */
    readonly principalArn: string;
    /** Consumer database holding the resource links that the queries read. */
    readonly sourceDatabase: string;
    /** The exported tables, each with its primaryKey and versionColumn (lib/config `withExportKeys`). */
    readonly tables: readonly TableConfig[];
    /** Readers (config `readers`): each sees its tables' exported copies through its own filters. Default none. */
    readonly readers?: readonly ReaderConfig[];
    /** Errors and Throttles alarms, and X-Ray tracing. Default false. */
    readonly enableDetailedMonitoring?: boolean;
    /** DEBUG log level. Default false (INFO). */
    readonly enableCloudwatchLogging?: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The scheduled export of the consumer account: a Lambda that merges the linked tables through
 * Athena into Iceberg tables of its own database (or writes day folders, `exportTarget: files`),
 * with its buckets, workgroup, schedules, retries, failure queue, alarms and logs.
 */
export class AnalyticsExport extends pulumi.ComponentResource {
    public readonly function: aws.lambda.Function;
    public readonly functionName: pulumi.Output<string>;
    public readonly functionArn: pulumi.Output<string>;
    public readonly workgroupName: pulumi.Output<string>;
    public readonly resultsBucketName: pulumi.Output<string>;
    public readonly exportsBucketName: pulumi.Output<string>;
    public readonly accessLogsBucketName: pulumi.Output<string>;
    public readonly scheduleName: pulumi.Output<string>;
    /** The Glue table optimizers' role (iceberg target); undefined with `exportTarget: files`. */
    public readonly optimizerRoleArn: pulumi.Output<string | undefined>;
    public readonly failureQueueArn: pulumi.Output<string>;
    public readonly alarmTopicArn: pulumi.Output<string>;
    /** The Iceberg tables' database; undefined with `exportTarget: files`. */
    public readonly exportDatabaseName: pulumi.Output<string | undefined>;
    /** Principals granted DESCRIBE and SELECT on the export tables: none with `exportTarget: files` (no tables). */
    public readonly exportReaders: readonly string[];
    /** The Lake Formation grants of the export, as the permission model states them. */
    public readonly grants: pulumi.Output<LfGrant[]>;
    /** Readers' data cells filters on the export tables. */
    public readonly dataFilters: pulumi.Output<DataFilter[]>;

    constructor(name: string, args: AnalyticsExportArgs, opts?: pulumi.ComponentResourceOptions) {
        super("connect-analytics:export:AnalyticsExport", name, {}, opts);
        const parent = { parent: this };
        const tags = { ...args.tags };
        const scope: ArnScope = { region: args.region, accountId: args.accountId, partition: args.partition };
        const iceberg = args.exportTarget === "iceberg";

        // How each table is written, in the plan and the deploy log (lib/connectDatasets.ts).
        void pulumi.log.info(exportModesLine(args.tables), this);

        const exportsBucketName = exportsBucketNameOf(args.namePrefix, args.accountId);
        const environment = handlerEnvironment({
            ...args,
            exportsBucket: exportsBucketName,
            logLevel: args.enableCloudwatchLogging ? "DEBUG" : "INFO",
        });
        // The config checks it first; a component used on its own stops here, before creating anything.
        const tooBig = environmentSizeProblem(environment);
        if (tooBig) throw new pulumi.ResourceError(tooBig, this, true);

        const results = new SecureBucket(
            `${name}-results`,
            {
                bucketName: athenaResultsBucketName(args.namePrefix, args.accountId),
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

        // Server access logs of the bucket that holds contact-centre data. S3 delivers them only to
        // a bucket encrypted with SSE-S3 or a key it may use, so the stack's own logs bucket is SSE-S3.
        const logs = args.accessLogsBucket
            ? undefined
            : new SecureBucket(
                  `${name}-access-logs`,
                  {
                      bucketName: accessLogsBucketName(args.namePrefix, args.accountId),
                      lifecycleRules: [
                          {
                              id: "expire-access-logs",
                              status: "Enabled",
                              filter: {},
                              expiration: { days: ACCESS_LOG_EXPIRATION_DAYS },
                          },
                      ],
                      receivesAccessLogsOf: {
                          accountId: args.accountId,
                          bucketArns: [s3BucketArn(exportsBucketName, args.partition)],
                      },
                      tags,
                  },
                  parent,
              );
        const accessLogsBucket: pulumi.Input<string> = args.accessLogsBucket ?? logs!.bucketName;
        const exportsBucket = new SecureBucket(
            `${name}-exports`,
            {
                bucketName: exportsBucketName,
                kmsKeyArn: args.kmsKeyArn,
                versioning: true,
                accessLogs: { bucket: accessLogsBucket, prefix: `${exportsBucketName}/` },
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
                    // Replaced day folders, VACUUMed Iceberg files and old manifests: versions need not live forever.
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

        // The customer's key when given (its policy must let the Scheduler and Lambda roles use it);
        // else SQS-managed encryption.
        const failures = new aws.sqs.Queue(
            `${name}-failures`,
            {
                name: `${args.namePrefix}-export-failures`,
                messageRetentionSeconds: 14 * 24 * 3600,
                ...(args.kmsKeyArn ? { kmsMasterKeyId: args.kmsKeyArn } : { sqsManagedSseEnabled: true }),
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
                                    arnScope: scope,
                                    exportDatabaseName: args.exportDatabaseName,
                                    workgroupArn: athenaWorkgroupArn(scope, args.athenaWorkgroupName),
                                    resultsBucket,
                                    exportsBucket: exportBucket,
                                    exportPrefixes: [args.exportPrefix, ...EXPORT_STATE_PREFIXES],
                                    logGroupArn: logGroupArn(scope, `/aws/lambda/${functionName}`),
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

        const catalog = iceberg ? this.icebergCatalog(name, args, exportsBucket, exportsBucketName) : undefined;

        // The per-table settings: an object of the exports bucket the environment names with its hash
        // (lib/exportEnvironment.ts), not the environment itself, whose 4 KB would cap the tables.
        const settings = tablesObject(args.tables);
        const tablesSettings = new aws.s3.BucketObjectv2(
            `${name}-tables`,
            {
                bucket: exportsBucket.bucketName,
                key: settings.key,
                content: settings.text,
                contentType: "application/json",
                tags,
            },
            { parent: this, dependsOn: [exportsBucket] },
        );

        this.function = new aws.lambda.Function(
            `${name}-function`,
            {
                name: functionName,
                description: "Merges the shared Amazon Connect tables into the export through Athena",
                // One file: the handler serialized by Pulumi and minified (components/lambdaCode.ts).
                code: lambdaCodeArchive(lambdaCodeText()),
                handler: "index.handler",
                role: args.roleArn,
                // nodejs20.x is deprecated (function creation blocked); nodejs24.x is supported to 2028-04-30
                // (lambda/latest/dg/lambda-runtimes.html, the supported and deprecated runtime tables).
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
            // The environment names the buckets and workgroup by value: the function waits for them.
            {
                parent: this,
                dependsOn: [
                    logGroup,
                    exportPolicy,
                    exportsBucket,
                    tablesSettings,
                    results,
                    workgroup,
                    ...(catalog?.ready ?? []),
                ],
            },
        );
        const views = catalog ? this.tableResources(name, args, catalog, environment.TABLES_SHA256) : [];

        // Two retries: they also continue a first load that stopped between chunks at the deadline.
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
                    .apply(([fn, queue]) =>
                        JSON.stringify(policyDocument(schedulerStatements(fn, queue, args.kmsKeyArn))),
                    ),
            },
            parent,
        );
        const schedule = (
            suffix: string,
            scheduleName: string,
            description: string,
            expression: string,
            input: string,
        ) =>
            new aws.scheduler.Schedule(
                `${name}-${suffix}`,
                {
                    name: `${args.namePrefix}-${scheduleName}`,
                    description,
                    scheduleExpression: expression,
                    scheduleExpressionTimezone: "UTC",
                    flexibleTimeWindow: { mode: "OFF" },
                    target: {
                        arn: this.function.arn,
                        roleArn: schedulerRole.arn,
                        input,
                        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
                        deadLetterConfig: { arn: failures.arn },
                    },
                },
                { parent: this, dependsOn: [schedulerPolicy] },
            );
        const daily = schedule(
            "schedule",
            "export",
            "Runs the Connect analytics export",
            args.exportSchedule,
            SCHEDULE_INPUT,
        );

        const topic = this.alarmTopic(name, args, scope, tags);
        const alarm = (suffix: string, alarmArgs: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "tags">) =>
            new aws.cloudwatch.MetricAlarm(
                `${name}-${suffix}`,
                { ...alarmArgs, alarmActions: [topic.arn], okActions: [topic.arn], tags },
                parent,
            );
        // A message in the failure queue is a run that failed after its retries: always worth a mail.
        alarm("failed-runs", {
            name: `${functionName}-failed-runs`,
            alarmDescription: "A Connect analytics export run failed after its retries; see the failure queue",
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: failures.name },
            statistic: "Maximum",
            period: 300,
            evaluationPeriods: 1,
            threshold: 1,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            treatMissingData: "notBreaching",
        });
        if (args.enableDetailedMonitoring) {
            for (const metric of ["Errors", "Throttles"]) {
                alarm(metric.toLowerCase(), {
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
                });
            }
        }

        this.functionName = this.function.name;
        this.functionArn = this.function.arn;
        this.workgroupName = workgroup.name;
        this.resultsBucketName = results.bucketName;
        this.exportsBucketName = exportsBucket.bucketName;
        this.accessLogsBucketName = pulumi.output(accessLogsBucket);
        this.scheduleName = daily.name;
        this.optimizerRoleArn = catalog ? catalog.optimizerRole.arn : pulumi.output(undefined);
        this.failureQueueArn = failures.arn;
        this.alarmTopicArn = topic.arn;
        this.exportDatabaseName = catalog
            ? catalog.database.urn.apply(() => args.exportDatabaseName)
            : pulumi.output(undefined);
        this.exportReaders = catalog ? catalog.model.export.readers : [];
        this.dataFilters = catalog
            ? pulumi.all(views.map((r) => r.urn)).apply(() => catalog.filters)
            : pulumi.output([]);
        this.grants = catalog
            ? pulumi.all([...catalog.ready, ...views].map((r) => r.urn)).apply(() => catalog.grants)
            : pulumi.output([]);
        this.registerOutputs({
            functionName: this.functionName,
            functionArn: this.functionArn,
            workgroupName: this.workgroupName,
            resultsBucketName: this.resultsBucketName,
            exportsBucketName: this.exportsBucketName,
            accessLogsBucketName: this.accessLogsBucketName,
            scheduleName: this.scheduleName,
            optimizerRoleArn: this.optimizerRoleArn,
            alarmTopicArn: this.alarmTopicArn,
            exportDatabaseName: this.exportDatabaseName,
            grants: this.grants,
        });
    }

    /**
     * The Iceberg tables' side of the catalog: their database, their location registered with
     * Lake Formation (so Lake Formation vends access to their files, and grants and filters on
     * them apply: athena/latest/ug/security-athena-lake-formation.html), the table optimizers'
     * role, and the grants of `exportGrants`. The export creates the tables themselves.
     */
    private icebergCatalog(
        name: string,
        args: AnalyticsExportArgs,
        exportsBucket: SecureBucket,
        exportsBucketName: string,
    ) {
        // No IAMAllowedPrincipals on the export's tables, whatever the account's defaults: an explicit
        // empty CreateTableDefaultPermissions (Glue API DatabaseInput) gives new tables Lake Formation
        // permissions only, so readers' data cells filters cannot be bypassed through IAM. The classic
        // aws.glue.CatalogDatabase cannot send an empty list (it sends the field only when non-empty,
        // so the account default applies: terraform-provider-aws #27295); the CloudFormation resource
        // sends it (cloudformation-coverage-roadmap #576).
        const database = new awsnative.glue.Database(
            `${name}-database`,
            {
                catalogId: args.accountId,
                databaseName: args.exportDatabaseName,
                databaseInput: {
                    name: args.exportDatabaseName,
                    description:
                        "Connect analytics export: one Iceberg table per exported table, one current row per key",
                    locationUri: `s3://${exportsBucketName}/${icebergRoot(args.exportPrefix)}/`,
                    createTableDefaultPermissions: [],
                },
            },
            // Deleting a Glue database deletes its tables, which the export made and holds data in;
            // the stack deletes only what it made, so it lets go of the database instead.
            { parent: this, retainOnDelete: true },
        );
        const optimizerRoleName = tableOptimizerRoleName(args.namePrefix);
        const optimizerRoleArn = iamRoleArn(
            { accountId: args.accountId, partition: args.partition },
            optimizerRoleName,
        );
        const optimizerRole = new aws.iam.Role(
            `${name}-optimizer`,
            {
                name: optimizerRoleName,
                description: "Glue table optimizers of the Connect analytics export's Iceberg tables",
                assumeRolePolicy: JSON.stringify(glueTrustPolicy()),
                tags: { ...args.tags },
            },
            { parent: this },
        );
        const optimizerPolicy = new aws.iam.RolePolicy(
            `${name}-optimizer-access`,
            {
                name: "table-optimizers",
                role: optimizerRole.name,
                policy: JSON.stringify(
                    policyDocument(
                        tableOptimizerStatements({
                            arnScope: { region: args.region, accountId: args.accountId, partition: args.partition },
                            exportDatabaseName: args.exportDatabaseName,
                            kmsKeyArn: args.kmsKeyArn,
                        }),
                    ),
                ),
            },
            { parent: this },
        );
        const share: ExportShare = {
            databaseName: args.exportDatabaseName,
            locationArn: `${s3BucketArn(exportsBucketName, args.partition)}/${icebergRoot(args.exportPrefix)}`,
            readers: args.exportReaders,
            optimizerRoleArn,
        };
        // The service-linked role reads and writes registered locations for Lake Formation; with
        // a customer managed key, its key policy must let that role use the key.
        const location = new aws.lakeformation.Resource(
            `${name}-location`,
            { arn: share.locationArn, useServiceLinkedRole: true },
            { parent: this, dependsOn: [exportsBucket] },
        );
        const model = {
            consumerAccountId: args.accountId,
            consumerPrincipalArn: args.principalArn,
            export: share,
            readers: args.readers ?? [],
            tables: args.tables,
        };
        const grants = exportGrants(model);
        // Readers' filters on the export tables, made by `tableResources` and listed in the outputs.
        const filters = exportReaderFilters(model);
        // Grants on readers' filters wait for the tables and filters (`tableResources`).
        const made = createGrants(
            name,
            grants.filter((g) => g.resource.kind !== "dataCellsFilter"),
            args.accountId,
            { parent: this, dependsOn: [database, location, optimizerRole] },
            { arn: args.principalArn, output: args.roleArn },
        );
        return {
            model,
            grants,
            filters,
            database,
            optimizerRole,
            optimizerReady: [optimizerPolicy, ...made],
            ready: [database, location, ...made],
        };
    }

    /**
     * What needs the export's tables: they are the function's to create (it reads their columns
     * from the source links at run time, and adds new ones), so the stack invokes it once with the
     * setup event (create the missing tables, read no data), then makes each reader's filter and its
     * grant, and each table's Glue optimizers. Again whenever the table list or the code changes.
     */
    private tableResources(
        name: string,
        args: AnalyticsExportArgs,
        catalog: NonNullable<ReturnType<AnalyticsExport["icebergCatalog"]>>,
        /** The table settings' hash: a change sets up again. */
        tablesSha256: string,
    ): pulumi.Resource[] {
        const setup = new aws.lambda.Invocation(
            `${name}-setup`,
            {
                functionName: this.function.name,
                input: SETUP_EVENT,
                triggers: { tables: tablesSha256, code: this.function.sourceCodeHash },
            },
            { parent: this, dependsOn: [this.function, ...catalog.ready] },
        );
        const optimizers = args.tables.flatMap((table) =>
            Object.entries(TABLE_OPTIMIZERS).map(
                ([type, configuration]) =>
                    new aws.glue.CatalogTableOptimizer(
                        `${name}-${table.name}-${type.replace(/_/g, "-")}`,
                        {
                            catalogId: args.accountId,
                            databaseName: args.exportDatabaseName,
                            tableName: table.name,
                            type,
                            configuration: { roleArn: catalog.optimizerRole.arn, enabled: true, ...configuration },
                        },
                        { parent: this, dependsOn: [setup, ...catalog.optimizerReady] },
                    ),
            ),
        );
        const made = createDataFilters(name, catalog.filters, { parent: this, dependsOn: [setup] });
        const grants = createGrants(
            name,
            catalog.grants.filter((g) => g.resource.kind === "dataCellsFilter"),
            args.accountId,
            { parent: this, dependsOn: made },
        );
        return [setup, ...optimizers, ...made, ...grants];
    }

    /** The alarms' topic, encrypted with the customer's key or a key of its own that CloudWatch may use. */
    private alarmTopic(
        name: string,
        args: AnalyticsExportArgs,
        scope: ArnScope,
        tags: Record<string, string>,
    ): aws.sns.Topic {
        const key = args.kmsKeyArn
            ? undefined
            : new aws.kms.Key(
                  `${name}-alarm-key`,
                  {
                      description: `${args.namePrefix}: encrypts the export's alarm topic`,
                      enableKeyRotation: true,
                      deletionWindowInDays: 30,
                      policy: JSON.stringify(alarmTopicKeyPolicy(scope)),
                      tags,
                  },
                  { parent: this },
              );
        const topic = new aws.sns.Topic(
            `${name}-alarms`,
            { name: `${args.namePrefix}-export-alarms`, kmsMasterKeyId: args.kmsKeyArn ?? key!.arn, tags },
            { parent: this },
        );
        if (args.alarmEmail) {
            new aws.sns.TopicSubscription(
                `${name}-alarm-email`,
                { topic: topic.arn, protocol: "email", endpoint: args.alarmEmail },
                { parent: this },
            );
        }
        return topic;
    }
}
