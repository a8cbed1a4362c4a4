/**
 * `verify --query`: one `SELECT COUNT(*)` per link in the workgroup, the end-to-end proof that
 * the role chain (link → DESCRIBE → SELECT on target → S3 via Lake Formation) works for the caller.
 * Queries run a few at a time (Athena limits concurrent queries per account) and are polled in
 * one BatchGetQueryExecution call per round; a query past the timeout is stopped.
 */
import {
    AthenaClient,
    BatchGetQueryExecutionCommand,
    GetQueryResultsCommand,
    QueryExecution,
    StartQueryExecutionCommand,
    StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { ShareModel } from "../lib/permissions";
import { call } from "./aws";
import { Check } from "./checks";
import { renderError } from "./errors";
import { formatBytes } from "../lib/report";

export interface QueryOptions {
    readonly workgroup: string;
    readonly timeoutSeconds: number;
    /** Queries in flight at once. */
    readonly concurrency: number;
    /** Delay between polls. */
    readonly pollMs: number;
    readonly sleep: (ms: number) => Promise<void>;
    readonly now: () => number;
}

const DONE = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);

export function countQuery(database: string, table: string): string {
    return `SELECT COUNT(*) FROM "${database}"."${table}"`;
}

function queryFix(reason: string): string {
    if (/lake formation|insufficient permissions|not authorized/i.test(reason)) {
        return "run `connect-analytics grant` (both sides), then verify again";
    }
    if (/output location|s3:\/\/|bucket/i.test(reason)) {
        return "give the workgroup a query result location (or pass --workgroup with one)";
    }
    if (/workgroup/i.test(reason)) return "pass --workgroup <an existing, enabled workgroup>";
    return "run the query in the Athena console to see the full error";
}

export async function queryChecks(
    athena: AthenaClient,
    model: ShareModel,
    options: QueryOptions,
    onCheck?: (c: Check) => void,
): Promise<Check[]> {
    const checks: Check[] = [];
    const emit = (c: Check) => {
        checks.push(c);
        onCheck?.(c);
    };
    const links = model.tables.map((t) => t.linkName);
    for (let start = 0; start < links.length; start += options.concurrency) {
        const batch = links.slice(start, start + options.concurrency);
        const started: Array<{ link: string; id: string }> = [];
        for (const link of batch) {
            const title = `query ${link}`;
            try {
                const out = await call("athena:StartQueryExecution", () =>
                    athena.send(
                        new StartQueryExecutionCommand({
                            QueryString: countQuery(model.consumerDatabaseName, link),
                            QueryExecutionContext: { Catalog: "AwsDataCatalog", Database: model.consumerDatabaseName },
                            WorkGroup: options.workgroup,
                        }),
                    ),
                );
                started.push({ link, id: out.QueryExecutionId ?? "" });
            } catch (err) {
                const line = renderError(err);
                emit({ id: `query:${link}`, status: "FAIL", title, detail: line, fix: queryFix(line) });
            }
        }
        const deadline = options.now() + options.timeoutSeconds * 1000;
        const finished = new Map<string, QueryExecution>();
        while (finished.size < started.length && options.now() < deadline) {
            await options.sleep(options.pollMs);
            const pending = started.filter((q) => !finished.has(q.id)).map((q) => q.id);
            const out = await call("athena:BatchGetQueryExecution", () =>
                athena.send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: pending })),
            );
            for (const q of out.QueryExecutions ?? []) {
                if (q.QueryExecutionId && DONE.has(q.Status?.State ?? "")) finished.set(q.QueryExecutionId, q);
            }
        }
        for (const { link, id } of started) {
            const title = `query ${link}`;
            const q = finished.get(id);
            if (!q) {
                await call("athena:StopQueryExecution", () =>
                    athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id })),
                ).catch(() => undefined);
                emit({
                    id: `query:${link}`,
                    status: "FAIL",
                    title,
                    detail: `no result after ${options.timeoutSeconds}s (query ${id} stopped)`,
                    fix: "raise --query-timeout, or check the workgroup's queue in the Athena console",
                });
                continue;
            }
            const scanned = formatBytes(q.Statistics?.DataScannedInBytes ?? 0);
            if (q.Status?.State !== "SUCCEEDED") {
                const reason = q.Status?.StateChangeReason ?? q.Status?.State ?? "failed";
                emit({
                    id: `query:${link}`,
                    status: "FAIL",
                    title,
                    detail: `${q.Status?.State}: ${reason}`,
                    fix: queryFix(reason),
                });
                continue;
            }
            const result = await call("athena:GetQueryResults", () =>
                athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 2 })),
            );
            // Row 0 is the header; row 1 holds the count.
            const count = result.ResultSet?.Rows?.[1]?.Data?.[0]?.VarCharValue ?? "?";
            emit({ id: `query:${link}`, status: "PASS", title, detail: `${count} rows, ${scanned} scanned` });
        }
    }
    return checks;
}
