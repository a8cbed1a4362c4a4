/**
 * DuckDB implementation of `QueryEngine` for the local run: the same export jobs the Lambda sends
 * to Athena, run as COPY statements over the local lake. Local only; the Lambda never reaches it.
 */
import * as fs from "fs";
import * as path from "path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { describeError, exportError } from "../errors";
import type { ExportJob, ExportJobResult, ExportTableSpec, JobControl, QueryEngine, SelectPlan } from "../types";
import { CONNECT_TABLE_SCHEMAS } from "../../lib/connectSchema";
import {
    buildCopyStatement,
    createEmptyViewStatement,
    createLinkViewStatement,
    exportFileName,
    LAKE_PARTITION_COLUMN,
    lakeTableDir,
} from "./duckdbSql";

export interface DuckdbEngineOptions {
    readonly connection: DuckDBConnection;
    readonly lakeDir: string;
}

/**
 * Creates the views that stand in for the resource links. A known table with no files yet (an
 * empty lake) gets an empty view of its columns, as an empty Connect table would be.
 */
export async function attachLake(
    connection: DuckDBConnection,
    lakeDir: string,
    tables: readonly ExportTableSpec[],
): Promise<void> {
    const lake = path.resolve(lakeDir);
    for (const table of tables) {
        const columns = CONNECT_TABLE_SCHEMAS[table.name]?.columns;
        const empty = lakeFiles(lakeTableDir(lake, table), { table, excludedColumns: [] }).length === 0;
        await connection.run(
            empty && columns ? createEmptyViewStatement(table, columns) : createLinkViewStatement(lake, table),
        );
    }
}

export function createDuckdbEngine(options: DuckdbEngineOptions): QueryEngine {
    const lakeDir = path.resolve(options.lakeDir);
    return {
        name: "duckdb",
        async runExport(job: ExportJob, control: JobControl): Promise<ExportJobResult> {
            const outputFile = path.join(job.outputUri, exportFileName(job.format));
            const sql = buildCopyStatement({ plan: job.plan, outputFile, format: job.format });
            control.log.debug("duckdb_copy", { table: job.plan.table.name, sql });
            try {
                await fs.promises.mkdir(job.outputUri, { recursive: true });
                const reader = await options.connection.runAndReadAll(sql);
                const rows = Number(reader.getRows()[0]?.[0] ?? 0);
                return { rows, bytesScanned: bytesRead(lakeDir, job.plan), queryExecutionId: null };
            } catch (err) {
                throw exportError(
                    "QUERY_FAILED",
                    `DuckDB export of ${job.plan.table.name} failed: ${describeError(err)}`,
                );
            }
        },
    };
}

/** Size of the lake files the query reads: the local stand-in for Athena's DataScannedInBytes. */
export function bytesRead(lakeDir: string, plan: SelectPlan): number {
    const dir = lakeTableDir(lakeDir, plan.table);
    const files = lakeFiles(dir, plan);
    return files.reduce((n, f) => n + fs.statSync(f).size, 0);
}

/** The lake files a plan reads after partition pruning. */
export function lakeFiles(dir: string, plan: SelectPlan): string[] {
    const parquet = (d: string) =>
        fs.existsSync(d)
            ? fs
                  .readdirSync(d)
                  .filter((f) => f.endsWith(".parquet"))
                  .map((f) => path.join(d, f))
            : [];
    if (!plan.table.timeColumn) return parquet(dir);
    const prefix = `${LAKE_PARTITION_COLUMN}=`;
    const days = fs.existsSync(dir)
        ? fs
              .readdirSync(dir)
              .filter((d) => d.startsWith(prefix))
              .map((d) => d.slice(prefix.length))
        : [];
    const { range } = plan;
    return days
        .filter((d) => !range || ((range.from === undefined || d >= range.from) && d <= range.to))
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
