/** Plain-text reporting shared by the command-line entry points. Pure. */

/** A left-aligned text table with a dashed rule under the header, indented two spaces. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
    if (rows.length === 0) return ["  (none)"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: readonly string[]) =>
        "  " +
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** Errors whose message is the whole story (bad config, missing stack file, bad argument). */
const USER_ERRORS = new Set(["ConfigError", "StackFileError", "PeerStackError", "RunError", "UsageError"]);

/** One line for the user's own mistakes; the stack trace only for what must be a bug. */
export function failureMessage(command: string, err: unknown): string {
    const e = err as Error;
    const userError = USER_ERRORS.has(e?.name) || e?.constructor?.name === "RunError";
    return `${command} failed: ${userError ? e.message : (e?.stack ?? e)}\n`;
}

/** 1536 -> "1.5 KB": binary units, one decimal above bytes. */
export function formatBytes(bytes: number): string {
    const units = ["B", "KB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
