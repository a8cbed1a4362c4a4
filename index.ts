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

async function producer(config: AppConfig) {
    const consumerOutputs = config.consumerStack
        ? await readPeerOutputs("consumer-stack", config.consumerStack, `Deploy the consumer first: \`pulumi up -s ${config.consumerStack}\`.`)
        : undefined;
    const view = producerView(config, consumerOutputs);
    view.notes.forEach((note) => pulumi.log.info(note));

    const share = new ProducerShare("producer", {
        producerAccountId: config.producerAccountId,
        consumerAccountId: config.consumerAccountId,
        databaseName: config.producerDatabaseName,
        tables: config.tables,
        consumerPrincipalArn: view.consumerPrincipalArn,
        grantWithGrantOption: config.grantWithGrantOption,
    });
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
        grants: share.grants,
    };
}

async function consumer(config: AppConfig) {
    const producerOutputs = config.producerStack
        ? await readPeerOutputs("producer-stack", config.producerStack, "Check the producerStack name (org/project/stack) and your access to it.")
        : undefined;
    const view = consumerView(config, producerOutputs);
    view.notes.forEach((note) => pulumi.log.warn(note));

    const links = new ConsumerLinkSet("consumer", {
        region: config.region,
        producerAccountId: view.producerAccountId,
        consumerAccountId: config.consumerAccountId,
        producerDatabaseName: view.producerDatabaseName,
        consumerDatabaseName: config.consumerDatabaseName,
        tables: view.tables,
        lambdaRoleName: config.lambdaRoleName,
        enableResourceLinks: config.enableResourceLinks,
        tags: config.tags,
    });
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
    };
}

export = async () => {
    try {
        const config = parseConfig(pulumi.runtime.allConfig(), { warn: (issue) => pulumi.log.warn(`${issue.key}: ${issue.message}`) });
        return await (config.side === "producer" ? producer(config) : consumer(config));
    } catch (err) {
        // Config and bootstrap problems are the user's to fix: a message, not a stack trace.
        if (err instanceof ConfigError || err instanceof PeerStackError) throw new pulumi.RunError(err.message);
        throw err;
    }
};
