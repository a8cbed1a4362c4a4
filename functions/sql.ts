/**
 * SQL pieces both engines share (ANSI quoting, the time-range predicate) and the engine-neutral
 * `SelectPlan`. Each engine adapter renders the plan into its own statement: Athena's UNLOAD in
 * athena/athenaSql.ts, DuckDB's COPY in local/duckdbSql.ts. Pure.
 */
import { connectColumnNames } from "../lib/connectSchema";
import { addDays, isIsoDay } from "./dates";
import { exportError } from "./errors";
import type { DayRange, ExportTableSpec, SelectPlan } from "./types";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A double-quoted identifier; refuses anything that is not a plain name, so no quoting tricks. */
export function quoteIdent(name: string): string {
    if (!IDENTIFIER.test(name)) {
        throw exportError("CONFIG", `${JSON.stringify(name)} is not a plain SQL identifier (letters, digits, '_').`);
    }
    return `"${name}"`;
}

/** A single-quoted SQL string literal. */
export function sqlString(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

/**
 * `column >= from AND column < to + 1 day`: half-open, so a day's last microsecond is included.
 * TIMESTAMP literals at 00:00:00 read the same in Trino and DuckDB.
 */
export function timeRangePredicate(column: string, range: DayRange): string {
    for (const day of [range.from, range.to]) {
        if (day !== undefined && !isIsoDay(day)) {
            throw exportError("CONFIG", `${JSON.stringify(day)} is not a date YYYY-MM-DD.`);
        }
    }
    const parts: string[] = [];
    if (range.from !== undefined) parts.push(`${quoteIdent(column)} >= TIMESTAMP '${range.from} 00:00:00'`);
    parts.push(`${quoteIdent(column)} < TIMESTAMP '${addDays(range.to, 1)} 00:00:00'`);
    return parts.join(" AND ");
}

export function buildSelectPlan(table: ExportTableSpec, range: DayRange | undefined): SelectPlan {
    const known = connectColumnNames(table.name);
    return {
        table,
        excludedColumns: [...new Set(table.excludedColumns ?? [])].sort(),
        ...(known ? { knownColumns: known } : {}),
        ...(table.timeColumn && range ? { range } : {}),
    };
}

/**
 * The explicit column list of a plan with exclusions (known columns minus excluded ones), or
 * undefined when nothing is excluded and `*` is right. An engine without `* EXCLUDE` cannot honour
 * exclusions on a table whose columns it does not know: that is an error, never a silent `*`.
 */
export function explicitColumns(plan: SelectPlan): string[] | undefined {
    if (plan.excludedColumns.length === 0) return undefined;
    if (!plan.knownColumns) {
        throw exportError(
            "CONFIG",
            `table ${plan.table.name} has excludedColumns but its columns are unknown to the export; ` +
                `add its schema to lib/connectSchema.ts, or remove excludedColumns and rely on Lake Formation column permissions.`,
        );
    }
    return plan.knownColumns.filter((c) => !plan.excludedColumns.includes(c));
}
