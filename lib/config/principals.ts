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
