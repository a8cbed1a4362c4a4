/** Command-line checks shared by the entry points built on commander. */
import type { Command } from "commander";

/**
 * Watches `cmd`'s options as commander parses them and returns a check: the flags given more than
 * once with different values (commander keeps the last one silently), as one message each.
 * Variadic options and those in `repeatable` are meant to repeat.
 */
export function repeatedFlags(cmd: Command, repeatable: readonly string[] = []): () => string[] {
    const given = new Map<string, string[]>();
    for (const option of cmd.options) {
        const flag = option.long;
        if (!flag || option.variadic || repeatable.includes(flag)) continue;
        cmd.on(`option:${option.name()}`, (value: unknown) => {
            given.set(flag, [...(given.get(flag) ?? []), value === undefined ? "" : String(value)]);
        });
    }
    return () =>
        [...given]
            .filter(([, values]) => new Set(values).size > 1)
            .map(([flag, values]) => `${flag} given ${values.length} times (${values.join(", ")}); pass it once`);
}

/**
 * Parses `argv` with `cmd` (which must use `exitOverride`): undefined when the command should run,
 * else its exit code: 0 after --help, 2 for a bad command line (commander's message is printed
 * already) or a flag given twice with different values (printed here, as `<name> failed: ...`).
 */
export function parseCommandLine(cmd: Command, argv: readonly string[], name: string): number | undefined {
    const repeats = repeatedFlags(cmd);
    try {
        cmd.parse([...argv], { from: "user" });
    } catch (err) {
        return (err as { exitCode?: number }).exitCode === 0 ? 0 : 2;
    }
    const repeated = repeats();
    if (repeated.length > 0) {
        process.stderr.write(`${name} failed: ${repeated.join("; ")}.\n`);
        return 2;
    }
    return undefined;
}
