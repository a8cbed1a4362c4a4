/**
 * The export Lambda's handler against a scripted Athena and an in-memory exports bucket
 * (aws-sdk-client-mock), with a fake clock: fault cases, re-runs, watermarks, manifests, logs.
 */
import { strict as assert } from "assert";
import { Readable } from "stream";
import { S3Client } from "@aws-sdk/client-s3";
import { AWS_CLIENT_CONFIG, createExportHandler, exportHandler, type HandlerDeps } from "../functions/handler";
import { createS3ObjectStore } from "../functions/aws/s3Store";
import type { ExportRunSummary, RunManifest, TableRunEntry } from "../functions/types";
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
const CONTACTS_WATERMARK = "state/watermarks/contacts.json";

describe("export handler (Athena + S3 mocked)", () => {
    let aws: FakeAws;
    beforeEach(() => {
        aws = new FakeAws();
    });
    afterEach(() => aws.restore());

    /** Runs the handler once; returns its summary or its error, the logs, and the clock. */
    async function invoke(
        event: unknown = { scheduledTime: SCHEDULED },
        options: { env?: Record<string, string | undefined>; timeoutMs?: number; deps?: Partial<HandlerDeps> } = {},
    ) {
        const clock = fakeClock();
        const logs = logSink();
        const handler = createExportHandler({
            env: () => handlerEnv(options.env),
            clock,
            logSink: logs.sink,
            ...options.deps,
        });
        let summary: ExportRunSummary | undefined;
        let error: (Error & Record<string, unknown>) | undefined;
        try {
            summary = await handler(event, lambdaContext(clock, options.timeoutMs));
        } catch (err) {
            error = err as Error & Record<string, unknown>;
        }
        return { summary, error, logs: logs.lines, clock };
    }
    const entry = (table: string): TableRunEntry => aws.json<RunManifest>(MANIFEST).tables[table];

    it("first run without a watermark exports every table fully, then writes the watermark and the manifest", async () => {
        const { summary, error, logs } = await invoke();
        assert.equal(error, undefined);
        assert.equal(summary!.status, "succeeded");
        assert.deepEqual(
            summary!.tables.map((t) => [t.table, t.status]),
            [
                ["users", "succeeded"],
                ["contacts", "succeeded"],
                ["agent_hierarchy_groups", "succeeded"],
            ],
        );
        const contacts = aws.queriesFor("contacts_link")[0];
        assert.equal(
            contacts.sql,
            `UNLOAD (SELECT * FROM "connect_analytics_consumer"."contacts_link" WHERE "initiation_timestamp" < TIMESTAMP '2025-02-01 00:00:00') ` +
                `TO 's3://${BUCKET}/connect/contacts/dt=2025-02-01/run=${RUN_ID}/' WITH (format = 'PARQUET', compression = 'SNAPPY')`,
        );
        assert.equal(contacts.workgroup, "connect_analytics_workgroup");
        assert.equal(contacts.database, "connect_analytics_consumer");
        assert.match(contacts.token ?? "", /^[0-9a-f-]{36}$/);
        assert.equal(aws.json(CONTACTS_WATERMARK).through, "2025-01-31");

        const manifest = aws.json<RunManifest>(MANIFEST);
        assert.equal(manifest.status, "succeeded");
        assert.equal(manifest.runDate, "2025-02-01");
        assert.equal(manifest.scheduledTime, "2025-02-01T02:00:00.000Z");
        const c = manifest.tables.contacts;
        assert.deepEqual(
            {
                rows: c.rows,
                bytes: c.bytesScanned,
                id: c.queryExecutionId,
                out: c.outputLocation,
                before: c.watermarkBefore,
                after: c.watermarkAfter,
                range: c.range,
                error: c.error,
            },
            {
                rows: 1000,
                bytes: 4096,
                id: contacts.id,
                out: `s3://${BUCKET}/connect/contacts/dt=2025-02-01/run=${RUN_ID}/`,
                before: null,
                after: "2025-01-31",
                range: { to: "2025-01-31" },
                error: null,
            },
        );
        assert.equal(manifest.tables.users.watermarkAfter, null);
        // One JSON line per table and a summary.
        assert.deepEqual(
            logs.filter((l) => l.event === "table_export").map((l) => l.table),
            ["users", "contacts", "agent_hierarchy_groups"],
        );
        const last = logs[logs.length - 1];
        assert.equal(last.event, "export_summary");
        assert.equal(last.succeeded, 3);
        assert.equal(last.requestId, "11111111-2222-3333-4444-555555555555");
    });

    it("an incremental run reads from the watermark minus the overlap up to the day before the run", async () => {
        aws.setWatermark("contacts", "2025-01-29");
        const { summary } = await invoke();
        assert.match(
            aws.queriesFor("contacts_link")[0].sql,
            /WHERE "initiation_timestamp" >= TIMESTAMP '2025-01-29 00:00:00' AND "initiation_timestamp" < TIMESTAMP '2025-02-01 00:00:00'\)/,
        );
        assert.deepEqual(summary!.tables[1].range, { from: "2025-01-29", to: "2025-01-31" });
        assert.equal(aws.json(CONTACTS_WATERMARK).through, "2025-01-31");
    });

    it("a table whose watermark already covers the last complete day runs no query", async () => {
        aws.setWatermark("contacts", "2025-01-31");
        const { summary } = await invoke();
        assert.equal(aws.queriesFor("contacts_link").length, 0);
        assert.equal(summary!.tables[1].status, "up_to_date");
        assert.equal(summary!.tables[1].watermarkAfter, "2025-01-31");
    });

    it("throttling: a start refused for the concurrency limit is retried after a jittered backoff, then succeeds", async () => {
        aws.script.set("contacts_link", [{ kind: "throttleStart" }, { kind: "succeed" }]);
        const { summary, logs, clock } = await invoke();
        assert.equal(summary!.status, "succeeded");
        assert.equal(summary!.tables[1].queryAttempts, 2);
        const retry = logs.find((l) => l.event === "query_retry");
        assert.ok(retry, "a query_retry warning is logged");
        assert.match(String(retry!.error), /TooManyRequestsException|Rate exceeded/);
        assert.ok(clock.slept.includes(retry!.delayMs as number), "the backoff went through the injected clock");
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
        assert.equal(AWS_CLIENT_CONFIG.retryMode, "adaptive");
        aws = new FakeAws();
    });

    it("a query that FAILED fails its table; the others finish; the run throws listing it after writing the manifest", async () => {
        aws.script.set("contacts_link", [{ kind: "fail", reason: "HIVE_BAD_DATA: malformed Parquet file" }]);
        const { error } = await invoke();
        assert.ok(error);
        assert.equal(error.code, "RUN_FAILED");
        assert.match(error.message, /failed for 1 of 3 table\(s\): contacts \(.*FAILED: HIVE_BAD_DATA/);
        assert.deepEqual(error.failedTables, ["contacts"]);
        const manifest = aws.json<RunManifest>(MANIFEST);
        assert.equal(manifest.status, "failed");
        assert.equal(manifest.tables.contacts.status, "failed");
        assert.equal(manifest.tables.contacts.queryExecutionId, aws.queriesFor("contacts_link")[0].id);
        assert.equal(manifest.tables.agent_hierarchy_groups.status, "succeeded");
        assert.equal(aws.objects.has(CONTACTS_WATERMARK), false, "no watermark for the failed table");
        assert.equal(aws.queriesFor("contacts_link").length, 1, "a non-retryable failure is not retried");
    });

    it("a query FAILED with a retryable Athena error is run again, on a cleared destination", async () => {
        aws.script.set("contacts_link", [
            { kind: "fail", retryable: true, reason: "INTERNAL_ERROR_QUERY_ENGINE" },
            { kind: "succeed" },
        ]);
        const { summary } = await invoke();
        assert.equal(summary!.tables[1].status, "succeeded");
        assert.equal(summary!.tables[1].queryAttempts, 2);
        assert.deepEqual(
            aws.keys(`connect/contacts/`).map((k) => k.split("/").pop()),
            [`${aws.queriesFor("contacts_link")[1].id}_00000.snappy.parquet`],
            "the failed attempt's orphan was cleared",
        );
    });

    it("a CANCELLED query fails its table with the reason", async () => {
        aws.script.set("users_link", [
            { kind: "cancel", reason: "Query exceeded the bytes scanned limit of the workgroup" },
        ]);
        const { error } = await invoke();
        assert.equal(entry("users").status, "failed");
        assert.match(entry("users").error!, /CANCELLED: Query exceeded the bytes scanned limit/);
        assert.deepEqual(error!.failedTables, ["users"]);
        assert.equal(entry("contacts").status, "succeeded");
    });

    it("a query still running at the deadline is stopped and failed; no new query starts with too little time left", async () => {
        aws.script.set("contacts_link", [{ kind: "runForever" }]);
        const { error, clock } = await invoke(undefined, { timeoutMs: 120_000 });
        const contacts = aws.queriesFor("contacts_link")[0];
        assert.deepEqual(aws.stopped, [contacts.id], "the running query was stopped");
        assert.match(entry("contacts").error!, /still running with \d+ s left before the Lambda deadline; stopped it/);
        assert.equal(
            aws.queriesFor("agent_hierarchy_groups_link").length,
            0,
            "no query started after the deadline approached",
        );
        assert.match(entry("agent_hierarchy_groups").error!, /not started: \d+ s left/);
        assert.deepEqual(error!.failedTables, ["contacts", "agent_hierarchy_groups"]);
        assert.ok(
            clock.now() - Date.parse("2025-02-01T02:00:05Z") <= 120_000,
            "the run ended before the Lambda deadline",
        );
        assert.ok(aws.objects.has(MANIFEST), "the manifest was written in the reserved time");
    });

    it("an S3 write error on a watermark fails that table without moving its watermark", async () => {
        aws.putFault = (key) => (key === CONTACTS_WATERMARK ? accessDenied() : undefined);
        const { error } = await invoke();
        assert.deepEqual(error!.failedTables, ["contacts"]);
        assert.match(entry("contacts").error!, /exported, but the watermark was not saved \(.*AccessDenied/);
        assert.equal(aws.objects.has(CONTACTS_WATERMARK), false);
        assert.equal(entry("users").status, "succeeded");
    });

    it("an S3 write error on the manifest fails the run with an error naming the manifest", async () => {
        aws.putFault = (key) => (key === MANIFEST ? accessDenied() : undefined);
        const { error } = await invoke();
        assert.equal(error!.code, "STORE");
        assert.match(error!.message, new RegExp(`could not write its manifest s3://${BUCKET}/${MANIFEST}`));
    });

    it("one table failing while others succeed: their exports and watermarks land, the failed one's does not move", async () => {
        const tables = [
            ...TABLES,
            { name: "contact_record", linkName: "contact_record_link", timeColumn: "initiation_timestamp" },
        ];
        aws.setWatermark("contacts", "2025-01-20");
        aws.setWatermark("contact_record", "2025-01-20");
        aws.script.set("contact_record_link", [{ kind: "fail" }]);
        const { error } = await invoke(undefined, { env: { TABLES_JSON: JSON.stringify(tables) } });
        assert.deepEqual(error!.failedTables, ["contact_record"]);
        assert.equal(aws.json(CONTACTS_WATERMARK).through, "2025-01-31");
        assert.equal(aws.json("state/watermarks/contact_record.json").through, "2025-01-20");
        for (const table of ["users", "contacts", "agent_hierarchy_groups"]) {
            assert.equal(aws.keys(`connect/${table}/dt=2025-02-01/run=${RUN_ID}/`).length, 1, `${table} exported`);
        }
    });

    it("a re-run with the same run id keeps what succeeded and duplicates nothing; force redoes and overwrites", async () => {
        await invoke();
        const before = aws.dataKeys();
        const queries = aws.queries.length;
        const again = await invoke();
        assert.equal(again.summary!.runAttempt, 2);
        assert.equal(aws.queries.length, queries, "no query for tables that already succeeded in this run");
        assert.deepEqual(aws.dataKeys(), before);

        const forced = await invoke({ scheduledTime: SCHEDULED, force: true });
        assert.equal(forced.summary!.status, "succeeded");
        assert.equal(aws.queries.length, queries + 3);
        for (const table of ["users", "contacts", "agent_hierarchy_groups"]) {
            const keys = aws.keys(`connect/${table}/`);
            assert.equal(keys.length, 1, `${table}: one set of files, the old one was cleared (${keys.join(", ")})`);
            assert.match(keys[0], new RegExp(`^connect/${table}/dt=2025-02-01/run=${RUN_ID}/`));
        }
        assert.deepEqual(forced.summary!.tables[1].range, { to: "2025-01-31" }, "a forced redo reads the same days");
        assert.equal(aws.json(CONTACTS_WATERMARK).through, "2025-01-31");
    });

    it("a re-run after a partial failure redoes only the failed table, from its unmoved watermark", async () => {
        aws.setWatermark("contacts", "2025-01-25");
        aws.script.set("contacts_link", [{ kind: "fail" }]);
        const first = await invoke();
        assert.deepEqual(first.error!.failedTables, ["contacts"]);
        assert.equal(aws.keys("connect/contacts/").length, 1, "the failed query left an orphan file");
        const started = aws.queries.length;

        const second = await invoke({ runId: RUN_ID });
        assert.equal(second.summary!.status, "succeeded");
        assert.deepEqual(
            aws.queries.slice(started).map((q) => q.link),
            ["contacts_link"],
            "only the failed table ran again",
        );
        assert.equal(
            aws.queries[started].sql,
            aws.queriesFor("contacts_link")[0].sql,
            "same days read as the failed attempt: nothing skipped",
        );
        assert.match(aws.queries[started].sql, /'2025-01-25 00:00:00'/);
        assert.deepEqual(
            aws.keys("connect/contacts/").map((k) => k.split("/").pop()),
            [`${aws.queries[started].id}_00000.snappy.parquet`],
        );
        const manifest = aws.json<RunManifest>(MANIFEST);
        assert.equal(manifest.runAttempt, 2);
        assert.equal(manifest.tables.users.runAttempt, 1);
        assert.equal(manifest.tables.contacts.runAttempt, 2);
        assert.equal(aws.json(CONTACTS_WATERMARK).through, "2025-01-31");
    });

    it("rejects a malformed event with every problem named, before touching AWS", async () => {
        const { error } = await invoke({
            tables: ["contacts", "calls"],
            from: "2025-01-10",
            to: "2025-01-05",
            runId: "a/b",
            surprise: 1,
        });
        assert.equal(error!.code, "EVENT");
        assert.match(error!.message, /unknown field "surprise"/);
        assert.match(
            error!.message,
            /"tables" names "calls", not configured; configured tables: users, contacts, agent_hierarchy_groups/,
        );
        assert.match(error!.message, /"from" \(2025-01-10\) is after "to" \(2025-01-05\)/);
        assert.match(error!.message, /"runId" must be/);
        assert.equal(aws.athena.calls().length + aws.s3.calls().length, 0);
        for (const bad of [
            "not json",
            ["contacts"],
            { scheduledTime: "yesterday" },
            { from: "2025-01-01" },
            { force: "yes" },
        ]) {
            const r = await invoke(bad);
            assert.equal(r.error?.code, "EVENT", `rejected: ${JSON.stringify(bad)}`);
        }
    });

    it("rejects a missing or invalid environment, naming each variable", async () => {
        const { error } = await invoke(undefined, {
            env: { EXPORT_BUCKET: undefined, LATE_DATA_OVERLAP_DAYS: "two", TABLES_JSON: '[{"name":"users"}]' },
        });
        assert.equal(error!.code, "CONFIG");
        assert.match(error!.message, /EXPORT_BUCKET: required, not set/);
        assert.match(error!.message, /LATE_DATA_OVERLAP_DAYS: must be a whole number of days from 0 to 31, got "two"/);
        assert.match(error!.message, /TABLES_JSON: \[0\]\.linkName must be a Glue table name/);
        assert.equal(aws.athena.calls().length + aws.s3.calls().length, 0);
        // The exported handler reads process.env: with nothing set it names what is missing.
        const saved = { ...process.env };
        const log = console.log;
        const printed: string[] = [];
        console.log = (line: string) => printed.push(line);
        try {
            for (const key of Object.keys(handlerEnv())) delete process.env[key];
            await assert.rejects(
                exportHandler({}, { getRemainingTimeInMillis: () => 60_000 }),
                /EXPORT_BUCKET: required[\s\S]*TABLES_JSON: required/,
            );
        } finally {
            process.env = saved;
            console.log = log;
        }
        assert.equal(JSON.parse(printed[0]).event, "config_rejected", "the rejection is logged as JSON");
    });

    it("an empty table exports zero rows and still succeeds (and moves a watermark)", async () => {
        aws.script.set("users_link", [{ kind: "succeed", rows: 0, files: 0 }]);
        aws.script.set("contacts_link", [{ kind: "succeed", rows: 0, files: 0 }]);
        const { summary } = await invoke();
        assert.equal(summary!.status, "succeeded");
        assert.equal(summary!.tables[0].rows, 0);
        assert.equal(summary!.tables[1].rows, 0);
        assert.equal(aws.json(CONTACTS_WATERMARK).through, "2025-01-31");
    });

    it("a backfill reads exactly its days and never moves the watermark backwards", async () => {
        aws.setWatermark("contacts", "2025-01-31");
        const { summary } = await invoke({ tables: ["contacts"], from: "2025-01-05", to: "2025-01-07" });
        assert.equal(summary!.tables.length, 1);
        assert.deepEqual(
            aws.queries.map((q) => q.link),
            ["contacts_link"],
        );
        assert.match(
            aws.queries[0].sql,
            />= TIMESTAMP '2025-01-05 00:00:00' AND "initiation_timestamp" < TIMESTAMP '2025-01-08 00:00:00'/,
        );
        assert.equal(summary!.tables[0].mode, "backfill");
        assert.equal(aws.json(CONTACTS_WATERMARK).through, "2025-01-31");
    });

    it("a backfill reusing a daily run's id is refused before anything is touched, unless forced", async () => {
        await invoke();
        const files = aws.dataKeys();
        const manifest = aws.objects.get(MANIFEST);
        const queries = aws.queries.length;
        const { error } = await invoke({
            scheduledTime: SCHEDULED,
            tables: ["contacts"],
            from: "2025-01-05",
            to: "2025-01-07",
        });
        assert.equal(error!.code, "EVENT");
        assert.match(
            error!.message,
            /refused: contacts already succeeded in this run as a incremental of the start\.\.2025-01-31; a backfill of 2025-01-05\.\.2025-01-07 needs its own run id/,
        );
        assert.deepEqual(aws.dataKeys(), files);
        assert.equal(aws.objects.get(MANIFEST), manifest);
        assert.equal(aws.queries.length, queries);
        const forced = await invoke({
            scheduledTime: SCHEDULED,
            tables: ["contacts"],
            from: "2025-01-05",
            to: "2025-01-07",
            force: true,
        });
        assert.equal(forced.summary!.tables[0].mode, "backfill");
    });

    it("excluded columns are never selected: the UNLOAD names the other known columns", async () => {
        const tables = [{ name: "users", linkName: "users_link", excludedColumns: ["email", "mobile"] }];
        await invoke(undefined, { env: { TABLES_JSON: JSON.stringify(tables) } });
        const sql = aws.queries[0].sql;
        assert.match(
            sql,
            /SELECT "instance_id", "instance_arn", .*"first_name", "last_name", "secondary_email", "agent_hierarchy_group_id"/,
        );
        assert.doesNotMatch(sql, /"email"|"mobile"|\*/);
    });

    it("CSV format unloads text files; DEBUG logging adds the SQL and each poll", async () => {
        const { logs } = await invoke(undefined, { env: { EXPORT_FORMAT: "csv", LOG_LEVEL: "DEBUG" } });
        assert.match(aws.queries[0].sql, /WITH \(format = 'TEXTFILE', field_delimiter = ','\)$/);
        assert.ok(logs.some((l) => l.event === "athena_start" && typeof l.sql === "string"));
        assert.ok(logs.some((l) => l.event === "athena_poll"));
        const info = await invoke({ scheduledTime: "2025-02-02T02:00:00Z" });
        assert.ok(!info.logs.some((l) => l.level === "DEBUG"), "INFO hides DEBUG lines");
    });

    it("accepts an EventBridge rule's Scheduled Event and polls with growing delays", async () => {
        aws.script.set("users_link", [{ kind: "succeed", runningPolls: 4 }]);
        const { summary, clock } = await invoke({
            "detail-type": "Scheduled Event",
            source: "aws.events",
            time: "2025-02-01T02:00:00Z",
            resources: [],
        });
        assert.equal(summary!.runId, RUN_ID);
        const polls = clock.slept.slice(0, 5);
        assert.ok(
            polls.every((d, i) => i === 0 || d >= polls[i - 1]),
            `poll delays grow: ${polls.join(", ")}`,
        );
    });
});
