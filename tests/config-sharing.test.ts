/**
 * The governance, sharing and data-source keys read by parseConfig (lib/config/governance.ts,
 * sharing.ts, source.ts): each accepted value, each refusal with its exact message, the defaults
 * and the typed object produced. In-process and fast: no stack is planned.
 */
import { strict as assert } from "assert";
import { ConfigIssue, parseConfig } from "../lib/config";
import { configIssues } from "./helpers";

const INSTANCE = "8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b";
const OTHER_INSTANCE = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const INSTANCE_ARN = `arn:aws:connect:ap-southeast-2:111111111111:instance/${INSTANCE}`;
const ANALYST = "arn:aws:iam::222222222222:role/analyst";
const BI = "arn:aws:iam::222222222222:role/bi";
const LAMBDA_ROLE = "connect-analytics-lambda-execution-role";
const USERS_COLUMNS =
    "instance_id, instance_arn, aws_account_id, user_id, user_arn, username, directory_user_id, first_name, " +
    "last_name, email, secondary_email, mobile, agent_hierarchy_group_id, agent_hierarchy_group_arn, " +
    "agent_routing_profile_id, is_active, last_modified_region, last_modified_timestamp, " +
    "data_lake_last_processed_timestamp";
const GROUP_COLUMNS = [
    "instance_id",
    "instance_arn",
    "aws_account_id",
    "agent_hierarchy_group_id",
    "agent_hierarchy_group_arn",
    "agent_hierarchy_group_name",
    "last_modified_region",
    "last_modified_timestamp",
    "data_lake_last_processed_timestamp",
];

/** A minimal stack config written out here (not the repository's stack files), keys overridden. */
function stack(side: "producer" | "consumer", overrides: Record<string, unknown> = {}): Record<string, string> {
    const raw: Record<string, string> = {
        "aws:region": "ap-southeast-2",
        "aws-native:region": "ap-southeast-2",
        "connect-analytics:side": side,
        "connect-analytics:producerAccountId": "111111111111",
        "connect-analytics:consumerAccountId": "222222222222",
        ...(side === "consumer" ? { "connect-analytics:enableLambdaExport": "false" } : {}),
    };
    for (const [key, value] of Object.entries(overrides)) {
        const full = `connect-analytics:${key}`;
        if (value === undefined) delete raw[full];
        else raw[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}

/** A consumer of Connect's catalog (dataSource connectAnalytics), keys overridden. */
const connectConsumer = (overrides: Record<string, unknown> = {}) =>
    stack("consumer", { dataSource: "connectAnalytics", ...overrides });
/** A producer of Connect's catalog with one instance, keys overridden. */
const connectProducer = (overrides: Record<string, unknown> = {}) =>
    stack("producer", { dataSource: "connectAnalytics", connectInstanceId: INSTANCE, ...overrides });

const issuesOf = (raw: Record<string, string>) => configIssues(raw);

/** The config is refused with exactly these issues (key without its namespace, message). */
function refusedWith(raw: Record<string, string>, ...expected: Array<[string, string]>): void {
    assert.deepStrictEqual(
        issuesOf(raw).map((i) => [i.key, i.message]),
        expected.map(([key, message]) => [`connect-analytics:${key}`, message]),
    );
}

const LF_TAG_FORMAT = "1-128 letters, digits or _.:/=+@%-";
const CONNECT_TABLES = [
    { name: "users", linkName: "users_link" },
    { name: "contact_record", linkName: "contacts_link", timeColumn: "initiation_timestamp" },
    { name: "agent_hierarchy_groups", linkName: "agent_hierarchy_groups_link" },
];
const DEFAULT_TABLES = [
    { name: "users", linkName: "users_link" },
    { name: "contacts", linkName: "contacts_link", timeColumn: "initiation_timestamp" },
    { name: "agent_hierarchy_groups", linkName: "agent_hierarchy_groups_link" },
];

describe("config: governance, sharing and data source keys", () => {
    describe("defaults", () => {
        it("a producer with no sharing keys: named mode, producerCatalog, the default LF-tags and data-lake settings", () => {
            const config = parseConfig(stack("producer"));
            assert.deepStrictEqual(
                {
                    dataSource: config.dataSource,
                    connectInstanceId: config.connectInstanceId,
                    connectInstanceIds: config.connectInstanceIds,
                    sharingMode: config.sharingMode,
                    grantWithGrantOption: config.grantWithGrantOption,
                    lfTags: config.lfTags,
                    dataLakeSettings: config.dataLakeSettings,
                    consumers: config.consumers,
                    readers: config.readers,
                    tables: config.tables,
                },
                {
                    dataSource: "producerCatalog",
                    connectInstanceId: undefined,
                    connectInstanceIds: [],
                    sharingMode: "named",
                    grantWithGrantOption: false,
                    lfTags: { domain: "connect", sensitivity: "general" },
                    dataLakeSettings: { manageDataLakeSettings: false, dataLakeAdmins: [], crossAccountVersion: "4" },
                    consumers: [{ accountId: "222222222222", roleName: LAMBDA_ROLE }],
                    readers: [],
                    tables: DEFAULT_TABLES,
                },
            );
            assert.ok(!("connectInstanceId" in config), "producerCatalog has no connectInstanceId key");
        });

        it("a connectAnalytics consumer that names no tables gets Connect's datasets", () => {
            const config = parseConfig(connectConsumer());
            assert.deepStrictEqual(config.tables, CONNECT_TABLES);
            assert.equal(config.dataSource, "connectAnalytics");
            assert.deepStrictEqual(config.connectInstanceIds, []);
            assert.deepStrictEqual(config.consumers, []);
        });
    });

    describe("lfTags", () => {
        it("accepts keys and values of letters, digits and _.:/=+@%- and returns them as given", () => {
            const lfTags = { "team:a/b=c+d@e%f-g_h.i": "v:1/2=3+4@5%6-7_8.9", domain: "connect" };
            assert.deepStrictEqual(parseConfig(stack("producer", { lfTags })).lfTags, {
                "team:a/b=c+d@e%f-g_h.i": "v:1/2=3+4@5%6-7_8.9",
                domain: "connect",
            });
        });

        it("refuses a tag key with a space, naming the key", () => {
            refusedWith(stack("producer", { lfTags: { "bad key": "x" } }), [
                "lfTags",
                `tag key "bad key" must be ${LF_TAG_FORMAT}.`,
            ]);
        });

        it("refuses a value that is no text, and a text value with a space", () => {
            refusedWith(
                stack("producer", { lfTags: { domain: 5, team: "a b" } }),
                ["lfTags", `value of domain must be one tag value (${LF_TAG_FORMAT}), got 5.`],
                ["lfTags", `value of team must be one tag value (${LF_TAG_FORMAT}), got "a b".`],
            );
        });

        it("an empty map is accepted in named mode and refused in lfTags mode", () => {
            assert.deepStrictEqual(parseConfig(stack("producer", { lfTags: {} })).lfTags, {});
            refusedWith(stack("producer", { lfTags: {}, sharingMode: "lfTags" }), [
                "lfTags",
                "must hold at least one key: value in lfTags sharing mode.",
            ]);
        });

        it("lfTags mode with tags is accepted", () => {
            const config = parseConfig(stack("producer", { sharingMode: "lfTags", lfTags: { domain: "sales" } }));
            assert.equal(config.sharingMode, "lfTags");
            assert.deepStrictEqual(config.lfTags, { domain: "sales" });
        });
    });

    describe("excludedColumns (the stack's)", () => {
        it("folds the columns into the table, sorted and once each", () => {
            const config = parseConfig(stack("consumer", { excludedColumns: { users: ["mobile", "email"] } }));
            assert.deepStrictEqual(config.tables, [
                { name: "users", linkName: "users_link", excludedColumns: ["email", "mobile"] },
                DEFAULT_TABLES[1],
                DEFAULT_TABLES[2],
            ]);
        });

        const refusals: Array<[string, unknown, string]> = [
            [
                "a text instead of a list",
                { users: "email" },
                "excludedColumns.users must be a non-empty list of column names.",
            ],
            ["an empty list", { users: [] }, "excludedColumns.users must be a non-empty list of column names."],
            [
                "a list with a number",
                { users: ["email", 3] },
                "excludedColumns.users must be a non-empty list of column names.",
            ],
            [
                "a column the table lacks",
                { users: ["email", "nope"] },
                `excludedColumns.users: nope is not a column of users (known columns: ${USERS_COLUMNS}).`,
            ],
            [
                "two columns the table lacks",
                { users: ["nope", "nada"] },
                `excludedColumns.users: nope, nada are not columns of users (known columns: ${USERS_COLUMNS}).`,
            ],
            [
                "a column listed twice",
                { users: ["email", "email"] },
                "excludedColumns.users lists email more than once.",
            ],
            [
                "two columns listed twice each",
                { users: ["mobile", "email", "email", "mobile"] },
                "excludedColumns.users lists email, mobile more than once.",
            ],
            [
                "the export's time column",
                { contacts: ["initiation_timestamp"] },
                "excludedColumns.contacts: cannot exclude initiation_timestamp, the column the export reads contacts incrementally by.",
            ],
            [
                "every column",
                { agent_hierarchy_groups: GROUP_COLUMNS },
                "excludedColumns.agent_hierarchy_groups excludes every column; remove agent_hierarchy_groups from tables instead.",
            ],
            [
                "a table that is not shared",
                { nope: ["email"] },
                'excludedColumns.nope: "nope" is not in tables (users, contacts, agent_hierarchy_groups).',
            ],
        ];
        for (const [what, excludedColumns, message] of refusals) {
            it(`refuses ${what}`, () => {
                refusedWith(stack("producer", { excludedColumns }), ["excludedColumns", message]);
            });
        }

        it("all columns but one are accepted", () => {
            const kept = GROUP_COLUMNS.slice(1);
            const config = parseConfig(stack("producer", { excludedColumns: { agent_hierarchy_groups: kept } }));
            assert.deepStrictEqual(config.tables[2], {
                name: "agent_hierarchy_groups",
                linkName: "agent_hierarchy_groups_link",
                excludedColumns: [...kept].sort(),
            });
        });

        it("a table Connect does not describe: any lowercase name is a column, anything else is refused", () => {
            const config = parseConfig(
                stack("producer", { tables: ["my_table"], excludedColumns: { my_table: ["secret_1"] } }),
            );
            assert.deepStrictEqual(config.tables, [
                { name: "my_table", linkName: "my_table_link", excludedColumns: ["secret_1"] },
            ]);
            refusedWith(stack("producer", { tables: ["my_table"], excludedColumns: { my_table: ["Bad-Col"] } }), [
                "excludedColumns",
                "excludedColumns.my_table: Bad-Col is not a column of my_table (column names are lowercase letters, digits and underscores).",
            ]);
        });

        it("lfTags mode with exclusions needs a sensitivity tag, and not the value that marks excluded columns", () => {
            const excludedColumns = { users: ["email"] };
            refusedWith(stack("producer", { sharingMode: "lfTags", lfTags: { domain: "connect" }, excludedColumns }), [
                "lfTags",
                'needs a "sensitivity" key when columns are excluded in lfTags mode: excluded columns get sensitivity=restricted.',
            ]);
            refusedWith(
                stack("producer", {
                    sharingMode: "lfTags",
                    lfTags: { domain: "connect", sensitivity: "restricted" },
                    excludedColumns,
                }),
                ["lfTags", 'sensitivity cannot be "restricted" on tables: that value marks the excluded columns.'],
            );
            const config = parseConfig(
                stack("producer", { sharingMode: "lfTags", lfTags: { sensitivity: "general" }, excludedColumns }),
            );
            assert.deepStrictEqual(config.tables[0], {
                name: "users",
                linkName: "users_link",
                excludedColumns: ["email"],
            });
        });

        it("the sensitivity tag is not needed in lfTags mode without exclusions, nor in named mode", () => {
            assert.deepStrictEqual(
                parseConfig(stack("producer", { sharingMode: "lfTags", lfTags: { domain: "connect" } })).lfTags,
                { domain: "connect" },
            );
            const named = parseConfig(
                stack("producer", { lfTags: { sensitivity: "restricted" }, excludedColumns: { users: ["email"] } }),
            );
            assert.deepStrictEqual(named.tables[0].excludedColumns, ["email"]);
            assert.deepStrictEqual(
                parseConfig(stack("producer", { lfTags: { domain: "x" }, excludedColumns: { users: ["email"] } }))
                    .lfTags,
                { domain: "x" },
            );
        });
    });

    describe("data-lake settings", () => {
        it("returns the admins and version as given", () => {
            const admins = ["arn:aws:iam::111111111111:role/admin", "arn:aws:iam::111111111111:user/alice"];
            const config = parseConfig(
                stack("producer", { manageDataLakeSettings: true, dataLakeAdmins: admins, crossAccountVersion: "3" }),
            );
            assert.deepStrictEqual(config.dataLakeSettings, {
                manageDataLakeSettings: true,
                dataLakeAdmins: admins,
                crossAccountVersion: "3",
            });
        });

        it("refuses an admin that is no IAM role or user ARN", () => {
            refusedWith(stack("producer", { dataLakeAdmins: ["arn:aws:iam::111111111111:group/admins"] }), [
                "dataLakeAdmins",
                '"arn:aws:iam::111111111111:group/admins" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>).',
            ]);
        });

        it("a managing producer needs crossAccountVersion 3 or later, and says why for each sharing mode", () => {
            refusedWith(stack("producer", { manageDataLakeSettings: true, crossAccountVersion: "2" }), [
                "crossAccountVersion",
                'is 2, but the producer grants straight to the consumer\'s role, which needs version 3 or later. Set "4".',
            ]);
            refusedWith(
                stack("producer", { manageDataLakeSettings: true, crossAccountVersion: "1", sharingMode: "lfTags" }),
                [
                    "crossAccountVersion",
                    'is 1, but the producer grants straight to the consumer\'s role and shares LF-tags, which needs version 3 or later. Set "4".',
                ],
            );
        });

        it("an old version is accepted when the producer does not manage the settings, and on a consumer", () => {
            assert.equal(
                parseConfig(stack("producer", { crossAccountVersion: "1" })).dataLakeSettings.crossAccountVersion,
                "1",
            );
            assert.deepStrictEqual(
                parseConfig(stack("consumer", { manageDataLakeSettings: true, crossAccountVersion: "2" }))
                    .dataLakeSettings,
                { manageDataLakeSettings: true, dataLakeAdmins: [], crossAccountVersion: "2" },
            );
        });
    });

    describe("dataSource", () => {
        it("producerCatalog refuses the Connect instance keys", () => {
            refusedWith(
                stack("producer", { connectInstanceId: INSTANCE, connectInstanceIds: [OTHER_INSTANCE] }),
                ["connectInstanceId", 'is only used with dataSource "connectAnalytics"; remove it, or set dataSource.'],
                [
                    "connectInstanceIds",
                    'is only used with dataSource "connectAnalytics"; remove it, or set dataSource.',
                ],
            );
        });

        it("a connectAnalytics producer needs an instance", () => {
            refusedWith(connectProducer({ connectInstanceId: undefined }), [
                "connectInstanceId",
                "required with dataSource connectAnalytics: the instance whose datasets the producer associates with the " +
                    "consumer account. Set it with `pulumi config set connect-analytics:connectInstanceId <instance id or ARN>` " +
                    "(or list several in connectInstanceIds).",
            ]);
        });

        it("an instance ARN is reduced to its id, and every instance is listed once", () => {
            const config = parseConfig(
                connectProducer({
                    connectInstanceId: INSTANCE_ARN,
                    connectInstanceIds: [INSTANCE, OTHER_INSTANCE, OTHER_INSTANCE],
                }),
            );
            assert.equal(config.connectInstanceId, INSTANCE);
            assert.deepStrictEqual(config.connectInstanceIds, [INSTANCE, OTHER_INSTANCE]);
            assert.deepStrictEqual(config.tables, CONNECT_TABLES);
            assert.deepStrictEqual(config.consumers, [{ accountId: "222222222222", roleName: LAMBDA_ROLE }]);
        });

        it("connectInstanceIds alone are enough, without connectInstanceId", () => {
            const config = parseConfig(
                connectProducer({ connectInstanceId: undefined, connectInstanceIds: [OTHER_INSTANCE] }),
            );
            assert.deepStrictEqual(config.connectInstanceIds, [OTHER_INSTANCE]);
            assert.ok(!("connectInstanceId" in config));
        });

        it("refuses a connectInstanceIds entry that is no instance id or ARN", () => {
            refusedWith(connectProducer({ connectInstanceIds: ["nope"] }), [
                "connectInstanceIds",
                '[0] must be an Amazon Connect instance id (a UUID) or its ARN, got "nope".',
            ]);
        });

        it("connectAnalytics refuses lfTags mode and another producerDatabaseName", () => {
            refusedWith(
                connectConsumer({ sharingMode: "lfTags", producerDatabaseName: "my_lake" }),
                [
                    "sharingMode",
                    'cannot be "lfTags" with dataSource connectAnalytics: LF-tags go on tables by their owner, and Connect ' +
                        'owns these tables, so nobody here can tag them. Use "named".',
                ],
                [
                    "producerDatabaseName",
                    "must be connect_datalake with dataSource connectAnalytics: it is the database of Connect's catalog.",
                ],
            );
        });

        it("a connectAnalytics producer refuses grantWithGrantOption and excludedColumns", () => {
            refusedWith(
                connectProducer({ grantWithGrantOption: true, excludedColumns: { users: ["email"] } }),
                [
                    "grantWithGrantOption",
                    "has no effect with dataSource connectAnalytics: the producer makes no Lake Formation grants (Connect shares " +
                        "the tables with the consumer account, whose own grants never carry the grant option). Remove it.",
                ],
                [
                    "excludedColumns",
                    "belongs in the consumer stack with dataSource connectAnalytics: the consumer's own grants withhold the " +
                        "columns (the producer makes no grants). Move it there.",
                ],
            );
        });

        it("a connectAnalytics consumer keeps excludedColumns, and grantWithGrantOption is only warned about", () => {
            const warnings: ConfigIssue[] = [];
            const config = parseConfig(
                connectConsumer({ grantWithGrantOption: true, excludedColumns: { users: ["email"] } }),
                { warn: (issue) => warnings.push(issue) },
            );
            assert.deepStrictEqual(config.tables[0], {
                name: "users",
                linkName: "users_link",
                excludedColumns: ["email"],
            });
            assert.deepStrictEqual(
                warnings.map((w) => w.key),
                ["connect-analytics:grantWithGrantOption"],
            );
        });

        it('connectAnalytics refuses "contacts", which Connect calls contact_record', () => {
            refusedWith(connectConsumer({ tables: ["users", { name: "contacts", linkName: "ctr" }] }), [
                "tables",
                'tables[1] "contacts" is not a Connect dataset: the contact records are "contact_record". ' +
                    "Keep the link name with {name: contact_record, linkName: ctr}.",
            ]);
        });
    });

    describe("consumers (producer)", () => {
        it("the single-consumer keys make one consumer, with its stack when given", () => {
            const config = parseConfig(stack("producer", { consumerStack: "org/connect-analytics/consumer" }));
            assert.deepStrictEqual(config.consumers, [
                { accountId: "222222222222", roleName: LAMBDA_ROLE, stack: "org/connect-analytics/consumer" },
            ]);
        });

        it("without consumerAccountId or consumers, the producer is told to set either", () => {
            refusedWith(stack("producer", { consumerAccountId: undefined }), [
                "consumerAccountId",
                "required. Set it with `pulumi config set connect-analytics:consumerAccountId <value>`, or list the consumer accounts in `consumers`.",
            ]);
        });

        it("a consumers list gives each account its role (lambdaRoleName unless given) and stack", () => {
            const config = parseConfig(
                stack("producer", {
                    consumerAccountId: undefined,
                    lambdaRoleName: "shared-role",
                    consumers: [
                        { accountId: "333333333333", stack: "org/p/consumer" },
                        { accountId: "444444444444", roleName: "own-role" },
                    ],
                }),
            );
            assert.deepStrictEqual(config.consumers, [
                { accountId: "333333333333", roleName: "shared-role", stack: "org/p/consumer" },
                { accountId: "444444444444", roleName: "own-role" },
            ]);
            assert.equal(config.consumerAccountId, "333333333333");
        });

        const refusals: Array<[string, unknown[], string]> = [
            [
                "an entry that is no object",
                ["333333333333"],
                'consumers[0] must be {accountId, stack} or {accountId, roleName}, got "333333333333".',
            ],
            [
                "an unknown field",
                [{ accountId: "333333333333", region: "x" }],
                'consumers[0] has unknown field "region"; allowed: accountId, stack, roleName.',
            ],
            [
                "an account id of 3 digits",
                [{ accountId: "333" }],
                'consumers[0].accountId must be a 12-digit account id (quoted in YAML), got "333".',
            ],
            [
                "the producer's own account",
                [{ accountId: "111111111111" }],
                "consumers[0].accountId is the producer's own account; consumers are other accounts.",
            ],
            [
                "a stack name of four parts",
                [{ accountId: "333333333333", stack: "a/b/c/d" }],
                'consumers[0].stack must be a stack name like org/connect-analytics/consumer, got "a/b/c/d".',
            ],
            [
                "a stack that is no text",
                [{ accountId: "333333333333", stack: 5 }],
                "consumers[0].stack must be a stack name like org/connect-analytics/consumer, got 5.",
            ],
            [
                "a role name with a space",
                [{ accountId: "333333333333", roleName: "bad role" }],
                'consumers[0].roleName must be an IAM role name, got "bad role".',
            ],
            [
                "an account listed more than once",
                [{ accountId: "333333333333" }, { accountId: "333333333333" }, { accountId: "333333333333" }],
                "account 333333333333 appears more than once; list each consumer once.",
            ],
            [
                "two accounts listed twice each",
                [
                    { accountId: "333333333333" },
                    { accountId: "444444444444" },
                    { accountId: "333333333333" },
                    { accountId: "444444444444" },
                ],
                "account 333333333333, 444444444444 appears more than once; list each consumer once.",
            ],
            [
                "an entry with an unknown field that repeats an account: its own problem only, not also a duplicate",
                [{ accountId: "333333333333" }, { accountId: "333333333333", region: "x" }],
                'consumers[1] has unknown field "region"; allowed: accountId, stack, roleName.',
            ],
        ];
        for (const [what, consumers, message] of refusals) {
            it(`refuses ${what}`, () => {
                refusedWith(stack("producer", { consumerAccountId: undefined, consumers }), ["consumers", message]);
            });
        }
    });

    describe("readers (consumer)", () => {
        it("a reader's tables are listed once, its row filter rendered, and a reader without one has none", () => {
            const config = parseConfig(
                connectConsumer({
                    readers: [
                        {
                            principal: ANALYST,
                            tables: ["contact_record", "users", "users"],
                            rowFilter: { column: "instance_id", equals: "x" },
                            excludedColumns: { users: ["mobile", "email", "mobile"], contact_record: [] },
                        },
                        { principal: BI, tables: ["users"] },
                    ],
                }),
            );
            assert.deepStrictEqual(config.readers, [
                {
                    principal: ANALYST,
                    tables: ["contact_record", "users"],
                    rowFilter: "instance_id = 'x'",
                    excludedColumns: { users: ["email", "mobile"], contact_record: [] },
                },
                { principal: BI, tables: ["users"], excludedColumns: {} },
            ]);
        });

        it("readers need dataSource connectAnalytics, and named sharing", () => {
            const readers = [{ principal: ANALYST, tables: ["users"] }];
            refusedWith(stack("consumer", { readers }), [
                "readers",
                "need dataSource connectAnalytics: a filter is created by an account that holds the table's SELECT with the grant " +
                    "option, which Connect's share gives the consumer account and a producer's grants to the role do not.",
            ]);
            refusedWith(stack("consumer", { readers, sharingMode: "lfTags" }), [
                "readers",
                "cannot be combined with sharingMode lfTags: Lake Formation applies no data filter to LF-tag grants " +
                    '(lake-formation/latest/dg/athena-lf.html). Use sharingMode "named".',
            ]);
        });

        const tablesList = "users, contact_record, agent_hierarchy_groups";
        const refusals: Array<[string, unknown, string[]]> = [
            [
                "an entry that is no object",
                "x",
                ['readers[0] must be {principal, tables, rowFilter, excludedColumns}, got "x".'],
            ],
            [
                "an unknown field",
                { principal: ANALYST, tables: ["users"], columns: ["email"] },
                ['readers[0] has unknown field "columns"; allowed: principal, tables, rowFilter, excludedColumns.'],
            ],
            [
                "a principal of another account",
                { principal: "arn:aws:iam::333333333333:role/x", tables: ["users"] },
                [
                    "readers[0].principal arn:aws:iam::333333333333:role/x is in account 333333333333: the consumer grants what it " +
                        "received only to its own principals (222222222222). Another account needs its own consumer stack.",
                ],
            ],
            [
                "tables that are no list",
                { principal: ANALYST, tables: "users" },
                [`readers[0].tables must be a non-empty list of shared table names (${tablesList}).`],
            ],
            [
                "an empty tables list",
                { principal: ANALYST, tables: [] },
                [`readers[0].tables must be a non-empty list of shared table names (${tablesList}).`],
            ],
            [
                "a table that is no text",
                { principal: ANALYST, tables: ["users", 5] },
                [`readers[0].tables must be a non-empty list of shared table names (${tablesList}).`],
            ],
            [
                "tables that are not shared",
                { principal: ANALYST, tables: ["users", "nope", "nada"] },
                [`readers[0].tables names nope, nada, not in tables (${tablesList}).`],
            ],
            [
                "a row filter on a column the table lacks",
                { principal: ANALYST, tables: ["agent_hierarchy_groups"], rowFilter: { column: "nope", equals: "x" } },
                [
                    "readers[0].rowFilter.column (agent_hierarchy_groups): nope is not a column of agent_hierarchy_groups. " +
                        `Fix: use one of its columns (${GROUP_COLUMNS.join(", ")}); the table's columns are in lib/connectSchema.ts.`,
                ],
            ],
            [
                "excludedColumns that are no map",
                { principal: ANALYST, tables: ["users"], excludedColumns: ["email"] },
                ["readers[0].excludedColumns must be a map of table to column names, e.g. {users: [email]}."],
            ],
            [
                "excludedColumns of a table it does not read",
                { principal: ANALYST, tables: ["users"], excludedColumns: { agent_hierarchy_groups: ["instance_id"] } },
                ["readers[0].excludedColumns.agent_hierarchy_groups: the reader does not read agent_hierarchy_groups."],
            ],
            [
                "excludedColumns that are no list",
                { principal: ANALYST, tables: ["users"], excludedColumns: { users: "email" } },
                ["readers[0].excludedColumns.users must be a list of column names."],
            ],
            [
                "excluded columns the table lacks",
                { principal: ANALYST, tables: ["users"], excludedColumns: { users: ["nope"] } },
                [`readers[0].excludedColumns.users: nope is not a column of users (known columns: ${USERS_COLUMNS}).`],
            ],
            [
                "excluding every column",
                {
                    principal: ANALYST,
                    tables: ["agent_hierarchy_groups"],
                    excludedColumns: { agent_hierarchy_groups: GROUP_COLUMNS },
                },
                [
                    "readers[0].excludedColumns.agent_hierarchy_groups excludes every column; leave the table out of the reader's tables instead.",
                ],
            ],
        ];
        for (const [what, reader, messages] of refusals) {
            it(`refuses ${what}`, () => {
                refusedWith(
                    connectConsumer({ readers: [reader] }),
                    ...messages.map((m): [string, string] => ["readers", m]),
                );
            });
        }

        it("refuses a row filter on two columns the stack excludes, naming both", () => {
            refusedWith(
                connectConsumer({
                    excludedColumns: { contact_record: ["channel", "initiation_method"] },
                    readers: [
                        {
                            principal: ANALYST,
                            tables: ["contact_record"],
                            rowFilter: { expression: "channel = 'VOICE' AND initiation_method = 'INBOUND'" },
                        },
                    ],
                }),
                [
                    "readers",
                    "readers[0].rowFilter (contact_record) reads channel, initiation_method, which excludedColumns withholds from " +
                        "contact_record on this stack: the filter is also made on the export's copy of contact_record, which has no " +
                        "such column, and would fail there. Fix: filter on a column the stack keeps, or stop excluding channel, initiation_method.",
                ],
            );
        });

        it("a reader with a problem is left out, so it is not also reported as an export reader", () => {
            refusedWith(
                connectConsumer({
                    exportReaders: [ANALYST],
                    readers: [{ principal: ANALYST, tables: ["users"], excludedColumns: { users: ["nope"] } }],
                }),
                [
                    "readers",
                    `readers[0].excludedColumns.users: nope is not a column of users (known columns: ${USERS_COLUMNS}).`,
                ],
            );
        });
    });
});
