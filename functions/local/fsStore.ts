/** Local-filesystem implementation of `ObjectStore`: the exports folder stands in for the bucket. */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { describeError, exportError } from "../errors";
import type { ObjectStore } from "../types";

/** Say what is in the way, not just the errno: "ENOTDIR ... scandir" tells a user nothing. */
function explain(err: unknown): string {
    const code = (err as NodeJS.ErrnoException)?.code;
    const hint =
        code === "ENOTDIR" || code === "EEXIST"
            ? " (a file is where a folder must be)"
            : code === "EISDIR"
              ? " (a folder is where a file must be)"
              : code === "EACCES" || code === "EPERM" || code === "EROFS"
                ? " (no permission to write there)"
                : "";
    return describeError(err) + hint;
}

export function createFsObjectStore(root: string): ObjectStore {
    const base = path.resolve(root);
    // S3 keys are names, not paths: "." and ".." must not take a key outside the exports folder.
    const file = (key: string) => {
        const parts = key.split("/").filter((part) => part !== "");
        if (parts.some((part) => part === "." || part === "..")) {
            throw exportError(
                "STORE",
                `refusing key ${JSON.stringify(key)}: it would leave the exports folder ${base}`,
            );
        }
        return path.join(base, ...parts);
    };
    const failure = (action: string, key: string, err: unknown) =>
        exportError("STORE", `could not ${action} ${file(key)}: ${explain(err)}`);
    const tagOf = (text: string) => createHash("sha1").update(text).digest("hex");

    async function getText(key: string): Promise<string | undefined> {
        try {
            return await fs.promises.readFile(file(key), "utf8");
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
            throw failure("read", key, err);
        }
    }
    async function write(key: string, text: string, flag: "w" | "wx"): Promise<void> {
        const target = file(key);
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        if (flag === "wx") {
            await fs.promises.writeFile(target, text, { flag });
            return;
        }
        // Write then rename, so a reader never sees half a manifest or watermark.
        const temp = `${target}.${process.pid}.tmp`;
        await fs.promises.writeFile(temp, text);
        await fs.promises.rename(temp, target);
    }
    return {
        name: "filesystem",
        uri: (key) => (key.endsWith("/") ? file(key) + path.sep : file(key)),
        getText,
        async getTagged(key) {
            const text = await getText(key);
            return text === undefined ? undefined : { text, tag: tagOf(text) };
        },
        async putText(key, text) {
            try {
                await write(key, text, "w");
            } catch (err) {
                throw failure("write", key, err);
            }
        },
        async putIf(key, text, ifTag) {
            try {
                if (ifTag === undefined) {
                    await write(key, text, "wx");
                } else {
                    // Compare and swap without a lock: enough for one user's local runs.
                    const current = await getText(key);
                    if (current === undefined || tagOf(current) !== ifTag) return undefined;
                    await write(key, text, "w");
                }
                return tagOf(text);
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code === "EEXIST" && ifTag === undefined) return undefined;
                throw failure("write", key, err);
            }
        },
        async listKeys(prefix) {
            const dir = file(prefix);
            const keys: string[] = [];
            const walk = (d: string) => {
                let entries: fs.Dirent[];
                try {
                    entries = fs.readdirSync(d, { withFileTypes: true });
                } catch (err) {
                    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
                    throw failure("list", prefix, err);
                }
                for (const e of entries) {
                    const full = path.join(d, e.name);
                    if (e.isDirectory()) walk(full);
                    else keys.push(path.relative(base, full).split(path.sep).join("/"));
                }
            };
            walk(dir);
            return keys.sort();
        },
        async deletePrefix(prefix) {
            if (!prefix.endsWith("/") || prefix.length < 2) {
                throw failure("clear", prefix, new Error("refusing a prefix that is not a folder ending with '/'"));
            }
            const count = (await this.listKeys(prefix)).length;
            try {
                await fs.promises.rm(file(prefix), { recursive: true, force: true });
                // No empty folders left behind (S3 has none): remove emptied parents up to the root.
                for (let dir = path.dirname(file(prefix)); dir.startsWith(base + path.sep); dir = path.dirname(dir)) {
                    if ((await fs.promises.readdir(dir).catch(() => ["?"])).length > 0) break;
                    await fs.promises.rmdir(dir);
                }
            } catch (err) {
                throw failure("clear", prefix, err);
            }
            return count;
        },
    };
}
