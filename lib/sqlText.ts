/**
 * SQL text shared by the row filters (lib/rowFilter.ts) and the export's statements
 * (functions/sql.ts). A leaf module: no imports, so the Lambda's archive can use it.
 */

/** A single-quoted SQL string literal. */
export function sqlString(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}
