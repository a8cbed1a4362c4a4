/**
 * Mutation testing (StrykerJS) of the core logic, one file group at a time: `npm run mutate`
 * runs every group of tests/mutation-groups.js through tests/mutate.ts, `npm run mutate -- sql`
 * one of them. Each group mutates its files and runs only its focused spec list, in-process, one
 * test process at a time (the machine's cores are shared). Reports land in reports/mutation/
 * (git-ignored), the sandboxes in .stryker-tmp/ (deleted after each run).
 */
"use strict";
const { GROUPS } = require("./tests/mutation-groups");

const name = process.env.STRYKER_GROUP ?? "lease";
const group = GROUPS[name];
if (!group) throw new Error(`STRYKER_GROUP=${name}: no such group (${Object.keys(GROUPS).join(", ")})`);
const fs = require("fs");
// A listed spec file that does not exist would leave its mutants untested without a word.
const missing = group.spec.filter((f) => !fs.existsSync(`${__dirname}/${f}`));
if (missing.length) throw new Error(`tests/mutation-groups.js, group ${name}: no such spec file ${missing.join(", ")}`);
const spec = group.spec;

module.exports = {
    packageManager: "npm",
    testRunner: "mocha",
    checkers: ["typescript"],
    // The mutated files and what they import, not the whole tree: each mutant is type-checked
    // against the files it can break, in seconds rather than a rebuild of every test.
    tsconfigFile: "tsconfig.mutate.json",
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    plugins: ["@stryker-mutator/mocha-runner", "@stryker-mutator/typescript-checker"],
    mutate: group.mutate,
    mochaOptions: {
        "no-config": true,
        "no-package": true,
        "no-opts": true,
        spec,
        require: ["ts-node/register/transpile-only"],
        ui: "bdd",
    },
    coverageAnalysis: "perTest",
    concurrency: 1,
    // Not copied into the sandbox: the compiled tree, reports, local lakes and exports.
    ignorePatterns: ["dist", "reports", ".local-lake", "exports"],
    incremental: true,
    incrementalFile: `reports/mutation/${name}.incremental.json`,
    timeoutMS: 20_000,
    reporters: ["clear-text", "progress-append-only", "json", "html"],
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    clearTextReporter: { allowColor: false, reportTests: false, reportMutants: false, reportScoreTable: true },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
    thresholds: { high: 90, low: 80, break: null },
};
