/**
 * `connect-analytics audit` against CloudTrail event history: the pure parts (SQL tables, event
 * parsing, the report) and the command against aws-sdk-client-mock pages (tests/cli-fake-aws.ts).
 *
 * aws-sdk-client-mock replaces a client's `send`, so the SDK's middleware (retries included)
 * never runs behind it. The throttling test therefore drives a real CloudTrailClient through an
 * in-memory HTTP handler: what is shown retried is the SDK's own retry, configured as the CLI
 * configures it.
 */
import { strict as assert } from "assert";
import { CloudTrailClient, Event as TrailEvent } from "@aws-sdk/client-cloudtrail";
import {
    AccessEvent,
    auditReport,
    AUDIT_CSV_COLUMNS,
    auditText,
    parseSince,
    parseTrailEvent,
    principalKey,
    principalOf,
    TableAlias,
} from "../cli/audit";
import { ClientOptions, createAwsClients } from "../cli/aws";
import { UsageError } from "../cli/errors";
import { tablesInQuery } from "../cli/sqlTables";
import { CONSUMER, CONSUMER_DB, deployment, PRODUCER, PRODUCER_DB, REGION, ROLE_ARN, runCli } from "./cli-fake-aws";
import { dataAccess, query, trailEvent } from "./trail-events";

const NOW = Date.parse("2026-03-10T12:00:00Z");
const DAY = 86_400_000;
const ANALYST = `arn:aws:iam::${CONSUMER}:role/analytics/bi-analyst`;
const INTRUDER = `arn:aws:iam::${CONSUMER}:role/data-scientist`;
const OUTPUTS = ["--outputs", "consumer.json", "--outputs", "producer.json", "--profile", "consumer"];

const readersFile = (entries: Array<{ principal: string; tables: string[] }>) => JSON.stringify(entries);

describe("cli audit", () => {
    describe("tables named by an Athena query (cli/sqlTables)", () => {
        const names = (sql: string, database = "ctx") =>
            tablesInQuery(sql, { database }).tables.map(
                (t) => `${t.catalog ? `${t.catalog}/` : ""}${t.database}.${t.table}`,
            );

        it("FROM, JOIN, comma lists, quoting, aliases, subqueries and CTEs", () => {
            assert.deepEqual(names(`SELECT * FROM "Connect_Analytics_Consumer"."users_link" LIMIT 10`), [
                "connect_analytics_consumer.users_link",
            ]);
            assert.deepEqual(
                names("select count(*) from users_link u join contacts_link AS c on u.user_id = c.agent_id"),
                ["ctx.users_link", "ctx.contacts_link"],
            );
            assert.deepEqual(names("SELECT a.x FROM db1.a, db2.b AS bb (c1, c2), c WHERE a.id = bb.c1"), [
                "db1.a",
                "db2.b",
                "ctx.c",
            ]);
            assert.deepEqual(
                names(
                    "WITH recent AS (SELECT * FROM contacts_link WHERE x > 1), agents AS (SELECT * FROM users_link) " +
                        "SELECT * FROM recent r LEFT JOIN agents a ON r.agent_id = a.user_id",
                ),
                ["ctx.contacts_link", "ctx.users_link"],
            );
            assert.deepEqual(
                names("SELECT * FROM (SELECT * FROM t1) x JOIN t2 USING (id) WHERE id IN (SELECT id FROM t3)"),
                ["ctx.t1", "ctx.t2", "ctx.t3"],
            );
            assert.deepEqual(names("SELECT * FROM awsdatacatalog.db.t, other_cat.db.u"), ["db.t", "other_cat/db.u"]);
        });

        it("FROM inside functions, strings and comments is not a table", () => {
            assert.deepEqual(
                names(
                    "SELECT EXTRACT(year FROM initiation_timestamp), TRIM(BOTH ' ' FROM queue_name), 'FROM secret' -- FROM other\n" +
                        "/* JOIN hidden */ FROM contacts_link",
                ),
                ["ctx.contacts_link"],
            );
        });

        it("what reads and what does not", () => {
            assert.equal(tablesInQuery("SHOW TABLES IN db").reads, false);
            assert.equal(tablesInQuery("DESCRIBE users_link").reads, false);
            assert.equal(tablesInQuery("CREATE VIEW v AS SELECT * FROM t").reads, false);
            assert.equal(tablesInQuery("EXPLAIN SELECT * FROM t").reads, false);
            assert.deepEqual(names("EXPLAIN ANALYZE SELECT * FROM t"), ["ctx.t"]);
            assert.deepEqual(names("CREATE TABLE x WITH (format = 'PARQUET') AS SELECT * FROM t"), ["ctx.t"]);
            assert.deepEqual(names("INSERT INTO target SELECT * FROM source"), ["ctx.source"]);
            assert.deepEqual(names("UNLOAD (SELECT * FROM t) TO 's3://b/p/' WITH (format = 'PARQUET')"), ["ctx.t"]);
            assert.deepEqual(names("MERGE INTO tgt USING src ON tgt.id = src.id WHEN MATCHED THEN DELETE"), [
                "ctx.src",
            ]);
        });

        it("an unqualified name without a context database; text it cannot read is said so", () => {
            assert.deepEqual(tablesInQuery("SELECT * FROM t").tables, [
                { catalog: undefined, database: undefined, table: "t" },
            ]);
            assert.equal(tablesInQuery("SELECT * FROM t WHERE a = 'unterminated").problem, "unterminated string");
            assert.equal(tablesInQuery("SELECT 1 /* open").problem, "unterminated /* comment");
        });
    });

    describe("events and the report (pure)", () => {
        it("the principal is the role behind the session, paths kept; roles compare without paths", () => {
            const e = parseTrailEvent(dataAccess(ANALYST, NOW, PRODUCER, PRODUCER_DB, "users"))!;
            assert.equal(e.principal, ANALYST);
            assert.equal(principalKey(ANALYST), `${CONSUMER}:role/bi-analyst`);
            assert.equal(principalKey(`arn:aws:iam::${CONSUMER}:role/bi-analyst`), principalKey(ANALYST));
            assert.equal(principalKey(`arn:aws:sts::${CONSUMER}:assumed-role/bi-analyst/s1`), principalKey(ANALYST));
            // IAM role names are not distinguished by case: CloudTrail's spelling matches the config's.
            assert.equal(principalKey(`arn:aws:iam::${CONSUMER}:role/BI-Analyst`), principalKey(ANALYST));
            assert.equal(principalKey(`arn:aws:sts::${CONSUMER}:assumed-role/BI-Analyst/s1`), principalKey(ANALYST));
            assert.equal(
                principalOf({ type: "AssumedRole", arn: `arn:aws:sts::${CONSUMER}:assumed-role/r/s` }),
                `arn:aws:iam::${CONSUMER}:role/r`,
            );
            assert.equal(
                principalOf({ type: "IAMUser", arn: `arn:aws:iam::${CONSUMER}:user/alice` }),
                `arn:aws:iam::${CONSUMER}:user/alice`,
            );
            assert.equal(principalOf({ type: "AWSAccount", accountId: PRODUCER }), `account ${PRODUCER}`);
        });

        it("events that name no table say why", () => {
            const reasons = [
                trailEvent({ name: "GetDataAccess", role: ANALYST, at: NOW, params: { dataLocations: ["s3://b/p"] } }),
                query(ANALYST, NOW, "SHOW TABLES"),
                query(ANALYST, NOW, "SELECT 1"),
                query(ANALYST, NOW, "SELECT * FROM t WHERE a = 'x"),
                trailEvent({ name: "StartQueryExecution", role: ANALYST, at: NOW, params: null }),
            ].map((e) => parseTrailEvent(e)!.note);
            assert.deepEqual(reasons, [
                "GetDataAccess by S3 data location, not by table",
                "SHOW statement: reads no table data",
                "query names no table",
                "query not parsed (unterminated string)",
                "StartQueryExecution without query text",
            ]);
            assert.equal(parseTrailEvent(trailEvent({ name: "GetTable", role: ANALYST, at: NOW })), undefined);
        });

        it("a link and its target fold into the configured name; other tables are listed, not flagged; refusals alone are denied", () => {
            const aliases: TableAlias[] = [
                { account: CONSUMER, database: CONSUMER_DB, table: "users_link", name: "users" },
                { account: PRODUCER, database: PRODUCER_DB, table: "users", name: "users" },
            ];
            const events = [
                query(ANALYST, NOW - 3 * DAY, "SELECT * FROM users_link"),
                dataAccess(ANALYST, NOW - 3 * DAY, PRODUCER, PRODUCER_DB, "users"),
                query(ANALYST, NOW - DAY, "SELECT * FROM sandbox.scratch"),
                dataAccess(INTRUDER, NOW, PRODUCER, PRODUCER_DB, "users", "AccessDeniedException"),
            ].map((e) => parseTrailEvent(e)!);
            // The same event twice (two lookups overlapping) counts once.
            const report = auditReport([...events, events[0]], [{ principal: ANALYST, tables: ["users"] }], aliases);
            assert.equal(report.events, 4);
            assert.deepEqual(
                report.rows.map((r) => [r.status, r.principal, r.table, r.queries, r.dataAccess, r.denied]),
                [
                    ["denied", INTRUDER, "users", 0, 0, 1],
                    ["ok", ANALYST, "users", 1, 1, 0],
                    ["other", ANALYST, `${CONSUMER}:sandbox.scratch`, 1, 0, 0],
                ],
            );
            assert.deepEqual(report.findings, []);
        });

        it("expected entries may name db.table or account:db.table; a table they name is in scope", () => {
            const ev = (e: TrailEvent) => parseTrailEvent(e)! as AccessEvent;
            const report = auditReport(
                [
                    ev(query(ANALYST, NOW, "SELECT * FROM connect_analytics_export.contact_summary")),
                    ev(query(INTRUDER, NOW, "SELECT * FROM connect_analytics_export.contact_summary")),
                    ev(dataAccess(INTRUDER, NOW, PRODUCER, PRODUCER_DB, "agent_hierarchy_groups")),
                ],
                [
                    { principal: ANALYST, tables: ["connect_analytics_export.contact_summary"] },
                    { principal: ROLE_ARN, tables: [`${PRODUCER}:${PRODUCER_DB}.agent_hierarchy_groups`] },
                ],
            );
            assert.deepEqual(
                report.findings.map((r) => [r.principal, r.table]),
                [
                    [INTRUDER, `${PRODUCER}:${PRODUCER_DB}.agent_hierarchy_groups`],
                    [INTRUDER, `${CONSUMER}:connect_analytics_export.contact_summary`],
                ],
            );
        });

        it("--since: durations, instants, and the 90 days of event history", () => {
            assert.equal(parseSince("7d", NOW).getTime(), NOW - 7 * DAY);
            assert.equal(parseSince("24h", NOW).getTime(), NOW - DAY);
            assert.equal(parseSince("90m", NOW).getTime(), NOW - 90 * 60_000);
            assert.equal(parseSince("90d", NOW).getTime(), NOW - 90 * DAY);
            assert.equal(parseSince("2026-03-01", NOW).toISOString(), "2026-03-01T00:00:00.000Z");
            assert.equal(parseSince("2026-03-01T06:30:00+02:00", NOW).toISOString(), "2026-03-01T04:30:00.000Z");
            // A leap day is a calendar day (functions/dates isIsoDay, as npm start's --start-date).
            assert.equal(
                parseSince("2024-02-29", Date.parse("2024-03-10T00:00:00Z")).toISOString(),
                "2024-02-29T00:00:00.000Z",
            );
            const bad: Array<[string, RegExp]> = [
                [
                    "91d",
                    /91 days back, but CloudTrail event history \(LookupEvents\) keeps 90 days; pass --since 90d or less/,
                ],
                ["2025-01-01", /keeps 90 days/],
                ["7x", /neither a duration nor an ISO instant/],
                ["2026-03-01T06:30", /a time needs its zone/],
                ["0d", /empty window/],
                ["2026-04-01", /is in the future/],
                ["2026-02-30", /not a valid date/],
                ["2026-02-29T06:30:00Z", /not a valid date/],
                ["2026-13-01", /not a valid date/],
                ["2026-00-10", /not a valid date/],
            ];
            for (const [value, message] of bad) {
                assert.throws(
                    () => parseSince(value, NOW),
                    (err: unknown) => err instanceof UsageError && message.test(err.message),
                    value,
                );
            }
        });
    });

    it("the text report's table is lib/report's textTable: indented, a dashed rule under the header", () => {
        const row = {
            principal: ROLE_ARN,
            table: "users",
            queries: 2,
            dataAccess: 3,
            denied: 0,
            firstSeen: "2026-03-09T00:00:00.000Z",
            lastSeen: "2026-03-09T12:00:00.000Z",
        };
        const text = auditText(
            { events: 5, rows: [{ ...row, status: "ok" }], findings: [], withoutTable: [] },
            { start: new Date(NOW - DAY), end: new Date(NOW) },
            [{ principal: ROLE_ARN, tables: ["users"] }],
        );
        const lines = text.split("\n");
        assert.equal(lines[1], "");
        assert.match(lines[2], /^ {2}STATUS {2}PRINCIPAL {2,}TABLE {2}QUERIES {2}DATA ACCESS {2}DENIED {2}LAST SEEN$/);
        assert.match(lines[3], /^ {2}-{6} {2}-+ {2}-{5} {2}-{7} {2}-{11} {2}-{6} {2}-{24}$/);
        assert.equal(lines[4], `  ok      ${ROLE_ARN}  users  2        3            0       2026-03-09T12:00:00.000Z`);
    });

    describe("the command", () => {
        /** The Lambda role and an analyst read the share; the analyst strays onto contacts. */
        function busyAccount() {
            const d = deployment(3);
            const trail = d.aws.account(CONSUMER).trail;
            // 120 GetDataAccess (3 pages of 50) and 60 queries (2 pages), over the last 6 days.
            for (let i = 0; i < 120; i++) {
                const table = d.names[i % 3];
                trail.push(dataAccess(ROLE_ARN, NOW - (i + 1) * 3_600_000, PRODUCER, PRODUCER_DB, table));
            }
            for (let i = 0; i < 55; i++) {
                trail.push(
                    query(
                        ROLE_ARN,
                        NOW - (i + 1) * 3_600_000,
                        `SELECT * FROM "${CONSUMER_DB}"."${d.names[i % 3]}_link"`,
                    ),
                );
            }
            trail.push(query(ANALYST, NOW - 2 * DAY, "SELECT user_id FROM users_link"));
            trail.push(dataAccess(ANALYST, NOW - 2 * DAY, PRODUCER, PRODUCER_DB, "users"));
            trail.push(
                query(ANALYST, NOW - DAY, "SELECT * FROM contacts_link c JOIN users_link u ON c.agent_id = u.user_id"),
            );
            trail.push(dataAccess(ANALYST, NOW - DAY, PRODUCER, PRODUCER_DB, "contacts"));
            trail.push(query(ANALYST, NOW - DAY, "SHOW TABLES"));
            trail.push(query(ANALYST, NOW - DAY, "SHOW COLUMNS FROM users_link"));
            // Older than the window, and an event of another name: neither is read.
            trail.push(dataAccess(INTRUDER, NOW - 10 * DAY, PRODUCER, PRODUCER_DB, "users"));
            trail.push(trailEvent({ name: "GetTable", role: INTRUDER, at: NOW }));
            const files = {
                "readers.json": readersFile([
                    { principal: `arn:aws:iam::${CONSUMER}:role/bi-analyst`, tables: ["users"] },
                ]),
            };
            return { d, files };
        }

        it("reads every page of both event names and flags the unconfigured read (exit 1), in text", async () => {
            const { d, files } = busyAccount();
            const r = await runCli(d, ["audit", ...OUTPUTS, "--readers", "readers.json", "--since", "7d"], {
                now: NOW,
                files,
            });
            assert.equal(r.code, 1, r.stderr);
            assert.equal(r.stderr, "");
            // 3 + 2 pages of LookupEvents, one STS call; nothing else.
            assert.deepEqual(d.aws.callsByCommand(), { GetCallerIdentityCommand: 1, LookupEventsCommand: 5 });
            const lines = r.stdout.split("\n");
            assert.match(
                lines[0],
                /^CloudTrail GetDataAccess and StartQueryExecution events from 2026-03-03T12:00:00.000Z to 2026-03-10T12:00:00.000Z: 181$/,
            );
            assert.match(r.stdout, /STATUS\s+PRINCIPAL\s+TABLE\s+QUERIES\s+DATA ACCESS\s+DENIED\s+LAST SEEN/);
            assert.match(r.stdout, new RegExp(`UNCONFIGURED\\s+${ANALYST}\\s+contacts\\s+1\\s+1\\s+0\\s`));
            assert.match(r.stdout, new RegExp(`ok\\s+${ANALYST}\\s+users\\s+2\\s+1\\s+0\\s`));
            for (const [table, queries] of [
                ["users", 19],
                ["contacts", 18],
                ["agent_hierarchy_groups", 18],
            ] as const) {
                assert.match(r.stdout, new RegExp(`ok\\s+${ROLE_ARN}\\s+${table}\\s+${queries}\\s+40\\s+0\\s`), table);
            }
            assert.match(r.stdout, /5 principal\/table pairs: 4 ok, 1 UNCONFIGURED, 0 denied, 0 other tables/);
            assert.match(
                r.stdout,
                new RegExp(
                    `UNCONFIGURED: ${ANALYST} read contacts \\(1 queries, 1 data access\\) but is configured for users\\. Fix:`,
                ),
            );
            assert.match(r.stdout, /2 event\(s\) named no table: 2 SHOW statement: reads no table data/);
            assert.doesNotMatch(r.stdout, /data-scientist/, "outside the window, or another event name");
        });

        it("--json still prints the whole report when there are findings; --csv writes the rows", async () => {
            const { d, files } = busyAccount();
            const r = await runCli(
                d,
                ["audit", ...OUTPUTS, "--readers", "readers.json", "--json", "--csv", "audit.csv"],
                {
                    now: NOW,
                    files,
                },
            );
            assert.equal(r.code, 1);
            const doc = JSON.parse(r.stdout);
            assert.equal(doc.command, "audit");
            assert.equal(doc.ok, false);
            assert.equal(doc.events, 181);
            assert.equal(doc.since, "2026-03-03T12:00:00.000Z");
            assert.deepEqual(
                doc.findings.map((f: { principal: string; table: string }) => [f.principal, f.table]),
                [[ANALYST, "contacts"]],
            );
            assert.deepEqual(doc.expected[0], {
                principal: ROLE_ARN,
                tables: ["users", "contacts", "agent_hierarchy_groups"],
            });
            assert.deepEqual(doc.withoutTable, [{ reason: "SHOW statement: reads no table data", count: 2 }]);
            assert.match(r.stderr, /^wrote 5 rows to audit\.csv\n$/);
            // No value here holds a comma or a quote, so the lines can be read as they are.
            const lines = r.written["audit.csv"].trimEnd().split("\n");
            assert.equal(lines[0], AUDIT_CSV_COLUMNS.join(","));
            assert.equal(
                lines[1],
                `UNCONFIGURED,${ANALYST},contacts,1,1,0,2026-03-09T12:00:00.000Z,2026-03-09T12:00:00.000Z`,
            );
            assert.equal(lines.length, 1 + 5);
        });

        it("--csv is checked before any AWS call: an existing file needs --overwrite, a folder or a missing folder is exit 2 naming --csv", async () => {
            const cases: Array<[string[], RegExp]> = [
                [["--csv", "consumer.json"], /--csv consumer\.json: already exists; pass --overwrite to replace it/],
                [["--csv", "reports"], /--csv reports: is a folder/],
                [["--csv", "nowhere/audit.csv"], /--csv nowhere\/audit\.csv: its folder nowhere does not exist/],
                [
                    ["--csv", "consumer.json/audit.csv"],
                    /--csv consumer\.json\/audit\.csv: consumer\.json is not a folder/,
                ],
                [["--overwrite"], /--overwrite: nothing to overwrite without --csv <file>/],
            ];
            for (const [args, message] of cases) {
                const d = deployment(3);
                const r = await runCli(d, ["audit", ...OUTPUTS, ...args], { now: NOW, folders: [".", "reports"] });
                assert.equal(r.code, 2, args.join(" "));
                assert.match(r.stderr, message);
                assert.equal(d.aws.calls(), 0, `no AWS call for ${args.join(" ")}`);
                assert.deepEqual(r.written, {});
            }
            const d = deployment(3);
            const r = await runCli(d, ["audit", ...OUTPUTS, "--csv", "consumer.json", "--overwrite"], { now: NOW });
            assert.equal(r.code, 0, r.stderr);
            assert.ok(r.written["consumer.json"].startsWith(AUDIT_CSV_COLUMNS.join(",")));
        });

        it("no findings: exit 0; without --readers only the Lambda role is expected", async () => {
            const d = deployment(3);
            d.aws.account(CONSUMER).trail.push(dataAccess(ROLE_ARN, NOW - DAY, PRODUCER, PRODUCER_DB, "users"));
            const r = await runCli(d, ["audit", ...OUTPUTS, "--json"], { now: NOW });
            assert.equal(r.code, 0, r.stderr);
            const doc = JSON.parse(r.stdout);
            assert.equal(doc.ok, true);
            assert.deepEqual(
                doc.rows.map((row: { status: string; table: string }) => [row.status, row.table]),
                [["ok", "users"]],
            );
            assert.equal(doc.expected.length, 1);
        });

        it("a throttled page is retried by the SDK and the report is complete", async function () {
            this.timeout(20000);
            const { d, files } = busyAccount();
            const trail = d.aws.account(CONSUMER).trail;
            const handler = new CloudTrailHttp(trail, NOW);
            handler.throttle.add(2); // the second request: page 2 of GetDataAccess
            const options: ClientOptions[] = [];
            const createClients = (o: ClientOptions) => {
                options.push(o);
                return {
                    ...d.aws.factory()(o),
                    cloudtrail: new CloudTrailClient({
                        region: REGION,
                        retryMode: o.retryMode,
                        maxAttempts: o.maxAttempts,
                        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
                        requestHandler: handler,
                    }),
                };
            };
            const r = await runCli(
                d,
                ["audit", ...OUTPUTS, "--readers", "readers.json", "--json", "--max-attempts", "3"],
                {
                    now: NOW,
                    files,
                    createClients,
                },
            );
            assert.equal(r.code, 1, r.stderr); // the analyst's finding, not an error
            assert.equal(r.stderr, "");
            assert.deepEqual(
                handler.statuses,
                [200, 400, 200, 200, 200, 200],
                "one throttled request, retried, then the rest",
            );
            assert.deepEqual(
                handler.requests.map((q) => [
                    q.LookupAttributes?.[0]?.AttributeValue,
                    q.NextToken ?? "-",
                    q.MaxResults,
                ]),
                [
                    ["GetDataAccess", "-", 50],
                    ["GetDataAccess", "50", 50],
                    ["GetDataAccess", "50", 50],
                    ["GetDataAccess", "100", 50],
                    ["StartQueryExecution", "-", 50],
                    ["StartQueryExecution", "50", 50],
                ],
            );
            const doc = JSON.parse(r.stdout);
            assert.equal(doc.events, 181, "every event of every page");
            assert.equal(doc.rows.length, 5);
            assert.deepEqual([options[0].retryMode, options[0].maxAttempts], ["standard", 3]);
        });

        it("throttling that outlasts the SDK's retries is one line naming the action and the fix (exit 1)", async () => {
            const d = deployment(3);
            d.aws
                .account(CONSUMER)
                .denied.set(
                    "LookupEvents",
                    Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: {} }),
                );
            const r = await runCli(d, ["audit", ...OUTPUTS], { now: NOW });
            assert.equal(r.code, 1);
            assert.equal(r.stdout, "");
            assert.equal(
                r.stderr,
                "connect-analytics: cloudtrail:LookupEvents still throttled after the SDK's retries: Rate exceeded. Fix: run again later, or raise --max-attempts / use --retry-mode adaptive.\n",
            );
        });

        it("AccessDenied on LookupEvents names the action and the caller", async () => {
            const d = deployment(3);
            d.aws
                .account(CONSUMER)
                .denied.set(
                    "LookupEvents",
                    Object.assign(
                        new Error(
                            `User: arn:aws:sts::${CONSUMER}:assumed-role/ops-admin/operator is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action`,
                        ),
                        { name: "AccessDeniedException", $metadata: {} },
                    ),
                );
            const r = await runCli(d, ["audit", ...OUTPUTS], { now: NOW });
            assert.equal(r.code, 1);
            assert.match(
                r.stderr,
                /^connect-analytics: access denied: arn:aws:sts::222222222222:assumed-role\/ops-admin\/operator may not call cloudtrail:LookupEvents: .* Fix: allow cloudtrail:LookupEvents for .* in IAM\.\n$/,
            );
        });

        it("usage errors exit 2 before any AWS call: --since, --readers, the wrong account", async () => {
            const cases: Array<[string[], RegExp, Record<string, string>?]> = [
                [
                    ["--since", "120d"],
                    /^connect-analytics: --since: 120d is 120 days back, but CloudTrail event history \(LookupEvents\) keeps 90 days/,
                ],
                [["--since", "yesterday"], /--since: "yesterday" is neither a duration nor an ISO instant/],
                [["--readers", "missing.json"], /--readers missing\.json: cannot read it \(ENOENT\)/],
                [["--readers", "r.json"], /--readers r\.json: not JSON/, { "r.json": "{" }],
                [
                    ["--readers", "r.json"],
                    /--readers r\.json: readers\[0\]\.principal must be an IAM role or user ARN/,
                    { "r.json": JSON.stringify([{ principal: "bi-analyst", tables: ["users"] }]) },
                ],
                [
                    ["--readers", "r.json"],
                    /readers\[0\]\.tables must be a list of table names/,
                    { "r.json": JSON.stringify({ readers: [{ principal: ANALYST, tables: "users" }] }) },
                ],
            ];
            for (const [args, message, files] of cases) {
                const d = deployment(3);
                const r = await runCli(d, ["audit", ...OUTPUTS, ...args], { now: NOW, files });
                assert.equal(r.code, 2, args.join(" "));
                assert.match(r.stderr, message, args.join(" "));
                assert.equal(r.stderr.trim().split("\n").length, 1);
                assert.equal(d.aws.calls(), 0, args.join(" "));
            }
            // Credentials of the producer account: the audit would read the wrong trail.
            const d = deployment(3);
            const r = await runCli(d, ["audit", ...OUTPUTS.slice(0, 4), "--profile", "producer"], { now: NOW });
            assert.equal(r.code, 2);
            assert.match(
                r.stderr,
                /audit reads the consumer account's CloudTrail, but the credentials are .* in account 111111111111, not 222222222222; pass --profile/,
            );
            assert.equal(d.aws.callsByCommand().LookupEventsCommand, undefined);
        });

        it("the readers file may be the stack outputs (a readers key); its extra keys are ignored", async () => {
            const d = deployment(3);
            d.aws.account(CONSUMER).trail.push(query(ANALYST, NOW - DAY, "SELECT * FROM contacts_link"));
            const files = {
                "outputs.json": JSON.stringify({
                    side: "consumer",
                    readers: [
                        {
                            principal: ANALYST,
                            tables: ["contacts"],
                            rowFilter: { instanceIds: [] },
                            excludedColumns: ["x"],
                        },
                    ],
                }),
            };
            const r = await runCli(d, ["audit", ...OUTPUTS, "--readers", "outputs.json", "--json"], {
                now: NOW,
                files,
            });
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(
                JSON.parse(r.stdout).rows.map((row: { status: string }) => row.status),
                ["ok"],
            );
        });

        it("createAwsClients has a CloudTrail client with the CLI's retry settings", async () => {
            const clients = createAwsClients({ region: REGION, retryMode: "adaptive", maxAttempts: 4 });
            assert.equal(((await clients.cloudtrail.config.retryStrategy()) as { mode?: string }).mode, "adaptive");
            assert.equal(await clients.cloudtrail.config.maxAttempts(), 4);
        });
    });
});

interface LookupRequest {
    LookupAttributes?: Array<{ AttributeKey: string; AttributeValue: string }>;
    StartTime?: number;
    EndTime?: number;
    MaxResults?: number;
    NextToken?: string;
}

/**
 * CloudTrail's JSON protocol in memory, under the SDK's middleware: request numbers in
 * `throttle` answer 400 ThrottlingException (as the service does past 2 requests/s).
 */
class CloudTrailHttp {
    readonly throttle = new Set<number>();
    readonly requests: LookupRequest[] = [];
    readonly statuses: number[] = [];

    constructor(
        private readonly trail: readonly TrailEvent[],
        private readonly now: number,
    ) {}

    async handle(request: { headers: Record<string, string>; body?: string | Uint8Array }) {
        assert.equal(request.headers["x-amz-target"], "CloudTrail_20131101.LookupEvents");
        const body = request.body ?? "";
        const input = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)) as LookupRequest;
        this.requests.push(input);
        const n = this.requests.length;
        const respond = (statusCode: number, body: unknown) => {
            this.statuses.push(statusCode);
            return {
                response: {
                    statusCode,
                    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": `req-${n}` },
                    body: Buffer.from(JSON.stringify(body)),
                },
            };
        };
        if (this.throttle.has(n)) return respond(400, { __type: "ThrottlingException", message: "Rate exceeded" });
        const name = input.LookupAttributes?.[0]?.AttributeValue;
        const start = (input.StartTime ?? 0) * 1000;
        const end = (input.EndTime ?? this.now / 1000) * 1000;
        const events = this.trail
            .filter((e) => e.EventName === name && e.EventTime!.getTime() >= start && e.EventTime!.getTime() <= end)
            .sort((a, b) => b.EventTime!.getTime() - a.EventTime!.getTime());
        const from = Number(input.NextToken ?? 0);
        const size = Math.min(input.MaxResults ?? 50, 50);
        const page = events.slice(from, from + size);
        return respond(200, {
            Events: page.map((e) => ({
                EventId: e.EventId,
                EventName: e.EventName,
                EventTime: e.EventTime!.getTime() / 1000,
                EventSource: e.EventSource,
                CloudTrailEvent: e.CloudTrailEvent,
            })),
            NextToken: from + size < events.length ? String(from + size) : undefined,
        });
    }

    updateHttpClientConfig(): void {
        // Nothing to configure in memory.
    }

    httpHandlerConfigs(): Record<string, never> {
        return {};
    }
}
