/**
 * The Lambda runs on nodejs24.x. This installs Node 24 from the npm registry (the `node` package,
 * cached under node_modules/.cache/node24 so reruns are fast), then runs the serialized archive
 * (the minified file the stack ships) under it against the fake Athena, Glue and S3: it loads, its handler takes at most
 * (event, context) and returns a promise (Node 24 runtimes dropped callback handlers), and it
 * exports. Skipped, saying so, only when the registry cannot be reached.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { lambdaCodeText } from "../components/lambdaCode";
import { ROOT } from "./helpers";

const CACHE = path.join(ROOT, "node_modules", ".cache", "node24");
const run = promisify(execFile);

/** Path of a Node 24 binary, installing it into the cache first if needed; undefined when offline. */
async function node24(): Promise<string | undefined> {
    const candidates = ["node_modules/node/bin/node", "node_modules/.bin/node"].map((p) => path.join(CACHE, p));
    const version = async (bin: string) => (await run(bin, ["--version"])).stdout.trim();
    for (const bin of candidates) {
        if (fs.existsSync(bin) && (await version(bin).catch(() => "")).startsWith("v24.")) return bin;
    }
    fs.mkdirSync(CACHE, { recursive: true });
    try {
        await run("npm", ["install", "node@24", "--prefix", CACHE, "--no-audit", "--no-fund", "--loglevel=error"], {
            timeout: 300_000,
        });
    } catch (err) {
        const text = `${(err as Error).message} ${(err as { stderr?: string }).stderr ?? ""}`;
        if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network/i.test(text)) return undefined;
        throw err;
    }
    for (const bin of candidates) if (fs.existsSync(bin) && (await version(bin)).startsWith("v24.")) return bin;
    throw new Error(`npm installed node@24 into ${CACHE}, but no Node 24 binary is at ${candidates.join(" or ")}`);
}

describe("the Lambda archive on Node.js 24", function () {
    this.timeout(400_000);

    it("loads, is promise-based with at most (event, context), and runs an export", async function () {
        const bin = await node24();
        if (!bin) {
            console.log("      (skipped: the npm registry is unreachable, so Node 24 could not be installed)");
            this.skip();
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node24-"));
        try {
            const archive = path.join(dir, "index.js");
            fs.writeFileSync(archive, await lambdaCodeText());
            const driver = path.join(dir, "driver.js");
            fs.writeFileSync(
                driver,
                `
const { createRequire } = require("module");
const fs = require("fs");
const repo = createRequire(${JSON.stringify(path.join(ROOT, "functions", "handler.ts"))});
repo("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, "tsconfig.json"))} });
const { FakeAws, handlerEnv, SCHEDULED } = repo(${JSON.stringify(path.join(ROOT, "tests", "export-fakes.ts"))});
Object.assign(process.env, handlerEnv());
const aws = new FakeAws();
const module_ = { exports: {} };
new Function("exports", "require", "module", fs.readFileSync(${JSON.stringify(archive)}, "utf8"))(module_.exports, repo, module_);
const handler = module_.exports.handler;
const out = { version: process.version, parameters: handler.length };
for (const m of ["info", "warn", "error", "debug"]) console[m] = () => undefined;
const result = handler({ scheduledTime: SCHEDULED, tables: ["users"] }, { getRemainingTimeInMillis: () => 900000, awsRequestId: "node24" });
out.promise = typeof result.then === "function";
result.then(
    (s) => { out.status = s.status; out.statements = aws.queries.map((q) => q.kind); out.glue = aws.glueWrites.map((w) => w.kind); process.stdout.write("RESULT " + JSON.stringify(out) + "\\n"); aws.restore(); },
    (e) => { process.stdout.write("RESULT " + JSON.stringify({ ...out, error: e.message }) + "\\n"); aws.restore(); },
);
`,
            );
            const { stdout } = await run(bin!, [driver], { cwd: ROOT, timeout: 120_000 });
            const result = JSON.parse(
                stdout
                    .split("\n")
                    .find((l) => l.startsWith("RESULT "))!
                    .slice(7),
            );
            assert.match(result.version, /^v24\./);
            assert.ok(result.parameters <= 2, `handler takes ${result.parameters} parameters`);
            assert.equal(result.promise, true);
            assert.equal(result.error, undefined);
            assert.equal(result.status, "succeeded");
            assert.deepEqual(result.statements, ["preview", "merge", "reconcile"]);
            assert.deepEqual(result.glue, ["create"], "the table made through Glue, on Node 24's SDK");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
