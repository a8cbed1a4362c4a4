/**
 * Delays between Athena status polls and between query attempts. The AWS SDK retries throttled
 * and transient API calls itself (adaptive retry mode); these cover what it does not: waiting for
 * a running query, and restarting a query that Athena failed with a retryable error or refused
 * for its concurrency limit. Pure: randomness is passed in.
 */

export interface BackoffPolicy {
    readonly baseMs: number;
    readonly capMs: number;
    readonly factor: number;
}

/** Polls start fast (most export queries take seconds) and settle at a few seconds. */
export const POLL_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 5_000, factor: 1.5 };
/** Query restarts back off longer: a concurrency slot or a transient fault takes a while to clear. */
export const RETRY_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 30_000, factor: 2 };

/**
 * Delay before step `n` (0-based) with "equal jitter": half fixed, half random, so polls of
 * concurrent runs spread out but never hammer the API.
 */
export function backoffDelay(n: number, policy: BackoffPolicy, random: () => number): number {
    const ceiling = Math.min(policy.capMs, policy.baseMs * policy.factor ** Math.max(0, n));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
