/** `npm start` end to end in a child process: it mirrors the consumer config's column exclusions. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import { ROOT, runScript } from "./helpers";

describe("npm start (local export)", function () {
    this.timeout(120_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-run-"));
        const consumer = fs.readFileSync(path.join(ROOT, "Pulumi.consumer.yaml"), "utf8");
        fs.writeFileSync(
            path.join(dir, "Pulumi.consumer.yaml"),
            consumer + "  connect-analytics:excludedColumns:\n    users: [email, mobile]\n",
        );
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("leaves out the columns the consumer config excludes, and only those", async () => {
        const args = [
            "--rows",
            "300",
            "--days",
            "2",
            "--lake",
            path.join(dir, "lake"),
            "--out",
            path.join(dir, "out"),
            "--config-dir",
            dir,
            "--json",
        ];
        const { code, stdout, stderr } = await runScript("cli/export-local.ts", args);
        assert.equal(code, 0, stderr);
        const summary = JSON.parse(stdout);
        assert.equal(summary.status, "succeeded");
        const users = summary.tables.find((t: { table: string }) => t.table === "users");
        const db = await DuckDBInstance.create(":memory:");
        const conn = await db.connect();
        const columns = (
            await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${users.outputLocation}/*.parquet')`)
        )
            .getRows()
            .map((r) => String(r[0]));
        conn.closeSync();
        assert.ok(columns.includes("user_id") && columns.includes("first_name"), columns.join(","));
        assert.ok(
            !columns.includes("email") && !columns.includes("mobile"),
            `excluded columns exported: ${columns.join(",")}`,
        );
    });
});
