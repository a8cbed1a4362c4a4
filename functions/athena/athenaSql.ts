/** Athena (Trino) rendering of an export: the UNLOAD statement. Pure. */
import { explicitColumns, quoteIdent, timeRangePredicate } from "../sql";
import type { ExportFormat, SelectPlan } from "../types";

export interface UnloadInput {
    readonly plan: SelectPlan;
    /** Consumer database holding the resource link. */
    readonly database: string;
    /** s3://bucket/key/ of an empty "folder": UNLOAD refuses a non-empty destination. */
    readonly outputUri: string;
    readonly format: ExportFormat;
}

/**
 * `UNLOAD (SELECT ... FROM "db"."link" [WHERE time range]) TO 's3://.../' WITH (...)`: the select
 * goes through the resource link; Parquet with Snappy, or CSV as TEXTFILE (which Athena
 * gzip-compresses by default).
 */
export function buildUnloadStatement(input: UnloadInput): string {
    const { plan, database, outputUri } = input;
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]+\/[^']+\/$/.test(outputUri)) {
        throw new Error(
            `UNLOAD destination must be an s3://bucket/prefix/ "folder" ending with '/', got ${JSON.stringify(outputUri)}.`,
        );
    }
    const columns = explicitColumns(plan);
    const list = columns ? columns.map(quoteIdent).join(", ") : "*";
    const where =
        plan.range && plan.table.timeColumn ? ` WHERE ${timeRangePredicate(plan.table.timeColumn, plan.range)}` : "";
    const options =
        input.format === "parquet"
            ? "format = 'PARQUET', compression = 'SNAPPY'"
            : "format = 'TEXTFILE', field_delimiter = ','";
    return `UNLOAD (SELECT ${list} FROM ${quoteIdent(database)}.${quoteIdent(plan.table.linkName)}${where}) TO '${outputUri}' WITH (${options})`;
}
