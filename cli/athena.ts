/**
 * `verify --query`: the end-to-end proof that the export function's role can read each table
 * (link → DESCRIBE → SELECT on target → S3 through Lake Formation, and each export table), asked
 * of the role itself: one lambda:InvokeFunction of the export function with {"probe": true}, which
 * runs `SELECT * ... LIMIT 1` per link and per export table as its role and answers per table
 * (functions/probe.ts). Queries run by the operator would prove the operator's access, not the
 * role's: a data lake administrator has DESCRIBE on everything but not SELECT
 * (lake-formation/latest/dg/implicit-permissions.html), and an operator with SELECT passes where
 * the role would fail.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { ProbeSummary } from "../functions/types";
import { principalName } from "../lib/names";
import { ShareModel } from "../lib/permissions";
import { call } from "./aws";
import { Check } from "./checks";
import { renderError } from "./errors";

export interface QueryOptions {
    /** The export function (consumer outputs `exportFunctionName`); undefined: no function to ask. */
    readonly functionName?: string;
}

/** The probe event the function answers with per-table results. */
export const PROBE_EVENT = JSON.stringify({ probe: true });

function queryFix(reason: string): string {
    if (/does not exist|not found|TABLE_NOT_FOUND/i.test(reason)) {
        return 'the export table is missing: invoke the function with {"setup": true} (or `pulumi up` the consumer stack, which does)';
    }
    if (/lake formation|insufficient permissions|not authorized|AccessDenied/i.test(reason)) {
        return "run `connect-analytics grant` (both sides), then verify again";
    }
    if (/output location|s3:\/\/|bucket/i.test(reason)) return "check the export workgroup's result location";
    return "see the function's log group for the full error";
}

export async function queryChecks(
    lambda: LambdaClient,
    model: ShareModel,
    options: QueryOptions,
    onCheck?: (c: Check) => void,
): Promise<Check[]> {
    const checks: Check[] = [];
    const emit = (c: Check) => {
        checks.push(c);
        onCheck?.(c);
    };
    const role = principalName(model.consumerPrincipalArn);
    const title = "queries as the function's role";
    if (!options.functionName) {
        emit({
            id: "query",
            status: "FAIL",
            title,
            detail: "the consumer's outputs name no exportFunctionName: the probe runs in the export function, as its role",
            fix: "pass the consumer stack's outputs file (--outputs), with enableLambdaExport on",
        });
        return checks;
    }
    let summary: ProbeSummary;
    try {
        const out = await call("lambda:InvokeFunction", () =>
            lambda.send(
                new InvokeCommand({
                    FunctionName: options.functionName,
                    InvocationType: "RequestResponse",
                    Payload: new TextEncoder().encode(PROBE_EVENT),
                }),
            ),
        );
        const text = out.Payload ? new TextDecoder().decode(out.Payload) : "";
        if (out.FunctionError) {
            const message = (() => {
                try {
                    return (JSON.parse(text) as { errorMessage?: string }).errorMessage ?? text;
                } catch {
                    return text;
                }
            })();
            throw new Error(`the probe failed (${out.FunctionError}): ${message.slice(0, 500)}`);
        }
        summary = JSON.parse(text) as ProbeSummary;
        if (!Array.isArray(summary?.tables)) {
            throw new Error(`unexpected answer from ${options.functionName}: ${text.slice(0, 200)}`);
        }
    } catch (err) {
        const line = renderError(err);
        emit({
            id: "query",
            status: "FAIL",
            title,
            detail: `${options.functionName}: ${line}`,
            fix: /InvokeFunction/.test(line)
                ? `allow the caller lambda:InvokeFunction on ${options.functionName}`
                : "see the function's log group for the full error",
        });
        return checks;
    }
    for (const t of model.tables) {
        const found = summary.tables.filter((e) => e.table === t.name);
        if (found.length === 0) {
            emit({
                id: `query:${t.linkName}`,
                status: "FAIL",
                title: `query ${t.linkName}`,
                detail: `${options.functionName} does not export ${t.name}: its table list differs from the outputs`,
                fix: "`pulumi up` the consumer stack so the function's tables are the configured ones",
            });
            continue;
        }
        for (const e of found) {
            const name = e.kind === "link" ? t.linkName : e.name.replace(/"/g, "");
            const id = `query:${name}`;
            emit(
                e.ok
                    ? { id, status: "PASS", title: `query ${name}`, detail: `role ${role} reads ${e.name}` }
                    : {
                          id,
                          status: "FAIL",
                          title: `query ${name}`,
                          detail: `role ${role} cannot read ${e.name}: ${e.error}`,
                          fix: queryFix(e.error ?? ""),
                      },
            );
        }
    }
    return checks;
}
