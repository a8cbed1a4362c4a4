/**
 * No test skips itself silently. A test (or a suite's `before` hook) that cannot run here calls
 * `skipBecause(this, reason)`: the reason is printed and recorded on the test or suite. After each
 * test file, the root hook (tests/setup.ts) looks at every pending test: under CI (CI=true) one
 * without a reason (it.skip, xit, an `it` without a body, a bare this.skip()) or whose reason is not
 * in EXPECTED_SKIPS fails the run, naming the test. Outside CI, each pending test's reason is
 * printed. To let CI skip something on purpose, add its reason's pattern to EXPECTED_SKIPS, with why.
 */
import type { Context, Runnable, Suite } from "mocha";

/** Reasons a test may be pending in CI. None today: CI installs moto and Node 24 (REQUIRE_MOTO=1). */
export const EXPECTED_SKIPS: readonly RegExp[] = [];

const REASON = Symbol("skip reason");
type WithReason = { [REASON]?: string };

/** Skips the current test (in `it`) or the suite's tests (in `before`), saying why. */
export function skipBecause(ctx: Context, reason: string): never {
    const runnable = ctx.test as (Runnable & WithReason & { type?: string }) | undefined;
    // In a `before` hook the reason is the suite's: its tests are the ones skipped.
    const target = (runnable?.type === "hook" ? runnable.parent : runnable) as WithReason | undefined;
    if (target) target[REASON] = reason;
    console.log(`    skipped: ${reason}`);
    return ctx.skip();
}

/** The pending tests under `suite`, each with its recorded reason (its own, else its nearest suite's). */
export function pendingTests(suite: Suite): { title: string; reason?: string }[] {
    const reasonOf = (r: (Runnable | Suite) & WithReason): string | undefined =>
        r[REASON] ?? (r.parent ? reasonOf(r.parent as Suite & WithReason) : undefined);
    return [
        ...suite.tests.filter((t) => t.isPending()).map((t) => ({ title: t.fullTitle(), reason: reasonOf(t) })),
        ...suite.suites.flatMap(pendingTests),
    ];
}

/** The problems CI has with these pending tests: none unless one has no reason or an unexpected one. */
export function unexpectedSkips(pending: readonly { title: string; reason?: string }[]): string[] {
    return pending
        .filter((p) => !p.reason || !EXPECTED_SKIPS.some((r) => r.test(p.reason!)))
        .map((p) =>
            p.reason
                ? `"${p.title}" was skipped in CI: ${p.reason} (not an expected reason; tests/skips.ts EXPECTED_SKIPS)`
                : `"${p.title}" is pending without a reason (it.skip, xit, no body, or this.skip()): use skipBecause(this, why), or run it`,
        );
}
