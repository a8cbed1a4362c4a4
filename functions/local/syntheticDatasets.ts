/**
 * What each delivery of the synthetic lake adds besides its contacts (functions/local/syntheticLake.ts),
 * for local parity with the export's modes and its late-update sweep. All derived from the
 * delivery's own contact file, so a day added later changes nothing before it:
 *  - old updates: a share of the contacts of every day 30 to 400 days old, delivered again into
 *    their own day with a newer `last_update_timestamp` (the delivery's day), a changed attribute
 *    and a newer `data_lake_last_processed_timestamp`, as Connect re-delivers a record updated
 *    long after it began;
 *  - `contact_flow_events` (insertOnly: events written once): one or two flow events per contact,
 *    and some events of an old day delivered again, identical but touched again;
 *  - `agent_queue_statistic_record` (merge on published_date): one interval a day per agent, and
 *    some of the day before republished with a later published_date;
 *  - `agent_statistic_record` (snapshot: no documented key): one row a day per agent, in one folder.
 */
import * as path from "path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { parseColumnSpec, type ConnectColumn } from "../../lib/connectSchema";
import { addDays } from "../dates";
import { sqlString } from "../sql";
import { LAKE_PARTITION_COLUMN } from "./duckdbSql";

/**
 * The columns these tables have in the synthetic lake (the local engine's view of a table with no
 * file yet needs them). Not Connect's schemas: contact_flow_events has the columns of
 * data-lake-flow-data, the statistic records a few columns of the reference queries; they stay
 * out of lib/connectSchema.ts, whose columns the config checks users' keys and row filters
 * against.
 */
export const SYNTHETIC_DATASET_COLUMNS: Readonly<Record<string, readonly ConnectColumn[]>> = {
    contact_flow_events: parseColumnSpec(
        "instance_id,event_id,aws_account_id,instance_arn,contact_id,flow_resource_id,module_resource_id,resource_version," +
            "resource_type,channel,start_timestamp:timestamp,end_timestamp:timestamp,next_flow_resource_id,next_queue_resource_id," +
            "next_resource_type,flow_language_version,flow_outcome,sub_type,flow_type,initiation_method," +
            "resource_published_timestamp:timestamp,data_lake_last_processed_timestamp:timestamp",
    ),
    agent_queue_statistic_record: parseColumnSpec(
        "aqsr_statistic_id,instance_id,user_id,routing_profile_id,agent_hierarchy_level_1_id,interval_start_time:timestamp," +
            "interval_end_time:timestamp,published_date:timestamp,aws_account_id,queue_id,channel,contacts_offered:bigint," +
            "contacts_handled:bigint,handle_time:bigint,data_lake_last_processed_timestamp:timestamp",
    ),
    agent_statistic_record: parseColumnSpec(
        "instance_id,user_id,routing_profile_id,interval_start_time:timestamp,interval_end_time:timestamp," +
            "published_date:timestamp,online_time:bigint,agent_idle_time:bigint,agent_on_contact_time:bigint," +
            "data_lake_last_processed_timestamp:timestamp",
    ),
};

/** Contacts are updated this many days after they began, at the earliest and the latest. */
export const OLD_UPDATE_AGES = [30, 400] as const;
/** Share of the contacts of each day in OLD_UPDATE_AGES that one delivery updates. */
export const DEFAULT_OLD_UPDATE_SHARE = 0.005;
/** The tables besides contacts, users and agent_hierarchy_groups, and their modes' reason to be here. */
export const DATASET_ENTRIES = ["contact_flow_events", "agent_queue_statistic_record", "agent_statistic_record"];

export interface DatasetDelivery {
    readonly connection: DuckDBConnection;
    readonly dir: string;
    /** The lake's first day, and this delivery's index and day. */
    readonly start: string;
    readonly k: number;
    readonly seed: number;
    /** Files the lake holds so far (relative path: rows). */
    readonly files: Readonly<Record<string, number>>;
    /** Share of old contacts updated (DEFAULT_OLD_UPDATE_SHARE when undefined). */
    readonly share?: number;
    /** A column the delivery's contacts carry that older files may lack (added as NULL). */
    readonly newColumn?: { readonly name: string; readonly type: string };
    /** Lists a file as being written (lake.json's pending) before its first byte. */
    begin(file: string): void;
    afterFile?(file: string): void;
}

const partOf = (table: string, day: string) => `${table}/${LAKE_PARTITION_COLUMN}=${day}/part-${day}.parquet`;

/** Writes this delivery's files of the datasets; returns them with their rows. */
export async function deliverDatasets(d: DatasetDelivery): Promise<Record<string, number>> {
    const written: Record<string, number> = {};
    const day = addDays(d.start, d.k);
    const next = addDays(day, 1);
    const abs = (file: string) => sqlString(path.join(d.dir, file));
    const copy = async (select: string, file: string) => {
        d.begin(file);
        const reader = await d.connection.runAndReadAll(
            `COPY (${select}) TO ${abs(file)} (FORMAT PARQUET, COMPRESSION SNAPPY)`,
        );
        written[file] = Number(reader.getRows()[0]?.[0] ?? 0);
        d.afterFile?.(file);
    };
    const known = (file: string) => d.files[file] !== undefined || written[file] !== undefined;
    const contacts = `read_parquet(${abs(partOf("contacts", day))})`;

    // Old updates: one query over the first deliveries of every day old enough, one file per day that got any.
    const oldDays = [];
    for (let j = Math.max(0, d.k - OLD_UPDATE_AGES[1]); j <= d.k - OLD_UPDATE_AGES[0]; j++) {
        oldDays.push(addDays(d.start, j));
    }
    const parts = oldDays.map((o) => partOf("contacts", o)).filter(known);
    if (parts.length > 0) {
        const at = (minutes: number) =>
            `TIMESTAMP '${day} 00:00:00' + to_minutes(CAST(${minutes} + hash(contact_id, ${d.k}) % 600 AS BIGINT))`;
        await d.connection.run(
            `CREATE OR REPLACE TEMP TABLE synthetic_old_updates AS SELECT * REPLACE (${at(0)} AS last_update_timestamp, ` +
                `${at(40)} AS data_lake_last_processed_timestamp, map_concat(attributes, MAP {'late_update': '${day}'}) AS attributes) ` +
                `FROM read_parquet([${parts.map(abs).join(", ")}], hive_partitioning = true, union_by_name = true, hive_types = {'${LAKE_PARTITION_COLUMN}': DATE}) ` +
                `WHERE hash(contact_id, ${d.seed}, ${d.k}) % 1000000 < ${Math.round((d.share ?? DEFAULT_OLD_UPDATE_SHARE) * 1_000_000)}`,
        );
        const columns = (await d.connection.runAndReadAll("DESCRIBE synthetic_old_updates"))
            .getRows()
            .map((r) => String(r[0]));
        const extra =
            d.newColumn && !columns.includes(d.newColumn.name)
                ? `, CAST(NULL AS ${d.newColumn.type}) AS "${d.newColumn.name}"`
                : "";
        const counts = await d.connection.runAndReadAll(
            `SELECT CAST(${LAKE_PARTITION_COLUMN} AS VARCHAR) FROM synthetic_old_updates GROUP BY 1 ORDER BY 1`,
        );
        for (const [old] of counts.getRows()) {
            await copy(
                `SELECT * EXCLUDE (${LAKE_PARTITION_COLUMN})${extra} FROM synthetic_old_updates WHERE ${LAKE_PARTITION_COLUMN} = DATE '${old}'`,
                `contacts/${LAKE_PARTITION_COLUMN}=${old}/old-update-${day}.parquet`,
            );
        }
    }

    // Flow events of the day's contacts: a first event each, a second for about 30%.
    await copy(
        `SELECT instance_id, md5(contact_id || '-' || CAST(step AS VARCHAR)) AS event_id, aws_account_id, ` +
            `split_part(queue_arn, '/queue/', 1) AS instance_arn, contact_id, 'flow-' || CAST(step AS VARCHAR) AS flow_resource_id, ` +
            `CAST(NULL AS VARCHAR) AS module_resource_id, '1' AS resource_version, 'flow' AS resource_type, channel, ` +
            // An event starts on its contact's day: the table's partition is start_timestamp's day.
            `least(initiation_timestamp + to_seconds(CAST(step * 20 AS BIGINT)), TIMESTAMP '${day} 23:59:59') AS start_timestamp, ` +
            `initiation_timestamp + to_seconds(CAST(step * 20 + 15 AS BIGINT)) AS end_timestamp, CAST(NULL AS VARCHAR) AS next_flow_resource_id, ` +
            `queue_id AS next_queue_resource_id, 'queue' AS next_resource_type, '2019-10-30' AS flow_language_version, 'Success' AS flow_outcome, ` +
            `CAST(NULL AS VARCHAR) AS sub_type, 'CONTACT_FLOW' AS flow_type, initiation_method, ` +
            `TIMESTAMP '${d.start} 00:00:00' AS resource_published_timestamp, data_lake_last_processed_timestamp ` +
            `FROM ${contacts}, (VALUES (1), (2)) AS s(step) WHERE step = 1 OR hash(contact_id, ${d.seed}) % 10 < 3`,
        partOf("contact_flow_events", day),
    );
    // Some events of one old day delivered again, as they were, touched again (nothing to change).
    const redelivered = oldDays.length > 0 ? partOf("contact_flow_events", oldDays[d.k % oldDays.length]) : undefined;
    if (redelivered && known(redelivered)) {
        await copy(
            `SELECT * REPLACE (TIMESTAMP '${day} 03:00:00' AS data_lake_last_processed_timestamp) FROM read_parquet(${abs(redelivered)}) ` +
                `WHERE hash(event_id, ${d.k}) % 100 < 5`,
            redelivered.replace(/part-([\d-]+)\.parquet$/, `redelivered-${day}.parquet`),
        );
    }

    // One interval a day per agent, published the next morning; about 10% of yesterday's republished.
    const perAgent = `FROM ${contacts} WHERE agent_id IS NOT NULL GROUP BY agent_id`;
    await copy(
        `SELECT md5(agent_id || '${day}') AS aqsr_statistic_id, any_value(instance_id) AS instance_id, agent_id AS user_id, ` +
            `any_value(agent_routing_profile_id) AS routing_profile_id, any_value(agent_hierarchy_groups_level_1_id) AS agent_hierarchy_level_1_id, ` +
            `TIMESTAMP '${day} 00:00:00' AS interval_start_time, TIMESTAMP '${next} 00:00:00' AS interval_end_time, ` +
            `TIMESTAMP '${next} 01:00:00' AS published_date, any_value(aws_account_id) AS aws_account_id, any_value(queue_id) AS queue_id, ` +
            `any_value(channel) AS channel, count(*) AS contacts_offered, count(*) AS contacts_handled, ` +
            `CAST(sum(agent_interaction_duration_ms) AS BIGINT) AS handle_time, TIMESTAMP '${next} 01:10:00' AS data_lake_last_processed_timestamp ${perAgent}`,
        partOf("agent_queue_statistic_record", day),
    );
    const yesterday = partOf("agent_queue_statistic_record", addDays(day, -1));
    if (d.k >= 1 && known(yesterday)) {
        await copy(
            `SELECT * REPLACE (published_date + INTERVAL 1 DAY AS published_date, contacts_handled + 1 AS contacts_handled, ` +
                `data_lake_last_processed_timestamp + INTERVAL 1 DAY AS data_lake_last_processed_timestamp) ` +
                `FROM read_parquet(${abs(yesterday)}) WHERE hash(aqsr_statistic_id, ${d.k}) % 10 = 0`,
            yesterday.replace(/part-([\d-]+)\.parquet$/, `republished-${day}.parquet`),
        );
    }

    // The agent statistics: no documented key, one folder (a snapshot table).
    await copy(
        `SELECT any_value(instance_id) AS instance_id, agent_id AS user_id, any_value(agent_routing_profile_id) AS routing_profile_id, ` +
            `TIMESTAMP '${day} 00:00:00' AS interval_start_time, TIMESTAMP '${next} 00:00:00' AS interval_end_time, ` +
            `TIMESTAMP '${next} 01:00:00' AS published_date, CAST(28800000 AS BIGINT) AS online_time, ` +
            `CAST(greatest(0, 28800000 - sum(coalesce(agent_interaction_duration_ms, 0))) AS BIGINT) AS agent_idle_time, ` +
            `CAST(sum(coalesce(agent_interaction_duration_ms, 0) + coalesce(agent_after_contact_work_duration_ms, 0)) AS BIGINT) AS agent_on_contact_time, ` +
            `TIMESTAMP '${next} 01:10:00' AS data_lake_last_processed_timestamp ${perAgent}`,
        `agent_statistic_record/part-${day}.parquet`,
    );
    return written;
}
