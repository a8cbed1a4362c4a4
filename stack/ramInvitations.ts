/**
 * The RAM invitations and shares this account received for the shares it must accept: read with
 * the AWS SDK while the program runs (no Pulumi function lists invitations), through a seam the
 * offline plan and the tests replace. The lookup uses the aws provider's own settings (region,
 * profile, `aws:assumeRoles`: lib/providerSettings.ts), so it sees what the deployment will see.
 */
import * as pulumi from "@pulumi/pulumi";
import { assumeRoleParams, describeIdentity, providerSettings, ProviderSettings } from "../lib/providerSettings";
import type { ShareInvitation, ShareLookup, ShareState } from "../lib/ram";

export type { ShareLookup } from "../lib/ram";

/** The provider's settings, from this stack's `aws:` config and the environment. */
export function stackProviderSettings(): ProviderSettings {
    const aws = new pulumi.Config("aws");
    return providerSettings((key) => aws.get(key), process.env);
}

/** Credentials as the aws provider resolves them: its profile, then each of its assumed roles in turn. */
function credentials(settings: ProviderSettings) {
    const { fromIni, fromTemporaryCredentials } =
        require("@aws-sdk/credential-providers") as typeof import("@aws-sdk/credential-providers");
    let creds: ReturnType<typeof fromIni> | undefined = settings.profile
        ? fromIni({ profile: settings.profile })
        : undefined;
    for (const role of settings.assumeRoles) {
        creds = fromTemporaryCredentials({
            params: assumeRoleParams(role),
            ...(creds ? { masterCredentials: creds } : {}),
            clientConfig: { region: settings.region },
        });
    }
    return creds;
}

const awsLookup: ShareLookup = async (shareArns) => {
    const settings = stackProviderSettings();
    const as = describeIdentity(settings);
    if (shareArns.length === 0) return { invitations: [], shares: [], as };
    const { RAMClient, paginateGetResourceShareInvitations, paginateGetResourceShares } =
        require("@aws-sdk/client-ram") as typeof import("@aws-sdk/client-ram");
    const client = new RAMClient({ region: settings.region, credentials: credentials(settings) });
    const invitations: ShareInvitation[] = [];
    const shares: ShareState[] = [];
    // GetResourceShareInvitations takes at most 100 share ARNs per call.
    for (let i = 0; i < shareArns.length; i += 100) {
        const batch = [...shareArns.slice(i, i + 100)];
        for await (const page of paginateGetResourceShareInvitations({ client }, { resourceShareArns: batch })) {
            for (const inv of page.resourceShareInvitations ?? []) {
                if (!inv.resourceShareArn || !inv.status) continue;
                invitations.push({
                    shareArn: inv.resourceShareArn,
                    status: inv.status as ShareInvitation["status"],
                    invitationArn: inv.resourceShareInvitationArn,
                });
            }
        }
        // "OTHER-ACCOUNTS – resource shares that other accounts share with your account" (RAM API GetResourceShares).
        for await (const page of paginateGetResourceShares(
            { client },
            { resourceOwner: "OTHER-ACCOUNTS", resourceShareArns: batch },
        )) {
            for (const share of page.resourceShares ?? []) {
                if (share.resourceShareArn && share.status) {
                    shares.push({ shareArn: share.resourceShareArn, status: share.status });
                }
            }
        }
    }
    return { invitations, shares, as };
};

let current: ShareLookup = awsLookup;

export function lookupShares(shareArns: readonly string[]) {
    return current(shareArns);
}

/** Replaces the lookup (offline plan, tests); returns the one it replaced. */
export function useShareLookup(lookup: ShareLookup): ShareLookup {
    const previous = current;
    current = lookup;
    return previous;
}
