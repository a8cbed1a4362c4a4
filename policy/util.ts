/**
 * Small helpers shared by the rules: reading IAM documents from resource properties, and
 * finding a resource's companions (the public access block of a bucket, the async invoke
 * config of a function) in a stack.
 *
 * Rules run in two places: in `pulumi preview/up --policy-pack policy`, where properties that
 * are not known yet (an ARN during preview) throw when read and the engine reports the rule as
 * "can't run during preview", and over the offline plan (`npm run policy`), where everything is
 * resolved. So the helpers read a property only when they need it, and match companions by the
 * engine's property dependencies first (known even in preview), by value only when there are none.
 */
import { PolicyResource, ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";

export type Props = Record<string, any>;

/** A value or a list of values, as IAM documents and many resource inputs allow. */
export function asArray<T>(value: T | readonly T[] | undefined | null): T[] {
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

export function isNonEmptyString(value: unknown): value is string {
    return typeof value === "string" && value.trim() !== "";
}

export interface IamStatement {
    readonly Sid?: string;
    readonly Effect?: string;
    readonly Action?: string | string[];
    readonly NotAction?: string | string[];
    readonly Resource?: string | string[];
    readonly NotResource?: string | string[];
    readonly Principal?: unknown;
    readonly NotPrincipal?: unknown;
    readonly Condition?: Record<string, Record<string, unknown>>;
}

export type ParsedDocument = { ok: true; statements: IamStatement[] } | { ok: false; error: string };

/** An IAM policy document given as JSON text (what the components pass) or as an object. */
export function parsePolicyDocument(value: unknown): ParsedDocument {
    let doc: unknown = value;
    if (typeof value === "string") {
        try {
            doc = JSON.parse(value);
        } catch (err) {
            return { ok: false, error: `is not valid JSON (${(err as Error).message})` };
        }
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
        return { ok: false, error: "is not a policy document (expected an object with Statement)" };
    }
    const statements = asArray((doc as { Statement?: IamStatement | IamStatement[] }).Statement);
    if (statements.some((s) => !s || typeof s !== "object")) {
        return { ok: false, error: "has a Statement entry that is not an object" };
    }
    return { ok: true, statements };
}

export function statementLabel(statement: IamStatement, index: number): string {
    return statement.Sid ? `statement "${statement.Sid}"` : `statement #${index + 1}`;
}

export function isAllow(statement: IamStatement): boolean {
    return String(statement.Effect ?? "").toLowerCase() === "allow";
}

export function isDeny(statement: IamStatement): boolean {
    return String(statement.Effect ?? "").toLowerCase() === "deny";
}

/** `*`, `{"AWS": "*"}` or `{"AWS": ["*"]}`: anyone. */
export function isWildcardPrincipal(principal: unknown): boolean {
    if (principal === "*") return true;
    if (principal && typeof principal === "object") {
        return Object.values(principal as Record<string, unknown>).some((v) =>
            asArray(v as string | string[]).includes("*"),
        );
    }
    return false;
}

/**
 * A ResourceValidationPolicy's validation that runs only for the given type tokens. (The
 * `@pulumi/policy` helper `validateResourceOfType` would need the provider SDK classes, and
 * loading `@pulumi/aws` makes the pack start much slower; type tokens are what the engine sends.)
 */
export function forTypes(
    types: readonly string[],
    validate: (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
    return (args, report) => {
        if (!types.includes(args.type)) return;
        validate(args.props, args, report);
    };
}

/**
 * Resources of the given types that belong to `owner` through the input `property` (the
 * `bucket` of a public access block, the `functionName` of an invoke config):
 *
 * - by property dependency: the engine records which resources an input came from, so a
 *   companion built from `bucket.id` depends on the bucket even while the id is unknown;
 * - otherwise by value: the input (after `normalize`) equals one of `ownerKeys()` (the offline
 *   plan resolves every input, and a user may pass a literal name).
 */
export function companionsOf(
    owner: PolicyResource,
    resources: readonly PolicyResource[],
    types: readonly string[],
    property: string,
    ownerKeys: () => readonly unknown[],
    normalize: (value: unknown) => unknown = (value) => value,
): PolicyResource[] {
    const candidates = resources.filter((r) => types.includes(r.type));
    let keys: readonly unknown[] | undefined;
    return candidates.filter((c) => {
        const deps = c.propertyDependencies?.[property];
        if (deps && deps.length > 0) return deps.some((d) => d === owner || d.urn === owner.urn);
        keys ??= ownerKeys().filter((k) => k !== undefined && k !== null && k !== "");
        return keys.includes(normalize(c.props[property]));
    });
}

/** `arn:aws:iam::123456789012:role/path/name` -> `name`. */
export function roleNameFromArn(arn: unknown): string | undefined {
    if (typeof arn !== "string") return undefined;
    const match = /^arn:[^:]+:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/.exec(arn);
    return match ? match[1] : undefined;
}
