/**
 * Mocha's global fixture and root hooks: the compiled tree the spawned commands run from is current
 * (tests/build.ts); npm scripts do not run on the Node 24 of the lockfile (see below); and no test
 * is pending in CI without an expected reason (tests/skips.ts).
 */
import * as fs from "fs";
import * as path from "path";
import type { Context } from "mocha";
import { ensureBuild } from "./build";
import { pendingTests, unexpectedSkips } from "./skips";

/**
 * The Node 24 platform package (package.json optionalDependencies, for the Lambda archive's test)
 * links node_modules/.bin/node, which npm puts first on the PATH of every npm script: the suite
 * would run on Node 24 instead of the Node the user runs. package.json's postinstall removes that
 * link; `npm ci --ignore-scripts` skips it, and this says so instead of testing the wrong Node.
 */
function checkNodeNotShadowed(): void {
    const bin = path.resolve(__dirname, "..", "node_modules", ".bin", "node");
    let target: string;
    try {
        target = fs.readlinkSync(bin);
    } catch {
        return;
    }
    if (/node-(linux|darwin|win)-/.test(target)) {
        throw new Error(
            `${bin} links to ${target}: npm scripts would run on that Node, not yours. ` +
                `It is the Lambda test's Node 24; remove the link with \`npm run postinstall\` (npm ci --ignore-scripts skipped it).`,
        );
    }
}

export function mochaGlobalSetup(): void {
    checkNodeNotShadowed();
    ensureBuild();
}

export const mochaHooks = {
    afterAll(this: Context) {
        const pending = pendingTests(this.test!.parent!);
        if (process.env.CI === "true") {
            const problems = unexpectedSkips(pending);
            if (problems.length) throw new Error(`pending tests in CI:\n${problems.join("\n")}`);
        } else {
            for (const p of pending.filter((x) => !x.reason)) console.log(`    pending without a reason: ${p.title}`);
        }
    },
};
