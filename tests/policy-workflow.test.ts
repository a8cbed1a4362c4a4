/**
 * The users' CI workflow (.github/workflows/preview.yml) cannot run here: these tests parse it
 * and check its structure. On pull requests it runs npm ci, npm test and npm run policy, then
 * previews both stacks with the policy pack and each stack's policy config, with AWS credentials
 * from OIDC (id-token: write) and one role secret per account; actions are pinned; every secret it
 * uses is documented in policy/README.md.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "./helpers";

const WORKFLOW = path.join(ROOT, ".github", "workflows", "preview.yml");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    if?: string;
}

interface Job {
    name?: string;
    "runs-on": string;
    needs?: string | string[];
    if?: string;
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    steps: Step[];
}

interface Workflow {
    name: string;
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

function load(): { doc: Workflow; text: string } {
    const text = fs.readFileSync(WORKFLOW, "utf8");
    const parsed = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    assert.deepEqual(parsed.errors.map(String), [], "valid YAML");
    assert.deepEqual(parsed.warnings.map(String), []);
    return { doc: parsed.toJS() as Workflow, text };
}

const allSteps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);
const runs = (job: Job) => job.steps.map((s) => s.run?.trim()).filter((r): r is string => !!r);
const action = (s: Step) => s.uses?.split("@")[0];

describe("users' CI workflow (.github/workflows/preview.yml)", () => {
    const { doc: wf, text } = load();

    it("runs on pull requests only, with read-only default permissions", () => {
        assert.deepEqual(Object.keys(wf.on), ["pull_request"]);
        assert.deepEqual(wf.permissions, { contents: "read" });
    });

    it("every job has a runner and steps, and every step either uses an action or runs a command", () => {
        assert.ok(Object.keys(wf.jobs).length >= 2);
        for (const [id, job] of Object.entries(wf.jobs)) {
            assert.equal(typeof job["runs-on"], "string", `${id} runs-on`);
            assert.ok(Array.isArray(job.steps) && job.steps.length > 0, `${id} steps`);
            for (const s of job.steps) {
                assert.ok((s.uses === undefined) !== (s.run === undefined), `${id}: ${JSON.stringify(s)}`);
            }
        }
    });

    it("pins every action to a version tag or a commit SHA", () => {
        for (const s of allSteps(wf).filter((x) => x.uses)) {
            assert.match(s.uses!, /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, s.uses);
        }
        const uses = new Set(
            allSteps(wf)
                .map((s) => s.uses)
                .filter(Boolean),
        );
        for (const a of [
            "actions/checkout@v4",
            "actions/setup-node@v4",
            "aws-actions/configure-aws-credentials@v4",
            "pulumi/actions@v6",
        ]) {
            assert.ok(uses.has(a), a);
        }
    });

    it("the test job: checkout, Node 20 with the npm cache, npm ci, npm test, npm run policy, in that order", () => {
        const job = wf.jobs.test;
        assert.ok(job);
        assert.equal(action(job.steps[0]), "actions/checkout");
        const node = job.steps.find((s) => action(s) === "actions/setup-node");
        assert.deepEqual(node?.with, { "node-version": 20, cache: "npm" });
        assert.deepEqual(runs(job), ["npm ci", "npm test", "npm run policy"]);
    });

    describe("the preview job", () => {
        const job = wf.jobs.preview;

        it("runs after the tests, not for forks, with id-token: write", () => {
            assert.ok(job);
            assert.deepEqual([job.needs].flat(), ["test"]);
            assert.match(job.if ?? "", /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
            assert.equal(job.permissions?.["id-token"], "write");
            assert.equal(job.permissions?.contents, "read");
            assert.equal(job.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        });

        it("installs with npm ci and writes each stack's policy config before previewing", () => {
            const commands = runs(job);
            assert.equal(commands[0], "npm ci");
            const write = commands.find((c) => c.startsWith("npm run policy -- --write-pack-config"));
            assert.ok(write, "policy config step");
            const dir = write!.split(/\s+/).pop();
            for (const s of job.steps.filter((x) => action(x) === "pulumi/actions")) {
                assert.match(
                    String(s.with?.policyPackConfigs),
                    new RegExp(`^${dir!.replace(/\./g, "\\.")}/(consumer|producer)\\.json$`),
                );
            }
            const firstPreview = job.steps.findIndex((s) => action(s) === "pulumi/actions");
            const writeIndex = job.steps.findIndex((s) => s.run?.trim() === write);
            assert.ok(writeIndex >= 0 && writeIndex < firstPreview);
        });

        for (const [stack, secret] of [
            ["consumer", "AWS_CONSUMER_ROLE_ARN"],
            ["producer", "AWS_PRODUCER_ROLE_ARN"],
        ] as const) {
            it(`previews the ${stack} stack with --policy-pack policy, using the ${stack} account's OIDC role`, () => {
                const i = job.steps.findIndex(
                    (s) =>
                        action(s) === "pulumi/actions" &&
                        String(s.with?.["stack-name"]).endsWith(`/connect-analytics/${stack}`),
                );
                assert.ok(i >= 0, `preview of ${stack}`);
                const preview = job.steps[i];
                assert.equal(preview.with?.command, "preview");
                assert.deepEqual(String(preview.with?.policyPacks).trim().split(/\s+/), ["policy"]);
                assert.equal(preview.with?.policyPackConfigs, `.policy-config/${stack}.json`);
                // The credentials in effect: the last configure-aws-credentials step before the preview.
                const creds = job.steps
                    .slice(0, i)
                    .filter((s) => action(s) === "aws-actions/configure-aws-credentials")
                    .pop();
                assert.ok(creds, `credentials before the ${stack} preview`);
                assert.equal(creds!.with?.["role-to-assume"], `\${{ secrets.${secret} }}`);
                assert.ok(creds!.with?.["aws-region"], "aws-region");
                assert.equal(creds!.with?.["aws-access-key-id"], undefined, "OIDC, no long-lived keys");
            });
        }

        it("previews each stack exactly once", () => {
            const stacks = job.steps
                .filter((s) => action(s) === "pulumi/actions")
                .map((s) => String(s.with?.["stack-name"]).split("/").pop());
            assert.deepEqual(stacks.sort(), ["consumer", "producer"]);
        });
    });

    it("uses no long-lived AWS keys and only secrets that policy/README.md documents", () => {
        assert.doesNotMatch(text, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
        const used = [...new Set([...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]))].sort();
        assert.deepEqual(used, ["AWS_CONSUMER_ROLE_ARN", "AWS_PRODUCER_ROLE_ARN", "PULUMI_ACCESS_TOKEN"]);
        const readme = fs.readFileSync(path.join(ROOT, "policy", "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Users' CI"));
        assert.ok(section.length > 100, "README has a Users' CI section");
        for (const secret of used) assert.match(section, new RegExp(`\\| \`${secret}\` \\|`), `${secret} documented`);
        const vars = [...new Set([...text.matchAll(/vars\.([A-Z0-9_]+)/g)].map((m) => m[1]))];
        for (const v of vars) assert.match(section, new RegExp(`\`${v}\``), `variable ${v} documented`);
    });
});
