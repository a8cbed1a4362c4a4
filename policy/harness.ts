/**
 * Runs policy-pack rules over plain resources, without the Pulumi CLI: the offline plan's
 * resources (`npm run policy`) and test fixtures. It builds the arguments the analyzer would
 * (`ResourceValidationArgs` per resource, `StackValidationArgs` with every resource), applies
 * each rule's config schema defaults under the given config, and collects the violations.
 *
 * Differences from the engine, on purpose: inputs are fully resolved (no unknown values), and
 * property dependencies exist only where a fixture declares them (by resource name), so stack
 * rules match companions by value as they must for the offline plan.
 */
import {
    EnforcementLevel,
    Policies,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

/** A resource as the offline plan records it (`PlannedResource`), plus optional engine metadata. */
export interface ResourceFixture {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly parent?: string | null;
    /** Names of the resources each input was computed from (the engine's property dependencies). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly dependencies?: readonly string[];
    /** The resource options the plan recorded (only deleteBeforeReplace and protect reach a policy). */
    readonly options?: { readonly deleteBeforeReplace?: boolean; readonly protect?: boolean };
}

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly stack: string;
    /** Logical name of the resource at fault; undefined when a stack rule blames the whole stack. */
    readonly resource?: string;
    readonly type?: string;
    readonly message: string;
}

/** Per-rule config, as in a `--policy-pack-config` file: `{ "<rule name>": { key: value } }`. */
export type PackConfig = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface RunOptions {
    readonly stack?: string;
    readonly project?: string;
    readonly config?: PackConfig;
}

const PROJECT = "connect-analytics";

const EMPTY_OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

/** What the engine hands a policy of a resource's options. */
function policyOptions(r: ResourceFixture): PolicyResourceOptions {
    return {
        ...EMPTY_OPTIONS,
        protect: r.options?.protect ?? false,
        ...(r.options?.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
    };
}

class NotApplicable extends Error {}

export function isStackPolicy(policy: Policies[number]): policy is StackValidationPolicy {
    return typeof (policy as StackValidationPolicy).validateStack === "function";
}

export function urnOf(resource: Pick<ResourceFixture, "type" | "name">, stack = "stack", project = PROJECT): string {
    return `urn:pulumi:${stack}::${project}::${resource.type}::${resource.name}`;
}

/** The rule's config: its schema's defaults, overlaid by `config[rule]` (as the engine does). */
export function policyConfig(policy: Policies[number], config: PackConfig = {}): Record<string, unknown> {
    const defaults: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
        if (schema && typeof schema === "object" && "default" in schema) {
            defaults[key] = (schema as { default: unknown }).default;
        }
    }
    const { enforcementLevel: _level, ...given } = (config[policy.name] ?? {}) as Record<string, unknown>;
    return { ...defaults, ...given };
}

function enforcementLevel(policy: Policies[number], config: PackConfig = {}): EnforcementLevel {
    return ((config[policy.name]?.enforcementLevel as EnforcementLevel | undefined) ??
        policy.enforcementLevel ??
        "mandatory") as EnforcementLevel;
}

function isType(type: string, resourceClass: { new (...rest: any[]): unknown }): boolean {
    const isInstance = (resourceClass as unknown as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

/** The `PolicyResource` list of a stack, with parents and dependencies linked by name. */
export function toPolicyResources(resources: readonly ResourceFixture[], options: RunOptions = {}): PolicyResource[] {
    const stack = options.stack ?? "stack";
    const byName = new Map<string, PolicyResource>();
    const out = resources.map((r) => {
        const props = r.inputs as Record<string, any>;
        const resource: PolicyResource = {
            type: r.type,
            name: r.name,
            urn: urnOf(r, stack, options.project),
            props,
            opts: policyOptions(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isType(r.type, cls),
            asType: ((cls: { new (...rest: any[]): unknown }) =>
                isType(r.type, cls) ? props : undefined) as PolicyResource["asType"],
        };
        byName.set(r.name, resource);
        return resource;
    });
    const lookup = (names: readonly string[] | undefined) =>
        (names ?? []).map((n) => byName.get(n)).filter((x): x is PolicyResource => x !== undefined);
    resources.forEach((r, i) => {
        const resource = out[i];
        if (r.parent) resource.parent = byName.get(r.parent);
        resource.dependencies = lookup(r.dependencies);
        for (const [key, names] of Object.entries(r.propertyDependencies ?? {})) {
            resource.propertyDependencies[key] = lookup(names);
        }
    });
    return out;
}

/** Runs one resource rule on one resource. */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    resource: ResourceFixture,
    options: RunOptions = {},
): Promise<Violation[]> {
    const stack = options.stack ?? "stack";
    const level = enforcementLevel(policy, options.config);
    if (level === "disabled" || !policy.validateResource) return [];
    const violations: Violation[] = [];
    const report: ReportViolation = (message) =>
        void violations.push({
            policy: policy.name,
            enforcementLevel: level,
            stack,
            resource: resource.name,
            type: resource.type,
            message,
        });
    const props = resource.inputs as Record<string, any>;
    const args: ResourceValidationArgs = {
        type: resource.type,
        name: resource.name,
        urn: urnOf(resource, stack, options.project),
        props,
        opts: policyOptions(resource),
        stackTags: new Map(),
        isType: (cls) => isType(resource.type, cls),
        asType: ((cls: { new (...rest: any[]): unknown }) =>
            isType(resource.type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => policyConfig(policy, options.config) as T,
        notApplicable,
    };
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const validate of validations) {
        try {
            await validate(args, report);
        } catch (err) {
            if (!(err instanceof NotApplicable)) throw err;
        }
    }
    return violations;
}

/** Runs one stack rule over every resource of a stack. */
export async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: readonly ResourceFixture[],
    options: RunOptions = {},
): Promise<Violation[]> {
    const stack = options.stack ?? "stack";
    const level = enforcementLevel(policy, options.config);
    if (level === "disabled") return [];
    const policyResources = toPolicyResources(resources, options);
    const byUrn = new Map(policyResources.map((r) => [r.urn, r]));
    const violations: Violation[] = [];
    const report: ReportViolation = (message, urn) => {
        const r = urn === undefined ? undefined : byUrn.get(urn);
        violations.push({
            policy: policy.name,
            enforcementLevel: level,
            stack,
            resource: r?.name,
            type: r?.type,
            message,
        });
    };
    const args: StackValidationArgs = {
        resources: policyResources,
        stackTags: new Map(),
        getConfig: <T extends object>() => policyConfig(policy, options.config) as T,
        notApplicable,
    };
    try {
        await policy.validateStack(args, report);
    } catch (err) {
        if (!(err instanceof NotApplicable)) throw err;
    }
    return violations;
}

/** Runs every rule: resource rules on each resource, stack rules once over all of them. */
export async function runPolicies(
    policies: Policies,
    resources: readonly ResourceFixture[],
    options: RunOptions = {},
): Promise<Violation[]> {
    const violations: Violation[] = [];
    for (const policy of policies) {
        if (isStackPolicy(policy)) {
            violations.push(...(await runStackPolicy(policy, resources, options)));
        } else {
            for (const resource of resources) violations.push(...(await runResourcePolicy(policy, resource, options)));
        }
    }
    return violations;
}
