/**
 * `npm start`: generate a synthetic Amazon Connect data lake and export it on DuckDB with the
 * same export code the Lambda runs on Athena. No AWS needed.
 *
 *   npm start                          first run: generate .local-lake/, export everything to ./exports/
 *   npm start                          again: same run (nothing new), nothing re-exported
 *   npm start -- --add-day             a new day of contacts: exports just that day
 *   npm start -- --tables contacts --from 2025-01-05 --to 2025-01-07   backfill
 */
import * as path from "path";
import { Command, InvalidArgumentError, Option } from "commander";
import { isIsoDay } from "../functions/dates";
import { LOCAL_DEFAULTS, defaultTableSpecs, runLocalExport, type LocalExportResult } from "../functions/local/runLocal";
import type { ExportFormat, ExportTableSpec, LogLevel, TableRunEntry } from "../functions/types";
import { parseConfig } from "../lib/config";
import { loadStackConfig, REPO_ROOT } from "../plan/configFile";

interface CliOptions {
    rows: number;
    days: number;
    seed: number;
    startDate: string;
    lake: string;
    out: string;
    format: ExportFormat;
    prefix: string;
    tables?: string[];
    from?: string;
    to?: string;
    addDay?: boolean;
    runId?: string;
    force?: boolean;
    fresh?: boolean;
    overlapDays: number;
    exclude?: string[];
    configDir: string;
    logLevel: LogLevel;
    json?: boolean;
}

const wholeNumber = (name: string, max: number) => (value: string) => {
    const n = Number(value.replace(/_/g, ""));
    if (!/^\d[\d_]*$/.test(value) || n > max) {
        throw new InvalidArgumentError(`${name} must be a whole number from 0 to ${max.toLocaleString("en-US")}.`);
    }
    return n;
};
const day = (name: string) => (value: string) => {
    if (!isIsoDay(value)) throw new InvalidArgumentError(`${name} must be a date YYYY-MM-DD.`);
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
        .option("--rows <n>", "contacts in the generated lake", wholeNumber("--rows", 50_000_000), LOCAL_DEFAULTS.rows)
        .option(
            "--days <n>",
            "daily partitions of contacts in the generated lake",
            wholeNumber("--days", 3650),
            LOCAL_DEFAULTS.days,
        )
        .option("--seed <n>", "seed of the synthetic data", wholeNumber("--seed", 2 ** 31), LOCAL_DEFAULTS.seed)
        .option(
            "--start-date <date>",
            "first day of the generated lake (YYYY-MM-DD)",
            day("--start-date"),
            LOCAL_DEFAULTS.startDate,
        )
        .option(
            "--lake <dir>",
            "folder of the synthetic lake (regenerated when --rows/--days/--seed/--start-date change)",
            LOCAL_DEFAULTS.lakeDir,
        )
        .option("--out <dir>", "exports folder, standing in for the exports bucket", LOCAL_DEFAULTS.outDir)
        .addOption(
            new Option("--format <format>", "export file format")
                .choices(["parquet", "csv"])
                .default(LOCAL_DEFAULTS.format),
        )
        .option("--prefix <prefix>", "key prefix of the exports", LOCAL_DEFAULTS.prefix)
        .option(
            "--tables <names>",
            "comma-separated subset of the tables (users,contacts,agent_hierarchy_groups)",
            list,
        )
        .option("--from <date>", "backfill: first day to export (with --to)", day("--from"))
        .option("--to <date>", "backfill: last day to export (with --from)", day("--to"))
        .option("--add-day", "append the next day of contacts to the lake, then export (the next daily run)")
        .option("--run-id <id>", "explicit run id (default: from the simulated schedule time)")
        .option("--force", "redo tables that already succeeded in this run id")
        .option("--fresh", "delete the lake and the exports folder first")
        .option(
            "--overlap-days <n>",
            "days before the watermark re-read for late data (the Lambda's LATE_DATA_OVERLAP_DAYS)",
            wholeNumber("--overlap-days", 31),
            LOCAL_DEFAULTS.overlapDays,
        )
        .option(
            "--exclude <table.column,...>",
            "columns to leave out besides the consumer config's excludedColumns, e.g. users.email",
            list,
        )
        .option(
            "--config-dir <dir>",
            "folder of the Pulumi.consumer.yaml whose excludedColumns the run mirrors",
            REPO_ROOT,
        )
        .addOption(
            new Option("--log-level <level>", "structured JSON logs on stderr at this level")
                .choices(["DEBUG", "INFO", "WARN", "ERROR"])
                .default("WARN"),
        )
        .option("--json", "print the run summary as JSON instead of a table")
        .showHelpAfterError();
}

/**
 * The consumer's column exclusions (its stack config), so the local run sees what the consumer's
 * role can see, plus any `--exclude` given on the command line.
 */
function tableSpecs(exclude: string[] | undefined, configDir: string): ExportTableSpec[] {
    const specs = defaultTableSpecs();
    const byTable = new Map<string, string[]>();
    for (const table of parseConfig(loadStackConfig(configDir, "consumer")).tables) {
        if (table.excludedColumns && specs.some((s) => s.name === table.name)) {
            byTable.set(table.name, [...table.excludedColumns]);
        }
    }
    for (const item of exclude ?? []) {
        const [table, column, ...rest] = item.split(".");
        if (!table || !column || rest.length > 0) {
            throw new InvalidArgumentError(`--exclude takes table.column items, got ${JSON.stringify(item)}.`);
        }
        if (!specs.some((s) => s.name === table)) {
            throw new InvalidArgumentError(
                `--exclude names table ${JSON.stringify(table)}; tables: ${specs.map((s) => s.name).join(", ")}.`,
            );
        }
        byTable.set(table, [...new Set([...(byTable.get(table) ?? []), column])]);
    }
    return specs.map((s) => (byTable.has(s.name) ? { ...s, excludedColumns: byTable.get(s.name) } : s));
}

const fmtInt = (n: number | null) => (n === null ? "-" : n.toLocaleString("en-US"));
function fmtBytes(n: number | null): string {
    if (n === null) return "-";
    const units = ["B", "KB", "MB", "GB"];
    let v = n;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
const fmtRange = (e: TableRunEntry) =>
    e.range
        ? `${e.range.from ?? "start"}..${e.range.to}`
        : e.status === "up_to_date"
          ? "nothing new"
          : e.mode === "snapshot"
            ? "all"
            : "-";
const rel = (p: string | null) => (p ? path.relative(process.cwd(), p) || "." : "-");

function progressLine(entry: TableRunEntry, index: number, total: number, runAttempt: number): string {
    const head = `  [${index}/${total}] ${entry.table.padEnd(24)}`;
    if (entry.runAttempt !== runAttempt) {
        return `${head} kept: ${entry.status} in attempt ${entry.runAttempt} of this run`;
    }
    if (entry.status === "failed") return `${head} FAILED  ${entry.error}`;
    if (entry.status === "up_to_date") return `${head} up to date (watermark ${entry.watermarkBefore}), no query`;
    return `${head} ${entry.mode.padEnd(11)} ${fmtInt(entry.rows).padStart(11)} rows  ${fmtRange(entry).padEnd(22)} ${(entry.durationMs / 1000).toFixed(2)} s`;
}

function summaryTable(result: LocalExportResult): string {
    const { summary } = result;
    const header = ["table", "status", "mode", "days read", "rows", "read", "watermark", "output"];
    const rows = summary.tables.map((e) => [
        e.table,
        e.runAttempt === summary.runAttempt ? e.status : `${e.status} (attempt ${e.runAttempt})`,
        e.mode,
        fmtRange(e),
        fmtInt(e.rows),
        fmtBytes(e.bytesScanned),
        e.mode === "snapshot" ? "-" : `${e.watermarkBefore ?? "none"} -> ${e.watermarkAfter ?? "none"}`,
        rel(e.outputLocation),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
        "  " +
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

async function main(argv: string[]): Promise<number> {
    const program = buildProgram();
    program.parse(argv);
    const o = program.opts<CliOptions>();
    if ((o.from === undefined) !== (o.to === undefined)) program.error("error: a backfill needs both --from and --to.");

    const started = Date.now();
    const quiet = !!o.json;
    if (!quiet) console.log(`connect-analytics local export: lake ${o.lake}, exports ${o.out}, format ${o.format}`);
    const result = await runLocalExport({
        lakeDir: o.lake,
        outDir: o.out,
        rows: o.rows,
        days: o.days,
        seed: o.seed,
        startDate: o.startDate,
        format: o.format,
        prefix: o.prefix,
        overlapDays: o.overlapDays,
        tableSpecs: tableSpecs(o.exclude, o.configDir),
        tables: o.tables,
        from: o.from,
        to: o.to,
        runId: o.runId,
        force: o.force,
        addDay: o.addDay,
        fresh: o.fresh,
        logLevel: o.logLevel,
        onLake: ({ info, generated, addedDay, ms }) => {
            if (quiet) return;
            const days = info.partitions;
            const contacts = days.reduce((n, p) => n + p.rows, 0);
            console.log(
                `lake: ${fmtInt(contacts)} contacts in ${days.length} daily partitions ${days[0]?.day}..${days[days.length - 1]?.day}` +
                    ` (${generated ? "generated" : "reused"}${addedDay ? `, added ${addedDay}` : ""}, ${(ms / 1000).toFixed(2)} s)`,
            );
        },
        onTable: (entry, progress) => {
            if (!quiet) console.log(progressLine(entry, progress.index, progress.total, progress.runAttempt));
        },
    });
    const { summary } = result;
    if (o.json) {
        console.log(JSON.stringify(summary, null, 2));
        return summary.status === "succeeded" ? 0 : 1;
    }
    console.log(
        `run ${summary.runId} for ${summary.runDate}, attempt ${summary.runAttempt}: ${summary.status}, ${fmtInt(summary.rows)} rows exported in ${(result.exportMs / 1000).toFixed(2)} s\n`,
    );
    console.log(summaryTable(result));
    console.log(`\nmanifest: ${rel(summary.manifestLocation)}`);
    const exportedNow = summary.tables.filter(
        (e) => e.runAttempt === summary.runAttempt && e.status === "succeeded",
    ).length;
    if (summary.status === "succeeded" && exportedNow === 0) {
        console.log(
            `run ${summary.runId} already complete: nothing new to export. Try \`npm start -- --add-day\` for the next day's run.`,
        );
    }
    if (result.error) console.error(`\n${result.error.message}`);
    console.log(`total ${((Date.now() - started) / 1000).toFixed(2)} s`);
    return summary.status === "succeeded" ? 0 : 1;
}

if (require.main === module) {
    main(process.argv).then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            console.error(`error: ${(err as Error)?.message ?? err}`);
            process.exitCode = 1;
        },
    );
}
