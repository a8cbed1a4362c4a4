/**
 * `grant`: makes the grants `requiredGrants(model)` names that are not there yet, and only
 * those (idempotent: a second run grants nothing). Each side's grants are made with the
 * credentials of that side's account: `--profile` and `--producer-profile` are matched to the
 * consumer and producer accounts by STS, so one run with both profiles repairs both catalogs.
 * Never revokes anything.
 */
import { describeResource, GrantSide, LfGrant, requiredGrants, ShareModel, sortPermissions } from "../lib/permissions";
import { AwsClients, tagWhich } from "./aws";
import { batchGrant, isSatisfied, listGrants, shortfall } from "./lf";
import { identify, Session, Which } from "./session";

export type GrantAction = "present" | "grant" | "would-grant" | "failed" | "skipped";

export interface GrantChange {
    readonly action: GrantAction;
    readonly side: GrantSide;
    readonly principal: string;
    readonly resource: string;
    /** For `present`: the required permissions; otherwise the permissions granted (or to grant). */
    readonly permissions: readonly string[];
    readonly grantable: readonly string[];
    readonly note?: string;
}

/** Pure: which required grants are already held, and what exactly is missing of the others. */
export function planGrants(
    required: readonly LfGrant[],
    held: readonly LfGrant[],
): { present: LfGrant[]; missing: LfGrant[] } {
    const present: LfGrant[] = [];
    const missing: LfGrant[] = [];
    for (const grant of required) {
        const s = shortfall(grant, held, grant.principal);
        if (isSatisfied(s)) {
            present.push(grant);
            continue;
        }
        // A permission granted with the grant option must also be in Permissions.
        missing.push({
            ...grant,
            permissions: sortPermissions([...s.missing, ...s.missingGrantable]),
            grantable: s.missingGrantable,
        });
    }
    return { present, missing };
}

function change(action: GrantAction, grant: LfGrant, note?: string): GrantChange {
    return {
        action,
        side: grant.side,
        principal: grant.principal,
        resource: describeResource(grant.resource),
        permissions: grant.permissions,
        grantable: grant.grantable,
        ...(note ? { note } : {}),
    };
}

export interface GrantOptions {
    readonly dryRun: boolean;
    readonly sides: readonly GrantSide[];
}

export async function grant(
    session: Session,
    options: GrantOptions,
    onChange?: (c: GrantChange) => void,
): Promise<GrantChange[]> {
    const { model } = session.targets;
    const changes: GrantChange[] = [];
    const emit = (c: GrantChange) => {
        changes.push(c);
        onChange?.(c);
    };
    const accounts: Array<{ clients: AwsClients; account: string; which: Which }> = [];
    accounts.push({ clients: session.main, account: (await identify(session, "main")).account, which: "main" });
    if (session.producer) {
        accounts.push({
            clients: session.producer,
            account: (await identify(session, "producer")).account,
            which: "producer",
        });
    }

    for (const side of options.sides) {
        const required = requiredGrants(model).filter((g) => g.side === side);
        if (required.length === 0) continue;
        const catalogId = accountOf(model, side);
        const creds = accounts.find((a) => a.account === catalogId);
        if (!creds) {
            const flag = side === "producer" ? "--producer-profile" : "--profile";
            required.forEach((g) =>
                emit(
                    change(
                        "skipped",
                        g,
                        `no credentials for the ${side} account ${catalogId}: pass ${flag} <profile of ${catalogId}>`,
                    ),
                ),
            );
            continue;
        }
        try {
            const held = await listGrants(creds.clients.lakeformation, catalogId, side);
            const { present, missing } = planGrants(required, held);
            present.forEach((g) => emit(change("present", g)));
            if (options.dryRun) {
                missing.forEach((g) => emit(change("would-grant", g)));
                continue;
            }
            const failures = await batchGrant(creds.clients.lakeformation, catalogId, missing);
            const failed = new Map(failures.map((f) => [f.grant, f.error]));
            missing.forEach((g) => emit(failed.has(g) ? change("failed", g, failed.get(g)) : change("grant", g)));
        } catch (err) {
            throw tagWhich(err, creds.which);
        }
    }
    return changes;
}

function accountOf(model: ShareModel, side: GrantSide): string {
    return side === "producer" ? model.producerAccountId : model.consumerAccountId;
}
