/**
 * Config of where the shared tables come from (`dataSource`), and what each source rules out.
 * Sources: lake-formation/latest/dg/regranting-shared-resources.html (no re-sharing of a shared
 * resource), AWS::Connect::DataLakeAssociation (InstanceId is the id, pattern ^[-a-zA-Z0-9]*$).
 */
import { CONNECT_INSTANCE, DEFAULT_PRODUCER_DATABASE } from "../names";
import { Fail, Get } from "./reader";
import type { DataSource, Side, TableConfig } from "./types";

/** Connect's own name for the contact records: what `contacts` is called in Connect's catalog. */
export const CONNECT_CONTACTS_DATASET = "contact_record";

/**
 * The tables of `connectAnalytics` when the stack file names none: Connect's dataset ids, with
 * the same link names as the default tables (`contacts_link` for the contact records).
 */
export const CONNECT_DEFAULT_TABLES: readonly (string | { name: string; linkName: string })[] = [
    "users",
    { name: CONNECT_CONTACTS_DATASET, linkName: "contacts_link" },
    "agent_hierarchy_groups",
];

export interface SourceConfig {
    readonly dataSource: DataSource;
    readonly connectInstanceId?: string;
}

export function parseSource(get: Get, fail: Fail, side: Side | undefined): SourceConfig {
    const dataSource = get<DataSource>("dataSource");
    const instance = get<string | undefined>("connectInstanceId");
    // Connect's DataLakeAssociation takes the instance id, not the ARN.
    const connectInstanceId = instance === undefined ? undefined : CONNECT_INSTANCE.exec(instance)?.[2];
    if (dataSource !== "connectAnalytics") {
        if (instance !== undefined) {
            fail("connectInstanceId", 'is only used with dataSource "connectAnalytics"; remove it, or set dataSource.');
        }
        if (get<unknown[]>("connectInstanceIds").length > 0) {
            fail(
                "connectInstanceIds",
                'is only used with dataSource "connectAnalytics"; remove it, or set dataSource.',
            );
        }
        return { dataSource };
    }
    if (side === "producer" && instance === undefined && get<unknown[]>("connectInstanceIds").length === 0) {
        fail(
            "connectInstanceId",
            "required with dataSource connectAnalytics: the instance whose datasets the producer associates with the " +
                "consumer account. Set it with `pulumi config set connect-analytics:connectInstanceId <instance id or ARN>` " +
                "(or list several in connectInstanceIds).",
        );
    }
    if (get("sharingMode") === "lfTags") {
        fail(
            "sharingMode",
            'cannot be "lfTags" with dataSource connectAnalytics: LF-tags go on tables by their owner, and Connect ' +
                'owns these tables, so nobody here can tag them. Use "named".',
        );
    }
    if (get("producerDatabaseName") !== DEFAULT_PRODUCER_DATABASE) {
        fail(
            "producerDatabaseName",
            `must be ${DEFAULT_PRODUCER_DATABASE} with dataSource connectAnalytics: it is the database of Connect's catalog.`,
        );
    }
    if (side === "producer" && get("grantWithGrantOption")) {
        fail(
            "grantWithGrantOption",
            "has no effect with dataSource connectAnalytics: the producer makes no Lake Formation grants (Connect shares " +
                "the tables with the consumer account, whose own grants never carry the grant option). Remove it.",
        );
    }
    if (side === "producer" && Object.keys(get<Record<string, unknown>>("excludedColumns")).length > 0) {
        fail(
            "excludedColumns",
            "belongs in the consumer stack with dataSource connectAnalytics: the consumer's own grants withhold the " +
                "columns (the producer makes no grants). Move it there.",
        );
    }
    return { dataSource, ...(connectInstanceId ? { connectInstanceId } : {}) };
}

/** Connect's catalog has no `contacts`: say what it is called there. */
export function checkConnectDatasets(tables: readonly TableConfig[], fail: Fail): void {
    tables.forEach((t, i) => {
        if (t.name === "contacts") {
            fail(
                "tables",
                `tables[${i}] "contacts" is not a Connect dataset: the contact records are "${CONNECT_CONTACTS_DATASET}". ` +
                    `Keep the link name with {name: ${CONNECT_CONTACTS_DATASET}, linkName: ${t.linkName}}.`,
            );
        }
    });
}
