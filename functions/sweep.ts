/**
 * The late-update sweep: each run also merges the days *before* its window that received records
 * again since the last sweep, so that after a run every key of the retained source is in the
 * target once, at its latest version, whatever the age of the update. Connect re-delivers a record
 * into its own, possibly old, day when it changes ("when you use the update-contact-attributes CLI
 * command to update a contact record, Amazon Connect delivers a new contact record",
 * data-type-definitions.html; a contact record "is available for 24 months", ctr-data-model.html).
 *
 * Finding the days: `data_lake_last_processed_timestamp` is "the last time the record was touched
 * by the data lake ... This field cannot be used to determine reliably data freshness". So it only
 * finds candidates, never orders versions: one narrow query (the time and touched columns) over the
 * retained days lists the days before the window holding rows touched after the last sweep's
 * greatest touched value less an overlap margin, and the greatest touched value now (the window's
 * days included: the window merged them), which the next run starts from.
 * The touched rows of those days are merged as any merge (newest version per key) in chunks of
 * `chunkDays` days, and reconciled: each touched key is in the target once, no older than the
 * newest touched version. The files target replaces a day's folder whole, so there a day is merged
 * whole.
 *
 * Because the field is not reliable, a full reconciliation runs every `reconcileEveryDays` (default
 * 30; 0: never): distinct keys and the greatest version per day over every retained day before the
 * window, source against target (key, version and time columns only), and each day that differs is
 * merged whole. The files target has no table to compare with: there every retained day before the
 * window is rewritten whole (a full re-read, once a period). The first sweep of a table loaded
 * before sweeps existed reconciles at once; a first load counts as one.
 *
 * State per table: state/sweeps/<table>.json, written only once every swept chunk reconciled, so a
 * failed or interrupted sweep is found again by the next run.
 */
import { daysBetween } from "./dates";
import { exportError } from "./errors";
import { sweepStatements } from "./sql";
import type { Column, Dialect, ExportTableSpec, StatementResult, SweepEntry } from "./types";

/** The column that shows a record was touched again. */
export const TOUCHED_COLUMN = "data_lake_last_processed_timestamp";
/**
 * Rows touched up to this long before the last sweep's greatest value are looked at again: a record
 * being processed when the sweep looked may land later with an earlier value. Connect's data
 * "should be available in less than an hour" (data-lake.html); twice that.
 */
export const SWEEP_OVERLAP_MS = 2 * 3600_000;
export const sweepKey = (table: string) => `state/sweeps/${table}.json`;

export interface SweepState {
    readonly table: string;
    /** The greatest touched value the sweeps have seen (as the engine renders it); null: none yet. */
    readonly touchedThrough: string | null;
    /** Run date of the last full reconciliation; null: never. */
    readonly reconciledOn: string | null;
    readonly runId: string;
    readonly updatedAt: string;
}

export interface SweepContext {
    readonly table: ExportTableSpec;
    readonly source: string;
    readonly dialect: Dialect;
    /** The qualified Iceberg target; undefined for the files target (whole days). */
    readonly target?: string;
    /** First day of this run's window: the sweep looks at the days before it. */
    readonly before: string;
    /** The last complete day. */
    readonly end: string;
    readonly runDate: string;
    readonly chunkDays: number;
    readonly reconcileEveryDays: number;
    readonly state: SweepState | undefined;
    run(text: string, step: string): Promise<StatementResult>;
    /** Merges these days: their rows touched after `after`, or whole without it. */
    merge(days: readonly string[], after: string | undefined): Promise<void>;
    /** False when no chunk may start any more (the deadline). */
    canStart(): boolean;
    save(state: Pick<SweepState, "touchedThrough" | "reconciledOn">): Promise<void>;
}

/** Why a table is not swept, or undefined when it is. */
export function sweepSkipped(table: ExportTableSpec, columns: readonly Column[]): string | undefined {
    if (table.exportMode === "snapshot" || !table.timeColumn) return "read whole every run";
    const touched = columns.find((c) => c.name === TOUCHED_COLUMN);
    return touched && /timestamp/i.test(touched.type) ? undefined : `no ${TOUCHED_COLUMN} timestamp column`;
}

/** A touched value less the overlap margin, as a TIMESTAMP literal's text (UTC, milliseconds). */
export function touchedCutoff(touched: string): string {
    const ms = Date.parse(`${touched.trim().replace(" ", "T").slice(0, 23)}Z`);
    if (Number.isNaN(ms)) {
        throw exportError("STORE", `the sweep state's touched value ${JSON.stringify(touched)} is not a timestamp`);
    }
    return new Date(ms - SWEEP_OVERLAP_MS).toISOString().replace("T", " ").replace("Z", "");
}

const later = (a: string | null, b: string | null | undefined) => (b && (!a || b > a) ? b : a);

/**
 * A first load's start of the sweep, before its first chunk: the greatest touched value now, from
 * which the next sweep looks, and the load itself as the last full reconciliation.
 */
export async function startSweep(
    c: Pick<SweepContext, "table" | "source" | "dialect" | "end" | "runDate" | "run" | "save">,
): Promise<Omit<SweepEntry, "bytesScanned">> {
    const st = sweepStatements(c.table, c.source, undefined, { before: c.end, end: c.end }, c.dialect, TOUCHED_COLUMN);
    const touchedThrough = (await c.run(st.baseline, "sweep_baseline")).rows[0]?.touched_max ?? null;
    await c.save({ touchedThrough, reconciledOn: c.runDate });
    return { touchedAfter: null, touchedThrough, days: [], reconciledDays: null };
}

export async function sweepTable(c: SweepContext): Promise<Omit<SweepEntry, "bytesScanned">> {
    const { state } = c;
    // undefined: no sweep yet; null: the last sweep saw no touched value (every old row is new to it).
    const since = state && (state.touchedThrough === null ? null : touchedCutoff(state.touchedThrough));
    const after = since ?? undefined;
    const st = sweepStatements(
        c.table,
        c.source,
        c.target,
        { before: c.before, end: c.end, after: since },
        c.dialect,
        TOUCHED_COLUMN,
    );
    const days: { day: string; why: "touched" | "reconciliation"; rows: number }[] = [];
    let touchedThrough = state?.touchedThrough ?? null;
    if (st.touched) {
        for (const r of (await c.run(st.touched, "sweep_find")).rows) {
            if (r.day) days.push({ day: r.day, why: "touched", rows: Number(r.touched_rows) });
            touchedThrough = later(touchedThrough, r.touched_max);
        }
    } else {
        // No sweep yet (a table loaded before sweeps existed, or with no touched value): the touched
        // values as they stand now are where the next run starts; the reconciliation below is due.
        touchedThrough = later(touchedThrough, (await c.run(st.baseline, "sweep_baseline")).rows[0]?.touched_max);
    }
    const reconciledOn = state?.reconciledOn ?? null;
    const due =
        c.reconcileEveryDays > 0 &&
        (!reconciledOn || daysBetween(reconciledOn, c.runDate).length > c.reconcileEveryDays);
    let reconciledDays: SweepEntry["reconciledDays"] = null;
    if (due) {
        const differing = (await c.run(st.differing, "reconcile_all")).rows.map((r) => String(r.day));
        reconciledDays = { before: c.before, differing: differing.length };
        for (const day of differing) {
            const found = days.find((d) => d.day === day);
            if (found) found.why = "reconciliation";
            else days.push({ day, why: "reconciliation", rows: 0 });
        }
    }
    days.sort((a, b) => (a.day < b.day ? -1 : 1));
    for (let i = 0; i < days.length; i += c.chunkDays) {
        if (!c.canStart()) {
            throw exportError(
                "DEADLINE",
                `late-update sweep of ${c.table.name} stopped before the deadline with ${days.length - i} day(s) left; the next run sweeps them`,
            );
        }
        const chunk = days.slice(i, i + c.chunkDays);
        // The files target replaces whole days; a day the reconciliation found different is merged whole.
        const whole = chunk.filter((d) => !c.target || d.why === "reconciliation").map((d) => d.day);
        const touched = chunk.filter((d) => !whole.includes(d.day)).map((d) => d.day);
        if (touched.length) await c.merge(touched, after);
        if (whole.length) await c.merge(whole, undefined);
    }
    await c.save({ touchedThrough, reconciledOn: due ? c.runDate : reconciledOn });
    return { touchedAfter: since ?? null, touchedThrough, days, reconciledDays };
}
