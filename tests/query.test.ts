/**
 * `npm run query`: SQL on the local warehouse without a DuckDB CLI. The hint `npm start` prints
 * after each table works when copied into a shell as printed, whatever the exports folder is
 * called (a space and a quote here); the warehouse is opened read-only; no warehouse, a write and
 * a warehouse held open by another process are clear errors.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import { LOCAL_DATABASE_FILE, localQueryCommand } from "../functions/local/runLocal";
import { shellCommand, shellQuote } from "../lib/shell";
import { ROOT, runScript } from "./helpers";
import { npmStart } from "./npm-start";

/** What bash makes of a command line: the words it passes on, one per line (NUL-separated). */
function bashWords(line: string): Promise<string[]> {
    return new Promise((resolve, reject) =>
        execFile("bash", ["-c", `printf '%s\\0' ${line}`], (err, stdout) =>
            err ? reject(err) : resolve(stdout.split("\0").slice(0, -1)),
        ),
    );
}

describe("npm run query and the hint npm start prints", function () {
    this.timeout(180_000);
    let dir: string;
    let out: string;
    let started: string;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "query-"));
        out = path.join(dir, "my exports", "it's here");
        fs.mkdirSync(path.dirname(out));
        const r = await npmStart(["--rows", "400", "--days", "2", "--lake", path.join(dir, "lake"), "--out", out]);
        assert.equal(r.code, 0, r.stderr);
        started = r.stdout;
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("quotes for the shell only what needs it, and bash reads back every word as it was", async () => {
        assert.equal(shellQuote("exports/a_b-1.duckdb"), "exports/a_b-1.duckdb");
        const words = ["npm", "it's here", "SELECT count(*) FROM t", '$HOME `x` \\ "q"', "", "a\nb", "*", "été"];
        assert.deepEqual(await bashWords(shellCommand(words)), words);
    });

    it("names --out only when it is not the default, relative to where npm runs the scripts", () => {
        assert.equal(localQueryCommand("exports", "SELECT 1"), "npm run query -- 'SELECT 1'");
        assert.equal(
            localQueryCommand(path.join(process.cwd(), "my out"), "SELECT 1"),
            "npm run query -- --out 'my out' 'SELECT 1'",
        );
    });

    it("the printed hint, copied into a shell, runs through npm and answers with the count npm start reported", async () => {
        const line = started.split("\n").find((l) => l.startsWith("contacts: "));
        assert.ok(line, started);
        const [, rows, hint] = /^contacts: ([\d,]+) rows, .*; try: (npm run query -- .*)$/.exec(line) ?? [];
        assert.ok(hint, line);
        assert.equal(hint, shellCommand(["npm", "run", "query", "--", "--out", out, "SELECT count(*) FROM contacts"]));
        assert.match(started, new RegExp(`warehouse \\(DuckDB\\): .*${LOCAL_DATABASE_FILE}`));
        const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
        const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) =>
            execFile("bash", ["-c", hint], { cwd: ROOT, env, timeout: 120_000 }, (err, stdout, stderr) =>
                err ? reject(new Error(`${hint}: ${stderr}`)) : resolve({ stdout }),
            ),
        );
        assert.match(stdout, new RegExp(`^\\s+${rows.replace(/,/g, "")}$`, "m"), stdout);
        assert.match(stdout, /\(1 row\)/);
    });

    it("answers JSON, refuses writes (read-only), and says how to get a warehouse when there is none", async () => {
        const json = await runScript("cli/query.ts", ["--out", out, "--json", "SELECT count(*) AS n FROM users"]);
        assert.equal(json.code, 0, json.stderr);
        assert.ok(JSON.parse(json.stdout)[0].n > 0);
        const write = await runScript("cli/query.ts", ["--out", out, "DELETE FROM users"]);
        assert.equal(write.code, 1);
        assert.match(write.stderr, /^query failed: .*read-only/);
        const none = await runScript("cli/query.ts", ["--out", path.join(dir, "nothing"), "SELECT 1"]);
        assert.equal(none.code, 2);
        assert.match(none.stderr, /no local warehouse at .*nothing.*: run `npm start` first with --out /);
    });

    it("a warehouse another process holds open for writing is named as such, not a raw lock error", async () => {
        const holder = await DuckDBInstance.create(path.join(out, LOCAL_DATABASE_FILE));
        const conn = await holder.connect();
        try {
            const r = await runScript("cli/query.ts", ["--out", out, "SELECT 1"]);
            assert.equal(r.code, 1);
            assert.match(r.stderr, /another process has it open for writing \(a running npm start\?\)/);
        } finally {
            conn.closeSync();
            holder.closeSync();
        }
    });
});
