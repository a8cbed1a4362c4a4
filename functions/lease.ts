/**
 * The run lease: one object in the store that a run must hold before any query, so async
 * retries, schedule retries and manual runs never overlap. Taken with a conditional write
 * (create only if absent: on S3 `If-None-Match: *`); taken over from an expired or released
 * holder (or, locally, a dead process) only if the object is still the one read (`If-Match` on
 * its ETag); released the same way, so a lease that expired and was taken over stays its new
 * holder's. See https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html: a
 * failed condition is 412 Precondition Failed, a concurrent conditional write 409; both mean
 * another run won. Locally the exports folder holds the same object.
 */
import { exportError } from "./errors";
import type { ObjectStore } from "./types";

export const LEASE_KEY = "state/lease.json";
export const MAINTENANCE_LEASE_KEY = "state/maintenance-lease.json";

export interface LeaseRecord {
    readonly runId: string;
    /** Who holds it: the Lambda request id, or local:host:pid. */
    readonly owner: string;
    readonly acquiredAt: string;
    /** After this instant the lease is free (a crashed run's lease expires). */
    readonly expiresAt: string;
    readonly released?: boolean;
}

export interface LeaseRequest {
    readonly runId: string;
    readonly owner: string;
    readonly nowMs: number;
    readonly untilMs: number;
    /** False when the holder is known to be dead (locally: its process is gone); default alive. */
    readonly ownerAlive?: (owner: string) => boolean;
    readonly key?: string;
}

export interface Lease {
    readonly record: LeaseRecord;
    /** The previous holder whose expired or released lease was taken over, if any. */
    readonly tookOver?: LeaseRecord;
    release(nowMs: number): Promise<void>;
}

export async function acquireLease(store: ObjectStore, want: LeaseRequest): Promise<Lease> {
    const key = want.key ?? LEASE_KEY;
    const record: LeaseRecord = {
        runId: want.runId,
        owner: want.owner,
        acquiredAt: new Date(want.nowMs).toISOString(),
        expiresAt: new Date(want.untilMs).toISOString(),
    };
    let tag = await store.putIf(key, JSON.stringify(record, null, 2), undefined);
    let tookOver: LeaseRecord | undefined;
    if (tag === undefined) {
        const current = await store.getTagged(key);
        let holder: LeaseRecord | undefined;
        try {
            holder = current && JSON.parse(current.text);
        } catch {
            holder = undefined;
        }
        if (current && !Date.parse(holder?.expiresAt ?? "")) {
            throw exportError(
                "STORE",
                `lease ${store.uri(key)} is not a lease record; delete it if no export is running, then run again.`,
            );
        }
        const held =
            holder &&
            !holder.released &&
            Date.parse(holder.expiresAt) > want.nowMs &&
            want.ownerAlive?.(holder.owner) !== false;
        tag = held ? undefined : await store.putIf(key, JSON.stringify(record, null, 2), current?.tag);
        if (tag === undefined) {
            throw exportError(
                "LEASE_HELD",
                held
                    ? `run ${holder!.runId} holds the lease until ${holder!.expiresAt} (${store.uri(key)}, owner ${holder!.owner}); this run did nothing and exits. ` +
                          `If no export is running (its owner crashed on another machine), delete ${store.uri(key)} and run again`
                    : `another run took the lease ${store.uri(key)} just now; this run did nothing and exits`,
                { holder: holder ?? null },
            );
        }
        tookOver = holder;
    }
    return {
        record,
        ...(tookOver ? { tookOver } : {}),
        async release(nowMs) {
            const released = { ...record, expiresAt: new Date(nowMs).toISOString(), released: true };
            tag = (await store.putIf(key, JSON.stringify(released, null, 2), tag)) ?? tag;
        },
    };
}
