import * as pulumi from "@pulumi/pulumi";
import * as awsnative from "@pulumi/aws-native";
import type { TableConfig } from "../lib/config";
import { ramShareOwner } from "../lib/names";

export interface ConnectDataShareArgs {
    /** The Connect instances' ids (not ARNs: AWS::Connect::DataLakeAssociation takes `^[-a-zA-Z0-9]*$`). */
    readonly connectInstanceIds: readonly string[];
    /** The datasets to associate: each table's `name` is a Connect dataset id (`contact_record`, `users`...). */
    readonly tables: readonly TableConfig[];
    /** The accounts that receive the datasets (the consumers). */
    readonly consumerAccountIds: readonly string[];
}

/**
 * The producer side when Amazon Connect owns the tables (`dataSource: connectAnalytics`): one
 * `AWS::Connect::DataLakeAssociation` per dataset, which makes Connect share the dataset from its
 * own catalog with the consumer account through AWS RAM. No Lake Formation grant here: an account
 * that only received a shared table cannot grant it on to another account
 * (lake-formation/latest/dg/regranting-shared-resources.html), so the consumer grants its own role.
 */
export class ConnectDataShare extends pulumi.ComponentResource {
    public readonly associations: awsnative.connect.DataLakeAssociation[];
    /** The RAM shares each consumer accepts, without duplicates, by consumer account. */
    public readonly sharesByConsumer: pulumi.Output<Record<string, string[]>>;
    /** The catalog that owns the tables: the account of the shares' ARNs (Connect's, not the producer's). */
    public readonly sourceCatalogId: pulumi.Output<string>;

    constructor(name: string, args: ConnectDataShareArgs, opts?: pulumi.ComponentResourceOptions) {
        super("connect-analytics:producer:ConnectDataShare", name, {}, opts);
        // One association per (instance, consumer, dataset). The first instance's to the first
        // consumer keep the short names of a single-consumer share, so adding more replaces nothing.
        const entries = args.connectInstanceIds.flatMap((instanceId, i) =>
            args.consumerAccountIds.flatMap((consumer, c) =>
                args.tables.map((table) => ({
                    instanceId,
                    consumer,
                    table,
                    name:
                        i === 0 && c === 0
                            ? `${name}-${table.name}`
                            : `${name}-${table.name}-${instanceId.slice(0, 8)}-${consumer}`,
                })),
            ),
        );
        this.associations = entries.map(
            (e) =>
                new awsnative.connect.DataLakeAssociation(
                    e.name,
                    { instanceId: e.instanceId, dataSetId: e.table.name, targetAccountId: e.consumer },
                    // Every property forces replacement; an identical association cannot exist twice.
                    { parent: this, deleteBeforeReplace: true },
                ),
        );
        this.sharesByConsumer = pulumi.all(this.associations.map((a) => a.resourceShareArn)).apply((arns) => {
            const by: Record<string, string[]> = {};
            arns.forEach(
                (arn, i) => (by[entries[i].consumer] ??= []).includes(arn) || by[entries[i].consumer].push(arn),
            );
            return Object.fromEntries(Object.entries(by).map(([account, list]) => [account, list.sort()]));
        });
        this.sourceCatalogId = this.sharesByConsumer.apply((by) => catalogOfShares(Object.values(by).flat()));
        this.registerOutputs({ sharesByConsumer: this.sharesByConsumer, sourceCatalogId: this.sourceCatalogId });
    }
}

/** The one account that owns every share; anything else is not a Connect data lake share. */
export function catalogOfShares(shareArns: readonly string[]): string {
    const owners = [...new Set(shareArns.map((arn) => ramShareOwner(arn) ?? `unreadable ARN ${arn}`))];
    if (owners.length !== 1) {
        throw new Error(
            `the dataset associations came back with RAM shares of ${owners.length === 0 ? "no" : owners.join(", ")} ` +
                "owner(s); expected one Connect catalog. Check the associations in the Connect console.",
        );
    }
    return owners[0];
}
