import { strict as assert } from "assert";
import { ConfigIssue, parseConfig } from "../lib/config";
import * as path from "path";
import { loadStackConfig } from "../plan/configFile";
import { ROOT, stackConfig, configIssues } from "./helpers";

const issuesOf = (raw: Record<string, string>) => configIssues(raw);

describe("config validation", () => {
    it("applies the documented defaults to the example consumer file", () => {
        const config = parseConfig(stackConfig("consumer"));
        assert.equal(config.side, "consumer");
        assert.equal(config.region, "ap-southeast-2");
        assert.equal(config.producerDatabaseName, "connect_datalake");
        assert.equal(config.consumerDatabaseName, "connect_analytics_consumer");
        assert.equal(config.lambdaRoleName, "connect-analytics-lambda-execution-role");
        assert.deepEqual(
            config.tables.map((t) => [t.name, t.linkName, t.timeColumn]),
            [
                ["users", "users_link", undefined],
                ["contacts", "contacts_link", "initiation_timestamp"],
                ["agent_hierarchy_groups", "agent_hierarchy_groups_link", undefined],
            ],
        );
        assert.equal(config.enableResourceLinks, true);
        assert.equal(config.enableLambdaExport, true);
        assert.equal(config.grantWithGrantOption, false);
        assert.deepEqual(config.tags, { project: "connect-analytics", environment: "dev", "managed-by": "pulumi" });
        assert.equal(config.export.athenaWorkgroupName, "connect_analytics_workgroup");
    });

    it("accepts names and {name, linkName, timeColumn} entries in tables", () => {
        const config = parseConfig(
            stackConfig("consumer", {
                tables: [
                    "users",
                    { name: "contact_record", linkName: "ctr" },
                    { name: "contacts", timeColumn: null },
                    {
                        name: "agent_statistic_record",
                        timeColumn: "interval_start",
                        primaryKey: ["instance_id", "agent_id", "interval_start"],
                        versionColumn: "data_lake_last_processed_timestamp",
                    },
                ],
            }),
        );
        assert.deepEqual(
            config.tables.map((t) => [t.name, t.linkName, t.timeColumn]),
            [
                ["users", "users_link", undefined],
                ["contact_record", "ctr", "initiation_timestamp"],
                ["contacts", "contacts_link", undefined],
                ["agent_statistic_record", "agent_statistic_record_link", "interval_start"],
            ],
        );
        // The export's keys: a known dataset's filled in, another table's as configured.
        assert.deepEqual(
            config.tables.map((t) => [t.primaryKey, t.versionColumn]),
            [
                [["user_id"], "last_modified_timestamp"],
                [["instance_id", "contact_id"], "last_update_timestamp"],
                [["instance_id", "contact_id"], "last_update_timestamp"],
                [["instance_id", "agent_id", "interval_start"], "data_lake_last_processed_timestamp"],
            ],
        );
    });

    it("never refuses a table for its keys: a known dataset gets its documented mode, an unknown one without a key a snapshot and one warning; only the exporting consumer reads them", () => {
        const tables = [
            "users",
            "agent_queue_statistic_record",
            "agent_statistic_record",
            "contact_flow_events",
            "my_table",
        ];
        const warnings: ConfigIssue[] = [];
        const config = parseConfig(stackConfig("consumer", { tables }), { warn: (i) => warnings.push(i) });
        assert.deepEqual(
            config.tables.map((t) => [t.name, t.exportMode]),
            [
                ["users", "merge"],
                ["agent_queue_statistic_record", "merge"],
                ["agent_statistic_record", "snapshot"],
                ["contact_flow_events", "insertOnly"],
                ["my_table", "snapshot"],
            ],
        );
        const keyWarnings = warnings.filter((w) => /primaryKey/.test(w.message));
        assert.equal(keyWarnings.length, 1, JSON.stringify(warnings));
        assert.match(keyWarnings[0].message, /my_table is not a dataset .* set "primaryKey" .* and "versionColumn"/);
        // A mode its keys cannot give is the exporting consumer's problem only.
        const asked = {
            tables: [
                { name: "my_table", exportMode: "merge" },
                { name: "bad", exportMode: "upsert" },
            ],
        };
        const messages = issuesOf(stackConfig("consumer", asked)).map((i) => i.message);
        assert.ok(messages.some((m) => /my_table: exportMode merge needs "primaryKey" .* and "versionColumn"/.test(m)));
        assert.ok(messages.some((m) => /"exportMode" must be one of merge, insertOnly, snapshot/.test(m)));
        const producer = parseConfig(stackConfig("producer", asked));
        assert.deepEqual(
            producer.tables.map((t) => [t.name, t.exportMode, t.primaryKey]),
            [
                ["my_table", undefined, undefined],
                ["bad", undefined, undefined],
            ],
            "the producer neither checks nor keeps export settings",
        );
        assert.doesNotThrow(() => parseConfig(stackConfig("consumer", { ...asked, enableLambdaExport: false })));
        const excludedKey = issuesOf(
            stackConfig("consumer", {
                tables: [{ name: "users", primaryKey: ["email"] }],
                excludedColumns: { users: ["email"] },
            }),
        );
        assert.ok(
            excludedKey.some((i) => /"email" is a key column of the export .* but is excluded/.test(i.message)),
            JSON.stringify(excludedKey),
        );
    });

    it("says a renamed key was renamed, naming the new key", () => {
        const issues = issuesOf(stackConfig("consumer", { lateDataOverlapDays: 2 }));
        assert.deepEqual(
            issues.map((i) => i.key),
            ["connect-analytics:lateDataOverlapDays"],
        );
        assert.match(issues[0].message, /renamed to lookbackDays .*pulumi config set connect-analytics:lookbackDays/);
    });

    it("rejects export readers that are not principals of the consumer account", () => {
        const issues = issuesOf(
            stackConfig("consumer", {
                exportReaders: [
                    "arn:aws:iam::222222222222:role/qs",
                    "arn:aws:iam::999999999999:role/x",
                    "nope",
                    "arn:aws:iam::222222222222:role/qs",
                ],
            }),
        ).map((i) => i.message);
        assert.equal(issues.length, 3, issues.join("\n"));
        assert.match(issues.join("\n"), /\[1\] .* is in account 999999999999/);
        assert.match(issues.join("\n"), /\[2\] must be an IAM role or user ARN/);
        assert.match(issues.join("\n"), /\[3\] .* appears twice/);
    });

    it("reports every problem at once", () => {
        const issues = issuesOf(
            stackConfig("consumer", { producerAccountId: "123", tables: [], environment: "Prod!" }),
        );
        assert.deepEqual(issues.map((i) => i.key).sort(), [
            "connect-analytics:environment",
            "connect-analytics:producerAccountId",
            "connect-analytics:tables",
        ]);
    });

    it("warns about unknown keys and keys of the other side, without failing", () => {
        const warnings: ConfigIssue[] = [];
        parseConfig(stackConfig("consumer", { tabels: ["users"], grantWithGrantOption: true }), {
            warn: (w) => warnings.push(w),
        });
        assert.deepEqual(
            warnings.map((w) => w.key),
            ["connect-analytics:tabels", "connect-analytics:grantWithGrantOption"],
        );
        assert.match(warnings[0].message, /unknown key/);
        assert.match(warnings[1].message, /only used by the producer stack/);
    });

    it("warns about keys outside the project's namespace, naming the key and the one meant; provider keys pass", () => {
        const warnings: ConfigIssue[] = [];
        parseConfig(
            stackConfig("consumer", {
                "conect-analytics:tables": ["users"],
                "other:thing": "x",
                "aws:profile": "dev",
                "pulumi:template": "x",
            }),
            { warn: (w) => warnings.push(w) },
        );
        assert.deepEqual(
            warnings.map((w) => w.key),
            ["conect-analytics:tables", "other:thing"],
        );
        assert.match(warnings[0].message, /ignored\. Did you mean connect-analytics:tables\?/);
        assert.match(warnings[1].message, /in no namespace this stack reads .*Remove it/);
    });

    it("accepts each form of schedule expression", () => {
        for (const expression of [
            "rate(1 minute)",
            "rate(12 hours)",
            "at(2030-01-31T02:00:00)",
            "cron(15 2/6 L * ? 2030-2040)",
            "cron(0 4 ? JAN-MAR MON#1 *)",
        ]) {
            const config = parseConfig(stackConfig("consumer", { exportSchedule: expression }));
            assert.equal(config.export.exportSchedule, expression);
        }
    });

    it("maintenanceSchedule is no longer used: a warning says why and how to remove it, nothing fails", () => {
        const warnings: ConfigIssue[] = [];
        parseConfig(stackConfig("consumer", { maintenanceSchedule: "cron(0 4 ? * SUN *)" }), {
            warn: (w) => warnings.push(w),
        });
        assert.deepEqual(
            warnings.map((w) => w.key),
            ["connect-analytics:maintenanceSchedule"],
        );
        assert.match(
            warnings[0].message,
            /^no longer used: the Glue table optimizers .* Remove it: `pulumi config rm connect-analytics:maintenanceSchedule`/,
        );
    });

    it("does not warn about keys left at their defaults", () => {
        const warnings: ConfigIssue[] = [];
        parseConfig(
            stackConfig("producer", { athenaWorkgroupName: "connect_analytics_workgroup", producerStack: "" }),
            { warn: (w) => warnings.push(w) },
        );
        assert.deepEqual(warnings, []);
    });

    // Each bad configuration is rejected with a message that names its key and the fix.
    const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
        ["missing side", { side: undefined }, "side", /required.*pulumi config set/],
        ["unknown side", { side: "both" }, "side", /"producer" or "consumer"/],
        ["short account id", { producerAccountId: "12345" }, "producerAccountId", /12-digit/],
        ["account id with letters", { consumerAccountId: "22222222222x" }, "consumerAccountId", /12-digit/],
        ["missing account id", { consumerAccountId: undefined }, "consumerAccountId", /required/],
        ["same account both sides", { consumerAccountId: "111111111111" }, "consumerAccountId", /must differ/],
        ["missing region", { "aws:region": undefined }, "aws:region", /required/],
        ["bad region", { "aws:region": "sydney" }, "aws:region", /region name/],
        [
            "missing aws-native region",
            { "aws-native:region": undefined },
            "aws-native:region",
            /pulumi config set aws-native:region ap-southeast-2/,
        ],
        [
            "aws-native region differing from aws:region",
            { "aws-native:region": "us-east-1" },
            "aws-native:region",
            /both providers must work in one region/,
        ],
        ["empty tables", { tables: [] }, "tables", /at least one table/],
        ["duplicate table", { tables: ["users", "users"] }, "tables", /"users" appears 2 times/],
        [
            "link name collision",
            { tables: ["users", { name: "contacts", linkName: "users_link" }] },
            "tables",
            /link name "users_link" appears 2 times/,
        ],
        ["uppercase table name", { tables: ["Users"] }, "tables", /not a valid Glue name/],
        ["table name too long", { tables: ["a".repeat(256)] }, "tables", /not a valid Glue name/],
        [
            "hyphen in link name",
            { tables: [{ name: "users", linkName: "users-link" }] },
            "tables",
            /linkName "users-link" is not a valid Glue name/,
        ],
        ["table entry of wrong type", { tables: [42] }, "tables", /must be a table name or/],
        ["unknown field in table entry", { tables: [{ name: "users", link: "x" }] }, "tables", /unknown field "link"/],
        ["tables not a list", { tables: "users" }, "tables", /YAML list/],
        ["bad consumer database name", { consumerDatabaseName: "analytics-db" }, "consumerDatabaseName", /Glue name/],
        ["bad producer database name", { producerDatabaseName: "" }, "producerDatabaseName", /Glue name/],
        ["bad role name", { lambdaRoleName: "role with spaces" }, "lambdaRoleName", /IAM role name/],
        ["boolean as text", { enableResourceLinks: "yes" }, "enableResourceLinks", /true or false/],
        ["bad project name", { projectName: "Connect_Analytics" }, "projectName", /lowercase/],
        ["bad stack reference", { producerStack: "org/proj/stack/extra" }, "producerStack", /stack name like/],
        ["bad schedule", { exportSchedule: "daily" }, "exportSchedule", /rate\(N unit\)/],
        ["cron with five fields", { exportSchedule: "cron(0 2 * * *)" }, "exportSchedule", /six fields/],
        ["cron with seven fields", { exportSchedule: "cron(0 4 ? * SUN * *)" }, "exportSchedule", /six fields/],
        ["cron without ?", { exportSchedule: "cron(0 2 * * * *)" }, "exportSchedule", /\? in exactly one of/],
        ["cron with ? twice", { exportSchedule: "cron(0 2 ? * ? *)" }, "exportSchedule", /\? in exactly one of/],
        ["cron with a bad field", { exportSchedule: "cron(0 2am * * ? *)" }, "exportSchedule", /invalid cron hours/],
        ["empty cron", { exportSchedule: "cron()" }, "exportSchedule", /six fields/],
        ["rate of zero", { exportSchedule: "rate(0 minutes)" }, "exportSchedule", /positive whole number/],
        ["rate in weeks", { exportSchedule: "rate(1 week)" }, "exportSchedule", /minutes, hours or days/],
        ["at with a word", { exportSchedule: "at(tomorrow)" }, "exportSchedule", /at\(yyyy-mm-ddThh:mm:ss\)/],
        ["at on no date", { exportSchedule: "at(2030-02-30T02:00:00)" }, "exportSchedule", /valid date/],
        ["bad export format", { exportFormat: "json" }, "exportFormat", /"parquet" or "csv"/],
        [
            "cutoff below Athena's minimum",
            { bytesScannedCutoffPerQuery: 1000 },
            "bytesScannedCutoffPerQuery",
            /from 10000000/,
        ],
        ["retention CloudWatch rejects", { logRetentionDays: 31 }, "logRetentionDays", /CloudWatch's values/],
        ["timeout above Lambda's maximum", { lambdaTimeoutSeconds: 901 }, "lambdaTimeoutSeconds", /60 to 900/],
        ["bad KMS key", { kmsKeyArn: "alias/mine" }, "kmsKeyArn", /KMS key ARN/],
        [
            "the export in the links' database",
            { exportDatabaseName: "connect_analytics_consumer" },
            "exportDatabaseName",
            /is consumerDatabaseName \(connect_analytics_consumer\).*would mix with the links/,
        ],
        [
            "the export in a renamed links' database",
            { exportDatabaseName: "analytics", consumerDatabaseName: "analytics" },
            "exportDatabaseName",
            /is consumerDatabaseName \(analytics\)/,
        ],
        [
            "the export in the default database",
            { exportDatabaseName: "default" },
            "exportDatabaseName",
            /cannot be "default"/,
        ],
        ...["1e1", "0x10", " 5", "5 ", "5.0", "+5", "05", "", "five"].map(
            (text): [string, Record<string, unknown>, string, RegExp] => [
                `number written as ${JSON.stringify(text)}`,
                { lookbackDays: text },
                "lookbackDays",
                /must be a whole number from 0 to 90 in decimal digits/,
            ],
        ),
        [
            "a list for a text key",
            { alarmEmail: ["ops@example.com"] },
            "alarmEmail",
            /must be a single text value, got a YAML list .*connect-analytics:alarmEmail: <value>/,
        ],
        [
            "a list inside a list of text",
            { exportReaders: [["arn:aws:iam::222222222222:role/qs"]] },
            "exportReaders",
            /\[0\] must be a single text value, got \["arn:aws:iam::222222222222:role\/qs"\]/,
        ],
        [
            "a map for a text key",
            { exportPrefix: { a: "b" } },
            "exportPrefix",
            /must be a single text value, got a YAML map/,
        ],
    ];
    for (const [what, overrides, key, message] of bad) {
        it(`rejects ${what}, naming ${key}`, () => {
            const issues = issuesOf(stackConfig("consumer", overrides));
            const full = key.includes(":") ? key : `connect-analytics:${key}`;
            const issue = issues.find((i) => i.key === full);
            assert.ok(issue, `no issue for ${full}; got ${JSON.stringify(issues)}`);
            assert.match(issue.message, message);
        });
    }

    it("formats the error with every key: both of two problems, each named with its key", () => {
        try {
            parseConfig(stackConfig("consumer", { producerAccountId: "1", tables: [] }));
            assert.fail("expected a ConfigError");
        } catch (err) {
            const message = (err as Error).message;
            assert.match(message, /invalid configuration \(2 problems\)/);
            assert.match(message, /connect-analytics:producerAccountId: must be a 12-digit/);
            assert.match(message, /connect-analytics:tables: /);
        }
    });
});

describe("config: principals a grant would collide on", () => {
    const ROLE = "arn:aws:iam::222222222222:role/connect-analytics-lambda-execution-role";
    /** The share-many example's consumer (connectAnalytics, three readers), with keys overridden. */
    function salesConsumer(overrides: Record<string, unknown>): Record<string, string> {
        const config = loadStackConfig(path.join(ROOT, "examples", "share-many"), "consumer");
        for (const [key, value] of Object.entries(overrides)) {
            config[`connect-analytics:${key}`] = JSON.stringify(value);
        }
        return config;
    }
    const readersOf = (raw: Record<string, string>) => JSON.parse(raw["connect-analytics:readers"]) as unknown[];

    it("rejects the stack's own Lambda execution role as a reader, naming readers and lambdaRoleName", () => {
        const raw = salesConsumer({});
        const readers = [
            ...readersOf(raw),
            { principal: ROLE.replace("connect-analytics", "Connect-Analytics"), tables: ["users"] },
        ];
        const issues = issuesOf(salesConsumer({ readers }));
        const issue = issues.find((i) => i.key === "connect-analytics:readers");
        assert.ok(issue, JSON.stringify(issues));
        assert.match(
            issue.message,
            /readers\[3\]\.principal .* is this stack's Lambda execution role \(lambdaRoleName connect-analytics-lambda-execution-role\).*overrides filters/,
        );
    });

    it("rejects a principal listed in two readers, comparing role names as IAM does (case and path aside)", () => {
        const raw = salesConsumer({});
        const [analyst, bi] = readersOf(raw) as Array<{ principal: string }>;
        for (const again of [
            { principal: analyst.principal, tables: ["agent_hierarchy_groups"] },
            { principal: "arn:aws:iam::222222222222:role/Sales-Analyst", tables: ["agent_hierarchy_groups"] },
            { principal: "arn:aws:iam::222222222222:role/team/sales-analyst", tables: ["agent_hierarchy_groups"] },
        ]) {
            const issues = issuesOf(salesConsumer({ readers: [analyst, bi, again] }));
            assert.ok(
                issues.some(
                    (i) =>
                        i.key === "connect-analytics:readers" &&
                        /readers\[2\]\.principal .* is readers\[0\]'s principal too .*list each principal once/.test(
                            i.message,
                        ),
                ),
                `${again.principal}: ${JSON.stringify(issues)}`,
            );
        }
    });

    it("rejects an export reader listed twice, or also a reader, in another case", () => {
        const twice = issuesOf(
            stackConfig("consumer", {
                exportReaders: ["arn:aws:iam::222222222222:role/qs", "arn:aws:iam::222222222222:role/QS"],
            }),
        );
        assert.ok(
            twice.some((i) => i.key === "connect-analytics:exportReaders" && /\[1\] .* appears twice/.test(i.message)),
            JSON.stringify(twice),
        );
        const both = issuesOf(salesConsumer({ exportReaders: ["arn:aws:iam::222222222222:role/SALES-BI"] }));
        assert.ok(
            both.some(
                (i) => i.key === "connect-analytics:exportReaders" && /sales-bi is also in readers/.test(i.message),
            ),
            JSON.stringify(both),
        );
    });

    it("rejects the stack's own Lambda execution role (under a path) as an export reader", () => {
        const issues = issuesOf(
            stackConfig("consumer", {
                exportReaders: ["arn:aws:iam::222222222222:role/service/connect-analytics-lambda-execution-role"],
            }),
        );
        const issue = issues.find((i) => i.key === "connect-analytics:exportReaders");
        assert.ok(issue, JSON.stringify(issues));
        assert.match(issue.message, /\[0\] .* is this stack's Lambda execution role .*Remove it from exportReaders/);
    });
});

describe("config: values given and then ignored", () => {
    const warningsOf = (raw: Record<string, string>): ConfigIssue[] => {
        const warnings: ConfigIssue[] = [];
        parseConfig(raw, { warn: (w) => warnings.push(w) });
        return warnings;
    };
    const CONSUMERS = [
        { accountId: "222222222222", roleName: "reader" },
        { accountId: "333333333333", roleName: "reader" },
    ];

    it("warns that consumers replaces consumerAccountId and consumerStack, naming each", () => {
        const warnings = warningsOf(stackConfig("producer", { consumers: CONSUMERS }));
        assert.deepEqual(
            warnings.map((w) => w.key),
            ["connect-analytics:consumerAccountId", "connect-analytics:consumerStack"],
        );
        assert.match(warnings[0].message, /ignored: consumers lists the consumer accounts.*Remove it/);
        assert.match(warnings[1].message, /consumers\[\]\.stack/);
        assert.deepEqual(
            warningsOf(stackConfig("producer", { consumers: CONSUMERS, consumerAccountId: "", consumerStack: "" })),
            [],
        );
    });

    it("warns about each export key given while enableLambdaExport is false, not about those at their defaults", () => {
        const warnings = warningsOf(
            stackConfig("consumer", {
                enableLambdaExport: "false",
                lookbackDays: "5",
                exportSchedule: "rate(1 hour)",
                exportReaders: ["arn:aws:iam::222222222222:role/qs"],
                alarmEmail: "ops@example.com",
                exportFormat: "parquet",
                kmsKeyArn: "",
            }),
        );
        assert.deepEqual(warnings.map((w) => w.key).sort(), [
            "connect-analytics:alarmEmail",
            "connect-analytics:exportReaders",
            "connect-analytics:exportSchedule",
            "connect-analytics:lookbackDays",
        ]);
        for (const w of warnings) {
            assert.match(w.message, /ignored: only the export uses it, and enableLambdaExport is false/);
        }
        assert.deepEqual(warningsOf(stackConfig("consumer", { enableLambdaExport: "false" })), []);
    });

    it("rejects a Connect instance ARN of another account or region than the producer's, naming the key", () => {
        const config = loadStackConfig(path.join(ROOT, "examples", "share-many"), "producer");
        const id = "8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b";
        config["connect-analytics:connectInstanceId"] = `arn:aws:connect:ap-southeast-2:999999999999:instance/${id}`;
        config["connect-analytics:connectInstanceIds"] = JSON.stringify([
            `arn:aws:connect:us-east-1:111111111111:instance/${id}`,
            `arn:aws:connect:ap-southeast-2:111111111111:instance/${id}`,
        ]);
        const issues = issuesOf(config).map((i) => `${i.key}: ${i.message}`);
        assert.equal(issues.length, 2, issues.join("\n"));
        assert.match(
            issues[0],
            /^connect-analytics:connectInstanceId: .* instance of account 999999999999, but the producer is 111111111111/,
        );
        assert.match(
            issues[1],
            /^connect-analytics:connectInstanceIds: \[0\] .* instance in us-east-1, but aws:region is ap-southeast-2/,
        );
    });

    it("warns about the keys of the other export target, naming each", () => {
        const files = warningsOf(
            stackConfig("consumer", {
                exportTarget: "files",
                exportFormat: "csv",
                exportDatabaseName: "exports",
            }),
        );
        assert.deepEqual(
            files.map((w) => w.key),
            ["connect-analytics:exportDatabaseName"],
        );
        assert.match(files[0].message, /ignored: only the iceberg target uses it, and exportTarget is files/);
        const iceberg = warningsOf(stackConfig("consumer", { exportFormat: "csv" }));
        assert.deepEqual(
            iceberg.map((w) => w.key),
            ["connect-analytics:exportFormat"],
        );
        assert.match(iceberg[0].message, /ignored: it is the files target's format, and exportTarget is iceberg/);
    });

    it("rejects consumerAccountId that consumers does not list", () => {
        const issues = issuesOf(stackConfig("producer", { consumers: CONSUMERS.slice(1) }));
        const issue = issues.find((i) => i.key === "connect-analytics:consumerAccountId");
        assert.ok(issue, JSON.stringify(issues));
        assert.match(issue.message, /is 222222222222, which consumers does not list \(333333333333\)/);
    });
});
