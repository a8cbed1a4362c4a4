import * as pulumi from "@pulumi/pulumi";
import * as awsnative from "@pulumi/aws-native";
import {
    LfGrant,
    lfTagDefinitions,
    producerGrants,
    ProducerShareModel,
    TagAssignment,
    tagAssignments,
} from "../lib/permissions";
import { createGrants } from "../stack/grants";

/**
 * The producer's share is its part of the permission model, as it is: see `ShareModel`
 * (lib/permissions.ts) for each field. Defaults (`grantWithGrantOption` false, `sharingMode`
 * named) are applied by the model's functions.
 */
export interface ProducerShareArgs extends Omit<ProducerShareModel, "consumerAccountId" | "consumerPrincipalArn"> {
    /** Every consumer account and its querying role: each gets the grants (config `consumers`). */
    readonly consumers: readonly Pick<ProducerShareModel, "consumerAccountId" | "consumerPrincipalArn">[];
}

/**
 * The producer side of the share: Lake Formation grants in the producer's own catalog (see
 * `producerGrants`), and in `lfTags` mode the LF-tags and their assignment to the tables.
 */
export class ProducerShare extends pulumi.ComponentResource {
    public readonly producerAccountId: pulumi.Output<string>;
    public readonly databaseName: pulumi.Output<string>;
    public readonly sharedTables: pulumi.Output<string[]>;
    /** The grants as the permission model states them (what the CLI verifies). */
    public readonly grants: pulumi.Output<LfGrant[]>;
    /** LF-tags assigned to tables and columns (`lfTags` mode; empty otherwise). */
    public readonly tagAssignments: pulumi.Output<TagAssignment[]>;
    public readonly grantResources: pulumi.Resource[];

    constructor(name: string, args: ProducerShareArgs, opts?: pulumi.ComponentResourceOptions) {
        super("connect-analytics:producer:ProducerShare", name, {}, opts);
        const catalogId = args.producerAccountId;

        // LF-tag mode: define the tags, then put them on the tables and excluded columns.
        const assignments = tagAssignments({ ...args, ...args.consumers[0] });
        const tags = Object.entries(lfTagDefinitions(assignments)).map(
            ([tagKey, tagValues]) =>
                new awsnative.lakeformation.Tag(
                    `${name}-tag-${tagKey}`,
                    { catalogId, tagKey, tagValues },
                    { parent: this },
                ),
        );
        const associations = assignments.flatMap((a) => {
            const table = { catalogId, databaseName: a.databaseName, name: a.table };
            const pairs = (t: Readonly<Record<string, string>>) =>
                Object.entries(t).map(([tagKey, value]) => ({ catalogId, tagKey, tagValues: [value] }));
            const onTable = new awsnative.lakeformation.TagAssociation(
                `${name}-${a.table}-tags`,
                { resource: { table }, lfTags: pairs(a.tags) },
                { parent: this, dependsOn: tags },
            );
            const onColumns = Object.entries(a.columnTags).map(
                ([column, overrides]) =>
                    new awsnative.lakeformation.TagAssociation(
                        `${name}-${a.table}-${column}-tags`,
                        {
                            resource: { tableWithColumns: { ...table, columnNames: [column] } },
                            lfTags: pairs(overrides),
                        },
                        { parent: this, dependsOn: [onTable] },
                    ),
            );
            return [onTable, ...onColumns];
        });

        // The tags and their assignments are the tables' own: the same for every consumer.
        const grants = args.consumers.flatMap((consumer) => producerGrants({ ...args, ...consumer }));
        this.grantResources = createGrants(name, grants, catalogId, { parent: this, dependsOn: associations });

        this.producerAccountId = pulumi.output(args.producerAccountId);
        this.databaseName = pulumi.output(args.producerDatabaseName);
        this.sharedTables = pulumi.output(args.tables.map((t) => t.name));
        // Resolve once every grant exists, so readers of the outputs see a finished share.
        const done = pulumi.all(this.grantResources.map((g) => g.urn));
        this.grants = done.apply(() => grants);
        this.tagAssignments = done.apply(() => assignments);
        this.registerOutputs({
            producerAccountId: this.producerAccountId,
            databaseName: this.databaseName,
            sharedTables: this.sharedTables,
            grants: this.grants,
            tagAssignments: this.tagAssignments,
        });
    }
}
