/**
 * The operations CLI on a `connectAnalytics` deployment, fed the offline plan's documents of the
 * example stacks as its outputs files (the plan's contract is what the CLI reads): the dataset
 * associations, Connect's RAM share, links to Connect's catalog, and the consumer's own grants.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { planStack, PlanResult } from "../plan/run";
import { MOCK_CONNECT_CATALOG } from "../plan/mocks";
import { BOTH, CONSUMER, connectDeployment, Deployment, PRODUCER, runCli } from "./cli-fake-aws";
import { CONNECT_ANALYTICS } from "./expected-deployments";
import { ROOT } from "./helpers";

const EXAMPLE = path.join(ROOT, "examples", "connect-analytics");
const CONNECT_DB = "connect_datalake";
const CONSUMER_DB = "connect_analytics_consumer";

interface Check {
    id: string;
    status: string;
    detail: string;
    fix?: string;
}

async function verify(d: Deployment): Promise<{ code: number; checks: Check[] }> {
    const r = await runCli(d, ["verify", ...BOTH, "--json"]);
    return { code: r.code, checks: JSON.parse(r.stdout).checks };
}

describe("cli on a connectAnalytics deployment", () => {
    let producer: PlanResult;
    let consumer: PlanResult;
    before(async () => {
        producer = await planStack("producer", { configDir: EXAMPLE });
        consumer = await planStack("consumer", { configDir: EXAMPLE });
    });

    it("verify passes: associations, the accepted share, links to Connect's catalog, the consumer's grants", async () => {
        const d = connectDeployment(producer, consumer, CONNECT_ANALYTICS);
        const { code, checks } = await verify(d);
        assert.equal(code, 0, JSON.stringify(checks.filter((c) => c.status === "FAIL")));
        const ids = checks.map((c) => c.id);
        for (const t of ["users", "contact_record", "agent_hierarchy_groups"]) {
            assert.ok(ids.includes(`association:${t}`), t);
        }
        assert.equal(checks.find((c) => c.id === `ram:${d.shares[0]}`)?.status, "PASS");
        assert.match(
            checks.find((c) => c.id === "link:contacts_link")!.detail,
            /444455556666:connect_datalake\.contact_record/,
        );
        assert.ok(!ids.some((id) => id.startsWith("grant:producer")), "the producer makes no grants");
        assert.ok(!ids.includes("settings:producer"), "the producer's settings play no part");
    });

    it("verify fails on a missing association, a pending share (with the accept command), a link to the wrong catalog", async () => {
        const d = connectDeployment(producer, consumer, CONNECT_ANALYTICS);
        d.aws.account(PRODUCER).associations.splice(0, 1);
        d.aws.account(CONSUMER).invitations[0].status = "PENDING";
        d.aws
            .account(CONSUMER)
            .databases.get(CONSUMER_DB)!
            .set("users_link", {
                Name: "users_link",
                DatabaseName: CONSUMER_DB,
                CatalogId: CONSUMER,
                TargetTable: { CatalogId: PRODUCER, DatabaseName: CONNECT_DB, Name: "users" },
            });
        const { code, checks } = await verify(d);
        assert.equal(code, 1);
        const failed = Object.fromEntries(checks.filter((c) => c.status === "FAIL").map((c) => [c.id, c]));
        assert.match(failed["association:users"].detail, /users of .* is not associated with 222222222222/);
        assert.match(
            failed[`ram:arn:aws:ram:ap-southeast-2:${MOCK_CONNECT_CATALOG}:resource-share-invitation/connect-0`].fix!,
            /^aws ram accept-resource-share-invitation --resource-share-invitation-arn /,
        );
        assert.match(
            failed["link:users_link"].detail,
            /points to 111111111111:connect_datalake\.users, expected 444455556666:connect_datalake\.users/,
        );
    });

    it("verify reports each dataset's share status: ACTIVE passes, PENDING warns, FAILED fails", async () => {
        const d = connectDeployment(producer, consumer, CONNECT_ANALYTICS);
        const [users, contacts] = d.aws.account(PRODUCER).associations;
        users.ResourceShareStatus = "PENDING";
        contacts.ResourceShareStatus = "FAILED";
        const { code, checks } = await verify(d);
        assert.equal(code, 1);
        const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
        assert.equal(byId["association:users"].status, "WARN");
        assert.match(byId["association:users"].detail, /share arn:aws:ram:.* PENDING/);
        assert.equal(byId["association:contact_record"].status, "FAIL");
        assert.match(byId["association:contact_record"].fix!, /associate the dataset again/);
        assert.equal(byId["association:agent_hierarchy_groups"].status, "PASS");
        assert.match(byId["association:agent_hierarchy_groups"].detail, /ACTIVE$/);
    });

    it("datasets lists what the instance offers, what the stack shares, and each consumer's association and share status", async () => {
        const d = connectDeployment(producer, consumer, CONNECT_ANALYTICS);
        const p = d.aws.account(PRODUCER);
        const instance = p.dataSets[0].InstanceId;
        p.dataSets.push(
            { InstanceId: instance, DataSetId: "contact_flow_events", DataSetName: "Contact flow events" },
            { InstanceId: instance, DataSetId: "brand_new_dataset", DataSetName: "Brand new" },
        );
        p.associations[1].ResourceShareStatus = "PENDING";
        const r = await runCli(d, ["datasets", ...BOTH, "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        assert.deepEqual(out.consumerAccountIds, [CONSUMER]);
        const row = (id: string) => out.datasets.find((x: { dataSetId: string }) => x.dataSetId === id);
        assert.deepEqual(
            [row("users").offered, row("users").configured, row("users").consumers[0].resourceShareStatus],
            [true, true, "ACTIVE"],
        );
        assert.equal(row("contact_record").consumers[0].resourceShareStatus, "PENDING");
        assert.deepEqual(
            [row("contact_flow_events").configured, row("contact_flow_events").consumers[0].associated],
            [false, false],
        );
        assert.equal(row("contact_flow_events").documented.defaultExportMode, "insertOnly");
        assert.equal(row("brand_new_dataset").documented, null);
        const text = await runCli(d, ["datasets", ...BOTH]);
        assert.match(text.stdout, /contact_record .* PENDING/);
        assert.match(text.stdout, /not associated or share not ACTIVE: contact_record@/);
        // Connect answers in the instance's account: consumer credentials alone are refused, naming the flag.
        const consumerOnly = await runCli(d, [
            "datasets",
            "--outputs",
            "consumer.json",
            "--outputs",
            "producer.json",
            "--profile",
            "consumer",
        ]);
        assert.equal(consumerOnly.code, 2);
        assert.match(consumerOnly.stderr, /pass --producer-profile/);
    });

    it("grant makes the consumer's grants on Connect's targets in the consumer catalog; relink points links at Connect's catalog", async () => {
        const d = connectDeployment(producer, consumer, CONNECT_ANALYTICS);
        d.aws.account(CONSUMER).grants.length = 0;
        const granted = await runCli(d, ["grant", ...BOTH, "--json"]);
        assert.equal(granted.code, 0, granted.stderr);
        const made = d.aws.account(CONSUMER).grants;
        // Lake Formation keeps SELECT under TableWithColumns, as ListPermissions returns it.
        const catalogOf = (g: (typeof made)[number]) =>
            g.Resource?.Table?.CatalogId ?? g.Resource?.TableWithColumns?.CatalogId;
        assert.ok(
            made.some((g) => catalogOf(g) === MOCK_CONNECT_CATALOG && g.Permissions?.includes("SELECT")),
            "SELECT on a target in Connect's catalog",
        );
        assert.equal(d.aws.account(PRODUCER).grants.length, 0, "nothing granted in the producer's catalog");

        d.aws.account(CONSUMER).databases.get(CONSUMER_DB)!.delete("contacts_link");
        const relinked = await runCli(d, ["relink", ...BOTH]);
        assert.equal(relinked.code, 0, relinked.stderr);
        const link = d.aws.account(CONSUMER).databases.get(CONSUMER_DB)!.get("contacts_link");
        assert.deepEqual(link?.TargetTable, {
            CatalogId: MOCK_CONNECT_CATALOG,
            DatabaseName: CONNECT_DB,
            Name: "contact_record",
        });
    });

    it("metadata reads the targets from Connect's catalog with the consumer's credentials", async () => {
        const d = connectDeployment(producer, consumer, CONNECT_ANALYTICS);
        const r = await runCli(d, ["metadata", ...BOTH]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /connect_datalake,contact_record,false/);
        assert.doesNotMatch(r.stderr, /not found/);
    });
});
