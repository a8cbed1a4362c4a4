import { strict as assert } from "assert";
import {
    connectFilterColumns,
    FilterTable,
    filterGrantLimitProblems,
    formatRowFilter,
    INSTANCE_ID_COLUMN,
    MAX_FILTER_GRANTS_PER_PRINCIPAL_TABLE,
    parseRowFilter,
    quoteColumn,
    renderRowFilter,
    RowFilterProblem,
    RowFilterSyntaxError,
    rowMatches,
    structFields,
} from "../lib/rowFilter";
import { CONNECT_TABLE_SCHEMAS } from "../lib/connectSchema";

const KEY = "readers[1].rowFilter";
const CONTACTS: FilterTable = { name: "contacts" };
const I1 = "aaaaaaaa-bbbb-cccc-dddd-111111111111";
const I2 = "aaaaaaaa-bbbb-cccc-dddd-222222222222";

function rendered(config: unknown, table: FilterTable = CONTACTS): string {
    const r = renderRowFilter(config, KEY, table);
    assert.ok(r.ok, `expected ${JSON.stringify(config)} to be accepted, got ${JSON.stringify(!r.ok && r.problems)}`);
    return r.expression;
}

function problems(config: unknown, table: FilterTable = CONTACTS): RowFilterProblem[] {
    const r = renderRowFilter(config, KEY, table);
    assert.ok(!r.ok, `expected ${JSON.stringify(config)} to be rejected, got ${r.ok && r.expression}`);
    return [...r.problems];
}

/** The single problem, checked for its key and its message. */
function rejected(config: unknown, key: string, message: RegExp, table: FilterTable = CONTACTS): string {
    const found = problems(config, table);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].key, key);
    assert.match(found[0].message, message);
    assert.match(found[0].message, /Fix: /, "every problem says how to fix it");
    return found[0].message;
}

const expr = (expression: string) => ({ expression });

describe("row filters (lib/rowFilter)", () => {
    describe("rejected, by config key", () => {
        it("a function call", () => {
            rejected(
                expr("lower(channel) = 'voice'"),
                `${KEY}.expression`,
                /function call lower\(\.\.\.\).*no functions/,
            );
            rejected(expr("channel = upper('voice')"), `${KEY}.expression`, /function call upper/);
            rejected(expr("cast(queue_duration_ms AS varchar) = '1'"), `${KEY}.expression`, /function call cast/);
            rejected(expr("exists (select 1)"), `${KEY}.expression`, /EXISTS \(a subquery or expression\)/);
        });

        it("a column compared with a column", () => {
            rejected(
                expr("queue_id = agent_id"),
                `${KEY}.expression`,
                /queue_id is compared with agent_id, another column/,
            );
            // A double-quoted word is a column name in PartiQL, not a string: the classic slip.
            rejected(expr(`channel = "VOICE"`), `${KEY}.expression`, /compared with "VOICE", another column/);
            rejected(expr("queue_name IN ('a', queue_id)"), `${KEY}.expression`, /another column/);
            rejected(expr("agent_number_of_holds BETWEEN 1 AND agent_id"), `${KEY}.expression`, /another column/);
        });

        it("an array or map column", () => {
            const table: FilterTable = {
                name: "t",
                columns: [
                    { name: "tags", type: "array<string>" },
                    { name: "attrs", type: "map<string,string>" },
                ],
            };
            rejected(expr("tags = 'x'"), `${KEY}.expression`, /tags is an array column .*data-filtering-notes/, table);
            rejected(expr("attrs IS NULL"), `${KEY}.expression`, /attrs is a map column/, table);
            // contact_record's attributes is a map in lib/connectSchema.ts.
            rejected({ column: "attributes", equals: "x" }, `${KEY}.column`, /attributes is a map column/);
        });

        it("2,049 (and 2,048) characters; 2,047 is accepted", () => {
            const of = (n: number) => {
                const head = "queue_name IN (";
                let list = "";
                while (head.length + list.length + 5 < n) list += (list ? ", " : "") + "'q'";
                const text = `${head}${list})`;
                return text + " ".repeat(n - text.length); // pad with spaces to the exact length
            };
            assert.equal(of(2049).length, 2049);
            rejected(
                expr(of(2049)),
                `${KEY}.expression`,
                /is 2049 characters; Lake Formation requires fewer than 2048/,
            );
            rejected(expr(of(2048)), `${KEY}.expression`, /is 2048 characters/);
            assert.equal(rendered(expr(of(2047))).length, 2047);
            // A structured list that renders too long is rejected at the list's key.
            const many = Array.from({ length: 300 }, (_, i) => `queue-${String(i).padStart(4, "0")}`);
            rejected({ column: "queue_name", in: many }, `${KEY}.in`, /renders to \d{4} characters/);
        });

        it("an unknown column, in any form", () => {
            rejected(expr("queue = 'Sales'"), `${KEY}.expression`, /queue is not a column of contacts.*queue_name/);
            rejected({ column: "queue", in: ["Sales"] }, `${KEY}.column`, /queue is not a column of contacts/);
            rejected({ instanceIds: [I1] }, `${KEY}.instanceIds`, /instance_id is not a column of t/, {
                name: "t",
                columns: [{ name: "id", type: "string" }],
            });
            // Two unknown columns: two problems.
            assert.equal(problems(expr("a = 'x' AND b = 'y'")).length, 2);
        });

        it("a TIMESTAMP or DATE column, with the reason", () => {
            rejected(
                expr("initiation_timestamp > '2025-01-01'"),
                `${KEY}.expression`,
                /TIMESTAMP column; TIMESTAMP and DATE are not among the data types .*partiql-support.html lists/,
            );
            rejected({ column: "day", equals: "2025-01-01" }, `${KEY}.column`, /is a DATE column/, {
                name: "t",
                columns: [{ name: "day", type: "date" }],
            });
        });

        it("injection attempts: every one is a parse error, none reaches Lake Formation", () => {
            const cases: Array<[string, RegExp]> = [
                ["channel = 'VOICE", /unterminated string constant \(at character 11\)/],
                ["channel = 'VOICE'; DROP TABLE contacts", /unexpected character ';' \(one expression only/],
                ["channel = 'VOICE' -- AND instance_id = 'x'", /comments are not part of a row filter/],
                ["channel = 'VOICE' /* */", /comments are not part/],
                ["(channel = 'VOICE'", /unbalanced parentheses: "\(" at character 1 is not closed/],
                ["channel = 'VOICE')", /unbalanced parentheses: "\)" without a matching "\("/],
                ["((channel = 'VOICE') OR (queue_name = 'x')", /not closed/],
                ["channel = 'x' OR 1=1", /expected a column name, found "1"/],
                ["channel = 'x' OR TRUE", /TRUE where a column name belongs/],
                ["channel = 'a' || 'b'", /unexpected character "\|"/],
                ["channel = 'x' UNION SELECT * FROM users", /unexpected character "\*"/],
                ["channel = 'x' UNION SELECT a FROM users", /unexpected "UNION"/],
                ["channel = `x`", /unexpected character "`"/],
                ["channel = 'x'\u0000", /control character U\+0000/],
                ["channel = NULL", /comparison with NULL.*IS NULL/],
                ["channel", /expected an operator after channel/],
                ["", /must be a non-empty string/],
                ["and = 'x'", /and is a keyword where a column name belongs.*quote it: "and"/],
            ];
            for (const [text, message] of cases) {
                const found = problems(expr(text));
                assert.equal(found.length, 1, text);
                assert.equal(found[0].key, `${KEY}.expression`, text);
                assert.match(found[0].message, message, text);
            }
            // Quotes doubled inside a constant are part of the constant: one harmless string value.
            const tree = parseRowFilter("channel = 'x''; DROP TABLE contacts --'");
            assert.ok(tree.kind === "compare" && tree.value.kind === "string");
            assert.equal(tree.value.value, "x'; DROP TABLE contacts --");
        });

        it("a value of the wrong type, at the value's key", () => {
            rejected(
                expr("agent_number_of_holds = '3'"),
                `${KEY}.expression`,
                /is bigint but is compared with '3'.*a number/,
            );
            rejected({ column: "agent_number_of_holds", in: [1, "2"] }, `${KEY}.in[1]`, /compared with '2'/);
            rejected({ column: "channel", equals: 3 }, `${KEY}.equals`, /is varchar but is compared with 3/);
            rejected(
                { column: "channel", in: [{ a: 1 }] },
                `${KEY}.in[0]`,
                /a filter value is a string, a number or a boolean/,
            );
            rejected(expr("agent_number_of_holds LIKE '1%'"), `${KEY}.expression`, /LIKE matches strings only/);
            rejected(expr("is_active > TRUE"), `${KEY}.expression`, /is boolean; order comparisons/, { name: "users" });
        });

        it("a grammar keyword as a bare column name; quoted it is accepted, and structured forms quote keywords", () => {
            const table: FilterTable = {
                name: "t",
                columns: [
                    { name: "like", type: "string" },
                    { name: "value", type: "string" },
                ],
            };
            rejected(
                expr("like = 'x'"),
                `${KEY}.expression`,
                /like is a keyword where a column name belongs.*quote it: "like"/,
                table,
            );
            assert.equal(rendered(expr(`"like" = 'x'`), table), `"like" = 'x'`);
            assert.equal(rendered({ column: "value", in: ["x"] }, table), `"value" IN ('x')`);
        });

        it("IS NULL on a partition column", () => {
            const table: FilterTable = { name: "t", columns: [{ name: "ds", type: "string", partitionKey: true }] };
            rejected(expr("ds IS NOT NULL"), `${KEY}.expression`, /partition column.*IS \[NOT\] NULL/, table);
            assert.equal(rendered(expr("ds = '2025-01-01'"), table), "ds = '2025-01-01'");
        });

        it("badly shaped config", () => {
            rejected("instance_id = 'x'", KEY, /must be an object/);
            rejected({}, KEY, /names no filter/);
            rejected({ instanceIds: [I1], expression: "x = 1" }, KEY, /combines instanceIds and expression/);
            rejected({ instanceIds: [I1], colum: "x" }, `${KEY}.colum`, /is not a rowFilter key/);
            rejected({ instanceIds: [] }, `${KEY}.instanceIds`, /non-empty list/);
            rejected({ instanceIds: [I1, "not-a-uuid"] }, `${KEY}.instanceIds[1]`, /is not a Connect instance id/);
            rejected({ instanceIds: [I1, I1] }, `${KEY}.instanceIds[1]`, /listed twice/);
            rejected({ column: "channel" }, KEY, /no in or equals/);
            rejected({ column: "channel", in: ["a"], equals: "a" }, KEY, /both in and equals/);
            rejected({ instanceIds: [I1], uncheckedColumns: "yes" }, `${KEY}.uncheckedColumns`, /must be true/);
        });

        it("a table whose columns are not known, unless uncheckedColumns: true", () => {
            const table: FilterTable = { name: "contact_statistic_record" };
            rejected(
                { instanceIds: [I1] },
                KEY,
                /columns of contact_statistic_record are not known .*uncheckedColumns: true/,
                table,
            );
            const r = renderRowFilter({ instanceIds: [I1], uncheckedColumns: true }, KEY, table);
            assert.ok(r.ok);
            assert.equal(r.unchecked, true);
            assert.equal(r.expression, `instance_id IN ('${I1}')`);
            // Syntax is still checked when the columns are not.
            rejected(
                { expression: "lower(x) = 'y'", uncheckedColumns: true },
                `${KEY}.expression`,
                /function call/,
                table,
            );
        });
    });

    describe("accepted, rendered text exact", () => {
        it("instanceIds", () => {
            assert.equal(rendered({ instanceIds: [I1] }), `instance_id IN ('${I1}')`);
            assert.equal(rendered({ instanceIds: [I1, I2] }), `instance_id IN ('${I1}', '${I2}')`);
        });

        it("{column, in} and {column, equals}, constants quoted and escaped", () => {
            assert.equal(
                rendered({ column: "queue_name", in: ["Sales", "O'Brien"] }),
                "queue_name IN ('Sales', 'O''Brien')",
            );
            assert.equal(rendered({ column: "channel", equals: "VOICE" }), "channel = 'VOICE'");
            assert.equal(
                rendered({ column: "agent_number_of_holds", in: [0, -1, 2.5] }),
                "agent_number_of_holds IN (0, -1, 2.5)",
            );
            assert.equal(rendered({ column: "is_active", equals: true }, { name: "users" }), "is_active = TRUE");
            // A would-be injection in a value stays inside the constant.
            assert.equal(
                rendered({ column: "queue_name", equals: "x') OR (queue_name = 'y" }),
                "queue_name = 'x'') OR (queue_name = ''y'",
            );
        });

        it("raw expressions, kept as written", () => {
            const ok = [
                "channel = 'VOICE'",
                "channel <> 'CHAT' AND agent_number_of_holds >= 2",
                "(queue_name LIKE 'Sales%' OR queue_name NOT LIKE '%test%') and channel != 'TASK'",
                "agent_number_of_holds BETWEEN 1 AND 5",
                "agent_number_of_holds NOT BETWEEN -5 AND 5.5",
                "queue_name NOT IN ('a', 'b')",
                "queue_id IS NOT NULL",
                "NOT (channel = 'VOICE')",
                "agent_interaction_duration_ms > 1e3",
                "\"channel\" = 'it''s'",
                `instance_id IN ('${I1}')\n  AND channel = 'VOICE'`,
            ];
            for (const text of ok) assert.equal(rendered(expr(text)), text);
            // The documented examples, on the documented table (partiql-support.html).
            const doc: FilterTable = {
                name: "doc",
                columns: [
                    { name: "country", type: "string" },
                    { name: "id", type: "bigint" },
                    { name: "year", type: "int", partitionKey: true },
                    { name: "month", type: "int", partitionKey: true },
                    { name: "customer", type: "struct<customerId:bigint,customerName:string>" },
                ],
            };
            for (const text of [
                "year > 2010 and country != 'US'",
                "(year > 2010 and country = 'US') or (month < 8 and id > 23)",
                "(country between 'Z' and 'U') and (year = 2018)",
                "(country like '%ited%') and (year > 2000)",
                "year > 2010 and customer.customerId <> 1",
            ]) {
                assert.equal(rendered(expr(text), doc), text);
            }
            rejected(expr("customer = 'x'"), `${KEY}.expression`, /is a struct; a row filter compares a field/, doc);
            rejected(expr("customer.nope = 1"), `${KEY}.expression`, /customer has no field nope/, doc);
        });

        it("reports the columns it reads", () => {
            const r = renderRowFilter(
                expr("channel = 'VOICE' OR (queue_name = 'x' AND channel = 'CHAT')"),
                KEY,
                CONTACTS,
            );
            assert.ok(r.ok);
            assert.deepEqual(r.columns, ["channel", "queue_name"]);
        });
    });

    describe("the parser and its helpers", () => {
        it("AND binds tighter than OR; the printer parenthesises to keep the tree", () => {
            const tree = parseRowFilter("a = 1 OR b = 2 AND c = 3");
            assert.equal(tree.kind, "or");
            assert.equal(formatRowFilter(tree), "a = 1 OR (b = 2 AND c = 3)");
            const grouped = parseRowFilter("(a = 1 OR b = 2) AND c = 3");
            assert.equal(formatRowFilter(grouped), "(a = 1 OR b = 2) AND c = 3");
        });

        // Where node-sql-parser 5.4.0 (tried in place of this parser, issue 17) read a filter
        // differently: these hold for the grammar Lake Formation documents.
        it("a quoted name with a doubled quote parses; a path cut short and a number glued to a word do not", () => {
            const table: FilterTable = { name: "t", columns: [{ name: 'a"b', type: "string" }] };
            assert.equal(rendered({ column: 'a"b', equals: "x" }, table), `"a""b" = 'x'`);
            assert.equal(rendered(expr(`"a""b" IN ('x')`), table), `"a""b" IN ('x')`);
            assert.throws(() => parseRowFilter("c. NOT LIKE 'x'"), /NOT is a keyword where a column name belongs/);
            assert.throws(() => parseRowFilter("c = 1OR c = 2"), /"1O\.\.\." is neither a number nor a column name/);
            assert.throws(() => parseRowFilter("c NOT BETWEEN1 AND 2"), /expected an operator after c/);
        });

        it("syntax errors carry a position and a fix", () => {
            assert.throws(
                () => parseRowFilter("a = 1 AND"),
                (err: unknown) => err instanceof RowFilterSyntaxError && err.pos === 9 && /Fix:/.test(err.message),
            );
        });

        it("quoting helpers", () => {
            assert.equal(quoteColumn("instance_id"), "instance_id");
            assert.equal(quoteColumn("Queue"), '"Queue"');
            assert.equal(quoteColumn("user"), '"user"');
            assert.equal(quoteColumn('a"b'), '"a""b"');
        });

        it("struct types in Glue and Athena spelling", () => {
            assert.deepEqual(structFields("struct<a:int,b:struct<c:string>>"), [
                { name: "a", type: "int" },
                { name: "b", type: "struct<c:string>" },
            ]);
            assert.deepEqual(structFields("row(a integer, b varchar)"), [
                { name: "a", type: "integer" },
                { name: "b", type: "varchar" },
            ]);
        });

        it("the four tables whose columns the project carries (users, contacts = contact_record, agent_hierarchy_groups) each have instance_id, so instanceIds renders on each", () => {
            assert.deepEqual(Object.keys(CONNECT_TABLE_SCHEMAS).sort(), [
                "agent_hierarchy_groups",
                "contact_record",
                "contacts",
                "users",
            ]);
            for (const table of Object.keys(CONNECT_TABLE_SCHEMAS)) {
                assert.ok(
                    connectFilterColumns(table)?.some((c) => c.name === INSTANCE_ID_COLUMN),
                    table,
                );
                assert.equal(rendered({ instanceIds: [I1] }, { name: table }), `instance_id IN ('${I1}')`);
            }
        });

        it("rowMatches: what a reader sees, with SQL null logic", () => {
            const f = parseRowFilter(
                `instance_id IN ('${I1}') AND (queue_name LIKE 'S_les%' OR agent_number_of_holds >= 2)`,
            );
            assert.equal(rowMatches(f, { instance_id: I1, queue_name: "Sales EU", agent_number_of_holds: 0 }), true);
            assert.equal(rowMatches(f, { instance_id: I1, queue_name: "Support", agent_number_of_holds: 3 }), true);
            assert.equal(rowMatches(f, { instance_id: I2, queue_name: "Sales", agent_number_of_holds: 3 }), false);
            assert.equal(rowMatches(f, { instance_id: I1, queue_name: null, agent_number_of_holds: null }), false);
            // NOT of unknown is unknown: a null never passes a negated comparison.
            assert.equal(rowMatches(parseRowFilter("NOT (queue_name = 'x')"), { queue_name: null }), false);
            assert.equal(rowMatches(parseRowFilter("queue_name IS NULL"), { queue_name: null }), true);
            assert.equal(rowMatches(parseRowFilter("n NOT BETWEEN 1 AND 3"), { n: 5 }), true);
        });

        it("the 100 filter grants per principal and table limit", () => {
            const grants = Array.from({ length: MAX_FILTER_GRANTS_PER_PRINCIPAL_TABLE + 1 }, (_, i) => ({
                principal: "arn:aws:iam::222222222222:role/bi",
                table: "111111111111:connect_datalake.contact_record",
                key: `readers[${i}]`,
            }));
            assert.deepEqual(filterGrantLimitProblems(grants.slice(0, 100)), []);
            const [p, ...rest] = filterGrantLimitProblems(grants);
            assert.equal(rest.length, 0);
            assert.equal(p.key, "readers[0]");
            assert.match(p.message, /101 data filter SELECT grants .* allows 100/);
        });
    });
});
