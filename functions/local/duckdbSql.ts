/**
 * The DuckDB dialect of the export, and the views standing in for the resource links over the
 * local lake. Pure (no DuckDB import), so tests check the SQL text directly.
 *
 * The local lake keeps a time-partitioned table as hive partitions `dt=YYYY-MM-DD/` (the UTC day
 * of its time column), the way Connect partitions contact_record daily. The views expose that
 * `dt` column; statements filter on it so DuckDB reads only the partitions in range, and the
 * engine leaves it out of the table's columns, which are the Connect columns only.
 */
import { quoteIdent, sqlString } from "../sql";
import type { Column, DayRange, Dialect, ExportFormat, ExportTableSpec, TargetTable } from "../types";

export const LAKE_PARTITION_COLUMN = "dt";
/** Characters DuckDB expands in file paths: a lake path with one would read other folders too. */
export const GLOB_CHARACTERS = /[*?[\]{}]/;

/** Folder of a table in the lake (by producer table name, as Connect shares it). */
export function lakeTableDir(lakeDir: string, table: Pick<ExportTableSpec, "name">): string {
    return `${lakeDir.replace(/\/+$/, "")}/${table.name}`;
}

function unglobbed(dir: string): string {
    if (GLOB_CHARACTERS.test(dir)) {
        throw new Error(
            `lake path ${JSON.stringify(dir)} contains a glob character (* ? [ ] { }); use a path without them.`,
        );
    }
    return dir;
}

/**
 * `CREATE OR REPLACE VIEW "<db>"."<link>"` over the table's Parquet files. `union_by_name`: files
 * delivered after a column appeared have it, older ones read it as NULL.
 */
export function createLinkViewStatement(lakeDir: string, database: string, table: ExportTableSpec): string {
    const dir = unglobbed(lakeTableDir(lakeDir, table));
    const source = table.timeColumn
        ? `read_parquet(${sqlString(`${dir}/${LAKE_PARTITION_COLUMN}=*/*.parquet`)}, hive_partitioning = true, union_by_name = true, hive_types = {'${LAKE_PARTITION_COLUMN}': DATE})`
        : `read_parquet(${sqlString(`${dir}/*.parquet`)}, union_by_name = true)`;
    return `CREATE OR REPLACE VIEW ${quoteIdent(database)}.${quoteIdent(table.linkName)} AS SELECT * FROM ${source}`;
}

/** DuckDB type of an Athena type of lib/connectSchema.ts (varchar, timestamp, map(varchar,varchar)...). */
export function duckdbType(athenaType: string): string {
    return athenaType.toUpperCase();
}

/** A view with the table's columns and no rows (plus `dt` for a time-partitioned table). */
export function createEmptyViewStatement(
    database: string,
    table: ExportTableSpec,
    columns: readonly { name: string; type: string }[],
): string {
    const typed = columns.map((c) => `CAST(NULL AS ${duckdbType(c.type)}) AS ${quoteIdent(c.name)}`);
    if (table.timeColumn) typed.push(`CAST(NULL AS DATE) AS ${quoteIdent(LAKE_PARTITION_COLUMN)}`);
    return `CREATE OR REPLACE VIEW ${quoteIdent(database)}.${quoteIdent(table.linkName)} AS SELECT ${typed.join(", ")} WHERE false`;
}

const qualified = (database: string, table: string) => `${quoteIdent(database)}.${quoteIdent(table)}`;
const normal = (type: string) => type.toUpperCase().replace(/\s+/g, "");
function checkedType(type: string): string {
    if (!/^[A-Za-z0-9_(), "[\]]+$/.test(type)) throw new Error(`unsupported column type ${JSON.stringify(type)}`);
    return type;
}

/** DuckDB's DDL of a target (the local engine runs it; on AWS, Glue's API makes the tables). */
export const duckdbDdl = {
    // DuckDB tables are not partitioned; the day partitioning is Iceberg's (Athena) only.
    createTable: ({ database, table, columns }: TargetTable) =>
        `CREATE TABLE IF NOT EXISTS ${qualified(database, table)} (${columns.map((c: Column) => `${quoteIdent(c.name)} ${checkedType(c.type)}`).join(", ")})`,
    addColumns: (database: string, table: string, columns: readonly Column[]) =>
        columns.map(
            (c) => `ALTER TABLE ${qualified(database, table)} ADD COLUMN ${quoteIdent(c.name)} ${checkedType(c.type)}`,
        ),
};

export const duckdbDialect: Dialect = {
    name: "duckdb",
    qualified,
    sourcePrune: (range: DayRange) => {
        const dt = quoteIdent(LAKE_PARTITION_COLUMN);
        return `${range.from !== undefined ? `${dt} >= DATE '${range.from}' AND ` : ""}${dt} <= DATE '${range.to}'`;
    },
    // DuckDB renders any type as text, maps and lists included.
    text: (c: Column) => `CAST(${quoteIdent(c.name)} AS VARCHAR)`,
    sameType: (source, target) => normal(source) === normal(target),
    maintenance: (database, table) => [
        { step: "optimize", sql: `CHECKPOINT ${quoteIdent(database)}` },
        { step: "vacuum", sql: `VACUUM ANALYZE ${qualified(database, table)}` },
    ],
    writeFiles: (select: string, uri: string, format: ExportFormat, partitioned: boolean) => {
        const options =
            format === "parquet" ? "FORMAT PARQUET, COMPRESSION SNAPPY" : "FORMAT CSV, HEADER true, COMPRESSION GZIP";
        const file = format === "parquet" ? "data_0.parquet" : "data_0.csv.gz";
        return partitioned
            ? `COPY (${select}) TO ${sqlString(uri)} (${options}, PARTITION_BY (${quoteIdent(LAKE_PARTITION_COLUMN)}))`
            : `COPY (${select}) TO ${sqlString(uri.replace(/\/?$/, "/") + file)} (${options})`;
    },
};
