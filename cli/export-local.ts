/**
 * `npm start`: generate a synthetic Amazon Connect data lake and export it on DuckDB with the
 * same export code the Lambda runs on Athena: one table per exported table, one current row per
 * key, in a DuckDB database file in the exports folder. No AWS needed.
 *
 *   npm start                          first run: generate .local-lake/, merge everything into ./exports/
 *   npm start                          again: same run (nothing new), nothing merged again
 *   npm start -- --add-day             a new delivery day (new contacts, updates, late records)
 *   npm start -- --tables contacts --from 2025-01-05 --to 2025-01-07   backfill
 *   npm start -- --maintenance         compaction and cleanup of the targets
 *   npm start -- --setup               create the missing target tables, read no data (the Lambda's {"setup": true})
 *   npm start -- --config-dir examples/share-many --as sales-analyst   what one reader sees
 *
 * Exit codes: 0 done, 1 the run failed (or the config is invalid), 2 a bad command line (nothing
 * was touched).
 */
import * as fs from "fs";
import * as path from "path";
import { Command, InvalidArgumentError, Option, type CommanderError } from "commander";
import { isIsoDay } from "../functions/dates";
import {
    LOCAL_DEFAULTS,
    LocalUsageError,
    localQueryCommand,
    defaultTableSpecs,
    runLocalExport,
    type LocalExportResult,
} from "../functions/local/runLocal";
import { localTableName, resolveReader, type LocalReader, type ReaderView } from "../functions/local/readerView";
import { DEFAULT_LAKE, LAKE_LIMITS, type LakeProgress, type LakeShape } from "../functions/local/syntheticLake";
import { MAX_CHUNK_DAYS, MAX_LOOKBACK_DAYS } from "../functions/settings";
import type { ExportFormat, ExportTarget, LogLevel, TableRunEntry } from "../functions/types";
import { connectColumnNames, datasetKeys } from "../lib/connectSchema";
import { parseConfig, type AppConfig } from "../lib/config";
import { formatBytes, textTable } from "../lib/report";
import { checkConfigDir, loadStackConfig, REPO_ROOT, StackArgumentError } from "../plan/configFile";

interface CliOptions {
    rows: number;
    days: number;
    seed: number;
    startDate: string;
    lake: string;
    out: string;
    target: ExportTarget;
    format: ExportFormat;
    prefix: string;
    tables?: string[];
    from?: string;
    to?: string;
    addDay?: boolean;
    newColumn?: boolean;
    runId?: string;
    force?: boolean;
    fresh?: boolean;
    maintenance?: boolean;
    setup?: boolean;
    lookbackDays: number;
    chunkDays: number;
    exclude?: string[];
    configDir: string;
    stack: string;
    as?: string;
    logLevel: LogLevel;
    json?: boolean;
}

const wholeNumber = (name: string, min: number, max: number) => (value: string) => {
    const n = Number(value.replace(/_/g, ""));
    if (!/^\d[\d_]*$/.test(value) || n < min || n > max) {
        throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max.toLocaleString("en-US")}.`);
    }
    return n;
};
const day = (name: string) => (value: string) => {
    if (!isIsoDay(value)) throw new InvalidArgumentError(`${name} must be a real date YYYY-MM-DD.`);
    return value;
};
const list = (value: string) =>
    value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

function buildProgram(): Command {
    return new Command()
        .name("npm start --")
        .description(
            "Export a synthetic Amazon Connect data lake on DuckDB with the export Lambda's code (no AWS needed).",
        )
        .option(
            "--rows <n>",
            "contacts in a generated lake",
            wholeNumber("--rows", ...LAKE_LIMITS.rows),
            DEFAULT_LAKE.rows,
        )
        .option("--days <n>", "days of a generated lake", wholeNumber("--days", ...LAKE_LIMITS.days), DEFAULT_LAKE.days)
        .option(
            "--seed <n>",
            "seed of the synthetic data",
            wholeNumber("--seed", ...LAKE_LIMITS.seed),
            DEFAULT_LAKE.seed,
        )
        .option("--start-date <date>", "first day of a generated lake", day("--start-date"), DEFAULT_LAKE.startDate)
        .option(
            "--lake <dir>",
            "folder of the synthetic lake (generated when new or empty; --rows/--days/--seed/--start-date must match an existing one)",
            LOCAL_DEFAULTS.lakeDir,
        )
        .option("--out <dir>", "exports folder, standing in for the exports bucket", LOCAL_DEFAULTS.outDir)
        .addOption(
            new Option("--target <target>", "iceberg: merged tables in a DuckDB file; files: a folder per data day")
                .choices(["iceberg", "files"])
                .default(LOCAL_DEFAULTS.target),
        )
        .addOption(
            new Option("--format <format>", "file format of --target files")
                .choices(["parquet", "csv"])
                .default(LOCAL_DEFAULTS.format),
        )
        .option("--prefix <prefix>", "key prefix of the exports", LOCAL_DEFAULTS.prefix)
        .option(
            "--tables <names>",
            "comma-separated subset of the tables (users,contacts,agent_hierarchy_groups,contact_flow_events,agent_queue_statistic_record,agent_statistic_record)",
            list,
        )
        .option("--from <date>", "backfill: first day to merge (with --to)", day("--from"))
        .option("--to <date>", "backfill: last day to merge (with --from)", day("--to"))
        .option("--add-day", "append the next delivery day to the lake (whatever made it), then run that day's export")
        .option("--new-column", "with --add-day: the new day's contact records carry a column the earlier ones lack")
        .option("--run-id <id>", "explicit run id (default: from the simulated schedule time)")
        .option("--force", "redo tables that already succeeded in this run id")
        .option(
            "--fresh",
            "regenerate the lake with the options it was made with (not the days --add-day appended) and start the exports over (deletes only what npm start made)",
        )
        .option("--maintenance", "compact and clean the target tables instead of merging")
        .option(
            "--setup",
            'create the target tables that do not exist yet, reading no data (the Lambda\'s {"setup": true} at deploy time)',
        )
        .option(
            "--lookback-days <n>",
            "days before the watermark each run reads again, for late and updated records (the Lambda's LOOKBACK_DAYS)",
            wholeNumber("--lookback-days", 0, MAX_LOOKBACK_DAYS),
            LOCAL_DEFAULTS.lookbackDays,
        )
        .option(
            "--chunk-days <n>",
            "days per MERGE of a long window (the Lambda's CHUNK_DAYS; default: 7, fewer for a lake of over 1M rows a week)",
            wholeNumber("--chunk-days", 1, MAX_CHUNK_DAYS),
            LOCAL_DEFAULTS.chunkDays,
        )
        .option(
            "--exclude <table.column,...>",
            "columns to leave out besides the consumer config's excludedColumns, e.g. users.email",
            list,
        )
        .option(
            "--config-dir <dir>",
            "folder of the stack configs: the consumer's (--stack) gives the excludedColumns the run mirrors and the readers of --as; " +
                "the producer's (its producerStack, default Pulumi.producer.yaml), when it lists connectInstanceIds, the lake's Connect instances",
            REPO_ROOT,
        )
        .option("--stack <name>", "the consumer stack: its config is Pulumi.<name>.yaml in --config-dir", "consumer")
        .option(
            "--as <reader>",
            "after the merge, write what one of the consumer's readers sees (the rows its filter admits, the columns not withheld) " +
                "into the schema reader_<name> of the export database: its role name (e.g. sales-analyst) or principal ARN",
        )
        .addOption(
            new Option("--log-level <level>", "structured JSON logs on stderr at this level")
                .choices(["DEBUG", "INFO", "WARN", "ERROR"])
                .default("WARN"),
        )
        .option("--json", "print the run summary as JSON instead of a table")
        .showHelpAfterError("(npm start -- --help lists the options)");
}

/** The consumer's stack config, and the Connect instances its producer's config names. */
interface Stacks {
    readonly consumer: AppConfig;
    readonly consumerFile: string;
    /** The producer config's connectInstanceIds; undefined when it names none (or is not there). */
    readonly instanceIds?: string[];
}

function loadStacks(configDir: string, stack: string): Stacks {
    let consumer: AppConfig;
    try {
        checkConfigDir(configDir);
        consumer = parseConfig(loadStackConfig(configDir, stack));
    } catch (err) {
        // A missing or wrong --config-dir / --stack is a bad command line; an invalid config is a failed run (exit 1).
        if (err instanceof StackArgumentError) throw new LocalUsageError(err.message);
        throw err;
    }
    if (consumer.side !== "consumer") {
        throw new LocalUsageError(
            `--stack ${stack}: ${path.join(configDir, `Pulumi.${stack}.yaml`)} is a ${consumer.side} stack; the local export is the consumer's (it mirrors the consumer's tables, exclusions and readers). Fix: pass the consumer's stack, e.g. --stack consumer (the default).`,
        );
    }
    // The producer's stack file is named like the last part of its stack name (org/project/producer).
    const producer = (consumer.producerStack ?? "producer").split("/").pop()!;
    const producerFile = path.join(configDir, `Pulumi.${producer}.yaml`);
    let ids: readonly string[] = [];
    if (producer !== stack && fs.existsSync(producerFile)) {
        try {
            ids = parseConfig(loadStackConfig(configDir, producer)).connectInstanceIds;
        } catch (err) {
            throw new Error(`${producerFile} (read for its connectInstanceIds): ${(err as Error).message}`);
        }
    }
    return {
        consumer,
        consumerFile: path.join(configDir, `Pulumi.${stack}.yaml`),
        ...(ids.length > 0 ? { instanceIds: [...ids] } : {}),
    };
}

/**
 * The consumer's column exclusions (its stack config; contact_record is the local contacts), so the
 * local run sees what the consumer's role can see, plus any `--exclude` given on the command line.
 */
function tableSpecs(exclude: string[] | undefined, consumer: AppConfig) {
    const specs = defaultTableSpecs();
    const byTable = new Map<string, string[]>();
    for (const table of consumer.tables) {
        const local = localTableName(table.name);
        if (table.excludedColumns && specs.some((s) => s.name === local)) {
            byTable.set(local, [...table.excludedColumns]);
        }
    }
    const problems: string[] = [];
    for (const item of exclude ?? []) {
        const [table, column, ...rest] = item.split(".");
        const spec = specs.find((s) => s.name === table);
        const columns = connectColumnNames(table) ?? [];
        const keys = datasetKeys(table);
        const kept = [...(keys?.primaryKey ?? []), keys?.versionColumn, spec?.timeColumn].filter(Boolean);
        if (!table || !column || rest.length > 0) {
            problems.push(`--exclude takes table.column items, got ${JSON.stringify(item)}`);
        } else if (!spec) {
            problems.push(
                `--exclude names table ${JSON.stringify(table)}; tables: ${specs.map((s) => s.name).join(", ")}`,
            );
        } else if (!columns.includes(column)) {
            problems.push(`--exclude names ${JSON.stringify(column)}, not a column of ${table}`);
        } else if (kept.includes(column)) {
            problems.push(
                `--exclude cannot leave out ${table}.${column}: the export needs ${table}'s key, version and time columns (${kept.join(", ")})`,
            );
        } else {
            byTable.set(table, [...new Set([...(byTable.get(table) ?? []), column])]);
        }
    }
    if (problems.length > 0) {
        throw new LocalUsageError(
            `invalid --exclude (nothing was changed):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
    return specs.map((s) => (byTable.has(s.name) ? { ...s, excludedColumns: byTable.get(s.name) } : s));
}

const fmtInt = (n: number | null) => (n === null ? "-" : n.toLocaleString("en-US"));
const fmtBytes = (n: number | null) => (n === null ? "-" : formatBytes(n));
const fmtWindow = (e: TableRunEntry) =>
    e.window
        ? `${e.window.from ?? "start"}..${e.window.to}`
        : e.status === "up_to_date"
          ? "nothing new"
          : e.mode === "snapshot"
            ? "all"
            : "-";
/** How many days before the window the run merged again, and why (functions/sweep.ts). */
function sweptLine(entry: TableRunEntry | undefined): string {
    const sweep = entry?.sweep ?? null;
    if (!sweep) {
        if (entry?.exportMode === "snapshot") return "read whole (snapshot)";
        return entry?.mode === "snapshot" ? "read whole every run (no time column)" : "no sweep in this run";
    }
    const why = (w: string) => sweep.days.filter((d) => d.why === w).length;
    const reconciled = sweep.reconciledDays
        ? `, full reconciliation: ${sweep.reconciledDays.differing} day(s) differed`
        : "";
    return sweep.days.length === 0
        ? `0 old days swept${reconciled}`
        : `${sweep.days.length} old day(s) swept (${why("touched")} re-delivered, ${why("reconciliation")} by reconciliation)${reconciled}`;
}

const rel = (p: string | null) => (p ? path.relative(process.cwd(), p) || "." : "-");

function progressLine(entry: TableRunEntry, index: number, total: number, runAttempt: number): string {
    const head = `  [${index}/${total}] ${entry.table.padEnd(24)}`;
    if (entry.runAttempt !== runAttempt) {
        return `${head} kept: ${entry.status} in attempt ${entry.runAttempt} of this run`;
    }
    if (entry.status === "failed" || entry.status === "incomplete") {
        return `${head} ${entry.status.toUpperCase()}  ${userMessage(entry.error ?? "")}`;
    }
    if (entry.status === "up_to_date") return `${head} up to date (watermark ${entry.watermarkBefore}), no query`;
    const changes =
        entry.rowsWritten === null
            ? `${fmtInt(entry.rowsInserted)} inserted, ${fmtInt(entry.rowsUpdated)} updated`
            : `${fmtInt(entry.rowsWritten)} written`;
    return `${head} ${entry.mode.padEnd(11)} ${fmtInt(entry.rowsRead).padStart(11)} read, ${changes}  ${fmtWindow(entry)}  ${(entry.durationMs / 1000).toFixed(2)} s`;
}

function summaryTable(result: LocalExportResult): string {
    const summary = result.summary!;
    const header = [
        "table",
        "status",
        "mode",
        "days read",
        "chunks",
        "read",
        "inserted",
        "updated",
        "scanned",
        "watermark",
        "new columns",
    ];
    const rows = summary.tables.map((e) => [
        e.table,
        e.runAttempt === summary.runAttempt ? e.status : `${e.status} (attempt ${e.runAttempt})`,
        e.mode,
        fmtWindow(e),
        `${e.chunks.done}/${e.chunks.total}`,
        fmtInt(e.rowsRead),
        fmtInt(e.rowsInserted ?? e.rowsWritten),
        fmtInt(e.rowsUpdated),
        fmtBytes(e.bytesScanned),
        e.mode === "snapshot" ? "-" : `${e.watermarkBefore ?? "none"} -> ${e.watermarkAfter ?? "none"}`,
        e.schemaChanges.join(", ") || "-",
    ]);
    return textTable(header, rows).join("\n");
}

/** What the reader sees: one line per table (rows and columns visible of the table's, the filter). */
function readerLines(view: ReaderView, outDir: string, databaseFile: string | null): string[] {
    const lines = [`reader ${view.reader} (${view.principal}) sees, in schema ${view.schema}:`];
    for (const t of view.tables) {
        const name = t.configName === t.table ? t.table : `${t.table} (${t.configName})`;
        lines.push(
            t.relation === null
                ? `  ${name}: not exported yet`
                : `  ${name}: ${fmtInt(t.rows)} of ${fmtInt(t.totalRows)} rows, ${t.columns.length} of ${t.totalColumns} columns` +
                      `${t.withheld.length ? ` (withheld: ${t.withheld.join(", ")})` : ""}; filter: ${t.filter ?? "none (all rows)"}`,
        );
    }
    for (const t of view.notLocal) {
        lines.push(`  ${t}: not in the local run's lake`);
    }
    const first = view.tables.find((t) => t.relation);
    if (first && databaseFile) {
        lines.push(`  try: ${localQueryCommand(outDir, `SELECT count(*) FROM ${first.relation}`)}`);
    }
    return lines;
}

/** A progress bar on stderr (a line every few seconds when it is not a terminal). */
function progressBar(unit: string): LakeProgress {
    const stream = process.stderr;
    let last = 0;
    let shown = "";
    return ({ step, done, total }) => {
        if (total <= 1 || shown === `${step} ${done}`) return;
        shown = `${step} ${done}`;
        if (stream.isTTY) {
            const width = 30;
            const filled = Math.round((done / total) * width);
            stream.write(`\r  ${step} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${unit}`);
            if (done === total) stream.write("\n");
        } else if (done === total || Date.now() - last > 2000) {
            stream.write(`  ${step}: ${done}/${total} ${unit}\n`);
            last = Date.now();
        }
    };
}

/**
 * A failure as the user reads it: DuckDB's out-of-memory text becomes what ran out and the flags
 * that bound it (the rows one day's merge holds are --rows / --days).
 */
export function userMessage(message: string): string {
    if (!/Out of Memory Error|failed to allocate|could not allocate/i.test(message)) return message;
    return (
        `the local run ran out of memory (DuckDB's limit is ${LOCAL_DEFAULTS.memoryLimit}, spilling to the exports folder's .duckdb-tmp): ` +
        "one day's merge holds --rows / --days contacts. Fix: fewer --rows, more --days, or --chunk-days 1, then run again"
    );
}

/** Test hook: EXPORT_LOCAL_CRASH_AT=<step>:<table> kills this process there, as kill -9 would. */
function crashHook(): ((step: string, table: string) => void) | undefined {
    const at = process.env.EXPORT_LOCAL_CRASH_AT;
    return at
        ? (step, table) => (`${step}:${table}` === at ? process.kill(process.pid, "SIGKILL") : undefined)
        : undefined;
}

async function main(argv: string[]): Promise<number> {
    const program = buildProgram();
    // A bad command line exits 2, as the operations CLI's usage errors do (help and version exit 0).
    program.exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : 2));
    program.parse(argv);
    const o = program.opts<CliOptions>();
    // Lake shape options count only when given: an existing lake is used whatever made it.
    const given = (name: keyof CliOptions) => program.getOptionValueSource(name) === "cli";
    if (given("format") && o.target !== "files") {
        // The iceberg target writes tables, not files: a format given with it would only be recorded.
        throw new LocalUsageError(
            `--format ${o.format} is the files target's format, and --target is ${o.target} (tables in a DuckDB file, no format). Fix: drop --format, or add --target files.`,
        );
    }
    const stacks = loadStacks(o.configDir, o.stack);
    const lake: Partial<LakeShape> = {
        ...Object.fromEntries((["rows", "days", "seed", "startDate"] as const).filter(given).map((k) => [k, o[k]])),
        ...(stacks.instanceIds ? { instanceIds: stacks.instanceIds } : {}),
    };
    const specs = tableSpecs(o.exclude, stacks.consumer);
    const reader: LocalReader | undefined =
        o.as === undefined
            ? undefined
            : resolveReader(
                  stacks.consumer.readers,
                  o.as,
                  specs.map((s) => s.name),
                  rel(stacks.consumerFile),
              );
    const started = Date.now();
    const quiet = !!o.json;
    const result = await runLocalExport({
        lakeDir: o.lake,
        outDir: o.out,
        lake,
        target: o.target,
        format: o.format,
        prefix: o.prefix,
        lookbackDays: o.lookbackDays,
        chunkDays: given("chunkDays") ? o.chunkDays : undefined,
        tableSpecs: specs,
        reader,
        tables: o.tables,
        from: o.from,
        to: o.to,
        runId: o.runId,
        force: o.force,
        addDay: o.addDay,
        newColumn: o.newColumn,
        fresh: o.fresh,
        maintenance: o.maintenance,
        setup: o.setup,
        logLevel: o.logLevel,
        onProgress: quiet ? undefined : progressBar("days"),
        onChunk: quiet
            ? undefined
            : (() => {
                  const bar = progressBar("chunks");
                  return (e: TableRunEntry) =>
                      e.chunks.total > 0 &&
                      bar({ step: `merging ${e.table}`, done: e.chunks.done, total: e.chunks.total });
              })(),
        onStep: crashHook(),
        onLake: ({ info, generated, addedDay, ms, note }) => {
            if (quiet) return;
            const contacts = info.partitions.reduce((n, p) => n + p.rows, 0);
            console.log(
                `lake ${rel(path.resolve(o.lake))}: ${fmtInt(contacts)} contacts delivered over ${info.deliveries.length} days ${info.deliveries[0]}..${info.deliveries[info.deliveries.length - 1]}` +
                    ` (${generated ? "generated" : "reused"}${addedDay ? `, added ${addedDay}` : ""}${info.newColumnSince ? `, new column since ${info.newColumnSince}` : ""}${note ? `, ${note}` : ""}, ${(ms / 1000).toFixed(2)} s)`,
            );
        },
        onTable: (entry, progress) => {
            if (!quiet) console.log(progressLine(entry, progress.index, progress.total, progress.runAttempt));
        },
    });
    if (result.setup) {
        const s = result.setup;
        if (o.json) console.log(JSON.stringify(s, null, 2));
        else {
            for (const t of s.tables) {
                console.log(
                    `  ${t.table.padEnd(24)} ${t.status}${t.error ? `: ${t.error}` : ` (${t.output}, ${t.columns} columns)`}`,
                );
            }
        }
        return s.status === "succeeded" ? 0 : 1;
    }
    if (result.maintenance) {
        const m = result.maintenance;
        if (o.json) console.log(JSON.stringify(m, null, 2));
        else {
            for (const t of m.tables) {
                console.log(
                    `  ${t.table.padEnd(24)} ${t.status}${t.error ? `: ${t.error}` : ` (${t.statements.join(", ")})`}`,
                );
            }
        }
        return m.status === "succeeded" ? 0 : 1;
    }
    const summary = result.summary!;
    if (o.json) {
        console.log(
            JSON.stringify(
                {
                    ...summary,
                    checks: result.checks,
                    databaseFile: result.databaseFile,
                    ...(result.readerView ? { readerView: result.readerView } : {}),
                },
                null,
                2,
            ),
        );
        return summary.status === "succeeded" ? 0 : 1;
    }
    console.log(
        `run ${summary.runId} for ${summary.runDate}, attempt ${summary.runAttempt}: ${summary.status}, ${fmtInt(summary.rowsRead)} rows read, ${fmtBytes(summary.bytesScanned)} scanned in ${(result.exportMs / 1000).toFixed(2)} s\n`,
    );
    console.log(summaryTable(result));
    console.log(`\nmanifest: ${rel(summary.manifestLocation)}`);
    const ranNow = summary.tables.filter((e) => e.runAttempt === summary.runAttempt && e.status === "succeeded").length;
    if (summary.status === "succeeded" && ranNow === 0) {
        console.log(
            `run ${summary.runId} already complete: nothing new. Try \`npm start -- --add-day\` for the next day's run.`,
        );
    }
    for (const e of summary.tables) {
        if (e.mode === "backfill" && e.watermarkAfter === null && e.status === "succeeded") {
            console.log(
                `note: ${e.table} has no watermark yet; this backfill did not set one, so the next run loads all its history (merging these days again is harmless).`,
            );
        }
    }
    if (result.error) console.error(`\n${userMessage(result.error.message)}`);
    console.log("");
    if (result.databaseFile) console.log(`warehouse (DuckDB): ${rel(result.databaseFile)}`);
    for (const c of result.checks) {
        const entry = summary.tables.find((t) => t.table === c.table);
        console.log(
            `${c.table}: ${fmtInt(c.rows)} rows, ${fmtInt(c.keys)} distinct keys, ${fmtInt(c.staleVersions)} stale versions, ${sweptLine(entry)}` +
                (c.missingKeys > 0 ? `, ${fmtInt(c.missingKeys)} lake keys not merged yet` : "") +
                (c.extraKeys > 0 ? `, ${fmtInt(c.extraKeys)} rows whose key the lake does not have` : "") +
                (result.databaseFile ? `; try: ${c.query}` : `; ${c.query}`),
        );
    }
    if (result.readerView) console.log(`\n${readerLines(result.readerView, o.out, result.databaseFile).join("\n")}`);
    console.log(`total ${((Date.now() - started) / 1000).toFixed(2)} s`);
    return summary.status === "succeeded" ? 0 : 1;
}

if (require.main === module) {
    main(process.argv).then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            const message = userMessage((err as Error)?.message ?? String(err));
            console.error(err instanceof LocalUsageError ? message : `error: ${message}`);
            process.exitCode = err instanceof LocalUsageError ? 2 : 1;
        },
    );
}
