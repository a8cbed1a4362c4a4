/**
 * Which tables an Athena query reads, from its text: for `audit`, which has only the query string
 * CloudTrail recorded for StartQueryExecution. Pure.
 *
 * Tolerant but honest: a real tokenizer (strings, quoted identifiers, comments) and a scan of the
 * relations named after FROM, JOIN (and USING in MERGE, the target of UPDATE), not a SQL parser.
 * What it assumes, and so what the audit report says it assumes:
 * - A FROM inside a function call (`EXTRACT(year FROM ts)`, `TRIM(BOTH ' ' FROM s)`) is not a
 *   table: FROM and JOIN count at the top level and inside parentheses that hold a query
 *   (`(SELECT ...`, `FROM (`, `JOIN (`).
 * - Names of WITH clauses are not tables; a relation spelled like a CTE name is taken to be it.
 * - Identifiers are compared lowercased: Glue stores database and table names in lowercase.
 * - `name` alone is in the query's context database; `db.name` in its context catalog;
 *   `catalog.db.name` as written. A query without a context database leaves the database unknown.
 * - Statements that read no table data (SHOW, DESCRIBE, CREATE VIEW, DDL, plain EXPLAIN...) read
 *   nothing; the target of INSERT INTO is written, not read.
 * - Text it cannot tokenize (an unterminated string or comment, a truncated query) is reported as
 *   not parsed, never guessed.
 */

export interface QueryContext {
    readonly database?: string;
    /** Athena data catalog; undefined or AwsDataCatalog: the account's own Glue catalog. */
    readonly catalog?: string;
}

export interface QueryTable {
    /** Lowercased; undefined: the account's own Glue catalog (AwsDataCatalog). */
    readonly catalog?: string;
    /** undefined: unqualified name and no context database. */
    readonly database?: string;
    readonly table: string;
}

export interface QueryTables {
    /** First keyword, uppercased ("SELECT", "WITH", "SHOW"...), or "" when there is none. */
    readonly statement: string;
    /** Whether the statement reads table data at all. */
    readonly reads: boolean;
    /** Distinct relations read, in order of appearance. */
    readonly tables: readonly QueryTable[];
    /** Why the text could not be read, when it could not. */
    readonly problem?: string;
}

type Tok = { t: "word" | "ident" | "string" | "number" | "punct"; text: string };

const DEFAULT_CATALOG = "awsdatacatalog";

function tokenize(sql: string): Tok[] | string {
    const out: Tok[] = [];
    let i = 0;
    while (i < sql.length) {
        const c = sql[i];
        if (/\s/.test(c)) {
            i++;
        } else if (sql.startsWith("--", i)) {
            const end = sql.indexOf("\n", i);
            i = end < 0 ? sql.length : end + 1;
        } else if (sql.startsWith("/*", i)) {
            const end = sql.indexOf("*/", i + 2);
            if (end < 0) return "unterminated /* comment";
            i = end + 2;
        } else if (c === "'" || c === '"' || c === "`") {
            let j = i + 1;
            let text = "";
            for (;;) {
                if (j >= sql.length) return `unterminated ${c === "'" ? "string" : "quoted identifier"}`;
                if (sql[j] === c) {
                    if (sql[j + 1] === c) {
                        text += c;
                        j += 2;
                        continue;
                    }
                    break;
                }
                text += sql[j++];
            }
            out.push({ t: c === "'" ? "string" : "ident", text });
            i = j + 1;
        } else if (/[0-9]/.test(c)) {
            const m = /^[0-9][0-9A-Za-z_.]*/.exec(sql.slice(i))!;
            out.push({ t: "number", text: m[0] });
            i += m[0].length;
        } else if (/[A-Za-z_]/.test(c)) {
            const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))!;
            out.push({ t: "word", text: m[0] });
            i += m[0].length;
        } else {
            out.push({ t: "punct", text: c });
            i++;
        }
    }
    return out;
}

/** Words after a relation that end it rather than alias it. */
const CLAUSE_WORDS = new Set(
    (
        "where join on using group order limit union intersect except inner left right full cross natural having " +
        "window offset fetch tablesample for with select from into values set when then when matched not as"
    ).split(" "),
);

const READ_STATEMENTS = new Set(["SELECT", "WITH", "VALUES", "INSERT", "UNLOAD", "MERGE", "UPDATE", "DELETE"]);

function isWord(tok: Tok | undefined, word: string): boolean {
    return tok?.t === "word" && tok.text.toUpperCase() === word;
}

function isPunct(tok: Tok | undefined, p: string): boolean {
    return tok?.t === "punct" && tok.text === p;
}

function isName(tok: Tok | undefined): boolean {
    return tok !== undefined && (tok.t === "ident" || tok.t === "word");
}

/** Whether the statement reads data: its kind, and for CREATE/EXPLAIN a closer look. */
function readsData(tokens: readonly Tok[]): { statement: string; reads: boolean } {
    let k = 0;
    while (isPunct(tokens[k], "(")) k++;
    const first = tokens[k];
    const statement = first?.t === "word" ? first.text.toUpperCase() : "";
    if (READ_STATEMENTS.has(statement)) return { statement, reads: true };
    if (statement === "EXPLAIN") return { statement, reads: isWord(tokens[k + 1], "ANALYZE") };
    if (statement === "CREATE") {
        // CREATE TABLE ... AS SELECT reads; CREATE VIEW / CREATE TABLE (columns) do not.
        if (!isWord(tokens[k + 1], "TABLE")) return { statement, reads: false };
        const asQuery = tokens.some(
            (tok, i) =>
                isWord(tok, "AS") &&
                (isWord(tokens[i + 1], "SELECT") || isWord(tokens[i + 1], "WITH") || isPunct(tokens[i + 1], "(")),
        );
        return { statement, reads: asQuery };
    }
    return { statement, reads: false };
}

/** Names defined by WITH clauses (lowercased). */
function cteNames(tokens: readonly Tok[]): Set<string> {
    const names = new Set<string>();
    for (let i = 0; i < tokens.length; i++) {
        if (!isWord(tokens[i], "WITH")) continue;
        let j = i + 1;
        if (isWord(tokens[j], "RECURSIVE")) j++;
        for (;;) {
            if (!isName(tokens[j]) || isWord(tokens[j], "TIME")) break;
            const name = tokens[j].text.toLowerCase();
            j++;
            if (isPunct(tokens[j], "(")) j = skipParens(tokens, j);
            if (!isWord(tokens[j], "AS") || !isPunct(tokens[j + 1], "(")) break;
            names.add(name);
            j = skipParens(tokens, j + 1);
            if (!isPunct(tokens[j], ",")) break;
            j++;
        }
    }
    return names;
}

/** Index after the parenthesis group that opens at `open`. */
function skipParens(tokens: readonly Tok[], open: number): number {
    let depth = 0;
    for (let i = open; i < tokens.length; i++) {
        if (isPunct(tokens[i], "(")) depth++;
        if (isPunct(tokens[i], ")") && --depth === 0) return i + 1;
    }
    return tokens.length;
}

export function tablesInQuery(sql: string, context: QueryContext = {}): QueryTables {
    const tokens = tokenize(sql);
    if (typeof tokens === "string") return { statement: "", reads: false, tables: [], problem: tokens };
    const { statement, reads } = readsData(tokens);
    if (!reads) return { statement, reads, tables: [] };

    const ctes = cteNames(tokens);
    const found = new Map<string, QueryTable>();
    const contextCatalog = context.catalog?.toLowerCase();
    const add = (parts: string[]) => {
        const lower = parts.map((p) => p.toLowerCase());
        let ref: QueryTable;
        if (lower.length === 1) {
            if (ctes.has(lower[0])) return;
            ref = { catalog: contextCatalog, database: context.database?.toLowerCase(), table: lower[0] };
        } else if (lower.length === 2) {
            ref = { catalog: contextCatalog, database: lower[0], table: lower[1] };
        } else {
            ref = {
                catalog: lower[lower.length - 3],
                database: lower[lower.length - 2],
                table: lower[lower.length - 1],
            };
        }
        if (ref.catalog === DEFAULT_CATALOG) ref = { ...ref, catalog: undefined };
        const id = `${ref.catalog ?? ""}/${ref.database ?? ""}/${ref.table}`;
        if (!found.has(id)) found.set(id, ref);
    };

    // Parenthesis contexts: "query" where a FROM names relations, "expr" inside function calls.
    const stack: Array<"query" | "expr"> = [];
    const inQuery = () => stack.length === 0 || stack[stack.length - 1] === "query";

    /** Reads a relation at `i` (after FROM/JOIN/USING/UPDATE, or a comma of a FROM list); returns the next index. */
    const relation = (i: number, list: boolean): number => {
        if (isWord(tokens[i], "LATERAL")) i++;
        if (isPunct(tokens[i], "(")) return i; // a subquery or parenthesised join: scanned as it comes
        if ((isWord(tokens[i], "UNNEST") || isWord(tokens[i], "TABLE")) && isPunct(tokens[i + 1], "(")) {
            return skipAlias(skipParens(tokens, i + 1), list);
        }
        if (!isName(tokens[i])) return i;
        const parts = [tokens[i].text];
        i++;
        while (isPunct(tokens[i], ".") && isName(tokens[i + 1])) {
            parts.push(tokens[i + 1].text);
            i += 2;
        }
        add(parts);
        return skipAlias(i, list);
    };

    /** Skips `[AS] alias [(columns)]`; in a FROM list, follows a comma to the next relation. */
    const skipAlias = (i: number, list: boolean): number => {
        if (isWord(tokens[i], "AS")) i++;
        if (isName(tokens[i]) && !(tokens[i].t === "word" && CLAUSE_WORDS.has(tokens[i].text.toLowerCase()))) {
            i++;
            if (isPunct(tokens[i], "(")) i = skipParens(tokens, i);
        }
        if (list && isPunct(tokens[i], ",")) return relation(i + 1, true);
        return i;
    };

    let i = 0;
    while (i < tokens.length) {
        const tok = tokens[i];
        if (isPunct(tok, "(")) {
            const prev = tokens[i - 1];
            const next = tokens[i + 1];
            // A parenthesis right after another one is in the same context: `FROM ((a JOIN b))`.
            const query = isPunct(prev, "(")
                ? inQuery()
                : isWord(next, "SELECT") ||
                  isWord(next, "WITH") ||
                  isWord(next, "VALUES") ||
                  isWord(prev, "FROM") ||
                  isWord(prev, "JOIN") ||
                  isWord(prev, "LATERAL");
            stack.push(query ? "query" : "expr");
            i++;
            continue;
        }
        if (isPunct(tok, ")")) {
            stack.pop();
            i++;
            continue;
        }
        if (inQuery() && (isWord(tok, "FROM") || isWord(tok, "JOIN"))) {
            i = relation(i + 1, isWord(tok, "FROM"));
            continue;
        }
        if (inQuery() && statement === "MERGE" && isWord(tok, "USING")) {
            i = relation(i + 1, false);
            continue;
        }
        if (statement === "UPDATE" && i === 0) {
            i = relation(1, false);
            continue;
        }
        if (isWord(tok, "INTO")) {
            // INSERT INTO t / MERGE INTO t: written, not read; skip the name so FROM-less INSERT adds nothing.
            i++;
            if (isName(tokens[i])) i++;
            while (isPunct(tokens[i], ".") && isName(tokens[i + 1])) i += 2;
            continue;
        }
        i++;
    }
    return { statement, reads, tables: [...found.values()] };
}
