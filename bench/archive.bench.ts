/**
 * The export Lambda's code archive as the consumer stack ships it (one file: the serialized
 * handler, minified; the handler needs only the AWS SDK v3 that the Node.js runtime has) vs a
 * CallbackFunction of it with default code paths (every dependency's folder zipped in). Bytes are uncompressed file
 * sizes, measured side by side.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_CODE_BUDGET, LAMBDA_CODE_FILE } from "../components/lambdaCode";
import { planStack } from "../plan/run";
import { Figure } from "./run";

function treeBytes(target: string): number {
    const stat = fs.statSync(target);
    if (!stat.isDirectory()) return stat.size;
    return fs.readdirSync(target).reduce((sum, entry) => sum + treeBytes(path.join(target, entry)), 0);
}

export const figures: Figure[] = [
    {
        name: "lambda-archive-bytes-vs-default-code-paths",
        async run() {
            const consumer = await planStack("consumer");
            const fn = consumer.resources.find((r) => r.type === "aws:lambda/function:Function");
            const archive = (fn?.inputs.code as { archive: Record<string, { bytes?: number; path?: string }> }).archive;
            const shipped = Object.values(archive).reduce((sum, a) => sum + (a.bytes ?? treeBytes(a.path!)), 0);
            // What CallbackFunction adds by default: every dependency folder (it always drops aws-sdk v2).
            const defaults = await pulumi.runtime.computeCodePaths({ extraExcludePackages: ["aws-sdk"] });
            const defaultBytes =
                archive[LAMBDA_CODE_FILE].bytes! +
                [...defaults.keys()].reduce((sum, p) => sum + treeBytes(path.resolve(p)), 0);
            return {
                unit: "bytes (uncompressed)",
                shippedFiles: Object.keys(archive).length,
                shipped,
                defaultCodePathsFiles: 1 + defaults.size,
                defaultCodePaths: defaultBytes,
                ratio: Number((defaultBytes / shipped).toFixed(1)),
                goalShippedAtMost: LAMBDA_CODE_BUDGET,
            };
        },
    },
];
