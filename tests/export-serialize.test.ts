/**
 * The export handler as the AnalyticsExport component ships it: Pulumi's closure serializer turns
 * `exportHandler` into the archive's only file. That file is a loader holding the real handler's
 * serialized text deflated (see functions/handler.ts), so this checks: the archive stays one file
 * of at most 64 KiB without DuckDB; the bundle inside is exactly what the current sources
 * serialize to; both require only what the Lambda runtime provides; the handler is promise-based
 * with at most (event, context); and the archive text itself runs an export against the fakes.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { exportHandler } from "../functions/handler";
import { LAMBDA_BUNDLE } from "../functions/lambdaBundle.generated";
import { bundledText, serializedLambdaText } from "../functions/local/buildLambdaBundle";
import type { ExportRunSummary } from "../functions/types";
import { FakeAws, handlerEnv, RUN_ID, SCHEDULED } from "./export-fakes";

/** The most the issue allows the code archive (which zips this text further). */
export const ARCHIVE_BUDGET = 64 * 1024;
const requires = (text: string) => [...new Set([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();

/** Evaluates an archive's text as Lambda loads `__index.js` (sloppy CommonJS: the serializer uses `with`). */
export function loadArchive(text: string): (event: unknown, context: unknown) => Promise<ExportRunSummary> {
    const module = { exports: {} as { handler?: (event: unknown, context: unknown) => Promise<ExportRunSummary> } };
    new Function("exports", "require", "module", text)(module.exports, require, module);
    return module.exports.handler!;
}

describe("export handler serialization (pulumi.runtime.serializeFunction)", function () {
    this.timeout(120_000);
    let text: string;

    before(async () => {
        text = (await pulumi.runtime.serializeFunction(exportHandler)).text;
    });

    it("the archive is one file of at most 64 KiB, without DuckDB", () => {
        assert.ok(text.includes("exports.handler = "));
        assert.ok(text.length <= ARCHIVE_BUDGET, `archive text is ${text.length} bytes; budget ${ARCHIVE_BUDGET}`);
        assert.doesNotMatch(text, /duckdb/i);
        assert.doesNotMatch(bundledText(LAMBDA_BUNDLE), /duckdb/i);
    });

    it("the bundle in the archive is what the current sources serialize to", async () => {
        const current = await serializedLambdaText();
        assert.ok(
            bundledText(LAMBDA_BUNDLE) === current,
            "functions/lambdaBundle.generated.ts is out of date: run `npx ts-node --transpile-only functions/local/buildLambdaBundle.ts`",
        );
    });

    it("requires only what the Lambda runtime ships: zlib to inflate, then the AWS SDK clients and crypto", () => {
        assert.deepEqual(requires(text), ["zlib"]);
        assert.deepEqual(requires(bundledText(LAMBDA_BUNDLE)), [
            "@aws-sdk/client-athena",
            "@aws-sdk/client-glue",
            "@aws-sdk/client-s3",
            "crypto",
        ]);
        assert.doesNotMatch(text + bundledText(LAMBDA_BUNDLE), /node_modules/);
    });

    it("the handler is promise-based with at most (event, context): Node.js 24 runtimes have no callback handlers", () => {
        const handler = loadArchive(text);
        assert.ok(handler.length <= 2, `handler takes ${handler.length} parameters`);
        assert.equal(exportHandler.length, 2);
        const error = console.error;
        console.error = () => undefined;
        const result = handler({ surprise: 1 }, { getRemainingTimeInMillis: () => 1000 });
        assert.equal(typeof result.then, "function");
        return result
            .then(
                () => assert.fail("an invalid environment must be rejected"),
                (err: Error) => assert.match(err.message, /invalid environment|malformed/),
            )
            .finally(() => (console.error = error));
    });

    it("runs an export from the archive's text", async () => {
        const aws = new FakeAws();
        const saved = { ...process.env };
        const methods = { info: console.info, error: console.error, warn: console.warn, debug: console.debug };
        const lines: string[] = [];
        delete (globalThis as { connectAnalyticsExport?: unknown }).connectAnalyticsExport;
        try {
            Object.assign(process.env, handlerEnv());
            for (const m of ["info", "error", "warn", "debug"] as const) {
                console[m] = (line: string) => lines.push(line);
            }
            const deadline = Date.now() + 900_000;
            // Real polling delays apply here (about half a second per statement).
            const summary = await loadArchive(text)(
                { scheduledTime: SCHEDULED, tables: ["users"] },
                { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: "r-1" },
            );
            assert.equal(summary.runId, RUN_ID);
            assert.equal(summary.status, "succeeded");
            assert.deepEqual(
                aws.queries.map((q) => q.kind),
                ["create", "preview", "merge", "reconcile"],
            );
            assert.ok(aws.objects.has(`manifests/${RUN_ID}.json`));
            assert.ok(lines.some((l) => l.startsWith("{") && JSON.parse(l).event === "export_summary"));
        } finally {
            Object.assign(console, methods);
            process.env = saved;
            aws.restore();
            delete (globalThis as { connectAnalyticsExport?: unknown }).connectAnalyticsExport;
        }
    });
});
