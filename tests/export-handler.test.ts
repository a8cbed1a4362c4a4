/**
 * The export Lambda's handler against a fake Athena, Glue and exports bucket (aws-sdk-client-mock)
 * with a fake clock: the statements it runs, chunked merges and watermarks, fault cases (a failed
 * MERGE, retries, throttling, cancellation, the deadline), schema drift (Glue UpdateTable),
 * reconciliation, the lease, maintenance (refused: the Glue optimizers do it), the files target,
 * and what it logs.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import { Readable } from "stream";
import type { CreateTableRequest } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { AWS_CLIENT_CONFIG, createExportHandler, type HandlerDeps } from "../functions/handler";
import { createS3ObjectStore } from "../functions/aws/s3Store";
import type { RunManifest, TableRunEntry } from "../functions/types";
import {
    accessDenied,
    BUCKET,
    FakeAws,
    fakeClock,
    handlerEnv,
    lambdaContext,
    logSink,
    RUN_ID,
    SCHEDULED,
    TABLES,
} from "./export-fakes";

const MANIFEST = `manifests/${RUN_ID}.json`;
const WATERMARK = "state/watermarks/contacts.json";

describe("export handler (Athena, Glue and S3 mocked)", () => {
    let aws: FakeAws;
    beforeEach(() => {
        aws = new FakeAws();
    });
    afterEach(() => aws.restore());

    /** Runs the handler once; returns its result or its error, the logs, and the clock. */
    async function invoke(
        event: unknown = { scheduledTime: SCHEDULED },
        options: {
            env?: Record<string, string | undefined>;
            timeoutMs?: number;
            deps?: Partial<HandlerDeps>;
            requestId?: string;
        } = {},
    ) {
        const clock = fakeClock();
        const logs = logSink();
        const handler = createExportHandler({
            env: () => handlerEnv(options.env),
            clock,
            logSink: logs.sink,
            ...options.deps,
        });
        let result: any;
        let error: (Error & Record<string, any>) | undefined;
        try {
            result = await handler(event, lambdaContext(clock, options.timeoutMs, options.requestId));
        } catch (err) {
            error = err as Error & Record<string, any>;
        }
        return { result, error, logs: logs.lines, clock };
    }
    const manifest = () => aws.json<RunManifest>(MANIFEST);
    const entry = (table: string): TableRunEntry => manifest().tables[table];
    const sqlOf = (table: string, kind: Parameters<FakeAws["queriesOf"]>[1]) =>
        aws.queriesOf(table, kind).map((q) => q.sql);

    it("first run: creates each Iceberg table, loads the contacts history in chunks from the source's first day, and records it", async () => {
        const { result, error, logs } = await invoke();
        assert.equal(error, undefined, error?.message);
        assert.equal(result.status, "succeeded");
        // The tables come from Glue (CreateTable with an Iceberg schema), never from Athena DDL.
        assert.deepEqual(
            aws.queries.filter((q) => ["create", "alter", "optimize", "vacuum"].includes(q.kind)),
            [],
            "no Athena DDL on the Lake Formation-registered tables",
        );
        assert.deepEqual(
            aws.glueWrites.map((w) => [w.table, w.kind]),
            TABLES.map((t) => [t.name, "create"]),
        );
        const created = aws.glueWrites.find((w) => w.table === "contacts")!.input as CreateTableRequest;
        const iceberg = created.OpenTableFormatInput!.IcebergInput!.CreateIcebergTableInput!;
        assert.equal(created.Name, "contacts");
        assert.equal(iceberg.Location, "s3://exports-bucket/connect/iceberg/contacts/");
        assert.deepEqual(
            iceberg.Schema!.Fields!.map((f) => f.Name),
            aws.sourceColumns.get("contacts")!.map((c) => c.Name),
        );
        assert.deepEqual(
            iceberg.PartitionSpec!.Fields!.map((f) => f.Transform),
            ["day"],
        );
        assert.deepEqual(
            aws.targets.get("contacts"),
            aws.sourceColumns.get("contacts"),
            "Glue reports the same columns",
        );
        const users = aws.glueWrites.find((w) => w.table === "users")!.input as CreateTableRequest;
        assert.equal(
            users.OpenTableFormatInput!.IcebergInput!.CreateIcebergTableInput!.PartitionSpec,
            undefined,
            "a snapshot table has no time partition",
        );
        assert.match(
            sqlOf("contacts", "bounds")[0],
            /min\("initiation_timestamp"\).*< TIMESTAMP '2025-02-01 00:00:00'/,
        );
        // 2025-01-01..2025-01-31 in chunks of 7 days: each its own preview, MERGE and reconciliation.
        const windows = aws
            .queriesOf("contacts", "merge")
            .map((q) =>
                /'(\d{4}-\d{2}-\d{2}) 00:00:00' AND "initiation_timestamp" < TIMESTAMP '(\d{4}-\d{2}-\d{2})/
                    .exec(q.sql)!
                    .slice(1),
            );
        assert.deepEqual(windows, [
            ["2025-01-01", "2025-01-08"],
            ["2025-01-08", "2025-01-15"],
            ["2025-01-15", "2025-01-22"],
            ["2025-01-22", "2025-01-29"],
            ["2025-01-29", "2025-02-01"],
        ]);
        const q = aws.queriesOf("contacts", "merge")[0];
        assert.equal(q.workgroup, "connect_analytics_workgroup");
        assert.equal(q.database, "connect_analytics_consumer");
        assert.match(q.token ?? "", /^[0-9a-f-]{36}$/);
        assert.equal(aws.json(WATERMARK).through, "2025-01-31");
        const c = entry("contacts");
        assert.deepEqual(
            {
                status: c.status,
                window: c.window,
                chunks: c.chunks,
                read: c.rowsRead,
                inserted: c.rowsInserted,
                updated: c.rowsUpdated,
                before: c.watermarkBefore,
                after: c.watermarkAfter,
                output: c.output,
                reconciliation: c.reconciliation,
            },
            {
                status: "succeeded",
                window: { from: "2025-01-01", to: "2025-01-31" },
                chunks: { done: 5, total: 5 },
                read: 31 * 12,
                inserted: 31 * 10,
                updated: 0,
                before: null,
                after: "2025-01-31",
                output: "connect_analytics_exports.contacts",
                reconciliation: { sourceKeys: 30, sourceRows: 36, targetKeys: 30, targetRows: 30, ok: true },
            },
        );
        assert.equal(
            c.bytesScanned,
            4096 * 17,
            "bounds, three statements per chunk (the table comes from Glue), and the late-update sweep's baseline",
        );
        assert.deepEqual(c.sweep, {
            touchedAfter: null,
            touchedThrough: null,
            days: [],
            reconciledDays: null,
            bytesScanned: 4096,
        });
        assert.deepEqual(
            aws.json("state/sweeps/contacts.json"),
            { ...aws.json("state/sweeps/contacts.json"), touchedThrough: null, reconciledOn: "2025-02-01" },
            "the first load counts as a full reconciliation",
        );
        assert.equal(manifest().status, "succeeded");
        assert.equal(entry("users").rowsInserted, 10);
        assert.deepEqual(
            logs.filter((l) => l.event === "table_export").map((l) => l.table),
            ["users", "contacts", "agent_hierarchy_groups"],
        );
        assert.equal(logs[logs.length - 1].event, "export_summary");
        assert.equal(logs[logs.length - 1].requestId, "11111111-2222-3333-4444-555555555555");
    });

    it("reads the table settings from the object the stack wrote (TABLES_OBJECT), checked against TABLES_SHA256; a mismatch runs nothing", async () => {
        const text = JSON.stringify(TABLES);
        aws.put("state/settings/tables.json", text);
        const env = {
            TABLES_JSON: undefined,
            TABLES_OBJECT: "state/settings/tables.json",
            TABLES_SHA256: createHash("sha256").update(text).digest("hex"),
        };
        const ok = await invoke({ scheduledTime: SCHEDULED }, { env });
        assert.equal(ok.error, undefined, ok.error?.message);
        assert.deepEqual(
            ok.result.tables.map((t: TableRunEntry) => t.table),
            TABLES.map((t) => t.name),
        );
        aws.put("state/settings/tables.json", text.replace('"users"', '"users2"'));
        const queries = aws.queries.length;
        const changed = await invoke({ scheduledTime: SCHEDULED, runId: "other-run" }, { env });
        assert.match(
            changed.error!.message,
            /table settings s3:\/\/exports-bucket\/state\/settings\/tables\.json has SHA-256 .* not the .* this function was deployed with/,
        );
        assert.equal(aws.queries.length, queries, "no query ran");
    });

    it("an incremental run reads the days since the watermark plus the lookback, as one chunk, and moves the watermark", async () => {
        aws.setWatermark("contacts", "2025-01-29");
        for (const t of TABLES) aws.createTarget(t.name);
        await invoke();
        assert.equal(aws.queriesOf("contacts", "bounds").length, 0);
        assert.equal(aws.queriesOf("contacts", "create").length, 0, "the target exists");
        const preview = sqlOf("contacts", "preview");
        assert.equal(preview.length, 1);
        assert.match(
            preview[0],
            /"initiation_timestamp" >= TIMESTAMP '2025-01-27 00:00:00' AND "initiation_timestamp" < TIMESTAMP '2025-02-01 00:00:00'/,
        );
        assert.deepEqual(entry("contacts").window, { from: "2025-01-27", to: "2025-01-31" });
        assert.equal(aws.json(WATERMARK).through, "2025-01-31");
    });

    it("a re-run merges nothing already current: the MERGE is skipped when the preview finds no change", async () => {
        await invoke();
        const merges = aws.queriesOf("contacts", "merge").length;
        await invoke({ scheduledTime: "2025-02-02T02:00:00Z" });
        const next = aws.json<RunManifest>("manifests/20250202T020000Z.json").tables.contacts;
        assert.deepEqual(next.window, { from: "2025-01-29", to: "2025-02-01" });
        assert.equal(next.rowsInserted, 10, "only the new day is new");
        assert.equal(aws.queriesOf("contacts", "merge").length, merges + 1);
        await invoke({ runId: "manual-again" });
        assert.equal(aws.queriesOf("contacts", "merge").length, merges + 1, "nothing to change: no MERGE, no commit");
    });

    it("with no lookback, a watermark already at the last complete day runs no query", async () => {
        aws.setWatermark("contacts", "2025-01-31");
        const { result } = await invoke(undefined, { env: { LOOKBACK_DAYS: "0" } });
        assert.equal(aws.queriesOf("contacts").length, 0);
        assert.equal(result.tables[1].status, "up_to_date");
    });

    it("a MERGE that fails leaves the watermark unmoved and the table failed; the retry merges those days and succeeds", async () => {
        aws.setWatermark("contacts", "2025-01-25");
        for (const t of TABLES) aws.createTarget(t.name);
        aws.script.set("contacts:merge", [{ kind: "fail", reason: "HIVE_BAD_DATA: malformed Parquet file" }]);
        const first = await invoke();
        assert.equal(first.error!.code, "RUN_FAILED");
        assert.match(first.error!.message, /contacts \(failed: .*HIVE_BAD_DATA/);
        assert.deepEqual(first.error!.failedTables, ["contacts"]);
        assert.equal(aws.json(WATERMARK).through, "2025-01-25", "watermark unmoved");
        assert.equal(entry("contacts").status, "failed");
        assert.equal(entry("agent_hierarchy_groups").status, "succeeded", "the other tables went on");
        assert.equal(aws.merged.get("contacts"), undefined, "nothing committed");

        const second = await invoke({ runId: RUN_ID });
        assert.equal(second.result.status, "succeeded");
        assert.equal(manifest().runAttempt, 2);
        assert.equal(entry("users").runAttempt, 1, "what succeeded is kept");
        assert.equal(entry("contacts").runAttempt, 2);
        const merges = sqlOf("contacts", "merge");
        assert.equal(merges.length, 3, "the failed chunk, then both chunks of the retry");
        assert.equal(merges[1], merges[0], "the retry reads the same days");
        assert.equal(aws.json(WATERMARK).through, "2025-01-31");
    });

    it("a chunk that fails after earlier chunks committed: the watermark keeps their progress, and the re-run resumes without re-reading them", async () => {
        aws.setWatermark("contacts", "2025-01-10");
        for (const t of TABLES) aws.createTarget(t.name);
        // Window 2025-01-08..2025-01-31: chunks from 01-08, 01-15, 01-22, 01-29.
        aws.script.set("contacts:merge", [{ kind: "succeed" }, { kind: "fail" }]);
        await invoke();
        assert.equal(aws.json(WATERMARK).through, "2025-01-14");
        assert.equal(entry("contacts").committedThrough, "2025-01-14");
        const before = aws.queriesOf("contacts", "preview").length;
        await invoke({ runId: RUN_ID });
        const resumed = aws
            .queriesOf("contacts", "preview")
            .slice(before)
            .map((q) => /'(\d{4}-\d{2}-\d{2}) 00:00:00' AND/.exec(q.sql)![1]);
        assert.deepEqual(resumed, ["2025-01-15", "2025-01-22", "2025-01-29"]);
        assert.equal(aws.json(WATERMARK).through, "2025-01-31");
    });

    it("a MERGE that fails with an Iceberg commit conflict is retried after a backoff within the run", async () => {
        aws.createTarget("contacts");
        aws.setWatermark("contacts", "2025-01-30");
        aws.script.set("contacts:merge", [
            { kind: "fail", reason: "ICEBERG_COMMIT_ERROR: concurrent OPTIMIZE" },
            { kind: "succeed" },
        ]);
        const { result, logs, clock } = await invoke();
        assert.equal(result.status, "succeeded");
        const retry = logs.find((l) => l.event === "query_retry")!;
        assert.equal(retry.step, "merge");
        assert.ok(clock.slept.includes(retry.delayMs as number), "the backoff went through the injected clock");
        assert.equal(aws.json(WATERMARK).through, "2025-01-31");
    });

    it("throttling: a start refused for the concurrency limit is retried, then succeeds", async () => {
        aws.script.set("users:preview", [{ kind: "throttleStart" }, { kind: "succeed" }]);
        const { result, logs } = await invoke();
        assert.equal(result.status, "succeeded");
        assert.match(
            String(logs.find((l) => l.event === "query_retry")!.error),
            /TooManyRequestsException|Rate exceeded/,
        );
    });

    it("throttling of API calls is the SDK's job: the configured client retries a throttled S3 request itself", async () => {
        aws.restore(); // a real client on a fake transport: no aws-sdk-client-mock here
        const statuses: number[] = [];
        const requestHandler = {
            handle: async () => {
                const status = statuses.length === 0 ? 503 : 200;
                statuses.push(status);
                const body =
                    status === 503
                        ? "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                        : "";
                return { response: { statusCode: status, headers: {}, body: Readable.from([Buffer.from(body)]) } };
            },
        };
        const client = new S3Client({
            ...AWS_CLIENT_CONFIG,
            region: "ap-southeast-2",
            credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
            requestHandler,
        });
        await createS3ObjectStore({ client, bucket: BUCKET }).putText("state/x.json", "{}");
        assert.deepEqual(statuses, [503, 200]);
        aws = new FakeAws();
    });

    it("a CANCELLED query fails its table with the reason; the others finish", async () => {
        aws.script.set("users:preview", [
            { kind: "cancel", reason: "Query exceeded the bytes scanned limit of the workgroup" },
        ]);
        const { error } = await invoke();
        assert.match(entry("users").error!, /CANCELLED: Query exceeded the bytes scanned limit/);
        assert.deepEqual(error!.failedTables, ["users"]);
        assert.equal(entry("contacts").status, "succeeded");
    });

    it("a statement still running at the deadline is stopped, nothing of it committed; the table is incomplete and the next invocation continues", async () => {
        aws.createTarget("contacts");
        aws.setWatermark("contacts", "2025-01-30");
        aws.script.set("contacts:merge", [{ kind: "runForever" }]);
        const { error, clock } = await invoke(undefined, { timeoutMs: 120_000 });
        assert.deepEqual(aws.stopped, [aws.queriesOf("contacts", "merge")[0].id]);
        assert.equal(entry("contacts").status, "incomplete");
        assert.match(
            entry("contacts").error!,
            /still running .* before the Lambda deadline; stopped it, nothing of it committed/,
        );
        assert.equal(
            entry("agent_hierarchy_groups").status,
            "incomplete",
            "no statement starts with too little time left",
        );
        assert.equal(manifest().status, "incomplete");
        assert.equal(error!.code, "RUN_FAILED");
        assert.ok(clock.now() - Date.parse("2025-02-01T02:00:05Z") <= 120_000, "the run ended before the deadline");
        assert.equal(aws.json(WATERMARK).through, "2025-01-30");
        const again = await invoke({ runId: RUN_ID });
        assert.equal(again.result.status, "succeeded");
    });

    it("a long first load stops between chunks before the deadline and the next invocation of the run continues after the last commit", async () => {
        // Every statement takes about 19 s: a chunk about a minute, and 4 minutes allow only three.
        aws.script.set(
            "contacts",
            Array.from({ length: 40 }, () => ({ kind: "succeed" as const, runningPolls: 8 })),
        );
        const first = await invoke({ scheduledTime: SCHEDULED, tables: ["contacts"] }, { timeoutMs: 240_000 });
        const c = entry("contacts");
        assert.equal(c.status, "incomplete", c.error ?? "");
        assert.ok(c.chunks.done >= 1 && c.chunks.done < 5, JSON.stringify(c.chunks));
        assert.match(
            c.error!,
            /stopped before the deadline with \d of 5 chunk\(s\) left; invoking this run again continues after 2025-01-/,
        );
        assert.equal(aws.json(WATERMARK).through, c.committedThrough);
        assert.equal(first.error!.code, "RUN_FAILED");
        const done = aws.queriesOf("contacts", "preview").length;
        const second = await invoke({ runId: RUN_ID, tables: ["contacts"] });
        assert.equal(second.result.status, "succeeded");
        assert.equal(aws.queriesOf("contacts", "preview").length - done, 5 - c.chunks.done, "no chunk read twice");
        assert.equal(aws.queriesOf("contacts", "bounds").length, 1, "the first load's window is kept");
    });

    it("schema drift: a new source column is added to the target before the merge and recorded; a changed type or a vanished column fails the table", async () => {
        for (const t of TABLES) aws.createTarget(t.name);
        aws.setWatermark("contacts", "2025-01-30");
        aws.sourceColumns.get("contacts")!.push({ Name: "answering_machine_detection_status", Type: "string" });
        await invoke();
        // Glue UpdateTable with the whole new Iceberg schema; existing ids kept (the fake Glue checks).
        assert.deepEqual(
            aws.glueWrites.map((w) => [w.table, w.kind]),
            [["contacts", "update"]],
        );
        assert.equal(aws.queries.filter((q) => q.kind === "alter").length, 0, "no ALTER TABLE through Athena");
        assert.deepEqual(aws.targets.get("contacts")!.at(-1), {
            Name: "answering_machine_detection_status",
            Type: "string",
        });
        const updated = aws.iceberg.get("contacts")!;
        assert.equal(updated.currentSchemaId, 1);
        // 54 columns and the attributes map's key and value ids (55, 56): the new column is 57.
        assert.equal(updated.lastColumnId, aws.sourceColumns.get("contacts")!.length + 2, "past the map's nested ids");
        assert.match(
            sqlOf("contacts", "merge")[0],
            /"answering_machine_detection_status" = "s"\."answering_machine_detection_status"/,
        );
        assert.deepEqual(entry("contacts").schemaChanges, ["answering_machine_detection_status string"]);

        aws.sourceColumns.get("users")!.find((c) => c.Name === "is_active")!.Type = "string";
        aws.sourceColumns.set(
            "agent_hierarchy_groups",
            aws.sourceColumns.get("agent_hierarchy_groups")!.filter((c) => c.Name !== "instance_arn"),
        );
        const { error } = await invoke({ scheduledTime: "2025-02-02T02:00:00Z" });
        assert.deepEqual(error!.failedTables, ["users", "agent_hierarchy_groups"]);
        const tables = aws.json<RunManifest>("manifests/20250202T020000Z.json").tables;
        assert.match(
            tables.users.error!,
            /source schema drifted: column is_active changed type from boolean to string\. .*alter connect_analytics_exports\.users to match/,
        );
        assert.match(
            tables.agent_hierarchy_groups.error!,
            /column instance_arn is gone from agent_hierarchy_groups_link or now excluded/,
        );
        assert.equal(aws.queriesOf("users", "merge").length, 1, "no merge into a drifted table");
    });

    it("a reconciliation difference fails the table and keeps the watermark before those days", async () => {
        aws.createTarget("contacts");
        aws.setWatermark("contacts", "2025-01-30");
        aws.script.set("contacts:reconcile", [{ kind: "succeed", reconcileKeys: 9 }]);
        const { error } = await invoke();
        assert.deepEqual(error!.failedTables, ["contacts"]);
        assert.match(
            entry("contacts").error!,
            /the target's keys differ from the source's: 2025-01-28: source 10 keys, target 9/,
        );
        assert.equal(entry("contacts").reconciliation!.ok, false);
        assert.equal(aws.json(WATERMARK).through, "2025-01-30");
    });

    it("excluded columns are never selected or created; an exclusion naming no real column is an error", async () => {
        const tables = [{ ...TABLES[0], excludedColumns: ["email", "mobile"] }];
        await invoke(undefined, { env: { TABLES_JSON: JSON.stringify(tables) } });
        for (const sql of aws.queries.map((q) => q.sql)) assert.doesNotMatch(sql, /\bemail\b|\bmobile\b/);
        assert.match(
            sqlOf("users", "merge")[0],
            /"first_name", "last_name", "secondary_email", "agent_hierarchy_group_id"/,
        );
        const bad = [{ ...TABLES[0], excludedColumns: ["emial"] }];
        const { error } = await invoke({ runId: "bad" }, { env: { TABLES_JSON: JSON.stringify(bad) } });
        assert.match(error!.message, /excluded column emial does not exist \(misspelt\?\) in users_link/);
    });

    it("an unusable sweep state fails its table naming the file and the fix; a touched value that is no timestamp too", async () => {
        aws.setWatermark("contacts", "2025-01-20");
        aws.put("state/sweeps/contacts.json", { touchedThrough: 5, reconciledOn: null });
        await invoke();
        assert.match(
            entry("contacts").error!,
            /s3:\/\/exports-bucket\/state\/sweeps\/contacts\.json is unusable: not \{touchedThrough, reconciledOn\}\. Delete it: the next run starts the sweep again/,
        );
        aws.put("state/sweeps/contacts.json", { touchedThrough: "soon", reconciledOn: "2025-01-20" });
        await invoke({ runId: "again" });
        assert.match(
            aws.json<RunManifest>("manifests/again.json").tables.contacts.error!,
            /the sweep state's touched value "soon" is not a timestamp/,
        );
    });

    it("a watermark of an impossible or future date fails its table naming the file; the run ends with a final manifest", async () => {
        aws.setWatermark("contacts", "2025-13-40");
        const first = await invoke();
        assert.match(
            entry("contacts").error!,
            /s3:\/\/exports-bucket\/state\/watermarks\/contacts\.json is unusable: "through" must be a real day no later than the last complete day 2025-01-31, got "2025-13-40"/,
        );
        assert.equal(manifest().status, "failed", "never left running");
        assert.equal(first.error!.code, "RUN_FAILED");
        aws.setWatermark("contacts", "2099-12-31");
        await invoke({ runId: "future" });
        assert.match(aws.json<RunManifest>("manifests/future.json").tables.contacts.error!, /got "2099-12-31"/);
    });

    it("a manifest entry of the wrong shape is a clear error naming the manifest, before anything runs", async () => {
        aws.put(MANIFEST, {
            manifestVersion: 2,
            runId: RUN_ID,
            runDate: "2025-02-01",
            runAttempt: 1,
            tables: { contacts: { status: "done" } },
        });
        const { error } = await invoke();
        assert.equal(error!.code, "STORE");
        assert.match(
            error!.message,
            /manifests\/20250201T020000Z\.json is unusable: tables\.contacts is not a table entry \(status "done"\)\. Delete it to start the run over, or use a new run id/,
        );
        assert.equal(aws.athena.calls().length, 0);
    });

    it("an S3 write error on a watermark fails that table without moving its watermark", async () => {
        aws.createTarget("contacts");
        aws.setWatermark("contacts", "2025-01-30");
        aws.putFault = (key) => (key === WATERMARK ? accessDenied() : undefined);
        const { error } = await invoke();
        assert.deepEqual(error!.failedTables, ["contacts"]);
        assert.match(
            entry("contacts").error!,
            /merged through 2025-01-31, but the watermark was not saved \(.*AccessDenied.*a re-run merges those days again, harmlessly/,
        );
        assert.equal(aws.json(WATERMARK).through, "2025-01-30");
    });

    it("an empty source: the target is created, the watermark set to the last complete day, nothing merged", async () => {
        aws.firstDay.set("contacts", null);
        const { result } = await invoke();
        assert.equal(result.tables[1].status, "succeeded");
        assert.equal(aws.queriesOf("contacts", "merge").length, 0);
        assert.deepEqual(
            aws.glueWrites.filter((w) => w.table === "contacts").map((w) => w.kind),
            ["create"],
        );
        assert.equal(aws.json(WATERMARK).through, "2025-01-31");
    });

    it("a backfill without a watermark sets none (history before it stays to load) and says so; with one it never moves it backwards", async () => {
        const { logs } = await invoke({ tables: ["contacts"], from: "2025-01-05", to: "2025-01-07" });
        assert.equal(aws.objects.has(WATERMARK), false);
        assert.match(
            String(logs.find((l) => l.event === "backfill_without_watermark")?.message),
            /the next scheduled run loads all its history/,
        );
        aws.setWatermark("contacts", "2025-01-31");
        await invoke({ tables: ["contacts"], from: "2025-01-05", to: "2025-01-07", runId: "backfill-2" });
        assert.equal(aws.json(WATERMARK).through, "2025-01-31");
        await invoke({ tables: ["contacts"], from: "2025-01-20", to: "2025-03-01", runId: "backfill-3" });
        assert.equal(aws.json(WATERMARK).through, "2025-01-31", "never past the last complete day");
    });

    describe("lease", () => {
        const lease = (fields: Record<string, unknown>) =>
            aws.put("state/lease.json", {
                runId: "20250201T010000Z",
                owner: "other-request",
                acquiredAt: "2025-02-01T01:00:00.000Z",
                ...fields,
            });

        it("a second run while another holds the lease exits before any query, naming the holder and until when", async () => {
            lease({ expiresAt: "2025-02-01T02:10:00.000Z" });
            const { error, logs } = await invoke();
            assert.equal(error!.code, "LEASE_HELD");
            assert.match(error!.message, /^run 20250201T010000Z holds the lease until 2025-02-01T02:10:00\.000Z/);
            assert.equal(aws.athena.calls().length + aws.glue.calls().length, 0);
            assert.equal(aws.objects.has(MANIFEST), false);
            assert.equal(logs.at(-1)!.event, "lease_held");
        });

        it("an expired lease is taken over conditionally on the ETag read, and released at the end", async () => {
            lease({ expiresAt: "2025-02-01T02:00:00.000Z" });
            const { result, logs } = await invoke();
            assert.equal(result.status, "succeeded");
            assert.ok(logs.some((l) => l.event === "lease_taken_over"));
            const puts = aws.s3
                .commandCalls((await import("@aws-sdk/client-s3")).PutObjectCommand)
                .map((c) => c.args[0].input);
            const takes = puts.filter((p) => p.Key === "state/lease.json");
            assert.equal(takes[0].IfNoneMatch, "*", "first a create-only write");
            assert.match(String(takes[1].IfMatch), /^"etag-/, "then a write conditional on the lease read");
            const released = aws.json("state/lease.json");
            assert.equal(released.released, true);
            assert.equal(released.owner, "11111111-2222-3333-4444-555555555555");
        });

        it("a lease the previous run released is routine: taken without a lease_taken_over WARN", async () => {
            lease({ expiresAt: "2025-02-01T01:30:00.000Z", released: true });
            const { result, logs } = await invoke();
            assert.equal(result.status, "succeeded");
            assert.equal(
                logs
                    .filter((l) => l.level === "WARN")
                    .map((l) => l.event)
                    .join(","),
                "",
                "no WARN after a normal release",
            );
            assert.equal(aws.json("state/lease.json").owner, "11111111-2222-3333-4444-555555555555");
        });

        it("two runs taking over the same expired lease: the second conditional write fails, and that run exits", async () => {
            lease({ expiresAt: "2025-02-01T02:00:00.000Z" });
            let puts = 0;
            aws.putFault = (key) => {
                // Another run takes the lease between this run's read and its conditional write.
                if (key === "state/lease.json" && ++puts === 2) {
                    aws.put(key, {
                        runId: "rival",
                        owner: "rival",
                        acquiredAt: "x",
                        expiresAt: "2025-02-01T03:00:00.000Z",
                    });
                }
                return undefined;
            };
            const { error } = await invoke();
            assert.equal(error!.code, "LEASE_HELD");
            assert.match(error!.message, /another run took the lease .* just now/);
        });
    });

    describe("probe", () => {
        it('{"probe": true} reads one row of each link and export table as the role, reporting each, and writes nothing', async () => {
            aws.createTarget("users");
            aws.script.set("contacts:probe", [
                { kind: "succeed" },
                { kind: "fail", reason: "TABLE_NOT_FOUND: Table connect_analytics_exports.contacts does not exist" },
            ]);
            aws.script.set("agent_hierarchy_groups:probe", [
                {
                    kind: "fail",
                    reason: "Insufficient Lake Formation permission(s): Required Select on agent_hierarchy_groups",
                },
            ]);
            const { result, error } = await invoke({ probe: true });
            assert.equal(error, undefined, error?.message);
            assert.equal(result.status, "failed");
            assert.deepEqual(
                result.tables.map((t: any) => [t.name, t.ok]),
                [
                    ['"connect_analytics_consumer"."users_link"', true],
                    ['"connect_analytics_exports"."users"', true],
                    ['"connect_analytics_consumer"."contacts_link"', true],
                    ['"connect_analytics_exports"."contacts"', false],
                    ['"connect_analytics_consumer"."agent_hierarchy_groups_link"', false],
                    ['"connect_analytics_exports"."agent_hierarchy_groups"', true],
                ],
            );
            assert.match(result.tables[3].error, /TABLE_NOT_FOUND/);
            assert.deepEqual(
                aws.queries.map((q) => q.kind),
                Array(6).fill("probe"),
                "only SELECT ... LIMIT 1",
            );
            assert.deepEqual(
                aws.keys().filter((k) => !k.startsWith("connect/iceberg/")),
                [],
                "no lease, manifest or watermark",
            );
            assert.equal(aws.glueWrites.length, 0);
        });
    });

    describe("maintenance", () => {
        it('{"maintenance": true} is refused before any AWS call: the Glue table optimizers maintain the tables', async () => {
            aws.createTarget("users");
            const { error, logs } = await invoke({ maintenance: true });
            assert.equal(error!.code, "EVENT");
            assert.match(error!.message, /no "maintenance" on AWS: the Glue table optimizers do it/);
            assert.equal(aws.athena.calls().length + aws.glue.calls().length + aws.s3.calls().length, 0);
            assert.equal(logs.at(-1)!.event, "event_rejected");
        });

        it("the old path fails: Athena refuses OPTIMIZE, VACUUM and DDL on the Lake Formation-registered tables", async () => {
            aws.createTarget("users");
            const { athenaDialect } = await import("../functions/athena/athenaSql");
            const { createAthenaEngine } = await import("../functions/athena/athenaEngine");
            const { createJsonLogger } = await import("../functions/log");
            const engine = createAthenaEngine({
                athena: new (await import("@aws-sdk/client-athena")).AthenaClient({ region: "us-east-1" }),
                glue: new (await import("@aws-sdk/client-glue")).GlueClient({ region: "us-east-1" }),
                s3: new S3Client({ region: "us-east-1" }),
                workgroup: "wg",
                sourceDatabase: "connect_analytics_consumer",
                icebergRoot: "s3://exports-bucket/connect/iceberg/",
            });
            const clock = fakeClock();
            const control = { clock, log: createJsonLogger("ERROR", () => undefined), remainingMs: () => 600_000 };
            const info = { table: { ...TABLES[0], exportMode: "merge" as const }, attempt: 1 };
            for (const [step, sql] of [
                ["optimize", 'OPTIMIZE "connect_analytics_exports"."users" REWRITE DATA USING BIN_PACK'],
                ["vacuum", "VACUUM connect_analytics_exports.users"],
                ["alter", "ALTER TABLE `connect_analytics_exports`.`users` ADD COLUMNS (`x` string)"],
            ]) {
                await assert.rejects(
                    engine.run(sql, { ...info, step }, control),
                    /does not support DDL operations on Iceberg tables registered with Lake Formation/,
                );
            }
            assert.deepEqual(athenaDialect().maintenance("connect_analytics_exports", "users"), []);
        });
    });

    describe("files target", () => {
        const files = { EXPORT_TARGET: "files" };

        it("writes one folder per data day (UNLOAD partitioned by dt), indexes them, and a re-read day replaces its folder after the index switched", async () => {
            aws.setWatermark("contacts", "2025-01-25");
            await invoke(undefined, { env: files });
            const unload = sqlOf("contacts", "unload")[0];
            assert.match(
                unload,
                /^UNLOAD \(SELECT .*, CAST\(CAST\("initiation_timestamp" AS DATE\) AS VARCHAR\) AS "dt" FROM \(SELECT .*row_number\(\) OVER \(PARTITION BY "instance_id", "contact_id" ORDER BY "last_update_timestamp" DESC NULLS LAST, coalesce\('=' \|\| CAST\("aws_account_id" AS VARCHAR\), ''\)/,
            );
            assert.match(
                unload,
                /TO 's3:\/\/exports-bucket\/connect\/contacts\/run=20250201T020000Z\/1-2025-01-23\/' WITH \(format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY\['dt'\]\)$/,
            );
            const index = aws.json<{ days: Record<string, string> }>("connect/contacts/_current.json");
            assert.equal(index.days["2025-01-23"], "connect/contacts/run=20250201T020000Z/1-2025-01-23/dt=2025-01-23/");
            assert.equal(Object.keys(index.days).length, 9);
            assert.equal(entry("contacts").rowsWritten, 90);

            const events: string[] = [];
            const put = aws.putFault;
            aws.putFault = (key) => {
                if (key === "connect/contacts/_current.json") {
                    events.push(`index ${aws.keys("connect/contacts/run=20250201").length}`);
                }
                return put(key);
            };
            await invoke({ scheduledTime: "2025-02-02T02:00:00Z" }, { env: files });
            const next = aws.json<{ days: Record<string, string> }>("connect/contacts/_current.json");
            assert.equal(
                next.days["2025-01-29"],
                "connect/contacts/run=20250202T020000Z/1-2025-01-29/dt=2025-01-29/",
                "re-read day moved",
            );
            assert.equal(next.days["2025-01-23"], index.days["2025-01-23"], "a day not re-read keeps its folder");
            assert.deepEqual(
                aws.keys("connect/contacts/run=20250201T020000Z/1-2025-01-23/dt=2025-01-29/"),
                [],
                "the replaced folder is gone",
            );
            assert.equal(
                aws.keys("connect/contacts/run=20250201T020000Z/1-2025-01-23/dt=2025-01-28/").length,
                1,
                "kept",
            );
            // The old folders still existed when the index was switched (they go after it): never zero current.
            assert.ok(events.length >= 2 && events.every((e) => e !== "index 0"), events.join(", "));
        });

        it("a run spanning more than UNLOAD's 100 partitions is split into statements of at most 100 days", async () => {
            aws.firstDay.set("contacts", "2024-10-01");
            await invoke({ scheduledTime: SCHEDULED, tables: ["contacts"] }, { env: { ...files, CHUNK_DAYS: "100" } });
            const days = sqlOf("contacts", "unload").map((s) => {
                const [, from, to] =
                    /'(\d{4}-\d{2}-\d{2}) 00:00:00' AND "initiation_timestamp" < TIMESTAMP '(\d{4}-\d{2}-\d{2})/.exec(
                        s,
                    )!;
                return (Date.parse(to) - Date.parse(from)) / 86_400_000;
            });
            assert.deepEqual(days, [100, 23]);
            assert.equal(Object.keys(aws.json<{ days: object }>("connect/contacts/_current.json").days).length, 123);
        });

        it("an UNLOAD that fails leaves the index on the previous folders, and the next run deletes what it left", async () => {
            await invoke(undefined, { env: files });
            const before = aws.json<{ days: Record<string, string> }>("connect/contacts/_current.json");
            aws.script.set("contacts:unload", [{ kind: "fail" }]);
            await invoke({ scheduledTime: "2025-02-02T02:00:00Z" }, { env: files });
            const after = aws.json<{ days: Record<string, string>; pending: string[] }>(
                "connect/contacts/_current.json",
            );
            assert.deepEqual(after.days, before.days);
            assert.equal(after.pending.length, 1, "the failed run's folder is recorded as pending");
            await invoke({ scheduledTime: "2025-02-03T02:00:00Z" }, { env: files });
            const last = aws.json<{ pending: string[] }>("connect/contacts/_current.json");
            assert.deepEqual(last.pending, []);
            assert.deepEqual(aws.keys("connect/contacts/run=20250202T020000Z/"), [], "the pending folder was deleted");
        });
    });

    describe("configuration, events and logs", () => {
        it("rejects a missing or invalid environment, naming each variable, before touching AWS", async () => {
            const { error, logs } = await invoke(undefined, {
                env: {
                    EXPORT_BUCKET: undefined,
                    LOOKBACK_DAYS: "two",
                    EXPORT_TARGET: "parquet",
                    TABLES_JSON: '[{"name":"users","linkName":"users_link"}]',
                },
            });
            assert.equal(error!.code, "CONFIG");
            assert.match(error!.message, /EXPORT_BUCKET: required, not set; the exports bucket's name/);
            assert.match(error!.message, /LOOKBACK_DAYS: got "two"; whole days from 0 to 90/);
            assert.match(error!.message, /EXPORT_TARGET: got "parquet"; must be "iceberg" or "files"/);
            assert.match(error!.message, /TABLES_JSON: \[0\] must be .*: versionColumn, primaryKey/);
            assert.equal(aws.athena.calls().length + aws.s3.calls().length, 0);
            assert.equal(logs[0].event, "config_rejected");
        });

        it("reads LATE_DATA_OVERLAP_DAYS, LOOKBACK_DAYS' old name, when LOOKBACK_DAYS is not set", async () => {
            aws.setWatermark("contacts", "2025-01-29");
            await invoke(undefined, { env: { LOOKBACK_DAYS: undefined, LATE_DATA_OVERLAP_DAYS: "1" } });
            assert.match(sqlOf("contacts", "preview")[0], />= TIMESTAMP '2025-01-29 00:00:00'/);
        });

        it("rejects a malformed event with every problem named, capping long lists", async () => {
            const tables = Array.from({ length: 100_000 }, (_, i) => `nosuch_${i}`);
            const { error } = await invoke({ tables, from: "2025-01-10", to: "2025-01-05", runId: "a/b", surprise: 1 });
            assert.equal(error!.code, "EVENT");
            assert.match(error!.message, /unknown field\(s\) "surprise"/);
            assert.match(error!.message, /"tables" names "nosuch_0", .*"nosuch_9" and 99990 more, not configured/);
            assert.ok(error!.message.length < 2_000, `error of ${error!.message.length} characters`);
            assert.match(error!.message, /"from" \(2025-01-10\) is after "to" \(2025-01-05\)/);
            assert.equal(aws.athena.calls().length + aws.s3.calls().length, 0);
        });

        for (const level of ["DEBUG", "INFO", "WARN", "ERROR"]) {
            it(`LOG_LEVEL=${level}: each line through the console method of its level (Lambda's JSON log format reads it), ${level} and above only`, async () => {
                const seen: [string, string][] = [];
                const saved = {
                    debug: console.debug,
                    info: console.info,
                    warn: console.warn,
                    error: console.error,
                    log: console.log,
                };
                for (const m of ["debug", "info", "warn", "error", "log"] as const) {
                    // The handler's JSON lines; anything else (a Node warning) is not the logger's.
                    console[m] = (line: unknown) => {
                        if (typeof line === "string" && line.startsWith("{")) seen.push([m, JSON.parse(line).level]);
                    };
                }
                try {
                    // A retried MERGE (a WARN), then one that fails the table (ERROR); INFO and DEBUG around them.
                    aws.script.set("contacts:merge", [{ kind: "fail", retryable: true }, { kind: "fail" }]);
                    const clock = fakeClock();
                    await createExportHandler({ env: () => handlerEnv({ LOG_LEVEL: level }), clock })(
                        { scheduledTime: SCHEDULED },
                        lambdaContext(clock),
                    ).catch(() => undefined);
                } finally {
                    Object.assign(console, saved);
                }
                for (const [method, at] of seen) {
                    assert.equal(method, at.toLowerCase(), `${at} went to console.${method}`);
                }
                const levels = ["debug", "info", "warn", "error"];
                assert.deepEqual(
                    levels.filter((m) => seen.some(([method]) => method === m)),
                    levels.slice(levels.indexOf(level.toLowerCase())),
                );
            });
        }
    });
});
