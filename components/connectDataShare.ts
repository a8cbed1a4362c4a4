import * as pulumi from "@pulumi/pulumi";
import * as awsnative from "@pulumi/aws-native";
import type { TableConfig } from "../lib/config";
import { ramShareOwner } from "../lib/names";

export interface ConnectDataShareArgs {
    /** The Connect instance's id (not its ARN: AWS::Connect::DataLakeAssociation takes `^[-a-zA-Z0-9]*$`). */
    readonly connectInstanceId: string;
    /** The datasets to associate: each table's `name` is a Connect dataset id (`contact_record`, `users`...). */
    readonly tables: readonly TableConfig[];
    /** The account that receives the datasets (the consumer). */
    readonly consumerAccountId: string;
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
    /** The RAM shares the consumer accepts, without duplicates. */
    public readonly resourceShareArns: pulumi.Output<string[]>;
    /** The catalog that owns the tables: the account of the shares' ARNs (Connect's, not the producer's). */
    public readonly sourceCatalogId: pulumi.Output<string>;

    constructor(name: string, args: ConnectDataShareArgs, opts?: pulumi.ComponentResourceOptions) {
        super("connect-analytics:producer:ConnectDataShare", name, {}, opts);
        this.associations = args.tables.map(
            (table) =>
                new awsnative.connect.DataLakeAssociation(
                    `${name}-${table.name}`,
                    {
                        instanceId: args.connectInstanceId,
                        dataSetId: table.name,
                        targetAccountId: args.consumerAccountId,
                    },
                    // Every property forces replacement; an identical association cannot exist twice.
                    { parent: this, deleteBeforeReplace: true },
                ),
        );
        this.resourceShareArns = pulumi
            .all(this.associations.map((a) => a.resourceShareArn))
            .apply((arns) => [...new Set(arns)].sort());
        this.sourceCatalogId = this.resourceShareArns.apply((arns) => catalogOfShares(arns));
        this.registerOutputs({ resourceShareArns: this.resourceShareArns, sourceCatalogId: this.sourceCatalogId });
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
