/**
 * The export Lambda's environment, from the export's settings: a pure function the config checks
 * (before anything is created) and the AnalyticsExport component deploys.
 */
import type { HandlerEnvVar } from "./names";
import type { ExportConfig, TableConfig } from "./config/types";

/** Lambda's limit on the environment variables of a function, all of them together (lambda/latest/dg/gettingstarted-limits.html). */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;

/**
 * The handler's environment (functions/settings.ts `HANDLER_ENV_VARS`, every one of them), from
 * the export's settings.
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
    > & {
        readonly tables: readonly TableConfig[];
        /** Consumer database holding the resource links. */
        readonly sourceDatabase: string;
        readonly exportsBucket: string;
        readonly logLevel: "DEBUG" | "INFO";
    },
): Record<HandlerEnvVar, string> {
    const environment: Record<HandlerEnvVar, string> = {
        EXPORT_BUCKET: args.exportsBucket,
        EXPORT_PREFIX: args.exportPrefix,
        ATHENA_WORKGROUP: args.athenaWorkgroupName,
        SOURCE_DATABASE: args.sourceDatabase,
        EXPORT_DATABASE: args.exportDatabaseName,
        // Excluded columns travel with the tables: the export must not select what the producer withholds.
        TABLES_JSON: JSON.stringify(
            args.tables.map((t) => ({
                name: t.name,
                linkName: t.linkName,
                timeColumn: t.timeColumn,
                excludedColumns: t.excludedColumns,
                primaryKey: t.primaryKey,
                versionColumn: t.versionColumn,
            })),
        ),
        EXPORT_TARGET: args.exportTarget,
        EXPORT_FORMAT: args.exportFormat,
        LOOKBACK_DAYS: String(args.lookbackDays),
        CHUNK_DAYS: String(args.exportChunkDays),
        LOG_LEVEL: args.logLevel,
    };
    return environment;
}

/** Why the environment would not fit Lambda's 4 KB (`TABLES_JSON` grows with the tables), or undefined. */
export function environmentSizeProblem(environment: Readonly<Record<string, string>>): string | undefined {
    const bytes = Object.entries(environment).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (bytes <= LAMBDA_ENVIRONMENT_LIMIT) return undefined;
    return (
        `the export's environment would be ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT}-byte limit ` +
        `(TABLES_JSON is ${Buffer.byteLength(environment.TABLES_JSON ?? "")}); export fewer tables from this stack, or shorter link names.`
    );
}
