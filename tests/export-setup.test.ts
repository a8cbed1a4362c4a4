/**
 * The export Lambda's setup event ({"setup": true}), which the consumer stack invokes at deploy
 * time so the Iceberg tables exist before their data cells filters and table optimizers: against
 * the fake Athena, Glue and exports bucket. It creates the missing tables only (through Glue, as a
 * first run does; no Athena statement), writes no state to the bucket, is idempotent, fails loudly naming a failed table,
 * does nothing for the files target, and rejects events mixing setup with anything but "tables".
 */
import { strict as assert } from "assert";
import { GetTableCommand } from "@aws-sdk/client-glue";
import { createExportHandler } from "../functions/handler";
import { SETUP_EVENT } from "../functions/index";
import type { SetupSummary } from "../functions/types";
import {
    EXPORT_DB,
    FakeAws,
    fakeClock,
    glueColumns,
    handlerEnv,
    lambdaContext,
    logSink,
    SCHEDULED,
    TABLES,
} from "./export-fakes";

describe("export handler: setup event", () => {
    let aws: FakeAws;
    beforeEach(() => {
        aws = new FakeAws();
    });
    afterEach(() => aws.restore());

    async function invoke(event: unknown = JSON.parse(SETUP_EVENT), env: Record<string, string | undefined> = {}) {
        const clock = fakeClock();
        const logs = logSink();
        const handler = createExportHandler({ env: () => handlerEnv(env), clock, logSink: logs.sink });
        try {
            return { result: (await handler(event, lambdaContext(clock))) as SetupSummary, logs: logs.lines };
        } catch (err) {
            return { error: err as Error & Record<string, any>, logs: logs.lines };
        }
    }
    const statuses = (summary: SetupSummary) => Object.fromEntries(summary.tables.map((t) => [t.table, t.status]));

    it("creates the missing tables only, with a first run's CREATE, and reads no data, moves no watermark, writes no manifest", async () => {
        aws.createTarget("users");
        const { result, error, logs } = await invoke();
        assert.equal(error, undefined, error?.message);
        assert.equal(result!.status, "succeeded");
        assert.deepEqual(statuses(result!), {
            users: "exists",
            contacts: "created",
            agent_hierarchy_groups: "created",
        });
        assert.deepEqual(aws.queries, [], "no Athena statement at all (no DDL on the registered location)");
        assert.deepEqual(
            aws.glueWrites.map((w) => [w.table, w.kind]),
            [
                ["contacts", "create"],
                ["agent_hierarchy_groups", "create"],
            ],
            "Glue CreateTable for the missing tables only",
        );
        assert.deepEqual(
            aws.keys().filter((k) => !k.startsWith("connect/iceberg/")),
            [],
            "no manifest, watermark or lease written",
        );
        const contacts = result!.tables.find((t) => t.table === "contacts")!;
        assert.equal(contacts.output, `${EXPORT_DB}.contacts`);
        assert.equal(contacts.columns, aws.sourceColumns.get("contacts")!.length);
        assert.ok(aws.targets.has("contacts") && aws.targets.has("agent_hierarchy_groups"));
        assert.ok(logs.some((l) => l.event === "setup_summary" && l.status === "succeeded"));

        // The same request a first run sends (same columns, location, partitioning).
        const created = aws.glueWrites.map((w) => w.input);
        const first = new FakeAws();
        try {
            const clock = fakeClock();
            await createExportHandler({ env: () => handlerEnv(), clock, logSink: () => undefined })(
                { scheduledTime: SCHEDULED },
                lambdaContext(clock),
            );
            assert.deepEqual(
                first.glueWrites.filter((w) => w.kind === "create" && w.table !== "users").map((w) => w.input),
                created,
            );
        } finally {
            first.restore();
        }
    });

    it("is idempotent: a second setup creates nothing and reports every table as existing", async () => {
        assert.equal((await invoke()).result!.tables.filter((t) => t.status === "created").length, 3);
        const before = aws.glueWrites.length;
        const { result } = await invoke();
        assert.deepEqual(statuses(result!), { users: "exists", contacts: "exists", agent_hierarchy_groups: "exists" });
        assert.equal(aws.glueWrites.length, before, "nothing created the second time");
    });

    it("reads the source columns as a run does: excluded columns are not created, and an exclusion naming no column fails", async () => {
        const tables = TABLES.map((t) => (t.name === "users" ? { ...t, excludedColumns: ["email", "mobile"] } : t));
        const { result } = await invoke(undefined, { TABLES_JSON: JSON.stringify(tables) });
        assert.equal(result!.status, "succeeded");
        const users = aws.targets.get("users")!.map((c) => c.Name);
        assert.ok(users.includes("first_name"));
        assert.ok(!users.includes("email") && !users.includes("mobile"));
        assert.equal(
            aws.glue.commandCalls(GetTableCommand).filter((c) => c.args[0].input.DatabaseName !== EXPORT_DB).length,
            3,
            "one glue:GetTable per source link",
        );

        aws.targets.clear();
        const typo = TABLES.map((t) => (t.name === "users" ? { ...t, excludedColumns: ["emial"] } : t));
        const { error } = await invoke(undefined, { TABLES_JSON: JSON.stringify(typo) });
        assert.match(error!.message, /^setup failed for users \(.*excluded column emial does not exist/);
    });

    it("a table whose source cannot be read fails, naming it; the others are created and the invocation throws", async () => {
        aws.sourceColumns.delete("contacts");
        aws.glueFault = (op, table) =>
            op === "CreateTable" && table === "agent_hierarchy_groups"
                ? Object.assign(new Error("User is not authorized to perform: glue:CreateTable"), {
                      name: "AccessDeniedException",
                  })
                : undefined;
        const { error, logs } = await invoke();
        assert.equal(error!.code, "RUN_FAILED");
        assert.match(
            error!.message,
            /^setup failed for contacts \(ExportError: no columns visible through resource link connect_analytics_consumer\.contacts_link .*\); agent_hierarchy_groups \(.*glue:CreateTable agent_hierarchy_groups: AccessDeniedException.*glue:CreateTable\)/,
        );
        const summary = error!.summary as SetupSummary;
        assert.deepEqual(statuses(summary), { users: "created", contacts: "failed", agent_hierarchy_groups: "failed" });
        assert.ok(aws.targets.has("users") && !aws.targets.has("contacts"));
        assert.ok(logs.some((l) => l.event === "table_setup" && l.table === "contacts" && l.level === "ERROR"));
        assert.deepEqual(aws.keys("state/"), []);

        // Setting up again creates only what is still missing.
        aws.glueFault = () => undefined;
        aws.sourceColumns.set("contacts", glueColumns("contacts"));
        const again = await invoke();
        assert.deepEqual(statuses(again.result!), {
            users: "exists",
            contacts: "created",
            agent_hierarchy_groups: "created",
        });
    });

    it("the files target has no table: setup does nothing and says so", async () => {
        const { result } = await invoke(undefined, { EXPORT_TARGET: "files" });
        assert.equal(result!.status, "succeeded");
        assert.equal(result!.target, "files");
        for (const t of result!.tables) {
            assert.equal(t.status, "skipped");
            assert.match(t.error!, /the files target has no table to create/);
        }
        assert.equal(aws.athena.calls().length + aws.glue.calls().length + aws.s3.calls().length, 0);
    });

    it('takes no lease: it runs while an export holds the run lease, and sets up only "tables" when given', async () => {
        aws.put("state/lease.json", {
            runId: "20250201T010000Z",
            owner: "other",
            acquiredAt: "2025-02-01T01:00:00.000Z",
            expiresAt: "2025-02-01T02:10:00.000Z",
        });
        const lease = aws.objects.get("state/lease.json");
        const { result } = await invoke({ setup: true, tables: ["users"] });
        assert.deepEqual(statuses(result!), { users: "created" });
        assert.deepEqual(
            aws.glueWrites.map((w) => [w.table, w.kind]),
            [["users", "create"]],
        );
        assert.equal(aws.objects.get("state/lease.json"), lease, "the export's lease is untouched");
    });

    it("rejects setup mixed with anything but tables, and a non-boolean setup, before touching AWS", async () => {
        for (const [event, message] of [
            [
                { setup: true, from: "2025-01-01", to: "2025-01-02" },
                /"setup" runs alone \(with "tables" at most\): leave out "from", "to"/,
            ],
            [{ setup: true, maintenance: true }, /"setup" runs alone .*leave out "maintenance"/],
            [{ setup: true, runId: "r1", force: true }, /leave out "runId", "force"/],
            [{ setup: true, scheduledTime: SCHEDULED }, /leave out "scheduledTime"/],
            [{ setup: "yes" }, /"setup" must be true or false, got "yes"/],
            [{ setup: true, tables: ["nosuch"] }, /"tables" names "nosuch", not configured/],
            [{ setup: true, surprise: 1 }, /unknown field\(s\) "surprise"; allowed: .*setup/],
        ] as const) {
            const { error } = await invoke(event);
            assert.equal(error?.code, "EVENT", JSON.stringify(event));
            assert.match(error!.message, message);
        }
        assert.equal(aws.athena.calls().length + aws.glue.calls().length + aws.s3.calls().length, 0);
    });
});
