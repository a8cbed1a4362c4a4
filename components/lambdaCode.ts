/**
 * The export Lambda's code: `exportHandler` serialized by Pulumi's closure serializer (what
 * `aws.lambda.CallbackFunction` does inside), then minified by terser, as the archive's only file.
 *
 * Why not CallbackFunction itself: the serializer has no minifier, and the export serializes to
 * about 85 KB, minified about 67 KB. The budget (issue 10's 64 KiB, raised to 96 KiB by
 * issue 16 for the Glue Iceberg table requests, the role probe and room for the late-update sweep) is a
 * guard, not an AWS limit (50 MB zipped for a direct upload): anything under functions/ that starts
 * reaching DuckDB, the CLI or the config parser adds hundreds of KB and fails it. Terser removes whitespace and simplifies syntax; names are kept (no
 * mangling), so stack traces and the console still show the project's function names.
 */
import * as pulumi from "@pulumi/pulumi";
import { minify } from "terser";
import { exportHandler } from "../functions/handler";

/** The most the archive's one file may hold. */
export const LAMBDA_CODE_BUDGET = 96 * 1024;

/** The archive's file name; the function's handler is `index.handler`. */
export const LAMBDA_CODE_FILE = "index.js";

type Handler = (...args: never[]) => unknown;

/** Each handler's code, made once per process: a plan or policy run builds the consumer program twice. */
const codeTexts = new Map<Handler, Promise<string>>();

/** Serializes `handler` (default: the export) and minifies it; fails when the result exceeds the budget. */
export function lambdaCodeText(handler: Handler = exportHandler): Promise<string> {
    let text = codeTexts.get(handler);
    if (!text) codeTexts.set(handler, (text = serializeAndMinify(handler)));
    return text;
}

async function serializeAndMinify(handler: Handler): Promise<string> {
    const serialized = await pulumi.runtime.serializeFunction(handler);
    // The serializer's output is sloppy-mode CommonJS (it uses `with`): no module or strict parsing.
    const minified = await minify(serialized.text, {
        ecma: 2020,
        module: false,
        mangle: false,
        compress: { passes: 1 },
        format: { comments: false },
    });
    const text = minified.code ?? "";
    if (!text.includes("exports.handler")) {
        throw new Error("the minified Lambda code lost `exports.handler`; the archive would have no handler");
    }
    const bytes = Buffer.byteLength(text);
    if (bytes > LAMBDA_CODE_BUDGET) {
        throw new Error(
            `the export Lambda's code is ${bytes} bytes minified, over its ${LAMBDA_CODE_BUDGET}-byte budget; ` +
                "something under functions/ now reaches more code than the Lambda needs (see tests/export-serialize.test.ts)",
        );
    }
    return text;
}

/** The function's code archive: one file, no node_modules (the runtime provides the AWS SDK v3). */
export function lambdaCodeArchive(text: pulumi.Input<string>): pulumi.Output<pulumi.asset.AssetArchive> {
    return pulumi
        .output(text)
        .apply((t) => new pulumi.asset.AssetArchive({ [LAMBDA_CODE_FILE]: new pulumi.asset.StringAsset(t) }));
}
