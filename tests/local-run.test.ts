/** `npm start` end to end in a child process: it mirrors the consumer config's column exclusions. */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { DuckDBInstance } from "@duckdb/node-api";
import { ROOT } from "./helpers";

const run = promisify(execFile);

describe("npm start (local export)", function () {
    this.timeout(120_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-run-"));
        const consumer = fs.readFileSync(path.join(ROOT, "Pulumi.consumer.yaml"), "utf8");
        fs.writeFileSync(path.join(dir, "Pulumi.consumer.yaml"), consumer + "  connect-analytics:excludedColumns:\n    users: [email, mobile]\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("leaves out the columns the consumer config excludes, and only those", async () => {
        const args = ["--transpile-only", "cli/export-local.ts", "--rows", "300", "--days", "2", "--lake", path.join(dir, "lake"), "--out", path.join(dir, "out"), "--config-dir", dir, "--json"];
        const { stdout } = await run(process.execPath, [require.resolve("ts-node/dist/bin.js"), ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
        const summary = JSON.parse(stdout);
        assert.equal(summary.status, "succeeded");
        const users = summary.tables.find((t: { table: string }) => t.table === "users");
        const db = await DuckDBInstance.create(":memory:");
        const conn = await db.connect();
        const columns = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${users.outputLocation}/*.parquet')`)).getRows().map((r) => String(r[0]));
        conn.closeSync();
        assert.ok(columns.includes("user_id") && columns.includes("first_name"), columns.join(","));
        assert.ok(!columns.includes("email") && !columns.includes("mobile"), `excluded columns exported: ${columns.join(",")}`);
    });
});
