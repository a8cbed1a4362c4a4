/**
 * Reading the flat map Pulumi hands a program (`connect-analytics:tables` -> text, structured
 * values JSON-encoded) into typed values, checked against each key's declared rule. Problems are
 * collected, never thrown one by one, so the user sees them all at once.
 */
import { CONFIG_NAMESPACE, GLUE_NAME } from "../names";
import { CONFIG_KEYS, ConfigKey, KeySpec, KEY_SPECS, REMOVED_KEYS, RENAMED_KEYS } from "./schema";
import type { ConfigIssue, Side } from "./types";

/** Records a problem with a key (short name, or `aws:region`-style full name). */
export type Fail = (key: string, message: string) => void;

/** The value of a key after decoding and defaults; undefined only for unset optional keys. */
export type Get = <T = unknown>(key: ConfigKey) => T;

export interface ConfigReader {
    readonly get: Get;
    /** The stack file sets the key (to something other than "" for an optional text key). */
    readonly isSet: (key: ConfigKey) => boolean;
    readonly fail: Fail;
    readonly issues: ConfigIssue[];
    /** The side the stack declares, when valid (keys of the other side only warn). */
    readonly side: Side | undefined;
}

/** Namespaces of the providers and of Pulumi itself, whose keys the stack files may set. */
const PROVIDER_NAMESPACES = ["aws", "aws-native", "pulumi"];

/** A key in no namespace this program or its providers read: ignored, so say so. */
function foreignKeyMessage(name: string): string {
    const known = name in CONFIG_KEYS || name in RENAMED_KEYS;
    return (
        `is in no namespace this stack reads (${CONFIG_NAMESPACE}:, ${PROVIDER_NAMESPACES.map((n) => `${n}:`).join(", ")}): ignored. ` +
        (known
            ? `Did you mean ${CONFIG_NAMESPACE}:${name}? Rename the key.`
            : `Remove it, or put it under ${CONFIG_NAMESPACE}: if it is one of this project's keys.`)
    );
}

export function qualify(key: string): string {
    return key.includes(":") ? key : `${CONFIG_NAMESPACE}:${key}`;
}

export function createReader(
    raw: Readonly<Record<string, string>>,
    warn: (issue: ConfigIssue) => void = () => undefined,
): ConfigReader {
    const issues: ConfigIssue[] = [];
    const fail: Fail = (key, message) => issues.push({ key: qualify(key), message });
    const values: Partial<Record<ConfigKey, unknown>> = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        const i = fullKey.indexOf(":");
        const namespace = i < 0 ? undefined : fullKey.slice(0, i);
        if (namespace !== CONFIG_NAMESPACE) {
            if (namespace === undefined || !PROVIDER_NAMESPACES.includes(namespace)) {
                warn({ key: fullKey, message: foreignKeyMessage(fullKey.slice(i + 1)) });
            }
            continue;
        }
        const key = fullKey.slice(i + 1);
        const renamed = RENAMED_KEYS[key];
        if (renamed) {
            fail(
                key,
                `was renamed to ${renamed.to} (${renamed.why}). Rename it: \`pulumi config rm ${qualify(key)} && pulumi config set ${qualify(renamed.to)} <value>\`.`,
            );
            continue;
        }
        if (key in REMOVED_KEYS) {
            warn({
                key: qualify(key),
                message: `no longer used: ${REMOVED_KEYS[key]}. Remove it: \`pulumi config rm ${qualify(key)}\`.`,
            });
            continue;
        }
        if (!(key in CONFIG_KEYS)) {
            warn({
                key: qualify(key),
                message: `unknown key, ignored. Known keys: ${Object.keys(CONFIG_KEYS).join(", ")}.`,
            });
            continue;
        }
        const decoded = decode(text, CONFIG_KEYS[key as ConfigKey], key);
        if (decoded.error) fail(key, decoded.error);
        else values[key as ConfigKey] = decoded.value;
    }
    const spec = (key: ConfigKey): KeySpec => CONFIG_KEYS[key];
    // Optional strings are declared in Pulumi.yaml with default "" (a declared key without a
    // default would be required), so "" means unset.
    const isSet = (key: ConfigKey) => key in values && (values[key] !== "" || spec(key).default !== undefined);
    const get: Get = <T>(key: ConfigKey) => (isSet(key) ? values[key] : spec(key).default) as T;

    for (const [key, s] of KEY_SPECS) {
        const value = get(key);
        if (s.required && value === undefined) {
            if (!issues.some((i) => i.key === qualify(key))) {
                fail(key, `required. Set it with \`pulumi config set ${qualify(key)} <value>\`. ${s.description}`);
            }
            continue;
        }
        if (value !== undefined && isSet(key)) {
            const problem = ruleProblem(s, value);
            if (problem) fail(key, problem);
        }
    }
    const declared = get<string>("side");
    const side = declared === "producer" || declared === "consumer" ? declared : undefined;
    for (const [key, s] of KEY_SPECS) {
        const setHere = key in values && JSON.stringify(values[key]) !== JSON.stringify(s.default ?? "");
        if (s.side && setHere && side && s.side !== side) {
            warn({
                key: qualify(key),
                message: `only used by the ${s.side} stack; this stack is the ${side}. Remove it from this stack's file.`,
            });
        }
    }
    return { get, isSet, fail, issues, side };
}

/** Why a decoded value breaks its key's declared rule, or undefined. */
function ruleProblem(spec: KeySpec, value: unknown): string | undefined {
    if (spec.type === "string") {
        const text = value as string;
        if (spec.oneOf && !spec.oneOf.includes(text)) {
            const choices = spec.oneOf.map((c) => JSON.stringify(c));
            return `must be ${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}, got ${JSON.stringify(text)}.`;
        }
        if (spec.pattern && !spec.pattern.test(text)) return `must be ${spec.mustBe}, got ${JSON.stringify(text)}.`;
        if (spec.check) return spec.check(text);
    }
    if (spec.type === "number") {
        const n = value as number;
        if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
            return `must be a whole number from ${spec.min} to ${spec.max}, got ${n}.`;
        }
        if (spec.allowed && !spec.allowed.includes(n)) {
            return `must be one of CloudWatch's values: ${spec.allowed.join(", ")}.`;
        }
    }
    return undefined;
}

/** Pulumi passes scalars as strings and structured values as JSON text. */
function decode(text: string, spec: KeySpec, key: string): { value?: unknown; error?: string } {
    switch (spec.type) {
        case "string": {
            // Pulumi hands a list or map as JSON text: never take that text for the value.
            const kind = structuredKind(text);
            return kind
                ? {
                      error: `must be a single text value, got a YAML ${kind} (${text}). Write one value: \`${qualify(key)}: <value>\`.`,
                  }
                : { value: text };
        }
        case "boolean":
            if (text === "true" || text === "false") return { value: text === "true" };
            return { error: `must be true or false, got ${JSON.stringify(text)}.` };
        case "number":
            // Decimal digits only: Number() would also take "1e3", "0x10", " 5" and "5.0".
            return /^(0|-?[1-9][0-9]*)$/.test(text)
                ? { value: Number(text) }
                : {
                      error: `must be a whole number from ${spec.min} to ${spec.max} in decimal digits (no sign, exponent, decimal point, hex or spaces), got ${JSON.stringify(text)}.`,
                  };
        case "array":
        case "object": {
            const what = spec.type === "array" ? "list" : "map";
            let parsed: unknown;
            try {
                parsed = JSON.parse(text);
            } catch {
                return { error: `must be a YAML ${what}, got ${JSON.stringify(text)}.` };
            }
            const ok =
                spec.type === "array"
                    ? Array.isArray(parsed)
                    : parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
            if (!ok) return { error: `must be a YAML ${what}.` };
            if (spec.type === "array" && spec.items === "string") {
                // A list of text values: an entry that is itself a list or map is no text.
                const bad = (parsed as unknown[]).findIndex((v) => typeof v !== "string");
                if (bad >= 0) {
                    return {
                        error: `[${bad}] must be a single text value, got ${JSON.stringify((parsed as unknown[])[bad])}. List text values only.`,
                    };
                }
            }
            return { value: parsed };
        }
    }
}

/** "list" or "map" when the text is a JSON array or object (how Pulumi passes structured values). */
function structuredKind(text: string): "list" | "map" | undefined {
    const start = text.trimStart()[0];
    if (start !== "[" && start !== "{") return undefined;
    try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) return "list";
        return parsed !== null && typeof parsed === "object" ? "map" : undefined;
    } catch {
        return undefined;
    }
}

/** Checks a Glue name inside a structured value; reports it under `key`. */
export function checkGlueName(value: string, key: string, fail: Fail, what: string): boolean {
    if (GLUE_NAME.test(value)) return true;
    fail(
        key,
        `${what} ${JSON.stringify(value)} is not a valid Glue name: use 1-255 lowercase letters, digits and underscores.`,
    );
    return false;
}
