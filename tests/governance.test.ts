import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../lib/config";
import { mergeDataLakeSettings } from "../lib/dataLakeSettings";
import {
    CONSUMER,
    exportTables,
    ofType,
    plan,
    PRODUCER,
    rejection,
    ROLE_ARN,
    stackConfig,
    withRegistrations,
} from "./helpers";

const GRANT = "aws:lakeformation/permissions:Permissions";
const PRODUCER_STACK = "organization/connect-analytics/producer";
const CONSUMER_STACK = "organization/connect-analytics/consumer";

/** A plan that must fail: its error message, and every resource it registered before it did. */
async function failedPlan(run: () => Promise<unknown>): Promise<{ message: string; registered: string[] }> {
    const { error, registered } = await withRegistrations(run);
    if (!error) throw new Error("expected the plan to fail, but it succeeded");
    return { message: error.message, registered };
}
const EXCLUDED = { users: ["email", "mobile"], contacts: ["customer_endpoint_address"] };

function issueFor(
    overrides: Record<string, unknown>,
    key: string,
    stack: "producer" | "consumer" = "producer",
): string {
    try {
        parseConfig(stackConfig(stack, overrides));
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        const issue = err.issues.find((i) => i.key === `connect-analytics:${key}`);
        assert.ok(issue, `no issue for ${key}: ${err.message}`);
        return issue.message;
    }
    assert.fail("expected the configuration to be rejected");
}

describe("governance config validation", () => {
    it("rejects exclusions of a table that is not shared", () => {
        assert.match(
            issueFor({ excludedColumns: { routing_profiles: ["x"] } }, "excludedColumns"),
            /"routing_profiles" is not in tables/,
        );
    });
    it("rejects unknown columns, listing the known ones", () => {
        assert.match(
            issueFor({ excludedColumns: { users: ["e_mail"] } }, "excludedColumns"),
            /e_mail is not a column of users \(known columns: .*user_id/,
        );
    });
    it("rejects excluding the column the export reads incrementally by", () => {
        assert.match(
            issueFor({ excludedColumns: { contacts: ["initiation_timestamp"] } }, "excludedColumns"),
            /cannot exclude initiation_timestamp/,
        );
    });
    it("rejects duplicate and empty exclusion lists", () => {
        assert.match(
            issueFor({ excludedColumns: { users: ["email", "email"] } }, "excludedColumns"),
            /lists email more than once/,
        );
        assert.match(issueFor({ excludedColumns: { users: [] } }, "excludedColumns"), /non-empty list/);
    });
    it("rejects an unknown sharing mode and bad LF-tags", () => {
        assert.match(issueFor({ sharingMode: "tags" }, "sharingMode"), /"named" or "lfTags"/);
        assert.match(issueFor({ sharingMode: "lfTags", lfTags: {} }, "lfTags"), /at least one key/);
        assert.match(issueFor({ lfTags: { domain: ["a", "b"] } }, "lfTags"), /value of domain must be one tag value/);
    });
    it("needs the sensitivity tag to exclude columns in lfTags mode", () => {
        assert.match(
            issueFor({ sharingMode: "lfTags", lfTags: { domain: "connect" }, excludedColumns: EXCLUDED }, "lfTags"),
            /needs a "sensitivity" key/,
        );
    });
    it("refuses a producer cross-account version below 3 when it manages settings", () => {
        assert.match(
            issueFor({ manageDataLakeSettings: true, crossAccountVersion: "2" }, "crossAccountVersion"),
            /needs version 3 or later/,
        );
        assert.match(issueFor({ crossAccountVersion: "5" }, "crossAccountVersion"), /"1", "2", "3" or "4"/);
    });
    it("rejects admins that are not IAM principals and a malformed RAM share ARN", () => {
        assert.match(issueFor({ dataLakeAdmins: ["admin"] }, "dataLakeAdmins"), /not an IAM role or user ARN/);
        assert.match(issueFor({ ramShareArn: "share-1" }, "ramShareArn", "consumer"), /RAM resource share ARN/);
    });
    it("attaches sorted exclusions to their tables", () => {
        const config = parseConfig(stackConfig("producer", { excludedColumns: { users: ["mobile", "email"] } }));
        assert.deepEqual(config.tables.find((t) => t.name === "users")!.excludedColumns, ["email", "mobile"]);
        assert.equal(config.tables.find((t) => t.name === "contacts")!.excludedColumns, undefined);
    });
});

describe("column exclusions (named mode)", () => {
    const both = { producer: { excludedColumns: EXCLUDED }, consumer: { excludedColumns: EXCLUDED } };

    it("turns SELECT into all-columns-but-these and keeps DESCRIBE on the table", async () => {
        const producer = await plan("producer", both);
        const users = producer.permissions.filter((p) => "name" in p.resource && p.resource.name === "users");
        assert.deepEqual(users, [
            {
                principal: ROLE_ARN,
                resource: { kind: "table", catalogId: PRODUCER, databaseName: "connect_datalake", name: "users" },
                permissions: ["DESCRIBE"],
                grantable: [],
            },
            {
                principal: ROLE_ARN,
                resource: {
                    kind: "tableWithColumns",
                    catalogId: PRODUCER,
                    databaseName: "connect_datalake",
                    name: "users",
                    excludedColumns: ["email", "mobile"],
                },
                permissions: ["SELECT"],
                grantable: [],
            },
        ]);
        const made = ofType(producer, GRANT).find((g) => (g.inputs as any).tableWithColumns?.name === "users")!;
        assert.deepEqual((made.inputs as any).tableWithColumns, {
            catalogId: PRODUCER,
            databaseName: "connect_datalake",
            name: "users",
            wildcard: true,
            excludedColumnNames: ["email", "mobile"],
        });
    });

    it("shows the effective access per table and column, and the export never selects excluded columns", async () => {
        const consumer = await plan("consumer", both);
        assert.deepEqual(
            consumer.effectiveAccess.map((a) => [a.table, a.linkVisible, a.columns]),
            [
                [`${PRODUCER}:connect_datalake.users`, true, { allExcept: ["email", "mobile"] }],
                [`${PRODUCER}:connect_datalake.contacts`, true, { allExcept: ["customer_endpoint_address"] }],
                [`${PRODUCER}:connect_datalake.agent_hierarchy_groups`, true, { all: true }],
            ],
        );
        const tables = exportTables(consumer);
        assert.deepEqual(
            tables.map((t: any) => t.excludedColumns),
            [["email", "mobile"], ["customer_endpoint_address"], undefined],
        );
    });

    it("refuses a consumer whose exclusions differ from the producer's", async () => {
        const message = await rejection(plan("consumer", { producer: { excludedColumns: EXCLUDED } }));
        assert.match(message, /connect-analytics:excludedColumns: differs from producer stack/);
    });
});

describe("LF-tag sharing mode", () => {
    const lfTags = { sharingMode: "lfTags" };

    it("defines the tags, assigns them to tables, and grants the consumer account on the expression with the grant option", async () => {
        const producer = await plan("producer", { producer: lfTags, consumer: lfTags });
        assert.deepEqual(
            ofType(producer, "aws-native:lakeformation:Tag").map((t) => [t.inputs.tagKey, t.inputs.tagValues]),
            [
                ["domain", ["connect"]],
                ["sensitivity", ["general"]],
            ],
        );
        assert.equal(ofType(producer, "aws-native:lakeformation:TagAssociation").length, 3);
        const expression = [
            { key: "domain", values: ["connect"] },
            { key: "sensitivity", values: ["general"] },
        ];
        assert.deepEqual(
            producer.permissions.find((p) => p.resource.kind === "lfTagPolicy"),
            {
                principal: CONSUMER,
                resource: { kind: "lfTagPolicy", catalogId: PRODUCER, resourceType: "TABLE", expression },
                permissions: ["DESCRIBE", "SELECT"],
                grantable: ["DESCRIBE", "SELECT"],
            },
        );
        assert.ok(
            producer.permissions.every((p) => p.principal === CONSUMER),
            "the producer grants to the account, which re-grants",
        );
        assert.deepEqual(
            producer.permissions
                .filter((p) => p.resource.kind === "lfTag")
                .map((p) => [p.resource, p.permissions, p.grantable]),
            expression.map((c) => [
                { kind: "lfTag", catalogId: PRODUCER, key: c.key, values: c.values },
                ["DESCRIBE"],
                ["DESCRIBE"],
            ]),
        );
    });

    it("re-grants the expression to the role in the consumer, with no grant option", async () => {
        const consumer = await plan("consumer", { producer: lfTags, consumer: lfTags });
        const regrant = consumer.permissions.find((p) => p.resource.kind === "lfTagPolicy")!;
        assert.equal(regrant.principal, ROLE_ARN);
        assert.deepEqual(regrant.grantable, []);
        const made = ofType(consumer, GRANT).find((g) => (g.inputs as any).lfTagPolicy)!;
        assert.equal(made.inputs.catalogId, CONSUMER, "the consumer makes the re-grant");
        assert.equal((made.inputs as any).lfTagPolicy.catalogId, PRODUCER, "on the producer's tags");
    });

    for (const [what, exclusions] of [
        ["without exclusions", {}],
        ["with column exclusions", { excludedColumns: EXCLUDED }],
    ] as const) {
        it(`gives the role the same effective access as named mode, ${what}`, async () => {
            const named = await plan("consumer", { producer: exclusions, consumer: exclusions });
            const tagged = await plan("consumer", {
                producer: { ...lfTags, ...exclusions },
                consumer: { ...lfTags, ...exclusions },
            });
            const ofRole = (p: typeof named) => p.effectiveAccess.filter((a) => a.principal === ROLE_ARN);
            assert.deepEqual(ofRole(tagged), ofRole(named));
            assert.equal(ofRole(named).length, 3);
            assert.ok(ofRole(named).every((a) => a.select && a.linkVisible));
            // The consumer account holds the tag grant (to re-grant it) but sees no link of its own.
            assert.ok(
                tagged.effectiveAccess.filter((a) => a.principal === CONSUMER).every((a) => a.select && !a.linkVisible),
            );
        });
    }

    it("tags excluded columns restricted, so the expression does not reach them", async () => {
        const producer = await plan("producer", {
            producer: { ...lfTags, excludedColumns: EXCLUDED },
            consumer: { ...lfTags, excludedColumns: EXCLUDED },
        });
        const columnTags = ofType(producer, "aws-native:lakeformation:TagAssociation").filter(
            (t) => (t.inputs.resource as any).tableWithColumns,
        );
        assert.deepEqual(
            columnTags.map((t) => [
                (t.inputs.resource as any).tableWithColumns.columnNames,
                (t.inputs.lfTags as any)[0],
            ]),
            [
                [["email"], { catalogId: PRODUCER, tagKey: "sensitivity", tagValues: ["restricted"] }],
                [["mobile"], { catalogId: PRODUCER, tagKey: "sensitivity", tagValues: ["restricted"] }],
                [
                    ["customer_endpoint_address"],
                    { catalogId: PRODUCER, tagKey: "sensitivity", tagValues: ["restricted"] },
                ],
            ],
        );
        assert.deepEqual(
            ofType(producer, "aws-native:lakeformation:Tag").find((t) => t.inputs.tagKey === "sensitivity")!.inputs
                .tagValues,
            ["general", "restricted"],
        );
    });

    it("refuses a consumer whose sharing mode differs from the producer's", async () => {
        assert.match(
            await rejection(plan("consumer", { producer: lfTags })),
            /connect-analytics:sharingMode: is named but producer stack .* shares by lfTags/,
        );
    });
});

describe("data-lake settings", () => {
    it("are not touched unless the stack opts in", async () => {
        assert.equal(ofType(await plan("producer"), "aws:lakeformation/dataLakeSettings:DataLakeSettings").length, 0);
    });

    it("set the cross-account version, add admins and empty the IAMAllowedPrincipals defaults, keeping the rest", async () => {
        const admin = `arn:aws:iam::${PRODUCER}:role/lake-admin`;
        const producer = await plan("producer", {
            producer: { manageDataLakeSettings: true, dataLakeAdmins: [admin] },
        });
        const [settings] = ofType(producer, "aws:lakeformation/dataLakeSettings:DataLakeSettings");
        assert.equal(settings.inputs.catalogId, PRODUCER);
        assert.deepEqual(settings.inputs.admins, [admin]);
        assert.deepEqual(settings.inputs.parameters, { CROSS_ACCOUNT_VERSION: "4" });
        assert.deepEqual(settings.inputs.createDatabaseDefaultPermissions, []);
        assert.deepEqual(settings.inputs.createTableDefaultPermissions, []);
        assert.equal(settings.parent, "lake-formation");
    });

    it("a failing check registers no resource at all: the producer checks its consumer and tables before the settings", async () => {
        const settings = { manageDataLakeSettings: true };
        const undeployed = await failedPlan(() =>
            plan("producer", { producer: settings, peers: { [CONSUMER_STACK]: {} } }),
        );
        assert.match(undeployed.message, /consumer stack .* has not been deployed yet/);
        assert.deepEqual(undeployed.registered, []);

        const otherAccount = await failedPlan(() =>
            plan("producer", {
                producer: settings,
                peers: { [CONSUMER_STACK]: { consumerAccountId: "333333333333", lambdaRoleArn: ROLE_ARN } },
            }),
        );
        assert.match(otherAccount.message, /connect-analytics:consumerAccountId: is 222222222222 but consumer stack/);
        assert.deepEqual(otherAccount.registered, []);

        const unreadable = await failedPlan(() =>
            plan("producer", {
                producer: { ...settings, consumerStack: undefined },
                invokes: {
                    "aws:glue/getCatalogTable:getCatalogTable": () => {
                        throw new Error("EntityNotFoundException");
                    },
                },
            }),
        );
        assert.match(unreadable.message, /the producer cannot read table 111111111111:connect_datalake\.users/);
        assert.deepEqual(unreadable.registered, []);
    });

    it("a failing check registers no resource at all: the consumer checks its producer before the settings", async () => {
        const failed = await failedPlan(() =>
            plan("consumer", {
                consumer: { manageDataLakeSettings: true },
                peers: { [PRODUCER_STACK]: { producerAccountId: "333333333333" } },
            }),
        );
        assert.match(
            failed.message,
            /connect-analytics:producerAccountId: is 111111111111 but producer stack .* runs in 333333333333/,
        );
        assert.deepEqual(failed.registered, []);
    });

    it("merge keeps what the project does not manage and never removes an admin", () => {
        const merged = mergeDataLakeSettings(
            {
                admins: ["arn:aws:iam::111111111111:role/existing"],
                readOnlyAdmins: ["arn:aws:iam::111111111111:role/auditor"],
                createDatabaseDefaultPermissions: [{ principal: "IAM_ALLOWED_PRINCIPALS", permissions: ["ALL"] }],
                parameters: { CROSS_ACCOUNT_VERSION: "2", SET_CONTEXT: "TRUE" },
                trustedResourceOwners: ["333333333333"],
                allowExternalDataFiltering: true,
                externalDataFilteringAllowLists: ["444444444444"],
            },
            { dataLakeAdmins: ["arn:aws:iam::111111111111:role/new"], crossAccountVersion: "4" },
        );
        assert.deepEqual(merged.admins, [
            "arn:aws:iam::111111111111:role/existing",
            "arn:aws:iam::111111111111:role/new",
        ]);
        assert.deepEqual(merged.readOnlyAdmins, ["arn:aws:iam::111111111111:role/auditor"]);
        assert.deepEqual(merged.parameters, { CROSS_ACCOUNT_VERSION: "4", SET_CONTEXT: "TRUE" });
        assert.deepEqual(merged.createDatabaseDefaultPermissions, []);
        assert.deepEqual(merged.trustedResourceOwners, ["333333333333"]);
        assert.equal(merged.allowExternalDataFiltering, true);
        assert.deepEqual(merged.externalDataFilteringAllowLists, ["444444444444"]);
    });
});

describe("RAM invitation acceptance", () => {
    const share = `arn:aws:ram:ap-southeast-2:${PRODUCER}:resource-share/0a1b2c3d-aaaa-bbbb-cccc-111122223333`;

    it("is not created when the accounts share an organization (no share ARN)", async () => {
        assert.equal(ofType(await plan("consumer"), "aws:ram/resourceShareAccepter:ResourceShareAccepter").length, 0);
    });

    it("accepts the share named in config, in the consumer, under the link set", async () => {
        const consumer = await plan("consumer", { consumer: { ramShareArn: share } });
        const [accepter] = ofType(consumer, "aws:ram/resourceShareAccepter:ResourceShareAccepter");
        assert.equal(accepter.inputs.shareArn, share);
        assert.equal(accepter.parent, "consumer");
        assert.ok(
            consumer.resources.indexOf(accepter) <
                consumer.resources.findIndex((r) => r.type === "aws:glue/catalogTable:CatalogTable"),
        );
    });

    it("takes the share ARN from the producer stack's output when the consumer has none", async () => {
        const consumer = await plan("consumer", { producer: { ramShareArn: share } });
        assert.equal(
            ofType(consumer, "aws:ram/resourceShareAccepter:ResourceShareAccepter")[0]?.inputs.shareArn,
            share,
        );
    });

    it("the producer exports the share ARN for the consumer", async () => {
        const producer = await plan("producer", { producer: { ramShareArn: share } });
        assert.equal(producer.outputs.ramShareArn, share);
        assert.ok(PRODUCER_STACK);
    });
});
