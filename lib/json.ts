/** Shape checks for parsed JSON (stack outputs, plan documents, CloudTrail events, config). Pure. */

export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not a list. */
export function isObject(v: unknown): v is JsonObject {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** How to write a plan document to a file so that it holds only the document, whatever runs npm. */
export const PLAN_FILE_RECIPE = "npm run plan -- --stack <stack> --out FILE";

/**
 * The banner `npm run` prints on stdout before a script's own output (`> connect-analytics@0.1.0
 * plan`), when a file starts with it: the sign of `npm run X -- --json > FILE` without `-s`.
 */
export function npmBanner(text: string): string | undefined {
    return /^\s*(> [^\s@]+@\S+ \S+)/.exec(text)?.[1];
}
