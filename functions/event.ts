/**
 * Validation of the export Lambda's invocation event. Pure: `parseExportEvent` returns an
 * `ExportRequest` or throws one error listing every problem, each naming its field.
 *
 * Accepted shapes (all fields optional, combinable):
 *   {"scheduledTime": "2025-01-31T02:00:00Z"}   EventBridge Scheduler input (<aws.scheduler.scheduled-time>)
 *   {"runId": "2025-01-31-manual"}             explicit run id (same id: a re-run of that run)
 *   {"tables": ["contacts"], "from": "2025-01-01", "to": "2025-01-10"}   subset and backfill
 *   {"force": true}                            redo tables that already succeeded in this run id
 *   {"maintenance": true}                      refused on AWS (the Glue table optimizers maintain the tables);
 *                                              the local DuckDB run's CHECKPOINT and VACUUM
 *   {"probe": true}                            SELECT ... LIMIT 1 on each link and export table as the function's
 *                                              role, per-table ok or error (`verify --query`); with "tables" at most
 *   {"setup": true}                            create the missing Iceberg targets, read no data (deploy time);
 *                                              with "tables" at most
 *   an EventBridge rule's "Scheduled Event" (its `time` is the scheduled time)
 *   {} or no event                             manual run, run id from the current time
 * Of an EventBridge rule's envelope only `time` matters; the rest is AWS's, not ours to validate.
 * Repeated items in a message are capped, so a huge event cannot make a huge error.
 */
import { isIsoDay, utcDay } from "./dates";
import { exportError } from "./errors";
import type { ExportRequest } from "./types";

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const INSTANT = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const FIELDS = ["scheduledTime", "runId", "tables", "from", "to", "force", "maintenance", "setup", "probe"];

/** Run id of a scheduled instant: 2025-01-31T02:00:00Z -> 20250131T020000Z (UTC, key-safe, sortable). */
export function runIdFromInstant(ms: number): string {
    return new Date(ms)
        .toISOString()
        .replace(/\.\d+Z$/, "Z")
        .replace(/[-:]/g, "");
}

export function parseExportEvent(event: unknown, nowMs: number, configuredTables: readonly string[]): ExportRequest {
    const problems: string[] = [];
    const list = (items: readonly unknown[]) =>
        items
            .slice(0, 10)
            .map((i) => String(JSON.stringify(i)).slice(0, 100))
            .join(", ") + (items.length > 10 ? ` and ${items.length - 10} more` : "");
    const bad = (field: string, want: string, got: unknown) =>
        problems.push(`"${field}" must be ${want}, got ${list([got])}.`);
    const e = (event ?? {}) as Record<string, unknown>;
    const body = e["detail-type"] === "Scheduled Event" ? { scheduledTime: e.time } : e;
    const unknown = body === e ? Object.keys(e).filter((k) => !FIELDS.includes(k)) : [];
    if (typeof e !== "object" || Array.isArray(e)) {
        problems.push(`the event must be a JSON object like {}, got ${list([e])}.`);
    } else if (unknown.length) problems.push(`unknown field(s) ${list(unknown)}; allowed: ${FIELDS.join(", ")}.`);
    const { scheduledTime, runId, tables, from, to, force, maintenance, setup, probe } = body as Record<
        string,
        unknown
    >;
    // Date.parse rolls 2025-02-30 over into March: the day must be a real one.
    const instant = INSTANT.exec(String(scheduledTime));
    const scheduledMs = instant && isIsoDay(instant[1]) ? Date.parse(String(scheduledTime)) : undefined;
    if (scheduledTime !== undefined && !scheduledMs) {
        bad("scheduledTime", 'a real instant like "2025-01-31T02:00:00Z"', scheduledTime);
    }
    if (runId !== undefined && !RUN_ID.test(String(runId))) {
        bad("runId", "1-100 letters, digits, '_', '.', '-' (no leading symbol)", runId);
    }
    const names =
        Array.isArray(tables) && tables.length && tables.every((t) => typeof t === "string")
            ? [...new Set(tables as string[])]
            : undefined;
    if (tables !== undefined && !names) bad("tables", "a non-empty array of table names", tables);
    const missing = names?.filter((t) => !configuredTables.includes(t)) ?? [];
    if (missing.length) {
        problems.push(
            `"tables" names ${list(missing)}, not configured; configured tables: ${configuredTables.join(", ")}.`,
        );
    }
    if ((from === undefined) !== (to === undefined)) {
        problems.push(`a backfill needs both "from" and "to" (YYYY-MM-DD, inclusive).`);
    }
    for (const [field, day] of Object.entries({ from, to })) {
        if (day !== undefined && !isIsoDay(day)) bad(field, "a date YYYY-MM-DD", day);
    }
    if (isIsoDay(from) && isIsoDay(to) && from > to) problems.push(`"from" (${from}) is after "to" (${to}).`);
    for (const [field, v] of Object.entries({ force, maintenance, setup, probe })) {
        if (v !== undefined && typeof v !== "boolean") bad(field, "true or false", v);
    }
    if (maintenance && (from !== undefined || force !== undefined)) {
        problems.push(`"maintenance" runs alone: leave out "from", "to" and "force".`);
    }
    for (const [field, on] of [
        ["setup", setup],
        ["probe", probe],
    ] as const) {
        const others = Object.keys(body).filter((k) => FIELDS.includes(k) && ![field, "tables"].includes(k));
        if (on && others.length) {
            problems.push(`"${field}" runs alone (with "tables" at most): leave out ${list(others)}.`);
        }
    }
    if (problems.length) {
        throw exportError(
            "EVENT",
            `malformed export event (${problems.length} problem(s)):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
            { problems },
        );
    }
    const at = scheduledMs ?? nowMs;
    return {
        runId: (runId as string | undefined) ?? runIdFromInstant(at),
        runDate: scheduledMs || runId === undefined ? utcDay(at) : undefined,
        trigger: setup
            ? "setup"
            : probe
              ? "probe"
              : maintenance
                ? "maintenance"
                : from
                  ? "backfill"
                  : scheduledMs
                    ? "schedule"
                    : "manual",
        force: force === true,
        ...(maintenance ? { maintenance: true } : {}),
        ...(setup ? { setup: true } : {}),
        ...(probe ? { probe: true } : {}),
        ...(scheduledMs ? { scheduledTime: new Date(scheduledMs).toISOString() } : {}),
        ...(names ? { tables: names } : {}),
        ...(from ? { backfill: { from: from as string, to: to as string } } : {}),
    };
}
