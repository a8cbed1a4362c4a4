/**
 * Hostile findings of issue 17 about the stack config: each is refused before anything is
 * created, with a message naming the key and the fix.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { parseConfig } from "../lib/config";
import { nextFireTime, scheduleProblem } from "../lib/config/schedule";
import { partitionOf } from "../lib/names";
import { loadStackConfig } from "../plan/configFile";
import { ROOT, stackConfig, configIssues } from "./helpers";

const NOW = new Date("2025-01-01T00:00:00Z");

const issuesOf = (raw: Record<string, string>) => configIssues(raw, { now: NOW });

/** The one issue of `key` whose message matches, with a fix. */
function refused(raw: Record<string, string>, key: string, message: RegExp): string {
    const issues = issuesOf(raw);
    const issue = issues.find((i) => i.key === `connect-analytics:${key}` && message.test(i.message));
    assert.ok(issue, `no ${key} issue matching ${message}; got ${JSON.stringify(issues, null, 1)}`);
    assert.match(issue.message, /Fix: /);
    return issue.message;
}

/** The share-many example's sales consumer (connectAnalytics, three readers), keys overridden. */
function salesConsumer(overrides: Record<string, unknown> = {}): Record<string, string> {
    const config = loadStackConfig(path.join(ROOT, "examples", "share-many"), "consumer");
    for (const [key, value] of Object.entries(overrides)) {
        const full = key.includes(":") ? key : `connect-analytics:${key}`;
        config[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}
const salesReaders = () => JSON.parse(salesConsumer()["connect-analytics:readers"]) as Array<Record<string, unknown>>;

describe("config: hostile findings (issue 17)", () => {
    it("a reader's row filter on a column the stack excludes from that table is an error", () => {
        const message = refused(
            salesConsumer({ excludedColumns: { contact_record: ["channel"] } }),
            "readers",
            /readers\[1\]\.rowFilter \(contact_record\) reads channel, which excludedColumns withholds/,
        );
        assert.match(message, /export's copy of contact_record/);
        // Excluding another column is fine.
        parseConfig(salesConsumer({ excludedColumns: { contact_record: ["customer_endpoint_address"] } }), {
            now: NOW,
        });
    });

    describe("reader and export-reader principals: one IAM role or user ARN of the stack's partition", () => {
        const bad: Array<[string, string, RegExp]> = [
            ["a wildcard", "arn:aws:iam::222222222222:role/*", /a wildcard names no one principal/],
            ["a trailing space", "arn:aws:iam::222222222222:role/sales-analyst ", /spaces around it/],
            ["quotes inside", '"arn:aws:iam::222222222222:role/sales-analyst"', /quotes inside it/],
            ["a space inside", "arn:aws:iam::222222222222:role/sales analyst", /a space in it/],
            ["a group", "arn:aws:iam::222222222222:group/analysts", /must be an IAM role or user ARN/],
            ["another partition", "arn:aws-cn:iam::222222222222:role/sales-analyst", /partition aws-cn.*in aws/],
        ];
        for (const [what, principal, message] of bad) {
            it(`refuses ${what} as a reader and as an export reader`, () => {
                const readers = salesReaders();
                readers[0] = { ...readers[0], principal };
                refused(
                    salesConsumer({ readers }),
                    "readers",
                    new RegExp(`readers\\[0\\]\\.principal .*${message.source}`),
                );
                refused(stackConfig("consumer", { exportReaders: [principal] }), "exportReaders", message);
            });
        }

        it("accepts a role under a path, and a China-region stack's own partition", () => {
            const readers = salesReaders();
            readers[0] = { ...readers[0], principal: "arn:aws:iam::222222222222:role/team/sales-analyst" };
            parseConfig(salesConsumer({ readers }), { now: NOW });
            const china = { "aws:region": "cn-north-1", "aws-native:region": "cn-north-1" };
            parseConfig(
                stackConfig("consumer", { ...china, exportReaders: ["arn:aws-cn:iam::222222222222:user/qs"] }),
                {
                    now: NOW,
                },
            );
            refused(
                stackConfig("consumer", { ...china, exportReaders: ["arn:aws:iam::222222222222:user/qs"] }),
                "exportReaders",
                /partition aws, but the stack's region is in aws-cn/,
            );
            assert.deepEqual(
                ["ap-southeast-2", "cn-northwest-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1"].map(
                    partitionOf,
                ),
                ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"],
            );
        });
    });

    // maintenanceSchedule is gone (issue 16: the Glue table optimizers maintain the export's tables),
    // and with it the check that it never met an export run; the schedule reading stays.
    describe("schedules: fire times, not texts", () => {
        it("croner reads EventBridge's fields: 1 is Sunday, 6#3 the third Friday, 5L the last Thursday", () => {
            const next = (e: string) => nextFireTime(e, NOW, NOW)!.toISOString();
            assert.equal(next("cron(0 2 ? * 1 *)"), "2025-01-05T02:00:00.000Z"); // a Sunday
            assert.equal(next("cron(0 2 ? * 6#3 *)"), "2025-01-17T02:00:00.000Z");
            assert.equal(next("cron(0 2 ? * 5L *)"), "2025-01-30T02:00:00.000Z");
            assert.equal(next("cron(0 2 ? * L *)"), "2025-01-04T02:00:00.000Z"); // Saturday
            assert.equal(next("cron(0/15 * * * ? *)"), "2025-01-01T00:00:00.000Z");
            assert.equal(next("cron(0 2 L * ? 2030)"), "2030-01-31T02:00:00.000Z");
            assert.equal(next("at(2025-03-01T10:00:00)"), "2025-03-01T10:00:00.000Z");
            assert.equal(next("rate(5 minutes)"), NOW.toISOString());
        });

        it("refuses a cron field out of range, and a rate whose unit does not agree with its number", () => {
            assert.match(scheduleProblem("cron(0 25 * * ? *)")!, /invalid cron field .*hour/);
            assert.match(scheduleProblem("cron(0 2 ? * 0 *)")!, /day-of-week is 1-7/);
            refused(
                stackConfig("consumer", { exportSchedule: "rate(1 minutes)" }),
                "exportSchedule",
                /must be rate\(1 minute\): EventBridge takes the singular unit for 1/,
            );
            refused(stackConfig("consumer", { exportSchedule: "rate(5 hour)" }), "exportSchedule", /rate\(5 hours\)/);
        });
    });

    it("primaryKey, versionColumn and timeColumn must be columns of a known dataset (consumer with the export)", () => {
        const entries: Array<[Record<string, unknown>, RegExp]> = [
            [
                { name: "contacts", primaryKey: ["instance_id", "contactid"] },
                /primaryKey "contactid" is not a column of contacts/,
            ],
            [{ name: "users", versionColumn: "last_updated" }, /versionColumn "last_updated" is not a column of users/],
            [
                { name: "contacts", timeColumn: "start_time" },
                /timeColumn "start_time" is not a column.*timeColumn: null/,
            ],
        ];
        for (const [entry, message] of entries) {
            refused(stackConfig("consumer", { tables: [entry] }), "tables", message);
            // The export's settings are the exporting consumer's business alone.
            parseConfig(stackConfig("consumer", { tables: [entry], enableLambdaExport: false }), { now: NOW });
            parseConfig(stackConfig("producer", { tables: [entry] }), { now: NOW });
        }
    });

    it("kmsKeyArn must be a key of the stack's region", () => {
        refused(
            stackConfig("consumer", {
                kmsKeyArn: "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            }),
            "kmsKeyArn",
            /is a key in us-east-1, but aws:region is ap-southeast-2/,
        );
        parseConfig(
            stackConfig("consumer", {
                kmsKeyArn: "arn:aws:kms:ap-southeast-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            }),
            { now: NOW },
        );
    });
});
