/**
 * The Athena (engine v3) dialect: Iceberg DDL in Athena's Hive-style DDL (backquoted names,
 * Glue types), Trino for everything else (OPTIMIZE, VACUUM, UNLOAD). Pure.
 *
 *  - CREATE TABLE IF NOT EXISTS ... PARTITIONED BY (day(<time column>)) LOCATION 's3://...'
 *    TBLPROPERTIES ('table_type' = 'ICEBERG', ...): one Iceberg table per exported table.
 *  - ALTER TABLE ... ADD COLUMNS (...): a column that appeared at the source.
 *  - OPTIMIZE ... REWRITE DATA USING BIN_PACK, VACUUM: compaction and snapshot/orphan cleanup.
 *  - UNLOAD (...) TO 's3://.../' WITH (..., partitioned_by = ARRAY['dt']): the files target.
 * Column types compare as Iceberg stores them: no tinyint/smallint (int), no sized strings.
 * Built by one function so the serialized Lambda carries one function, not one per method.
 */
import { quoteIdent, sqlString } from "../sql";
import type { Dialect } from "../types";

/** How Iceberg stores a Glue/Hive column type, lowercase without spaces. */
export function icebergType(type: string): string {
    return type
        .toLowerCase()
        .replace(/\s+/g, "")
        .replace(/\b(tinyint|smallint|integer)\b(?!:)/g, "int")
        .replace(/\b(varchar|char)(\(\d+\))?(?![\w:])/g, "string");
}

export function athenaDialect(): Dialect {
    const ddl = (name: string) => `\`${quoteIdent(name).slice(1, -1)}\``;
    const type = (t: string) => {
        if (!/^[a-z0-9_<>,:()]+$/.test(icebergType(t))) throw new Error(`unsupported column type ${JSON.stringify(t)}`);
        return icebergType(t);
    };
    const folder = (uri: string) => {
        if (!/^s3:\/\/[a-z0-9][a-z0-9.-]+\/[^']+\/$/.test(uri)) throw new Error(`not an s3:// folder: ${uri}`);
        return sqlString(uri);
    };
    const qualified = (database: string, table: string) => `${quoteIdent(database)}.${quoteIdent(table)}`;
    return {
        name: "athena",
        qualified,
        sourcePrune: () => undefined,
        createTable: ({ database, table, columns, partitionDay, location }) =>
            `CREATE TABLE IF NOT EXISTS ${ddl(database)}.${ddl(table)} (${columns.map((c) => `${ddl(c.name)} ${type(c.type)}`).join(", ")})` +
            (partitionDay ? ` PARTITIONED BY (day(${ddl(partitionDay)}))` : "") +
            ` LOCATION ${folder(location)} TBLPROPERTIES ('table_type' = 'ICEBERG', 'format' = 'parquet', 'write_compression' = 'snappy')`,
        addColumns: (database, table, columns) => [
            `ALTER TABLE ${ddl(database)}.${ddl(table)} ADD COLUMNS (${columns.map((c) => `${ddl(c.name)} ${type(c.type)}`).join(", ")})`,
        ],
        // Trino casts scalars to varchar, and maps, arrays and rows of JSON-castable types to JSON
        // (trino.io/docs/current/functions/json.html, "Cast to JSON": not timestamps or dates inside
        // them); binary values have no varchar cast. Those are left out of the tie-break.
        text: (c) => {
            const t = icebergType(c.type);
            if (/^binary/.test(t)) return undefined;
            if (!/^(map|array|struct|row)\b/.test(t)) return `CAST(${quoteIdent(c.name)} AS VARCHAR)`;
            return /timestamp|date|binary/.test(t) ? undefined : `json_format(CAST(${quoteIdent(c.name)} AS JSON))`;
        },
        sameType: (source, target) => icebergType(source) === icebergType(target),
        maintenance: (database, table) => [
            { step: "optimize", sql: `OPTIMIZE ${qualified(database, table)} REWRITE DATA USING BIN_PACK` },
            { step: "vacuum", sql: `VACUUM ${qualified(database, table)}` },
        ],
        writeFiles: (select, uri, format, partitioned) =>
            `UNLOAD (${select}) TO ${folder(uri)} WITH (` +
            (format === "parquet"
                ? "format = 'PARQUET', compression = 'SNAPPY'"
                : "format = 'TEXTFILE', field_delimiter = ','") +
            (partitioned ? ", partitioned_by = ARRAY['dt'])" : ")"),
    };
}
