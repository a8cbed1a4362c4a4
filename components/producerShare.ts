import * as pulumi from "@pulumi/pulumi";
import { TableConfig } from "../lib/config";
import { LfGrant, producerGrants } from "../lib/permissions";
import { createGrants } from "./grants";

export interface ProducerShareArgs {
    /** The producer account: owner of the catalog that holds the shared tables. */
    readonly producerAccountId: string;
    /** The consumer account, for the grants' context and outputs. */
    readonly consumerAccountId: string;
    /** Database holding the shared tables. Default `connect_datalake`. */
    readonly databaseName: string;
    /** Tables to share. */
    readonly tables: readonly TableConfig[];
    /** The consumer's querying principal (the export Lambda execution role ARN). */
    readonly consumerPrincipalArn: string;
    /** Give the principal the grant option. Default false: least privilege. */
    readonly grantWithGrantOption?: boolean;
}

/**
 * The producer side of the share: Lake Formation grants, in the producer's own catalog, of
 * SELECT and DESCRIBE on each shared table to the consumer's querying principal.
 */
export class ProducerShare extends pulumi.ComponentResource {
    public readonly producerAccountId: pulumi.Output<string>;
    public readonly databaseName: pulumi.Output<string>;
    public readonly sharedTables: pulumi.Output<string[]>;
    /** The grants as the permission model states them (what the CLI verifies). */
    public readonly grants: pulumi.Output<LfGrant[]>;
    public readonly grantResources: pulumi.Resource[];

    constructor(name: string, args: ProducerShareArgs, opts?: pulumi.ComponentResourceOptions) {
        super("connect-analytics:producer:ProducerShare", name, {}, opts);
        const grants = producerGrants({
            producerAccountId: args.producerAccountId,
            consumerAccountId: args.consumerAccountId,
            producerDatabaseName: args.databaseName,
            consumerDatabaseName: "",
            tables: args.tables,
            principalArn: args.consumerPrincipalArn,
            grantOption: args.grantWithGrantOption ?? false,
            resourceLinks: false,
        });
        this.grantResources = createGrants(name, grants, args.consumerPrincipalArn, { parent: this });

        this.producerAccountId = pulumi.output(args.producerAccountId);
        this.databaseName = pulumi.output(args.databaseName);
        this.sharedTables = pulumi.output(args.tables.map((t) => t.name));
        // Resolves once every grant exists, so consumers of the output see a finished share.
        this.grants = pulumi.all(this.grantResources.map((g) => g.urn)).apply(() => grants);
        this.registerOutputs({
            producerAccountId: this.producerAccountId,
            databaseName: this.databaseName,
            sharedTables: this.sharedTables,
            grants: this.grants,
        });
    }
}
