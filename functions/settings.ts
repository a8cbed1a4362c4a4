/**
 * The export Lambda's settings, read from its environment. `parseHandlerEnv` is pure: it takes
 * the environment map and returns typed settings or throws one error listing every problem,
 * each naming its variable and the fix. The contract (names and meaning) is `HANDLER_ENV_VARS`.
 */
import { connectColumnNames } from "../lib/connectSchema";
import { exportError } from "./errors";
import { parseLogLevel } from "./log";
import type { ExportFormat, ExportSettings, ExportTableSpec, LogLevel } from "./types";

/** Every environment variable the handler reads. */
export const HANDLER_ENV_VARS = [
    "EXPORT_BUCKET",
    "EXPORT_PREFIX",
    "ATHENA_WORKGROUP",
    "SOURCE_DATABASE",
    "TABLES_JSON",
    "EXPORT_FORMAT",
    "LATE_DATA_OVERLAP_DAYS",
    "LOG_LEVEL",
] as const;

export type HandlerEnvVar = (typeof HANDLER_ENV_VARS)[number];

export interface HandlerSettings extends ExportSettings {
    readonly bucket: string;
    readonly workgroup: string;
    /** Consumer database holding the resource links. */
    readonly sourceDatabase: string;
    readonly logLevel: LogLevel;
}

// Not imported from lib/config: the serialized Lambda would capture that whole module.
const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[a-z0-9]$|^[a-z0-9][a-z0-9_\-/]*[a-z0-9]$/;
const WORKGROUP = /^[A-Za-z0-9._-]{1,128}$/;
/** Top-level folders of the exports bucket that the run itself owns. */
export const RESERVED_TOP_LEVEL = ["manifests", "state"];

export function parseHandlerEnv(env: Readonly<Record<string, string | undefined>>): HandlerSettings {
    const problems: string[] = [];
    const fail = (name: HandlerEnvVar, message: string) => problems.push(`${name}: ${message}`);
    const read = (name: HandlerEnvVar, fix: string): string | undefined => {
        const value = env[name]?.trim();
        if (!value) fail(name, `required, not set. ${fix}`);
        return value || undefined;
    };

    const bucket = read("EXPORT_BUCKET", "Set it to the name of the exports bucket.");
    if (bucket !== undefined && !BUCKET.test(bucket)) {
        fail(
            "EXPORT_BUCKET",
            `${JSON.stringify(bucket)} is not an S3 bucket name (3-63 lowercase letters, digits, '.' or '-').`,
        );
    }

    const prefix = read("EXPORT_PREFIX", "Set it to the key prefix of the exports, e.g. connect.");
    if (prefix !== undefined) {
        const problem = prefixProblem(prefix);
        if (problem) fail("EXPORT_PREFIX", problem);
    }

    const workgroup = read(
        "ATHENA_WORKGROUP",
        "Set it to the Athena workgroup of the export, e.g. connect_analytics_workgroup.",
    );
    if (workgroup !== undefined && !WORKGROUP.test(workgroup)) {
        fail(
            "ATHENA_WORKGROUP",
            `${JSON.stringify(workgroup)} is not a workgroup name (1-128 letters, digits, '.', '_' or '-').`,
        );
    }

    const sourceDatabase = read(
        "SOURCE_DATABASE",
        "Set it to the consumer Glue database that holds the resource links.",
    );
    if (sourceDatabase !== undefined && !GLUE_NAME.test(sourceDatabase)) {
        fail(
            "SOURCE_DATABASE",
            `${JSON.stringify(sourceDatabase)} is not a Glue database name (lowercase letters, digits, '_').`,
        );
    }

    let tables: ExportTableSpec[] = [];
    const tablesJson = read(
        "TABLES_JSON",
        'Set it to a JSON array like [{"name":"contacts","linkName":"contacts_link","timeColumn":"initiation_timestamp"}].',
    );
    if (tablesJson !== undefined) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(tablesJson);
        } catch (err) {
            fail("TABLES_JSON", `is not valid JSON (${(err as Error).message}).`);
        }
        if (parsed !== undefined) {
            const result = parseTableSpecs(parsed);
            result.problems.forEach((p) => fail("TABLES_JSON", p));
            tables = result.tables;
        }
    }

    const formatText = (env.EXPORT_FORMAT ?? "parquet").trim() || "parquet";
    if (formatText !== "parquet" && formatText !== "csv") {
        fail("EXPORT_FORMAT", `must be "parquet" or "csv", got ${JSON.stringify(formatText)}.`);
    }

    const overlapText = (env.LATE_DATA_OVERLAP_DAYS ?? "1").trim() || "1";
    const overlap = Number(overlapText);
    if (!/^\d+$/.test(overlapText) || overlap > 31) {
        fail(
            "LATE_DATA_OVERLAP_DAYS",
            `must be a whole number of days from 0 to 31, got ${JSON.stringify(overlapText)}.`,
        );
    }

    const logLevel = env.LOG_LEVEL === undefined || env.LOG_LEVEL.trim() === "" ? "INFO" : parseLogLevel(env.LOG_LEVEL);
    if (!logLevel) fail("LOG_LEVEL", `must be DEBUG, INFO, WARN or ERROR, got ${JSON.stringify(env.LOG_LEVEL)}.`);

    if (problems.length > 0) {
        throw exportError(
            "CONFIG",
            `invalid environment for the export Lambda (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
            { problems },
        );
    }
    return {
        bucket: bucket!,
        prefix: prefix!,
        workgroup: workgroup!,
        sourceDatabase: sourceDatabase!,
        tables,
        format: formatText as ExportFormat,
        lateDataOverlapDays: overlap,
        logLevel: logLevel!,
    };
}

/** Why an export prefix is unusable, or undefined when it is fine. */
export function prefixProblem(prefix: string): string | undefined {
    if (!PREFIX.test(prefix) || prefix.includes("//")) {
        return `${JSON.stringify(prefix)} must be lowercase letters, digits, '_', '-' and '/' without leading, trailing or doubled '/'.`;
    }
    const top = prefix.split("/")[0];
    if (RESERVED_TOP_LEVEL.includes(top)) return `must not start with "${top}/": the run keeps its ${top} there.`;
    return undefined;
}

/**
 * Validates table specs ({name, linkName, timeColumn?, excludedColumns?}). Excluded columns of a
 * table whose schema is known must exist in it (a typo would otherwise export the column).
 */
export function parseTableSpecs(value: unknown): { tables: ExportTableSpec[]; problems: string[] } {
    const problems: string[] = [];
    const tables: ExportTableSpec[] = [];
    if (!Array.isArray(value) || value.length === 0) {
        return {
            tables,
            problems: ["must be a non-empty JSON array of {name, linkName, timeColumn?, excludedColumns?}."],
        };
    }
    value.forEach((entry, index) => {
        const where = `[${index}]`;
        if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
            problems.push(
                `${where} must be an object {name, linkName, timeColumn?, excludedColumns?}, got ${JSON.stringify(entry)}.`,
            );
            return;
        }
        const { name, linkName, timeColumn, excludedColumns, ...rest } = entry as Record<string, unknown>;
        const before = problems.length;
        for (const key of Object.keys(rest)) {
            problems.push(`${where} has unknown field "${key}"; allowed: name, linkName, timeColumn, excludedColumns.`);
        }
        if (typeof name !== "string" || !GLUE_NAME.test(name)) {
            problems.push(
                `${where}.name must be a Glue table name (lowercase letters, digits, '_'), got ${JSON.stringify(name)}.`,
            );
        }
        if (typeof linkName !== "string" || !GLUE_NAME.test(linkName)) {
            problems.push(`${where}.linkName must be a Glue table name, got ${JSON.stringify(linkName)}.`);
        }
        if (
            timeColumn !== undefined &&
            timeColumn !== null &&
            (typeof timeColumn !== "string" || !GLUE_NAME.test(timeColumn))
        ) {
            problems.push(
                `${where}.timeColumn must be a column name, or null/absent for a snapshot table, got ${JSON.stringify(timeColumn)}.`,
            );
        }
        let excluded: string[] = [];
        if (excludedColumns !== undefined && excludedColumns !== null) {
            if (
                !Array.isArray(excludedColumns) ||
                excludedColumns.some((c) => typeof c !== "string" || !GLUE_NAME.test(c))
            ) {
                problems.push(
                    `${where}.excludedColumns must be an array of column names, got ${JSON.stringify(excludedColumns)}.`,
                );
            } else {
                excluded = [...new Set(excludedColumns as string[])].sort();
            }
        }
        if (problems.length > before) return;
        const spec: ExportTableSpec = {
            name: name as string,
            linkName: linkName as string,
            ...(typeof timeColumn === "string" ? { timeColumn } : {}),
            ...(excluded.length > 0 ? { excludedColumns: excluded } : {}),
        };
        if (spec.timeColumn && excluded.includes(spec.timeColumn)) {
            problems.push(
                `${where} (${spec.name}) excludes its timeColumn "${spec.timeColumn}", which the export filters on.`,
            );
            return;
        }
        const known = connectColumnNames(spec.name);
        if (known && excluded.length > 0) {
            const unknown = excluded.filter((c) => !known.includes(c));
            if (unknown.length > 0) {
                problems.push(
                    `${where} (${spec.name}) excludes unknown column(s) ${unknown.join(", ")}; known columns: ${known.join(", ")}.`,
                );
            } else if (excluded.length >= known.length) {
                problems.push(`${where} (${spec.name}) excludes every column; leave at least one.`);
            }
        }
        tables.push(spec);
    });
    for (const field of ["name", "linkName"] as const) {
        const seen = new Set<string>();
        for (const t of tables) {
            if (seen.has(t[field])) {
                problems.push(`${field} "${t[field]}" appears more than once; each table needs a unique ${field}.`);
            }
            seen.add(t[field]);
        }
    }
    return { tables, problems };
}
