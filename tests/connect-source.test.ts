/**
 * `dataSource: connectAnalytics`: Amazon Connect's catalog owns the tables; the producer (the
 * Connect instance's account) associates the datasets with the consumer account and grants
 * nothing; the consumer accepts the RAM share, links to Connect's catalog and grants its own role.
 * And the `producerCatalog` guard that stops a producer from granting a table it does not own.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { ConfigError, parseConfig } from "../lib/config";
import { planStack, PlanResult } from "../plan/run";
import { loadStackConfig } from "../plan/configFile";
import { MOCK_CONNECT_CATALOG } from "../plan/mocks";
import {
    CONSUMER,
    isExportGrant,
    ofType,
    plan,
    PRODUCER,
    rejection,
    ROLE_ARN,
    ROOT,
    withRegistrations,
} from "./helpers";

const EXAMPLE = path.join(ROOT, "examples", "connect-analytics");
const INSTANCE = "8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b";
const LINK = "aws:glue/catalogTable:CatalogTable";
const GRANT = "aws:lakeformation/permissions:Permissions";
const ASSOCIATION = "aws-native:connect:DataLakeAssociation";

function connectConfig(
    stack: "producer" | "consumer",
    overrides: Record<string, unknown> = {},
): Record<string, string> {
    const config = loadStackConfig(EXAMPLE, stack);
    for (const [key, value] of Object.entries(overrides)) {
        const full = `connect-analytics:${key}`;
        if (value === undefined) delete config[full];
        else config[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

function issuesOf(raw: Record<string, string>): Array<{ key: string; message: string }> {
    try {
        parseConfig(raw);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.issues];
    }
    return [];
}

describe("dataSource connectAnalytics: config", () => {
    it("takes the instance id or its ARN (reduced to the id DataLakeAssociation accepts)", () => {
        assert.equal(parseConfig(connectConfig("producer")).connectInstanceId, INSTANCE);
        const arn = `arn:aws:connect:ap-southeast-2:${PRODUCER}:instance/${INSTANCE}`;
        assert.equal(parseConfig(connectConfig("producer", { connectInstanceId: arn })).connectInstanceId, INSTANCE);
    });

    it("defaults the tables to Connect's dataset ids, keeping the link names", () => {
        assert.deepEqual(
            parseConfig(connectConfig("consumer")).tables.map((t) => [t.name, t.linkName, t.timeColumn]),
            [
                ["users", "users_link", undefined],
                ["contact_record", "contacts_link", "initiation_timestamp"],
                ["agent_hierarchy_groups", "agent_hierarchy_groups_link", undefined],
            ],
        );
    });

    const bad: Array<[string, "producer" | "consumer", Record<string, unknown>, string, RegExp]> = [
        [
            "a missing instance",
            "producer",
            { connectInstanceId: undefined },
            "connectInstanceId",
            /required with dataSource connectAnalytics/,
        ],
        [
            "a malformed instance",
            "producer",
            { connectInstanceId: "instance-1" },
            "connectInstanceId",
            /instance id \(a UUID\) or its ARN/,
        ],
        [
            "lfTags sharing",
            "consumer",
            { sharingMode: "lfTags" },
            "sharingMode",
            /Connect owns these tables, so nobody here can tag them/,
        ],
        [
            "a table named contacts",
            "consumer",
            { tables: ["users", "contacts"] },
            "tables",
            /"contacts" is not a Connect dataset: .*contact_record/,
        ],
        [
            "another database",
            "consumer",
            { producerDatabaseName: "mine" },
            "producerDatabaseName",
            /must be connect_datalake/,
        ],
        [
            "the grant option",
            "producer",
            { grantWithGrantOption: true },
            "grantWithGrantOption",
            /makes no Lake Formation grants/,
        ],
        [
            "an instance in producerCatalog mode",
            "producer",
            { dataSource: "producerCatalog", tables: ["users"] },
            "connectInstanceId",
            /only used with dataSource "connectAnalytics"/,
        ],
    ];
    for (const [what, stack, overrides, key, message] of bad) {
        it(`rejects ${what}, naming ${key}`, () => {
            const issue = issuesOf(connectConfig(stack, overrides)).find((i) => i.key === `connect-analytics:${key}`);
            assert.ok(issue, `no issue for ${key}`);
            assert.match(issue.message, message);
        });
    }
});

describe("dataSource connectAnalytics: the stacks", () => {
    let producer: PlanResult;
    let consumer: PlanResult;
    before(async () => {
        producer = await planStack("producer", { configDir: EXAMPLE });
        consumer = await planStack("consumer", { configDir: EXAMPLE });
    });

    it("producer: one DataLakeAssociation per dataset to the consumer account, and no Lake Formation grant", () => {
        assert.deepEqual(
            ofType(producer, ASSOCIATION).map((a) => [
                a.inputs.instanceId,
                a.inputs.dataSetId,
                a.inputs.targetAccountId,
            ]),
            ["users", "contact_record", "agent_hierarchy_groups"].map((d) => [INSTANCE, d, CONSUMER]),
        );
        assert.ok(ofType(producer, ASSOCIATION).every((a) => a.options.deleteBeforeReplace));
        assert.deepEqual(
            producer.resources.filter((r) => r.type.includes("lakeformation")).map((r) => r.type),
            [],
        );
        assert.deepEqual(producer.permissions, []);
    });

    it("producer: exports the RAM share and Connect's catalog, neither the producer nor the consumer", () => {
        assert.equal(producer.outputs.dataSource, "connectAnalytics");
        assert.equal(producer.outputs.sourceCatalogId, MOCK_CONNECT_CATALOG);
        assert.notEqual(MOCK_CONNECT_CATALOG, PRODUCER);
        assert.notEqual(MOCK_CONNECT_CATALOG, CONSUMER);
        assert.equal(producer.outputs.ramShareArns?.length, 1);
        assert.match(
            producer.outputs.ramShareArns![0],
            new RegExp(`^arn:aws:ram:ap-southeast-2:${MOCK_CONNECT_CATALOG}:resource-share/`),
        );
        assert.equal(producer.outputs.connectInstanceId, INSTANCE);
    });

    it("consumer: accepts the share (kept on removal) before the links, which target Connect's catalog", () => {
        const [accepter] = ofType(consumer, "aws:ram/resourceShareAccepter:ResourceShareAccepter");
        assert.equal(accepter.inputs.shareArn, producer.outputs.ramShareArns![0]);
        assert.equal(accepter.options.retainOnDelete, true);
        assert.deepEqual(
            ofType(consumer, LINK).map((l) => [l.inputs.name, l.inputs.catalogId, l.inputs.targetTable]),
            [
                [
                    "users_link",
                    CONSUMER,
                    { catalogId: MOCK_CONNECT_CATALOG, databaseName: "connect_datalake", name: "users" },
                ],
                [
                    "contacts_link",
                    CONSUMER,
                    { catalogId: MOCK_CONNECT_CATALOG, databaseName: "connect_datalake", name: "contact_record" },
                ],
                [
                    "agent_hierarchy_groups_link",
                    CONSUMER,
                    {
                        catalogId: MOCK_CONNECT_CATALOG,
                        databaseName: "connect_datalake",
                        name: "agent_hierarchy_groups",
                    },
                ],
            ],
        );
        assert.equal(consumer.outputs.sourceCatalogId, MOCK_CONNECT_CATALOG);
    });

    it("consumer: its own admin grants the role DESCRIBE on links and default, DESCRIBE+SELECT on targets (exclusions as TableWithColumns)", () => {
        const made = ofType(consumer, GRANT).filter((g) => !isExportGrant(g));
        assert.ok(made.every((g) => g.inputs.catalogId === CONSUMER && g.inputs.principal === ROLE_ARN));
        assert.ok(made.every((g) => g.options.deleteBeforeReplace));
        const rows = consumer.permissions
            .filter((p) => !isExportGrant(p))
            .map((p) => [
                p.resource.catalogId,
                p.resource.kind,
                "name" in p.resource ? p.resource.name : p.resource.kind === "database" ? p.resource.databaseName : "",
                p.permissions.join("+"),
                p.grantable.length,
            ]);
        assert.deepEqual(
            rows.filter((r) => r[0] === MOCK_CONNECT_CATALOG),
            [
                [MOCK_CONNECT_CATALOG, "table", "agent_hierarchy_groups", "DESCRIBE+SELECT", 0],
                [MOCK_CONNECT_CATALOG, "table", "contact_record", "DESCRIBE+SELECT", 0],
                [MOCK_CONNECT_CATALOG, "table", "users", "DESCRIBE", 0],
                [MOCK_CONNECT_CATALOG, "tableWithColumns", "users", "SELECT", 0],
            ],
        );
        assert.deepEqual(
            rows.filter((r) => r[0] === CONSUMER).map((r) => r[2]),
            ["default", "agent_hierarchy_groups_link", "contacts_link", "users_link"],
        );
        const users = consumer.permissions.find((p) => p.resource.kind === "tableWithColumns")!;
        assert.deepEqual(users.resource.kind === "tableWithColumns" && users.resource.excludedColumns, [
            "email",
            "mobile",
        ]);
    });

    it("effective access: the role reads every target in Connect's catalog through its link, minus the exclusions", () => {
        const role = consumer.effectiveAccess.filter((a) => a.principal === ROLE_ARN);
        assert.deepEqual(
            role.map((a) => [a.table, a.linkVisible, a.select, a.columns]),
            [
                [`${MOCK_CONNECT_CATALOG}:connect_datalake.users`, true, true, { allExcept: ["email", "mobile"] }],
                [`${MOCK_CONNECT_CATALOG}:connect_datalake.contact_record`, true, true, { all: true }],
                [`${MOCK_CONNECT_CATALOG}:connect_datalake.agent_hierarchy_groups`, true, true, { all: true }],
            ],
        );
    });

    it("consumer first is an error naming the bootstrap order: producer, then consumer", async () => {
        const message = await rejection(
            planStack("consumer", { configDir: EXAMPLE, peers: { "organization/connect-analytics/producer": {} } }),
        );
        assert.match(message, /has not associated Connect's datasets with this account yet/);
        assert.match(message, /the producer goes first: `pulumi up -s organization\/connect-analytics\/producer`/);
    });

    it("an accepted share is adopted (imported), not accepted again; an expired one names the fix", async () => {
        const share = producer.outputs.ramShareArns![0];
        const adopted = await planStack("consumer", { configDir: EXAMPLE, invitations: { [share]: "ACCEPTED" } });
        const [accepter] = ofType(adopted, "aws:ram/resourceShareAccepter:ResourceShareAccepter");
        assert.equal(accepter.options.importId, share);
        assert.equal(accepter.options.retainOnDelete, true);
        const message = await rejection(
            planStack("consumer", { configDir: EXAMPLE, invitations: { [share]: "EXPIRED" } }),
        );
        assert.match(message, /invitation to share .* is EXPIRED: nothing can accept it now/);
        assert.match(message, /--replace/);
    });
});

describe("dataSource connectAnalytics: RAM before anything else", () => {
    let producer: PlanResult;
    before(async () => {
        producer = await planStack("producer", { configDir: EXAMPLE });
    });
    /** Plans the consumer, recording every resource it registers (StackReferences aside). */
    async function consumerWith(options: Pick<Parameters<typeof planStack>[1] & object, "invitations" | "shares">) {
        const { result, error, registered } = await withRegistrations(() =>
            planStack("consumer", { configDir: EXAMPLE, ...options }),
        );
        return { plan: result, error, registered };
    }

    it("no invitation and Connect's share not ACTIVE: the run stops before any resource, naming the share and the fix", async () => {
        const shares = producer.outputs.ramShareArns!;
        const none = Object.fromEntries(shares.map((arn) => [arn, "none" as const]));
        const { error, registered } = await consumerWith({ invitations: none });
        assert.ok(error, "the plan stops");
        assert.match(
            error.message,
            new RegExp(`no RAM invitation for Amazon Connect's share ${shares[0].replace(/[/.]/g, "\\$&")}`),
        );
        assert.match(
            error.message,
            /the share is not visible to this account \(looked up as the plan's mock credentials\)/,
        );
        assert.match(error.message, /outside your AWS Organization, so it always sends an invitation/);
        assert.match(error.message, /aws:region, aws:profile and aws:assumeRoles/);
        assert.match(error.message, /--replace/);
        // The producer's plan (the consumer reads its outputs) registers its own; the consumer registers nothing.
        assert.deepEqual(
            registered.filter((r) => !/::producer(-|$)/.test(r)),
            [],
            "nothing of the consumer registered",
        );
        const pending = await consumerWith({
            invitations: none,
            shares: Object.fromEntries(shares.map((arn) => [arn, "PENDING"])),
        });
        assert.match(pending.error!.message, /and the share is PENDING/);
    });

    it("no invitation but the share ACTIVE for this account: nothing to accept, the links are made", async () => {
        const shares = producer.outputs.ramShareArns!;
        const { plan: p, error } = await consumerWith({
            invitations: Object.fromEntries(shares.map((arn) => [arn, "none" as const])),
            shares: Object.fromEntries(shares.map((arn) => [arn, "ACTIVE"])),
        });
        assert.equal(error, undefined, error?.message);
        assert.equal(ofType(p!, "aws:ram/resourceShareAccepter:ResourceShareAccepter").length, 0);
        assert.ok(ofType(p!, LINK).length > 0);
    });
});

describe("dataSource producerCatalog: the producer grants only tables it owns", () => {
    const asLink = {
        "aws:glue/getCatalogTable:getCatalogTable": (inputs: Record<string, any>) => ({
            ...inputs,
            catalogId: PRODUCER,
            targetTables:
                inputs.name === "contacts"
                    ? [{ catalogId: MOCK_CONNECT_CATALOG, databaseName: "connect_datalake", name: "contact_record" }]
                    : [],
        }),
    };

    it("stops on a table that is a resource link, naming it, its owner catalog, why, and the fix", async () => {
        const message = await rejection(
            planStack("producer", {
                configs: { producer: loadStackConfig(ROOT, "producer"), consumer: loadStackConfig(ROOT, "consumer") },
                invokes: asLink,
            }),
        );
        assert.match(
            message,
            /connect_datalake\.contacts is a resource link to 444455556666:connect_datalake\.contact_record/,
        );
        assert.match(message, /does not let it grant that table to another account/);
        assert.match(message, /Fix: set dataSource: connectAnalytics/);
    });

    it("passes tables the producer owns (the default plan)", async () => {
        const producer = await plan("producer");
        assert.ok(producer.permissions.length > 0);
    });
});
