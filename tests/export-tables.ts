/**
 * The export's table specs the export suites and benches share, written out by hand (not taken
 * from lib/connectDatasets): contacts, time-partitioned and merged on its two-column key, and
 * users, read whole and merged on its id.
 */
import type { ExportTableSpec } from "../functions/types";

export const CONTACTS_SPEC: ExportTableSpec = {
    name: "contacts",
    linkName: "contacts_link",
    exportMode: "merge",
    timeColumn: "initiation_timestamp",
    primaryKey: ["instance_id", "contact_id"],
    versionColumn: "last_update_timestamp",
};

export const USERS_SPEC: ExportTableSpec = {
    name: "users",
    linkName: "users_link",
    exportMode: "merge",
    primaryKey: ["user_id"],
    versionColumn: "last_modified_timestamp",
};
