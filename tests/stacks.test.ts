import { strict as assert } from "assert";
import { ACTIONS_WITHOUT_RESOURCE_SCOPE } from "../lib/iam";
import { CONSUMER, isExportGrant, ofType, plan, PRODUCER, rejection, ROLE_ARN } from "./helpers";

const LINK = "aws:glue/catalogTable:CatalogTable";
const GRANT = "aws:lakeformation/permissions:Permissions";
const PRODUCER_STACK = "organization/connect-analytics/producer";
const CONSUMER_STACK = "organization/connect-analytics/consumer";

function statements(policyJson: unknown): Array<{ Action: string[]; Resource: string | string[] }> {
    return JSON.parse(policyJson as string).Statement;
}

describe("consumer stack (default config)", () => {
    let consumer: Awaited<ReturnType<typeof plan>>;
    before(async () => {
        consumer = await plan("consumer");
    });

    it("links every shared table to the producer's catalog, database and table", () => {
        const links = ofType(consumer, LINK);
        assert.deepEqual(
            links.map((l) => [l.inputs.name, l.inputs.catalogId, l.inputs.databaseName, l.inputs.targetTable]),
            ["users", "contacts", "agent_hierarchy_groups"].map((t) => [
                `${t}_link`,
                CONSUMER,
                "connect_analytics_consumer",
                { catalogId: PRODUCER, databaseName: "connect_datalake", name: t },
            ]),
        );
        assert.ok(
            links.every((l) => l.parent === "consumer"),
            "links are children of the ConsumerLinkSet",
        );
    });

    it("creates the consumer database and the role with its exact name", () => {
        const [db] = ofType(consumer, "aws:glue/catalogDatabase:CatalogDatabase");
        assert.equal(db.inputs.name, "connect_analytics_consumer");
        assert.equal(db.inputs.catalogId, CONSUMER);
        const role = ofType(consumer, "aws:iam/role:Role").find((r) => r.name === "consumer-role")!;
        assert.equal(role.inputs.name, "connect-analytics-lambda-execution-role");
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string);
        assert.deepEqual(trust.Statement, [
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
        assert.equal(consumer.outputs.lambdaRoleArn, ROLE_ARN);
    });

    it("grants DESCRIBE, and only DESCRIBE, on every link and on default to the role", () => {
        const grants = ofType(consumer, GRANT).filter((g) => !isExportGrant(g));
        assert.equal(grants.length, 4);
        for (const g of grants) {
            assert.equal(g.inputs.principal, ROLE_ARN);
            assert.deepEqual(g.inputs.permissions, ["DESCRIBE"]);
            assert.deepEqual(g.inputs.permissionsWithGrantOptions, []);
            assert.equal(g.inputs.catalogId, CONSUMER);
        }
        assert.deepEqual(
            consumer.permissions
                .filter((p) => !isExportGrant(p))
                .map((p) => (p.resource.kind === "table" ? p.resource.name : p.resource.kind)),
            ["database", "agent_hierarchy_groups_link", "contacts_link", "users_link"],
            "in the plan's stable order: by principal, then resource",
        );
        // Athena reads the default database first (athena/latest/ug/lf-athena-limitations.html).
        assert.deepEqual(consumer.permissions.filter((p) => !isExportGrant(p))[0].resource, {
            kind: "database",
            catalogId: CONSUMER,
            databaseName: "default",
        });
    });

    it("allows GetDataAccess and only Glue reads on the exact ARNs of links and targets", () => {
        const [policy] = ofType(consumer, "aws:iam/rolePolicy:RolePolicy").filter(
            (p) => p.name === "consumer-data-access",
        );
        const [lf, glue] = statements(policy.inputs.policy);
        assert.deepEqual(lf.Action, ["lakeformation:GetDataAccess"]);
        assert.ok(
            ACTIONS_WITHOUT_RESOURCE_SCOPE.includes("lakeformation:GetDataAccess"),
            "GetDataAccess takes no resource scope",
        );
        assert.deepEqual(glue.Action, [
            "glue:GetDatabase",
            "glue:GetPartition",
            "glue:GetPartitions",
            "glue:GetTable",
            "glue:GetTables",
        ]);
        const arn = (acct: string, rest: string) => `arn:aws:glue:ap-southeast-2:${acct}:${rest}`;
        assert.deepEqual(glue.Resource, [
            arn(CONSUMER, "catalog"),
            arn(CONSUMER, "database/connect_analytics_consumer"),
            arn(CONSUMER, "table/connect_analytics_consumer/users_link"),
            arn(CONSUMER, "table/connect_analytics_consumer/contacts_link"),
            arn(CONSUMER, "table/connect_analytics_consumer/agent_hierarchy_groups_link"),
            arn(PRODUCER, "catalog"),
            arn(PRODUCER, "database/connect_datalake"),
            arn(PRODUCER, "table/connect_datalake/users"),
            arn(PRODUCER, "table/connect_datalake/contacts"),
            arn(PRODUCER, "table/connect_datalake/agent_hierarchy_groups"),
        ]);
    });

    it("has no wildcard action and no unscoped resource outside the documented exceptions", () => {
        for (const policy of ofType(consumer, "aws:iam/rolePolicy:RolePolicy")) {
            for (const s of statements(policy.inputs.policy)) {
                for (const action of s.Action) {
                    assert.ok(!action.includes("*"), `${policy.name}: wildcard action ${action}`);
                }
                if ([s.Resource].flat().includes("*")) {
                    assert.ok(
                        s.Action.every((a) => ACTIONS_WITHOUT_RESOURCE_SCOPE.includes(a)),
                        `${policy.name}: unscoped ${s.Action}`,
                    );
                }
            }
        }
    });

    it("tags every resource of a taggable type, export included", () => {
        const taggable = [
            "aws:glue/catalogDatabase:CatalogDatabase",
            "aws:iam/role:Role",
            "aws:s3/bucket:Bucket",
            "aws:athena/workgroup:Workgroup",
            "aws:sqs/queue:Queue",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:lambda/function:Function",
        ];
        const found = consumer.resources.filter((r) => taggable.includes(r.type));
        assert.ok(found.length >= 9, `only ${found.length} taggable resources`);
        for (const r of found) {
            const tags = r.inputs.tags as Record<string, string> | undefined;
            assert.deepEqual(
                tags && [tags.project, tags.environment, tags["managed-by"]],
                ["connect-analytics", "dev", "pulumi"],
                `${r.type} ${r.name}`,
            );
        }
    });

    it("creates no links or link grants when enableResourceLinks is false", async () => {
        const noLinks = await plan("consumer", { consumer: { enableResourceLinks: false } });
        assert.equal(ofType(noLinks, LINK).length, 0);
        assert.deepEqual(
            ofType(noLinks, GRANT)
                .filter((g) => !isExportGrant(g))
                .map((g) => (g.inputs as any).database?.name),
            ["default"],
            "only DESCRIBE on default",
        );
        assert.equal(ofType(noLinks, "aws:iam/role:Role").filter((r) => r.parent === "consumer").length, 1);
    });
});

describe("producer stack (default config)", () => {
    let producer: Awaited<ReturnType<typeof plan>>;
    before(async () => {
        producer = await plan("producer");
    });

    it("grants SELECT and DESCRIBE on every target, in the producer catalog, to the consumer's role, without grant option", () => {
        const grants = ofType(producer, GRANT);
        assert.deepEqual(
            grants.map((g) => [
                g.inputs.catalogId,
                g.inputs.table,
                g.inputs.permissions,
                g.inputs.permissionsWithGrantOptions,
                g.inputs.principal,
            ]),
            ["users", "contacts", "agent_hierarchy_groups"].map((t) => [
                PRODUCER,
                { catalogId: PRODUCER, databaseName: "connect_datalake", name: t },
                ["DESCRIBE", "SELECT"],
                [],
                ROLE_ARN,
            ]),
        );
        assert.ok(grants.every((g) => g.parent === "producer"));
    });

    it("exports account, database, table names and the grants", () => {
        assert.equal(producer.outputs.producerAccountId, PRODUCER);
        assert.equal(producer.outputs.producerDatabaseName, "connect_datalake");
        assert.deepEqual(producer.outputs.sharedTables, ["users", "contacts", "agent_hierarchy_groups"]);
        assert.equal((producer.outputs.grants as unknown[]).length, 3);
    });

    it("gives the grant option only when configured", async () => {
        const withOption = await plan("producer", { producer: { grantWithGrantOption: true } });
        for (const g of ofType(withOption, GRANT)) {
            assert.deepEqual(g.inputs.permissionsWithGrantOptions, ["DESCRIBE", "SELECT"]);
        }
    });
});

describe("both stacks together", () => {
    it("honour a custom table list with custom link names on both sides", async () => {
        const tables = [{ name: "contact_record", linkName: "ctr_link" }, "routing_profiles"];
        const overrides = { producer: { tables }, consumer: { tables } };
        const consumer = await plan("consumer", overrides);
        const producer = await plan("producer", overrides);
        assert.deepEqual(
            ofType(consumer, LINK).map((l) => [l.inputs.name, (l.inputs.targetTable as any).name]),
            [
                ["ctr_link", "contact_record"],
                ["routing_profiles_link", "routing_profiles"],
            ],
        );
        assert.deepEqual(producer.outputs.sharedTables, ["contact_record", "routing_profiles"]);
        assert.deepEqual(
            consumer.permissions
                .filter((p) => !isExportGrant(p))
                .map((p) => (p.resource as any).name ?? (p.resource as any).databaseName),
            ["default", "ctr_link", "routing_profiles_link"],
        );
    });
});

describe("StackReferences and the first deployment", () => {
    it("the producer grants to the role ARN the consumer stack exports", async () => {
        const otherRole = `arn:aws:iam::${CONSUMER}:role/renamed-role`;
        const producer = await plan("producer", {
            peers: { [CONSUMER_STACK]: { consumerAccountId: CONSUMER, lambdaRoleArn: otherRole } },
        });
        assert.ok(ofType(producer, GRANT).every((g) => g.inputs.principal === otherRole));
        assert.equal(producer.outputs.consumerPrincipalArn, otherRole);
    });

    it("the consumer reads the producer's outputs, and a table the producer does not share is an error naming tables", async () => {
        const message = await rejection(
            plan("consumer", {
                peers: {
                    [PRODUCER_STACK]: {
                        producerAccountId: PRODUCER,
                        producerDatabaseName: "connect_datalake",
                        sharedTables: ["users"],
                    },
                },
            }),
        );
        assert.match(
            message,
            /connect-analytics:tables: contacts, agent_hierarchy_groups are not shared by producer stack/,
        );
        assert.match(message, /pulumi up -s organization\/connect-analytics\/producer/);
    });

    it("the consumer refuses a producer that runs in another account", async () => {
        const message = await rejection(
            plan("consumer", { peers: { [PRODUCER_STACK]: { producerAccountId: "333333333333" } } }),
        );
        assert.match(
            message,
            /connect-analytics:producerAccountId: is 111111111111 but producer stack .* runs in 333333333333/,
        );
    });

    it("the first consumer run falls back to its own config and says to deploy the producer next", async () => {
        const consumer = await plan("consumer", { peers: { [PRODUCER_STACK]: {} } });
        assert.equal(ofType(consumer, LINK).length, 3);
        assert.ok(
            consumer.warnings.some((w) =>
                /no outputs yet.*Next: deploy the producer \(`pulumi up -s organization\/connect-analytics\/producer`\)/.test(
                    w,
                ),
            ),
            consumer.warnings.join("\n"),
        );
    });

    it("the producer stops with the next step when the consumer is not deployed yet", async () => {
        const message = await rejection(plan("producer", { peers: { [CONSUMER_STACK]: {} } }));
        assert.match(message, /consumer stack "organization\/connect-analytics\/consumer" has not been deployed yet/);
        assert.match(message, /Deploy the consumer first \(`pulumi up -s organization\/connect-analytics\/consumer`\)/);
    });

    it("a referenced stack that does not exist is a clear message, not a crash", async () => {
        const message = await rejection(plan("producer", { peers: { [CONSUMER_STACK]: "missing" } }));
        assert.match(
            message,
            /cannot read stack "organization\/connect-analytics\/consumer": .*unknown stack.*Deploy the consumer first/,
        );
    });

    it("without a consumerStack the producer derives the role ARN from config", async () => {
        const producer = await plan("producer", { producer: { consumerStack: undefined } });
        assert.equal(producer.outputs.consumerPrincipalArn, ROLE_ARN);
        assert.ok(producer.warnings.some((w) => /consumerStack is not set/.test(w)));
        assert.ok(!producer.resources.some((r) => r.type === "pulumi:pulumi:StackReference"));
    });

    it("the full bootstrap (consumer, producer, consumer) converges with no warnings left", async () => {
        // 1. The consumer first: no producer outputs yet, so it falls back to its own config and says what is next.
        const first = await plan("consumer", { peers: { [PRODUCER_STACK]: {} } });
        assert.ok(
            first.warnings.some((w) => /no outputs yet.*Next: deploy the producer/.test(w)),
            first.warnings.join("\n"),
        );
        // 2. The producer, reading the consumer's outputs: it grants the role the consumer exported.
        const producer = await plan("producer", {
            peers: { [CONSUMER_STACK]: JSON.parse(JSON.stringify(first.outputs)) },
        });
        assert.deepEqual(producer.warnings, []);
        assert.ok(ofType(producer, GRANT).length > 0);
        assert.ok(ofType(producer, GRANT).every((g) => g.inputs.principal === first.outputs.lambdaRoleArn));
        // 3. The consumer again, reading the producer's outputs: nothing left to warn about, and the
        // same links and grants as its first run made from its own config.
        const second = await plan("consumer", {
            peers: { [PRODUCER_STACK]: JSON.parse(JSON.stringify(producer.outputs)) },
        });
        // The plan's note of the export modes is not a warning.
        assert.deepEqual(
            second.warnings.filter((w) => !w.startsWith("info: export modes:")),
            [],
        );
        assert.ok(
            second.resources.some((r) => r.type === "pulumi:pulumi:StackReference" && r.inputs.name === PRODUCER_STACK),
        );
        const links = (p: typeof first) => ofType(p, LINK).map((l) => [l.inputs.name, l.inputs.targetTable]);
        assert.deepEqual(links(second), links(first));
        assert.deepEqual(second.permissions, first.permissions);
    });
});
