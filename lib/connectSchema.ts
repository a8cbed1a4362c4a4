/**
 * Known columns of the Amazon Connect analytics data lake tables this project shares, with
 * their types in Athena (Trino) terms.
 *
 * Sources: the AWS Connect admin guide pages data-lake-configuration-data.html (agent_hierarchy_groups
 * and the documented users columns) and data-lake-contact-data.html (contact_record: primary key,
 * daily partition on initiation_timestamp, join keys). `contact_record` has over 100 columns;
 * this is a realistic subset, enough for the export's explicit column lists, the synthetic local
 * lake, and validating column exclusions. Connect adds columns over time, so a table's real
 * schema may be a superset of this one.
 *
 * Pure data, no imports: the export Lambda's code reaches this module, so it must stay small.
 */

export interface ConnectColumn {
    readonly name: string;
    /** Athena/Trino type: varchar, timestamp, bigint, double, boolean, map(varchar,varchar). */
    readonly type: string;
    /** Personal data (names, emails, phone numbers, endpoint addresses): candidates for exclusion. */
    readonly pii?: boolean;
}

export interface ConnectTableSchema {
    readonly columns: readonly ConnectColumn[];
    readonly primaryKey: readonly string[];
    /** Daily partition column: the table is exported incrementally on it. */
    readonly timeColumn?: string;
}

const v = (name: string, pii?: boolean): ConnectColumn => (pii ? { name, type: "varchar", pii } : { name, type: "varchar" });
const ts = (name: string): ConnectColumn => ({ name, type: "timestamp" });
const big = (name: string): ConnectColumn => ({ name, type: "bigint" });

const hierarchyLevels: ConnectColumn[] = [1, 2, 3, 4, 5].flatMap((level) => [
    v(`agent_hierarchy_groups_level_${level}_id`),
    v(`agent_hierarchy_groups_level_${level}_name`),
    v(`agent_hierarchy_groups_level_${level}_arn`),
]);

const contactRecord: ConnectTableSchema = {
    primaryKey: ["instance_id", "contact_id"],
    timeColumn: "initiation_timestamp",
    columns: [
        v("instance_id"),
        v("aws_account_id"),
        v("contact_id"),
        v("initial_contact_id"),
        v("previous_contact_id"),
        v("related_contact_id"),
        v("next_contact_id"),
        v("channel"),
        v("initiation_method"),
        ts("initiation_timestamp"),
        ts("connected_to_system_timestamp"),
        ts("disconnect_timestamp"),
        v("disconnect_reason"),
        v("queue_id"),
        v("queue_name"),
        v("queue_arn"),
        ts("queue_enqueue_timestamp"),
        big("queue_duration_ms"),
        v("agent_id"),
        v("agent_username"),
        v("agent_arn"),
        ts("agent_connected_to_agent_timestamp"),
        big("agent_interaction_duration_ms"),
        big("agent_customer_hold_duration_ms"),
        big("agent_number_of_holds"),
        big("agent_longest_hold_duration_ms"),
        big("agent_after_contact_work_duration_ms"),
        v("agent_routing_profile_id"),
        v("agent_routing_profile_name"),
        v("agent_routing_profile_arn"),
        ...hierarchyLevels,
        v("customer_endpoint_type"),
        v("customer_endpoint_address", true),
        v("system_endpoint_type"),
        v("system_endpoint_address"),
        { name: "attributes", type: "map(varchar,varchar)" },
        v("recording_status"),
        v("recording_location"),
        ts("data_lake_last_processed_timestamp"),
    ],
};

export const CONNECT_TABLE_SCHEMAS: Readonly<Record<string, ConnectTableSchema>> = {
    users: {
        primaryKey: ["user_id"],
        // instance/user/directory/hierarchy/last-modified columns are on the AWS page; the identity
        // columns (names, emails, mobile) follow Connect's UserIdentityInfo and are the PII to exclude.
        columns: [
            v("instance_id"),
            v("instance_arn"),
            v("aws_account_id"),
            v("user_id"),
            v("user_arn"),
            v("username"),
            v("directory_user_id"),
            v("first_name", true),
            v("last_name", true),
            v("email", true),
            v("secondary_email", true),
            v("mobile", true),
            v("agent_hierarchy_group_id"),
            v("agent_hierarchy_group_arn"),
            v("agent_routing_profile_id"),
            { name: "is_active", type: "boolean" },
            v("last_modified_region"),
            ts("last_modified_timestamp"),
            ts("data_lake_last_processed_timestamp"),
        ],
    },
    contacts: contactRecord,
    contact_record: contactRecord,
    agent_hierarchy_groups: {
        primaryKey: ["agent_hierarchy_group_id"],
        columns: [
            v("instance_id"),
            v("instance_arn"),
            v("aws_account_id"),
            v("agent_hierarchy_group_id"),
            v("agent_hierarchy_group_arn"),
            v("agent_hierarchy_group_name"),
            v("last_modified_region"),
            ts("last_modified_timestamp"),
            ts("data_lake_last_processed_timestamp"),
        ],
    },
};

/** Column names of a known table, or undefined for a table this module does not describe. */
export function connectColumnNames(table: string): string[] | undefined {
    return CONNECT_TABLE_SCHEMAS[table]?.columns.map((c) => c.name);
}
