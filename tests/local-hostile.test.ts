/**
 * `npm start` against a hostile user: bad values are refused before anything is touched (the lake
 * and the exports stay byte for byte), `--fresh` deletes only what npm start provably made, state
 * files cannot point a deletion outside the exports folder, a kill -9 in the middle of adding a day
 * leaves a lake the next run can use, and exports are never reported against a lake or settings
 * they were not made with.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createFsObjectStore } from "../functions/local/fsStore";
import { EXPORTS_MARKER, runLocalExport, type LocalExportOptions } from "../functions/local/runLocal";
import { LAKE_INFO_FILE, type LakeInfo } from "../functions/local/syntheticLake";
import { LocalUsageError } from "../functions/local/usage";
import { acquireLease } from "../functions/lease";
import { npmStart } from "./npm-start";

/** Every file under `dir` with its size and modification time: what "untouched" means. */
function snapshot(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, e.name);
            if (e.isDirectory()) walk(full);
            else {
                const st = fs.statSync(full);
                out[path.relative(dir, full)] = `${st.size}@${st.mtimeMs}`;
            }
        }
    };
    if (fs.existsSync(dir)) walk(dir);
    return out;
}

const lakeInfo = (lake: string): LakeInfo => JSON.parse(fs.readFileSync(path.join(lake, LAKE_INFO_FILE), "utf8"));

describe("npm start against a hostile user", function () {
    this.timeout(120_000);
    let dir: string;
    let count = 0;
    /** A fresh lake and exports folder pair, and a run over them with the given options. */
    const folders = () => {
        const base = path.join(dir, `case-${++count}`);
        return { lake: path.join(base, "lake"), out: path.join(base, "out"), base };
    };
    const run = (f: { lake: string; out: string }, options: Partial<LocalExportOptions> = {}) =>
        runLocalExport({
            lakeDir: f.lake,
            outDir: f.out,
            lake: { rows: 300, days: 3 },
            logSink: () => undefined,
            threads: 1,
            ...options,
        });
    const refused = async (promise: Promise<unknown>, pattern: RegExp) => {
        await assert.rejects(promise, (e: Error) => {
            assert.ok(e instanceof LocalUsageError, `a usage error (exit 2), got ${e.stack}`);
            assert.match(e.message, pattern);
            return true;
        });
    };
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-hostile-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a bad --run-id, --tables or --maintenance --force is refused before --fresh or --add-day touches anything, naming the flag", async () => {
        const f = folders();
        await run(f);
        const before = { lake: snapshot(f.lake), out: snapshot(f.out) };
        const cases: [Partial<LocalExportOptions>, RegExp][] = [
            [{ fresh: true, runId: "../x" }, /--run-id must be .*got "\.\.\/x"/],
            [{ fresh: true, runId: "a/b" }, /--run-id must be/],
            [{ fresh: true, runId: "" }, /--run-id must be .*got ""/],
            [{ fresh: true, tables: [] }, /--tables must be a non-empty array/],
            [{ addDay: true, runId: "a/b" }, /--run-id must be/],
            [{ maintenance: true, force: true }, /--maintenance runs alone: leave out .*--force/],
            [{ fresh: true, from: "2025-01-02", to: "2025-01-01" }, /--from \(2025-01-02\) is after --to/],
        ];
        for (const [options, pattern] of cases) await refused(run(f, options), pattern);
        assert.deepEqual({ lake: snapshot(f.lake), out: snapshot(f.out) }, before);
    });

    it("--fresh deletes only what npm start made: a user's files in its folders stay, an unlisted parquet file in the lake is refused", async () => {
        const f = folders();
        await run(f, { target: "files" });
        const mine = [
            path.join(f.out, "manifests", "notes.txt"),
            path.join(f.out, "connect", "contacts", "README.md"),
            path.join(f.out, "state", "watermarks", "mine.json"),
            path.join(f.lake, "contacts", "notes.txt"),
        ];
        for (const file of mine) fs.writeFileSync(file, "mine");
        const result = await run(f, { target: "files", fresh: true, lake: {} });
        assert.equal(result.summary?.status, "succeeded");
        for (const file of mine) assert.equal(fs.readFileSync(file, "utf8"), "mine", file);
        // --fresh without --rows/--days regenerates the lake it replaces, not a default-sized one.
        assert.deepEqual(
            [result.lake.generatedWith.rows, result.lake.generatedWith.days, result.lakeGenerated],
            [300, 3, true],
        );

        const stray = path.join(f.lake, "contacts", "dt=2025-01-01", "mine.parquet");
        fs.copyFileSync(path.join(f.lake, Object.keys(lakeInfo(f.lake).files)[0]), stray);
        const before = { lake: snapshot(f.lake), out: snapshot(f.out) };
        for (const options of [{}, { fresh: true }]) {
            await refused(
                run(f, { target: "files", ...options }),
                /holds 1 parquet file\(s\) its lake\.json does not list: contacts\/dt=2025-01-01\/mine\.parquet/,
            );
        }
        assert.deepEqual({ lake: snapshot(f.lake), out: snapshot(f.out) }, before);
    });

    it("state files cannot send a deletion outside the exports folder: an index listing ../ folders, a marker prefix with ..", async () => {
        const f = folders();
        await run(f, { target: "files" });
        const victim = path.join(f.base, "victim");
        fs.mkdirSync(victim);
        fs.writeFileSync(path.join(victim, "keep.txt"), "keep");
        const indexFile = path.join(f.out, "connect", "contacts", "_current.json");
        const index = JSON.parse(fs.readFileSync(indexFile, "utf8"));
        fs.writeFileSync(
            indexFile,
            JSON.stringify({ ...index, pending: ["connect/contacts/run=x/../../../../victim/"] }),
        );
        const result = await run(f, { target: "files", force: true, tables: ["contacts"], runId: "again" });
        assert.equal(result.summary?.status, "failed");
        assert.match(
            String(result.error?.message),
            /_current\.json is unusable: it lists .*not folders under connect\/contacts\/run=/,
        );
        await assert.rejects(run(f, { target: "files", fresh: true }), /_current\.json is unusable/);
        assert.equal(fs.readFileSync(path.join(victim, "keep.txt"), "utf8"), "keep");

        const store = createFsObjectStore(f.out);
        await assert.rejects(store.deletePrefix("connect/../../victim/"), /would leave the exports folder/);
        assert.ok(fs.existsSync(victim));

        const g = folders();
        await run(g);
        const marker = path.join(g.out, EXPORTS_MARKER);
        fs.writeFileSync(marker, JSON.stringify({ createdBy: "x", prefixes: ["../../victim"] }));
        await refused(run(g, { fresh: true }), /npm start did not write: prefixes "\.\.\/\.\.\/victim"/);
        assert.ok(fs.existsSync(path.join(victim, "keep.txt")));
    });

    it("exports are tied to their lake and settings: another --target or --prefix, or a regenerated lake, is refused; --fresh starts over", async () => {
        const f = folders();
        await run(f);
        const before = snapshot(f.out);
        await refused(run(f, { target: "files" }), /were made with --target iceberg, not --target files/);
        await refused(run(f, { prefix: "other" }), /were made with --prefix connect, not --prefix other/);
        fs.renameSync(f.lake, `${f.lake}-old`);
        await refused(
            run(f, { lake: { rows: 300, days: 3, seed: 7 } }),
            /were made from another lake .*missing and would be generated/,
        );
        assert.equal(fs.existsSync(f.lake), false, "the refused run created no lake");
        fs.renameSync(`${f.lake}-old`, f.lake);
        assert.deepEqual(snapshot(f.out), before);

        // The same lake regenerated elsewhere into this --lake: another lake as far as the exports know.
        const other = folders();
        await run({ lake: f.lake, out: other.out }, { fresh: true });
        await refused(run(f, { lake: {} }), /were made from another lake .*a lake generated since/);
        const fresh = await run(f, { fresh: true, target: "files", lake: {} });
        assert.equal(fresh.summary?.status, "succeeded");
        for (const c of fresh.checks) {
            assert.deepEqual([c.missingKeys, c.extraKeys, c.staleVersions], [0, 0, 0], c.table);
        }
    });

    it("kill -9 while --add-day writes the lake: the next run uses the lake as it was, --add-day then adds the day whole", async () => {
        const f = folders();
        await run(f);
        const lake = lakeInfo(f.lake);
        const day = "2025-01-04";
        const args = ["--lake", f.lake, "--out", f.out, "--json"];
        // After the update file of the day before is written, before lake.json lists it: the worst moment.
        const crash = await npmStart([...args, "--add-day"], {
            EXPORT_LOCAL_CRASH_AT: `lake-file:contacts/dt=2025-01-03/update-${day}.parquet`,
        });
        assert.equal(crash.signal, "SIGKILL", crash.stderr);
        assert.ok(fs.existsSync(path.join(f.lake, `contacts/dt=2025-01-03/update-${day}.parquet`)));

        const after = await npmStart(args);
        assert.equal(after.code, 0, after.stderr);
        const settled = lakeInfo(f.lake);
        assert.deepEqual([settled.deliveries, settled.pending], [lake.deliveries, []]);
        assert.equal(fs.existsSync(path.join(f.lake, `contacts/dt=2025-01-03/update-${day}.parquet`)), false);
        for (const c of JSON.parse(after.stdout).checks) {
            assert.deepEqual([c.missingKeys, c.extraKeys, c.staleVersions], [0, 0, 0], c.table);
        }

        const added = await npmStart([...args, "--add-day"]);
        assert.equal(added.code, 0, added.stderr);
        assert.equal(lakeInfo(f.lake).deliveries.at(-1), day);
        for (const c of JSON.parse(added.stdout).checks) {
            assert.deepEqual([c.missingKeys, c.extraKeys, c.staleVersions], [0, 0, 0], c.table);
        }
    });

    it("the command line: bad --exclude, --config-dir, --start-date, a lake that cannot be made, --out through a symlink into the lake: exit 2, nothing made", async () => {
        const f = folders();
        const cli = (args: string[]) => npmStart(["--lake", f.lake, "--out", f.out, ...args]);
        const cases: [string[], RegExp][] = [
            [
                ["--exclude", "users,a.b.c,nosuch.col,users.nosuchcol,contacts.contact_id"],
                /takes table\.column items, got "users"[\s\S]*got "a\.b\.c"[\s\S]*names table "nosuch"[\s\S]*"nosuchcol", not a column of users[\s\S]*cannot leave out contacts\.contact_id/,
            ],
            [["--config-dir", path.join(dir, "nowhere")], /--config-dir .*nowhere: does not exist/],
            [["--config-dir", ""], /--config-dir: empty/],
            [["--config-dir", dir], /--config-dir .*: holds no Pulumi\.<stack>\.yaml/],
            [["--start-date", "0000-01-01"], /startDate must be a real date YYYY-MM-DD from 2000-01-01/],
            [["--lake", "/proc/connect-analytics-lake"], /cannot use --lake \/proc\/connect-analytics-lake/],
            [["--lake", ""], /--lake must name a folder/],
            [["--bogus"], /unknown option '--bogus'\n\(npm start -- --help lists the options\)\n$/],
        ];
        for (const [args, pattern] of cases) {
            const r = await cli(args);
            assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
            assert.match(r.stderr, pattern);
            assert.equal(fs.existsSync(f.out), false, `${args.join(" ")} made no exports folder`);
        }
        fs.mkdirSync(f.base, { recursive: true });
        fs.symlinkSync(f.lake, path.join(f.base, "link"));
        const linked = await npmStart(["--lake", f.lake, "--out", path.join(f.base, "link", "out")]);
        assert.equal(linked.code, 2);
        assert.match(linked.stderr, /must be separate folders/);
    });

    it("a lease left by a run on another machine says how to free it", async () => {
        const f = folders();
        fs.mkdirSync(f.out, { recursive: true });
        const store = createFsObjectStore(f.out);
        const lease = {
            runId: "other",
            owner: "local:another-host:1",
            nowMs: Date.now(),
            untilMs: Date.now() + 60_000,
        };
        await acquireLease(store, lease);
        await assert.rejects(
            acquireLease(store, { ...lease, runId: "mine" }),
            /holds the lease until .*If no export is running .*delete .*lease\.json and run again/,
        );
    });
});
