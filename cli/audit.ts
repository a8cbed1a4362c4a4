/**
 * `audit`: who read which table how often, from the consumer account's CloudTrail event history,
 * and who read a table they are not configured for.
 *
 * Two event names, because each sees a different half (LookupEvents takes one lookup attribute
 * per call, so one paginated lookup each):
 * - `GetDataAccess` (lakeformation.amazonaws.com): Lake Formation vending credentials for a table
 *   to an engine (Athena, Redshift, EMR, Glue) on behalf of a principal; `requestParameters.tableArn`
 *   names the table (aws-lakeformation-best-practices, auditing/lake-formation-cloudtrail.md). It is
 *   the authoritative "was allowed to read"; an `errorCode` means it was refused.
 * - `StartQueryExecution` (athena.amazonaws.com): the query text (`requestParameters.queryString`,
 *   `queryExecutionContext.database/catalog`); which tables it names comes from cli/sqlTables.ts.
 *   A query names links (consumer catalog); GetDataAccess may name the target: both are folded into
 *   the table's configured name through the aliases the command derives from the share.
 *
 * The principal is the IAM role behind a session (`userIdentity.sessionContext.sessionIssuer.arn`),
 * not the session ARN; an IAM user's ARN as is. Roles compare by account and name (paths ignored).
 *
 * Pure core: `parseTrailEvent` and `auditReport(events, expected, aliases)`; the AWS edge is
 * `lookupAccessEvents` (the SDK's paginator; throttling is the SDK's retry, `--retry-mode adaptive`).
 */
import { Event as TrailEvent, paginateLookupEvents } from "@aws-sdk/client-cloudtrail";
import { stringify } from "csv-stringify/sync";
import { isIsoDay } from "../functions/dates";
import { isObject } from "../lib/json";
import { IAM_PRINCIPAL_ARN } from "../lib/names";
import { textTable } from "../lib/report";
import { AwsClients, collect } from "./aws";
import { UsageError } from "./errors";
import { tablesInQuery } from "./sqlTables";
import { principalIdentity, roleIdentity } from "../lib/config/principals";

export const AUDITED_EVENTS = ["GetDataAccess", "StartQueryExecution"] as const;
export type AuditedEventName = (typeof AUDITED_EVENTS)[number];

/** CloudTrail event history (LookupEvents) keeps 90 days (awscloudtrail LookupEvents API reference). */
export const EVENT_HISTORY_DAYS = 90;
/** LookupEvents' largest page. */
export const LOOKUP_PAGE_SIZE = 50;

/** A table as an event names it. */
export interface TableRef {
    /** Account of the Glue catalog; undefined when the query named another Athena catalog. */
    readonly account?: string;
    /** Athena data catalog other than the account's own (AwsDataCatalog). */
    readonly catalog?: string;
    /** undefined: an unqualified name in a query without a context database. */
    readonly database?: string;
    readonly table: string;
}

/** One CloudTrail event, reduced to what the audit needs. */
export interface AccessEvent {
    readonly id: string;
    /** ISO 8601. */
    readonly time: string;
    readonly eventName: AuditedEventName;
    readonly principal: string;
    readonly tables: readonly TableRef[];
    /** Set when the call was refused (AccessDenied...): an attempt, not a read. */
    readonly errorCode?: string;
    /** Why no table could be taken from the event, when none was. */
    readonly note?: string;
}

/** What a principal is configured to read: table names as the config has them, or `db.table`, or `account:db.table`. */
export interface ExpectedAccess {
    readonly principal: string;
    readonly tables: readonly string[];
}

/** A concrete table (a link, or a link's target) known by a configured name. */
export interface TableAlias {
    readonly account: string;
    readonly database: string;
    readonly table: string;
    readonly name: string;
}

export type AuditStatus = "ok" | "UNCONFIGURED" | "denied" | "other";

export interface AuditRow {
    readonly status: AuditStatus;
    readonly principal: string;
    /** The configured name when the table is part of the share, else `account:db.table`. */
    readonly table: string;
    /** StartQueryExecution events naming the table (successful calls). */
    readonly queries: number;
    /** Successful GetDataAccess events for the table. */
    readonly dataAccess: number;
    /** Refused calls of either kind. */
    readonly denied: number;
    readonly firstSeen: string;
    readonly lastSeen: string;
}

export interface AuditReport {
    /** Events read, after removing duplicates. */
    readonly events: number;
    readonly rows: readonly AuditRow[];
    /** The UNCONFIGURED rows: reads of a share table by a principal not configured for it. */
    readonly findings: readonly AuditRow[];
    /** Events no table could be taken from (not a read, not parsed, no table ARN), with why. */
    readonly withoutTable: ReadonlyArray<{ readonly reason: string; readonly count: number }>;
}

function str(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : undefined;
}

const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

/** The principal of a CloudTrail `userIdentity`: the role behind a session, else the caller's ARN. */
export function principalOf(identity: unknown): string {
    if (!isObject(identity)) return "unknown (no userIdentity)";
    const issuer = isObject(identity.sessionContext) ? identity.sessionContext.sessionIssuer : undefined;
    const issuerArn = isObject(issuer) ? str(issuer.arn) : undefined;
    if (issuerArn && (identity.type === "AssumedRole" || identity.type === "FederatedUser")) return issuerArn;
    const arn = str(identity.arn);
    if (arn) {
        // No sessionIssuer (older events): the role from the session ARN (its path is not in it).
        const m = ASSUMED_ROLE.exec(arn);
        return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : arn;
    }
    if (identity.type === "AWSService") return str(identity.invokedBy) ?? "AWS service";
    const account = str(identity.accountId);
    return account ? `account ${account}` : `unknown (${str(identity.type) ?? "no type"})`;
}

/**
 * Comparable identity of a principal ARN, as IAM tells principals apart (the config compares
 * readers the same way): `account:role/name` for roles and their sessions, `account:user/name` for
 * users, the name without its path and in lowercase.
 */
export function principalKey(arn: string): string {
    const session = ASSUMED_ROLE.exec(arn);
    if (session) return roleIdentity(session[2], session[3]);
    return principalIdentity(arn) ?? arn;
}

/** `arn:aws:glue:<region>:<account>:table/<database>/<table>`. */
export function tableFromArn(arn: string): TableRef | undefined {
    const m = /^arn:aws[a-z-]*:glue:[a-z0-9-]*:(\d{12}):table\/([^/]+)\/([^/]+)$/.exec(arn);
    return m ? { account: m[1], database: m[2].toLowerCase(), table: m[3].toLowerCase() } : undefined;
}

/** One LookupEvents entry as the audit sees it; undefined for an event of another name. */
export function parseTrailEvent(event: TrailEvent): AccessEvent | undefined {
    const name = event.EventName;
    if (name !== "GetDataAccess" && name !== "StartQueryExecution") return undefined;
    const base = {
        id: event.EventId ?? "",
        time: (event.EventTime ?? new Date(0)).toISOString(),
        eventName: name as AuditedEventName,
    };
    let record: unknown;
    try {
        record = JSON.parse(event.CloudTrailEvent ?? "");
    } catch {
        return { ...base, principal: "unknown (unreadable event)", tables: [], note: "CloudTrailEvent is not JSON" };
    }
    if (!isObject(record)) {
        return {
            ...base,
            principal: "unknown (unreadable event)",
            tables: [],
            note: "CloudTrailEvent is not an object",
        };
    }
    const principal = principalOf(record.userIdentity);
    const errorCode = str(record.errorCode);
    const withError = errorCode ? { errorCode } : {};
    const params = isObject(record.requestParameters) ? record.requestParameters : undefined;
    const account =
        str(record.recipientAccountId) ??
        (isObject(record.userIdentity) ? str(record.userIdentity.accountId) : undefined);

    if (name === "GetDataAccess") {
        const arn = str(params?.tableArn);
        const table = arn ? tableFromArn(arn) : undefined;
        if (table) return { ...base, principal, tables: [table], ...withError };
        const note = params?.dataLocations
            ? "GetDataAccess by S3 data location, not by table"
            : arn
              ? "GetDataAccess tableArn not a Glue table ARN"
              : "GetDataAccess without a tableArn";
        return { ...base, principal, tables: [], note, ...withError };
    }

    const query = str(params?.queryString);
    if (!query) return { ...base, principal, tables: [], note: "StartQueryExecution without query text", ...withError };
    const ctx = isObject(params?.queryExecutionContext) ? params.queryExecutionContext : {};
    const parsed = tablesInQuery(query, { database: str(ctx.database), catalog: str(ctx.catalog) });
    if (parsed.problem) {
        return { ...base, principal, tables: [], note: `query not parsed (${parsed.problem})`, ...withError };
    }
    if (!parsed.reads) {
        const kind = parsed.statement || "empty";
        return { ...base, principal, tables: [], note: `${kind} statement: reads no table data`, ...withError };
    }
    if (parsed.tables.length === 0) {
        return { ...base, principal, tables: [], note: "query names no table", ...withError };
    }
    const tables = parsed.tables.map(
        (t): TableRef =>
            t.catalog === undefined
                ? { account, database: t.database, table: t.table }
                : { catalog: t.catalog, database: t.database, table: t.table },
    );
    return { ...base, principal, tables, ...withError };
}

function refLabel(ref: TableRef): string {
    const where = ref.catalog !== undefined ? `${ref.catalog}/` : ref.account !== undefined ? `${ref.account}:` : "";
    return `${where}${ref.database ?? "?"}.${ref.table}`;
}

/** The configured name of a table an event names, if it is one of the share's. */
function aliasOf(ref: TableRef, aliases: readonly TableAlias[]): string | undefined {
    if (ref.catalog !== undefined) return undefined;
    const exact = aliases.find(
        (a) =>
            a.table === ref.table &&
            a.database === ref.database &&
            (ref.account === undefined || a.account === ref.account),
    );
    if (exact) return exact.name;
    // An unqualified name in a query without a context database: only when one alias has that table name.
    if (ref.database === undefined) {
        const byName = [...new Set(aliases.filter((a) => a.table === ref.table).map((a) => a.name))];
        if (byName.length === 1) return byName[0];
    }
    return undefined;
}

/** Whether an expected-access entry (`name`, `db.table`, `account:db.table`) covers a table. */
function covers(entry: string, ref: TableRef, alias: string | undefined): boolean {
    const e = entry.toLowerCase();
    const full = /^(\d{12}):([^.]+)\.(.+)$/.exec(e);
    if (full) return ref.account === full[1] && ref.database === full[2] && ref.table === full[3];
    const dotted = /^([^.:]+)\.([^.]+)$/.exec(e);
    if (dotted) return ref.database === dotted[1] && ref.table === dotted[2];
    return alias !== undefined ? alias === e : ref.table === e;
}

/**
 * Who read which table how often, and the reads nobody configured.
 *
 * A table is in scope when it is one of the share's (an alias) or an expected entry names it; a
 * read of an in-scope table by a principal whose entries do not cover it is UNCONFIGURED. Other
 * tables are listed as `other` and never flagged. A row counts as a read when Lake Formation
 * vended credentials (GetDataAccess) or, with no refusal seen, a query named the table; a row of
 * refused calls only is `denied`.
 */
export function auditReport(
    events: readonly AccessEvent[],
    expected: readonly ExpectedAccess[],
    aliases: readonly TableAlias[] = [],
): AuditReport {
    const unique = [...new Map(events.map((e) => [e.id || `${e.time}|${e.eventName}|${e.principal}`, e])).values()];
    const allowed = new Map<string, string[]>();
    for (const x of expected) {
        const key = principalKey(x.principal);
        allowed.set(key, [...(allowed.get(key) ?? []), ...x.tables]);
    }

    interface Acc {
        principal: string;
        table: string;
        inScope: boolean;
        configured: boolean;
        queries: number;
        dataAccess: number;
        denied: number;
        first: string;
        last: string;
    }
    const rows = new Map<string, Acc>();
    const without = new Map<string, number>();

    for (const e of unique) {
        if (e.tables.length === 0) {
            const reason = e.note ?? "no table";
            without.set(reason, (without.get(reason) ?? 0) + 1);
            continue;
        }
        const entries = allowed.get(principalKey(e.principal)) ?? [];
        const seen = new Set<string>();
        for (const ref of e.tables) {
            const alias = aliasOf(ref, aliases);
            const label = alias ?? refLabel(ref);
            if (seen.has(label)) continue; // one query naming a table twice is one read
            seen.add(label);
            const id = `${principalKey(e.principal)}\u0000${label}`;
            let row = rows.get(id);
            if (!row) {
                row = {
                    principal: e.principal,
                    table: label,
                    inScope: false,
                    configured: false,
                    queries: 0,
                    dataAccess: 0,
                    denied: 0,
                    first: e.time,
                    last: e.time,
                };
                rows.set(id, row);
            }
            // A link and its target fold into one row: either spelling may be the one an entry names.
            row.inScope ||= alias !== undefined || expected.some((x) => x.tables.some((t) => covers(t, ref, alias)));
            row.configured ||= entries.some((t) => covers(t, ref, alias));
            if (e.errorCode) row.denied++;
            else if (e.eventName === "GetDataAccess") row.dataAccess++;
            else row.queries++;
            if (e.time < row.first) row.first = e.time;
            if (e.time > row.last) row.last = e.time;
        }
    }

    const order: Record<AuditStatus, number> = { UNCONFIGURED: 0, denied: 1, ok: 2, other: 3 };
    const out: AuditRow[] = [...rows.values()]
        .map((r): AuditRow => {
            const read = r.dataAccess > 0 || (r.queries > 0 && r.denied === 0);
            const status: AuditStatus = !r.inScope ? "other" : !read ? "denied" : r.configured ? "ok" : "UNCONFIGURED";
            return {
                status,
                principal: r.principal,
                table: r.table,
                queries: r.queries,
                dataAccess: r.dataAccess,
                denied: r.denied,
                firstSeen: r.first,
                lastSeen: r.last,
            };
        })
        .sort(
            (a, b) =>
                order[a.status] - order[b.status] ||
                a.principal.localeCompare(b.principal) ||
                a.table.localeCompare(b.table),
        );
    return {
        events: unique.length,
        rows: out,
        findings: out.filter((r) => r.status === "UNCONFIGURED"),
        withoutTable: [...without.entries()]
            .map(([reason, count]) => ({ reason, count }))
            .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    };
}

// ---------------------------------------------------------------------------------------------
// Arguments

const DURATION = /^(\d+)([dhm])$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** `--since`: `7d`, `24h`, `90m` back from now, or an ISO instant; within CloudTrail's 90 days. */
export function parseSince(value: string, nowMs: number): Date {
    const fix = "pass a duration like 7d, 24h or 90m, or an instant like 2026-01-31T00:00:00Z";
    let start: number;
    const d = DURATION.exec(value);
    if (d) {
        const amount = Number(d[1]);
        if (amount === 0) throw new UsageError(`--since: "${value}" is an empty window; ${fix}.`);
        start = nowMs - amount * { d: 86_400_000, h: 3_600_000, m: 60_000 }[d[2] as "d" | "h" | "m"];
    } else if (INSTANT.test(value)) {
        // Date.parse rolls 2026-02-30 over to March: the day must be a real calendar day.
        start = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
        if (Number.isNaN(start) || !isIsoDay(value.slice(0, 10))) {
            throw new UsageError(`--since: "${value}" is not a valid date; ${fix}.`);
        }
    } else {
        throw new UsageError(
            `--since: "${value}" is neither a duration nor an ISO instant (a time needs its zone, Z or +hh:mm); ${fix}.`,
        );
    }
    if (start > nowMs) throw new UsageError(`--since: ${new Date(start).toISOString()} is in the future; ${fix}.`);
    const oldest = nowMs - EVENT_HISTORY_DAYS * 86_400_000;
    if (start < oldest) {
        const days = Math.ceil((nowMs - start) / 86_400_000);
        throw new UsageError(
            `--since: ${value} is ${days} days back, but CloudTrail event history (LookupEvents) keeps ${EVENT_HISTORY_DAYS} days; pass --since ${EVENT_HISTORY_DAYS}d or less (older events are only in a trail's S3 logs, which Athena can query).`,
        );
    }
    return new Date(start);
}

/**
 * `--readers FILE`: expected access as a JSON list of `{principal, tables}`, or a document with a
 * `readers` list (the consumer stack's outputs, or the plan's document with it under `outputs`).
 * Other keys of each reader (rowFilter, excludedColumns) are ignored here.
 */
export function parseReadersFile(text: string, file: string): ExpectedAccess[] {
    const where = `--readers ${file}`;
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
        throw new UsageError(
            `${where}: not JSON (${(err as Error).message}); pass a JSON list of {"principal", "tables"}.`,
        );
    }
    const list = Array.isArray(doc)
        ? doc
        : isObject(doc) && Array.isArray(doc.readers)
          ? doc.readers
          : isObject(doc) && isObject(doc.outputs) && Array.isArray(doc.outputs.readers)
            ? doc.outputs.readers
            : undefined;
    if (!list) {
        throw new UsageError(
            `${where}: expected a JSON list of {"principal", "tables"} (or an object with a "readers" list, as the stack outputs have it).`,
        );
    }
    return list.map((item: unknown, i: number): ExpectedAccess => {
        const key = `${where}: readers[${i}]`;
        if (!isObject(item)) {
            throw new UsageError(`${key} is not an object; write {"principal": "<role ARN>", "tables": [...]}.`);
        }
        const principal = item.principal;
        if (typeof principal !== "string" || !IAM_PRINCIPAL_ARN.test(principal)) {
            throw new UsageError(
                `${key}.principal must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>), got ${JSON.stringify(principal)}.`,
            );
        }
        const tables = item.tables;
        if (!Array.isArray(tables) || !tables.every((t) => typeof t === "string" && t !== "")) {
            throw new UsageError(
                `${key}.tables must be a list of table names (as in the config's tables, or db.table), got ${JSON.stringify(tables)}.`,
            );
        }
        return { principal, tables: tables as string[] };
    });
}

// ---------------------------------------------------------------------------------------------
// AWS edge

/**
 * Every GetDataAccess and StartQueryExecution event of the window, one paginated LookupEvents
 * per event name, one after the other (the API allows 2 requests/s per account and region;
 * the SDK retries throttling, adaptively with `--retry-mode adaptive`).
 */
export async function lookupAccessEvents(clients: AwsClients, start: Date, end: Date): Promise<AccessEvent[]> {
    const out: AccessEvent[] = [];
    for (const name of AUDITED_EVENTS) {
        const events = await collect(
            "cloudtrail:LookupEvents",
            paginateLookupEvents(
                { client: clients.cloudtrail, pageSize: LOOKUP_PAGE_SIZE },
                {
                    LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: name }],
                    StartTime: start,
                    EndTime: end,
                },
            ),
            (page) => page.Events,
        );
        for (const e of events) {
            const parsed = parseTrailEvent(e);
            if (parsed) out.push(parsed);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Output

export const AUDIT_CSV_COLUMNS = [
    "status",
    "principal",
    "table",
    "athena_queries",
    "data_access",
    "denied",
    "first_seen",
    "last_seen",
] as const;

export function auditCsv(report: AuditReport): string {
    return stringify(
        report.rows.map((r) => [
            r.status,
            r.principal,
            r.table,
            r.queries,
            r.dataAccess,
            r.denied,
            r.firstSeen,
            r.lastSeen,
        ]),
        { header: true, columns: [...AUDIT_CSV_COLUMNS] },
    );
}

/** The text table, the findings with what each principal is configured for, and the events without a table. */
export function auditText(
    report: AuditReport,
    window: { start: Date; end: Date },
    expected: readonly ExpectedAccess[],
): string {
    const lines: string[] = [];
    const headers = ["STATUS", "PRINCIPAL", "TABLE", "QUERIES", "DATA ACCESS", "DENIED", "LAST SEEN"];
    const cells = report.rows.map((r) => [
        r.status,
        r.principal,
        r.table,
        String(r.queries),
        String(r.dataAccess),
        String(r.denied),
        r.lastSeen,
    ]);
    lines.push(
        `CloudTrail ${AUDITED_EVENTS.join(" and ")} events from ${window.start.toISOString()} to ${window.end.toISOString()}: ${report.events}`,
    );
    if (report.rows.length > 0) lines.push("", ...textTable(headers, cells));
    lines.push("");
    const by = (s: AuditStatus) => report.rows.filter((r) => r.status === s).length;
    lines.push(
        `${report.rows.length} principal/table pairs: ${by("ok")} ok, ${by("UNCONFIGURED")} UNCONFIGURED, ${by("denied")} denied, ${by("other")} other tables`,
    );
    for (const f of report.findings) {
        const configured = expected
            .filter((x) => principalKey(x.principal) === principalKey(f.principal))
            .flatMap((x) => x.tables);
        lines.push(
            `UNCONFIGURED: ${f.principal} read ${f.table} (${f.queries} queries, ${f.dataAccess} data access) but is configured for ${configured.length ? configured.join(", ") : "no table"}. Fix: add it to the readers config, or revoke its grant.`,
        );
    }
    if (report.withoutTable.length > 0) {
        const total = report.withoutTable.reduce((n, w) => n + w.count, 0);
        lines.push(
            `${total} event(s) named no table: ${report.withoutTable.map((w) => `${w.count} ${w.reason}`).join("; ")}`,
        );
    }
    return lines.join("\n") + "\n";
}
