/** Command lines the tools print for a user to copy into a POSIX shell (bash, zsh, sh). Pure. */

/** One argument, quoted only when the shell would otherwise split, expand or glob it. */
export function shellQuote(arg: string): string {
    if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
    // Inside single quotes nothing is special; a single quote itself ends the quoting: '\''.
    return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line from its words, each quoted as needed. */
export function shellCommand(words: readonly string[]): string {
    return words.map(shellQuote).join(" ");
}
