/**
 * Components on their own, under `pulumi.runtime.setMocks` (pulumi/examples testing-unit-ts
 * style): no config, no plan harness, no other component.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket } from "../components/secureBucket";
import { ConsumerLinkSet } from "../components/consumerLinkSet";
import { createGrants } from "../stack/grants";
import { LfGrant } from "../lib/permissions";

const PRODUCER = "111111111111";
const CONSUMER = "222222222222";

interface Created {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
}

/** Fresh mocks per test; resolves once every registration has been answered. */
function mockResources(): { created: Created[]; settled: () => Promise<Created[]> } {
    const created: Created[] = [];
    void pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                created.push({ type: args.type, name: args.name, inputs: args.inputs });
                const name = args.inputs.name ?? args.inputs.bucket ?? args.name;
                return { id: `${args.name}-id`, state: { ...args.inputs, arn: `arn:aws:mock:::${name}` } };
            },
            call: (args) => args.inputs,
        },
        "connect-analytics",
        "unit",
        false,
    );
    return {
        created,
        settled: async () => {
            await pulumi.runtime.disconnect();
            return created;
        },
    };
}

function value<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

const byType = (created: Created[], type: string) => created.filter((c) => c.type === type);

describe("SecureBucket on its own", () => {
    it("blocks public access, disables ACLs, encrypts with SSE-S3 and denies plain HTTP", async () => {
        const { settled } = mockResources();
        const bucket = new SecureBucket("data", { bucketName: "acme-data", lifecycleRules: [], tags: { team: "x" } });
        assert.equal(await value(bucket.bucketName), "acme-data");
        const created = await settled();
        const [block] = byType(created, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        assert.deepEqual(
            [
                block.inputs.blockPublicAcls,
                block.inputs.blockPublicPolicy,
                block.inputs.ignorePublicAcls,
                block.inputs.restrictPublicBuckets,
            ],
            [true, true, true, true],
        );
        const [ownership] = byType(created, "aws:s3/bucketOwnershipControls:BucketOwnershipControls");
        assert.equal(ownership.inputs.rule.objectOwnership, "BucketOwnerEnforced");
        const [encryption] = byType(
            created,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        );
        assert.equal(encryption.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        const [policy] = byType(created, "aws:s3/bucketPolicy:BucketPolicy");
        const statement = JSON.parse(policy.inputs.policy).Statement[0];
        assert.equal(statement.Effect, "Deny");
        assert.deepEqual(statement.Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.equal(
            byType(created, "aws:s3/bucketVersioning:BucketVersioning").length,
            0,
            "no versioning unless asked",
        );
        const children = created.filter((c) => c.type !== "connect-analytics:storage:SecureBucket");
        assert.ok(
            children.length === 6 && children.every((c) => c.name.startsWith("data-")),
            "children: <name>-<suffix>",
        );
    });

    it("uses the KMS key with a bucket key, and versioning, when given", async () => {
        const { settled } = mockResources();
        const key = `arn:aws:kms:ap-southeast-2:${CONSUMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
        new SecureBucket("data", {
            bucketName: "acme-data",
            kmsKeyArn: key,
            versioning: true,
            lifecycleRules: [],
            tags: {},
        });
        const created = await settled();
        const [encryption] = byType(
            created,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        );
        assert.deepEqual(encryption.inputs.rules[0], {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key },
            bucketKeyEnabled: true,
        });
        assert.equal(
            byType(created, "aws:s3/bucketVersioning:BucketVersioning")[0].inputs.versioningConfiguration.status,
            "Enabled",
        );
    });
});

describe("createGrants on its own", () => {
    const role = `arn:aws:iam::${CONSUMER}:role/reader`;
    const grants: LfGrant[] = [
        {
            side: "producer",
            principal: role,
            resource: { kind: "table", catalogId: PRODUCER, databaseName: "connect_datalake", name: "users" },
            permissions: ["DESCRIBE", "SELECT"],
            grantable: [],
        },
        {
            side: "producer",
            principal: role,
            resource: {
                kind: "tableWithColumns",
                catalogId: PRODUCER,
                databaseName: "connect_datalake",
                name: "contacts",
                excludedColumns: ["customer_endpoint_address"],
            },
            permissions: ["SELECT"],
            grantable: [],
        },
    ];

    it("makes one Permissions resource per model grant, in the grantor's catalog, to the principal's Output", async () => {
        const { settled } = mockResources();
        const made = createGrants("share", grants, PRODUCER, {}, { arn: role, output: pulumi.output(role) });
        assert.equal(made.length, 2);
        const created = byType(await settled(), "aws:lakeformation/permissions:Permissions");
        assert.deepEqual(
            created.map((c) => [c.inputs.catalogId, c.inputs.principal, c.inputs.permissions]),
            [
                [PRODUCER, role, ["DESCRIBE", "SELECT"]],
                [PRODUCER, role, ["SELECT"]],
            ],
        );
        assert.deepEqual(created[1].inputs.tableWithColumns.excludedColumnNames, ["customer_endpoint_address"]);
    });
});

describe("ConsumerLinkSet on its own", () => {
    it("creates the database, one link per table to the producer's catalog, the exact role, and DESCRIBE on each link", async () => {
        const { settled } = mockResources();
        const set = new ConsumerLinkSet("consumer", {
            region: "ap-southeast-2",
            producerAccountId: PRODUCER,
            consumerAccountId: CONSUMER,
            producerDatabaseName: "connect_datalake",
            consumerDatabaseName: "analytics",
            tables: [
                { name: "users", linkName: "users_link" },
                { name: "contacts", linkName: "contacts_link", timeColumn: "initiation_timestamp" },
            ],
            lambdaRoleName: "reader",
            tags: { project: "p" },
        });
        assert.deepEqual(
            (await value(set.resourceLinks)).map((l) => [l.linkName, l.target]),
            [
                ["users_link", { catalogId: PRODUCER, databaseName: "connect_datalake", name: "users" }],
                ["contacts_link", { catalogId: PRODUCER, databaseName: "connect_datalake", name: "contacts" }],
            ],
        );
        const created = await settled();
        assert.equal(byType(created, "aws:iam/role:Role")[0].inputs.name, "reader");
        assert.deepEqual(
            byType(created, "aws:glue/catalogTable:CatalogTable").map((l) => [
                l.inputs.catalogId,
                l.inputs.targetTable.catalogId,
            ]),
            [
                [CONSUMER, PRODUCER],
                [CONSUMER, PRODUCER],
            ],
        );
        const describe = byType(created, "aws:lakeformation/permissions:Permissions");
        assert.deepEqual(
            describe
                .map((g) => [g.inputs.catalogId, (g.inputs.table ?? g.inputs.database).name, g.inputs.permissions])
                .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
            [
                [CONSUMER, "contacts_link", ["DESCRIBE"]],
                [CONSUMER, "default", ["DESCRIBE"]],
                [CONSUMER, "users_link", ["DESCRIBE"]],
            ],
        );
        assert.equal(byType(created, "aws:ram/resourceShareAccepter:ResourceShareAccepter").length, 0);
    });

    it("accepts the RAM share first, and makes no links or link grants when links are off", async () => {
        const { settled } = mockResources();
        new ConsumerLinkSet("consumer", {
            region: "ap-southeast-2",
            producerAccountId: PRODUCER,
            consumerAccountId: CONSUMER,
            producerDatabaseName: "connect_datalake",
            consumerDatabaseName: "analytics",
            tables: [{ name: "users", linkName: "users_link" }],
            lambdaRoleName: "reader",
            enableResourceLinks: false,
            ramShares: [{ shareArn: `arn:aws:ram:ap-southeast-2:${PRODUCER}:resource-share/abc`, action: "accept" }],
            tags: {},
        });
        const created = await settled();
        assert.equal(byType(created, "aws:ram/resourceShareAccepter:ResourceShareAccepter").length, 1);
        assert.equal(byType(created, "aws:glue/catalogTable:CatalogTable").length, 0);
        assert.deepEqual(
            byType(created, "aws:lakeformation/permissions:Permissions").map((g) => g.inputs.database?.name),
            ["default"],
            "no link grants; DESCRIBE on default stays",
        );
    });
});
