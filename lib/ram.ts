/**
 * Accepting the RAM shares the consumer receives, decided from the invitations RAM reports, so a
 * share accepted earlier (by hand, by `verify`'s printed command, by an earlier run, or with no
 * invitation at all inside one AWS Organization) is never a failure. Pure.
 *
 * RAM invitation states (ram/latest/APIReference/API_ResourceShareInvitation.html): PENDING,
 * ACCEPTED, REJECTED, EXPIRED; an expired one cannot be accepted (ResourceShareInvitationExpiredException).
 */
import { RAM_SHARE_ARN } from "./names";

export type InvitationStatus = "PENDING" | "ACCEPTED" | "REJECTED" | "EXPIRED";

export interface ShareInvitation {
    readonly shareArn: string;
    readonly status: InvitationStatus;
    readonly invitationArn?: string;
}

/** A share as GetResourceShares (resourceOwner OTHER-ACCOUNTS) reports it: PENDING, ACTIVE, FAILED, DELETING, DELETED. */
export interface ShareState {
    readonly shareArn: string;
    readonly status: string;
}

/** What RAM says about the shares, and who asked (for messages). */
export interface ShareFacts {
    readonly invitations: readonly ShareInvitation[];
    readonly shares: readonly ShareState[];
    /** The identity and region of the lookup, e.g. "role arn:... (aws:assumeRoles) in ap-southeast-2". */
    readonly as?: string;
}

export type ShareLookup = (shareArns: readonly string[]) => Promise<ShareFacts>;

/**
 * What to do about one share:
 * - `accept`: an invitation is pending; the accepter accepts it.
 * - `adopt`: already accepted; the accepter is imported (its id is the share ARN), not created.
 * - `none`: no invitation at all: inside one organization with RAM sharing on, none is needed.
 */
export type Acceptance =
    | { readonly shareArn: string; readonly action: "accept" | "adopt" }
    | { readonly shareArn: string; readonly action: "none"; readonly note: string };

export class RamShareError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RamShareError";
    }
}

/** The id part of a share ARN, for stable resource names. */
export const shareId = (shareArn: string) => shareArn.slice(shareArn.lastIndexOf("/") + 1);

/**
 * The acceptance of each share. `reshare` says how the sender sends a new invitation, for the
 * message when the last one expired or was rejected.
 *
 * No invitation at all: a share inside one AWS Organization with RAM sharing on needs none. Amazon
 * Connect's share never is one: it comes from Connect's own account, outside the consumer's
 * Organization (lake-formation/latest/dg/viewing-shared-resources.html), so it always invites. With
 * `connectAnalytics` an absent invitation is fine only when the share is already ACTIVE for this
 * account (GetResourceShares, resourceOwner OTHER-ACCOUNTS); otherwise the invitation is not sent
 * yet, expired and was cleaned up, or the lookup ran with other credentials or another region than
 * the share's, and the run stops before creating anything, naming the share and the fix.
 */
export function planAcceptance(
    shareArns: readonly string[],
    facts: ShareFacts,
    reshare: string,
    dataSource: "connectAnalytics" | "producerCatalog" = "producerCatalog",
): Acceptance[] {
    const problems: string[] = [];
    const { invitations } = facts;
    const plan = [...new Set(shareArns)].map((shareArn): Acceptance => {
        if (!RAM_SHARE_ARN.test(shareArn)) problems.push(`${shareArn} is not a RAM resource share ARN`);
        const mine = invitations.filter((i) => i.shareArn === shareArn);
        // RAM keeps the old invitations of a share; any accepted one means the share is ours.
        if (mine.some((i) => i.status === "ACCEPTED")) return { shareArn, action: "adopt" };
        if (mine.some((i) => i.status === "PENDING")) return { shareArn, action: "accept" };
        const ended = mine.find((i) => i.status === "EXPIRED" || i.status === "REJECTED");
        if (ended) {
            problems.push(
                `the RAM invitation to share ${shareArn} is ${ended.status}: nothing can accept it now. ` +
                    `${reshare}, then run this stack again before the new invitation expires.`,
            );
            return { shareArn, action: "none", note: "" };
        }
        const share = facts.shares.find((x) => x.shareArn === shareArn);
        if (share?.status === "ACTIVE") {
            return {
                shareArn,
                action: "none",
                note: `RAM share ${shareArn} is ACTIVE for this account: nothing to accept.`,
            };
        }
        const seen = share ? `the share is ${share.status}` : "the share is not visible to this account";
        const who = facts.as ? ` (looked up as ${facts.as})` : "";
        if (dataSource === "connectAnalytics") {
            problems.push(
                `no RAM invitation for Amazon Connect's share ${shareArn}, and ${seen}${who}. Connect shares from its own ` +
                    `account, outside your AWS Organization, so it always sends an invitation: either it is not sent yet ` +
                    `(the producer's association is still being created: run this stack again in a few minutes), or it ` +
                    `expired (${reshare}), or this lookup used other credentials or another region than the share's ` +
                    `(check aws:region, aws:profile and aws:assumeRoles of this stack: \`aws ram get-resource-shares ` +
                    `--resource-owner OTHER-ACCOUNTS --resource-share-arns ${shareArn}\` with them must show it).`,
            );
            return { shareArn, action: "none", note: "" };
        }
        return {
            shareArn,
            action: "none",
            note:
                `no RAM invitation for ${shareArn} (${seen}${who}): inside one AWS Organization with RAM sharing on none is needed. ` +
                "If the accounts are in different organizations, the share has not reached this account yet; " +
                "`connect-analytics verify` shows its state.",
        };
    });
    if (problems.length > 0) throw new RamShareError(problems.join("; "));
    return plan;
}
