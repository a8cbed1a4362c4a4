/**
 * The CLI and the stacks agree: from the offline plan's documents of both stacks (the same
 * outputs `pulumi stack output --json` prints), the CLI's model requires exactly the grants
 * the stacks make, in every sharing mode.
 */
import { strict as assert } from "assert";
import { parseOutputsDocument, resolveTargets } from "../cli/targets";
import { LfGrant, requiredGrants, resourceKey } from "../lib/permissions";
import { loadStackConfig, REPO_ROOT } from "../plan/configFile";
import { planBoth } from "../plan/run";

const key = (g: Pick<LfGrant, "side" | "principal" | "resource" | "permissions" | "grantable">) =>
    `${g.side}|${g.principal}|${resourceKey(g.resource)}|${[...g.permissions].sort()}|${[...g.grantable].sort()}`;

describe("cli contract with the stacks' outputs", function () {
    this.timeout(60000); // plans both stacks three times under Pulumi mocks

    const variants: Array<[string, Record<string, string>]> = [
        ["default config", {}],
        ["column exclusions", { "connect-analytics:excludedColumns": JSON.stringify({ users: ["email", "mobile"] }) }],
        [
            "LF-tag sharing with exclusions",
            {
                "connect-analytics:sharingMode": "lfTags",
                // Not the default tags: the CLI must read them from the outputs.
                "connect-analytics:lfTags": JSON.stringify({ domain: "contact-center", sensitivity: "general" }),
                "connect-analytics:excludedColumns": JSON.stringify({ users: ["email"] }),
            },
        ],
    ];
    for (const [name, extra] of variants) {
        it(`${name}: requiredGrants of the model read from the plan's outputs = the plan's grants`, async () => {
            const configs = {
                producer: { ...loadStackConfig(REPO_ROOT, "producer"), ...extra },
                consumer: { ...loadStackConfig(REPO_ROOT, "consumer"), ...extra },
            };
            const plans = await planBoth({ configs });
            // Through JSON, as a file would carry them.
            const outputs = [
                ...parseOutputsDocument(JSON.parse(JSON.stringify(plans.consumer)), "consumer.json"),
                ...parseOutputsDocument(JSON.parse(JSON.stringify(plans.producer)), "producer.json"),
            ];
            const { model } = resolveTargets(outputs, {});
            const planned = [
                ...plans.producer.permissions.map((g) => key({ ...g, side: "producer" } as LfGrant)),
                ...plans.consumer.permissions.map((g) => key({ ...g, side: "consumer" } as LfGrant)),
            ].sort();
            assert.ok(planned.length >= 6);
            assert.deepEqual(requiredGrants(model).map(key).sort(), planned);
        });
    }
});
