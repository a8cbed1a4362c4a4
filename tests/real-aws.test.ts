/**
 * What real AWS would reject or break, and the mocks alone would not show: each test fails on
 * the code before its fix.
 */
import { strict as assert } from "assert";
import { parseConfig } from "../lib/config";
import { grantChecks } from "../cli/checks";
import { LfGrant, requiredGrants } from "../lib/permissions";
import { PlanResult } from "../plan/run";
import { CONSUMER, isExportGrant, ofType, plan, PRODUCER, ROLE_ARN, stackConfig } from "./helpers";

const GRANT = "aws:lakeformation/permissions:Permissions";

/** IAM: "the aggregate of all inline policies ... 10,240 characters" (IAM/latest/UserGuide/reference_iam-quotas.html). */
const IAM_INLINE_AGGREGATE = 10_240;

function inlinePolicyCharacters(consumer: PlanResult): number {
    // IAM does not count white space; the policies are written without any.
    return ofType(consumer, "aws:iam/rolePolicy:RolePolicy")
        .filter((p) => p.inputs.role === "connect-analytics-lambda-execution-role")
        .reduce((n, p) => n + JSON.stringify(JSON.parse(p.inputs.policy as string)).replace(/\s/g, "").length, 0);
}

describe("what real AWS would reject or break", () => {
    it("keeps the data-lake settings on destroy (the provider's delete empties the admins and sets version 1)", async () => {
        const consumer = await plan("consumer", { consumer: { manageDataLakeSettings: true } });
        const [settings] = ofType(consumer, "aws:lakeformation/dataLakeSettings:DataLakeSettings");
        assert.equal(settings.options.retainOnDelete, true);
    });

    it("grants: names carry principal and resource, not permissions; changing permissions or the option replaces delete-first under the same name", async () => {
        const names = (p: PlanResult) => ofType(p, GRANT).map((g) => g.name);
        const base = await plan("producer");
        const excluded = await plan("producer", {
            producer: { excludedColumns: { users: ["email"] } },
            consumer: { excludedColumns: { users: ["email"] } },
        });
        const option = await plan("producer", { producer: { grantWithGrantOption: true } });
        for (const p of [base, excluded, option]) {
            assert.ok(
                ofType(p, GRANT).every((g) => g.options.deleteBeforeReplace),
                "every grant is replaced delete-before-create",
            );
            assert.ok(
                names(p).every((n) => !/describe|select/i.test(n)),
                `names without permissions: ${names(p).join(", ")}`,
            );
        }
        assert.deepEqual(names(option), names(base), "flipping the grant option keeps every name");
        assert.deepEqual(
            names(excluded).filter((n) => !n.endsWith("-cols")),
            names(base),
            "adding exclusions keeps the table grants' names and adds the column-limited one",
        );
        const users = ofType(excluded, GRANT).find((g) => g.name.endsWith(".users"))!;
        assert.deepEqual(users.inputs.permissions, ["DESCRIBE"]);
        assert.deepEqual(
            names(excluded).filter((n) => n.endsWith("-cols")),
            ["producer-connect-analytics-lambda-execution-role-111111111111.connect_datalake.users-cols"],
        );
    });

    it("Athena: DESCRIBE on default in the consumer catalog, glue:GetDatabase on database/default, and verify checks it", async () => {
        const consumer = await plan("consumer");
        const grant = consumer.permissions.find((p) => p.resource.kind === "database" && !isExportGrant(p))!;
        assert.deepEqual(
            [grant.principal, grant.resource, grant.permissions],
            [ROLE_ARN, { kind: "database", catalogId: CONSUMER, databaseName: "default" }, ["DESCRIBE"]],
        );
        const [policy] = ofType(consumer, "aws:iam/rolePolicy:RolePolicy").filter(
            (p) => p.name === "consumer-data-access",
        );
        const statement = JSON.parse(policy.inputs.policy as string).Statement.find(
            (s: { Sid: string }) => s.Sid === "AthenaDefaultDatabase",
        );
        assert.deepEqual(statement.Action, ["glue:GetDatabase"]);
        assert.deepEqual(statement.Resource, [`arn:aws:glue:ap-southeast-2:${CONSUMER}:database/default`]);

        const model = {
            producerAccountId: PRODUCER,
            consumerAccountId: CONSUMER,
            producerDatabaseName: "connect_datalake",
            consumerDatabaseName: "connect_analytics_consumer",
            tables: [{ name: "users", linkName: "users_link" }],
            consumerPrincipalArn: ROLE_ARN,
        };
        const held: LfGrant[] = requiredGrants(model).filter((g) => g.resource.kind !== "database");
        const checks = grantChecks(model, { consumer: held.filter((g) => g.side === "consumer"), producer: held });
        const missing = checks.find((c) => c.id === `grant:consumer:database:${CONSUMER}:default`);
        assert.equal(missing?.status, "FAIL");
        assert.match(missing!.detail, /lacks DESCRIBE on 222222222222:default/);
    });

    it("verify titles a grant by what it is on: a link, an export table, every table of the export's database", () => {
        const optimizer = `arn:aws:iam::${CONSUMER}:role/connect-analytics-table-optimizer`;
        const model = {
            producerAccountId: PRODUCER,
            consumerAccountId: CONSUMER,
            producerDatabaseName: "connect_datalake",
            consumerDatabaseName: "connect_analytics_consumer",
            tables: [{ name: "users", linkName: "users_link" }],
            consumerPrincipalArn: ROLE_ARN,
            export: {
                databaseName: "connect_analytics_exports",
                locationArn: "arn:aws:s3:::exports/connect/iceberg",
                readers: [],
                optimizerRoleArn: optimizer,
            },
        };
        const titles = grantChecks(model, { consumer: [], producer: [] }).map((c) => c.title);
        assert.ok(titles.includes("DESCRIBE on link users_link"), titles.join("\n"));
        assert.ok(
            titles.includes("ALTER+DELETE+DESCRIBE+INSERT on every table of connect_analytics_exports"),
            titles.join("\n"),
        );
        assert.ok(!titles.some((t) => / on link \*/.test(t)), "the export's tables are no links");
    });

    it("kmsKeyArn: a key ARN only; an alias is refused with the reason", () => {
        const alias = `arn:aws:kms:ap-southeast-2:${CONSUMER}:alias/exports`;
        assert.throws(
            () => parseConfig(stackConfig("consumer", { kmsKeyArn: alias })),
            /kmsKeyArn: must be a KMS key ARN .*not an alias/,
        );
        const key = `arn:aws:kms:ap-southeast-2:${CONSUMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
        assert.equal(parseConfig(stackConfig("consumer", { kmsKeyArn: key })).export.kmsKeyArn, key);
    });

    it("builds every ARN from the stack's partition (aws.getPartition), not a fixed aws", async () => {
        const consumer = await plan("consumer", { partition: "aws-us-gov" });
        const documents = ofType(consumer, "aws:iam/rolePolicy:RolePolicy").map((p) => p.inputs.policy as string);
        assert.ok(documents.length >= 2);
        for (const document of documents) {
            assert.doesNotMatch(document, /arn:aws:/, document);
            assert.match(document, /arn:aws-us-gov:/);
        }
        assert.equal(
            consumer.outputs.lambdaRoleArn,
            `arn:aws-us-gov:iam::${CONSUMER}:role/connect-analytics-lambda-execution-role`,
        );
        const fn = ofType(consumer, "aws:lambda/function:Function")[0];
        assert.match(fn.inputs.role as string, /^arn:aws-us-gov:iam::/);
    });

    for (const count of [25, 100]) {
        it(`keeps the role's inline policies under IAM's ${IAM_INLINE_AGGREGATE.toLocaleString("en-US")}-character aggregate at ${count} tables`, async () => {
            const tables = Array.from({ length: count }, (_, i) => ({
                name: `table_${String(i).padStart(3, "0")}_with_a_long_dataset_name`,
                primaryKey: ["id"],
                versionColumn: "updated_at",
            }));
            // The export's environment holds the table list, within Lambda's 4 KB: at 100 tables the
            // links are measured without the export (whose policy does not grow with the tables).
            const consumer = await plan("consumer", {
                consumer: { producerStack: undefined, tables, enableLambdaExport: count <= 25 },
            });
            const used = inlinePolicyCharacters(consumer);
            assert.ok(used < IAM_INLINE_AGGREGATE, `${used} characters at ${count} tables`);
        });
    }
});
