/**
 * `npm run mutate [-- <group>...] [--summary]`: StrykerJS over each file group of
 * tests/mutation-groups.js in turn (all of them by default), then one line per mutated file:
 * killed, survived, timeout, no coverage and the mutation score, read from the JSON reports in
 * reports/mutation/. `--summary` prints that table from the last reports without running.
 * Not part of `npm test`: a full run takes tens of minutes on two cores.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const { GROUPS } = require("./mutation-groups") as { GROUPS: Record<string, { mutate: string[] }> };

interface Report {
    files: Record<string, { mutants: { status: string }[] }>;
}

/** Per file: the counts of each status and the score Stryker reports ((killed + timeout) / valid mutants). */
export function fileScores(report: Report): { file: string; counts: Record<string, number>; score: number }[] {
    return Object.entries(report.files)
        .map(([file, { mutants }]) => {
            const counts: Record<string, number> = {};
            for (const m of mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
            const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
            const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
            return { file, counts, score: valid ? (100 * detected) / valid : 100 };
        })
        .sort((a, b) => a.file.localeCompare(b.file));
}

function summary(groups: string[]): void {
    const head = ["file", "killed", "survived", "timeout", "no coverage", "score"];
    const rows = [head];
    for (const group of groups) {
        const file = path.join(ROOT, "reports", "mutation", `${group}.json`);
        if (!fs.existsSync(file)) {
            rows.push([`${group}: no report (run npm run mutate -- ${group})`, "", "", "", "", ""]);
            continue;
        }
        for (const f of fileScores(JSON.parse(fs.readFileSync(file, "utf8")) as Report)) {
            const n = (s: string) => String(f.counts[s] ?? 0);
            rows.push([f.file, n("Killed"), n("Survived"), n("Timeout"), n("NoCoverage"), `${f.score.toFixed(1)}%`]);
        }
    }
    const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) console.log(r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  "));
}

function main(argv: string[]): number {
    const only = argv.filter((a) => !a.startsWith("--"));
    const unknown = only.filter((g) => !(g in GROUPS));
    if (unknown.length || argv.some((a) => a.startsWith("--") && a !== "--summary")) {
        console.error(`usage: npm run mutate [-- <group>...] [--summary]; groups: ${Object.keys(GROUPS).join(", ")}`);
        return 2;
    }
    const groups = only.length ? only : Object.keys(GROUPS);
    if (!argv.includes("--summary")) {
        for (const group of groups) {
            console.log(`== mutate ${group}: ${GROUPS[group].mutate.join(", ")}`);
            const r = spawnSync(
                process.execPath,
                [
                    path.join(path.dirname(require.resolve("@stryker-mutator/core/package.json")), "bin", "stryker.js"),
                    "run",
                ],
                {
                    cwd: ROOT,
                    stdio: "inherit",
                    env: { ...process.env, STRYKER_GROUP: group },
                },
            );
            if (r.status !== 0) {
                console.error(`stryker failed for ${group} (exit ${r.status ?? r.signal})`);
                return 1;
            }
        }
    }
    summary(groups);
    return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
