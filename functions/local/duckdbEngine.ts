/**
 * DuckDB implementation of `QueryEngine` for the local run: the same statements the Lambda sends
 * to Athena, over views of the local lake (the "resource links", in a schema named like the
 * consumer database) and into tables of a DuckDB database file attached under the export
 * database's name. Local only; the Lambda never reaches it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { CONNECT_TABLE_SCHEMAS } from "../../lib/connectSchema";
import { describeError, exportError } from "../errors";
import { quoteIdent, sqlString } from "../sql";
import { SYNTHETIC_DATASET_COLUMNS } from "./syntheticDatasets";
import type {
    Column,
    DayRange,
    ExportTableSpec,
    JobControl,
    QueryEngine,
    StatementInfo,
    StatementResult,
} from "../types";
import {
    createEmptyViewStatement,
    createLinkViewStatement,
    duckdbDdl,
    duckdbDialect,
    LAKE_PARTITION_COLUMN,
    lakeTableDir,
} from "./duckdbSql";

export interface DuckdbEngineOptions {
    readonly connection: DuckDBConnection;
    readonly lakeDir: string;
    /** Schema of the link views (the consumer database's name). */
    readonly sourceDatabase: string;
    /** The attached target database (the export database's name) and its file. */
    readonly exportDatabase: string;
    readonly databaseFile: string;
}

/**
 * Creates the views that stand in for the resource links. A known table with no files yet (an
 * empty lake) gets an empty view of its columns, as an empty Connect table would be.
 */
export async function attachLake(
    connection: DuckDBConnection,
    lakeDir: string,
    sourceDatabase: string,
    tables: readonly ExportTableSpec[],
): Promise<void> {
    const lake = path.resolve(lakeDir);
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(sourceDatabase)}`);
    for (const table of tables) {
        const columns = CONNECT_TABLE_SCHEMAS[table.name]?.columns ?? SYNTHETIC_DATASET_COLUMNS[table.name];
        const empty = lakeFiles(lakeTableDir(lake, table), table, "all").length === 0;
        await connection.run(
            empty && columns
                ? createEmptyViewStatement(sourceDatabase, table, columns)
                : createLinkViewStatement(lake, sourceDatabase, table),
        );
    }
}

/** Attaches the target database file (created when absent) under the export database's name. */
export async function attachTarget(
    connection: DuckDBConnection,
    databaseFile: string,
    exportDatabase: string,
): Promise<void> {
    try {
        await connection.run(`ATTACH ${sqlString(databaseFile)} AS ${quoteIdent(exportDatabase)}`);
    } catch (err) {
        throw exportError("STORE", `cannot open the export database ${databaseFile}: ${describeError(err)}`);
    }
}

const text = (v: unknown) =>
    v === null || v === undefined ? null : typeof v === "object" ? JSON.stringify(v) : String(v);

/** The columns of a table or view, by its qualified name. */
export async function describeColumns(connection: DuckDBConnection, qualified: string): Promise<Column[]> {
    return (await connection.runAndReadAll(`DESCRIBE ${qualified}`))
        .getRowObjectsJS()
        .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/** Whether the table `<database>.main.<table>` exists. */
export async function duckdbTableExists(
    connection: DuckDBConnection,
    database: string,
    table: string,
): Promise<boolean> {
    const found = await connection.runAndReadAll(
        `SELECT 1 FROM duckdb_tables() WHERE database_name = ${sqlString(database)} AND schema_name = 'main' AND table_name = ${sqlString(table)}`,
    );
    return found.getRows().length > 0;
}

/** What DuckDB read from the lake for one statement, by its own account. */
export interface LakeReads {
    /** Files its scans read after partition pruning: "Total Files Read" of each READ_PARQUET in its JSON profile. */
    readonly files: number;
    /** Bytes read from the lake's files: the READs of its FileSystem log under the lake folder. */
    readonly bytes: number;
    /** Rows its scans of target tables returned (after their filters: the window's days). */
    readonly targetRows: number;
}

/**
 * Makes `connection` account for what each statement reads (JSON profile to `profileFile`,
 * FileSystem log) and returns the function that reads those accounts for the last statement.
 */
async function lakeReadsMeter(
    connection: DuckDBConnection,
    lakeDir: string,
    targetDatabase: string,
    profileFile: string,
): Promise<{ before(): Promise<void>; after(): Promise<LakeReads> }> {
    await connection.run(`CALL enable_logging('FileSystem')`);
    await connection.run(`PRAGMA enable_profiling = 'json'`);
    await connection.run(`PRAGMA profiling_output = ${sqlString(profileFile)}`);
    const inLake = `${lakeDir}${path.sep}`;
    return {
        before: () => connection.run("CALL truncate_duckdb_logs()").then(() => undefined),
        async after() {
            let [files, targetRows] = [0, 0];
            type Node = { extra_info?: Record<string, unknown>; operator_cardinality?: number; children?: Node[] };
            const walk = (node: Node) => {
                const info = node.extra_info ?? {};
                if (info.Function === "READ_PARQUET") files += Number(info["Total Files Read"] ?? 0);
                if (String(info.Table ?? "").startsWith(`${targetDatabase}.`)) {
                    targetRows += node.operator_cardinality ?? 0;
                }
                for (const child of node.children ?? []) walk(child);
            };
            // Read before the log query below, whose own profile replaces it.
            walk(JSON.parse(await fs.promises.readFile(profileFile, "utf8")));
            await fs.promises.rm(profileFile, { force: true });
            const log = await connection.runAndReadAll(`SELECT message FROM duckdb_logs WHERE type = 'FileSystem'`);
            let bytes = 0;
            for (const [message] of log.getRows()) {
                const m = JSON.parse(String(message)) as { path?: string; op?: string; bytes?: string };
                if (m.op === "READ" && m.path?.startsWith(inLake)) bytes += Number(m.bytes ?? 0);
            }
            return { files, bytes, targetRows };
        },
    };
}

export function createDuckdbEngine(options: DuckdbEngineOptions): QueryEngine {
    const { connection, sourceDatabase } = options;
    const lakeDir = path.resolve(options.lakeDir);
    const describe = (qualified: string) => describeColumns(connection, qualified);
    const profileFile = path.join(os.tmpdir(), `connect-analytics-duckdb-profile-${process.pid}-${Date.now()}.json`);
    let meter: Awaited<ReturnType<typeof lakeReadsMeter>> | undefined;
    const ddl = (text: string, table: string) =>
        connection.run(text).then(
            () => undefined,
            (err) => {
                throw exportError("TARGET", `DuckDB could not create or alter ${table}: ${describeError(err)}`);
            },
        );
    return {
        name: "duckdb",
        dialect: duckdbDialect,
        targetLocation: (table) => `${options.databaseFile}#${table}`,
        async sourceColumns(table) {
            try {
                const cols = await describe(duckdbDialect.qualified(sourceDatabase, table.linkName));
                return cols.filter((c) => !(table.timeColumn && c.name === LAKE_PARTITION_COLUMN));
            } catch (err) {
                throw exportError(
                    "SOURCE",
                    `the lake has no readable ${table.name} (${lakeTableDir(lakeDir, table)}): ${describeError(err)}`,
                );
            }
        },
        async targetColumns(database, table) {
            return (await duckdbTableExists(connection, database, table))
                ? describe(duckdbDialect.qualified(database, table))
                : undefined;
        },
        async createTarget(target) {
            await ddl(duckdbDdl.createTable(target), target.table);
        },
        async addTargetColumns(database, table, columns) {
            for (const text of duckdbDdl.addColumns(database, table, columns)) await ddl(text, table);
        },
        async run(sql: string, info: StatementInfo, control: JobControl): Promise<StatementResult> {
            control.log.debug("duckdb_run", { table: info.table.name, step: info.step, sql });
            try {
                if (info.output) await fs.promises.mkdir(info.output, { recursive: true });
                meter ??= await lakeReadsMeter(connection, lakeDir, options.exportDatabase, profileFile);
                await meter.before();
                const reader = await connection.runAndReadAll(sql);
                const names = reader.columnNames();
                const rows = reader.getRows().map((row) => Object.fromEntries(names.map((n, i) => [n, text(row[i])])));
                // Measured, not planned: what the engine read is the local stand-in for Athena's DataScannedInBytes.
                const read = await meter.after();
                control.log.debug("duckdb_read", { table: info.table.name, step: info.step, ...read });
                return {
                    rows: info.results ? rows : [],
                    bytesScanned: read.bytes,
                    queryExecutionId: null,
                    outputRows: info.step === "unload" ? Number(rows[0]?.[names[0]] ?? 0) : null,
                };
            } catch (err) {
                throw exportError(
                    "QUERY_FAILED",
                    `DuckDB ${info.step} of ${info.table.name} failed: ${describeError(err)}${info.output ? ` (writing ${info.output})` : ""}`,
                );
            }
        },
    };
}

/** The lake files of a table in a day range after partition pruning. */
export function lakeFiles(dir: string, table: Pick<ExportTableSpec, "timeColumn">, reads: DayRange | "all"): string[] {
    const parquet = (d: string) =>
        fs.existsSync(d)
            ? fs
                  .readdirSync(d)
                  .filter((f) => f.endsWith(".parquet"))
                  .sort()
                  .map((f) => path.join(d, f))
            : [];
    if (!table.timeColumn) return parquet(dir);
    const prefix = `${LAKE_PARTITION_COLUMN}=`;
    const days = fs.existsSync(dir)
        ? fs
              .readdirSync(dir)
              .filter((d) => d.startsWith(prefix))
              .map((d) => d.slice(prefix.length))
        : [];
    return days
        .filter((d) => reads === "all" || ((reads.from === undefined || d >= reads.from) && d <= reads.to))
        .sort()
        .flatMap((d) => parquet(path.join(dir, prefix + d)));
}

/**
 * Files DuckDB actually read for a query, from its EXPLAIN ANALYZE profile ("Total Files Read"
 * of each scan): the measurement behind the incremental-run figures.
 */
export async function filesReadByQuery(connection: DuckDBConnection, select: string): Promise<number> {
    const reader = await connection.runAndReadAll(`EXPLAIN ANALYZE ${select}`);
    const profile = reader
        .getRows()
        .map((row) => String(row[1] ?? ""))
        .join("\n");
    const counts = [...profile.matchAll(/Total Files Read:\s*(\d+)/g)].map((m) => Number(m[1]));
    if (counts.length === 0) {
        throw new Error("EXPLAIN ANALYZE reported no file reads; the DuckDB profile format may have changed.");
    }
    return counts.reduce((a, b) => a + b, 0);
}
