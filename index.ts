/**
 * Entry point of both account stacks. It reads the config, builds the components of this
 * stack's side and returns the stack outputs; which side comes from `connect-analytics:side`.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppConfig, ConfigError, parseConfig } from "./lib/config";
import { consumerView, PeerStackError, producerView } from "./lib/peers";
import { readPeerOutputs } from "./components/peerStack";
import { ProducerShare } from "./components/producerShare";
import { ConsumerLinkSet } from "./components/consumerLinkSet";
import { AnalyticsExport } from "./components/analyticsExport";
import { LakeFormationSettings } from "./components/lakeFormationSettings";

/** Account-wide settings, only when the stack opts in; grants wait for them. */
function lakeFormationSettings(config: AppConfig, accountId: string): pulumi.Resource[] {
    if (!config.dataLakeSettings.manage) return [];
    return [new LakeFormationSettings("lake-formation", { accountId, settings: config.dataLakeSettings })];
}

async function producer(config: AppConfig) {
    const consumerOutputs = config.consumerStack
        ? await readPeerOutputs(
              "consumer-stack",
              config.consumerStack,
              `Deploy the consumer first: \`pulumi up -s ${config.consumerStack}\`.`,
          )
        : undefined;
    const view = producerView(config, consumerOutputs);
    view.notes.forEach((note) => pulumi.log.info(note));

    const settings = lakeFormationSettings(config, config.producerAccountId);
    const share = new ProducerShare(
        "producer",
        {
            producerAccountId: config.producerAccountId,
            consumerAccountId: config.consumerAccountId,
            databaseName: config.producerDatabaseName,
            tables: config.tables,
            consumerPrincipalArn: view.consumerPrincipalArn,
            grantWithGrantOption: config.grantWithGrantOption,
            sharingMode: config.sharingMode,
            lfTags: config.lfTags,
        },
        { dependsOn: settings },
    );
    return {
        side: config.side,
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
    };
}

async function consumer(config: AppConfig) {
    const producerOutputs = config.producerStack
        ? await readPeerOutputs(
              "producer-stack",
              config.producerStack,
              "Check the producerStack name (org/project/stack) and your access to it.",
          )
        : undefined;
    const view = consumerView(config, producerOutputs);
    view.notes.forEach((note) => pulumi.log.warn(note));

    const settings = lakeFormationSettings(config, config.consumerAccountId);
    const links = new ConsumerLinkSet(
        "consumer",
        {
            region: config.region,
            producerAccountId: view.producerAccountId,
            consumerAccountId: config.consumerAccountId,
            producerDatabaseName: view.producerDatabaseName,
            consumerDatabaseName: config.consumerDatabaseName,
            tables: view.tables,
            lambdaRoleName: config.lambdaRoleName,
            enableResourceLinks: config.enableResourceLinks,
            sharingMode: config.sharingMode,
            lfTags: config.lfTags,
            ramShareArn: view.ramShareArn,
            tags: config.tags,
        },
        { dependsOn: settings },
    );
    const analytics = config.enableLambdaExport
        ? new AnalyticsExport("export", {
              region: config.region,
              accountId: config.consumerAccountId,
              namePrefix: `${config.projectName}-${config.environment}`,
              roleName: links.role.name,
              roleArn: links.roleArn,
              sourceDatabase: links.databaseName,
              tables: view.tables,
              settings: config.export,
              detailedMonitoring: config.enableDetailedMonitoring,
              debugLogging: config.enableCloudwatchLogging,
              tags: config.tags,
          })
        : undefined;
    return {
        side: config.side,
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
            exportScheduleExpression: config.export.schedule,
            exportFailureQueueArn: analytics.failureQueueArn,
        }),
    };
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
