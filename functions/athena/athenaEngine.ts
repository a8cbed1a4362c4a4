/**
 * Athena implementation of `QueryEngine`: statements in the export's workgroup, polled with
 * backoff; columns from Glue at run time. The AWS SDK is `require`d inside the function bodies so
 * the Lambda's serialized code loads the runtime's SDK instead of bundling it; the clients retry
 * throttled and transient API calls themselves (see `createAwsClients`).
 *
 *  - Columns: glue:GetTable on the source's resource link, whose columns Glue returns from its
 *    target (none visible: a clear error about the link and its grants). Partition keys count as
 *    columns (SELECT * returns them).
 *  - The ClientRequestToken is fresh per attempt and the SDK's own retries of the call reuse it,
 *    so a retried request whose first try did start a query cannot start a second one.
 *  - Retryable: a throttled start (usually the concurrent-query limit), a FAILED query Athena
 *    marks retryable, and an Iceberg commit conflict (ICEBERG_COMMIT_ERROR: a concurrent
 *    OPTIMIZE). When polling fails after the SDK's retries the query is stopped; a query still
 *    running at the deadline is stopped too, and a stopped MERGE commits nothing (Iceberg commits
 *    are atomic).
 *  - Results: only aggregates are read (one page); an UNLOAD's written rows come from its runtime
 *    statistics.
 *  - Targets: created and given new columns through Glue (icebergTables.ts), never Athena DDL. A
 *    CreateTable that finds the table made meanwhile (setup and a run racing) is success; new
 *    columns need the table's current Iceberg metadata (its `metadata_location` in S3) for the ids.
 */
import type { AthenaClient, QueryExecution } from "@aws-sdk/client-athena";
import type { GlueClient } from "@aws-sdk/client-glue";
import type { S3Client } from "@aws-sdk/client-s3";
import { describeError, exportError } from "../errors";
import { backoffDelay, POLL_BACKOFF } from "../retry";
import type { Column, QueryEngine } from "../types";
import { athenaDialect } from "./athenaSql";
import { icebergTables, type IcebergMetadata } from "./icebergTables";

export interface AthenaEngineOptions {
    readonly athena: Pick<AthenaClient, "send">;
    readonly glue: Pick<GlueClient, "send">;
    /** Reads a target's Iceberg metadata file (its columns' ids) before adding columns. */
    readonly s3: Pick<S3Client, "send">;
    readonly workgroup: string;
    /** Consumer database holding the resource links. */
    readonly sourceDatabase: string;
    /** s3://bucket/prefix/iceberg/ : each Iceberg table lives in `<table>/` under it. */
    readonly icebergRoot: string;
}

export function createAthenaEngine(options: AthenaEngineOptions): QueryEngine {
    const { athena, glue, sourceDatabase } = options;
    const sdk = () => require("@aws-sdk/client-athena") as typeof import("@aws-sdk/client-athena");
    const throttled = (err: unknown) => {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        return (
            /TooManyRequests|Throttling|RequestLimitExceeded/.test(e?.name ?? "") ||
            e?.$metadata?.httpStatusCode === 429
        );
    };
    const glueColumns = async (input: {
        DatabaseName: string;
        Name: string;
        CatalogId?: string;
    }): Promise<Column[] | undefined> => {
        const { GetTableCommand } = require("@aws-sdk/client-glue") as typeof import("@aws-sdk/client-glue");
        const table = await glue.send(new GetTableCommand(input)).then(
            (out) => out.Table,
            (err) => {
                if ((err as Error)?.name === "EntityNotFoundException") return undefined;
                throw exportError(
                    "SOURCE",
                    `glue:GetTable ${input.DatabaseName}.${input.Name} failed: ${describeError(err)}`,
                );
            },
        );
        const cols = [...(table?.StorageDescriptor?.Columns ?? []), ...(table?.PartitionKeys ?? [])];
        return table && cols.map((c) => ({ name: c.Name!, type: c.Type! }));
    };
    const glueError = (what: string, err: unknown) => exportError("TARGET", `glue:${what}: ${describeError(err)}`);
    const stop = (id: string) =>
        athena.send(new (sdk().StopQueryExecutionCommand)({ QueryExecutionId: id })).catch(() => undefined);
    return {
        name: "athena",
        dialect: athenaDialect(),
        targetLocation: (table) => `${options.icebergRoot}${table}/`,
        async sourceColumns(table) {
            const cols = await glueColumns({ DatabaseName: sourceDatabase, Name: table.linkName });
            if (!cols?.length) {
                throw exportError(
                    "SOURCE",
                    `no columns visible through resource link ${sourceDatabase}.${table.linkName} (${table.name}); the consumer stack creates it, ` +
                        `and the role needs DESCRIBE on it and SELECT on its target (connect-analytics verify checks both)`,
                );
            }
            return cols;
        },
        targetColumns: (database, table) => glueColumns({ DatabaseName: database, Name: table }),
        async createTarget(target) {
            const { CreateTableCommand } = require("@aws-sdk/client-glue") as typeof import("@aws-sdk/client-glue");
            const input = icebergTables().create({ ...target, location: `${options.icebergRoot}${target.table}/` });
            await glue.send(new CreateTableCommand(input)).catch((err) => {
                // Made meanwhile (setup and a run racing): what this call was for.
                if (err?.name !== "AlreadyExistsException") throw glueError(`CreateTable ${target.table}`, err);
            });
        },
        async addTargetColumns(database, table, columns) {
            const g = require("@aws-sdk/client-glue") as typeof import("@aws-sdk/client-glue");
            const s3 = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
            const found = await glue.send(new g.GetTableCommand({ DatabaseName: database, Name: table }));
            const at = /^s3:\/\/([^/]+)\/(.+)$/.exec(found.Table?.Parameters?.metadata_location ?? "");
            if (!at) throw glueError(`UpdateTable ${table}`, "it names no s3:// metadata_location");
            const out = await options.s3.send(new s3.GetObjectCommand({ Bucket: at[1], Key: at[2] }));
            const metadata = JSON.parse(await out.Body!.transformToString()) as IcebergMetadata;
            const location = `${options.icebergRoot}${table}/`;
            await glue
                .send(
                    new g.UpdateTableCommand(
                        icebergTables().addColumns({ database, table, location }, metadata, columns),
                    ),
                )
                .catch((err) => {
                    throw glueError(`UpdateTable ${table}`, err);
                });
        },
        async run(text, info, control) {
            const what = `${info.step} of ${info.table.name}`;
            control.log.debug("athena_start", {
                table: info.table.name,
                step: info.step,
                attempt: info.attempt,
                sql: text,
            });
            const { randomUUID } = require("crypto") as typeof import("crypto");
            const id = await athena
                .send(
                    new (sdk().StartQueryExecutionCommand)({
                        QueryString: text,
                        WorkGroup: options.workgroup,
                        QueryExecutionContext: { Database: sourceDatabase },
                        ClientRequestToken: randomUUID(),
                    }),
                )
                .then(
                    (out) => out.QueryExecutionId!,
                    (err) => {
                        const status =
                            (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0;
                        throw exportError(
                            throttled(err) ? "THROTTLED" : "QUERY_FAILED",
                            `Athena did not start the ${what}: ${describeError(err)}`,
                            {
                                retryable: throttled(err) || status >= 500,
                            },
                        );
                    },
                );
            for (let poll = 0; ; poll++) {
                const delay = backoffDelay(poll, POLL_BACKOFF, control.clock.random);
                const left = control.remainingMs();
                if (left < delay) {
                    await stop(id);
                    throw exportError(
                        "DEADLINE",
                        `Athena query ${id} (${what}) was still running with ${Math.round(Math.max(0, left) / 1000)} s left before the Lambda deadline; stopped it, nothing of it committed`,
                        { queryExecutionId: id },
                    );
                }
                await control.clock.sleep(delay);
                const q: QueryExecution | undefined = await athena
                    .send(new (sdk().GetQueryExecutionCommand)({ QueryExecutionId: id }))
                    .then(
                        (out) => out.QueryExecution,
                        async (err) => {
                            await stop(id);
                            throw exportError(
                                "QUERY_FAILED",
                                `could not read the state of Athena query ${id} (${what}): ${describeError(err)}`,
                                {
                                    queryExecutionId: id,
                                    retryable: throttled(err),
                                },
                            );
                        },
                    );
                const state = q?.Status?.State;
                const reason =
                    q?.Status?.StateChangeReason ?? q?.Status?.AthenaError?.ErrorMessage ?? "no reason given";
                if (state === "FAILED" || state === "CANCELLED") {
                    throw exportError(
                        state === "FAILED" ? "QUERY_FAILED" : "QUERY_CANCELLED",
                        `Athena query ${id} (${what}) ${state}: ${reason}`,
                        {
                            queryExecutionId: id,
                            retryable:
                                state === "FAILED" &&
                                (q?.Status?.AthenaError?.Retryable === true || /ICEBERG_COMMIT_ERROR/.test(reason)),
                        },
                    );
                }
                if (state !== "SUCCEEDED") continue;
                const results = info.results
                    ? await athena.send(new (sdk().GetQueryResultsCommand)({ QueryExecutionId: id, MaxResults: 1000 }))
                    : undefined;
                const names = results?.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Name!) ?? [];
                const stats =
                    info.step === "unload"
                        ? await athena
                              .send(new (sdk().GetQueryRuntimeStatisticsCommand)({ QueryExecutionId: id }))
                              .catch((err) => {
                                  control.log.warn("athena_row_count_unavailable", {
                                      queryExecutionId: id,
                                      error: describeError(err),
                                  });
                                  return undefined;
                              })
                        : undefined;
                return {
                    queryExecutionId: id,
                    bytesScanned: q?.Statistics?.DataScannedInBytes ?? null,
                    // The first row of a SELECT's results is its header.
                    rows: (results?.ResultSet?.Rows ?? [])
                        .slice(1)
                        .map((r) => Object.fromEntries(names.map((n, i) => [n, r.Data?.[i]?.VarCharValue ?? null]))),
                    outputRows: stats?.QueryRuntimeStatistics?.Rows?.OutputRows ?? null,
                };
            }
        },
    };
}
