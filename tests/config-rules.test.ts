/**
 * The config group's rules one by one: schedule expressions, table entries, principal ARNs, the
 * error type, the checks across keys, the reader and the generated docs. Fast, in-process.
 */
import { strict as assert } from "assert";
import { ConfigError, ConfigIssue, parseConfig } from "../lib/config";
import { nextFireTime, scheduleProblem } from "../lib/config/schedule";
import { parseTables, withExportKeys } from "../lib/config/tables";
import { principalArnProblem, principalIdentity } from "../lib/config/principals";
import { KEY_TABLE_END, KEY_TABLE_START, renderKeyTable, withKeyTable } from "../lib/config/docs";
import { environmentSizeProblem, handlerEnvironment } from "../lib/exportEnvironment";
import { loadStackConfig } from "../plan/configFile";
import * as path from "path";
import { ROOT, stackConfig, configIssues } from "./helpers";

const NOW = new Date("2025-01-01T00:00:00Z");
const GLUE = "is not a valid Glue name: use 1-255 lowercase letters, digits and underscores.";

/** Every issue of a rejected configuration. */
const issuesOf = (raw: Record<string, string>) => configIssues(raw, { now: NOW });

/** The messages of `key`'s issues. */
function messagesOf(raw: Record<string, string>, key: string): string[] {
    return issuesOf(raw)
        .filter((i) => i.key === (key.includes(":") ? key : `connect-analytics:${key}`))
        .map((i) => i.message);
}

/** Parses, collecting warnings. */
function warningsOf(raw: Record<string, string>): ConfigIssue[] {
    const warnings: ConfigIssue[] = [];
    parseConfig(raw, { now: NOW, warn: (w) => warnings.push(w) });
    return warnings;
}

/** The messages of `key`'s issues, none when the configuration is accepted. */
function problemsOf(raw: Record<string, string>, key: string): string[] {
    try {
        parseConfig(raw, { now: NOW });
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        return err.issues.filter((i) => i.key === `connect-analytics:${key}`).map((i) => i.message);
    }
    return [];
}

/** An example stack of examples/share-many, keys overridden. */
function shareMany(stack: "producer" | "consumer", overrides: Record<string, unknown>): Record<string, string> {
    const config = loadStackConfig(path.join(ROOT, "examples", "share-many"), stack);
    for (const [key, value] of Object.entries(overrides)) {
        const full = key.includes(":") ? key : `connect-analytics:${key}`;
        config[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}
const salesConsumer = (overrides: Record<string, unknown> = {}) => shareMany("consumer", overrides);
const shareManyProducer = (overrides: Record<string, unknown> = {}) => shareMany("producer", overrides);

/** parseTables with a recording fail. */
function tables(entries: unknown[], exporting?: boolean) {
    const issues: Array<[string, string]> = [];
    const fail = (key: string, message: string) => issues.push([key, message]);
    const result = exporting === undefined ? parseTables(entries, fail) : parseTables(entries, fail, exporting);
    return { result, issues, messages: issues.map(([, m]) => m) };
}

describe("config rules", () => {
    describe("schedule expressions", () => {
        const cronShape = "(cron(minutes hours day-of-month month day-of-week year))";

        it("accepts each form at its boundaries", () => {
            for (const e of [
                "rate(1 minute)",
                "rate(1 hour)",
                "rate(1 day)",
                "rate(2 minutes)",
                "rate(15 minutes)",
                "rate(12 hours)",
                "rate(30 days)",
                "at(2030-01-31T02:00:00)",
                "at(2028-02-29T23:59:59)",
                "cron(0 2 * * ? *)",
                "cron(0 2 15 * ? *)",
                "cron(0/15 * * * ? *)",
                "cron(5/15 * * * ? *)",
                "cron(0 2 1-15/5 * ? *)",
                "cron(0 2 15W * ? *)",
                "cron(0 2 L * ? *)",
                "cron(0 2 1 jan ? *)",
                "cron(0 2 1 JAN-MAR ? *)",
                "cron(0 2 ? * mon *)",
                "cron(0 2 ? * MON-FRI *)",
                "cron(0 2 ? * 1 *)",
                "cron(0 2 ? * 7 *)",
                "cron(0 2 ? * 6#3 *)",
                "cron(0 2 ? * 5L *)",
                "cron(0 2 ? * L *)",
                "cron(0 2 * * ? 1970)",
                "cron(0 2 * * ? 2199)",
                "cron(0 2 * * ? 2025-2030)",
                "cron( 0 2 * * ? * )",
                "cron(0  2 * * ?\t*)",
            ]) {
                assert.equal(scheduleProblem(e), undefined, e);
            }
        });

        it("refuses a text of no form, naming the three forms", () => {
            for (const e of [
                "",
                "daily",
                "xrate(5 minutes)",
                "rate(5 minutes)x",
                "RATE(5 minutes)",
                "cron 0 2 * * ? *",
            ]) {
                assert.equal(
                    scheduleProblem(e),
                    `must be an EventBridge Scheduler expression: rate(N unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss); got ${JSON.stringify(e)}.`,
                    e,
                );
            }
        });

        it("refuses a rate that is no positive whole number of minutes, hours or days", () => {
            for (const e of [
                "rate(0 minutes)",
                "rate(05 minutes)",
                "rate(-5 minutes)",
                "rate(1.5 hours)",
                "rate(x5 minutes)",
                "rate(5 minutesx)",
                "rate(5 weeks)",
                "rate(5  minutes)",
                "rate(5minutes)",
            ]) {
                assert.equal(
                    scheduleProblem(e),
                    `must be rate(N unit) with N a positive whole number and unit minutes, hours or days, e.g. rate(12 hours); got ${JSON.stringify(e)}.`,
                    e,
                );
            }
        });

        it("refuses a rate whose unit does not agree with its number, giving the fixed expression", () => {
            assert.equal(
                scheduleProblem("rate(1 days)"),
                'must be rate(1 day): EventBridge takes the singular unit for 1 and the plural above 1 (eb-rate-expressions.html); got "rate(1 days)". Fix: write rate(1 day).',
            );
            assert.equal(
                scheduleProblem("rate(10 minute)"),
                'must be rate(10 minutes): EventBridge takes the singular unit for 1 and the plural above 1 (eb-rate-expressions.html); got "rate(10 minute)". Fix: write rate(10 minutes).',
            );
        });

        it("refuses an at() that is not a real date and time", () => {
            for (const e of [
                "at(2030-02-30T02:00:00)",
                "at(2030-01-31T24:00:00)",
                "at(2030-01-31 02:00:00)",
                "at(2030-01-31T02:00)",
                "at(x2030-01-31T02:00:00)",
                "at(2030-01-31T02:00:00x)",
                "at(2029-02-29T00:00:00)",
            ]) {
                assert.equal(
                    scheduleProblem(e),
                    `must be at(yyyy-mm-ddThh:mm:ss), a valid date and time, e.g. at(2030-01-31T02:00:00); got ${JSON.stringify(e)}.`,
                    e,
                );
            }
        });

        it("refuses a cron without six fields, counting them", () => {
            assert.equal(
                scheduleProblem("cron(0)"),
                'must be cron(minutes hours day-of-month month day-of-week year): six fields, e.g. cron(0 2 * * ? *) for 02:00 daily; got "cron(0)" (1 field).',
            );
            assert.equal(
                scheduleProblem("cron(0 2)"),
                'must be cron(minutes hours day-of-month month day-of-week year): six fields, e.g. cron(0 2 * * ? *) for 02:00 daily; got "cron(0 2)" (2 fields).',
            );
            assert.equal(
                scheduleProblem("cron(0 2 * * ? * *)"),
                'must be cron(minutes hours day-of-month month day-of-week year): six fields, e.g. cron(0 2 * * ? *) for 02:00 daily; got "cron(0 2 * * ? * *)" (7 fields).',
            );
        });

        it("names each cron field whose characters are wrong", () => {
            const cases: Array<[string, string]> = [
                ["cron(a0 2 * * ? *)", "minutes"],
                ["cron(0a 2 * * ? *)", "minutes"],
                ["cron(0 a2 * * ? *)", "hours"],
                ["cron(0 2a * * ? *)", "hours"],
                ["cron(0 2 a1 * ? *)", "day-of-month"],
                ["cron(0 2 1a * ? *)", "day-of-month"],
                ["cron(0 2 1 Z ? *)", "month"],
                ["cron(0 2 1 JANUARY ? *)", "month"],
                ["cron(0 2 ? * Z *)", "day-of-week"],
                ["cron(0 2 ? * LW *)", "day-of-week"],
                ["cron(0 2 ? * 2/2 *)", "day-of-week"],
                ["cron(0 2 * * ? a2030)", "year"],
                ["cron(0 2 * * ? 2030a)", "year"],
                ["cron(x y * * ? *)", "minutes and hours"],
                ["cron(0 2 ? x y z)", "month and day-of-week and year"],
            ];
            for (const [e, names] of cases) {
                assert.equal(
                    scheduleProblem(e),
                    `has an invalid cron ${names} field ${cronShape}; got ${JSON.stringify(e)}.`,
                    e,
                );
            }
        });

        it("needs ? in exactly one of day-of-month and day-of-week", () => {
            for (const e of ["cron(0 2 * * * *)", "cron(0 2 ? * ? *)", "cron(0 2 15 * MON *)"]) {
                assert.equal(
                    scheduleProblem(e),
                    `must have ? in exactly one of day-of-month and day-of-week (the third and fifth cron fields), e.g. cron(0 2 * * ? *); got ${JSON.stringify(e)}.`,
                    e,
                );
            }
        });

        it("refuses a day-of-week outside 1-7 and a year outside 1970-2199", () => {
            for (const e of [
                "cron(0 2 ? * 0 *)",
                "cron(0 2 ? * 8 *)",
                "cron(0 2 ? * 1-8 *)",
                "cron(0 2 * * ? 1969)",
                "cron(0 2 * * ? 2200)",
            ]) {
                assert.equal(
                    scheduleProblem(e),
                    `has a value out of range: day-of-week is 1-7 (SUN-SAT) and year 1970-2199 in EventBridge; got ${JSON.stringify(e)}.`,
                    e,
                );
            }
        });

        it("passes on croner's reason for a cron it cannot read, without its prefix", () => {
            assert.equal(
                scheduleProblem("cron(0 25 * * ? *)"),
                'has an invalid cron field (Invalid value for hour: 25); got "cron(0 25 * * ? *)".',
            );
            // The nth weekday is 1-5: #0 and #18 are croner's to refuse, not the day-of-week range's.
            for (const e of ["cron(0 2 ? * 6#0 *)", "cron(0 2 ? * 6#18 *)"]) {
                assert.match(scheduleProblem(e)!, /^has an invalid cron field \(nth weekday out of range/, e);
            }
            // A bare L is SAT only alone.
            assert.match(scheduleProblem("cron(0 2 ? * L,2 *)")!, /^has an invalid cron field \(dayOfWeek/);
        });

        describe("fire times", () => {
            const iso = (d: Date | undefined) => d?.toISOString();
            const next = (e: string, at = NOW, created = NOW) => iso(nextFireTime(e, at, created));

            it("reads cron fields as EventBridge does (UTC, SUN=1, day-of-month and ? day-of-week)", () => {
                assert.equal(next("cron(0 2 15 * ? *)"), "2025-01-15T02:00:00.000Z");
                assert.equal(next("cron(0 2 ? * 2 *)"), "2025-01-06T02:00:00.000Z"); // a Monday
                assert.equal(next("cron(0 2 ? * 7 *)"), "2025-01-04T02:00:00.000Z"); // a Saturday
                assert.equal(next("cron(0 2 ? * 5L *)"), "2025-01-30T02:00:00.000Z");
                assert.equal(next("cron(0 2 ? * THUL *)"), "2025-01-30T02:00:00.000Z");
                assert.equal(next("cron(5/15 * * * ? *)"), "2025-01-01T00:05:00.000Z");
                assert.equal(next("cron(0 2 1 MAR ? *)"), "2025-03-01T02:00:00.000Z");
                assert.equal(next("cron(0 0 * * ? *)"), "2025-01-01T00:00:00.000Z"); // at `at` itself
                assert.equal(next("cron( 0 2 * * ? * )"), "2025-01-01T02:00:00.000Z");
                assert.equal(next("cron(0  3 * * ? *)"), "2025-01-01T03:00:00.000Z");
                assert.equal(next(" cron(0 4 * * ? *) "), "2025-01-01T04:00:00.000Z");
                assert.equal(next("cron(0 2 * * ? 2024)"), undefined);
            });

            it("keeps UTC whatever the process's time zone", () => {
                const tz = process.env.TZ;
                process.env.TZ = "Australia/Sydney";
                try {
                    assert.equal(next("cron(17 6 * * ? *)"), "2025-01-01T06:17:00.000Z");
                } finally {
                    if (tz === undefined) delete process.env.TZ;
                    else process.env.TZ = tz;
                }
            });

            it("an at() fires once, at its time", () => {
                const at = new Date("2030-01-31T02:00:00Z");
                assert.equal(next("at(2030-01-31T02:00:00)", at), "2030-01-31T02:00:00.000Z");
                assert.equal(next("at(2030-01-31T02:00:00)", new Date("2030-01-31T02:00:01Z")), undefined);
                assert.equal(next(" at(2030-01-31T02:00:00) "), "2030-01-31T02:00:00.000Z");
            });

            it("a rate fires every period from its creation", () => {
                const created = new Date("2025-01-01T00:00:00Z");
                const at = (t: string) => new Date(t);
                assert.equal(next("rate(2 hours)", at("2024-12-31T00:00:00Z"), created), "2025-01-01T00:00:00.000Z");
                assert.equal(next("rate(2 hours)", at("2025-01-01T01:30:00Z"), created), "2025-01-01T02:00:00.000Z");
                assert.equal(next("rate(2 hours)", at("2025-01-01T04:00:00Z"), created), "2025-01-01T04:00:00.000Z");
                assert.equal(next("rate(15 minutes)", at("2025-01-01T00:20:00Z"), created), "2025-01-01T00:30:00.000Z");
                assert.equal(next("rate(1 day)", at("2025-01-01T00:00:01Z"), created), "2025-01-02T00:00:00.000Z");
                assert.equal(next("rate(1 minute)", at("2025-01-01T00:00:30Z"), created), "2025-01-01T00:01:00.000Z");
                assert.equal(next(" rate(3 days) ", at("2025-01-02T00:00:00Z"), created), "2025-01-04T00:00:00.000Z");
            });
        });

        it("exportSchedule is checked with the schedule's rule, under its key", () => {
            assert.deepEqual(
                messagesOf(stackConfig("consumer", { exportSchedule: "rate(0 hours)" }), "exportSchedule"),
                [
                    'must be rate(N unit) with N a positive whole number and unit minutes, hours or days, e.g. rate(12 hours); got "rate(0 hours)".',
                ],
            );
        });
    });

    describe("table entries", () => {
        const ALLOWED = "name, linkName, timeColumn, primaryKey, versionColumn, exportMode";

        it("names get a default link and the dataset's time column; nothing else is added", () => {
            const { result, issues } = tables(["users", "contacts", { name: "contact_record", linkName: "ctr" }]);
            assert.deepEqual(issues, []);
            assert.deepEqual(result, [
                { name: "users", linkName: "users_link" },
                { name: "contacts", linkName: "contacts_link", timeColumn: "initiation_timestamp" },
                { name: "contact_record", linkName: "ctr", timeColumn: "initiation_timestamp" },
            ]);
        });

        it("a null timeColumn makes a snapshot table; a given one is kept", () => {
            const { result, issues } = tables([
                { name: "contacts", timeColumn: null },
                { name: "my_table", timeColumn: "event_time" },
            ]);
            assert.deepEqual(issues, []);
            assert.deepEqual(result, [
                { name: "contacts", linkName: "contacts_link" },
                { name: "my_table", linkName: "my_table_link", timeColumn: "event_time" },
            ]);
        });

        it("keeps the export's fields by default and where the export runs", () => {
            const entry = {
                name: "my_table",
                primaryKey: ["id"],
                versionColumn: "updated_at",
                exportMode: "merge",
            };
            const expected = [
                {
                    name: "my_table",
                    linkName: "my_table_link",
                    primaryKey: ["id"],
                    versionColumn: "updated_at",
                    exportMode: "merge",
                },
            ];
            assert.deepEqual(tables([entry]).result, expected);
            assert.deepEqual(tables([entry], true).result, expected);
        });

        it("leaves the export's fields out unread where the export does not run", () => {
            const { result, issues } = tables(
                [{ name: "my_table", primaryKey: "id", versionColumn: 5, exportMode: "upsert" }],
                false,
            );
            assert.deepEqual(issues, []);
            assert.deepEqual(result, [{ name: "my_table", linkName: "my_table_link" }]);
        });

        it("refuses an empty list", () => {
            assert.deepEqual(tables([]).issues, [
                ["tables", "must list at least one table, e.g. [users, contacts, agent_hierarchy_groups]."],
            ]);
        });

        it("refuses an entry of the wrong kind, unknown fields and a missing name, each by its index", () => {
            assert.deepEqual(tables(["users", 5]).issues, [
                ["tables", `tables[1] must be a table name or {${ALLOWED}}, got 5.`],
            ]);
            assert.deepEqual(tables([["users"]]).messages, [
                `tables[0] must be a table name or {${ALLOWED}}, got ["users"].`,
            ]);
            assert.deepEqual(tables([{ name: "users", link: "x" }]).issues, [
                ["tables", `tables[0] has unknown field "link"; allowed: ${ALLOWED}.`],
            ]);
            const missing = tables(["users", { linkName: "x" }]);
            assert.deepEqual(missing.issues, [["tables", 'tables[1] needs a string "name".']]);
            assert.deepEqual(missing.result, [{ name: "users", linkName: "users_link" }]);
        });

        it("refuses a name, link or time column that is no Glue name, once each", () => {
            const bad = tables([{ name: "Users" }]);
            assert.deepEqual(bad.issues, [["tables", `tables[0] name "Users" ${GLUE}`]]);
            assert.deepEqual(bad.result, []);
            assert.deepEqual(tables([{ name: "users", linkName: "Users-Link" }]).issues, [
                ["tables", `tables[0] linkName "Users-Link" ${GLUE}`],
            ]);
            assert.deepEqual(tables([{ name: "users", linkName: "Users-Link" }]).result, []);
            assert.deepEqual(tables([{ name: "users", timeColumn: "Start" }]).issues, [
                ["tables", `tables[0] timeColumn "Start" ${GLUE}`],
            ]);
            assert.deepEqual(tables([{ name: "users", linkName: 5 }]).issues, [
                ["tables", 'tables[0] "linkName" must be a string.'],
            ]);
            assert.deepEqual(tables([{ name: "users", timeColumn: 5 }]).issues, [
                ["tables", 'tables[0] "timeColumn" must be a column name, or null for a snapshot table.'],
            ]);
        });

        it("refuses a primaryKey that is no non-empty list of column names", () => {
            const message =
                'tables[0] "primaryKey" must be a non-empty list of column names, e.g. ["instance_id", "contact_id"].';
            for (const primaryKey of ["id", [], [5], ["id", 5], [null]]) {
                const { issues, result } = tables([{ name: "my_table", primaryKey }]);
                assert.deepEqual(issues, [["tables", message]], JSON.stringify(primaryKey));
                assert.deepEqual(result, []);
            }
            assert.deepEqual(tables([{ name: "my_table", primaryKey: ["id", "Bad"] }]).issues, [
                ["tables", `tables[0] primaryKey[1] "Bad" ${GLUE}`],
                ["tables", message],
            ]);
        });

        it("refuses a versionColumn that is no column name", () => {
            const message = 'tables[0] "versionColumn" must be a column name, e.g. "last_update_timestamp".';
            assert.deepEqual(tables([{ name: "my_table", versionColumn: 5 }]).issues, [["tables", message]]);
            assert.deepEqual(tables([{ name: "my_table", versionColumn: 5 }]).result, []);
            assert.deepEqual(tables([{ name: "my_table", versionColumn: "Updated" }]).issues, [
                ["tables", `tables[0] versionColumn "Updated" ${GLUE}`],
                ["tables", message],
            ]);
        });

        it("refuses an unknown exportMode, listing the three", () => {
            const { issues, result } = tables([{ name: "my_table", exportMode: "upsert" }]);
            assert.deepEqual(issues, [
                [
                    "tables",
                    'tables[0] "exportMode" must be one of merge, insertOnly, snapshot (merge: key and version; insertOnly: new keys only; snapshot: read whole and replaced), got "upsert".',
                ],
            ]);
            assert.deepEqual(result, []);
        });

        it("refuses a table or link named twice, saying how to fix each", () => {
            assert.deepEqual(tables(["users", "contacts", "users"]).issues, [
                ["tables", 'table "users" appears 2 times; each must be unique (remove the duplicate).'],
                ["tables", 'link name "users_link" appears 2 times; each must be unique (set a distinct linkName).'],
            ]);
            assert.deepEqual(tables(["users", { name: "contacts", linkName: "users_link" }]).issues, [
                ["tables", 'link name "users_link" appears 2 times; each must be unique (set a distinct linkName).'],
            ]);
        });

        it("the export's keys: a mode its keys cannot give is a problem under tables", () => {
            const issues: Array<[string, string]> = [];
            const warnings: string[] = [];
            withExportKeys(
                [{ name: "my_table", linkName: "my_table_link", exportMode: "merge" }],
                (key, message) => issues.push([key, message]),
                (w) => warnings.push(w),
            );
            assert.equal(issues.length, 1);
            assert.equal(issues[0][0], "tables");
            assert.match(
                issues[0][1],
                /^table my_table: exportMode merge needs "primaryKey" \(.*\) and "versionColumn" \(.*\), which the entry does not set; set them, or use exportMode snapshot\.$/,
            );
        });
    });

    describe("principal ARNs", () => {
        it("identifies a role or user by account and lowercase name, whatever the path and partition", () => {
            assert.equal(principalIdentity("arn:aws:iam::123456789012:role/Analyst"), "123456789012:role/analyst");
            assert.equal(
                principalIdentity("arn:aws:iam::123456789012:role/team/a/Analyst"),
                "123456789012:role/analyst",
            );
            assert.equal(principalIdentity("arn:aws-cn:iam::123456789012:user/Bob"), "123456789012:user/bob");
            assert.equal(principalIdentity("arn:aws-us-gov:iam::123456789012:role/r"), "123456789012:role/r");
            for (const text of [
                "xarn:aws:iam::123456789012:role/r",
                "arn:aws:iam::123456789012:role/team/",
                "arn:aws:iam::123456789012:group/g",
                "arn:aws:iam::12345678901:role/r",
                "arn:aws0:iam::123456789012:role/r",
            ]) {
                assert.equal(principalIdentity(text), undefined, text);
            }
        });

        it("refuses what is no role or user ARN, saying why and giving an example of the partition", () => {
            const fix = (p: string) => `. Fix: write the principal's ARN, e.g. arn:${p}:iam::<account>:role/<name>.`;
            assert.equal(
                principalArnProblem("analyst", undefined),
                `must be an IAM role or user ARN (one principal), got "analyst"${fix("aws")}`,
            );
            assert.equal(
                principalArnProblem("analyst", "aws-cn"),
                `must be an IAM role or user ARN (one principal), got "analyst"${fix("aws-cn")}`,
            );
            assert.equal(
                principalArnProblem(5, "aws"),
                `must be an IAM role or user ARN (one principal), got 5${fix("aws")}`,
            );
            assert.equal(
                principalArnProblem("arn:aws:iam::123456789012:role/*", "aws"),
                `must be an IAM role or user ARN (one principal), got "arn:aws:iam::123456789012:role/*" (a wildcard names no one principal)${fix("aws")}`,
            );
            assert.equal(
                principalArnProblem(" arn:aws:iam::123456789012:role/r", "aws"),
                `must be an IAM role or user ARN (one principal), got " arn:aws:iam::123456789012:role/r" (it has spaces around it)${fix("aws")}`,
            );
            assert.equal(
                principalArnProblem('"arn:aws:iam::123456789012:role/r"', "aws"),
                `must be an IAM role or user ARN (one principal), got "\\"arn:aws:iam::123456789012:role/r\\"" (it has quotes inside it; YAML quotes around a value are fine)${fix("aws")}`,
            );
            assert.equal(
                principalArnProblem("arn:aws:iam::123456789012:role/my role", "aws"),
                `must be an IAM role or user ARN (one principal), got "arn:aws:iam::123456789012:role/my role" (it has a space in it)${fix("aws")}`,
            );
        });

        it("refuses an ARN of another partition, and takes one of its own", () => {
            assert.equal(
                principalArnProblem("arn:aws:iam::123456789012:role/r", "aws-cn"),
                "arn:aws:iam::123456789012:role/r is in partition aws, but the stack's region is in aws-cn; Lake Formation grants to principals of its own partition. Fix: name the principal's ARN in aws-cn (arn:aws-cn:iam::<account>:role/<name>).",
            );
            assert.equal(principalArnProblem("arn:aws-cn:iam::123456789012:role/r", "aws-cn"), undefined);
            assert.equal(principalArnProblem("arn:aws:iam::123456789012:user/u", undefined), undefined);
        });
    });

    describe("ConfigError", () => {
        it("lists one problem, or counts several, each under its key", () => {
            const one = new ConfigError([{ key: "connect-analytics:side", message: "required." }]);
            assert.equal(one.name, "ConfigError");
            assert.equal(one.message, "invalid configuration (1 problem):\n  - connect-analytics:side: required.");
            const two = new ConfigError([
                { key: "a:x", message: "one." },
                { key: "a:y", message: "two." },
            ]);
            assert.equal(two.message, "invalid configuration (2 problems):\n  - a:x: one.\n  - a:y: two.");
        });
    });
    describe("checks across keys (parseConfig)", () => {
        const ROLE = "arn:aws:iam::222222222222:role/analyst";

        it("refuses the @pulumi/aws v6 aws:assumeRole key, giving the v7 move", () => {
            const raw = {
                ...stackConfig("consumer"),
                "aws:assumeRole": '{"roleArn":"arn:aws:iam::222222222222:role/deploy"}',
            };
            assert.deepEqual(messagesOf(raw, "aws:assumeRole"), [
                "is the @pulumi/aws v6 key; v7 (this project's) reads aws:assumeRoles, a list. Move it: `pulumi config rm aws:assumeRole && pulumi config set --path 'aws:assumeRoles[0].roleArn' <role ARN>`.",
            ]);
        });

        it("an invalid region gives no partition to check principals against", () => {
            const raw = stackConfig("consumer", {
                "aws:region": "cn-north",
                "aws-native:region": "cn-north",
                exportReaders: [ROLE],
            });
            assert.deepEqual(messagesOf(raw, "aws:region"), [
                '"cn-north" is not an AWS region name like ap-southeast-2.',
            ]);
            assert.deepEqual(problemsOf(raw, "exportReaders"), []);
        });

        it("refuses an exportPrefix the export cannot use, under its key", () => {
            assert.deepEqual(messagesOf(stackConfig("consumer", { exportPrefix: "state/x" }), "exportPrefix"), [
                'must not start with "state/": the export keeps its state there.',
            ]);
            // S3 keys stop at 1,024 bytes: 256 characters of prefix are taken, 257 are not.
            parseConfig(stackConfig("consumer", { exportPrefix: "a".repeat(256) }), { now: NOW });
            assert.deepEqual(
                messagesOf(stackConfig("consumer", { exportPrefix: `a/${"b".repeat(255)}` }), "exportPrefix"),
                [
                    "is 257 characters, over 256: S3 keys are at most 1,024 bytes and the export's keys add up to ~700 after the prefix. Use a shorter prefix.",
                ],
            );
        });

        it("takes projectName and environment up to 63-character bucket names, and refuses one more", () => {
            // connect-analytics-<environment>-athena-results-<12 digits>: 46 characters and the environment.
            parseConfig(stackConfig("consumer", { environment: "a".repeat(17) }), { now: NOW });
            assert.deepEqual(messagesOf(stackConfig("consumer", { environment: "a".repeat(18) }), "environment"), [
                "projectName and environment together are too long for S3 bucket names (64 > 63 characters); shorten either.",
            ]);
        });

        it("unset tables default to the producer's three tables, or Connect's datasets with dataSource connectAnalytics", () => {
            assert.deepEqual(
                parseConfig(stackConfig("consumer", { tables: undefined }), { now: NOW }).tables.map((t) => [
                    t.name,
                    t.linkName,
                ]),
                [
                    ["users", "users_link"],
                    ["contacts", "contacts_link"],
                    ["agent_hierarchy_groups", "agent_hierarchy_groups_link"],
                ],
            );
            assert.deepEqual(
                parseConfig(salesConsumer(), { now: NOW }).tables.map((t) => [t.name, t.linkName]),
                [
                    ["users", "users_link"],
                    ["contact_record", "contacts_link"],
                    ["agent_hierarchy_groups", "agent_hierarchy_groups_link"],
                ],
            );
        });

        it("with dataSource connectAnalytics, contacts is refused for contact_record", () => {
            assert.ok(
                messagesOf(
                    salesConsumer({ tables: ["users", "contacts", "contact_record", "agent_hierarchy_groups"] }),
                    "tables",
                ).includes(
                    'tables[1] "contacts" is not a Connect dataset: the contact records are "contact_record". Keep the link name with {name: contact_record, linkName: contacts_link}.',
                ),
            );
        });

        it("a table the documentation does not know gets a warning under tables where the export runs", () => {
            const warnings = warningsOf(stackConfig("consumer", { tables: ["users", "my_table"] }));
            const tableWarnings = warnings.filter((w) => w.key === "connect-analytics:tables");
            assert.equal(tableWarnings.length, 1);
            assert.match(tableWarnings[0].message, /my_table/);
        });

        it("exportDatabaseName is checked only where the export runs to the iceberg target", () => {
            const same = { exportDatabaseName: "connect_analytics_consumer" };
            assert.deepEqual(messagesOf(stackConfig("consumer", same), "exportDatabaseName"), [
                "is consumerDatabaseName (connect_analytics_consumer), the database of the resource links: the export's tables would mix with the links. Give the export its own database, e.g. connect_analytics_exports.",
            ]);
            assert.deepEqual(
                messagesOf(stackConfig("consumer", { exportDatabaseName: "default" }), "exportDatabaseName"),
                [
                    "cannot be \"default\", the catalog's shared default database: the stack creates and owns the export's database. Give the export its own, e.g. connect_analytics_exports.",
                ],
            );
            parseConfig(stackConfig("consumer", { ...same, enableLambdaExport: false }), { now: NOW });
            parseConfig(stackConfig("consumer", { exportDatabaseName: "default", exportTarget: "files" }), {
                now: NOW,
            });
        });

        it("says which settings are ignored, and only those", () => {
            const about = (raw: Record<string, string>, key: string) =>
                warningsOf(raw)
                    .filter((w) => w.key === `connect-analytics:${key}`)
                    .map((w) => w.message);
            const sideOnly =
                "only used by the consumer stack; this stack is the producer. Remove it from this stack's file.";
            assert.deepEqual(about(stackConfig("producer", { exportSchedule: "rate(1 day)" }), "exportSchedule"), [
                sideOnly,
            ]);
            assert.deepEqual(about(stackConfig("producer", { exportFormat: "csv" }), "exportFormat"), [sideOnly]);
            assert.deepEqual(about(stackConfig("consumer", { lookbackDays: "5" }), "lookbackDays"), []);
            assert.deepEqual(about(stackConfig("consumer", { exportFormat: "csv" }), "exportFormat"), [
                "ignored: it is the files target's format, and exportTarget is iceberg (Iceberg tables). Remove it, or set exportTarget to files.",
            ]);
            assert.deepEqual(
                about(
                    stackConfig("consumer", { exportTarget: "files", exportDatabaseName: "other_db" }),
                    "exportDatabaseName",
                ),
                [
                    "ignored: only the iceberg target uses it, and exportTarget is files. Remove it, or set exportTarget to iceberg.",
                ],
            );
            assert.deepEqual(
                about(stackConfig("consumer", { exportTarget: "files", exportReaders: [ROLE] }), "exportReaders"),
                [
                    "ignored with exportTarget files: export readers are granted on the export's Iceberg tables, and the files target has none. Remove exportReaders, or set exportTarget to iceberg.",
                ],
            );
            assert.deepEqual(about(stackConfig("consumer", { exportReaders: [ROLE] }), "exportReaders"), []);
            assert.deepEqual(
                about(
                    stackConfig("consumer", {
                        enableLambdaExport: false,
                        exportTarget: "files",
                        exportReaders: [ROLE],
                    }),
                    "exportReaders",
                ),
                [
                    "ignored: only the export uses it, and enableLambdaExport is false. Remove it, or set enableLambdaExport to true.",
                ],
            );
        });

        it("the export's environment fits Lambda's 4 KB with every value at the longest its key allows", () => {
            // Each value's bound: bucket names 63, exportPrefix 256, workgroup 128, Glue names 255,
            // the largest numbers the schema takes; the tables travel in an object, not here.
            const longest = handlerEnvironment({
                exportPrefix: "p".repeat(256),
                athenaWorkgroupName: "w".repeat(128),
                exportDatabaseName: "e".repeat(255),
                exportTarget: "iceberg",
                exportFormat: "parquet",
                lookbackDays: 99_999,
                exportChunkDays: 99_999,
                fullReconciliationDays: 99_999,
                tables: Array.from({ length: 400 }, (_, i) => ({
                    name: `t${i}`.padEnd(255, "x"),
                    linkName: "l".repeat(255),
                })),
                sourceDatabase: "s".repeat(255),
                exportsBucket: "b".repeat(63),
                logLevel: "DEBUG",
            });
            assert.equal(environmentSizeProblem(longest), undefined);
        });

        it("Connect instances are read and checked on the producer only", () => {
            const consumer = parseConfig(
                salesConsumer({
                    connectInstanceIds: ["not-an-instance"],
                    connectInstanceId:
                        "arn:aws:connect:us-east-1:999999999999:instance/8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b",
                }),
                { now: NOW },
            );
            assert.deepEqual(consumer.connectInstanceIds, []);
            const only = 'is only used with dataSource "connectAnalytics"; remove it, or set dataSource.';
            const producer = stackConfig("producer", {
                connectInstanceIds: ["not-an-instance"],
                connectInstanceId:
                    "arn:aws:connect:us-east-1:999999999999:instance/8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b",
            });
            assert.deepEqual(messagesOf(producer, "connectInstanceIds"), [only]);
            assert.deepEqual(messagesOf(producer, "connectInstanceId"), [only]);
        });

        it("an instance ARN of another account or region is refused on the Connect producer", () => {
            const arn = "arn:aws:connect:us-east-1:999999999999:instance/8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b";
            const raw = shareManyProducer({ connectInstanceId: arn });
            assert.deepEqual(messagesOf(raw, "connectInstanceId"), [
                `${arn} is an instance of account 999999999999, but the producer is 111111111111: with dataSource connectAnalytics the producer stack runs in the Connect instance's account. Deploy the producer there, or name an instance of 111111111111.`,
                `${arn} is an instance in us-east-1, but aws:region is ap-southeast-2: the producer associates the instance's datasets in its own region. Set aws:region to us-east-1, or name an instance in ap-southeast-2.`,
            ]);
            assert.deepEqual(
                messagesOf(shareManyProducer({ connectInstanceIds: [arn] }), "connectInstanceIds").length,
                2,
            );
            assert.match(
                messagesOf(shareManyProducer({ connectInstanceIds: [arn] }), "connectInstanceIds")[0],
                /^\[0\] arn:aws:connect:us-east-1:/,
            );
        });

        it("consumers are the producer's: a consumer stack's list is not read", () => {
            const config = parseConfig(stackConfig("consumer", { consumers: [{ accountId: "bad" }] }), { now: NOW });
            assert.deepEqual(config.consumers, []);
        });

        it("consumerAccountId next to consumers must be one of them", () => {
            assert.deepEqual(
                messagesOf(
                    stackConfig("producer", {
                        consumers: [{ accountId: "333333333333" }, { accountId: "444444444444" }],
                    }),
                    "consumerAccountId",
                ),
                [
                    "is 222222222222, which consumers does not list (333333333333, 444444444444): with consumers, the producer shares with the listed accounts only. Add the account to consumers, or remove consumerAccountId.",
                ],
            );
            // No valid consumer listed: only the list is refused.
            const raw = stackConfig("producer", { consumers: [{ accountId: "bad" }] });
            assert.deepEqual(problemsOf(raw, "consumerAccountId"), []);
            assert.deepEqual(messagesOf(raw, "consumers"), [
                'consumers[0].accountId must be a 12-digit account id (quoted in YAML), got "bad".',
            ]);
        });

        it("the export's key and time columns must be columns of a known dataset, the fix named per field", () => {
            const pk = messagesOf(
                stackConfig("consumer", { tables: [{ name: "contacts", primaryKey: ["contactid"] }] }),
                "tables",
            );
            assert.equal(pk.length, 1);
            assert.match(
                pk[0],
                /^table contacts: primaryKey "contactid" is not a column of contacts \(its columns: [a-z0-9_]+(, [a-z0-9_]+)+\)\. Fix: name one of its columns\.$/,
            );
            const time = messagesOf(
                stackConfig("consumer", { tables: [{ name: "contacts", timeColumn: "start_time" }] }),
                "tables",
            );
            assert.equal(time.length, 1);
            assert.match(
                time[0],
                /^table contacts: timeColumn "start_time" is not a column of contacts \(its columns: [a-z0-9_]+(, [a-z0-9_]+)+\)\. Fix: name one of its columns, or set timeColumn: null to export it as a snapshot\.$/,
            );
        });

        it("a key column of a merged table may not be excluded; a snapshot table's may", () => {
            assert.deepEqual(
                messagesOf(
                    stackConfig("consumer", { excludedColumns: { users: ["last_modified_timestamp"] } }),
                    "tables",
                ),
                [
                    'table users: "last_modified_timestamp" is a key column of the export (primaryKey or versionColumn) but is excluded; the export merges on it. Keep it, or set primaryKey/versionColumn to other columns.',
                ],
            );
            const config = parseConfig(
                stackConfig("consumer", {
                    tables: [
                        { name: "users", exportMode: "snapshot", primaryKey: ["user_id"] },
                        "contacts",
                        { name: "my_table", exportMode: "snapshot" },
                    ],
                    excludedColumns: { users: ["user_id"] },
                }),
                { now: NOW },
            );
            assert.equal(config.tables[0].exportMode, "snapshot");
        });

        it("exportReaders: principals of the consumer account, each once, never the stack's own role", () => {
            assert.deepEqual(
                messagesOf(
                    stackConfig("consumer", { exportReaders: ["arn:aws:iam::333333333333:role/r"] }),
                    "exportReaders",
                ),
                [
                    "[0] arn:aws:iam::333333333333:role/r is in account 333333333333; the export tables are granted to principals of the consumer account 222222222222 only.",
                ],
            );
            assert.deepEqual(
                messagesOf(
                    stackConfig("consumer", {
                        exportReaders: [
                            "arn:aws:iam::222222222222:role/Analyst",
                            "arn:aws:iam::222222222222:role/team/analyst",
                        ],
                    }),
                    "exportReaders",
                ),
                [
                    "[1] arn:aws:iam::222222222222:role/team/analyst appears twice (IAM names ignore case and path); list it once.",
                ],
            );
            assert.deepEqual(
                parseConfig(stackConfig("consumer", { exportReaders: [ROLE] }), { now: NOW }).export.exportReaders,
                [ROLE],
            );
            const distinct = [ROLE, "arn:aws:iam::222222222222:user/auditor"];
            assert.deepEqual(
                parseConfig(stackConfig("consumer", { exportReaders: distinct }), { now: NOW }).export.exportReaders,
                distinct,
            );
            const own = "arn:aws:iam::222222222222:role/connect-analytics-lambda-execution-role";
            assert.deepEqual(messagesOf(stackConfig("consumer", { exportReaders: [own] }), "exportReaders"), [
                `[0] ${own} is this stack's Lambda execution role (lambdaRoleName connect-analytics-lambda-execution-role), which already has its grants on the export tables. Remove it from exportReaders.`,
            ]);
            // The producer does not run the export: its (ignored) exportReaders are not the consumer's own role.
            parseConfig(stackConfig("producer", { exportReaders: [own] }), { now: NOW });
        });
    });

    describe("reading the flat map", () => {
        it("warns of keys in no namespace this stack reads, suggesting the namespace for a known key", () => {
            const raw = { ...stackConfig("consumer"), "foo:bar": "1", "foo:tables": "[]", awsx: "1" };
            const warnings = warningsOf(raw);
            const of = (key: string) => warnings.filter((w) => w.key === key).map((w) => w.message);
            const namespaces =
                "is in no namespace this stack reads (connect-analytics:, aws:, aws-native:, pulumi:): ignored. ";
            assert.deepEqual(of("foo:bar"), [
                `${namespaces}Remove it, or put it under connect-analytics: if it is one of this project's keys.`,
            ]);
            assert.deepEqual(of("foo:tables"), [`${namespaces}Did you mean connect-analytics:tables? Rename the key.`]);
            assert.deepEqual(of("awsx"), [
                `${namespaces}Remove it, or put it under connect-analytics: if it is one of this project's keys.`,
            ]);
        });

        it("warns of an unknown key, listing the known ones", () => {
            const warnings = warningsOf(stackConfig("consumer", { nosuchKey: "1" }));
            const w = warnings.find((i) => i.key === "connect-analytics:nosuchKey");
            assert.ok(w);
            assert.match(
                w.message,
                /^unknown key, ignored\. Known keys: side, dataSource, connectInstanceId, connectInstanceIds, /,
            );
        });

        it("refuses a renamed key, naming the new one and why", () => {
            assert.deepEqual(messagesOf(stackConfig("consumer", { lateDataOverlapDays: "2" }), "lateDataOverlapDays"), [
                "was renamed to lookbackDays (re-read days are now merged (one row per key), not exported again, and the default is 3). Rename it: `pulumi config rm connect-analytics:lateDataOverlapDays && pulumi config set connect-analytics:lookbackDays <value>`.",
            ]);
        });

        it("a required key left out is reported whatever else is wrong", () => {
            const messages = messagesOf(
                stackConfig("consumer", { producerAccountId: undefined, lookbackDays: "x" }),
                "producerAccountId",
            );
            assert.equal(messages.length, 1);
            assert.match(
                messages[0],
                /^required\. Set it with `pulumi config set connect-analytics:producerAccountId <value>`\. \S/,
            );
        });

        it("a required key that cannot be read is reported once", () => {
            assert.deepEqual(messagesOf(stackConfig("consumer", { side: ["consumer"] }), "side"), [
                'must be a single text value, got a YAML list (["consumer"]). Write one value: `connect-analytics:side: <value>`.',
            ]);
        });

        it("a text key refuses a list or map, even after spaces", () => {
            assert.deepEqual(messagesOf(stackConfig("consumer", { environment: ' ["a"]' }), "environment"), [
                'must be a single text value, got a YAML list ( ["a"]). Write one value: `connect-analytics:environment: <value>`.',
            ]);
        });

        it("names every choice of a key with several", () => {
            assert.deepEqual(messagesOf(stackConfig("consumer", { crossAccountVersion: "5" }), "crossAccountVersion"), [
                'must be "1", "2", "3" or "4", got "5".',
            ]);
        });

        it("a log retention must be one of CloudWatch's values", () => {
            assert.deepEqual(messagesOf(stackConfig("consumer", { logRetentionDays: "2" }), "logRetentionDays"), [
                "must be one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
            ]);
        });

        it("a list key takes a list and a map key a map", () => {
            assert.deepEqual(messagesOf(stackConfig("consumer", { tables: "users" }), "tables"), [
                'must be a YAML list, got "users".',
            ]);
            assert.deepEqual(messagesOf(stackConfig("consumer", { tables: "5" }), "tables"), ["must be a YAML list."]);
            assert.deepEqual(messagesOf(stackConfig("consumer", { lfTags: "x" }), "lfTags"), [
                'must be a YAML map, got "x".',
            ]);
            for (const text of ["null", "[1]", "5", '"x"']) {
                assert.deepEqual(
                    messagesOf(stackConfig("consumer", { lfTags: text }), "lfTags"),
                    ["must be a YAML map."],
                    text,
                );
            }
        });

        it("an alarm email is one whole address", () => {
            for (const text of [" a@b.example", "a@b.example x", "ab.example"]) {
                assert.deepEqual(messagesOf(stackConfig("consumer", { alarmEmail: text }), "alarmEmail"), [
                    `must be an email address, got ${JSON.stringify(text)}.`,
                ]);
            }
            assert.equal(
                parseConfig(stackConfig("consumer", { alarmEmail: "ops@example.com" }), { now: NOW }).export.alarmEmail,
                "ops@example.com",
            );
        });

        it("a KMS key ARN of another partition's region is taken", () => {
            const key = "arn:aws-cn:kms:cn-north-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
            assert.deepEqual(
                problemsOf(
                    stackConfig("consumer", {
                        "aws:region": "cn-north-1",
                        "aws-native:region": "cn-north-1",
                        kmsKeyArn: key,
                    }),
                    "kmsKeyArn",
                ),
                [],
            );
        });
    });

    describe("generated docs", () => {
        it("the key table gives each key's side, type, default and description", () => {
            const rows = renderKeyTable().split("\n");
            assert.deepEqual(rows.slice(0, 2), [
                "| key | stack | type | default | description |",
                "|---|---|---|---|---|",
            ]);
            assert.ok(
                rows.includes(
                    "| `side` | both | string | required | Which account this stack manages: `producer` (owns the data lake) or `consumer` (analytics). |",
                ),
            );
            assert.ok(
                rows.includes(
                    "| `exportSchedule` | consumer | string | `cron(0 2 * * ? *)` | EventBridge Scheduler expression for the export (default daily 02:00 UTC). |",
                ),
            );
        });

        it("replaces the key table between its markers, and refuses a page without them", () => {
            const page = `# Configuration\n${KEY_TABLE_START}\nold table\n${KEY_TABLE_END}\nmore`;
            assert.equal(
                withKeyTable(page),
                `# Configuration\n${KEY_TABLE_START}\n${renderKeyTable()}\n${KEY_TABLE_END}\nmore`,
            );
            assert.equal(
                withKeyTable(`${KEY_TABLE_START}\n${KEY_TABLE_END}`),
                `${KEY_TABLE_START}\n${renderKeyTable()}\n${KEY_TABLE_END}`,
            );
            const missing = `docs/configuration.md has no "${KEY_TABLE_START}" ... "${KEY_TABLE_END}" block for the key table.`;
            assert.throws(() => withKeyTable("# Configuration\n"), { message: missing });
            assert.throws(() => withKeyTable(`${KEY_TABLE_END}\n${KEY_TABLE_START}`), { message: missing });
        });
    });
});
