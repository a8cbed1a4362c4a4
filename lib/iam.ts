/**
 * IAM policy documents of the project, as pure data, so tests and the policy pack read the
 * same statements the components deploy.
 */
import { TableConfig } from "./config";
import { ArnScope, glueCatalogArn, glueDatabaseArn, glueTableArn } from "./arns";

export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string | readonly string[];
    /** Absent only in trust policies. */
    readonly Resource?: string | readonly string[];
    readonly Condition?: Record<string, Record<string, unknown>>;
    readonly Principal?: unknown;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly PolicyStatement[];
}

/**
 * Actions that AWS does not let a policy scope to a resource: their only valid Resource is
 * "*". The policy pack allows an unscoped resource for these actions and no others.
 */
export const ACTIONS_WITHOUT_RESOURCE_SCOPE: readonly string[] = [
    "lakeformation:GetDataAccess",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
];

/** Glue reads Athena makes on a table through a resource link (link and target both). */
export const GLUE_READ_ACTIONS = ["glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable", "glue:GetTables"] as const;

export function lambdaTrustPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    };
}

export interface DataAccessScope {
    readonly region: string;
    readonly partition?: string;
    readonly producerAccountId: string;
    readonly consumerAccountId: string;
    readonly producerDatabaseName: string;
    readonly consumerDatabaseName: string;
    readonly tables: readonly TableConfig[];
}

/**
 * What the querying role needs to read the shared tables: Lake Formation data access (which
 * vends the S3 credentials; Lake Formation grants decide what it covers) and Glue reads on the
 * exact catalog, database and table ARNs of the links and of their targets.
 */
export function dataAccessStatements(scope: DataAccessScope): PolicyStatement[] {
    const consumer: ArnScope = { region: scope.region, accountId: scope.consumerAccountId, partition: scope.partition };
    const producer: ArnScope = { region: scope.region, accountId: scope.producerAccountId, partition: scope.partition };
    return [
        { Sid: "LakeFormationDataAccess", Effect: "Allow", Action: ["lakeformation:GetDataAccess"], Resource: "*" },
        {
            Sid: "GlueReadLinksAndTargets",
            Effect: "Allow",
            Action: [...GLUE_READ_ACTIONS],
            Resource: [
                glueCatalogArn(consumer),
                glueDatabaseArn(consumer, scope.consumerDatabaseName),
                ...scope.tables.map((t) => glueTableArn(consumer, scope.consumerDatabaseName, t.linkName)),
                glueCatalogArn(producer),
                glueDatabaseArn(producer, scope.producerDatabaseName),
                ...scope.tables.map((t) => glueTableArn(producer, scope.producerDatabaseName, t.name)),
            ],
        },
    ];
}

export function policyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}
