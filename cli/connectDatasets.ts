/**
 * `datasets`: what each Connect instance of the stack offers its data lake
 * (`connect:ListAnalyticsDataLakeDataSets`), and per consumer account of the stack whether each
 * dataset is associated with it and the state of the RAM share carrying it
 * (`connect:ListAnalyticsDataAssociations`, its `ResourceShareStatus`), next to what the stack
 * configures and what the documentation says of the dataset (lib/connectDatasets.ts). Both APIs
 * are called in the instance's account (the producer's, with dataSource connectAnalytics).
 * Paginated: a fixed number of calls per instance, whatever the dataset count.
 */
import { ListAnalyticsDataAssociationsCommand, ListAnalyticsDataLakeDataSetsCommand } from "@aws-sdk/client-connect";
import { datasetFacts, defaultExportMode, type ExportMode } from "../lib/connectDatasets";
import { textTable } from "../lib/report";
import { AwsClients, call } from "./aws";

export interface Association {
    readonly DataSetId?: string;
    readonly TargetAccountId?: string;
    readonly ResourceShareArn?: string;
    readonly ResourceShareStatus?: string;
}

/** ListAnalyticsDataAssociations' documented maximum page size (connect API reference: "Maximum value of 1000"). */
const ASSOCIATIONS_PAGE = 1000;

/** The instance's dataset associations, every page (ListAnalyticsDataAssociations has no SDK paginator). */
export async function listAssociations(clients: AwsClients, instanceId: string): Promise<Association[]> {
    const results: Association[] = [];
    let token: string | undefined;
    do {
        const page = await call("connect:ListAnalyticsDataAssociations", () =>
            clients.connect.send(
                new ListAnalyticsDataAssociationsCommand({
                    InstanceId: instanceId,
                    NextToken: token,
                    MaxResults: ASSOCIATIONS_PAGE,
                }),
            ),
        );
        results.push(...(page.Results ?? []));
        token = page.NextToken;
    } while (token);
    return results;
}

/** The datasets the instance offers, every page. */
export async function listOfferedDatasets(
    clients: AwsClients,
    instanceId: string,
): Promise<{ DataSetId?: string; DataSetName?: string }[]> {
    const results: { DataSetId?: string; DataSetName?: string }[] = [];
    let token: string | undefined;
    do {
        const page = await call("connect:ListAnalyticsDataLakeDataSets", () =>
            clients.connect.send(
                new ListAnalyticsDataLakeDataSetsCommand({ InstanceId: instanceId, NextToken: token, MaxResults: 100 }),
            ),
        );
        results.push(...(page.Results ?? []));
        token = page.NextToken;
    } while (token);
    return results;
}

export interface DatasetRow {
    readonly instanceId: string;
    readonly dataSetId: string;
    readonly dataSetName: string | null;
    /** ListAnalyticsDataLakeDataSets lists it for the instance. */
    readonly offered: boolean;
    /** The stack's tables include it. */
    readonly configured: boolean;
    /** What the documentation gives (null: a dataset this project does not know). */
    readonly documented: {
        readonly primaryKey: readonly string[] | null;
        readonly timeColumn: string | null;
        readonly versionColumn: string | null;
        readonly defaultExportMode: ExportMode;
        readonly page: string;
    } | null;
    /** Per consumer account of the stack. */
    readonly consumers: readonly {
        readonly accountId: string;
        readonly associated: boolean;
        readonly resourceShareStatus: string | null;
        readonly resourceShareArn: string | null;
    }[];
}

/**
 * One row per dataset of each instance: those it offers, and those the stack configures or has
 * associated that it does not offer (they show as not offered).
 */
export function datasetRows(
    instanceId: string,
    offered: readonly { DataSetId?: string; DataSetName?: string }[],
    associations: readonly Association[],
    consumerAccountIds: readonly string[],
    configured: readonly string[],
): DatasetRow[] {
    const names = new Map(offered.filter((d) => d.DataSetId).map((d) => [d.DataSetId!, d.DataSetName ?? null]));
    const ids = [
        ...names.keys(),
        ...configured,
        ...associations.map((a) => a.DataSetId).filter((id): id is string => !!id),
    ];
    return [...new Set(ids)].sort().map((id) => {
        const facts = datasetFacts(id);
        return {
            instanceId,
            dataSetId: id,
            dataSetName: names.get(id) ?? null,
            offered: names.has(id),
            configured: configured.includes(id),
            documented: facts
                ? {
                      primaryKey: facts.primaryKey ?? null,
                      timeColumn: facts.timeColumn ?? null,
                      versionColumn: facts.versionColumn ?? null,
                      defaultExportMode: defaultExportMode(facts),
                      page: `connect/latest/adminguide/${facts.page}.html`,
                  }
                : null,
            consumers: consumerAccountIds.map((accountId) => {
                const a = associations.find((x) => x.DataSetId === id && x.TargetAccountId === accountId);
                return {
                    accountId,
                    associated: !!a,
                    resourceShareStatus: a?.ResourceShareStatus ?? null,
                    resourceShareArn: a?.ResourceShareArn ?? null,
                };
            }),
        };
    });
}

/** The rows as a table: one column per consumer account (`ACTIVE`, `PENDING`, `-` when not associated). */
export function datasetsText(rows: readonly DatasetRow[], consumerAccountIds: readonly string[]): string {
    const lines = textTable(
        ["instance", "dataset", "offered", "in stack", "keys (documented)", ...consumerAccountIds],
        rows.map((r) => [
            r.instanceId,
            r.dataSetId,
            r.offered ? "yes" : "NO",
            r.configured ? "yes" : "-",
            r.documented
                ? `${r.documented.defaultExportMode}: ${r.documented.primaryKey?.join("+") ?? "no key"}${r.documented.versionColumn ? ` / ${r.documented.versionColumn}` : ""}`
                : "not documented",
            ...r.consumers.map((c) => (c.associated ? (c.resourceShareStatus ?? "associated") : "-")),
        ]),
    );
    const missing = rows.filter((r) => r.configured && !r.offered).map((r) => `${r.dataSetId}@${r.instanceId}`);
    const unshared = rows.flatMap((r) =>
        r.configured
            ? r.consumers
                  .filter((c) => !c.associated || (c.resourceShareStatus && c.resourceShareStatus !== "ACTIVE"))
                  .map((c) => `${r.dataSetId}@${r.instanceId} -> ${c.accountId}`)
            : [],
    );
    return [
        ...lines,
        "",
        `${rows.filter((r) => r.offered).length} dataset(s) offered, ${rows.filter((r) => r.configured).length} in the stack's tables` +
            (missing.length ? `; not offered by the instance: ${missing.join(", ")}` : "") +
            (unshared.length ? `; not associated or share not ACTIVE: ${unshared.join(", ")}` : ""),
    ].join("\n");
}
