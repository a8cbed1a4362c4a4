/** Human-readable rendering of check results and changes. Pure: strings in, strings out. */
import { Check, Status } from "./checks";
import { GrantChange } from "./grant";
import { LinkChange } from "./relink";

/** The progress line printed as each check completes (on a terminal). */
export function checkLine(check: Check, index?: number): string {
    const n = index === undefined ? "" : `[${String(index).padStart(3)}] `;
    return `${n}${check.status.padEnd(4)}  ${check.title}: ${check.detail}`;
}

export function counts(checks: readonly Check[]): Record<Status, number> {
    const out: Record<Status, number> = { PASS: 0, FAIL: 0, WARN: 0 };
    checks.forEach((c) => out[c.status]++);
    return out;
}

/** The summary table: status, check, detail; the fix under each FAIL or WARN; totals last. */
export function summaryTable(checks: readonly Check[], stopped?: string): string {
    const titleWidth = Math.min(48, Math.max(5, ...checks.map((c) => c.title.length)));
    const lines = [`${"STATUS".padEnd(6)}  ${"CHECK".padEnd(titleWidth)}  DETAIL`];
    for (const c of checks) {
        lines.push(`${c.status.padEnd(6)}  ${c.title.padEnd(titleWidth)}  ${c.detail}`);
        if (c.fix && c.status !== "PASS") lines.push(`${"".padEnd(6)}  ${"".padEnd(titleWidth)}  fix: ${c.fix}`);
    }
    const n = counts(checks);
    lines.push("");
    lines.push(
        `${checks.length} checks: ${n.PASS} PASS, ${n.FAIL} FAIL, ${n.WARN} WARN${stopped ? ` (stopped early: ${stopped})` : ""}`,
    );
    return lines.join("\n") + "\n";
}

const GRANT_VERBS: Record<GrantChange["action"], string> = {
    present: "present",
    grant: "granted",
    "would-grant": "would grant",
    failed: "FAILED",
    skipped: "skipped",
};

export function grantLine(c: GrantChange): string {
    const grantable = c.grantable.length ? ` (grant option: ${c.grantable.join(", ")})` : "";
    return `${GRANT_VERBS[c.action].padEnd(13)} ${c.permissions.join(", ")} on ${c.resource} to ${c.principal}${grantable}${c.note ? ` — ${c.note}` : ""}`;
}

export function linkLine(c: LinkChange, dryRun: boolean): string {
    const verb = (done: string, planned: string) => (dryRun ? planned : done).padEnd(13);
    switch (c.action) {
        case "ok":
            return `${verb("unchanged", "unchanged")} link ${c.link} → ${c.target}`;
        case "create":
            return `${verb("created", "would create")} link ${c.link} → ${c.target}`;
        case "replace":
            return `${verb("replaced", "would replace")} link ${c.link}: ${c.current} → ${c.target}`;
        case "blocked":
            return `${verb("BLOCKED", "BLOCKED")} ${c.link} is a regular table, not a link; left alone (rename the link in the stack's tables config, or move the table)`;
    }
}
