/**
 * Output files (`metadata --out`, `audit --csv`) are checked before any AWS call: the parent
 * folder exists and is a folder, the path is not a folder, and the file does not exist unless
 * `--overwrite` says to replace it. A bad path is exit 2 and nothing is touched.
 */
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./errors";

export type PathKind = "file" | "folder" | "other";

/** What is at `file` (symlinks followed); undefined when nothing is. */
export function fsPathKind(file: string): PathKind | undefined {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return undefined;
        throw err;
    }
    return stat.isDirectory() ? "folder" : stat.isFile() ? "file" : "other";
}

/** Writes `text`; without `overwrite` the file must not exist (it is created exclusively). */
export function fsWriteFile(file: string, text: string, overwrite: boolean): void {
    try {
        fs.writeFileSync(file, text, { flag: overwrite ? "w" : "wx" });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") {
            throw new UsageError(
                `${file} appeared while the command ran; nothing was written to it. Pass --overwrite to replace it, or another path.`,
            );
        }
        throw err;
    }
}

/** Refuses an output path that cannot be written as asked, naming the flag and the fix. */
export function checkOutputPath(
    flag: string,
    file: string,
    overwrite: boolean,
    pathKind: (file: string) => PathKind | undefined,
): void {
    if (file.trim() === "") throw new UsageError(`${flag}: empty path; pass the file to write.`);
    const kindOf = (p: string): PathKind | undefined => {
        try {
            return pathKind(p);
        } catch (err) {
            const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
            throw new UsageError(`${flag} ${file}: cannot check ${p} (${code}); pass a path you can write.`);
        }
    };
    const kind = kindOf(file);
    if (kind === "folder") {
        throw new UsageError(
            `${flag} ${file}: is a folder; pass the path of a file to write (e.g. ${path.join(file, "out.csv")}).`,
        );
    }
    if (kind !== undefined && !overwrite) {
        throw new UsageError(`${flag} ${file}: already exists; pass --overwrite to replace it, or another path.`);
    }
    const parent = path.dirname(file);
    const parentKind = kindOf(parent);
    if (parentKind === undefined) {
        throw new UsageError(
            `${flag} ${file}: its folder ${parent} does not exist; create it first, or pass another path.`,
        );
    }
    if (parentKind !== "folder") {
        throw new UsageError(`${flag} ${file}: ${parent} is not a folder; pass a path inside a folder.`);
    }
}
