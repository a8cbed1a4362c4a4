/**
 * The export handler as the AnalyticsExport component ships it (components/lambdaCode.ts): Pulumi's
 * closure serializer turns `exportHandler` into one file, which terser minifies. This checks: that
 * file stays within its budget (96 KiB) without DuckDB; it requires only what the Lambda runtime provides; the
 * handler is promise-based with at most (event, context); and the shipped text itself runs an
 * export against the fakes.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_CODE_BUDGET, lambdaCodeText } from "../components/lambdaCode";
import { exportHandler } from "../functions/handler";
import { SETUP_EVENT } from "../functions/index";
import type { ExportRunSummary, SetupSummary } from "../functions/types";
import { FakeAws, handlerEnv, RUN_ID, SCHEDULED } from "./export-fakes";

const requires = (text: string) => [...new Set([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();

/** Evaluates the code as Lambda loads `index.js` (sloppy CommonJS: the serializer uses `with`). */
export function loadArchive(text: string): (event: unknown, context: unknown) => Promise<ExportRunSummary> {
    const module = { exports: {} as { handler?: (event: unknown, context: unknown) => Promise<ExportRunSummary> } };
    new Function("exports", "require", "module", text)(module.exports, require, module);
    return module.exports.handler!;
}

describe("export handler serialization (pulumi.runtime.serializeFunction)", function () {
    this.timeout(120_000);
    let text: string;

    let serialized: string;
    before(async () => {
        serialized = (await pulumi.runtime.serializeFunction(exportHandler)).text;
        text = await lambdaCodeText();
    });

    it("the shipped file is at most LAMBDA_CODE_BUDGET (96 KiB), without DuckDB, and is the serialized handler minified", () => {
        const bytes = Buffer.byteLength(text);
        assert.ok(bytes <= LAMBDA_CODE_BUDGET, `code is ${bytes} bytes; budget ${LAMBDA_CODE_BUDGET}`);
        assert.doesNotMatch(text, /duckdb/i);
        assert.ok(bytes < Buffer.byteLength(serialized), "minified is smaller than serialized");
        // Names are kept (no mangling): the serializer's function names are all there.
        for (const name of [...serialized.matchAll(/^function (__\w+)\(/gm)].map((m) => m[1])) {
            assert.ok(text.includes(name), `${name} kept`);
        }
    });

    it("requires only what the Lambda runtime ships: the AWS SDK clients and crypto", () => {
        assert.deepEqual(requires(text), [
            "@aws-sdk/client-athena",
            "@aws-sdk/client-glue",
            "@aws-sdk/client-s3",
            "crypto",
        ]);
        assert.doesNotMatch(text, /node_modules/);
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

    it("runs setup from the archive's text: the missing table created, nothing else", async () => {
        const aws = new FakeAws();
        const saved = { ...process.env };
        const info = console.info;
        try {
            Object.assign(process.env, handlerEnv());
            console.info = () => undefined;
            const deadline = Date.now() + 900_000;
            const summary = (await loadArchive(text)(
                { ...JSON.parse(SETUP_EVENT), tables: ["users"] },
                { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: "r-2" },
            )) as unknown as SetupSummary;
            assert.deepEqual(
                summary.tables.map((t) => [t.table, t.status]),
                [["users", "created"]],
            );
            assert.deepEqual(aws.queries, [], "no Athena statement: the table comes from Glue");
            assert.deepEqual(
                aws.glueWrites.map((w) => [w.table, w.kind]),
                [["users", "create"]],
            );
            assert.deepEqual(aws.keys("state/"), []);
        } finally {
            console.info = info;
            process.env = saved;
            aws.restore();
        }
    });

    it("runs an export from the archive's text", async () => {
        const aws = new FakeAws();
        const saved = { ...process.env };
        const methods = { info: console.info, error: console.error, warn: console.warn, debug: console.debug };
        const lines: string[] = [];
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
                ["preview", "merge", "reconcile"],
            );
            assert.deepEqual(
                aws.glueWrites.map((w) => [w.table, w.kind]),
                [["users", "create"]],
            );
            assert.ok(aws.objects.has(`manifests/${RUN_ID}.json`));
            assert.ok(lines.some((l) => l.startsWith("{") && JSON.parse(l).event === "export_summary"));
        } finally {
            Object.assign(console, methods);
            process.env = saved;
            aws.restore();
        }
    });
});
