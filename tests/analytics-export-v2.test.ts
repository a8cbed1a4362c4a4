/**
 * The consumer stack's wiring of export v2 (issue 10), read from offline plans: the Lambda's
 * environment is the handler's contract and parses as the handler parses it; the Iceberg tables'
 * database (no IAMAllowedPrincipals default for its tables), registered location and Lake Formation
 * grants; export readers; the Glue table optimizers and their role;
 * an encrypted alarm topic CloudWatch can publish to; access logs; the failure queue's key.
 */
import { strict as assert } from "assert";
import { HANDLER_ENV_VARS, parseHandlerEnv, readTablesObject } from "../functions/settings";
import { icebergPrefix } from "../functions/runner";
import { TABLE_OPTIMIZERS } from "../components/analyticsExport";
import { icebergRoot } from "../lib/names";
import { createHash } from "crypto";
import {
    environmentSizeProblem,
    handlerEnvironment,
    LAMBDA_ENVIRONMENT_LIMIT,
    tablesObject,
} from "../lib/exportEnvironment";
import { PlannedResource } from "../plan/run";
import { checkPlan } from "../policy/check";
import { CONSUMER, ofType, plan } from "./helpers";

type Plan = Awaited<ReturnType<typeof plan>>;
const byName = (p: Plan, name: string): PlannedResource => {
    const r = p.resources.find((x) => x.name === name);
    assert.ok(r, `no resource named ${name}: ${p.resources.map((x) => x.name).join(", ")}`);
    return r;
};
const named = (p: Plan, name: string) => p.resources.find((x) => x.name === name);
const ROLE = `arn:aws:iam::${CONSUMER}:role/connect-analytics-lambda-execution-role`;
const QUICKSIGHT = `arn:aws:iam::${CONSUMER}:role/quicksight-service`;
const EXPORTS = `connect-analytics-dev-exports-${CONSUMER}`;
const KEY = `arn:aws:kms:ap-southeast-2:${CONSUMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

describe("export v2 wiring (consumer stack)", () => {
    let consumer: Plan;
    before(async () => {
        consumer = await plan("consumer", { consumer: { exportReaders: [QUICKSIGHT] } });
    });

    it("gives the Lambda exactly the handler's environment, which the handler accepts, keys included", async () => {
        const variables = (byName(consumer, "export-function").inputs as any).environment.variables;
        assert.deepEqual(Object.keys(variables).sort(), [...HANDLER_ENV_VARS].sort());
        const settings = parseHandlerEnv(variables);
        assert.equal(settings.exportDatabase, "connect_analytics_exports");
        // The tables come from the object the stack writes, checked against the hash in the environment.
        const object = byName(consumer, "export-tables").inputs as { key: string; content: string };
        const store = {
            getText: async (key: string) => (key === object.key ? object.content : undefined),
            uri: (k: string) => k,
        };
        const tables = await readTablesObject(store, settings.tablesObject!);
        await assert.rejects(
            readTablesObject(
                { ...store, getText: async () => object.content.replace("users", "users2") },
                settings.tablesObject!,
            ),
            /table settings .* has SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} this function was deployed with/,
        );
        assert.deepEqual(
            tables.map((t) => [t.name, t.primaryKey, t.versionColumn]),
            [
                ["users", ["user_id"], "last_modified_timestamp"],
                ["contacts", ["instance_id", "contact_id"], "last_update_timestamp"],
                ["agent_hierarchy_groups", ["agent_hierarchy_group_id"], "last_modified_timestamp"],
            ],
        );
        assert.equal(variables.LOOKBACK_DAYS, "3");
        assert.equal(variables.CHUNK_DAYS, "7");
        assert.equal(variables.EXPORT_TARGET, "iceberg");
    });

    it("creates the export database (kept on delete: its tables are the export's) at the Iceberg location, with no IAMAllowedPrincipals default for new tables", () => {
        const db = byName(consumer, "export-database");
        assert.equal(db.type, "aws-native:glue:Database", "the classic resource cannot send an empty default list");
        const input = (db.inputs as any).databaseInput;
        assert.equal(input.name, "connect_analytics_exports");
        assert.equal(db.inputs.databaseName, "connect_analytics_exports");
        assert.equal(db.inputs.catalogId, CONSUMER);
        assert.equal(db.options.retainOnDelete, true);
        assert.equal(input.locationUri, `s3://${EXPORTS}/connect/iceberg/`);
        // Explicitly empty: the account's "Use only IAM access control" default never reaches the tables.
        assert.deepEqual(input.createTableDefaultPermissions, []);
        assert.ok(
            !consumer.permissions.some((g) => /IAM_ALLOWED_PRINCIPALS/i.test(g.principal)),
            "no grant to IAMAllowedPrincipals anywhere in the plan",
        );
        // The handler writes each table under the root the stack registers.
        assert.ok(icebergPrefix("connect", "users").startsWith(`${icebergRoot("connect")}/`));
    });

    it("registers the Iceberg location with Lake Formation and grants the role and the export readers, nothing more", () => {
        const location = byName(consumer, "export-location");
        assert.equal(location.inputs.arn, `arn:aws:s3:::${EXPORTS}/connect/iceberg`);
        assert.equal(location.inputs.useServiceLinkedRole, true);
        const grants = ofType(consumer, "aws:lakeformation/permissions:Permissions").filter((g) =>
            g.name.startsWith("export-"),
        );
        const view = grants.map((g) => {
            const i = g.inputs as any;
            const on = i.database
                ? `db ${i.database.name}`
                : i.dataLocation
                  ? `location ${i.dataLocation.arn}`
                  : `tables ${i.table.databaseName}.${i.table.wildcard ? "*" : i.table.name}`;
            return `${i.principal.split("/").pop()} ${on}: ${i.permissions.join(",")}`;
        });
        assert.deepEqual(view.sort(), [
            `connect-analytics-dev-table-optimizer tables connect_analytics_exports.*: ALTER,DELETE,DESCRIBE,INSERT`,
            `connect-analytics-lambda-execution-role db connect_analytics_exports: CREATE_TABLE,DESCRIBE`,
            `connect-analytics-lambda-execution-role location arn:aws:s3:::${EXPORTS}/connect/iceberg: DATA_LOCATION_ACCESS`,
            `quicksight-service db connect_analytics_exports: DESCRIBE`,
            `quicksight-service tables connect_analytics_exports.*: DESCRIBE,SELECT`,
        ]);
        for (const g of grants) {
            assert.equal(g.options.deleteBeforeReplace, true, g.name);
            assert.deepEqual((g.inputs as any).permissionsWithGrantOptions, [], g.name);
        }
        // The stack's grants output names them with the link set's.
        assert.deepEqual(
            consumer.outputs
                .grants!.filter((g) => g.resource.kind === "dataLocation" || g.resource.catalogId === CONSUMER)
                .filter(
                    (g) =>
                        JSON.stringify(g.resource).includes("connect_analytics_exports") ||
                        g.resource.kind === "dataLocation",
                )
                .map((g) => g.principal),
            [ROLE, ROLE, `arn:aws:iam::${CONSUMER}:role/connect-analytics-dev-table-optimizer`, QUICKSIGHT, QUICKSIGHT],
        );
        assert.deepEqual(consumer.outputs.exportReaders, [QUICKSIGHT]);
        assert.equal(consumer.outputs.exportDatabaseName, "connect_analytics_exports");
    });

    it("lets the role commit Iceberg tables in the export database only", () => {
        const statements = JSON.parse(byName(consumer, "export-access").inputs.policy as string).Statement;
        const tables = statements.find((s: any) => s.Sid === "ExportTables");
        assert.deepEqual(tables.Action, ["glue:CreateTable", "glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"]);
        assert.deepEqual(tables.Resource, [
            `arn:aws:glue:ap-southeast-2:${CONSUMER}:catalog`,
            `arn:aws:glue:ap-southeast-2:${CONSUMER}:database/connect_analytics_exports`,
            `arn:aws:glue:ap-southeast-2:${CONSUMER}:table/connect_analytics_exports/*`,
        ]);
    });

    it("maintains every export table with Glue's optimizers (no schedule, no Athena OPTIMIZE/VACUUM), after setup made the tables", () => {
        assert.equal(named(consumer, "export-maintenance"), undefined, "no maintenance schedule");
        const optimizers = ofType(consumer, "aws:glue/catalogTableOptimizer:CatalogTableOptimizer");
        assert.deepEqual(
            optimizers.map((o) => `${o.inputs.tableName} ${o.inputs.type}`).sort(),
            ["agent_hierarchy_groups", "contacts", "users"]
                .flatMap((t) => Object.keys(TABLE_OPTIMIZERS).map((type) => `${t} ${type}`))
                .sort(),
        );
        const role = byName(consumer, "export-optimizer");
        assert.equal(role.inputs.name, "connect-analytics-dev-table-optimizer");
        assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0].Principal, {
            Service: "glue.amazonaws.com",
        });
        for (const o of optimizers) {
            const c = (o.inputs as any).configuration;
            assert.equal(c.enabled, true);
            assert.equal(c.roleArn, `arn:aws:iam::${CONSUMER}:role/connect-analytics-dev-table-optimizer`);
            assert.equal(o.inputs.databaseName, "connect_analytics_exports");
        }
        const retention = optimizers.find((o) => o.inputs.type === "retention")!.inputs as any;
        assert.equal(retention.configuration.retentionConfiguration.icebergConfiguration.cleanExpiredFiles, true);
        const statements = JSON.parse(byName(consumer, "export-optimizer-access").inputs.policy as string).Statement;
        assert.deepEqual(
            statements.map((st: any) => [st.Sid, st.Action]),
            [
                ["LakeFormationDataAccess", ["lakeformation:GetDataAccess"]],
                ["ExportTables", ["glue:GetTable", "glue:UpdateTable"]],
                ["OptimizerLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]],
            ],
        );
        // Lake Formation: ALTER, DESCRIBE, INSERT and DELETE on the export's tables (optimization-prerequisites.html).
        const grant = consumer.permissions.find((g) =>
            g.principal.endsWith(":role/connect-analytics-dev-table-optimizer"),
        );
        assert.deepEqual(grant?.permissions, ["ALTER", "DELETE", "DESCRIBE", "INSERT"]);
        assert.deepEqual(grant?.resource, {
            kind: "table",
            catalogId: CONSUMER,
            databaseName: "connect_analytics_exports",
            name: "*",
        });
        assert.equal(consumer.outputs.exportOptimizerRoleArn, grant?.principal);
        // The function runs setup at deploy time: the tables exist before optimizers and filters.
        const setup = byName(consumer, "export-setup").inputs as any;
        assert.equal(setup.input, '{"setup":true}');
    });

    it("sends every alarm to a topic encrypted with a key CloudWatch may use; failed runs always alarm", () => {
        const topic = byName(consumer, "export-alarms");
        const key = byName(consumer, "export-alarm-key");
        // The mocks give a key the ARN of its logical name: the topic names the stack's own key.
        assert.equal(topic.inputs.kmsMasterKeyId, `arn:aws:kms:ap-southeast-2:${CONSUMER}:${key.name}`);
        assert.equal(key.inputs.enableKeyRotation, true);
        const policy = JSON.parse(key.inputs.policy as string).Statement;
        const cloudwatch = policy.find((s: any) => s.Principal?.Service === "cloudwatch.amazonaws.com");
        assert.deepEqual(cloudwatch.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
        assert.deepEqual(cloudwatch.Condition.StringEquals, { "aws:SourceAccount": CONSUMER });
        const alarms = ofType(consumer, "aws:cloudwatch/metricAlarm:MetricAlarm");
        assert.deepEqual(
            alarms.map((a) => [a.inputs.metricName, (a.inputs as any).dimensions.QueueName]),
            [["ApproximateNumberOfMessagesVisible", "connect-analytics-dev-export-failures"]],
        );
        for (const a of alarms) assert.equal((a.inputs as any).alarmActions.length, 1);
        assert.equal(named(consumer, "export-alarm-email"), undefined, "no subscription without alarmEmail");
    });

    it("subscribes alarmEmail; with kmsKeyArn the topic and the failure queue use that key, and the scheduler may", async () => {
        const p = await plan("consumer", { consumer: { alarmEmail: "oncall@example.com", kmsKeyArn: KEY } });
        const subscription = byName(p, "export-alarm-email").inputs as any;
        assert.deepEqual([subscription.protocol, subscription.endpoint], ["email", "oncall@example.com"]);
        assert.equal(byName(p, "export-alarms").inputs.kmsMasterKeyId, KEY);
        assert.equal(named(p, "export-alarm-key"), undefined, "no key of its own");
        const queue = byName(p, "export-failures").inputs as any;
        assert.equal(queue.kmsMasterKeyId, KEY);
        assert.equal(queue.sqsManagedSseEnabled, undefined);
        const scheduler = JSON.parse(byName(p, "export-scheduler-invoke").inputs.policy as string).Statement;
        assert.deepEqual(scheduler.find((s: any) => s.Sid === "DeadLetterKms").Resource, [KEY]);
    });

    it("logs access to the exports bucket into a logs bucket the stack makes, which only S3 logging may write", () => {
        const logging = byName(consumer, "export-exports-access-logs").inputs as any;
        assert.equal(logging.targetBucket, `connect-analytics-dev-access-logs-${CONSUMER}`);
        assert.equal(logging.targetPrefix, `${EXPORTS}/`);
        const policy = JSON.parse(byName(consumer, "export-access-logs-tls-only").inputs.policy as string).Statement;
        const delivery = policy.find((s: any) => s.Sid === "S3ServerAccessLogsDelivery");
        assert.deepEqual(delivery.Principal, { Service: "logging.s3.amazonaws.com" });
        assert.deepEqual(delivery.Condition.ArnLike, { "aws:SourceArn": [`arn:aws:s3:::${EXPORTS}`] });
        assert.equal(consumer.outputs.accessLogsBucket, `connect-analytics-dev-access-logs-${CONSUMER}`);
    });

    it("with accessLogsBucket: logs go there and no logs bucket is made", async () => {
        const p = await plan("consumer", { consumer: { accessLogsBucket: "org-central-s3-logs" } });
        assert.equal((byName(p, "export-exports-access-logs").inputs as any).targetBucket, "org-central-s3-logs");
        assert.equal(named(p, "export-access-logs-bucket"), undefined);
    });

    it("files target: no database, location, grants or maintenance; the handler still accepts its environment", async () => {
        const p = await plan("consumer", { consumer: { exportTarget: "files", exportFormat: "csv" } });
        for (const name of ["export-database", "export-location", "export-optimizer", "export-setup"]) {
            assert.equal(named(p, name), undefined, name);
        }
        assert.equal(ofType(p, "aws:glue/catalogTableOptimizer:CatalogTableOptimizer").length, 0);
        assert.equal(
            ofType(p, "aws:lakeformation/permissions:Permissions").filter((g) => g.name.startsWith("export-")).length,
            0,
        );
        const settings = parseHandlerEnv((byName(p, "export-function").inputs as any).environment.variables);
        assert.equal(settings.target, "files");
    });

    it("files target: exportReaders are granted nothing, so the output lists none, and the config says so", async () => {
        const p = await plan("consumer", { consumer: { exportTarget: "files", exportReaders: [QUICKSIGHT] } });
        assert.ok(!p.permissions.some((g) => g.principal === QUICKSIGHT), "no grant to the export reader");
        assert.deepEqual(p.outputs.exportReaders, []);
        assert.deepEqual(
            p.warnings.filter((w) => w.startsWith("connect-analytics:exportReaders:")),
            [
                "connect-analytics:exportReaders: ignored with exportTarget files: export readers are granted on the export's Iceberg tables, and the files target has none. Remove exportReaders, or set exportTarget to iceberg.",
            ],
        );
    });

    it("passes the policy pack", async () => {
        assert.deepEqual((await checkPlan(consumer, {})).violations, []);
    });
});

describe("the export's per-table settings travel outside Lambda's 4 KB environment", () => {
    const base = {
        exportPrefix: "connect",
        athenaWorkgroupName: "connect_analytics_workgroup",
        sourceDatabase: "connect_analytics_consumer",
        exportDatabaseName: "connect_analytics_exports",
        exportTarget: "iceberg" as const,
        exportFormat: "parquet" as const,
        lookbackDays: 3,
        exportChunkDays: 7,
        fullReconciliationDays: 30,
        exportsBucket: `connect-analytics-dev-exports-${CONSUMER}`,
        logLevel: "INFO" as const,
    };
    const tables = (count: number) =>
        Array.from({ length: count }, (_, i) => ({
            name: `dataset_number_${i}`,
            linkName: `dataset_number_${i}_link`,
            exportMode: "merge" as const,
            primaryKey: ["instance_id", "record_id"],
            versionColumn: "last_update_timestamp",
        }));
    const bytes = (env: Record<string, string>) =>
        Object.entries(env).reduce((n, [k, v]) => n + k.length + v.length, 0);

    it("the environment is the same size for 3 tables as for 200: it names the settings object and its SHA-256", () => {
        const few = handlerEnvironment({ ...base, tables: tables(3) });
        const many = handlerEnvironment({ ...base, tables: tables(200) });
        assert.equal(bytes(few), bytes(many));
        assert.ok(bytes(many) <= LAMBDA_ENVIRONMENT_LIMIT);
        assert.equal(environmentSizeProblem(many), undefined);
        const object = tablesObject(tables(200));
        assert.equal(many.TABLES_OBJECT, object.key);
        assert.equal(many.TABLES_SHA256, createHash("sha256").update(object.text).digest("hex"));
        assert.equal(JSON.parse(object.text).length, 200);
        assert.notEqual(few.TABLES_SHA256, many.TABLES_SHA256);
    });

    it("a consumer exporting 60 tables plans: the function's environment holds no table, the settings object holds them all", async () => {
        const many = tables(60).map(({ name, primaryKey, versionColumn }) => ({ name, primaryKey, versionColumn }));
        const result = await plan("consumer", { consumer: { producerStack: undefined, tables: many } });
        const fn = result.resources.find((r) => r.type === "aws:lambda/function:Function")!;
        const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
        assert.equal(variables.TABLES_JSON, undefined);
        const object = result.resources.find((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2")!;
        assert.equal(object.inputs.key, variables.TABLES_OBJECT);
        const content = object.inputs.content as string;
        assert.equal(createHash("sha256").update(content).digest("hex"), variables.TABLES_SHA256);
        assert.deepEqual(
            (JSON.parse(content) as { name: string }[]).map((t) => t.name),
            many.map((t) => t.name),
        );
    });
});
