// ESLint as pulumi/pulumi-eks configures it (nodejs/eks/.eslintrc.js): typescript-eslint, the
// Pulumi plugin's Output-in-template-literal rules, Prettier owning the layout, and the same
// correctness rules. Flat config, because ESLint 9 reads no other.
"use strict";
const tseslint = require("typescript-eslint");
const pulumi = require("@pulumi/eslint-plugin");
const prettier = require("eslint-config-prettier");

module.exports = tseslint.config(
    {
        ignores: [
            "node_modules/",
            "dist/",
            "exports/",
            ".local-lake/",
            "policy/node_modules/",
            "reports/",
            ".stryker-tmp/",
        ],
    },
    {
        files: ["**/*.ts"],
        extends: [tseslint.configs.recommended, prettier],
        languageOptions: { parserOptions: { project: "./tsconfig.json", tsconfigRootDir: __dirname } },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
            ],
            "@typescript-eslint/no-empty-function": "error",
            "@typescript-eslint/no-unused-expressions": "error",
            curly: ["error", "multi-line"],
            eqeqeq: ["error", "smart"],
            "guard-for-in": "error",
            "no-caller": "error",
            "no-debugger": "error",
            "no-eval": "error",
            "no-new-wrappers": "error",
            "no-var": "error",
            "prefer-const": "error",
            radix: "error",
            "spaced-comment": ["error", "always", { markers: ["/"] }],
        },
    },
    {
        // Imports point one way: the stack's code (lib/) never reaches into the Lambda's (functions/);
        // what both need lives in a leaf of lib/ (names.ts, sqlText.ts).
        files: ["lib/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        {
                            group: ["**/functions/**"],
                            message: "lib/ may not import functions/: move the shared part to a leaf of lib/.",
                        },
                    ],
                },
            ],
        },
    },
    {
        files: ["**/*.js"],
        extends: [tseslint.configs.recommended, prettier],
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly" },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
