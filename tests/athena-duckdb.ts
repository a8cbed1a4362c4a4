/**
 * An engine for the fake Athena (tests/export-fakes.ts): the statements the Lambda sends to Athena
 * that read or change data (bounds, preview, MERGE, reconciliation) run for real on DuckDB, which
 * accepts the same MERGE INTO, window functions and aggregates as Trino. The source links are
 * tables a test fills delivery by delivery (versions in any order); each target is a table with
 * the columns of the Glue target, however that was created. Trino's functions that DuckDB lacks
 * are macros of the same meaning (json_format: JSON text to varchar).
 *
 * With it, a test's expectation comes from what the statements do to rows, not from the fake's
 * own model of them.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/** A Glue/Hive column type as DuckDB spells it (the types the Connect schemas use). */
export function duckdbTypeOfGlue(type: string): string {
    const t = type.toLowerCase().replace(/\s+/g, "");
    const map = /^map<(.+),(.+)>$/.exec(t);
    if (map) return `MAP(${duckdbTypeOfGlue(map[1])}, ${duckdbTypeOfGlue(map[2])})`;
    const array = /^array<(.+)>$/.exec(t);
    if (array) return `${duckdbTypeOfGlue(array[1])}[]`;
    const scalar: Record<string, string> = {
        string: "VARCHAR",
        varchar: "VARCHAR",
        timestamp: "TIMESTAMP",
        date: "DATE",
        bigint: "BIGINT",
        int: "INTEGER",
        integer: "INTEGER",
        double: "DOUBLE",
        boolean: "BOOLEAN",
    };
    if (!scalar[t]) throw new Error(`athena-duckdb: no DuckDB type for Glue type ${type}`);
    return scalar[t];
}

export type Row = Record<string, string | number | boolean | null | Record<string, string>>;

const literal = (value: Row[string], type: string): string => {
    if (value === null || value === undefined) return `CAST(NULL AS ${type})`;
    if (typeof value === "object") {
        const entries = Object.entries(value).map(([k, v]) => `'${k}': '${v}'`);
        return `CAST(MAP {${entries.join(", ")}} AS ${type})`;
    }
    return `CAST(${typeof value === "string" ? `'${value.replace(/'/g, "''")}'` : String(value)} AS ${type})`;
};

const q = (name: string) => `"${name}"`;

export class AthenaOnDuckDb {
    private constructor(
        private readonly db: DuckDBInstance,
        readonly connection: DuckDBConnection,
        private readonly sourceDatabase: string,
        private readonly exportDatabase: string,
    ) {}

    static async create(sourceDatabase: string, exportDatabase: string): Promise<AthenaOnDuckDb> {
        const db = await DuckDBInstance.create(":memory:", { threads: "1" });
        const connection = await db.connect();
        for (const schema of [sourceDatabase, exportDatabase]) await connection.run(`CREATE SCHEMA ${q(schema)}`);
        // Trino's json_format(json) -> varchar.
        await connection.run(`CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)`);
        return new AthenaOnDuckDb(db, connection, sourceDatabase, exportDatabase);
    }

    close(): void {
        this.connection.closeSync();
        this.db.closeSync();
    }

    /** Appends one delivery of rows to a source link (created with these Glue columns on first use). */
    async deliver(link: string, columns: readonly { Name: string; Type: string }[], rows: readonly Row[]) {
        const typed = columns.map((c) => ({ name: c.Name, type: duckdbTypeOfGlue(c.Type) }));
        const table = `${q(this.sourceDatabase)}.${q(link)}`;
        await this.connection.run(
            `CREATE TABLE IF NOT EXISTS ${table} (${typed.map((c) => `${q(c.name)} ${c.type}`).join(", ")})`,
        );
        if (rows.length === 0) return;
        const values = rows.map((r) => `(${typed.map((c) => literal(r[c.name] ?? null, c.type)).join(", ")})`);
        await this.connection.run(`INSERT INTO ${table} VALUES ${values.join(", ")}`);
    }

    /** Makes the DuckDB target `table` have the Glue target's columns (created, or new ones added). */
    async syncTarget(table: string, columns: readonly { Name: string; Type: string }[]): Promise<void> {
        const name = `${q(this.exportDatabase)}.${q(table)}`;
        const existing = (
            await this.connection.runAndReadAll(
                `SELECT column_name FROM duckdb_columns() WHERE schema_name = '${this.exportDatabase}' AND table_name = '${table}'`,
            )
        )
            .getRows()
            .map((r) => String(r[0]));
        const typed = columns.map((c) => `${q(c.Name)} ${duckdbTypeOfGlue(c.Type)}`);
        if (existing.length === 0) {
            await this.connection.run(`CREATE TABLE ${name} (${typed.join(", ")})`);
            return;
        }
        for (const [i, c] of columns.entries()) {
            if (!existing.includes(c.Name)) await this.connection.run(`ALTER TABLE ${name} ADD COLUMN ${typed[i]}`);
        }
    }

    /** Runs a statement; its rows as Athena returns them (every value a string or null). */
    async run(sql: string): Promise<Record<string, string | null>[]> {
        const reader = await this.connection.runAndReadAll(sql);
        const names = reader.columnNames();
        return reader
            .getRows()
            .map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] === null ? null : String(row[i])])));
    }

    /** A target's rows, by key order of `orderBy`. */
    async target(table: string, columns: string, orderBy: string): Promise<Record<string, string | null>[]> {
        return this.run(`SELECT ${columns} FROM ${q(this.exportDatabase)}.${q(table)} ORDER BY ${orderBy}`);
    }
}
