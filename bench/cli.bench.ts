/**
 * AWS API calls made by `connect-analytics verify` (no --query) for 3 vs 40 shared tables,
 * counted through the client mocks of the test fake (pages capped at the APIs' maximum sizes),
 * with consumer and producer credentials both given.
 */
import { BOTH, deployment, runCli } from "../tests/cli-fake-aws";
import { Figure } from "./run";

async function verifyCalls(tables: number): Promise<{ calls: number; byCommand: Record<string, number> }> {
    const d = deployment(tables);
    const { code, stdout } = await runCli(d, ["verify", "--json", ...BOTH]);
    if (code !== 0) throw new Error(`verify on the healthy ${tables}-table fake failed: ${stdout}`);
    return { calls: d.aws.calls(), byCommand: d.aws.callsByCommand() };
}

export const figures: Figure[] = [
    {
        name: "cli-verify-aws-calls-3-vs-40-tables",
        async run() {
            const few = await verifyCalls(3);
            const many = await verifyCalls(40);
            return {
                unit: "AWS API calls per verify run (client mock)",
                tables3: few.calls,
                tables40: many.calls,
                ratio40to3: Number((many.calls / few.calls).toFixed(2)),
                tableRatio: Number((40 / 3).toFixed(2)),
                goal40AtMost: 12,
                calls40ByCommand: many.byCommand,
            };
        },
    },
];
