/**
 * The RAM invitations this account received for the shares it must accept: read with the AWS SDK
 * while the program runs (no Pulumi function lists invitations), through a seam the offline plan
 * and the tests replace.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ShareInvitation } from "../lib/ram";

export type InvitationLookup = (shareArns: readonly string[]) => Promise<ShareInvitation[]>;

/** The credentials the aws provider of this stack uses: its profile or assumed role, else the environment's. */
function credentials() {
    const { fromIni, fromTemporaryCredentials } =
        require("@aws-sdk/credential-providers") as typeof import("@aws-sdk/credential-providers");
    const aws = new pulumi.Config("aws");
    const assumeRole = aws.getObject<{ roleArn?: string; sessionName?: string; externalId?: string }>("assumeRole");
    if (assumeRole?.roleArn) {
        return fromTemporaryCredentials({
            params: {
                RoleArn: assumeRole.roleArn,
                RoleSessionName: assumeRole.sessionName ?? "connect-analytics-ram",
                ...(assumeRole.externalId ? { ExternalId: assumeRole.externalId } : {}),
            },
        });
    }
    const profile = aws.get("profile");
    return profile ? fromIni({ profile }) : undefined;
}

const awsLookup: InvitationLookup = async (shareArns) => {
    if (shareArns.length === 0) return [];
    const { RAMClient, paginateGetResourceShareInvitations } =
        require("@aws-sdk/client-ram") as typeof import("@aws-sdk/client-ram");
    const client = new RAMClient({ region: new pulumi.Config("aws").require("region"), credentials: credentials() });
    const found: ShareInvitation[] = [];
    // GetResourceShareInvitations takes at most 100 share ARNs per call.
    for (let i = 0; i < shareArns.length; i += 100) {
        const pages = paginateGetResourceShareInvitations(
            { client },
            { resourceShareArns: [...shareArns.slice(i, i + 100)] },
        );
        for await (const page of pages) {
            for (const inv of page.resourceShareInvitations ?? []) {
                if (!inv.resourceShareArn || !inv.status) continue;
                found.push({
                    shareArn: inv.resourceShareArn,
                    status: inv.status as ShareInvitation["status"],
                    invitationArn: inv.resourceShareInvitationArn,
                });
            }
        }
    }
    return found;
};

let current: InvitationLookup = awsLookup;

export function lookupInvitations(shareArns: readonly string[]): Promise<ShareInvitation[]> {
    return current(shareArns);
}

/** Replaces the lookup (offline plan, tests); returns the one it replaced. */
export function useInvitationLookup(lookup: InvitationLookup): InvitationLookup {
    const previous = current;
    current = lookup;
    return previous;
}
