import * as pulumi from "@pulumi/pulumi";
import { PeerStackError } from "../lib/peers";

/**
 * Reads all outputs of another stack. Resolves to `{}` when the stack exists but has never been
 * deployed; a stack that cannot be read at all becomes a `PeerStackError` naming what to do.
 */
export async function readPeerOutputs(
    resourceName: string,
    stackName: string,
    deployHint: string,
): Promise<Record<string, unknown>> {
    const ref = new pulumi.StackReference(resourceName, { name: stackName });
    try {
        // The program needs the values now (they decide which resources exist), not as Outputs.
        const outputs = await (
            ref.outputs as unknown as { promise(): Promise<Record<string, unknown> | undefined> }
        ).promise();
        return outputs ?? {};
    } catch (err) {
        throw new PeerStackError(`cannot read stack "${stackName}": ${(err as Error)?.message ?? err}. ${deployHint}`);
    }
}
