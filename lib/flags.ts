/** Command-line checks shared by the entry points built on commander. */
import type { Command } from "commander";

/**
 * Records the values of `cmd`'s options as commander parses them: flag -> every value given, in
 * order (a flag without a value records ""). Commander keeps only the last value of a repeated
 * flag; this is what lets a caller see the others.
 */
export function watchFlags(cmd: Command): ReadonlyMap<string, readonly string[]> {
    const given = new Map<string, string[]>();
    for (const option of cmd.options) {
        const flag = option.long;
        if (!flag) continue;
        cmd.on(`option:${option.name()}`, (value: unknown) => {
            given.set(flag, [...(given.get(flag) ?? []), value === undefined ? "" : String(value)]);
        });
    }
    return given;
}

/** One message per flag given more than once with different values, except those meant to repeat. */
export function repeatedFlagProblems(
    cmd: Command,
    given: ReadonlyMap<string, readonly string[]>,
    repeatable: readonly string[] = [],
): string[] {
    const meantToRepeat = new Set([
        ...repeatable,
        ...cmd.options.filter((o) => o.variadic && o.long).map((o) => o.long!),
    ]);
    return [...given]
        .filter(([flag, values]) => !meantToRepeat.has(flag) && new Set(values).size > 1)
        .map(([flag, values]) => `${flag} given ${values.length} times (${values.join(", ")}); pass it once`);
}

/**
 * Parses `argv` with `cmd` (which must use `exitOverride`): undefined when the command should run,
 * else its exit code: 0 after --help, 2 for a bad command line (commander's message is printed
 * already) or a flag given twice with different values (printed here, as `<name> failed: ...`).
 */
export function parseCommandLine(cmd: Command, argv: readonly string[], name: string): number | undefined {
    const given = watchFlags(cmd);
    try {
        cmd.parse([...argv], { from: "user" });
    } catch (err) {
        return (err as { exitCode?: number }).exitCode === 0 ? 0 : 2;
    }
    const repeated = repeatedFlagProblems(cmd, given);
    if (repeated.length > 0) {
        process.stderr.write(`${name} failed: ${repeated.join("; ")}.\n`);
        return 2;
    }
    return undefined;
}
