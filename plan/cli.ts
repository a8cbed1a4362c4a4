/**
 * `npm run plan -- --stack <producer|consumer> [--config-dir DIR] [--json] [--out FILE]`
 *
 * Prints the offline plan of a stack: a resource tree and the Lake Formation permission
 * matrix, or with --json exactly one JSON document (the contract in docs/plan.md). `--out FILE`
 * writes that document to FILE: npm prints its own banner on stdout, so `npm run plan -- --json >
 * FILE` would not be JSON (`npm run -s` would be).
 */
import * as fs from "fs";
import * as path from "path";
import { Command, Option } from "commander";
import { parseCommandLine } from "../lib/flags";
import { describeResource } from "../lib/permissions";
import { failureMessage, textTable } from "../lib/report";
import { checkConfigDir, StackArgumentError } from "./configFile";
import { planStack, PlanResult, PlannedResource } from "./run";

export function renderPlan(plan: PlanResult): string {
    const lines: string[] = [`Stack ${plan.stack} (${plan.side}): ${plan.resources.length} resources`, ""];
    const children = new Map<string | null, PlannedResource[]>();
    for (const r of plan.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const walk = (parent: string | null, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            lines.push(`${"  ".repeat(depth)}+ ${r.type}  ${r.name}`);
            if (r.name !== parent) walk(r.name, depth + 1);
        }
    };
    walk(null, 0);
    lines.push("", "Lake Formation permissions:");
    const rows = plan.permissions.map((g) => [
        g.principal,
        g.resource.catalogId,
        describeResource(g.resource),
        g.permissions.join(",") + (g.grantable.length ? ` (grantable: ${g.grantable.join(",")})` : ""),
    ]);
    lines.push(...textTable(["principal", "catalog", "resource", "permissions"], rows));
    lines.push("", "Who sees what (principal x table; both stacks' grants):");
    lines.push(
        ...textTable(
            ["principal", "table", "link visible", "columns", "rows"],
            plan.effectiveAccess.map((a) => [
                a.principal,
                a.table,
                a.link ? (a.linkVisible ? "yes" : "no (no DESCRIBE)") : "-",
                a.columns === null
                    ? "none"
                    : "all" in a.columns
                      ? "all"
                      : `all except ${a.columns.allExcept.join(", ")}`,
                a.rows === null ? "none" : "all" in a.rows ? "all" : a.rows.filter,
            ]),
        ),
    );
    lines.push("", "Outputs:");
    for (const [key, value] of Object.entries(plan.outputs)) {
        lines.push(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
    }
    if (plan.warnings.length > 0) lines.push("", "Notes:", ...plan.warnings.map((w) => `  ! ${w}`));
    return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
    const program = new Command("plan")
        .description("Offline plan of a stack: runs the real program under Pulumi mocks, no AWS credentials needed.")
        .addOption(new Option("--stack <name>", "stack to plan (producer or consumer)").makeOptionMandatory())
        .option("--config-dir <dir>", "folder holding Pulumi.<stack>.yaml for both stacks (default: the repo root)")
        .option("--json", "print exactly one JSON document on stdout")
        .option(
            "--out <file>",
            "write the JSON document to this file (replaced if it exists), whatever runs the command",
        )
        .exitOverride()
        .configureOutput({ writeErr: (text) => process.stderr.write(text) });
    const stop = parseCommandLine(program, argv, "plan");
    if (stop !== undefined) return stop;
    const opts = program.opts<{ stack: string; configDir?: string; json?: boolean; out?: string }>();
    if (opts.out !== undefined) {
        const problem = outFileProblem(opts.out);
        if (problem) {
            process.stderr.write(`plan failed: --out ${problem}\n`);
            return 2;
        }
    }
    try {
        if (opts.configDir !== undefined) checkConfigDir(opts.configDir);
        const plan = await planStack(opts.stack, { configDir: opts.configDir });
        const json = JSON.stringify(plan, null, 2) + "\n";
        if (opts.out !== undefined) {
            // Whole or not at all: a reader never sees half a document.
            const partial = `${opts.out}.${process.pid}.partial`;
            fs.writeFileSync(partial, json);
            fs.renameSync(partial, opts.out);
        }
        if (opts.json) process.stdout.write(json);
        else if (opts.out !== undefined) {
            process.stdout.write(
                `wrote the plan of stack ${plan.stack} (${plan.side}: ${plan.resources.length} resources, ${plan.permissions.length} Lake Formation grants) to ${opts.out}\n`,
            );
        } else process.stdout.write(renderPlan(plan) + "\n");
        return 0;
    } catch (err) {
        process.stderr.write(failureMessage("plan", err));
        // A missing or wrong --config-dir / --stack is the command line's fault; a bad config is 1.
        return err instanceof StackArgumentError ? 2 : 1;
    }
}

/** Why `--out FILE` cannot be written (checked before planning), or undefined. */
function outFileProblem(file: string): string | undefined {
    if (file.trim() === "") return "is empty; pass the file to write, e.g. --out consumer.json.";
    const stat = (p: string) => fs.statSync(p, { throwIfNoEntry: false });
    if (stat(file)?.isDirectory()) {
        return `${file} is a folder; pass the path of a file, e.g. --out ${path.join(file, "plan.json")}.`;
    }
    const parent = path.dirname(file);
    const folder = stat(parent);
    if (!folder) return `${file}: its folder ${parent} does not exist; create it first, or pass another path.`;
    if (!folder.isDirectory()) return `${file}: ${parent} is not a folder.`;
    return undefined;
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => process.exit(code));
}
