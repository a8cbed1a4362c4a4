import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { consumerGrants, DataFilter, LfGrant, readerFilters, ShareModel, targetOf } from "../lib/permissions";
import { Acceptance, shareId } from "../lib/ram";
import { dataAccessStatements, lambdaTrustPolicy, policyDocument } from "../lib/iam";
import { consumerRoleArn } from "../lib/arns";
import type { ResourceLinkInfo } from "../lib/stackOutputs";
import { createDataFilters, createGrants } from "../stack/grants";

/**
 * The consumer's part of the permission model (`ShareModel`, lib/permissions.ts, documents each
 * field; `enableResourceLinks` defaults to true, `sharingMode` to named), plus what only the
 * consumer has.
 */
export interface ConsumerLinkSetArgs
    extends Pick<
        ShareModel,
        | "producerAccountId"
        | "consumerAccountId"
        | "producerDatabaseName"
        | "consumerDatabaseName"
        | "tables"
        | "enableResourceLinks"
        | "sharingMode"
        | "lfTags"
        | "dataSource"
        | "sourceCatalogId"
        | "readers"
    > {
    /** Region of the links and of the role's Glue ARNs. */
    readonly region: string;
    /** The stack's partition, for ARNs (`aws.getPartition`). Default `aws`. */
    readonly partition?: string;
    /** Exact name of the querying role; the producer's grants name its ARN. */
    readonly lambdaRoleName: string;
    /**
     * The RAM shares to accept before anything that needs them, as `planAcceptance` (lib/ram.ts)
     * decided from the invitations: accept a pending one, adopt one accepted earlier. Default: none.
     */
    readonly ramShares?: readonly Acceptance[];
    /** Tags of every taggable child. */
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The consumer side of the share: the consumer Glue database, one table resource link per
 * shared table, the querying role (the export Lambda's execution role) with least-privilege
 * read access, and DESCRIBE on each link for that role.
 */
export class ConsumerLinkSet extends pulumi.ComponentResource {
    public readonly database: aws.glue.CatalogDatabase;
    public readonly role: aws.iam.Role;
    public readonly links: aws.glue.CatalogTable[];
    public readonly grantResources: pulumi.Resource[];
    public readonly roleArn: pulumi.Output<string>;
    public readonly databaseName: pulumi.Output<string>;
    public readonly resourceLinks: pulumi.Output<ResourceLinkInfo[]>;
    /** The grants as the permission model states them. */
    public readonly grants: pulumi.Output<LfGrant[]>;
    /** One data cells filter per (reader, table), on the targets. */
    public readonly filters: aws.lakeformation.DataCellsFilter[];
    /** The filters as the model states them, once every one exists. */
    public readonly dataFilters: pulumi.Output<DataFilter[]>;

    constructor(name: string, args: ConsumerLinkSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("connect-analytics:consumer:ConsumerLinkSet", name, {}, opts);
        const enableLinks = args.enableResourceLinks ?? true;
        // The shared resources are not visible until the invitation is accepted. The accepter's
        // delete would leave the share (DisassociateResourceShare) and cut every reader off, so
        // removing it from the program keeps the share; an accepted share is adopted, not re-accepted.
        const afterShare = (args.ramShares ?? [])
            .filter((share) => share.action !== "none")
            .map(
                (share, i) =>
                    new aws.ram.ResourceShareAccepter(
                        `${name}-ram-accept-${shareId(share.shareArn)}`,
                        { shareArn: share.shareArn },
                        {
                            parent: this,
                            retainOnDelete: true,
                            ...(share.action === "adopt" ? { import: share.shareArn } : {}),
                            // The single accepter of earlier versions, kept rather than replaced.
                            aliases: i === 0 ? [{ name: `${name}-ram-accept` }] : [],
                        },
                    ),
            );
        this.database = new aws.glue.CatalogDatabase(
            `${name}-database`,
            {
                name: args.consumerDatabaseName,
                catalogId: args.consumerAccountId,
                description: `Resource links to the shared Amazon Connect tables of account ${args.producerAccountId}`,
                tags: { ...args.tags },
            },
            { parent: this },
        );

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                // Exact name, no auto-naming suffix: the producer's grants name this ARN.
                name: args.lambdaRoleName,
                assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
                description: "Queries the shared Amazon Connect tables through Lake Formation resource links",
                tags: { ...args.tags },
            },
            { parent: this },
        );

        new aws.iam.RolePolicy(
            `${name}-data-access`,
            {
                name: "lake-formation-data-access",
                role: this.role.name,
                policy: JSON.stringify(policyDocument(dataAccessStatements(args))),
            },
            { parent: this },
        );

        const infos: ResourceLinkInfo[] = enableLinks
            ? args.tables.map((t) => ({
                  linkName: t.linkName,
                  table: t.name,
                  target: targetOf(args, t.name),
              }))
            : [];
        this.links = infos.map(
            (info) =>
                new aws.glue.CatalogTable(
                    `${name}-${info.linkName}`,
                    {
                        name: info.linkName,
                        catalogId: args.consumerAccountId,
                        databaseName: this.database.name,
                        targetTable: { ...info.target },
                    },
                    { parent: this, dependsOn: afterShare },
                ),
        );

        const roleArn = consumerRoleArn(args.consumerAccountId, args.lambdaRoleName, args.partition);
        // Readers' filters, on the targets in their owner's catalog (the consumer holds grantable
        // SELECT on what Connect shared).
        const filterModel = readerFilters(args);
        this.filters = createDataFilters(name, filterModel, { parent: this, dependsOn: afterShare });

        const grants = consumerGrants({ ...args, consumerPrincipalArn: roleArn, enableResourceLinks: enableLinks });
        this.grantResources = createGrants(
            name,
            grants,
            args.consumerAccountId,
            { parent: this, dependsOn: [...this.links, ...afterShare, ...this.filters] },
            { arn: roleArn, output: this.role.arn },
        );
        this.dataFilters = pulumi.all(this.filters.map((f) => f.urn)).apply(() => filterModel);

        this.roleArn = this.role.arn;
        this.databaseName = this.database.name;
        this.resourceLinks = pulumi.all(this.links.map((l) => l.name)).apply(() => infos);
        this.grants = pulumi.all(this.grantResources.map((g) => g.urn)).apply(() => grants);
        this.registerOutputs({
            roleArn: this.roleArn,
            databaseName: this.databaseName,
            resourceLinks: this.resourceLinks,
            grants: this.grants,
        });
    }
}
