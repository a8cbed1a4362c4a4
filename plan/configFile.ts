/**
 * Reads stack config the way the Pulumi CLI hands it to a program: project defaults from
 * `Pulumi.yaml`, overlaid by `Pulumi.<stack>.yaml`, flattened to `namespace:key` -> string
 * (scalars as text, lists and maps as JSON).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** The repo: the nearest folder above this file with a package.json (the same from the compiled dist/). */
export const REPO_ROOT = (() => {
    for (let dir = path.resolve(__dirname, ".."); ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "package.json"))) return dir;
        if (path.dirname(dir) === dir) return path.resolve(__dirname, "..");
    }
})();

export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(file: string): Record<string, any> {
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new StackFileError(`${file}: ${(err as Error).message}`);
    }
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc)) {
        throw new StackFileError(`${file}: expected a YAML map at the top level.`);
    }
    return doc as Record<string, any>;
}

/** Project defaults declared in `Pulumi.yaml` (`config:` schemas with a `default`). */
export function projectDefaults(projectFile = path.join(REPO_ROOT, "Pulumi.yaml")): Record<string, string> {
    const project = readYaml(projectFile);
    const name: string = project.name;
    const out: Record<string, string> = {};
    for (const [key, decl] of Object.entries<any>(project.config ?? {})) {
        const full = key.includes(":") ? key : `${name}:${key}`;
        if (decl && typeof decl === "object" && "default" in decl) out[full] = encode(decl.default);
        else if (decl === null || typeof decl !== "object") out[full] = encode(decl);
        else if ("value" in decl) out[full] = encode(decl.value);
    }
    return out;
}

/**
 * The command line is at fault, not the config: `--config-dir` is missing or not a folder, or
 * holds no `Pulumi.<stack>.yaml` for `--stack` (exit 2). An invalid config stays a StackFileError.
 */
export class StackArgumentError extends StackFileError {}

/** The stacks whose files a config folder holds (`Pulumi.<stack>.yaml`), sorted. */
export function stacksIn(configDir: string): string[] {
    return fs
        .readdirSync(configDir)
        .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** `--config-dir`, when given: it must exist, be a folder, and hold at least one stack file. */
export function checkConfigDir(configDir: string): void {
    if (configDir.trim() === "") {
        throw new StackArgumentError(
            `--config-dir: empty; pass the folder holding Pulumi.<stack>.yaml for both stacks.`,
        );
    }
    let stat: fs.Stats;
    try {
        stat = fs.statSync(configDir);
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new StackArgumentError(
            `--config-dir ${configDir}: ${code === "ENOENT" || code === "ENOTDIR" ? "does not exist" : `cannot read it (${code})`}; pass the folder holding Pulumi.<stack>.yaml for both stacks.`,
        );
    }
    if (!stat.isDirectory()) {
        throw new StackArgumentError(
            `--config-dir ${configDir}: is a file, not a folder; pass the folder holding Pulumi.<stack>.yaml for both stacks.`,
        );
    }
    if (stacksIn(configDir).length === 0) {
        throw new StackArgumentError(
            `--config-dir ${configDir}: holds no Pulumi.<stack>.yaml; pass the folder holding the stack files (e.g. examples/connect-analytics).`,
        );
    }
}

/** A stack name as the Pulumi CLI takes one in a stack file name. */
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The flat config map of `DIR/Pulumi.<stack>.yaml` over the project defaults. */
export function loadStackConfig(configDir: string, stack: string): Record<string, string> {
    if (!STACK_NAME.test(stack)) {
        throw new StackArgumentError(
            `--stack ${JSON.stringify(stack)}: not a stack name (letters, digits, _ . -); pass e.g. --stack consumer.`,
        );
    }
    const file = path.join(configDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const others = fs.statSync(configDir, { throwIfNoEntry: false })?.isDirectory()
            ? stacksIn(configDir)
            : undefined;
        const where =
            others === undefined
                ? ""
                : others.length === 0
                  ? ` (${configDir} holds no stack file)`
                  : `, or --stack with one of the stacks in ${configDir} (${others.join(", ")})`;
        throw new StackArgumentError(
            `${file} does not exist: pass --config-dir with a folder holding Pulumi.${stack}.yaml${where}.`,
        );
    }
    const doc = readYaml(file);
    const config = doc.config ?? {};
    if (typeof config !== "object" || Array.isArray(config)) {
        throw new StackFileError(`${file}: "config" must be a map of key: value.`);
    }
    const out = projectDefaults();
    for (const [key, value] of Object.entries<unknown>(config)) {
        if (value && typeof value === "object" && "secure" in (value as object)) {
            throw new StackFileError(
                `${file}: ${key} is a secret; the offline plan cannot decrypt it. Use a plain value in the plan's config folder.`,
            );
        }
        out[key] = encode(value);
    }
    return out;
}
