/**
 * The AWS edge of the CLI: one typed bundle of SDK clients per set of credentials, and the two
 * helpers every call goes through so an error can later name the IAM action that failed.
 *
 * Commands take an `AwsClients` (or two: consumer and producer credentials) and nothing else
 * from AWS, so tests hand them clients mocked with aws-sdk-client-mock and count the calls.
 */
import { AthenaClient } from "@aws-sdk/client-athena";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ConnectClient } from "@aws-sdk/client-connect";
import { GlueClient } from "@aws-sdk/client-glue";
import { LakeFormationClient } from "@aws-sdk/client-lakeformation";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { RAMClient } from "@aws-sdk/client-ram";
import { STSClient } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-providers";

export interface AwsClients {
    readonly sts: STSClient;
    readonly glue: GlueClient;
    readonly lakeformation: LakeFormationClient;
    readonly ram: RAMClient;
    readonly athena: AthenaClient;
    /** `audit`: the account's CloudTrail event history (LookupEvents). */
    readonly cloudtrail: CloudTrailClient;
    /** The Connect instance's dataset associations (`connectAnalytics`, producer credentials). */
    readonly connect: ConnectClient;
    /** `verify --query`: the export function's probe, as its role. */
    readonly lambda: LambdaClient;
}

export type RetryMode = "standard" | "adaptive";

export interface ClientOptions {
    /** Undefined: the SDK's resolution (AWS_REGION, then the profile's `region`). */
    readonly region?: string;
    /** Named profile of the shared config files; undefined: the default credential chain. */
    readonly profile?: string;
    /** Throttling is retried by the SDK, not by us: standard backoff, or adaptive client-side rate limiting. */
    readonly retryMode: RetryMode;
    /** Total attempts per call, first one included. Bounded so a throttled run ends. */
    readonly maxAttempts: number;
}

export const MAX_ATTEMPTS_LIMIT = 10;

export type ClientFactory = (options: ClientOptions) => AwsClients;

export const createAwsClients: ClientFactory = (options) => {
    const config = {
        region: options.region,
        retryMode: options.retryMode,
        maxAttempts: options.maxAttempts,
        // fromIni resolves SSO, assume-role and credential_process profiles too.
        ...(options.profile ? { credentials: fromIni({ profile: options.profile }) } : {}),
    };
    return withEndpointTags({
        sts: new STSClient(config),
        glue: new GlueClient(config),
        lakeformation: new LakeFormationClient(config),
        ram: new RAMClient(config),
        athena: new AthenaClient(config),
        cloudtrail: new CloudTrailClient(config),
        connect: new ConnectClient(config),
        lambda: new LambdaClient(config),
    });
};

/** An error thrown by an AWS call, tagged with the IAM action of the call (`glue:GetTables`) and whose credentials made it. */
export interface TaggedAwsError extends Error {
    awsAction?: string;
    /** The endpoint that answered (`https://glue.ap-southeast-2.amazonaws.com`), for answers that are not AWS's. */
    awsEndpoint?: string;
    /** `main` (--profile) or `producer` (--producer-profile). */
    awsWhich?: "main" | "producer";
}

/**
 * Each client tags a failing call's error with the endpoint it sent the request to: an HTML page
 * from a proxy is then "unexpected response from <endpoint>", not a missing permission.
 */
function withEndpointTags(clients: AwsClients): AwsClients {
    for (const client of Object.values(clients) as Array<{
        middlewareStack: { add: (m: unknown, o: { step: string; name: string }) => void };
    }>) {
        client.middlewareStack.add(
            (next: (args: { request?: unknown }) => Promise<unknown>) => async (args: { request?: unknown }) => {
                try {
                    return await next(args);
                } catch (err) {
                    const r = args.request as { protocol?: string; hostname?: string; port?: number } | undefined;
                    if (r?.hostname && err && typeof err === "object" && !(err as TaggedAwsError).awsEndpoint) {
                        (err as TaggedAwsError).awsEndpoint =
                            `${r.protocol ?? "https:"}//${r.hostname}${r.port ? `:${r.port}` : ""}`;
                    }
                    throw err;
                }
            },
            { step: "finalizeRequest", name: "connectAnalyticsEndpointTag" },
        );
    }
    return clients;
}

/** Marks an error with the credentials that made the failing call, for the message. */
export function tagWhich(err: unknown, which: "main" | "producer"): unknown {
    if (err && typeof err === "object" && !(err as TaggedAwsError).awsWhich) (err as TaggedAwsError).awsWhich = which;
    return err;
}

function tag(err: unknown, action: string): unknown {
    if (err && typeof err === "object" && !(err as TaggedAwsError).awsAction) {
        (err as TaggedAwsError).awsAction = action;
    }
    return err;
}

/** Runs one AWS call; a failure carries `action` so the message can name what was denied. */
export async function call<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
        return await send();
    } catch (err) {
        throw tag(err, action);
    }
}

/** Drains an SDK paginator (`paginateGetTables` etc.) into one array of items. */
export async function collect<P, T>(
    action: string,
    pages: AsyncIterable<P>,
    items: (page: P) => readonly T[] | undefined,
): Promise<T[]> {
    const out: T[] = [];
    try {
        for await (const page of pages) out.push(...(items(page) ?? []));
    } catch (err) {
        throw tag(err, action);
    }
    return out;
}

/** The AWS error code of an SDK error (`AccessDeniedException`, `EntityNotFoundException`...). */
export function errorName(err: unknown): string {
    return (err as { name?: string } | undefined)?.name ?? "";
}

export function isNotFound(err: unknown): boolean {
    return /^(EntityNotFoundException|ResourceNotFoundException|NoSuchEntity|NotFoundException)$/.test(errorName(err));
}
