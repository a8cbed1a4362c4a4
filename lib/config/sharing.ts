/**
 * Sharing with many: several consumer accounts and Connect instances (producer), and readers with
 * row and column filters (consumer). Lake Formation's rules for filters, each with its source:
 * - a filter names the target table in its owner's catalog, never a link or a view
 *   (lake-formation/latest/dg/data-filtering-notes.html);
 * - row filters are a PartiQL subset, validated in lib/rowFilter.ts (partiql-support.html);
 * - data filters cannot be combined with LF-tag grants (lake-formation/latest/dg/athena-lf.html);
 * - the consumer account can filter (and grant) only what it received with the grant option:
 *   Connect's share to the account; a producer's grants to the consumer's role carry none;
 * - an account grants a received resource only to its own principals (regranting-shared-resources.html).
 */
import { ACCOUNT_ID, CONNECT_INSTANCE, IAM_ROLE_NAME, iamPrincipalAccount, STACK_NAME } from "../names";
import { isObject } from "../json";
import type { ReaderConfig } from "../permissions";
import { connectFilterColumns, filterGrantLimitProblems, renderRowFilter } from "../rowFilter";
import { principalArnProblem, principalIdentity } from "./principals";
import { checkExcludedColumns } from "./governance";
import { Fail, Get } from "./reader";
import type { ConsumerTarget, Side, TableConfig } from "./types";

/** The Connect instances: `connectInstanceId` and `connectInstanceIds`, as ids, without duplicates. */
export function parseInstances(get: Get, fail: Fail, single: string | undefined): string[] {
    const ids = single ? [single] : [];
    get<unknown[]>("connectInstanceIds").forEach((entry, i) => {
        const m = typeof entry === "string" ? CONNECT_INSTANCE.exec(entry) : null;
        if (!m) {
            fail(
                "connectInstanceIds",
                `[${i}] must be an Amazon Connect instance id (a UUID) or its ARN, got ${JSON.stringify(entry)}.`,
            );
        } else if (!ids.includes(m[2])) {
            ids.push(m[2]);
        }
    });
    return ids;
}

/** The producer's consumers: the `consumers` list, else the single-consumer keys. */
export function parseConsumers(get: Get, fail: Fail, producerAccountId: string | undefined): ConsumerTarget[] {
    const list = get<unknown[]>("consumers");
    const roleName = get<string>("lambdaRoleName");
    if (list.length === 0) {
        const accountId = get<string | undefined>("consumerAccountId");
        if (accountId === undefined) {
            fail(
                "consumerAccountId",
                "required. Set it with `pulumi config set connect-analytics:consumerAccountId <value>`, or list the consumer accounts in `consumers`.",
            );
            return [];
        }
        const stack = get<string | undefined>("consumerStack");
        return [{ accountId, roleName, ...(stack ? { stack } : {}) }];
    }
    const consumers: ConsumerTarget[] = [];
    list.forEach((entry, i) => {
        const where = `consumers[${i}]`;
        if (!isObject(entry)) {
            fail(
                "consumers",
                `${where} must be {accountId, stack} or {accountId, roleName}, got ${JSON.stringify(entry)}.`,
            );
            return;
        }
        const { accountId, stack, roleName: role, ...rest } = entry;
        // An entry with a problem is reported and not listed (so never also counted as a duplicate).
        let usable = true;
        for (const key of Object.keys(rest)) {
            fail("consumers", `${where} has unknown field "${key}"; allowed: accountId, stack, roleName.`);
            usable = false;
        }
        if (typeof accountId !== "string" || !ACCOUNT_ID.test(accountId)) {
            fail(
                "consumers",
                `${where}.accountId must be a 12-digit account id (quoted in YAML), got ${JSON.stringify(accountId)}.`,
            );
            return;
        }
        if (accountId === producerAccountId) {
            fail("consumers", `${where}.accountId is the producer's own account; consumers are other accounts.`);
            usable = false;
        }
        if (stack !== undefined && (typeof stack !== "string" || !STACK_NAME.test(stack))) {
            fail(
                "consumers",
                `${where}.stack must be a stack name like org/connect-analytics/consumer, got ${JSON.stringify(stack)}.`,
            );
            return;
        }
        if (role !== undefined && (typeof role !== "string" || !IAM_ROLE_NAME.test(role))) {
            fail("consumers", `${where}.roleName must be an IAM role name, got ${JSON.stringify(role)}.`);
            return;
        }
        if (!usable) return;
        consumers.push({
            accountId,
            roleName: (role as string | undefined) ?? roleName,
            ...(stack ? { stack: stack as string } : {}),
        });
    });
    const seen = consumers.map((c) => c.accountId).filter((a, i, all) => all.indexOf(a) !== i);
    if (seen.length > 0) {
        fail("consumers", `account ${[...new Set(seen)].join(", ")} appears more than once; list each consumer once.`);
    }
    return consumers;
}

/** Columns of a table the filters can check against: Connect's known columns, with types. */
function filterTable(table: string) {
    return { name: table, columns: connectFilterColumns(table) };
}

export interface ReaderContext {
    readonly side: Side | undefined;
    readonly dataSource: string;
    readonly sharingMode: string;
    readonly consumerAccountId: string | undefined;
    /** The stack's partition (from aws:region); undefined when the region is unusable. */
    readonly partition: string | undefined;
    readonly tables: readonly TableConfig[];
}

/** The consumer's readers, each filter rendered and checked before anything is created. */
export function parseReaders(get: Get, report: Fail, context: ReaderContext): ReaderConfig[] {
    // Counts this function's problems, so a reader with any problem is left out.
    let problems = 0;
    const fail: Fail = (key, message) => {
        problems++;
        report(key, message);
    };
    const list = get<unknown[]>("readers");
    if (list.length === 0) return [];
    if (context.sharingMode === "lfTags") {
        fail(
            "readers",
            "cannot be combined with sharingMode lfTags: Lake Formation applies no data filter to LF-tag grants " +
                '(lake-formation/latest/dg/athena-lf.html). Use sharingMode "named".',
        );
        return [];
    }
    if (context.dataSource !== "connectAnalytics") {
        fail(
            "readers",
            "need dataSource connectAnalytics: a filter is created by an account that holds the table's SELECT with the grant " +
                "option, which Connect's share gives the consumer account and a producer's grants to the role do not.",
        );
        return [];
    }
    const byName = new Map(context.tables.map((t) => [t.name, t]));
    const readers: ReaderConfig[] = [];
    /** Each principal's first entry, by IAM identity. */
    const firstEntry = new Map<string, number>();
    list.forEach((entry, i) => {
        const where = `readers[${i}]`;
        const problem = (message: string) => fail("readers", `${where}${message}`);
        if (!isObject(entry)) {
            return problem(` must be {principal, tables, rowFilter, excludedColumns}, got ${JSON.stringify(entry)}.`);
        }
        const { principal, tables, rowFilter, excludedColumns, ...rest } = entry;
        for (const key of Object.keys(rest)) {
            problem(` has unknown field "${key}"; allowed: principal, tables, rowFilter, excludedColumns.`);
        }
        const principalProblem = principalArnProblem(principal, context.partition);
        if (principalProblem) return problem(`.principal ${principalProblem}`);
        if (typeof principal !== "string") return;
        const identity = principalIdentity(principal)!;
        const first = firstEntry.get(identity);
        if (first === undefined) firstEntry.set(identity, i);
        else {
            return problem(
                `.principal ${principal} is readers[${first}]'s principal too (IAM tells roles and users apart by name, ignoring case and path): ` +
                    "list each principal once, with all its tables.",
            );
        }
        const account = iamPrincipalAccount(principal)!;
        if (context.consumerAccountId && account !== context.consumerAccountId) {
            return problem(
                `.principal ${principal} is in account ${account}: the consumer grants what it received only to its own ` +
                    `principals (${context.consumerAccountId}). Another account needs its own consumer stack.`,
            );
        }
        if (!Array.isArray(tables) || tables.length === 0 || !tables.every((t) => typeof t === "string")) {
            return problem(
                `.tables must be a non-empty list of shared table names (${[...byName.keys()].join(", ")}).`,
            );
        }
        const unknown = tables.filter((t) => !byName.has(t));
        if (unknown.length > 0) {
            return problem(`.tables names ${unknown.join(", ")}, not in tables (${[...byName.keys()].join(", ")}).`);
        }
        const before = problems;
        // The same filter on every table; each checked against that table's columns.
        let expression: string | undefined;
        if (rowFilter !== undefined) {
            for (const table of tables as string[]) {
                const result = renderRowFilter(rowFilter, `${where}.rowFilter`, filterTable(table));
                if (!result.ok) {
                    result.problems.forEach((p) => fail("readers", `${p.key} (${table}): ${p.message}`));
                    break;
                }
                // The filter is made on the export's copy of the table too, which lacks the stack's excluded columns.
                const withheld = result.columns.filter((c) => byName.get(table)?.excludedColumns?.includes(c));
                if (withheld.length > 0) {
                    fail(
                        "readers",
                        `${where}.rowFilter (${table}) reads ${withheld.join(", ")}, which excludedColumns withholds from ${table} on this stack: the filter is also made on the export's copy of ${table}, which has no such column, and would fail there. Fix: filter on a column the stack keeps, or stop excluding ${withheld.join(", ")}.`,
                    );
                    break;
                }
                expression = result.expression;
            }
        }
        const excluded: Record<string, string[]> = {};
        if (excludedColumns !== undefined) {
            if (!isObject(excludedColumns)) {
                problem(`.excludedColumns must be a map of table to column names, e.g. {users: [email]}.`);
            } else {
                for (const [table, columns] of Object.entries(excludedColumns)) {
                    const at = `${where}.excludedColumns.${table}`;
                    if (!(tables as string[]).includes(table)) {
                        problem(`.excludedColumns.${table}: the reader does not read ${table}.`);
                        continue;
                    }
                    const checked = checkExcludedColumns(columns, table, at, (message) => fail("readers", message), {
                        allowEmpty: true,
                        duplicates: "merge",
                        instead: "leave the table out of the reader's tables instead",
                    });
                    if (checked) excluded[table] = checked;
                }
            }
        }
        if (problems !== before) return;
        readers.push({
            principal,
            tables: [...new Set(tables as string[])],
            ...(expression !== undefined ? { rowFilter: expression } : {}),
            excludedColumns: excluded,
        });
    });
    for (const p of filterGrantLimitProblems(
        readers.flatMap((r) => r.tables.map((t) => ({ principal: r.principal, table: t, key: "readers" }))),
    )) {
        fail("readers", p.message);
    }
    return readers;
}
