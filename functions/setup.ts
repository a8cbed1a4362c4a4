/**
 * Setup (event {"setup": true}): the consumer stack invokes the Lambda once at deploy time so the
 * export's Iceberg tables exist before Lake Formation data cells filters are created on them (a
 * filter needs its table). Per table: the source columns read as a run reads them (Glue, the
 * exclusions applied), then the table a first run would create (same columns, location and
 * partitioning; on AWS through Glue's CreateTable, never Athena DDL) when the target is absent. No data is read, no watermark moves, no
 * manifest is written: the first run merges as it always does. A failed table is reported while
 * the others go on, then thrown, so the deploy fails loudly. The files target has no table.
 *
 * No lease: creating is idempotent (a table made meanwhile by a run counts as created), so
 * overlapping an export run is harmless, and a deploy never waits behind a long export.
 */
import { describeError, exportError } from "./errors";
import { selectedTables, targetTable, type RunDeps } from "./runner";
import { selectColumns } from "./sql";
import type { SetupEntry, SetupSummary } from "./types";

export async function runSetup(deps: RunDeps): Promise<SetupSummary> {
    const { settings, request, engine, log, clock } = deps;
    const startedMs = clock.now();
    const db = settings.exportDatabase;
    const iceberg = settings.target === "iceberg";
    const tables: SetupEntry[] = [];
    for (const table of selectedTables(settings, request)) {
        let e: SetupEntry = { table: table.name, status: "skipped", output: null, columns: null, error: null };
        try {
            if (iceberg) {
                const columns = selectColumns(table, await engine.sourceColumns(table));
                const existing = await engine.targetColumns(db, table.name);
                if (!existing) await engine.createTarget(targetTable(db, table, columns));
                const status = existing ? "exists" : "created";
                e = { ...e, status, output: `${db}.${table.name}`, columns: (existing ?? columns).length };
            } else e = { ...e, error: "the files target has no table to create; its first run writes the folders" };
        } catch (err) {
            e = { ...e, status: "failed", error: describeError(err) };
        }
        (e.status === "failed" ? log.error : log.info)("table_setup", { runId: request.runId, ...e });
        tables.push(e);
    }
    const failed = tables.filter((t) => t.status === "failed");
    const summary: SetupSummary = {
        runId: request.runId,
        status: failed.length ? "failed" : "succeeded",
        target: settings.target,
        tables,
        durationMs: clock.now() - startedMs,
    };
    (failed.length ? log.error : log.info)("setup_summary", { ...summary });
    if (failed.length) {
        throw exportError(
            "RUN_FAILED",
            `setup failed for ${failed.map((f) => `${f.table} (${f.error})`).join("; ")}; the other tables are set up, and setting up again creates only what is missing.`,
            { summary },
        );
    }
    return summary;
}
