import { strict as assert } from "assert";
import { UsageError } from "../cli/errors";
import {
    parseLfTagsFlag,
    parseOutputsDocument,
    parseOutputsFile,
    parseTablesFlag,
    resolveTargets,
    StackOutputs,
} from "../cli/targets";
import { requiredGrants } from "../lib/permissions";
import { deployment, PRODUCER, CONSUMER, ROLE_ARN, runCli, LF_TAGS } from "./cli-fake-aws";

const d = deployment(3);
const consumerJson = JSON.parse(d.files["consumer.json"]);
const producerJson = JSON.parse(d.files["producer.json"]);

function rejects(fn: () => unknown, pattern: RegExp) {
    assert.throws(fn, (err: unknown) => {
        assert.ok(err instanceof UsageError, `expected a UsageError, got ${err}`);
        assert.match((err as Error).message, pattern);
        return true;
    });
}

describe("cli outputs files and targets", () => {
    it("accepts `pulumi stack output --json` of each stack", () => {
        const [c] = parseOutputsDocument(consumerJson, "c.json");
        const [p] = parseOutputsDocument(producerJson, "p.json");
        assert.equal(c.side, "consumer");
        assert.equal(p.side, "producer");
        assert.equal(c.side === "consumer" && c.lambdaRoleArn, ROLE_ARN);
        assert.deepEqual(
            c.tables.map((t) => t.linkName),
            ["users_link", "contacts_link", "agent_hierarchy_groups_link"],
        );
    });

    it("accepts the offline plan's JSON document (outputs under `outputs`, with a top-level side)", () => {
        const plan = { stack: "consumer", side: "consumer", resources: [], outputs: consumerJson, permissions: [] };
        const [c] = parseOutputsFile(JSON.stringify(plan), "plan.json");
        assert.equal(c.side, "consumer");
        assert.equal(c.producerAccountId, PRODUCER);
    });

    it("accepts {producer, consumer} in one file, each raw outputs or a plan document", () => {
        const both = parseOutputsDocument({ producer: { outputs: producerJson }, consumer: consumerJson }, "both.json");
        assert.deepEqual(
            both.map((o) => o.side),
            ["producer", "consumer"],
        );
    });

    it("takes a producer's sharedTables when it has no tables list", () => {
        const { tables: _t, ...rest } = producerJson;
        const [p] = parseOutputsDocument(rest, "p.json");
        assert.deepEqual(
            p.tables.map((t) => t.linkName),
            ["users_link", "contacts_link", "agent_hierarchy_groups_link"],
        );
    });

    it("rejects malformed files with a message naming the file and the missing key", () => {
        rejects(() => parseOutputsFile("{not json", "x.json"), /--outputs x\.json: not JSON/);
        rejects(() => parseOutputsFile("[1,2]", "x.json"), /--outputs x\.json: not an object/);
        rejects(
            () => parseOutputsDocument({ foo: 1, bar: 2 }, "x.json"),
            /--outputs x\.json: no "side" key.*Found keys: foo, bar/,
        );
        rejects(
            () => parseOutputsDocument({ ...consumerJson, side: "both" }, "x.json"),
            /"side" must be "producer" or "consumer"/,
        );
        const { consumerDatabaseName: _c, ...noDb } = consumerJson;
        rejects(
            () => parseOutputsDocument(noDb, "c.json"),
            /--outputs c\.json: consumer outputs lack "consumerDatabaseName".*pulumi stack output --json/,
        );
        const { consumerPrincipalArn: _p, ...noArn } = producerJson;
        rejects(() => parseOutputsDocument(noArn, "p.json"), /producer outputs lack "consumerPrincipalArn"/);
        rejects(
            () => parseOutputsDocument({ ...consumerJson, producerAccountId: "1234" }, "c.json"),
            /"producerAccountId" must be a 12-digit account id, got "1234"/,
        );
        rejects(
            () => parseOutputsDocument({ ...consumerJson, tables: [{ linkName: "x" }] }, "c.json"),
            /tables\[0\] must be a table name or \{name, linkName\}/,
        );
        rejects(
            () => parseOutputsDocument({ consumer: producerJson }, "both.json"),
            /outputs of a producer stack under the "consumer" key/,
        );
    });

    it("builds the ShareModel for requiredGrants from both outputs", () => {
        const outputs = [...parseOutputsDocument(consumerJson, "c"), ...parseOutputsDocument(producerJson, "p")];
        const { model, region, athenaWorkgroup } = resolveTargets(outputs, {});
        assert.equal(region, "ap-southeast-2");
        assert.equal(athenaWorkgroup, "connect_analytics_workgroup");
        assert.equal(model.consumerPrincipalArn, ROLE_ARN);
        const grants = requiredGrants(model);
        assert.equal(grants.length, 7);
        assert.ok(
            grants.some(
                (g) => g.side === "producer" && g.resource.catalogId === PRODUCER && g.permissions.includes("SELECT"),
            ),
        );
    });

    it("lets flags override outputs", () => {
        const outputs = parseOutputsDocument(consumerJson, "c");
        const t = resolveTargets(outputs, {
            tables: "users,contacts:contacts_v2",
            consumerDatabase: "other_db",
            roleName: "other-role",
            grantOption: true,
            region: "eu-west-1",
        });
        assert.deepEqual(t.model.tables, [
            { name: "users", linkName: "users_link" },
            { name: "contacts", linkName: "contacts_v2" },
        ]);
        assert.equal(t.model.consumerDatabaseName, "other_db");
        assert.equal(t.model.consumerPrincipalArn, `arn:aws:iam::${CONSUMER}:role/other-role`);
        assert.equal(t.model.grantWithGrantOption, true);
        assert.equal(t.region, "eu-west-1");
    });

    it("works from flags alone, with the stack config defaults", () => {
        const t = resolveTargets([], { producerAccount: PRODUCER, consumerAccount: CONSUMER });
        assert.equal(t.model.producerDatabaseName, "connect_datalake");
        assert.equal(t.model.consumerDatabaseName, "connect_analytics_consumer");
        assert.equal(t.model.consumerPrincipalArn, ROLE_ARN);
        assert.deepEqual(
            t.model.tables.map((x) => x.name),
            ["users", "contacts", "agent_hierarchy_groups"],
        );
        assert.equal(t.region, undefined);
    });

    it("rejects bad or inconsistent targets naming the flag and the fix", () => {
        rejects(
            () => resolveTargets([], { consumerAccount: CONSUMER }),
            /missing the producer account: pass --producer-account/,
        );
        rejects(
            () => resolveTargets([], { producerAccount: "12", consumerAccount: CONSUMER }),
            /--producer-account: "12" is not a 12-digit/,
        );
        rejects(
            () => resolveTargets([], { producerAccount: PRODUCER, consumerAccount: PRODUCER }),
            /both 111111111111/,
        );
        rejects(
            () =>
                resolveTargets([], {
                    producerAccount: PRODUCER,
                    consumerAccount: CONSUMER,
                    roleArn: "arn:aws:iam::333333333333:role/x",
                }),
            /not in the consumer account/,
        );
        rejects(
            () => resolveTargets([], { producerAccount: PRODUCER, consumerAccount: CONSUMER, region: "Sydney" }),
            /--region: "Sydney"/,
        );
        const c = parseOutputsDocument(consumerJson, "c.json");
        const p = parseOutputsDocument({ ...producerJson, producerAccountId: "444444444444" }, "p.json");
        rejects(
            () => resolveTargets([...c, ...p], {}),
            /"producerAccountId" is 111111111111 in c\.json but 444444444444 in p\.json/,
        );
        assert.equal(resolveTargets([...c, ...p], { producerAccount: PRODUCER }).model.producerAccountId, PRODUCER);
        const twice: StackOutputs[] = [...c, ...parseOutputsDocument(consumerJson, "c2.json")];
        rejects(() => resolveTargets(twice, {}), /2 consumer outputs given/);
    });

    it("reads the governance settings: sharing mode, LF-tags, column exclusions (the producer's win)", () => {
        const tagged = deployment(3, { sharingMode: "lfTags", excluded: { users: ["phone"] } });
        const c = parseOutputsDocument(JSON.parse(tagged.files["consumer.json"]), "c.json");
        const p = parseOutputsDocument(JSON.parse(tagged.files["producer.json"]), "p.json");
        assert.deepEqual(p[0].lfTags, LF_TAGS, "the producer's lfTags output");
        assert.deepEqual(c[0].lfTags, LF_TAGS, "the consumer's lfTags output");
        rejects(
            () => parseOutputsDocument({ ...JSON.parse(tagged.files["consumer.json"]), lfTags: ["domain"] }, "c.json"),
            /"lfTags" must be a map of tag key to value/,
        );
        const { model } = resolveTargets([...c, ...p], {});
        assert.equal(model.sharingMode, "lfTags");
        assert.deepEqual(model.lfTags, LF_TAGS);
        assert.deepEqual(model.tables.find((t) => t.name === "users")?.excludedColumns, ["phone"]);
        // --tables keeps the outputs' exclusions for the tables it names.
        assert.deepEqual(resolveTargets([...c, ...p], { tables: "users" }).model.tables, [
            { name: "users", linkName: "users_link", excludedColumns: ["phone"] },
        ]);
        const flags = resolveTargets([...c, ...p], { sharingMode: "named", lfTags: "a=b" }).model;
        assert.equal(flags.sharingMode, "named");
        assert.deepEqual(flags.lfTags, { a: "b" });

        const named = parseOutputsDocument(
            { ...JSON.parse(tagged.files["producer.json"]), sharingMode: "named" },
            "p2.json",
        );
        rejects(() => resolveTargets([...c, ...named], {}), /"sharingMode" is lfTags in c\.json but named in p2\.json/);
        rejects(
            () => parseOutputsDocument({ ...consumerJson, sharingMode: "tags" }, "c.json"),
            /"sharingMode" must be "named" or "lfTags"/,
        );
        rejects(
            () =>
                parseOutputsDocument(
                    { ...consumerJson, tables: [{ name: "users", excludedColumns: "email" }] },
                    "c.json",
                ),
            /tables\[0\]\.excludedColumns must be a list/,
        );
    });

    it("parses --lf-tags", () => {
        assert.deepEqual(parseLfTagsFlag("domain=connect, sensitivity=general"), {
            domain: "connect",
            sensitivity: "general",
        });
        rejects(() => parseLfTagsFlag("domain"), /--lf-tags: "domain" is not key=value/);
        rejects(() => parseLfTagsFlag("a=1,a=2"), /key "a" appears twice/);
    });

    it("parses --tables and rejects bad entries", () => {
        assert.deepEqual(parseTablesFlag(" users , contacts:c_link "), [
            { name: "users", linkName: "users_link" },
            { name: "contacts", linkName: "c_link" },
        ]);
        rejects(() => parseTablesFlag("Users"), /--tables: "Users"/);
        rejects(() => parseTablesFlag("a:b:c"), /--tables: "a:b:c"/);
        rejects(() => parseTablesFlag("a,a"), /table "a" appears twice/);
        rejects(() => parseTablesFlag("a:x,b:x"), /link name "x" appears twice/);
        rejects(() => parseTablesFlag(" , "), /--tables: empty/);
    });

    it("the CLI rejects a malformed outputs file and an unreadable one with exit 2 and one line", async () => {
        for (const [files, pattern] of [
            [{ "bad.json": '{"hello": "world"}' }, /--outputs bad\.json: no "side" key/],
            [{}, /--outputs bad\.json: cannot read it \(ENOENT\)/],
        ] as const) {
            const dep = deployment(3);
            const r = await runCli({ ...dep, files }, ["verify", "--outputs", "bad.json"]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, pattern);
            assert.equal(r.stderr.trim().split("\n").length, 1);
            assert.equal(dep.aws.calls(), 0, "no AWS call before the targets are valid");
        }
    });
});
