/**
 * Every dataset Amazon Connect documents for its analytics data lake, with what the export needs
 * from the documentation: the primary key, the daily partition (time) column, the version column
 * where one exists, and the retention age column; and from those the default `exportMode`.
 *
 * Sources (Amazon Connect administrator guide, connect/latest/adminguide/; read 2026 in their
 * Markdown form, `<page>.md`):
 *  - each category page gives, per table, "Table name", "Primary key" and, for partitioned tables,
 *    "Partition key: <column> (daily)": data-lake-agent-data, data-lake-contact-data,
 *    data-lake-contact-analytics-data, data-lake-ai-agent-data, data-lake-flow-data,
 *    data-lake-botdata, data-lake-cases-data, data-lake-configuration-data,
 *    data-lake-forecasting-data, data-lake-outbound-campaigns-data, data-lake-resource-tags-data,
 *    data-lake-customer-profiles-contact-data, data-lake-scheduling (all linked from
 *    data-type-definitions.html);
 *  - data-lake-data-retention.html: "Each data lake table uses a designated timestamp field for age
 *    calculations" (the `age` column below; the page lists 20 tables, the others have none);
 *  - the DataSetId list of cdklabs/cdk-construct-connect-datalake (src/data-types.ts), the ids
 *    `AssociateAnalyticsDataSet` accepts today.
 *
 * Version columns: the pages name no "version column"; each one here is a column the page
 * describes as the record's last change (contact_record: ctr-data-model.html, "Use the
 * LastUpdateTimestamp attribute to determine whether a copy has newer data"; configuration tables:
 * `last_modified_timestamp`, "The Timestamp when this resource was last modified"; scheduling:
 * `last_updated_timestamp`, "created/updated/deleted"). `data_lake_last_processed_timestamp`
 * "cannot be used to determine reliably data freshness" and is never a version: the export uses it
 * only to find days that received records again (functions/sweep.ts).
 *
 * What stays assumed, per entry in `note`: where a page gives no partition, the table is read
 * whole each run; where the partition column is not a timestamp (the AI tables' epoch bigint), the
 * export cannot prune on it and reads the table whole. Two datasets have no key in the pages this
 * project could read (agent_statistic_record, contact_statistic_record): they default to
 * `snapshot`; set `primaryKey` to merge them. Confirm a table's columns with glue:GetTable.
 *
 * Pure data, no imports. Nothing under functions/ imports it: the Lambda receives each table's
 * resolved settings, never this catalog.
 */

/** How the export writes a table (config `exportMode`). */
export type ExportMode = "merge" | "insertOnly" | "snapshot";
export const EXPORT_MODES: readonly ExportMode[] = ["merge", "insertOnly", "snapshot"];

export interface DatasetFacts {
    /** The documented primary key; absent when this project found none documented. */
    readonly primaryKey?: readonly string[];
    /** Daily partition column the export reads incrementally on (a timestamp); absent: read whole. */
    readonly timeColumn?: string;
    /** Column whose greatest value is a record's latest version; absent: records never change (or unknown). */
    readonly versionColumn?: string;
    /** Retention age column (data-lake-data-retention.html); absent when the page lists none. */
    readonly age?: string;
    /** The admin guide page the keys come from (connect/latest/adminguide/<page>.html). */
    readonly page: string;
    /** What the documentation leaves open, or why a default differs from the page. */
    readonly note?: string;
}

const CONTACT = "data-lake-contact-data";
const AGENT = "data-lake-agent-data";
const ANALYTICS = "data-lake-contact-analytics-data";
const AI = "data-lake-ai-agent-data";
const FLOW = "data-lake-flow-data";
const BOT = "data-lake-botdata";
const CASES = "data-lake-cases-data";
const CONFIG = "data-lake-configuration-data";
const FORECAST = "data-lake-forecasting-data";
const SCHEDULING = "data-lake-scheduling";

const MODIFIED = "last_modified_timestamp";
const UPDATED = "last_updated_timestamp";
const AI_NOTE =
    'partition creation_timestamp is an epoch number, not a timestamp: the export reads the table whole; version update_timestamp ("updated in the data lake")';
const VERSIONED =
    "the documented key includes the record's version: each version is its own row, as the page's joins expect";

/** A versioned scheduling or forecasting table: the page's key (which ends with its version), last_updated_timestamp. */
const versioned = (page: string, primaryKey: string[], age?: string): DatasetFacts => ({
    primaryKey,
    versionColumn: UPDATED,
    page,
    note: VERSIONED,
    ...(age ? { age } : {}),
});

/** An event table: a record per event, written once (insertOnly). */
const events = (page: string, primaryKey: string[], timeColumn: string, age?: string): DatasetFacts => ({
    primaryKey,
    timeColumn,
    page,
    ...(age ? { age } : {}),
});

/** The datasets by dataset id (the table's name in Connect's catalog). */
export const CONNECT_DATASETS: Readonly<Record<string, DatasetFacts>> = {
    contact_record: {
        primaryKey: ["instance_id", "contact_id"],
        timeColumn: "initiation_timestamp",
        versionColumn: "last_update_timestamp",
        age: "disconnect_timestamp",
        page: CONTACT,
    },
    contact_statistic_record: {
        age: "disconnect_timestamp",
        page: CONTACT,
        note: "no primary key or partition in the page excerpts this project could read: snapshot until primaryKey is set",
    },
    agent_queue_statistic_record: {
        primaryKey: ["aqsr_statistic_id", "instance_id"],
        timeColumn: "interval_start_time",
        versionColumn: "published_date",
        age: "interval_end_time",
        page: AGENT,
        note: "version published_date (a column of the record, data-type-definitions.html): a republished interval replaces the earlier one",
    },
    agent_statistic_record: {
        age: "interval_end_time",
        page: AGENT,
        note: "no primary key or partition in the page excerpts this project could read: snapshot until primaryKey is set",
    },
    contact_lens_conversational_analytics: {
        primaryKey: ["instance_id", "contact_id"],
        timeColumn: "disconnect_timestamp",
        age: "disconnect_timestamp",
        page: ANALYTICS,
        note: "no version column documented: the first delivery of a contact's analysis is kept",
    },
    contact_evaluation_record: {
        primaryKey: ["evaluation_id", "item_reference_id", "instance_id"],
        timeColumn: "initiation_timestamp",
        versionColumn: "evaluation_submitted_timestamp",
        age: "evaluation_submitted_timestamp",
        page: ANALYTICS,
        note: "version evaluation_submitted_timestamp: a resubmitted evaluation (column resubmitted) replaces the earlier one",
    },
    contact_flow_events: events(FLOW, ["event_id", "instance_id"], "start_timestamp", "start_timestamp"),
    connect_test_case_execution_results: {
        primaryKey: [
            "connect_test_case_resource_arn",
            "connect_test_case_execution_start_timestamp",
            "connect_test_case_execution_id",
        ],
        timeColumn: "connect_test_case_execution_start_timestamp",
        versionColumn: "record_creation_timestamp",
        page: FLOW,
        note: "a test's status moves Scheduled -> InProgress -> Completed: the latest record_creation_timestamp wins",
    },
    outbound_campaign_events: events(
        "data-lake-outbound-campaigns-data",
        ["campaign_event_id", "instance_id"],
        "campaign_event_timestamp",
        "campaign_event_timestamp",
    ),
    bot_conversations: events(
        BOT,
        ["instance_id", "event_id"],
        "bot_conversation_start_timestamp",
        "bot_conversation_end_timestamp",
    ),
    bot_intents: {
        ...events(
            BOT,
            ["instance_id", "event_id"],
            "bot_conversation_start_timestamp",
            "bot_conversation_end_timestamp",
        ),
        note: "partition assumed the same as bot_conversations and bot_slots (same page)",
    },
    bot_slots: events(
        BOT,
        ["instance_id", "event_id"],
        "bot_conversation_start_timestamp",
        "bot_conversation_end_timestamp",
    ),
    case_events: events(CASES, ["instance_id", "event_id"], "event_timestamp"),
    case_related_item_events: events(CASES, ["instance_id", "event_id"], "event_timestamp"),
    customer_profiles_contact_event: {
        ...events("data-lake-customer-profiles-contact-data", ["instance_id", "event_id"], "initiation_timestamp"),
        note: '"One record is created per contact"',
    },
    amazon_connect_resource_tags: {
        ...events(
            "data-lake-resource-tags-data",
            ["instance_id", "aws_account_id", "resource_arn", "record_creation_timestamp"],
            "record_creation_timestamp",
        ),
        note: "each tag change is a new record (a slowly changing dimension)",
    },
    ai_agent: {
        primaryKey: ["ai_agent_event_id", "instance_id"],
        versionColumn: "update_timestamp",
        page: AI,
        note: AI_NOTE,
    },
    ai_agent_knowledge_base: {
        primaryKey: ["ai_agent_knowledge_base_event_id", "instance_id"],
        versionColumn: "update_timestamp",
        page: AI,
        note: `${AI_NOTE}; update_timestamp is a string here`,
    },
    ai_prompt: {
        primaryKey: ["ai_prompt_event_id", "instance_id"],
        versionColumn: "update_timestamp",
        page: AI,
        note: AI_NOTE,
    },
    ai_session: {
        primaryKey: ["ai_session_id", "instance_id"],
        versionColumn: "update_timestamp",
        page: AI,
        note: AI_NOTE,
    },
    ai_tool: {
        primaryKey: ["ai_tool_event_id", "instance_id"],
        versionColumn: "update_timestamp",
        page: AI,
        note: AI_NOTE,
    },
    users: { primaryKey: ["user_id"], versionColumn: MODIFIED, page: CONFIG },
    agent_hierarchy_groups: { primaryKey: ["agent_hierarchy_group_id"], versionColumn: MODIFIED, page: CONFIG },
    routing_profiles: { primaryKey: ["agent_routing_profile_id"], versionColumn: MODIFIED, page: CONFIG },
    forecast_groups: {
        primaryKey: ["instance_id", "forecast_group_arn", "forecast_group_version"],
        page: FORECAST,
        note: `${VERSIONED} ("You can get the latest record using the highest value of forecast_group_version"); last_updated_timestamp is an epoch string, so no version column`,
    },
    long_term_forecasts: {
        primaryKey: ["instance_id", "long_term_forecast_id"],
        versionColumn: "published_time",
        age: "creation_timestamp",
        page: FORECAST,
        note: 'no partition documented: read whole; version published_time ("null until the forecast has been published")',
    },
    short_term_forecasts: {
        primaryKey: ["instance_id", "short_term_forecast_id"],
        versionColumn: "published_time",
        age: "creation_timestamp",
        page: FORECAST,
        note: 'no partition documented: read whole; version published_time ("null until the forecast has been published")',
    },
    intraday_forecasts: {
        primaryKey: ["instance_id", "intraday_forecast_id"],
        timeColumn: "forecast_interval_start_timestamp",
        age: "creation_timestamp",
        page: FORECAST,
    },
    demand_group: versioned(FORECAST, ["instance_id", "demand_group_arn", "demand_group_version"]),
    demand_group_definitions: {
        primaryKey: ["instance_id", "demand_group_definition_id"],
        versionColumn: UPDATED,
        page: FORECAST,
    },
    staff_scheduling_profile: versioned(SCHEDULING, ["instance_id", "agent_arn", "staff_scheduling_profile_version"]),
    shift_activities: versioned(SCHEDULING, ["instance_id", "shift_activity_arn", "shift_activity_version"]),
    shift_profiles: versioned(SCHEDULING, ["instance_id", "shift_profile_arn", "shift_profile_version"]),
    staffing_groups: versioned(SCHEDULING, ["instance_id", "staffing_group_arn", "staffing_group_version"]),
    staffing_group_forecast_groups: versioned(SCHEDULING, [
        "instance_id",
        "staffing_group_arn",
        "staffing_group_version",
        "forecast_group_arn",
    ]),
    staffing_group_supervisors: versioned(SCHEDULING, [
        "instance_id",
        "staffing_group_arn",
        "staffing_group_version",
        "supervisor_arn",
    ]),
    staff_shifts: versioned(SCHEDULING, ["instance_id", "shift_id", "shift_version"], UPDATED),
    staff_shift_activities: versioned(SCHEDULING, ["instance_id", "shift_id", "shift_version", "activity_id"], UPDATED),
    staff_timeoff_balance_changes: {
        primaryKey: ["instance_id", "agent_arn", "shift_activity_arn", "timeoff_balance_version"],
        timeColumn: "last_created_timestamp",
        page: SCHEDULING,
        note: "each balance change is a new record with its own version",
    },
    staff_timeoffs: versioned(SCHEDULING, ["instance_id", "timeoff_id", "agent_arn", "timeoff_version"], UPDATED),
    staff_timeoff_intervals: versioned(
        SCHEDULING,
        ["instance_id", "timeoff_id", "timeoff_version", "interval_id"],
        UPDATED,
    ),
    staff_demand_group: versioned(SCHEDULING, [
        "instance_id",
        "agent_arn",
        "demand_group_arn",
        "staff_demand_group_version",
    ]),
    staffing_group_demand_group: versioned(SCHEDULING, [
        "instance_id",
        "staffing_group_arn",
        "demand_group_arn",
        "staffing_group_demand_group_version",
    ]),
    staff_shift_activity_allocations: versioned(SCHEDULING, [
        "instance_id",
        "shift_id",
        "shift_version",
        "activity_id",
        "demand_group_arn",
    ]),
    schedule_metrics: {
        primaryKey: ["instance_id", "metric_id", "interval_start_timestamp"],
        versionColumn: UPDATED,
        age: UPDATED,
        page: SCHEDULING,
    },
    schedule_goals: { primaryKey: ["instance_id", "goal_id"], versionColumn: UPDATED, age: UPDATED, page: SCHEDULING },
    shift_rotation_patterns: versioned(SCHEDULING, [
        "instance_id",
        "shift_rotation_pattern_arn",
        "shift_rotation_pattern_version",
    ]),
    shift_rotation_steps: versioned(SCHEDULING, [
        "instance_id",
        "shift_rotation_pattern_arn",
        "shift_rotation_pattern_version",
        "step_id",
    ]),
};

/**
 * Dataset ids whose table has another name, and the project's own names: `contacts` is
 * contact_record; cdk-construct-connect-datalake's `connect_test_case_results` is documented as the
 * table connect_test_case_execution_results.
 */
export const DATASET_ALIASES: Readonly<Record<string, string>> = {
    contacts: "contact_record",
    connect_test_case_results: "connect_test_case_execution_results",
};

/** The documented facts of a table by its name (aliases resolved), or undefined for a table Connect does not document. */
export function datasetFacts(table: string): DatasetFacts | undefined {
    return CONNECT_DATASETS[DATASET_ALIASES[table] ?? table];
}

/** The mode a table's keys allow: merge with a key and a version, insertOnly with a key alone, else snapshot. */
export function defaultExportMode(keys: { primaryKey?: readonly string[]; versionColumn?: string }): ExportMode {
    if (!keys.primaryKey?.length) return "snapshot";
    return keys.versionColumn ? "merge" : "insertOnly";
}

/** A table entry's export settings as given (config `tables`, or the local run's specs). */
export interface ExportKeysInput {
    readonly name: string;
    readonly primaryKey?: readonly string[];
    readonly versionColumn?: string;
    readonly exportMode?: ExportMode;
}

/** A table's export settings once the documentation's defaults are applied. */
export interface ResolvedExportKeys {
    readonly exportMode: ExportMode;
    readonly primaryKey?: readonly string[];
    readonly versionColumn?: string;
}

/**
 * The export mode and keys of a table: what the entry gives, else the documented dataset's, and
 * the mode they allow (`defaultExportMode`) unless the entry names one. Never refuses a table it
 * knows nothing of: a table with no key is a snapshot, and `warning` names the keys that would make
 * it merge. `problem` only when the entry asks for a mode its keys cannot give. `why` says how the
 * mode was chosen, for the plan's listing.
 */
export function resolveExportKeys(entry: ExportKeysInput): {
    readonly keys: ResolvedExportKeys;
    readonly why: string;
    readonly warning?: string;
    readonly problem?: string;
} {
    const facts = datasetFacts(entry.name);
    const primaryKey = entry.primaryKey ?? facts?.primaryKey;
    const versionColumn = entry.versionColumn ?? facts?.versionColumn;
    const keys = {
        ...(primaryKey ? { primaryKey } : {}),
        ...(versionColumn ? { versionColumn } : {}),
    };
    const source = facts ? `documented by Connect (${facts.page}.html)` : "set in the config";
    if (entry.exportMode) {
        const missing = [
            ...(entry.exportMode !== "snapshot" && !primaryKey
                ? ['"primaryKey" (the columns identifying a record)']
                : []),
            ...(entry.exportMode === "merge" && !versionColumn
                ? ['"versionColumn" (the column whose greatest value is a record\'s latest version)']
                : []),
        ];
        return {
            keys: { exportMode: entry.exportMode, ...keys },
            why: "exportMode set in the config",
            ...(missing.length
                ? {
                      problem: `table ${entry.name}: exportMode ${entry.exportMode} needs ${missing.join(" and ")}, which ${facts ? "the dataset's documentation does not give" : "the entry does not set"}; set ${missing.length > 1 ? "them" : "it"}, or use exportMode ${entry.exportMode === "merge" && primaryKey ? "insertOnly" : "snapshot"}.`,
                  }
                : {}),
        };
    }
    const exportMode = defaultExportMode(keys);
    const why =
        exportMode === "merge"
            ? `key and version ${source}`
            : exportMode === "insertOnly"
              ? `key ${source}, no version column: records are written once`
              : facts
                ? (facts.note ?? "no documented key")
                : "no primary key known";
    return {
        keys: { exportMode, ...keys },
        why,
        ...(exportMode === "snapshot" && !facts
            ? {
                  warning:
                      `table ${entry.name} is not a dataset Amazon Connect documents and sets no "primaryKey": it is exported as a snapshot (read whole and replaced every run). ` +
                      `To merge it instead (one current row per key, updates applied), set "primaryKey" (the columns identifying a record) and "versionColumn" (the column whose greatest value is a record's latest version), ` +
                      `e.g. {name: ${entry.name}, primaryKey: [id], versionColumn: last_modified_timestamp}.`,
              }
            : {}),
    };
}

/**
 * One line saying how the export writes each table, grouped by mode, for the plan and the deploy
 * log: `export modes: merge (2): users, contact_record; snapshot (1): my_table (no primary key)`.
 */
export function exportModesLine(
    tables: readonly {
        readonly name: string;
        readonly exportMode?: ExportMode;
        readonly primaryKey?: readonly string[];
    }[],
): string {
    const groups = EXPORT_MODES.map((mode) => {
        const names = tables
            .filter((t) => (t.exportMode ?? "merge") === mode)
            .map((t) =>
                mode === "snapshot" && !t.primaryKey?.length
                    ? `${t.name} (no primary key ${datasetFacts(t.name) ? "documented" : "known"})`
                    : t.name,
            );
        return names.length ? `${mode} (${names.length}): ${names.join(", ")}` : undefined;
    }).filter(Boolean);
    return `export modes: ${groups.join("; ")}`;
}
