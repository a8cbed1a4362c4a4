/**
 * CloudTrail events as LookupEvents returns them (Lake Formation GetDataAccess, Athena
 * StartQueryExecution), for the audit tests.
 */
import { Event as TrailEvent } from "@aws-sdk/client-cloudtrail";
import { CONSUMER, CONSUMER_DB, REGION } from "./cli-fake-aws";

let ids = 0;

/** A CloudTrail event as LookupEvents returns it, for a role session (`AssumedRole`). */
export function trailEvent(options: {
    name: "GetDataAccess" | "StartQueryExecution" | "GetTable";
    role: string;
    at: number;
    params?: Record<string, unknown> | null;
    errorCode?: string;
    id?: string;
}): TrailEvent {
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(options.role)!;
    const id = options.id ?? `ev-${++ids}`;
    const record = {
        eventVersion: "1.11",
        userIdentity: {
            type: "AssumedRole",
            principalId: `AROAEXAMPLE:session-${id}`,
            arn: `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/session-${id}`,
            accountId: m[1],
            sessionContext: {
                sessionIssuer: {
                    type: "Role",
                    principalId: "AROAEXAMPLE",
                    arn: options.role,
                    accountId: m[1],
                    userName: m[2],
                },
                attributes: { creationDate: new Date(options.at).toISOString(), mfaAuthenticated: "false" },
            },
            invokedBy: options.name === "GetDataAccess" ? "athena.amazonaws.com" : undefined,
        },
        eventTime: new Date(options.at).toISOString(),
        eventSource: options.name === "StartQueryExecution" ? "athena.amazonaws.com" : "lakeformation.amazonaws.com",
        eventName: options.name,
        awsRegion: REGION,
        requestParameters: options.params ?? null,
        ...(options.errorCode ? { errorCode: options.errorCode, errorMessage: "denied" } : {}),
        recipientAccountId: CONSUMER,
        eventID: id,
    };
    return {
        EventId: id,
        EventName: options.name,
        EventTime: new Date(options.at),
        EventSource: record.eventSource,
        CloudTrailEvent: JSON.stringify(record),
    };
}

export const dataAccess = (role: string, at: number, catalog: string, db: string, table: string, errorCode?: string) =>
    trailEvent({
        name: "GetDataAccess",
        role,
        at,
        errorCode,
        params: {
            tableArn: `arn:aws:glue:${REGION}:${catalog}:table/${db}/${table}`,
            permissions: ["SELECT"],
            cellLevelSecurityEnforced: true,
        },
    });

export const query = (role: string, at: number, sql: string, database: string | undefined = CONSUMER_DB) =>
    trailEvent({
        name: "StartQueryExecution",
        role,
        at,
        params: {
            queryString: sql,
            ...(database ? { queryExecutionContext: { database, catalog: "AwsDataCatalog" } } : {}),
            workGroup: "primary",
            clientRequestToken: "t",
        },
    });
