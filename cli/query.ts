/**
 * `npm run query -- [--out DIR] [--json] [--max-rows N] "SELECT ..."`: SQL on the local warehouse
 * `npm start` merges into (`<--out>/connect_analytics_exports.duckdb`, found as npm start finds
 * it), attached read-only, so no DuckDB CLI is needed. Tables resolve in the export database
 * (`contacts`, `users`, a reader's view as `reader_<name>.contacts`).
 *
 * Exit codes: 0 the query ran, 1 it failed (DuckDB's message), 2 a bad command line or no
 * warehouse to query (nothing was opened).
 */
import * as fs from "fs";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Command, InvalidArgumentError, type CommanderError } from "commander";
import { EXPORTS_MARKER, LOCAL_DATABASE_FILE, LOCAL_DEFAULTS } from "../functions/local/runLocal";
import { LocalUsageError } from "../functions/local/usage";
import { DEFAULT_EXPORT_DATABASE } from "../lib/names";
import { textTable } from "../lib/report";
import { sqlString } from "../lib/sqlText";

interface QueryOptions {
    out: string;
    json?: boolean;
    maxRows: number;
}

function buildProgram(): Command {
    return new Command()
        .name("npm run query --")
        .description(
            "Run SQL on the local warehouse npm start wrote (read-only): its tables are the export's, e.g. contacts, users.",
        )
        .argument("<sql>", 'the query, one shell argument: "SELECT channel, count(*) FROM contacts GROUP BY channel"')
        .option("--out <dir>", "exports folder npm start wrote (its --out)", LOCAL_DEFAULTS.outDir)
        .option("--json", "print the rows as one JSON document (a list of objects), all of them")
        .option(
            "--max-rows <n>",
            "rows of the table printed (0: all)",
            (value: string) => {
                if (!/^\d+$/.test(value)) throw new InvalidArgumentError("--max-rows must be a whole number.");
                return Number(value);
            },
            100,
        )
        .showHelpAfterError("(npm run query -- --help lists the options)");
}

/** The warehouse file of an exports folder, or why there is none to query. */
export function warehouseFile(outDir: string): string {
    const file = path.join(outDir, LOCAL_DATABASE_FILE);
    if (fs.existsSync(file)) return file;
    let target: unknown;
    try {
        target = JSON.parse(fs.readFileSync(path.join(outDir, EXPORTS_MARKER), "utf8")).target;
    } catch {
        target = undefined;
    }
    if (target === "files") {
        throw new LocalUsageError(
            `--out ${outDir} holds the files target's folders (npm start --target files), not a DuckDB warehouse; ` +
                "run npm start with --target iceberg (the default) into another --out to query it here",
        );
    }
    throw new LocalUsageError(
        `no local warehouse at ${file}: run \`npm start\` first` +
            (outDir === LOCAL_DEFAULTS.outDir ? "" : ` with --out ${outDir}`) +
            ", or pass --out with the exports folder npm start wrote",
    );
}

/** A cell as text: NULL for null, JSON for lists, structs and maps. */
const cell = (v: unknown) => (v === null ? "NULL" : typeof v === "object" ? JSON.stringify(v) : String(v));

export async function main(argv: string[]): Promise<number> {
    const program = buildProgram();
    program.exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : 2));
    program.parse(argv);
    const o = program.opts<QueryOptions>();
    const [sql] = program.args;
    const file = warehouseFile(o.out);
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
        try {
            await connection.run(`ATTACH ${sqlString(file)} AS ${DEFAULT_EXPORT_DATABASE} (READ_ONLY)`);
        } catch (err) {
            const message = (err as Error).message;
            throw new Error(
                /lock/i.test(message)
                    ? `cannot open ${file}: another process has it open for writing (a running npm start?); run the query when it ends. DuckDB: ${message}`
                    : `cannot open ${file}: ${message}`,
            );
        }
        await connection.run(`USE ${DEFAULT_EXPORT_DATABASE}`);
        const reader = await connection.runAndReadAll(sql);
        const columns = reader.columnNames();
        const rows = reader.getRowsJson();
        if (o.json) {
            const objects = rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
            process.stdout.write(JSON.stringify(objects, null, 2) + "\n");
            return 0;
        }
        const shown = o.maxRows === 0 ? rows : rows.slice(0, o.maxRows);
        if (columns.length > 0) {
            console.log(
                textTable(
                    columns,
                    shown.map((row) => row.map(cell)),
                ).join("\n"),
            );
        }
        const more = rows.length - shown.length;
        console.log(
            `(${rows.length.toLocaleString("en-US")} row${rows.length === 1 ? "" : "s"}` +
                (more > 0
                    ? `; ${more.toLocaleString("en-US")} not shown: --max-rows 0 shows all, --json prints all`
                    : "") +
                ")",
        );
        return 0;
    } finally {
        connection.closeSync();
        instance.closeSync();
    }
}

if (require.main === module) {
    main(process.argv).then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            const message = (err as Error)?.message ?? String(err);
            console.error(err instanceof LocalUsageError ? message : `query failed: ${message}`);
            process.exitCode = err instanceof LocalUsageError ? 2 : 1;
        },
    );
}
