/**
 * `connect-analytics`: the operations CLI (verify, datasets, metadata, grant, relink, audit). `run` parses the
 * arguments with commander and returns the exit code; everything it touches outside the process
 * (AWS clients, files, output streams, time) comes in through `Deps`, so tests drive it whole.
 *
 * Exit codes: 0 success; 1 a FAIL check, a failed or blocked change, an audit finding, or an AWS
 * error; 2 bad usage.
 */
import * as fs from "fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { GrantSide, linkOf, ShareModel, targetOf } from "../lib/permissions";
import {
    auditCsv,
    auditReport,
    auditText,
    ExpectedAccess,
    lookupAccessEvents,
    parseReadersFile,
    parseSince,
    TableAlias,
} from "./audit";
import { ClientFactory, createAwsClients, MAX_ATTEMPTS_LIMIT, RetryMode, tagWhich, TaggedAwsError } from "./aws";
import { datasetRows, datasetsText, listAssociations, listOfferedDatasets } from "./connectDatasets";
import { Check } from "./checks";
import { isUsageProblem, renderError, UsageError } from "./errors";
import { grant, GrantChange } from "./grant";
import { exportMetadata, toCsv } from "./metadata";
import { checkOutputPath, fsPathKind, fsWriteFile, PathKind } from "./outputPath";
import { repeatedFlagProblems, watchFlags } from "../lib/flags";
import { relink } from "./relink";
import { checkLine, counts, grantLine, linkLine, summaryTable } from "./report";
import { identify, Session } from "./session";
import { parseOutputsFile, resolveTargets, StackOutputs } from "./targets";
import { verify } from "./verify";

export interface Output {
    write(text: string): unknown;
}

export interface Deps {
    readonly createClients: ClientFactory;
    readonly readFile: (path: string) => string;
    /** Writes an output file; without `overwrite` it must not exist yet. */
    readonly writeFile: (path: string, text: string, overwrite: boolean) => void;
    /** What is at a path (file, folder, other), undefined when nothing: output paths are checked before any AWS call. */
    readonly pathKind: (path: string) => PathKind | undefined;
    readonly stdout: Output;
    readonly stderr: Output;
    /** Progress lines only on a terminal. */
    readonly isTTY: boolean;
    readonly sleep: (ms: number) => Promise<void>;
    readonly now: () => number;
    /** Delay between Athena polls. */
    readonly pollMs: number;
}

const defaultDeps: Deps = {
    createClients: createAwsClients,
    readFile: (path) => fs.readFileSync(path, "utf8"),
    writeFile: fsWriteFile,
    pathKind: fsPathKind,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stderr.isTTY),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    pollMs: 1000,
};

interface CommonOptions {
    outputs?: string[];
    region?: string;
    profile?: string;
    producerProfile?: string;
    producerAccount?: string;
    consumerAccount?: string;
    producerDatabase?: string;
    consumerDatabase?: string;
    tables?: string;
    roleArn?: string;
    roleName?: string;
    grantOption?: boolean;
    sharingMode?: string;
    lfTags?: string;
    /** verify only. */
    workgroup?: string;
    json?: boolean;
    retryMode: RetryMode;
    maxAttempts: number;
}

function intIn(min: number, max: number) {
    return (value: string): number => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < min || n > max) {
            throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
        }
        return n;
    };
}

function common(cmd: Command): Command {
    return cmd
        .option(
            "--outputs <file>",
            "stack outputs JSON (`pulumi stack output --json`, or the plan's --json); repeat for the other stack",
            (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
        )
        .option("--region <region>", "AWS region (default: the outputs' region, then AWS_REGION / the profile's)")
        .option("--profile <name>", "AWS profile of the consumer account (default: the SDK's credential chain)")
        .option("--producer-profile <name>", "AWS profile of the producer account: its catalog's grants and settings")
        .option("--producer-account <id>", "producer account id (overrides the outputs)")
        .option("--consumer-account <id>", "consumer account id (overrides the outputs)")
        .option("--producer-database <name>", "producer Glue database (default connect_datalake)")
        .option(
            "--consumer-database <name>",
            "consumer Glue database holding the links (default connect_analytics_consumer)",
        )
        .option(
            "--tables <list>",
            "shared tables, comma-separated `name` or `name:linkName` (default users,contacts,agent_hierarchy_groups)",
        )
        .option("--role-arn <arn>", "the Lambda execution role ARN (overrides the outputs)")
        .option("--role-name <name>", "the Lambda execution role name, in the consumer account")
        .option("--grant-option", "the role gets the grant option on the producer's grants")
        .option("--no-grant-option", "the role gets no grant option")
        .addOption(
            new Option("--sharing-mode <mode>", "how the producer shares (overrides the outputs)").choices([
                "named",
                "lfTags",
            ]),
        )
        .option(
            "--lf-tags <list>",
            "LF-tags of the share in lfTags mode, comma-separated key=value (overrides the outputs)",
        )
        .option("--json", "machine-readable JSON on stdout")
        .addOption(
            new Option("--retry-mode <mode>", "SDK retry mode for throttling")
                .choices(["standard", "adaptive"])
                .default("standard"),
        )
        .option(
            "--max-attempts <n>",
            `SDK attempts per call, 1-${MAX_ATTEMPTS_LIMIT}`,
            intIn(1, MAX_ATTEMPTS_LIMIT),
            5,
        );
}

/** What `strict` refuses for a command: common flags it does not use (flag → why), and flags that need another. */
interface FlagSpec {
    readonly unused?: Readonly<Record<string, string>>;
    readonly requires?: Readonly<Record<string, string>>;
}

/** The flags that change the permission model: only verify and grant use them all. */
const modelFlags = (why: string, except: readonly string[] = []) =>
    Object.fromEntries(
        ["--role-arn", "--role-name", "--grant-option", "--no-grant-option", "--sharing-mode", "--lf-tags"]
            .filter((f) => !except.includes(f))
            .map((f) => [f, why]),
    );

const FLAG_SPECS: Readonly<Record<string, FlagSpec>> = {
    verify: {},
    metadata: { unused: modelFlags("it reads the Glue metadata of the links and targets; it checks no grant") },
    datasets: { unused: modelFlags("it reads the Connect instance's datasets and associations; it checks no grant") },
    relink: { unused: modelFlags("it makes the links; it checks and makes no grant (run grant for that)") },
    audit: {
        unused: modelFlags("it reads CloudTrail; it checks no grant", ["--role-arn", "--role-name"]),
    },
};

/**
 * Refuses what commander would accept silently: a common flag the command does not use (hidden
 * from its help), a value flag given twice with different values (the last would win), a flag
 * that needs another, and the two sides of one choice (--grant-option/--no-grant-option,
 * --role-arn/--role-name). Exit 2 before anything is read or called.
 */
function strict(cmd: Command, spec: FlagSpec): void {
    const unused = spec.unused ?? {};
    const requires = spec.requires ?? {};
    for (const option of cmd.options) if (option.long && option.long in unused) option.hideHelp();
    const given = watchFlags(cmd);
    cmd.hook("preAction", () => {
        const problems: string[] = [];
        for (const flag of given.keys()) {
            if (flag in unused) {
                problems.push(`${flag}: ${cmd.name()} does not use it (${unused[flag]}); drop it`);
            } else if (flag in requires && !given.has(requires[flag])) {
                problems.push(`${flag} only applies with ${requires[flag]}; add ${requires[flag]} or drop ${flag}`);
            }
        }
        // --outputs is meant to repeat (one file per stack); an unused flag is refused above already.
        problems.push(...repeatedFlagProblems(cmd, given, ["--outputs", ...Object.keys(unused)]));
        for (const [a, b] of [
            ["--grant-option", "--no-grant-option"],
            ["--role-arn", "--role-name"],
        ]) {
            if (given.has(a) && given.has(b) && !(a in unused)) problems.push(`${a} and ${b} both given; pass one`);
        }
        if (problems.length > 0) throw new UsageError(`${problems.join("; ")}.`);
    });
}

/**
 * --sharing-mode, --lf-tags and --grant-option only matter in some sharing modes (and none in
 * connectAnalytics); once the outputs and flags say which mode, one given for another mode would be
 * dropped silently: refuse it instead.
 */
function checkModeFlags(opts: CommonOptions, targets: { model: ShareModel }): void {
    const { model } = targets;
    const connect = model.dataSource === "connectAnalytics";
    if (opts.lfTags !== undefined && (connect || model.sharingMode !== "lfTags")) {
        const why = connect
            ? "the tables come from Connect's catalog (dataSource connectAnalytics), shared with the consumer account without LF-tags"
            : `the share is in ${model.sharingMode ?? "named"} sharing mode, where LF-tags play no part`;
        throw new UsageError(`--lf-tags: ${why}; pass --sharing-mode lfTags with it, or drop it.`);
    }
    if (opts.sharingMode !== undefined && connect) {
        throw new UsageError(
            "--sharing-mode: the tables come from Connect's catalog (dataSource connectAnalytics), which Connect shares with the consumer account itself; the producer grants nothing in either mode, so drop it.",
        );
    }
    if (opts.grantOption !== undefined && (connect || model.sharingMode === "lfTags")) {
        const flag = opts.grantOption ? "--grant-option" : "--no-grant-option";
        const why = connect
            ? "the tables come from Connect's catalog (dataSource connectAnalytics): the producer makes no grant, and the consumer's grants to its role never carry the grant option"
            : "the share is in lfTags sharing mode: the producer grants the consumer account on the tag expression, always with the grant option, and the role never gets it";
        throw new UsageError(`${flag}: ${why}; drop it.`);
    }
}

function loadOutputs(files: readonly string[], deps: Deps): StackOutputs[] {
    return files.flatMap((file) => {
        let text: string;
        try {
            text = deps.readFile(file);
        } catch (err) {
            throw new UsageError(
                `--outputs ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass the path of a file written by \`pulumi stack output --json > FILE\`.`,
            );
        }
        return parseOutputsFile(text, file);
    });
}

function readText(file: string, flag: string, deps: Deps): string {
    try {
        return deps.readFile(file);
    } catch (err) {
        throw new UsageError(
            `${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path.`,
        );
    }
}

function openSession(opts: CommonOptions, deps: Deps): Session {
    const targets = resolveTargets(loadOutputs(opts.outputs ?? [], deps), {
        region: opts.region,
        producerAccount: opts.producerAccount,
        consumerAccount: opts.consumerAccount,
        producerDatabase: opts.producerDatabase,
        consumerDatabase: opts.consumerDatabase,
        tables: opts.tables,
        roleArn: opts.roleArn,
        roleName: opts.roleName,
        grantOption: opts.grantOption,
        workgroup: opts.workgroup,
        sharingMode: opts.sharingMode,
        lfTags: opts.lfTags,
    });
    const base = { region: targets.region, retryMode: opts.retryMode, maxAttempts: opts.maxAttempts };
    return {
        main: deps.createClients({ ...base, profile: opts.profile }),
        producer: opts.producerProfile ? deps.createClients({ ...base, profile: opts.producerProfile }) : undefined,
        targets,
        hints: { region: targets.region, profile: opts.profile, producerProfile: opts.producerProfile },
        identities: {},
    };
}

function json(value: unknown): string {
    return JSON.stringify(value, null, 2) + "\n";
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function run(argv: readonly string[], overrides: Partial<Deps> = {}): Promise<number> {
    const deps: Deps = { ...defaultDeps, ...overrides };
    let exitCode = 0;
    let session: Session | undefined;
    let profiles: { main?: string; producer?: string } = {};
    const begin = (opts: CommonOptions): Session => {
        profiles = { main: opts.profile, producer: opts.producerProfile };
        session = openSession(opts, deps);
        checkModeFlags(opts, session.targets);
        return session;
    };

    /** An output file flag, checked before anything is read or called; `--overwrite` only with it. */
    const outputFile = (flag: string, file: string | undefined, overwrite: boolean | undefined) => {
        if (file === undefined) {
            if (overwrite) throw new UsageError(`--overwrite: nothing to overwrite without ${flag} <file>; drop it.`);
            return;
        }
        checkOutputPath(flag, file, Boolean(overwrite), deps.pathKind);
    };

    const program = new Command("connect-analytics")
        .description(
            "Operate the cross-account Connect data lake share: verify it, export its metadata, repair grants and links.",
        )
        .exitOverride()
        .configureOutput({ writeOut: (s) => deps.stdout.write(s), writeErr: (s) => deps.stderr.write(s) })
        .showHelpAfterError("(run with --help for usage)");

    common(program.command("verify"))
        .description(
            "check the deployment: account, database, links, grants, RAM invitations, data lake settings (exit 1 on any FAIL)",
        )
        .option(
            "--query",
            'also read one row of each link and export table as the export function\'s role (one lambda:InvokeFunction with {"probe": true})',
        )
        .action(
            async (
                opts: CommonOptions & {
                    query?: boolean;
                },
            ) => {
                const s = begin(opts);
                let index = 0;
                const progress =
                    deps.isTTY && !opts.json
                        ? (c: Check) => deps.stderr.write(checkLine(c, ++index) + "\n")
                        : undefined;
                const result = await verify(
                    s,
                    {
                        query: opts.query ? { functionName: s.targets.exportFunctionName } : undefined,
                    },
                    progress,
                );
                const n = counts(result.checks);
                if (opts.json) {
                    deps.stdout.write(
                        json({
                            command: "verify",
                            ok: n.FAIL === 0 && !result.stopped,
                            counts: n,
                            stopped: result.stopped,
                            checks: result.checks,
                        }),
                    );
                } else {
                    deps.stdout.write(summaryTable(result.checks, result.stopped));
                }
                if (n.FAIL > 0 || result.stopped) exitCode = 1;
            },
        );

    common(program.command("datasets"))
        .description(
            "the datasets each Connect instance of the stack offers (ListAnalyticsDataLakeDataSets), whether each is associated with each consumer account and its RAM share's status, and the documented keys (dataSource connectAnalytics; the instance's account: --producer-profile)",
        )
        .action(async (opts: CommonOptions) => {
            const s = begin(opts);
            const { model } = s.targets;
            if (model.dataSource !== "connectAnalytics") {
                throw new UsageError(
                    "datasets: the share's dataSource is producerCatalog (the producer owns its tables); it lists a Connect instance's datasets, with dataSource connectAnalytics. Pass the outputs of a connectAnalytics stack.",
                );
            }
            const instances = s.targets.connectInstanceIds;
            if (instances.length === 0) {
                throw new UsageError(
                    "datasets: no Connect instance known; pass the producer stack's outputs (--outputs producer.json), which name connectInstanceIds.",
                );
            }
            // Connect answers in the instance's account: the producer's credentials, when given.
            const which = s.producer ? "producer" : "main";
            const clients = s.producer ?? s.main;
            const me = await identify(s, which);
            if (me.account !== model.producerAccountId) {
                throw new UsageError(
                    `datasets reads the Connect instance's account ${model.producerAccountId}, but the credentials are ${me.arn} in account ${me.account}; pass --producer-profile with credentials of ${model.producerAccountId}.`,
                );
            }
            const configured = model.tables.map((t) => t.name);
            const rows = [];
            for (const instanceId of instances) {
                try {
                    const [offered, associations] = [
                        await listOfferedDatasets(clients, instanceId),
                        await listAssociations(clients, instanceId),
                    ];
                    rows.push(
                        ...datasetRows(instanceId, offered, associations, s.targets.consumerAccountIds, configured),
                    );
                } catch (err) {
                    throw tagWhich(err, which);
                }
            }
            deps.stdout.write(
                opts.json
                    ? json({ command: "datasets", consumerAccountIds: s.targets.consumerAccountIds, datasets: rows })
                    : datasetsText(rows, s.targets.consumerAccountIds) + "\n",
            );
        });

    common(program.command("metadata"))
        .description("export Glue metadata of the shared tables (links and targets) as CSV: one row per column")
        .option("--out <file>", "write to this file instead of stdout (it must not exist, unless --overwrite)")
        .option("--overwrite", "with --out: replace the file if it exists")
        .action(async (opts: CommonOptions & { out?: string; overwrite?: boolean }) => {
            outputFile("--out", opts.out, opts.overwrite);
            const s = begin(opts);
            const { rows, warnings } = await exportMetadata(s);
            const text = opts.json ? json(rows) : toCsv(rows);
            if (opts.out) deps.writeFile(opts.out, text, Boolean(opts.overwrite));
            else deps.stdout.write(text);
            warnings.forEach((w) => deps.stderr.write(`warning: ${w}\n`));
            if (opts.out) deps.stderr.write(`wrote ${rows.length} rows to ${opts.out}\n`);
        });

    common(program.command("grant"))
        .description(
            "grant the Lambda role what the permission model requires and is missing (idempotent; never revokes)",
        )
        .option("--dry-run", "print what would be granted, change nothing")
        .addOption(
            new Option("--side <side>", "which catalog to repair")
                .choices(["consumer", "producer", "both"])
                .default("both"),
        )
        .action(async (opts: CommonOptions & { dryRun?: boolean; side: GrantSide | "both" }) => {
            const s = begin(opts);
            const sides: GrantSide[] = opts.side === "both" ? ["consumer", "producer"] : [opts.side];
            const print = opts.json ? undefined : (c: GrantChange) => deps.stdout.write(grantLine(c) + "\n");
            const changes = await grant(s, { dryRun: Boolean(opts.dryRun), sides }, print);
            if (opts.json) deps.stdout.write(json({ command: "grant", dryRun: Boolean(opts.dryRun), changes }));
            const failed = changes.filter((c) => c.action === "failed").length;
            const skipped = changes.filter((c) => c.action === "skipped").length;
            if (!opts.json) {
                const by = (a: GrantChange["action"]) => changes.filter((c) => c.action === a).length;
                deps.stdout.write(
                    `${by("present")} present, ${opts.dryRun ? `${by("would-grant")} to grant (dry run)` : `${by("grant")} granted`}, ${failed} failed, ${skipped} skipped\n`,
                );
            }
            if (failed > 0 || (skipped > 0 && skipped === changes.length)) exitCode = 1;
        });

    common(program.command("relink"))
        .description("create missing resource links and recreate those pointing elsewhere (never touches other tables)")
        .option("--dry-run", "print what would change, change nothing")
        .action(async (opts: CommonOptions & { dryRun?: boolean }) => {
            const s = begin(opts);
            const dryRun = Boolean(opts.dryRun);
            const changes = await relink(
                s,
                { dryRun },
                opts.json ? undefined : (c) => deps.stdout.write(linkLine(c, dryRun) + "\n"),
            );
            if (opts.json) deps.stdout.write(json({ command: "relink", dryRun, changes }));
            const touched = changes.filter((c) => c.applied).length;
            if (!opts.json && touched > 0) {
                deps.stdout.write(
                    `${touched} link(s) created or replaced; a new link has no grants: run \`connect-analytics grant\` next.\n`,
                );
            }
            if (changes.some((c) => c.action === "blocked")) exitCode = 1;
        });

    common(program.command("audit"))
        .description(
            "who read which shared table how often, from the consumer account's CloudTrail (Lake Formation GetDataAccess, Athena StartQueryExecution); exit 1 when a principal read a table it is not configured for",
        )
        .option(
            "--since <when>",
            "start of the window: 7d, 24h, 90m, or an ISO instant (CloudTrail keeps 90 days)",
            "7d",
        )
        .option(
            "--readers <file>",
            "expected readers besides the Lambda role and the readers the consumer's outputs name: JSON list of {principal, tables} (or stack outputs with a readers list)",
        )
        .option("--csv <file>", "also write the rows as CSV to this file (it must not exist, unless --overwrite)")
        .option("--overwrite", "with --csv: replace the file if it exists")
        .action(
            async (opts: CommonOptions & { since: string; readers?: string; csv?: string; overwrite?: boolean }) => {
                outputFile("--csv", opts.csv, opts.overwrite);
                const s = begin(opts);
                const end = new Date(deps.now());
                const start = parseSince(opts.since, end.getTime());
                const { model } = s.targets;
                // The Lambda role may read every shared table, through its link or at the target.
                const expected: ExpectedAccess[] = [
                    { principal: model.consumerPrincipalArn, tables: model.tables.map((t) => t.name) },
                    // The consumer's outputs name its readers; a --readers file adds to them.
                    ...(model.readers ?? []).map((r) => ({ principal: r.principal, tables: r.tables })),
                    ...(opts.readers ? parseReadersFile(readText(opts.readers, "--readers", deps), opts.readers) : []),
                ];
                // A read names the table through its link or at its target.
                const aliases: TableAlias[] = model.tables.flatMap((t) =>
                    [linkOf(model, t.linkName), targetOf(model, t.name)].map((ref) => ({
                        account: ref.catalogId,
                        database: ref.databaseName,
                        table: ref.name,
                        name: t.name,
                    })),
                );
                const me = await identify(s, "main");
                if (me.account !== model.consumerAccountId) {
                    throw new UsageError(
                        `audit reads the consumer account's CloudTrail, but the credentials are ${me.arn} in account ${me.account}, not ${model.consumerAccountId}; pass --profile with credentials of the consumer account.`,
                    );
                }
                const report = auditReport(await lookupAccessEvents(s.main, start, end), expected, aliases);
                if (opts.csv) deps.writeFile(opts.csv, auditCsv(report), Boolean(opts.overwrite));
                if (opts.json) {
                    deps.stdout.write(
                        json({
                            command: "audit",
                            ok: report.findings.length === 0,
                            account: model.consumerAccountId,
                            region: s.targets.region,
                            since: start.toISOString(),
                            until: end.toISOString(),
                            events: report.events,
                            expected,
                            rows: report.rows,
                            findings: report.findings,
                            withoutTable: report.withoutTable,
                        }),
                    );
                } else {
                    deps.stdout.write(auditText(report, { start, end }, expected));
                }
                if (opts.csv) deps.stderr.write(`wrote ${report.rows.length} rows to ${opts.csv}\n`);
                if (report.findings.length > 0) exitCode = 1;
            },
        );

    for (const cmd of program.commands) strict(cmd, FLAG_SPECS[cmd.name()] ?? {});

    try {
        await program.parseAsync([...argv], { from: "user" });
    } catch (err) {
        if (err instanceof CommanderError) {
            // Help and version are "errors" under exitOverride; commander already printed the message.
            return err.code === "commander.helpDisplayed" ||
                err.code === "commander.help" ||
                err.code === "commander.version"
                ? 0
                : 2;
        }
        const which = (err as TaggedAwsError).awsWhich ?? "main";
        const line = renderError(err, { principal: session?.identities[which]?.arn, profile: profiles[which] });
        deps.stderr.write(`connect-analytics: ${line}\n`);
        return isUsageProblem(err) ? 2 : 1;
    }
    return exitCode;
}

/** Entry point of `cli/bin.js`. */
export function cliMain(): void {
    run(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            // Only a bug gets here; say so in one line.
            process.stderr.write(`connect-analytics: internal error: ${(err as Error)?.message ?? err}\n`);
            process.exitCode = 1;
        },
    );
}
