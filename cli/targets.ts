/**
 * What the CLI acts on: the `ShareModel` of `lib/permissions.ts` (plus region and workgroup),
 * built from stack outputs files and flags, flags winning. Pure: file reading is the caller's.
 *
 * Accepted outputs documents (one per `--outputs`, repeatable):
 *  - the JSON `pulumi stack output --json` prints for one stack (has a `side` key);
 *  - the offline plan's JSON (`npm run plan -- --stack X --out FILE`), whose `outputs` key holds the same;
 *  - `{ "producer": <either of the above>, "consumer": <either of the above> }`.
 */
import { CONFIG_KEYS, SharingMode, TableConfig } from "../lib/config";
import { ExportShare, ShareModel } from "../lib/permissions";
import { consumerRoleArn } from "../lib/arns";
import { isObject, JsonObject, npmBanner, PLAN_FILE_RECIPE } from "../lib/json";
import {
    ACCOUNT_ID,
    DEFAULT_CONSUMER_DATABASE,
    DEFAULT_LAMBDA_ROLE_NAME,
    DEFAULT_PRODUCER_DATABASE,
    DEFAULT_TABLES,
    defaultLinkName,
    GLUE_NAME,
    IAM_ROLE_ARN,
    IAM_ROLE_NAME,
    REGION,
} from "../lib/names";
import {
    ConsumerStackOutputs,
    OutputProblem,
    ProducerStackOutputs,
    producerInstanceIds,
    readStackOutputs,
    ReadOutputs,
} from "../lib/stackOutputs";
import { UsageError } from "./errors";

/** A stack's outputs as read from a file (the contract of lib/stackOutputs.ts), and the file. */
export type ConsumerOutputs = ReadOutputs<ConsumerStackOutputs> &
    Pick<
        ConsumerStackOutputs,
        "side" | "region" | "producerAccountId" | "consumerAccountId" | "producerDatabaseName" | "tables"
    > &
    Pick<ConsumerStackOutputs, "consumerDatabaseName" | "lambdaRoleArn"> & { readonly file: string };
export type ProducerOutputs = ReadOutputs<ProducerStackOutputs> &
    Pick<
        ProducerStackOutputs,
        "side" | "region" | "producerAccountId" | "consumerAccountId" | "producerDatabaseName" | "tables"
    > &
    Pick<ProducerStackOutputs, "consumerPrincipalArn"> & { readonly file: string };

export type StackOutputs = ConsumerOutputs | ProducerOutputs;

const EXPECTED =
    'expected the JSON of `pulumi stack output --json` (an object with a "side" key), the offline plan\'s document ' +
    `(\`${PLAN_FILE_RECIPE}\`, with an "outputs" key), or {"producer": {...}, "consumer": {...}}`;

/** Parses the text of one `--outputs` file into the stack outputs it holds (one or two). */
export function parseOutputsFile(text: string, file: string): StackOutputs[] {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
        const banner = npmBanner(text);
        if (banner) {
            throw new UsageError(
                `--outputs ${file}: not JSON: it starts with npm's banner "${banner}" (npm run without -s prints it on stdout); ` +
                    `write the plan with \`${PLAN_FILE_RECIPE}\`, or \`npm run -s plan -- --stack <stack> --json > FILE\`.`,
            );
        }
        throw new UsageError(`--outputs ${file}: not JSON (${(err as Error).message}); ${EXPECTED}.`);
    }
    return parseOutputsDocument(doc, file);
}

export function parseOutputsDocument(doc: unknown, file: string): StackOutputs[] {
    if (!isObject(doc)) throw new UsageError(`--outputs ${file}: not an object; ${EXPECTED}.`);
    // A plan document also has a top-level "side"; its outputs are under "outputs".
    if ("outputs" in doc) {
        if (!isObject(doc.outputs)) throw new UsageError(`--outputs ${file}: "outputs" is not an object; ${EXPECTED}.`);
        return [stackOutputs(doc.outputs, file, undefined)];
    }
    if ("side" in doc) return [stackOutputs(doc, file, undefined)];
    if ("producer" in doc || "consumer" in doc) {
        const found: StackOutputs[] = [];
        for (const side of ["producer", "consumer"] as const) {
            if (!(side in doc)) continue;
            const inner = doc[side];
            const outputs = isObject(inner) && isObject(inner.outputs) ? inner.outputs : inner;
            if (!isObject(outputs)) {
                throw new UsageError(`--outputs ${file}: "${side}" is not an object of stack outputs; ${EXPECTED}.`);
            }
            found.push(stackOutputs(outputs, `${file} (${side})`, side));
        }
        return found;
    }
    const keys = Object.keys(doc);
    throw new UsageError(
        `--outputs ${file}: no "side" key; ${EXPECTED}. Found keys: ${keys.length ? keys.join(", ") : "none"}.`,
    );
}

function stackOutputs(o: JsonObject, file: string, expectedSide: "producer" | "consumer" | undefined): StackOutputs {
    const side = o.side;
    if (side !== "producer" && side !== "consumer") {
        throw new UsageError(
            `--outputs ${file}: "side" must be "producer" or "consumer", got ${JSON.stringify(side)}; ${EXPECTED}.`,
        );
    }
    if (expectedSide && side !== expectedSide) {
        throw new UsageError(
            `--outputs ${file}: found the outputs of a ${side} stack under the "${expectedSide}" key; swap them.`,
        );
    }
    const fix = `; regenerate the file with \`pulumi stack output --json --stack <${side} stack> > ${file.replace(/ \(.*\)$/, "")}\``;
    // A producer's outputs from before `tables` was exported name the tables in `sharedTables`.
    const raw =
        side === "producer" && o.tables === undefined && o.sharedTables !== undefined
            ? { ...o, tables: o.sharedTables }
            : o;
    try {
        const read = side === "producer" ? readStackOutputs("producer", raw) : readStackOutputs("consumer", raw);
        return { ...read, file } as StackOutputs;
    } catch (err) {
        if (err instanceof OutputProblem) throw new UsageError(`--outputs ${file}: ${err.message}${fix}.`);
        throw err;
    }
}

/** Flags that override outputs. Names follow the flags (`--producer-account` → producerAccount). */
export interface TargetFlags {
    readonly region?: string;
    readonly producerAccount?: string;
    readonly consumerAccount?: string;
    readonly producerDatabase?: string;
    readonly consumerDatabase?: string;
    /** `name` or `name:linkName`, comma-separated. */
    readonly tables?: string;
    readonly roleArn?: string;
    readonly roleName?: string;
    readonly grantOption?: boolean;
    readonly workgroup?: string;
    readonly sharingMode?: string;
    /** `key=value`, comma-separated. */
    readonly lfTags?: string;
}

export interface Targets {
    /** Undefined: left to the SDK (AWS_REGION, profile). */
    readonly region?: string;
    readonly model: ShareModel;
    readonly athenaWorkgroup?: string;
    /** The export function (`verify --query` asks it to probe as its role); undefined without the consumer's outputs or the export. */
    readonly exportFunctionName?: string;
    /** RAM shares the consumer accepts (the producer's `ramShareArns`); empty when unknown. */
    readonly ramShareArns: readonly string[];
    /** `connectAnalytics`: the Connect instances whose datasets are associated (the producer's output). */
    readonly connectInstanceIds: readonly string[];
    /** Every consumer account of the share: the producer's `consumers`, else this consumer. */
    readonly consumerAccountIds: readonly string[];
}

/** `domain=connect,sensitivity=general` → tags. */
export function parseLfTagsFlag(value: string): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const entry of value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0)) {
        const m = /^([\w.:/+@%-]{1,128})=([\w.:/=+@%-]{1,128})$/.exec(entry);
        if (!m) {
            throw new UsageError(
                `--lf-tags: "${entry}" is not key=value (e.g. --lf-tags domain=connect,sensitivity=general).`,
            );
        }
        if (m[1] in tags) {
            throw new UsageError(`--lf-tags: key "${m[1]}" appears twice; a table takes one value per key.`);
        }
        tags[m[1]] = m[2];
    }
    if (Object.keys(tags).length === 0) {
        throw new UsageError("--lf-tags: empty; pass key=value pairs, e.g. --lf-tags domain=connect.");
    }
    return tags;
}

/** `users,contacts:contacts_link` → tables; each name checked as Glue would. */
export function parseTablesFlag(value: string): TableConfig[] {
    const entries = value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    if (entries.length === 0) {
        throw new UsageError("--tables: empty; pass table names, e.g. --tables users,contacts:contacts_link.");
    }
    const tables = entries.map((entry) => {
        const [name, explicitLink, ...rest] = entry.split(":");
        const linkName = explicitLink ?? defaultLinkName(name);
        if (rest.length > 0 || !GLUE_NAME.test(name) || !GLUE_NAME.test(linkName)) {
            throw new UsageError(
                `--tables: "${entry}" is not \`name\` or \`name:linkName\` of lowercase letters, digits and underscores (e.g. --tables users,contacts:contacts_link).`,
            );
        }
        return { name, linkName };
    });
    for (const field of ["name", "linkName"] as const) {
        const dup = tables.map((t) => t[field]).find((v, i, all) => all.indexOf(v) !== i);
        if (dup) {
            throw new UsageError(
                `--tables: ${field === "name" ? "table" : "link name"} "${dup}" appears twice; each must be unique.`,
            );
        }
    }
    return tables;
}

/**
 * Merges outputs and flags into the targets. Precedence: flag, then the outputs of the side
 * that owns the value, then the other side's outputs, then the stack config defaults.
 */
export function resolveTargets(outputs: readonly StackOutputs[], flags: TargetFlags): Targets {
    const consumers = outputs.filter((o): o is ConsumerOutputs => o.side === "consumer");
    const producers = outputs.filter((o): o is ProducerOutputs => o.side === "producer");
    for (const [side, list] of [
        ["consumer", consumers],
        ["producer", producers],
    ] as const) {
        if (list.length > 1) {
            throw new UsageError(
                `--outputs: ${list.length} ${side} outputs given (${list.map((o) => o.file).join(", ")}); pass one per side.`,
            );
        }
    }
    const consumer = consumers[0];
    const producer = producers[0];

    // Both files must describe the same share; a mismatch means one of them is from another deployment.
    if (consumer && producer) {
        for (const key of ["producerAccountId", "consumerAccountId", "producerDatabaseName", "region"] as const) {
            if (consumer[key] !== producer[key] && flags[OVERRIDES[key].field] === undefined) {
                throw new UsageError(
                    `--outputs: "${key}" is ${consumer[key]} in ${consumer.file} but ${producer[key]} in ${producer.file}; ` +
                        `regenerate the stale file, or override it with --${OVERRIDES[key].flag}.`,
                );
            }
        }
    }

    if (
        consumer?.sharingMode &&
        producer?.sharingMode &&
        consumer.sharingMode !== producer.sharingMode &&
        flags.sharingMode === undefined
    ) {
        throw new UsageError(
            `--outputs: "sharingMode" is ${consumer.sharingMode} in ${consumer.file} but ${producer.sharingMode} in ${producer.file}; redeploy so they agree, or pass --sharing-mode.`,
        );
    }

    const producerAccountId =
        account(flags.producerAccount, "--producer-account") ??
        consumer?.producerAccountId ??
        producer?.producerAccountId;
    const consumerAccountId =
        account(flags.consumerAccount, "--consumer-account") ??
        consumer?.consumerAccountId ??
        producer?.consumerAccountId;
    const hint = "or pass --outputs <file> with the JSON of `pulumi stack output --json`";
    if (!producerAccountId) {
        throw new UsageError(`missing the producer account: pass --producer-account <12-digit id>, ${hint}.`);
    }
    if (!consumerAccountId) {
        throw new UsageError(`missing the consumer account: pass --consumer-account <12-digit id>, ${hint}.`);
    }
    if (producerAccountId === consumerAccountId) {
        throw new UsageError(
            `producer and consumer account are both ${producerAccountId}; this tool checks a share between two accounts (fix --producer-account / --consumer-account).`,
        );
    }

    const producerDatabaseName =
        glueName(flags.producerDatabase, "--producer-database") ??
        producer?.producerDatabaseName ??
        consumer?.producerDatabaseName ??
        DEFAULT_PRODUCER_DATABASE;
    const consumerDatabaseName =
        glueName(flags.consumerDatabase, "--consumer-database") ??
        consumer?.consumerDatabaseName ??
        DEFAULT_CONSUMER_DATABASE;

    // Column exclusions are the producer's to decide: its outputs win, and they carry over to --tables.
    const fromOutputs = producer?.tables ?? consumer?.tables;
    const tables =
        (flags.tables !== undefined
            ? parseTablesFlag(flags.tables).map((t) => {
                  const excluded = fromOutputs?.find((o) => o.name === t.name)?.excludedColumns;
                  return excluded ? { ...t, excludedColumns: excluded } : t;
              })
            : undefined) ??
        consumer?.tables?.map((t) => {
            const excluded = producer?.tables.find((o) => o.name === t.name)?.excludedColumns ?? t.excludedColumns;
            const { excludedColumns: _own, ...rest } = t;
            return excluded ? { ...rest, excludedColumns: excluded } : rest;
        }) ??
        producer?.tables ??
        DEFAULT_TABLES.map((name) => ({ name, linkName: defaultLinkName(name) }));

    if (flags.sharingMode !== undefined && flags.sharingMode !== "named" && flags.sharingMode !== "lfTags") {
        throw new UsageError(`--sharing-mode: must be "named" or "lfTags", got "${flags.sharingMode}".`);
    }
    const sharingMode =
        (flags.sharingMode as SharingMode | undefined) ?? producer?.sharingMode ?? consumer?.sharingMode ?? "named";
    const lfTags =
        (flags.lfTags !== undefined ? parseLfTagsFlag(flags.lfTags) : undefined) ??
        producer?.lfTags ??
        consumer?.lfTags ??
        CONFIG_KEYS.lfTags.default;

    // A producer shares with several consumer accounts: this consumer's entry names its role and shares.
    const mine = producer?.consumers?.find((c) => c.accountId === consumerAccountId);
    if (producer?.consumers?.length && !mine) {
        throw new UsageError(
            `--outputs: consumer account ${consumerAccountId} is not among the consumers of ${producer.file} (${producer.consumers.map((c) => c.accountId).join(", ")}); fix --consumer-account, or add it to the producer's consumers config.`,
        );
    }

    let consumerPrincipalArn: string | undefined;
    if (flags.roleArn !== undefined) {
        const m = IAM_ROLE_ARN.exec(flags.roleArn);
        if (!m) {
            throw new UsageError(
                `--role-arn: "${flags.roleArn}" is not an IAM role ARN (arn:aws:iam::<consumer account>:role/<name>).`,
            );
        }
        consumerPrincipalArn = flags.roleArn;
    } else if (flags.roleName !== undefined) {
        if (!IAM_ROLE_NAME.test(flags.roleName)) {
            throw new UsageError(
                `--role-name: "${flags.roleName}" is not an IAM role name (1-64 of letters, digits, +=,.@_-).`,
            );
        }
        consumerPrincipalArn = consumerRoleArn(consumerAccountId, flags.roleName);
    } else {
        consumerPrincipalArn =
            consumer?.lambdaRoleArn ??
            mine?.principalArn ??
            producer?.consumerPrincipalArn ??
            consumerRoleArn(consumerAccountId, DEFAULT_LAMBDA_ROLE_NAME);
    }
    const roleAccount = IAM_ROLE_ARN.exec(consumerPrincipalArn)?.[1];
    if (roleAccount !== consumerAccountId) {
        throw new UsageError(
            `the Lambda role ${consumerPrincipalArn} is not in the consumer account ${consumerAccountId}; fix --role-arn or --consumer-account (or the outputs file).`,
        );
    }

    if (flags.region !== undefined && !REGION.test(flags.region)) {
        throw new UsageError(`--region: "${flags.region}" is not an AWS region name like ap-southeast-2.`);
    }
    const region = flags.region ?? consumer?.region ?? producer?.region;

    const dataSource = consumer?.dataSource ?? producer?.dataSource ?? "producerCatalog";
    if (consumer?.dataSource && producer?.dataSource && consumer.dataSource !== producer.dataSource) {
        throw new UsageError(
            `--outputs: "dataSource" is ${consumer.dataSource} in ${consumer.file} but ${producer.dataSource} in ${producer.file}; redeploy so they agree.`,
        );
    }
    // Connect's catalog, when the tables come from it; else the producer owns them.
    const sourceCatalogId = consumer?.sourceCatalogId ?? producer?.sourceCatalogId ?? producerAccountId;
    if (dataSource === "connectAnalytics" && sourceCatalogId === producerAccountId) {
        throw new UsageError(
            "--outputs: dataSource is connectAnalytics but no outputs name Connect's catalog (sourceCatalogId); pass the outputs of a deployed stack.",
        );
    }
    return {
        region,
        athenaWorkgroup: flags.workgroup ?? consumer?.athenaWorkgroup,
        exportFunctionName: consumer?.exportFunctionName,
        ramShareArns: mine?.ramShareArns ?? producer?.ramShareArns ?? [],
        connectInstanceIds: producerInstanceIds(producer),
        consumerAccountIds: [...new Set([consumerAccountId, ...(producer?.consumers ?? []).map((c) => c.accountId)])],
        model: {
            dataSource,
            sourceCatalogId,
            producerAccountId,
            consumerAccountId,
            producerDatabaseName,
            consumerDatabaseName,
            tables,
            consumerPrincipalArn,
            grantWithGrantOption: flags.grantOption ?? producer?.grantWithGrantOption ?? false,
            enableResourceLinks: true,
            sharingMode,
            lfTags,
            // Readers are the consumer's: its outputs name them and their filters.
            ...(consumer?.readers?.length ? { readers: consumer.readers } : {}),
            ...exportShareOf(consumer),
        },
    };
}

/** The export's Iceberg side, as the consumer's outputs name it (its database and registered location). */
function exportShareOf(consumer: ConsumerOutputs | undefined): { export?: ExportShare } {
    const location = consumer?.grants?.find((g) => g.resource.kind === "dataLocation")?.resource;
    if (!consumer?.exportDatabaseName || location?.kind !== "dataLocation") return {};
    return {
        export: {
            databaseName: consumer.exportDatabaseName,
            locationArn: location.arn,
            readers: consumer.exportReaders ?? [],
            ...(consumer.exportOptimizerRoleArn ? { optimizerRoleArn: consumer.exportOptimizerRoleArn } : {}),
        },
    };
}

function account(value: string | undefined, flag: string): string | undefined {
    if (value === undefined) return undefined;
    if (!ACCOUNT_ID.test(value)) {
        throw new UsageError(`${flag}: "${value}" is not a 12-digit AWS account id (keep leading zeros).`);
    }
    return value;
}

function glueName(value: string | undefined, flag: string): string | undefined {
    if (value === undefined) return undefined;
    if (!GLUE_NAME.test(value)) {
        throw new UsageError(`${flag}: "${value}" is not a Glue name (1-255 lowercase letters, digits, underscores).`);
    }
    return value;
}

/** Outputs key → the flag that overrides it. */
const OVERRIDES: Record<
    "producerAccountId" | "consumerAccountId" | "producerDatabaseName" | "region",
    { flag: string; field: keyof TargetFlags }
> = {
    producerAccountId: { flag: "producer-account", field: "producerAccount" },
    consumerAccountId: { flag: "consumer-account", field: "consumerAccount" },
    producerDatabaseName: { flag: "producer-database", field: "producerDatabase" },
    region: { flag: "region", field: "region" },
};
