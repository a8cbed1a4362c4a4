/**
 * `npm start` end to end in a child process: it mirrors the consumer config's column exclusions,
 * ends with one line per table (rows, distinct keys, stale versions, the database and a query),
 * shows progress on long steps, and turns bad arguments and faults into clear errors: an
 * impossible date, an exports folder it cannot create (`--out /proc/x` must not hang), and a run
 * killed (kill -9) during a forced re-export, whose manifest must not claim what is not there.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { RunManifest } from "../functions/types";
import { ROOT } from "./helpers";

interface Result {
    readonly code: number | null;
    readonly signal: string | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

function npmStart(args: string[], env: Record<string, string> = {}, timeout = 120_000): Promise<Result> {
    const started = Date.now();
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "cli/export-local.ts", ...args],
            { cwd: ROOT, env: { ...process.env, ...env }, timeout, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 },
            (err, stdout, stderr) => {
                const e = err as (Error & { code?: number; signal?: string }) | null;
                resolve({
                    code: e ? (e.code ?? null) : 0,
                    signal: e?.signal ?? null,
                    stdout,
                    stderr,
                    ms: Date.now() - started,
                });
            },
        );
    });
}

describe("npm start (local export)", function () {
    this.timeout(180_000);
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
    const base = (name: string) => [
        "--rows",
        "600",
        "--days",
        "3",
        "--lake",
        path.join(dir, name, "lake"),
        "--out",
        path.join(dir, name, "out"),
        "--config-dir",
        dir,
    ];

    it("leaves out the columns the consumer config excludes, and only those", async () => {
        const { code, stdout, stderr } = await npmStart([...base("exclusions"), "--json"]);
        assert.equal(code, 0, stderr);
        const summary = JSON.parse(stdout);
        assert.equal(summary.status, "succeeded");
        const db = await DuckDBInstance.create(summary.databaseFile, { access_mode: "READ_ONLY" });
        const conn = await db.connect();
        const columns = (await conn.runAndReadAll(`DESCRIBE users`)).getRows().map((r) => String(r[0]));
        conn.closeSync();
        db.closeSync();
        assert.ok(columns.includes("user_id") && columns.includes("first_name"), columns.join(","));
        assert.ok(
            !columns.includes("email") && !columns.includes("mobile"),
            `excluded columns exported: ${columns.join(",")}`,
        );
    });

    it("ends with one line per table: rows, distinct keys, stale versions, the database and a query to try; shows progress while generating", async () => {
        const { code, stdout, stderr } = await npmStart(base("lines"));
        assert.equal(code, 0, stderr);
        const lines = stdout.trim().split("\n");
        const tail = lines.slice(-4, -1);
        assert.deepEqual(
            tail.map((l) => l.split(":")[0]),
            ["users", "contacts", "agent_hierarchy_groups"],
        );
        for (const line of tail) {
            assert.match(
                line,
                /^\w+: [\d,]+ rows, [\d,]+ distinct keys, 0 stale versions; database .*connect_analytics_exports\.duckdb, try: duckdb .*"SELECT count\(\*\) FROM \w+"$/,
            );
        }
        assert.match(
            stderr,
            /generating lake: 3\/3 days/,
            "progress on stderr (a line at a time when it is not a terminal)",
        );
    });

    it("bad arguments are clear errors, and `--out /proc/x` fails at once instead of hanging", async () => {
        const date = await npmStart([...base("args"), "--from", "2025-02-30", "--to", "2025-03-01"]);
        assert.equal(date.code, 1);
        assert.match(date.stderr, /--from must be a real date YYYY-MM-DD/);
        const proc = await npmStart([...base("proc").slice(0, 6), "--out", "/proc/x", "--config-dir", dir], {}, 60_000);
        assert.equal(proc.signal, null, "it did not hang");
        assert.equal(proc.code, 1);
        assert.match(proc.stderr, /cannot use \/proc\/x as the exports folder: .*(ENOENT|EACCES|EPERM)/);
        const nosuch = await npmStart([...base("args"), "--fresh", "--tables", "nosuch"]);
        assert.equal(nosuch.code, 1);
        assert.match(
            nosuch.stderr,
            /invalid local export \(nothing was changed\):\n {2}- --tables names nosuch, not configured/,
        );
        assert.equal(fs.existsSync(path.join(dir, "args", "out")), false, "nothing was created either");
    });

    it("kill -9 during a forced re-export: the manifest says running, never the old success, and the next run redoes the table", async () => {
        const args = base("killed");
        const first = await npmStart(args);
        assert.equal(first.code, 0, first.stderr);
        const killed = await npmStart([...args, "--force"], { EXPORT_LOCAL_CRASH_AT: "previewed:contacts" });
        assert.equal(killed.signal, "SIGKILL");
        const manifestFile = path.join(dir, "killed", "out", "manifests", "20250104T020000Z.json");
        const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as RunManifest;
        assert.equal(manifest.runAttempt, 2);
        assert.equal(manifest.tables.contacts.status, "running");
        assert.equal(manifest.tables.contacts.runAttempt, 2);
        const again = await npmStart([...args, "--json"]);
        assert.equal(again.code, 0, again.stderr);
        const summary = JSON.parse(again.stdout);
        const contacts = summary.tables.find((t: { table: string }) => t.table === "contacts");
        assert.equal(contacts.status, "succeeded");
        assert.equal(contacts.runAttempt, 3, "redone, not taken as already complete");
        const check = summary.checks.find((c: { table: string }) => c.table === "contacts");
        assert.equal(check.rows, check.keys);
        assert.equal(check.staleVersions, 0);
        assert.equal(check.missingKeys, 0);
    });
});
