/**
 * Row filter expressions of Lake Formation data cells filters, from the readers' config.
 *
 * A reader's `rowFilter` comes in one of four forms, and every form goes through the same parser
 * and the same checks before it becomes the `RowFilter.FilterExpression` of a DataCellsFilter:
 *   { instanceIds: ["<uuid>", ...] }          → instance_id IN ('<uuid>', ...)
 *   { column: "queue_name", in: ["A", "B"] }  → queue_name IN ('A', 'B')
 *   { column: "channel", equals: "VOICE" }    → channel = 'VOICE'
 *   { expression: "..." }                     → the text as written, once it passes the checks
 * plus `uncheckedColumns: true` on any of them for a table whose columns this project does not know.
 *
 * What Lake Formation documents, and so what is checked here:
 * - lake-formation/latest/dg/partiql-support.html ("PartiQL support in row filter expressions"):
 *   a PartiQL subset; no user-defined or standard functions; a column compared only with
 *   constants, never with another column; `<column> <operator> <value>` simple expressions
 *   combined with AND/OR (and parentheses); operators = > < >= <= <> != BETWEEN IN LIKE NOT
 *   IS [NOT] NULL; total length less than 2048 characters; string constants in single quotes;
 *   a column name that is a PartiQL keyword escaped with double quotes; the value must match the
 *   column's type; supported types STRING, CHAR, VARCHAR, INT, LONG, BIGINT, FLOAT, DECIMAL,
 *   DOUBLE, BOOLEAN, STRUCT (nested fields as `col.field`); IS [NOT] NULL not on partition columns.
 * - lake-formation/latest/dg/data-filtering-notes.html ("Data filtering limitations"): array and
 *   map types are not supported in row filter expressions (struct is); at most 100 data filter
 *   SELECT permissions for one principal on a table; at most 10 data filters in one grant;
 *   cell-level security does not apply to views or resource links (a filter names the target table).
 * - lake-formation/latest/APIReference/API_RowFilter.html: FilterExpression is at most 2048
 *   characters of printable text, tab, CR, LF. The developer guide's "less than 2048" is the
 *   stricter of the two and the one applied.
 * - managing-filters.html / granting-data-perms-for-filters.html: creating a filter on a shared
 *   table needs SELECT with the grant option on it (the caller's business, not this module's).
 *
 * Decisions where the documentation is silent:
 * - TIMESTAMP and DATE (and every type not listed, e.g. smallint, tinyint, binary) are rejected:
 *   the page lists the supported types, and those are not among them.
 * - A table whose columns are not known (not in lib/connectSchema.ts and none passed in) cannot
 *   have its columns or types checked; the filter is rejected unless the reader sets
 *   `uncheckedColumns: true`, which keeps the syntax checks and leaves the column checks to Lake
 *   Formation at deploy time.
 * - Keywords: in a raw expression only the grammar's own words (AND, IN, NULL, SELECT...) are
 *   refused as bare column names; the documentation's own examples use `year` and `month` bare,
 *   so its parser does not reserve every SQL-92 word, and a collision it does reserve is a parse
 *   error at deploy time (a failure, never a wider filter). Structured forms quote any column
 *   name that is an SQL-92/PartiQL keyword or not a plain identifier, which is always safe.
 * - Connect instance ids are UUIDs (the last part of the instance ARN).
 *
 * Pure: imports only lib/connectSchema.ts. The parser is a real tokenizer plus a recursive-descent
 * parser of exactly the documented grammar; anything outside it (comments, `;`, functions,
 * subqueries, concatenation, arithmetic) is a parse error, so a crafted expression cannot smuggle
 * anything past the checks.
 *
 * Why not a library parser (issue 17): node-sql-parser 5.4.0 was tried in its
 * place. Its PostgreSQL, Athena and MySQL grammars give AND no precedence over OR (`a OR b AND c`
 * came back as `(a OR b) AND c`), it drops comments silently, accepts ORDER BY/LIMIT/UNION after
 * the wrapped WHERE, and cannot read `"a""b"`; working around that left it 21 lines shorter
 * (1,093 against 1,114) for an 89 MB dependency, so this parser stays.
 */
// A string constant is quoted as SQL quotes it (an embedded quote doubled), for Lake Formation and DuckDB alike.
import { sqlString as quoteString } from "./sqlText";
import { CONNECT_COLUMN_SPECS, parseColumnSpec, TABLE_ALIASES } from "./connectSchema";
import { isObject } from "./json";

/** Lake Formation: the expression must be shorter than this (partiql-support.html). */
export const ROW_FILTER_MAX_LENGTH = 2048;
/** data-filtering-notes.html: data filter SELECT grants one principal may hold on one table. */
export const MAX_FILTER_GRANTS_PER_PRINCIPAL_TABLE = 100;
/** The column that carries the Connect instance in every Connect dataset. */
export const INSTANCE_ID_COLUMN = "instance_id";

const DOC_PARTIQL = "lake-formation/latest/dg/partiql-support.html";
const DOC_NOTES = "lake-formation/latest/dg/data-filtering-notes.html";

/** A column a filter may name: its Glue/Athena type, and whether it is a partition key. */
export interface FilterColumn {
    readonly name: string;
    /** Glue (`string`, `struct<a:int>`) or Athena (`varchar`, `row(a integer)`) spelling. */
    readonly type: string;
    readonly partitionKey?: boolean;
}

/** The table a filter is for. `columns` undefined: not known, the column checks cannot run. */
export interface FilterTable {
    readonly name: string;
    readonly columns?: readonly FilterColumn[];
}

/** One thing wrong with a filter: the config key it is about, and a message ending with the fix. */
export interface RowFilterProblem {
    /** e.g. `readers[1].rowFilter.column`. */
    readonly key: string;
    readonly message: string;
}

export type RowFilterResult =
    | {
          readonly ok: true;
          /** The FilterExpression to give Lake Formation. */
          readonly expression: string;
          readonly ast: RowFilterNode;
          /** Top-level columns the expression reads, sorted, without duplicates. */
          readonly columns: readonly string[];
          /** True when `uncheckedColumns` let it through without column checks. */
          readonly unchecked: boolean;
      }
    | { readonly ok: false; readonly problems: readonly RowFilterProblem[] };

// ---------------------------------------------------------------------------------------------
// Syntax tree

export interface ColumnRef {
    readonly kind: "column";
    /** `a.b.c` → ["a", "b", "c"]; bare names lowercased (PartiQL: case-insensitive), quoted kept. */
    readonly path: readonly string[];
    /** Per part: written in double quotes. */
    readonly quoted: readonly boolean[];
    readonly pos: number;
    /** Config key the node came from, for problems (structured forms); undefined: the expression. */
    readonly key?: string;
}

export type Literal =
    | { readonly kind: "string"; readonly value: string; readonly pos: number; readonly key?: string }
    | { readonly kind: "number"; readonly text: string; readonly pos: number; readonly key?: string }
    | { readonly kind: "boolean"; readonly value: boolean; readonly pos: number; readonly key?: string };

export type CompareOp = "=" | "<>" | "!=" | "<" | ">" | "<=" | ">=";

export type RowFilterNode =
    | { readonly kind: "and"; readonly left: RowFilterNode; readonly right: RowFilterNode }
    | { readonly kind: "or"; readonly left: RowFilterNode; readonly right: RowFilterNode }
    | { readonly kind: "not"; readonly operand: RowFilterNode }
    | { readonly kind: "compare"; readonly column: ColumnRef; readonly op: CompareOp; readonly value: Literal }
    | {
          readonly kind: "between";
          readonly column: ColumnRef;
          readonly negated: boolean;
          readonly low: Literal;
          readonly high: Literal;
      }
    | {
          readonly kind: "in";
          readonly column: ColumnRef;
          readonly negated: boolean;
          readonly values: readonly Literal[];
      }
    | {
          readonly kind: "like";
          readonly column: ColumnRef;
          readonly negated: boolean;
          readonly pattern: Literal & { kind: "string" };
      }
    | { readonly kind: "isNull"; readonly column: ColumnRef; readonly negated: boolean };

// ---------------------------------------------------------------------------------------------
// Tokenizer

type Token =
    | { readonly t: "word"; readonly text: string; readonly pos: number }
    | { readonly t: "qident"; readonly text: string; readonly pos: number }
    | { readonly t: "string"; readonly text: string; readonly pos: number }
    | { readonly t: "number"; readonly text: string; readonly pos: number }
    | { readonly t: "op"; readonly text: string; readonly pos: number }
    | { readonly t: "end"; readonly text: ""; readonly pos: number };

/** A parse failure: where, what, and the fix. */
export class RowFilterSyntaxError extends Error {
    constructor(
        readonly pos: number,
        readonly problem: string,
        readonly fix: string,
    ) {
        super(`${problem} (at character ${pos + 1}). Fix: ${fix}`);
        this.name = "RowFilterSyntaxError";
    }
}

const OPERATORS = ["<=", ">=", "<>", "!=", "=", "<", ">", "(", ")", ",", ".", "-"];

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (c === " " || c === "\t" || c === "\r" || c === "\n") {
            i++;
            continue;
        }
        if (text.startsWith("--", i) || text.startsWith("/*", i)) {
            throw new RowFilterSyntaxError(
                i,
                "comments are not part of a row filter expression",
                "remove the comment; a filter is one predicate",
            );
        }
        if (c === "'" || c === '"') {
            // Both quote kinds escape themselves by doubling ('' and ""), as in SQL and PartiQL.
            let j = i + 1;
            let value = "";
            for (;;) {
                if (j >= text.length) {
                    throw new RowFilterSyntaxError(
                        i,
                        c === "'" ? "unterminated string constant" : "unterminated quoted column name",
                        c === "'"
                            ? "close the string with ' (write a quote inside a string as '')"
                            : 'close the name with " (write a double quote inside it as "")',
                    );
                }
                if (text[j] === c) {
                    if (text[j + 1] === c) {
                        value += c;
                        j += 2;
                        continue;
                    }
                    break;
                }
                value += text[j++];
            }
            if (c === '"' && value === "") {
                throw new RowFilterSyntaxError(
                    i,
                    'empty quoted column name ""',
                    "write the column name between the quotes",
                );
            }
            tokens.push({ t: c === "'" ? "string" : "qident", text: value, pos: i });
            i = j + 1;
            continue;
        }
        const number = /^(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
        if (number) {
            const after = text[i + number[0].length];
            if (after !== undefined && /[A-Za-z_]/.test(after)) {
                throw new RowFilterSyntaxError(
                    i,
                    `"${number[0]}${after}..." is neither a number nor a column name`,
                    "column names start with a letter or underscore; numbers are digits with an optional decimal part",
                );
            }
            tokens.push({ t: "number", text: number[0], pos: i });
            i += number[0].length;
            continue;
        }
        const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
        if (word) {
            tokens.push({ t: "word", text: word[0], pos: i });
            i += word[0].length;
            continue;
        }
        const op = OPERATORS.find((o) => text.startsWith(o, i));
        if (op) {
            tokens.push({ t: "op", text: op, pos: i });
            i += op.length;
            continue;
        }
        const shown = c === ";" ? "';' (one expression only, no statements)" : JSON.stringify(c);
        throw new RowFilterSyntaxError(
            i,
            `unexpected character ${shown}`,
            `use only column names, constants, parentheses, commas and the operators ${DOCUMENTED_OPERATORS}`,
        );
    }
    tokens.push({ t: "end", text: "", pos: text.length });
    return tokens;
}

const DOCUMENTED_OPERATORS = "= > < >= <= <> != BETWEEN IN LIKE NOT IS [NOT] NULL AND OR";

/**
 * SQL-92 reserved words and PartiQL's additions. A bare column name among them must be quoted
 * (partiql-support.html, "Reserved keywords").
 */
const KEYWORDS = new Set(
    (
        "absolute action add all allocate alter and any are as asc assertion at authorization avg begin between bit " +
        "bit_length both by cascade cascaded case cast catalog char character character_length char_length check close " +
        "coalesce collate collation column commit connect connection constraint constraints continue convert " +
        "corresponding count create cross current current_date current_time current_timestamp current_user cursor date " +
        "day deallocate dec decimal declare default deferrable deferred delete desc describe descriptor diagnostics " +
        "disconnect distinct domain double drop else end escape except exception exec execute exists external extract " +
        "false fetch first float for foreign found from full get global go goto grant group having hour identity " +
        "immediate in indicator initially inner input insensitive insert int integer intersect interval into is " +
        "isolation join key language last leading left level like local lower match max min minute module month names " +
        "national natural nchar next no not null nullif numeric octet_length of on only open option or order outer " +
        "output overlaps pad partial position precision prepare preserve primary prior privileges procedure public read " +
        "real references relative restrict revoke right rollback rows schema scroll second section select session " +
        "session_user set size smallint some space sql sqlcode sqlerror sqlstate substring sum system_user table " +
        "temporary then time timestamp timezone_hour timezone_minute to trailing transaction translate translation trim " +
        "true union unique unknown update upper usage user using value values varchar varying view when whenever where " +
        "with work write year zone " +
        // PartiQL
        "missing pivot unpivot limit offset tuple remove index let conflict do returning modified new old nothing bag " +
        "blob bool boolean clob list sexp string struct symbol can_cast can_lossless_cast date_add date_diff exclude " +
        "lag lead over partition"
    ).split(" "),
);

/**
 * Words of the filter grammar itself and of SQL statements: never a bare column name here. Other
 * keywords are left to Lake Formation's parser, because its documented examples use some SQL-92
 * reserved words (`year`, `month`) bare.
 */
const GRAMMAR_WORDS = new Set(
    "and or not in is null like between true false select from where union intersect except case cast exists escape".split(
        " ",
    ),
);

/** Column name as written in a rendered expression: bare when safe, else double-quoted. */
export function quoteColumn(name: string): string {
    return /^[a-z_][a-z0-9_]*$/.test(name) && !KEYWORDS.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

// ---------------------------------------------------------------------------------------------
// Parser

/**
 * Grammar (partiql-support.html), lowest precedence first:
 *   expr      := and (OR and)*
 *   and       := not (AND not)*
 *   not       := NOT not | '(' expr ')' | predicate
 *   predicate := column ( op literal | [NOT] BETWEEN literal AND literal | [NOT] IN '(' literal (',' literal)* ')'
 *                       | [NOT] LIKE string | IS [NOT] NULL )
 *   column    := name ('.' name)*        name := bare identifier | "quoted"
 *   literal   := 'string' | [-]number | TRUE | FALSE
 */
export function parseRowFilter(text: string): RowFilterNode {
    // API_RowFilter.html: printable characters, tab, CR and LF only (in constants too).
    const control = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.exec(text);
    if (control) {
        throw new RowFilterSyntaxError(
            control.index,
            `control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
            "remove it; Lake Formation accepts printable characters, tab, CR and LF",
        );
    }
    const tokens = tokenize(text);
    let at = 0;
    const peek = (offset = 0) => tokens[Math.min(at + offset, tokens.length - 1)];
    const isWord = (tok: Token, word: string) => tok.t === "word" && tok.text.toUpperCase() === word;
    const isOp = (tok: Token, op: string) => tok.t === "op" && tok.text === op;
    const describe = (tok: Token) =>
        tok.t === "end" ? "the end of the expression" : tok.t === "string" ? `'${tok.text}'` : `"${tok.text}"`;

    const expectWord = (word: string, fix: string) => {
        if (!isWord(peek(), word)) {
            throw new RowFilterSyntaxError(peek().pos, `expected ${word}, found ${describe(peek())}`, fix);
        }
        at++;
    };

    const functionCall = (tok: Token): RowFilterSyntaxError =>
        new RowFilterSyntaxError(
            tok.pos,
            ["SELECT", "EXISTS", "CASE"].includes(tok.text.toUpperCase())
                ? `${tok.text.toUpperCase()} (a subquery or expression) is not part of a row filter`
                : `function call ${tok.text}(...)`,
            `Lake Formation allows no functions in a row filter (${DOC_PARTIQL}); compare the column itself with a constant`,
        );

    const column = (): ColumnRef => {
        const path: string[] = [];
        const quoted: boolean[] = [];
        const start = peek().pos;
        for (;;) {
            const tok = peek();
            if (tok.t === "word") {
                if (isOp(peek(1), "(")) throw functionCall(tok);
                const upper = tok.text.toUpperCase();
                if (["TRUE", "FALSE", "NULL"].includes(upper) && path.length === 0) {
                    throw new RowFilterSyntaxError(
                        tok.pos,
                        `${upper} where a column name belongs`,
                        "write each simple expression as <column> <operator> <value>",
                    );
                }
                if (GRAMMAR_WORDS.has(tok.text.toLowerCase())) {
                    throw new RowFilterSyntaxError(
                        tok.pos,
                        `${tok.text} is a keyword where a column name belongs`,
                        `if it is a column, quote it: "${tok.text.toLowerCase()}"; else write <column> <operator> <value>`,
                    );
                }
                path.push(tok.text.toLowerCase());
                quoted.push(false);
            } else if (tok.t === "qident") {
                path.push(tok.text);
                quoted.push(true);
            } else {
                throw new RowFilterSyntaxError(
                    tok.pos,
                    `expected a column name, found ${describe(tok)}`,
                    "write each simple expression as <column> <operator> <value>, the column first",
                );
            }
            at++;
            if (!isOp(peek(), ".")) break;
            at++;
        }
        return { kind: "column", path, quoted, pos: start };
    };

    /** A constant; anything column-like here is the comparison of two columns. */
    const literal = (left: ColumnRef): Literal => {
        const tok = peek();
        if (tok.t === "string") {
            at++;
            return { kind: "string", value: tok.text, pos: tok.pos };
        }
        if (tok.t === "number") {
            at++;
            return { kind: "number", text: tok.text, pos: tok.pos };
        }
        if (isOp(tok, "-") && peek(1).t === "number" && peek(1).pos === tok.pos + 1) {
            at += 2;
            return { kind: "number", text: `-${peek(-1).text}`, pos: tok.pos };
        }
        if (isWord(tok, "TRUE") || isWord(tok, "FALSE")) {
            at++;
            return { kind: "boolean", value: isWord(tok, "TRUE"), pos: tok.pos };
        }
        if (isWord(tok, "NULL")) {
            throw new RowFilterSyntaxError(
                tok.pos,
                "comparison with NULL",
                `write ${left.path.join(".")} IS NULL or IS NOT NULL`,
            );
        }
        if (tok.t === "word" && isOp(peek(1), "(")) throw functionCall(tok);
        if (tok.t === "word" || tok.t === "qident") {
            return columnToColumn(left, tok);
        }
        throw new RowFilterSyntaxError(
            tok.pos,
            `expected a constant, found ${describe(tok)}`,
            "compare with a 'string', a number, TRUE or FALSE",
        );
    };

    const columnToColumn = (left: ColumnRef, tok: Token): never => {
        throw new RowFilterSyntaxError(
            tok.pos,
            `${left.path.join(".")} is compared with ${tok.t === "qident" ? `"${tok.text}"` : tok.text}, another column`,
            `Lake Formation compares columns only with constants (${DOC_PARTIQL}); compare with a 'string' or a number (a word in double quotes is a column name, not a string)`,
        );
    };

    const predicate = (): RowFilterNode => {
        const col = column();
        const tok = peek();
        if (tok.t === "op" && ["=", "<>", "!=", "<", ">", "<=", ">="].includes(tok.text)) {
            at++;
            return { kind: "compare", column: col, op: tok.text as CompareOp, value: literal(col) };
        }
        if (isWord(tok, "IS")) {
            at++;
            const negated = isWord(peek(), "NOT");
            if (negated) at++;
            expectWord("NULL", "write IS NULL or IS NOT NULL");
            return { kind: "isNull", column: col, negated };
        }
        const negated = isWord(tok, "NOT");
        if (negated) at++;
        const keyword = peek();
        if (isWord(keyword, "BETWEEN")) {
            at++;
            const low = literal(col);
            expectWord("AND", "write <column> BETWEEN <low> AND <high>");
            const high = literal(col);
            return { kind: "between", column: col, negated, low, high };
        }
        if (isWord(keyword, "IN")) {
            at++;
            if (!isOp(peek(), "(")) {
                throw new RowFilterSyntaxError(peek().pos, "IN needs a parenthesised list", "write IN ('a', 'b')");
            }
            at++;
            const values = [literal(col)];
            while (isOp(peek(), ",")) {
                at++;
                values.push(literal(col));
            }
            if (!isOp(peek(), ")")) {
                throw new RowFilterSyntaxError(
                    peek().pos,
                    `expected , or ) in the IN list, found ${describe(peek())}`,
                    "close the list with )",
                );
            }
            at++;
            return { kind: "in", column: col, negated, values };
        }
        if (isWord(keyword, "LIKE")) {
            at++;
            const pattern = literal(col);
            if (pattern.kind !== "string") {
                throw new RowFilterSyntaxError(pattern.pos, "LIKE needs a string pattern", "write LIKE 'prefix%'");
            }
            return { kind: "like", column: col, negated, pattern };
        }
        throw new RowFilterSyntaxError(
            keyword.pos,
            `expected an operator after ${col.path.join(".")}, found ${describe(keyword)}`,
            `use one of ${DOCUMENTED_OPERATORS}`,
        );
    };

    const notExpr = (): RowFilterNode => {
        if (isWord(peek(), "NOT")) {
            at++;
            return { kind: "not", operand: notExpr() };
        }
        if (isOp(peek(), "(")) {
            const open = peek();
            at++;
            const inner = orExpr();
            if (!isOp(peek(), ")")) {
                throw new RowFilterSyntaxError(
                    peek().pos,
                    `unbalanced parentheses: "(" at character ${open.pos + 1} is not closed (found ${describe(peek())})`,
                    "add the missing )",
                );
            }
            at++;
            return inner;
        }
        return predicate();
    };

    const andExpr = (): RowFilterNode => {
        let left = notExpr();
        while (isWord(peek(), "AND")) {
            at++;
            left = { kind: "and", left, right: notExpr() };
        }
        return left;
    };

    const orExpr = (): RowFilterNode => {
        let left = andExpr();
        while (isWord(peek(), "OR")) {
            at++;
            left = { kind: "or", left, right: andExpr() };
        }
        return left;
    };

    const tree = orExpr();
    const rest = peek();
    if (rest.t !== "end") {
        throw new RowFilterSyntaxError(
            rest.pos,
            isOp(rest, ")") ? 'unbalanced parentheses: ")" without a matching "("' : `unexpected ${describe(rest)}`,
            isOp(rest, ")")
                ? "remove the extra ) or add the missing ("
                : "join simple expressions with AND or OR; nothing may follow the last one",
        );
    }
    return tree;
}

// ---------------------------------------------------------------------------------------------
// Types and checks

type Kind = "string" | "number" | "boolean" | "struct" | "array" | "map" | "temporal" | "other";

export function typeKind(type: string): Kind {
    const t = type.trim().toLowerCase();
    if (/^(string|varchar(\(\d+\))?|char(\(\d+\))?)$/.test(t)) return "string";
    if (/^(int|integer|long|bigint|float|double|decimal(\(\s*\d+\s*(,\s*\d+\s*)?\))?)$/.test(t)) return "number";
    if (t === "boolean") return "boolean";
    if (/^(struct\s*<|row\s*\()/.test(t)) return "struct";
    if (/^array\s*[<(]/.test(t)) return "array";
    if (/^map\s*[<(]/.test(t)) return "map";
    if (/^(timestamp|date)\b/.test(t)) return "temporal";
    return "other";
}

/** Splits a type or column list at its top-level commas: "a int, m map<string,int>" → two parts. */
export function splitTopLevel(list: string): string[] {
    const parts: string[] = [];
    let depth = 0;
    let current = "";
    for (const ch of list) {
        if (ch === "<" || ch === "(") depth++;
        if (ch === ">" || ch === ")") depth--;
        if (ch === "," && depth === 0) {
            parts.push(current);
            current = "";
        } else current += ch;
    }
    if (current.trim()) parts.push(current);
    return parts;
}

/** Fields of `struct<a:int,b:struct<c:string>>` or `row(a integer, b row(c varchar))`. */
export function structFields(type: string): FilterColumn[] | undefined {
    const m = /^\s*(struct\s*<(.*)>|row\s*\((.*)\))\s*$/is.exec(type);
    if (!m) return undefined;
    const parts = splitTopLevel(m[2] ?? m[3]);
    const fields: FilterColumn[] = [];
    for (const part of parts) {
        const f = /^\s*"?([^":\s]+)"?\s*(?::|\s)\s*(.+?)\s*$/s.exec(part);
        if (!f) return undefined;
        fields.push({ name: f[1], type: f[2] });
    }
    return fields;
}

const TYPE_LIST = "STRING, CHAR, VARCHAR, INT, LONG, BIGINT, FLOAT, DECIMAL, DOUBLE, BOOLEAN and STRUCT fields";

/** The columns this project knows for a Connect dataset (lib/connectSchema.ts), by table or alias. */
export function connectFilterColumns(table: string): FilterColumn[] | undefined {
    const spec = CONNECT_COLUMN_SPECS[TABLE_ALIASES[table] ?? table];
    return spec === undefined ? undefined : parseColumnSpec(spec).map((c) => ({ name: c.name, type: c.type }));
}

function columnRefs(node: RowFilterNode): ColumnRef[] {
    if (node.kind === "and" || node.kind === "or") return [...columnRefs(node.left), ...columnRefs(node.right)];
    if (node.kind === "not") return columnRefs(node.operand);
    return [node.column];
}

function literalsOf(node: RowFilterNode): Literal[] {
    switch (node.kind) {
        case "compare":
            return [node.value];
        case "between":
            return [node.low, node.high];
        case "in":
            return [...node.values];
        case "like":
            return [node.pattern];
        default:
            return [];
    }
}

function showLiteral(l: Literal): string {
    return l.kind === "string" ? quoteString(l.value) : l.kind === "number" ? l.text : l.value ? "TRUE" : "FALSE";
}

/** Column and type checks of a parsed expression against the table's columns. */
function checkColumns(
    tree: RowFilterNode,
    table: FilterTable & { columns: readonly FilterColumn[] },
    keyOf: (node: { key?: string }) => string,
): RowFilterProblem[] {
    const problems: RowFilterProblem[] = [];
    const visit = (node: RowFilterNode): void => {
        if (node.kind === "and" || node.kind === "or") {
            visit(node.left);
            visit(node.right);
            return;
        }
        if (node.kind === "not") {
            visit(node.operand);
            return;
        }
        const ref = node.column;
        const shown = ref.path.join(".");
        const problem = (message: string, at: { key?: string } = ref) => problems.push({ key: keyOf(at), message });

        // Resolve the path: top-level column, then struct fields.
        let fields: readonly FilterColumn[] | undefined = table.columns;
        let col: FilterColumn | undefined;
        for (let i = 0; i < ref.path.length; i++) {
            const part = ref.path[i];
            col = fields?.find((c) => (ref.quoted[i] ? c.name === part : c.name.toLowerCase() === part));
            if (!col) {
                if (i === 0) {
                    problem(
                        `${shown} is not a column of ${table.name}. Fix: use one of its columns (${table.columns.map((c) => c.name).join(", ")}); the table's columns are in lib/connectSchema.ts.`,
                    );
                } else {
                    problem(
                        `${shown}: ${ref.path.slice(0, i).join(".")} has no field ${part}. Fix: name a field of the struct (${(fields ?? []).map((f) => f.name).join(", ")}).`,
                    );
                }
                return;
            }
            if (i < ref.path.length - 1) {
                if (typeKind(col.type) !== "struct") {
                    problem(
                        `${shown}: ${ref.path.slice(0, i + 1).join(".")} is ${col.type}, not a struct, so it has no fields. Fix: name the column without ".${ref.path[i + 1]}".`,
                    );
                    return;
                }
                fields = structFields(col.type);
                if (!fields) {
                    problem(
                        `${shown}: cannot read the fields of ${ref.path.slice(0, i + 1).join(".")} (type ${col.type}). Fix: give the column's type as struct<name:type,...>.`,
                    );
                    return;
                }
            }
        }
        if (!col) return;
        const kind = typeKind(col.type);
        if (kind === "array" || kind === "map") {
            problem(
                `${shown} is ${kind === "array" ? "an array" : "a map"} column (${col.type}); array and map columns cannot appear in a row filter (${DOC_NOTES}). Fix: filter on a scalar column.`,
            );
            return;
        }
        if (kind === "temporal") {
            problem(
                `${shown} is a ${col.type.toUpperCase()} column; TIMESTAMP and DATE are not among the data types ${DOC_PARTIQL} lists for row filters (${TYPE_LIST}). Fix: filter on a string or numeric column.`,
            );
            return;
        }
        if (kind === "struct") {
            problem(
                `${shown} is a struct; a row filter compares a field of it. Fix: name the field, e.g. ${shown}.<field>.`,
            );
            return;
        }
        if (kind === "other") {
            problem(
                `${shown} has type ${col.type}, which is not among the data types ${DOC_PARTIQL} lists for row filters (${TYPE_LIST}). Fix: filter on a column of a listed type.`,
            );
            return;
        }
        if (node.kind === "isNull") {
            if (col.partitionKey) {
                problem(
                    `${shown} is a partition column; Lake Formation does not allow IS [NOT] NULL on partition columns (${DOC_PARTIQL}). Fix: compare it with a constant instead.`,
                );
            }
            return;
        }
        if (node.kind === "like" && kind !== "string") {
            problem(`${shown} is ${col.type}; LIKE matches strings only. Fix: use = or IN on this column.`);
            return;
        }
        if (
            kind === "boolean" &&
            (node.kind === "between" || (node.kind === "compare" && !["=", "<>", "!="].includes(node.op)))
        ) {
            problem(
                `${shown} is boolean; order comparisons mean nothing on it. Fix: write ${shown} = TRUE or = FALSE.`,
            );
            return;
        }
        for (const l of literalsOf(node)) {
            if (l.kind !== kind) {
                const want =
                    kind === "string"
                        ? "a 'quoted string'"
                        : kind === "number"
                          ? "a number (no quotes)"
                          : "TRUE or FALSE";
                problem(
                    `${shown} is ${col.type} but is compared with ${showLiteral(l)}; the value must match the column's type (${DOC_PARTIQL}). Fix: use ${want}.`,
                    l.key !== undefined ? l : ref,
                );
            }
        }
    };
    visit(tree);
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Rendering of the structured forms

/** Canonical text of a tree: how the structured forms become expressions. */
export function formatRowFilter(node: RowFilterNode): string {
    const col = (c: ColumnRef) => c.path.map((p) => quoteColumn(p)).join(".");
    const not = (negated: boolean) => (negated ? "NOT " : "");
    switch (node.kind) {
        case "and":
        case "or": {
            // Parenthesise a child of the other connective so the text parses back to this tree.
            const side = (child: RowFilterNode) =>
                (child.kind === "and" || child.kind === "or") && child.kind !== node.kind
                    ? `(${formatRowFilter(child)})`
                    : formatRowFilter(child);
            return `${side(node.left)} ${node.kind.toUpperCase()} ${side(node.right)}`;
        }
        case "not":
            return `NOT (${formatRowFilter(node.operand)})`;
        case "compare":
            return `${col(node.column)} ${node.op} ${showLiteral(node.value)}`;
        case "between":
            return `${col(node.column)} ${not(node.negated)}BETWEEN ${showLiteral(node.low)} AND ${showLiteral(node.high)}`;
        case "in":
            return `${col(node.column)} ${not(node.negated)}IN (${node.values.map(showLiteral).join(", ")})`;
        case "like":
            return `${col(node.column)} ${not(node.negated)}LIKE ${showLiteral(node.pattern)}`;
        case "isNull":
            return `${col(node.column)} IS ${not(node.negated)}NULL`;
    }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FORM_KEYS = ["instanceIds", "column", "in", "equals", "expression", "uncheckedColumns"];

/** A constant from config: string, finite number or boolean. */
function configLiteral(value: unknown, key: string): Literal | string {
    if (typeof value === "string") return { kind: "string", value, pos: 0, key };
    if (typeof value === "boolean") return { kind: "boolean", value, pos: 0, key };
    if (typeof value === "number" && Number.isFinite(value)) {
        // JSON numbers print back exactly (no exponent for the magnitudes a filter uses).
        return { kind: "number", text: String(value), pos: 0, key };
    }
    return `${key} is ${JSON.stringify(value)}; a filter value is a string, a number or a boolean. Fix: write the constant itself.`;
}

/**
 * Validates a reader's `rowFilter` for one table and renders it to the FilterExpression.
 *
 * @param config  the `rowFilter` value from the config (not yet trusted)
 * @param keyPath its config key, e.g. `readers[1].rowFilter`; problems name keys under it
 * @param table   the target table; `columns` defaults to lib/connectSchema.ts for Connect datasets
 */
export function renderRowFilter(config: unknown, keyPath: string, table: FilterTable): RowFilterResult {
    const fail = (key: string, message: string): RowFilterResult => ({ ok: false, problems: [{ key, message }] });
    if (!isObject(config)) {
        return fail(
            keyPath,
            `must be an object: {instanceIds: [...]}, {column, in: [...]}, {column, equals} or {expression}. Fix: write one of these forms.`,
        );
    }
    const unknownKeys = Object.keys(config).filter((k) => !FORM_KEYS.includes(k));
    if (unknownKeys.length > 0) {
        return fail(
            `${keyPath}.${unknownKeys[0]}`,
            `is not a rowFilter key (known: ${FORM_KEYS.join(", ")}). Fix: remove it or correct its spelling.`,
        );
    }
    const forms = ["instanceIds", "column", "expression"].filter((k) => k in config);
    if (forms.length !== 1) {
        return fail(
            keyPath,
            forms.length === 0
                ? "names no filter. Fix: give instanceIds, column (with in or equals) or expression; for all rows, leave rowFilter out."
                : `combines ${forms.join(" and ")}. Fix: keep one form (combine conditions in one expression).`,
        );
    }
    const unchecked = config.uncheckedColumns;
    if (unchecked !== undefined && unchecked !== true) {
        return fail(`${keyPath}.uncheckedColumns`, "must be true when given. Fix: set it to true or remove it.");
    }
    const columns = table.columns ?? connectFilterColumns(table.name);

    let tree: RowFilterNode;
    let expression: string;
    const problems: RowFilterProblem[] = [];
    if ("expression" in config) {
        const key = `${keyPath}.expression`;
        const text = config.expression;
        if (typeof text !== "string" || text.trim() === "") {
            return fail(
                key,
                "must be a non-empty string. Fix: write the PartiQL condition, or leave rowFilter out for all rows.",
            );
        }
        if (text.length >= ROW_FILTER_MAX_LENGTH) {
            return fail(
                key,
                `is ${text.length} characters; Lake Formation requires fewer than ${ROW_FILTER_MAX_LENGTH} (${DOC_PARTIQL}). Fix: shorten it (an IN list instead of ORs; split the reader).`,
            );
        }
        try {
            tree = parseRowFilter(text);
        } catch (err) {
            if (err instanceof RowFilterSyntaxError) return fail(key, err.message);
            throw err;
        }
        expression = text;
    } else {
        let column: ColumnRef;
        let values: Literal[];
        let listKey: string;
        let equals = false;
        if ("instanceIds" in config) {
            listKey = `${keyPath}.instanceIds`;
            const ids = config.instanceIds;
            if ("in" in config || "equals" in config) {
                return fail(keyPath, "instanceIds takes no in/equals. Fix: remove them, or use {column, in} instead.");
            }
            if (!Array.isArray(ids) || ids.length === 0) {
                return fail(listKey, "must be a non-empty list of Connect instance ids. Fix: list the instances' ids.");
            }
            ids.forEach((id, i) => {
                if (typeof id !== "string" || !UUID.test(id)) {
                    problems.push({
                        key: `${listKey}[${i}]`,
                        message: `${JSON.stringify(id)} is not a Connect instance id. Fix: use the lowercase UUID at the end of the instance ARN (arn:aws:connect:<region>:<account>:instance/<id>).`,
                    });
                } else if (ids.indexOf(id) !== i) {
                    problems.push({
                        key: `${listKey}[${i}]`,
                        message: `${id} is listed twice. Fix: remove the duplicate.`,
                    });
                }
            });
            if (problems.length > 0) return { ok: false, problems };
            column = { kind: "column", path: [INSTANCE_ID_COLUMN], quoted: [false], pos: 0, key: listKey };
            values = (ids as string[]).map((id, i) => ({ kind: "string", value: id, pos: 0, key: `${listKey}[${i}]` }));
        } else {
            const colKey = `${keyPath}.column`;
            const name = config.column;
            if (typeof name !== "string" || name === "") {
                return fail(colKey, "must be a column name. Fix: name the column to filter on.");
            }
            const hasIn = "in" in config;
            const hasEquals = "equals" in config;
            if (hasIn === hasEquals) {
                return fail(
                    keyPath,
                    `${hasIn ? "gives both in and equals" : "gives a column but no in or equals"}. Fix: give exactly one of in: [...] or equals: <value>.`,
                );
            }
            if (hasIn) {
                listKey = `${keyPath}.in`;
                const list = config.in;
                if (!Array.isArray(list) || list.length === 0) {
                    return fail(listKey, "must be a non-empty list of values. Fix: list the values rows may have.");
                }
                values = [];
                list.forEach((v, i) => {
                    const l = configLiteral(v, `${listKey}[${i}]`);
                    if (typeof l === "string") problems.push({ key: `${listKey}[${i}]`, message: l });
                    else values.push(l);
                });
            } else {
                listKey = `${keyPath}.equals`;
                equals = true;
                const l = configLiteral(config.equals, listKey);
                if (typeof l === "string") problems.push({ key: listKey, message: l });
                values = typeof l === "string" ? [] : [l];
            }
            if (problems.length > 0) return { ok: false, problems };
            // One column (no nested path in this form), its name kept as written: rendered bare
            // when that is safe, else in double quotes (which is also how it parses back).
            column = { kind: "column", path: [name], quoted: [quoteColumn(name) !== name], pos: 0, key: colKey };
        }
        tree = equals
            ? { kind: "compare", column, op: "=", value: values[0] }
            : { kind: "in", column, negated: false, values };
        expression = formatRowFilter(tree);
        if (expression.length >= ROW_FILTER_MAX_LENGTH) {
            return fail(
                listKey,
                `renders to ${expression.length} characters; Lake Formation requires fewer than ${ROW_FILTER_MAX_LENGTH} (${DOC_PARTIQL}). Fix: list fewer values (split the reader in two).`,
            );
        }
        // The rendered text goes through the same parser as a raw expression: what Lake Formation
        // receives is exactly what was checked. A failure here is a bug in formatRowFilter.
        const reparsed = parseRowFilter(expression);
        if (JSON.stringify(stripPositions(reparsed)) !== JSON.stringify(stripPositions(tree))) {
            throw new Error(`rowFilter: rendered ${JSON.stringify(expression)} does not parse back to the same filter`);
        }
    }

    if (columns === undefined) {
        if (unchecked !== true) {
            return fail(
                keyPath,
                `the columns of ${table.name} are not known (it is not in lib/connectSchema.ts), so the filter's columns and types cannot be checked. Fix: add the table's columns to lib/connectSchema.ts, or set ${keyPath}.uncheckedColumns: true to accept it with syntax checks only (Lake Formation then rejects a wrong column at deploy time).`,
            );
        }
    } else {
        const keyOf = (node: { key?: string }) => node.key ?? `${keyPath}.expression`;
        problems.push(...checkColumns(tree, { ...table, columns }, keyOf));
        if (problems.length > 0) return { ok: false, problems };
    }
    const names = [...new Set(columnRefs(tree).map((c) => c.path[0]))].sort();
    return { ok: true, expression, ast: tree, columns: names, unchecked: columns === undefined };
}

function stripPositions(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(stripPositions);
    if (!isObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
        if (k === "pos" || k === "key") continue;
        out[k] = stripPositions(v);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Limits and evaluation

/**
 * data-filtering-notes.html: at most 100 data filter SELECT grants for one principal on one
 * table. Returns one problem per (principal, table) over the limit.
 */
export function filterGrantLimitProblems(
    grants: ReadonlyArray<{ readonly principal: string; readonly table: string; readonly key: string }>,
): RowFilterProblem[] {
    const byPair = new Map<string, { key: string; count: number; principal: string; table: string }>();
    for (const g of grants) {
        const id = `${g.principal}\u0000${g.table}`;
        const entry = byPair.get(id) ?? { key: g.key, count: 0, principal: g.principal, table: g.table };
        entry.count++;
        byPair.set(id, entry);
    }
    return [...byPair.values()]
        .filter((e) => e.count > MAX_FILTER_GRANTS_PER_PRINCIPAL_TABLE)
        .map((e) => ({
            key: e.key,
            message: `${e.principal} would hold ${e.count} data filter SELECT grants on ${e.table}; Lake Formation allows ${MAX_FILTER_GRANTS_PER_PRINCIPAL_TABLE} per principal and table (${DOC_NOTES}). Fix: merge readers' filters on that table into fewer filters.`,
        }));
}

/** The Connect instances a row filter names to admit: `instance_id = '<id>'` or `IN (...)`, outside a NOT. */
export function filterInstanceIds(node: RowFilterNode): string[] {
    const onInstance = (c: { path: readonly string[] }) => c.path.length === 1 && c.path[0] === INSTANCE_ID_COLUMN;
    const texts = (values: readonly { kind: string; value?: unknown }[]) =>
        values.filter((v) => v.kind === "string").map((v) => v.value as string);
    switch (node.kind) {
        case "and":
        case "or":
            return [...filterInstanceIds(node.left), ...filterInstanceIds(node.right)];
        case "compare":
            return onInstance(node.column) && node.op === "=" ? texts([node.value]) : [];
        case "in":
            return onInstance(node.column) && !node.negated ? texts(node.values) : [];
        default:
            return [];
    }
}

/**
 * Whether a row passes a filter, with SQL's three-valued logic (a comparison with a missing or
 * null value is unknown, and unknown rows are filtered out): what a reader sees, for the local run.
 * Nested paths read nested objects. Numbers compare numerically, strings by code unit.
 */
export function rowMatches(node: RowFilterNode, row: Readonly<Record<string, unknown>>): boolean {
    return evaluate(node, row) === true;
}

type Tri = boolean | undefined;

function valueAt(row: Readonly<Record<string, unknown>>, ref: ColumnRef): unknown {
    let v: unknown = row;
    for (let i = 0; i < ref.path.length; i++) {
        if (!isObject(v)) return undefined;
        const part = ref.path[i];
        const key = ref.quoted[i] ? part : Object.keys(v).find((k) => k.toLowerCase() === part);
        v = key === undefined ? undefined : v[key];
    }
    return v;
}

function literalValue(l: Literal): string | number | boolean {
    return l.kind === "number" ? Number(l.text) : l.value;
}

function compare(a: unknown, b: string | number | boolean): number | undefined {
    if (a === null || a === undefined) return undefined;
    const x = typeof b === "number" && typeof a !== "number" ? Number(a) : a;
    if (typeof x !== typeof b) return undefined;
    return x === b ? 0 : (x as string | number) < (b as string | number) ? -1 : 1;
}

function likeRegex(pattern: string): RegExp {
    let source = "";
    for (const ch of pattern) {
        source += ch === "%" ? "[\\s\\S]*" : ch === "_" ? "[\\s\\S]" : ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
    return new RegExp(`^${source}$`);
}

function evaluate(node: RowFilterNode, row: Readonly<Record<string, unknown>>): Tri {
    const flip = (v: Tri, negated: boolean): Tri => (v === undefined ? undefined : negated ? !v : v);
    switch (node.kind) {
        case "and": {
            const l = evaluate(node.left, row);
            const r = evaluate(node.right, row);
            return l === false || r === false ? false : l === undefined || r === undefined ? undefined : true;
        }
        case "or": {
            const l = evaluate(node.left, row);
            const r = evaluate(node.right, row);
            return l === true || r === true ? true : l === undefined || r === undefined ? undefined : false;
        }
        case "not":
            return flip(evaluate(node.operand, row), true);
        case "isNull": {
            const v = valueAt(row, node.column);
            return flip(v === null || v === undefined, node.negated);
        }
        case "compare": {
            const c = compare(valueAt(row, node.column), literalValue(node.value));
            if (c === undefined) return undefined;
            const ok = {
                "=": c === 0,
                "<>": c !== 0,
                "!=": c !== 0,
                "<": c < 0,
                ">": c > 0,
                "<=": c <= 0,
                ">=": c >= 0,
            };
            return ok[node.op];
        }
        case "between": {
            const v = valueAt(row, node.column);
            const lo = compare(v, literalValue(node.low));
            const hi = compare(v, literalValue(node.high));
            return lo === undefined || hi === undefined ? undefined : flip(lo >= 0 && hi <= 0, node.negated);
        }
        case "in": {
            const v = valueAt(row, node.column);
            if (v === null || v === undefined) return undefined;
            return flip(
                node.values.some((l) => compare(v, literalValue(l)) === 0),
                node.negated,
            );
        }
        case "like": {
            const v = valueAt(row, node.column);
            if (typeof v !== "string") return undefined;
            return flip(likeRegex(node.pattern.value).test(v), node.negated);
        }
    }
}
