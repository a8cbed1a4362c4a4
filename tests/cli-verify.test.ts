import { strict as assert } from "assert";
import {
    CONSUMER,
    CONSUMER_DB,
    deployment,
    BOTH,
    PRODUCER,
    PRODUCER_DB,
    REGION,
    ROLE_ARN,
    runCli,
    Deployment,
} from "./cli-fake-aws";

interface JsonCheck {
    id: string;
    status: "PASS" | "FAIL" | "WARN";
    title: string;
    detail: string;
    fix?: string;
}

async function verifyJson(d: Deployment, extra: string[] = BOTH, options: Parameters<typeof runCli>[2] = {}) {
    const r = await runCli(d, ["verify", "--json", ...extra], options);
    const doc = JSON.parse(r.stdout) as {
        ok: boolean;
        checks: JsonCheck[];
        counts: Record<string, number>;
        stopped?: string;
    };
    return {
        ...r,
        doc,
        failed: doc.checks.filter((c) => c.status === "FAIL"),
        warned: doc.checks.filter((c) => c.status === "WARN"),
    };
}

describe("cli verify", () => {
    it("passes every check on a healthy deployment, exit 0", async () => {
        const d = deployment(3);
        const { code, doc, failed, warned } = await verifyJson(d);
        assert.deepEqual(failed, []);
        assert.deepEqual(warned, []);
        assert.equal(code, 0);
        assert.equal(doc.ok, true);
        const ids = doc.checks.map((c) => c.id);
        for (const id of [
            "identity:consumer",
            "identity:producer",
            "database",
            "link:users_link",
            "link:contacts_link",
            "ram",
            "settings:consumer",
            "settings:producer",
            "iam-allowed-principals",
        ]) {
            assert.ok(ids.includes(id), `missing check ${id} in ${ids.join(", ")}`);
        }
        // One grant check per required grant: DESCRIBE on 3 links, SELECT+DESCRIBE on 3 targets, DESCRIBE on default.
        assert.equal(doc.checks.filter((c) => c.id.startsWith("grant:")).length, 7);
        assert.equal(
            doc.checks.find((c) => c.id === `grant:consumer:database:${CONSUMER}:default`)?.status,
            "PASS",
            "verify checks DESCRIBE on the default database",
        );
    });

    it("prints a summary table, and a progress line per check only on a terminal", async () => {
        const d = deployment(3);
        const plain = await runCli(d, ["verify", ...BOTH]);
        assert.match(plain.stdout, /^STATUS\s+CHECK\s+DETAIL/);
        assert.match(plain.stdout, /\d+ checks: \d+ PASS, 0 FAIL, 0 WARN/);
        assert.equal(plain.stderr, "");
        const tty = await runCli(d, ["verify", ...BOTH], { isTTY: true });
        const progress = tty.stderr.trim().split("\n");
        const total = Number(/(\d+) checks:/.exec(tty.stdout)![1]);
        assert.equal(progress.length, total);
        assert.match(progress[0], /^\[\s+1\] PASS\s+consumer credentials/);
    });

    const faults: Array<[string, (d: Deployment) => void, RegExp, RegExp]> = [
        [
            "missing link",
            (d) => d.aws.account(CONSUMER).databases.get(CONSUMER_DB)!.delete("contacts_link"),
            /^link:contacts_link$/,
            /relink/,
        ],
        [
            "link to the wrong target",
            (d) =>
                (d.aws.account(CONSUMER).databases.get(CONSUMER_DB)!.get("users_link")!.TargetTable = {
                    CatalogId: PRODUCER,
                    DatabaseName: "other_db",
                    Name: "users",
                }),
            /^link:users_link$/,
            /relink/,
        ],
        [
            "missing DESCRIBE on a link",
            (d) => {
                const grants = d.aws.account(CONSUMER).grants;
                grants.splice(
                    grants.findIndex((g) => g.Resource?.Table?.Name === "users_link"),
                    1,
                );
            },
            /^grant:consumer:.*users_link$/,
            /connect-analytics grant/,
        ],
        [
            "missing SELECT on a target",
            (d) => {
                const grants = d.aws.account(PRODUCER).grants;
                grants.splice(
                    grants.findIndex((g) => g.Resource?.TableWithColumns?.Name === "contacts"),
                    1,
                );
            },
            /^grant:producer:.*contacts$/,
            /grant --producer-profile producer/,
        ],
        [
            "pending RAM invitation",
            (d) =>
                d.aws.account(CONSUMER).invitations.push({
                    resourceShareInvitationArn: "arn:aws:ram:ap-southeast-2:111111111111:resource-share-invitation/abc",
                    resourceShareName: "LakeFormation-V4-xyz",
                    senderAccountId: PRODUCER,
                    receiverAccountId: CONSUMER,
                    status: "PENDING",
                }),
            /^ram:/,
            /^aws ram accept-resource-share-invitation --resource-share-invitation-arn arn:aws:ram:ap-southeast-2:111111111111:resource-share-invitation\/abc --region ap-southeast-2 --profile consumer$/,
        ],
        [
            "IAMAllowedPrincipals default permissions",
            (d) =>
                (d.aws.account(PRODUCER).settings.CreateTableDefaultPermissions = [
                    { Principal: { DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" }, Permissions: ["ALL"] },
                ]),
            /^settings:producer:defaults$/,
            /Use only IAM access control/,
        ],
        [
            "cross-account version too low",
            (d) => (d.aws.account(PRODUCER).settings.Parameters = { CROSS_ACCOUNT_VERSION: "1" }),
            /^settings:producer:version$/,
            /Version 4/,
        ],
        [
            "IAMAllowedPrincipals grant on a target",
            (d) =>
                d.aws.account(PRODUCER).grants.push({
                    Principal: { DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" },
                    Resource: { Table: { CatalogId: PRODUCER, DatabaseName: PRODUCER_DB, Name: "users" } },
                    Permissions: ["ALL"],
                }),
            /^iam-allowed-principals$/,
            /revoke-permissions --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS/,
        ],
        [
            "missing target table",
            (d) => d.aws.account(PRODUCER).databases.get(PRODUCER_DB)!.delete("agent_hierarchy_groups"),
            /^link:agent_hierarchy_groups_link$/,
            /producer database/,
        ],
    ];
    for (const [name, inject, id, fix] of faults) {
        it(`detects ${name} as its FAIL, exit 1`, async () => {
            const d = deployment(3);
            inject(d);
            const { code, failed } = await verifyJson(d);
            assert.equal(code, 1);
            assert.equal(failed.length, 1, `exactly one FAIL expected, got: ${JSON.stringify(failed, null, 1)}`);
            assert.match(failed[0].id, id);
            assert.match(failed[0].fix ?? "", fix);
        });
    }

    it("detects the wrong account and stops before judging it", async () => {
        const d = deployment(3);
        d.aws.account(CONSUMER).identity = {
            account: "999999999999",
            arn: "arn:aws:sts::999999999999:assumed-role/x/y",
        };
        const { code, doc, failed } = await verifyJson(d);
        assert.equal(code, 1);
        assert.deepEqual(
            failed.map((c) => c.id),
            ["identity:consumer"],
        );
        assert.match(failed[0].detail, /999999999999, not the consumer account 222222222222/);
        assert.match(failed[0].fix!, /--profile/);
        assert.equal(doc.checks.length, 1);
        assert.ok(doc.stopped);
        assert.equal(d.aws.calls(), 1, "only STS was called");
    });

    it("detects a producer profile of the wrong account and leaves the producer's grants unverified", async () => {
        const d = deployment(3);
        d.aws.account(PRODUCER).identity = {
            account: "333333333333",
            arn: "arn:aws:sts::333333333333:assumed-role/x/y",
        };
        const { failed, warned } = await verifyJson(d);
        assert.deepEqual(
            failed.map((c) => c.id),
            ["identity:producer"],
        );
        assert.ok(warned.some((c) => c.id === "grant:producer:unverified"));
    });

    it("a grant through the consumer account passes only when the consumer re-granted it to the role", async () => {
        const d = deployment(3);
        const producer = d.aws.account(PRODUCER);
        // Replace the direct grants on `users` by grants to the consumer account.
        for (const g of producer.grants) {
            const name = g.Resource?.Table?.Name ?? g.Resource?.TableWithColumns?.Name;
            if (name === "users" && g.Principal?.DataLakePrincipalIdentifier === ROLE_ARN) {
                g.Principal = { DataLakePrincipalIdentifier: CONSUMER };
            }
        }
        let { failed } = await verifyJson(d);
        assert.equal(failed.length, 1);
        assert.match(failed[0].detail, /granted to account 222222222222 but not passed on/);

        d.aws.account(CONSUMER).grants.push(
            {
                Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
                Resource: { Table: { CatalogId: PRODUCER, DatabaseName: PRODUCER_DB, Name: "users" } },
                Permissions: ["DESCRIBE"],
            },
            {
                Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
                Resource: {
                    TableWithColumns: {
                        CatalogId: PRODUCER,
                        DatabaseName: PRODUCER_DB,
                        Name: "users",
                        ColumnWildcard: {},
                    },
                },
                Permissions: ["SELECT"],
            },
        );
        ({ failed } = await verifyJson(d));
        assert.deepEqual(failed, []);
    });

    it("without --producer-profile, producer-side checks are WARN with the flag to add, not FAIL", async () => {
        const d = deployment(3);
        const { code, failed, warned } = await verifyJson(d, ["--outputs", "consumer.json", "--profile", "consumer"]);
        assert.equal(code, 0);
        assert.deepEqual(failed, []);
        assert.deepEqual(warned.map((c) => c.id).sort(), ["grant:producer:unverified", "settings:producer"]);
        assert.ok(warned.every((c) => /--producer-profile/.test(c.fix ?? "")));
    });

    it("verifies 40 tables in at most 12 AWS calls, the same number as for 3", async () => {
        const counts: Record<number, number> = {};
        for (const n of [3, 40]) {
            const d = deployment(n);
            const { code, doc } = await verifyJson(d);
            assert.equal(code, 0, JSON.stringify(doc.checks.filter((c) => c.status !== "PASS")));
            assert.equal(doc.checks.filter((c) => c.id.startsWith("link:")).length, n);
            counts[n] = d.aws.calls();
            if (n === 40) {
                const byCommand = d.aws.callsByCommand();
                assert.equal(byCommand.GetTablesCommand, 2, "one GetTables page per database, not one call per table");
                assert.equal(byCommand.GetTableCommand, undefined);
                assert.equal(byCommand.ListPermissionsCommand, 2);
            }
        }
        assert.ok(counts[40] <= 12, `40 tables took ${counts[40]} calls`);
        assert.equal(counts[40], counts[3]);
    });

    it("paginates: 150 tables take two GetTables pages of the consumer database", async () => {
        const d = deployment(150);
        const { code } = await verifyJson(d);
        assert.equal(code, 0);
        // 2 pages for the consumer database, 2 for the producer's (150 targets + 1 unshared).
        assert.equal(d.aws.callsByCommand().GetTablesCommand, 4);
    });

    it("--query asks the export function to read each link as its role: one lambda:InvokeFunction, whatever the operator may do", async () => {
        const d = deployment(3);
        // The operator may not run Athena at all: the probe does not run as the operator.
        d.aws.account(CONSUMER).denied.set(
            "StartQueryExecution",
            Object.assign(new Error("not authorized to perform: athena:StartQueryExecution"), {
                name: "AccessDeniedException",
                $metadata: { httpStatusCode: 400 },
            }),
        );
        const ok = await verifyJson(d, [...BOTH, "--query"]);
        assert.equal(ok.code, 0, JSON.stringify(ok.failed));
        const passed = ok.doc.checks.filter((c) => c.id.startsWith("query:"));
        assert.deepEqual(
            passed.map((c) => [c.id, c.status]),
            d.names.map((n) => [`query:${n}_link`, "PASS"]),
        );
        assert.match(
            passed[0].detail,
            /role connect-analytics-lambda-execution-role reads "connect_analytics_consumer"\."users_link"/,
        );
        const calls = d.aws.callsByCommand();
        assert.equal(calls.InvokeCommand, 1, "one lambda:InvokeFunction for every table");
        assert.equal(calls.StartQueryExecutionCommand, undefined, "no query as the operator");
        assert.equal(d.aws.clientOptions[0].region, REGION);
    });

    it("--query fails naming the table the role cannot read, though an operator could", async () => {
        const d = deployment(3);
        // The role loses SELECT on contacts in the producer catalog; the operator (an admin) is not asked.
        const producerGrants = d.aws.account(PRODUCER).grants;
        producerGrants.splice(
            producerGrants.findIndex(
                (g) =>
                    g.Principal?.DataLakePrincipalIdentifier === ROLE_ARN &&
                    g.Resource?.TableWithColumns?.Name === "contacts" &&
                    g.Permissions?.includes("SELECT"),
            ),
            1,
        );
        const { code, doc } = await verifyJson(d, [...BOTH, "--query"]);
        assert.equal(code, 1);
        const q = Object.fromEntries(doc.checks.filter((c) => c.id.startsWith("query:")).map((c) => [c.id, c]));
        assert.equal(q["query:users_link"].status, "PASS");
        assert.equal(q["query:contacts_link"].status, "FAIL");
        assert.match(
            q["query:contacts_link"].detail,
            /role connect-analytics-lambda-execution-role cannot read .*contacts_link.*Required Select on contacts/,
        );
        assert.match(q["query:contacts_link"].fix!, /connect-analytics grant/);
    });

    it("--query without the export function's name says where it comes from", async () => {
        const d = deployment(3);
        const consumer = JSON.parse(d.files["consumer.json"]);
        delete consumer.exportFunctionName;
        const { code, doc } = await verifyJson(d, [...BOTH, "--query"], {
            files: { "consumer.json": JSON.stringify(consumer) },
        });
        assert.equal(code, 1);
        const c = doc.checks.find((x) => x.id === "query")!;
        assert.match(c.detail, /name no exportFunctionName: the probe runs in the export function, as its role/);
    });

    it("reports an AccessDenied on one step as a one-line FAIL naming the action and principal, and carries on", async () => {
        const d = deployment(3);
        // RAM models no AccessDeniedException of its own: IAM denials arrive as the generic service error.
        d.aws.account(CONSUMER).denied.set(
            "GetResourceShareInvitations",
            Object.assign(
                new Error(
                    "User: arn:aws:sts::222222222222:assumed-role/ops/me is not authorized to perform: ram:GetResourceShareInvitations",
                ),
                {
                    name: "AccessDeniedException",
                    $metadata: { httpStatusCode: 403 },
                },
            ),
        );
        const { code, failed, doc } = await verifyJson(d);
        assert.equal(code, 1);
        assert.equal(failed.length, 1);
        assert.equal(failed[0].id, "ram");
        assert.equal(failed[0].detail.split("\n").length, 1);
        assert.match(
            failed[0].detail,
            /arn:aws:sts::222222222222:assumed-role\/ops\/me may not call ram:GetResourceShareInvitations/,
        );
        assert.ok(
            doc.checks.some((c) => c.id === "settings:consumer" && c.status === "PASS"),
            "later checks still ran",
        );
    });
});

describe("cli verify with governance (column exclusions, LF-tag sharing)", () => {
    const excluded = { users: ["email", "phone"] };

    it("column exclusions: the column-limited SELECT passes; a wider SELECT on the same table is a FAIL naming the columns", async () => {
        const d = deployment(3, { excluded });
        const first = await verifyJson(d);
        let { code, failed } = first;
        const { doc } = first;
        assert.equal(code, 0, JSON.stringify(failed));
        const select = doc.checks.find((c) => c.title === "SELECT on target users (minus 2 columns)");
        assert.ok(select && select.status === "PASS", JSON.stringify(doc.checks.map((c) => c.title)));

        d.aws.account(PRODUCER).grants.push({
            Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
            Resource: {
                TableWithColumns: {
                    CatalogId: PRODUCER,
                    DatabaseName: PRODUCER_DB,
                    Name: "users",
                    ColumnWildcard: {},
                },
            },
            Permissions: ["SELECT"],
        });
        ({ code, failed } = await verifyJson(d));
        assert.equal(code, 1);
        assert.equal(failed.length, 1);
        assert.match(failed[0].detail, /can read the withheld column\(s\) email, phone/);
        assert.match(failed[0].fix!, /revoke/);
    });

    it("column exclusions: a missing column-limited SELECT is a FAIL", async () => {
        const d = deployment(3, { excluded });
        const grants = d.aws.account(PRODUCER).grants;
        grants.splice(
            grants.findIndex((g) => g.Resource?.TableWithColumns?.Name === "users"),
            1,
        );
        const { failed } = await verifyJson(d);
        assert.equal(failed.length, 1);
        assert.match(
            failed[0].detail,
            /role connect-analytics-lambda-execution-role lacks SELECT on .*users \(all columns except email, phone\)/,
        );
    });

    it("LF-tag mode: the account's tag-policy grants and the role's re-grant pass, with tags read from the outputs", async () => {
        const d = deployment(3, { sharingMode: "lfTags" });
        const { code, doc, failed, warned } = await verifyJson(d);
        assert.deepEqual(failed, []);
        assert.deepEqual(warned, []);
        assert.equal(code, 0);
        const titles = doc.checks.filter((c) => c.id.startsWith("grant:")).map((c) => c.title);
        assert.ok(
            titles.includes("DESCRIBE+SELECT on tables tagged domain=contact-center,sensitivity=general"),
            titles.join("; "),
        );
        assert.ok(titles.includes("DESCRIBE on LF-tag domain"));

        // Consumer outputs alone carry the expression in their grants.
        const consumerOnly = await verifyJson(d, ["--outputs", "consumer.json", "--profile", "consumer"]);
        assert.deepEqual(consumerOnly.failed, []);
    });

    it("LF-tag mode: a missing re-grant to the role and a missing grant option to the account are FAILs", async () => {
        const d = deployment(3, { sharingMode: "lfTags" });
        const consumerGrants = d.aws.account(CONSUMER).grants;
        consumerGrants.splice(
            consumerGrants.findIndex((g) => g.Resource?.LFTagPolicy),
            1,
        );
        d.aws.account(PRODUCER).grants.find((g) => g.Resource?.LFTagPolicy)!.PermissionsWithGrantOption = [];
        const { failed } = await verifyJson(d);
        assert.equal(failed.length, 2);
        assert.match(
            failed.find((c) => c.id.startsWith("grant:consumer"))!.detail,
            /role connect-analytics-lambda-execution-role lacks DESCRIBE, SELECT on 111111111111:TABLE where/,
        );
        assert.match(
            failed.find((c) => c.id.startsWith("grant:producer"))!.detail,
            /account 222222222222 lacks grant option on DESCRIBE, SELECT/,
        );
    });
});
