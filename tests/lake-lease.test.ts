/**
 * Concurrent local runs on one lake (issue 17): the second is refused before it touches anything,
 * naming the run that holds the lake, never a DuckDB file error. The exports lease already covers
 * two runs on one --out; the lake's lease covers two --out folders on one lake.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { acquireLakeLease, LOCAL_DEFAULTS, runLocalExport, validateLocalOptions } from "../functions/local/runLocal";
import { MAX_CONTACTS_PER_MERGE, validateLakeShape } from "../functions/local/syntheticLake";
import { userMessage } from "../cli/export-local";

describe("npm start: one run at a time on a lake (issue 17)", function () {
    this.timeout(120_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "lake-lease-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a run on a lake another run holds is refused with the holder named, touching nothing; released, it runs", async () => {
        const lake = path.join(dir, "lake");
        const out = path.join(dir, "out-b");
        const run = () =>
            runLocalExport({
                lakeDir: lake,
                outDir: out,
                lake: { rows: 200, days: 2 },
                logSink: () => undefined,
                threads: 1,
            });
        // This process stands for a running npm start on the lake (another --out).
        const held = await acquireLakeLease(lake);
        try {
            await assert.rejects(run(), (e: Error) => {
                assert.match(
                    e.message,
                    new RegExp(
                        `^the lake ${lake.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is in use by another npm start \\(process ${process.pid}, since \\d{4}-.*\\); this run did nothing\\. Fix: wait for that run to finish, or pass another --lake$`,
                    ),
                );
                assert.doesNotMatch(e.message, /duckdb|IO Error|lock/i);
                return true;
            });
            assert.equal(fs.existsSync(lake) || fs.existsSync(out), false, "nothing was created");
        } finally {
            await held.release(Date.now());
        }
        const result = await run();
        assert.equal(result.summary?.status, "succeeded");
    });

    it("DuckDB's out-of-memory text never reaches the user: it names what ran out and the flags that bound it", () => {
        const duckdb = "Out of Memory Error: failed to allocate data of size 256.0 MiB (380.1 MiB/381.4 MiB used)";
        const text = userMessage(`merging contacts: ${duckdb}`);
        assert.doesNotMatch(text, /Out of Memory Error|MiB used/);
        assert.match(text, /ran out of memory .*--rows \/ --days.*Fix: fewer --rows, more --days, or --chunk-days 1/);
        assert.equal(userMessage("anything else"), "anything else");
    });

    it("--rows beyond what one local merge holds is refused before anything is generated, naming the limit and the fix", async () => {
        const shape = { rows: 50_000_000, days: 1, seed: 1, startDate: "2025-01-01" };
        const [problem] = validateLakeShape(shape);
        assert.match(
            problem,
            /^rows \/ days is 50,000,000 contacts a day, over the 2,000,000 a day one local merge holds in DuckDB's memory limit; give --days 25 or more, or fewer --rows$/,
        );
        assert.deepEqual(validateLakeShape({ ...shape, days: 25 }), [], "2,000,000 a day is within the limit");
        assert.deepEqual(validateLakeShape({ ...shape, rows: MAX_CONTACTS_PER_MERGE + 1, days: 1 }).length, 1);

        const lakeDir = path.join(dir, "big-lake");
        const outDir = path.join(dir, "big-out");
        // npm start passes --chunk-days only when given (left out, localChunkDays sizes it).
        const { chunkDays: _sized, ...defaults } = LOCAL_DEFAULTS;
        assert.throws(
            () => validateLocalOptions({ ...defaults, lakeDir, outDir, lake: { rows: 50_000_000, days: 1 } }),
            /invalid local export \(nothing was changed\):\n {2}- lake rows \/ days is 50,000,000 contacts a day, over the 2,000,000 .*give --days 25 or more, or fewer --rows$/,
        );
        // An explicit --chunk-days that would merge too many days at once: 1,000,000 a day x 7.
        assert.throws(
            () =>
                validateLocalOptions({
                    ...defaults,
                    lakeDir,
                    outDir,
                    lake: { rows: 30_000_000, days: 30 },
                    chunkDays: 7,
                }),
            /- --chunk-days 7 merges about 7,000,000 contacts at once \(1,000,000 a day\), over the 2,000,000 .*give --chunk-days 2 or less, or leave it out \(npm start sizes it\)$/,
        );
        validateLocalOptions({ ...defaults, lakeDir, outDir, lake: { rows: 30_000_000, days: 30 }, chunkDays: 2 });
        assert.equal(fs.existsSync(lakeDir), false, "nothing was generated");
    });
});
