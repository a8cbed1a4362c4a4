/**
 * The Athena (engine v3) dialect: Trino SQL for the merges and the files target (UNLOAD). No DDL:
 * the export's Iceberg tables live in a Lake Formation-registered location, where Athena runs no
 * DDL (athena/latest/ug/querying-iceberg.html, "Considerations and limitations"), so the engine
 * creates and evolves them through Glue (icebergTables.ts) and the Glue table optimizers maintain
 * them (components/analyticsExport.ts). Pure.
 *
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
    const folder = (uri: string) => {
        if (!/^s3:\/\/[a-z0-9][a-z0-9.-]+\/[^']+\/$/.test(uri)) throw new Error(`not an s3:// folder: ${uri}`);
        return sqlString(uri);
    };
    const qualified = (database: string, table: string) => `${quoteIdent(database)}.${quoteIdent(table)}`;
    return {
        name: "athena",
        qualified,
        sourcePrune: () => undefined,
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
        // The Glue table optimizers compact and clean the tables: no OPTIMIZE or VACUUM from here.
        maintenance: () => [],
        writeFiles: (select, uri, format, partitioned) =>
            `UNLOAD (${select}) TO ${folder(uri)} WITH (` +
            (format === "parquet"
                ? "format = 'PARQUET', compression = 'SNAPPY'"
                : "format = 'TEXTFILE', field_delimiter = ','") +
            (partitioned ? ", partitioned_by = ARRAY['dt'])" : ")"),
    };
}
