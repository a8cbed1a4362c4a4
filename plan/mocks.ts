/**
 * Mocks that make an offline run read like a real preview: each resource gets the id, name and
 * ARN AWS would give it, built from the stack's account, region and the resource's own inputs.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { IAM_ALLOWED_PRINCIPALS } from "../lib/permissions";

export interface PlanAccount {
    readonly accountId: string;
    readonly region: string;
    readonly partition?: string;
}

export type PeerOutputs = Record<string, unknown> | "missing";

/**
 * The account of Connect's catalog in offline plans: the owner of the RAM shares the mocked
 * dataset associations return, neither the producer nor the consumer (as on AWS).
 */
export const MOCK_CONNECT_CATALOG = "444455556666";

/** Answers to Pulumi functions (invokes) by token, overriding the mocks' own (tests). */
export type InvokeOverrides = Readonly<Record<string, (inputs: Record<string, any>) => Record<string, any>>>;

/** What Pulumi's auto-naming would add, but deterministic so plans are stable. */
export function autoName(name: string): string {
    return `${name}-${crypto.createHash("sha256").update(name).digest("hex").slice(0, 7)}`;
}

export class PlanMocks implements pulumi.runtime.Mocks {
    constructor(
        private readonly account: PlanAccount,
        /** Outputs of stacks that StackReferences read, by stack name. */
        private readonly peers: Readonly<Record<string, PeerOutputs>> = {},
        private readonly invokes: InvokeOverrides = {},
    ) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        const i = args.inputs;
        const { accountId, region } = this.account;
        const partition = this.account.partition ?? "aws";
        const arn = (service: string, resource: string, opts: { region?: string; account?: string } = {}) =>
            `arn:${partition}:${service}:${opts.region ?? region}:${opts.account ?? accountId}:${resource}`;

        switch (args.type) {
            case "pulumi:pulumi:StackReference": {
                const peer = this.peers[i.name];
                if (peer === "missing" || peer === undefined) {
                    throw new Error(`unknown stack "${i.name}"`);
                }
                return { id: i.name, state: { name: i.name, outputs: peer, secretOutputNames: [] } };
            }
            case "aws:iam/role:Role": {
                const name = i.name ?? autoName(args.name);
                return {
                    id: name,
                    state: {
                        ...i,
                        name,
                        arn: `arn:${partition}:iam::${accountId}:role${i.path ?? "/"}${name}`,
                        uniqueId: `AROA${hash(name, 17)}`,
                    },
                };
            }
            case "aws:iam/rolePolicy:RolePolicy":
                return { id: `${i.role}:${i.name}`, state: i };
            case "aws:glue/catalogDatabase:CatalogDatabase": {
                const catalog = i.catalogId ?? accountId;
                return {
                    id: `${catalog}:${i.name}`,
                    state: { ...i, catalogId: catalog, arn: arn("glue", `database/${i.name}`, { account: catalog }) },
                };
            }
            case "aws:glue/catalogTable:CatalogTable": {
                const catalog = i.catalogId ?? accountId;
                return {
                    id: `${catalog}:${i.databaseName}:${i.name}`,
                    state: {
                        ...i,
                        catalogId: catalog,
                        arn: arn("glue", `table/${i.databaseName}/${i.name}`, { account: catalog }),
                    },
                };
            }
            case "aws:lakeformation/permissions:Permissions":
                // The provider's id is a hash of the grant; any stable value will do offline.
                return { id: hash(JSON.stringify(i), 16), state: i };
            case "aws-native:lakeformation:PrincipalPermissions": {
                const principalIdentifier = i.principal?.dataLakePrincipalIdentifier;
                const resourceIdentifier = hash(JSON.stringify(i.resource), 16);
                return {
                    id: `${principalIdentifier}|${resourceIdentifier}`,
                    state: { ...i, principalIdentifier, resourceIdentifier },
                };
            }
            case "aws:s3/bucket:Bucket":
            case "aws:s3/bucketV2:BucketV2": {
                const bucket = i.bucket ?? autoName(args.name).slice(0, 63);
                return {
                    id: bucket,
                    state: {
                        ...i,
                        bucket,
                        arn: `arn:${partition}:s3:::${bucket}`,
                        bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
                    },
                };
            }
            case "aws:lambda/function:Function": {
                const name = i.name ?? autoName(args.name);
                const functionArn = arn("lambda", `function:${name}`);
                return {
                    id: name,
                    state: {
                        ...i,
                        name,
                        arn: functionArn,
                        invokeArn: `arn:${partition}:apigateway:${region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
                        version: "$LATEST",
                    },
                };
            }
            case "aws:athena/workgroup:Workgroup":
                return { id: i.name, state: { ...i, arn: arn("athena", `workgroup/${i.name}`) } };
            case "aws:sqs/queue:Queue": {
                const name = i.name ?? autoName(args.name);
                return {
                    id: `https://sqs.${region}.amazonaws.com/${accountId}/${name}`,
                    state: {
                        ...i,
                        name,
                        arn: arn("sqs", name),
                        url: `https://sqs.${region}.amazonaws.com/${accountId}/${name}`,
                    },
                };
            }
            case "aws:cloudwatch/logGroup:LogGroup": {
                const name = i.name ?? autoName(args.name);
                return { id: name, state: { ...i, name, arn: arn("logs", `log-group:${name}`) } };
            }
            case "aws:cloudwatch/metricAlarm:MetricAlarm": {
                const name = i.name ?? autoName(args.name);
                return { id: name, state: { ...i, name, arn: arn("cloudwatch", `alarm:${name}`) } };
            }
            case "aws:scheduler/schedule:Schedule": {
                const name = i.name ?? autoName(args.name);
                return {
                    id: `${i.groupName ?? "default"}/${name}`,
                    state: { ...i, name, arn: arn("scheduler", `schedule/${i.groupName ?? "default"}/${name}`) },
                };
            }
            case "aws-native:connect:DataLakeAssociation": {
                // One share per (instance, target account), owned by Connect's catalog account.
                const shareId = crypto
                    .createHash("sha256")
                    .update(`${i.instanceId}|${i.targetAccountId}`)
                    .digest("hex")
                    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5");
                const resourceShareArn = arn("ram", `resource-share/${shareId}`, { account: MOCK_CONNECT_CATALOG });
                return {
                    id: `${i.instanceId}|${i.dataSetId}|${i.targetAccountId}`,
                    state: { ...i, resourceShareArn, resourceShareId: shareId },
                };
            }
            case "aws:ram/resourceShareAccepter:ResourceShareAccepter":
                return { id: i.shareArn, state: { ...i, status: "ACCEPTED", receiverAccountId: accountId } };
            default: {
                // Components and anything without a bespoke shape: echo inputs, give an id.
                const id = args.custom === false ? "" : `${args.name}-id`;
                return {
                    id,
                    state: args.custom === false ? {} : { ...i, arn: i.arn ?? arn(serviceOf(args.type), args.name) },
                };
            }
        }
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        const override = this.invokes[args.token];
        if (override) return override(args.inputs);
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    accountId: this.account.accountId,
                    arn: `arn:aws:iam::${this.account.accountId}:user/plan`,
                    userId: "AIDAPLAN",
                };
            case "aws:index/getRegion:getRegion":
                return { name: this.account.region, region: this.account.region, id: this.account.region };
            case "aws:lakeformation/getDataLakeSettings:getDataLakeSettings":
                // A fresh account: IAM-only defaults, no admins, cross-account version 1.
                return {
                    id: args.inputs.catalogId ?? this.account.accountId,
                    catalogId: args.inputs.catalogId ?? this.account.accountId,
                    admins: [],
                    readOnlyAdmins: [],
                    createDatabaseDefaultPermissions: [{ principal: IAM_ALLOWED_PRINCIPALS, permissions: ["ALL"] }],
                    createTableDefaultPermissions: [{ principal: IAM_ALLOWED_PRINCIPALS, permissions: ["ALL"] }],
                    parameters: { CROSS_ACCOUNT_VERSION: "1" },
                    trustedResourceOwners: [],
                    allowExternalDataFiltering: false,
                    allowFullTableExternalDataAccess: false,
                    externalDataFilteringAllowLists: [],
                    authorizedSessionTagValueLists: [],
                };
            case "aws:index/getPartition:getPartition":
                return { partition: this.account.partition ?? "aws", dnsSuffix: "amazonaws.com" };
            default:
                return args.inputs;
        }
    }
}

function hash(text: string, length: number): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, length).toUpperCase();
}

function serviceOf(type: string): string {
    return type.split(":")[1]?.split("/")[0] ?? "unknown";
}
