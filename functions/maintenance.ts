/**
 * Maintenance of the Iceberg targets (event {"maintenance": true}, on its own schedule):
 * compaction (OPTIMIZE ... REWRITE DATA USING BIN_PACK) and cleanup (VACUUM: expired snapshots,
 * orphan files) per table. It never blocks the merges: it takes its own lease, not the run lease,
 * and skips the tables it reaches while an export run holds the run lease; a MERGE that conflicts
 * with a running OPTIMIZE fails its Iceberg commit and is retried. A failure is reported (logged,
 * in the summary, and thrown at the end so the Errors alarm sees it) while the other tables go on.
 * The files target has nothing to maintain.
 */
import { describeError, exportError } from "./errors";
import { LEASE_KEY, MAINTENANCE_LEASE_KEY, type LeaseRecord } from "./lease";
import { runStatement, selectedTables, withLease, type RunDeps } from "./runner";
import type { MaintenanceEntry, MaintenanceSummary } from "./types";

export async function runMaintenance(deps: RunDeps): Promise<MaintenanceSummary> {
    const { settings, request, engine, store, log, clock } = deps;
    const startedMs = clock.now();
    const tables: MaintenanceEntry[] = [];
    await withLease(deps, MAINTENANCE_LEASE_KEY, async () => {
        for (const table of selectedTables(settings, request)) {
            const e = {
                table: table.name,
                status: "skipped" as MaintenanceEntry["status"],
                statements: [] as string[],
                bytesScanned: 0,
                error: null as string | null,
            };
            try {
                const run: LeaseRecord | undefined =
                    JSON.parse((await store.getText(LEASE_KEY)) ?? "null") ?? undefined;
                if (settings.target !== "iceberg") e.error = "the files target has no table to maintain";
                else if (run && !run.released && run.owner !== deps.owner && Date.parse(run.expiresAt) > clock.now()) {
                    e.error = `export run ${run.runId} is running; merges go first`;
                } else if (!(await engine.targetColumns(settings.exportDatabase, table.name))) {
                    e.error = `${settings.exportDatabase}.${table.name} does not exist yet`;
                } else {
                    const acc = { bytesScanned: 0, queryExecutionIds: [] as string[] };
                    for (const { step, sql } of engine.dialect.maintenance(settings.exportDatabase, table.name)) {
                        await runStatement(deps, acc, sql, { table, step }).finally(
                            () => (e.bytesScanned = acc.bytesScanned),
                        );
                        e.statements.push(step);
                    }
                    e.status = "succeeded";
                }
            } catch (err) {
                [e.status, e.error] = ["failed", describeError(err)];
            }
            (e.status === "failed" ? log.error : log.info)("table_maintenance", { runId: request.runId, ...e });
            tables.push(e);
        }
    });
    const failed = tables.filter((t) => t.status === "failed");
    const summary: MaintenanceSummary = {
        runId: request.runId,
        status: failed.length ? "failed" : "succeeded",
        tables,
        durationMs: clock.now() - startedMs,
    };
    (failed.length ? log.error : log.info)("maintenance_summary", { ...summary });
    if (failed.length) {
        throw exportError(
            "RUN_FAILED",
            `maintenance ${request.runId} failed for ${failed.map((f) => `${f.table} (${f.error})`).join("; ")}; merges are unaffected, and the next maintenance run tries again.`,
            { summary },
        );
    }
    return summary;
}
