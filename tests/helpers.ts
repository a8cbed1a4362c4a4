import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { compiled } from "./build";
import { loadStackConfig } from "../plan/configFile";
import { planStack, PlanOptions, PlanResult, PlannedResource } from "../plan/run";
import { PeerOutputs, PlanMocks } from "../plan/mocks";
import { settle } from "../plan/sdkInternals";
import { DEFAULT_EXPORT_DATABASE } from "../lib/names";
import type { LfResource } from "../lib/permissions";
import { ConfigError, type ConfigIssue, parseConfig, type ParseOptions } from "../lib/config";

export const ROOT = path.resolve(__dirname, "..");
export const PRODUCER = "111111111111";
export const CONSUMER = "222222222222";
export const ROLE_ARN = `arn:aws:iam::${CONSUMER}:role/connect-analytics-lambda-execution-role`;

/** The example stack file's config, with `connect-analytics:` keys overridden (undefined removes a key). */
export function stackConfig(
    stack: "producer" | "consumer",
    overrides: Record<string, unknown> = {},
): Record<string, string> {
    const config = loadStackConfig(ROOT, stack);
    for (const [key, value] of Object.entries(overrides)) {
        const full = key.includes(":") ? key : `connect-analytics:${key}`;
        if (value === undefined) delete config[full];
        else config[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

/** Plans both example stacks, each with its overrides. */
export function plan(
    stack: "producer" | "consumer",
    overrides: {
        producer?: Record<string, unknown>;
        consumer?: Record<string, unknown>;
        peers?: Record<string, PeerOutputs>;
    } & Pick<PlanOptions, "partition" | "invokes" | "invitations" | "shares"> = {},
): Promise<PlanResult> {
    const options: PlanOptions = {
        configs: {
            producer: stackConfig("producer", overrides.producer),
            consumer: stackConfig("consumer", overrides.consumer),
        },
        peers: overrides.peers,
        partition: overrides.partition,
        invokes: overrides.invokes,
        invitations: overrides.invitations,
        shares: overrides.shares,
    };
    return planStack(stack, options);
}

/** The per-table settings the plan's export function reads: the object the stack writes to the exports bucket. */
export function exportTables(plan: PlanResult): Record<string, any>[] {
    const object = plan.resources.find(
        (r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && r.name.endsWith("-tables"),
    );
    if (!object) throw new Error(`no export settings object in the plan of ${plan.stack}`);
    return JSON.parse(object.inputs.content as string);
}

export function ofType(plan: PlanResult, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

/** Runs a promise that must reject and returns its error message. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
    try {
        await promise;
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("expected a rejection, but the promise resolved");
}

/**
 * Runs a plan and records every resource it registers, StackReferences set apart (reading the
 * peer's outputs is what the checks need): a failed plan returns no resource list of its own.
 */
export async function withRegistrations<T>(
    run: () => Promise<T>,
): Promise<{ result?: T; error?: Error; registered: string[] }> {
    const registered: string[] = [];
    const newResource = PlanMocks.prototype.newResource;
    PlanMocks.prototype.newResource = function (args) {
        if (args.type !== "pulumi:pulumi:StackReference") registered.push(`${args.type}::${args.name}`);
        return newResource.call(this, args);
    };
    try {
        const outcome = await run().then(
            (result) => ({ result }),
            (error: Error) => ({ error }),
        );
        // Registrations still on their way when the program threw.
        await settle().catch(() => undefined);
        return { ...outcome, registered };
    } finally {
        PlanMocks.prototype.newResource = newResource;
    }
}

export interface ScriptResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs an entry point of the repo (`plan/cli.ts`, ...) in a child process: its compiled file under plain node. */
export async function runScript(script: string, args: string[]): Promise<ScriptResult> {
    const node = [compiled(script), ...args];
    try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, node, {
            cwd: ROOT,
            maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as ScriptResult;
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
}

/** The export's Lake Formation grants (on its database, tables and location), which other tests set aside. */
export function isExportGrant(g: { resource: LfResource } | { inputs: Record<string, any> }): boolean {
    if ("inputs" in g) {
        const i = g.inputs;
        return Boolean(i.dataLocation) || [i.database?.name, i.table?.databaseName].includes(DEFAULT_EXPORT_DATABASE);
    }
    const r = g.resource;
    return r.kind === "dataLocation" || ("databaseName" in r && r.databaseName === DEFAULT_EXPORT_DATABASE);
}

/** The issues parseConfig refuses `raw` with; the test fails when it accepts it. */
export function configIssues(raw: Record<string, string>, options: ParseOptions = {}): ConfigIssue[] {
    try {
        parseConfig(raw, options);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        return [...err.issues];
    }
    assert.fail("expected the configuration to be rejected");
}
