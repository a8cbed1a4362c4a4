/**
 * The export's guarantee, shown end to end on DuckDB: after a first load, three daily runs (each
 * delivering duplicates, late records, updates, and versions out of order: older versions after
 * newer ones and equal versions with other content), a re-run of the same run id, a run killed in
 * the middle (kill -9 right after a MERGE committed, before its reconciliation and watermark)
 * then re-run, and a backfill over days already loaded, every table holds exactly the latest
 * version of each key of the lake (on equal versions, the greater content): identical to a
 * reference computed straight from the lake files, with zero duplicates. The same check runs for
 * the files target.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import {
    LOCAL_DATABASE_FILE,
    LOCAL_DEFAULTS,
    runLocalExport,
    type LocalExportOptions,
} from "../functions/local/runLocal";
import type { ExportTarget, RunManifest } from "../functions/types";
import { compiled } from "./build";
import { ROOT } from "./helpers";

const TABLES = [
    { name: "users", key: ["user_id"], version: "last_modified_timestamp" },
    { name: "contacts", key: ["instance_id", "contact_id"], version: "last_update_timestamp" },
    { name: "agent_hierarchy_groups", key: ["agent_hierarchy_group_id"], version: "last_modified_timestamp" },
];

/** `npm start` in a child process; `crashAt` makes it kill itself (SIGKILL) at that step. */
function npmStart(
    args: string[],
    crashAt?: string,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [compiled("cli/export-local.ts"), ...args],
            {
                cwd: ROOT,
                env: { ...process.env, ...(crashAt ? { EXPORT_LOCAL_CRASH_AT: crashAt } : {}) },
                maxBuffer: 64 * 1024 * 1024,
            },
            (err, stdout, stderr) => {
                const e = err as (Error & { code?: number; signal?: string }) | null;
                resolve({ code: e ? (e.code ?? null) : 0, signal: e?.signal ?? null, stdout, stderr });
            },
        );
    });
}

for (const target of ["iceberg", "files"] as ExportTarget[]) {
    describe(`export sequence against a reference computed from the lake (${target} target)`, function () {
        this.timeout(300_000);
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), `export-sequence-${target}-`));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const lake = () => path.join(dir, "lake");
        const out = () => path.join(dir, "exports");
        const cli = () => [
            "--lake",
            path.join(dir, "lake"),
            "--out",
            path.join(dir, "exports"),
            "--target",
            target,
            "--config-dir",
            path.join(dir, "config"),
            // The tables the reference covers (the sweep's tables have tests/export-sweep.test.ts).
            "--tables",
            TABLES.map((t) => t.name).join(","),
        ];
        const run = (extra: Partial<LocalExportOptions> = {}) =>
            runLocalExport({
                ...LOCAL_DEFAULTS,
                lakeDir: lake(),
                outDir: out(),
                target,
                threads: 2,
                logSink: () => undefined,
                tables: TABLES.map((t) => t.name),
                ...extra,
            });

        it("first load, three daily runs, a re-run, a crash and its re-run, a backfill: identical to the lake's latest versions, no duplicates", async () => {
            fs.mkdirSync(path.join(dir, "config"));
            fs.copyFileSync(path.join(ROOT, "Pulumi.consumer.yaml"), path.join(dir, "config", "Pulumi.consumer.yaml"));
            const first = await run({ lake: { rows: 4_000, days: 6 } });
            assert.equal(first.summary!.status, "succeeded");
            for (let day = 0; day < 3; day++) {
                const daily = await run({ addDay: true, newColumn: day === 1 });
                assert.equal(daily.summary!.status, "succeeded", daily.error?.message);
            }
            const again = await run();
            assert.ok(
                again.summary!.tables.every((t) => t.runAttempt === 1),
                "a re-run of the same run id redoes nothing",
            );

            // The next day's run, killed (SIGKILL) right after the contacts MERGE (files: index switch) committed.
            const killed = await npmStart(
                [...cli(), "--add-day"],
                `${target === "iceberg" ? "merged" : "indexed"}:contacts`,
            );
            assert.equal(killed.signal, "SIGKILL", killed.stderr);
            const runId = "20250111T020000Z";
            const crashed = JSON.parse(
                fs.readFileSync(path.join(out(), "manifests", `${runId}.json`), "utf8"),
            ) as RunManifest;
            assert.equal(crashed.tables.contacts.status, "running", "the manifest never claims what it did not finish");
            assert.equal(crashed.status, "running");
            const resumed = await npmStart([...cli(), "--json"]);
            assert.equal(resumed.code, 0, resumed.stderr);
            const summary = JSON.parse(resumed.stdout);
            assert.equal(summary.runId, runId);
            assert.equal(summary.runAttempt, 2);
            assert.equal(summary.tables.find((t: { table: string }) => t.table === "contacts").status, "succeeded");

            const backfill = await run({ tables: ["contacts"], from: "2025-01-02", to: "2025-01-09" });
            const b = backfill.summary!.tables[0];
            assert.equal(b.status, "succeeded");
            if (target === "iceberg") {
                assert.deepEqual([b.rowsInserted, b.rowsUpdated], [0, 0], "days already loaded: nothing changes");
            }

            // The reference: the latest version of each key, straight from the lake's files.
            const db = await DuckDBInstance.create(":memory:");
            const conn = await db.connect();
            try {
                if (target === "iceberg") {
                    await conn.run(`ATTACH '${path.join(out(), LOCAL_DATABASE_FILE)}' AS t (READ_ONLY)`);
                }
                for (const t of TABLES) {
                    const files =
                        t.name === "contacts" ? `${lake()}/contacts/dt=*/*.parquet` : `${lake()}/${t.name}/*.parquet`;
                    const key = t.key.join(", ");
                    const lakeRows = `read_parquet('${files}', union_by_name = true, hive_partitioning = false)`;
                    // Equal versions with different content: the row whose columns (after key and version,
                    // in the table's order) compare greater as text, first differing column first, wins.
                    const tie = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${lakeRows}`))
                        .getRows()
                        .map((r) => String(r[0]))
                        .filter((c) => !t.key.includes(c) && c !== t.version)
                        .map((c) => `CAST("${c}" AS VARCHAR) DESC NULLS LAST`)
                        .join(", ");
                    await conn.run(
                        `CREATE TABLE ref_${t.name} AS SELECT * EXCLUDE (rn) FROM (SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY ${t.version} DESC, ${tie}) AS rn ` +
                            `FROM ${lakeRows}) WHERE rn = 1`,
                    );
                    let source = `t.${t.name}`;
                    if (target === "files") {
                        const index = JSON.parse(
                            fs.readFileSync(path.join(out(), "connect", t.name, "_current.json"), "utf8"),
                        );
                        const folders = Object.values(index.days as Record<string, string>).map(
                            (f) => `'${path.join(out(), f)}*.parquet'`,
                        );
                        source = `read_parquet([${folders.join(", ")}], union_by_name = true, hive_partitioning = false)`;
                    }
                    await conn.run(`CREATE TABLE got_${t.name} AS SELECT * FROM ${source}`);
                    const cols = (await conn.runAndReadAll(`DESCRIBE ref_${t.name}`))
                        .getRows()
                        .map((r) => `to_json("${r[0]}")`)
                        .join(", ");
                    const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0][0]);
                    const rows = await count(`SELECT count(*) FROM got_${t.name}`);
                    const keys = await count(`SELECT count(*) FROM (SELECT DISTINCT ${key} FROM got_${t.name})`);
                    assert.equal(rows, keys, `${t.name}: zero duplicates`);
                    assert.equal(
                        rows,
                        await count(`SELECT count(*) FROM ref_${t.name}`),
                        `${t.name}: as many rows as the lake has keys`,
                    );
                    const diff = `SELECT count(*) FROM (SELECT ${cols} FROM ref_${t.name} EXCEPT SELECT ${cols} FROM got_${t.name})`;
                    assert.equal(await count(diff), 0, `${t.name}: every row is the lake's latest version`);
                }
                const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0][0]);
                assert.ok(
                    (await count(`SELECT count(*) FROM ref_contacts WHERE attributes['survey_score'] IS NOT NULL`)) > 0,
                    "the lake really had updated contacts",
                );
                // Out of order, as the lake delivered it: older versions after the newer (same delivery
                // and a day later), and equal versions with other content, whose winner the export kept.
                const contactFiles = (kind: string) =>
                    `read_parquet('${lake()}/contacts/dt=*/${kind}-*.parquet', union_by_name = true, hive_partitioning = false, filename = true)`;
                const stale = await count(
                    `SELECT count(*) FROM ${contactFiles("stale")} s JOIN ref_contacts r USING (instance_id, contact_id) ` +
                        `WHERE s.last_update_timestamp < r.last_update_timestamp`,
                );
                const sameDelivery = await count(
                    `SELECT count(*) FROM ${contactFiles("stale")} s JOIN ${contactFiles("update")} u USING (instance_id, contact_id) ` +
                        `WHERE regexp_extract(s.filename, '-([0-9-]+)\\.parquet$', 1) = regexp_extract(u.filename, '-([0-9-]+)\\.parquet$', 1)`,
                );
                const twins = await count(
                    `SELECT count(*) FROM ${contactFiles("twin")} w JOIN ${contactFiles("update")} u USING (instance_id, contact_id) ` +
                        `WHERE w.last_update_timestamp = u.last_update_timestamp AND CAST(w.attributes AS VARCHAR) <> CAST(u.attributes AS VARCHAR)`,
                );
                assert.ok(
                    stale > 0 && sameDelivery > 0 && sameDelivery < stale && twins > 0,
                    JSON.stringify({ stale, sameDelivery, twins }),
                );
                assert.equal(
                    await count(
                        `SELECT count(*) FROM got_contacts g JOIN ${contactFiles("stale")} s USING (instance_id, contact_id) ` +
                            `WHERE g.last_update_timestamp <= s.last_update_timestamp`,
                    ),
                    0,
                    "no older version delivered later replaced the newer one",
                );
                assert.ok(
                    (await count(`SELECT count(answering_machine_detection_status) FROM got_contacts`)) > 0,
                    "the column that appeared was exported",
                );
            } finally {
                conn.closeSync();
                db.closeSync();
            }
        });
    });
}
