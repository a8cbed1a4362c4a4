/**
 * Test doubles for the export handler: an in-memory exports bucket (with S3's conditional-write
 * answers), Glue tables, and an Athena that recognises the export's statements, all behind
 * aws-sdk-client-mock, plus a fake clock so backoff and polling never really sleep.
 *
 * The fake Athena keeps a tiny model of each target: which data days a MERGE has committed. A
 * preview of a day reports 10 keys (12 rows: the source's duplicates), all of them inserts until a
 * MERGE of that day succeeded; the target side then reports those 10 keys. So a failed MERGE
 * leaves nothing behind, and a re-run merges again. UNLOAD writes one file per data day it was
 * asked for.
 *
 * The export's tables live in a Lake Formation-registered location, where Athena runs no DDL
 * (athena/latest/ug/querying-iceberg.html, "Considerations and limitations"): the fake Athena
 * fails CREATE TABLE, ALTER TABLE, OPTIMIZE and VACUUM on them. Glue makes and evolves them as AWS
 * does: CreateTable by Name with CreateIcebergTableInput (a TableInput beside it is refused, as
 * Glue refuses it), UpdateTable by Name with the whole new Iceberg schema, whose existing fields
 * must keep their ids and new ones take ids past last-column-id. Each table's Iceberg metadata
 * file sits in the fake bucket at its `metadata_location`.
 */
import {
    AthenaClient,
    GetQueryExecutionCommand,
    GetQueryResultsCommand,
    GetQueryRuntimeStatisticsCommand,
    StartQueryExecutionCommand,
    StopQueryExecutionCommand,
    TooManyRequestsException,
    type GetQueryExecutionOutput,
} from "@aws-sdk/client-athena";
import {
    AlreadyExistsException,
    CreateTableCommand,
    EntityNotFoundException,
    GetTableCommand,
    GlueClient,
    InvalidInputException,
    UpdateTableCommand,
    type CreateTableRequest,
    type UpdateTableRequest,
} from "@aws-sdk/client-glue";
import {
    DeleteObjectsCommand,
    GetObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
    S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { CONNECT_TABLE_SCHEMAS } from "../lib/connectSchema";
import { addDays, daysBetween } from "../functions/dates";
import type { Clock } from "../functions/types";
import type { AthenaOnDuckDb } from "./athena-duckdb";
import { icebergTables, type IcebergField, type IcebergType } from "../functions/athena/icebergTables";

// As cli/bin.js does: the SDK's notice about future Node versions is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const BUCKET = "exports-bucket";
export const SCHEDULED = "2025-02-01T02:00:00Z";
export const RUN_ID = "20250201T020000Z";
export const SOURCE_DB = "connect_analytics_consumer";
export const EXPORT_DB = "connect_analytics_exports";

export const TABLES = [
    { name: "users", linkName: "users_link", primaryKey: ["user_id"], versionColumn: "last_modified_timestamp" },
    {
        name: "contacts",
        linkName: "contacts_link",
        timeColumn: "initiation_timestamp",
        primaryKey: ["instance_id", "contact_id"],
        versionColumn: "last_update_timestamp",
    },
    {
        name: "agent_hierarchy_groups",
        linkName: "agent_hierarchy_groups_link",
        primaryKey: ["agent_hierarchy_group_id"],
        versionColumn: "last_modified_timestamp",
    },
];

/** Glue (Hive) types of a table of lib/connectSchema.ts, as GetTable on its link returns them. */
export function glueColumns(table: string): { Name: string; Type: string }[] {
    return CONNECT_TABLE_SCHEMAS[table].columns.map((c) => ({
        Name: c.name,
        Type: c.type.replace(/varchar/g, "string").replace("map(string,string)", "map<string,string>"),
    }));
}

export function handlerEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
        EXPORT_BUCKET: BUCKET,
        EXPORT_PREFIX: "connect",
        ATHENA_WORKGROUP: "connect_analytics_workgroup",
        SOURCE_DATABASE: SOURCE_DB,
        EXPORT_DATABASE: EXPORT_DB,
        TABLES_JSON: JSON.stringify(TABLES),
        EXPORT_TARGET: "iceberg",
        EXPORT_FORMAT: "parquet",
        LOOKBACK_DAYS: "3",
        CHUNK_DAYS: "7",
        LOG_LEVEL: "INFO",
        ...overrides,
    };
}

export interface FakeClock extends Clock {
    slept: number[];
}

export function fakeClock(startIso = "2025-02-01T02:00:05Z"): FakeClock {
    let now = Date.parse(startIso);
    const slept: number[] = [];
    return {
        slept,
        now: () => now,
        sleep: async (ms) => {
            slept.push(ms);
            now += ms;
        },
        random: () => 0.5,
    };
}

/** A Lambda context whose deadline follows the fake clock. */
export function lambdaContext(clock: Clock, timeoutMs = 900_000, requestId = "11111111-2222-3333-4444-555555555555") {
    const deadline = clock.now() + timeoutMs;
    return { getRemainingTimeInMillis: () => deadline - clock.now(), awsRequestId: requestId };
}

export type StatementKind =
    | "create"
    | "alter"
    | "bounds"
    | "preview"
    | "merge"
    | "reconcile"
    | "days"
    | "unload"
    | "optimize"
    | "vacuum"
    | "probe"
    /** The late-update sweep's narrow statements (functions/sweep.ts): no rows without an `engine`, so nothing to sweep. */
    | "sweep";

/** What one statement start does. */
export type QueryBehaviour =
    | { kind: "succeed"; runningPolls?: number; reconcileKeys?: number }
    | { kind: "throttleStart" }
    | { kind: "fail"; retryable?: boolean; reason?: string }
    | { kind: "cancel"; reason?: string }
    | { kind: "runForever" };

export interface StartedQuery {
    readonly id: string;
    readonly sql: string;
    readonly kind: StatementKind;
    readonly table: string;
    readonly behaviour: QueryBehaviour;
    readonly workgroup?: string;
    readonly database?: string;
    readonly token?: string;
    polls: number;
    /** Its result rows, when the statement ran on the fake's DuckDB `engine`. */
    rows?: Record<string, string | null>[];
}

/** What the DuckDB engine runs: the statements that read the source or the target's rows. */
const DATA_STATEMENTS: StatementKind[] = ["bounds", "preview", "merge", "reconcile", "sweep"];

const s3Error = (name: string, status: number, message: string) =>
    new S3ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: status }, message });
export const accessDenied = () => s3Error("AccessDenied", 403, "Access Denied");

function classify(sql: string): StatementKind {
    if (sql.startsWith("CREATE TABLE")) return "create";
    if (sql.startsWith("ALTER TABLE")) return "alter";
    if (sql.startsWith("MERGE INTO")) return "merge";
    if (sql.startsWith("UNLOAD")) return "unload";
    if (sql.startsWith("OPTIMIZE")) return "optimize";
    if (sql.startsWith("VACUUM")) return "vacuum";
    if (sql.includes('"first_day"')) return "bounds";
    if (sql.includes('"touched_max"') || sql.includes('"keys_in_source"')) return "sweep";
    if (sql.includes('"source_keys"')) return "preview";
    if (sql.includes('"target_keys"')) return "reconcile";
    if (sql.includes('AS "keys"')) return "days";
    if (/^SELECT \* FROM "\w+"\."\w+" LIMIT 1$/.test(sql)) return "probe";
    throw new Error(`fake Athena does not know this statement: ${sql}`);
}

/** The window's days a statement reads (its TIMESTAMP bounds), or ["all"] for a whole table. */
export function statementDays(sql: string, firstDay = "2025-01-01"): string[] {
    const from = /"initiation_timestamp" >= TIMESTAMP '(\d{4}-\d{2}-\d{2})/.exec(sql)?.[1];
    const to = /"initiation_timestamp" < TIMESTAMP '(\d{4}-\d{2}-\d{2})/.exec(sql)?.[1];
    return to ? daysBetween(from ?? firstDay, addDays(to, -1)) : ["all"];
}

/** The Glue (Hive) type Glue reports for an Iceberg column type. */
export function hiveTypeOf(t: IcebergType): string {
    if (typeof t === "string") return t === "long" ? "bigint" : t;
    if (t.type === "list") return `array<${hiveTypeOf(t.element)}>`;
    if (t.type === "map") return `map<${hiveTypeOf(t.key)},${hiveTypeOf(t.value)}>`;
    return `struct<${t.fields.map((f) => `${f.name}:${hiveTypeOf(f.type)}`).join(",")}>`;
}

/** Every field id of a schema, nested ones included. */
function fieldIds(fields: readonly IcebergField[]): number[] {
    const inType = (t: IcebergType): number[] =>
        typeof t === "string"
            ? []
            : t.type === "list"
              ? [t["element-id"], ...inType(t.element)]
              : t.type === "map"
                ? [t["key-id"], t["value-id"], ...inType(t.key), ...inType(t.value)]
                : fieldIds(t.fields);
    return fields.flatMap((f) => [f.id, ...inType(f.type)]);
}

const glueInvalid = (message: string) => new InvalidInputException({ $metadata: { httpStatusCode: 400 }, message });

/** Glue's IcebergStructFields back into the metadata file's fields. */
const metadataFields = (fields: readonly { Id?: number; Name?: string; Required?: boolean; Type?: unknown }[]) =>
    fields.map((f) => ({ id: f.Id!, name: f.Name!, required: f.Required ?? false, type: f.Type as IcebergType }));

export interface FakeIcebergTable {
    location: string;
    lastColumnId: number;
    schemas: { "schema-id": number; fields: IcebergField[] }[];
    currentSchemaId: number;
    partitionSpec?: unknown;
    /** Key of the current metadata file in the fake bucket. */
    metadataKey: string;
}

export class FakeAws {
    readonly objects = new Map<string, { text: string; etag: string }>();
    readonly queries: StartedQuery[] = [];
    readonly stopped: string[] = [];
    /** Scripted behaviours per "table:kind" (or "table"), consumed one per statement start. */
    readonly script = new Map<string, QueryBehaviour[]>();
    /** Glue columns of each source link (by table name) and of each existing target. */
    readonly sourceColumns = new Map<string, { Name: string; Type: string }[]>();
    readonly targets = new Map<string, { Name: string; Type: string }[]>();
    /** Each target's Iceberg metadata (Glue made it), by table name. */
    readonly iceberg = new Map<string, FakeIcebergTable>();
    /** Glue CreateTable and UpdateTable requests that succeeded, by table, in order. */
    readonly glueWrites: {
        table: string;
        kind: "create" | "update";
        input: CreateTableRequest | UpdateTableRequest;
    }[] = [];
    /** Locations registered with Lake Formation: Athena refuses DDL on tables there. */
    readonly registered = [`s3://${BUCKET}/connect/iceberg/`];
    /** Data days (or "all") a MERGE committed, per table. */
    readonly merged = new Map<string, Set<string>>();
    /** The source's first day per table (null: an empty source). */
    readonly firstDay = new Map<string, string | null>();
    /**
     * When set, the statements that read or change data (bounds, preview, MERGE, reconciliation)
     * run for real on it, over the rows a test delivered (tests/athena-duckdb.ts), instead of the
     * model of days above.
     */
    engine?: AthenaOnDuckDb;
    /** Makes a Glue CreateTable or UpdateTable fail when it returns an error for the table. */
    glueFault: (operation: "CreateTable" | "UpdateTable", table: string) => Error | undefined = () => undefined;
    /** Makes a PutObject fail when it returns an error for the key. */
    putFault: (key: string) => Error | undefined = () => undefined;
    readonly athena = mockClient(AthenaClient);
    readonly s3 = mockClient(S3Client);
    readonly glue = mockClient(GlueClient);
    private seq = 0;
    private etags = 0;

    constructor() {
        for (const t of TABLES) this.sourceColumns.set(t.name, glueColumns(t.name));
        this.s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
            const o = this.objects.get(input.Key);
            if (!o) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
            return { Body: { transformToString: async () => o.text }, ETag: o.etag };
        });
        this.s3
            .on(PutObjectCommand)
            .callsFake(async (input: { Key: string; Body: string; IfNoneMatch?: string; IfMatch?: string }) => {
                const fault = this.putFault(input.Key);
                if (fault) throw fault;
                const current = this.objects.get(input.Key);
                if ((input.IfNoneMatch === "*" && current) || (input.IfMatch && current?.etag !== input.IfMatch)) {
                    throw s3Error(
                        "PreconditionFailed",
                        412,
                        "At least one of the pre-conditions you specified did not hold",
                    );
                }
                const etag = `"etag-${++this.etags}"`;
                this.objects.set(input.Key, { text: String(input.Body), etag });
                return { ETag: etag };
            });
        this.s3.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string; ContinuationToken?: string }) => {
            // Pages of 2 keys, so pagination is exercised.
            const keys = this.keys(input.Prefix);
            const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
            const more = start + 2 < keys.length;
            return {
                Contents: keys.slice(start, start + 2).map((Key) => ({ Key })),
                IsTruncated: more,
                NextContinuationToken: more ? String(start + 2) : undefined,
            };
        });
        this.s3.on(DeleteObjectsCommand).callsFake(async (input: { Delete: { Objects: { Key: string }[] } }) => {
            for (const o of input.Delete.Objects) this.objects.delete(o.Key);
            return { Deleted: input.Delete.Objects };
        });
        this.glue.on(GetTableCommand).callsFake(async (input: { DatabaseName: string; Name: string }) => {
            const columns =
                input.DatabaseName === SOURCE_DB
                    ? this.sourceColumns.get(input.Name.replace(/_link$/, ""))
                    : input.DatabaseName === EXPORT_DB
                      ? this.targets.get(input.Name)
                      : undefined;
            if (!columns) {
                throw new EntityNotFoundException({ $metadata: {}, message: `Table ${input.Name} not found.` });
            }
            const ice = input.DatabaseName === EXPORT_DB ? this.iceberg.get(input.Name) : undefined;
            return {
                Table: {
                    Name: input.Name,
                    StorageDescriptor: { Columns: columns, ...(ice ? { Location: ice.location } : {}) },
                    ...(ice
                        ? {
                              TableType: "EXTERNAL_TABLE",
                              Parameters: {
                                  table_type: "ICEBERG",
                                  metadata_location: `s3://${BUCKET}/${ice.metadataKey}`,
                              },
                          }
                        : {}),
                },
            };
        });
        this.glue.on(CreateTableCommand).callsFake(async (input: CreateTableRequest) => {
            const create = input.OpenTableFormatInput?.IcebergInput?.CreateIcebergTableInput;
            if (create && input.TableInput) {
                throw glueInvalid("Location information cannot be null while creating an iceberg table");
            }
            if (!create || !input.Name) throw glueInvalid("CreateIcebergTableInput cannot be equal to null");
            const fault = this.glueFault("CreateTable", input.Name);
            if (fault) throw fault;
            if (input.DatabaseName !== EXPORT_DB) {
                throw new EntityNotFoundException({
                    $metadata: {},
                    message: `Database ${input.DatabaseName} not found.`,
                });
            }
            if (this.targets.has(input.Name)) {
                throw new AlreadyExistsException({ $metadata: {}, message: "Table already exists." });
            }
            const fields = metadataFields(create.Schema?.Fields ?? []);
            const ids = fieldIds(fields);
            if (new Set(ids).size !== ids.length) throw glueInvalid(`duplicate field ids ${ids.join(",")}`);
            for (const p of create.PartitionSpec?.Fields ?? []) {
                if (!fields.some((f) => f.id === p.SourceId && typeof f.type === "string")) {
                    throw glueInvalid(`partition source id ${p.SourceId} is not a primitive field`);
                }
            }
            this.glueWrites.push({ table: input.Name, kind: "create", input });
            this.setIceberg(input.Name, create.Location!, fields, create.PartitionSpec);
            return {};
        });
        this.glue.on(UpdateTableCommand).callsFake(async (input: UpdateTableRequest) => {
            const updates = input.UpdateOpenTableFormatInput?.UpdateIcebergInput?.UpdateIcebergTableInput?.Updates;
            if (!updates || !input.Name || input.TableInput) {
                throw glueInvalid("an Iceberg update needs Name and UpdateOpenTableFormatInput, and no TableInput");
            }
            const fault = this.glueFault("UpdateTable", input.Name);
            if (fault) throw fault;
            const ice = this.iceberg.get(input.Name);
            if (input.DatabaseName !== EXPORT_DB || !ice) {
                throw new EntityNotFoundException({ $metadata: {}, message: `Table ${input.Name} not found.` });
            }
            const current = ice.schemas.find((x) => x["schema-id"] === ice.currentSchemaId)!;
            const fields = metadataFields(updates[0].Schema?.Fields ?? []);
            for (const f of current.fields) {
                const kept = fields.find((x) => x.name === f.name);
                if (!kept || JSON.stringify(kept) !== JSON.stringify(f)) {
                    throw glueInvalid(`field ${f.name} (id ${f.id}) must stay as it is`);
                }
            }
            const added = fieldIds(fields).filter((id) => !fieldIds(current.fields).includes(id));
            if (added.some((id) => id <= ice.lastColumnId)) {
                throw glueInvalid(`a new field reuses an id <= ${ice.lastColumnId}`);
            }
            this.glueWrites.push({ table: input.Name, kind: "update", input });
            this.setIceberg(input.Name, ice.location, fields, ice.partitionSpec, updates[0].Schema?.SchemaId);
            return {};
        });

        this.athena
            .on(StartQueryExecutionCommand)
            .callsFake(
                async (input: {
                    QueryString: string;
                    WorkGroup?: string;
                    QueryExecutionContext?: { Database?: string };
                    ClientRequestToken?: string;
                }) => {
                    const sql = input.QueryString;
                    const kind = classify(sql);
                    const table =
                        /(?:"|`)connect_analytics_exports(?:"|`)\.(?:"|`)(\w+)(?:"|`)/.exec(sql)?.[1] ??
                        /"connect_analytics_consumer"\."(\w+)_link"/.exec(sql)?.[1] ??
                        "?";
                    const ddl = ["create", "alter", "optimize", "vacuum"].includes(kind);
                    const location = /LOCATION '([^']+)'/.exec(sql)?.[1] ?? `s3://${BUCKET}/connect/iceberg/${table}/`;
                    const refused: QueryBehaviour | undefined =
                        ddl && this.registered.some((r) => location.startsWith(r))
                            ? {
                                  kind: "fail",
                                  reason: `NOT_SUPPORTED: Athena does not support DDL operations on Iceberg tables registered with Lake Formation (${location})`,
                              }
                            : undefined;
                    const behaviour = refused ??
                        this.script.get(`${table}:${kind}`)?.shift() ??
                        this.script.get(table)?.shift() ?? { kind: "succeed" };
                    if (behaviour.kind === "throttleStart") {
                        throw new TooManyRequestsException({
                            $metadata: { httpStatusCode: 400 },
                            message: "Rate exceeded",
                            Reason: "CONCURRENT_QUERY_LIMIT_EXCEEDED",
                        });
                    }
                    const id = `q-${++this.seq}-${table}-${kind}`;
                    let rows: Record<string, string | null>[] | undefined;
                    if (this.engine && behaviour.kind === "succeed" && DATA_STATEMENTS.includes(kind)) {
                        const target = this.targets.get(table);
                        if (target) await this.engine.syncTarget(table, target);
                        rows = await this.engine.run(sql);
                    }
                    this.queries.push({
                        rows,
                        id,
                        sql,
                        kind,
                        table,
                        behaviour,
                        workgroup: input.WorkGroup,
                        database: input.QueryExecutionContext?.Database,
                        token: input.ClientRequestToken,
                        polls: 0,
                    });
                    return { QueryExecutionId: id };
                },
            );
        this.athena
            .on(GetQueryExecutionCommand)
            .callsFake(async (input: { QueryExecutionId: string }) => this.poll(input.QueryExecutionId));
        this.athena.on(StopQueryExecutionCommand).callsFake(async (input: { QueryExecutionId: string }) => {
            this.stopped.push(input.QueryExecutionId);
            return {};
        });
        this.athena
            .on(GetQueryResultsCommand)
            .callsFake(async (input: { QueryExecutionId: string }) => this.results(this.query(input.QueryExecutionId)));
        this.athena.on(GetQueryRuntimeStatisticsCommand).callsFake(async (input: { QueryExecutionId: string }) => {
            const q = this.query(input.QueryExecutionId);
            return { QueryRuntimeStatistics: { Rows: { OutputRows: this.days(q).length * 10 } } };
        });
    }

    restore(): void {
        this.athena.restore();
        this.s3.restore();
        this.glue.restore();
    }

    keys(prefix = ""): string[] {
        return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    }

    queriesOf(table: string, kind?: StatementKind): StartedQuery[] {
        return this.queries.filter((q) => q.table === table && (!kind || q.kind === kind));
    }

    json<T = Record<string, unknown>>(key: string): T {
        const o = this.objects.get(key);
        if (!o) throw new Error(`no object ${key}; objects: ${this.keys().join(", ")}`);
        return JSON.parse(o.text) as T;
    }

    put(key: string, value: unknown): void {
        this.objects.set(key, {
            text: typeof value === "string" ? value : JSON.stringify(value),
            etag: `"etag-${++this.etags}"`,
        });
    }

    setWatermark(table: string, through: string): void {
        this.put(`state/watermarks/${table}.json`, {
            table,
            through,
            runId: "earlier",
            updatedAt: "2025-01-01T00:00:00Z",
        });
    }

    /** A target that already exists (Glue made it), with the source's current columns. */
    createTarget(table: string, columns = this.sourceColumns.get(table)!): void {
        const input = icebergTables().create({
            database: EXPORT_DB,
            table,
            columns: columns.map((c) => ({ name: c.Name, type: c.Type })),
            location: `s3://${BUCKET}/connect/iceberg/${table}/`,
        });
        const create = input.OpenTableFormatInput.IcebergInput.CreateIcebergTableInput;
        this.setIceberg(table, create.Location, metadataFields(create.Schema.Fields));
    }

    /** Glue's view of an Iceberg table after a create or an update: its metadata file and columns. */
    private setIceberg(
        table: string,
        location: string,
        fields: IcebergField[],
        spec?: unknown,
        schemaId?: number,
    ): void {
        const before = this.iceberg.get(table);
        const id = schemaId ?? (before ? before.currentSchemaId + 1 : 0);
        const version = (before?.schemas.length ?? 0) + 1;
        const ice: FakeIcebergTable = {
            location: location.replace(/\/$/, ""),
            lastColumnId: Math.max(before?.lastColumnId ?? 0, ...fieldIds(fields)),
            schemas: [...(before?.schemas ?? []), { "schema-id": id, fields }],
            currentSchemaId: id,
            partitionSpec: spec ?? before?.partitionSpec,
            metadataKey: `connect/iceberg/${table}/metadata/0000${version}-fake.metadata.json`,
        };
        this.iceberg.set(table, ice);
        this.put(ice.metadataKey, {
            "format-version": 2,
            location: ice.location,
            "last-column-id": ice.lastColumnId,
            "current-schema-id": ice.currentSchemaId,
            schemas: ice.schemas,
        });
        this.targets.set(
            table,
            fields.map((f) => ({ Name: f.name, Type: hiveTypeOf(f.type) })),
        );
    }

    private days(q: StartedQuery): string[] {
        return statementDays(q.sql, this.firstDay.get(q.table) ?? "2025-01-01");
    }

    private query(id: string): StartedQuery {
        const q = this.queries.find((x) => x.id === id);
        if (!q) throw new Error(`unknown query ${id}`);
        return q;
    }

    private results(q: StartedQuery) {
        const merged = this.merged.get(q.table) ?? new Set<string>();
        const rows: Record<string, string | null>[] =
            q.rows ??
            (q.kind === "bounds"
                ? [{ first_day: this.firstDay.has(q.table) ? this.firstDay.get(q.table)! : "2025-01-01" }]
                : q.kind === "preview"
                  ? this.days(q).map((day) => ({
                        day,
                        source_keys: "10",
                        source_rows: "12",
                        inserts: merged.has(day) ? "0" : "10",
                        updates: "0",
                    }))
                  : q.kind === "reconcile"
                    ? this.days(q)
                          .filter((day) => merged.has(day))
                          .map((day) => {
                              const keys = String(
                                  q.behaviour.kind === "succeed" ? (q.behaviour.reconcileKeys ?? 10) : 10,
                              );
                              return { day, target_keys: keys, target_rows: keys };
                          })
                    : q.kind === "days"
                      ? this.days(q).map((day) => ({ day, keys: "10", rows: "12" }))
                      : []);
        const names = Object.keys(rows[0] ?? { day: "" });
        const cell = (v: string | null) => (v === null ? {} : { VarCharValue: v });
        return {
            ResultSet: {
                ResultSetMetadata: { ColumnInfo: names.map((Name) => ({ Name, Type: "varchar" })) },
                Rows: [
                    { Data: names.map((n) => cell(n)) },
                    ...rows.map((r) => ({ Data: names.map((n) => cell(r[n])) })),
                ],
            },
        };
    }

    private poll(id: string): GetQueryExecutionOutput {
        const q = this.query(id);
        q.polls++;
        const b = q.behaviour;
        const status = (State: string, extra: Record<string, unknown> = {}) =>
            ({
                QueryExecution: {
                    QueryExecutionId: id,
                    Status: { State, ...extra },
                    Statistics: { DataScannedInBytes: b.kind === "succeed" ? 4096 : 1024 },
                },
            }) as GetQueryExecutionOutput;
        if (this.stopped.includes(id)) return status("CANCELLED", { StateChangeReason: "Query cancelled by user" });
        switch (b.kind) {
            case "runForever":
                return status("RUNNING");
            case "cancel":
                return status("CANCELLED", {
                    StateChangeReason: b.reason ?? "Query exceeded the bytes scanned limit of the workgroup",
                });
            case "fail":
                return status("FAILED", {
                    StateChangeReason: b.reason ?? "HIVE_BAD_DATA: malformed Parquet file",
                    AthenaError: {
                        ErrorCategory: b.retryable ? 1 : 2,
                        ErrorType: 1000,
                        Retryable: b.retryable === true,
                    },
                });
            case "succeed":
                if (q.polls <= (b.runningPolls ?? 0)) return status("RUNNING");
                if (q.polls === (b.runningPolls ?? 0) + 1) this.apply(q);
                return status("SUCCEEDED");
            default:
                throw new Error(`unexpected behaviour ${JSON.stringify(b)}`);
        }
    }

    /** The effect of a statement that succeeded. */
    private apply(q: StartedQuery): void {
        if (q.kind === "merge") {
            const merged = this.merged.get(q.table) ?? new Set<string>();
            for (const day of this.days(q)) merged.add(day);
            this.merged.set(q.table, merged);
        } else if (q.kind === "unload") {
            const dest = /TO 's3:\/\/[^/]+\/([^']+)'/.exec(q.sql)![1];
            for (const day of this.days(q)) {
                this.put(
                    `${dest}${day === "all" ? "" : `dt=${day}/`}${q.id}_00000.snappy.parquet`,
                    `rows of ${q.table}`,
                );
            }
        }
    }
}

/** JSON log lines captured from the handler, with the console method each went to. */
export function logSink(): {
    lines: Record<string, unknown>[];
    sink: (line: string, level?: string) => void;
} {
    const lines: Record<string, unknown>[] = [];
    return { lines, sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) };
}
