/**
 * The export Lambda's entry point. Pulumi's closure serializer turns `exportHandler` into the
 * function's code, so everything it reaches stays small and free of top-level node_modules
 * imports: the AWS SDK v3 is `require`d inside function bodies (the nodejs20.x runtime has it).
 */
import { createAthenaEngine } from "./athena/athenaEngine";
import { createS3ObjectStore } from "./aws/s3Store";
import { describeError } from "./errors";
import { parseExportEvent } from "./event";
import { createJsonLogger } from "./log";
import { runExport, type RunLimits } from "./runner";
import { parseHandlerEnv } from "./settings";
import type { Clock, ExportRunSummary } from "./types";
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { S3Client } from "@aws-sdk/client-s3";

export interface LambdaContextLike {
    getRemainingTimeInMillis(): number;
    awsRequestId?: string;
}

/**
 * SDK client settings: the SDK retries throttled and transient calls itself, adaptive mode adding
 * client-side rate limiting when Athena or S3 throttle.
 */
export const AWS_CLIENT_CONFIG = { maxAttempts: 6, retryMode: "adaptive" } as const;

export interface AwsClients {
    readonly athena: Pick<AthenaClient, "send">;
    readonly s3: Pick<S3Client, "send">;
}

export function createAwsClients(): AwsClients {
    const { AthenaClient } = require("@aws-sdk/client-athena") as typeof import("@aws-sdk/client-athena");
    const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    return { athena: new AthenaClient({ ...AWS_CLIENT_CONFIG }), s3: new S3Client({ ...AWS_CLIENT_CONFIG }) };
}

/** Seams for tests: time, limits, clients, environment and log output. */
export interface HandlerDeps {
    readonly env?: () => Readonly<Record<string, string | undefined>>;
    readonly clock?: Clock;
    readonly limits?: Partial<RunLimits>;
    readonly clients?: () => AwsClients;
    readonly logSink?: (line: string) => void;
}

export function createExportHandler(deps: HandlerDeps = {}) {
    return async function handleExport(event: unknown, context: LambdaContextLike): Promise<ExportRunSummary> {
        const sink = deps.logSink ?? ((line: string) => console.log(line));
        const clock: Clock = deps.clock ?? {
            now: () => Date.now(),
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
            random: () => Math.random(),
        };
        let settings;
        try {
            settings = parseHandlerEnv(deps.env ? deps.env() : process.env);
        } catch (err) {
            sink(JSON.stringify({ level: "ERROR", event: "config_rejected", error: describeError(err) }));
            throw err;
        }
        const log = createJsonLogger(
            settings.logLevel,
            sink,
            context?.awsRequestId ? { requestId: context.awsRequestId } : {},
        );
        let request;
        try {
            request = parseExportEvent(
                event,
                clock.now(),
                settings.tables.map((t) => t.name),
            );
        } catch (err) {
            log.error("event_rejected", { error: describeError(err) });
            throw err;
        }
        const clients = deps.clients ? deps.clients() : createAwsClients();
        return runExport({
            settings,
            request,
            engine: createAthenaEngine({
                client: clients.athena,
                workgroup: settings.workgroup,
                database: settings.sourceDatabase,
            }),
            store: createS3ObjectStore({ client: clients.s3, bucket: settings.bucket }),
            log,
            clock,
            remainingMs:
                typeof context?.getRemainingTimeInMillis === "function"
                    ? () => context.getRemainingTimeInMillis()
                    : () => Infinity,
            limits: deps.limits,
        });
    };
}

/** The Lambda handler: settings from the environment (HANDLER_ENV_VARS), AWS clients per invocation. */
export async function exportHandler(event: unknown, context: LambdaContextLike): Promise<ExportRunSummary> {
    return createExportHandler()(event, context);
}
