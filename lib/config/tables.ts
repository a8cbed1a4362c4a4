/** Config `tables`: names or `{name, linkName, timeColumn, ...export settings}` entries, checked and defaulted. */
import { EXPORT_MODES, type ExportMode } from "../connectDatasets";
import { DEFAULT_TIME_COLUMNS, withDatasetDefaults } from "../connectSchema";
import { defaultLinkName } from "../names";
import { checkGlueName, Fail } from "./reader";
import type { TableConfig } from "./types";

export { DEFAULT_TIME_COLUMNS };

/**
 * `exporting`: this stack runs the export (a consumer with enableLambdaExport), the only place its
 * settings (`primaryKey`, `versionColumn`, `exportMode`) are read and checked; elsewhere they are
 * left out unread, so one table list serves both stacks.
 */
export function parseTables(entries: readonly unknown[], fail: Fail, exporting = true): TableConfig[] {
    if (entries.length === 0) {
        fail("tables", "must list at least one table, e.g. [users, contacts, agent_hierarchy_groups].");
        return [];
    }
    const tables: TableConfig[] = [];
    entries.forEach((entry, index) => {
        const table = parseEntry(entry, `tables[${index}]`, fail, exporting);
        if (table) tables.push(table);
    });
    for (const field of ["name", "linkName"] as const) {
        const seen = new Map<string, number>();
        tables.forEach((t) => seen.set(t[field], (seen.get(t[field]) ?? 0) + 1));
        for (const [value, count] of seen) {
            if (count > 1) {
                fail(
                    "tables",
                    `${field === "name" ? "table" : "link name"} "${value}" appears ${count} times; each must be unique` +
                        (field === "linkName" ? " (set a distinct linkName)." : " (remove the duplicate)."),
                );
            }
        }
    }
    return tables;
}

const TABLE_FIELDS = ["name", "linkName", "timeColumn", "primaryKey", "versionColumn", "exportMode"];
/** The export's own fields: read only where the export runs. */
const EXPORT_FIELDS = ["primaryKey", "versionColumn", "exportMode"];

function parseEntry(entry: unknown, where: string, fail: Fail, exporting: boolean): TableConfig | undefined {
    let fields: Record<string, unknown>;
    if (typeof entry === "string") {
        fields = { name: entry };
    } else if (entry && typeof entry === "object" && !Array.isArray(entry)) {
        fields = entry as Record<string, unknown>;
        for (const extra of Object.keys(fields).filter((k) => !TABLE_FIELDS.includes(k))) {
            fail("tables", `${where} has unknown field "${extra}"; allowed: ${TABLE_FIELDS.join(", ")}.`);
        }
    } else {
        fail("tables", `${where} must be a table name or {${TABLE_FIELDS.join(", ")}}, got ${JSON.stringify(entry)}.`);
        return undefined;
    }
    if (!exporting) fields = Object.fromEntries(Object.entries(fields).filter(([k]) => !EXPORT_FIELDS.includes(k)));
    const { name, linkName, timeColumn, primaryKey, versionColumn, exportMode } = fields;
    if (typeof name !== "string") {
        fail("tables", `${where} needs a string "name".`);
        return undefined;
    }
    if (!checkGlueName(name, "tables", fail, `${where} name`)) return undefined;
    if (linkName !== undefined && typeof linkName !== "string") {
        fail("tables", `${where} "linkName" must be a string.`);
        return undefined;
    }
    if (timeColumn !== undefined && timeColumn !== null && typeof timeColumn !== "string") {
        fail("tables", `${where} "timeColumn" must be a column name, or null for a snapshot table.`);
        return undefined;
    }
    if (
        primaryKey !== undefined &&
        (!Array.isArray(primaryKey) ||
            primaryKey.length === 0 ||
            !primaryKey.every(
                (c, i) => typeof c === "string" && checkGlueName(c, "tables", fail, `${where} primaryKey[${i}]`),
            ))
    ) {
        fail(
            "tables",
            `${where} "primaryKey" must be a non-empty list of column names, e.g. ["instance_id", "contact_id"].`,
        );
        return undefined;
    }
    if (
        versionColumn !== undefined &&
        (typeof versionColumn !== "string" || !checkGlueName(versionColumn, "tables", fail, `${where} versionColumn`))
    ) {
        fail("tables", `${where} "versionColumn" must be a column name, e.g. "last_update_timestamp".`);
        return undefined;
    }
    if (exportMode !== undefined && !EXPORT_MODES.includes(exportMode as ExportMode)) {
        fail(
            "tables",
            `${where} "exportMode" must be one of ${EXPORT_MODES.join(", ")} (merge: key and version; insertOnly: new keys only; snapshot: read whole and replaced), got ${JSON.stringify(exportMode)}.`,
        );
        return undefined;
    }
    const link = linkName ?? defaultLinkName(name);
    if (!checkGlueName(link, "tables", fail, `${where} linkName`)) return undefined;
    const column = timeColumn === null ? undefined : (timeColumn ?? DEFAULT_TIME_COLUMNS[name]);
    if (column !== undefined && !checkGlueName(column, "tables", fail, `${where} timeColumn`)) return undefined;
    return {
        name,
        linkName: link,
        ...(column !== undefined ? { timeColumn: column } : {}),
        ...(primaryKey !== undefined ? { primaryKey: primaryKey as string[] } : {}),
        ...(versionColumn !== undefined ? { versionColumn: versionColumn as string } : {}),
        ...(exportMode !== undefined ? { exportMode: exportMode as ExportMode } : {}),
    };
}

/**
 * The export's settings of each table (where the export runs): its `exportMode`, and the keys that
 * mode needs, from the entry or the dataset's documentation (lib/connectDatasets.ts). A table the
 * documentation does not know and the entry gives no key gets `snapshot` and one warning naming
 * the keys that would make it merge; only a mode asked for that its keys cannot give is a problem.
 */
export function withExportKeys(
    tables: readonly TableConfig[],
    fail: Fail,
    warn: (message: string) => void,
): TableConfig[] {
    const { entries, problems, warnings } = withDatasetDefaults(tables);
    for (const problem of problems) fail("tables", problem);
    for (const warning of warnings) warn(warning);
    return entries as TableConfig[];
}
