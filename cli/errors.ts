/**
 * Turning any failure into one line an operator can act on: which argument or which AWS
 * action failed, for whom, and the fix. Stack traces are for bugs, not for expired tokens.
 */
import { errorName, TaggedAwsError } from "./aws";

/** Bad flags, bad outputs file, inconsistent targets: exit code 2, message names the argument and the fix. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface ErrorContext {
    /** ARN of the caller, when STS already answered. */
    readonly principal?: string;
    /** The profile the failing credentials came from. */
    readonly profile?: string;
}

const CREDENTIAL_ERRORS = new Set([
    "CredentialsProviderError",
    "TokenProviderError",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "IncompleteSignature",
]);

const ACCESS_DENIED = new Set([
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "UnauthorizedException",
]);

const THROTTLING = new Set([
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
]);

export function isCredentialError(err: unknown): boolean {
    const name = errorName(err);
    if (CREDENTIAL_ERRORS.has(name)) return true;
    const message = String((err as Error | undefined)?.message ?? "");
    return /security token included in the request is (expired|invalid)|SSO session .* (expired|invalid)|could not load credentials/i.test(
        message,
    );
}

/** The SDK found no region: a missing argument (`--region`), so exit 2 like any bad usage. */
export function isMissingRegion(err: unknown): boolean {
    return /region is missing/i.test(String((err as Error | undefined)?.message ?? ""));
}

/** Exit code 2: the command line (or its outputs file) is at fault, not AWS. */
export function isUsageProblem(err: unknown): boolean {
    return err instanceof UsageError || isMissingRegion(err);
}

export function isAccessDenied(err: unknown): boolean {
    return !isUnexpectedResponse(err) && ACCESS_DENIED.has(errorName(err));
}

/**
 * An answer that is not the service's: a body the SDK could not read (an HTML page from a proxy or
 * captive portal; the SDK's "Deserialization error", with the raw answer in `$response`), or an
 * error code the service's model does not have (the client's base `...ServiceException`, or
 * `UnknownError`). Nothing about permissions follows from it.
 */
export function isUnexpectedResponse(err: unknown): boolean {
    if (!err || typeof err !== "object") return false;
    const e = err as { $fault?: unknown; message?: unknown; name?: unknown; constructor?: { name?: string } };
    // The SDK adds this hint only to an error it could not read as the service's.
    if (/Deserialization error/.test(String(e.message ?? ""))) return true;
    // A modeled error is thrown as its own class; an unknown code as the client's base class.
    const base = e.constructor?.name ?? "";
    return e.name === "UnknownError" || ("$fault" in e && /ServiceException$/.test(base) && e.name !== base);
}

/** "unexpected response from <endpoint> to <action> (HTTP 403, text/html)" */
function unexpectedResponse(err: unknown, action: string | undefined): string {
    const e = err as TaggedAwsError & {
        $metadata?: { httpStatusCode?: number };
        $response?: { statusCode?: number; headers?: Record<string, string> };
    };
    const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
    const type = e.$response?.headers?.["content-type"];
    const service = action?.split(":")[0];
    const endpoint = e.awsEndpoint ?? `the ${service ?? "AWS"} endpoint`;
    const what = [status ? `HTTP ${status}` : undefined, type, e.name && e.name !== "Error" ? e.name : undefined]
        .filter(Boolean)
        .join(", ");
    return (
        `unexpected response from ${endpoint}${action ? ` to ${action}` : ""}${what ? ` (${what})` : ""}: not an answer of the AWS API. ` +
        "Fix: check where requests go (AWS_ENDPOINT_URL, HTTPS_PROXY, --region) and that the service is reachable, then run again"
    );
}

/** First line of an AWS message, without its final period (the caller adds its own punctuation). */
function firstLine(text: string): string {
    return text.split(/\r?\n/)[0].trim().replace(/\.+$/, "");
}

function loginHint(profile: string | undefined): string {
    return profile
        ? `refresh the credentials of profile "${profile}" (\`aws sso login --profile ${profile}\`, or renew its keys) and run again`
        : "pass --profile <name> (or set AWS_PROFILE), or export fresh AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, and run again";
}

/** One line, no stack trace, for anything a command throws. */
export function renderError(err: unknown, context: ErrorContext = {}): string {
    if (err instanceof UsageError) return err.message;
    const name = errorName(err);
    const message = firstLine(String((err as Error | undefined)?.message ?? err));
    const action = (err as TaggedAwsError | undefined)?.awsAction;

    if (isUnexpectedResponse(err)) return `${unexpectedResponse(err, action)}.`;
    if (isCredentialError(err)) {
        const profile = context.profile ? ` (profile "${context.profile}")` : "";
        return `credentials${profile} missing or expired: ${message}. Fix: ${loginHint(context.profile)}.`;
    }
    if (isMissingRegion(err)) {
        return "no AWS region: pass --region <region> (e.g. ap-southeast-2), set AWS_REGION, or pass --outputs with the stack outputs.";
    }
    if (isAccessDenied(err)) {
        // IAM denials name the principal and action themselves; Lake Formation ones do not.
        const iam = /User: (arn:\S+) is not authorized to perform: ([\w-]+:\w+)/.exec(message);
        const principal = iam?.[1] ?? context.principal ?? "the caller";
        const deniedAction = iam?.[2] ?? action ?? "the call";
        const lakeFormation = /lake formation/i.test(message);
        const fix = lakeFormation
            ? `grant ${principal} the Lake Formation permission the message names (or make it a data lake administrator)`
            : `allow ${deniedAction} for ${principal} in IAM`;
        return `access denied: ${principal} may not call ${deniedAction}: ${message}. Fix: ${fix}.`;
    }
    if (THROTTLING.has(name)) {
        return `${action ?? "AWS call"} still throttled after the SDK's retries: ${message}. Fix: run again later, or raise --max-attempts / use --retry-mode adaptive.`;
    }
    if (name && name !== "Error") return `${action ?? "AWS call"} failed: ${name}: ${message}`;
    return `${action ? `${action} failed: ` : ""}${message}`;
}
