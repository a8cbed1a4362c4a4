/**
 * The documentation's fenced blocks and links, read the way GitHub renders them: what
 * tests/docs-commands.test.ts checks and runs (docs/development.md, "Documented commands are tested").
 */
import * as fs from "fs";
import * as path from "path";

/** The pages whose commands are promises: the README, docs/, and the policy pack's README. */
export function docFiles(root: string): string[] {
    const docs = fs
        .readdirSync(path.join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => path.join("docs", f));
    return ["README.md", ...docs, path.join("policy", "README.md")];
}

export interface FencedBlock {
    /** Repository-relative file. */
    readonly file: string;
    /** 1-based line of the opening fence. */
    readonly line: number;
    /** The info string's first word (`bash`), or "" for a bare fence. */
    readonly lang: string;
    /** The info string's other words (`aws`). */
    readonly tags: readonly string[];
    readonly body: string;
}

/** Fenced code blocks (``` or ````, CommonMark's rule: a fence closes with at least as many backticks). */
export function fencedBlocks(file: string, text: string): FencedBlock[] {
    const blocks: FencedBlock[] = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
        const open = /^( {0,3})(`{3,})\s*([^`]*)$/.exec(lines[i]);
        if (!open) continue;
        const fence = open[2];
        const [lang = "", ...tags] = open[3].trim().split(/\s+/).filter(Boolean);
        const body: string[] = [];
        let j = i + 1;
        for (; j < lines.length; j++) {
            if (new RegExp(`^ {0,3}${fence}\`*\\s*$`).test(lines[j])) break;
            body.push(lines[j]);
        }
        blocks.push({ file, line: i + 1, lang, tags, body: body.join("\n") });
        i = j;
    }
    return blocks;
}

/** The tags a `bash` block may carry, and why a tagged block is not run by the test. */
export const SKIP_TAGS: Readonly<Record<string, string>> = {
    aws: "needs AWS credentials or the Pulumi CLI",
};

/** GitHub's heading anchor: lowercase, punctuation dropped (but - and _), spaces to -. */
export function anchorOf(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** The anchors of a page's headings (outside code blocks), with GitHub's -1, -2 for repeats. */
export function anchors(text: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    let fence: string | undefined;
    for (const line of text.split("\n")) {
        const f = /^ {0,3}(`{3,})/.exec(line);
        if (f) {
            if (fence === undefined) fence = f[1];
            else if (f[1].length >= fence.length && /^ {0,3}`+\s*$/.test(line)) fence = undefined;
            continue;
        }
        if (fence !== undefined) continue;
        const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!h) continue;
        const base = anchorOf(h[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

export interface Link {
    readonly file: string;
    readonly line: number;
    readonly target: string;
}

/** Markdown links `[text](target)` outside code blocks and inline code. */
export function links(file: string, text: string): Link[] {
    const out: Link[] = [];
    let fence: string | undefined;
    text.split("\n").forEach((line, i) => {
        const f = /^ {0,3}(`{3,})/.exec(line);
        if (f) {
            if (fence === undefined) fence = f[1];
            else if (f[1].length >= fence.length && /^ {0,3}`+\s*$/.test(line)) fence = undefined;
            return;
        }
        if (fence !== undefined) return;
        const prose = line.replace(/(`+)[^`]*?\1/g, "");
        for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) out.push({ file, line: i + 1, target: m[1] });
    });
    return out;
}

/**
 * The simple commands of a bash block, each as its words with quotes removed: split at `|`, `||`,
 * `&&`, `;`, `&` and new lines, comments dropped, redirections and their targets left out. Enough
 * for the documentation's command lines (no subshells, no here-documents).
 */
export function simpleCommands(body: string): string[][] {
    const commands: string[][] = [];
    let words: string[] = [];
    let word: string | undefined;
    let redirect = false;
    const endWord = () => {
        if (word !== undefined) {
            if (redirect) redirect = false;
            else words.push(word);
        }
        word = undefined;
    };
    const endCommand = () => {
        endWord();
        if (words.length > 0) commands.push(words);
        words = [];
    };
    for (let i = 0; i < body.length; i++) {
        const c = body[i];
        if (c === "\\" && body[i + 1] === "\n") {
            i++;
        } else if (c === "\\") {
            word = (word ?? "") + (body[++i] ?? "");
        } else if (c === "'") {
            const end = body.indexOf("'", i + 1);
            word = (word ?? "") + body.slice(i + 1, end);
            i = end;
        } else if (c === '"') {
            let text = "";
            for (i++; i < body.length && body[i] !== '"'; i++) text += body[i] === "\\" ? body[++i] : body[i];
            word = (word ?? "") + text;
        } else if (c === "#" && word === undefined) {
            while (i < body.length && body[i] !== "\n") i++;
            endCommand();
        } else if ("|&;\n".includes(c)) {
            endCommand();
        } else if (c === ">" || c === "<") {
            if (word !== undefined && /^\d$/.test(word)) word = undefined; // 2>
            endWord();
            if (body[i + 1] === c || body[i + 1] === "&") i++;
            redirect = true;
        } else if (c === " " || c === "\t") {
            endWord();
        } else {
            word = (word ?? "") + c;
        }
    }
    endCommand();
    return commands;
}
