/**
 * The export Lambda's settings, read from its environment. `parseHandlerEnv` is pure: it takes
 * the environment map and returns typed settings or throws one error listing every problem,
 * each naming its variable and the fix. The contract (names and meaning) is `HANDLER_ENV_VARS`.
 * This code ships in the Lambda's serialized archive, so it is written to stay small.
 */
import {
    ATHENA_WORKGROUP,
    DEFAULT_CHUNK_DAYS,
    DEFAULT_EXPORT_DATABASE,
    DEFAULT_LOOKBACK_DAYS,
    exportPrefixProblem,
    GLUE_NAME,
    type HandlerEnvVar,
    S3_BUCKET,
} from "../lib/names";
import { exportError } from "./errors";
import { parseLogLevel } from "./log";
import type { ExportFormat, ExportSettings, ExportTableSpec, ExportTarget, LogLevel, ObjectStore } from "./types";

export { HANDLER_ENV_VARS, type HandlerEnvVar } from "../lib/names";

export interface HandlerSettings extends ExportSettings {
    readonly bucket: string;
    readonly workgroup: string;
    readonly logLevel: LogLevel;
    /** The object of the exports bucket holding the table settings, and their SHA-256; absent with TABLES_JSON. */
    readonly tablesObject?: { readonly key: string; readonly sha256: string };
}

export { DEFAULT_CHUNK_DAYS, DEFAULT_EXPORT_DATABASE, DEFAULT_LOOKBACK_DAYS } from "../lib/names";
/** Athena writes at most 100 partitions per statement (HIVE_TOO_MANY_OPEN_PARTITIONS). */
export const MAX_CHUNK_DAYS = 100;
export const MAX_LOOKBACK_DAYS = 90;

export function parseHandlerEnv(env: Readonly<Record<string, string | undefined>>): HandlerSettings {
    const problems: string[] = [];
    const get = (name: string) => env[name]?.trim() || undefined;
    /** A value checked by `ok`, or its default; `fix` says what is wanted. */
    const read = (name: HandlerEnvVar | "TABLES_JSON", ok: (v: string) => boolean, fix: string, fallback?: string) => {
        const v = get(name) ?? fallback;
        if (v === undefined || !ok(v)) {
            problems.push(`${name}: ${v === undefined ? "required, not set" : `got ${JSON.stringify(v)}`}; ${fix}.`);
        }
        return v as string;
    };
    const glue = (v: string) => GLUE_NAME.test(v);
    const days = (min: number, max: number) => (v: string) => /^\d+$/.test(v) && +v >= min && +v <= max;
    const bucket = read("EXPORT_BUCKET", (v) => S3_BUCKET.test(v), "the exports bucket's name");
    const prefix = read(
        "EXPORT_PREFIX",
        (v) => !exportPrefixProblem(v),
        "a key prefix like connect: lowercase, at most 256 characters, no leading, trailing or doubled '/', not manifests/ or state/",
    );
    const workgroup = read("ATHENA_WORKGROUP", (v) => ATHENA_WORKGROUP.test(v), "the export's Athena workgroup");
    const sourceDatabase = read("SOURCE_DATABASE", glue, "the consumer Glue database holding the resource links");
    const exportDatabase = read(
        "EXPORT_DATABASE",
        glue,
        "the Glue database of the export's Iceberg tables",
        DEFAULT_EXPORT_DATABASE,
    );
    const target = read(
        "EXPORT_TARGET",
        (v) => v === "iceberg" || v === "files",
        'must be "iceberg" or "files"',
        "iceberg",
    );
    const format = read(
        "EXPORT_FORMAT",
        (v) => v === "parquet" || v === "csv",
        'must be "parquet" or "csv"',
        "parquet",
    );
    // LATE_DATA_OVERLAP_DAYS, its old name, meant the same: days before the watermark read again.
    const lookback = read(
        "LOOKBACK_DAYS",
        days(0, MAX_LOOKBACK_DAYS),
        `whole days from 0 to ${MAX_LOOKBACK_DAYS}`,
        get("LATE_DATA_OVERLAP_DAYS") ?? String(DEFAULT_LOOKBACK_DAYS),
    );
    const chunk = read(
        "CHUNK_DAYS",
        days(1, MAX_CHUNK_DAYS),
        `whole days from 1 to ${MAX_CHUNK_DAYS}`,
        String(DEFAULT_CHUNK_DAYS),
    );
    const logLevel = parseLogLevel(read("LOG_LEVEL", (v) => !!parseLogLevel(v), "DEBUG, INFO, WARN or ERROR", "INFO"));
    const reconcile = read("RECONCILE_EVERY_DAYS", days(0, 400), "whole days from 0 (never) to 400", "30");
    let tables: ExportTableSpec[] = [];
    // The stack's functions name the object holding the table settings (and its hash); TABLES_JSON inlines them.
    const object = get("TABLES_JSON") ? undefined : get("TABLES_OBJECT");
    const sha256 =
        object && read("TABLES_SHA256", (v) => /^[0-9a-f]{64}$/.test(v), "the SHA-256 (hex) of TABLES_OBJECT");
    if (object && !/^state\/[\w./-]+\.json$/.test(object)) {
        problems.push(`TABLES_OBJECT: got ${JSON.stringify(object)}; a key under state/ ending .json.`);
    }
    const json = object
        ? undefined
        : read(
              "TABLES_JSON",
              () => true,
              'TABLES_OBJECT and TABLES_SHA256 (as the stack sets them), or TABLES_JSON: a JSON array like [{"name":"contacts","linkName":"contacts_link","timeColumn":"initiation_timestamp","primaryKey":["instance_id","contact_id"],"versionColumn":"last_update_timestamp"}]',
          );
    if (json !== undefined) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(json);
        } catch (err) {
            problems.push(`TABLES_JSON: is not valid JSON (${(err as Error).message}).`);
        }
        if (parsed !== undefined) {
            const result = parseTableSpecs(parsed);
            problems.push(...result.problems.map((p) => `TABLES_JSON: ${p}`));
            tables = result.tables;
        }
    }
    if (problems.length > 0) {
        throw exportError(
            "CONFIG",
            `invalid environment for the export Lambda (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
            { problems },
        );
    }
    return {
        bucket,
        prefix,
        workgroup,
        sourceDatabase,
        exportDatabase,
        tables,
        target: target as ExportTarget,
        format: format as ExportFormat,
        lookbackDays: +lookback,
        chunkDays: +chunk,
        reconcileEveryDays: +reconcile,
        logLevel: logLevel!,
        ...(object ? { tablesObject: { key: object, sha256: sha256 as string } } : {}),
    };
}

/**
 * The table settings of TABLES_OBJECT, read from the exports bucket and checked against the hash
 * the function was deployed with: a mismatch (the stack is being deployed, or the object was
 * edited) stops the run rather than export with settings the function was not deployed for.
 */
export async function readTablesObject(
    store: Pick<ObjectStore, "getText" | "uri">,
    object: { readonly key: string; readonly sha256: string },
): Promise<ExportTableSpec[]> {
    const text = await store.getText(object.key);
    const where = store.uri(object.key);
    const hash = text === undefined ? "" : require("crypto").createHash("sha256").update(text).digest("hex");
    const problem =
        text === undefined
            ? "is missing"
            : hash !== object.sha256
              ? `has SHA-256 ${hash}, not the ${object.sha256} this function was deployed with (a deployment in progress, or an edit)`
              : undefined;
    const parsed = problem ? undefined : parseTableSpecs(JSON.parse(text!));
    const why = problem ?? (parsed!.problems.length ? `is invalid: ${parsed!.problems.join("; ")}` : undefined);
    if (why) {
        throw exportError(
            "CONFIG",
            `the table settings ${where} ${why}. Run \`pulumi up\` on the consumer stack to write them again.`,
        );
    }
    return parsed!.tables;
}

const SHAPE =
    "{name, linkName, exportMode?: merge|insertOnly|snapshot, primaryKey: [columns] (merge, insertOnly), versionColumn (merge), timeColumn?, excludedColumns?: [columns]} with Glue names (lowercase letters, digits, _)";
const MODES = ["merge", "insertOnly", "snapshot"];

/**
 * Validates table specs: Glue names everywhere, `exportMode` (default merge) with the keys it
 * needs (`primaryKey` a list of distinct columns for merge and insertOnly, `versionColumn` outside
 * it for merge), none of the columns the export needs excluded, unique names and links. Whether the
 * columns exist is checked against the real table at run time.
 */
export function parseTableSpecs(value: unknown): { tables: ExportTableSpec[]; problems: string[] } {
    const problems: string[] = [];
    const tables: ExportTableSpec[] = [];
    const name = (v: unknown) => typeof v === "string" && GLUE_NAME.test(v);
    const names = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every(name) && new Set(v).size === v.length;
    for (const [i, e] of (Array.isArray(value) && value.length ? value : [value]).entries()) {
        const {
            name: n,
            linkName,
            timeColumn,
            excludedColumns: ex,
            primaryKey: key,
            versionColumn: v,
            exportMode: m = "merge",
            ...rest
        } = e ?? {};
        const keyed = m !== "snapshot";
        const wrong = [
            ...Object.keys(rest).map((k) => `unknown field ${k}`),
            ...(MODES.includes(m) ? [] : ["exportMode"]),
            ...Object.entries({
                name: n,
                linkName,
                versionColumn: v ?? (m === "merge" ? 0 : "x"),
                timeColumn: timeColumn ?? "x",
            })
                .filter(([, x]) => !name(x))
                .map(([k]) => k),
            ...Object.entries({ primaryKey: key ?? (keyed ? 0 : ["x"]), excludedColumns: ex ?? ["x"] })
                .filter(([, x]) => !names(x))
                .map(([k]) => k),
        ];
        const needed = wrong.length ? [] : [...(keyed ? [...key, v] : []), timeColumn].filter((c) => ex?.includes(c));
        if (needed.length) wrong.push(`excludes ${needed.join(", ")}, which the export needs`);
        if (!wrong.length && keyed && key.includes(v)) wrong.push("versionColumn is in primaryKey");
        if (wrong.length) {
            problems.push(`[${i}] must be ${SHAPE}: ${wrong.join(", ")} (got ${JSON.stringify(e)?.slice(0, 200)}).`);
        } else {
            tables.push({
                name: n,
                linkName,
                exportMode: m,
                ...(key ? { primaryKey: key } : {}),
                ...(v ? { versionColumn: v } : {}),
                // A snapshot is read whole: it has no window to read by.
                ...(timeColumn && keyed ? { timeColumn } : {}),
                ...(ex ? { excludedColumns: [...ex].sort() } : {}),
            });
        }
    }
    for (const field of ["name", "linkName"] as const) {
        const all = tables.map((t) => t[field]);
        const dup = all.filter((x, i) => all.indexOf(x) !== i);
        if (dup.length) problems.push(`${field} ${dup.join(", ")} appears more than once; each table needs its own.`);
    }
    return { tables, problems };
}
