/**
 * Offline plan time of both stacks (consumer, producer, consumer: the bootstrap order), with the
 * export on, at 3, 40 and 200 tables, measured side by side. The share (links, grants) grows with
 * the tables; the export's per-table settings travel in an object of the exports bucket, not the
 * function's 4 KB environment, so 200 tables plan like 3 (goal: 200 tables under 5 s per stack).
 */
import { performance } from "perf_hooks";
import { planBoth, planStack } from "../plan/run";
import { loadStackConfig, REPO_ROOT } from "../plan/configFile";
import { Figure } from "./run";

/** `count` tables: the three defaults, then Connect-like tables with their keys in the config. */
export function benchTables(count: number): unknown[] {
    const defaults = ["users", "contacts", "agent_hierarchy_groups"].slice(0, count);
    const more = Array.from({ length: Math.max(0, count - defaults.length) }, (_, i) => ({
        name: `dataset_${String(i).padStart(3, "0")}`,
        primaryKey: ["instance_id", "record_id"],
        versionColumn: "last_update_timestamp",
    }));
    return [...defaults, ...more];
}

function configsWith(tables: unknown[]): Record<string, Record<string, string>> {
    const with_ = (stack: string) => ({
        ...loadStackConfig(REPO_ROOT, stack),
        "connect-analytics:tables": JSON.stringify(tables),
    });
    return { producer: with_("producer"), consumer: with_("consumer") };
}

/**
 * Median of `repeats` plans of each stack, as `npm run plan -- --stack <name>` plans it (with the
 * peer stack's bootstrap plan before it), in one warm process: module loading is not plan time.
 */
async function timeStacks(tables: unknown[], repeats: number) {
    const configs = configsWith(tables);
    const first = await planBoth({ configs });
    const mid = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
    // Wall time, and this process's CPU time: on a machine shared with other work the CPU time is
    // what the plan costs (one thread), the wall time what the load made of it.
    const median = async (stack: string) => {
        const wall: number[] = [];
        const cpu: number[] = [];
        for (let i = 0; i < repeats; i++) {
            const start = performance.now();
            const used = process.cpuUsage();
            await planStack(stack, { configs });
            const spent = process.cpuUsage(used);
            wall.push(performance.now() - start);
            cpu.push((spent.user + spent.system) / 1000);
        }
        return { wallMs: mid(wall), cpuMs: mid(cpu) };
    };
    return {
        producer: await median("producer"),
        consumer: await median("consumer"),
        resources: first.producer.resources.length + first.consumer.resources.length,
    };
}

export const figures: Figure[] = [
    {
        name: "plan-time-3-40-200-tables",
        async run() {
            const t3 = await timeStacks(benchTables(3), 3);
            const t40 = await timeStacks(benchTables(40), 3);
            const t200 = await timeStacks(benchTables(200), 3);
            const total = (t: typeof t3) => t.producer.cpuMs + t.consumer.cpuMs;
            return {
                unit: "ms per stack plan (median of 3, warm process; each stack's plan includes its peer's bootstrap plan; export on)",
                tables3: t3,
                tables40: t40,
                tables200: t200,
                cpuRatio200to3: Number((total(t200) / total(t3)).toFixed(2)),
                goal200UnderMs: 5_000,
                metOnCpu: t200.producer.cpuMs < 5_000 && t200.consumer.cpuMs < 5_000,
                metOnWall: t200.producer.wallMs < 5_000 && t200.consumer.wallMs < 5_000,
                loadAverage: require("os").loadavg()[0],
            };
        },
    },
];
