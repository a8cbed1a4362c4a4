/** Shape checks for parsed JSON (stack outputs, plan documents, CloudTrail events, config). Pure. */

export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not a list. */
export function isObject(v: unknown): v is JsonObject {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}
