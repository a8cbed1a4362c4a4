/**
 * Validation of the export Lambda's invocation event. Pure: `parseExportEvent` returns an
 * `ExportRequest` or throws one error listing every problem, each naming its field.
 *
 * Accepted shapes (all fields optional, combinable):
 *   {"scheduledTime": "2025-01-31T02:00:00Z"}   EventBridge Scheduler input (<aws.scheduler.scheduled-time>)
 *   {"runId": "2025-01-31-manual"}             explicit run id (same id: a re-run of that run)
 *   {"tables": ["contacts"], "from": "2025-01-01", "to": "2025-01-10"}   subset and backfill
 *   {"force": true}                            redo tables that already succeeded in this run id
 *   an EventBridge rule's "Scheduled Event" (its `time` is the scheduled time)
 *   {} or no event                             manual run, run id from the current time
 * Of an EventBridge rule's envelope only `time` matters; the rest is AWS's, not ours to validate.
 */
import { isIsoDay, utcDay } from "./dates";
import { exportError } from "./errors";
import type { ExportRequest } from "./types";

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const FIELDS = ["scheduledTime", "runId", "tables", "from", "to", "force"];

/** Run id of a scheduled instant: 2025-01-31T02:00:00Z -> 20250131T020000Z (UTC, key-safe, sortable). */
export function runIdFromInstant(ms: number): string {
    return new Date(ms)
        .toISOString()
        .replace(/\.\d+Z$/, "Z")
        .replace(/[-:]/g, "");
}

export function parseExportEvent(event: unknown, nowMs: number, configuredTables: readonly string[]): ExportRequest {
    const problems: string[] = [];
    let body: Record<string, unknown> = {};
    if (event === undefined || event === null) {
        body = {};
    } else if (typeof event !== "object" || Array.isArray(event)) {
        problems.push(
            `the event must be a JSON object, got ${Array.isArray(event) ? "an array" : JSON.stringify(event)}. Send {} for a manual run.`,
        );
    } else if ((event as Record<string, unknown>)["detail-type"] === "Scheduled Event") {
        body = { scheduledTime: (event as Record<string, unknown>).time };
    } else {
        body = event as Record<string, unknown>;
        for (const key of Object.keys(body)) {
            if (!FIELDS.includes(key)) problems.push(`unknown field "${key}"; allowed: ${FIELDS.join(", ")}.`);
        }
    }

    let scheduledMs: number | undefined;
    const { scheduledTime, runId, tables, from, to, force } = body;
    if (scheduledTime !== undefined) {
        if (
            typeof scheduledTime !== "string" ||
            !ISO_INSTANT.test(scheduledTime) ||
            !Number.isFinite(Date.parse(scheduledTime))
        ) {
            problems.push(
                `"scheduledTime" must be an instant like "2025-01-31T02:00:00Z" (<aws.scheduler.scheduled-time>), got ${JSON.stringify(scheduledTime)}.`,
            );
        } else {
            scheduledMs = Date.parse(scheduledTime);
        }
    }
    if (runId !== undefined && (typeof runId !== "string" || !RUN_ID.test(runId))) {
        problems.push(
            `"runId" must be 1-100 letters, digits, '_', '.', '-' (no leading symbol), got ${JSON.stringify(runId)}.`,
        );
    }
    let tableList: string[] | undefined;
    if (tables !== undefined) {
        if (!Array.isArray(tables) || tables.length === 0 || tables.some((t) => typeof t !== "string")) {
            problems.push(`"tables" must be a non-empty array of table names, got ${JSON.stringify(tables)}.`);
        } else {
            const unknown = tables.filter((t) => !configuredTables.includes(t as string));
            if (unknown.length > 0) {
                problems.push(
                    `"tables" names ${unknown.map((t) => JSON.stringify(t)).join(", ")}, not configured; configured tables: ${configuredTables.join(", ")}.`,
                );
            }
            tableList = [...new Set(tables as string[])];
        }
    }
    if ((from === undefined) !== (to === undefined)) {
        problems.push(
            `a backfill needs both "from" and "to" (YYYY-MM-DD, inclusive), got only "${from === undefined ? "to" : "from"}".`,
        );
    } else if (from !== undefined) {
        if (!isIsoDay(from)) problems.push(`"from" must be a date YYYY-MM-DD, got ${JSON.stringify(from)}.`);
        if (!isIsoDay(to)) problems.push(`"to" must be a date YYYY-MM-DD, got ${JSON.stringify(to)}.`);
        if (isIsoDay(from) && isIsoDay(to) && from > to) problems.push(`"from" (${from}) is after "to" (${to}).`);
    }
    if (force !== undefined && typeof force !== "boolean") {
        problems.push(`"force" must be true or false, got ${JSON.stringify(force)}.`);
    }

    if (problems.length > 0) {
        throw exportError(
            "EVENT",
            `malformed export event (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
            {
                problems,
            },
        );
    }

    const backfill = from !== undefined ? { from: from as string, to: to as string } : undefined;
    const request: ExportRequest = {
        runId: (runId as string | undefined) ?? runIdFromInstant(scheduledMs ?? nowMs),
        runDate: scheduledMs !== undefined ? utcDay(scheduledMs) : runId === undefined ? utcDay(nowMs) : undefined,
        trigger: backfill ? "backfill" : scheduledMs !== undefined ? "schedule" : "manual",
        force: force === true,
        ...(scheduledMs !== undefined ? { scheduledTime: new Date(scheduledMs).toISOString() } : {}),
        ...(tableList ? { tables: tableList } : {}),
        ...(backfill ? { backfill } : {}),
    };
    return request;
}
