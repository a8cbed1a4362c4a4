/** Local-filesystem implementation of `ObjectStore`: the exports folder stands in for the bucket. */
import * as fs from "fs";
import * as path from "path";
import { describeError, exportError } from "../errors";
import type { ObjectStore } from "../types";

export function createFsObjectStore(root: string): ObjectStore {
    const base = path.resolve(root);
    const file = (key: string) => path.join(base, ...key.split("/").filter((part) => part !== ""));
    const failure = (action: string, key: string, err: unknown) =>
        exportError("STORE", `could not ${action} ${file(key)}: ${describeError(err)}`);
    return {
        name: "filesystem",
        uri: (key) => (key.endsWith("/") ? file(key) + path.sep : file(key)),
        async getText(key) {
            try {
                return await fs.promises.readFile(file(key), "utf8");
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
                throw failure("read", key, err);
            }
        },
        async putText(key, text) {
            const target = file(key);
            try {
                await fs.promises.mkdir(path.dirname(target), { recursive: true });
                // Write then rename, so a reader never sees half a manifest or watermark.
                const temp = `${target}.${process.pid}.tmp`;
                await fs.promises.writeFile(temp, text);
                await fs.promises.rename(temp, target);
            } catch (err) {
                throw failure("write", key, err);
            }
        },
        async deletePrefix(prefix) {
            if (!prefix.endsWith("/") || prefix.length < 2) {
                throw failure("clear", prefix, new Error("refusing a prefix that is not a folder ending with '/'"));
            }
            const dir = file(prefix);
            const count = countFiles(dir);
            try {
                await fs.promises.rm(dir, { recursive: true, force: true });
            } catch (err) {
                throw failure("clear", prefix, err);
            }
            return count;
        },
    };
}

function countFiles(dir: string): number {
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return 0;
    }
    return entries.reduce((n, e) => n + (e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1), 0);
}
