/**
 * The suite spawns the repo's commands as plain `node` on the compiled tree (`dist/`, what
 * `tsc` writes in `npm test`), not a fresh `ts-node` each time: one compile instead of one per
 * spawn. `ensureBuild` compiles first when a source is newer than its output (mocha run alone).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
export const DIST = path.join(ROOT, "dist");

/** The compiled file of a TypeScript entry point of the repo (`plan/cli.ts` -> `dist/plan/cli.js`). */
export function compiled(script: string): string {
    return path.join(DIST, script.replace(/\.ts$/, ".js"));
}

/** The sources tsc compiles (tsconfig's include), relative to the repo. */
function sources(): string[] {
    const { include } = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")) as { include: string[] };
    const dirs = include.filter((p) => p.endsWith("/**/*.ts")).map((p) => p.slice(0, -"/**/*.ts".length));
    const walk = (dir: string): string[] =>
        fs.existsSync(path.join(ROOT, dir))
            ? fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
                  const rel = path.join(dir, e.name);
                  if (e.isDirectory()) return e.name === "node_modules" ? [] : walk(rel);
                  return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [rel] : [];
              })
            : [];
    return [...include.filter((p) => p.endsWith(".ts") && !p.includes("*")), ...dirs.flatMap(walk)];
}

/** Sources whose compiled file is missing or older than they are. */
export function staleSources(): string[] {
    return sources().filter((src) => {
        const out = compiled(src);
        return !fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(path.join(ROOT, src)).mtimeMs;
    });
}

/** Compiles the repo into dist/ when a source changed since (type errors are tsc's and `npm test`'s to report). */
export function ensureBuild(): void {
    const stale = staleSources();
    if (stale.length === 0) return;
    process.stderr.write(`compiling ${stale.length} changed source(s) into dist/ for the spawned commands\n`);
    try {
        execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "--outDir", DIST], {
            cwd: ROOT,
            stdio: "ignore",
        });
    } catch {
        // tsc writes its output despite type errors; the type check itself is `npm test`'s tsc step.
    }
    const still = staleSources();
    if (still.length > 0) throw new Error(`tsc did not compile ${still.slice(0, 5).join(", ")} into ${DIST}`);
}
