/**
 * Entry point of both account stacks. It reads the config, builds the components of this
 * stack's side and returns the stack outputs (the contract of lib/stackOutputs.ts); which side
 * comes from `connect-analytics:side`, where the tables come from from `connect-analytics:dataSource`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AppConfig, ConfigError, parseConfig } from "./lib/config";
import { consumerRoleArn } from "./lib/arns";
import { consumerView, PeerStackError, producerView } from "./lib/peers";
import { stackNamePrefix } from "./lib/names";
import { planAcceptance, RamShareError } from "./lib/ram";
import { reshareProblems } from "./lib/reshare";
import { ConsumerStackOutputs, ProducerStackOutputs, ProgramOutputs } from "./lib/stackOutputs";
import { readPeerOutputs } from "./stack/peerStack";
import { lookupShares } from "./stack/ramInvitations";
import { ProducerShare } from "./components/producerShare";
import { ConnectDataShare } from "./components/connectDataShare";
import { ConsumerLinkSet } from "./components/consumerLinkSet";
import { AnalyticsExport } from "./components/analyticsExport";
import { LakeFormationSettings } from "./components/lakeFormationSettings";

/** This account's data-lake settings, when the stack opts in; grants wait for them. */
function dataLakeSettings(config: AppConfig): pulumi.Resource[] {
    if (!config.dataLakeSettings.manageDataLakeSettings) return [];
    const accountId = config.side === "producer" ? config.producerAccountId : config.consumerAccountId;
    return [new LakeFormationSettings("lake-formation", { ...config.dataLakeSettings, accountId })];
}

/** Stops the producer before it grants a table it does not own (lib/reshare.ts). */
async function checkOwnedTables(config: AppConfig): Promise<void> {
    const found = await Promise.all(
        config.tables.map(async (t) => {
            try {
                const table = await aws.glue.getCatalogTable({
                    catalogId: config.producerAccountId,
                    databaseName: config.producerDatabaseName,
                    name: t.name,
                });
                return { name: t.name, catalogId: table.catalogId, targetTable: table.targetTables?.[0] };
            } catch (err) {
                throw new PeerStackError(
                    `the producer cannot read table ${config.producerAccountId}:${config.producerDatabaseName}.${t.name} ` +
                        `(${(err as Error)?.message ?? err}); check the tables config and that the table exists.`,
                );
            }
        }),
    );
    const problems = reshareProblems(config.producerAccountId, config.producerDatabaseName, found);
    if (problems.length > 0) throw new PeerStackError(problems.join("\n"));
}

/** Each consumer's querying role: from its stack (producerCatalog), else derived from its account and role name. */
async function consumerRoles(config: AppConfig, partition: string) {
    return Promise.all(
        config.consumers.map(async (consumer, i) => {
            // With Connect's catalog the producer needs nothing of the consumers: it deploys first.
            const peer =
                config.dataSource === "producerCatalog" && consumer.stack
                    ? await readPeerOutputs(
                          i === 0 ? "consumer-stack" : `consumer-stack-${consumer.accountId}`,
                          consumer.stack,
                          "consumer",
                          `Deploy the consumer first: \`pulumi up -s ${consumer.stack}\`.`,
                      )
                    : undefined;
            const view = producerView(config, consumer, peer, partition);
            view.notes.forEach((note) => pulumi.log.info(note));
            return { consumerAccountId: consumer.accountId, consumerPrincipalArn: view.consumerPrincipalArn };
        }),
    );
}

async function producer(config: AppConfig): Promise<ProgramOutputs<ProducerStackOutputs>> {
    // Every check that can stop the run comes before the first resource: the data-lake settings,
    // once registered, would be written (or, on a replace, wiped) whatever a later check finds.
    const { partition } = await aws.getPartition();
    const consumers = await consumerRoles(config, partition);
    if (config.dataSource !== "connectAnalytics") await checkOwnedTables(config);
    const settings = dataLakeSettings(config);
    const common = {
        side: "producer",
        region: config.region,
        consumerAccountId: consumers[0].consumerAccountId,
        tables: config.tables,
        consumerPrincipalArn: consumers[0].consumerPrincipalArn,
        grantWithGrantOption: config.grantWithGrantOption,
        sharingMode: config.sharingMode,
        lfTags: config.lfTags,
        dataSource: config.dataSource,
        ramShareArn: config.ramShareArn ?? "",
        connectInstanceIds: config.connectInstanceIds,
    } as const;

    if (config.dataSource === "connectAnalytics") {
        const share = new ConnectDataShare("producer", {
            ...config,
            consumerAccountIds: consumers.map((c) => c.consumerAccountId),
        });
        const sharesOf = (by: Record<string, string[]>, account: string) => by[account] ?? [];
        return {
            ...common,
            producerAccountId: config.producerAccountId,
            producerDatabaseName: config.producerDatabaseName,
            sharedTables: config.tables.map((t) => t.name),
            grants: [],
            tagAssignments: [],
            sourceCatalogId: share.sourceCatalogId,
            ramShareArns: share.sharesByConsumer.apply((by) => sharesOf(by, consumers[0].consumerAccountId)),
            connectInstanceId: config.connectInstanceIds[0],
            consumers: share.sharesByConsumer.apply((by) =>
                consumers.map((c) => ({
                    accountId: c.consumerAccountId,
                    principalArn: c.consumerPrincipalArn,
                    ramShareArns: sharesOf(by, c.consumerAccountId),
                })),
            ),
        } satisfies ProgramOutputs<ProducerStackOutputs>;
    }

    const share = new ProducerShare("producer", { ...config, consumers }, { dependsOn: settings });
    const ramShareArns = config.ramShareArn ? [config.ramShareArn] : [];
    return {
        ...common,
        producerAccountId: share.producerAccountId,
        producerDatabaseName: share.databaseName,
        sharedTables: share.sharedTables,
        grants: share.grants,
        tagAssignments: share.tagAssignments,
        sourceCatalogId: config.producerAccountId,
        ramShareArns,
        consumers: consumers.map((c) => ({
            accountId: c.consumerAccountId,
            principalArn: c.consumerPrincipalArn,
            ramShareArns,
        })),
    } satisfies ProgramOutputs<ProducerStackOutputs>;
}

async function consumer(config: AppConfig): Promise<ProgramOutputs<ConsumerStackOutputs>> {
    // As on the producer: the peer checks and the RAM invitations' check before any resource.
    const { partition } = await aws.getPartition();
    const peer = config.producerStack
        ? await readPeerOutputs(
              "producer-stack",
              config.producerStack,
              "producer",
              "Check the producerStack name (org/project/stack) and your access to it.",
          )
        : undefined;
    const view = consumerView(config, peer, partition);
    view.notes.forEach((note) => pulumi.log.warn(note));
    const reshare =
        config.dataSource === "connectAnalytics"
            ? `Connect sends a new invitation when the dataset is associated again: replace the producer's associations (\`pulumi up -s ${config.producerStack ?? "<producer stack>"} --replace <association urn>\`)`
            : "Have the producer grant again (or accept it sooner next time)";
    const ramShares = planAcceptance(
        view.ramShareArns,
        await lookupShares(view.ramShareArns),
        reshare,
        config.dataSource,
    );
    ramShares.forEach((share) => share.action === "none" && pulumi.log.info(share.note));
    const settings = dataLakeSettings(config);

    const links = new ConsumerLinkSet(
        "consumer",
        { ...config, ...view, partition, ramShares },
        { dependsOn: settings },
    );
    const analytics = config.enableLambdaExport
        ? new AnalyticsExport(
              "export",
              {
                  ...config.export,
                  region: config.region,
                  partition,
                  accountId: config.consumerAccountId,
                  namePrefix: stackNamePrefix(config.projectName, config.environment),
                  roleName: links.role.name,
                  roleArn: links.roleArn,
                  principalArn: consumerRoleArn(config.consumerAccountId, config.lambdaRoleName, partition),
                  sourceDatabase: config.consumerDatabaseName,
                  tables: view.tables,
                  readers: config.readers,
                  enableDetailedMonitoring: config.enableDetailedMonitoring,
                  enableCloudwatchLogging: config.enableCloudwatchLogging,
                  tags: config.tags,
              },
              { dependsOn: [links] },
          )
        : undefined;
    return {
        side: "consumer",
        region: config.region,
        producerAccountId: view.producerAccountId,
        consumerAccountId: config.consumerAccountId,
        producerDatabaseName: view.producerDatabaseName,
        consumerDatabaseName: links.databaseName,
        lambdaRoleName: config.lambdaRoleName,
        lambdaRoleArn: links.roleArn,
        tables: view.tables,
        resourceLinks: links.resourceLinks,
        sharingMode: config.sharingMode,
        lfTags: config.lfTags,
        // The export's grants too: the stack makes them (its role and readers on the export database).
        grants: analytics ? pulumi.all([links.grants, analytics.grants]).apply(([a, b]) => [...a, ...b]) : links.grants,
        readers: config.readers,
        dataFilters: analytics
            ? pulumi.all([links.dataFilters, analytics.dataFilters]).apply(([a, b]) => [...a, ...b])
            : links.dataFilters,
        dataSource: config.dataSource,
        sourceCatalogId: view.sourceCatalogId,
        ...(analytics && {
            exportFunctionName: analytics.functionName,
            exportFunctionArn: analytics.functionArn,
            athenaWorkgroup: analytics.workgroupName,
            athenaResultsBucket: analytics.resultsBucketName,
            exportsBucket: analytics.exportsBucketName,
            exportSchedule: analytics.scheduleName,
            exportScheduleExpression: config.export.exportSchedule,
            exportFailureQueueArn: analytics.failureQueueArn,
            exportTarget: config.export.exportTarget,
            exportDatabaseName: analytics.exportDatabaseName,
            exportReaders: analytics.exportReaders,
            exportOptimizerRoleArn: analytics.optimizerRoleArn,
            exportAlarmTopicArn: analytics.alarmTopicArn,
            accessLogsBucket: analytics.accessLogsBucketName,
        }),
    } satisfies ProgramOutputs<ConsumerStackOutputs>;
}

/**
 * The program. Pulumi calls it with nothing: it reads and validates the stack's config itself.
 * The offline plan (plan/run.ts) passes the config it has already parsed, and whose warnings it
 * has already recorded, so they are not reported twice.
 */
export = async (parsed?: AppConfig) => {
    try {
        const config =
            parsed ??
            parseConfig(pulumi.runtime.allConfig(), {
                warn: (issue) => pulumi.log.warn(`${issue.key}: ${issue.message}`),
            });
        return await (config.side === "producer" ? producer(config) : consumer(config));
    } catch (err) {
        // Config and bootstrap problems are the user's to fix: a message, not a stack trace.
        if (err instanceof ConfigError || err instanceof PeerStackError || err instanceof RamShareError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
};
