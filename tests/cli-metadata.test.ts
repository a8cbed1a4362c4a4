import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import { METADATA_COLUMNS } from "../cli/metadata";
import { fsPathKind } from "../cli/outputPath";
import { BOTH, CONSUMER, deployment, PRODUCER, PRODUCER_DB, runCli } from "./cli-fake-aws";

/** Parses CSV back with a real CSV reader (DuckDB), not with the writer's own rules. */
async function parseCsv(text: string): Promise<Array<Record<string, string>>> {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cli-csv-")), "metadata.csv");
    fs.writeFileSync(file, text);
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    try {
        const reader = await connection.runAndReadAll(
            `SELECT * FROM read_csv('${file}', header = true, all_varchar = true, quote = '"', escape = '"')`,
        );
        return reader
            .getRowObjects()
            .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? "" : String(v)])));
    } finally {
        connection.closeSync();
    }
}

const AWKWARD = 'Agent\'s "display" name, as typed\nin the console; may contain commas, quotes, and a second line';

describe("cli metadata", () => {
    it("exports links and targets, one row per column, with awkward comments quoted so a CSV reader gets them back", async () => {
        const d = deployment(3);
        const users = d.aws.account(PRODUCER).databases.get(PRODUCER_DB)!.get("users")!;
        users.StorageDescriptor!.Columns!.push({ Name: "display_name", Type: "string", Comment: AWKWARD });
        const r = await runCli(d, ["metadata", ...BOTH]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.split("\n")[0], METADATA_COLUMNS.join(","));

        const rows = await parseCsv(r.stdout);
        assert.deepEqual(Object.keys(rows[0]), [...METADATA_COLUMNS]);
        // users: 3 columns + 1 partition key; contacts and agent_hierarchy_groups: 2 + 1; each for the link and the target.
        assert.equal(rows.length, 2 * (4 + 3 + 3));

        const link = rows.filter((x) => x.table === "users_link");
        assert.equal(link.length, 4);
        assert.deepEqual(
            { ...link[0] },
            {
                database: "connect_analytics_consumer",
                table: "users_link",
                is_link: "true",
                target_catalog: PRODUCER,
                target_database: PRODUCER_DB,
                target_table: "users",
                column: "instance_id",
                type: "string",
                is_partition_key: "false",
                comment: "Connect instance",
                location: `s3://connect-datalake-${PRODUCER}/users/`,
                classification: "parquet",
                last_updated: "2026-03-01T00:00:00.000Z",
            },
        );
        const target = rows.filter((x) => x.table === "users" && x.database === PRODUCER_DB);
        assert.deepEqual(
            target.map((x) => [x.column, x.is_partition_key, x.is_link]),
            [
                ["instance_id", "false", "false"],
                ["users_id", "false", "false"],
                ["display_name", "false", "false"],
                ["ds", "true", "false"],
            ],
        );
        assert.equal(target[2].comment, AWKWARD, "comment with commas, quotes and a newline survives the round trip");
        assert.equal(link.find((x) => x.column === "display_name")!.comment, AWKWARD);
        assert.equal(target[0].last_updated, "2026-03-04T05:06:07.000Z");
        assert.equal(d.aws.callsByCommand().GetTablesCommand, 2);
    });

    it("writes --out FILE and reports missing links on stderr", async () => {
        const d = deployment(3);
        d.aws.account(CONSUMER).databases.get("connect_analytics_consumer")!.delete("contacts_link");
        const r = await runCli(d, ["metadata", ...BOTH, "--out", "meta.csv"]);
        assert.equal(r.code, 0);
        assert.equal(r.stdout, "");
        const rows = await parseCsv(r.written["meta.csv"]);
        assert.ok(!rows.some((x) => x.table === "contacts_link"));
        assert.ok(rows.some((x) => x.table === "contacts"));
        assert.match(r.stderr, /warning: not found: link connect_analytics_consumer\.contacts_link/);
        // 3 rows (2 columns + 1 partition key) for each of users_link, users, contacts, agent_hierarchy_groups_link, agent_hierarchy_groups.
        assert.match(r.stderr, /wrote 15 rows to meta\.csv/);
    });

    it("--json prints the same rows as JSON", async () => {
        const d = deployment(3);
        const r = await runCli(d, ["metadata", ...BOTH, "--json"]);
        const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
        assert.equal(rows.length, 18);
        assert.equal(rows[0].is_link, true);
    });

    it("--out is checked before any AWS call: an existing file (without --overwrite), a folder, a missing or non-folder parent are exit 2 naming --out", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-out-"));
        const existing = path.join(dir, "meta.csv");
        fs.writeFileSync(existing, "keep me\n");
        const cases: Array<[string, RegExp]> = [
            [existing, /--out .*meta\.csv: already exists; pass --overwrite to replace it/],
            [dir, /--out .*: is a folder; pass the path of a file/],
            [path.join(dir, "missing", "meta.csv"), /--out .*: its folder .*missing does not exist/],
            [path.join(existing, "meta.csv"), /--out .*: .*meta\.csv is not a folder/],
        ];
        for (const [out, message] of cases) {
            const d = deployment(3);
            const r = await runCli(d, ["metadata", ...BOTH, "--out", out], { pathKind: fsPathKind });
            assert.equal(r.code, 2, out);
            assert.match(r.stderr, message);
            assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
            assert.equal(d.aws.calls(), 0, `no AWS call for ${out}`);
            assert.deepEqual(r.written, {});
        }
        assert.equal(fs.readFileSync(existing, "utf8"), "keep me\n");

        const d = deployment(3);
        const r = await runCli(d, ["metadata", ...BOTH, "--out", existing, "--overwrite"], { pathKind: fsPathKind });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.written[existing].startsWith("database,table,"));
        const fresh = path.join(dir, "fresh.csv");
        assert.equal(
            (await runCli(deployment(3), ["metadata", ...BOTH, "--out", fresh], { pathKind: fsPathKind })).code,
            0,
        );
    });

    it("--overwrite without --out is exit 2 naming both", async () => {
        const d = deployment(3);
        const r = await runCli(d, ["metadata", ...BOTH, "--overwrite"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /--overwrite: nothing to overwrite without --out <file>/);
        assert.equal(d.aws.calls(), 0);
    });
});
