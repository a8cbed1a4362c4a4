import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { HANDLER_ENV_VARS } from "../functions/settings";
import { HANDLER_AWS_ACTIONS } from "../functions";
import { ACTIONS_WITHOUT_RESOURCE_SCOPE } from "../lib/iam";
import { PlannedResource } from "../plan/run";
import { CONSUMER, exportTables, ofType, plan, ROOT } from "./helpers";
import { LAMBDA_CODE_BUDGET } from "../components/lambdaCode";

type Plan = Awaited<ReturnType<typeof plan>>;
const byName = (p: Plan, name: string): PlannedResource => {
    const r = p.resources.find((x) => x.name === name);
    assert.ok(r, `no resource named ${name}`);
    return r;
};
const policyOf = (r: PlannedResource) =>
    JSON.parse(r.inputs.policy as string).Statement as Array<{
        Sid?: string;
        Effect: string;
        Action: string | string[];
        Resource: string | string[];
        Condition?: unknown;
    }>;

describe("AnalyticsExport (consumer stack, default config)", () => {
    let consumer: Plan;
    before(async () => {
        consumer = await plan("consumer");
    });

    it("is one component parenting the export's resources", () => {
        const component = consumer.resources.find((r) => r.type === "connect-analytics:export:AnalyticsExport");
        assert.ok(component);
        for (const name of [
            "export-workgroup",
            "export-function",
            "export-schedule",
            "export-failures",
            "export-logs",
            "export-async",
        ]) {
            assert.equal(byName(consumer, name).parent, component.name, name);
        }
    });

    for (const bucket of ["export-results", "export-exports"]) {
        it(`${bucket}: public access blocked, ACLs off, encrypted, TLS-only`, () => {
            assert.deepEqual(
                [true, true, true, true],
                ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].map(
                    (k) => byName(consumer, `${bucket}-public-access`).inputs[k],
                ),
            );
            assert.deepEqual(byName(consumer, `${bucket}-ownership`).inputs.rule, {
                objectOwnership: "BucketOwnerEnforced",
            });
            assert.deepEqual(
                (byName(consumer, `${bucket}-encryption`).inputs.rules as any)[0].applyServerSideEncryptionByDefault,
                { sseAlgorithm: "AES256" },
            );
            const [deny] = policyOf(byName(consumer, `${bucket}-tls-only`));
            const bucketName = byName(consumer, `${bucket}-bucket`).inputs.bucket;
            assert.deepEqual(deny, {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            });
            assert.equal(
                byName(consumer, `${bucket}-bucket`).parent,
                bucket,
                "each bucket lives in its SecureBucket component",
            );
        });
    }

    it("expires Athena results and moves exports to cheaper storage, keeping versions", () => {
        const results = byName(consumer, "export-results-lifecycle").inputs.rules as any[];
        assert.deepEqual(results.find((r) => r.id === "expire-query-results").expiration, { days: 7 });
        const exportsRules = byName(consumer, "export-exports-lifecycle").inputs.rules as any[];
        assert.deepEqual(exportsRules.find((r) => r.id === "cheaper-storage-with-age").transitions, [
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 120, storageClass: "GLACIER_IR" },
        ]);
        assert.deepEqual(byName(consumer, "export-exports-versioning").inputs.versioningConfiguration, {
            status: "Enabled",
        });
        assert.equal(
            consumer.resources.some((r) => r.name === "export-results-versioning"),
            false,
        );
    });

    it("enforces the workgroup: engine 3, encrypted results in the results bucket, scan cutoff", () => {
        const wg = byName(consumer, "export-workgroup").inputs as any;
        assert.equal(wg.name, "connect_analytics_workgroup");
        assert.equal(wg.configuration.enforceWorkgroupConfiguration, true);
        assert.equal(wg.configuration.bytesScannedCutoffPerQuery, 10 * 1024 ** 3);
        assert.deepEqual(wg.configuration.engineVersion, { selectedEngineVersion: "Athena engine version 3" });
        assert.equal(
            wg.configuration.resultConfiguration.outputLocation,
            `s3://connect-analytics-dev-athena-results-${CONSUMER}/athena/`,
        );
        assert.deepEqual(wg.configuration.resultConfiguration.encryptionConfiguration, { encryptionOption: "SSE_S3" });
    });

    it("creates the log group with retention before the function, which logs to it", () => {
        const logs = byName(consumer, "export-logs");
        assert.equal(logs.inputs.name, "/aws/lambda/connect-analytics-dev-export");
        assert.equal(logs.inputs.retentionInDays, 30);
        const fn = byName(consumer, "export-function");
        assert.equal((fn.inputs.loggingConfig as any).logGroup, logs.inputs.name);
        assert.equal((fn.inputs.loggingConfig as any).applicationLogLevel, "INFO");
        assert.ok(consumer.resources.indexOf(logs) < consumer.resources.indexOf(fn));
        assert.equal(fn.inputs.tracingConfig, undefined);
        // Without detailed monitoring, one alarm: failed runs in the failure queue.
        assert.deepEqual(
            consumer.resources
                .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
                .map((a) => a.inputs.metricName),
            ["ApproximateNumberOfMessagesVisible"],
        );
    });

    it("runs the Lambda on nodejs24.x (nodejs20.x is deprecated) with the handler's environment contract, as the link role", () => {
        const fn = byName(consumer, "export-function").inputs as any;
        assert.equal(fn.runtime, "nodejs24.x");
        assert.equal(fn.role, `arn:aws:iam::${CONSUMER}:role/connect-analytics-lambda-execution-role`);
        assert.equal(fn.timeout, 900);
        assert.deepEqual(Object.keys(fn.environment.variables).sort(), [...HANDLER_ENV_VARS].sort());
        assert.equal(fn.environment.variables.SOURCE_DATABASE, "connect_analytics_consumer");
        assert.equal(fn.environment.variables.EXPORT_BUCKET, `connect-analytics-dev-exports-${CONSUMER}`);
        assert.deepEqual(
            exportTables(consumer).map((t) => t.linkName),
            ["users_link", "contacts_link", "agent_hierarchy_groups_link"],
        );
    });

    it("ships only the serialized handler, within LAMBDA_CODE_BUDGET, without node_modules", () => {
        const archive = (byName(consumer, "export-function").inputs.code as any).archive;
        assert.deepEqual(Object.keys(archive), ["index.js"]);
        assert.equal(byName(consumer, "export-function").inputs.handler, "index.handler");
        assert.ok(archive["index.js"].bytes > 1000, "the handler is really there");
        assert.ok(archive["index.js"].bytes <= LAMBDA_CODE_BUDGET, `archive is ${archive["index.js"].bytes} bytes`);
    });

    it("schedules the export daily with retries and a dead-letter queue, and sends failed runs to the same queue", () => {
        const schedule = byName(consumer, "export-schedule").inputs as any;
        const queueArn = `arn:aws:sqs:ap-southeast-2:${CONSUMER}:connect-analytics-dev-export-failures`;
        assert.equal(schedule.scheduleExpression, "cron(0 2 * * ? *)");
        assert.equal(
            schedule.target.arn,
            `arn:aws:lambda:ap-southeast-2:${CONSUMER}:function:connect-analytics-dev-export`,
        );
        assert.deepEqual(schedule.target.retryPolicy, { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 });
        assert.deepEqual(schedule.target.deadLetterConfig, { arn: queueArn });
        assert.deepEqual(JSON.parse(schedule.target.input), { scheduledTime: "<aws.scheduler.scheduled-time>" });
        const asyncConfig = byName(consumer, "export-async").inputs as any;
        assert.deepEqual(asyncConfig.destinationConfig, { onFailure: { destination: queueArn } });
        assert.equal(asyncConfig.maximumRetryAttempts, 2);
        const [invoke, dlq] = policyOf(byName(consumer, "export-scheduler-invoke"));
        assert.deepEqual([invoke.Action, invoke.Resource], [["lambda:InvokeFunction"], [schedule.target.arn]]);
        assert.deepEqual([dlq.Action, dlq.Resource], [["sqs:SendMessage"], [queueArn]]);
        const trust = JSON.parse(byName(consumer, "export-scheduler").inputs.assumeRolePolicy as string).Statement[0];
        assert.deepEqual(trust.Condition, { StringEquals: { "aws:SourceAccount": CONSUMER } });
    });

    it("adds to the role only Athena on the workgroup ARN and S3 on the exact buckets and prefixes", () => {
        const statements = policyOf(byName(consumer, "export-access"));
        const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
        assert.deepEqual(bySid.AthenaWorkgroup.Resource, [
            `arn:aws:athena:ap-southeast-2:${CONSUMER}:workgroup/connect_analytics_workgroup`,
        ]);
        const exportsBucket = `arn:aws:s3:::connect-analytics-dev-exports-${CONSUMER}`;
        assert.deepEqual(bySid.ExportObjects.Resource, [
            `${exportsBucket}/connect/*`,
            `${exportsBucket}/manifests/*`,
            `${exportsBucket}/state/*`,
        ]);
        assert.deepEqual(bySid.AthenaResults.Resource, [
            `arn:aws:s3:::connect-analytics-dev-athena-results-${CONSUMER}/*`,
        ]);
        assert.deepEqual(bySid.OwnLogGroup.Resource, [
            `arn:aws:logs:ap-southeast-2:${CONSUMER}:log-group:/aws/lambda/connect-analytics-dev-export:*`,
        ]);
        assert.equal(bySid.Kms, undefined, "no KMS statement without a key");
        assert.equal(bySid.XRay, undefined, "no X-Ray without detailed monitoring");
        for (const s of statements) {
            for (const action of [s.Action].flat()) assert.ok(!action.includes("*"), `wildcard action ${action}`);
            assert.ok(![s.Resource].flat().includes("*"), `${s.Sid} is unscoped`);
        }
    });

    it("allows every AWS action the handler calls: each SDK command functions/ sends is declared in HANDLER_AWS_ACTIONS, and each declared action is allowed", () => {
        // The IAM action of an SDK command, where its name is not the command's (S3's list and batch delete).
        const ACTION_OF: Record<string, string> = {
            "s3:ListObjectsV2": "s3:ListBucket",
            "s3:DeleteObjects": "s3:DeleteObject",
        };
        const sources = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
                const file = path.join(dir, e.name);
                return e.isDirectory() ? sources(file) : e.name.endsWith(".ts") ? [file] : [];
            });
        // The SDK is required inside function bodies (the Lambda is serialized): every `<Name>Command`
        // a file of functions/ mentions, of a client package the file mentions that exports it.
        const called = new Set<string>();
        for (const file of sources(path.join(ROOT, "functions"))) {
            const text = fs.readFileSync(file, "utf8");
            const clients = [...new Set([...text.matchAll(/@aws-sdk\/client-([a-z0-9-]+)/g)].map((m) => m[1]))];
            for (const [, name] of text.matchAll(/\b(\w+)Command\b/g)) {
                for (const client of clients) {
                    if (`${name}Command` in require(`@aws-sdk/client-${client}`)) {
                        called.add(ACTION_OF[`${client}:${name}`] ?? `${client}:${name}`);
                    }
                }
            }
        }
        assert.ok(called.has("athena:StartQueryExecution") && called.has("s3:PutObject"), [...called].join(", "));
        const declared = new Set<string>(Object.values(HANDLER_AWS_ACTIONS).flat());
        assert.deepEqual(
            [...called].filter((a) => !declared.has(a)),
            [],
            "called but not declared",
        );
        const allowed = new Set(policyOf(byName(consumer, "export-access")).flatMap((s) => [s.Action].flat()));
        assert.deepEqual(
            [...declared].filter((a) => !allowed.has(a)),
            [],
            "declared but not allowed",
        );
    });

    it("exports the function, workgroup, buckets and schedule", () => {
        assert.equal(consumer.outputs.exportFunctionName, "connect-analytics-dev-export");
        assert.equal(consumer.outputs.athenaWorkgroup, "connect_analytics_workgroup");
        assert.equal(consumer.outputs.exportsBucket, `connect-analytics-dev-exports-${CONSUMER}`);
        assert.equal(consumer.outputs.athenaResultsBucket, `connect-analytics-dev-athena-results-${CONSUMER}`);
        assert.equal(consumer.outputs.exportSchedule, "connect-analytics-dev-export");
    });
});

describe("AnalyticsExport options", () => {
    it("with detailed monitoring: Errors and Throttles alarms, X-Ray tracing and only its unscoped actions", async () => {
        const p = await plan("consumer", { consumer: { enableDetailedMonitoring: true } });
        assert.deepEqual(
            ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.metricName),
            ["ApproximateNumberOfMessagesVisible", "Errors", "Throttles"],
        );
        assert.deepEqual(byName(p, "export-function").inputs.tracingConfig, { mode: "Active" });
        const xray = policyOf(byName(p, "export-access")).find((s) => s.Sid === "XRay")!;
        assert.ok([xray.Action].flat().every((a) => ACTIONS_WITHOUT_RESOURCE_SCOPE.includes(a)));
    });

    it("with CloudWatch logging: DEBUG log level", async () => {
        const p = await plan("consumer", { consumer: { enableCloudwatchLogging: true } });
        const fn = byName(p, "export-function").inputs as any;
        assert.equal(fn.environment.variables.LOG_LEVEL, "DEBUG");
        assert.equal(fn.loggingConfig.applicationLogLevel, "DEBUG");
    });

    it("with a KMS key: SSE-KMS on buckets and results, and KMS on that key alone", async () => {
        const key = `arn:aws:kms:ap-southeast-2:${CONSUMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
        const p = await plan("consumer", { consumer: { kmsKeyArn: key } });
        assert.deepEqual((byName(p, "export-exports-encryption").inputs.rules as any)[0], {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key },
            bucketKeyEnabled: true,
        });
        assert.deepEqual(
            (byName(p, "export-workgroup").inputs as any).configuration.resultConfiguration.encryptionConfiguration,
            {
                encryptionOption: "SSE_KMS",
                kmsKeyArn: key,
            },
        );
        assert.deepEqual(policyOf(byName(p, "export-access")).find((s) => s.Sid === "Kms")!.Resource, [key]);
    });

    it("with custom schedule, cutoff, retention and workgroup", async () => {
        const p = await plan("consumer", {
            consumer: {
                exportSchedule: "rate(6 hours)",
                bytesScannedCutoffPerQuery: 2_000_000_000,
                logRetentionDays: 90,
                athenaWorkgroupName: "wg_x",
            },
        });
        assert.equal((byName(p, "export-schedule").inputs as any).scheduleExpression, "rate(6 hours)");
        assert.equal(
            (byName(p, "export-workgroup").inputs as any).configuration.bytesScannedCutoffPerQuery,
            2_000_000_000,
        );
        assert.equal(byName(p, "export-logs").inputs.retentionInDays, 90);
        assert.ok(
            policyOf(byName(p, "export-access")).some((s) =>
                [s.Resource].flat().includes(`arn:aws:athena:ap-southeast-2:${CONSUMER}:workgroup/wg_x`),
            ),
        );
    });

    it("creates nothing of the export when enableLambdaExport is false", async () => {
        const p = await plan("consumer", { consumer: { enableLambdaExport: false } });
        assert.equal(
            p.resources.some(
                (r) => r.type === "connect-analytics:export:AnalyticsExport" || r.parent?.startsWith("export"),
            ),
            false,
        );
        assert.equal(p.outputs.exportFunctionName, undefined);
    });
});
