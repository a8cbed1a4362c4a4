/**
 * DuckDB rendering of an export: views standing in for the resource links over the local lake,
 * and the COPY statement. Pure (no DuckDB import), so tests check the SQL text directly.
 *
 * The local lake keeps a time-partitioned table as hive partitions `dt=YYYY-MM-DD/` (the UTC day
 * of its time column), the way Connect partitions contact_record daily. The view exposes that
 * `dt` column; the export filters on it so DuckDB reads only the partitions in range, and leaves
 * it out of the output, which has the Connect columns only.
 */
import { explicitColumns, quoteIdent, sqlString, timeRangePredicate } from "../sql";
import type { ExportFormat, ExportTableSpec, SelectPlan } from "../types";

export const LAKE_PARTITION_COLUMN = "dt";

/** Folder of a table in the lake (by producer table name, as Connect shares it). */
export function lakeTableDir(lakeDir: string, table: ExportTableSpec): string {
    return `${lakeDir.replace(/\/+$/, "")}/${table.name}`;
}

/** `CREATE OR REPLACE VIEW "<link>"` over the table's Parquet files. */
export function createLinkViewStatement(lakeDir: string, table: ExportTableSpec): string {
    const dir = lakeTableDir(lakeDir, table);
    const source = table.timeColumn
        ? `read_parquet(${sqlString(`${dir}/${LAKE_PARTITION_COLUMN}=*/*.parquet`)}, hive_partitioning = true, hive_types = {'${LAKE_PARTITION_COLUMN}': DATE})`
        : `read_parquet(${sqlString(`${dir}/*.parquet`)})`;
    return `CREATE OR REPLACE VIEW ${quoteIdent(table.linkName)} AS SELECT * FROM ${source}`;
}

/** DuckDB type of an Athena type of lib/connectSchema.ts (varchar, timestamp, map(varchar,varchar)...). */
export function duckdbType(athenaType: string): string {
    return athenaType.toUpperCase();
}

/** A view with the table's columns and no rows (plus `dt` for a time-partitioned table). */
export function createEmptyViewStatement(
    table: ExportTableSpec,
    columns: readonly { name: string; type: string }[],
): string {
    const typed = columns.map((c) => `CAST(NULL AS ${duckdbType(c.type)}) AS ${quoteIdent(c.name)}`);
    if (table.timeColumn) typed.push(`CAST(NULL AS DATE) AS ${quoteIdent(LAKE_PARTITION_COLUMN)}`);
    return `CREATE OR REPLACE VIEW ${quoteIdent(table.linkName)} AS SELECT ${typed.join(", ")} WHERE false`;
}

export function buildDuckdbSelect(plan: SelectPlan): string {
    const { table, range } = plan;
    // The same validation Athena applies: exclusions on a table of unknown columns are refused
    // there, so they are refused here too, and the local run cannot hide a production failure.
    explicitColumns(plan);
    const drop = [...plan.excludedColumns, ...(table.timeColumn ? [LAKE_PARTITION_COLUMN] : [])];
    const list = drop.length > 0 ? `* EXCLUDE (${drop.map(quoteIdent).join(", ")})` : "*";
    const where: string[] = [];
    if (range && table.timeColumn) {
        const dt = quoteIdent(LAKE_PARTITION_COLUMN);
        if (range.from !== undefined) where.push(`${dt} >= DATE '${range.from}'`);
        where.push(`${dt} <= DATE '${range.to}'`);
        where.push(timeRangePredicate(table.timeColumn, range));
    }
    return `SELECT ${list} FROM ${quoteIdent(table.linkName)}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`;
}

/** File name of an export inside its run folder. */
export function exportFileName(format: ExportFormat): string {
    return format === "parquet" ? "data_0.parquet" : "data_0.csv.gz";
}

/** `COPY (SELECT ...) TO '<file>' (...)`: Parquet with Snappy, or gzip-compressed CSV with a header. */
export function buildCopyStatement(input: {
    readonly plan: SelectPlan;
    readonly outputFile: string;
    readonly format: ExportFormat;
}): string {
    const options =
        input.format === "parquet" ? "FORMAT PARQUET, COMPRESSION SNAPPY" : "FORMAT CSV, HEADER true, COMPRESSION GZIP";
    return `COPY (${buildDuckdbSelect(input.plan)}) TO ${sqlString(input.outputFile)} (${options})`;
}
