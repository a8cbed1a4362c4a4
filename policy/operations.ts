/**
 * Rules for the export's moving parts: the Athena workgroup, logs, the Lambda function's
 * failures and the queue that holds them.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { FUNCTION_TYPE } from "./iam";
import { companionsOf, forTypes, isNonEmptyString } from "./util";

export const WORKGROUP_TYPE = "aws:athena/workgroup:Workgroup";
export const LOG_GROUP_TYPE = "aws:cloudwatch/logGroup:LogGroup";
export const INVOKE_CONFIG_TYPE = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";
export const QUEUE_TYPE = "aws:sqs/queue:Queue";

/** Athena's own minimum for a per-query cutoff (10 MB). */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;
const RESULT_ENCRYPTION = ["SSE_S3", "SSE_KMS", "CSE_KMS"];

export const athenaWorkgroupEnforcedEncryptedWithCutoff: ResourceValidationPolicy = {
    name: "athena-workgroup-enforced-encrypted-with-cutoff",
    description:
        "Athena workgroups enforce their configuration (clients cannot override it), encrypt query results, " +
        "and cancel queries that scan more than bytesScannedCutoffPerQuery.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forTypes([WORKGROUP_TYPE], (props, _args, report) => {
        const c = props.configuration ?? {};
        if (c.enforceWorkgroupConfiguration !== true) {
            report(
                "configuration.enforceWorkgroupConfiguration must be true, so queries cannot override the result location, encryption or cutoff.",
            );
        }
        const encryption = c.resultConfiguration?.encryptionConfiguration;
        const option = encryption?.encryptionOption;
        if (!RESULT_ENCRYPTION.includes(option)) {
            report(
                `configuration.resultConfiguration.encryptionConfiguration.encryptionOption must be one of ${RESULT_ENCRYPTION.join(", ")} (query results hold the shared data).`,
            );
        } else if (option !== "SSE_S3" && !isNonEmptyString(encryption.kmsKeyArn)) {
            report(`result encryption ${option} needs encryptionConfiguration.kmsKeyArn.`);
        }
        const cutoff = c.bytesScannedCutoffPerQuery;
        if (typeof cutoff !== "number" || cutoff < MIN_BYTES_SCANNED_CUTOFF) {
            report(
                `configuration.bytesScannedCutoffPerQuery must be set (at least ${MIN_BYTES_SCANNED_CUTOFF} bytes), so a runaway query is cancelled; got ${JSON.stringify(cutoff ?? null)}.`,
            );
        }
    }),
};

export const cloudwatchLogGroupRetention: ResourceValidationPolicy = {
    name: "cloudwatch-log-group-retention",
    description: "CloudWatch log groups set retentionInDays (logs are not kept forever).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: forTypes([LOG_GROUP_TYPE], (props, _args, report) => {
        const days = props.retentionInDays;
        if (typeof days !== "number" || days <= 0) {
            report(
                `retentionInDays must be set to a positive number of days; got ${JSON.stringify(days ?? null)} (0 or unset keeps logs forever).`,
            );
        }
    }),
};

/** What an invoke config's `functionName` may hold for a function: its name or ARN, maybe qualified. */
function functionKeys(fn: PolicyResource): () => unknown[] {
    return () => {
        const keys: unknown[] = [fn.props.name];
        if (typeof fn.props.arn === "string") keys.push(fn.props.arn);
        return keys;
    };
}

function stripQualifier(value: unknown): unknown {
    // `name:alias` or `arn:...:function:name:alias`: the failure destination covers that qualifier.
    if (typeof value !== "string") return value;
    const m = /^(arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+)(:[^:]+)?$/.exec(value);
    if (m) return m[1];
    return value.includes(":") && !value.startsWith("arn:") ? value.slice(0, value.indexOf(":")) : value;
}

export const lambdaFailureDestination: StackValidationPolicy = {
    name: "lambda-failure-destination",
    description:
        "Every Lambda function keeps its failed asynchronous invocations: a FunctionEventInvokeConfig with destinationConfig.onFailure, or a deadLetterConfig.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, report) => {
        for (const fn of args.resources.filter((r) => r.type === FUNCTION_TYPE)) {
            if (isNonEmptyString(fn.props.deadLetterConfig?.targetArn)) continue;
            const mine = companionsOf(
                fn,
                args.resources,
                [INVOKE_CONFIG_TYPE],
                "functionName",
                functionKeys(fn),
                stripQualifier,
            );
            if (mine.some((c) => isNonEmptyString(c.props.destinationConfig?.onFailure?.destination))) continue;
            const which =
                mine.length === 0
                    ? "no FunctionEventInvokeConfig"
                    : `invoke config ${mine.map((c) => c.name).join(", ")} without destinationConfig.onFailure`;
            report(
                `function ${fn.name} has ${which} and no deadLetterConfig: a failed scheduled run would be lost. ` +
                    "Add a FunctionEventInvokeConfig with destinationConfig.onFailure (an SQS queue), or a deadLetterConfig.",
                fn.urn,
            );
        }
    },
};

export const sqsQueueEncrypted: ResourceValidationPolicy = {
    name: "sqs-queue-encrypted",
    description:
        "SQS queues (the export's failure queue holds event payloads) are encrypted at rest: sqsManagedSseEnabled or kmsMasterKeyId.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: forTypes([QUEUE_TYPE], (props, _args, report) => {
        if (props.sqsManagedSseEnabled === true || isNonEmptyString(props.kmsMasterKeyId)) return;
        report("the queue is not encrypted at rest: set sqsManagedSseEnabled: true or kmsMasterKeyId.");
    }),
};

const TOPIC_TYPE = "aws:sns/topic:Topic";
const ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm";

export const snsTopicEncryptedForAlarms: ResourceValidationPolicy = {
    name: "sns-topic-encrypted-for-alarms",
    description:
        "SNS topics are encrypted at rest with a customer managed key: CloudWatch cannot publish alarms to a topic under " +
        "the AWS managed aws/sns key, whose policy cannot let it in (sns/latest/dg/sns-key-management.html).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: forTypes([TOPIC_TYPE], (props, _args, report) => {
        const key = props.kmsMasterKeyId;
        if (!isNonEmptyString(key)) {
            report("the topic is not encrypted at rest: set kmsMasterKeyId to a customer managed key.");
        } else if (/^(arn:[^:]+:kms:[^:]*:\d*:)?alias\/aws\/sns$/.test(key)) {
            report(
                "the topic uses the AWS managed key aws/sns: CloudWatch alarms cannot publish to it. Use a customer managed key whose policy lets cloudwatch.amazonaws.com use it.",
            );
        }
    }),
};

export const cloudwatchAlarmNotifies: ResourceValidationPolicy = {
    name: "cloudwatch-alarm-notifies",
    description: "Every CloudWatch alarm has an alarm action, so someone hears of it.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: forTypes([ALARM_TYPE], (props, _args, report) => {
        if (Array.isArray(props.alarmActions) && props.alarmActions.length > 0) return;
        report(
            "the alarm has no alarmActions: it changes state and nobody is told. Send it to the export's alarm topic.",
        );
    }),
};
