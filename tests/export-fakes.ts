/**
 * Test doubles for the export handler: an in-memory exports bucket and a scripted Athena, both
 * behind aws-sdk-client-mock, plus a fake clock so backoff and polling never really sleep.
 *
 * The fake Athena behaves like UNLOAD where it matters: it refuses a non-empty destination, writes
 * files under it on success, and leaves an orphan file behind when a query fails.
 */
import {
    AthenaClient,
    GetQueryExecutionCommand,
    GetQueryRuntimeStatisticsCommand,
    StartQueryExecutionCommand,
    StopQueryExecutionCommand,
    TooManyRequestsException,
    type GetQueryExecutionOutput,
} from "@aws-sdk/client-athena";
import {
    DeleteObjectsCommand,
    GetObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
    S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import type { Clock } from "../functions/types";

export const BUCKET = "exports-bucket";
export const SCHEDULED = "2025-02-01T02:00:00Z";
export const RUN_ID = "20250201T020000Z";

export const TABLES = [
    { name: "users", linkName: "users_link" },
    { name: "contacts", linkName: "contacts_link", timeColumn: "initiation_timestamp" },
    { name: "agent_hierarchy_groups", linkName: "agent_hierarchy_groups_link" },
];

export function handlerEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
        EXPORT_BUCKET: BUCKET,
        EXPORT_PREFIX: "connect",
        ATHENA_WORKGROUP: "connect_analytics_workgroup",
        SOURCE_DATABASE: "connect_analytics_consumer",
        TABLES_JSON: JSON.stringify(TABLES),
        EXPORT_FORMAT: "parquet",
        LATE_DATA_OVERLAP_DAYS: "1",
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
export function lambdaContext(clock: Clock, timeoutMs = 900_000) {
    const deadline = clock.now() + timeoutMs;
    return {
        getRemainingTimeInMillis: () => deadline - clock.now(),
        awsRequestId: "11111111-2222-3333-4444-555555555555",
    };
}

/** What one query start of a table does. */
export type QueryBehaviour =
    | { kind: "succeed"; rows?: number; bytes?: number; runningPolls?: number; files?: number }
    | { kind: "throttleStart" }
    | { kind: "fail"; retryable?: boolean; reason?: string }
    | { kind: "cancel"; reason?: string }
    | { kind: "runForever" };

export interface StartedQuery {
    readonly id: string;
    readonly sql: string;
    readonly link: string;
    readonly destination: string;
    readonly behaviour: QueryBehaviour;
    readonly workgroup?: string;
    readonly database?: string;
    readonly token?: string;
    polls: number;
}

const notFound = () =>
    new S3ServiceException({
        name: "NoSuchKey",
        $fault: "client",
        $metadata: { httpStatusCode: 404 },
        message: "The specified key does not exist.",
    });
export const accessDenied = () =>
    new S3ServiceException({
        name: "AccessDenied",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
        message: "Access Denied",
    });

export class FakeAws {
    readonly objects = new Map<string, string>();
    readonly queries: StartedQuery[] = [];
    readonly stopped: string[] = [];
    /** Scripted behaviours per resource link name, consumed one per query start. */
    readonly script = new Map<string, QueryBehaviour[]>();
    /** Makes a PutObject fail when it returns an error for the key. */
    putFault: (key: string) => Error | undefined = () => undefined;
    readonly athena = mockClient(AthenaClient);
    readonly s3 = mockClient(S3Client);
    private seq = 0;

    constructor() {
        this.s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
            const text = this.objects.get(input.Key);
            if (text === undefined) throw notFound();
            return { Body: { transformToString: async () => text } };
        });
        this.s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: string }) => {
            const fault = this.putFault(input.Key);
            if (fault) throw fault;
            this.objects.set(input.Key, String(input.Body));
            return {};
        });
        this.s3.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string; ContinuationToken?: string }) => {
            // Pages of 2 keys, so pagination is exercised.
            const keys = this.keys(input.Prefix);
            const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
            const page = keys.slice(start, start + 2);
            const more = start + 2 < keys.length;
            return {
                Contents: page.map((Key) => ({ Key })),
                IsTruncated: more,
                NextContinuationToken: more ? String(start + 2) : undefined,
            };
        });
        this.s3.on(DeleteObjectsCommand).callsFake(async (input: { Delete: { Objects: { Key: string }[] } }) => {
            for (const o of input.Delete.Objects) this.objects.delete(o.Key);
            return { Deleted: input.Delete.Objects };
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
                    const link = /FROM "[a-z0-9_]+"\."([a-z0-9_]+)"/.exec(input.QueryString)?.[1] ?? "?";
                    const destination = /TO 's3:\/\/[^/]+\/([^']+)'/.exec(input.QueryString)?.[1] ?? "?";
                    const behaviour = this.script.get(link)?.shift() ?? { kind: "succeed" };
                    if (behaviour.kind === "throttleStart") {
                        throw new TooManyRequestsException({
                            $metadata: { httpStatusCode: 400 },
                            message: "Rate exceeded",
                            Reason: "CONCURRENT_QUERY_LIMIT_EXCEEDED",
                        });
                    }
                    const id = `q-${++this.seq}-${link}`;
                    this.queries.push({
                        id,
                        sql: input.QueryString,
                        link,
                        destination,
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
        this.athena.on(GetQueryRuntimeStatisticsCommand).callsFake(async (input: { QueryExecutionId: string }) => {
            const q = this.query(input.QueryExecutionId);
            const rows = q.behaviour.kind === "succeed" ? (q.behaviour.rows ?? 1000) : 0;
            return { QueryRuntimeStatistics: { Rows: { OutputRows: rows } } };
        });
    }

    restore(): void {
        this.athena.restore();
        this.s3.restore();
    }

    keys(prefix = ""): string[] {
        return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    }

    queriesFor(link: string): StartedQuery[] {
        return this.queries.filter((q) => q.link === link);
    }

    /** Data files (not manifests or watermarks). */
    dataKeys(): string[] {
        return this.keys("connect/");
    }

    json<T = Record<string, unknown>>(key: string): T {
        const text = this.objects.get(key);
        if (text === undefined) throw new Error(`no object ${key}; objects: ${this.keys().join(", ")}`);
        return JSON.parse(text) as T;
    }

    setWatermark(table: string, through: string): void {
        this.objects.set(
            `state/watermarks/${table}.json`,
            JSON.stringify({ table, through, runId: "earlier", updatedAt: "2025-01-01T00:00:00Z" }),
        );
    }

    private query(id: string): StartedQuery {
        const q = this.queries.find((x) => x.id === id);
        if (!q) throw new Error(`unknown query ${id}`);
        return q;
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
                    Statistics: { DataScannedInBytes: b.kind === "succeed" ? (b.bytes ?? 4096) : 1024 },
                },
            }) as GetQueryExecutionOutput;
        if (this.stopped.includes(id)) return status("CANCELLED", { StateChangeReason: "Query cancelled by user" });
        // The destination must be empty when the query starts writing, as UNLOAD requires.
        const occupied = q.polls === 1 && this.keys(q.destination).length > 0;
        if (occupied) {
            return status("FAILED", {
                StateChangeReason: `HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists: s3://${BUCKET}/${q.destination}`,
                AthenaError: { ErrorCategory: 2, ErrorType: 1205, Retryable: false },
            });
        }
        switch (b.kind) {
            case "runForever":
                return status("RUNNING");
            case "cancel":
                return status("CANCELLED", {
                    StateChangeReason: b.reason ?? "Query exceeded the bytes scanned limit of the workgroup",
                });
            case "fail":
                this.objects.set(`${q.destination}orphan-${id}`, "partial");
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
                for (let i = 0; i < (b.files ?? 1); i++) {
                    this.objects.set(`${q.destination}${id}_0000${i}.snappy.parquet`, `rows of ${q.link}`);
                }
                return status("SUCCEEDED");
            default:
                throw new Error(`unexpected behaviour ${JSON.stringify(b)}`);
        }
    }
}

/** JSON log lines captured from the handler. */
export function logSink(): { lines: Record<string, unknown>[]; sink: (line: string) => void } {
    const lines: Record<string, unknown>[] = [];
    return { lines, sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) };
}
