/**
 * The producer's guard in `producerCatalog` mode: it can grant a table to another account only
 * when it owns the table. A table that is itself a resource link, or that lives in another catalog
 * (Amazon Connect's, shared with the producer through RAM), cannot be passed on: "you can grant
 * permissions on the shared resource to other principals in your account. You can't, however,
 * grant permissions on the resource to other AWS accounts or organizations"
 * (lake-formation/latest/dg/regranting-shared-resources.html). Pure.
 */

/** What Glue says of one shared table (GetTable). */
export interface FoundTable {
    readonly name: string;
    /** The catalog Glue reports the table in. */
    readonly catalogId: string;
    /** Set when the table is a resource link: where it points. */
    readonly targetTable?: { readonly catalogId: string; readonly databaseName: string; readonly name: string };
}

export function reshareProblems(
    producerAccountId: string,
    databaseName: string,
    found: readonly FoundTable[],
): string[] {
    const fix =
        "set dataSource: connectAnalytics in both stacks (the Connect instance's account associates the datasets " +
        "with the consumer account directly), or share a copy the producer owns";
    return found.flatMap((t) => {
        const owner = t.targetTable?.catalogId ?? t.catalogId;
        if (t.targetTable) {
            return [
                `${databaseName}.${t.name} is a resource link to ${owner}:${t.targetTable.databaseName}.${t.targetTable.name}, ` +
                    `a table the producer account ${producerAccountId} only received; Lake Formation does not let it grant that ` +
                    `table to another account. Fix: ${fix}.`,
            ];
        }
        if (owner !== producerAccountId) {
            return [
                `${databaseName}.${t.name} belongs to catalog ${owner}, not to the producer account ${producerAccountId}; Lake ` +
                    `Formation does not let an account grant a table it received to another account. Fix: ${fix}.`,
            ];
        }
        return [];
    });
}
