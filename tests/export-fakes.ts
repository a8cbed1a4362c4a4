/**
 * Test doubles for the export handler: an in-memory exports bucket (with S3's conditional-write
 * answers), Glue tables, and an Athena that recognises the export's statements, all behind
 * aws-sdk-client-mock, plus a fake clock so backoff and polling never really sleep.
 *
 * The fake Athena keeps a tiny model of each target: which data days a MERGE has committed. A
 * preview of a day reports 10 keys (12 rows: the source's duplicates), all of them inserts until a
 * MERGE of that day succeeded; the target side then reports those 10 keys. So a failed MERGE
 * leaves nothing behind, and a re-run merges again. CREATE/ALTER change the Glue target's columns;
 * UNLOAD writes one file per data day it was asked for.
 */
import { splitTopLevel } from "../lib/rowFilter";
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
import { EntityNotFoundException, GetTableCommand, GlueClient } from "@aws-sdk/client-glue";
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
    | "vacuum";

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
const DATA_STATEMENTS: StatementKind[] = ["bounds", "preview", "merge", "reconcile"];

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
    if (sql.includes('"source_keys"')) return "preview";
    if (sql.includes('"target_keys"')) return "reconcile";
    if (sql.includes('AS "keys"')) return "days";
    throw new Error(`fake Athena does not know this statement: ${sql}`);
}

/** The window's days a statement reads (its TIMESTAMP bounds), or ["all"] for a whole table. */
export function statementDays(sql: string, firstDay = "2025-01-01"): string[] {
    const from = /"initiation_timestamp" >= TIMESTAMP '(\d{4}-\d{2}-\d{2})/.exec(sql)?.[1];
    const to = /"initiation_timestamp" < TIMESTAMP '(\d{4}-\d{2}-\d{2})/.exec(sql)?.[1];
    return to ? daysBetween(from ?? firstDay, addDays(to, -1)) : ["all"];
}

/** Splits a DDL column list at top-level commas: "`a` string, `m` map<string,string>". */
function ddlColumns(list: string): { Name: string; Type: string }[] {
    return splitTopLevel(list).map((p) => {
        const m = /^\s*`(\w+)`\s+(.+?)\s*$/.exec(p)!;
        return { Name: m[1], Type: m[2] };
    });
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
            return { Table: { Name: input.Name, StorageDescriptor: { Columns: columns } } };
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
                    const behaviour = this.script.get(`${table}:${kind}`)?.shift() ??
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

    /** A target that already exists, with the source's current columns. */
    createTarget(table: string, columns = this.sourceColumns.get(table)!): void {
        this.targets.set(
            table,
            columns.map((c) => ({ ...c })),
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
        if (q.kind === "create") {
            this.targets.set(
                q.table,
                ddlColumns(/ \((.*?)\)(?: PARTITIONED BY \(day\(`\w+`\)\))? LOCATION /.exec(q.sql)![1]),
            );
        } else if (q.kind === "alter") {
            this.targets.get(q.table)!.push(...ddlColumns(/ADD COLUMNS \((.*)\)$/.exec(q.sql)![1]));
        } else if (q.kind === "merge") {
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
