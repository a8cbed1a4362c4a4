/**
 * The export function's state in S3 against moto (an independent emulator, tests/moto.ts): the
 * run lease's conditional writes (If-None-Match: * and If-Match: <ETag>, answered 412 by moto as by
 * S3: AmazonS3/latest/userguide/conditional-writes.html), and a whole handler run whose lease,
 * manifest and watermarks land in moto's S3, its columns come from moto's Glue and its
 * statements go through moto's Athena API (moto runs no SQL: every result set is empty, so the
 * time-partitioned table finds no first day and the run records its watermark at the last
 * complete day).
 */
import { strict as assert } from "assert";
import { AthenaClient, CreateWorkGroupCommand } from "@aws-sdk/client-athena";
import { CreateDatabaseCommand, CreateTableCommand, GlueClient } from "@aws-sdk/client-glue";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createS3ObjectStore } from "../functions/aws/s3Store";
import { createExportHandler } from "../functions/handler";
import { acquireLease } from "../functions/lease";
import type { ExportRunSummary, RunManifest } from "../functions/types";
import {
    BUCKET,
    EXPORT_DB,
    fakeClock,
    glueColumns,
    handlerEnv,
    lambdaContext,
    logSink,
    RUN_ID,
    SCHEDULED,
    SOURCE_DB,
    TABLES,
} from "./export-fakes";
import { describeWithMoto, inAccount, motoConfig } from "./moto";

const ACCOUNT = "222222222222";

describeWithMoto("export state in S3, Glue and Athena (moto)", (moto) => {
    let s3: S3Client;
    let glue: GlueClient;
    let athena: AthenaClient;
    beforeEach(async () => {
        await moto().reset();
        s3 = inAccount(new S3Client(motoConfig(moto())), ACCOUNT);
        glue = inAccount(new GlueClient(motoConfig(moto())), ACCOUNT);
        athena = inAccount(new AthenaClient(motoConfig(moto())), ACCOUNT);
        await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    });
    const store = () => createS3ObjectStore({ client: s3, bucket: BUCKET });
    const text = async (key: string) =>
        (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })).then((o) => o.Body!.transformToString()))!;

    it("conditional writes: create-only fails on an existing key, replace fails on a stale ETag (412)", async () => {
        const st = store();
        const first = await st.putIf("state/x.json", "{}", undefined);
        assert.ok(first, "created");
        assert.equal(await st.putIf("state/x.json", "{}", undefined), undefined, "If-None-Match: * on an existing key");
        const second = await st.putIf("state/x.json", '{"n":2}', first);
        assert.ok(second && second !== first, "If-Match on the current ETag replaces it");
        assert.equal(await st.putIf("state/x.json", '{"n":3}', first), undefined, "If-Match on a stale ETag");
        assert.equal(await text("state/x.json"), '{"n":2}');
        // The raw answer the store turns into `undefined`: S3's 412 Precondition Failed.
        const raw = await s3
            .send(new PutObjectCommand({ Bucket: BUCKET, Key: "state/x.json", Body: "{}", IfNoneMatch: "*" }))
            .catch((err) => err);
        assert.equal(raw.$metadata?.httpStatusCode, 412);
    });

    it("the run lease: one holder; a released lease is taken without a take-over; an expired one is taken over", async () => {
        const st = store();
        const want = (owner: string, nowMs: number) => ({
            runId: `run-${owner}`,
            owner,
            nowMs,
            untilMs: nowMs + 60_000,
        });
        const a = await acquireLease(st, want("a", 1_000));
        await assert.rejects(acquireLease(st, want("b", 2_000)), /run run-a holds the lease until/);
        await a.release(3_000);
        const b = await acquireLease(st, want("b", 4_000));
        assert.equal(b.tookOver?.released, true, "a released lease: routine");
        const c = await acquireLease(st, want("c", 70_000));
        assert.equal(c.tookOver?.owner, "b");
        assert.equal(c.tookOver?.released, undefined, "b's lease expired unreleased: a crash");
        await b.release(71_000);
        assert.equal(JSON.parse(await text("state/lease.json")).owner, "c", "b's late release fails its If-Match");
    });

    it("a handler run: lease, manifest and watermark written to S3; columns read from Glue; statements through Athena", async () => {
        await athena.send(new CreateWorkGroupCommand({ Name: "connect_analytics_workgroup" }));
        await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: SOURCE_DB } }));
        await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: EXPORT_DB } }));
        const contacts = TABLES.find((t) => t.name === "contacts")!;
        // What GetTable on the resource link returns in AWS: the target's columns (moto does not resolve links).
        await glue.send(
            new CreateTableCommand({
                DatabaseName: SOURCE_DB,
                TableInput: { Name: contacts.linkName, StorageDescriptor: { Columns: glueColumns("contacts") } },
            }),
        );
        // The target as a previous run left it (Glue's Iceberg table, same columns).
        await glue.send(
            new CreateTableCommand({
                DatabaseName: EXPORT_DB,
                TableInput: {
                    Name: "contacts",
                    TableType: "EXTERNAL_TABLE",
                    StorageDescriptor: {
                        Columns: glueColumns("contacts"),
                        Location: `s3://${BUCKET}/connect/iceberg/contacts/`,
                    },
                },
                OpenTableFormatInput: { IcebergInput: { MetadataOperation: "CREATE", Version: "2" } },
            }),
        );
        const clock = fakeClock();
        const logs = logSink();
        const handler = createExportHandler({
            env: () => handlerEnv({ TABLES_JSON: JSON.stringify([contacts]) }),
            clock,
            logSink: logs.sink,
            clients: () => ({ athena, s3, glue }),
        });
        const summary = (await handler({ scheduledTime: SCHEDULED }, lambdaContext(clock))) as ExportRunSummary;
        assert.equal(summary.status, "succeeded", JSON.stringify(summary));
        const manifest = JSON.parse(await text(`manifests/${RUN_ID}.json`)) as RunManifest;
        assert.equal(manifest.status, "succeeded");
        assert.equal(manifest.tables.contacts.status, "succeeded");
        assert.ok(manifest.tables.contacts.queryExecutionIds.length > 0, "its bounds query went through Athena");
        // moto returns no rows: no first day, so the watermark is the last complete day.
        assert.equal(JSON.parse(await text("state/watermarks/contacts.json")).through, "2025-01-31");
        const lease = JSON.parse(await text("state/lease.json"));
        assert.equal(lease.released, true);

        // The same run again: its manifest says done, nothing reruns, and no WARN about the released lease.
        const again = logSink();
        const rerun = createExportHandler({
            env: () => handlerEnv({ TABLES_JSON: JSON.stringify([contacts]) }),
            clock,
            logSink: again.sink,
            clients: () => ({ athena, s3, glue }),
        });
        const second = (await rerun({ scheduledTime: SCHEDULED }, lambdaContext(clock))) as ExportRunSummary;
        assert.equal(second.runAttempt, 2);
        assert.deepEqual(
            again.lines.filter((l) => l.level === "WARN").map((l) => l.event),
            [],
        );
    });
});
