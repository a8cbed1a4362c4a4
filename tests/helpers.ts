import * as path from "path";
import { loadStackConfig } from "../plan/configFile";
import { planStack, PlanOptions, PlanResult, PlannedResource } from "../plan/run";
import { PeerOutputs } from "../plan/mocks";

export const ROOT = path.resolve(__dirname, "..");
export const PRODUCER = "111111111111";
export const CONSUMER = "222222222222";
export const ROLE_ARN = `arn:aws:iam::${CONSUMER}:role/connect-analytics-lambda-execution-role`;

/** The example stack file's config, with `connect-analytics:` keys overridden (undefined removes a key). */
export function stackConfig(stack: "producer" | "consumer", overrides: Record<string, unknown> = {}): Record<string, string> {
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
    overrides: { producer?: Record<string, unknown>; consumer?: Record<string, unknown>; peers?: Record<string, PeerOutputs> } = {},
): Promise<PlanResult> {
    const options: PlanOptions = {
        configs: { producer: stackConfig("producer", overrides.producer), consumer: stackConfig("consumer", overrides.consumer) },
        peers: overrides.peers,
    };
    return planStack(stack, options);
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
