/**
 * What the CLI acts on: the `ShareModel` of `lib/permissions.ts` (plus region and workgroup),
 * built from stack outputs files and flags, flags winning. Pure: file reading is the caller's.
 *
 * Accepted outputs documents (one per `--outputs`, repeatable):
 *  - the JSON `pulumi stack output --json` prints for one stack (has a `side` key);
 *  - the offline plan's JSON (`npm run plan -- --stack X --json`), whose `outputs` key holds the same;
 *  - `{ "producer": <either of the above>, "consumer": <either of the above> }`.
 */
import { ACCOUNT_ID, CONFIG_KEYS, GLUE_NAME, SharingMode, TableConfig } from "../lib/config";
import { ShareModel } from "../lib/permissions";
import { iamRoleArn } from "../lib/arns";
import { UsageError } from "./errors";

type Json = Record<string, unknown>;

export interface ConsumerOutputs {
    readonly side: "consumer";
    readonly file: string;
    readonly region: string;
    readonly producerAccountId: string;
    readonly consumerAccountId: string;
    readonly producerDatabaseName: string;
    readonly consumerDatabaseName: string;
    readonly lambdaRoleName?: string;
    readonly lambdaRoleArn: string;
    readonly tables: readonly TableConfig[];
    readonly grantWithGrantOption?: boolean;
    readonly athenaWorkgroup?: string;
    readonly sharingMode?: SharingMode;
    readonly lfTags?: Readonly<Record<string, string>>;
}

export interface ProducerOutputs {
    readonly side: "producer";
    readonly file: string;
    readonly region: string;
    readonly producerAccountId: string;
    readonly consumerAccountId: string;
    readonly producerDatabaseName: string;
    readonly tables: readonly TableConfig[];
    readonly consumerPrincipalArn: string;
    readonly grantWithGrantOption: boolean;
    readonly sharingMode?: SharingMode;
    readonly lfTags?: Readonly<Record<string, string>>;
}

export type StackOutputs = ConsumerOutputs | ProducerOutputs;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@\/-]+$/;
const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

const EXPECTED =
    'expected the JSON of `pulumi stack output --json` (an object with a "side" key), the offline plan\'s `--json` document ' +
    '(with an "outputs" key), or {"producer": {...}, "consumer": {...}}';

function isObject(v: unknown): v is Json {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Parses the text of one `--outputs` file into the stack outputs it holds (one or two). */
export function parseOutputsFile(text: string, file: string): StackOutputs[] {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
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

function stackOutputs(o: Json, file: string, expectedSide: "producer" | "consumer" | undefined): StackOutputs {
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
    const missing = (key: string, what: string) =>
        new UsageError(`--outputs ${file}: ${side} outputs lack "${key}" (${what})${fix}.`);
    const str = (key: string, pattern: RegExp | undefined, what: string): string => {
        const v = o[key];
        if (v === undefined || v === null) throw missing(key, what);
        if (typeof v !== "string" || (pattern && !pattern.test(v))) {
            throw new UsageError(`--outputs ${file}: "${key}" must be ${what}, got ${JSON.stringify(v)}${fix}.`);
        }
        return v;
    };
    const optStr = (key: string, pattern: RegExp, what: string) =>
        o[key] === undefined || o[key] === null ? undefined : str(key, pattern, what);
    const optBool = (key: string): boolean | undefined => {
        const v = o[key];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "boolean") {
            throw new UsageError(`--outputs ${file}: "${key}" must be true or false, got ${JSON.stringify(v)}${fix}.`);
        }
        return v;
    };
    const sharingMode = o.sharingMode === undefined || o.sharingMode === null ? undefined : o.sharingMode;
    if (sharingMode !== undefined && sharingMode !== "named" && sharingMode !== "lfTags") {
        throw new UsageError(
            `--outputs ${file}: "sharingMode" must be "named" or "lfTags", got ${JSON.stringify(sharingMode)}${fix}.`,
        );
    }
    const common = {
        file,
        sharingMode: sharingMode as SharingMode | undefined,
        lfTags: lfTagsOf(o, file, fix),
        region: str("region", REGION, "an AWS region like ap-southeast-2"),
        producerAccountId: str("producerAccountId", ACCOUNT_ID, "a 12-digit account id"),
        consumerAccountId: str("consumerAccountId", ACCOUNT_ID, "a 12-digit account id"),
        producerDatabaseName: str("producerDatabaseName", GLUE_NAME, "a Glue database name"),
    };
    if (side === "consumer") {
        return {
            side,
            ...common,
            consumerDatabaseName: str("consumerDatabaseName", GLUE_NAME, "a Glue database name"),
            lambdaRoleName: optStr("lambdaRoleName", IAM_ROLE_NAME, "an IAM role name"),
            lambdaRoleArn: str("lambdaRoleArn", ROLE_ARN, "an IAM role ARN"),
            tables: tablesOf(o, file, fix),
            grantWithGrantOption: optBool("grantWithGrantOption"),
            athenaWorkgroup: optStr("athenaWorkgroup", /^[A-Za-z0-9._-]{1,128}$/, "an Athena workgroup name"),
        };
    }
    return {
        side,
        ...common,
        tables: tablesOf(o, file, fix),
        consumerPrincipalArn: str("consumerPrincipalArn", ROLE_ARN, "an IAM role ARN"),
        grantWithGrantOption: optBool("grantWithGrantOption") ?? false,
    };
}

/** The share's LF-tags (`lfTags` output of either stack): a map of key to one value. */
function lfTagsOf(o: Json, file: string, fix: string): Record<string, string> | undefined {
    if (o.lfTags === undefined || o.lfTags === null) return undefined;
    if (!isObject(o.lfTags) || !Object.values(o.lfTags).every((v) => typeof v === "string")) {
        throw new UsageError(
            `--outputs ${file}: "lfTags" must be a map of tag key to value, got ${JSON.stringify(o.lfTags)}${fix}.`,
        );
    }
    return o.lfTags as Record<string, string>;
}

/** `tables` ({name, linkName, timeColumn?, excludedColumns?} or names), else a producer's `sharedTables` (names). */
function tablesOf(o: Json, file: string, fix: string): TableConfig[] {
    const raw = o.tables ?? o.sharedTables;
    if (raw === undefined) {
        throw new UsageError(`--outputs ${file}: ${String(o.side)} outputs lack "tables" (the shared tables)${fix}.`);
    }
    if (!Array.isArray(raw) || raw.length === 0) {
        throw new UsageError(`--outputs ${file}: "tables" must be a non-empty list of {name, linkName}${fix}.`);
    }
    return raw.map((entry, i) => {
        const t = typeof entry === "string" ? { name: entry } : entry;
        if (!isObject(t) || typeof t.name !== "string" || !GLUE_NAME.test(t.name)) {
            throw new UsageError(
                `--outputs ${file}: tables[${i}] must be a table name or {name, linkName}, got ${JSON.stringify(entry)}${fix}.`,
            );
        }
        const linkName = t.linkName ?? `${t.name}_link`;
        if (typeof linkName !== "string" || !GLUE_NAME.test(linkName)) {
            throw new UsageError(
                `--outputs ${file}: tables[${i}].linkName must be a Glue table name, got ${JSON.stringify(t.linkName)}${fix}.`,
            );
        }
        const excluded = t.excludedColumns ?? [];
        if (!Array.isArray(excluded) || !excluded.every((c) => typeof c === "string" && c.length > 0)) {
            throw new UsageError(
                `--outputs ${file}: tables[${i}].excludedColumns must be a list of column names, got ${JSON.stringify(t.excludedColumns)}${fix}.`,
            );
        }
        return {
            name: t.name,
            linkName,
            ...(typeof t.timeColumn === "string" ? { timeColumn: t.timeColumn } : {}),
            ...(excluded.length > 0 ? { excludedColumns: [...excluded].sort() } : {}),
        };
    });
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
        const [name, linkName = `${name}_link`, ...rest] = entry.split(":");
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
        (CONFIG_KEYS.producerDatabaseName.default as string);
    const consumerDatabaseName =
        glueName(flags.consumerDatabase, "--consumer-database") ??
        consumer?.consumerDatabaseName ??
        (CONFIG_KEYS.consumerDatabaseName.default as string);

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
        (CONFIG_KEYS.tables.default as string[]).map((name) => ({ name, linkName: `${name}_link` }));

    if (flags.sharingMode !== undefined && flags.sharingMode !== "named" && flags.sharingMode !== "lfTags") {
        throw new UsageError(`--sharing-mode: must be "named" or "lfTags", got "${flags.sharingMode}".`);
    }
    const sharingMode =
        (flags.sharingMode as SharingMode | undefined) ??
        producer?.sharingMode ??
        consumer?.sharingMode ??
        (CONFIG_KEYS.sharingMode.default as SharingMode);
    const lfTags =
        (flags.lfTags !== undefined ? parseLfTagsFlag(flags.lfTags) : undefined) ??
        producer?.lfTags ??
        consumer?.lfTags ??
        (CONFIG_KEYS.lfTags.default as Record<string, string>);

    let principalArn: string | undefined;
    if (flags.roleArn !== undefined) {
        const m = ROLE_ARN.exec(flags.roleArn);
        if (!m) {
            throw new UsageError(
                `--role-arn: "${flags.roleArn}" is not an IAM role ARN (arn:aws:iam::<consumer account>:role/<name>).`,
            );
        }
        principalArn = flags.roleArn;
    } else if (flags.roleName !== undefined) {
        if (!IAM_ROLE_NAME.test(flags.roleName)) {
            throw new UsageError(
                `--role-name: "${flags.roleName}" is not an IAM role name (1-64 of letters, digits, +=,.@_-).`,
            );
        }
        principalArn = iamRoleArn({ accountId: consumerAccountId }, flags.roleName);
    } else {
        principalArn =
            consumer?.lambdaRoleArn ??
            producer?.consumerPrincipalArn ??
            iamRoleArn({ accountId: consumerAccountId }, CONFIG_KEYS.lambdaRoleName.default as string);
    }
    const roleAccount = ROLE_ARN.exec(principalArn)?.[1];
    if (roleAccount !== consumerAccountId) {
        throw new UsageError(
            `the Lambda role ${principalArn} is not in the consumer account ${consumerAccountId}; fix --role-arn or --consumer-account (or the outputs file).`,
        );
    }

    if (flags.region !== undefined && !REGION.test(flags.region)) {
        throw new UsageError(`--region: "${flags.region}" is not an AWS region name like ap-southeast-2.`);
    }
    const region = flags.region ?? consumer?.region ?? producer?.region;

    return {
        region,
        athenaWorkgroup: flags.workgroup ?? consumer?.athenaWorkgroup,
        model: {
            producerAccountId,
            consumerAccountId,
            producerDatabaseName,
            consumerDatabaseName,
            tables,
            principalArn,
            grantOption: flags.grantOption ?? producer?.grantWithGrantOption ?? consumer?.grantWithGrantOption ?? false,
            resourceLinks: true,
            sharingMode,
            lfTags,
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
