/**
 * lib/iam.ts's documents on their own (the components deploy them; tests/analytics-export.test.ts
 * checks them in a plan): KMS on the one key and nowhere without one, the data-access policy's
 * wildcards past its budget, and the alarm key's policy in the default partition.
 */
import { strict as assert } from "assert";
import {
    alarmTopicKeyPolicy,
    dataAccessStatements,
    exportStatements,
    lambdaTrustPolicy,
    policyDocument,
    policySize,
    schedulerStatements,
    tableOptimizerStatements,
    type ExportAccessScope,
    type PolicyStatement,
} from "../lib/iam";

const REGION = "ap-southeast-2";
const CONSUMER = "222222222222";
const PRODUCER = "111111111111";
const KEY = `arn:aws:kms:${REGION}:${CONSUMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const exportScope: ExportAccessScope = {
    arnScope: { region: REGION, accountId: CONSUMER },
    exportDatabaseName: "connect_analytics_exports",
    workgroupArn: `arn:aws:athena:${REGION}:${CONSUMER}:workgroup/wg`,
    resultsBucket: "results",
    exportsBucket: "exports",
    exportPrefixes: ["connect", "manifests", "state"],
    logGroupArn: `arn:aws:logs:${REGION}:${CONSUMER}:log-group:/aws/lambda/export`,
    failureQueueArn: `arn:aws:sqs:${REGION}:${CONSUMER}:failures`,
    tracing: false,
};
const kmsOf = (statements: readonly PolicyStatement[]) =>
    statements.filter((s) => [s.Action].flat().some((a) => a.startsWith("kms:")));

describe("IAM documents (lib/iam.ts)", () => {
    it("the export's role may Decrypt and GenerateDataKey with the stack's KMS key alone, and has no KMS statement without one", () => {
        assert.deepEqual(kmsOf(exportStatements({ ...exportScope, kmsKeyArn: KEY })), [
            { Sid: "Kms", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [KEY] },
        ]);
        assert.deepEqual(kmsOf(exportStatements(exportScope)), []);
    });

    it("the table optimizers' role may use the stack's KMS key alone, and has no KMS statement without one", () => {
        const scope = { arnScope: exportScope.arnScope, exportDatabaseName: "connect_analytics_exports" };
        assert.deepEqual(kmsOf(tableOptimizerStatements({ ...scope, kmsKeyArn: KEY })), [
            { Sid: "Kms", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [KEY] },
        ]);
        assert.deepEqual(kmsOf(tableOptimizerStatements(scope)), []);
    });

    it("the Scheduler's role dead-letters with the queue's key alone (Decrypt, GenerateDataKey), and has no KMS statement without one", () => {
        const fn = `arn:aws:lambda:${REGION}:${CONSUMER}:function:export`;
        const queue = `arn:aws:sqs:${REGION}:${CONSUMER}:schedule-dlq`;
        assert.deepEqual(schedulerStatements(fn, queue, KEY), [
            { Sid: "InvokeExport", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fn] },
            { Sid: "DeadLetter", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [queue] },
            { Sid: "DeadLetterKms", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [KEY] },
        ]);
        assert.deepEqual(kmsOf(schedulerStatements(fn, queue)), []);
    });

    describe("the data-access policy past its budget", () => {
        // Targets with long names in a long-named producer database: their ARNs take more room than the links'.
        const tables = Array.from({ length: 6 }, (_, i) => ({
            name: `agent_queue_statistic_record_${i}`,
            linkName: `l${i}`,
        }));
        const scope = {
            region: REGION,
            producerAccountId: PRODUCER,
            consumerAccountId: CONSUMER,
            producerDatabaseName: "connect_datalake_of_the_producer_account",
            consumerDatabaseName: "links",
            tables,
        };
        const resources = (statements: PolicyStatement[]) =>
            [statements.find((s) => s.Sid === "GlueReadLinksAndTargets")!.Resource].flat() as string[];
        const full = policySize(policyDocument(dataAccessStatements(scope, Infinity)));
        const target = (name: string) =>
            `arn:aws:glue:${REGION}:${PRODUCER}:table/connect_datalake_of_the_producer_account/${name}`;
        const link = (name: string) => `arn:aws:glue:${REGION}:${CONSUMER}:table/links/${name}`;

        it("within the budget: every link and target table by its exact ARN", () => {
            const r = resources(dataAccessStatements(scope, full));
            assert.deepEqual(
                r.filter((a) => a.includes(":table/")),
                [...tables.map((t) => link(t.linkName)), ...tables.map((t) => target(t.name))],
            );
        });

        it("one character over: the database whose table ARNs are longer (the targets here) becomes table/<database>/*, the links stay exact", () => {
            const r = resources(dataAccessStatements(scope, full - 1));
            assert.deepEqual(
                r.filter((a) => a.includes(":table/")),
                [...tables.map((t) => link(t.linkName)), target("*")],
            );
        });

        it("still over with the targets' wildcard: the links' database becomes table/<database>/* too", () => {
            const oneWildcard = policySize(policyDocument(dataAccessStatements(scope, full - 1)));
            const r = resources(dataAccessStatements(scope, oneWildcard - 1));
            assert.deepEqual(
                r.filter((a) => a.includes(":table/")),
                [link("*"), target("*")],
            );
        });
    });

    describe("which database gives way first", () => {
        const scopeOf = (
            consumerDatabaseName: string,
            producerDatabaseName: string,
            linkOf: (i: number) => string,
        ) => ({
            region: REGION,
            producerAccountId: PRODUCER,
            consumerAccountId: CONSUMER,
            producerDatabaseName,
            consumerDatabaseName,
            tables: Array.from({ length: 4 }, (_, i) => ({ name: `t${i}`, linkName: linkOf(i) })),
        });
        const tableArns = (statements: PolicyStatement[]) =>
            ([statements.find((s) => s.Sid === "GlueReadLinksAndTargets")!.Resource].flat() as string[]).filter((a) =>
                a.includes(":table/"),
            );
        const oneOver = (scope: ReturnType<typeof scopeOf>) =>
            tableArns(
                dataAccessStatements(scope, policySize(policyDocument(dataAccessStatements(scope, Infinity))) - 1),
            );

        it("the links', when their ARNs are longer", () => {
            const scope = scopeOf("links", "src", (i) => `contacts_link_number_${i}`);
            assert.deepEqual(oneOver(scope), [
                `arn:aws:glue:${REGION}:${CONSUMER}:table/links/*`,
                ...[0, 1, 2, 3].map((i) => `arn:aws:glue:${REGION}:${PRODUCER}:table/src/t${i}`),
            ]);
        });

        it("the links', when their ARNs are exactly as long as the targets'", () => {
            const scope = scopeOf("lnk", "src", (i) => `l${i}`);
            assert.deepEqual(oneOver(scope), [
                `arn:aws:glue:${REGION}:${CONSUMER}:table/lnk/*`,
                ...[0, 1, 2, 3].map((i) => `arn:aws:glue:${REGION}:${PRODUCER}:table/src/t${i}`),
            ]);
        });
    });

    it("the data-access policy: Lake Formation data access on * (its only resource form), Glue reads on the exact ARNs, and the default database", () => {
        const scope = {
            region: REGION,
            producerAccountId: PRODUCER,
            consumerAccountId: CONSUMER,
            producerDatabaseName: "src",
            consumerDatabaseName: "links",
            tables: [{ name: "contacts", linkName: "contacts_link" }],
        };
        const glue = (account: string, rest: string) => `arn:aws:glue:${REGION}:${account}:${rest}`;
        assert.deepStrictEqual(dataAccessStatements(scope), [
            { Sid: "LakeFormationDataAccess", Effect: "Allow", Action: ["lakeformation:GetDataAccess"], Resource: "*" },
            {
                Sid: "GlueReadLinksAndTargets",
                Effect: "Allow",
                Action: [
                    "glue:GetDatabase",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:GetTable",
                    "glue:GetTables",
                ],
                Resource: [
                    glue(CONSUMER, "catalog"),
                    glue(CONSUMER, "database/links"),
                    glue(CONSUMER, "table/links/contacts_link"),
                    glue(PRODUCER, "catalog"),
                    glue(PRODUCER, "database/src"),
                    glue(PRODUCER, "table/src/contacts"),
                ],
            },
            {
                Sid: "AthenaDefaultDatabase",
                Effect: "Allow",
                Action: ["glue:GetDatabase"],
                Resource: [glue(CONSUMER, "database/default")],
            },
        ]);
    });

    it("the Lambda's trust policy lets the Lambda service alone assume the role", () => {
        assert.deepStrictEqual(lambdaTrustPolicy(), {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
    });

    it("a policy's size is its JSON without white space, as IAM counts it", () => {
        const doc = policyDocument([
            { Sid: "A B", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/k 1" },
        ]);
        const written =
            '{"Version":"2012-10-17","Statement":[{"Sid":"AB","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/k1"}]}';
        assert.equal(policySize(doc), written.length);
    });

    it("the alarm topic key's policy names the account root and its alarms in the aws partition when none is given", () => {
        const policy = alarmTopicKeyPolicy({ region: REGION, accountId: CONSUMER });
        assert.deepEqual(policy.Statement[0].Principal, { AWS: `arn:aws:iam::${CONSUMER}:root` });
        assert.equal(
            policy.Statement[1].Condition!.ArnLike["aws:SourceArn"],
            `arn:aws:cloudwatch:${REGION}:${CONSUMER}:alarm:*`,
        );
    });
});
