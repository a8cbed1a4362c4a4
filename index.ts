/**
 * Entry point of both account stacks. It reads the config, builds the components of this
 * stack's side and returns the stack outputs (the contract of lib/stackOutputs.ts); which side
 * comes from `connect-analytics:side`.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppConfig, ConfigError, parseConfig } from "./lib/config";
import { consumerView, PeerStackError, producerView } from "./lib/peers";
import { ConsumerStackOutputs, ProducerStackOutputs, ProgramOutputs } from "./lib/stackOutputs";
import { readPeerOutputs } from "./stack/peerStack";
import { ProducerShare } from "./components/producerShare";
import { ConsumerLinkSet } from "./components/consumerLinkSet";
import { AnalyticsExport } from "./components/analyticsExport";
import { LakeFormationSettings } from "./components/lakeFormationSettings";

/** The other stack's outputs (when configured), and this account's settings that grants wait for. */
async function prerequisites(config: AppConfig) {
    const peer =
        config.side === "producer"
            ? config.consumerStack &&
              (await readPeerOutputs(
                  "consumer-stack",
                  config.consumerStack,
                  "consumer",
                  `Deploy the consumer first: \`pulumi up -s ${config.consumerStack}\`.`,
              ))
            : config.producerStack &&
              (await readPeerOutputs(
                  "producer-stack",
                  config.producerStack,
                  "producer",
                  "Check the producerStack name (org/project/stack) and your access to it.",
              ));
    // Account-wide settings, only when the stack opts in.
    const settings = config.dataLakeSettings.manageDataLakeSettings
        ? [
              new LakeFormationSettings("lake-formation", {
                  ...config.dataLakeSettings,
                  accountId: config.side === "producer" ? config.producerAccountId : config.consumerAccountId,
              }),
          ]
        : [];
    return { peer: peer || undefined, settings };
}

async function producer(config: AppConfig): Promise<ProgramOutputs<ProducerStackOutputs>> {
    const { peer, settings } = await prerequisites(config);
    const view = producerView(config, peer);
    view.notes.forEach((note) => pulumi.log.info(note));

    const share = new ProducerShare(
        "producer",
        { ...config, consumerPrincipalArn: view.consumerPrincipalArn },
        { dependsOn: settings },
    );
    return {
        side: "producer",
        region: config.region,
        producerAccountId: share.producerAccountId,
        consumerAccountId: config.consumerAccountId,
        producerDatabaseName: share.databaseName,
        sharedTables: share.sharedTables,
        tables: config.tables,
        consumerPrincipalArn: view.consumerPrincipalArn,
        grantWithGrantOption: config.grantWithGrantOption,
        sharingMode: config.sharingMode,
        lfTags: config.lfTags,
        grants: share.grants,
        tagAssignments: share.tagAssignments,
        ramShareArn: config.ramShareArn ?? "",
    } satisfies ProgramOutputs<ProducerStackOutputs>;
}

async function consumer(config: AppConfig): Promise<ProgramOutputs<ConsumerStackOutputs>> {
    const { peer, settings } = await prerequisites(config);
    const view = consumerView(config, peer);
    view.notes.forEach((note) => pulumi.log.warn(note));

    const links = new ConsumerLinkSet("consumer", { ...config, ...view }, { dependsOn: settings });
    const analytics = config.enableLambdaExport
        ? new AnalyticsExport("export", {
              ...config.export,
              region: config.region,
              accountId: config.consumerAccountId,
              namePrefix: `${config.projectName}-${config.environment}`,
              roleName: links.role.name,
              roleArn: links.roleArn,
              sourceDatabase: links.databaseName,
              tables: view.tables,
              enableDetailedMonitoring: config.enableDetailedMonitoring,
              enableCloudwatchLogging: config.enableCloudwatchLogging,
              tags: config.tags,
          })
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
        grants: links.grants,
        ...(analytics && {
            exportFunctionName: analytics.functionName,
            exportFunctionArn: analytics.functionArn,
            athenaWorkgroup: analytics.workgroupName,
            athenaResultsBucket: analytics.resultsBucketName,
            exportsBucket: analytics.exportsBucketName,
            exportSchedule: analytics.scheduleName,
            exportScheduleExpression: config.export.exportSchedule,
            exportFailureQueueArn: analytics.failureQueueArn,
        }),
    } satisfies ProgramOutputs<ConsumerStackOutputs>;
}

export = async () => {
    try {
        const config = parseConfig(pulumi.runtime.allConfig(), {
            warn: (issue) => pulumi.log.warn(`${issue.key}: ${issue.message}`),
        });
        return await (config.side === "producer" ? producer(config) : consumer(config));
    } catch (err) {
        // Config and bootstrap problems are the user's to fix: a message, not a stack trace.
        if (err instanceof ConfigError || err instanceof PeerStackError) throw new pulumi.RunError(err.message);
        throw err;
    }
};
