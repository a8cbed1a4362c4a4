/**
 * The local export: the synthetic lake on DuckDB, the exports folder as the bucket, a DuckDB
 * database file in it as the export database, and the same event validation, lease and runner
 * the Lambda uses. Shared by `npm start`, the tests and the bench.
 *
 * The local clock follows the lake: a run is the daily schedule firing at 02:00 UTC the day after
 * the lake's last day, so running again without new data is a re-run of the same run id, and
 * `addDay` (a new delivery day) makes the next day's run. A backfill is a manual run with a run id
 * of its own, as it would be when invoking the Lambda by hand.
 *
 * Safety: every option is validated before anything is touched; a folder is used only when it
 * is new, empty, or carries the marker this code wrote (lake.json for a lake, EXPORTS_MARKER for
 * an exports folder); `fresh` deletes only the entries this code makes inside such a folder,
 * never the folder itself; the lake and the exports must be separate folders.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { DEFAULT_TIME_COLUMNS, withDatasetDefaults } from "../../lib/connectSchema";
import { DEFAULT_CONSUMER_DATABASE, DEFAULT_TABLES, exportPrefixProblem, shortHash } from "../../lib/names";
import { shellCommand } from "../../lib/shell";
import { addDays, isIsoDay } from "../dates";
import { describeError, exportError, isExportError } from "../errors";
import { parseExportEvent, runIdFromInstant } from "../event";
import { acquireLease, MAINTENANCE_LEASE_KEY } from "../lease";
import { createJsonLogger } from "../log";
import { runMaintenance } from "../maintenance";
import { runSetup } from "../setup";
import {
    DEFAULT_LIMITS,
    filesIndexKey,
    manifestKey,
    readIndex,
    runExportUnderLease,
    selectedTables,
    watermarkKey,
    type RunDeps,
} from "../runner";
import {
    DEFAULT_CHUNK_DAYS,
    DEFAULT_EXPORT_DATABASE,
    DEFAULT_LOOKBACK_DAYS,
    MAX_CHUNK_DAYS,
    MAX_LOOKBACK_DAYS,
    parseTableSpecs,
} from "../settings";
import { quoteIdent, sqlString } from "../sql";
import type {
    ExportFormat,
    ExportRequest,
    ExportRunSummary,
    ExportTableSpec,
    ExportTarget,
    Logger,
    LogLevel,
    MaintenanceSummary,
    ObjectStore,
    SetupSummary,
    TableRunEntry,
} from "../types";
import { attachLake, attachTarget, createDuckdbEngine, describeColumns, duckdbTableExists } from "./duckdbEngine";
import { GLOB_CHARACTERS } from "./duckdbSql";
import { createFsObjectStore } from "./fsStore";
import { readerProblems, writeReaderView, type LocalReader, type ReaderView } from "./readerView";
import {
    addLakeDay,
    DEFAULT_LAKE,
    deleteLake,
    generateLake,
    inspectLake,
    LAKE_INFO_FILE,
    lakeStrays,
    lastLakeDay,
    settleLake,
    MAX_CONTACTS_PER_MERGE,
    validateLakeShape,
    verifyLake,
    type LakeInfo,
    type LakeProgress,
    type LakeShape,
    type LakeState,
} from "./syntheticLake";
import { DATASET_ENTRIES } from "./syntheticDatasets";
import { LocalUsageError } from "./usage";

export interface LocalExportOptions {
    readonly lakeDir: string;
    readonly outDir: string;
    /** Shape of a lake to generate; values given must match an existing lake's (else use `fresh`). */
    readonly lake?: Partial<LakeShape>;
    readonly target?: ExportTarget;
    readonly format?: ExportFormat;
    readonly prefix?: string;
    readonly lookbackDays?: number;
    /** Days per MERGE; default: `localChunkDays` of the lake. */
    readonly chunkDays?: number;
    /** Table specs (as TABLES_JSON entries); default: the project's default tables. */
    readonly tableSpecs?: readonly unknown[];
    /** Export only these tables (the event's `tables`). */
    readonly tables?: readonly string[];
    readonly from?: string;
    readonly to?: string;
    readonly runId?: string;
    readonly force?: boolean;
    /** Append the next delivery day to the lake before exporting. */
    readonly addDay?: boolean;
    /** With addDay: the new day's contacts carry a column the earlier files lack. */
    readonly newColumn?: boolean;
    /** Regenerate the lake and start the exports over (deleting only what this code made). */
    readonly fresh?: boolean;
    /** OPTIMIZE/VACUUM the targets instead of merging. */
    readonly maintenance?: boolean;
    /** Create the missing target tables without reading data (the Lambda's {"setup": true}). */
    readonly setup?: boolean;
    /** After the merge, write this reader's view of its tables (schema reader_<name>; iceberg target). */
    readonly reader?: LocalReader;
    readonly logLevel?: LogLevel;
    readonly logSink?: (line: string) => void;
    readonly onTable?: RunDeps["onTable"];
    readonly onStep?: RunDeps["onStep"];
    /** A table's entry after each of its chunks, for a progress bar. */
    readonly onChunk?: RunDeps["onProgress"];
    /** Called once the lake is ready, before the export starts. */
    readonly onLake?: (lake: {
        info: LakeInfo;
        generated: boolean;
        addedDay?: string;
        ms: number;
        note?: string;
    }) => void;
    readonly onProgress?: LakeProgress;
    /** DuckDB worker threads; default: DuckDB's (all cores). */
    readonly threads?: number;
    /** DuckDB memory limit (it spills to disk beyond it); default 400MB. */
    readonly memoryLimit?: string;
}

export const LOCAL_DEFAULTS = {
    lakeDir: ".local-lake",
    outDir: "exports",
    target: "iceberg" as ExportTarget,
    format: "parquet" as ExportFormat,
    prefix: "connect",
    lookbackDays: DEFAULT_LOOKBACK_DAYS,
    chunkDays: DEFAULT_CHUNK_DAYS,
    memoryLimit: "400MB",
};

/**
 * Days per MERGE when not given: at most 7 (the Lambda's default) and about a million lake rows,
 * since DuckDB's MERGE holds its source in memory and the local run keeps DuckDB within
 * `memoryLimit` (a 20-million-row lake merges a day at a time).
 */
export function localChunkDays(lake: LakeInfo): number {
    const perDay = Math.max(1, ...lake.dayCounts);
    return Math.max(1, Math.min(DEFAULT_CHUNK_DAYS, Math.floor(1_000_000 / perDay)));
}

/** Written into an exports folder this code created or adopted: only such a folder is written to. */
export const EXPORTS_MARKER = ".connect-analytics-exports.json";
export const LOCAL_DATABASE_FILE = `${DEFAULT_EXPORT_DATABASE}.duckdb`;

/**
 * The command that runs `sql` on the warehouse of the exports folder `outDir`, for a user to copy
 * into a shell: `npm run query` (which npm runs in the repository, as it runs `npm start`), with
 * `--out` unless it is the default, every word quoted as the shell needs.
 */
export function localQueryCommand(outDir: string, sql: string): string {
    const relative = path.relative(process.cwd(), path.resolve(outDir)) || ".";
    const out = relative.startsWith("..") || path.isAbsolute(relative) ? path.resolve(outDir) : relative;
    return shellCommand(["npm", "run", "query", "--", ...(out === LOCAL_DEFAULTS.outDir ? [] : ["--out", out]), sql]);
}

/** A table's state after the run, checked against the lake itself. */
export interface TableCheck {
    readonly table: string;
    readonly rows: number;
    readonly keys: number;
    /** Rows whose key has a newer version in the lake (must be 0). */
    readonly staleVersions: number;
    /** Keys the lake has and the target lacks. */
    readonly missingKeys: number;
    /** Rows whose key the lake does not have (must be 0: the exports hold only the lake's records). */
    readonly extraKeys: number;
    readonly query: string;
}

export interface LocalExportResult {
    readonly summary?: ExportRunSummary;
    readonly maintenance?: MaintenanceSummary;
    readonly setup?: SetupSummary;
    /** The run's error when tables failed (the summary still describes the run). */
    readonly error?: Error;
    readonly lake: LakeInfo;
    readonly lakeGenerated: boolean;
    readonly addedDay?: string;
    readonly lakeMs: number;
    readonly exportMs: number;
    /** The DuckDB database holding the tables (iceberg target). */
    readonly databaseFile: string | null;
    readonly checks: readonly TableCheck[];
    /** The reader's view, when `reader` was given. */
    readonly readerView?: ReaderView;
}

/**
 * The local run's tables: the stack's default tables and the synthetic lake's others
 * (contact_flow_events: insertOnly; agent_queue_statistic_record: merge; agent_statistic_record:
 * snapshot), each with its dataset's documented keys and mode.
 */
export function defaultTableSpecs(): { name: string; linkName: string; timeColumn?: string }[] {
    return [...DEFAULT_TABLES, ...DATASET_ENTRIES].map((name) => ({
        name,
        linkName: `${name}_link`,
        ...(DEFAULT_TIME_COLUMNS[name] ? { timeColumn: DEFAULT_TIME_COLUMNS[name] } : {}),
    }));
}

export { LocalUsageError };

interface Validated {
    readonly specs: ExportTableSpec[];
    readonly lakeDir: string;
    readonly outDir: string;
    readonly lakeState: LakeState;
    readonly outState: "absent" | "empty" | "marked";
    /** The exports folder's marker as found (a marked folder). */
    readonly marker?: ExportsMarker;
    readonly shape: LakeShape;
    readonly target: ExportTarget;
    readonly format: ExportFormat;
    readonly prefix: string;
    /** The run's request: the Lambda's event for it, parsed before anything is touched. */
    readonly request: ExportRequest;
    /** The day after the lake's last day once it is ready: the simulated schedule's run date. */
    readonly runDay: string;
}

/** What npm start writes into an exports folder it created or adopted: only such a folder is written to. */
interface ExportsMarker {
    readonly createdBy: string;
    /** Data prefixes runs have written under: where `fresh` looks for the files target's indexes. */
    readonly prefixes: string[];
    /** How the exports were made: a run with other settings would report on data it did not write. */
    readonly target?: ExportTarget;
    readonly prefix?: string;
    readonly format?: ExportFormat;
    /** The lake the exports were made from (its lake.json `lakeId`). */
    readonly lakeId?: string;
}

const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + path.sep);

/**
 * The path with symbolic links resolved as far as it exists (the rest may not exist yet), a
 * dangling link included: it is where the folder would be made.
 */
function realPath(p: string, depth = 0): string {
    try {
        return fs.realpathSync(p);
    } catch {
        // realpath fails on a dangling link: follow it by hand (a loop of links stops at 40).
        const link = depth < 40 && fs.lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink();
        if (link) return realPath(path.resolve(path.dirname(p), fs.readlinkSync(p)), depth + 1);
        const parent = path.dirname(p);
        return parent === p ? p : path.join(realPath(parent, depth), path.basename(p));
    }
}

function inspectOut(dir: string): { state: Validated["outState"]; marker?: ExportsMarker } | string {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(dir);
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "ENOENT"
            ? { state: "absent" }
            : `cannot be read (${describeError(err)})`;
    }
    if (!stat.isDirectory()) return "is a file";
    const entries = fs.readdirSync(dir);
    if (entries.length === 0) return { state: "empty" };
    if (!entries.includes(EXPORTS_MARKER)) return `holds files but no ${EXPORTS_MARKER} written by npm start`;
    let marker: ExportsMarker;
    try {
        marker = JSON.parse(fs.readFileSync(path.join(dir, EXPORTS_MARKER), "utf8"));
    } catch (err) {
        return `has a ${EXPORTS_MARKER} that is not JSON (${describeError(err)})`;
    }
    // Its prefixes say where `fresh` deletes: each must be a prefix a run could have used.
    const bad = Array.isArray(marker?.prefixes)
        ? marker.prefixes.filter((p) => typeof p !== "string" || exportPrefixProblem(p))
        : ["(no prefixes list)"];
    if (bad.length > 0) {
        return `has a ${EXPORTS_MARKER} npm start did not write: prefixes ${bad.map((p) => JSON.stringify(p)).join(", ")}`;
    }
    return { state: "marked", marker };
}

/** The export event's fields, as the command line names them. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
    runId: "--run-id",
    tables: "--tables",
    from: "--from",
    to: "--to",
    force: "--force",
    maintenance: "--maintenance",
    setup: "--setup",
};

/**
 * The Lambda's event for a local run: the daily schedule firing at 02:00 UTC on `runDay`, a
 * maintenance or setup run, or a backfill with a run id of its own.
 */
function localEvent(o: LocalExportOptions, runDay: string, stamp: string): Record<string, unknown> {
    const backfill = o.from !== undefined || o.to !== undefined;
    const runId =
        o.runId ?? (o.maintenance ? `maintenance-${stamp}` : backfill && !o.setup ? `backfill-${stamp}` : undefined);
    return {
        ...(o.setup ? { setup: true } : {}),
        ...(o.maintenance ? { maintenance: true } : {}),
        ...(o.setup || o.maintenance || backfill ? {} : { scheduledTime: `${runDay}T02:00:00Z` }),
        ...(runId !== undefined ? { runId } : {}),
        ...(o.tables !== undefined ? { tables: o.tables } : {}),
        ...(o.from !== undefined ? { from: o.from } : {}),
        ...(o.to !== undefined ? { to: o.to } : {}),
        ...(o.force ? { force: true } : {}),
    };
}

/** Every check that needs no write: all problems at once, before anything is touched. */
export function validateLocalOptions(o: LocalExportOptions): Validated {
    const problems: string[] = [];
    const defaults = withDatasetDefaults((o.tableSpecs ?? defaultTableSpecs()) as { name: string }[]);
    const { tables: specs, problems: specProblems } = parseTableSpecs(defaults.entries);
    problems.push(...defaults.problems, ...specProblems.map((p) => `table specs: ${p}`));
    const prefix = o.prefix ?? LOCAL_DEFAULTS.prefix;
    const prefixIssue = exportPrefixProblem(prefix);
    if (prefixIssue) problems.push(`--prefix ${prefixIssue}`);
    const target = o.target ?? LOCAL_DEFAULTS.target;
    if (target !== "iceberg" && target !== "files") {
        problems.push(`--target must be iceberg or files, got ${JSON.stringify(target)}`);
    }
    const format = o.format ?? LOCAL_DEFAULTS.format;
    if (format !== "parquet" && format !== "csv") {
        problems.push(`--format must be parquet or csv, got ${JSON.stringify(format)}`);
    }
    for (const [name, value, min, max] of [
        ["--lookback-days", o.lookbackDays ?? LOCAL_DEFAULTS.lookbackDays, 0, MAX_LOOKBACK_DAYS],
        ["--chunk-days", o.chunkDays ?? LOCAL_DEFAULTS.chunkDays, 1, MAX_CHUNK_DAYS],
    ] as const) {
        if (!Number.isInteger(value) || value < min || value > max) {
            problems.push(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
        }
    }
    if (o.maintenance && (o.addDay || o.fresh)) {
        problems.push("--maintenance runs alone: leave out --add-day and --fresh");
    }
    if (o.setup && (o.addDay || o.reader)) {
        problems.push("--setup runs alone (with --tables at most): leave out --add-day and --as");
    }
    if (o.reader) {
        if (target !== "iceberg" || o.maintenance || o.setup) {
            problems.push("--as goes with an export run of --target iceberg (the view is a schema of its database)");
        }
        problems.push(...readerProblems(o.reader, specs));
    }
    if (o.newColumn && !o.addDay) {
        problems.push("--new-column goes with --add-day (the new day's files carry the column)");
    }

    for (const [flag, dir] of [
        ["--lake", o.lakeDir],
        ["--out", o.outDir],
    ] as const) {
        if (dir.trim() === "") problems.push(`${flag} must name a folder, got ""`);
    }
    const lakeDir = path.resolve(o.lakeDir);
    const outDir = path.resolve(o.outDir);
    for (const [flag, dir] of [
        ["--lake", lakeDir],
        ["--out", outDir],
    ] as const) {
        if (GLOB_CHARACTERS.test(dir)) {
            problems.push(
                `${flag} ${dir} contains a glob character (* ? [ ] { }), which DuckDB would expand to other folders; use a path without them`,
            );
        }
    }
    // Compared where they really are: a symbolic link must not make the lake its own exports folder.
    const [realLake, realOut] = [realPath(lakeDir), realPath(outDir)];
    if (inside(realLake, realOut) || inside(realOut, realLake)) {
        problems.push(`--lake ${lakeDir} and --out ${outDir} must be separate folders, neither inside the other`);
    }
    const lakeState = inspectLake(lakeDir);
    if (lakeState.kind === "foreign") {
        problems.push(`refusing --lake ${lakeDir}: ${lakeState.why}; give a new or empty folder (nothing was deleted)`);
    }
    const lakeInfo = lakeState.kind === "lake" || lakeState.kind === "stale" ? lakeState.info : undefined;
    const strays = lakeInfo ? lakeStrays(lakeDir, lakeInfo) : [];
    if (strays.length > 0) {
        problems.push(
            `--lake ${lakeDir} holds ${strays.length} parquet file(s) its ${LAKE_INFO_FILE} does not list: ${strays.slice(0, 5).join(", ")}${strays.length > 5 ? ", ..." : ""}; ` +
                "the export would read them as lake data and npm start does not delete what it did not make: move them out of the lake folder",
        );
    }
    const reuse = lakeState.kind === "lake" && !o.fresh;
    // --fresh regenerates the lake it replaces unless told otherwise: it never changes the size silently.
    const shape: LakeShape = {
        ...DEFAULT_LAKE,
        ...(lakeState.kind === "lake" ? lakeState.info.generatedWith : {}),
        ...o.lake,
    };
    if (!reuse) problems.push(...validateLakeShape(shape).map((p) => `lake ${p}`));
    if (reuse) {
        // instanceIds: a list, and absent in a lake of one random instance.
        const show = (v: unknown) => (v === undefined ? "one random instance" : String(v));
        const made = (k: string) => lakeState.info.generatedWith[k as keyof LakeShape];
        const given = Object.entries(o.lake ?? {}).filter(
            ([k, v]) => v !== undefined && JSON.stringify(made(k)) !== JSON.stringify(v),
        );
        if (given.length > 0 && !o.addDay) {
            problems.push(
                `the lake in ${lakeDir} was generated with ${given.map(([k]) => `${k}=${show(made(k))}`).join(", ")}, ` +
                    `not ${given.map(([k, v]) => `${k}=${show(v)}`).join(", ")}; add --fresh to regenerate it, or leave those options out` +
                    (o.lake?.instanceIds
                        ? " (instanceIds are the producer config's connectInstanceIds), or use another --lake"
                        : ""),
            );
        }
    }
    // An explicit --chunk-days merges that many days at once (left out, localChunkDays sizes it).
    const perDay = reuse ? Math.max(0, ...lakeState.info.dayCounts) : Math.ceil(shape.rows / shape.days);
    if (o.chunkDays !== undefined && Number.isInteger(o.chunkDays) && o.chunkDays * perDay > MAX_CONTACTS_PER_MERGE) {
        problems.push(
            `--chunk-days ${o.chunkDays} merges about ${(o.chunkDays * perDay).toLocaleString("en-US")} contacts at once ` +
                `(${perDay.toLocaleString("en-US")} a day), over the ${MAX_CONTACTS_PER_MERGE.toLocaleString("en-US")} one local merge holds in DuckDB's memory limit; ` +
                `give --chunk-days ${Math.max(1, Math.floor(MAX_CONTACTS_PER_MERGE / Math.max(1, perDay)))} or less, or leave it out (npm start sizes it)`,
        );
    }
    if (o.addDay && lakeState.kind !== "lake") {
        problems.push(`--add-day needs an existing lake in ${lakeDir}; run without --add-day first to generate it`);
    }
    const out = inspectOut(outDir);
    if (typeof out === "string") {
        problems.push(`refusing --out ${outDir}: it ${out}; give a new or empty folder (nothing was deleted)`);
    }
    const marker = typeof out === "string" ? undefined : out.marker;
    if (marker && !o.fresh) {
        const made = {
            target: marker.target,
            prefix: marker.prefix,
            ...(target === "files" ? { format: marker.format } : {}),
        };
        const now = { target, prefix, format };
        const differ = Object.entries(made).filter(([k, v]) => v !== undefined && v !== now[k as keyof typeof now]);
        if (differ.length > 0) {
            problems.push(
                `the exports in ${outDir} were made with ${differ.map(([k, v]) => `--${k} ${v}`).join(" ")}, not ${differ.map(([k]) => `--${k} ${now[k as keyof typeof now]}`).join(" ")}: ` +
                    "a run would report on exports it did not write; use those options, another --out, or --fresh to start the exports over",
            );
        }
        const lakeId = reuse ? lakeState.info.lakeId : undefined;
        if (marker.lakeId !== undefined && marker.lakeId !== lakeId) {
            problems.push(
                `the exports in ${outDir} were made from another lake than ${lakeDir} ` +
                    `(${reuse ? "a lake generated since" : `the lake there is ${lakeState.kind === "stale" ? "incomplete" : "missing"} and would be generated`}): ` +
                    "their tables would not match its data; add --fresh to start the lake and the exports over, or use another --out",
            );
        }
    }
    // The lake's last day once it is ready: the run is the schedule firing the day after it.
    const lakeDays = reuse ? lakeState.info.deliveries.length : shape.days;
    const firstDay = reuse ? lakeState.info.generatedWith.startDate : shape.startDate;
    const runDay = isIsoDay(firstDay) ? addDays(firstDay, lakeDays + (o.addDay ? 1 : 0)) : firstDay;
    let request: ExportRequest | undefined;
    try {
        const event = localEvent(o, runDay, runIdFromInstant(Date.now()));
        // The lake's clock, not the wall clock: a backfill's last complete day is the lake's last day.
        request = {
            ...parseExportEvent(
                event,
                Date.now(),
                specs.map((t) => t.name),
            ),
            runDate: runDay,
        };
    } catch (err) {
        const eventProblems = (err as { problems?: string[] }).problems ?? [describeError(err)];
        problems.push(
            ...eventProblems.map((p) =>
                p.replace(
                    /"(runId|tables|from|to|force|maintenance|setup)"/g,
                    (_, field: string) => FLAG_OF_FIELD[field],
                ),
            ),
        );
    }
    if (problems.length > 0) {
        throw new LocalUsageError(
            `invalid local export (nothing was changed):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
    return {
        specs,
        lakeDir,
        outDir,
        lakeState,
        outState: (out as { state: Validated["outState"] }).state,
        ...(marker ? { marker } : {}),
        shape,
        target,
        format,
        prefix,
        request: request!,
        runDay,
    };
}

/**
 * Creates a folder and its missing parents one level at a time, returning those it made. Not
 * `mkdir -p`: Node's recursive mkdir loops forever under /proc (ENOENT on the child, EEXIST on
 * the parent), which made `--out /proc/x` hang.
 */
export function makeFolder(dir: string): string[] {
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) missing.unshift(d);
    const made: string[] = [];
    try {
        for (const d of missing) {
            fs.mkdirSync(d);
            made.push(d);
        }
    } catch (err) {
        removeMade(made);
        throw err;
    }
    return made;
}

/** Removes the folders `makeFolder` made (empty ones: nothing was written into them yet). */
const removeMade = (made: readonly string[]) => [...made].reverse().forEach((d) => fs.rmdirSync(d));

/**
 * Creates the lake and exports folders (both or neither: one that cannot be made leaves no new
 * empty folder behind), and writes the exports folder's marker with this run's settings; returns it.
 */
function prepareFolders(v: Validated, fresh: boolean): ExportsMarker {
    const made: string[] = [];
    let written: ExportsMarker | undefined;
    const step = (flag: string, dir: string, what: () => void) => {
        try {
            what();
        } catch (err) {
            removeMade(made);
            throw new LocalUsageError(`cannot use ${flag} ${dir}: ${describeError(err)} (nothing was changed)`);
        }
    };
    step("--lake", v.lakeDir, () => made.push(...makeFolder(v.lakeDir)));
    step("--out", v.outDir, () => {
        made.push(...makeFolder(v.outDir));
        const current: ExportsMarker = v.marker ?? { createdBy: "npm start (connect-analytics)", prefixes: [] };
        const { lakeId, ...kept } = current;
        written = {
            ...kept,
            prefixes: [...new Set([...current.prefixes, v.prefix])],
            target: v.target,
            prefix: v.prefix,
            format: v.format,
            // Starting over: the exports belong to the lake this run makes, recorded once it is ready.
            ...(lakeId !== undefined && !fresh ? { lakeId } : {}),
        };
        writeMarker(v.outDir, written);
    });
    return written!;
}

function writeMarker(outDir: string, marker: ExportsMarker): void {
    const file = path.join(outDir, EXPORTS_MARKER);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(marker, null, 2));
    fs.renameSync(`${file}.tmp`, file);
}

/**
 * `fresh` in the exports folder: only what runs provably wrote there (the database file, manifests
 * and watermarks by their names and content, the files target's indexes and the folders they
 * list), then the folders that leaves empty; never the folder, the lease, or anything else. Every
 * index is read (and checked) before anything is deleted.
 */
async function clearOut(v: Validated, store: ObjectStore): Promise<void> {
    const doomed: string[] = [LOCAL_DATABASE_FILE, `${LOCAL_DATABASE_FILE}.wal`, MAINTENANCE_LEASE_KEY];
    const jsonOf = (key: string): Record<string, unknown> | undefined => {
        try {
            return JSON.parse(fs.readFileSync(path.join(v.outDir, key), "utf8"));
        } catch {
            return undefined;
        }
    };
    for (const key of await store.listKeys("manifests/")) {
        const runId = key.slice("manifests/".length, -".json".length);
        if (key === manifestKey(runId) && jsonOf(key)?.runId === runId) doomed.push(key);
    }
    for (const key of await store.listKeys("state/watermarks/")) {
        const table = key.slice("state/watermarks/".length, -".json".length);
        if (key === watermarkKey(table) && jsonOf(key)?.table === table) doomed.push(key);
    }
    const folders: string[] = [];
    for (const prefix of v.marker?.prefixes ?? []) {
        for (const key of await store.listKeys(`${prefix}/`)) {
            const table = key.slice(prefix.length + 1, -"/_current.json".length);
            if (key !== filesIndexKey(prefix, table)) continue;
            const index = await readIndex(store, key);
            folders.push(...new Set([...Object.values(index.days), ...index.retired, ...index.pending]));
            doomed.push(key);
        }
    }
    for (const folder of folders) await store.deletePrefix(folder);
    for (const key of doomed) fs.rmSync(path.join(v.outDir, key), { force: true });
    for (const dir of ["manifests", "state/watermarks", ...(v.marker?.prefixes ?? [])]) {
        removeEmptyParents(path.join(v.outDir, dir), v.outDir);
    }
}

/** Removes `dir` if it holds nothing, then each parent it leaves empty, up to (not including) `root`. */
function removeEmptyParents(dir: string, root: string): void {
    for (let d = dir; inside(d, root) && d !== root; d = path.dirname(d)) {
        try {
            fs.rmdirSync(d);
        } catch {
            return;
        }
    }
}

function processAlive(owner: string): boolean {
    const [kind, host, pid] = owner.split(":");
    if (kind !== "local" || host !== os.hostname() || !/^\d+$/.test(pid ?? "")) return true;
    try {
        process.kill(Number(pid), 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

/**
 * `--fresh` regenerates a lake with the options it was generated with; the days `--add-day`
 * appended since are not part of them. Says so, and how to keep the length, when that drops days.
 */
function droppedDaysNote(old: LakeInfo, shape: LakeShape): string | undefined {
    const added = old.deliveries.length - old.generatedWith.days;
    if (added <= 0 || shape.days !== old.generatedWith.days) return undefined;
    return (
        `regenerated with --days ${shape.days} as first made: the ${added} day(s) --add-day appended are not kept ` +
        `(--fresh --days ${old.deliveries.length} keeps the length)`
    );
}

/**
 * The lake's lease: one npm start at a time reads or changes a lake, whatever its --out (the
 * exports lease covers one --out). Kept outside the lake, in the machine's temp folder under a
 * hash of the lake's path, so a refused run leaves the lake as it was.
 */
export function acquireLakeLease(lakeDir: string, nowMs = Date.now()) {
    const lake = path.resolve(lakeDir);
    return acquireLease(createFsObjectStore(path.join(os.tmpdir(), "connect-analytics-lakes")), {
        key: `${shortHash(lake)}.json`,
        runId: `npm start on ${lake}`,
        owner: `local:${os.hostname()}:${process.pid}`,
        nowMs,
        untilMs: nowMs + DEFAULT_LIMITS.leaseWithoutDeadlineMs,
        ownerAlive: processAlive,
    }).catch((err: unknown) => {
        const holder = (err as { holder?: { owner?: string; acquiredAt?: string } | null }).holder;
        if (!isExportError(err) || err.code !== "LEASE_HELD") throw err;
        const pid = holder?.owner?.split(":")[2];
        throw exportError(
            "LEASE_HELD",
            `the lake ${lake} is in use by another npm start (${pid ? `process ${pid}` : (holder?.owner ?? "another process")}, since ${holder?.acquiredAt ?? "just now"}); this run did nothing. Fix: wait for that run to finish, or pass another --lake`,
            { holder: holder ?? null },
        );
    });
}

export async function runLocalExport(options: LocalExportOptions): Promise<LocalExportResult> {
    const lakeLease = await acquireLakeLease(options.lakeDir);
    try {
        return await runOnLake(options);
    } finally {
        await lakeLease.release(Date.now()).catch(() => undefined);
    }
}

async function runOnLake(options: LocalExportOptions): Promise<LocalExportResult> {
    const v = validateLocalOptions(options);
    const marker = prepareFolders(v, options.fresh === true);
    const store = createFsObjectStore(v.outDir);
    const runLease = await acquireLease(store, {
        runId: options.runId ?? "npm start",
        owner: `local:${os.hostname()}:${process.pid}`,
        nowMs: Date.now(),
        untilMs: Date.now() + DEFAULT_LIMITS.leaseWithoutDeadlineMs,
        ownerAlive: processAlive,
    });
    let instance: DuckDBInstance | undefined;
    let connection: DuckDBConnection | undefined;
    try {
        if (options.fresh && v.marker) await clearOut(v, store);
        instance = await DuckDBInstance.create(":memory:", {
            ...(options.threads ? { threads: String(options.threads) } : {}),
            memory_limit: options.memoryLimit ?? LOCAL_DEFAULTS.memoryLimit,
            temp_directory: path.join(v.outDir, ".duckdb-tmp"),
            preserve_insertion_order: "false",
        });
        connection = await instance.connect();

        const lakeStart = Date.now();
        let lake: LakeInfo;
        let generated = false;
        let note: string | undefined;
        if (v.lakeState.kind === "lake" && !options.fresh) {
            lake = settleLake(v.lakeDir, v.lakeState.info);
        } else {
            if (v.lakeState.kind === "stale") note = `regenerated: ${v.lakeState.why}`;
            if (v.lakeState.kind === "lake") note = droppedDaysNote(v.lakeState.info, v.shape);
            if (v.lakeState.kind === "lake" || v.lakeState.kind === "stale") deleteLake(v.lakeDir, v.lakeState.info);
            lake = await generateLake(connection, v.lakeDir, v.shape, options.onProgress);
            generated = true;
        }
        let addedDay: string | undefined;
        if (options.addDay) {
            ({ info: lake, day: addedDay } = await addLakeDay(connection, v.lakeDir, lake, {
                newColumn: options.newColumn,
                afterFile: (file) => options.onStep?.("lake-file", file),
            }));
        }
        verifyLake(v.lakeDir, lake);
        if (marker.lakeId !== lake.lakeId) writeMarker(v.outDir, { ...marker, lakeId: lake.lakeId });
        await attachLake(connection, v.lakeDir, DEFAULT_CONSUMER_DATABASE, v.specs);
        const databaseFile = v.target === "iceberg" ? path.join(v.outDir, LOCAL_DATABASE_FILE) : null;
        if (databaseFile) await attachTarget(connection, databaseFile, DEFAULT_EXPORT_DATABASE);
        options.onLake?.({ info: lake, generated, addedDay, ms: Date.now() - lakeStart, ...(note ? { note } : {}) });

        const exportStart = Date.now();
        const nextDay = addDays(lastLakeDay(lake), 1);
        if (nextDay !== v.runDay) {
            throw new Error(
                `the lake ends on ${lastLakeDay(lake)}, not the day before ${v.runDay} as validated (a bug)`,
            );
        }
        const log: Logger = createJsonLogger(
            options.logLevel ?? "WARN",
            options.logSink ?? ((line) => process.stderr.write(`${line}\n`)),
        );
        const deps: RunDeps = {
            settings: {
                prefix: v.prefix,
                target: v.target,
                format: v.format,
                lookbackDays: options.lookbackDays ?? LOCAL_DEFAULTS.lookbackDays,
                chunkDays: options.chunkDays ?? localChunkDays(lake),
                sourceDatabase: DEFAULT_CONSUMER_DATABASE,
                exportDatabase: DEFAULT_EXPORT_DATABASE,
                tables: v.specs,
            },
            request: v.request,
            engine: createDuckdbEngine({
                connection,
                lakeDir: v.lakeDir,
                sourceDatabase: DEFAULT_CONSUMER_DATABASE,
                exportDatabase: DEFAULT_EXPORT_DATABASE,
                databaseFile: databaseFile ?? "",
            }),
            store,
            log,
            clock: {
                now: () => Date.now(),
                sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
                random: () => Math.random(),
            },
            remainingMs: () => Infinity,
            owner: `local:${os.hostname()}:${process.pid}`,
            ownerAlive: processAlive,
            onTable: options.onTable,
            onStep: options.onStep,
            onProgress: options.onChunk,
        };
        let summary: ExportRunSummary | undefined;
        let maintenance: MaintenanceSummary | undefined;
        let setup: SetupSummary | undefined;
        let error: Error | undefined;
        try {
            if (options.setup) setup = await runSetup(deps);
            else if (options.maintenance) maintenance = await runMaintenance(deps);
            else summary = await runExportUnderLease(deps);
        } catch (err) {
            if (!isExportError(err) || !err.summary) throw err;
            if (options.setup) setup = err.summary as SetupSummary;
            else if (options.maintenance) maintenance = err.summary as MaintenanceSummary;
            else summary = err.summary as ExportRunSummary;
            error = err;
        }
        const selected = selectedTables({ tables: v.specs }, options);
        const checks = await checkTables(connection, v, selected, databaseFile, store);
        const readerView =
            options.reader && databaseFile
                ? await writeReaderView(connection, options.reader, DEFAULT_EXPORT_DATABASE)
                : undefined;
        return {
            summary,
            maintenance,
            setup,
            error,
            lake,
            lakeGenerated: generated,
            addedDay,
            lakeMs: exportStart - lakeStart,
            exportMs: Date.now() - exportStart,
            databaseFile,
            checks,
            ...(readerView ? { readerView } : {}),
        };
    } finally {
        connection?.closeSync();
        instance?.closeSync();
        fs.rmSync(path.join(v.outDir, ".duckdb-tmp"), { recursive: true, force: true });
        await runLease.release(Date.now()).catch(() => undefined);
    }
}

/** Rows, distinct keys, stale versions, missing and extra keys of each exported table, against the lake. */
async function checkTables(
    connection: DuckDBConnection,
    v: Validated,
    tables: readonly ExportTableSpec[],
    databaseFile: string | null,
    store: ReturnType<typeof createFsObjectStore>,
): Promise<TableCheck[]> {
    const checks: TableCheck[] = [];
    for (const table of tables) {
        const check = await checkTable(connection, v, table, databaseFile, store).catch(() => undefined);
        if (check) checks.push(check);
    }
    return checks;
}

/** A table's check, or undefined when it has no target yet (a failed first run). */
async function checkTable(
    connection: DuckDBConnection,
    v: Validated,
    table: ExportTableSpec,
    databaseFile: string | null,
    store: ReturnType<typeof createFsObjectStore>,
): Promise<TableCheck | undefined> {
    let target: string;
    let query: string;
    if (databaseFile) {
        target = `${quoteIdent(DEFAULT_EXPORT_DATABASE)}.${quoteIdent(table.name)}`;
        if (!(await duckdbTableExists(connection, DEFAULT_EXPORT_DATABASE, table.name))) return undefined;
        query = localQueryCommand(v.outDir, `SELECT count(*) FROM ${table.name}`);
    } else {
        const folders = Object.values((await readIndex(store, filesIndexKey(v.prefix, table.name))).days);
        if (folders.length === 0) return undefined;
        const ext = v.format === "parquet" ? "parquet" : "csv.gz";
        const files = folders.map((f) => sqlString(`${store.uri(f)}*.${ext}`)).join(", ");
        target =
            v.format === "parquet"
                ? `read_parquet([${files}], union_by_name = true)`
                : `read_csv([${files}], union_by_name = true)`;
        query = `index ${path.relative(process.cwd(), store.uri(filesIndexKey(v.prefix, table.name)))} lists the current folder of each day`;
    }
    const source = `${quoteIdent(DEFAULT_CONSUMER_DATABASE)}.${quoteIdent(table.linkName)}`;
    let sql: string;
    if (table.exportMode === "snapshot" || !table.primaryKey) {
        // No key: the target must hold the source's rows, as many times each as the source does.
        const cols = (await describeColumns(connection, `SELECT * FROM ${target}`))
            .map((c) => quoteIdent(c.name))
            .join(", ");
        const diff = (a: string, b: string) =>
            `(SELECT count(*) FROM (SELECT ${cols} FROM ${a} EXCEPT ALL SELECT ${cols} FROM ${b}))`;
        sql =
            `SELECT (SELECT count(*) FROM ${target}) AS rows, (SELECT count(*) FROM ${target}) AS keys, 0 AS stale, ` +
            `${diff(source, target)} AS missing, ${diff(target, source)} AS extra`;
    } else {
        const key = table.primaryKey.map(quoteIdent).join(", ");
        // insertOnly keeps the first version written: only a merge must hold the latest.
        const ver = table.exportMode === "merge" && table.versionColumn ? quoteIdent(table.versionColumn) : undefined;
        const on = table.primaryKey.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(" AND ");
        sql = `WITH s AS (SELECT ${key}${ver ? `, max(${ver}) AS ${ver}` : ""} FROM ${source} WHERE ${table.primaryKey.map((k) => `${quoteIdent(k)} IS NOT NULL`).join(" AND ")} GROUP BY ${key}),
t AS (SELECT ${key}${ver ? `, ${ver}` : ""} FROM ${target})
SELECT (SELECT count(*) FROM t) AS rows, (SELECT count(*) FROM (SELECT DISTINCT ${key} FROM t)) AS keys,
  ${ver ? `(SELECT count(*) FROM t JOIN s ON ${on} WHERE s.${ver} > t.${ver} OR (t.${ver} IS NULL AND s.${ver} IS NOT NULL))` : "0"} AS stale,
  (SELECT count(*) FROM s WHERE NOT EXISTS (SELECT 1 FROM t WHERE ${on})) AS missing,
  (SELECT count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM s WHERE ${on})) AS extra`;
    }
    const row = (await connection.runAndReadAll(sql)).getRowObjectsJS()[0];
    return {
        table: table.name,
        rows: Number(row.rows),
        keys: Number(row.keys),
        staleVersions: Number(row.stale),
        missingKeys: Number(row.missing),
        extraKeys: Number(row.extra),
        query,
    };
}

/** A table's entry of the run (for tools reading the manifest). */
export type { TableRunEntry };
