/**
 * How each stack combines its own config with the other stack's outputs (read through a
 * StackReference), and what it says when the other stack is not there yet. Pure, so the
 * bootstrap rules are unit-tested.
 *
 * Bootstrap order (docs/deploy.md), `producerCatalog`: consumer, then producer, then consumer again.
 * - The consumer can go first: its producer details fall back to its own config.
 * - The producer needs the consumer's role to exist (Lake Formation rejects grants to a
 *   principal that does not exist), so it stops with a clear message until the consumer is up.
 * - The consumer's second run reads the producer's outputs and checks they agree.
 *
 * `connectAnalytics`: producer, then consumer. The producer needs nothing of the consumer (it
 * associates the datasets with the consumer account); the consumer needs the producer's RAM
 * shares, which name Connect's catalog, so it stops with a clear message until they exist.
 */
import { AppConfig, ConfigError, ConfigIssue, ConsumerTarget, TableConfig } from "./config";
import { consumerRoleArn, iamRolePrefix } from "./arns";
import { CONFIG_NAMESPACE, ramShareOwner } from "./names";
import { filterInstanceIds, parseRowFilter } from "./rowFilter";
import {
    ConsumerStackOutputs,
    OutputProblem,
    ProducerStackOutputs,
    producerInstanceIds,
    readStackOutputs,
} from "./stackOutputs";

export interface ConsumerView {
    readonly producerAccountId: string;
    readonly producerDatabaseName: string;
    readonly tables: readonly TableConfig[];
    /** RAM shares to accept: this stack's `ramShareArn` and the producer's outputs. */
    readonly ramShareArns: readonly string[];
    /** The catalog that owns the tables: the producer, or Connect's (the owner of its RAM shares). */
    readonly sourceCatalogId: string;
    /** Non-fatal findings to log. */
    readonly notes: readonly string[];
}

export interface ProducerView {
    readonly consumerPrincipalArn: string;
    readonly notes: readonly string[];
}

const key = (k: string) => `${CONFIG_NAMESPACE}:${k}`;

/** True when a referenced stack has no outputs: it does not exist yet or was never deployed. */
export function isUndeployed(outputs: Readonly<Record<string, unknown>> | undefined): boolean {
    return outputs === undefined || Object.keys(outputs).length === 0;
}

/** The peer's outputs, checked against the contract; a malformed one names the stack and the key. */
function contract<S extends "producer" | "consumer">(
    side: S,
    stack: string,
    raw: Readonly<Record<string, unknown>>,
): S extends "producer" ? Partial<ProducerStackOutputs> : Partial<ConsumerStackOutputs> {
    try {
        return readStackOutputs(side as "producer", { ...raw }, { requireKeys: false }) as never;
    } catch (err) {
        if (err instanceof OutputProblem) {
            throw new PeerStackError(
                `${side} stack "${stack}" exports outputs this program cannot read: ${err.message}. Run \`pulumi up -s ${stack}\` with this version of the project.`,
            );
        }
        throw err;
    }
}

export function consumerView(
    config: AppConfig,
    raw: Readonly<Record<string, unknown>> | undefined,
    partition = "aws",
): ConsumerView {
    if (config.dataSource === "connectAnalytics") return connectConsumerView(config, raw);
    const ownRole = consumerRoleArn(config.consumerAccountId, config.lambdaRoleName, partition);
    const own = {
        producerAccountId: config.producerAccountId,
        producerDatabaseName: config.producerDatabaseName,
        tables: config.tables,
        ramShareArns: config.ramShareArn ? [config.ramShareArn] : [],
        sourceCatalogId: config.producerAccountId,
    };
    if (!config.producerStack) return { ...own, notes: [] };
    if (isUndeployed(raw)) {
        return {
            ...own,
            notes: [
                `producer stack "${config.producerStack}" has no outputs yet, so this run uses this stack's own producer settings. ` +
                    `Next: deploy the producer (\`pulumi up -s ${config.producerStack}\`), then run this stack again.`,
            ],
        };
    }
    const p = contract("producer", config.producerStack, raw!);
    const issues: ConfigIssue[] = [];
    const notes: string[] = [];
    // Keys both stacks set, which must agree; the verb says what the producer's value means.
    const mustAgree = [
        ["producerAccountId", "runs in"],
        ["producerDatabaseName", "shares"],
        ["dataSource", "shares by"],
        ["sharingMode", "shares by"],
    ] as const;
    for (const [name, verb] of mustAgree) {
        if (p[name] && p[name] !== config[name]) {
            issues.push({
                key: key(name),
                message: `is ${config[name]} but producer stack "${config.producerStack}" ${verb} ${p[name]}; make them agree.`,
            });
        }
    }
    const shared = new Set(p.sharedTables ?? []);
    issues.push(...unsharedTables(config, p.sharedTables, "shares"));
    const extra = [...shared].filter((t) => !config.tables.some((c) => c.name === t));
    if (extra.length > 0) {
        notes.push(
            `producer also shares ${extra.join(", ")}, which this stack does not link; add them to tables to use them.`,
        );
    }
    const exclusions = (tables: readonly TableConfig[] | undefined) =>
        JSON.stringify(
            Object.fromEntries(
                (tables ?? []).filter((t) => t.excludedColumns?.length).map((t) => [t.name, t.excludedColumns]),
            ),
        );
    const linked = (p.tables ?? []).filter((t) => config.tables.some((c) => c.name === t.name));
    if (p.tables && exclusions(linked) !== exclusions(config.tables)) {
        issues.push({
            key: key("excludedColumns"),
            message:
                `differs from producer stack "${config.producerStack}" (${exclusions(linked)} there, ${exclusions(config.tables)} here): ` +
                `the export must not select what the producer withholds. Copy the producer's excludedColumns.`,
        });
    }
    if (p.consumerPrincipalArn && p.consumerPrincipalArn !== ownRole) {
        issues.push({
            key: key("lambdaRoleName"),
            message: `the producer grants to ${p.consumerPrincipalArn} but this stack's role is ${ownRole}; make lambdaRoleName agree, then run the producer again.`,
        });
    }
    if (issues.length > 0) throw new ConfigError(issues);
    const fromProducer = p.ramShareArn ? [p.ramShareArn] : [];
    return { ...own, ramShareArns: [...new Set([...own.ramShareArns, ...fromProducer])], notes };
}

/**
 * `connectAnalytics`: the tables live in Connect's catalog, which the producer's associations
 * share with this account through RAM; the shares (from the producer's outputs, or `ramShareArn`)
 * name that catalog. Without them nothing can be linked: deploy the producer first.
 */
function connectConsumerView(config: AppConfig, raw: Readonly<Record<string, unknown>> | undefined): ConsumerView {
    const p = config.producerStack && !isUndeployed(raw) ? contract("producer", config.producerStack, raw!) : {};
    const issues: ConfigIssue[] = [];
    const notes: string[] = [];
    if (p.dataSource && p.dataSource !== "connectAnalytics") {
        issues.push({
            key: key("dataSource"),
            message: `is connectAnalytics but producer stack "${config.producerStack}" shares by ${p.dataSource}; make them agree.`,
        });
    }
    const mine = p.consumers?.find((c) => c.accountId === config.consumerAccountId);
    const sharedWith = p.consumers
        ? p.consumers.map((c) => c.accountId)
        : p.consumerAccountId
          ? [p.consumerAccountId]
          : [];
    if (sharedWith.length > 0 && !sharedWith.includes(config.consumerAccountId)) {
        issues.push({
            key: key("consumerAccountId"),
            message: `is ${config.consumerAccountId} but producer stack "${config.producerStack}" associates the datasets with ${sharedWith.join(", ")}; add this account to its consumers.`,
        });
    }
    issues.push(...unsharedTables(config, p.sharedTables, "associates"));
    issues.push(...unassociatedInstances(config, producerInstanceIds(p)));
    const fromProducer = mine?.ramShareArns ?? (p.consumers ? [] : (p.ramShareArns ?? []));
    const shares = [...new Set([...(config.ramShareArn ? [config.ramShareArn] : []), ...fromProducer])];
    const owners = [...new Set(shares.map((arn) => ramShareOwner(arn)!))];
    if (issues.length === 0 && shares.length === 0) {
        throw new PeerStackError(
            config.producerStack
                ? `producer stack "${config.producerStack}" has not associated Connect's datasets with this account yet, so ` +
                  `there is no RAM share to accept and no catalog to link to. With dataSource connectAnalytics the producer ` +
                  `goes first: \`pulumi up -s ${config.producerStack}\`, then run this stack again.`
                : "with dataSource connectAnalytics this stack links to Connect's catalog, which only its RAM share names: set " +
                  "producerStack (the Connect instance account's stack, deployed first) or ramShareArn.",
        );
    }
    if (owners.length > 1) {
        issues.push({
            key: key("ramShareArn"),
            message: `the RAM shares come from ${owners.join(" and ")}; one Connect catalog owns the tables. Keep the shares of one catalog.`,
        });
    }
    if (p.sourceCatalogId && owners.length === 1 && p.sourceCatalogId !== owners[0]) {
        issues.push({
            key: key("ramShareArn"),
            message: `names catalog ${owners[0]} but producer stack "${config.producerStack}" reports ${p.sourceCatalogId}; remove ramShareArn or fix it.`,
        });
    }
    if (issues.length > 0) throw new ConfigError(issues);
    return {
        producerAccountId: config.producerAccountId,
        producerDatabaseName: config.producerDatabaseName,
        tables: config.tables,
        ramShareArns: shares,
        sourceCatalogId: owners[0],
        notes,
    };
}

/**
 * The querying role of one consumer the producer shares with: from the consumer's stack (its
 * `lambdaRoleArn` output), else derived from its account and role name.
 */
export function producerView(
    config: AppConfig,
    consumer: ConsumerTarget,
    raw: Readonly<Record<string, unknown>> | undefined,
    partition = "aws",
): ProducerView {
    const derived = consumerRoleArn(consumer.accountId, consumer.roleName, partition);
    // Connect shares with the consumer account; the producer grants nothing and names no role.
    if (config.dataSource === "connectAnalytics") return { consumerPrincipalArn: derived, notes: [] };
    const stack = consumer.stack;
    if (!stack) {
        return {
            consumerPrincipalArn: derived,
            notes: [
                `${config.consumers.length > 1 ? `consumer ${consumer.accountId} has no stack` : "consumerStack is not set"}: ` +
                    `granting to ${derived}, derived from its account and role name.`,
            ],
        };
    }
    if (isUndeployed(raw) || !raw!.lambdaRoleArn) {
        throw new PeerStackError(
            `consumer stack "${stack}" has not been deployed yet: the producer's grants name its Lambda role ` +
                `(output lambdaRoleArn), which must exist first. Deploy the consumer first (\`pulumi up -s ${stack}\`), ` +
                `then run this stack again.`,
        );
    }
    const c = contract("consumer", stack, raw!);
    const issues: ConfigIssue[] = [];
    const accountKey = config.consumers.length > 1 ? "consumers" : "consumerAccountId";
    if (c.consumerAccountId && c.consumerAccountId !== consumer.accountId) {
        issues.push({
            key: key(accountKey),
            message: `is ${consumer.accountId} but consumer stack "${stack}" runs in ${c.consumerAccountId}; make them agree.`,
        });
    }
    if (
        !c.lambdaRoleArn!.startsWith(iamRolePrefix({ accountId: consumer.accountId, partition })) &&
        issues.length === 0
    ) {
        issues.push({
            key: key(config.consumers.length > 1 ? "consumers" : "consumerStack"),
            message: `consumer stack "${stack}" exports role ${c.lambdaRoleArn}, which is not in account ${consumer.accountId}.`,
        });
    }
    if (issues.length > 0) throw new ConfigError(issues);
    const notes =
        c.lambdaRoleArn !== derived
            ? [`granting to ${c.lambdaRoleArn} from the consumer stack (this stack's role name would give ${derived}).`]
            : [];
    return { consumerPrincipalArn: c.lambdaRoleArn!, notes };
}

/** A referenced stack is missing or not deployed; the message says what to deploy next. */
export class PeerStackError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PeerStackError";
    }
}

/** The tables this stack links that the producer does not share (or associate), as one issue. */
function unsharedTables(
    config: Pick<AppConfig, "tables" | "producerStack">,
    sharedTables: readonly string[] | undefined,
    verb: "shares" | "associates",
): ConfigIssue[] {
    const shared = new Set(sharedTables ?? []);
    const unshared = config.tables.filter((t) => !shared.has(t.name)).map((t) => t.name);
    if (!sharedTables || unshared.length === 0) return [];
    const one = unshared.length === 1;
    const participle = verb === "shares" ? "shared" : "associated";
    return [
        {
            key: key("tables"),
            message:
                `${unshared.join(", ")} ${one ? "is" : "are"} not ${participle} by producer stack "${config.producerStack}" ` +
                `(it ${verb} ${[...shared].join(", ") || "nothing"}). Add ${one ? "it" : "them"} to the producer's tables and ` +
                `run \`pulumi up -s ${config.producerStack}\` first, or remove ${one ? "it" : "them"} here.`,
        },
    ];
}

/**
 * Readers whose row filter names Connect instances the producer does not associate: the filter
 * would admit none of their rows. Nothing when the producer's instances are not known (its stack
 * not deployed yet, or not set).
 */
function unassociatedInstances(
    config: Pick<AppConfig, "readers" | "producerStack">,
    known: readonly string[],
): ConfigIssue[] {
    if (known.length === 0) return [];
    return config.readers.flatMap((reader, i) => {
        if (reader.rowFilter === undefined) return [];
        const named = [...new Set(filterInstanceIds(parseRowFilter(reader.rowFilter)))];
        const unknown = named.filter((id) => !known.includes(id));
        if (unknown.length === 0) return [];
        const one = unknown.length === 1;
        return [
            {
                key: key("readers"),
                message:
                    `readers[${i}] (${reader.principal}).rowFilter names Connect instance${one ? "" : "s"} ${unknown.join(", ")}, ` +
                    `which producer stack "${config.producerStack}" does not associate (it associates ${known.join(", ")}): ` +
                    `the filter would admit none of ${one ? "its" : "their"} rows. Fix: use the ids of the producer's instances, ` +
                    `or add ${one ? "it" : "them"} to the producer's connectInstanceIds and run \`pulumi up -s ${config.producerStack}\` first.`,
            },
        ];
    });
}
