/**
 * `npm run docs:commands [-- FILE ...]`: runs every fenced `bash` block of the documentation
 * (README.md, docs/*.md, policy/README.md) that is not tagged `aws`, as written, through the real
 * npm, and reports each file's blocks run and skipped. Each file runs in one bash, block after
 * block in reading order (a block may use what an earlier one made, as a reader's shell would),
 * in its own fresh copy of the repository (the files git tracks or would track, node_modules
 * linked), two files at a time, each within a time limit. `npm ci` and `npm test` lines are not
 * run: this runs after the one and beside the other (.ci/run runs both on a clean clone).
 *
 * Exit code: 0 every block ran and exited 0, 1 one did not (its file, line and output are
 * printed), 2 a bad command line.
 */
import { spawn, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docFiles, fencedBlocks, SKIP_TAGS, type FencedBlock } from "./docs";

const ROOT = path.resolve(__dirname, "..");
/** Per file: the slowest, README's, runs npm start on the default lake twice over and plans. */
const FILE_TIMEOUT_MS = Number(process.env.DOCS_COMMANDS_TIMEOUT_S ?? 600) * 1000;

export interface FileRun {
    readonly file: string;
    readonly run: FencedBlock[];
    readonly skipped: FencedBlock[];
    readonly ok: boolean;
    /** The block that failed, and the output of the file's shell up to there. */
    readonly failed?: FencedBlock;
    readonly output: string;
    readonly ms: number;
}

/** Blocks a file's shell runs, and those it skips for a tag. */
export function plan(file: string, text: string): { run: FencedBlock[]; skipped: FencedBlock[] } {
    const bash = fencedBlocks(file, text).filter((b) => b.lang === "bash");
    return {
        run: bash.filter((b) => !b.tags.some((t) => t in SKIP_TAGS)),
        skipped: bash.filter((b) => b.tags.some((t) => t in SKIP_TAGS)),
    };
}

const MARK = "::docs-block::";

/** The file's shell script: stop at the first failing command, saying which block it was in. */
export function script(blocks: readonly FencedBlock[]): string {
    return [
        "set -eo pipefail",
        // The steps this runs after (npm ci) and beside (npm test): .ci/run runs them on a clean clone.
        'npm() { case "${1-}" in ci|test) echo "(docs: \\`npm $1\\` is .ci/run\'s own step, not run here)"; return 0;; esac; command npm "$@"; }',
        ...blocks.flatMap((b, i) => [`echo "${MARK}${i}"`, b.body]),
        `echo "${MARK}done"`,
        "",
    ].join("\n");
}

/** A copy of the repository as a fresh clone has it (plus uncommitted files), node_modules linked. */
export function copyRepository(into: string): void {
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    })
        .split("\0")
        .filter(Boolean);
    for (const file of files) {
        const from = path.join(ROOT, file);
        if (!fs.existsSync(from)) continue; // deleted but not yet committed
        fs.mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
        fs.copyFileSync(from, path.join(into, file));
        fs.chmodSync(path.join(into, file), fs.statSync(from).mode);
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(into, "node_modules"), "dir");
}

/** Runs `blocks` in one bash in `cwd`: whether all exited 0, the block that did not, the output. */
export async function runBlocks(
    blocks: readonly FencedBlock[],
    cwd: string,
    timeoutMs = FILE_TIMEOUT_MS,
): Promise<{ ok: boolean; failed?: FencedBlock; output: string }> {
    // npm's own settings of an outer `npm run` would change what the commands print (-s, colour).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn("bash", ["-c", script(blocks)], { cwd, env, detached: true });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        const timer = setTimeout(() => {
            output += `\n(docs: not finished within ${timeoutMs / 1000} s; stopped)\n`;
            process.kill(-child.pid!, "SIGKILL");
        }, timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, output });
        });
    });
    const marks = [...output.matchAll(new RegExp(`^${MARK}(\\d+|done)$`, "gm"))].map((m) => m[1]);
    const ok = code === 0 && marks[marks.length - 1] === "done";
    const last = marks.filter((m) => m !== "done").pop();
    return {
        ok,
        ...(ok ? {} : { failed: blocks[last === undefined ? 0 : Number(last)] }),
        output: output.replace(new RegExp(`^${MARK}.*\\n`, "gm"), ""),
    };
}

export async function runFile(file: string): Promise<FileRun> {
    const started = Date.now();
    const { run, skipped } = plan(file, fs.readFileSync(path.join(ROOT, file), "utf8"));
    if (run.length === 0) return { file, run, skipped, ok: true, output: "", ms: 0 };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `docs-${path.basename(file, ".md")}-`));
    try {
        copyRepository(dir);
        return { file, run, skipped, ...(await runBlocks(run, dir)), ms: Date.now() - started };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Runs `tasks` `jobs` at a time, results in their order. */
async function pool<T>(tasks: Array<() => Promise<T>>, jobs: number): Promise<T[]> {
    const results: T[] = new Array(tasks.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.min(jobs, tasks.length) }, async () => {
            while (next < tasks.length) {
                const i = next++;
                results[i] = await tasks[i]();
            }
        }),
    );
    return results;
}

async function main(argv: string[]): Promise<number> {
    const all = docFiles(ROOT);
    const unknown = argv.filter((f) => !all.includes(f));
    if (unknown.length > 0) {
        console.error(`docs:commands: not a documentation file: ${unknown.join(", ")} (files: ${all.join(", ")})`);
        return 2;
    }
    const files = argv.length > 0 ? argv : all;
    const started = Date.now();
    const runs = await pool(
        files.map((f) => () => runFile(f)),
        2,
    );
    let blocks = 0;
    for (const r of runs) {
        blocks += r.run.length;
        const status = r.ok ? "ok" : "FAILED";
        console.log(
            `${status.padEnd(6)} ${r.file}: ${r.run.length} block(s) run, ${r.skipped.length} skipped, ${(r.ms / 1000).toFixed(1)} s`,
        );
        for (const b of r.skipped) {
            const tag = b.tags.find((t) => t in SKIP_TAGS)!;
            console.log(`         skipped ${b.file}:${b.line} (${tag}: ${SKIP_TAGS[tag]})`);
        }
        if (!r.ok) {
            console.log(`         failed in the block at ${r.failed!.file}:${r.failed!.line}:`);
            console.log(
                r.output
                    .trimEnd()
                    .split("\n")
                    .slice(-40)
                    .map((l) => `         | ${l}`)
                    .join("\n"),
            );
        }
    }
    const failed = runs.filter((r) => !r.ok).length;
    const skipped = runs.reduce((n, r) => n + r.skipped.length, 0);
    console.log(
        `docs:commands: ${blocks} block(s) run in ${runs.filter((r) => r.run.length > 0).length} file(s), ${skipped} skipped, ` +
            `${failed} file(s) failed, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return failed > 0 ? 1 : 0;
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => process.exit(code));
}
