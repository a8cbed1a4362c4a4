/**
 * Offline plan time of both stacks, 3 tables vs 40 tables, measured side by side: the share (links,
 * grants) grows with the tables; the export is left out of both, since its environment holds the
 * table list within Lambda's 4 KB (40 tables do not fit one export).
 */
import { performance } from "perf_hooks";
import { planBoth } from "../plan/run";
import { loadStackConfig, REPO_ROOT } from "../plan/configFile";
import { Figure } from "./run";

function configsWith(tables: string[]): Record<string, Record<string, string>> {
    const with_ = (stack: string) => ({
        ...loadStackConfig(REPO_ROOT, stack),
        "connect-analytics:tables": JSON.stringify(tables),
        "connect-analytics:enableLambdaExport": "false",
    });
    return { producer: with_("producer"), consumer: with_("consumer") };
}

async function timeBoth(tables: string[], repeats: number): Promise<number> {
    const configs = configsWith(tables);
    await planBoth({ configs }); // warm-up: module loading is not plan time
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
        const start = performance.now();
        await planBoth({ configs });
        times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

export const figures: Figure[] = [
    {
        name: "plan-time-3-vs-40-tables",
        async run() {
            const few = ["users", "contacts", "agent_hierarchy_groups"];
            const many = Array.from({ length: 40 }, (_, i) => `table_${String(i).padStart(2, "0")}`);
            const ms3 = await timeBoth(few, 5);
            const ms40 = await timeBoth(many, 5);
            return {
                unit: "ms (median of 5, both stacks in bootstrap order: consumer, producer, consumer; no export)",
                tables3: Math.round(ms3),
                tables40: Math.round(ms40),
                ratio40to3: Number((ms40 / ms3).toFixed(2)),
                tableRatio: Number((40 / 3).toFixed(2)),
                goal40UnderMs: 10_000,
            };
        },
    },
];
