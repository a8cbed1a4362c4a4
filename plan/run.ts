/**
 * The offline plan: runs the real program of a stack in-process under Pulumi mocks, with the
 * config of `DIR/Pulumi.<stack>.yaml`, and records every resource with its resolved inputs,
 * the stack outputs, and every Lake Formation grant normalised by the permission model.
 *
 * StackReferences are wired by planning the other stack the same way, in the documented
 * deployment order: consumer (producer not yet deployed), producer, consumer again.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppConfig, parseConfig, Side } from "../lib/config";
import { CONFIG_NAMESPACE } from "../lib/names";
import { LfGrant, linkOf, sortGrants, targetOf } from "../lib/permissions";
import { ConsumerStackOutputs, ProducerStackOutputs, readStackOutputs } from "../lib/stackOutputs";
import { effectiveAccess, TableAccess } from "../lib/effectiveAccess";
import { grantFromResourceInputs } from "../lib/lfResources";
import { loadStackConfig, REPO_ROOT, StackArgumentError } from "./configFile";
import { InvokeOverrides, PeerOutputs, PlanMocks } from "./mocks";
import { useShareLookup } from "../stack/ramInvitations";
import type { InvitationStatus } from "../lib/ram";
import { PlannedOptions, recordParents, RegisteredResource, resolveOutput, settle } from "./sdkInternals";

export interface PlannedResource {
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    /** Resource options that change what a deployment does (retainOnDelete, deleteBeforeReplace, ...). */
    readonly options: PlannedOptions;
    readonly inputs: Record<string, unknown>;
}

/** Either side's outputs, every key readable (the other side's are absent). */
export type PlanOutputs = Partial<Omit<ProducerStackOutputs, "side">> &
    Partial<Omit<ConsumerStackOutputs, "side">> & { readonly side?: Side };

/** The documented JSON contract of `npm run plan -- --json`. */
export interface PlanResult {
    readonly stack: string;
    readonly side: Side;
    readonly resources: PlannedResource[];
    /** The stack's outputs: the contract of lib/stackOutputs.ts (one side's keys). */
    readonly outputs: PlanOutputs;
    readonly permissions: Array<Omit<LfGrant, "side">>;
    /** What each grantee (the consumer's role first) can do with each shared table, from both stacks' grants. */
    readonly effectiveAccess: TableAccess[];
    readonly warnings: string[];
}

export interface PlanOptions {
    /** Folder holding `Pulumi.producer.yaml` and `Pulumi.consumer.yaml`. Default: the repo root. */
    readonly configDir?: string;
    /** Config maps to use instead of files, by stack name (tests). */
    readonly configs?: Readonly<Record<string, Record<string, string>>>;
    /** Outputs of referenced stacks; when given, the other stack is not planned. "missing": the stack does not exist. */
    readonly peers?: Readonly<Record<string, PeerOutputs>>;
    /** The accounts' partition. Default aws. */
    readonly partition?: string;
    /** Answers to Pulumi functions by token (a Glue table that is a link, say). */
    readonly invokes?: InvokeOverrides;
    /** RAM invitation status per share ARN ("none": no invitation). Default: every share's invitation is PENDING (a first deployment). */
    readonly invitations?: Readonly<Record<string, InvitationStatus | "none">>;
    /** GetResourceShares' status per share ARN (OTHER-ACCOUNTS). Default: not visible. */
    readonly shares?: Readonly<Record<string, string>>;
}

/** index.ts: with a parsed config it does not parse (nor warn) again. */
type Program = (config?: AppConfig) => Promise<Record<string, unknown>>;

const STACKS: Record<Side, string> = { producer: "producer", consumer: "consumer" };

/** Plans one stack (`producer` or `consumer`, or any stack whose file is in the config folder). */
export async function planStack(stack: string, options: PlanOptions = {}): Promise<PlanResult> {
    const configs = configsOf(options);
    const config = configs(stack);
    const side = readSide(stack, config);
    const peers = options.peers ?? (await peerOutputs(side, config, options, configs));
    return runProgram(stack, config, peers, options);
}

/** Plans both stacks in deployment order and returns the final plan of each. */
export async function planBoth(options: PlanOptions = {}): Promise<Record<Side, PlanResult>> {
    const configs = configsOf(options);
    const consumerConfig = configs(STACKS.consumer);
    const producer = await planProducer(options, configs);
    const consumer = await runProgram(
        STACKS.consumer,
        consumerConfig,
        referenceTo(consumerConfig, "producerStack", producer),
        options,
    );
    return { producer, consumer };
}

/** A stack's config by name: its file is read once per plan, however often the plan runs the stack. */
type Configs = (stack: string) => Record<string, string>;

function configsOf(options: PlanOptions): Configs {
    const loaded = new Map<string, Record<string, string>>();
    return (stack) => {
        let config = loaded.get(stack);
        if (!config) {
            config = options.configs?.[stack] ?? loadStackConfig(options.configDir ?? REPO_ROOT, stack);
            loaded.set(stack, config);
        }
        return config;
    };
}

function readSide(stack: string, config: Record<string, string>): Side {
    const side = config[`${CONFIG_NAMESPACE}:side`];
    if (side === "producer" || side === "consumer") return side;
    // Unknown: the program reports it with every other problem.
    return stack === "producer" ? "producer" : "consumer";
}

/** StackReference wiring: the named peer stack has `peer`'s outputs, or none yet (created, never deployed). */
function referenceTo(
    config: Record<string, string>,
    key: "producerStack" | "consumerStack",
    peer: PlanResult | undefined,
): Record<string, PeerOutputs> {
    const name = config[`${CONFIG_NAMESPACE}:${key}`];
    return name ? { [name]: peer?.outputs ?? {} } : {};
}

/**
 * Outputs of the other stack, planned the way a first deployment runs: consumer, producer,
 * consumer (`producerCatalog`), or producer, consumer (`connectAnalytics`: the producer reads nothing).
 */
async function peerOutputs(
    side: Side,
    config: Record<string, string>,
    options: PlanOptions,
    configs: Configs,
): Promise<Record<string, PeerOutputs>> {
    if (side === "producer") {
        if (config[`${CONFIG_NAMESPACE}:dataSource`] === "connectAnalytics") return {};
        // Each consumer stack the producer references, planned as its first deployment (no producer yet).
        const peers: Record<string, PeerOutputs> = {};
        for (const { name, file } of consumerStacks(config)) {
            let consumerConfig: Record<string, string>;
            try {
                consumerConfig = configs(file);
            } catch (err) {
                // Not in the folder: the program says which stack it cannot read.
                if (err instanceof StackArgumentError) continue;
                throw err;
            }
            const bootstrap = await runProgram(
                file,
                consumerConfig,
                referenceTo(consumerConfig, "producerStack", undefined),
                options,
            );
            peers[name] = bootstrap.outputs;
        }
        return peers;
    }
    if (!config[`${CONFIG_NAMESPACE}:producerStack`]) return {};
    return referenceTo(config, "producerStack", await planProducer(options, configs));
}

/**
 * The consumer stacks a producer references, with the stack file each is planned from: the last
 * part of the name (org/project/consumer-support: Pulumi.consumer-support.yaml), as the Pulumi CLI
 * names stack files. `consumers[].stack` where set, else `consumerStack` (the file "consumer").
 */
function consumerStacks(config: Record<string, string>): Array<{ name: string; file: string }> {
    let listed: unknown;
    try {
        listed = JSON.parse(config[`${CONFIG_NAMESPACE}:consumers`] ?? "[]");
    } catch {
        listed = []; // The program reports a malformed list.
    }
    const names = (Array.isArray(listed) ? listed : [])
        .map((c) => (c && typeof c === "object" ? (c as { stack?: unknown }).stack : undefined))
        .filter((s): s is string => typeof s === "string" && s !== "");
    if (names.length > 0) return [...new Set(names)].map((name) => ({ name, file: name.split("/").pop()! }));
    const single = config[`${CONFIG_NAMESPACE}:consumerStack`];
    return single ? [{ name: single, file: STACKS.consumer }] : [];
}

/** The producer stack's plan, after its own peer (the consumer's first deployment) when it has one. */
async function planProducer(options: PlanOptions, configs: Configs): Promise<PlanResult> {
    const producerConfig = configs(STACKS.producer);
    return runProgram(
        STACKS.producer,
        producerConfig,
        await peerOutputs("producer", producerConfig, options, configs),
        options,
    );
}

/** Runs `index.ts` under mocks with the given config and referenced-stack outputs. */
export async function runProgram(
    stack: string,
    config: Record<string, string>,
    peers: Readonly<Record<string, PeerOutputs>>,
    environment: Pick<PlanOptions, "partition" | "invokes" | "invitations" | "shares"> = {},
): Promise<PlanResult> {
    // Pulumi's runtime records a stack trace for every promise it makes (debuggablePromise) and
    // resource (Resource.callsites); under ts-node each is source-mapped, which was most of a
    // 200-table plan's time (bench/plan.bench.ts). The plan shows neither: no promise stack (the
    // resources' own source positions Pulumi still reads, raising the limit itself), V8's format.
    const errors = Error as { prepareStackTrace?: unknown; stackTraceLimit: number };
    const [prepare, limit] = [errors.prepareStackTrace, errors.stackTraceLimit];
    errors.prepareStackTrace = undefined;
    errors.stackTraceLimit = 0;
    try {
        return await planProgram(stack, config, peers, environment);
    } finally {
        errors.prepareStackTrace = prepare;
        errors.stackTraceLimit = limit;
    }
}

async function planProgram(
    stack: string,
    config: Record<string, string>,
    peers: Readonly<Record<string, PeerOutputs>>,
    environment: Pick<PlanOptions, "partition" | "invokes" | "invitations" | "shares">,
): Promise<PlanResult> {
    // Validate first, so a bad config is reported before anything is "created".
    const warnings: string[] = [];
    const app: AppConfig = parseConfig(config, { warn: (i) => warnings.push(`${i.key}: ${i.message}`) });
    const accountId = app.side === "producer" ? app.producerAccountId : app.consumerAccountId;

    const mocks = new PlanMocks(
        { accountId, region: app.region, partition: environment.partition },
        peers,
        environment.invokes,
    );
    // A first deployment by default: every share invited (PENDING) and not yet ACTIVE. "none" in
    // `invitations` means RAM holds no invitation for it; `shares` gives GetResourceShares' status.
    useShareLookup(async (arns) => ({
        invitations: arns
            .map((shareArn) => ({ shareArn, status: environment.invitations?.[shareArn] ?? "PENDING" }))
            .filter((i): i is { shareArn: string; status: InvitationStatus } => i.status !== "none"),
        shares: arns.flatMap((shareArn) =>
            environment.shares?.[shareArn] ? [{ shareArn, status: environment.shares[shareArn] }] : [],
        ),
        as: "the plan's mock credentials",
    }));
    const recorded = new Map<string, RegisteredResource & { inputs?: Record<string, unknown> }>();
    const mocksWithCapture: pulumi.runtime.Mocks = {
        newResource: async (args) => {
            const entry = recorded.get(`${args.type}::${args.name}`);
            if (entry) entry.inputs = args.inputs;
            return mocks.newResource(args);
        },
        call: (args) => mocks.call(args),
    };
    await pulumi.runtime.setMocks(mocksWithCapture, "connect-analytics", stack, false);
    pulumi.runtime.setAllConfig(config);

    recordParents((r) => recorded.set(`${r.type}::${r.name}`, { ...r }));

    // What the program logs for the user becomes part of the plan, not stray stderr.
    const log = pulumi.log as { warn: typeof pulumi.log.warn; info: typeof pulumi.log.info };
    const { warn, info } = log;
    log.warn = async (message: string) => void warnings.push(message);
    log.info = async (message: string) => void warnings.push(`info: ${message}`);
    let outputs: PlanResult["outputs"];
    try {
        // Checked against the contract, as the other stack and the CLI will read them.
        outputs = readStackOutputs(
            app.side as "producer",
            (await resolveOutput(await loadProgram()(app))) ?? {},
        ) as PlanOutputs;
    } finally {
        Object.assign(log, { warn, info });
    }
    await settle();

    const resources: PlannedResource[] = [];
    for (const r of recorded.values()) {
        resources.push({
            type: r.type,
            name: r.name,
            parent: r.parent,
            options: r.options,
            inputs: (await describeAssets(r.inputs ?? {})) as Record<string, unknown>,
        });
    }
    // Registration order depends on when each grant's inputs resolve: list them in a stable order.
    const permissions = sortGrants(
        resources
            .map((r) => grantFromResourceInputs(r.type, r.inputs, app.side))
            .filter((g): g is LfGrant => g !== undefined),
    ).map(({ side: _side, ...grant }) => grant);
    return {
        stack,
        side: app.side,
        resources,
        outputs,
        permissions,
        effectiveAccess: accessOf(app, outputs, permissions, peers),
        warnings,
    };
}

/**
 * Effective access of the consumer's role: this stack's grants plus the other stack's (from its
 * outputs, when it has been planned), against the shared tables and their links.
 */
function accessOf(
    app: AppConfig,
    outputs: PlanResult["outputs"],
    own: Array<Omit<LfGrant, "side">>,
    peers: Readonly<Record<string, PeerOutputs>>,
): TableAccess[] {
    const peerName = app.side === "producer" ? app.consumerStack : app.producerStack;
    const peerRaw = peerName && typeof peers[peerName] === "object" ? (peers[peerName] as Record<string, unknown>) : {};
    const opposite = app.side === "producer" ? "consumer" : "producer";
    const peer = readStackOutputs(opposite as "producer", peerRaw, { requireKeys: false });
    const producer = (app.side === "producer" ? outputs : peer) as Partial<ProducerStackOutputs>;
    const consumer = (app.side === "producer" ? peer : outputs) as Partial<ConsumerStackOutputs>;
    const principal = (app.side === "producer" ? producer.consumerPrincipalArn : consumer.lambdaRoleArn)!;
    const grants = [...own, ...(peer.grants ?? [])] as LfGrant[];
    const tagging = producer.tagAssignments ?? [];
    const sourceCatalogId = outputs.sourceCatalogId ?? peer.sourceCatalogId;
    const targets = app.tables.map((t) => ({
        ...targetOf({ ...app, sourceCatalogId }, t.name),
        link: app.enableResourceLinks ? linkOf(app, t.linkName) : undefined,
    }));
    // The role first, then any other grantee (the consumer account in lfTags mode).
    const principals = [...new Set([principal, ...grants.map((g) => g.principal)])];
    const filters = consumer.dataFilters ?? [];
    // A principal with nothing on the shared tables (the table optimizers' role, on the export's own) is not listed.
    return principals.flatMap((p) => {
        const rows = effectiveAccess(p, grants, targets, tagging, filters);
        return p === principal || rows.some((r) => r.describe || r.linkVisible) ? rows : [];
    });
}

/**
 * Assets and archives (the Lambda code) hold promises, which JSON drops: describe them instead,
 * with each file's size, so the plan shows what would be uploaded.
 */
async function describeAssets(value: unknown): Promise<unknown> {
    const v = value as { assets?: Promise<Record<string, unknown>>; text?: Promise<string>; path?: Promise<string> };
    if (pulumi.asset.AssetArchive.isInstance(value)) {
        const files: Record<string, unknown> = {};
        for (const [key, asset] of Object.entries((await v.assets) ?? {})) files[key] = await describeAssets(asset);
        return { archive: files };
    }
    if (pulumi.asset.StringAsset.isInstance(value)) return { bytes: Buffer.byteLength((await v.text) ?? "") };
    if (pulumi.asset.FileAsset.isInstance(value) || pulumi.asset.FileArchive.isInstance(value)) {
        return { path: await v.path };
    }
    if (Array.isArray(value)) return Promise.all((value as unknown[]).map(describeAssets));
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(value)) out[key] = await describeAssets(inner);
        return out;
    }
    return value;
}

function loadProgram(): Program {
    // index.ts exports the program as a function (`export =`), so each run calls it afresh.
    return require("../index") as Program;
}
