/**
 * Probe (event {"probe": true}, optionally with "tables"): `SELECT * ... LIMIT 1` on each
 * configured table's resource link and, with the Iceberg target, on its export table, as this
 * function's role, the principal the grants are for. `verify --query` invokes it (one
 * lambda:InvokeFunction), so the answer does not depend on the operator's own access: a data lake
 * administrator has DESCRIBE on everything but not SELECT (lake-formation/latest/dg/implicit-permissions.html).
 * It reads at most one row per table, writes nothing, takes no lease, and never throws for a table:
 * each is `ok` or carries its error, and the caller judges.
 */
import { describeError } from "./errors";
import { runStatement, selectedTables, type RunDeps } from "./runner";
import type { ProbeEntry, ProbeSummary } from "./types";

export async function runProbe(deps: RunDeps): Promise<ProbeSummary> {
    const { settings: st, request, engine, clock } = deps;
    const started = clock.now();
    const tables: ProbeEntry[] = [];
    for (const table of selectedTables(st, request)) {
        for (const [kind, db, name] of [
            ["link", st.sourceDatabase, table.linkName],
            ["export", st.exportDatabase, table.name],
        ] as const) {
            if (kind === "export" && st.target !== "iceberg") continue;
            const q = engine.dialect.qualified(db, name);
            const error = await runStatement(
                deps,
                { bytesScanned: 0, queryExecutionIds: [] },
                `SELECT * FROM ${q} LIMIT 1`,
                { table, step: "probe", results: true },
            ).then(() => null, describeError);
            tables.push({ table: table.name, kind, name: q, ok: !error, error });
        }
    }
    const failed = tables.filter((t) => !t.ok);
    const summary: ProbeSummary = {
        runId: request.runId,
        status: failed.length ? "failed" : "succeeded",
        tables,
        durationMs: clock.now() - started,
    };
    (failed.length ? deps.log.warn : deps.log.info)("probe_summary", { ...summary });
    return summary;
}
