/**
 * Config of what is shared and how: LF-tags, column exclusions, data-lake settings. Checks
 * across keys (an exclusion names a configured table; lfTags mode needs the exclusion tag).
 */
import { connectColumnNames } from "../connectSchema";
import { GLUE_NAME, IAM_PRINCIPAL_ARN, LF_TAG_TEXT } from "../names";
import { Fail, Get } from "./reader";
import { EXCLUSION_TAG_KEY, EXCLUSION_TAG_VALUE } from "../names";
import type { CrossAccountVersion, DataLakeSettingsConfig, Side, TableConfig } from "./types";

export function parseLfTags(get: Get, fail: Fail): Record<string, string> {
    const lfTags = get<Record<string, unknown>>("lfTags");
    for (const [key, value] of Object.entries(lfTags)) {
        if (!LF_TAG_TEXT.test(key)) {
            fail("lfTags", `tag key ${JSON.stringify(key)} must be 1-128 letters, digits or _.:/=+@%-.`);
        }
        if (typeof value !== "string" || !LF_TAG_TEXT.test(value)) {
            fail(
                "lfTags",
                `value of ${key} must be one tag value (1-128 letters, digits or _.:/=+@%-), got ${JSON.stringify(value)}.`,
            );
        }
    }
    if (get("sharingMode") === "lfTags" && Object.keys(lfTags).length === 0) {
        fail("lfTags", "must hold at least one key: value in lfTags sharing mode.");
    }
    return lfTags as Record<string, string>;
}

export interface ExclusionRules {
    /** An empty list is accepted (a reader's table without exclusions), else rejected. */
    readonly allowEmpty: boolean;
    /** A column listed twice: a problem, or merged. */
    readonly duplicates: "reject" | "merge";
    /** The column the export reads the table incrementally by, which cannot be withheld. */
    readonly timeColumn?: string;
    /** What to do instead of excluding every column. */
    readonly instead: string;
}

/**
 * The one check of an `excludedColumns` list for `table` (the stack's `excludedColumns.<table>`
 * and a reader's `readers[i].excludedColumns.<table>`): column names, known Connect columns, not
 * every column. Reports each problem, prefixed with `where`; returns the columns sorted, without
 * duplicates, or undefined when the list is no list of column names of the table.
 */
export function checkExcludedColumns(
    columns: unknown,
    table: string,
    where: string,
    report: (message: string) => void,
    rules: ExclusionRules,
): string[] | undefined {
    if (
        !Array.isArray(columns) ||
        (columns.length === 0 && !rules.allowEmpty) ||
        !columns.every((c) => typeof c === "string")
    ) {
        report(`${where} must be a${rules.allowEmpty ? "" : " non-empty"} list of column names.`);
        return undefined;
    }
    const known = connectColumnNames(table);
    const problems = columns.filter((c) => !GLUE_NAME.test(c) || (known !== undefined && !known.includes(c)));
    if (problems.length > 0) {
        report(
            `${where}: ${problems.join(", ")} ${problems.length === 1 ? "is not a column" : "are not columns"} of ${table}` +
                (known
                    ? ` (known columns: ${known.join(", ")}).`
                    : " (column names are lowercase letters, digits and underscores)."),
        );
        return undefined;
    }
    const duplicates = columns.filter((c, i) => columns.indexOf(c) !== i);
    if (duplicates.length > 0 && rules.duplicates === "reject") {
        report(`${where} lists ${duplicates.join(", ")} more than once.`);
    }
    if (rules.timeColumn && columns.includes(rules.timeColumn)) {
        report(`${where}: cannot exclude ${rules.timeColumn}, the column the export reads ${table} incrementally by.`);
    }
    if (known && columns.length >= known.length) {
        report(`${where} excludes every column; ${rules.instead}.`);
    }
    return [...new Set(columns)].sort();
}

/** The tables with their `excludedColumns` folded in. */
export function applyExclusions(
    get: Get,
    fail: Fail,
    tables: readonly TableConfig[],
    lfTags: Readonly<Record<string, string>>,
): TableConfig[] {
    const byTable = new Map(tables.map((t) => [t.name, t]));
    const exclusions = new Map<string, string[]>();
    for (const [table, columns] of Object.entries(get<Record<string, unknown>>("excludedColumns"))) {
        const where = `excludedColumns.${table}`;
        const spec = byTable.get(table);
        if (!spec) {
            fail("excludedColumns", `${where}: "${table}" is not in tables (${[...byTable.keys()].join(", ")}).`);
            continue;
        }
        const checked = checkExcludedColumns(columns, table, where, (message) => fail("excludedColumns", message), {
            allowEmpty: false,
            duplicates: "reject",
            timeColumn: spec.timeColumn,
            instead: `remove ${table} from tables instead`,
        });
        if (!checked) continue;
        exclusions.set(table, checked);
    }
    if (get("sharingMode") === "lfTags" && exclusions.size > 0) {
        if (!(EXCLUSION_TAG_KEY in lfTags)) {
            fail(
                "lfTags",
                `needs a "${EXCLUSION_TAG_KEY}" key when columns are excluded in lfTags mode: excluded columns get ${EXCLUSION_TAG_KEY}=${EXCLUSION_TAG_VALUE}.`,
            );
        } else if (lfTags[EXCLUSION_TAG_KEY] === EXCLUSION_TAG_VALUE) {
            fail(
                "lfTags",
                `${EXCLUSION_TAG_KEY} cannot be "${EXCLUSION_TAG_VALUE}" on tables: that value marks the excluded columns.`,
            );
        }
    }
    return tables.map((t) => (exclusions.has(t.name) ? { ...t, excludedColumns: exclusions.get(t.name) } : t));
}

export function parseDataLakeSettings(get: Get, fail: Fail, side: Side | undefined): DataLakeSettingsConfig {
    const dataLakeAdmins = get<unknown[]>("dataLakeAdmins");
    for (const admin of dataLakeAdmins) {
        if (typeof admin !== "string" || !IAM_PRINCIPAL_ARN.test(admin)) {
            fail(
                "dataLakeAdmins",
                `${JSON.stringify(admin)} is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>).`,
            );
        }
    }
    const manageDataLakeSettings = get<boolean>("manageDataLakeSettings");
    const crossAccountVersion = get<CrossAccountVersion>("crossAccountVersion");
    if (manageDataLakeSettings && side === "producer" && Number(crossAccountVersion) < 3) {
        fail(
            "crossAccountVersion",
            `is ${crossAccountVersion}, but the producer grants straight to the consumer's role${get("sharingMode") === "lfTags" ? " and shares LF-tags" : ""}, which needs version 3 or later. Set "4".`,
        );
    }
    return { manageDataLakeSettings, dataLakeAdmins: dataLakeAdmins as string[], crossAccountVersion };
}
