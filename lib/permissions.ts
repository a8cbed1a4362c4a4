/**
 * The Lake Formation permission model of the project, as pure data.
 *
 * One function, `requiredGrants`, says which grants the consumer's querying principal needs.
 * The Pulumi components create exactly these grants, the offline plan reports them, and the
 * operations CLI checks and repairs them: nobody writes the model twice.
 *
 * Cross-account access through a resource link takes two grants (the "grant on target"):
 * DESCRIBE on the link in the consumer catalog, and SELECT (plus DESCRIBE) on the target
 * table in the producer catalog. A grant on a link gives nothing on its target.
 */
import { TableConfig } from "./config";

export type LfPermission = "SELECT" | "DESCRIBE" | "INSERT" | "DELETE" | "ALTER" | "DROP" | "ALL" | "CREATE_TABLE" | "CREATE_DATABASE" | "DATA_LOCATION_ACCESS" | "ASSOCIATE" | "SUPER";

export interface LfTagCondition {
    readonly key: string;
    readonly values: readonly string[];
}

/** A Lake Formation resource, normalised across the Pulumi resource types that can grant on it. */
export type LfResource =
    | { readonly kind: "database"; readonly catalogId: string; readonly databaseName: string }
    | { readonly kind: "table"; readonly catalogId: string; readonly databaseName: string; readonly name: string }
    | {
          readonly kind: "tableWithColumns";
          readonly catalogId: string;
          readonly databaseName: string;
          readonly name: string;
          readonly excludedColumns: readonly string[];
      }
    | {
          readonly kind: "lfTagPolicy";
          readonly catalogId: string;
          readonly resourceType: "TABLE" | "DATABASE";
          readonly expression: readonly LfTagCondition[];
      }
    | { readonly kind: "lfTag"; readonly catalogId: string; readonly key: string; readonly values: readonly string[] };

/** Which stack (and so which account's credentials) makes a grant. */
export type GrantSide = "producer" | "consumer";

export interface LfGrant {
    readonly side: GrantSide;
    /** IAM principal ARN (or account id) receiving the permissions. */
    readonly principal: string;
    readonly resource: LfResource;
    /** Sorted. */
    readonly permissions: readonly LfPermission[];
    /** Sorted; the subset of `permissions` that may be re-granted. */
    readonly grantable: readonly LfPermission[];
}

export interface ShareModel {
    readonly producerAccountId: string;
    readonly consumerAccountId: string;
    readonly producerDatabaseName: string;
    readonly consumerDatabaseName: string;
    readonly tables: readonly TableConfig[];
    /** The consumer's querying principal: the export Lambda's execution role ARN. */
    readonly principalArn: string;
    /** Give the principal the grant option on the producer's grants. */
    readonly grantOption: boolean;
    /** Create links (and so their DESCRIBE grants) in the consumer. */
    readonly resourceLinks: boolean;
}

/** The role ARN the consumer stack creates; deterministic because the role is not auto-named. */
export function lambdaRoleArn(consumerAccountId: string, lambdaRoleName: string, partition = "aws"): string {
    return `arn:${partition}:iam::${consumerAccountId}:role/${lambdaRoleName}`;
}

/** Grants the producer makes in its own catalog: SELECT and DESCRIBE on each shared table. */
export function producerGrants(model: ShareModel): LfGrant[] {
    const permissions: LfPermission[] = ["DESCRIBE", "SELECT"];
    return model.tables.map((table) => ({
        side: "producer",
        principal: model.principalArn,
        resource: { kind: "table", catalogId: model.producerAccountId, databaseName: model.producerDatabaseName, name: table.name },
        permissions,
        grantable: model.grantOption ? permissions : [],
    }));
}

/** Grants the consumer makes in its own catalog: DESCRIBE on each resource link. */
export function consumerGrants(model: ShareModel): LfGrant[] {
    if (!model.resourceLinks) return [];
    return model.tables.map((table) => ({
        side: "consumer",
        principal: model.principalArn,
        resource: { kind: "table", catalogId: model.consumerAccountId, databaseName: model.consumerDatabaseName, name: table.linkName },
        permissions: ["DESCRIBE"],
        grantable: [],
    }));
}

/** Every grant the principal needs, both sides. */
export function requiredGrants(model: ShareModel): LfGrant[] {
    return [...producerGrants(model), ...consumerGrants(model)];
}

/** A stable identity for a grant's resource, for matching grants across sources. */
export function resourceKey(resource: LfResource): string {
    switch (resource.kind) {
        case "database":
            return `database:${resource.catalogId}:${resource.databaseName}`;
        case "table":
            return `table:${resource.catalogId}:${resource.databaseName}.${resource.name}`;
        case "tableWithColumns":
            return `tableWithColumns:${resource.catalogId}:${resource.databaseName}.${resource.name}:-${[...resource.excludedColumns].sort().join(",")}`;
        case "lfTagPolicy":
            return `lfTagPolicy:${resource.catalogId}:${resource.resourceType}:${resource.expression
                .map((c) => `${c.key}=${[...c.values].sort().join("|")}`)
                .sort()
                .join("&")}`;
        case "lfTag":
            return `lfTag:${resource.catalogId}:${resource.key}=${[...resource.values].sort().join("|")}`;
    }
}

/** Short human-readable name of a resource, for plan output and CLI messages. */
export function describeResource(resource: LfResource): string {
    switch (resource.kind) {
        case "database":
            return `${resource.catalogId}:${resource.databaseName}`;
        case "table":
            return `${resource.catalogId}:${resource.databaseName}.${resource.name}`;
        case "tableWithColumns":
            return `${resource.catalogId}:${resource.databaseName}.${resource.name} (all columns except ${resource.excludedColumns.join(", ")})`;
        case "lfTagPolicy":
            return `${resource.catalogId}:${resource.resourceType} where ${resource.expression.map((c) => `${c.key} in (${c.values.join(", ")})`).join(" and ")}`;
        case "lfTag":
            return `${resource.catalogId}:LF-tag ${resource.key}=${resource.values.join("|")}`;
    }
}

export function sortPermissions<T extends string>(permissions: readonly T[]): T[] {
    return [...new Set(permissions)].sort();
}
