import { strict as assert } from "assert";
import {
    BOTH,
    CONSUMER,
    CONSUMER_DB,
    deployment,
    Deployment,
    PRODUCER,
    PRODUCER_DB,
    ROLE_ARN,
    runCli,
} from "./cli-fake-aws";

interface Change {
    action: string;
    side?: string;
    resource?: string;
    permissions?: string[];
    grantable?: string[];
    link?: string;
    applied?: boolean;
}

async function json(d: Deployment, argv: string[]) {
    const r = await runCli(d, [...argv, "--json"]);
    return { ...r, changes: (JSON.parse(r.stdout || '{"changes": []}') as { changes: Change[] }).changes };
}

/** Removes every grant to the role, both catalogs: a drifted deployment. */
function dropRoleGrants(d: Deployment) {
    for (const id of [PRODUCER, CONSUMER]) {
        const grants = d.aws.account(id).grants;
        for (let i = grants.length - 1; i >= 0; i--) {
            if (grants[i].Principal?.DataLakePrincipalIdentifier === ROLE_ARN) grants.splice(i, 1);
        }
    }
}

describe("cli grant", () => {
    it("reports every grant present on a healthy deployment and grants nothing", async () => {
        const d = deployment(3);
        const { code, changes } = await json(d, ["grant", ...BOTH]);
        assert.equal(code, 0);
        // 3 links, 3 targets, and DESCRIBE on the default database.
        assert.equal(changes.length, 7);
        assert.ok(changes.every((c) => c.action === "present"));
        assert.equal(d.aws.callsByCommand().BatchGrantPermissionsCommand, undefined);
    });

    it("--dry-run prints what it would grant and changes nothing", async () => {
        const d = deployment(3);
        dropRoleGrants(d);
        const before = JSON.stringify([...d.aws.accounts.values()].map((a) => a.grants));
        const r = await runCli(d, ["grant", ...BOTH, "--dry-run"]);
        assert.equal(r.code, 0);
        const lines = r.stdout.trim().split("\n");
        assert.equal(lines.filter((l) => l.startsWith("would grant")).length, 7);
        assert.ok(lines.includes(`would grant   DESCRIBE on ${CONSUMER}:default to ${ROLE_ARN}`), lines.join("\n"));
        assert.ok(
            lines.includes(`would grant   DESCRIBE on ${CONSUMER}:${CONSUMER_DB}.users_link to ${ROLE_ARN}`),
            lines.join("\n"),
        );
        assert.ok(
            lines.includes(`would grant   DESCRIBE, SELECT on ${PRODUCER}:${PRODUCER_DB}.users to ${ROLE_ARN}`),
            lines.join("\n"),
        );
        assert.match(lines[lines.length - 1], /0 present, 7 to grant \(dry run\), 0 failed, 0 skipped/);
        assert.equal(JSON.stringify([...d.aws.accounts.values()].map((a) => a.grants)), before);
        assert.equal(d.aws.callsByCommand().BatchGrantPermissionsCommand, undefined);
    });

    it("grants what is missing in each catalog with that account's credentials, then is idempotent", async () => {
        const d = deployment(3);
        dropRoleGrants(d);
        // One grant survives the drift: it must be reported, not duplicated.
        d.aws.account(CONSUMER).grants.push({
            Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
            Resource: { Table: { CatalogId: CONSUMER, DatabaseName: CONSUMER_DB, Name: "users_link" } },
            Permissions: ["DESCRIBE"],
        });
        const first = await json(d, ["grant", ...BOTH]);
        assert.equal(first.code, 0);
        assert.deepEqual(first.changes.map((c) => c.action).sort(), [
            "grant",
            "grant",
            "grant",
            "grant",
            "grant",
            "grant",
            "present",
        ]);
        assert.equal(d.aws.callsByCommand().BatchGrantPermissionsCommand, 2, "one batch per catalog");

        const verify = await runCli(d, ["verify", ...BOTH]);
        assert.equal(verify.code, 0, verify.stdout);

        const calls = d.aws.callsByCommand().BatchGrantPermissionsCommand;
        const second = await json(d, ["grant", ...BOTH]);
        assert.ok(second.changes.every((c) => c.action === "present"));
        assert.equal(d.aws.callsByCommand().BatchGrantPermissionsCommand, calls, "second run grants nothing");
        assert.equal(
            d.aws
                .account(CONSUMER)
                .grants.filter(
                    (g) =>
                        g.Resource?.Table?.Name === "users_link" &&
                        g.Principal?.DataLakePrincipalIdentifier === ROLE_ARN,
                ).length,
            1,
            "no duplicate grant",
        );
    });

    it("with consumer credentials only, makes the consumer's grants and skips the producer's, naming the flag", async () => {
        const d = deployment(3);
        dropRoleGrants(d);
        const { code, changes } = await json(d, ["grant", "--outputs", "consumer.json", "--profile", "consumer"]);
        assert.equal(code, 0);
        assert.deepEqual(
            changes.filter((c) => c.action === "grant").map((c) => c.side),
            ["consumer", "consumer", "consumer", "consumer"],
        );
        const skipped = changes.filter((c) => c.action === "skipped") as Array<Change & { note: string }>;
        assert.equal(skipped.length, 3);
        assert.match(skipped[0].note, /no credentials for the producer account 111111111111: pass --producer-profile/);
    });

    it("--side producer run with the producer's profile as --profile works too; nothing to do at all is exit 1", async () => {
        const d = deployment(3);
        dropRoleGrants(d);
        const ok = await json(d, [
            "grant",
            "--outputs",
            "producer.json",
            "--profile",
            "producer",
            "--side",
            "producer",
        ]);
        assert.equal(ok.code, 0);
        assert.equal(ok.changes.filter((c) => c.action === "grant").length, 3);
        const none = await json(d, [
            "grant",
            "--outputs",
            "producer.json",
            "--profile",
            "someone",
            "--side",
            "producer",
        ]);
        assert.equal(none.code, 1, "every grant skipped");
    });

    it("passes the grant option when the model asks for it", async () => {
        const d = deployment(3);
        const { changes } = await json(d, ["grant", ...BOTH, "--grant-option", "--side", "producer"]);
        assert.deepEqual(
            changes.map((c) => [c.action, c.permissions, c.grantable]),
            Array(3).fill(["grant", ["DESCRIBE", "SELECT"], ["DESCRIBE", "SELECT"]]),
        );
    });
});

describe("cli grant with governance", () => {
    it("LF-tag mode: grants the account's tag-policy and tag grants (grantable) and the role's re-grant, then is idempotent", async () => {
        const d = deployment(3, { sharingMode: "lfTags" });
        d.aws.account(PRODUCER).grants.length = 0;
        d.aws.account(CONSUMER).grants.length = 0;
        const first = await json(d, ["grant", ...BOTH]);
        assert.equal(first.code, 0);
        const granted = first.changes.filter((c) => c.action === "grant");
        // Consumer: tag policy re-grant + 3 link DESCRIBEs + default. Producer: tag policy + 2 tags, to the account.
        assert.equal(granted.length, 8);
        const policy = d.aws.account(PRODUCER).grants.find((g) => g.Resource?.LFTagPolicy);
        assert.equal(policy?.Principal?.DataLakePrincipalIdentifier, CONSUMER);
        assert.deepEqual(policy?.PermissionsWithGrantOption, ["DESCRIBE", "SELECT"]);
        assert.deepEqual(policy?.Resource?.LFTagPolicy?.Expression, [
            { TagKey: "domain", TagValues: ["contact-center"] },
            { TagKey: "sensitivity", TagValues: ["general"] },
        ]);
        const second = await json(d, ["grant", ...BOTH]);
        assert.ok(
            second.changes.every((c) => c.action === "present"),
            JSON.stringify(second.changes),
        );
        assert.equal((await runCli(d, ["verify", ...BOTH])).code, 0);
    });

    it("column exclusions: grants DESCRIBE on the table and SELECT on all columns but the excluded ones", async () => {
        const d = deployment(3, { excluded: { users: ["email"] } });
        dropRoleGrants(d);
        await json(d, ["grant", ...BOTH]);
        const users = d.aws
            .account(PRODUCER)
            .grants.filter((g) => (g.Resource?.Table?.Name ?? g.Resource?.TableWithColumns?.Name) === "users");
        assert.deepEqual(
            users.map((g) => [g.Permissions, g.Resource?.TableWithColumns?.ColumnWildcard?.ExcludedColumnNames]),
            [
                [["DESCRIBE"], undefined],
                [["SELECT"], ["email"]],
            ],
        );
        assert.equal((await runCli(d, ["verify", ...BOTH])).code, 0);
    });
});

describe("cli relink", () => {
    function breakLinks(d: Deployment) {
        const links = d.aws.account(CONSUMER).databases.get(CONSUMER_DB)!;
        links.delete("contacts_link");
        links.get("users_link")!.TargetTable = { CatalogId: PRODUCER, DatabaseName: "old_db", Name: "users" };
        // Not the model's: never touched.
        links.set("someone_elses_link", {
            Name: "someone_elses_link",
            TargetTable: { CatalogId: "555555555555", DatabaseName: "x", Name: "y" },
        });
        links.set("a_real_table", { Name: "a_real_table", StorageDescriptor: { Columns: [] } });
    }

    it("--dry-run prints the differences and changes nothing", async () => {
        const d = deployment(3);
        breakLinks(d);
        const r = await runCli(d, ["relink", ...BOTH, "--dry-run"]);
        assert.equal(r.code, 0);
        assert.deepEqual(r.stdout.trim().split("\n"), [
            `would replace link users_link: ${PRODUCER}:old_db.users → ${PRODUCER}:${PRODUCER_DB}.users`,
            `would create  link contacts_link → ${PRODUCER}:${PRODUCER_DB}.contacts`,
            `unchanged     link agent_hierarchy_groups_link → ${PRODUCER}:${PRODUCER_DB}.agent_hierarchy_groups`,
        ]);
        const calls = d.aws.callsByCommand();
        assert.equal(calls.CreateTableCommand, undefined);
        assert.equal(calls.DeleteTableCommand, undefined);
    });

    it("creates and replaces only what differs, touches nothing else, and is idempotent", async () => {
        const d = deployment(3);
        breakLinks(d);
        const first = await json(d, ["relink", ...BOTH]);
        assert.equal(first.code, 0);
        assert.deepEqual(
            first.changes.map((c) => [c.link, c.action, c.applied]),
            [
                ["users_link", "replace", true],
                ["contacts_link", "create", true],
                ["agent_hierarchy_groups_link", "ok", false],
            ],
        );
        const links = d.aws.account(CONSUMER).databases.get(CONSUMER_DB)!;
        assert.deepEqual(links.get("users_link")!.TargetTable, {
            CatalogId: PRODUCER,
            DatabaseName: PRODUCER_DB,
            Name: "users",
        });
        assert.deepEqual(links.get("contacts_link")!.TargetTable, {
            CatalogId: PRODUCER,
            DatabaseName: PRODUCER_DB,
            Name: "contacts",
        });
        assert.ok(links.has("someone_elses_link") && links.has("a_real_table"), "unmanaged tables survive");
        const calls = d.aws.callsByCommand();
        assert.equal(calls.DeleteTableCommand, 1, "only the wrong link is deleted");
        assert.equal(calls.CreateTableCommand, 2);

        const second = await json(d, ["relink", ...BOTH]);
        assert.ok(second.changes.every((c) => c.action === "ok" && !c.applied));
        assert.equal(d.aws.callsByCommand().CreateTableCommand, 2, "second run changes nothing");
    });

    it("says to run grant after recreating links", async () => {
        const d = deployment(3);
        breakLinks(d);
        const r = await runCli(d, ["relink", ...BOTH]);
        assert.match(
            r.stdout,
            /2 link\(s\) created or replaced; a new link has no grants: run `connect-analytics grant` next/,
        );
    });

    it("leaves a regular table in a link's place alone and exits 1", async () => {
        const d = deployment(3);
        d.aws
            .account(CONSUMER)
            .databases.get(CONSUMER_DB)!
            .set("users_link", { Name: "users_link", StorageDescriptor: { Columns: [{ Name: "c" }] } });
        const r = await runCli(d, ["relink", ...BOTH]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /BLOCKED\s+users_link is a regular table, not a link; left alone/);
        assert.equal(d.aws.callsByCommand().DeleteTableCommand, undefined);
        assert.ok(d.aws.account(CONSUMER).databases.get(CONSUMER_DB)!.get("users_link")!.StorageDescriptor);
    });

    it("refuses to run with credentials of another account, before changing anything", async () => {
        const d = deployment(3);
        const r = await runCli(d, ["relink", "--outputs", "consumer.json", "--profile", "producer"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /relink changes the consumer catalog: run it with credentials of account 222222222222/);
        assert.equal(d.aws.calls(), 1);
    });
});
