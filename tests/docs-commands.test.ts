/**
 * The documentation keeps its promises (docs/development.md, "Documented commands are tested"):
 * every relative link and anchor resolves; every fenced `bash` block is run or tagged with why it
 * is not; every npm script a block runs exists, and every flag it passes is one the command's
 * `--help` lists. `npm run docs:commands` (in .ci/run) runs the blocks themselves: its runner is
 * checked here on blocks of its own (stops at the failing block, names it, skips `npm test`).
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { compiled } from "./build";
import { anchors, docFiles, fencedBlocks, links, simpleCommands, SKIP_TAGS, type FencedBlock } from "./docs";
import { ROOT } from "./helpers";
import { plan as planFile, runBlocks } from "./run-documented-commands";

/** `--help` of a compiled entry point (`plan/cli.ts`), or of the operations CLI's command. */
async function helpText(entry: string, sub?: string): Promise<string> {
    const args =
        entry === "connect-analytics"
            ? ["-e", `process.argv.splice(1, 0, "cli"); require(${JSON.stringify(compiled("cli/main.ts"))}).cliMain()`]
            : [compiled(entry)];
    const { stdout } = await promisify(execFile)(process.execPath, [...args, ...(sub ? [sub] : []), "--help"], {
        cwd: ROOT,
    });
    return stdout;
}

describe("documentation", () => {
    const files = docFiles(ROOT);
    const text = new Map(files.map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")]));

    it("every relative link names a file of the repository, and every #anchor a heading of it", () => {
        const broken: string[] = [];
        for (const file of files) {
            for (const link of links(file, text.get(file)!)) {
                if (/^[a-z]+:/i.test(link.target)) continue; // https:, mailto:
                const [target, anchor] = link.target.split("#");
                const resolved = target ? path.normalize(path.join(path.dirname(file), target)) : file;
                const where = `${link.file}:${link.line} (${link.target})`;
                if (!fs.existsSync(path.join(ROOT, resolved))) {
                    broken.push(`${where}: no file ${resolved}`);
                } else if (anchor !== undefined && resolved.endsWith(".md")) {
                    const page = text.get(resolved) ?? fs.readFileSync(path.join(ROOT, resolved), "utf8");
                    if (!anchors(page).has(anchor)) broken.push(`${where}: no heading #${anchor} in ${resolved}`);
                }
            }
        }
        assert.deepEqual(broken, []);
    });

    it("the README links every page of docs/ and stays a front door (at most 12 KB)", () => {
        const readme = text.get("README.md")!;
        const unlinked = files.filter((f) => f.startsWith("docs/") && !readme.includes(`](${f})`));
        assert.deepEqual(unlinked, [], "pages the README does not link");
        assert.ok(Buffer.byteLength(readme) <= 12 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
    });

    it("tags each bash block only with a known reason not to run it", () => {
        const bad = files
            .flatMap((f) => fencedBlocks(f, text.get(f)!))
            .filter((b) => ["bash", "sh", "shell"].includes(b.lang))
            .filter((b) => b.lang !== "bash" || b.tags.some((t) => !(t in SKIP_TAGS)))
            .map((b) => `${b.file}:${b.line}: \`\`\`${[b.lang, ...b.tags].join(" ")}`);
        assert.deepEqual(bad, [], `use \`\`\`bash, or tag it with one of: ${Object.keys(SKIP_TAGS).join(", ")}`);
    });

    const runnable = files.flatMap((f) => planFile(f, text.get(f)!).run);

    it("runs only scripts package.json has, and passes only flags their --help lists", async () => {
        const scripts: Record<string, string> = JSON.parse(
            fs.readFileSync(path.join(ROOT, "package.json"), "utf8"),
        ).scripts;
        const problems: string[] = [];
        const checks: Array<{ where: string; entry: string; sub?: string; flags: string[] }> = [];
        for (const block of runnable) {
            for (const words of simpleCommands(block.body)) {
                const where = `${block.file}:${block.line}: ${words.join(" ")}`;
                const dashes = words.indexOf("--");
                const args = dashes < 0 ? [] : words.slice(dashes + 1);
                const flags = args.filter((a) => a.startsWith("--")).map((a) => a.split("=")[0]);
                if (words[0] === "npx") {
                    if (words[1] !== "connect-analytics") problems.push(`${where}: npx of another package`);
                    else {
                        checks.push({
                            where,
                            entry: "connect-analytics",
                            sub: words[2],
                            flags: words.slice(3).filter((a) => a.startsWith("--")),
                        });
                    }
                    continue;
                }
                if (words[0] !== "npm" || ["ci", "test"].includes(words[1])) continue;
                const before = dashes < 0 ? words.slice(1) : words.slice(1, dashes);
                const [command, ...rest] = before.filter((w) => !w.startsWith("-"));
                const name = command === "start" ? "start" : command === "run" ? rest.shift() : undefined;
                if (name === undefined) {
                    problems.push(`${where}: not npm start, npm run, npm ci or npm test`);
                } else if (!(name in scripts)) {
                    problems.push(`${where}: package.json has no script ${name}`);
                } else if (rest.length > 0) {
                    problems.push(`${where}: ${rest.join(" ")} before \`--\` goes to npm, not to the script`);
                } else {
                    const entry = /^ts-node --transpile-only (\S+\.ts)$/.exec(scripts[name])?.[1];
                    if (entry && flags.length > 0) checks.push({ where, entry, flags });
                }
            }
        }
        const helps = new Map<string, Promise<string>>();
        for (const c of checks) {
            const key = `${c.entry} ${c.sub ?? ""}`;
            if (!helps.has(key)) helps.set(key, helpText(c.entry, c.sub));
        }
        for (const c of checks) {
            const help = await helps.get(`${c.entry} ${c.sub ?? ""}`)!;
            for (const flag of c.flags) {
                if (flag !== "--" && !new RegExp(`(^|[\\s,])${flag}\\b`, "m").test(help)) {
                    problems.push(`${c.where}: ${flag} is not in the command's --help`);
                }
            }
        }
        assert.ok(checks.length >= 10, `${checks.length} commands checked`);
        assert.deepEqual(problems, []);
    });

    describe("the runner of npm run docs:commands", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-runner-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const block = (line: number, body: string): FencedBlock => ({
            file: "x.md",
            line,
            lang: "bash",
            tags: [],
            body,
        });

        it("runs the blocks in one shell, in order, and stops at the first failing command, naming its block", async () => {
            const r = await runBlocks(
                [block(1, "echo one > state"), block(5, "cat state\nfalse\necho not-reached"), block(9, "echo never")],
                dir,
            );
            assert.equal(r.ok, false);
            assert.equal(r.failed?.line, 5);
            assert.match(r.output, /^one$/m, "the second block saw what the first made");
            assert.doesNotMatch(r.output, /not-reached|never/);
            const piped = await runBlocks([block(1, "false | cat")], dir);
            assert.equal(piped.ok, false, "a failure inside a pipe counts");
        });

        it("leaves npm ci and npm test to .ci/run, and passes when every block exits 0", async () => {
            const r = await runBlocks([block(1, "npm ci\nnpm test\necho fine")], dir);
            assert.equal(r.ok, true, r.output);
            assert.match(r.output, /`npm ci` is .ci\/run's own step/);
            assert.match(r.output, /^fine$/m);
        });

        it("skips only blocks tagged aws, and lists them", () => {
            const runs = files.map((f) => planFile(f, text.get(f)!));
            const skipped = runs.flatMap((r) => r.skipped);
            assert.ok(skipped.length > 0 && skipped.every((b) => b.tags.includes("aws")));
            assert.ok(runs.reduce((n, r) => n + r.run.length, 0) >= 10);
        });
    });
});
