/**
 * A small stateful fake of the two accounts behind aws-sdk-client-mock, for the CLI tests and
 * bench: Glue catalogs, Lake Formation grants and settings, RAM invitations, Athena queries.
 *
 * It behaves like AWS where the CLI's logic depends on it: list calls paginate at the APIs'
 * documented maximum page sizes (GetTables 100, ListPermissions 1000, invitations 500), SELECT
 * on a table is reported as TableWithColumns with an empty ColumnWildcard, and an account cannot
 * list another account's Lake Formation permissions or settings (AccessDenied).
 */
import {
    AthenaClient,
    BatchGetQueryExecutionCommand,
    GetQueryResultsCommand,
    StartQueryExecutionCommand,
    StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import {
    CreateTableCommand,
    DeleteTableCommand,
    EntityNotFoundException,
    AlreadyExistsException,
    GetDatabaseCommand,
    GetTablesCommand,
    GlueClient,
    Table,
} from "@aws-sdk/client-glue";
import {
    AccessDeniedException,
    BatchGrantPermissionsCommand,
    DataCellsFilter,
    DataLakeSettings,
    GetDataLakeSettingsCommand,
    LakeFormationClient,
    ListDataCellsFilterCommand,
    ListPermissionsCommand,
    Permission,
    PrincipalResourcePermissions,
    Resource,
} from "@aws-sdk/client-lakeformation";
import { GetResourceShareInvitationsCommand, RAMClient, ResourceShareInvitation } from "@aws-sdk/client-ram";
import { CloudTrailClient, Event as TrailEvent, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
    ConnectClient,
    ListAnalyticsDataAssociationsCommand,
    ListAnalyticsDataLakeDataSetsCommand,
} from "@aws-sdk/client-connect";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { AwsClients, ClientOptions } from "../cli/aws";
import type { Deps } from "../cli/main";
import { ConsumerOutputs, ProducerOutputs } from "../cli/targets";
import { MOCK_CONNECT_CATALOG } from "../plan/mocks";
import type { PlanResult } from "../plan/run";
import type { ExpectedGrant, ExpectedStacks } from "./expected-deployments";

// As cli/bin.js does: the SDK's notice about future Node versions is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const PRODUCER = "111111111111";
export const CONSUMER = "222222222222";
export const REGION = "ap-southeast-2";
export const PRODUCER_DB = "connect_datalake";
export const CONSUMER_DB = "connect_analytics_consumer";
export const ROLE_NAME = "connect-analytics-lambda-execution-role";
export const ROLE_ARN = `arn:aws:iam::${CONSUMER}:role/${ROLE_NAME}`;
export const EXPORT_FUNCTION = "connect-analytics-dev-export";

const meta = { $metadata: {} };

export interface FakeQuery {
    readonly state: "SUCCEEDED" | "FAILED" | "RUNNING";
    readonly bytes?: number;
    readonly count?: number;
    readonly reason?: string;
}

export class FakeAccount {
    readonly databases = new Map<string, Map<string, Table>>();
    readonly grants: PrincipalResourcePermissions[] = [];
    settings: DataLakeSettings = {
        DataLakeAdmins: [],
        CreateDatabaseDefaultPermissions: [],
        CreateTableDefaultPermissions: [],
        Parameters: { CROSS_ACCOUNT_VERSION: "4" },
    };
    readonly invitations: ResourceShareInvitation[] = [];
    /** Dataset associations of the account's Connect instances, as ListAnalyticsDataAssociations returns them. */
    readonly associations: Array<{
        InstanceId: string;
        DataSetId: string;
        TargetAccountId: string;
        ResourceShareArn?: string;
        ResourceShareStatus?: string;
    }> = [];
    /** Datasets the account's Connect instances offer, as ListAnalyticsDataLakeDataSets returns them. */
    readonly dataSets: Array<{ InstanceId: string; DataSetId: string; DataSetName?: string }> = [];
    /** Data cells filters the account made, as ListDataCellsFilter returns them. */
    readonly filters: DataCellsFilter[] = [];
    /** CloudTrail event history of the account (the region's), as LookupEvents returns it. */
    readonly trail: TrailEvent[] = [];
    /** What STS says; tests change it to simulate the wrong account. */
    identity: { account: string; arn: string };
    /** Error thrown by every call of these credentials (expired token etc.). */
    failWith?: Error;
    /** Operation → error, e.g. `ListPermissions` → AccessDenied. */
    readonly denied = new Map<string, Error>();

    constructor(readonly id: string) {
        this.identity = { account: id, arn: `arn:aws:sts::${id}:assumed-role/ops-admin/operator` };
    }

    database(name: string): Map<string, Table> {
        const db = this.databases.get(name);
        if (!db) throw new EntityNotFoundException({ message: `Database ${name} not found.`, ...meta });
        return db;
    }
}

function page<T>(
    items: readonly T[],
    token: string | undefined,
    requested: number | undefined,
    max: number,
    fallback: number,
) {
    const size = Math.min(requested ?? fallback, max);
    const start = token ? Number(token) : 0;
    const slice = items.slice(start, start + size);
    return { items: slice, next: start + size < items.length ? String(start + size) : undefined };
}

function sameResource(a: Resource | undefined, b: Resource | undefined): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** Lake Formation stores SELECT on a table as TableWithColumns with a column wildcard. */
function storedEntries(
    principal: string,
    resource: Resource,
    permissions: Permission[],
    grantable: Permission[],
): PrincipalResourcePermissions[] {
    if (!resource.Table || resource.Table.TableWildcard) {
        return [
            {
                Principal: { DataLakePrincipalIdentifier: principal },
                Resource: resource,
                Permissions: permissions,
                PermissionsWithGrantOption: grantable,
            },
        ];
    }
    const { CatalogId, DatabaseName, Name } = resource.Table;
    const out: PrincipalResourcePermissions[] = [];
    const other = permissions.filter((p) => p !== "SELECT");
    if (other.length) {
        out.push({
            Principal: { DataLakePrincipalIdentifier: principal },
            Resource: resource,
            Permissions: other,
            PermissionsWithGrantOption: grantable.filter((p) => p !== "SELECT"),
        });
    }
    if (permissions.includes("SELECT")) {
        out.push({
            Principal: { DataLakePrincipalIdentifier: principal },
            Resource: { TableWithColumns: { CatalogId, DatabaseName, Name: Name!, ColumnWildcard: {} } },
            Permissions: ["SELECT"],
            PermissionsWithGrantOption: grantable.filter((p) => p === "SELECT"),
        });
    }
    return out;
}

/** An export function the fake can invoke with {"probe": true}: it reads as its role, through the fake's grants. */
export interface FakeFunction {
    readonly account: string;
    readonly role: string;
    readonly sourceDatabase: string;
    readonly tables: ReadonlyArray<{ readonly name: string; readonly linkName: string }>;
    /** Catalog and database of the link targets. */
    readonly targetCatalog: string;
    readonly targetDatabase: string;
}

export class FakeAws {
    readonly accounts = new Map<string, FakeAccount>();
    /** Export functions by name, for lambda:InvokeFunction. */
    readonly functions = new Map<string, FakeFunction>();
    /** Link name → the outcome of `SELECT COUNT(*)` on it. */
    readonly queries = new Map<string, FakeQuery>();
    private readonly stubs: Array<{ calls(): Array<{ args: unknown[] }> }> = [];
    /** Every createClients call, to check the options the CLI passes. */
    readonly clientOptions: ClientOptions[] = [];
    private queryIds = 0;
    private readonly started = new Map<string, string>();

    account(id: string): FakeAccount {
        let a = this.accounts.get(id);
        if (!a) this.accounts.set(id, (a = new FakeAccount(id)));
        return a;
    }

    /** Total AWS calls made through every client created so far. */
    calls(): number {
        return this.stubs.reduce((n, s) => n + s.calls().length, 0);
    }

    /** Calls per operation name, e.g. `{ GetTablesCommand: 2 }`. */
    callsByCommand(): Record<string, number> {
        const out: Record<string, number> = {};
        for (const s of this.stubs) {
            for (const c of s.calls()) {
                const name = (c.args[0] as object).constructor.name;
                out[name] = (out[name] ?? 0) + 1;
            }
        }
        return out;
    }

    /** A `ClientFactory` for `run`: profile "producer" gets the producer's credentials, anything else the consumer's. */
    factory(profiles: Record<string, string> = { producer: PRODUCER }) {
        return (options: ClientOptions): AwsClients => {
            this.clientOptions.push(options);
            return this.clients(profiles[options.profile ?? ""] ?? CONSUMER);
        };
    }

    clients(callerId: string): AwsClients {
        const clients: AwsClients = {
            sts: new STSClient({ region: REGION }),
            glue: new GlueClient({ region: REGION }),
            lakeformation: new LakeFormationClient({ region: REGION }),
            ram: new RAMClient({ region: REGION }),
            athena: new AthenaClient({ region: REGION }),
            cloudtrail: new CloudTrailClient({ region: REGION }),
            connect: new ConnectClient({ region: REGION }),
            lambda: new LambdaClient({ region: REGION }),
        };
        const caller = () => this.account(callerId);
        const guard =
            <I, O>(op: string, fn: (input: I) => O) =>
            async (input: I) => {
                const a = caller();
                if (a.failWith) throw a.failWith;
                const denied = a.denied.get(op);
                if (denied) throw denied;
                return fn(input);
            };
        const lfDenied = (catalog: string, action: string) =>
            new AccessDeniedException({
                message: `User: ${caller().identity.arn} is not authorized to perform: lakeformation:${action} on catalog ${catalog}`,
                ...meta,
            });

        const sts = mockClient(clients.sts);
        sts.on(GetCallerIdentityCommand).callsFake(
            guard("GetCallerIdentity", () => ({
                Account: caller().identity.account,
                Arn: caller().identity.arn,
                UserId: "AROAEXAMPLE:operator",
            })),
        );

        const glue = mockClient(clients.glue);
        glue.on(GetDatabaseCommand).callsFake(
            guard("GetDatabase", (input: { CatalogId?: string; Name: string }) => {
                const catalog = input.CatalogId ?? callerId;
                this.account(catalog).database(input.Name);
                return { Database: { Name: input.Name, CatalogId: catalog } };
            }),
        );
        glue.on(GetTablesCommand).callsFake(
            guard(
                "GetTables",
                (input: { CatalogId?: string; DatabaseName: string; NextToken?: string; MaxResults?: number }) => {
                    const tables = [
                        ...this.account(input.CatalogId ?? callerId)
                            .database(input.DatabaseName)
                            .values(),
                    ];
                    const p = page(tables, input.NextToken, input.MaxResults, 100, 100);
                    return { TableList: p.items, NextToken: p.next };
                },
            ),
        );
        glue.on(CreateTableCommand).callsFake(
            guard("CreateTable", (input: { CatalogId?: string; DatabaseName: string; TableInput: Table }) => {
                const catalog = input.CatalogId ?? callerId;
                const db = this.account(catalog).database(input.DatabaseName);
                if (db.has(input.TableInput.Name!)) {
                    throw new AlreadyExistsException({ message: `Table already exists.`, ...meta });
                }
                db.set(input.TableInput.Name!, {
                    ...input.TableInput,
                    DatabaseName: input.DatabaseName,
                    CatalogId: catalog,
                    CreateTime: new Date("2026-01-02T03:04:05Z"),
                });
                return {};
            }),
        );
        glue.on(DeleteTableCommand).callsFake(
            guard("DeleteTable", (input: { CatalogId?: string; DatabaseName: string; Name: string }) => {
                const db = this.account(input.CatalogId ?? callerId).database(input.DatabaseName);
                if (!db.delete(input.Name)) {
                    throw new EntityNotFoundException({ message: `Table ${input.Name} not found.`, ...meta });
                }
                return {};
            }),
        );

        const lf = mockClient(clients.lakeformation);
        lf.on(ListPermissionsCommand).callsFake(
            guard(
                "ListPermissions",
                (input: {
                    CatalogId?: string;
                    Principal?: { DataLakePrincipalIdentifier?: string };
                    NextToken?: string;
                    MaxResults?: number;
                }) => {
                    const catalog = input.CatalogId ?? callerId;
                    if (catalog !== callerId) throw lfDenied(catalog, "ListPermissions");
                    const principal = input.Principal?.DataLakePrincipalIdentifier;
                    const entries = this.account(catalog).grants.filter(
                        (g) => !principal || g.Principal?.DataLakePrincipalIdentifier === principal,
                    );
                    const p = page(entries, input.NextToken, input.MaxResults, 1000, 100);
                    return { PrincipalResourcePermissions: p.items, NextToken: p.next };
                },
            ),
        );
        lf.on(ListDataCellsFilterCommand).callsFake(
            guard(
                "ListDataCellsFilter",
                (input: {
                    Table?: { CatalogId?: string; DatabaseName?: string; Name?: string };
                    NextToken?: string;
                    MaxResults?: number;
                }) => {
                    const t = input.Table;
                    const mine = caller().filters.filter(
                        (f) =>
                            !t ||
                            (f.TableCatalogId === (t.CatalogId ?? callerId) &&
                                f.DatabaseName === t.DatabaseName &&
                                f.TableName === t.Name),
                    );
                    const p = page(mine, input.NextToken, input.MaxResults, 1000, 100);
                    return { DataCellsFilters: p.items, NextToken: p.next };
                },
            ),
        );
        lf.on(BatchGrantPermissionsCommand).callsFake(
            guard(
                "BatchGrantPermissions",
                (input: {
                    CatalogId?: string;
                    Entries: Array<{
                        Id: string;
                        Principal: { DataLakePrincipalIdentifier: string };
                        Resource: Resource;
                        Permissions: Permission[];
                        PermissionsWithGrantOption?: Permission[];
                    }>;
                }) => {
                    const catalog = input.CatalogId ?? callerId;
                    if (catalog !== callerId) throw lfDenied(catalog, "BatchGrantPermissions");
                    const grants = this.account(catalog).grants;
                    for (const e of input.Entries) {
                        for (const stored of storedEntries(
                            e.Principal.DataLakePrincipalIdentifier,
                            e.Resource,
                            e.Permissions,
                            e.PermissionsWithGrantOption ?? [],
                        )) {
                            const existing = grants.find(
                                (g) =>
                                    g.Principal?.DataLakePrincipalIdentifier ===
                                        stored.Principal?.DataLakePrincipalIdentifier &&
                                    sameResource(g.Resource, stored.Resource),
                            );
                            if (existing) {
                                existing.Permissions = [
                                    ...new Set([...(existing.Permissions ?? []), ...(stored.Permissions ?? [])]),
                                ];
                                existing.PermissionsWithGrantOption = [
                                    ...new Set([
                                        ...(existing.PermissionsWithGrantOption ?? []),
                                        ...(stored.PermissionsWithGrantOption ?? []),
                                    ]),
                                ];
                            } else grants.push(stored);
                        }
                    }
                    return { Failures: [] };
                },
            ),
        );
        lf.on(GetDataLakeSettingsCommand).callsFake(
            guard("GetDataLakeSettings", (input: { CatalogId?: string }) => {
                const catalog = input.CatalogId ?? callerId;
                if (catalog !== callerId) throw lfDenied(catalog, "GetDataLakeSettings");
                return { DataLakeSettings: this.account(catalog).settings };
            }),
        );

        const ram = mockClient(clients.ram);
        ram.on(GetResourceShareInvitationsCommand).callsFake(
            guard("GetResourceShareInvitations", (input: { nextToken?: string; maxResults?: number }) => {
                const p = page(caller().invitations, input.nextToken, input.maxResults, 500, 50);
                return { resourceShareInvitations: p.items, nextToken: p.next };
            }),
        );

        const athena = mockClient(clients.athena);
        athena.on(StartQueryExecutionCommand).callsFake(
            guard("StartQueryExecution", (input: { QueryString: string }) => {
                const id = `q-${++this.queryIds}`;
                const link = /"([^"]+)"\s*$/.exec(input.QueryString)?.[1] ?? "";
                this.started.set(id, link);
                return { QueryExecutionId: id };
            }),
        );
        athena.on(BatchGetQueryExecutionCommand).callsFake(
            guard("BatchGetQueryExecution", (input: { QueryExecutionIds: string[] }) => ({
                QueryExecutions: input.QueryExecutionIds.map((id) => {
                    const q = this.queries.get(this.started.get(id) ?? "") ?? {
                        state: "SUCCEEDED",
                        bytes: 0,
                        count: 0,
                    };
                    return {
                        QueryExecutionId: id,
                        Status: { State: q.state, StateChangeReason: q.reason },
                        Statistics: { DataScannedInBytes: q.bytes ?? 0 },
                    };
                }),
            })),
        );
        athena.on(GetQueryResultsCommand).callsFake(
            guard("GetQueryResults", (input: { QueryExecutionId: string }) => {
                const q = this.queries.get(this.started.get(input.QueryExecutionId) ?? "");
                return {
                    ResultSet: {
                        Rows: [
                            { Data: [{ VarCharValue: "_col0" }] },
                            { Data: [{ VarCharValue: String(q?.count ?? 0) }] },
                        ],
                    },
                };
            }),
        );
        athena.on(StopQueryExecutionCommand).callsFake(guard("StopQueryExecution", () => ({})));

        // The export function's probe: it reads each link as its role, so what counts is the role's grants,
        // never the caller's: DESCRIBE on the link (consumer) and SELECT on its target (target's catalog).
        const lambda = mockClient(clients.lambda);
        lambda.on(InvokeCommand).callsFake(
            guard("Invoke", (input: { FunctionName: string; Payload: Uint8Array }) => {
                const fn = this.functions.get(input.FunctionName);
                if (!fn || fn.account !== callerId) {
                    throw Object.assign(new Error(`Function not found: ${input.FunctionName}`), {
                        name: "ResourceNotFoundException",
                        $metadata: { httpStatusCode: 404 },
                    });
                }
                const event = JSON.parse(new TextDecoder().decode(input.Payload));
                if (event.probe !== true) throw new Error('the fake function answers only {"probe": true}');
                const holds = (catalog: string, principal: string, permission: string, db: string, table: string) =>
                    this.account(catalog).grants.some((g) => {
                        const r = g.Resource;
                        const t = r?.Table ?? r?.TableWithColumns;
                        return (
                            g.Principal?.DataLakePrincipalIdentifier === principal &&
                            (g.Permissions ?? []).some((p) => p === permission || p === "ALL") &&
                            t?.DatabaseName === db &&
                            (t.Name === table || (r?.Table?.TableWildcard !== undefined && !t.Name))
                        );
                    });
                const tables = fn.tables.map((t) => {
                    const link = holds(fn.account, fn.role, "DESCRIBE", fn.sourceDatabase, t.linkName);
                    const target = holds(fn.targetCatalog, fn.role, "SELECT", fn.targetDatabase, t.name);
                    const error = !link
                        ? `Insufficient Lake Formation permission(s) on ${t.linkName}`
                        : !target
                          ? `Insufficient Lake Formation permission(s): Required Select on ${t.name}`
                          : null;
                    return {
                        table: t.name,
                        kind: "link",
                        name: `"${fn.sourceDatabase}"."${t.linkName}"`,
                        ok: error === null,
                        error: error ? `ExportError: Athena query q-1 (probe of ${t.name}) FAILED: ${error}` : null,
                    };
                });
                const summary = {
                    runId: "probe",
                    status: tables.every((t) => t.ok) ? "succeeded" : "failed",
                    tables,
                    durationMs: 1,
                };
                return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(summary)) };
            }),
        );

        // LookupEvents: one lookup attribute, newest first, at most 50 events a page (the API's limits).
        const cloudtrail = mockClient(clients.cloudtrail);
        cloudtrail.on(LookupEventsCommand).callsFake(
            guard(
                "LookupEvents",
                (input: {
                    LookupAttributes?: Array<{ AttributeKey: string; AttributeValue: string }>;
                    StartTime?: Date;
                    EndTime?: Date;
                    MaxResults?: number;
                    NextToken?: string;
                }) => {
                    if ((input.LookupAttributes?.length ?? 0) > 1) {
                        throw Object.assign(new Error("You cannot specify more than one lookup attribute."), {
                            name: "InvalidLookupAttributesException",
                            $metadata: {},
                        });
                    }
                    const attr = input.LookupAttributes?.[0];
                    const events = caller()
                        .trail.filter(
                            (e) => !attr || attr.AttributeKey !== "EventName" || e.EventName === attr.AttributeValue,
                        )
                        .filter((e) => !input.StartTime || e.EventTime! >= input.StartTime)
                        .filter((e) => !input.EndTime || e.EventTime! <= input.EndTime)
                        .sort((a, b) => b.EventTime!.getTime() - a.EventTime!.getTime());
                    const p = page(events, input.NextToken, input.MaxResults, 50, 50);
                    return { Events: p.items, NextToken: p.next };
                },
            ),
        );

        const connect = mockClient(clients.connect);
        connect.on(ListAnalyticsDataAssociationsCommand).callsFake(
            guard(
                "ListAnalyticsDataAssociations",
                (input: { InstanceId: string; NextToken?: string; MaxResults?: number }) => {
                    const mine = caller().associations.filter((a) => a.InstanceId === input.InstanceId);
                    // The API's documented maximum page size is 1,000.
                    const p = page(mine, input.NextToken, input.MaxResults, 1000, 100);
                    return { Results: p.items.map(({ InstanceId: _i, ...rest }) => rest), NextToken: p.next };
                },
            ),
        );

        connect.on(ListAnalyticsDataLakeDataSetsCommand).callsFake(
            guard(
                "ListAnalyticsDataLakeDataSets",
                (input: { InstanceId: string; NextToken?: string; MaxResults?: number }) => {
                    const mine = caller().dataSets.filter((d) => d.InstanceId === input.InstanceId);
                    const p = page(mine, input.NextToken, input.MaxResults, 100, 100);
                    return { Results: p.items.map(({ InstanceId: _i, ...rest }) => rest), NextToken: p.next };
                },
            ),
        );

        this.stubs.push(sts, glue, lf, ram, athena, cloudtrail, connect, lambda);
        return clients;
    }
}

export function tableNames(count: number): string[] {
    if (count <= 3) return ["users", "contacts", "agent_hierarchy_groups"].slice(0, count);
    return Array.from({ length: count }, (_, i) => `table_${String(i + 1).padStart(2, "0")}`);
}

export interface Deployment {
    readonly aws: FakeAws;
    readonly names: string[];
    readonly consumer: ConsumerOutputs;
    readonly producer: ProducerOutputs;
    /** `readFile` for `run`: the two outputs files. */
    readonly files: Record<string, string>;
}

export interface DeploymentOptions {
    /** Table → columns withheld from the consumer (column-limited SELECT in `named` mode). */
    readonly excluded?: Readonly<Record<string, readonly string[]>>;
    /** `lfTags`: the producer grants the consumer account on a tag expression, the consumer re-grants to its role. */
    readonly sharingMode?: "named" | "lfTags";
}

/** Not the config default, so tests see the CLI read them from the outputs. */
export const LF_TAGS = { domain: "contact-center", sensitivity: "general" };

/** A healthy deployment of `count` shared tables, as both stacks leave it. */
export function deployment(count = 3, options: DeploymentOptions = {}): Deployment {
    const lfTagMode = options.sharingMode === "lfTags";
    const excluded = options.excluded ?? {};
    const aws = new FakeAws();
    const names = tableNames(count);
    const producer = aws.account(PRODUCER);
    const consumer = aws.account(CONSUMER);

    const targets = new Map<string, Table>();
    for (const name of names) {
        targets.set(name, {
            Name: name,
            DatabaseName: PRODUCER_DB,
            CatalogId: PRODUCER,
            UpdateTime: new Date("2026-03-04T05:06:07Z"),
            Parameters: { classification: "parquet" },
            StorageDescriptor: {
                Location: `s3://connect-datalake-${PRODUCER}/${name}/`,
                Columns: [
                    { Name: "instance_id", Type: "string", Comment: "Connect instance" },
                    { Name: `${name}_id`, Type: "string" },
                ],
            },
            PartitionKeys: [{ Name: "ds", Type: "string", Comment: "daily partition" }],
        });
    }
    producer.databases.set(PRODUCER_DB, targets);
    // Unrelated tables and grants, as a real catalog has them.
    targets.set("unshared_table", { Name: "unshared_table", DatabaseName: PRODUCER_DB, CatalogId: PRODUCER });
    producer.grants.push({
        Principal: { DataLakePrincipalIdentifier: `arn:aws:iam::${PRODUCER}:role/data-engineer` },
        Resource: { Database: { CatalogId: PRODUCER, Name: PRODUCER_DB } },
        Permissions: ["ALL"],
        PermissionsWithGrantOption: [],
    });
    const expression = [
        { TagKey: "domain", TagValues: [LF_TAGS.domain] },
        { TagKey: "sensitivity", TagValues: [LF_TAGS.sensitivity] },
    ];
    if (lfTagMode) {
        producer.grants.push(
            {
                Principal: { DataLakePrincipalIdentifier: CONSUMER },
                Resource: { LFTagPolicy: { CatalogId: PRODUCER, ResourceType: "TABLE", Expression: expression } },
                Permissions: ["DESCRIBE", "SELECT"],
                PermissionsWithGrantOption: ["DESCRIBE", "SELECT"],
            },
            ...expression.map((c) => ({
                Principal: { DataLakePrincipalIdentifier: CONSUMER },
                Resource: { LFTag: { CatalogId: PRODUCER, ...c } },
                Permissions: ["DESCRIBE" as const],
                PermissionsWithGrantOption: ["DESCRIBE" as const],
            })),
        );
        consumer.grants.push({
            Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
            Resource: { LFTagPolicy: { CatalogId: PRODUCER, ResourceType: "TABLE", Expression: expression } },
            Permissions: ["DESCRIBE", "SELECT"],
            PermissionsWithGrantOption: [],
        });
    } else {
        for (const name of names) {
            const withheld = excluded[name];
            if (!withheld) {
                producer.grants.push(
                    ...storedEntries(
                        ROLE_ARN,
                        { Table: { CatalogId: PRODUCER, DatabaseName: PRODUCER_DB, Name: name } },
                        ["DESCRIBE", "SELECT"],
                        [],
                    ),
                );
                continue;
            }
            producer.grants.push(
                {
                    Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
                    Resource: { Table: { CatalogId: PRODUCER, DatabaseName: PRODUCER_DB, Name: name } },
                    Permissions: ["DESCRIBE"],
                    PermissionsWithGrantOption: [],
                },
                {
                    Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
                    Resource: {
                        TableWithColumns: {
                            CatalogId: PRODUCER,
                            DatabaseName: PRODUCER_DB,
                            Name: name,
                            ColumnWildcard: { ExcludedColumnNames: [...withheld] },
                        },
                    },
                    Permissions: ["SELECT"],
                    PermissionsWithGrantOption: [],
                },
            );
        }
    }

    const links = new Map<string, Table>();
    for (const name of names) {
        links.set(`${name}_link`, {
            Name: `${name}_link`,
            DatabaseName: CONSUMER_DB,
            CatalogId: CONSUMER,
            CreateTime: new Date("2026-03-01T00:00:00Z"),
            TargetTable: { CatalogId: PRODUCER, DatabaseName: PRODUCER_DB, Name: name },
        });
        consumer.grants.push({
            Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
            Resource: { Table: { CatalogId: CONSUMER, DatabaseName: CONSUMER_DB, Name: `${name}_link` } },
            Permissions: ["DESCRIBE"],
            PermissionsWithGrantOption: [],
        });
    }
    consumer.databases.set(CONSUMER_DB, links);
    // Athena's `default` database, and the role's DESCRIBE on it (athena/latest/ug/lf-athena-limitations.html).
    consumer.databases.set("default", new Map());
    consumer.grants.push({
        Principal: { DataLakePrincipalIdentifier: ROLE_ARN },
        Resource: { Database: { CatalogId: CONSUMER, Name: "default" } },
        Permissions: ["DESCRIBE"],
        PermissionsWithGrantOption: [],
    });
    // Another principal's grant on a link: the role's checks must not count it.
    consumer.grants.push({
        Principal: { DataLakePrincipalIdentifier: `arn:aws:iam::${CONSUMER}:role/analyst` },
        Resource: { Table: { CatalogId: CONSUMER, DatabaseName: CONSUMER_DB, Name: `${names[0]}_link` } },
        Permissions: ["DESCRIBE", "SELECT"],
    });
    consumer.invitations.push({
        resourceShareInvitationArn: `arn:aws:ram:${REGION}:${PRODUCER}:resource-share-invitation/old`,
        resourceShareName: "LakeFormation-V4-earlier",
        senderAccountId: PRODUCER,
        receiverAccountId: CONSUMER,
        status: "ACCEPTED",
    });

    const tables = names.map((name) => ({
        name,
        linkName: `${name}_link`,
        ...(excluded[name] ? { excludedColumns: [...excluded[name]] } : {}),
    }));
    const consumerOutputs: ConsumerOutputs = {
        side: "consumer",
        file: "consumer.json",
        region: REGION,
        producerAccountId: PRODUCER,
        consumerAccountId: CONSUMER,
        producerDatabaseName: PRODUCER_DB,
        consumerDatabaseName: CONSUMER_DB,
        lambdaRoleName: ROLE_NAME,
        lambdaRoleArn: ROLE_ARN,
        tables,
        athenaWorkgroup: "connect_analytics_workgroup",
        sharingMode: options.sharingMode ?? "named",
        exportFunctionName: EXPORT_FUNCTION,
    };
    const producerOutputs: ProducerOutputs = {
        side: "producer",
        file: "producer.json",
        region: REGION,
        producerAccountId: PRODUCER,
        consumerAccountId: CONSUMER,
        producerDatabaseName: PRODUCER_DB,
        tables,
        consumerPrincipalArn: ROLE_ARN,
        grantWithGrantOption: false,
        sharingMode: options.sharingMode ?? "named",
    };
    // Both stacks export the share's LF-tags (the config's lfTags, defaults included).
    const lfTags = { lfTags: LF_TAGS };
    const strip = ({ file: _file, ...rest }: { file: string }) => rest;
    const files = {
        "consumer.json": JSON.stringify({
            ...strip(consumerOutputs),
            ...lfTags,
            // The consumer's grants as its stack exports them (LfGrant); in lfTags mode they hold the expression.
            grants: lfTagMode
                ? [
                      {
                          side: "consumer",
                          principal: ROLE_ARN,
                          resource: {
                              kind: "lfTagPolicy",
                              catalogId: PRODUCER,
                              resourceType: "TABLE",
                              expression: Object.entries(LF_TAGS).map(([key, v]) => ({ key, values: [v] })),
                          },
                          permissions: ["DESCRIBE", "SELECT"],
                          grantable: [],
                      },
                  ]
                : [],
            resourceLinks: tables.map((t) => ({
                linkName: t.linkName,
                table: t.name,
                target: { catalogId: PRODUCER, databaseName: PRODUCER_DB, name: t.name },
            })),
        }),
        "producer.json": JSON.stringify({
            ...strip(producerOutputs),
            ...lfTags,
            sharedTables: names,
            grants: [],
            // As the producer stack exports them: the LF-tags of each table (and of its excluded columns).
            tagAssignments: lfTagMode
                ? names.map((name) => ({
                      catalogId: PRODUCER,
                      databaseName: PRODUCER_DB,
                      table: name,
                      tags: LF_TAGS,
                      columnTags: {},
                  }))
                : [],
        }),
    };
    aws.functions.set(EXPORT_FUNCTION, {
        account: CONSUMER,
        role: ROLE_ARN,
        sourceDatabase: CONSUMER_DB,
        tables,
        targetCatalog: PRODUCER,
        targetDatabase: PRODUCER_DB,
    });
    return { aws, names, consumer: consumerOutputs, producer: producerOutputs, files };
}

/** Runs `connect-analytics` in-process against a deployment; returns exit code and output. */
export async function runCli(
    d: Deployment,
    argv: string[],
    extra: {
        isTTY?: boolean;
        files?: Record<string, string>;
        now?: number;
        createClients?: Deps["createClients"];
        /** Folders that exist (default: only "."); files are the outputs files and what the run wrote. */
        folders?: string[];
        /** Instead of the in-memory files and folders, e.g. the real `fsPathKind` on a temporary folder. */
        pathKind?: Deps["pathKind"];
    } = {},
) {
    const { run } = await import("../cli/main");
    let stdout = "";
    let stderr = "";
    const written: Record<string, string> = {};
    const files = { ...d.files, ...(extra.files ?? {}) };
    // A fake clock that moves only when the CLI sleeps: polling loops end, tests do not wait.
    let clock = extra.now ?? 0;
    const code = await run(argv, {
        createClients: extra.createClients ?? d.aws.factory(),
        readFile: (path) => {
            if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
            return files[path];
        },
        writeFile: (path, text) => {
            written[path] = text;
        },
        pathKind:
            extra.pathKind ??
            ((path) =>
                path in files || path in written
                    ? "file"
                    : (extra.folders ?? ["."]).includes(path)
                      ? "folder"
                      : undefined),
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        isTTY: extra.isTTY ?? false,
        sleep: async (ms) => {
            clock += ms;
        },
        now: () => clock,
        pollMs: 1000,
    });
    return { code, stdout, stderr, written };
}

/** The usual arguments: both outputs files and both profiles. */
export const BOTH = [
    "--outputs",
    "consumer.json",
    "--outputs",
    "producer.json",
    "--profile",
    "consumer",
    "--producer-profile",
    "producer",
];

/** The SDK's Resource of a hand-written grant (tests/expected-deployments.ts), as AWS takes it. */
function sdkResource(g: ExpectedGrant): Resource {
    if (g.table) {
        const { catalogId, databaseName } = g.table;
        return "wildcard" in g.table
            ? { Table: { CatalogId: catalogId, DatabaseName: databaseName, TableWildcard: {} } }
            : { Table: { CatalogId: catalogId, DatabaseName: databaseName, Name: g.table.name } };
    }
    if (g.tableWithColumns) {
        const t = g.tableWithColumns;
        return {
            TableWithColumns: {
                CatalogId: t.catalogId,
                DatabaseName: t.databaseName,
                Name: t.name,
                ColumnWildcard: { ExcludedColumnNames: [...t.excludedColumnNames] },
            },
        };
    }
    if (g.database) return { Database: { CatalogId: g.database.catalogId, Name: g.database.name } };
    if (g.dataCellsFilter) {
        const f = g.dataCellsFilter;
        return {
            DataCellsFilter: {
                TableCatalogId: f.tableCatalogId,
                DatabaseName: f.databaseName,
                TableName: f.tableName,
                Name: f.name,
            },
        };
    }
    if (g.dataLocation) {
        return { DataLocation: { CatalogId: g.dataLocation.catalogId, ResourceArn: g.dataLocation.arn } };
    }
    if (g.lfTag) {
        return { LFTag: { CatalogId: g.lfTag.catalogId, TagKey: g.lfTag.key, TagValues: [...g.lfTag.values] } };
    }
    const p = g.lfTagPolicy!;
    return {
        LFTagPolicy: {
            CatalogId: p.catalogId,
            ResourceType: p.resourceType,
            Expression: p.expressions.map((c) => ({ TagKey: c.key, TagValues: [...c.values] })),
        },
    };
}

/**
 * A healthy `connectAnalytics` deployment of the example stacks whose plans are given: every
 * instance's datasets associated, Connect's shares accepted, links to Connect's catalog, and the
 * consumer's grants and readers' filters as `expected` writes them down by hand
 * (tests/expected-deployments.ts), not as the permission model computes them: `verify` passing
 * here says the CLI agrees with the hand-written deployment.
 */
export function connectDeployment(
    producer: PlanResult,
    consumer: PlanResult,
    expected: ExpectedStacks,
): Deployment & { shares: string[]; instances: string[] } {
    const aws = new FakeAws();
    const entry = producer.outputs.consumers!.find((c) => c.accountId === CONSUMER)!;
    const shares = [...entry.ramShareArns];
    const instances = [...producer.outputs.connectInstanceIds!];
    const tables = consumer.outputs.tables!;
    for (const [i, instance] of instances.entries()) {
        aws.account(PRODUCER).associations.push(
            ...tables.map((t) => ({
                InstanceId: instance,
                DataSetId: t.name,
                TargetAccountId: CONSUMER,
                ResourceShareArn: shares[i],
                ResourceShareStatus: "ACTIVE",
            })),
        );
        aws.account(PRODUCER).dataSets.push(
            ...tables.map((t) => ({ InstanceId: instance, DataSetId: t.name, DataSetName: t.name })),
        );
    }
    aws.account(MOCK_CONNECT_CATALOG).databases.set(
        PRODUCER_DB,
        new Map<string, Table>(
            tables.map((t) => [t.name, { Name: t.name, DatabaseName: PRODUCER_DB, CatalogId: MOCK_CONNECT_CATALOG }]),
        ),
    );
    const c = aws.account(CONSUMER);
    c.databases.set(
        CONSUMER_DB,
        new Map<string, Table>(
            tables.map((t) => [
                t.linkName,
                {
                    Name: t.linkName,
                    DatabaseName: CONSUMER_DB,
                    CatalogId: CONSUMER,
                    TargetTable: { CatalogId: MOCK_CONNECT_CATALOG, DatabaseName: PRODUCER_DB, Name: t.name },
                },
            ]),
        ),
    );
    for (const g of [...expected.producer, ...expected.consumer]) {
        aws.account(g.catalogId).grants.push(
            ...storedEntries(
                g.principal,
                sdkResource(g),
                [...g.permissions] as Permission[],
                [...g.permissionsWithGrantOptions] as Permission[],
            ),
        );
    }
    for (const f of expected.filters) {
        c.filters.push({
            TableCatalogId: f.tableCatalogId,
            DatabaseName: f.databaseName,
            TableName: f.tableName,
            Name: f.name,
            RowFilter: f.rowFilter !== undefined ? { FilterExpression: f.rowFilter } : { AllRowsWildcard: {} },
            ColumnWildcard: { ExcludedColumnNames: [...f.excludedColumnNames] },
        });
    }
    for (const [i, share] of shares.entries()) {
        c.invitations.push({
            resourceShareInvitationArn: `arn:aws:ram:${REGION}:${MOCK_CONNECT_CATALOG}:resource-share-invitation/connect-${i}`,
            resourceShareArn: share,
            senderAccountId: MOCK_CONNECT_CATALOG,
            receiverAccountId: CONSUMER,
            status: "ACCEPTED",
        });
    }
    const files = { "consumer.json": JSON.stringify(consumer), "producer.json": JSON.stringify(producer) };
    return { aws, names: tables.map((t) => t.name), files, shares, instances } as unknown as Deployment & {
        shares: string[];
        instances: string[];
    };
}
