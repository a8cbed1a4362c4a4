/**
 * Known columns of the Amazon Connect analytics data lake tables this project shares, with
 * their types in Athena (Trino) terms, and each dataset's primary key, version column and daily
 * partition column (the export's defaults for `primaryKey`, `versionColumn` and `timeColumn`).
 *
 * Sources: the AWS Connect admin guide pages data-lake-configuration-data.html (agent_hierarchy_groups
 * and the documented users columns) and data-lake-contact-data.html (contact_record: primary key,
 * daily partition on initiation_timestamp, join keys). `contact_record` has over 100 columns;
 * this is a realistic subset, enough for the export's explicit column lists, the synthetic local
 * lake and config hints. Connect adds columns over time, so a table's real schema may be a
 * superset of this one: the export itself reads the real columns at run time (glue:GetTable), never
 * these lists.
 *
 * Pure data. The keys of every documented dataset are in ./connectDatasets.ts; nothing under
 * functions/ (the Lambda's code) imports either module.
 */
import {
    CONNECT_DATASETS,
    DATASET_ALIASES,
    datasetFacts,
    resolveExportKeys,
    type ExportKeysInput,
    type ResolvedExportKeys,
} from "./connectDatasets";

export type { ExportMode } from "./connectDatasets";

export interface ConnectColumn {
    readonly name: string;
    /** Athena/Trino type: varchar, timestamp, bigint, double, boolean, map(varchar,varchar). */
    readonly type: string;
    /** Personal data (names, emails, phone numbers, endpoint addresses): candidates for exclusion. */
    readonly pii?: boolean;
}

/** How the export keeps one current row per record of a dataset. */
export interface DatasetKeys {
    /** Columns identifying a record (Connect delivers a record again when it changes); absent: none documented. */
    readonly primaryKey?: readonly string[];
    /** Column whose greatest value marks a record's latest version; absent: unknown, must be configured. */
    readonly versionColumn?: string;
    /** Daily partition column: the table is exported incrementally on it. */
    readonly timeColumn?: string;
}

export interface ConnectTableSchema extends DatasetKeys {
    readonly columns: readonly ConnectColumn[];
}

/**
 * Compact column specs: `name[:type]` separated by commas (varchar when the type is left out),
 * `*` marking PII. Kept as strings because the export Lambda's serialized code captures what it
 * reads from here, and a few strings are a fraction of the size of the expanded objects.
 */
const HIERARCHY_LEVELS = [1, 2, 3, 4, 5]
    .map(
        (l) =>
            `agent_hierarchy_groups_level_${l}_id,agent_hierarchy_groups_level_${l}_name,agent_hierarchy_groups_level_${l}_arn`,
    )
    .join(",");

const CONTACT_RECORD_SPEC =
    "instance_id,aws_account_id,contact_id,initial_contact_id,previous_contact_id," +
    "related_contact_id,next_contact_id,channel,initiation_method,initiation_timestamp:timestamp," +
    "connected_to_system_timestamp:timestamp,disconnect_timestamp:timestamp,disconnect_reason,queue_id,queue_name," +
    "queue_arn,queue_enqueue_timestamp:timestamp,queue_duration_ms:bigint,agent_id,agent_username,agent_arn," +
    "agent_connected_to_agent_timestamp:timestamp,agent_interaction_duration_ms:bigint,agent_customer_hold_duration_ms:bigint," +
    "agent_number_of_holds:bigint,agent_longest_hold_duration_ms:bigint,agent_after_contact_work_duration_ms:bigint," +
    "agent_routing_profile_id,agent_routing_profile_name,agent_routing_profile_arn," +
    HIERARCHY_LEVELS +
    ",customer_endpoint_type,customer_endpoint_address*,system_endpoint_type,system_endpoint_address," +
    "attributes:map(varchar,varchar),recording_status,recording_location,last_update_timestamp:timestamp," +
    "data_lake_last_processed_timestamp:timestamp";

/** Project and dataset names for a documented table (`contacts` is Connect's `contact_record`). */
export const TABLE_ALIASES: Readonly<Record<string, string>> = DATASET_ALIASES;

/** Column specs by Connect dataset name (see TABLE_ALIASES). */
export const CONNECT_COLUMN_SPECS: Readonly<Record<string, string>> = {
    // instance/user/directory/hierarchy/last-modified columns are on the AWS page; the identity
    // columns (names, emails, mobile) follow Connect's UserIdentityInfo and are the PII to exclude.
    users:
        "instance_id,instance_arn,aws_account_id,user_id,user_arn,username," +
        "directory_user_id,first_name*,last_name*,email*,secondary_email*,mobile*," +
        "agent_hierarchy_group_id,agent_hierarchy_group_arn,agent_routing_profile_id,is_active:boolean," +
        "last_modified_region,last_modified_timestamp:timestamp,data_lake_last_processed_timestamp:timestamp",
    contact_record: CONTACT_RECORD_SPEC,
    agent_hierarchy_groups:
        "instance_id,instance_arn,aws_account_id,agent_hierarchy_group_id," +
        "agent_hierarchy_group_arn,agent_hierarchy_group_name,last_modified_region," +
        "last_modified_timestamp:timestamp,data_lake_last_processed_timestamp:timestamp",
};

/**
 * Keys of the Connect datasets that have one, from the documentation (lib/connectDatasets.ts, each
 * entry citing its page): primary key, daily partition column and version column.
 */
export const CONNECT_DATASET_KEYS: Readonly<Record<string, DatasetKeys>> = Object.fromEntries(
    Object.entries(CONNECT_DATASETS)
        .filter(([, f]) => f.primaryKey)
        .map(([name, f]) => [
            name,
            {
                primaryKey: f.primaryKey!,
                ...(f.versionColumn ? { versionColumn: f.versionColumn } : {}),
                ...(f.timeColumn ? { timeColumn: f.timeColumn } : {}),
            },
        ]),
);

/** Keys of a dataset by the project's table name (aliases resolved), or undefined when it has none documented. */
export function datasetKeys(table: string): DatasetKeys | undefined {
    return CONNECT_DATASET_KEYS[TABLE_ALIASES[table] ?? table];
}

/** Connect's time-partitioned datasets and their partition column, by project table name. */
export const DEFAULT_TIME_COLUMNS: Readonly<Record<string, string>> = Object.fromEntries(
    [...Object.keys(CONNECT_DATASETS), ...Object.keys(TABLE_ALIASES)]
        .filter((t) => datasetFacts(t)?.timeColumn)
        .map((t) => [t, datasetFacts(t)!.timeColumn!]),
);

const DESCRIBED = ["users", "contacts", "contact_record", "agent_hierarchy_groups"];

/** Parses a compact spec: "a,b:map(varchar,varchar)*" (commas inside parentheses belong to the type). */
export function parseColumnSpec(spec: string): ConnectColumn[] {
    return spec.split(/,(?![^(]*\))/).map((item) => {
        const pii = item.endsWith("*");
        const [name, type = "varchar"] = (pii ? item.slice(0, -1) : item).split(/:(.*)/s);
        return pii ? { name, type, pii } : { name, type };
    });
}

export const CONNECT_TABLE_SCHEMAS: Readonly<Record<string, ConnectTableSchema>> = Object.fromEntries(
    DESCRIBED.map((table) => [
        table,
        { columns: parseColumnSpec(CONNECT_COLUMN_SPECS[TABLE_ALIASES[table] ?? table]), ...datasetKeys(table) },
    ]),
);

/** Column names of a known table, or undefined for a table this module does not describe. */
export function connectColumnNames(table: string): string[] | undefined {
    const spec = CONNECT_COLUMN_SPECS[TABLE_ALIASES[table] ?? table];
    return spec === undefined
        ? undefined
        : spec.split(/,(?![^(]*\))/).map((item) => item.replace(/\*$/, "").split(":")[0]);
}

/**
 * Table entries (`{name, ...}`) with `exportMode`, `primaryKey` and `versionColumn` filled in from
 * the Connect dataset's documentation where the entry leaves them out (`resolveExportKeys`): a
 * problem only for an entry whose explicit `exportMode` its keys cannot give, a warning for a
 * table Connect does not document that gets `snapshot` for want of a key. The config and the
 * local run use it; the Lambda receives the resolved fields.
 */
export function withDatasetDefaults<T extends ExportKeysInput>(
    entries: readonly T[],
): { entries: (T & ResolvedExportKeys)[]; problems: string[]; warnings: string[] } {
    const problems: string[] = [];
    const warnings: string[] = [];
    const filled = entries.map((entry) => {
        if (!entry || typeof entry !== "object" || typeof entry.name !== "string") {
            return entry as T & ResolvedExportKeys;
        }
        const { keys, problem, warning } = resolveExportKeys(entry);
        if (problem) problems.push(problem);
        if (warning) warnings.push(warning);
        return { ...entry, ...keys };
    });
    return { entries: filled, problems, warnings };
}
