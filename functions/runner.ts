/**
 * One export run over the configured tables, engine- and store-agnostic: the Lambda runs it on
 * Athena + S3, `npm start` on DuckDB + the local filesystem.
 *
 * Layout in the store:
 *   state/lease.json                   the run lease (no two runs at once)
 *   manifests/<run id>.json            the run's manifest (rewritten after each step)
 *   state/watermarks/<table>.json      last day of a time-partitioned table fully merged
 *   <prefix>/iceberg/<table>/          the Iceberg table (Athena)
 *   <prefix>/<table>/_current.json     files target: the one current folder of each data day
 *   <prefix>/<table>/run=<id>/...      files target: folders written by a run
 *
 * Per table: the real columns (source link and target), the target created or its new columns
 * added, then the window merged chunk by chunk: preview (source side) -> MERGE -> target keys ->
 * reconciliation -> watermark. The manifest entry says `running` before anything is written and
 * `succeeded` only once the last chunk reconciled, so a crash never leaves a claim of output that
 * is not there. A table that fails is recorded while the others go on; the run then throws, after
 * writing the manifest, so Lambda's retries and failure destination see it.
 *
 * This code ships in the Lambda's serialized archive (LAMBDA_CODE_BUDGET): it is written to stay
 * small, with explanations here rather than inside function bodies.
 */
import { icebergRoot } from "../lib/names";
import { addDays, isIsoDay, utcDay } from "./dates";
import { describeError, exportError, isExportError } from "./errors";
import { acquireLease } from "./lease";
import * as plan from "./plan";
import { backoffDelay, RETRY_BACKOFF } from "./retry";
import * as sql from "./sql";
import { startSweep, sweepKey, sweepSkipped, sweepTable, TOUCHED_COLUMN, type SweepState } from "./sweep";
import type {
    Clock,
    Column,
    ExportRequest,
    ExportRunSummary,
    ExportSettings,
    ExportTableSpec,
    Logger,
    ObjectStore,
    QueryEngine,
    RunManifest,
    StatementInfo,
    StatementResult,
    TableRunEntry,
    TargetTable,
} from "./types";

export interface RunLimits {
    /** Kept free at the end of the invocation for the manifest, watermarks and logs. */
    readonly reserveMs: number;
    /** A statement (first or retried) starts only with at least this much time left after the reserve. */
    readonly minStartMs: number;
    /** Attempts per statement for retryable failures. */
    readonly maxQueryAttempts: number;
    /** Lease length when the invocation has no deadline (locally; a dead holder's lease is taken over). */
    readonly leaseWithoutDeadlineMs: number;
}

export const DEFAULT_LIMITS: RunLimits = {
    reserveMs: 15_000,
    minStartMs: 30_000,
    maxQueryAttempts: 3,
    leaseWithoutDeadlineMs: 24 * 3600_000,
};

export interface RunDeps {
    readonly settings: ExportSettings;
    readonly request: ExportRequest;
    readonly engine: QueryEngine;
    readonly store: ObjectStore;
    readonly log: Logger;
    readonly clock: Clock;
    /** Time left in the invocation: Lambda's context.getRemainingTimeInMillis; Infinity locally. */
    remainingMs(): number;
    readonly limits?: Partial<RunLimits>;
    /** Who takes the lease (Lambda request id; host:pid locally). */
    readonly owner: string;
    /** False when a lease holder is known to be dead. */
    ownerAlive?(owner: string): boolean;
    /** Called after each table, for progress output. */
    onTable?(
        entry: TableRunEntry,
        progress: { readonly index: number; readonly total: number; readonly runAttempt: number },
    ): void;
    /** Called with a table's entry as it runs (after each chunk), for progress output. */
    onProgress?(entry: TableRunEntry): void;
    /** Called at named points of a table's work ("previewed", "merged", "indexed"): tests stop a run there. */
    onStep?(step: string, table: string): void;
}

export const manifestKey = (runId: string) => `manifests/${runId}.json`;
export const watermarkKey = (table: string) => `state/watermarks/${table}.json`;
export const filesIndexKey = (prefix: string, table: string) => `${prefix}/${table}/_current.json`;
/** Where the Iceberg table of `table` lives under the exports bucket. */
export const icebergPrefix = (prefix: string, table: string) => `${icebergRoot(prefix)}/${table}/`;

export interface WatermarkRecord {
    readonly table: string;
    /** Last UTC day whose rows are all merged. */
    readonly through: string;
    readonly runId: string;
    readonly updatedAt: string;
}

/** The files target's index: the one current folder of each data day ("all" for a snapshot). */
export interface FilesIndex {
    readonly days: Record<string, string>;
    /** Folders replaced by newer ones, deleted next (a crash in between leaves them listed here). */
    readonly retired: string[];
    /** Folders a run started writing and has not indexed yet (deleted if found after a crash). */
    readonly pending: string[];
}

const STATUSES = ["running", "succeeded", "failed", "incomplete", "up_to_date"];

/**
 * A JSON state object of the store (`kind`: watermark, manifest or index), undefined when absent.
 * One that is not what this version writes (an impossible or future watermark, a manifest entry of
 * another shape, a hand edit) is an error naming the object and the fix, never guessed at.
 */
export async function readState<T>(
    store: ObjectStore,
    key: string,
    kind: "watermark" | "manifest" | "index" | "sweep",
    end = "",
): Promise<T | undefined> {
    const text = await store.getText(key);
    if (text === undefined) return undefined;
    let x: any;
    let why: string | undefined;
    try {
        x = JSON.parse(text);
    } catch (err) {
        why = `not JSON (${describeError(err)})`;
    }
    if (kind === "watermark" && !(isIsoDay(x?.through) && x.through <= end)) {
        why ??= `"through" must be a real day no later than the last complete day ${end}, got ${JSON.stringify(x?.through)}`;
    }
    if (
        kind === "sweep" &&
        !(
            (x?.touchedThrough === null || typeof x?.touchedThrough === "string") &&
            (x.reconciledOn === null || isIsoDay(x.reconciledOn))
        )
    ) {
        why ??= "not {touchedThrough, reconciledOn}";
    }
    if (kind === "index" && !(x?.days && Array.isArray(x.retired) && Array.isArray(x.pending))) {
        why ??= "not {days, retired, pending}";
    }
    if (kind === "index" && !why) {
        // The folders it lists are deleted when replaced: each must be one a run of this table wrote.
        const runs = `${key.slice(0, key.lastIndexOf("/") + 1)}run=`;
        const foreign = [...Object.values<unknown>(x.days), ...x.retired, ...x.pending].filter(
            (f) =>
                typeof f !== "string" ||
                !f.startsWith(runs) ||
                !f.endsWith("/") ||
                f
                    .split("/")
                    .some((part, i, all) => (part === "" && i < all.length - 1) || part === "." || part === ".."),
        );
        if (foreign.length) {
            why = `it lists ${foreign
                .slice(0, 3)
                .map((f) => JSON.stringify(f))
                .join(", ")}, not folders under ${runs}`;
        }
    }
    if (kind === "manifest") {
        if (x?.manifestVersion !== 2 || !x.runDate || typeof x.tables !== "object") why ??= "not a version 2 manifest";
        for (const [name, e] of Object.entries<any>(x?.tables ?? {})) {
            if (!STATUSES.includes(e?.status) || typeof e.runAttempt !== "number" || (e.window && !e.window.to)) {
                why ??= `tables.${name} is not a table entry (status ${JSON.stringify(e?.status)})`;
            }
        }
    }
    if (why) {
        const fix = {
            watermark:
                'Set "through" to the last day merged, or delete it to reload the table from its first day (merging again is harmless).',
            manifest: "Delete it to start the run over, or use a new run id.",
            index: "Restore it from the bucket's object versions, or delete it and backfill the days to rebuild it.",
            sweep: "Delete it: the next run starts the sweep again from the data as it stands, and reconciles every day.",
        };
        throw exportError("STORE", `${store.uri(key)} is unusable: ${why}. ${fix[kind]}`);
    }
    return x;
}

/** The configured tables a request selects (its `tables`, or all). */
export function selectedTables(
    settings: Pick<ExportSettings, "tables">,
    request: Pick<ExportRequest, "tables">,
): ExportTableSpec[] {
    return settings.tables.filter((t) => !request.tables || request.tables.includes(t.name));
}

/**
 * Runs `work` holding a lease (the export run's, or maintenance's `key`) until a minute past the
 * invocation's deadline, and releases it after, whatever `work` did.
 */
export async function withLease<T>(deps: RunDeps, key: string | undefined, work: () => Promise<T>): Promise<T> {
    const { request, clock, log } = deps;
    const now = clock.now();
    const left = deps.remainingMs();
    const lease = await acquireLease(deps.store, {
        ...(key ? { key } : {}),
        runId: request.runId,
        owner: deps.owner,
        nowMs: now,
        untilMs: now + (Number.isFinite(left) ? left + 60_000 : DEFAULT_LIMITS.leaseWithoutDeadlineMs),
        ownerAlive: deps.ownerAlive,
    });
    // A lease its holder released is the routine case (the previous run finished); only one that
    // expired unreleased, or whose holder died, means a run crashed while holding it.
    const previous = lease.tookOver;
    if (previous && !previous.released) log.warn("lease_taken_over", { runId: request.runId, previous });
    else if (previous) log.debug("lease_acquired", { runId: request.runId, previous: previous.runId });
    try {
        return await work();
    } finally {
        await lease
            .release(clock.now())
            .catch((err) => log.warn("lease_release_failed", { error: describeError(err) }));
    }
}

export async function runExport(deps: RunDeps): Promise<ExportRunSummary> {
    return withLease(deps, undefined, () => runExportUnderLease(deps));
}

/** The run itself, for a caller that already holds the lease (the local run takes it before touching files). */
export async function runExportUnderLease(deps: RunDeps): Promise<ExportRunSummary> {
    const { settings, request, store, log, clock } = deps;
    const { runId, backfill } = request;
    const startedAt = new Date(clock.now()).toISOString();
    const key = manifestKey(runId);
    const previous = await readState<RunManifest>(store, key, "manifest");
    const runDate = previous?.runDate ?? request.runDate ?? utcDay(clock.now());
    const runAttempt = (previous?.runAttempt ?? 0) + 1;
    const selected = selectedTables(settings, request);
    const tables: Record<string, TableRunEntry> = { ...previous?.tables };
    const request_ = {
        tables: request.tables ?? null,
        from: backfill?.from ?? null,
        to: backfill?.to ?? null,
        force: request.force,
    };
    const manifest = (status: RunManifest["status"], finishedAt: string | null): RunManifest => ({
        manifestVersion: 2,
        runId,
        runDate,
        scheduledTime: previous?.scheduledTime ?? request.scheduledTime ?? null,
        trigger: request.trigger,
        engine: deps.engine.name,
        target: settings.target,
        prefix: settings.prefix,
        status,
        runAttempt,
        startedAt,
        finishedAt,
        request: request_,
        tables: { ...tables },
    });
    const progress = (entry: TableRunEntry) => {
        tables[entry.table] = entry;
        deps.onProgress?.(entry);
        return store
            .putText(key, JSON.stringify(manifest("running", null), null, 2))
            .catch((err) => log.warn("manifest_progress_write_failed", { runId, error: describeError(err) }));
    };
    log.info("export_start", {
        runId,
        runDate,
        runAttempt,
        trigger: request.trigger,
        target: settings.target,
        tables: selected.map((t) => t.name),
    });
    const results: TableRunEntry[] = [];
    for (const table of selected) {
        const before = previous?.tables[table.name];
        const entry = await runTable({ ...deps, runDate, runAttempt, progress }, table, before);
        results.push(entry);
        (/failed|incomplete/.test(entry.status) ? log.error : log.info)("table_export", {
            runId,
            ...entry,
            reused: entry === before,
        });
        deps.onTable?.(entry, { index: results.length, total: selected.length, runAttempt });
        await progress(entry);
    }
    const failedTables = results.filter((e) => /failed|incomplete/.test(e.status)).map((e) => e.table);
    const status = !failedTables.length
        ? "succeeded"
        : results.some((e) => e.status === "failed")
          ? "failed"
          : "incomplete";
    const fresh = results.filter((e) => e.runAttempt === runAttempt);
    const summary: ExportRunSummary = {
        runId,
        runDate,
        status,
        runAttempt,
        manifestLocation: store.uri(key),
        tables: results,
        failedTables,
        rowsRead: fresh.reduce((n, e) => n + e.rowsRead, 0),
        bytesScanned: fresh.reduce((n, e) => n + e.bytesScanned, 0),
        durationMs: clock.now() - Date.parse(startedAt),
    };
    const fields = { ...summary, tables: undefined };
    await store
        .putText(key, JSON.stringify(manifest(status, new Date(clock.now()).toISOString()), null, 2))
        .catch((err) => {
            log.error("export_summary", { ...fields, error: `manifest not written: ${describeError(err)}` });
            throw exportError(
                "STORE",
                `export run ${runId}: could not write its manifest ${summary.manifestLocation}: ${describeError(err)}`,
                { summary },
            );
        });
    (failedTables.length ? log.error : log.info)("export_summary", fields);
    if (failedTables.length) {
        throw exportError(
            "RUN_FAILED",
            `export run ${runId} ${status} for ${failedTables.map((t) => `${t} (${tables[t].status}: ${tables[t].error})`).join("; ")}. ` +
                `Manifest: ${summary.manifestLocation}. Invoking again with {"runId": "${runId}"} continues after what committed.`,
            { summary, failedTables },
        );
    }
    return summary;
}

type Entry = { -readonly [K in keyof TableRunEntry]: TableRunEntry[K] };
type Run = (
    text: string,
    info: Omit<StatementInfo, "attempt" | "table">,
    before?: () => Promise<unknown>,
) => Promise<StatementResult>;

interface TableContext extends RunDeps {
    readonly runDate: string;
    readonly runAttempt: number;
    progress(entry: TableRunEntry): Promise<unknown>;
}

/**
 * Runs one statement with retries of retryable failures (throttled starts, transient engine
 * errors, Iceberg commit conflicts), never starting one without `minStartMs` left, and adds its
 * bytes and query id to `e`. `beforeAttempt`: an UNLOAD needs an empty destination every time.
 */
export async function runStatement(
    ctx: Pick<RunDeps, "engine" | "log" | "clock" | "limits" | "remainingMs" | "request">,
    e: Pick<Entry, "bytesScanned" | "queryExecutionIds">,
    text: string,
    info: Omit<StatementInfo, "attempt">,
    beforeAttempt?: () => Promise<unknown>,
): Promise<StatementResult> {
    const { log, clock } = ctx;
    const limits = { ...DEFAULT_LIMITS, ...ctx.limits };
    const control = { clock, log, remainingMs: () => ctx.remainingMs() - limits.reserveMs };
    for (let attempt = 1; ; attempt++) {
        if (control.remainingMs() < limits.minStartMs) {
            throw exportError(
                "DEADLINE",
                `${info.step} of ${info.table.name} not started: ${Math.round(Math.max(0, control.remainingMs()) / 1000)} s left before the deadline reserve`,
            );
        }
        let id: unknown;
        try {
            await beforeAttempt?.();
            const result = await ctx.engine.run(text, { ...info, attempt }, control);
            id = result.queryExecutionId;
            e.bytesScanned += result.bytesScanned ?? 0;
            return result;
        } catch (err) {
            id = (err as { queryExecutionId?: string }).queryExecutionId;
            const delay = backoffDelay(attempt - 1, RETRY_BACKOFF, clock.random);
            if (
                !isExportError(err) ||
                !err.retryable ||
                attempt >= limits.maxQueryAttempts ||
                control.remainingMs() - delay < limits.minStartMs
            ) {
                throw err;
            }
            log.warn("query_retry", {
                runId: ctx.request.runId,
                table: info.table.name,
                step: info.step,
                attempt,
                delayMs: delay,
                error: describeError(err),
            });
            await clock.sleep(delay);
        } finally {
            if (typeof id === "string") e.queryExecutionIds = [...e.queryExecutionIds, id].slice(-20);
        }
    }
}

/** Per-day counts of an aggregate's rows (`day`, then the keys and rows columns), and their sums. */
function byDay(rows: StatementResult["rows"], keys: string, total: string) {
    const days = new Map(rows.map((r) => [String(r.day), { keys: Number(r[keys] ?? 0), rows: Number(r[total] ?? 0) }]));
    const sum = (f: "keys" | "rows") => [...days.values()].reduce((n, d) => n + d[f], 0);
    return { days, keys: sum("keys"), rows: sum("rows") };
}

async function runTable(
    ctx: TableContext,
    table: ExportTableSpec,
    previous: TableRunEntry | undefined,
): Promise<TableRunEntry> {
    const { settings, request, store, clock, engine } = ctx;
    const startedMs = clock.now();
    const end = plan.lastCompleteDay(ctx.runDate);
    const iceberg = settings.target === "iceberg";
    const e: Entry = {
        table: table.name,
        exportMode: table.exportMode,
        mode: plan.tableMode(table, request.backfill),
        status: "running",
        window: null,
        committedThrough: null,
        chunks: { done: 0, total: 0 },
        rowsRead: 0,
        rowsInserted: iceberg ? 0 : null,
        rowsUpdated: iceberg ? 0 : null,
        rowsWritten: iceberg ? null : 0,
        bytesScanned: 0,
        schemaChanges: [],
        reconciliation: null,
        sweep: null,
        queryExecutionIds: [],
        output: null,
        watermarkBefore: null,
        watermarkAfter: null,
        error: null,
        runAttempt: ctx.runAttempt,
        startedAt: new Date(startedMs).toISOString(),
        durationMs: 0,
    };
    const done = (status: TableRunEntry["status"], error: string | null = null) => ({
        ...e,
        status,
        error,
        durationMs: clock.now() - startedMs,
    });
    const run: Run = (text, info, before) => runStatement(ctx, e, text, { ...info, table }, before);
    const saveWatermark = async (through: string) => {
        const record: WatermarkRecord = {
            table: table.name,
            through,
            runId: request.runId,
            updatedAt: new Date(clock.now()).toISOString(),
        };
        await store.putText(watermarkKey(table.name), JSON.stringify(record, null, 2)).catch((err) => {
            throw exportError(
                "STORE",
                `merged through ${through}, but the watermark was not saved (${describeError(err)}); a re-run merges those days again, harmlessly`,
            );
        });
        e.watermarkAfter = through;
    };
    try {
        const watermark = table.timeColumn
            ? (await readState<WatermarkRecord>(store, watermarkKey(table.name), "watermark", end))?.through
            : undefined;
        e.watermarkBefore = e.watermarkAfter = watermark ?? null;
        const p = plan.planTable({
            ...request,
            table,
            runDate: ctx.runDate,
            lookbackDays: settings.lookbackDays,
            watermark,
            previous,
        });
        if (p.action !== "run") return p.action === "reuse" ? previous! : done("up_to_date");
        const d = engine.dialect;
        const source = d.qualified(settings.sourceDatabase, table.linkName);
        const columns = sql.selectColumns(table, await engine.sourceColumns(table));
        let window = p.window;
        if (window && !window.from) {
            const first = await run(sql.firstDayStatement(table, source, end, d), {
                step: "bounds",
                reads: { to: end },
                results: true,
            });
            const day = first.rows[0]?.first_day;
            window = day ? { from: day.slice(0, 10), to: end } : undefined;
            if (!day) e.watermarkAfter = end;
        }
        e.window = window ?? null;
        const from = p.resumeFrom ?? window?.from;
        const size = iceberg ? settings.chunkDays : Math.min(settings.chunkDays, 100);
        const chunks =
            p.mode === "snapshot" ? [undefined] : window && from ? plan.chunkDays({ from, to: window.to }, size) : [];
        e.chunks = { done: 0, total: chunks.length };
        if (p.resumeFrom) e.committedThrough = previous!.committedThrough;
        await ctx.progress(done("running"));
        const merge = await (iceberg ? icebergTarget : filesTarget)(ctx, e, table, columns, run);
        // The late-update sweep of the days before the window (functions/sweep.ts): a first load
        // records where it starts before its first chunk; later runs sweep after their window.
        const unswept = sweepSkipped(table, columns);
        const sweeping = p.mode === "incremental" && !unswept;
        if (p.mode === "incremental" && unswept && table.exportMode !== "snapshot" && table.timeColumn) {
            // Nothing is dropped silently: without the column, no run finds the old days updated.
            ctx.log.warn("sweep_unavailable", {
                runId: request.runId,
                table: table.name,
                message: `${table.name} has ${unswept}: records re-delivered into days older than the ${settings.lookbackDays}-day lookback are merged only by a backfill of those days`,
            });
        }
        const sweepRun = (text: string, step: string) => run(text, { step, reads: { to: end }, results: true });
        const saveSweep = (s: Pick<SweepState, "touchedThrough" | "reconciledOn">) =>
            store.putText(
                sweepKey(table.name),
                JSON.stringify({
                    table: table.name,
                    ...s,
                    runId: request.runId,
                    updatedAt: new Date(clock.now()).toISOString(),
                }),
            );
        if (sweeping && watermark === undefined) {
            const scanned = e.bytesScanned;
            const started = await startSweep({
                table,
                source,
                dialect: d,
                end,
                runDate: ctx.runDate,
                run: sweepRun,
                save: saveSweep,
            });
            e.sweep = { ...started, bytesScanned: e.bytesScanned - scanned };
        }
        let slowest = 0;
        const limits = { ...DEFAULT_LIMITS, ...ctx.limits };
        for (const chunk of chunks) {
            if (ctx.remainingMs() - limits.reserveMs < Math.max(limits.minStartMs, slowest * 1.5)) {
                const left = chunks.length - e.chunks.done;
                return done(
                    "incomplete",
                    `stopped before the deadline with ${left} of ${chunks.length} chunk(s) left; invoking this run again ${e.committedThrough ? `continues after ${e.committedThrough}` : "starts this table over"}`,
                );
            }
            const t = clock.now();
            await merge({ table, source, columns, window: chunk });
            const after = chunk && plan.watermarkAfterChunk(e.mode, e.watermarkAfter ?? undefined, chunk, end);
            if (after && after !== e.watermarkAfter) await saveWatermark(after);
            e.committedThrough = chunk?.to ?? null;
            e.chunks = { done: e.chunks.done + 1, total: chunks.length };
            slowest = Math.max(slowest, clock.now() - t);
            await ctx.progress(done("running"));
        }
        if (!window && e.watermarkAfter && e.watermarkAfter !== e.watermarkBefore) {
            await saveWatermark(e.watermarkAfter);
        }
        if (sweeping && watermark !== undefined) {
            const scanned = e.bytesScanned;
            const swept = await sweepTable({
                table,
                source,
                dialect: d,
                target: iceberg ? d.qualified(settings.exportDatabase, table.name) : undefined,
                before: window?.from ?? addDays(end, 1),
                end,
                runDate: ctx.runDate,
                chunkDays: size,
                reconcileEveryDays: settings.reconcileEveryDays ?? 30,
                state: await readState<SweepState>(store, sweepKey(table.name), "sweep"),
                run: sweepRun,
                merge: (days, after) =>
                    merge({
                        table,
                        source,
                        columns,
                        days,
                        ...(after ? { touched: { column: TOUCHED_COLUMN, after } } : {}),
                    }),
                canStart: () => ctx.remainingMs() - limits.reserveMs >= Math.max(limits.minStartMs, slowest * 1.5),
                save: saveSweep,
            });
            e.sweep = { ...swept, bytesScanned: e.bytesScanned - scanned };
        }
        if (p.mode === "backfill" && !e.watermarkAfter) {
            const message = `${table.name} has no watermark yet and this backfill set none: the next scheduled run loads all its history`;
            ctx.log.warn("backfill_without_watermark", { runId: request.runId, table: table.name, message });
        }
        return done("succeeded");
    } catch (err) {
        return done(isExportError(err) && err.code === "DEADLINE" ? "incomplete" : "failed", describeError(err));
    }
}

/** A table's target as a first run and setup create it: the columns read, partitioned by day of its time column. */
export const targetTable = (database: string, table: ExportTableSpec, columns: readonly Column[]): TargetTable => ({
    database,
    table: table.name,
    columns,
    partitionDay: table.timeColumn,
});

/**
 * Iceberg target: created if absent, else the source's new columns added (a changed or vanished
 * column fails the table), by the engine (on AWS through Glue, not Athena DDL). Each chunk: preview -> MERGE (skipped when it would change nothing) ->
 * target keys -> reconciliation per day.
 */
async function icebergTarget(ctx: TableContext, e: Entry, table: ExportTableSpec, columns: Column[], run: Run) {
    const { engine, settings } = ctx;
    const d = engine.dialect;
    const db = settings.exportDatabase;
    e.output = `${db}.${table.name}`;
    const existing = await engine.targetColumns(db, table.name);
    if (!existing) {
        await engine.createTarget(targetTable(db, table, columns));
    } else {
        const { added, problem } = sql.compareSchema(table, e.output, columns, existing, d.sameType);
        if (problem) throw exportError("SCHEMA_DRIFT", problem);
        if (added.length) await engine.addTargetColumns(db, table.name, added);
        e.schemaChanges = added.map((c) => `${c.name} ${c.type}`);
    }
    return async (spec: sql.MergeSource) => {
        const reads = spec.days ?? spec.window ?? "all";
        const st = sql.statements({ ...spec, target: d.qualified(db, table.name) }, d);
        const preview = await run(st.preview, { step: "preview", reads, results: true });
        const source = byDay(preview.rows, "source_keys", "source_rows");
        const changes = byDay(preview.rows, "inserts", "updates");
        ctx.onStep?.("previewed", table.name);
        e.rowsRead += source.rows;
        // A snapshot replaces the target whatever it held (an emptied source empties it too).
        if (st.clear || changes.keys + changes.rows) {
            if (st.clear) await run(st.clear, { step: "clear" });
            await run(st.merge, { step: "merge", reads });
            ctx.onStep?.("merged", table.name);
        }
        e.rowsInserted! += changes.keys;
        e.rowsUpdated! += changes.rows;
        const targetRows = (await run(st.target, { step: "reconcile", results: true })).rows;
        const target = byDay(targetRows, "target_keys", "target_rows");
        const r = sql.reconcile(source.days, target.days, !table.timeColumn && table.exportMode !== "snapshot");
        // The sweep's check also counts keys the target holds at an older version than re-delivered.
        const stale = targetRows.reduce((n, row) => n + Number(row.stale_keys ?? 0), 0);
        if (stale) r.problems.push(`${stale} key(s) older in the target than re-delivered`);
        e.reconciliation = {
            sourceKeys: source.keys,
            sourceRows: source.rows,
            targetKeys: r.targetKeys,
            targetRows: r.targetRows,
            ok: !r.problems.length,
        };
        if (r.problems.length) {
            throw exportError(
                "RECONCILIATION",
                `after merging ${spec.days ? `the swept days ${spec.days.join(", ")}` : spec.window ? `${spec.window.from}..${spec.window.to}` : "the table"} the target's keys differ from the source's: ${r.problems.slice(0, 5).join("; ")}. ` +
                    `The watermark stays before these days; inspect ${e.output} and run again (a record landing during the merge shows here once)`,
            );
        }
    };
}

export async function readIndex(store: ObjectStore, key: string): Promise<FilesIndex> {
    return (await readState<FilesIndex>(store, key, "index")) ?? { days: {}, retired: [], pending: [] };
}

/**
 * Files target. First the folders a crashed run left (listed in the index as retired or pending,
 * so provably the export's) are deleted. Each chunk: the newest row per key into a new folder per
 * data day; every day with rows must have its folder; the index switches to the new folders in one
 * write, then the folders they replaced are deleted. Readers of the index always see one current
 * folder per day; a day with no rows now (past Connect's retention) keeps its folder.
 */
async function filesTarget(ctx: TableContext, e: Entry, table: ExportTableSpec, _columns: Column[], run: Run) {
    const { store, settings, engine } = ctx;
    const key = filesIndexKey(settings.prefix, table.name);
    e.output = store.uri(key);
    let index = await readIndex(store, key);
    const write = async (next: FilesIndex) => {
        await store.putText(key, JSON.stringify((index = next), null, 2));
    };
    const leftovers = [...index.retired, ...index.pending].filter((f) => !Object.values(index.days).includes(f));
    for (const folder of leftovers) await store.deletePrefix(folder);
    if (leftovers.length) await write({ ...index, retired: [], pending: [] });
    return async (spec: sql.MergeSource) => {
        const reads = spec.days ?? spec.window ?? "all";
        const st = sql.sourceStatements(spec, engine.dialect);
        const source = byDay((await run(st.days, { step: "days", reads, results: true })).rows, "keys", "rows");
        e.rowsRead += source.rows;
        const dest = `${settings.prefix}/${table.name}/run=${ctx.request.runId}/${ctx.runAttempt}-${spec.days ? `sweep-${spec.days[0]}` : (spec.window?.from ?? "all")}/`;
        const folder = (day: string) => (table.timeColumn ? `${dest}dt=${day}/` : dest);
        await write({ ...index, pending: [...index.pending, dest] });
        const text = engine.dialect.writeFiles(st.files, store.uri(dest), settings.format, !!table.timeColumn);
        const out = await run(text, { step: "unload", reads, output: store.uri(dest) }, () => store.deletePrefix(dest));
        const written = await store.listKeys(dest);
        const problems = [...source.days]
            .filter(([day, c]) => c.keys && !written.some((k) => k.startsWith(folder(day))))
            .map(([day]) => `no folder for ${day}`);
        if (out.outputRows !== null && out.outputRows !== source.keys) {
            problems.push(`${out.outputRows} rows written for ${source.keys} keys`);
        }
        const wrote = out.outputRows ?? source.keys;
        e.reconciliation = {
            sourceKeys: source.keys,
            sourceRows: source.rows,
            targetKeys: wrote,
            targetRows: wrote,
            ok: !problems.length,
        };
        if (problems.length) {
            throw exportError(
                "RECONCILIATION",
                `the files in ${store.uri(dest)} are incomplete (${problems.slice(0, 5).join("; ")}); the index still names the previous folders`,
            );
        }
        e.rowsWritten! += source.keys;
        const days = { ...index.days };
        const retired = [...source.days]
            .filter(([, c]) => c.keys)
            .flatMap(([day]) => {
                const old = days[day];
                days[day] = folder(day);
                return old && old !== days[day] ? [old] : [];
            });
        await write({ days, retired, pending: index.pending.filter((f) => f !== dest) });
        ctx.onStep?.("indexed", table.name);
        for (const f of retired) await store.deletePrefix(f);
        await write({ ...index, retired: [] });
    };
}
