/**
 * What each table's export reads in a run, and where its watermark goes afterwards. Pure.
 *
 * Watermark: the last UTC day (inclusive) of a time-partitioned table whose rows have all been
 * exported. A run for day R treats R-1 as the last complete day ("end day").
 *  - Snapshot tables (no time column) are exported whole every run; they have no watermark.
 *  - Incremental: no watermark yet -> everything up to the end day; watermark W before the end
 *    day -> W+1-overlap .. end day (the overlap re-reads days that may have received late data);
 *    W at or after the end day -> nothing new, no query.
 *  - Backfill {from, to}: exactly those days. It moves the watermark forward only when it leaves
 *    no gap after it (from <= W+1), and never backwards.
 *  - A re-run of the same run id keeps the tables that already succeeded in it (unless forced)
 *    and redoes the others from their unchanged watermark, so nothing is skipped. A forced redo
 *    of a table that succeeded re-reads the same days, so the run's output does not change. A
 *    different request under a run id whose table already succeeded (a backfill reusing a daily
 *    run's id) is a conflict, not an overwrite: it would replace that run's files.
 */
import { addDays } from "./dates";
import type { DayRange, ExportTableSpec, TableMode, TableRunEntry } from "./types";

export interface TablePlanInput {
    readonly table: ExportTableSpec;
    readonly runDate: string;
    readonly overlapDays: number;
    readonly watermark: string | undefined;
    readonly backfill?: { readonly from: string; readonly to: string };
    /** This table's entry in an earlier attempt of the same run id. */
    readonly previous?: TableRunEntry;
    readonly force: boolean;
}

export type TablePlan =
    | { readonly action: "reuse"; readonly mode: TableMode; readonly reason: string }
    | { readonly action: "upToDate"; readonly mode: TableMode; readonly reason: string }
    | { readonly action: "export"; readonly mode: TableMode; readonly range?: DayRange };

export function tableMode(table: ExportTableSpec, backfill: TablePlanInput["backfill"]): TableMode {
    if (!table.timeColumn) return "snapshot";
    return backfill ? "backfill" : "incremental";
}

/** Days an incremental run reads, or undefined when the watermark already covers the end day. */
export function incrementalWindow(
    watermark: string | undefined,
    end: string,
    overlapDays: number,
): DayRange | undefined {
    if (watermark === undefined) return { to: end };
    if (watermark >= end) return undefined;
    return { from: addDays(watermark, 1 - overlapDays), to: end };
}

/**
 * Why this request cannot run under its run id, if it cannot: the table already succeeded in
 * that run for another request (say a backfill reusing a daily run's id), and exporting it again
 * would replace that run's files. Force says replacing them is intended.
 */
export function rerunConflict(
    input: Pick<TablePlanInput, "table" | "previous" | "backfill" | "force">,
): string | undefined {
    const prev = input.previous;
    if (!prev || prev.status === "failed" || input.force) return undefined;
    const mode = tableMode(input.table, input.backfill);
    const sameRange =
        mode !== "backfill" || (prev.range?.from === input.backfill?.from && prev.range?.to === input.backfill?.to);
    if (prev.mode === mode && sameRange) return undefined;
    const done = prev.range ? `${prev.mode} of ${prev.range.from ?? "the start"}..${prev.range.to}` : prev.mode;
    return `${input.table.name} already succeeded in this run as a ${done}; a ${mode}${mode === "backfill" ? ` of ${input.backfill!.from}..${input.backfill!.to}` : ""} needs its own run id (leave out runId and scheduledTime), or "force": true to replace that export`;
}

export function planTable(input: TablePlanInput): TablePlan {
    const mode = tableMode(input.table, input.backfill);
    const prev = input.previous;
    if (prev && prev.status !== "failed" && !input.force && !rerunConflict(input)) {
        return { action: "reuse", mode, reason: `${prev.status} in attempt ${prev.runAttempt} of this run` };
    }
    switch (mode) {
        case "snapshot":
            return { action: "export", mode };
        case "backfill":
            return { action: "export", mode, range: { from: input.backfill!.from, to: input.backfill!.to } };
        case "incremental": {
            if (prev && prev.mode === "incremental" && prev.status === "succeeded" && prev.range) {
                return { action: "export", mode, range: prev.range };
            }
            const end = addDays(input.runDate, -1);
            const range = incrementalWindow(input.watermark, end, input.overlapDays);
            if (!range) {
                return { action: "upToDate", mode, reason: `watermark ${input.watermark} already covers ${end}` };
            }
            return { action: "export", mode, range };
        }
    }
}

/** The watermark after a successful export of `range` in `mode`. Days from the run day on are incomplete. */
export function nextWatermark(
    mode: TableMode,
    before: string | undefined,
    range: DayRange | undefined,
    runDate: string,
): string | undefined {
    if (mode === "snapshot" || !range) return before;
    const end = addDays(runDate, -1);
    const to = range.to < end ? range.to : end;
    if (range.from !== undefined && to < range.from) return before;
    if (before === undefined) return to;
    if (mode === "incremental") return to > before ? to : before;
    return range.from! <= addDays(before, 1) && to > before ? to : before;
}
