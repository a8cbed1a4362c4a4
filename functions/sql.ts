/**
 * The engine-neutral plan of a merge: pure functions building the statements both engines run
 * (Trino on Athena and DuckDB accept the same MERGE INTO, window functions and aggregates), with a
 * `Dialect` for what they spell differently (DDL, partition pruning, file output). Also the column
 * selection and the schema comparison that decide what a run may do to a target.
 *
 * The statements:
 *  - dedupe: the newest row per key of the window, by `row_number()` over the key ordered by
 *    version, so the source's own duplicates never reach MERGE (which rejects a target row
 *    matched twice). Rows without a key are left out: they could never match. Rows of one key
 *    with the same version but different content (a re-processed record) are ordered by their
 *    content, as text (`rowText`): the greatest wins, whatever order the files or threads
 *    deliver them in, so the same input always gives the same row.
 *  - merge: MERGE INTO the target, updating only when the incoming version is strictly newer (or
 *    the target has none) and inserting new keys. An older version delivered after a newer one
 *    changes nothing, and so does an equal version arriving in a later run: the row merged first
 *    stays (the preview can then tell a re-run that nothing changes, and skip the MERGE). The
 *    target side is limited to the window's days, so Iceberg reads only those partitions: a
 *    record keeps its time column (Connect partitions by it).
 *  - preview (source side, before merging, per data day): rows read, distinct keys, and the keys
 *    the MERGE will insert and update under the same conditions; none of either and the MERGE is
 *    skipped, so a re-run commits nothing.
 *  - target (after merging, per data day): distinct keys and rows, for the reconciliation.
 *  - firstDay: where a first load starts. days / files: the files target's counts and output.
 *
 * This code ships in the Lambda's serialized archive: statements are built by one function with
 * inner helpers, which the serializer emits far smaller than many small functions.
 */
import { addDays, isIsoDay } from "./dates";
import { exportError } from "./errors";
import { sqlString } from "../lib/sqlText";
import type { Column, DayRange, Dialect, ExportTableSpec } from "./types";

/** A double-quoted identifier; refuses anything that is not a plain name, so no quoting tricks. */
export function quoteIdent(name: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw exportError("CONFIG", `${JSON.stringify(name)} is not a plain SQL identifier (letters, digits, '_').`);
    }
    return `"${name}"`;
}

export { sqlString } from "../lib/sqlText";

/**
 * `column >= from AND column < to + 1 day`: half-open, so a day's last microsecond is included.
 * TIMESTAMP literals at 00:00:00 read the same in Trino and DuckDB.
 */
export function timeRangePredicate(column: string, range: DayRange, alias?: string): string {
    if (![range.from ?? range.to, range.to].every(isIsoDay)) {
        throw exportError("CONFIG", `${JSON.stringify(range)} is not a range of dates YYYY-MM-DD.`);
    }
    const col = (alias ? `"${alias}".` : "") + quoteIdent(column);
    return (
        (range.from ? `${col} >= TIMESTAMP '${range.from} 00:00:00' AND ` : "") +
        `${col} < TIMESTAMP '${addDays(range.to, 1)} 00:00:00'`
    );
}

/**
 * The columns a table exports: the real source columns minus its excluded ones. An excluded
 * column the table does not have is an error (a misspelt exclusion would export the real column),
 * and so is a missing key, version or time column.
 */
export function selectColumns(table: ExportTableSpec, source: readonly Column[]): Column[] {
    const names = source.map((c) => c.name);
    const excluded = table.excludedColumns ?? [];
    const missing = (cols: readonly (string | undefined)[]) => cols.filter((c) => c && !names.includes(c));
    const problems = [
        ...missing(excluded).map((c) => `excluded column ${c} does not exist (misspelt?)`),
        ...missing([...(table.primaryKey ?? []), table.versionColumn, table.timeColumn]).map(
            (c) => `key, version or time column ${c} does not exist`,
        ),
    ];
    if (problems.length) {
        throw exportError(
            "CONFIG",
            `${table.name}: ${problems.join("; ")} in ${table.linkName}, whose columns are ${names.slice(0, 40).join(", ")}.`,
        );
    }
    return source.filter((c) => !excluded.includes(c.name));
}

/**
 * Source columns (after exclusions) against the target's: the ones to add before merging, and why
 * the table cannot be merged when a column changed type or vanished (with what to do).
 */
export function compareSchema(
    table: ExportTableSpec,
    target: string,
    selected: readonly Column[],
    existing: readonly Column[],
    sameType: Dialect["sameType"],
): { added: Column[]; problem?: string } {
    const types = new Map(existing.map((c) => [c.name, c.type]));
    const names = selected.map((c) => c.name);
    const changes = [
        ...selected
            .filter((c) => types.has(c.name) && !sameType(c.type, types.get(c.name)!))
            .map((c) => `column ${c.name} changed type from ${types.get(c.name)} to ${c.type}`),
        ...existing
            .filter((c) => !names.includes(c.name))
            .map((c) => `column ${c.name} is gone from ${table.linkName} or now excluded`),
    ];
    return {
        added: selected.filter((c) => !types.has(c.name)),
        ...(changes.length
            ? {
                  problem:
                      `the source schema drifted: ${changes.join("; ")}. The export changes no type and drops no column itself: ` +
                      `restore the source, or alter ${target} to match (ALTER TABLE ... ALTER COLUMN / DROP COLUMN), ` +
                      `or drop ${target} and delete its watermark to reload it; then run again`,
              }
            : {}),
    };
}

/** What a merge reads, engine-neutral: which source, which columns and which days. */
export interface MergeSource {
    readonly table: ExportTableSpec;
    /** Qualified source link. */
    readonly source: string;
    /** The exported columns, in the source's order (their types render them for the tie-break). */
    readonly columns: readonly Column[];
    /** Days to read; undefined (and no `days`): the whole table. */
    readonly window?: { readonly from: string; readonly to: string } | undefined;
    /** The late-update sweep: these days (each an ISO day), instead of a window. */
    readonly days?: readonly string[];
    /** The sweep: only the rows a column (data_lake_last_processed_timestamp) shows touched after this instant. */
    readonly touched?: { readonly column: string; readonly after: string };
}

/** A merge into a target table (Iceberg on Athena, a DuckDB table): the source and the target. */
export interface MergeSpec extends MergeSource {
    /** The target table as the dialect spells it. */
    readonly target: string;
}

export interface Statements {
    /** MERGE (merge, insertOnly), or the INSERT of a snapshot after `clear`. */
    readonly merge: string;
    /** A snapshot's DELETE of the target's rows, run before `merge`. */
    readonly clear?: string;
    readonly preview: string;
    readonly target: string;
    readonly days: string;
    readonly files: string;
}

/** Contiguous runs of ISO days (sorted, distinct), as inclusive ranges. */
export function dayRanges(days: readonly string[]): { from: string; to: string }[] {
    const ranges: { from: string; to: string }[] = [];
    for (const day of [...new Set(days)].sort()) {
        const last = ranges[ranges.length - 1];
        if (last && addDays(last.to, 1) === day) last.to = day;
        else ranges.push({ from: day, to: day });
    }
    return ranges;
}

/** The pieces every statement of a merge is built from. */
function mergeParts(spec: MergeSource, d: Dialect) {
    const { table, touched } = spec;
    const { versionColumn, timeColumn } = table;
    const key = table.primaryKey ?? [];
    const q = quoteIdent;
    const list = (names: readonly string[], alias = "") => names.map((n) => alias + q(n)).join(", ");
    const keys = list(key);
    const v = versionColumn && table.exportMode !== "snapshot" ? q(versionColumn) : undefined;
    const ranges = timeColumn ? (spec.days ? dayRanges(spec.days) : spec.window ? [spec.window] : []) : [];
    const any = (parts: string[]) => (parts.length > 1 ? `(${parts.join(" OR ")})` : parts[0]);
    const inDays = (alias?: string) =>
        ranges.length ? any(ranges.map((r) => timeRangePredicate(timeColumn!, r, alias))) : "";
    const prunes = ranges.map((r) => d.sourcePrune(r)).filter((p): p is string => !!p);
    const sourceWhere =
        [
            ...(prunes.length ? [any(prunes)] : []),
            ...(ranges.length ? [inDays()] : []),
            ...(touched ? [`${q(touched.column)} > TIMESTAMP ${sqlString(touched.after)}`] : []),
            ...key.map((k) => `${q(k)} IS NOT NULL`),
        ].join(" AND ") || "TRUE";
    const day = (agg: string) => (timeColumn ? `CAST(${agg}(CAST(${q(timeColumn)} AS DATE)) AS VARCHAR)` : `'all'`);
    const names = spec.columns.map((c) => c.name);
    const cols = list(names);
    // Equal versions (or no version): the greater content first. NULL ('') sorts apart from any value ('=...').
    const rowText = spec.columns
        .filter((c) => !key.includes(c.name) && c.name !== versionColumn)
        .map((c) => d.text(c))
        .filter((t): t is string => t !== undefined)
        .map((t) => `coalesce('=' || ${t}, '')`)
        .join(" || chr(31) || ");
    const order = [...(v ? [`${v} DESC NULLS LAST`] : []), ...(rowText ? [`${rowText} DESC`] : [])].join(", ");
    const dedupe = (extra = "") =>
        `SELECT ${cols}${extra} FROM (SELECT ${cols}, row_number() OVER (PARTITION BY ${keys}${order && ` ORDER BY ${order}`}) AS "__rn" ` +
        `FROM ${spec.source} WHERE ${sourceWhere}) AS "d" WHERE "__rn" = 1`;
    return { key, keys, v, q, list, names, cols, sourceWhere, day, dedupe, inDays, timeColumn };
}

/** The statements that read the source only: its keys per day, and its newest rows (the files target). */
export function sourceStatements(spec: MergeSource, d: Dialect): Pick<Statements, "days" | "files"> {
    return sourceOnly(spec, mergeParts(spec, d));
}

function sourceOnly(spec: MergeSource, parts: ReturnType<typeof mergeParts>): Pick<Statements, "days" | "files"> {
    const { keys, q, sourceWhere, day, dedupe, timeColumn, cols } = parts;
    const dt = timeColumn ? `, CAST(CAST(${q(timeColumn)} AS DATE) AS VARCHAR) AS "dt"` : "";
    // A snapshot has no key: its rows are counted and copied as they are.
    return spec.table.exportMode === "snapshot"
        ? {
              days: `SELECT ${day("min")} AS "day", count(*) AS "keys", count(*) AS "rows" FROM ${spec.source} WHERE ${sourceWhere}`,
              files: `SELECT ${cols}${dt} FROM ${spec.source} WHERE ${sourceWhere}`,
          }
        : {
              days:
                  `SELECT "__day" AS "day", count(*) AS "keys", sum("__n") AS "rows" ` +
                  `FROM (SELECT ${keys}, count(*) AS "__n", ${day("min")} AS "__day" FROM ${spec.source} WHERE ${sourceWhere} GROUP BY ${keys}) AS "g" GROUP BY "__day"`,
              files: dedupe(dt),
          };
}

/**
 * Every statement of one merge (see the module comment), by the table's export mode: `merge`
 * updates a key whose incoming version is newer and inserts new keys; `insertOnly` inserts new keys
 * only; `snapshot` deletes the target's rows and inserts the source's.
 */
export function statements(spec: MergeSpec, d: Dialect): Statements {
    const parts = mergeParts(spec, d);
    const { key, keys, v, q, list, names, cols, sourceWhere, day, dedupe, inDays } = parts;
    if (spec.table.exportMode === "snapshot") {
        return {
            clear: `DELETE FROM ${spec.target}`,
            merge: `INSERT INTO ${spec.target} (${cols}) SELECT ${cols} FROM ${spec.source} WHERE ${sourceWhere}`,
            preview: `SELECT 'all' AS "day", count(*) AS "source_keys", count(*) AS "source_rows", count(*) AS "inserts", 0 AS "updates" FROM ${spec.source} WHERE ${sourceWhere}`,
            target: `SELECT 'all' AS "day", count(*) AS "target_keys", count(*) AS "target_rows" FROM ${spec.target}`,
            ...sourceOnly(spec, parts),
        };
    }
    const on = key.map((k) => `"t".${q(k)} = "s".${q(k)}`).join(" AND ");
    const tw = inDays() && ` WHERE ${inDays()}`;
    const newer = v ? `("s".${v} > "t".${v} OR ("t".${v} IS NULL AND "s".${v} IS NOT NULL))` : "FALSE";
    const update =
        spec.table.exportMode === "merge"
            ? `WHEN MATCHED AND ${newer} THEN UPDATE SET ${names
                  .filter((c) => !key.includes(c))
                  .map((c) => `${q(c)} = "s".${q(c)}`)
                  .join(", ")} `
            : "";
    const updates =
        spec.table.exportMode === "merge"
            ? `CASE WHEN "t".${q(key[0])} IS NOT NULL AND ${newer} THEN 1 ELSE 0 END`
            : "0";
    return {
        merge:
            `MERGE INTO ${spec.target} AS "t" USING (${dedupe()}) AS "s" ON ${on}${inDays("t") && ` AND ${inDays("t")}`} ` +
            `${update}WHEN NOT MATCHED THEN INSERT (${cols}) VALUES (${list(names, '"s".')})`,
        preview:
            `SELECT "s"."__day" AS "day", count(*) AS "source_keys", sum("s"."__n") AS "source_rows", ` +
            `sum(CASE WHEN "t".${q(key[0])} IS NULL THEN 1 ELSE 0 END) AS "inserts", sum(${updates}) AS "updates" ` +
            `FROM (SELECT ${keys}${v ? `, max(${v}) AS ${v}` : ""}, count(*) AS "__n", ${day("min")} AS "__day" FROM ${spec.source} WHERE ${sourceWhere} GROUP BY ${keys}) AS "s" ` +
            `LEFT JOIN (SELECT ${keys}${v ? `, ${v}` : ""} FROM ${spec.target}${tw}) AS "t" ON ${on} GROUP BY "s"."__day"`,
        // The sweep reads only the keys it merged: their rows in the target, not the days' others.
        // and, for merge, those whose version in the target is older than the newest re-delivered one.
        target: spec.touched
            ? `SELECT "s"."__day" AS "day", count(*) AS "target_keys", sum("t"."__n") AS "target_rows", sum(${updates}) AS "stale_keys" ` +
              `FROM (SELECT ${keys}${v ? `, max(${v}) AS ${v}` : ""}, ${day("min")} AS "__day" FROM ${spec.source} WHERE ${sourceWhere} GROUP BY ${keys}) AS "s" ` +
              `JOIN (SELECT ${keys}${v ? `, max(${v}) AS ${v}` : ""}, count(*) AS "__n" FROM ${spec.target}${tw} GROUP BY ${keys}) AS "t" ON ${on} GROUP BY "s"."__day"`
            : `SELECT "__day" AS "day", count(*) AS "target_keys", sum("__n") AS "target_rows" ` +
              `FROM (SELECT ${keys}, count(*) AS "__n", ${day("min")} AS "__day" FROM ${spec.target}${tw} GROUP BY ${keys}) AS "g" GROUP BY "__day"`,
        ...sourceOnly(spec, parts),
    };
}

/** The source's first day up to `end` (a first load starts there). */
export function firstDayStatement(table: ExportTableSpec, source: string, end: string, d: Dialect): string {
    const prune = d.sourcePrune({ to: end });
    return (
        `SELECT CAST(CAST(min(${quoteIdent(table.timeColumn!)}) AS DATE) AS VARCHAR) AS "first_day" FROM ${source} ` +
        `WHERE ${prune ? `${prune} AND ` : ""}${timeRangePredicate(table.timeColumn!, { to: end })}`
    );
}

export interface DayCount {
    readonly keys: number;
    readonly rows: number;
}

/**
 * Compares the two sides day by day. A day the source has must hold exactly its keys in the
 * target, once each. A day the source no longer has (past Connect's 25-month retention) is kept
 * in the target, not a difference. A table read whole without a window (`whole`) may keep keys the
 * source dropped; a snapshot's target holds exactly the source's rows.
 */
export function reconcile(
    source: ReadonlyMap<string, DayCount>,
    target: ReadonlyMap<string, DayCount>,
    whole: boolean,
): { targetKeys: number; targetRows: number; problems: string[] } {
    const problems: string[] = [];
    let [targetKeys, targetRows] = [0, 0];
    for (const [day, s] of source) {
        const t = target.get(day) ?? { keys: 0, rows: 0 };
        targetKeys += t.keys;
        targetRows += t.rows;
        if (t.rows !== t.keys) problems.push(`${day}: ${t.rows - t.keys} duplicate row(s) in the target`);
        if (whole ? t.keys < s.keys : t.keys !== s.keys) {
            problems.push(`${day}: source ${s.keys} keys, target ${t.keys}`);
        }
    }
    return { targetKeys, targetRows, problems };
}

/**
 * The late-update sweep's narrow statements (functions/sweep.ts), over the days before `before`
 * (the run's window): `baseline`, the greatest touched value up to `end`; `touched`, per day, the
 * rows touched after `after` and the greatest touched value (the time and touched columns only);
 * `differing`, the full reconciliation: per day, distinct keys and (merge) the greatest version of
 * source and target (key, version and time columns), and the days where they differ, or where the
 * target holds a key twice. A day only the target has (past Connect's retention) is no difference.
 */
export function sweepStatements(
    table: ExportTableSpec,
    source: string,
    target: string | undefined,
    /** `after`: rows touched after this instant; null: any touched row; undefined: no `touched` statement. */
    range: { readonly before: string; readonly end: string; readonly after?: string | null },
    d: Dialect,
    column: string,
) {
    const q = quoteIdent;
    const time = table.timeColumn!;
    const upTo = (to: string, prune = true) => {
        const p = prune && d.sourcePrune({ to });
        return `${p ? `${p} AND ` : ""}${timeRangePredicate(time, { to })}`;
    };
    const last = addDays(range.before, -1);
    const day = `CAST(CAST(${q(time)} AS DATE) AS VARCHAR)`;
    const oldDay = `CASE WHEN ${q(time)} < TIMESTAMP '${range.before} 00:00:00' THEN ${day} END`;
    const key = table.primaryKey ?? [];
    const keys = key.map(q).join(", ");
    const v = table.exportMode === "merge" && table.versionColumn ? q(table.versionColumn) : undefined;
    const t = q(column);
    const stats = (from: string, where: string) =>
        `SELECT "__day" AS "day", count(*) AS "keys", sum("__n") AS "rows"${v ? `, max(${v}) AS "v"` : ""} ` +
        `FROM (SELECT ${keys}, count(*) AS "__n"${v ? `, max(${v}) AS ${v}` : ""}, min(${day}) AS "__day" FROM ${from} ` +
        `WHERE ${where} AND ${key.map((k) => `${q(k)} IS NOT NULL`).join(" AND ")} GROUP BY ${keys}) AS "g" GROUP BY "__day"`;
    return {
        baseline: `SELECT CAST(max(${t}) AS VARCHAR) AS "touched_max" FROM ${source} WHERE ${upTo(range.end)}`,
        // Rows of the window's days count toward the greatest touched value only: the window merged them.
        touched:
            range.after === undefined
                ? undefined
                : `SELECT ${oldDay} AS "day", count(*) AS "touched_rows", CAST(max(${t}) AS VARCHAR) AS "touched_max" ` +
                  `FROM ${source} WHERE ${upTo(range.end)}${range.after === null ? "" : ` AND ${t} > TIMESTAMP ${sqlString(range.after)}`} GROUP BY ${oldDay}`,
        // The files target has no table to compare with: every retained day before the window that
        // has rows is listed (its time column only), and rewritten whole.
        differing:
            target === undefined
                ? `SELECT ${day} AS "day" FROM ${source} WHERE ${upTo(last)} GROUP BY ${day}`
                : `SELECT "s"."day" AS "day", "s"."keys" AS "keys_in_source", "t"."keys" AS "keys_in_target" ` +
                  `FROM (${stats(source, upTo(last))}) AS "s" LEFT JOIN (${stats(target, upTo(last, false))}) AS "t" ON "t"."day" = "s"."day" ` +
                  `WHERE "t"."day" IS NULL OR "t"."keys" <> "s"."keys" OR "t"."rows" <> "t"."keys"` +
                  (v ? ` OR ("s"."v" IS NULL) <> ("t"."v" IS NULL) OR "s"."v" <> "t"."v"` : ""),
    };
}
