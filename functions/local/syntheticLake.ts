/**
 * A deterministic synthetic Amazon Connect data lake on the local disk, for `npm start`, the tests
 * and the bench: `users` and `agent_hierarchy_groups` as single Parquet files, `contacts` as daily
 * hive partitions (`dt=YYYY-MM-DD/`) of contact records, with the columns of lib/connectSchema.ts.
 *
 * Same seed, same data: the small dimension tables come from a seeded PRNG (mulberry32), and each
 * contact's values from DuckDB's hash of (contact number, seed), a counter-based generator, so a
 * million rows take a second and a day added later never changes the days before it.
 */
import * as fs from "fs";
import * as path from "path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { CONNECT_TABLE_SCHEMAS, type ConnectColumn } from "../../lib/connectSchema";
import { addDays, isIsoDay } from "../dates";
import { quoteIdent, sqlString } from "../sql";
import { duckdbType, LAKE_PARTITION_COLUMN } from "./duckdbSql";

export interface LakeOptions {
    readonly dir: string;
    /** Contacts over the first `days` days. */
    readonly rows: number;
    readonly days: number;
    readonly seed: number;
    readonly startDate: string;
}

export const DEFAULT_LAKE: Omit<LakeOptions, "dir"> = { rows: 100_000, days: 30, seed: 42, startDate: "2025-01-01" };

export interface LakeInfo {
    readonly lakeVersion: 1;
    readonly generatedWith: Omit<LakeOptions, "dir">;
    /** Contacts per daily partition, in day order (including days added later). */
    readonly partitions: readonly { readonly day: string; readonly rows: number }[];
    readonly users: number;
    readonly agentHierarchyGroups: number;
}

export const LAKE_INFO_FILE = "lake.json";
/** Contact numbers of day k are k * DAY_STRIDE + i, so each day's values depend on that day only. */
const DAY_STRIDE = 100_000_000;

export function readLakeInfo(dir: string): LakeInfo | undefined {
    try {
        return JSON.parse(fs.readFileSync(path.join(dir, LAKE_INFO_FILE), "utf8")) as LakeInfo;
    } catch {
        return undefined;
    }
}

export function lastLakeDay(info: LakeInfo): string {
    return info.partitions[info.partitions.length - 1].day;
}

/** Uses the lake in `dir` when it was generated with these options, else generates it afresh. */
export async function ensureLake(
    connection: DuckDBConnection,
    options: LakeOptions,
): Promise<{ info: LakeInfo; generated: boolean }> {
    const existing = readLakeInfo(options.dir);
    const wanted = { rows: options.rows, days: options.days, seed: options.seed, startDate: options.startDate };
    if (existing && JSON.stringify(existing.generatedWith) === JSON.stringify(wanted)) {
        return { info: existing, generated: false };
    }
    return { info: await generateLake(connection, options), generated: true };
}

export async function generateLake(connection: DuckDBConnection, options: LakeOptions): Promise<LakeInfo> {
    validateLakeOptions(options);
    const dir = path.resolve(options.dir);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const dims = buildDimensions(options.seed, options.startDate);
    await writeDimensions(connection, dir, dims);
    const base = Math.floor(options.rows / options.days);
    const extra = options.rows % options.days;
    const partitions = Array.from({ length: options.days }, (_, k) => ({
        day: addDays(options.startDate, k),
        rows: base + (k < extra ? 1 : 0),
    }));
    await writeContacts(
        connection,
        dir,
        dims,
        options.seed,
        partitions.map((p, k) => ({ ...p, k })),
    );
    const info: LakeInfo = {
        lakeVersion: 1,
        generatedWith: { rows: options.rows, days: options.days, seed: options.seed, startDate: options.startDate },
        partitions,
        users: dims.users.length,
        agentHierarchyGroups: dims.groups.length,
    };
    fs.writeFileSync(path.join(dir, LAKE_INFO_FILE), JSON.stringify(info, null, 2));
    return info;
}

/** Appends the next day of contacts (the lake's usual daily volume); returns the new day. */
export async function addLakeDay(
    connection: DuckDBConnection,
    lakeDir: string,
): Promise<{ info: LakeInfo; day: string }> {
    const dir = path.resolve(lakeDir);
    const info = readLakeInfo(dir);
    if (!info) {
        throw new Error(
            `no synthetic lake in ${dir} (${LAKE_INFO_FILE} missing); run without --add-day first to generate it.`,
        );
    }
    const { seed, startDate, rows, days } = info.generatedWith;
    const dims = buildDimensions(seed, startDate);
    await loadDimensionTables(connection, dims);
    const day = addDays(lastLakeDay(info), 1);
    const count = Math.floor(rows / days);
    await writeContacts(connection, dir, dims, seed, [{ k: info.partitions.length, day, rows: count }]);
    const next: LakeInfo = { ...info, partitions: [...info.partitions, { day, rows: count }] };
    fs.writeFileSync(path.join(dir, LAKE_INFO_FILE), JSON.stringify(next, null, 2));
    return { info: next, day };
}

function validateLakeOptions(o: LakeOptions): void {
    const problems: string[] = [];
    if (!Number.isInteger(o.rows) || o.rows < 0 || o.rows > 50_000_000) {
        problems.push(`rows must be a whole number from 0 to 50,000,000, got ${o.rows}`);
    }
    if (!Number.isInteger(o.days) || o.days < 1 || o.days > 3650) {
        problems.push(`days must be a whole number from 1 to 3650, got ${o.days}`);
    }
    if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 2 ** 31) {
        problems.push(`seed must be a whole number from 0 to 2^31, got ${o.seed}`);
    }
    if (!isIsoDay(o.startDate)) problems.push(`startDate must be YYYY-MM-DD, got ${JSON.stringify(o.startDate)}`);
    if (problems.length > 0) throw new Error(`invalid synthetic lake options: ${problems.join("; ")}.`);
}

// ---------------------------------------------------------------------------------------------
// Dimension data (seeded PRNG)

type Row = Record<string, string | number | boolean | null>;

interface Dimensions {
    readonly instanceId: string;
    readonly accountId: string;
    readonly region: string;
    readonly groups: Row[];
    readonly users: Row[];
    /** One row per user: what a contact handled by that agent carries. */
    readonly agents: Row[];
    readonly queues: Row[];
}

/** mulberry32: a tiny, well-distributed 32-bit PRNG; enough for synthetic names and ids. */
function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const FIRST_NAMES = [
    "Olivia",
    "Noah",
    "Charlotte",
    "Jack",
    "Amelia",
    "William",
    "Isla",
    "Oliver",
    "Mia",
    "Leo",
    "Ava",
    "Henry",
    "Grace",
    "Lucas",
    "Zoe",
    "Ethan",
    "Chloe",
    "Liam",
    "Ruby",
    "Mason",
];
const LAST_NAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Nguyen",
    "Johnson",
    "Martin",
    "White",
    "Anderson",
    "Walker",
    "Thompson",
    "Harris",
    "Lee",
    "Ryan",
    "Robinson",
    "Kelly",
];
const SITES = ["Sydney", "Melbourne", "Auckland"];
const TEAMS = ["Sales", "Support", "Billing", "Retention"];
const QUEUES = ["BasicQueue", "Sales", "Support", "Billing", "Retention", "Priority", "Callbacks", "Email"];
const USERS = 150;

function buildDimensions(seed: number, startDate: string): Dimensions {
    const rng = mulberry32(seed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rng() * list.length)];
    const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join("");
    const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
    const region = "ap-southeast-2";
    const accountId = String(100_000_000_000 + Math.floor(rng() * 899_999_999_999));
    const instanceId = uuid();
    const instanceArn = `arn:aws:connect:${region}:${accountId}:instance/${instanceId}`;
    const stamp = (daysBefore: number) =>
        `${addDays(startDate, -daysBefore)} ${String(8 + Math.floor(rng() * 10)).padStart(2, "0")}:${String(Math.floor(rng() * 60)).padStart(2, "0")}:00`;
    const common = (daysBefore: number): Row => ({
        instance_id: instanceId,
        instance_arn: instanceArn,
        aws_account_id: accountId,
        last_modified_region: region,
        last_modified_timestamp: stamp(daysBefore),
        data_lake_last_processed_timestamp: stamp(1),
    });

    const groups: Row[] = [];
    const group = (name: string) => {
        const id = uuid();
        const row: Row = {
            ...common(200 + Math.floor(rng() * 200)),
            agent_hierarchy_group_id: id,
            agent_hierarchy_group_arn: `${instanceArn}/agent-group/${id}`,
            agent_hierarchy_group_name: name,
        };
        groups.push(row);
        return row;
    };
    const org = group("Contact Centre");
    const teams = SITES.flatMap((site) => {
        const siteGroup = group(site);
        return TEAMS.map((team) => ({ path: [org, siteGroup, group(`${site} ${team}`)], team }));
    });

    const profiles = TEAMS.map((team) => {
        const id = uuid();
        return { id, name: `${team} Profile`, arn: `${instanceArn}/routing-profile/${id}`, team };
    });
    const queues: Row[] = QUEUES.map((name, idx) => {
        const id = uuid();
        return { idx, queue_id: id, queue_name: name, queue_arn: `${instanceArn}/queue/${id}` };
    });

    const users: Row[] = [];
    const agents: Row[] = [];
    for (let i = 0; i < USERS; i++) {
        const first = pick(FIRST_NAMES);
        const last = pick(LAST_NAMES);
        const username = `${first}.${last}${i}`.toLowerCase();
        const id = uuid();
        const arn = `${instanceArn}/agent/${id}`;
        const placement = teams[i % teams.length];
        const profile = profiles.find((p) => p.team === placement.team)!;
        const team = placement.path[2];
        users.push({
            ...common(Math.floor(rng() * 300)),
            user_id: id,
            user_arn: arn,
            username,
            directory_user_id: uuid(),
            first_name: first,
            last_name: last,
            email: `${username}@example.com`,
            secondary_email: rng() < 0.3 ? `${username}@example.org` : null,
            mobile: `+614${String(Math.floor(rng() * 100_000_000)).padStart(8, "0")}`,
            agent_hierarchy_group_id: team.agent_hierarchy_group_id,
            agent_hierarchy_group_arn: team.agent_hierarchy_group_arn,
            agent_routing_profile_id: profile.id,
            is_active: rng() < 0.95,
        });
        const agent: Row = {
            idx: i,
            agent_id: id,
            agent_username: username,
            agent_arn: arn,
            rp_id: profile.id,
            rp_name: profile.name,
            rp_arn: profile.arn,
        };
        placement.path.forEach((g, level) => {
            agent[`l${level + 1}_id`] = g.agent_hierarchy_group_id;
            agent[`l${level + 1}_name`] = g.agent_hierarchy_group_name;
            agent[`l${level + 1}_arn`] = g.agent_hierarchy_group_arn;
        });
        agents.push(agent);
    }
    return { instanceId, accountId, region, groups, users, agents, queues };
}

// ---------------------------------------------------------------------------------------------
// Writing

function literal(value: Row[string], type: string): string {
    if (value === null || value === undefined) return "NULL";
    if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
    if (typeof value === "number") return String(value);
    return type === "TIMESTAMP" ? `TIMESTAMP ${sqlString(value)}` : sqlString(value);
}

async function createTable(
    connection: DuckDBConnection,
    name: string,
    columns: readonly { name: string; type: string }[],
    rows: readonly Row[],
): Promise<void> {
    await connection.run(
        `CREATE OR REPLACE TEMP TABLE ${quoteIdent(name)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ")})`,
    );
    if (rows.length === 0) return;
    const values = rows.map((row) => `(${columns.map((c) => literal(row[c.name] ?? null, c.type)).join(", ")})`);
    await connection.run(`INSERT INTO ${quoteIdent(name)} VALUES ${values.join(", ")}`);
}

const typed = (columns: readonly ConnectColumn[]) => columns.map((c) => ({ name: c.name, type: duckdbType(c.type) }));

async function loadDimensionTables(connection: DuckDBConnection, dims: Dimensions): Promise<void> {
    const text = (names: string[]) => names.map((name) => ({ name, type: name === "idx" ? "BIGINT" : "VARCHAR" }));
    const agentColumns = [
        "idx",
        "agent_id",
        "agent_username",
        "agent_arn",
        "rp_id",
        "rp_name",
        "rp_arn",
        ...[1, 2, 3].flatMap((l) => [`l${l}_id`, `l${l}_name`, `l${l}_arn`]),
    ];
    await createTable(connection, "synthetic_agent_dim", text(agentColumns), dims.agents);
    await createTable(
        connection,
        "synthetic_queue_dim",
        text(["idx", "queue_id", "queue_name", "queue_arn"]),
        dims.queues,
    );
}

async function writeDimensions(connection: DuckDBConnection, dir: string, dims: Dimensions): Promise<void> {
    for (const [table, rows] of [
        ["users", dims.users],
        ["agent_hierarchy_groups", dims.groups],
    ] as const) {
        await createTable(connection, `synthetic_${table}`, typed(CONNECT_TABLE_SCHEMAS[table].columns), rows);
        fs.mkdirSync(path.join(dir, table), { recursive: true });
        await connection.run(
            `COPY ${quoteIdent(`synthetic_${table}`)} TO ${sqlString(path.join(dir, table, "data_0.parquet"))} (FORMAT PARQUET, COMPRESSION SNAPPY)`,
        );
    }
    await loadDimensionTables(connection, dims);
}

/** A UUID-shaped string from a 32-hex-digit md5 expression. */
const uuidOf = (hex: string) =>
    `substr(${hex}, 1, 8) || '-' || substr(${hex}, 9, 4) || '-4' || substr(${hex}, 14, 3) || '-a' || substr(${hex}, 18, 3) || '-' || substr(${hex}, 21, 12)`;

/** SQL expression of every contact_record column, over the CTE `t` joined to agent `a` and queue `q`. */
function contactExpressions(dims: Dimensions): Record<string, string> {
    const notAbandoned = (expr: string) => `CASE WHEN NOT abandoned THEN ${expr} END`;
    const levels: Record<string, string> = {};
    for (const level of [1, 2, 3, 4, 5]) {
        for (const part of ["id", "name", "arn"]) {
            levels[`agent_hierarchy_groups_level_${level}_${part}`] = level <= 3 ? `a.l${level}_${part}` : "NULL";
        }
    }
    return {
        instance_id: sqlString(dims.instanceId),
        aws_account_id: sqlString(dims.accountId),
        contact_id: "cid",
        initial_contact_id: "cid",
        previous_contact_id: `CASE WHEN method = 'TRANSFER' THEN ${uuidOf("md5(m)")} END`,
        related_contact_id: "NULL",
        next_contact_id: "NULL",
        channel: "ch",
        initiation_method: "method",
        initiation_timestamp: "init_ts",
        connected_to_system_timestamp: "init_ts",
        disconnect_timestamp: "disc_ts",
        disconnect_reason:
            "CASE WHEN abandoned THEN 'CUSTOMER_DISCONNECT' WHEN h5 % 10 < 5 THEN 'CUSTOMER_DISCONNECT' WHEN h5 % 10 < 9 THEN 'AGENT_DISCONNECT' ELSE 'TELECOM_PROBLEM' END",
        queue_id: "q.queue_id",
        queue_name: "q.queue_name",
        queue_arn: "q.queue_arn",
        queue_enqueue_timestamp: "enq_ts",
        queue_duration_ms: "queue_ms",
        agent_id: "a.agent_id",
        agent_username: "a.agent_username",
        agent_arn: "a.agent_arn",
        agent_connected_to_agent_timestamp: notAbandoned("enq_ts + to_milliseconds(queue_ms)"),
        agent_interaction_duration_ms: notAbandoned("talk_ms"),
        agent_customer_hold_duration_ms: notAbandoned("holds * hold_each_ms"),
        agent_number_of_holds: notAbandoned("holds"),
        agent_longest_hold_duration_ms: notAbandoned("CASE WHEN holds > 0 THEN hold_each_ms + 5000 ELSE 0 END"),
        agent_after_contact_work_duration_ms: notAbandoned("acw_ms"),
        agent_routing_profile_id: "a.rp_id",
        agent_routing_profile_name: "a.rp_name",
        agent_routing_profile_arn: "a.rp_arn",
        ...levels,
        customer_endpoint_type: "CASE ch WHEN 'VOICE' THEN 'TELEPHONE_NUMBER' WHEN 'EMAIL' THEN 'EMAIL_ADDRESS' END",
        customer_endpoint_address:
            "CASE ch WHEN 'VOICE' THEN '+614' || lpad(CAST((h3 >> 24) % 100000000 AS VARCHAR), 8, '0') WHEN 'EMAIL' THEN 'customer' || CAST((h3 >> 24) % 1000000 AS VARCHAR) || '@example.net' END",
        system_endpoint_type: "CASE ch WHEN 'VOICE' THEN 'TELEPHONE_NUMBER' END",
        system_endpoint_address: "CASE ch WHEN 'VOICE' THEN '+6128000' || lpad(CAST(queue_idx AS VARCHAR), 4, '0') END",
        attributes:
            "MAP {'customer_tier': CASE h1 % 3 WHEN 0 THEN 'gold' WHEN 1 THEN 'silver' ELSE 'bronze' END, " +
            "'intent': CASE (h2 >> 32) % 4 WHEN 0 THEN 'billing' WHEN 1 THEN 'orders' WHEN 2 THEN 'technical' ELSE 'account' END}",
        recording_status: "CASE WHEN ch = 'VOICE' AND NOT abandoned THEN 'AVAILABLE' END",
        recording_location:
            "CASE WHEN ch = 'VOICE' AND NOT abandoned THEN 'connect-recordings/' || strftime(init_ts, '%Y/%m/%d') || '/' || cid || '.wav' END",
        data_lake_last_processed_timestamp: "disc_ts + to_minutes(CAST(30 + (h4 >> 40) % 60 AS BIGINT))",
    };
}

/** The SELECT producing contacts of the given days, columns in schema order plus `dt`. */
export function contactsSelect(
    dims: Pick<Dimensions, "instanceId" | "accountId" | "agents" | "queues">,
    seed: number,
    days: readonly { k: number; day: string; rows: number }[],
): string {
    const columns = CONNECT_TABLE_SCHEMAS.contacts.columns;
    const expressions = contactExpressions(dims as Dimensions);
    const missing = columns.filter((c) => !(c.name in expressions)).map((c) => c.name);
    if (missing.length > 0) {
        throw new Error(`synthetic lake has no generator for contacts column(s) ${missing.join(", ")}`);
    }
    const maxRows = Math.max(1, ...days.map((d) => d.rows));
    const dayValues = days.map((d) => `(${d.k}, DATE '${d.day}', ${d.rows})`).join(", ");
    const hashes = [1, 2, 3, 4, 5].map((i) => `hash(n, ${seed}, ${i}) AS h${i}`).join(", ");
    return `
WITH days(k, day, n_rows) AS (VALUES ${dayValues}),
base AS (SELECT days.day, CAST(days.k AS BIGINT) * ${DAY_STRIDE} + r.j AS n FROM days, range(${maxRows}) r(j) WHERE r.j < days.n_rows),
h AS (SELECT day, n, ${hashes}, md5('${seed}-' || n::VARCHAR) AS m FROM base),
c AS (
  SELECT h.*,
    ${uuidOf("m")} AS cid,
    CASE WHEN h1 % 100 < 62 THEN 'VOICE' WHEN h1 % 100 < 85 THEN 'CHAT' WHEN h1 % 100 < 95 THEN 'TASK' ELSE 'EMAIL' END AS ch,
    CASE WHEN (h1 >> 8) % 100 < 70 THEN 'INBOUND' WHEN (h1 >> 8) % 100 < 85 THEN 'OUTBOUND' WHEN (h1 >> 8) % 100 < 92 THEN 'TRANSFER'
         WHEN (h1 >> 8) % 100 < 96 THEN 'CALLBACK' ELSE 'API' END AS method,
    day::TIMESTAMP + to_seconds(CAST(CASE WHEN h2 % 100 < 80 THEN 28800 + (h2 >> 8) % 36000 ELSE (h2 >> 8) % 86400 END AS BIGINT)) AS init_ts,
    (h3 % 100) < 7 AS abandoned,
    CASE WHEN (h3 % 100) < 7 THEN NULL ELSE CAST((h3 >> 8) % ${dims.agents.length} AS BIGINT) END AS agent_idx,
    CAST(h4 % ${dims.queues.length} AS BIGINT) AS queue_idx,
    CAST(5000 + (h1 >> 16) % 40000 AS BIGINT) AS flow_ms,
    CAST(15000 + (h4 >> 8) % 600000 AS BIGINT) AS queue_ms,
    CAST(60000 + h5 % 1140000 AS BIGINT) AS talk_ms,
    CAST((h5 >> 20) % 4 AS BIGINT) AS holds,
    CAST(10000 + (h5 >> 24) % 90000 AS BIGINT) AS hold_each_ms,
    CAST((h5 >> 32) % 300000 AS BIGINT) AS acw_ms
  FROM h
),
t AS (
  SELECT c.*, init_ts + to_milliseconds(flow_ms) AS enq_ts,
    CASE WHEN abandoned THEN init_ts + to_milliseconds(flow_ms + queue_ms)
         ELSE init_ts + to_milliseconds(flow_ms + queue_ms + talk_ms + holds * hold_each_ms) END AS disc_ts
  FROM c
)
SELECT ${columns.map((col) => `CAST(${expressions[col.name]} AS ${duckdbType(col.type)}) AS ${quoteIdent(col.name)}`).join(",\n  ")},
  day AS ${quoteIdent(LAKE_PARTITION_COLUMN)}
FROM t
LEFT JOIN synthetic_agent_dim a ON a.idx = t.agent_idx
JOIN synthetic_queue_dim q ON q.idx = t.queue_idx`;
}

async function writeContacts(
    connection: DuckDBConnection,
    dir: string,
    dims: Dimensions,
    seed: number,
    days: readonly { k: number; day: string; rows: number }[],
): Promise<void> {
    const target = path.join(dir, "contacts");
    fs.mkdirSync(target, { recursive: true });
    for (const d of days) {
        fs.rmSync(path.join(target, `${LAKE_PARTITION_COLUMN}=${d.day}`), { recursive: true, force: true });
    }
    await connection.run(
        `COPY (${contactsSelect(dims, seed, days)}) TO ${sqlString(target)} ` +
            `(FORMAT PARQUET, COMPRESSION SNAPPY, PARTITION_BY (${quoteIdent(LAKE_PARTITION_COLUMN)}), OVERWRITE_OR_IGNORE true)`,
    );
}
