/**
 * A deterministic synthetic Amazon Connect data lake on the local disk, for `npm start`, the tests
 * and the bench, delivered the way Connect delivers (at least once, updated later):
 *  - `contacts`: daily hive partitions (`dt=YYYY-MM-DD/`) of contact records. Each delivery day
 *    adds that day's contacts (about 1% of them twice), new versions of about 5% of the previous
 *    day's contacts (a later `last_update_timestamp`, changed attributes) into that day's
 *    partition, and the few contacts of two days earlier that missed their first delivery (late
 *    records in an old day). Some versions come out of order (`outOfOrderFiles`): older ones
 *    after newer, in the same delivery and a day later, and equal versions with other content.
 *    With `newColumn`, deliveries from then on carry a column the earlier files lack.
 *  - old updates of contacts 30 to 400 days old, and the tables contact_flow_events,
 *    agent_queue_statistic_record and agent_statistic_record: ./syntheticDatasets.ts.
 *  - `users` and `agent_hierarchy_groups`: snapshot tables of configuration records; later
 *    deliveries add new versions of a few users (a later `last_modified_timestamp`).
 *  - Connect instances: one random instance id, or the ids given (`instanceIds`, e.g. a producer
 *    config's connectInstanceIds), so readers' row filters on instance_id remove rows. With several,
 *    each site of the hierarchy belongs to one instance (site k to instance k mod n) with its
 *    groups and agents, a contact to its agent's instance (an abandoned one to a hashed one).
 *
 * Same seed, same data: the small dimension tables come from a seeded PRNG (mulberry32), and each
 * contact's values from DuckDB's hash of (contact number, seed), a counter-based generator, so a
 * day added later never changes the days before it. Generation goes one delivery day at a time
 * (bounded memory whatever the row count), reporting progress.
 *
 * `lake.json` is the lake's marker and inventory: written before the first file, so a folder
 * holding it was made here (and only such a folder is ever deleted), and listing every file with
 * its rows, so a missing one is an error rather than an empty day.
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { CONNECT_TABLE_SCHEMAS, type ConnectColumn } from "../../lib/connectSchema";
import { addDays, isIsoDay } from "../dates";
import { quoteIdent, sqlString } from "../sql";
import { duckdbType, GLOB_CHARACTERS, LAKE_PARTITION_COLUMN } from "./duckdbSql";
import { DATASET_ENTRIES, deliverDatasets } from "./syntheticDatasets";

export interface LakeShape {
    /** Contacts over the first `days` days. */
    readonly rows: number;
    readonly days: number;
    readonly seed: number;
    readonly startDate: string;
    /** Connect instance ids of the rows; absent: one random instance (the seed's). */
    readonly instanceIds?: readonly string[];
}

/** Bounds of the numeric lake options ([min, max], inclusive): the CLI's and validateLakeShape's. */
export const LAKE_LIMITS = { rows: [0, 50_000_000], days: [1, 3650], seed: [0, 2 ** 31] } as const;
/**
 * Contacts one local MERGE holds within DuckDB's memory limit (runLocal's 400MB, spilling to
 * disk): measured with a 2,013,825-contact day, generated in 125 s and merged in 406 s at a
 * 1.1 GB peak RSS on 2 cores. A bigger day is refused before anything is generated, so a run
 * never ends in DuckDB's out-of-memory text an hour in.
 */
export const MAX_CONTACTS_PER_MERGE = 2_000_000;
export const DEFAULT_LAKE: LakeShape = { rows: 100_000, days: 30, seed: 42, startDate: "2025-01-01" };
export const LAKE_INFO_FILE = "lake.json";
/** The range of a generated lake's first day. */
export const FIRST_LAKE_DAY = "2000-01-01";
export const LAST_LAKE_START = "2099-12-31";
export const LAKE_GENERATOR = "connect-analytics synthetic lake";
/** Folders and files a lake holds besides lake.json: the only things ever deleted from a lake. */
export const LAKE_ENTRIES = ["contacts", "users", "agent_hierarchy_groups", ...DATASET_ENTRIES];
/** A column Connect added to contact_record, appearing in deliveries made with `newColumn`. */
export const NEW_CONTACT_COLUMN = { name: "answering_machine_detection_status", type: "VARCHAR" } as const;
/** Late contacts arrive this many days after their day. */
export const LATE_DAYS = 2;

export interface LakeInfo {
    readonly lakeVersion: 2;
    readonly generator: typeof LAKE_GENERATOR;
    readonly generatedWith: LakeShape;
    /** False until generation finished: an interrupted lake is regenerated. */
    readonly complete: boolean;
    /** Delivery days so far, in order; the last is the lake's last complete day. */
    readonly deliveries: readonly string[];
    /** New contacts per day (first deliveries, duplicates included). */
    readonly partitions: readonly { readonly day: string; readonly rows: number }[];
    /** Contacts generated per day (the generator's input, late ones included). */
    readonly dayCounts: readonly number[];
    /** Every file of the lake (relative path) and its rows. */
    readonly files: Readonly<Record<string, number>>;
    /**
     * Files a delivery is writing (listed before the first byte, cleared once they are in `files`):
     * after a crash (kill -9) they are provably the lake's, and are deleted before the lake is used.
     */
    readonly pending?: readonly string[];
    /** Random id of this generation: ties an exports folder to the lake it was made from. */
    readonly lakeId?: string;
    /** First delivery day carrying NEW_CONTACT_COLUMN, if any. */
    readonly newColumnSince: string | null;
    readonly users: number;
    readonly agentHierarchyGroups: number;
}

export type LakeProgress = (p: { readonly step: string; readonly done: number; readonly total: number }) => void;

/** What a folder given as the lake is: absent/empty (free), a lake made here, or something else. */
export type LakeState =
    | { readonly kind: "absent" | "empty" }
    | { readonly kind: "lake"; readonly info: LakeInfo }
    | { readonly kind: "stale"; readonly why: string; readonly info?: LakeInfo }
    | { readonly kind: "foreign"; readonly why: string };

export function inspectLake(dir: string): LakeState {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(dir);
    } catch {
        return { kind: "absent" };
    }
    if (!stat.isDirectory()) return { kind: "foreign", why: "it is a file" };
    const entries = fs.readdirSync(dir);
    if (entries.length === 0) return { kind: "empty" };
    if (!entries.includes(LAKE_INFO_FILE)) {
        return { kind: "foreign", why: `it holds files but no ${LAKE_INFO_FILE} written by npm start` };
    }
    let info: { lakeVersion?: number; generator?: string; complete?: boolean };
    try {
        info = JSON.parse(fs.readFileSync(path.join(dir, LAKE_INFO_FILE), "utf8"));
    } catch (err) {
        return { kind: "foreign", why: `its ${LAKE_INFO_FILE} is not JSON (${(err as Error).message})` };
    }
    if (info?.lakeVersion === 1) return { kind: "stale", why: "it was made by an older npm start" };
    if (info?.generator !== LAKE_GENERATOR || info.lakeVersion !== 2) {
        return { kind: "foreign", why: `its ${LAKE_INFO_FILE} was not written by npm start` };
    }
    if (!info.complete) {
        return { kind: "stale", why: "its generation was interrupted", info: info as unknown as LakeInfo };
    }
    return { kind: "lake", info: info as unknown as LakeInfo };
}

export function lastLakeDay(info: LakeInfo): string {
    return info.deliveries[info.deliveries.length - 1];
}

/**
 * Deletes a lake made here: the files its lake.json lists (and those a crashed delivery was
 * writing), lake.json, and the folders left empty. Anything else found in the folder stays (a lake
 * of the first version listed no files: its table folders go whole).
 */
export function deleteLake(dir: string, info?: LakeInfo): void {
    if (!info) {
        for (const entry of LAKE_ENTRIES) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    }
    for (const file of [...Object.keys(info?.files ?? {}), ...(info?.pending ?? [])]) {
        fs.rmSync(path.join(dir, file), { force: true });
    }
    fs.rmSync(path.join(dir, LAKE_INFO_FILE), { force: true });
    for (const entry of LAKE_ENTRIES) removeEmptyFolders(path.join(dir, entry));
}

/** Removes `dir` and the folders under it that hold no file. */
function removeEmptyFolders(dir: string): void {
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return;
    }
    for (const e of entries) if (e.isDirectory()) removeEmptyFolders(path.join(dir, e.name));
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

/**
 * Parquet files in the lake's table folders that its lake.json does not list: the export would
 * read them as lake data, and they are not provably the lake's, so they are never deleted.
 */
export function lakeStrays(dir: string, info: LakeInfo): string[] {
    const known = new Set([...Object.keys(info.files), ...(info.pending ?? [])]);
    const strays: string[] = [];
    const walk = (relative: string) => {
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) {
            const child = `${relative}/${e.name}`;
            if (e.isDirectory()) walk(child);
            else if (e.name.endsWith(".parquet") && !known.has(child)) strays.push(child);
        }
    };
    for (const entry of LAKE_ENTRIES) walk(entry);
    return strays.sort();
}

/**
 * Deletes what a delivery cut off by a crash was writing (listed as pending) and returns the lake
 * as its lake.json lists it: the days before that delivery, whole, with its lakeId.
 */
export function settleLake(dir: string, info: LakeInfo): LakeInfo {
    if (!info.pending?.length && info.lakeId) return info;
    for (const file of info.pending ?? []) fs.rmSync(path.join(dir, file), { force: true });
    // A lake generated before lakeIds gets one on its first use.
    const settled = { ...info, pending: [], lakeId: info.lakeId ?? randomUUID() };
    writeInfo(dir, settled);
    return settled;
}

/** Every file lake.json lists must be there: a deleted partition or users file is an error. */
export function verifyLake(dir: string, info: LakeInfo): void {
    const missing = Object.keys(info.files).filter((f) => !fs.existsSync(path.join(dir, f)));
    if (missing.length > 0) {
        throw new Error(
            `the lake in ${dir} is missing ${missing.length} file(s) listed in its ${LAKE_INFO_FILE}: ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}. ` +
                `Restore them, or regenerate the lake with --fresh; exporting without them would report days as empty.`,
        );
    }
}

export function validateLakeShape(o: LakeShape): string[] {
    const problems: string[] = [];
    for (const key of ["rows", "days", "seed"] as const) {
        const [min, max] = LAKE_LIMITS[key];
        if (!Number.isInteger(o[key]) || o[key] < min || o[key] > max) {
            problems.push(`${key} must be a whole number from ${min} to ${max.toLocaleString("en-US")}, got ${o[key]}`);
        }
    }
    const perDay = Math.ceil(o.rows / o.days);
    if (problems.length === 0 && perDay > MAX_CONTACTS_PER_MERGE) {
        problems.push(
            `rows / days is ${perDay.toLocaleString("en-US")} contacts a day, over the ${MAX_CONTACTS_PER_MERGE.toLocaleString("en-US")} ` +
                `a day one local merge holds in DuckDB's memory limit; give --days ${Math.ceil(o.rows / MAX_CONTACTS_PER_MERGE)} or more, or fewer --rows`,
        );
    }
    // Connect's data lake is recent; far-off years only make DuckDB's date arithmetic fail mid-way.
    if (!isIsoDay(o.startDate) || o.startDate < FIRST_LAKE_DAY || o.startDate > LAST_LAKE_START) {
        problems.push(
            `startDate must be a real date YYYY-MM-DD from ${FIRST_LAKE_DAY} to ${LAST_LAKE_START}, got ${JSON.stringify(o.startDate)}`,
        );
    }
    const ids = o.instanceIds;
    if (
        ids !== undefined &&
        !(Array.isArray(ids) && ids.length >= 1 && ids.length <= 20 && ids.every((i) => /^[\w-]{1,64}$/.test(i)))
    ) {
        problems.push(`instanceIds must be 1 to 20 Connect instance ids, got ${JSON.stringify(ids)}`);
    }
    return problems;
}

function writeInfo(dir: string, info: LakeInfo): void {
    const file = path.join(dir, LAKE_INFO_FILE);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 2));
    fs.renameSync(`${file}.tmp`, file);
}

/** Generates a lake into `dir`, which must be absent or empty (the caller checks). */
export async function generateLake(
    connection: DuckDBConnection,
    dir: string,
    shape: LakeShape,
    onProgress?: LakeProgress,
): Promise<LakeInfo> {
    const problems = validateLakeShape(shape);
    if (problems.length > 0) throw new Error(`invalid synthetic lake options: ${problems.join("; ")}.`);
    if (GLOB_CHARACTERS.test(path.resolve(dir))) {
        throw new Error(`lake path ${dir} contains a glob character (* ? [ ] { }).`);
    }
    fs.mkdirSync(dir, { recursive: true });
    const dims = buildDimensions(shape.seed, shape.startDate, shape.instanceIds);
    await loadDimensionTables(connection, dims);
    const base = Math.floor(shape.rows / shape.days);
    const extra = shape.rows % shape.days;
    let info: LakeInfo = {
        lakeVersion: 2,
        generator: LAKE_GENERATOR,
        generatedWith: { ...shape },
        complete: false,
        deliveries: [],
        partitions: [],
        dayCounts: [],
        files: {},
        newColumnSince: null,
        users: dims.users.length,
        agentHierarchyGroups: dims.groups.length,
        lakeId: randomUUID(),
    };
    writeInfo(dir, info);
    for (let k = 0; k < shape.days; k++) {
        info = await deliver(connection, dir, dims, info, base + (k < extra ? 1 : 0), {});
        writeInfo(dir, info);
        onProgress?.({ step: "generating lake", done: k + 1, total: shape.days });
    }
    info = { ...info, complete: true };
    writeInfo(dir, info);
    return info;
}

/** Appends the next delivery day (the lake's usual daily volume), whatever shape made the lake. */
export async function addLakeDay(
    connection: DuckDBConnection,
    dir: string,
    info: LakeInfo,
    options: DeliveryOptions = {},
): Promise<{ info: LakeInfo; day: string }> {
    const { seed, startDate, rows, days, instanceIds } = info.generatedWith;
    const dims = buildDimensions(seed, startDate, instanceIds);
    await loadDimensionTables(connection, dims);
    const next = await deliver(connection, dir, dims, info, Math.floor(rows / days), options);
    writeInfo(dir, next);
    return { info: next, day: lastLakeDay(next) };
}

export interface DeliveryOptions {
    /** The new day's contacts carry NEW_CONTACT_COLUMN (and every later day's). */
    readonly newColumn?: boolean;
    /** Share of the contacts of each day 30 to 400 days old updated by the delivery (default 0.5%). */
    readonly oldUpdates?: number;
    /** Called after each file is written, before lake.json lists it (a test kills the process here). */
    readonly afterFile?: (file: string) => void;
}

/**
 * One delivery day: new contacts, updates of the day before, late contacts, user changes. Each
 * file is listed in lake.json as pending before it is written, so a crash leaves nothing unlisted.
 */
async function deliver(
    connection: DuckDBConnection,
    dir: string,
    dims: Dimensions,
    info: LakeInfo,
    rows: number,
    options: DeliveryOptions,
): Promise<LakeInfo> {
    const start = info.generatedWith.startDate;
    const k = info.deliveries.length;
    const day = addDays(start, k);
    const newColumn = options.newColumn === true;
    const withColumn = newColumn || info.newColumnSince !== null;
    const files: Record<string, number> = { ...info.files };
    const pending: string[] = [];
    const begin = (file: string) => {
        pending.push(file);
        writeInfo(dir, { ...info, pending });
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    };
    const contactFile = async (j: number, kind: ContactKind, name: string) => {
        const file = `contacts/${LAKE_PARTITION_COLUMN}=${addDays(start, j)}/${name}-${day}.parquet`;
        begin(file);
        const select = contactsSelect(dims, info.generatedWith.seed, {
            k: j,
            day: addDays(start, j),
            rows: j === k ? rows : info.dayCounts[j],
            kind,
            newColumn: withColumn,
        });
        const reader = await connection.runAndReadAll(
            `COPY (${select}) TO ${sqlString(path.join(dir, file))} (FORMAT PARQUET, COMPRESSION SNAPPY)`,
        );
        files[file] = Number(reader.getRows()[0]?.[0] ?? 0);
        options.afterFile?.(file);
        return files[file];
    };
    const newRows = await contactFile(k, "new", "part");
    if (k >= 1) await contactFile(k - 1, "update", "update");
    if (k >= LATE_DAYS) await contactFile(k - LATE_DAYS, "late", "late");
    for (const [j, kind] of outOfOrderFiles(k)) await contactFile(j, kind, kind);
    Object.assign(
        files,
        await deliverDatasets({
            connection,
            dir,
            start,
            k,
            seed: info.generatedWith.seed,
            files,
            share: options.oldUpdates,
            ...(withColumn ? { newColumn: NEW_CONTACT_COLUMN } : {}),
            begin,
            afterFile: options.afterFile,
        }),
    );
    for (const [table, records] of [
        ["users", k === 0 ? withDuplicates(dims.users, 2) : changedUsers(dims.users, k, day)],
        ["agent_hierarchy_groups", k === 0 ? withDuplicates(dims.groups, 1) : []],
    ] as const) {
        if (records.length === 0) continue;
        const file = `${table}/part-${day}.parquet`;
        begin(file);
        await createTable(connection, `synthetic_${table}`, typed(CONNECT_TABLE_SCHEMAS[table].columns), records);
        await connection.run(
            `COPY ${quoteIdent(`synthetic_${table}`)} TO ${sqlString(path.join(dir, file))} (FORMAT PARQUET, COMPRESSION SNAPPY)`,
        );
        files[file] = records.length;
        options.afterFile?.(file);
    }
    return {
        ...info,
        deliveries: [...info.deliveries, day],
        partitions: [...info.partitions, { day, rows: newRows }],
        dayCounts: [...info.dayCounts, rows],
        files,
        pending: [],
        newColumnSince: info.newColumnSince ?? (newColumn ? day : null),
    };
}

const withDuplicates = (rows: readonly Row[], n: number) => [...rows, ...rows.slice(0, n)];

/** Three users changed on delivery day k: a new version with a later last_modified_timestamp. */
function changedUsers(users: readonly Row[], k: number, day: string): Row[] {
    return [0, 1, 2].map((j) => {
        const u = users[(k * 7 + j * 53) % users.length];
        return {
            ...u,
            is_active: !u.is_active,
            mobile: `+6149${String((k * 1000 + j) % 10_000_000).padStart(7, "0")}`,
            last_modified_timestamp: `${day} 09:0${j}:00`,
        };
    });
}

/** Contact numbers of day k are k * DAY_STRIDE + i, so each day's values depend on that day only. */
const DAY_STRIDE = 100_000_000;

// ---------------------------------------------------------------------------------------------
// Dimension data (seeded PRNG)

type Row = Record<string, string | number | boolean | null>;

interface Dimensions {
    /** The Connect instances (one unless ids were given), each with its ARN. */
    readonly instances: readonly { readonly id: string; readonly arn: string }[];
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

function buildDimensions(seed: number, startDate: string, instanceIds?: readonly string[]): Dimensions {
    const rng = mulberry32(seed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rng() * list.length)];
    const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join("");
    const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
    const region = "ap-southeast-2";
    const accountId = String(100_000_000_000 + Math.floor(rng() * 899_999_999_999));
    // Drawn even when ids are given, so the rest of the data does not depend on them.
    const drawn = uuid();
    const instances = (instanceIds ?? [drawn]).map((id) => ({
        id,
        arn: `arn:aws:connect:${region}:${accountId}:instance/${id}`,
    }));
    const siteInstance = (site: number) => instances[site % instances.length];
    const stamp = (daysBefore: number) =>
        `${addDays(startDate, -daysBefore)} ${String(8 + Math.floor(rng() * 10)).padStart(2, "0")}:${String(Math.floor(rng() * 60)).padStart(2, "0")}:00`;
    const common = (daysBefore: number, instance = instances[0]): Row => ({
        instance_id: instance.id,
        instance_arn: instance.arn,
        aws_account_id: accountId,
        last_modified_region: region,
        last_modified_timestamp: stamp(daysBefore),
        data_lake_last_processed_timestamp: stamp(1),
    });

    const groups: Row[] = [];
    const group = (name: string, instance = instances[0]) => {
        const id = uuid();
        const row: Row = {
            ...common(200 + Math.floor(rng() * 200), instance),
            agent_hierarchy_group_id: id,
            agent_hierarchy_group_arn: `${instance.arn}/agent-group/${id}`,
            agent_hierarchy_group_name: name,
        };
        groups.push(row);
        return row;
    };
    const org = group("Contact Centre");
    const teams = SITES.flatMap((site, s) => {
        const siteGroup = group(site, siteInstance(s));
        return TEAMS.map((team) => ({
            path: [org, siteGroup, group(`${site} ${team}`, siteInstance(s))],
            team,
            instance: siteInstance(s),
        }));
    });

    const profiles = TEAMS.map((team) => {
        const id = uuid();
        return { id, name: `${team} Profile`, team };
    });
    const queues: Row[] = QUEUES.map((name, idx) => {
        const id = uuid();
        return { idx, queue_id: id, queue_name: name, queue_arn: `${instances[0].arn}/queue/${id}` };
    });

    const users: Row[] = [];
    const agents: Row[] = [];
    for (let i = 0; i < USERS; i++) {
        const first = pick(FIRST_NAMES);
        const last = pick(LAST_NAMES);
        const username = `${first}.${last}${i}`.toLowerCase();
        const id = uuid();
        const placement = teams[i % teams.length];
        const arn = `${placement.instance.arn}/agent/${id}`;
        const profile = profiles.find((p) => p.team === placement.team)!;
        const team = placement.path[2];
        users.push({
            ...common(Math.floor(rng() * 300), placement.instance),
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
            instance_id: placement.instance.id,
            instance_arn: placement.instance.arn,
            agent_id: id,
            agent_username: username,
            agent_arn: arn,
            rp_id: profile.id,
            rp_name: profile.name,
            rp_arn: `${placement.instance.arn}/routing-profile/${profile.id}`,
        };
        placement.path.forEach((g, level) => {
            agent[`l${level + 1}_id`] = g.agent_hierarchy_group_id;
            agent[`l${level + 1}_name`] = g.agent_hierarchy_group_name;
            agent[`l${level + 1}_arn`] = g.agent_hierarchy_group_arn;
        });
        agents.push(agent);
    }
    return { instances, accountId, region, groups, users, agents, queues };
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
        "instance_id",
        "instance_arn",
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

const uuidOf = (hex: string) =>
    `substr(${hex}, 1, 8) || '-' || substr(${hex}, 9, 4) || '-4' || substr(${hex}, 14, 3) || '-a' || substr(${hex}, 18, 3) || '-' || substr(${hex}, 21, 12)`;

/** SQL expression of every contact_record column, over the CTE `t` joined to agent `a` and queue `q`. */
function contactExpressions(dims: Dimensions): Record<string, string> {
    // A contact's instance is its agent's; an abandoned one (no agent) gets a hashed one.
    const pick = (field: "id" | "arn") =>
        dims.instances.length === 1
            ? sqlString(dims.instances[0][field])
            : `[${dims.instances.map((i) => sqlString(i[field])).join(", ")}][1 + CAST((h2 >> 56) % ${dims.instances.length} AS BIGINT)]`;
    const notAbandoned = (expr: string) => `CASE WHEN NOT abandoned THEN ${expr} END`;
    const levels: Record<string, string> = {};
    for (const level of [1, 2, 3, 4, 5]) {
        for (const part of ["id", "name", "arn"]) {
            levels[`agent_hierarchy_groups_level_${level}_${part}`] = level <= 3 ? `a.l${level}_${part}` : "NULL";
        }
    }
    return {
        instance_id: `coalesce(a.instance_id, ${pick("id")})`,
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
        queue_arn: `coalesce(a.instance_arn, ${pick("arn")}) || '/queue/' || q.queue_id`,
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
        last_update_timestamp: "disc_ts + to_minutes(CAST(1 + (h4 >> 20) % 10 AS BIGINT))",
        data_lake_last_processed_timestamp: "disc_ts + to_minutes(CAST(30 + (h4 >> 40) % 60 AS BIGINT))",
    };
}

/** Which contacts of a day a file holds. */
type ContactKind = "new" | "update" | "late" | "stale" | "twin";

/**
 * Versions out of order, as at-least-once delivery allows, each into its record's own day. On
 * delivery day k, into day k-1 (whose updates this delivery carries): `stale`, the first version
 * again of some of those contacts (an older version in the same delivery as the newer one), and
 * `twin`, the update's version again with other content for others (a re-processed record: equal
 * versions, different content). Into day k-2: `stale`, the first version of some contacts updated
 * the day before (an older version a day after the newer one).
 */
export function outOfOrderFiles(k: number): (readonly [day: number, kind: "stale" | "twin"])[] {
    return [
        ...(k >= 1
            ? ([
                  [k - 1, "stale"],
                  [k - 1, "twin"],
              ] as const)
            : []),
        ...(k >= 2 ? ([[k - 2, "stale"]] as const) : []),
    ];
}

/**
 * The SELECT producing a file of contacts of day `k` (columns in schema order, no `dt`: the
 * partition folder says it): `new` is the first delivery (late ones held back, about 1% twice),
 * `update` a later version of about 5% of them, `late` the held-back ones.
 */
export function contactsSelect(
    dims: Pick<Dimensions, "instances" | "accountId" | "agents" | "queues">,
    seed: number,
    d: {
        readonly k: number;
        readonly day: string;
        readonly rows: number;
        readonly kind: ContactKind;
        readonly newColumn: boolean;
    },
): string {
    const columns: { name: string; type: string }[] = CONNECT_TABLE_SCHEMAS.contacts.columns.map((c) => ({
        name: c.name,
        type: duckdbType(c.type),
    }));
    if (d.newColumn) columns.push({ ...NEW_CONTACT_COLUMN });
    const expressions: Record<string, string> = {
        ...contactExpressions(dims as Dimensions),
        [NEW_CONTACT_COLUMN.name]: "CASE WHEN ch = 'VOICE' THEN 'HUMAN_ANSWERED' END",
        ...(d.kind === "update" || d.kind === "twin"
            ? {
                  last_update_timestamp: "disc_ts + INTERVAL 1 DAY + to_minutes(CAST((h2 >> 20) % 600 AS BIGINT))",
                  attributes:
                      "MAP {'customer_tier': CASE h1 % 3 WHEN 0 THEN 'gold' WHEN 1 THEN 'silver' ELSE 'bronze' END, " +
                      "'intent': CASE (h2 >> 32) % 4 WHEN 0 THEN 'billing' WHEN 1 THEN 'orders' WHEN 2 THEN 'technical' ELSE 'account' END, " +
                      `'survey_score': CAST(1 + ((h3 >> 8) + ${d.kind === "twin" ? 2 : 0}) % 5 AS VARCHAR)}`,
              }
            : {}),
        // The twin: same version, another survey score, processed again by the data lake a day later.
        ...(d.kind === "twin"
            ? {
                  data_lake_last_processed_timestamp:
                      "disc_ts + INTERVAL 1 DAY + to_minutes(CAST(30 + (h4 >> 40) % 60 AS BIGINT))",
              }
            : {}),
    };
    const missing = columns.filter((c) => !(c.name in expressions)).map((c) => c.name);
    if (missing.length > 0) {
        throw new Error(`synthetic lake has no generator for contacts column(s) ${missing.join(", ")}`);
    }
    const hashes = [1, 2, 3, 4, 5].map((i) => `hash(n, ${seed}, ${i}) AS h${i}`).join(", ");
    const filter = {
        new: "NOT is_late",
        update: "is_updated AND NOT is_late",
        late: "is_late",
        // Disjoint thirds of the updated contacts (the update itself carries them all).
        stale: "is_updated AND NOT is_late AND (h3 >> 40) % 100 < 30",
        twin: "is_updated AND NOT is_late AND (h3 >> 40) % 100 >= 70",
    }[d.kind];
    // One pass: the file's rows are filtered before the joins, and a first delivery repeats its
    // duplicates by a two-row cross join rather than a second scan.
    const copies = d.kind === "new" ? "(VALUES (1), (2)) d(copy)" : "(VALUES (1)) d(copy)";
    return `
WITH base AS (SELECT CAST(${d.k} AS BIGINT) * ${DAY_STRIDE} + r.j AS n, DATE '${d.day}' AS day FROM range(${Math.max(0, d.rows)}) r(j)),
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
f AS (
  SELECT c.* FROM (SELECT *, (h4 >> 48) % 1000 < 3 AS is_late, (h5 >> 40) % 100 < 5 AS is_updated, (h1 >> 40) % 100 < 1 AS is_dup FROM c) c, ${copies}
  WHERE ${filter} AND (d.copy = 1 OR is_dup)
),
t AS (
  SELECT f.*, init_ts + to_milliseconds(flow_ms) AS enq_ts,
    CASE WHEN abandoned THEN init_ts + to_milliseconds(flow_ms + queue_ms)
         ELSE init_ts + to_milliseconds(flow_ms + queue_ms + talk_ms + holds * hold_each_ms) END AS disc_ts
  FROM f
)
SELECT ${columns.map((col) => `CAST(${expressions[col.name]} AS ${col.type}) AS ${quoteIdent(col.name)}`).join(",\n  ")}
FROM t
LEFT JOIN synthetic_agent_dim a ON a.idx = t.agent_idx
JOIN synthetic_queue_dim q ON q.idx = t.queue_idx`;
}
