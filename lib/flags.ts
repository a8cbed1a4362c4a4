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
