/**
 * What a principal can actually do with each shared table, resolved from Lake Formation grants
 * the way Lake Formation evaluates them: grants to the principal itself (an account-level grant
 * reaches a role only when the account re-grants it), named table grants, column wildcards with
 * exclusions, LF-tag expressions matched against table tags and overriding column tags, and data
 * cells filters (their rows and columns). An all-rows SELECT on the table overrides every filter
 * of the same principal (lake-formation/latest/dg/athena-lf.html).
 *
 * The plan prints it as the who-sees-what matrix, and the tests use it to show that `named` and
 * `lfTags` sharing give the consumer's role the same access, and what each reader sees.
 */
import { DataFilter, LfGrant, LfTagCondition, reachesTable, TableRef, TagAssignment } from "./permissions";

export interface SharedTarget extends TableRef {
    /** The consumer's resource link to it, if any. */
    readonly link?: TableRef;
}

export interface TableAccess {
    readonly principal: string;
    /** `<catalog>:<database>.<table>` of the target. */
    readonly table: string;
    /** `<catalog>:<database>.<link>` of the link, when there is one. */
    readonly link: string | null;
    /** DESCRIBE on the link: the table is visible through it. */
    readonly linkVisible: boolean;
    readonly describe: boolean;
    readonly select: boolean;
    /** Columns SELECT covers: every column, or every column but these (sorted). */
    readonly columns: { readonly all: true } | { readonly allExcept: readonly string[] } | null;
    /** Rows SELECT covers: all, or those a filter expression keeps (several filters: any of them). */
    readonly rows: { readonly all: true } | { readonly filter: string } | null;
}

const matches = (expression: readonly LfTagCondition[], tags: Readonly<Record<string, string>>) =>
    expression.every((c) => tags[c.key] !== undefined && c.values.includes(tags[c.key]));

/** What one grant covers of a table: the columns it leaves out, and its row filter (undefined: all rows). */
interface Coverage {
    readonly excluded: readonly string[];
    readonly rowFilter?: string;
}

function coverage(
    grant: LfGrant,
    target: SharedTarget,
    tagging: TagAssignment | undefined,
    filters: readonly DataFilter[],
): Coverage | undefined {
    const r = grant.resource;
    switch (r.kind) {
        case "table":
            return reachesTable(r, target) ? { excluded: [] } : undefined;
        case "tableWithColumns":
            return reachesTable(r, target) ? { excluded: r.excludedColumns } : undefined;
        case "dataCellsFilter": {
            if (!reachesTable(r, target)) return undefined;
            const f = filters.find(
                (x) =>
                    x.name === r.name &&
                    x.tableCatalogId === r.catalogId &&
                    x.databaseName === r.databaseName &&
                    x.tableName === r.tableName,
            );
            // A grant on a filter nobody defined gives nothing.
            return f
                ? { excluded: f.excludedColumns, ...(f.rowFilter !== undefined ? { rowFilter: f.rowFilter } : {}) }
                : undefined;
        }
        case "lfTagPolicy": {
            if (
                r.resourceType !== "TABLE" ||
                r.catalogId !== target.catalogId ||
                !tagging ||
                !matches(r.expression, tagging.tags)
            ) {
                return undefined;
            }
            return {
                excluded: Object.entries(tagging.columnTags)
                    .filter(([, overrides]) => !matches(r.expression, { ...tagging.tags, ...overrides }))
                    .map(([column]) => column),
            };
        }
        default:
            return undefined;
    }
}

/** Union of column sets each written as "all but X": all but the columns no grant covers. */
function unionOfExclusions(exclusions: ReadonlyArray<readonly string[]>): string[] {
    const [first, ...rest] = exclusions;
    return [...first].filter((c) => rest.every((e) => e.includes(c))).sort();
}

/** Union of row sets: all rows if any grant has no filter, else any of the filters. */
function unionOfRows(covering: readonly Coverage[]): TableAccess["rows"] {
    if (covering.some((c) => c.rowFilter === undefined)) return { all: true };
    const filters = [...new Set(covering.map((c) => c.rowFilter!))];
    return { filter: filters.length === 1 ? filters[0] : filters.map((f) => `(${f})`).join(" OR ") };
}

export function effectiveAccess(
    principal: string,
    grants: readonly LfGrant[],
    targets: readonly SharedTarget[],
    tagging: readonly TagAssignment[],
    filters: readonly DataFilter[] = [],
): TableAccess[] {
    const own = grants.filter((g) => g.principal === principal);
    return targets.map((target) => {
        const tags = tagging.find(
            (t) =>
                t.catalogId === target.catalogId && t.databaseName === target.databaseName && t.table === target.name,
        );
        const covering = (permission: "SELECT" | "DESCRIBE") =>
            own
                .filter((g) => g.permissions.includes(permission) || g.permissions.includes("ALL"))
                .map((g) => coverage(g, target, tags, filters))
                .filter((c): c is Coverage => c !== undefined);
        const select = covering("SELECT");
        const describe = covering("DESCRIBE");
        const link = target.link;
        const linkVisible =
            !!link &&
            own.some(
                (g) =>
                    (g.permissions.includes("DESCRIBE") || g.permissions.includes("ALL")) &&
                    g.resource.kind === "table" &&
                    g.resource.catalogId === link.catalogId &&
                    g.resource.databaseName === link.databaseName &&
                    g.resource.name === link.name,
            );
        const excluded = select.length > 0 ? unionOfExclusions(select.map((c) => c.excluded)) : undefined;
        return {
            principal,
            table: `${target.catalogId}:${target.databaseName}.${target.name}`,
            link: link ? `${link.catalogId}:${link.databaseName}.${link.name}` : null,
            linkVisible,
            describe: describe.length > 0 || select.length > 0,
            select: select.length > 0,
            columns: excluded === undefined ? null : excluded.length === 0 ? { all: true } : { allExcept: excluded },
            rows: select.length > 0 ? unionOfRows(select) : null,
        };
    });
}
