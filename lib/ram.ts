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
 */
export function planAcceptance(
    shareArns: readonly string[],
    invitations: readonly ShareInvitation[],
    reshare: string,
): Acceptance[] {
    const problems: string[] = [];
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
        return {
            shareArn,
            action: "none",
            note:
                `no RAM invitation for ${shareArn}: inside one AWS Organization with RAM sharing on none is needed. ` +
                "If the accounts are in different organizations, the share has not reached this account yet; " +
                "`connect-analytics verify` shows its state.",
        };
    });
    if (problems.length > 0) throw new RamShareError(problems.join("; "));
    return plan;
}
