/**
 * Pure parts of the export: SQL rendering for both engines, the incremental plan and watermark
 * rules, event and environment validation, backoff, and the Connect schema.
 */
import { strict as assert } from "assert";
import { CONNECT_TABLE_SCHEMAS, connectColumnNames, parseColumnSpec } from "../lib/connectSchema";
import { buildUnloadStatement } from "../functions/athena/athenaSql";
import { addDays, daysBetween, isIsoDay } from "../functions/dates";
import { parseExportEvent, runIdFromInstant } from "../functions/event";
import {
    buildCopyStatement,
    buildDuckdbSelect,
    createEmptyViewStatement,
    createLinkViewStatement,
} from "../functions/local/duckdbSql";
import {
    HANDLER_ENV_VARS as INDEX_ENV_VARS,
    exportHandler as indexHandler,
    exportStorageKeys,
} from "../functions/index";
import { exportHandler } from "../functions/handler";
import { incrementalWindow, nextWatermark, planTable, rerunConflict, type TablePlanInput } from "../functions/plan";
import { backoffDelay, POLL_BACKOFF, RETRY_BACKOFF } from "../functions/retry";
import { runOutputPrefix } from "../functions/runner";
import { HANDLER_ENV_VARS, parseHandlerEnv, parseTableSpecs } from "../functions/settings";
import { buildSelectPlan, quoteIdent, timeRangePredicate } from "../functions/sql";
import type { ExportTableSpec, TableRunEntry } from "../functions/types";
import { handlerEnv } from "./export-fakes";

const contacts: ExportTableSpec = { name: "contacts", linkName: "contacts_link", timeColumn: "initiation_timestamp" };
const users: ExportTableSpec = { name: "users", linkName: "users_link" };
const OUT = "s3://exports-bucket/connect/contacts/dt=2025-02-01/run=R1/";

describe("export SQL", () => {
    it("Athena: a snapshot unloads the whole link as Snappy Parquet", () => {
        assert.equal(
            buildUnloadStatement({
                plan: buildSelectPlan(users, undefined),
                database: "consumer_db",
                outputUri: OUT,
                format: "parquet",
            }),
            `UNLOAD (SELECT * FROM "consumer_db"."users_link") TO '${OUT}' WITH (format = 'PARQUET', compression = 'SNAPPY')`,
        );
    });

    it("Athena: an incremental range is a half-open filter on the time column; CSV is TEXTFILE", () => {
        const sql = buildUnloadStatement({
            plan: buildSelectPlan(contacts, { from: "2025-01-30", to: "2025-01-31" }),
            database: "db",
            outputUri: OUT,
            format: "csv",
        });
        assert.equal(
            sql,
            `UNLOAD (SELECT * FROM "db"."contacts_link" WHERE "initiation_timestamp" >= TIMESTAMP '2025-01-30 00:00:00' AND "initiation_timestamp" < TIMESTAMP '2025-02-01 00:00:00') ` +
                `TO '${OUT}' WITH (format = 'TEXTFILE', field_delimiter = ',')`,
        );
    });

    it("Athena: exclusions become an explicit list of the known columns; unknown schema with exclusions is refused", () => {
        const plan = buildSelectPlan(
            { ...contacts, excludedColumns: ["customer_endpoint_address"] },
            { to: "2025-01-31" },
        );
        const sql = buildUnloadStatement({ plan, database: "db", outputUri: OUT, format: "parquet" });
        const listed = /SELECT (.*) FROM/
            .exec(sql)![1]
            .split(", ")
            .map((c) => c.replace(/"/g, ""));
        assert.deepEqual(
            listed,
            connectColumnNames("contacts")!.filter((c) => c !== "customer_endpoint_address"),
        );
        const custom = buildSelectPlan(
            { name: "custom_table", linkName: "custom_link", excludedColumns: ["secret"] },
            undefined,
        );
        assert.throws(
            () => buildUnloadStatement({ plan: custom, database: "db", outputUri: OUT, format: "parquet" }),
            /custom_table has excludedColumns but its columns are unknown/,
        );
        assert.equal(
            buildUnloadStatement({
                plan: buildSelectPlan({ name: "custom_table", linkName: "custom_link" }, undefined),
                database: "db",
                outputUri: OUT,
                format: "parquet",
            }).includes("SELECT *"),
            true,
        );
    });

    it("Athena: refuses a destination that is not an s3 folder", () => {
        for (const bad of ["s3://b/key", "/tmp/x/", "s3://b/it's/"]) {
            assert.throws(
                () =>
                    buildUnloadStatement({
                        plan: buildSelectPlan(users, undefined),
                        database: "db",
                        outputUri: bad,
                        format: "parquet",
                    }),
                /UNLOAD destination/,
            );
        }
    });

    it("DuckDB: EXCLUDE drops the lake's dt partition column and excluded columns; dt predicates prune partitions", () => {
        const plan = buildSelectPlan(
            { ...contacts, excludedColumns: ["customer_endpoint_address"] },
            { from: "2025-01-30", to: "2025-01-31" },
        );
        assert.equal(
            buildDuckdbSelect(plan),
            `SELECT * EXCLUDE ("customer_endpoint_address", "dt") FROM "contacts_link" WHERE "dt" >= DATE '2025-01-30' AND "dt" <= DATE '2025-01-31' AND ` +
                `"initiation_timestamp" >= TIMESTAMP '2025-01-30 00:00:00' AND "initiation_timestamp" < TIMESTAMP '2025-02-01 00:00:00'`,
        );
        assert.equal(buildDuckdbSelect(buildSelectPlan(users, undefined)), `SELECT * FROM "users_link"`);
        assert.equal(
            buildDuckdbSelect(buildSelectPlan(contacts, { to: "2025-01-31" })),
            `SELECT * EXCLUDE ("dt") FROM "contacts_link" WHERE "dt" <= DATE '2025-01-31' AND "initiation_timestamp" < TIMESTAMP '2025-02-01 00:00:00'`,
        );
    });

    it("DuckDB: COPY writes Snappy Parquet or gzip CSV with a header; views read the lake's files", () => {
        assert.equal(
            buildCopyStatement({
                plan: buildSelectPlan(users, undefined),
                outputFile: "/o/x.parquet",
                format: "parquet",
            }),
            `COPY (SELECT * FROM "users_link") TO '/o/x.parquet' (FORMAT PARQUET, COMPRESSION SNAPPY)`,
        );
        assert.match(
            buildCopyStatement({ plan: buildSelectPlan(users, undefined), outputFile: "/o/x.csv.gz", format: "csv" }),
            /\(FORMAT CSV, HEADER true, COMPRESSION GZIP\)$/,
        );
        assert.equal(
            createLinkViewStatement("/lake", contacts),
            `CREATE OR REPLACE VIEW "contacts_link" AS SELECT * FROM read_parquet('/lake/contacts/dt=*/*.parquet', hive_partitioning = true, hive_types = {'dt': DATE})`,
        );
        assert.equal(
            createLinkViewStatement("/lake/", users),
            `CREATE OR REPLACE VIEW "users_link" AS SELECT * FROM read_parquet('/lake/users/*.parquet')`,
        );
        assert.match(
            createEmptyViewStatement(contacts, CONNECT_TABLE_SCHEMAS.contacts.columns),
            /CAST\(NULL AS MAP\(VARCHAR,VARCHAR\)\) AS "attributes", .*CAST\(NULL AS DATE\) AS "dt" WHERE false$/,
        );
    });

    it("identifiers and dates are validated, never spliced in raw", () => {
        assert.equal(quoteIdent("queue_name"), `"queue_name"`);
        assert.throws(() => quoteIdent(`x" OR 1=1 --`), /not a plain SQL identifier/);
        assert.throws(() => timeRangePredicate("t", { to: "2025-02-30" }), /not a date/);
        assert.equal(runOutputPrefix("connect", "users", "2025-02-01", "R1"), "connect/users/dt=2025-02-01/run=R1/");
    });
});

describe("export plan and watermarks", () => {
    const base: TablePlanInput = {
        table: contacts,
        runDate: "2025-02-01",
        overlapDays: 1,
        watermark: undefined,
        force: false,
    };
    const prev = (fields: Partial<TableRunEntry>): TableRunEntry => ({
        table: "contacts",
        linkName: "contacts_link",
        mode: "incremental",
        status: "succeeded",
        range: { from: "2025-01-20", to: "2025-01-31" },
        rows: 1,
        bytesScanned: 1,
        queryExecutionId: "q",
        outputLocation: "s3://b/x/",
        watermarkBefore: "2025-01-20",
        watermarkAfter: "2025-01-31",
        error: null,
        runAttempt: 1,
        queryAttempts: 1,
        startedAt: "",
        durationMs: 0,
        ...fields,
    });

    it("incremental windows: first run unbounded, overlap before the watermark, nothing when up to date", () => {
        assert.deepEqual(incrementalWindow(undefined, "2025-01-31", 1), { to: "2025-01-31" });
        assert.deepEqual(incrementalWindow("2025-01-29", "2025-01-31", 1), { from: "2025-01-29", to: "2025-01-31" });
        assert.deepEqual(incrementalWindow("2025-01-29", "2025-01-31", 0), { from: "2025-01-30", to: "2025-01-31" });
        assert.deepEqual(incrementalWindow("2025-01-29", "2025-01-31", 3), { from: "2025-01-27", to: "2025-01-31" });
        assert.equal(incrementalWindow("2025-01-31", "2025-01-31", 1), undefined);
        assert.equal(incrementalWindow("2025-02-05", "2025-01-31", 1), undefined);
    });

    it("plans snapshots, incremental runs, backfills and re-runs", () => {
        assert.deepEqual(planTable({ ...base, table: users }), { action: "export", mode: "snapshot" });
        assert.deepEqual(planTable({ ...base, table: users, backfill: { from: "2025-01-01", to: "2025-01-02" } }), {
            action: "export",
            mode: "snapshot",
        });
        assert.deepEqual(planTable({ ...base, watermark: "2025-01-30" }), {
            action: "export",
            mode: "incremental",
            range: { from: "2025-01-30", to: "2025-01-31" },
        });
        assert.equal(planTable({ ...base, watermark: "2025-01-31" }).action, "upToDate");
        assert.deepEqual(planTable({ ...base, backfill: { from: "2025-01-01", to: "2025-01-03" } }), {
            action: "export",
            mode: "backfill",
            range: { from: "2025-01-01", to: "2025-01-03" },
        });
        // Re-runs of the same run id.
        assert.equal(planTable({ ...base, previous: prev({}) }).action, "reuse");
        assert.equal(planTable({ ...base, previous: prev({ status: "up_to_date" }) }).action, "reuse");
        assert.deepEqual(planTable({ ...base, watermark: "2025-01-25", previous: prev({ status: "failed" }) }), {
            action: "export",
            mode: "incremental",
            range: { from: "2025-01-25", to: "2025-01-31" },
        });
        assert.deepEqual(planTable({ ...base, watermark: "2025-01-31", previous: prev({}), force: true }), {
            action: "export",
            mode: "incremental",
            range: { from: "2025-01-20", to: "2025-01-31" },
        });
        const backfill = { from: "2025-01-01", to: "2025-01-03" };
        assert.equal(
            planTable({ ...base, backfill, previous: prev({ mode: "backfill", range: backfill }) }).action,
            "reuse",
        );
        assert.equal(
            planTable({
                ...base,
                backfill,
                previous: prev({ mode: "backfill", range: { from: "2025-01-01", to: "2025-01-09" } }),
            }).action,
            "export",
        );
        assert.equal(
            planTable({ ...base, previous: prev({ mode: "backfill" }) }).action,
            "export",
            "a different kind of request is not a re-run of it",
        );
    });

    it("a different request under a run id whose table succeeded is a conflict unless forced", () => {
        const backfill = { from: "2025-01-01", to: "2025-01-03" };
        assert.match(
            rerunConflict({ table: contacts, previous: prev({}), backfill, force: false })!,
            /contacts already succeeded in this run as a incremental of 2025-01-20..2025-01-31; a backfill of 2025-01-01..2025-01-03 needs its own run id/,
        );
        assert.equal(rerunConflict({ table: contacts, previous: prev({}), backfill, force: true }), undefined);
        assert.equal(
            rerunConflict({ table: contacts, previous: prev({ status: "failed" }), backfill, force: false }),
            undefined,
        );
        assert.equal(
            rerunConflict({ table: contacts, previous: prev({}), backfill: undefined, force: false }),
            undefined,
        );
        assert.equal(
            rerunConflict({ table: users, previous: prev({ mode: "snapshot", range: null }), backfill, force: false }),
            undefined,
            "a snapshot is a snapshot",
        );
        assert.equal(
            planTable({ ...base, backfill, previous: prev({}) }).action,
            "export",
            "planTable leaves conflicts to the run's up-front check",
        );
    });

    it("watermarks move forward only over days fully exported, never backwards", () => {
        const R = "2025-02-01";
        assert.equal(nextWatermark("snapshot", undefined, undefined, R), undefined);
        assert.equal(nextWatermark("incremental", undefined, { to: "2025-01-31" }, R), "2025-01-31");
        assert.equal(
            nextWatermark("incremental", "2025-01-29", { from: "2025-01-29", to: "2025-01-31" }, R),
            "2025-01-31",
        );
        assert.equal(
            nextWatermark("incremental", "2025-02-03", { from: "2025-01-20", to: "2025-01-31" }, R),
            "2025-02-03",
            "a forced redo never moves it back",
        );
        // Backfills.
        assert.equal(
            nextWatermark("backfill", "2025-01-31", { from: "2025-01-05", to: "2025-01-07" }, R),
            "2025-01-31",
            "old days: unchanged",
        );
        assert.equal(
            nextWatermark("backfill", "2025-01-20", { from: "2025-01-10", to: "2025-01-25" }, R),
            "2025-01-25",
            "overlapping and contiguous: forward",
        );
        assert.equal(
            nextWatermark("backfill", "2025-01-20", { from: "2025-01-21", to: "2025-01-25" }, R),
            "2025-01-25",
            "starting right after: forward",
        );
        assert.equal(
            nextWatermark("backfill", "2025-01-20", { from: "2025-01-23", to: "2025-01-25" }, R),
            "2025-01-20",
            "a gap would skip days: unchanged",
        );
        assert.equal(
            nextWatermark("backfill", undefined, { from: "2024-12-01", to: "2024-12-31" }, R),
            "2024-12-31",
            "a first backfill defines where history starts",
        );
        assert.equal(
            nextWatermark("backfill", "2025-01-20", { from: "2025-01-15", to: "2025-02-10" }, R),
            "2025-01-31",
            "days from the run day on are incomplete",
        );
        assert.equal(nextWatermark("backfill", undefined, { from: "2025-02-01", to: "2025-02-03" }, R), undefined);
    });
});

describe("export event validation", () => {
    const NOW = Date.parse("2025-03-04T05:06:07.890Z");
    const tables = ["users", "contacts", "agent_hierarchy_groups"];

    it("derives the run id and date from the schedule's time", () => {
        assert.deepEqual(parseExportEvent({ scheduledTime: "2025-02-01T02:00:00Z" }, NOW, tables), {
            runId: "20250201T020000Z",
            runDate: "2025-02-01",
            trigger: "schedule",
            force: false,
            scheduledTime: "2025-02-01T02:00:00.000Z",
        });
        assert.equal(
            parseExportEvent({ scheduledTime: "2025-02-01T12:30:00+11:00" }, NOW, tables).runId,
            "20250201T013000Z",
        );
        assert.equal(runIdFromInstant(Date.parse("2025-12-31T23:59:59.999Z")), "20251231T235959Z");
    });

    it("a manual run without fields uses the current time; an explicit run id leaves the date to the manifest", () => {
        for (const event of [undefined, null, {}]) {
            assert.deepEqual(parseExportEvent(event, NOW, tables), {
                runId: "20250304T050607Z",
                runDate: "2025-03-04",
                trigger: "manual",
                force: false,
            });
        }
        assert.deepEqual(parseExportEvent({ runId: "2025-01-31.retry_1" }, NOW, tables), {
            runId: "2025-01-31.retry_1",
            runDate: undefined,
            trigger: "manual",
            force: false,
        });
    });

    it("a backfill names tables and an inclusive range", () => {
        assert.deepEqual(
            parseExportEvent(
                { tables: ["contacts", "contacts"], from: "2025-01-01", to: "2025-01-10", force: true },
                NOW,
                tables,
            ),
            {
                runId: "20250304T050607Z",
                runDate: "2025-03-04",
                trigger: "backfill",
                force: true,
                tables: ["contacts"],
                backfill: { from: "2025-01-01", to: "2025-01-10" },
            },
        );
    });

    it("rejects malformed events, naming each field", () => {
        const cases: Array<[unknown, RegExp]> = [
            ["run", /the event must be a JSON object, got "run"/],
            [[1], /got an array/],
            [{ scheduledTime: "2025-02-01" }, /"scheduledTime" must be an instant like "2025-01-31T02:00:00Z"/],
            [{ scheduledTime: 5 }, /"scheduledTime"/],
            [{ runId: "" }, /"runId" must be/],
            [{ runId: "../etc" }, /"runId" must be/],
            [{ tables: [] }, /"tables" must be a non-empty array/],
            [{ tables: ["calls"] }, /"tables" names "calls", not configured/],
            [{ from: "2025-01-01" }, /needs both "from" and "to".*only "from"/],
            [{ from: "2025-02-30", to: "2025-03-01" }, /"from" must be a date YYYY-MM-DD, got "2025-02-30"/],
            [{ from: "2025-03-02", to: "2025-03-01" }, /"from" \(2025-03-02\) is after "to"/],
            [{ force: 1 }, /"force" must be true or false/],
            [{ tabels: ["users"] }, /unknown field "tabels"; allowed: scheduledTime, runId, tables, from, to, force/],
        ];
        for (const [event, pattern] of cases) {
            assert.throws(
                () => parseExportEvent(event, NOW, tables),
                (err: Error & { code?: string }) => err.code === "EVENT" && pattern.test(err.message),
                JSON.stringify(event),
            );
        }
        assert.throws(
            () => parseExportEvent({ "detail-type": "Scheduled Event", time: "soon" }, NOW, tables),
            /"scheduledTime"/,
        );
    });
});

describe("export environment", () => {
    it("parses the contract, with defaults for format, overlap and log level", () => {
        const env = handlerEnv({ EXPORT_FORMAT: undefined, LATE_DATA_OVERLAP_DAYS: undefined, LOG_LEVEL: undefined });
        const s = parseHandlerEnv(env);
        assert.equal(s.bucket, "exports-bucket");
        assert.equal(s.prefix, "connect");
        assert.equal(s.workgroup, "connect_analytics_workgroup");
        assert.equal(s.sourceDatabase, "connect_analytics_consumer");
        assert.equal(s.format, "parquet");
        assert.equal(s.lateDataOverlapDays, 1);
        assert.equal(s.logLevel, "INFO");
        assert.deepEqual(s.tables[1], {
            name: "contacts",
            linkName: "contacts_link",
            timeColumn: "initiation_timestamp",
        });
        assert.equal(
            parseHandlerEnv(handlerEnv({ LOG_LEVEL: "debug", EXPORT_FORMAT: "csv", LATE_DATA_OVERLAP_DAYS: "0" }))
                .logLevel,
            "DEBUG",
        );
    });

    it("names every bad variable and the fix", () => {
        const bad = handlerEnv({
            EXPORT_BUCKET: "Bad_Bucket",
            EXPORT_PREFIX: "manifests/x",
            ATHENA_WORKGROUP: "has space",
            SOURCE_DATABASE: "Consumer-DB",
            TABLES_JSON: "{not json",
            EXPORT_FORMAT: "orc",
            LATE_DATA_OVERLAP_DAYS: "32",
            LOG_LEVEL: "LOUD",
        });
        assert.throws(
            () => parseHandlerEnv(bad),
            (err: Error & { problems?: string[] }) => {
                const names = err.problems!.map((p) => p.split(":")[0]);
                assert.deepEqual(names, [
                    "EXPORT_BUCKET",
                    "EXPORT_PREFIX",
                    "ATHENA_WORKGROUP",
                    "SOURCE_DATABASE",
                    "TABLES_JSON",
                    "EXPORT_FORMAT",
                    "LATE_DATA_OVERLAP_DAYS",
                    "LOG_LEVEL",
                ]);
                assert.match(err.message, /EXPORT_PREFIX: must not start with "manifests\/"/);
                assert.match(err.message, /TABLES_JSON: is not valid JSON/);
                return true;
            },
        );
        assert.throws(
            () => parseHandlerEnv(handlerEnv({ EXPORT_PREFIX: "/connect/" })),
            /EXPORT_PREFIX: "\/connect\/" must be lowercase/,
        );
    });

    it("validates table specs, including exclusions against the known schema", () => {
        const problems = (value: unknown) => parseTableSpecs(value).problems.join("\n");
        assert.match(problems([]), /non-empty JSON array/);
        assert.match(problems([{ name: "users", linkName: "users_link", owner: "x" }]), /unknown field "owner"/);
        assert.match(problems([{ name: "Users", linkName: "users_link" }]), /\[0\]\.name must be a Glue table name/);
        assert.match(
            problems([
                {
                    name: "contacts",
                    linkName: "c",
                    timeColumn: "initiation_timestamp",
                    excludedColumns: ["initiation_timestamp"],
                },
            ]),
            /excludes its timeColumn/,
        );
        assert.match(
            problems([{ name: "users", linkName: "u", excludedColumns: ["emial"] }]),
            /excludes unknown column\(s\) emial; known columns: instance_id/,
        );
        assert.match(
            problems([
                { name: "a", linkName: "l" },
                { name: "a", linkName: "l" },
            ]),
            /name "a" appears more than once[\s\S]*linkName "l" appears more than once/,
        );
        assert.deepEqual(
            parseTableSpecs([
                { name: "users", linkName: "u", timeColumn: null, excludedColumns: ["mobile", "email", "email"] },
            ]).tables,
            [{ name: "users", linkName: "u", excludedColumns: ["email", "mobile"] }],
        );
        assert.deepEqual(
            parseTableSpecs([{ name: "custom", linkName: "c", excludedColumns: ["x"] }]).problems,
            [],
            "unknown tables cannot be checked here",
        );
    });

    it("index exports the handler, the env contract and the storage layout", () => {
        assert.equal(indexHandler, exportHandler);
        assert.deepEqual([...INDEX_ENV_VARS], [...HANDLER_ENV_VARS]);
        assert.deepEqual(
            [...HANDLER_ENV_VARS],
            [
                "EXPORT_BUCKET",
                "EXPORT_PREFIX",
                "ATHENA_WORKGROUP",
                "SOURCE_DATABASE",
                "TABLES_JSON",
                "EXPORT_FORMAT",
                "LATE_DATA_OVERLAP_DAYS",
                "LOG_LEVEL",
            ],
        );
        assert.deepEqual(exportStorageKeys("connect"), {
            data: "connect/*",
            manifests: "manifests/*",
            state: "state/*",
        });
    });
});

describe("export backoff, dates and Connect schema", () => {
    it("backoff grows to its cap with half-fixed jitter", () => {
        assert.equal(
            backoffDelay(0, POLL_BACKOFF, () => 0),
            250,
        );
        assert.equal(
            backoffDelay(0, POLL_BACKOFF, () => 0.999999),
            500,
        );
        assert.equal(
            backoffDelay(3, RETRY_BACKOFF, () => 0),
            8_000,
        );
        assert.equal(
            backoffDelay(50, RETRY_BACKOFF, () => 1),
            30_000,
        );
        for (let n = 0; n < 20; n++) {
            const d = backoffDelay(n, POLL_BACKOFF, Math.random);
            assert.ok(d >= 250 && d <= POLL_BACKOFF.capMs, `poll delay ${d}`);
        }
    });

    it("dates are real UTC days", () => {
        assert.equal(isIsoDay("2024-02-29"), true);
        assert.equal(isIsoDay("2025-02-29"), false);
        assert.equal(addDays("2025-03-01", -1), "2025-02-28");
        assert.deepEqual(daysBetween("2025-01-30", "2025-02-01"), ["2025-01-30", "2025-01-31", "2025-02-01"]);
    });

    it("describes users, contacts (= contact_record) and agent_hierarchy_groups in Athena types", () => {
        assert.deepEqual(Object.keys(CONNECT_TABLE_SCHEMAS).sort(), [
            "agent_hierarchy_groups",
            "contact_record",
            "contacts",
            "users",
        ]);
        assert.deepEqual(CONNECT_TABLE_SCHEMAS.contacts, CONNECT_TABLE_SCHEMAS.contact_record);
        assert.deepEqual(CONNECT_TABLE_SCHEMAS.contacts.primaryKey, ["instance_id", "contact_id"]);
        assert.equal(CONNECT_TABLE_SCHEMAS.contacts.timeColumn, "initiation_timestamp");
        assert.equal(CONNECT_TABLE_SCHEMAS.users.timeColumn, undefined);
        const types = new Set(Object.values(CONNECT_TABLE_SCHEMAS).flatMap((s) => s.columns.map((c) => c.type)));
        assert.deepEqual([...types].sort(), ["bigint", "boolean", "map(varchar,varchar)", "timestamp", "varchar"]);
        assert.deepEqual(
            CONNECT_TABLE_SCHEMAS.users.columns.filter((c) => c.pii).map((c) => c.name),
            ["first_name", "last_name", "email", "secondary_email", "mobile"],
        );
        assert.ok(CONNECT_TABLE_SCHEMAS.contacts.columns.find((c) => c.name === "customer_endpoint_address")?.pii);
        for (const schema of Object.values(CONNECT_TABLE_SCHEMAS)) {
            const names = schema.columns.map((c) => c.name);
            assert.equal(new Set(names).size, names.length, "no duplicate columns");
            for (const key of [...schema.primaryKey, ...(schema.timeColumn ? [schema.timeColumn] : [])]) {
                assert.ok(names.includes(key), key);
            }
        }
        for (const [table, schema] of Object.entries(CONNECT_TABLE_SCHEMAS)) {
            assert.deepEqual(
                connectColumnNames(table),
                schema.columns.map((c) => c.name),
                table,
            );
        }
        assert.equal(connectColumnNames("agent_hierarchy_groups")!.length, 9);
        assert.equal(connectColumnNames("routing_profiles"), undefined);
        assert.deepEqual(parseColumnSpec("a:varchar,b:map(varchar,varchar)*,c:bigint"), [
            { name: "a", type: "varchar" },
            { name: "b", type: "map(varchar,varchar)", pii: true },
            { name: "c", type: "bigint" },
        ]);
    });
});
