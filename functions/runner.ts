/**
 * One export run over the configured tables, engine- and store-agnostic: the Lambda runs it on
 * Athena + S3, `npm start` on DuckDB + the local filesystem.
 *
 * Layout in the store:
 *   <prefix>/<table>/dt=<run date>/run=<run id>/   the table's files for this run
 *   manifests/<run id>.json                        the run's manifest (rewritten after each table)
 *   state/watermarks/<table>.json                  last fully exported day of a time-partitioned table
 *
 * A table that fails (or cannot start before the deadline) is recorded as failed while the others
 * go on; the run then throws an error listing the failed tables, after writing the manifest, so
 * Lambda's retry and failure destination see it. A re-run of the same run id redoes exactly those,
 * keeping the first attempt's run date so it writes (and clears) the same prefixes. Before each
 * query the table's own run prefix is cleared (UNLOAD refuses a non-empty destination), nothing
 * else. The manifest is rewritten after each table, so a crash still leaves the done tables on record.
 * A request that would replace another request's export under the same run id is refused before
 * anything is touched (see `rerunConflict`).
 */
import { utcDay } from "./dates";
import { describeError, exportError, isExportError } from "./errors";
import { nextWatermark, planTable, rerunConflict, tableMode } from "./plan";
import { backoffDelay, RETRY_BACKOFF } from "./retry";
import { buildSelectPlan } from "./sql";
import type {
    Clock,
    DayRange,
    ExportRequest,
    ExportRunSummary,
    ExportSettings,
    ExportTableSpec,
    JobControl,
    Logger,
    ObjectStore,
    QueryEngine,
    RunManifest,
    TableMode,
    TableRunEntry,
} from "./types";

export interface RunLimits {
    /** Kept free at the end of the invocation for the manifest, watermarks and logs. */
    readonly reserveMs: number;
    /** A query (first or retried) starts only with at least this much time left after the reserve. */
    readonly minStartMs: number;
    /** Attempts per table for retryable query failures. */
    readonly maxQueryAttempts: number;
}

export const DEFAULT_LIMITS: RunLimits = { reserveMs: 15_000, minStartMs: 30_000, maxQueryAttempts: 3 };

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
    /** Called after each table, for progress output. */
    onTable?(
        entry: TableRunEntry,
        progress: { readonly index: number; readonly total: number; readonly runAttempt: number },
    ): void;
}

export const manifestKey = (runId: string) => `manifests/${runId}.json`;
export const watermarkKey = (table: string) => `state/watermarks/${table}.json`;

/** The only prefix a run ever clears: its own output for one table. */
export function runOutputPrefix(prefix: string, table: string, runDate: string, runId: string): string {
    return `${prefix}/${table}/dt=${runDate}/run=${runId}/`;
}

export interface WatermarkRecord {
    readonly table: string;
    /** Last UTC day whose rows are all exported. */
    readonly through: string;
    readonly runId: string;
    readonly updatedAt: string;
}

export async function readWatermark(store: ObjectStore, table: string): Promise<string | undefined> {
    const key = watermarkKey(table);
    const text = await store.getText(key);
    if (text === undefined) return undefined;
    let record: Partial<WatermarkRecord> | undefined;
    try {
        record = JSON.parse(text) as Partial<WatermarkRecord>;
    } catch {
        record = undefined;
    }
    if (!record || typeof record.through !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(record.through)) {
        throw exportError(
            "STORE",
            `watermark ${store.uri(key)} is not {"through": "YYYY-MM-DD", ...}; fix it, or delete it to export ${table} from the beginning.`,
        );
    }
    return record.through;
}

export async function readManifest(store: ObjectStore, runId: string): Promise<RunManifest | undefined> {
    const key = manifestKey(runId);
    const text = await store.getText(key);
    if (text === undefined) return undefined;
    let manifest: RunManifest | undefined;
    try {
        manifest = JSON.parse(text) as RunManifest;
    } catch {
        manifest = undefined;
    }
    if (
        !manifest ||
        manifest.manifestVersion !== 1 ||
        manifest.runId !== runId ||
        typeof manifest.tables !== "object"
    ) {
        throw exportError(
            "STORE",
            `manifest ${store.uri(key)} of run ${runId} is unreadable; delete it to start the run over, or use a new run id.`,
        );
    }
    return manifest;
}

export async function runExport(deps: RunDeps): Promise<ExportRunSummary> {
    const { settings, request, engine, store, log, clock } = deps;
    const limits: RunLimits = { ...DEFAULT_LIMITS, ...deps.limits };
    const startedMs = clock.now();
    const runId = request.runId;
    const key = manifestKey(runId);

    const previous = await readManifest(store, runId);
    const runDate = previous?.runDate ?? request.runDate ?? utcDay(startedMs);
    const runAttempt = (previous?.runAttempt ?? 0) + 1;
    const selected = settings.tables.filter((t) => !request.tables || request.tables.includes(t.name));
    const conflicts = selected.map((table) =>
        rerunConflict({
            table,
            previous: previous?.tables[table.name],
            backfill: request.backfill,
            force: request.force,
        }),
    );
    if (conflicts.some(Boolean)) {
        throw exportError("EVENT", `export run ${runId} refused: ${conflicts.filter(Boolean).join("; ")}.`);
    }
    const entries: Record<string, TableRunEntry> = { ...(previous?.tables ?? {}) };
    const manifestOf = (status: RunManifest["status"], finishedAt: string | null): RunManifest => ({
        manifestVersion: 1,
        runId,
        runDate,
        scheduledTime: previous?.scheduledTime ?? request.scheduledTime ?? null,
        trigger: request.trigger,
        engine: engine.name,
        format: settings.format,
        prefix: settings.prefix,
        status,
        runAttempt,
        startedAt: new Date(startedMs).toISOString(),
        finishedAt,
        request: {
            tables: request.tables ?? null,
            from: request.backfill?.from ?? null,
            to: request.backfill?.to ?? null,
            force: request.force,
        },
        tables: { ...entries },
    });

    log.info("export_start", {
        runId,
        runDate,
        runAttempt,
        trigger: request.trigger,
        engine: engine.name,
        tables: selected.map((t) => t.name),
        ...(request.backfill ? { backfill: request.backfill } : {}),
    });

    const logTable = (entry: TableRunEntry, reused: boolean) =>
        (entry.status === "failed" ? log.error : log.info)("table_export", {
            runId,
            ...entry,
            ...(reused ? { reused: true } : {}),
        });
    const summaryFields = (summary: ExportRunSummary) => {
        const count = (status: string) => summary.tables.filter((t) => t.status === status).length;
        const { tables: _tables, ...rest } = summary;
        return { ...rest, succeeded: count("succeeded"), upToDate: count("up_to_date"), failed: count("failed") };
    };

    const results: TableRunEntry[] = [];
    for (const table of selected) {
        const entry = await exportTable(deps, limits, table, previous?.tables[table.name], runDate, runAttempt);
        entries[table.name] = entry;
        results.push(entry);
        logTable(entry, entry === previous?.tables[table.name]);
        deps.onTable?.(entry, { index: results.length, total: selected.length, runAttempt });
        try {
            await store.putText(key, JSON.stringify(manifestOf("running", null), null, 2));
        } catch (err) {
            log.warn("manifest_progress_write_failed", { runId, error: describeError(err) });
        }
    }

    const failedTables = results.filter((e) => e.status === "failed").map((e) => e.table);
    const finishedMs = clock.now();
    const manifest = manifestOf(failedTables.length > 0 ? "failed" : "succeeded", new Date(finishedMs).toISOString());
    const summary: ExportRunSummary = {
        runId,
        runDate,
        status: manifest.status === "succeeded" ? "succeeded" : "failed",
        runAttempt,
        manifestLocation: store.uri(key),
        tables: results,
        failedTables,
        rows: results.reduce((n, e) => n + (e.runAttempt === runAttempt ? (e.rows ?? 0) : 0), 0),
        bytesScanned: results.reduce((n, e) => n + (e.runAttempt === runAttempt ? (e.bytesScanned ?? 0) : 0), 0),
        durationMs: finishedMs - startedMs,
    };
    try {
        await store.putText(key, JSON.stringify(manifest, null, 2));
    } catch (err) {
        log.error("export_summary", {
            ...summaryFields(summary),
            error: `manifest not written: ${describeError(err)}`,
        });
        throw exportError(
            "STORE",
            `export run ${runId}: could not write its manifest ${store.uri(key)}: ${describeError(err)}` +
                (failedTables.length > 0 ? `; failed tables: ${failedTables.join(", ")}` : ""),
            { summary },
        );
    }
    (failedTables.length > 0 ? log.error : log.info)("export_summary", summaryFields(summary));
    if (failedTables.length > 0) {
        throw exportError(
            "RUN_FAILED",
            `export run ${runId} failed for ${failedTables.length} of ${results.length} table(s): ` +
                failedTables.map((t) => `${t} (${entries[t].error})`).join("; ") +
                `. Manifest: ${summary.manifestLocation}. Invoking again with {"runId": "${runId}"} redoes only the failed tables.`,
            { summary, failedTables },
        );
    }
    return summary;
}

async function exportTable(
    deps: RunDeps,
    limits: RunLimits,
    table: ExportTableSpec,
    previous: TableRunEntry | undefined,
    runDate: string,
    runAttempt: number,
): Promise<TableRunEntry> {
    const { settings, request, engine, store, log, clock } = deps;
    const startedMs = clock.now();
    const base = {
        table: table.name,
        linkName: table.linkName,
        runAttempt,
        startedAt: new Date(startedMs).toISOString(),
    };
    const entry = (
        fields: Partial<TableRunEntry> & { mode: TableMode; status: TableRunEntry["status"] },
    ): TableRunEntry => ({
        ...base,
        range: null,
        rows: null,
        bytesScanned: null,
        queryExecutionId: null,
        outputLocation: null,
        watermarkBefore: null,
        watermarkAfter: null,
        error: null,
        queryAttempts: 0,
        ...fields,
        durationMs: clock.now() - startedMs,
    });

    let watermarkBefore: string | undefined;
    if (table.timeColumn) {
        try {
            watermarkBefore = await readWatermark(store, table.name);
        } catch (err) {
            return entry({ mode: tableMode(table, request.backfill), status: "failed", error: describeError(err) });
        }
    }
    const plan = planTable({
        table,
        runDate,
        overlapDays: settings.lateDataOverlapDays,
        watermark: watermarkBefore,
        backfill: request.backfill,
        previous,
        force: request.force,
    });
    if (plan.action === "reuse") return previous!;
    const wm = { watermarkBefore: watermarkBefore ?? null, watermarkAfter: watermarkBefore ?? null };
    if (plan.action === "upToDate") return entry({ mode: plan.mode, status: "up_to_date", rows: 0, ...wm });

    const range: DayRange | undefined = plan.range;
    const outputPrefix = runOutputPrefix(settings.prefix, table.name, runDate, request.runId);
    const outputUri = store.uri(outputPrefix);
    const control: JobControl = { clock, log, remainingMs: () => deps.remainingMs() - limits.reserveMs };
    const common = { mode: plan.mode, range: range ?? null, ...wm };

    let result;
    let attempt = 0;
    for (;;) {
        attempt++;
        const left = control.remainingMs();
        if (left < limits.minStartMs) {
            return entry({
                ...common,
                status: "failed",
                queryAttempts: attempt - 1,
                error: `not started: ${Math.max(0, Math.round(left / 1000))} s left before the deadline reserve, ${Math.round(limits.minStartMs / 1000)} s needed to start a query`,
            });
        }
        try {
            const removed = await store.deletePrefix(outputPrefix);
            if (removed > 0) {
                log.info("run_output_cleared", {
                    runId: request.runId,
                    table: table.name,
                    outputLocation: outputUri,
                    objects: removed,
                });
            }
            result = await engine.runExport(
                {
                    runId: request.runId,
                    plan: buildSelectPlan(table, range),
                    format: settings.format,
                    outputUri,
                    attempt,
                },
                control,
            );
            break;
        } catch (err) {
            const delay = backoffDelay(attempt - 1, RETRY_BACKOFF, clock.random);
            const retryable = isExportError(err) && err.retryable;
            if (retryable && attempt < limits.maxQueryAttempts && control.remainingMs() - delay >= limits.minStartMs) {
                log.warn("query_retry", {
                    runId: request.runId,
                    table: table.name,
                    attempt,
                    delayMs: delay,
                    error: describeError(err),
                });
                await clock.sleep(delay);
                continue;
            }
            const queryExecutionId =
                isExportError(err) && typeof err.queryExecutionId === "string" ? err.queryExecutionId : null;
            return entry({
                ...common,
                status: "failed",
                queryAttempts: attempt,
                queryExecutionId,
                outputLocation: outputUri,
                error: describeError(err),
            });
        }
    }

    const done = {
        ...common,
        rows: result.rows,
        bytesScanned: result.bytesScanned,
        queryExecutionId: result.queryExecutionId,
        outputLocation: outputUri,
        queryAttempts: attempt,
    };
    const watermarkAfter = nextWatermark(plan.mode, watermarkBefore, range, runDate);
    if (watermarkAfter !== undefined && watermarkAfter !== watermarkBefore) {
        const record: WatermarkRecord = {
            table: table.name,
            through: watermarkAfter,
            runId: request.runId,
            updatedAt: new Date(clock.now()).toISOString(),
        };
        try {
            await store.putText(watermarkKey(table.name), JSON.stringify(record, null, 2));
        } catch (err) {
            return entry({
                ...done,
                status: "failed",
                error: `exported, but the watermark was not saved (${describeError(err)}); a re-run of this run id exports the table again`,
            });
        }
    }
    return entry({ ...done, status: "succeeded", watermarkAfter: watermarkAfter ?? null });
}
