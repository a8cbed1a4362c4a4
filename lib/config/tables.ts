/** Config `tables`: names or `{name, linkName, timeColumn}` entries, checked and defaulted. */
import { defaultLinkName } from "../names";
import { checkGlueName, Fail } from "./reader";
import type { TableConfig } from "./types";

/** Connect's time-partitioned datasets and their partition column. */
export const DEFAULT_TIME_COLUMNS: Readonly<Record<string, string>> = {
    contacts: "initiation_timestamp",
    contact_record: "initiation_timestamp",
};

export function parseTables(entries: readonly unknown[], fail: Fail): TableConfig[] {
    if (entries.length === 0) {
        fail("tables", "must list at least one table, e.g. [users, contacts, agent_hierarchy_groups].");
        return [];
    }
    const tables: TableConfig[] = [];
    entries.forEach((entry, index) => {
        const table = parseEntry(entry, `tables[${index}]`, fail);
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

function parseEntry(entry: unknown, where: string, fail: Fail): TableConfig | undefined {
    let fields: Record<string, unknown>;
    if (typeof entry === "string") {
        fields = { name: entry };
    } else if (entry && typeof entry === "object" && !Array.isArray(entry)) {
        fields = entry as Record<string, unknown>;
        for (const extra of Object.keys(fields).filter((k) => !["name", "linkName", "timeColumn"].includes(k))) {
            fail("tables", `${where} has unknown field "${extra}"; allowed: name, linkName, timeColumn.`);
        }
    } else {
        fail("tables", `${where} must be a table name or {name, linkName, timeColumn}, got ${JSON.stringify(entry)}.`);
        return undefined;
    }
    const { name, linkName, timeColumn } = fields;
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
    const link = linkName ?? defaultLinkName(name);
    if (!checkGlueName(link, "tables", fail, `${where} linkName`)) return undefined;
    const column = timeColumn === null ? undefined : (timeColumn ?? DEFAULT_TIME_COLUMNS[name]);
    if (column !== undefined && !checkGlueName(column, "tables", fail, `${where} timeColumn`)) return undefined;
    return column === undefined ? { name, linkName: link } : { name, linkName: link, timeColumn: column };
}
