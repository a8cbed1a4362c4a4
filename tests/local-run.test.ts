/**
 * `npm start` end to end in a child process: it mirrors the consumer config's column exclusions,
 * ends with one line per table (rows, distinct keys, stale versions, the database and a query),
 * shows progress on long steps, and turns bad arguments and faults into clear errors (exit 2): an
 * impossible date, an exports folder it cannot create (`--out /proc/x` must not hang), and a run
 * killed (kill -9) during a forced re-export, whose manifest must not claim what is not there.
 * `--as <reader>` with examples/share-many: each reader's view holds the rows and columns its
 * filters admit, counted again here from the lake's files with rowMatches; `--setup` creates the
 * empty tables only.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { RunManifest } from "../functions/types";
import { parseConfig } from "../lib/config";
import { parseRowFilter, rowMatches } from "../lib/rowFilter";
import { loadStackConfig } from "../plan/configFile";
import { ROOT } from "./helpers";
import { npmStart } from "./npm-start";

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

    it("ends with one line per table: rows, distinct keys, stale versions and a query to try after the warehouse's path; shows progress while generating", async () => {
        const { code, stdout, stderr } = await npmStart(base("lines"));
        assert.equal(code, 0, stderr);
        const lines = stdout.trim().split("\n");
        const tail = lines.slice(-7, -1);
        assert.match(lines[lines.length - 8], /^warehouse \(DuckDB\): .*connect_analytics_exports\.duckdb$/);
        assert.deepEqual(
            tail.map((l) => l.split(":")[0]),
            [
                "users",
                "contacts",
                "agent_hierarchy_groups",
                "contact_flow_events",
                "agent_queue_statistic_record",
                "agent_statistic_record",
            ],
        );
        for (const line of tail) {
            assert.match(
                line,
                /^\w+: [\d,]+ rows, [\d,]+ distinct keys, 0 stale versions, (read whole every run \(no time column\)|read whole \(snapshot\)|0 old days swept); try: npm run query -- --out .* 'SELECT count\(\*\) FROM \w+'$/,
            );
        }
        assert.match(
            stderr,
            /generating lake: 3\/3 days/,
            "progress on stderr (a line at a time when it is not a terminal)",
        );
    });

    it("bad arguments are clear usage errors (exit 2), and `--out /proc/x` fails at once instead of hanging", async () => {
        const date = await npmStart([...base("args"), "--from", "2025-02-30", "--to", "2025-03-01"]);
        assert.equal(date.code, 2);
        assert.match(date.stderr, /--from must be a real date YYYY-MM-DD/);
        const proc = await npmStart([...base("proc").slice(0, 6), "--out", "/proc/x", "--config-dir", dir], {}, 60_000);
        assert.equal(proc.signal, null, "it did not hang");
        assert.equal(proc.code, 2);
        assert.match(proc.stderr, /cannot use --out \/proc\/x: .*(ENOENT|EACCES|EPERM).*\(nothing was changed\)/);
        assert.equal(fs.existsSync(path.join(dir, "proc")), false, "the lake folder made for it is removed again");
        const nosuch = await npmStart([...base("args"), "--fresh", "--tables", "nosuch"]);
        assert.equal(nosuch.code, 2);
        assert.match(
            nosuch.stderr,
            /invalid local export \(nothing was changed\):\n {2}- --tables names "nosuch", not configured/,
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

describe("npm start -- --as <reader> (examples/share-many)", function () {
    this.timeout(300_000);
    const SHARE_MANY = path.join(ROOT, "examples", "share-many");
    const SALES = "8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b";
    const SUPPORT = "2d9a7c61-5e0f-4b3a-8c1d-6e7f8091a2b3";
    const readers = parseConfig(loadStackConfig(SHARE_MANY, "consumer")).readers;
    const filterOf = (role: string) => readers.find((r) => r.principal.endsWith(`/${role}`))!.rowFilter;
    let dir: string;
    let lake: string;
    let out: string;
    let db: DuckDBInstance;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-as-"));
        lake = path.join(dir, "lake");
        out = path.join(dir, "out");
    });
    after(() => {
        db?.closeSync();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    /** The lake and exports of these tests, with a config folder (default: examples/share-many). */
    const args = (...more: string[]) => [...lakeAndOut(out), "--config-dir", SHARE_MANY, ...more];
    const lakeAndOut = (exports: string) => ["--rows", "600", "--days", "3", "--lake", lake, "--out", exports];
    /** A read-only look at the export database (closed before the next npm start writes it). */
    async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
        db ??= await DuckDBInstance.create(path.join(out, "connect_analytics_exports.duckdb"), {
            access_mode: "READ_ONLY",
        });
        const conn = await db.connect();
        try {
            return (await conn.runAndReadAll(sql)).getRowObjectsJson() as T[];
        } finally {
            conn.closeSync();
        }
    }
    function closeDb() {
        db?.closeSync();
        db = undefined as unknown as DuckDBInstance;
    }
    const columnsOf = async (relation: string) =>
        (await query<{ column_name: string }>(`DESCRIBE ${relation}`)).map((r) => r.column_name);
    const tablesOf = async (schema: string) =>
        (
            await query<{ table_name: string }>(
                `SELECT table_name FROM duckdb_tables() WHERE schema_name = '${schema}' ORDER BY 1`,
            )
        ).map((r) => r.table_name);
    /**
     * Counted from the lake's files, not the export: the newest version of each key (the version
     * column's text sorts as time), then the reader's filter applied with rowMatches.
     */
    async function lakeCount(table: "users" | "contacts", filter: string | undefined) {
        const files = table === "users" ? "users/*.parquet" : "contacts/*/*.parquet";
        const key = table === "users" ? ["user_id"] : ["instance_id", "contact_id"];
        const version = table === "users" ? "last_modified_timestamp" : "last_update_timestamp";
        const instance = await DuckDBInstance.create(":memory:");
        const conn = await instance.connect();
        const all = (
            await conn.runAndReadAll(`SELECT * FROM read_parquet('${lake}/${files}', union_by_name = true)`)
        ).getRowObjectsJson();
        conn.closeSync();
        instance.closeSync();
        const latest = new Map<string, Record<string, unknown>>();
        for (const row of all) {
            const k = key.map((c) => row[c]).join("|");
            const seen = latest.get(k);
            if (!seen || String(row[version]) > String(seen[version])) latest.set(k, row);
        }
        const node = filter === undefined ? undefined : parseRowFilter(filter);
        const rows = [...latest.values()];
        return { total: rows.length, visible: rows.filter((r) => !node || rowMatches(node, r)).length };
    }

    it("an unknown reader, or a config without readers, is a usage error (exit 2) before any folder is touched", async () => {
        const unknown = await npmStart(args("--as", "nobody"));
        assert.equal(unknown.code, 2, unknown.stderr);
        assert.match(
            unknown.stderr,
            /--as nobody: no such reader in .*Pulumi\.consumer\.yaml; readers: sales-analyst \(arn:aws:iam::222222222222:role\/sales-analyst\), sales-bi \(.*\), workforce-planner \(.*\)\./,
        );
        // The repository's own Pulumi.consumer.yaml (the default --config-dir) has no readers.
        const none = await npmStart([...lakeAndOut(out), "--as", "sales-analyst"]);
        assert.equal(none.code, 2, none.stderr);
        assert.match(none.stderr, /--as sales-analyst: Pulumi\.consumer\.yaml configures no readers/);
        assert.equal(fs.existsSync(dir) && fs.readdirSync(dir).length, 0, "no lake or exports folder created");
    });

    it("sales-analyst: only SALES rows of users and contact_record, users without email and mobile; counts as the lake gives them", async () => {
        const run = await npmStart(args("--as", "sales-analyst"));
        assert.equal(run.code, 0, run.stderr);
        const filter = filterOf("sales-analyst")!;
        assert.equal(filter, `instance_id IN ('${SALES}')`);
        const users = await lakeCount("users", filter);
        const contacts = await lakeCount("contacts", filter);
        assert.ok(users.visible > 0 && users.visible < users.total, "the filter visibly removes users");
        assert.ok(contacts.visible > 0 && contacts.visible < contacts.total, "and contacts");
        const line = (name: string, c: { visible: number; total: number }, columns: string) =>
            new RegExp(
                `^ {2}${name}: ${c.visible.toLocaleString("en-US")} of ${c.total.toLocaleString("en-US")} rows, ${columns}; filter: instance_id IN \\('${SALES}'\\)$`,
                "m",
            );
        assert.match(
            run.stdout,
            /^reader sales-analyst \(arn:aws:iam::222222222222:role\/sales-analyst\) sees, in schema reader_sales_analyst:$/m,
        );
        assert.match(run.stdout, line("users", users, "17 of 19 columns \\(withheld: email, mobile\\)"));
        assert.match(run.stdout, line("contacts \\(contact_record\\)", contacts, "54 of 54 columns"));

        assert.deepEqual(await tablesOf("reader_sales_analyst"), ["contacts", "users"], "not agent_hierarchy_groups");
        const userColumns = await columnsOf("reader_sales_analyst.users");
        assert.ok(userColumns.includes("first_name") && userColumns.includes("user_id"));
        assert.ok(!userColumns.includes("email") && !userColumns.includes("mobile"), userColumns.join(","));
        for (const [table, c] of [
            ["users", users],
            ["contacts", contacts],
        ] as const) {
            const ids = await query<{ instance_id: string; n: string }>(
                `SELECT instance_id, count(*) AS n FROM reader_sales_analyst.${table} GROUP BY 1`,
            );
            assert.deepEqual(
                ids.map((r) => [r.instance_id, Number(r.n)]),
                [[SALES, c.visible]],
                table,
            );
            const whole = await query<{ i: string }>(`SELECT DISTINCT instance_id AS i FROM main.${table} ORDER BY 1`);
            assert.deepEqual(
                whole.map((r) => r.i),
                [SUPPORT, SALES],
                `the exported ${table} has both instances' rows`,
            );
        }
        closeDb();
    });

    it("sales-bi (by principal ARN): only VOICE and CHAT contacts, without customer_endpoint_address", async () => {
        const run = await npmStart(args("--as", "arn:aws:iam::222222222222:role/sales-bi", "--json"));
        assert.equal(run.code, 0, run.stderr);
        const view = JSON.parse(run.stdout).readerView;
        const contacts = await lakeCount("contacts", filterOf("sales-bi"));
        assert.deepEqual(
            view.tables.map((t: { table: string; rows: number; totalRows: number }) => [t.table, t.rows, t.totalRows]),
            [["contacts", contacts.visible, contacts.total]],
        );
        assert.ok(contacts.visible < contacts.total);
        assert.deepEqual(await tablesOf("reader_sales_bi"), ["contacts"]);
        const channels = await query<{ channel: string }>(
            "SELECT DISTINCT channel FROM reader_sales_bi.contacts ORDER BY 1",
        );
        assert.deepEqual(
            channels.map((r) => r.channel),
            ["CHAT", "VOICE"],
        );
        const columns = await columnsOf("reader_sales_bi.contacts");
        assert.ok(!columns.includes("customer_endpoint_address") && columns.includes("customer_endpoint_type"));
        assert.equal(columns.length, 53);
        closeDb();
    });

    it("workforce-planner: every users row without the PII columns, and agent_hierarchy_groups whole", async () => {
        const run = await npmStart(args("--as", "workforce-planner", "--json"));
        assert.equal(run.code, 0, run.stderr);
        const view = JSON.parse(run.stdout).readerView;
        const users = await lakeCount("users", undefined);
        const byTable = Object.fromEntries(view.tables.map((t: { table: string }) => [t.table, t]));
        assert.deepEqual(Object.keys(byTable).sort(), ["agent_hierarchy_groups", "users"]);
        assert.equal(byTable.users.rows, users.total);
        assert.equal(byTable.users.totalRows, users.total);
        assert.equal(byTable.users.filter, null);
        assert.deepEqual(byTable.users.withheld, ["first_name", "last_name", "email", "secondary_email", "mobile"]);
        const columns = await columnsOf("reader_workforce_planner.users");
        for (const pii of ["first_name", "last_name", "email", "secondary_email", "mobile"]) {
            assert.ok(!columns.includes(pii), pii);
        }
        assert.equal(byTable.agent_hierarchy_groups.rows, byTable.agent_hierarchy_groups.totalRows);
        const counts = await query<{ n: string }>(
            "SELECT (SELECT count(*) FROM reader_workforce_planner.users) AS n UNION ALL SELECT count(DISTINCT instance_id) FROM reader_workforce_planner.users",
        );
        assert.deepEqual(
            counts.map((r) => Number(r.n)),
            [users.total, 2],
        );
        closeDb();
    });

    it("--setup creates the missing tables empty, reading no data, and again creates nothing", async () => {
        const setupOut = path.join(dir, "setup-out");
        const first = await npmStart([
            ...lakeAndOut(setupOut),
            "--config-dir",
            SHARE_MANY,
            "--setup",
            "--tables",
            "users,contacts",
            "--json",
        ]);
        assert.equal(first.code, 0, first.stderr);
        assert.deepEqual(
            JSON.parse(first.stdout).tables.map((t: { table: string; status: string }) => [t.table, t.status]),
            [
                ["users", "created"],
                ["contacts", "created"],
            ],
        );
        const again = await npmStart([...lakeAndOut(setupOut), "--config-dir", SHARE_MANY, "--setup", "--json"]);
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(
            JSON.parse(again.stdout).tables.map((t: { status: string }) => t.status),
            ["exists", "exists", "created", "created", "created", "created"],
        );
        assert.deepEqual(fs.readdirSync(setupOut).sort(), [
            ".connect-analytics-exports.json",
            "connect_analytics_exports.duckdb",
            "state",
        ]);
        assert.deepEqual(fs.readdirSync(path.join(setupOut, "state")), ["lease.json"], "no watermark, no manifest");
        const setupDb = await DuckDBInstance.create(path.join(setupOut, "connect_analytics_exports.duckdb"), {
            access_mode: "READ_ONLY",
        });
        const conn = await setupDb.connect();
        const counts = (
            await conn.runAndReadAll(
                "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM contacts) + (SELECT count(*) FROM agent_hierarchy_groups) AS n",
            )
        ).getRows();
        conn.closeSync();
        setupDb.closeSync();
        assert.equal(Number(counts[0][0]), 0);
    });
});
