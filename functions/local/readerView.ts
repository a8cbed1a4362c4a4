/**
 * A reader's view in the local run (`npm start -- --as <reader>`): what one reader of the consumer
 * stack sees of the exported tables through its Lake Formation data cells filters, from the
 * definitions the stack deploys (lib/config's `readers`: the rendered row filter and the withheld
 * columns). Each table the reader reads becomes a table of the schema `reader_<name>` in the export
 * database: the rows its filter admits (all rows without one) with the columns not withheld.
 * Tables it does not read are not written.
 *
 * The rendered PartiQL filter runs in DuckDB as the WHERE clause over the merged table (one current
 * row per key): Lake Formation's subset (column op constant, [NOT] IN, [NOT] BETWEEN, [NOT] LIKE
 * without escapes, IS [NOT] NULL, AND/OR/NOT) means the same in DuckDB, SQL's null logic included;
 * tests/local-reader.test.ts checks that it agrees with lib/rowFilter's `rowMatches` row for row,
 * NULLs included. The text is parsed first (parseRowFilter), so nothing outside that grammar
 * reaches SQL. Local only: the Lambda never reaches this module.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { TABLE_ALIASES } from "../../lib/connectSchema";
import { principalLabel, principalName, shortHash } from "../../lib/names";
import type { ReaderConfig } from "../../lib/permissions";
import { parseRowFilter, type RowFilterNode } from "../../lib/rowFilter";
import { describeError } from "../errors";
import { quoteIdent } from "../sql";
import { describeColumns, duckdbTableExists } from "./duckdbEngine";
import type { ExportTableSpec } from "../types";
import { LocalUsageError } from "./usage";

export interface LocalReader {
    /** The role or user name: the principal's last path segment. */
    readonly name: string;
    readonly principal: string;
    /** Its schema in the export database (`readerSchemaOf`); default `readerSchema(name)`. */
    readonly schema?: string;
    /** The rendered row filter (the DataCellsFilter's FilterExpression); undefined: all rows. */
    readonly rowFilter?: string;
    /** Tables it reads that the local run exports: the local name, the config's name, the withheld columns. */
    readonly tables: readonly {
        readonly table: string;
        readonly configName: string;
        readonly excludedColumns: readonly string[];
    }[];
    /** Tables it reads that the local run does not export. */
    readonly notLocal: readonly string[];
}

/** One table of a reader's view. */
export interface ReaderTableView {
    readonly table: string;
    readonly configName: string;
    /** `reader_<name>.<table>` in the export database; null when the table is not exported yet. */
    readonly relation: string | null;
    readonly rows: number;
    readonly totalRows: number;
    readonly columns: readonly string[];
    readonly totalColumns: number;
    /** Columns of the table withheld from the reader. */
    readonly withheld: readonly string[];
    readonly filter: string | null;
}

export interface ReaderView {
    readonly reader: string;
    readonly principal: string;
    readonly schema: string;
    readonly tables: readonly ReaderTableView[];
    readonly notLocal: readonly string[];
}

/** The reader's schema in the export database: `reader_` and its name as an identifier. */
export const readerSchema = (name: string) => `reader_${name.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;

/**
 * A reader's schema, distinct from every other reader's: `readerSchema` of its label (a user's is
 * `user/<name>`), and where two readers would share one (sales-analyst and sales_analyst), each of
 * them with a short hash of its principal after it.
 */
export function readerSchemaOf(principal: string, readers: readonly ReaderConfig[]): string {
    const base = (p: string) => readerSchema(principalLabel(p));
    const mine = base(principal);
    const shared = readers.some(
        (r) => r.principal.toLowerCase() !== principal.toLowerCase() && base(r.principal) === mine,
    );
    return shared ? `${mine}_${shortHash(principal.toLowerCase()).slice(0, 6)}` : mine;
}

/** The local run's name of a config table (contact_record is the local `contacts`). */
export function localTableName(configName: string): string {
    return Object.keys(TABLE_ALIASES).find((k) => TABLE_ALIASES[k] === configName) ?? configName;
}

/**
 * The reader `as` names (its principal ARN or role name) among the config's readers; a usage
 * error listing them when none or several match, or when the config has none.
 */
export function resolveReader(
    readers: readonly ReaderConfig[],
    as: string,
    localTables: readonly string[],
    configFile: string,
): LocalReader {
    if (readers.length === 0) {
        throw new LocalUsageError(
            `--as ${as}: ${configFile} configures no readers (connect-analytics:readers); --as needs a consumer stack config that lists them (see examples/share-many).`,
        );
    }
    const matches = readers.filter((r) => r.principal === as || principalName(r.principal) === as);
    const known = readers.map((r) => `${principalName(r.principal)} (${r.principal})`).join(", ");
    if (matches.length !== 1) {
        throw new LocalUsageError(
            matches.length === 0
                ? `--as ${as}: no such reader in ${configFile}; readers: ${known}.`
                : `--as ${as} names ${matches.length} readers in ${configFile}; give the principal ARN: ${known}.`,
        );
    }
    const r = matches[0];
    const local = r.tables.filter((t) => localTables.includes(localTableName(t)));
    return {
        name: principalName(r.principal),
        principal: r.principal,
        schema: readerSchemaOf(r.principal, readers),
        ...(r.rowFilter !== undefined ? { rowFilter: r.rowFilter } : {}),
        tables: local.map((t) => ({
            table: localTableName(t),
            configName: t,
            excludedColumns: [...(r.excludedColumns[t] ?? [])],
        })),
        notLocal: r.tables.filter((t) => !local.includes(t)),
    };
}

function filterColumns(node: RowFilterNode): string[] {
    if (node.kind === "and" || node.kind === "or") return [...filterColumns(node.left), ...filterColumns(node.right)];
    return node.kind === "not" ? filterColumns(node.operand) : [node.column.path[0].toLowerCase()];
}

/** What keeps the reader's view from being computed, checked before anything is touched. */
export function readerProblems(reader: LocalReader, specs: readonly ExportTableSpec[]): string[] {
    const problems: string[] = [];
    let columns: string[] = [];
    if (reader.rowFilter !== undefined) {
        try {
            columns = filterColumns(parseRowFilter(reader.rowFilter));
        } catch (err) {
            problems.push(`--as ${reader.name}: its row filter does not parse: ${describeError(err)}`);
        }
    }
    for (const t of reader.tables) {
        const spec = specs.find((s) => s.name === t.table);
        const missing = columns.filter((c) => spec?.excludedColumns?.includes(c));
        if (missing.length > 0) {
            problems.push(
                `--as ${reader.name}: its row filter reads ${missing.join(", ")} of ${t.table}, which the export leaves out ` +
                    `(excludedColumns or --exclude); Lake Formation filters Connect's table, the local view filters the export's`,
            );
        }
    }
    if (reader.tables.length === 0) {
        problems.push(
            `--as ${reader.name}: it reads ${reader.notLocal.join(", ")}, none of which the local run exports`,
        );
    }
    return problems;
}

/**
 * Writes the reader's view of each table it reads into `database`.`reader_<name>` (replacing an
 * earlier view of the same reader) and returns its counts.
 */
export async function writeReaderView(
    connection: DuckDBConnection,
    reader: LocalReader,
    database: string,
): Promise<ReaderView> {
    // Parsed again here: only text of the filter grammar ever reaches the SQL.
    if (reader.rowFilter !== undefined) parseRowFilter(reader.rowFilter);
    const schema = reader.schema ?? readerSchema(reader.name);
    const db = quoteIdent(database);
    await connection.run(`DROP SCHEMA IF EXISTS ${db}.${quoteIdent(schema)} CASCADE`);
    await connection.run(`CREATE SCHEMA ${db}.${quoteIdent(schema)}`);
    const count = async (relation: string) =>
        Number((await connection.runAndReadAll(`SELECT count(*) FROM ${relation}`)).getRows()[0][0]);
    const tables: ReaderTableView[] = [];
    for (const t of reader.tables) {
        const source = `${db}.main.${quoteIdent(t.table)}`;
        const base = { table: t.table, configName: t.configName, filter: reader.rowFilter ?? null };
        if (!(await duckdbTableExists(connection, database, t.table))) {
            tables.push({ ...base, relation: null, rows: 0, totalRows: 0, columns: [], totalColumns: 0, withheld: [] });
            continue;
        }
        const all = (await describeColumns(connection, source)).map((c) => c.name);
        const columns = all.filter((c) => !t.excludedColumns.includes(c));
        const target = `${db}.${quoteIdent(schema)}.${quoteIdent(t.table)}`;
        await connection.run(
            `CREATE TABLE ${target} AS SELECT ${columns.map(quoteIdent).join(", ")} FROM ${source}` +
                (reader.rowFilter !== undefined ? ` WHERE ${reader.rowFilter}` : ""),
        );
        tables.push({
            ...base,
            relation: `${schema}.${t.table}`,
            rows: await count(target),
            totalRows: await count(source),
            columns,
            totalColumns: all.length,
            withheld: all.filter((c) => t.excludedColumns.includes(c)),
        });
    }
    return { reader: reader.name, principal: reader.principal, schema, tables, notLocal: reader.notLocal };
}
