/**
 * The export Lambda's environment, from the export's settings: a pure function the config checks
 * (before anything is created) and the AnalyticsExport component deploys. The per-table settings
 * are not in it: they grow with the tables, and Lambda caps the environment at 4 KB. The stack
 * writes them to an object of the exports bucket (`tablesObject`), and the environment names that
 * object and its SHA-256, so a function reads exactly the settings it was deployed with.
 */
import { createHash } from "crypto";
import { TABLES_OBJECT_KEY, type HandlerEnvVar } from "./names";
import type { ExportConfig, TableConfig } from "./config/types";

/** Lambda's limit on the environment variables of a function, all of them together (lambda/latest/dg/gettingstarted-limits.html). */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;

/** The per-table settings the handler reads (functions/settings.ts `parseTableSpecs`), as JSON. */
export function tablesObject(tables: readonly TableConfig[]): { key: string; text: string; sha256: string } {
    // Excluded columns travel with the tables: the export must not select what the producer withholds.
    const text = JSON.stringify(
        tables.map((t) => ({
            name: t.name,
            linkName: t.linkName,
            timeColumn: t.timeColumn,
            excludedColumns: t.excludedColumns,
            exportMode: t.exportMode,
            primaryKey: t.primaryKey,
            versionColumn: t.versionColumn,
        })),
    );
    return { key: TABLES_OBJECT_KEY, text, sha256: createHash("sha256").update(text).digest("hex") };
}

/**
 * The handler's environment (`HANDLER_ENV_VARS`, every one of them), from the export's settings.
 */
export function handlerEnvironment(
    args: Pick<
        ExportConfig,
        | "exportPrefix"
        | "athenaWorkgroupName"
        | "exportDatabaseName"
        | "exportTarget"
        | "exportFormat"
        | "lookbackDays"
        | "exportChunkDays"
        | "fullReconciliationDays"
    > & {
        readonly tables: readonly TableConfig[];
        /** Consumer database holding the resource links. */
        readonly sourceDatabase: string;
        readonly exportsBucket: string;
        readonly logLevel: "DEBUG" | "INFO";
    },
): Record<HandlerEnvVar, string> {
    const object = tablesObject(args.tables);
    const environment: Record<HandlerEnvVar, string> = {
        EXPORT_BUCKET: args.exportsBucket,
        EXPORT_PREFIX: args.exportPrefix,
        ATHENA_WORKGROUP: args.athenaWorkgroupName,
        SOURCE_DATABASE: args.sourceDatabase,
        EXPORT_DATABASE: args.exportDatabaseName,
        TABLES_OBJECT: object.key,
        TABLES_SHA256: object.sha256,
        EXPORT_TARGET: args.exportTarget,
        EXPORT_FORMAT: args.exportFormat,
        LOOKBACK_DAYS: String(args.lookbackDays),
        CHUNK_DAYS: String(args.exportChunkDays),
        RECONCILE_EVERY_DAYS: String(args.fullReconciliationDays),
        LOG_LEVEL: args.logLevel,
    };
    return environment;
}

/** Why the environment would not fit Lambda's 4 KB, or undefined (it no longer grows with the tables). */
export function environmentSizeProblem(environment: Readonly<Record<string, string>>): string | undefined {
    const bytes = Object.entries(environment).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (bytes <= LAMBDA_ENVIRONMENT_LIMIT) return undefined;
    return (
        `the export's environment would be ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT}-byte limit; ` +
        `shorten the longest values (${Object.entries(environment)
            .sort((a, b) => b[1].length - a[1].length)
            .slice(0, 2)
            .map(([k]) => k)
            .join(", ")}).`
    );
}
