/**
 * The documented ways of saving machine-readable output work through the real `npm run` (whose
 * banner on stdout broke `npm run plan -- --json > FILE`), and what reads the files accepts them:
 * `npm run plan -- --out FILE` and `npm run -s plan -- --json > FILE` feed `connect-analytics
 * verify --outputs` (against the fake accounts of tests/cli-fake-aws.ts) and the policy check's
 * `--plan`; `npm start -s -- --json` pipes one JSON document. A file that starts with npm's banner
 * is refused naming the banner and the recipe that works.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BOTH, deployment, runCli } from "./cli-fake-aws";
import { ROOT, runScript } from "./helpers";

interface Shell {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** A command line in bash from the repo root, as a user types it; npm's own settings of an outer `npm test` left out. */
function sh(command: string): Promise<Shell> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    return new Promise((resolve) => {
        execFile(
            "bash",
            ["-c", command],
            { cwd: ROOT, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
            (err, stdout, stderr) => {
                const code = err ? ((err as { code?: number }).code ?? 1) : 0;
                resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
            },
        );
    });
}

describe("machine-readable output through npm", function () {
    this.timeout(180_000);
    let dir: string;
    const file = (name: string) => path.join(dir, name);
    const q = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "json-recipes-"));
        // The recipes of docs/plan.md, side by side, plus the one that used to be documented.
        // The recipes of docs/plan.md, side by side; the first also writes its stdout as the broken
        // recipe `npm run plan -- --json > FILE` would: npm's banner, then the document.
        const runs = await Promise.all([
            sh(`npm run plan -- --stack consumer --out ${q(file("consumer.json"))} --json > ${q(file("banner.json"))}`),
            sh(`npm run -s plan -- --stack producer --json > ${q(file("producer.json"))}`),
        ]);
        for (const r of runs) assert.equal(r.code, 0, r.stderr);
        const banner = fs.readFileSync(file("banner.json"), "utf8");
        assert.match(banner, /^\s*> connect-analytics@\S+ plan/, "npm printed its banner on stdout");
        assert.deepEqual(
            JSON.parse(banner.slice(banner.indexOf("{"))),
            JSON.parse(fs.readFileSync(file("consumer.json"), "utf8")),
        );
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const outputsFiles = () => ({
        "consumer.json": fs.readFileSync(file("consumer.json"), "utf8"),
        "producer.json": fs.readFileSync(file("producer.json"), "utf8"),
        "banner.json": fs.readFileSync(file("banner.json"), "utf8"),
    });

    it("`--out FILE` and `npm run -s ... > FILE` write one JSON document each", () => {
        for (const name of ["consumer.json", "producer.json"]) {
            const doc = JSON.parse(fs.readFileSync(file(name), "utf8"));
            assert.equal(doc.stack, name.replace(".json", ""));
            assert.ok(doc.resources.length > 0 && doc.outputs.side === doc.side, name);
        }
    });

    it("connect-analytics verify --outputs takes both files and checks the deployment they describe", async () => {
        const r = await runCli(deployment(3), ["verify", ...BOTH], { files: outputsFiles() });
        assert.notEqual(r.code, 2, r.stderr);
        assert.match(r.stdout, /PASS\s+link users_link/);
        assert.match(r.stdout, /\d+ checks: \d+ PASS/);
    });

    it("a file that starts with npm's banner is refused, naming the banner and a recipe that works", async () => {
        const r = await runCli(deployment(3), ["verify", "--outputs", "banner.json", "--profile", "consumer"], {
            files: outputsFiles(),
        });
        assert.equal(r.code, 2);
        assert.match(
            r.stderr,
            /--outputs banner\.json: not JSON: it starts with npm's banner "> connect-analytics@\S+ plan".*`npm run plan -- --stack <stack> --out FILE`/,
        );
    });

    it("npm run policy -- --plan checks the saved plans, and names the banner in one that has it", async () => {
        const [ok, banner] = await Promise.all([
            runScript("policy/check.ts", ["--plan", file("consumer.json"), "--plan", file("producer.json")]),
            runScript("policy/check.ts", ["--plan", file("banner.json")]),
        ]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /policy: 0 violation\(s\), 0 mandatory \(consumer 0, producer 0\)/);
        assert.equal(banner.code, 2);
        assert.match(
            banner.stderr,
            /--plan .*banner\.json: not JSON: it starts with npm's banner .*write the plan with `npm run plan -- --stack <stack> --out .*banner\.json`/,
        );
    });

    it("npm start -s -- --json pipes exactly one JSON document", async () => {
        const args = `--rows 300 --days 2 --lake ${q(file("lake"))} --out ${q(file("exports"))}`;
        const r = await sh(`npm start -s -- ${args} --json`);
        assert.equal(r.code, 0, r.stderr);
        const summary = JSON.parse(r.stdout);
        assert.equal(summary.status, "succeeded");
        assert.deepEqual(
            summary.tables.map((t: { table: string }) => t.table),
            [
                "users",
                "contacts",
                "agent_hierarchy_groups",
                "contact_flow_events",
                "agent_queue_statistic_record",
                "agent_statistic_record",
            ],
        );
    });
});
