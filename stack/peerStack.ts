import * as pulumi from "@pulumi/pulumi";
import { PeerStackError } from "../lib/peers";
import { OUTPUT_NAMES } from "../lib/stackOutputs";

/**
 * Reads the contract outputs (`lib/stackOutputs.ts`) of the other side's stack through the public
 * StackReference API. Resolves to `{}` when the stack exists but has never been deployed; a
 * stack that cannot be read at all becomes a `PeerStackError` naming what to do.
 */
export async function readPeerOutputs(
    resourceName: string,
    stackName: string,
    side: "producer" | "consumer",
    deployHint: string,
): Promise<Record<string, unknown>> {
    const ref = new pulumi.StackReference(resourceName, { name: stackName });
    try {
        // The program needs the values now (they decide which resources exist), not as Outputs.
        const values = await Promise.all(
            OUTPUT_NAMES[side].map(async (key) => {
                const details = await ref.getOutputDetails(key);
                return [key, details.value ?? details.secretValue] as const;
            }),
        );
        return Object.fromEntries(values.filter(([, value]) => value !== undefined));
    } catch (err) {
        throw new PeerStackError(`cannot read stack "${stackName}": ${(err as Error)?.message ?? err}. ${deployHint}`);
    }
}
