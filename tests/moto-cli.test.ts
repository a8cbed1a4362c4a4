/**
 * The operations CLI (verify, grant, relink, metadata) against a deployment seeded in moto, both
 * data sources: the Glue catalogs, Lake Formation grants and settings, STS, and (connectAnalytics)
 * the Connect instance's dataset associations are moto's, so the real APIs' request validation
 * answers. moto serves no RAM invitations: GetResourceShareInvitations stays with
 * aws-sdk-client-mock (tests/moto.ts lists the gaps). moto keeps one Glue catalog per account and
 * ignores CatalogId, so Connect's shared catalog is seeded where the consumer reads it.
 */
import { strict as assert } from "assert";
import { AthenaClient } from "@aws-sdk/client-athena";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { AssociateAnalyticsDataSetCommand, ConnectClient, CreateInstanceCommand } from "@aws-sdk/client-connect";
import { CreateDatabaseCommand, CreateTableCommand, DeleteTableCommand, GlueClient } from "@aws-sdk/client-glue";
import {
    GrantPermissionsCommand,
    LakeFormationClient,
    PutDataLakeSettingsCommand,
    RevokePermissionsCommand,
    type Permission,
    type Resource,
} from "@aws-sdk/client-lakeformation";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { GetResourceShareInvitationsCommand, RAMClient } from "@aws-sdk/client-ram";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import type { AwsClients, ClientOptions } from "../cli/aws";
import {
    BOTH,
    CONSUMER,
    CONSUMER_DB,
    deployment,
    PRODUCER,
    PRODUCER_DB,
    ROLE_ARN,
    runCli,
    type Deployment,
} from "./cli-fake-aws";
import { describeWithMoto, inAccount, motoConfig, type Moto } from "./moto";

const CONNECT = "444455556666";

/** A ClientFactory on moto: the producer profile is the producer account, anything else the consumer. */
function motoFactory(
    moto: Moto,
    invitations: { senderAccountId: string; resourceShareArn?: string; status: string }[] = [],
) {
    return (options: ClientOptions): AwsClients => {
        const account = options.profile === "producer" ? PRODUCER : CONSUMER;
        const config = motoConfig(moto);
        const ram = new RAMClient(config);
        // moto serves no RAM invitations: the accepted ones a real account would list.
        mockClient(ram)
            .on(GetResourceShareInvitationsCommand)
            .resolves({
                resourceShareInvitations: invitations.map((i) => ({ ...i, receiverAccountId: CONSUMER })) as never,
            });
        return {
            sts: inAccount(new STSClient(config), account),
            glue: inAccount(new GlueClient(config), account),
            lakeformation: inAccount(new LakeFormationClient(config), account),
            ram,
            athena: inAccount(new AthenaClient(config), account),
            cloudtrail: inAccount(new CloudTrailClient(config), account),
            connect: inAccount(new ConnectClient(config), account),
            lambda: inAccount(new LambdaClient(config), account),
        };
    };
}

const columns = [
    { Name: "instance_id", Type: "string" },
    { Name: "user_id", Type: "string" },
    { Name: "last_modified_timestamp", Type: "timestamp" },
];

describeWithMoto("operations CLI on a deployment seeded in moto", (moto) => {
    const clients = (account: string) => {
        const config = motoConfig(moto());
        return {
            glue: inAccount(new GlueClient(config), account),
            lf: inAccount(new LakeFormationClient(config), account),
            connect: inAccount(new ConnectClient(config), account),
        };
    };
    const grant = (account: string, principal: string, resource: Resource, permissions: Permission[]) =>
        clients(account).lf.send(
            new GrantPermissionsCommand({
                CatalogId: account,
                Principal: { DataLakePrincipalIdentifier: principal },
                Resource: resource,
                Permissions: permissions,
            }),
        );
    const settings = (account: string) =>
        clients(account).lf.send(
            new PutDataLakeSettingsCommand({
                CatalogId: account,
                DataLakeSettings: {
                    DataLakeAdmins: [],
                    CreateDatabaseDefaultPermissions: [],
                    CreateTableDefaultPermissions: [],
                    Parameters: { CROSS_ACCOUNT_VERSION: "4" },
                },
            }),
        );
    const table = (account: string, database: string, name: string, extra: Record<string, unknown> = {}) =>
        clients(account).glue.send(
            new CreateTableCommand({ DatabaseName: database, TableInput: { Name: name, ...extra } }),
        );

    /** What both stacks leave in producerCatalog mode: the producer's tables and grants, the consumer's links and grants. */
    async function seedProducerCatalog(d: Deployment) {
        const producer = clients(PRODUCER);
        await producer.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: PRODUCER_DB } }));
        for (const name of d.names) {
            await table(PRODUCER, PRODUCER_DB, name, {
                StorageDescriptor: { Columns: columns, Location: `s3://connect-datalake-${PRODUCER}/${name}/` },
                Parameters: { classification: "parquet" },
            });
            await grant(PRODUCER, ROLE_ARN, { Table: { CatalogId: PRODUCER, DatabaseName: PRODUCER_DB, Name: name } }, [
                "DESCRIBE",
                "SELECT",
            ]);
        }
        await settings(PRODUCER);
        await seedConsumer(d, PRODUCER);
    }

    async function seedConsumer(d: Deployment, targetCatalog: string) {
        const consumer = clients(CONSUMER);
        await consumer.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: CONSUMER_DB } }));
        await consumer.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: "default" } }));
        for (const name of d.names) {
            await table(CONSUMER, CONSUMER_DB, `${name}_link`, {
                TargetTable: { CatalogId: targetCatalog, DatabaseName: PRODUCER_DB, Name: name },
            });
            await grant(
                CONSUMER,
                ROLE_ARN,
                { Table: { CatalogId: CONSUMER, DatabaseName: CONSUMER_DB, Name: `${name}_link` } },
                ["DESCRIBE"],
            );
        }
        await grant(CONSUMER, ROLE_ARN, { Database: { CatalogId: CONSUMER, Name: "default" } }, ["DESCRIBE"]);
        await settings(CONSUMER);
    }

    const cli = (d: Deployment, argv: string[], invitations?: Parameters<typeof motoFactory>[1]) =>
        runCli(d, argv, { createClients: motoFactory(moto(), invitations) });
    const verify = async (d: Deployment, invitations?: Parameters<typeof motoFactory>[1]) => {
        const r = await cli(d, ["verify", "--json", ...BOTH], invitations);
        const doc = JSON.parse(r.stdout) as { checks: { id: string; status: string; detail: string }[] };
        return { code: r.code, checks: doc.checks, failed: doc.checks.filter((c) => c.status !== "PASS") };
    };

    beforeEach(async () => moto().reset());

    it("producerCatalog: verify passes a healthy deployment; grant and relink repair what was removed; verify passes again", async () => {
        const d = deployment(3);
        await seedProducerCatalog(d);
        const healthy = await verify(d);
        assert.deepEqual(healthy.failed, [], JSON.stringify(healthy.failed, null, 1));
        assert.equal(healthy.code, 0);

        // Someone revokes the role's DESCRIBE on a link and deletes another link.
        await clients(CONSUMER).lf.send(
            new RevokePermissionsCommand({
                CatalogId: CONSUMER,
                Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
                Resource: { Table: { CatalogId: CONSUMER, DatabaseName: CONSUMER_DB, Name: "users_link" } },
                Permissions: ["DESCRIBE"],
            }),
        );
        await clients(CONSUMER).glue.send(new DeleteTableCommand({ DatabaseName: CONSUMER_DB, Name: "contacts_link" }));
        const broken = await verify(d);
        assert.equal(broken.code, 1);
        assert.deepEqual(broken.failed.map((c) => c.id).sort(), [
            "grant:consumer:table:222222222222:connect_analytics_consumer.users_link",
            "link:contacts_link",
        ]);

        const relink = await cli(d, ["relink", "--json", ...BOTH]);
        assert.equal(relink.code, 0, relink.stderr);
        const grantRun = await cli(d, ["grant", "--json", ...BOTH]);
        assert.equal(grantRun.code, 0, grantRun.stderr + grantRun.stdout);
        const repaired = await verify(d);
        assert.deepEqual(repaired.failed, [], JSON.stringify(repaired.failed, null, 1));
    });

    it("producerCatalog: metadata writes one row per column of each link's target, read from moto's Glue", async () => {
        const d = deployment(3);
        await seedProducerCatalog(d);
        const r = await cli(d, ["metadata", "--json", ...BOTH]);
        assert.equal(r.code, 0, r.stderr);
        const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
        assert.ok(rows.length >= d.names.length * columns.length, r.stdout.slice(0, 500));
        assert.ok(rows.some((row) => row.target_table === "contacts" && row.column === "user_id"));
    });

    it("connectAnalytics: verify reads the instance's associations from moto's Connect and the links to Connect's catalog", async () => {
        const d = deployment(3);
        // The producer is the Connect instance's account: it associates the datasets with the consumer.
        const created = await clients(PRODUCER).connect.send(
            new CreateInstanceCommand({
                IdentityManagementType: "CONNECT_MANAGED",
                InstanceAlias: "contact-centre",
                InboundCallsEnabled: true,
                OutboundCallsEnabled: true,
            }),
        );
        const instanceId = created.Id!;
        for (const name of d.names) {
            await clients(PRODUCER).connect.send(
                new AssociateAnalyticsDataSetCommand({
                    InstanceId: instanceId,
                    DataSetId: name,
                    TargetAccountId: CONSUMER,
                }),
            );
        }
        // Connect's catalog as the consumer sees it through the share (moto: one catalog per account).
        await clients(CONSUMER).glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: PRODUCER_DB } }));
        for (const name of d.names) {
            await table(CONSUMER, PRODUCER_DB, name, { StorageDescriptor: { Columns: columns } });
            await grant(CONSUMER, ROLE_ARN, { Table: { CatalogId: CONNECT, DatabaseName: PRODUCER_DB, Name: name } }, [
                "DESCRIBE",
                "SELECT",
            ]);
        }
        await seedConsumer(d, CONNECT);
        const share = `arn:aws:ram:us-east-1:${CONNECT}:resource-share/connect-share`;
        const files = connectOutputs(d, instanceId, share);
        const r = await runCli({ ...d, files }, ["verify", "--json", ...BOTH], {
            createClients: motoFactory(moto(), [
                { senderAccountId: CONNECT, resourceShareArn: share, status: "ACCEPTED" },
            ]),
        });
        const doc = JSON.parse(r.stdout) as { checks: { id: string; status: string; detail: string }[] };
        const failed = doc.checks.filter((c) => c.status !== "PASS");
        assert.deepEqual(failed, [], JSON.stringify(failed, null, 1));
        assert.deepEqual(
            doc.checks.filter((c) => c.id.startsWith("association:")).map((c) => c.status),
            d.names.map(() => "PASS"),
        );
    });

    /** The two outputs files of a connectAnalytics pair for the fake deployment's tables. */
    function connectOutputs(d: Deployment, instanceId: string, share: string): Record<string, string> {
        const consumer = JSON.parse(d.files["consumer.json"]);
        const producer = JSON.parse(d.files["producer.json"]);
        const resourceLinks = d.names.map((name) => ({
            linkName: `${name}_link`,
            table: name,
            target: { catalogId: CONNECT, databaseName: PRODUCER_DB, name },
        }));
        return {
            "consumer.json": JSON.stringify({
                ...consumer,
                region: "us-east-1",
                dataSource: "connectAnalytics",
                sourceCatalogId: CONNECT,
                resourceLinks,
            }),
            "producer.json": JSON.stringify({
                ...producer,
                region: "us-east-1",
                dataSource: "connectAnalytics",
                sourceCatalogId: CONNECT,
                connectInstanceId: instanceId,
                ramShareArns: [share],
                grants: [],
            }),
        };
    }
});
