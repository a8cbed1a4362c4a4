/**
 * `metadata`: the Glue metadata of the shared tables, through the links and of their targets,
 * as CSV (one row per column; a table without columns gets one row with empty column fields).
 * A link has no columns of its own: its rows repeat the target's, marked is_link=true.
 */
import { Column, Table } from "@aws-sdk/client-glue";
import { stringify } from "csv-stringify/sync";
import { describeTable, ShareModel, sourceCatalogOf, targetOf } from "../lib/permissions";
import { tagWhich } from "./aws";
import { isCredentialError, renderError } from "./errors";
import { tablesOf } from "./glue";
import { identify, Session } from "./session";

export const METADATA_COLUMNS = [
    "database",
    "table",
    "is_link",
    "target_catalog",
    "target_database",
    "target_table",
    "column",
    "type",
    "is_partition_key",
    "comment",
    "location",
    "classification",
    "last_updated",
] as const;

export type MetadataRow = Record<(typeof METADATA_COLUMNS)[number], string | boolean>;

function classification(table: Table): string {
    return table.Parameters?.classification ?? table.StorageDescriptor?.Parameters?.classification ?? "";
}

function columnRows(table: Table): Array<{ column: Column; partition: boolean }> {
    return [
        ...(table.StorageDescriptor?.Columns ?? []).map((column) => ({ column, partition: false })),
        ...(table.PartitionKeys ?? []).map((column) => ({ column, partition: true })),
    ];
}

/**
 * Rows for one table. `described` supplies columns, location and classification (the target's,
 * for a link); `table` supplies the identity and link target.
 */
function rowsFor(database: string, table: Table, described: Table | undefined, isLink: boolean): MetadataRow[] {
    const base = {
        database,
        table: table.Name ?? "",
        is_link: isLink,
        target_catalog: table.TargetTable?.CatalogId ?? "",
        target_database: table.TargetTable?.DatabaseName ?? "",
        target_table: table.TargetTable?.Name ?? "",
        location: described?.StorageDescriptor?.Location ?? "",
        classification: described ? classification(described) : "",
        last_updated: (table.UpdateTime ?? table.CreateTime)?.toISOString() ?? "",
    };
    const columns = described ? columnRows(described) : [];
    if (columns.length === 0) return [{ ...base, column: "", type: "", is_partition_key: false, comment: "" }];
    return columns.map(({ column, partition }) => ({
        ...base,
        column: column.Name ?? "",
        type: column.Type ?? "",
        is_partition_key: partition,
        comment: column.Comment ?? "",
    }));
}

/** Pure: the rows for the model's tables, given the two databases' tables. Missing ones are reported, not invented. */
export function metadataRows(
    model: ShareModel,
    links: ReadonlyMap<string, Table>,
    targets: ReadonlyMap<string, Table> | undefined,
): { rows: MetadataRow[]; missing: string[] } {
    const rows: MetadataRow[] = [];
    const missing: string[] = [];
    for (const t of model.tables) {
        const link = links.get(t.linkName);
        const target = targets?.get(t.name);
        if (link) rows.push(...rowsFor(model.consumerDatabaseName, link, target, link.TargetTable !== undefined));
        else missing.push(`link ${model.consumerDatabaseName}.${t.linkName}`);
        if (target) rows.push(...rowsFor(model.producerDatabaseName, target, target, false));
        else if (targets) missing.push(`target ${describeTable(targetOf(model, t.name))}`);
    }
    return { rows, missing };
}

export function toCsv(rows: readonly MetadataRow[]): string {
    return stringify(rows as MetadataRow[], {
        header: true,
        columns: [...METADATA_COLUMNS],
        // csv-stringify writes booleans as 1/"" by default; spell them out.
        cast: { boolean: (value: boolean) => (value ? "true" : "false") },
    });
}

export interface MetadataResult {
    readonly rows: MetadataRow[];
    /** Tables or links not found, and why targets could not be read. */
    readonly warnings: string[];
}

/**
 * Two paginated GetTables calls: the consumer database, and the source database (the
 * producer's with producer credentials if given; Connect's with the consumer's). STS first, so a denial names who was denied.
 */
export async function exportMetadata(session: Session): Promise<MetadataResult> {
    const { model } = session.targets;
    await identify(session, "main");
    const links = await tablesOf(session.main, model.consumerDatabaseName);
    // Connect's catalog is shared with the consumer account, whose credentials read it; the
    // producer's own catalog is read with the producer's, when given.
    const which = session.producer && model.dataSource !== "connectAnalytics" ? "producer" : "main";
    if (which === "producer") await identify(session, "producer");
    const warnings: string[] = [];
    let targets: Map<string, Table> | undefined;
    try {
        const reader = which === "producer" ? session.producer! : session.main;
        targets = await tablesOf(reader, model.producerDatabaseName, sourceCatalogOf(model));
    } catch (err) {
        if (isCredentialError(err)) throw tagWhich(err, which);
        warnings.push(
            `targets not read (columns of links left empty): ${renderError(err, { principal: session.identities[which]?.arn })}`,
        );
    }
    const { rows, missing } = metadataRows(model, links, targets);
    warnings.push(...missing.map((m) => `not found: ${m}`));
    return { rows, warnings };
}
