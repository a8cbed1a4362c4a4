import { IAM_PRINCIPAL_ARN } from "../names";

/**
 * IAM principals as IAM tells them apart: an account's role or user by its name alone (a name is
 * unique in its account whatever the path) and without regard to case ("Role names are not
 * distinguished by case": IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names).
 */

/** `<account>:role/<name in lowercase>` (or `user/`), or undefined when the text is no role or user ARN. */
export function principalIdentity(arn: string): string | undefined {
    const m = /^arn:aws[a-z-]*:iam::(\d{12}):(role|user)\/(?:[^/]*\/)*([^/]+)$/.exec(arn);
    return m ? `${m[1]}:${m[2]}/${m[3].toLowerCase()}` : undefined;
}

/** The identity of a role of the account: the same form as `principalIdentity`. */
export function roleIdentity(accountId: string, roleName: string): string {
    return `${accountId}:role/${roleName.toLowerCase()}`;
}

/**
 * Why `value` is not one IAM role or user ARN of the stack's partition, or undefined: what a
 * Lake Formation grant can name. The message ends with the fix.
 */
export function principalArnProblem(value: unknown, partition: string | undefined): string | undefined {
    const example = `arn:${partition ?? "aws"}:iam::<account>:role/<name>`;
    if (typeof value !== "string" || !IAM_PRINCIPAL_ARN.test(value)) {
        const text = typeof value === "string" ? value : "";
        const why = /[*?]/.test(text)
            ? " (a wildcard names no one principal)"
            : text !== text.trim()
              ? " (it has spaces around it)"
              : /["'`]/.test(text)
                ? " (it has quotes inside it; YAML quotes around a value are fine)"
                : /\s/.test(text)
                  ? " (it has a space in it)"
                  : "";
        return `must be an IAM role or user ARN (one principal), got ${JSON.stringify(value)}${why}. Fix: write the principal's ARN, e.g. ${example}.`;
    }
    const own = value.split(":")[1];
    if (partition && own !== partition) {
        return `${value} is in partition ${own}, but the stack's region is in ${partition}; Lake Formation grants to principals of its own partition. Fix: name the principal's ARN in ${partition} (${example}).`;
    }
    return undefined;
}
