/**
 * `npm run policy [-- --config-dir DIR] [--stack NAME ...] [--json] [--plan FILE ...] [--write-pack-config DIR]`
 *
 * Plans every stack file of the folder offline (producer and consumer in deployment order, as
 * `npm run plan` does; any other, such as a second consumer, on its own), or the `--stack` ones,
 * and runs every rule of
 * the policy pack over each stack's resources: resource rules on each resource, stack rules once
 * over all of them, with the policy config each stack's own settings call for (`packConfig.ts`).
 * Prints each violation with its rule, stack, resource and message.
 *
 * Exit code: 0 when no mandatory rule is violated, 1 when one is, 2 when the stacks cannot be
 * planned (bad config, missing stack file) or the arguments are wrong.
 *
 * `--plan FILE` checks saved plan documents (`npm run plan -- --stack S --out FILE`) instead of
 * planning. `--write-pack-config DIR` also writes `DIR/<stack>.json`, the `--policy-pack-config`
 * file for `pulumi preview --policy-pack policy` of that stack.
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { loadStackConfig, REPO_ROOT, stacksIn } from "../plan/configFile";
import { parseCommandLine } from "../lib/flags";
import { failureMessage } from "../lib/report";
import { isObject, npmBanner, PLAN_FILE_RECIPE } from "../lib/json";
import { planBoth, planStack, type PlanResult } from "../plan/run";
import { isStackPolicy, PackConfig, ResourceFixture, runPolicies, Violation } from "./harness";
import { packConfigFor } from "./packConfig";
import { ALL_POLICIES } from "./rules";

export interface StackCheck {
    readonly stack: string;
    readonly side: string;
    readonly resources: number;
    readonly config: PackConfig;
    readonly violations: Violation[];
}

export interface CheckReport {
    readonly stacks: StackCheck[];
    readonly rules: string[];
    readonly violations: number;
    readonly mandatory: number;
}

/** Runs every rule over one planned stack. */
export async function checkPlan(
    plan: { readonly stack: string; readonly side: string; readonly resources: readonly ResourceFixture[] },
    config: PackConfig,
): Promise<StackCheck> {
    const violations = await runPolicies(ALL_POLICIES, plan.resources, { stack: plan.stack, config });
    return { stack: plan.stack, side: plan.side, resources: plan.resources.length, config, violations };
}

export interface CheckOptions {
    readonly configDir?: string;
    /** Flat config maps by stack name, instead of files (tests). */
    readonly configs?: Readonly<Record<string, Record<string, string>>>;
    /** The stacks to check. Default: every `Pulumi.<stack>.yaml` of the folder (or every map of `configs`). */
    readonly stacks?: readonly string[];
}

function stackConfig(stack: string, options: CheckOptions): Record<string, string> {
    return options.configs?.[stack] ?? loadStackConfig(options.configDir ?? REPO_ROOT, stack);
}

/**
 * Plans the stacks offline and checks each: every stack file of the folder (a second consumer,
 * Pulumi.consumer-support.yaml, as much as Pulumi.consumer.yaml), or those `stacks` names.
 */
export async function checkStacks(options: CheckOptions = {}): Promise<CheckReport> {
    const dir = options.configDir ?? REPO_ROOT;
    // A missing folder lists no stacks: the producer's and consumer's files are then named as missing.
    const found = options.configs
        ? Object.keys(options.configs)
        : fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()
          ? stacksIn(dir)
          : [];
    const first = ["producer", "consumer"].filter((s) => found.includes(s));
    const names =
        options.stacks ??
        (found.length > 0 ? [...first, ...found.filter((s) => !first.includes(s))] : ["producer", "consumer"]);
    // Each stack file is read once: the plans and the pack configs use the same maps.
    const configs = Object.fromEntries(names.map((s) => [s, stackConfig(s, options)]));
    const planOptions = { configDir: options.configDir, configs: { ...options.configs, ...configs } };
    // Producer and consumer in deployment order, as `npm run plan` does; any other stack on its own.
    const plans: Record<string, PlanResult> =
        names.includes("producer") && names.includes("consumer") ? await planBoth(planOptions) : {};
    const stacks: StackCheck[] = [];
    for (const stack of names) {
        const plan = plans[stack] ?? (await planStack(stack, planOptions));
        stacks.push(await checkPlan(plan, packConfigFor(configs[stack])));
    }
    return report(stacks);
}

/** Checks saved plan documents; each stack's policy config comes from its stack file when there is one. */
export async function checkPlanFiles(files: readonly string[], options: CheckOptions = {}): Promise<CheckReport> {
    const stacks: StackCheck[] = [];
    for (const file of files) {
        const plan = planDocument(readPlanFile(file), file);
        let config: Record<string, string> = {};
        try {
            config = stackConfig(plan.stack, options);
        } catch {
            // No stack file for it: the strictest config (no grant option).
        }
        stacks.push(await checkPlan(plan, packConfigFor(config)));
    }
    return report(stacks);
}

const PLAN_SHAPE = `expected the JSON document \`${PLAN_FILE_RECIPE}\` writes: {"stack", "side", "resources": [{"type", "name", "inputs", ...}], ...}`;

function describeJson(v: unknown): string {
    return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * The parts of a saved plan the rules read, checked: valid JSON of another shape (`{}`, `[]`, a
 * plan without resources, resources that are not resources) is refused, never checked as a pass.
 */
export function planDocument(doc: unknown, file: string): ResourcePlan {
    const where = `--plan ${file}: not a plan document`;
    if (!isObject(doc)) throw new UsageError(`${where} (got ${describeJson(doc)}); ${PLAN_SHAPE}.`);
    if (typeof doc.stack !== "string" || doc.stack === "") {
        throw new UsageError(`${where}: "stack" is ${missingOr(doc, "stack")}, not the stack name; ${PLAN_SHAPE}.`);
    }
    if (doc.side !== "producer" && doc.side !== "consumer") {
        throw new UsageError(
            `${where}: "side" is ${missingOr(doc, "side")}, not "producer" or "consumer"; ${PLAN_SHAPE}.`,
        );
    }
    if (!Array.isArray(doc.resources)) {
        throw new UsageError(`${where}: "resources" is ${missingOr(doc, "resources")}, not a list; ${PLAN_SHAPE}.`);
    }
    if (doc.resources.length === 0) {
        throw new UsageError(
            `${where}: "resources" is empty (a planned stack has resources, so nothing would be checked); ${PLAN_SHAPE}.`,
        );
    }
    doc.resources.forEach((r: unknown, i: number) => {
        if (!isObject(r) || typeof r.type !== "string" || typeof r.name !== "string" || !isObject(r.inputs)) {
            throw new UsageError(
                `${where}: resources[${i}] is not a resource (an object with a string "type" and "name" and an "inputs" object, got ${JSON.stringify(r)?.slice(0, 80)}); ${PLAN_SHAPE}.`,
            );
        }
    });
    return { stack: doc.stack, side: doc.side, resources: doc.resources as ResourceFixture[] };
}

function missingOr(doc: Record<string, unknown>, key: string): string {
    return key in doc ? describeJson(doc[key]) : "missing";
}

interface ResourcePlan {
    readonly stack: string;
    readonly side: string;
    readonly resources: readonly ResourceFixture[];
}

/** A saved plan document; an unreadable or non-JSON file is the user's to fix, named with the cause. */
function readPlanFile(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(
            `--plan ${file}: cannot read it (${code ?? (err as Error).message}); write one with \`${PLAN_FILE_RECIPE.replace("FILE", file)}\`.`,
        );
    }
    try {
        return JSON.parse(text) as unknown;
    } catch (err) {
        const banner = npmBanner(text);
        throw new UsageError(
            banner
                ? `--plan ${file}: not JSON: it starts with npm's banner "${banner}" (npm run without -s prints it on stdout); write the plan with \`${PLAN_FILE_RECIPE.replace("FILE", file)}\`.`
                : `--plan ${file}: not JSON (${(err as Error).message}); write it with \`${PLAN_FILE_RECIPE.replace("FILE", file)}\`.`,
        );
    }
}

function report(stacks: StackCheck[]): CheckReport {
    const all = stacks.flatMap((s) => s.violations);
    return {
        stacks,
        rules: ALL_POLICIES.map((p) => p.name),
        violations: all.length,
        mandatory: all.filter((v) => v.enforcementLevel === "mandatory").length,
    };
}

export function renderReport(result: CheckReport): string {
    const lines: string[] = [];
    const resourceRules = ALL_POLICIES.filter((p) => !isStackPolicy(p)).length;
    lines.push(
        `policy: ${result.rules.length} rules (${resourceRules} resource, ${result.rules.length - resourceRules} stack)`,
    );
    for (const s of result.stacks) {
        const config = Object.entries(s.config)
            .map(([rule, c]) => `${rule} ${JSON.stringify(c)}`)
            .join("; ");
        lines.push(
            `policy: stack ${s.stack} (${s.side}): ${s.resources} resources, ${s.violations.length} violation(s); config: ${config || "defaults"}`,
        );
    }
    for (const s of result.stacks) {
        for (const v of s.violations) {
            lines.push(
                `${v.enforcementLevel === "mandatory" ? "VIOLATION" : "advisory"} [${v.enforcementLevel}] ${v.policy}  ${v.stack}/${v.resource ?? "(stack)"}: ${v.message}`,
            );
        }
    }
    const per = result.stacks.map((s) => `${s.stack} ${s.violations.length}`).join(", ");
    lines.push(`policy: ${result.violations} violation(s), ${result.mandatory} mandatory (${per})`);
    return lines.join("\n");
}

class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

function writePackConfigs(dir: string, result: CheckReport): string[] {
    fs.mkdirSync(dir, { recursive: true });
    return result.stacks.map((s) => {
        const file = path.join(dir, `${s.stack}.json`);
        fs.writeFileSync(file, JSON.stringify(s.config, null, 2) + "\n");
        return file;
    });
}

export async function main(argv: string[]): Promise<number> {
    const program = new Command("policy")
        .description("Runs the policy pack's rules over the offline plans of both stacks (no Pulumi CLI, no AWS).")
        .option(
            "--config-dir <dir>",
            "folder holding Pulumi.<stack>.yaml; every stack file in it is checked (default: the repo root)",
        )
        .option("--stack <name...>", "check only these stacks of the folder (Pulumi.<name>.yaml)")
        .option("--json", "print exactly one JSON document on stdout")
        .option(
            "--plan <file...>",
            "check saved plan documents (npm run plan -- --stack S --out FILE) instead of planning",
        )
        .option(
            "--write-pack-config <dir>",
            "also write <dir>/<stack>.json, the --policy-pack-config file of each stack",
        )
        .exitOverride()
        .configureOutput({ writeErr: (text) => process.stderr.write(text) });
    const stop = parseCommandLine(program, argv, "policy");
    if (stop !== undefined) return stop;
    const opts = program.opts<{
        configDir?: string;
        json?: boolean;
        plan?: string[];
        stack?: string[];
        writePackConfig?: string;
    }>();
    let result: CheckReport;
    try {
        result = opts.plan?.length
            ? await checkPlanFiles(opts.plan, { configDir: opts.configDir })
            : await checkStacks({ configDir: opts.configDir, stacks: opts.stack });
    } catch (err) {
        process.stderr.write(failureMessage("policy", err));
        return 2;
    }
    const written = opts.writePackConfig ? writePackConfigs(opts.writePackConfig, result) : [];
    if (opts.json) {
        process.stdout.write(JSON.stringify({ ...result, packConfigFiles: written }, null, 2) + "\n");
    } else {
        process.stdout.write(renderReport(result) + "\n");
        for (const file of written) process.stdout.write(`policy: wrote ${file}\n`);
    }
    return result.mandatory > 0 ? 1 : 0;
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => process.exit(code));
}
