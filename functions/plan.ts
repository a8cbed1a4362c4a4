/**
 * What each table's run reads, in which chunks, and where its watermark goes. Pure.
 *
 * Watermark: the last UTC day (inclusive) of a time-partitioned table whose rows have all been
 * merged. A run for day R treats R-1 as the last complete day ("end day"); a watermark is never
 * past it.
 *  - Snapshot tables (no time column) are read whole every run; they have no watermark.
 *  - Incremental: no watermark -> a first load of everything up to the end day (from the source's
 *    first day); watermark W -> W+1-lookback .. end day (the lookback re-reads days that may have
 *    received late or updated records; merging them again changes nothing already current).
 *  - Backfill {from, to}: exactly those days (to capped at the end day). It moves the watermark
 *    only when it leaves no gap after it (from <= W+1), never backwards, and never sets a first
 *    one: history before the backfill would otherwise never be loaded.
 *  - A window is merged in chunks of days, oldest first; each chunk commits on its own and moves
 *    the watermark, so a window larger than one invocation finishes over several.
 *  - A re-run of the same run id with the same request keeps tables that already succeeded in it
 *    (unless forced: then it reads the same days again) and resumes the others after their last
 *    committed chunk, without re-reading it. A different request under the same id (say a
 *    backfill reusing a daily run's id) simply runs: merging makes that harmless.
 */
import { addDays } from "./dates";
import type { DayRange, ExportTableSpec, TableMode, TableRunEntry } from "./types";

export interface TablePlanInput {
    readonly table: ExportTableSpec;
    readonly runDate: string;
    readonly lookbackDays: number;
    readonly watermark: string | undefined;
    readonly backfill?: { readonly from: string; readonly to: string };
    /** This table's entry in an earlier attempt of the same run id. */
    readonly previous?: TableRunEntry;
    readonly force: boolean;
}

export type TablePlan =
    | { readonly action: "reuse"; readonly mode: TableMode; readonly reason: string }
    | { readonly action: "upToDate"; readonly mode: TableMode; readonly reason: string }
    | {
          readonly action: "run";
          readonly mode: TableMode;
          /** Days to read; `from` undefined: a first load, from the source's first day. Undefined: snapshot. */
          readonly window?: DayRange;
          /** First day not yet committed by an earlier attempt of this run. */
          readonly resumeFrom?: string;
      };

export function lastCompleteDay(runDate: string): string {
    return addDays(runDate, -1);
}

export function tableMode(table: ExportTableSpec, backfill: TablePlanInput["backfill"]): TableMode {
    if (!table.timeColumn) return "snapshot";
    return backfill ? "backfill" : "incremental";
}

export function planTable(input: TablePlanInput): TablePlan {
    const mode = tableMode(input.table, input.backfill);
    const { previous: prev, backfill: bf } = input;
    const finished = prev?.status === "succeeded" || prev?.status === "up_to_date";
    const same = prev?.mode === mode && (!bf || (prev.window?.from === bf.from && prev.window?.to === bf.to));
    if (same && finished && !input.force) {
        return { action: "reuse", mode, reason: `${prev!.status} in attempt ${prev!.runAttempt} of this run` };
    }
    if (same && prev!.window && mode !== "snapshot") {
        const { committedThrough: last, window, runAttempt } = prev!;
        const resumeFrom = !finished && last ? addDays(last, 1) : undefined;
        return resumeFrom && resumeFrom > window!.to
            ? { action: "upToDate", mode, reason: `every chunk committed in attempt ${runAttempt}` }
            : { action: "run", mode, window: window!, ...(resumeFrom ? { resumeFrom } : {}) };
    }
    const end = lastCompleteDay(input.runDate);
    const window =
        mode === "snapshot"
            ? undefined
            : bf
              ? { from: bf.from, to: bf.to < end ? bf.to : end }
              : input.watermark === undefined
                ? { to: end }
                : { from: addDays(input.watermark, 1 - input.lookbackDays), to: end };
    return window?.from && window.from > window.to
        ? {
              action: "upToDate",
              mode,
              reason: bf
                  ? `the backfill starts after the last complete day ${end}`
                  : `watermark ${input.watermark} already covers ${end}`,
          }
        : { action: "run", mode, ...(window ? { window } : {}) };
}

/** Splits `from..to` into chunks of at most `size` days, oldest first. */
export function chunkDays(
    range: { readonly from: string; readonly to: string },
    size: number,
): { from: string; to: string }[] {
    const chunks: { from: string; to: string }[] = [];
    for (let from = range.from; from <= range.to; from = addDays(from, size)) {
        const last = addDays(from, size - 1);
        chunks.push({ from, to: last < range.to ? last : range.to });
    }
    return chunks;
}

/**
 * The watermark after a chunk committed. An incremental run without a watermark is a first load
 * whose chunks start at the source's first day, so nothing before them is missing.
 */
export function watermarkAfterChunk(
    mode: TableMode,
    before: string | undefined,
    chunk: { readonly from: string; readonly to: string },
    end: string,
): string | undefined {
    if (mode === "snapshot") return before;
    const to = chunk.to < end ? chunk.to : end;
    if (before === undefined) return mode === "incremental" ? to : undefined;
    if (to <= before) return before;
    return chunk.from <= addDays(before, 1) ? to : before;
}
