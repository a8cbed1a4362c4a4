/** `npm start` (cli/export-local.ts, compiled: tests/build.ts) in a child process, for tests of its exit codes and output. */
import { execFile } from "child_process";
import { compiled } from "./build";
import { ROOT } from "./helpers";

export interface Result {
    readonly code: number | null;
    readonly signal: string | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

export function npmStart(args: string[], env: Record<string, string> = {}, timeout = 120_000): Promise<Result> {
    const started = Date.now();
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [compiled("cli/export-local.ts"), ...args],
            { cwd: ROOT, env: { ...process.env, ...env }, timeout, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 },
            (err, stdout, stderr) => {
                const e = err as (Error & { code?: number; signal?: string }) | null;
                resolve({
                    code: e ? (e.code ?? null) : 0,
                    signal: e?.signal ?? null,
                    stdout,
                    stderr,
                    ms: Date.now() - started,
                });
            },
        );
    });
}
