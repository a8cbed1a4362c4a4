/**
 * Pure parts of the export: the engine-neutral statements and their Athena and DuckDB dialects
 * (CREATE, MERGE, ALTER, OPTIMIZE, VACUUM, reconciliation, UNLOAD/COPY), schema comparison, the
 * plan of windows, chunks and watermarks, event and environment validation, the lease, backoff,
 * and the Connect schema and keys.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    CONNECT_DATASET_KEYS,
    CONNECT_TABLE_SCHEMAS,
    connectColumnNames,
    datasetKeys,
    DEFAULT_TIME_COLUMNS,
    parseColumnSpec,
    withDatasetDefaults,
} from "../lib/connectSchema";
import { athenaDialect, icebergType } from "../functions/athena/athenaSql";
import { icebergTables } from "../functions/athena/icebergTables";
import { addDays, daysBetween, isIsoDay } from "../functions/dates";
import { parseExportEvent, runIdFromInstant } from "../functions/event";
import * as index from "../functions/index";
import { acquireLease } from "../functions/lease";
import { createJsonLogger } from "../functions/log";
import { runMaintenance } from "../functions/maintenance";
import { createFsObjectStore } from "../functions/local/fsStore";
import { createLinkViewStatement, duckdbDdl, duckdbDialect } from "../functions/local/duckdbSql";
import { chunkDays, planTable, watermarkAfterChunk, type TablePlanInput } from "../functions/plan";
import { backoffDelay, POLL_BACKOFF, RETRY_BACKOFF } from "../functions/retry";
import { HANDLER_ENV_VARS, parseHandlerEnv, parseTableSpecs } from "../functions/settings";
import {
    compareSchema,
    firstDayStatement,
    quoteIdent,
    reconcile,
    selectColumns,
    statements,
    timeRangePredicate,
    type MergeSpec,
} from "../functions/sql";
import type { ExportTableSpec, TableRunEntry } from "../functions/types";
import { handlerEnv } from "./export-fakes";
import { CONTACTS_SPEC as contacts, USERS_SPEC as users } from "./export-tables";

const athena = athenaDialect();
/** A small contacts merge: four columns, one day. */
const spec = (extra: Partial<MergeSpec> = {}): MergeSpec => ({
    table: contacts,
    source: '"src"."contacts_link"',
    target: '"exp"."contacts"',
    columns: [
        { name: "instance_id", type: "string" },
        { name: "contact_id", type: "string" },
        { name: "initiation_timestamp", type: "timestamp" },
        { name: "last_update_timestamp", type: "timestamp" },
    ],
    window: { from: "2025-01-05", to: "2025-01-05" },
    ...extra,
});
const DAY = `"initiation_timestamp" >= TIMESTAMP '2025-01-05 00:00:00' AND "initiation_timestamp" < TIMESTAMP '2025-01-06 00:00:00'`;

describe("export statements (engine-neutral, Athena and DuckDB dialects)", () => {
    it("MERGE: the newest row per key of the window updates an older target row or inserts a new key", () => {
        assert.equal(
            statements(spec(), athena).merge,
            `MERGE INTO "exp"."contacts" AS "t" USING (` +
                `SELECT "instance_id", "contact_id", "initiation_timestamp", "last_update_timestamp" FROM (SELECT "instance_id", "contact_id", "initiation_timestamp", "last_update_timestamp", ` +
                `row_number() OVER (PARTITION BY "instance_id", "contact_id" ORDER BY "last_update_timestamp" DESC NULLS LAST, coalesce('=' || CAST("initiation_timestamp" AS VARCHAR), '') DESC) AS "__rn" ` +
                `FROM "src"."contacts_link" WHERE ${DAY} AND "instance_id" IS NOT NULL AND "contact_id" IS NOT NULL) AS "d" WHERE "__rn" = 1) AS "s" ` +
                `ON "t"."instance_id" = "s"."instance_id" AND "t"."contact_id" = "s"."contact_id" AND ${DAY.replace(/"initiation_timestamp"/g, '"t"."initiation_timestamp"')} ` +
                `WHEN MATCHED AND ("s"."last_update_timestamp" > "t"."last_update_timestamp" OR ("t"."last_update_timestamp" IS NULL AND "s"."last_update_timestamp" IS NOT NULL)) ` +
                `THEN UPDATE SET "initiation_timestamp" = "s"."initiation_timestamp", "last_update_timestamp" = "s"."last_update_timestamp" ` +
                `WHEN NOT MATCHED THEN INSERT ("instance_id", "contact_id", "initiation_timestamp", "last_update_timestamp") ` +
                `VALUES ("s"."instance_id", "s"."contact_id", "s"."initiation_timestamp", "s"."last_update_timestamp")`,
        );
        // DuckDB runs the same MERGE; only its partition pruning on the lake's dt is added to the source.
        assert.equal(
            statements(spec(), duckdbDialect).merge,
            statements(spec(), athena).merge.replace(
                `WHERE ${DAY}`,
                `WHERE "dt" >= DATE '2025-01-05' AND "dt" <= DATE '2025-01-05' AND ${DAY}`,
            ),
        );
        const snapshot = statements(
            spec({
                table: users,
                columns: [
                    { name: "user_id", type: "string" },
                    { name: "last_modified_timestamp", type: "timestamp" },
                ],
                window: undefined,
            }),
            athena,
        ).merge;
        assert.match(snapshot, /FROM "src"\."contacts_link" WHERE "user_id" IS NOT NULL\) AS "d"/);
        assert.match(
            snapshot,
            /ON "t"\."user_id" = "s"\."user_id" WHEN MATCHED/,
            "a snapshot merges against the whole target",
        );
    });

    it("reconciliation: one aggregate per side, per data day; the preview counts the MERGE's inserts and updates under its own conditions", () => {
        const s = statements(spec(), athena);
        assert.equal(
            s.preview,
            `SELECT "s"."__day" AS "day", count(*) AS "source_keys", sum("s"."__n") AS "source_rows", ` +
                `sum(CASE WHEN "t"."instance_id" IS NULL THEN 1 ELSE 0 END) AS "inserts", ` +
                `sum(CASE WHEN "t"."instance_id" IS NOT NULL AND ("s"."last_update_timestamp" > "t"."last_update_timestamp" OR ("t"."last_update_timestamp" IS NULL AND "s"."last_update_timestamp" IS NOT NULL)) THEN 1 ELSE 0 END) AS "updates" ` +
                `FROM (SELECT "instance_id", "contact_id", max("last_update_timestamp") AS "last_update_timestamp", count(*) AS "__n", CAST(min(CAST("initiation_timestamp" AS DATE)) AS VARCHAR) AS "__day" ` +
                `FROM "src"."contacts_link" WHERE ${DAY} AND "instance_id" IS NOT NULL AND "contact_id" IS NOT NULL GROUP BY "instance_id", "contact_id") AS "s" ` +
                `LEFT JOIN (SELECT "instance_id", "contact_id", "last_update_timestamp" FROM "exp"."contacts" WHERE ${DAY}) AS "t" ON "t"."instance_id" = "s"."instance_id" AND "t"."contact_id" = "s"."contact_id" ` +
                `GROUP BY "s"."__day"`,
        );
        assert.equal(
            s.target,
            `SELECT "__day" AS "day", count(*) AS "target_keys", sum("__n") AS "target_rows" FROM (SELECT "instance_id", "contact_id", count(*) AS "__n", ` +
                `CAST(min(CAST("initiation_timestamp" AS DATE)) AS VARCHAR) AS "__day" FROM "exp"."contacts" WHERE ${DAY} GROUP BY "instance_id", "contact_id") AS "g" GROUP BY "__day"`,
        );
        assert.match(
            statements(spec({ table: users, window: undefined }), athena).target,
            /'all' AS "__day" FROM "exp"\."contacts" GROUP BY/,
        );
        assert.equal(
            firstDayStatement(contacts, '"src"."contacts_link"', "2025-01-31", athena),
            `SELECT CAST(CAST(min("initiation_timestamp") AS DATE) AS VARCHAR) AS "first_day" FROM "src"."contacts_link" WHERE "initiation_timestamp" < TIMESTAMP '2025-02-01 00:00:00'`,
        );
    });

    it("reconcile compares day by day: duplicates or missing keys fail; days the source no longer has are kept; a snapshot may keep dropped keys", () => {
        const m = (entries: [string, number, number][]) =>
            new Map(entries.map(([d, keys, rows]) => [d, { keys, rows }]));
        assert.deepEqual(
            reconcile(
                m([["a", 10, 12]]),
                m([
                    ["a", 10, 10],
                    ["old", 5, 5],
                ]),
                false,
            ),
            { targetKeys: 10, targetRows: 10, problems: [] },
        );
        assert.deepEqual(reconcile(m([["a", 10, 12]]), m([["a", 10, 11]]), false).problems, [
            "a: 1 duplicate row(s) in the target",
        ]);
        assert.deepEqual(reconcile(m([["a", 10, 12]]), m([["a", 9, 9]]), false).problems, [
            "a: source 10 keys, target 9",
        ]);
        assert.deepEqual(reconcile(m([["a", 10, 12]]), m([]), false).problems, ["a: source 10 keys, target 0"]);
        assert.deepEqual(reconcile(m([["all", 10, 12]]), m([["all", 11, 11]]), true).problems, []);
        assert.deepEqual(reconcile(m([["all", 10, 12]]), m([["all", 9, 9]]), true).problems, [
            "all: source 10 keys, target 9",
        ]);
    });

    it("Athena has no DDL: the Iceberg tables are made through Glue, and the Glue table optimizers maintain them", () => {
        assert.equal("createTable" in athena, false);
        assert.equal("addColumns" in athena, false);
        assert.deepEqual(athena.maintenance("exp", "contacts"), []);
    });

    it("Glue CreateTable for an Iceberg table: by Name with no TableInput, Iceberg types and ids, partitioned by day of its time column", () => {
        const cols = [
            { name: "contact_id", type: "string" },
            { name: "initiation_timestamp", type: "timestamp" },
            { name: "attributes", type: "map<string,string>" },
            { name: "n", type: "smallint" },
            { name: "code", type: "varchar(10)" },
            { name: "tags", type: "array<struct<k:string,v:bigint>>" },
            { name: "amount", type: "decimal(10,2)" },
        ];
        const input = icebergTables().create({
            database: "exp",
            table: "contacts",
            columns: cols,
            partitionDay: "initiation_timestamp",
            location: "s3://bucket/connect/iceberg/contacts/",
        });
        assert.equal(input.Name, "contacts");
        assert.equal("TableInput" in input, false, "a TableInput makes Glue look for the location there");
        const iceberg = input.OpenTableFormatInput.IcebergInput;
        assert.equal(iceberg.MetadataOperation, "CREATE");
        assert.equal(iceberg.CreateIcebergTableInput.Location, "s3://bucket/connect/iceberg/contacts/");
        assert.deepEqual(
            iceberg.CreateIcebergTableInput.Schema.Fields.map((f) => [f.Id, f.Name, f.Type, f.Required]),
            [
                [1, "contact_id", "string", false],
                [2, "initiation_timestamp", "timestamp", false],
                // Iceberg assigns a struct's own field ids first, then nested ones: the map's key and value 8, 9.
                [
                    3,
                    "attributes",
                    {
                        type: "map",
                        "key-id": 8,
                        key: "string",
                        "value-id": 9,
                        value: "string",
                        "value-required": false,
                    },
                    false,
                ],
                [4, "n", "int", false],
                [5, "code", "string", false],
                [
                    6,
                    "tags",
                    {
                        type: "list",
                        "element-id": 10,
                        element: {
                            type: "struct",
                            fields: [
                                { id: 11, name: "k", required: false, type: "string" },
                                { id: 12, name: "v", required: false, type: "long" },
                            ],
                        },
                        "element-required": false,
                    },
                    false,
                ],
                [7, "amount", "decimal(10,2)", false],
            ],
        );
        assert.deepEqual(iceberg.CreateIcebergTableInput.PartitionSpec, {
            SpecId: 0,
            Fields: [{ SourceId: 2, Transform: "day", Name: "initiation_timestamp_day", FieldId: 1000 }],
        });
        const users = icebergTables().create({
            database: "exp",
            table: "users",
            columns: cols,
            location: "s3://b/u/",
        });
        assert.equal("PartitionSpec" in users.OpenTableFormatInput.IcebergInput.CreateIcebergTableInput, false);
        assert.throws(
            () =>
                icebergTables().create({
                    database: "e",
                    table: "t",
                    columns: [{ name: "x", type: "string; DROP TABLE y" }],
                    location: "s3://b/t/",
                }),
            /unsupported column type/,
        );
        assert.throws(
            () =>
                icebergTables().create({
                    database: "e",
                    table: "t",
                    columns: cols,
                    partitionDay: "nope",
                    location: "s3://b/t/",
                }),
            /partition column nope is not a column/,
        );
    });

    it("Glue UpdateTable adding columns: the current schema's fields and ids kept, new ids after last-column-id, a new schema id", () => {
        const metadata = {
            location: "s3://bucket/connect/iceberg/contacts",
            "last-column-id": 12,
            "current-schema-id": 1,
            schemas: [
                { "schema-id": 0, fields: [{ id: 1, name: "a", required: false, type: "string" }] },
                {
                    "schema-id": 1,
                    fields: [
                        { id: 1, name: "a", required: false, type: "string" },
                        {
                            id: 2,
                            name: "m",
                            required: false,
                            type: {
                                type: "map" as const,
                                "key-id": 3,
                                key: "string",
                                "value-id": 4,
                                value: "string",
                                "value-required": false,
                            },
                        },
                    ],
                },
            ],
        };
        const input = icebergTables().addColumns(
            { database: "exp", table: "contacts", location: "s3://x/" },
            metadata,
            [
                { name: "b", type: "bigint" },
                { name: "l", type: "array<string>" },
            ],
        );
        assert.equal(input.Name, "contacts");
        assert.equal("TableInput" in input, false, "a TableInput would replace the table's definition");
        const [update] = input.UpdateOpenTableFormatInput.UpdateIcebergInput.UpdateIcebergTableInput.Updates;
        assert.equal(update.Location, "s3://bucket/connect/iceberg/contacts");
        assert.equal(update.Schema.SchemaId, 2);
        assert.deepEqual(
            update.Schema.Fields.map((f) => [f.Id, f.Name]),
            [
                [1, "a"],
                [2, "m"],
                [13, "b"],
                [14, "l"],
            ],
        );
        assert.deepEqual((update.Schema.Fields[3].Type as unknown as { "element-id": number })["element-id"], 15);
        assert.throws(
            () =>
                icebergTables().addColumns({ database: "e", table: "t", location: "s3://x/" }, {}, [
                    { name: "b", type: "int" },
                ]),
            /no current schema/,
        );
    });

    it("column types compare as Iceberg stores them (Athena) or exactly (DuckDB)", () => {
        assert.equal(icebergType("VARCHAR(20)"), "string");
        assert.equal(icebergType("struct<char:string, n:tinyint>"), "struct<char:string,n:int>");
        assert.ok(athena.sameType("smallint", "int"));
        assert.ok(athena.sameType("array<varchar(5)>", "array<string>"));
        assert.ok(!athena.sameType("bigint", "int"));
        assert.ok(duckdbDialect.sameType("MAP(VARCHAR, VARCHAR)", "MAP(VARCHAR,VARCHAR)"));
        assert.ok(!duckdbDialect.sameType("BIGINT", "INTEGER"));
    });

    it("files target: the newest row per key with its data day last, written partitioned (UNLOAD on Athena, COPY on DuckDB)", () => {
        const s = statements(spec(), athena);
        assert.match(
            s.files,
            /^SELECT "instance_id", "contact_id", "initiation_timestamp", "last_update_timestamp", CAST\(CAST\("initiation_timestamp" AS DATE\) AS VARCHAR\) AS "dt" FROM \(SELECT .* WHERE "__rn" = 1$/,
        );
        assert.equal(
            athena.writeFiles("SELECT 1", "s3://bucket/connect/contacts/run=r/1-2025-01-05/", "parquet", true),
            "UNLOAD (SELECT 1) TO 's3://bucket/connect/contacts/run=r/1-2025-01-05/' WITH (format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY['dt'])",
        );
        assert.equal(
            athena.writeFiles("SELECT 1", "s3://bucket/x/", "csv", false),
            "UNLOAD (SELECT 1) TO 's3://bucket/x/' WITH (format = 'TEXTFILE', field_delimiter = ',')",
        );
        assert.equal(
            duckdbDialect.writeFiles("SELECT 1", "/o/x/", "parquet", true),
            `COPY (SELECT 1) TO '/o/x/' (FORMAT PARQUET, COMPRESSION SNAPPY, PARTITION_BY ("dt"))`,
        );
        assert.equal(
            duckdbDialect.writeFiles("SELECT 1", "/o/x", "csv", false),
            `COPY (SELECT 1) TO '/o/x/data_0.csv.gz' (FORMAT CSV, HEADER true, COMPRESSION GZIP)`,
        );
        assert.match(
            statements(spec(), athena).days,
            /^SELECT "__day" AS "day", count\(\*\) AS "keys", sum\("__n"\) AS "rows" FROM/,
        );
    });

    it("DuckDB dialect: tables in the attached export database, one ALTER per column, CHECKPOINT and VACUUM; lake views read by name union", () => {
        assert.equal(
            duckdbDdl.createTable({
                database: "exp",
                table: "t",
                columns: [{ name: "a", type: "MAP(VARCHAR, VARCHAR)" }],
            }),
            'CREATE TABLE IF NOT EXISTS "exp"."t" ("a" MAP(VARCHAR, VARCHAR))',
        );
        assert.deepEqual(
            duckdbDdl.addColumns("exp", "t", [
                { name: "a", type: "VARCHAR" },
                { name: "b", type: "BIGINT" },
            ]),
            ['ALTER TABLE "exp"."t" ADD COLUMN "a" VARCHAR', 'ALTER TABLE "exp"."t" ADD COLUMN "b" BIGINT'],
        );
        assert.deepEqual(
            duckdbDialect.maintenance("exp", "t").map((s) => s.sql),
            ['CHECKPOINT "exp"', 'VACUUM ANALYZE "exp"."t"'],
        );
        assert.match(
            createLinkViewStatement("/lake", "src", contacts),
            /^CREATE OR REPLACE VIEW "src"\."contacts_link" AS SELECT \* FROM read_parquet\('\/lake\/contacts\/dt=\*\/\*\.parquet', hive_partitioning = true, union_by_name = true/,
        );
        assert.throws(() => createLinkViewStatement("/t/gl/a*b", "src", contacts), /glob character/);
    });

    it("equal versions are ordered by the other columns' text, in table order, leaving out a column Athena cannot cast (binary)", () => {
        const merge = statements(
            spec({
                columns: [...spec().columns, { name: "payload", type: "binary" }, { name: "channel", type: "string" }],
            }),
            athena,
        ).merge;
        assert.equal(
            /ORDER BY (.*?)\) AS "__rn"/.exec(merge)?.[1],
            `"last_update_timestamp" DESC NULLS LAST, ` +
                `coalesce('=' || CAST("initiation_timestamp" AS VARCHAR), '') || chr(31) || coalesce('=' || CAST("channel" AS VARCHAR), '') DESC`,
        );
    });

    it("every column the MERGE's ON clause names is qualified by its side (Trino refuses a column both sides have, unqualified)", () => {
        for (const d of [athena, duckdbDialect]) {
            const merge = statements(spec({ window: { from: "2025-01-01", to: "2025-01-02" } }), d).merge;
            const on = / AS "s" ON (.*?) WHEN /.exec(merge)![1];
            const columns = on.match(/("[a-z_]+"\.)?"[a-z_]+"/g)!;
            assert.ok(columns.length >= 4, on);
            for (const c of columns) assert.match(c, /^"[ts]"\."[a-z_]+"$/, `${d.name}: ${c} in ON ${on}`);
            assert.match(on, /"t"\."initiation_timestamp" >= TIMESTAMP '2025-01-01 00:00:00'/, "the target's window");
        }
    });

    it("identifiers and dates are validated, never spliced in raw", () => {
        assert.throws(() => quoteIdent('x" OR 1=1 --'), /not a plain SQL identifier/);
        // Refused wherever the stray character is: first, in the middle, or before a plain tail.
        for (const name of ["1st", "a b", 'x" OR y', "t; DROP TABLE x"]) {
            assert.throws(() => quoteIdent(name), /not a plain SQL identifier/, name);
        }
        assert.equal(quoteIdent("_a1"), '"_a1"');
        assert.throws(() => timeRangePredicate("t", { from: "2025-01-01'", to: "2025-01-02" }), /not a range of dates/);
        assert.equal(timeRangePredicate("t", { to: "2025-01-31" }), `"t" < TIMESTAMP '2025-02-01 00:00:00'`);
    });
});

describe("export columns and schema drift", () => {
    const source = [
        { name: "instance_id", type: "string" },
        { name: "contact_id", type: "string" },
        { name: "initiation_timestamp", type: "timestamp" },
        { name: "last_update_timestamp", type: "timestamp" },
        { name: "customer_endpoint_address", type: "string" },
    ];

    it("selects the real columns minus the excluded ones; a misspelt exclusion or a missing key column is an error", () => {
        assert.deepEqual(
            selectColumns({ ...contacts, excludedColumns: ["customer_endpoint_address"] }, source).map((c) => c.name),
            ["instance_id", "contact_id", "initiation_timestamp", "last_update_timestamp"],
        );
        assert.throws(
            () => selectColumns({ ...contacts, excludedColumns: ["customer_endpoint_adress"] }, source),
            /excluded column customer_endpoint_adress does not exist \(misspelt\?\) in contacts_link/,
        );
        assert.throws(
            () => selectColumns({ ...contacts, versionColumn: "updated_at" }, source),
            /key, version or time column updated_at does not exist/,
        );
    });

    it("new source columns are to be added; a changed type or a vanished column is a problem saying what to do", () => {
        const target = source.slice(0, 4);
        assert.deepEqual(compareSchema(contacts, "exp.contacts", source, target, athena.sameType), {
            added: [source[4]],
        });
        const changed = compareSchema(
            contacts,
            "exp.contacts",
            [{ ...source[0], type: "bigint" }, ...source.slice(1, 4)],
            target,
            athena.sameType,
        );
        assert.match(
            changed.problem!,
            /column instance_id changed type from string to bigint\. The export changes no type and drops no column itself: restore the source, or alter exp\.contacts to match/,
        );
        const vanished = compareSchema(contacts, "exp.contacts", source.slice(0, 3), target, athena.sameType);
        assert.match(vanished.problem!, /column last_update_timestamp is gone from contacts_link or now excluded/);
    });

    it("every problem of a table's columns in one message, with the link's columns (the first 40) to choose from", () => {
        const wide = [...source, ...Array.from({ length: 40 }, (_, i) => ({ name: `extra_${i}`, type: "string" }))];
        assert.throws(
            () => selectColumns({ ...contacts, excludedColumns: ["emial"], versionColumn: "updated_at" }, wide),
            (err: Error) => {
                assert.equal(
                    err.message,
                    "contacts: excluded column emial does not exist (misspelt?); key, version or time column updated_at does not exist " +
                        `in contacts_link, whose columns are ${wide
                            .slice(0, 40)
                            .map((c) => c.name)
                            .join(", ")}.`,
                );
                assert.ok(!err.message.includes("extra_35,"), "the 41st column and after are left out");
                return true;
            },
        );
    });

    it("a drift of two columns names both and says each way out: restore, alter, or drop the target and its watermark", () => {
        const target = source.slice(0, 4);
        const { problem } = compareSchema(
            contacts,
            "exp.contacts",
            [{ ...source[0], type: "bigint" }, ...source.slice(1, 3)],
            target,
            athena.sameType,
        );
        assert.equal(
            problem,
            "the source schema drifted: column instance_id changed type from string to bigint; " +
                "column last_update_timestamp is gone from contacts_link or now excluded. " +
                "The export changes no type and drops no column itself: restore the source, or alter exp.contacts to match " +
                "(ALTER TABLE ... ALTER COLUMN / DROP COLUMN), or drop exp.contacts and delete its watermark to reload it; then run again",
        );
    });
});

describe("export plan: windows, chunks and watermarks", () => {
    const base: TablePlanInput = {
        table: contacts,
        runDate: "2025-02-01",
        lookbackDays: 3,
        watermark: undefined,
        force: false,
    };
    const prev = (fields: Partial<TableRunEntry>) =>
        ({
            mode: "incremental",
            status: "failed",
            window: { from: "2025-01-20", to: "2025-01-31" },
            committedThrough: null,
            runAttempt: 1,
            ...fields,
        }) as TableRunEntry;

    it("windows: a first load from the source's first day; the days since the watermark plus the lookback; a backfill exactly, never past the last complete day", () => {
        assert.deepEqual(planTable(base), { action: "run", mode: "incremental", window: { to: "2025-01-31" } });
        assert.deepEqual(planTable({ ...base, watermark: "2025-01-29" }), {
            action: "run",
            mode: "incremental",
            window: { from: "2025-01-27", to: "2025-01-31" },
        });
        assert.deepEqual(
            planTable({ ...base, watermark: "2025-01-31" }).action,
            "run",
            "the lookback re-reads recent days even when up to date",
        );
        assert.equal(planTable({ ...base, watermark: "2025-01-31", lookbackDays: 0 }).action, "upToDate");
        assert.deepEqual(planTable({ ...base, backfill: { from: "2025-01-05", to: "2025-03-01" } }), {
            action: "run",
            mode: "backfill",
            window: { from: "2025-01-05", to: "2025-01-31" },
        });
        assert.equal(planTable({ ...base, backfill: { from: "2025-02-05", to: "2025-03-01" } }).action, "upToDate");
        assert.deepEqual(planTable({ ...base, table: users }), { action: "run", mode: "snapshot" });
    });

    it("re-runs of a run id: what succeeded is kept (or redone on force with the same days); what failed resumes after its last committed chunk; another request simply runs", () => {
        assert.equal(planTable({ ...base, previous: prev({ status: "succeeded" }) }).action, "reuse");
        assert.deepEqual(planTable({ ...base, force: true, previous: prev({ status: "succeeded" }) }), {
            action: "run",
            mode: "incremental",
            window: { from: "2025-01-20", to: "2025-01-31" },
        });
        assert.deepEqual(planTable({ ...base, previous: prev({ committedThrough: "2025-01-26" }) }), {
            action: "run",
            mode: "incremental",
            window: { from: "2025-01-20", to: "2025-01-31" },
            resumeFrom: "2025-01-27",
        });
        assert.equal(
            planTable({ ...base, previous: prev({ status: "incomplete", committedThrough: "2025-01-31" }) }).action,
            "upToDate",
        );
        assert.deepEqual(
            planTable({
                ...base,
                backfill: { from: "2025-01-05", to: "2025-01-07" },
                previous: prev({ status: "succeeded" }),
            }).action,
            "run",
        );
    });

    it("chunks of at most N days, oldest first", () => {
        assert.deepEqual(chunkDays({ from: "2025-01-01", to: "2025-01-10" }, 4), [
            { from: "2025-01-01", to: "2025-01-04" },
            { from: "2025-01-05", to: "2025-01-08" },
            { from: "2025-01-09", to: "2025-01-10" },
        ]);
        assert.equal(chunkDays({ from: "2023-01-01", to: "2025-01-31" }, 100).length, 8);
    });

    it("the watermark moves with each committed chunk, never backwards, never past the end day, never set by a backfill", () => {
        const end = "2025-01-31";
        assert.equal(
            watermarkAfterChunk("incremental", undefined, { from: "2024-12-01", to: "2024-12-07" }, end),
            "2024-12-07",
            "first load",
        );
        assert.equal(
            watermarkAfterChunk("incremental", "2025-01-20", { from: "2025-01-18", to: "2025-01-24" }, end),
            "2025-01-24",
        );
        assert.equal(
            watermarkAfterChunk("incremental", "2025-01-20", { from: "2025-01-18", to: "2025-02-05" }, end),
            "2025-01-31",
        );
        assert.equal(
            watermarkAfterChunk("backfill", undefined, { from: "2025-01-05", to: "2025-01-07" }, end),
            undefined,
        );
        assert.equal(
            watermarkAfterChunk("backfill", "2025-01-20", { from: "2025-01-05", to: "2025-01-07" }, end),
            "2025-01-20",
        );
        assert.equal(
            watermarkAfterChunk("backfill", "2025-01-20", { from: "2025-01-21", to: "2025-01-25" }, end),
            "2025-01-25",
            "no gap: moves",
        );
        assert.equal(
            watermarkAfterChunk("backfill", "2025-01-20", { from: "2025-01-23", to: "2025-01-25" }, end),
            "2025-01-20",
            "a gap: stays",
        );
    });
});

describe("export event validation", () => {
    const now = Date.parse("2025-02-03T10:15:00Z");
    const tables = ["users", "contacts", "agent_hierarchy_groups"];
    const parse = (event: unknown) => parseExportEvent(event, now, tables);
    const problems = (event: unknown) => {
        try {
            parse(event);
        } catch (err) {
            return (err as Error).message;
        }
        throw new Error("expected a rejection");
    };

    it("derives the run id and date from the schedule's time; a maintenance event; a manual run", () => {
        assert.deepEqual(parse({ scheduledTime: "2025-01-31T02:00:00Z" }), {
            runId: "20250131T020000Z",
            runDate: "2025-01-31",
            trigger: "schedule",
            force: false,
            scheduledTime: "2025-01-31T02:00:00.000Z",
        });
        assert.equal(runIdFromInstant(Date.parse("2025-01-31T02:00:00.123Z")), "20250131T020000Z");
        assert.deepEqual(parse({ maintenance: true }), {
            runId: "20250203T101500Z",
            runDate: "2025-02-03",
            trigger: "maintenance",
            force: false,
            maintenance: true,
        });
        assert.deepEqual(parse({ runId: "x-1" }), {
            runId: "x-1",
            runDate: undefined,
            trigger: "manual",
            force: false,
        });
        assert.deepEqual(parse({ tables: ["contacts", "contacts"], from: "2025-01-01", to: "2025-01-02" }).tables, [
            "contacts",
        ]);
    });

    it("an impossible scheduledTime is an error, not a rolled-over date", () => {
        assert.match(
            problems({ scheduledTime: "2025-02-30T02:00:00Z" }),
            /"scheduledTime" must be a real instant .* got "2025-02-30T02:00:00Z"/,
        );
        assert.match(problems({ scheduledTime: "2025-02-01T24:00:00Z" }), /scheduledTime/);
        assert.match(problems({ scheduledTime: "yesterday" }), /scheduledTime/);
    });

    it("rejects malformed events naming each field; repeated lists are capped so a huge event makes a short error", () => {
        const message = problems({
            tables: Array.from({ length: 100_000 }, (_, i) => `t${i}`),
            surprise: 1,
            force: "yes",
            from: "2025-01-01",
        });
        assert.match(message, /malformed export event \(4 problem\(s\)\)/);
        assert.match(message, /"tables" names "t0", "t1", .* "t9" and 99990 more, not configured/);
        assert.match(message, /a backfill needs both "from" and "to"/);
        assert.match(message, /"force" must be true or false, got "yes"/);
        assert.ok(message.length < 1_000, `${message.length} characters`);
        const fields = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`f${i}`, 1]));
        assert.ok(problems(fields).length < 1_000);
        assert.match(problems({ maintenance: true, from: "2025-01-01", to: "2025-01-02" }), /"maintenance" runs alone/);
        assert.match(problems(["contacts"]), /the event must be a JSON object/);
        assert.match(problems({ tables: [] }), /"tables" must be a non-empty array/);
    });
});

describe("export environment and table specs", () => {
    it("parses the contract, with defaults for the export database, target, format, lookback, chunks and log level", () => {
        const s = parseHandlerEnv(
            handlerEnv({
                EXPORT_DATABASE: undefined,
                EXPORT_TARGET: undefined,
                EXPORT_FORMAT: undefined,
                LOOKBACK_DAYS: undefined,
                CHUNK_DAYS: undefined,
                LOG_LEVEL: undefined,
            }),
        );
        assert.deepEqual(
            {
                db: s.exportDatabase,
                target: s.target,
                format: s.format,
                lookback: s.lookbackDays,
                chunk: s.chunkDays,
                log: s.logLevel,
            },
            {
                db: "connect_analytics_exports",
                target: "iceberg",
                format: "parquet",
                lookback: 3,
                chunk: 7,
                log: "INFO",
            },
        );
        assert.equal(s.tables[1].primaryKey!.join(","), "instance_id,contact_id");
        assert.equal(s.tables[1].exportMode, "merge", "a spec without exportMode is a merge (the earlier contract)");
        assert.equal(
            parseHandlerEnv(handlerEnv({ LOOKBACK_DAYS: undefined, LATE_DATA_OVERLAP_DAYS: "2" })).lookbackDays,
            2,
            "the old name still works",
        );
        assert.deepEqual(
            [...HANDLER_ENV_VARS],
            [
                "EXPORT_BUCKET",
                "EXPORT_PREFIX",
                "ATHENA_WORKGROUP",
                "SOURCE_DATABASE",
                "EXPORT_DATABASE",
                "TABLES_OBJECT",
                "TABLES_SHA256",
                "EXPORT_TARGET",
                "EXPORT_FORMAT",
                "LOOKBACK_DAYS",
                "CHUNK_DAYS",
                "RECONCILE_EVERY_DAYS",
                "LOG_LEVEL",
            ],
        );
    });

    it("names every bad variable and the fix", () => {
        assert.throws(
            () =>
                parseHandlerEnv(
                    handlerEnv({
                        EXPORT_PREFIX: "state/x",
                        CHUNK_DAYS: "101",
                        EXPORT_DATABASE: "Bad-Name",
                        TABLES_JSON: "[",
                    }),
                ),
            (err: Error & { problems?: string[] }) => {
                assert.deepEqual(
                    err.problems!.map((p) => p.split(":")[0]),
                    ["EXPORT_PREFIX", "EXPORT_DATABASE", "CHUNK_DAYS", "TABLES_JSON"],
                );
                assert.match(err.message, /CHUNK_DAYS: got "101"; whole days from 1 to 100/);
                return true;
            },
        );
    });

    it("an EXPORT_PREFIX over 256 characters is refused with the rule (S3 keys stop at 1,024 bytes)", () => {
        assert.doesNotThrow(() => parseHandlerEnv(handlerEnv({ EXPORT_PREFIX: "p".repeat(256) })));
        assert.throws(
            () => parseHandlerEnv(handlerEnv({ EXPORT_PREFIX: "p".repeat(257) })),
            (err: Error & { problems?: string[] }) => {
                assert.equal(err.problems!.length, 1);
                assert.match(err.problems![0], /^EXPORT_PREFIX: .*at most 256 characters/);
                return true;
            },
        );
    });

    it("table specs need a primary key and a version column; the key, version and time columns cannot be excluded; names are unique", () => {
        const ok = { name: "t", linkName: "t_link", primaryKey: ["id"], versionColumn: "v" };
        assert.deepEqual(parseTableSpecs([ok]).problems, []);
        const { problems } = parseTableSpecs([
            { name: "a", linkName: "a_link" },
            { ...ok, excludedColumns: ["v"] },
            { ...ok, versionColumn: "id" },
            { ...ok, extra: 1 },
            ok,
            ok,
        ]);
        assert.match(
            problems[0],
            /^\[0\] must be \{name, linkName, exportMode\?: merge\|insertOnly\|snapshot, primaryKey: \[columns\] \(merge, insertOnly\), versionColumn \(merge\).*: versionColumn, primaryKey/,
        );
        assert.match(problems[1], /excludes v, which the export needs/);
        assert.match(problems[2], /versionColumn is in primaryKey/);
        assert.match(problems[3], /unknown field extra/);
        // insertOnly needs a key, snapshot nothing (and reads the table whole: no time column).
        const modes = parseTableSpecs([
            { name: "e", linkName: "e_link", exportMode: "insertOnly", primaryKey: ["id"], timeColumn: "ts" },
            { name: "s", linkName: "s_link", exportMode: "snapshot", timeColumn: "ts" },
            { name: "x", linkName: "x_link", exportMode: "insertOnly" },
            { name: "y", linkName: "y_link", exportMode: "upsert", primaryKey: ["id"], versionColumn: "v" },
        ]);
        assert.deepEqual(modes.tables, [
            { name: "e", linkName: "e_link", exportMode: "insertOnly", primaryKey: ["id"], timeColumn: "ts" },
            { name: "s", linkName: "s_link", exportMode: "snapshot" },
        ]);
        assert.match(modes.problems[0], /^\[2\] .*: primaryKey/);
        assert.match(modes.problems[1], /^\[3\] .*: exportMode/);
        assert.match(problems[4], /name t appears more than once/);
    });

    it("the Connect datasets' keys and modes fill in what a table entry leaves out; an unknown table without a key is a snapshot with one warning", () => {
        assert.deepEqual(datasetKeys("contacts"), CONNECT_DATASET_KEYS.contact_record);
        assert.equal(datasetKeys("routing_profiles")!.primaryKey![0], "agent_routing_profile_id");
        const { entries, problems, warnings } = withDatasetDefaults([
            { name: "users" },
            { name: "custom_table", versionColumn: "updated_at" },
            { name: "contact_flow_events" },
            { name: "agent_statistic_record" },
            { name: "my_events", primaryKey: ["id"] },
            { name: "my_merge", exportMode: "merge", primaryKey: ["id"] },
        ]);
        assert.deepEqual(entries[0], {
            name: "users",
            exportMode: "merge",
            primaryKey: ["user_id"],
            versionColumn: "last_modified_timestamp",
        });
        assert.deepEqual(
            entries.map((e) => e.exportMode),
            ["merge", "snapshot", "insertOnly", "snapshot", "insertOnly", "merge"],
        );
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(
            warnings[0],
            /custom_table is not a dataset .* snapshot .* set "primaryKey" .* and "versionColumn"/,
        );
        assert.deepEqual(problems, [
            'table my_merge: exportMode merge needs "versionColumn" (the column whose greatest value is a record\'s latest version), which the entry does not set; set it, or use exportMode insertOnly.',
        ]);
        assert.equal(DEFAULT_TIME_COLUMNS.contacts, "initiation_timestamp");
        assert.equal(DEFAULT_TIME_COLUMNS.agent_queue_statistic_record, "interval_start_time");
    });

    it("index exports the handler, the env contract and the AWS actions", () => {
        assert.equal(typeof index.exportHandler, "function");
        assert.deepEqual([...index.HANDLER_ENV_VARS], [...HANDLER_ENV_VARS]);
        assert.ok(index.HANDLER_AWS_ACTIONS.athena.includes("athena:GetQueryResults"));
        assert.ok(index.HANDLER_AWS_ACTIONS.glueExportTables.includes("glue:UpdateTable"));
    });
});

describe("run lease (on the local exports folder)", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const want = (owner: string, nowMs: number, fields: Record<string, unknown> = {}) => ({
        runId: `run-${owner}`,
        owner,
        nowMs,
        untilMs: nowMs + 60_000,
        ...fields,
    });

    it("one holder at a time; a second run learns who holds it until when; released or expired leases are taken over", async () => {
        const store = createFsObjectStore(dir);
        const a = await acquireLease(store, want("a", 1_000));
        await assert.rejects(
            acquireLease(store, want("b", 2_000)),
            /run run-a holds the lease until 1970-01-01T00:01:01\.000Z/,
        );
        await a.release(3_000);
        const b = await acquireLease(store, want("b", 4_000));
        assert.equal(b.tookOver!.owner, "a");
        const c = await acquireLease(store, want("c", 70_000));
        assert.equal(c.tookOver!.owner, "b", "b's lease expired");
        await b.release(71_000);
        assert.equal(
            JSON.parse(fs.readFileSync(path.join(dir, "state/lease.json"), "utf8")).owner,
            "c",
            "an expired holder's release leaves the new holder's lease alone",
        );
    });

    it("a holder known to be dead (locally: its process is gone) is taken over before expiry; an unreadable lease is an error", async () => {
        const store = createFsObjectStore(dir);
        await acquireLease(store, want("a", 1_000));
        const b = await acquireLease(store, want("b", 2_000, { ownerAlive: (o: string) => o !== "a" }));
        assert.equal(b.tookOver!.owner, "a");
        fs.writeFileSync(path.join(dir, "state/lease.json"), "{");
        await assert.rejects(
            acquireLease(store, want("c", 3_000)),
            /lease .* is not a lease record; delete it if no export is running/,
        );
    });
    it("a lease whose expiry is this very instant is free: a run starting then takes it over", async () => {
        const store = createFsObjectStore(dir);
        await acquireLease(store, want("a", 1_000)); // until 61_000
        await assert.rejects(acquireLease(store, want("b", 60_999)), /run run-a holds the lease/);
        const c = await acquireLease(store, want("c", 61_000));
        assert.equal(c.tookOver!.owner, "a");
    });

    it("a held lease's error says how to free a crashed holder's lease and carries the holder's record", async () => {
        const store = createFsObjectStore(dir);
        const a = await acquireLease(store, want("a", 1_000));
        const err = await acquireLease(store, want("b", 2_000)).then(
            () => assert.fail("the second run got the lease"),
            (e: Error & { code?: string; holder?: unknown }) => e,
        );
        assert.equal(err.code, "LEASE_HELD");
        assert.match(
            err.message,
            /If no export is running \(its owner crashed on another machine\), delete \S*state\/lease\.json and run again/,
        );
        assert.deepEqual(err.holder, a.record, "the holder, for the caller to name (npm start names its process)");
    });

    it("maintenance takes its own lease, not the run's: while a run holds the run lease it skips each table naming that run", async () => {
        const store = createFsObjectStore(dir);
        await acquireLease(store, want("export", 1_000));
        const table = (name: string): ExportTableSpec => ({
            name,
            linkName: `${name}_link`,
            timeColumn: "t",
            primaryKey: ["id"],
            versionColumn: "v",
            exportMode: "merge",
        });
        const summary = await runMaintenance({
            settings: {
                prefix: "connect",
                target: "iceberg",
                format: "parquet",
                lookbackDays: 3,
                chunkDays: 30,
                sourceDatabase: "src",
                exportDatabase: "exp",
                tables: [table("users"), table("contacts")],
            },
            request: { runId: "maintenance-1", runDate: "1970-01-01", trigger: "maintenance", force: false },
            engine: {} as never, // never reached: every table is skipped before any statement
            store,
            log: createJsonLogger("ERROR", () => undefined),
            clock: { now: () => 2_000, sleep: async () => undefined, random: () => 0.5 },
            remainingMs: () => Infinity,
            owner: "maintainer",
        });
        assert.deepEqual(
            summary.tables.map((t) => [t.table, t.status, t.error]),
            [
                ["users", "skipped", "export run run-export is running; merges go first"],
                ["contacts", "skipped", "export run run-export is running; merges go first"],
            ],
        );
        const read = (key: string) => JSON.parse(fs.readFileSync(path.join(dir, key), "utf8"));
        assert.equal(read("state/lease.json").owner, "export", "the run's lease is untouched");
        assert.deepEqual(
            [read("state/maintenance-lease.json").owner, read("state/maintenance-lease.json").released],
            ["maintainer", true],
        );
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
    });

    it("dates are real UTC days", () => {
        assert.equal(isIsoDay("2024-02-29"), true);
        assert.equal(isIsoDay("2025-02-29"), false);
        assert.equal(addDays("2025-03-01", -1), "2025-02-28");
        assert.deepEqual(daysBetween("2025-01-30", "2025-02-01"), ["2025-01-30", "2025-01-31", "2025-02-01"]);
    });

    it("describes users, contacts (= contact_record) and agent_hierarchy_groups with their keys and version columns", () => {
        assert.deepEqual(Object.keys(CONNECT_TABLE_SCHEMAS).sort(), [
            "agent_hierarchy_groups",
            "contact_record",
            "contacts",
            "users",
        ]);
        assert.deepEqual(CONNECT_TABLE_SCHEMAS.contacts, CONNECT_TABLE_SCHEMAS.contact_record);
        assert.deepEqual(CONNECT_TABLE_SCHEMAS.contacts.primaryKey, ["instance_id", "contact_id"]);
        assert.equal(CONNECT_TABLE_SCHEMAS.contacts.versionColumn, "last_update_timestamp");
        assert.equal(CONNECT_TABLE_SCHEMAS.users.versionColumn, "last_modified_timestamp");
        assert.equal(CONNECT_TABLE_SCHEMAS.users.timeColumn, undefined);
        for (const schema of Object.values(CONNECT_TABLE_SCHEMAS)) {
            const names = schema.columns.map((c) => c.name);
            assert.equal(new Set(names).size, names.length, "no duplicate columns");
            for (const key of [
                ...(schema.primaryKey ?? []),
                schema.versionColumn!,
                ...(schema.timeColumn ? [schema.timeColumn] : []),
            ]) {
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
        assert.equal(connectColumnNames("routing_profiles"), undefined);
        assert.deepEqual(parseColumnSpec("a:varchar,b:map(varchar,varchar)*"), [
            { name: "a", type: "varchar" },
            { name: "b", type: "map(varchar,varchar)", pii: true },
        ]);
    });
});
