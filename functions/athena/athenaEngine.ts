/**
 * Athena implementation of `QueryEngine`: UNLOAD through the resource link in the workgroup,
 * poll with backoff, read statistics. The AWS SDK is `require`d inside the function bodies so the
 * Lambda's serialized code loads the runtime's SDK instead of bundling it; the client it is given
 * retries throttled and transient API calls itself (see `createAwsClients`).
 *
 * The ClientRequestToken is fresh per attempt and the SDK's own retries of the call reuse it, so
 * a retried request whose first try did start a query cannot start a second UNLOAD. When polling
 * fails after the SDK's retries, the query is stopped so it cannot keep writing into the run's
 * prefix. A throttled start is usually the concurrent-query limit: worth a later attempt.
 */
import type { AthenaClient } from "@aws-sdk/client-athena";
import { exportError, describeError } from "../errors";
import { backoffDelay, POLL_BACKOFF } from "../retry";
import type { ExportJob, ExportJobResult, JobControl, QueryEngine } from "../types";
import { buildUnloadStatement } from "./athenaSql";

export interface AthenaEngineOptions {
    readonly client: Pick<AthenaClient, "send">;
    readonly workgroup: string;
    /** Consumer database holding the resource links. */
    readonly database: string;
}

export function createAthenaEngine(options: AthenaEngineOptions): QueryEngine {
    const { client, workgroup, database } = options;

    async function stopQuietly(queryExecutionId: string, control: JobControl): Promise<void> {
        const { StopQueryExecutionCommand } =
            require("@aws-sdk/client-athena") as typeof import("@aws-sdk/client-athena");
        try {
            await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
        } catch (err) {
            control.log.warn("athena_stop_failed", { queryExecutionId, error: describeError(err) });
        }
    }

    return {
        name: "athena",
        async runExport(job: ExportJob, control: JobControl): Promise<ExportJobResult> {
            const sdk = require("@aws-sdk/client-athena") as typeof import("@aws-sdk/client-athena");
            const { randomUUID } = require("crypto") as typeof import("crypto");
            const table = job.plan.table.name;
            const sql = buildUnloadStatement({
                plan: job.plan,
                database,
                outputUri: job.outputUri,
                format: job.format,
            });
            control.log.debug("athena_start", { table, attempt: job.attempt, sql });

            let queryExecutionId: string;
            try {
                const started = await client.send(
                    new sdk.StartQueryExecutionCommand({
                        QueryString: sql,
                        WorkGroup: workgroup,
                        QueryExecutionContext: { Database: database },
                        ClientRequestToken: randomUUID(),
                    }),
                );
                if (!started.QueryExecutionId) throw new Error("StartQueryExecution returned no QueryExecutionId");
                queryExecutionId = started.QueryExecutionId;
            } catch (err) {
                throw startFailure(err, table);
            }

            for (let poll = 0; ; poll++) {
                const delay = backoffDelay(poll, POLL_BACKOFF, control.clock.random);
                const left = control.remainingMs();
                if (left < delay) {
                    await stopQuietly(queryExecutionId, control);
                    throw exportError(
                        "DEADLINE",
                        `Athena query ${queryExecutionId} for ${table} was still running with ${Math.max(0, Math.round(left / 1000))} s left before the Lambda deadline; stopped it (raise the timeout if this repeats).`,
                        { queryExecutionId },
                    );
                }
                await control.clock.sleep(delay);
                let execution: import("@aws-sdk/client-athena").QueryExecution | undefined;
                try {
                    execution = (
                        await client.send(new sdk.GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }))
                    ).QueryExecution;
                } catch (err) {
                    await stopQuietly(queryExecutionId, control);
                    throw exportError(
                        "QUERY_FAILED",
                        `could not read the state of Athena query ${queryExecutionId} for ${table}: ${describeError(err)}`,
                        {
                            queryExecutionId,
                            retryable: isThrottling(err),
                        },
                    );
                }
                const state = execution?.Status?.State;
                control.log.debug("athena_poll", { table, queryExecutionId, state, poll });
                if (state === "SUCCEEDED") {
                    return {
                        queryExecutionId,
                        bytesScanned: execution?.Statistics?.DataScannedInBytes ?? null,
                        rows: await outputRows(queryExecutionId, control),
                    };
                }
                if (state === "FAILED") {
                    const athenaError = execution?.Status?.AthenaError;
                    throw exportError(
                        "QUERY_FAILED",
                        `Athena query ${queryExecutionId} for ${table} FAILED: ${execution?.Status?.StateChangeReason ?? athenaError?.ErrorMessage ?? "no reason given"}`,
                        {
                            queryExecutionId,
                            retryable: athenaError?.Retryable === true,
                            errorCategory: athenaError?.ErrorCategory,
                            errorType: athenaError?.ErrorType,
                        },
                    );
                }
                if (state === "CANCELLED") {
                    throw exportError(
                        "QUERY_CANCELLED",
                        `Athena query ${queryExecutionId} for ${table} was CANCELLED: ${execution?.Status?.StateChangeReason ?? "by someone, or by the workgroup's bytes-scanned cutoff"}`,
                        { queryExecutionId },
                    );
                }
            }
        },
    };

    /** Rows written by the UNLOAD; informative only, so a failure to read it does not fail the table. */
    async function outputRows(queryExecutionId: string, control: JobControl): Promise<number | null> {
        const { GetQueryRuntimeStatisticsCommand } =
            require("@aws-sdk/client-athena") as typeof import("@aws-sdk/client-athena");
        try {
            const stats = await client.send(
                new GetQueryRuntimeStatisticsCommand({ QueryExecutionId: queryExecutionId }),
            );
            return stats.QueryRuntimeStatistics?.Rows?.OutputRows ?? null;
        } catch (err) {
            control.log.warn("athena_row_count_unavailable", { queryExecutionId, error: describeError(err) });
            return null;
        }
    }

    function isThrottling(err: unknown): boolean {
        const names = ["TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded"];
        const e = err as
            | { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } }
            | undefined;
        return (
            !!e &&
            (names.includes(e.name ?? "") || e.$metadata?.httpStatusCode === 429 || e.$retryable?.throttling === true)
        );
    }

    /** StartQueryExecution errors that remain after the SDK's retries. */
    function startFailure(err: unknown, table: string): Error {
        const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0;
        if (isThrottling(err)) {
            return exportError("THROTTLED", `Athena did not start the query for ${table}: ${describeError(err)}`, {
                retryable: true,
            });
        }
        return exportError("QUERY_FAILED", `Athena did not start the query for ${table}: ${describeError(err)}`, {
            retryable: status >= 500,
        });
    }
}
