/**
 * The export Lambda's entry point. Pulumi's closure serializer turns `exportHandler` into the
 * function's code, so everything it reaches stays small and free of top-level node_modules
 * imports: the AWS SDK v3 is `require`d inside function bodies (the Node.js runtimes have it).
 * The handler is promise-based with (event, context) only: nodejs24.x has no callback handlers.
 */
import { icebergRoot } from "../lib/names";
import { createAthenaEngine } from "./athena/athenaEngine";
import { createS3ObjectStore } from "./aws/s3Store";
import { describeError, exportError } from "./errors";
import { parseExportEvent } from "./event";
import { consoleSink, createJsonLogger } from "./log";
import { runExport, type RunDeps, type RunLimits } from "./runner";
import { parseHandlerEnv, readTablesObject } from "./settings";
import { runProbe } from "./probe";
import { runSetup } from "./setup";
import type { Clock, ExportRunSummary, LogLevel, ProbeSummary, SetupSummary } from "./types";
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { GlueClient } from "@aws-sdk/client-glue";
import type { S3Client } from "@aws-sdk/client-s3";

export interface LambdaContextLike {
    getRemainingTimeInMillis(): number;
    awsRequestId?: string;
}

/**
 * SDK client settings: the SDK retries throttled and transient calls itself, adaptive mode adding
 * client-side rate limiting when Athena, Glue or S3 throttle.
 */
export const AWS_CLIENT_CONFIG = { maxAttempts: 6, retryMode: "adaptive" } as const;

export interface AwsClients {
    readonly athena: Pick<AthenaClient, "send">;
    readonly s3: Pick<S3Client, "send">;
    readonly glue: Pick<GlueClient, "send">;
}

/** The SDK clients of an invocation (`require`d here: the Lambda runtime provides the SDK). */
export function createAwsClients(): AwsClients {
    const config = { ...AWS_CLIENT_CONFIG };
    return {
        athena: new (require("@aws-sdk/client-athena") as typeof import("@aws-sdk/client-athena")).AthenaClient(config),
        s3: new (require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3")).S3Client(config),
        glue: new (require("@aws-sdk/client-glue") as typeof import("@aws-sdk/client-glue")).GlueClient(config),
    };
}

/** Seams for tests: time, limits, clients, environment and log output. */
export interface HandlerDeps {
    readonly env?: () => Readonly<Record<string, string | undefined>>;
    readonly clock?: Clock;
    readonly limits?: Partial<RunLimits>;
    readonly clients?: () => AwsClients;
    readonly logSink?: (line: string, level: LogLevel) => void;
}

export function createExportHandler(deps: HandlerDeps = {}) {
    return async function handleExport(
        event: unknown,
        context: LambdaContextLike,
    ): Promise<ExportRunSummary | SetupSummary | ProbeSummary> {
        const sink = deps.logSink ?? consoleSink;
        const clock: Clock = deps.clock ?? {
            now: Date.now,
            sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
            random: Math.random,
        };
        const requestId = context?.awsRequestId;
        let log = createJsonLogger("INFO", sink, requestId ? { requestId } : {});
        let step = "config_rejected";
        try {
            let settings = parseHandlerEnv(deps.env ? deps.env() : process.env);
            log = createJsonLogger(settings.logLevel, sink, requestId ? { requestId } : {});
            const clients = (deps.clients ?? createAwsClients)();
            const store = createS3ObjectStore({ client: clients.s3, bucket: settings.bucket });
            if (settings.tablesObject) {
                settings = { ...settings, tables: await readTablesObject(store, settings.tablesObject) };
            }
            step = "event_rejected";
            const request = parseExportEvent(
                event,
                clock.now(),
                settings.tables.map((t) => t.name),
            );
            // The Glue table optimizers maintain the tables: Athena runs no OPTIMIZE/VACUUM on LF-registered Iceberg tables.
            if (request.maintenance) {
                throw exportError("EVENT", 'no "maintenance" on AWS: the Glue table optimizers do it');
            }
            step = "run_failed";
            const run: RunDeps = {
                settings,
                request,
                engine: createAthenaEngine({
                    athena: clients.athena,
                    glue: clients.glue,
                    s3: clients.s3,
                    workgroup: settings.workgroup,
                    sourceDatabase: settings.sourceDatabase,
                    icebergRoot: `s3://${settings.bucket}/${icebergRoot(settings.prefix)}/`,
                }),
                store,
                log,
                clock,
                owner: requestId ?? `lambda-${clock.now()}`,
                remainingMs: () => context?.getRemainingTimeInMillis?.() ?? Infinity,
                limits: deps.limits,
            };
            return await (request.setup ? runSetup : request.probe ? runProbe : runExport)(run);
        } catch (err) {
            const held = (err as { code?: string })?.code === "LEASE_HELD";
            if (step !== "run_failed" || held) log.error(held ? "lease_held" : step, { error: describeError(err) });
            throw err;
        }
    };
}

/**
 * The export as the Lambda runs it: settings from the environment (HANDLER_ENV_VARS), AWS clients
 * per invocation. Promise-based with (event, context) only: nodejs24.x has no callback handlers.
 * components/lambdaCode.ts serializes it into the function's one-file archive.
 */
export async function exportHandler(
    event: unknown,
    context: LambdaContextLike,
): Promise<ExportRunSummary | SetupSummary | ProbeSummary> {
    return createExportHandler()(event, context);
}
