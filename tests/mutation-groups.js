/**
 * The file groups `npm run mutate` mutates (stryker.config.js), each with the test files that
 * exercise them in-process: the focused spec list Stryker runs per mutant (perTest coverage picks
 * the tests that reach it). Suites that spawn the compiled tree (dist/) or build large lakes are
 * not listed: a mutant never reaches a spawned process, and they would only slow each run.
 */
"use strict";

const GROUPS = {
    permissions: {
        mutate: ["lib/permissions.ts"],
        // Unit tests first (a killed mutant stops at its first failing test), then the hand-written
        // expectation and the CLI contract (each plans both stacks). The suites that plan stacks for
        // other reasons (stacks, components, connect-source, share-many, cli-connect) are left out:
        // every mutant of the model is covered by each of their plans, ~40 s a surviving mutant.
        spec: [
            "tests/permissions.test.ts",
            "tests/cli-lf.test.ts",
            "tests/cli-targets.test.ts",
            "tests/policy-rules.test.ts",
            "tests/permissions-expected.test.ts",
            "tests/cli-contract.test.ts",
        ],
    },
    iam: {
        mutate: ["lib/iam.ts"],
        spec: [
            "tests/iam.test.ts",
            "tests/validation.test.ts",
            "tests/analytics-export.test.ts",
            "tests/policy-rules.test.ts",
            "tests/stacks.test.ts",
            "tests/real-aws.test.ts",
        ],
    },
    config: {
        mutate: ["lib/config/**/*.ts"],
        // The config's own tests; the suites that plan stacks (connect-source, governance, share-many,
        // stacks, analytics-export-v2, real-aws, reader-names) cover every mutant of the config
        // through parseConfig and would cost ~40 s per surviving mutant.
        spec: [
            "tests/config-rules.test.ts",
            "tests/config-sharing.test.ts",
            "tests/config.test.ts",
            "tests/config-hostile.test.ts",
            "tests/config-files.test.ts",
            "tests/row-filter.test.ts",
            "tests/validation.test.ts",
        ],
    },
    sql: {
        mutate: ["functions/sql.ts"],
        spec: [
            "tests/export-logic.test.ts",
            "tests/export-merge.test.ts",
            "tests/export-modes.test.ts",
            "tests/export-sweep.test.ts",
            "tests/export-handler.test.ts",
        ],
    },
    runner: {
        mutate: ["functions/runner.ts"],
        // The in-process runs on fakes and on DuckDB; export-sequence and export-duckdb build
        // synthetic lakes of thousands of rows (seconds per test) and would run for every mutant.
        spec: [
            "tests/export-runner.test.ts",
            "tests/export-logic.test.ts",
            "tests/export-merge.test.ts",
            "tests/export-modes.test.ts",
            "tests/export-sweep.test.ts",
            "tests/export-handler.test.ts",
            "tests/export-versions.test.ts",
        ],
    },
    lease: {
        mutate: ["functions/lease.ts"],
        spec: ["tests/export-logic.test.ts", "tests/export-handler.test.ts"],
    },
    checks: {
        mutate: ["cli/checks.ts"],
        spec: [
            "tests/cli-lf.test.ts",
            "tests/cli-checks.test.ts",
            "tests/cli-verify.test.ts",
            "tests/cli-connect.test.ts",
            "tests/share-many.test.ts",
            "tests/real-aws.test.ts",
        ],
    },
};

module.exports = { GROUPS };
