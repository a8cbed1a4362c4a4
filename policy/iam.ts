/**
 * IAM rules: least privilege in every policy the stacks create, and trust policies that name
 * who may assume a role.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ACTIONS_WITHOUT_RESOURCE_SCOPE } from "../lib/iam";
import {
    asArray,
    forTypes,
    IamStatement,
    isAllow,
    isWildcardPrincipal,
    parsePolicyDocument,
    Props,
    roleNameFromArn,
    statementLabel,
} from "./util";

export const ROLE_TYPE = "aws:iam/role:Role";
export const FUNCTION_TYPE = "aws:lambda/function:Function";

/** Resource types whose `policy` input is an identity policy document. */
export const IDENTITY_POLICY_TYPES = [
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
] as const;

const UNSCOPED_OK = new Set(ACTIONS_WITHOUT_RESOURCE_SCOPE.map((a) => a.toLowerCase()));

/**
 * A resource that names no particular resource: `*`, or an ARN whose resource part is only a
 * wildcard (`arn:aws:s3:::*`, `arn:aws:glue:*:*:*`). `arn:aws:s3:::bucket/*` is scoped.
 */
export function isUnscopedResource(resource: string): boolean {
    if (resource.trim() === "*") return true;
    const parts = resource.split(":");
    if (parts.length >= 6 && parts[0] === "arn") return parts.slice(5).join(":").trim() === "*";
    return false;
}

/** Problems of one identity policy document, one message each. */
export function identityPolicyProblems(document: unknown): string[] {
    const parsed = parsePolicyDocument(document);
    if (!parsed.ok) return [`the policy ${parsed.error}`];
    const problems: string[] = [];
    parsed.statements.forEach((s, i) => problems.push(...statementProblems(s, statementLabel(s, i))));
    return problems;
}

function statementProblems(s: IamStatement, label: string): string[] {
    if (!isAllow(s)) return []; // Deny statements only take away (the TLS-only bucket policy is a Deny on s3:*).
    const problems: string[] = [];
    if (s.NotAction !== undefined) {
        problems.push(`${label} allows NotAction, which grants every other action; list the actions instead.`);
    }
    if (s.NotResource !== undefined) {
        problems.push(`${label} allows on NotResource, which covers every other resource; list the resources instead.`);
    }
    const actions = asArray(s.Action).map(String);
    const wildcards = actions.filter((a) => a.includes("*") || a.includes("?"));
    if (wildcards.length > 0) {
        problems.push(`${label} allows wildcard action(s) ${wildcards.join(", ")}; list the exact actions.`);
    }
    const unscoped = asArray(s.Resource).map(String).filter(isUnscopedResource);
    if (unscoped.length > 0) {
        const needScope = actions.filter((a) => !UNSCOPED_OK.has(a.toLowerCase()));
        if (needScope.length > 0 || actions.length === 0) {
            problems.push(
                `${label} allows ${needScope.join(", ") || "its actions"} on unscoped resource ${unscoped.join(", ")}; ` +
                    `only ${ACTIONS_WITHOUT_RESOURCE_SCOPE.join(", ")} may use Resource "*" (AWS cannot scope them). Name the exact ARNs.`,
            );
        }
    }
    return problems;
}

/** Identity policies: no `*` or wildcard actions, no unscoped resource except for actions AWS cannot scope. */
export const iamNoWildcardOrUnscopedAllow: ResourceValidationPolicy = {
    name: "iam-no-wildcard-or-unscoped-allow",
    description:
        "IAM policies (role inline policies, managed policies, user and group policies) allow no wildcard action and no unscoped resource, " +
        `except ${ACTIONS_WITHOUT_RESOURCE_SCOPE.join(", ")} which AWS only accepts on "*". Deny statements are not restricted.`,
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: [
        forTypes(IDENTITY_POLICY_TYPES, (props, _args, report) => {
            for (const problem of identityPolicyProblems(props.policy)) report(problem);
        }),
        forTypes([ROLE_TYPE], (props, _args, report) => {
            for (const [i, inline] of asArray<Props>(props.inlinePolicies).entries()) {
                const name = inline?.name ? `inline policy "${inline.name}"` : `inline policy #${i + 1}`;
                if (inline?.policy === undefined || inline.policy === "") continue; // an empty entry removes inline policies
                for (const problem of identityPolicyProblems(inline.policy)) report(`${name}: ${problem}`);
            }
        }),
    ],
};

/** Problems of a trust policy: anyone may assume the role. */
export function trustPolicyProblems(document: unknown): string[] {
    const parsed = parsePolicyDocument(document);
    if (!parsed.ok) return [`the trust policy ${parsed.error}`];
    const problems: string[] = [];
    parsed.statements.forEach((s, i) => {
        if (!isAllow(s)) return;
        const label = statementLabel(s, i);
        if (s.NotPrincipal !== undefined) {
            problems.push(`${label} trusts NotPrincipal, which lets every other principal assume the role.`);
        }
        if (isWildcardPrincipal(s.Principal)) {
            problems.push(`${label} trusts Principal "*": anyone may assume the role. Name the service or account.`);
        }
    });
    return problems;
}

export const iamRoleTrustNoWildcardPrincipal: ResourceValidationPolicy = {
    name: "iam-role-trust-no-wildcard-principal",
    description: 'IAM role trust policies name who may assume the role: no Principal "*" and no NotPrincipal.',
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: forTypes([ROLE_TYPE], (props, _args, report) => {
        for (const problem of trustPolicyProblems(props.assumeRolePolicy)) report(problem);
    }),
};

const LAMBDA_SERVICE = "lambda.amazonaws.com";

/** Problems of a Lambda execution role's trust: anything but `lambda.amazonaws.com` assuming it. */
export function lambdaTrustProblems(document: unknown): string[] {
    const parsed = parsePolicyDocument(document);
    if (!parsed.ok) return [`the trust policy ${parsed.error}`];
    const problems: string[] = [];
    let trustsLambda = false;
    parsed.statements.forEach((s, i) => {
        if (!isAllow(s)) return;
        const label = statementLabel(s, i);
        const principal = s.Principal;
        const entries =
            principal && typeof principal === "object"
                ? Object.entries(principal as Record<string, unknown>)
                : [["*", principal] as const];
        for (const [kind, value] of entries) {
            for (const p of asArray(value as string | string[])) {
                if (kind === "Service" && p === LAMBDA_SERVICE) trustsLambda = true;
                else {
                    problems.push(
                        `${label} lets ${kind === "*" ? "" : `${kind} `}${String(p)} assume the function's execution role; only ${LAMBDA_SERVICE} may.`,
                    );
                }
            }
        }
    });
    if (!trustsLambda && problems.length === 0) {
        problems.push(`the trust policy does not let ${LAMBDA_SERVICE} assume the role.`);
    }
    return problems;
}

/**
 * The role a function runs as is trusted by Lambda alone: another service or account that can
 * assume it gets the function's data access (the shared tables) without running the function.
 */
export const lambdaRoleTrustsOnlyLambda: StackValidationPolicy = {
    name: "lambda-role-trusts-only-lambda",
    description: `The execution role of every Lambda function in the stack can be assumed by ${LAMBDA_SERVICE} only.`,
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, report) => {
        const roles = args.resources.filter((r) => r.type === ROLE_TYPE);
        for (const fn of args.resources.filter((r) => r.type === FUNCTION_TYPE)) {
            const deps = fn.propertyDependencies?.role ?? [];
            let role = roles.find((r) => deps.includes(r));
            if (!role && deps.length === 0) {
                const name = roleNameFromArn(fn.props.role);
                role = roles.find((r) => name !== undefined && r.props.name === name);
            }
            if (!role) continue; // a role from outside the stack: not this stack's to check
            for (const problem of lambdaTrustProblems(role.props.assumeRolePolicy)) {
                report(`function ${fn.name} runs as role ${role.name}: ${problem}`, role.urn);
            }
        }
    },
};
