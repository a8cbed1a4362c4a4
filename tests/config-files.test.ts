import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { isStructured, KEY_SPECS, parseConfig } from "../lib/config";
import { staleFiles } from "../cli/config-docs";
import { ROOT, stackConfig } from "./helpers";

describe("Pulumi.yaml, stack files and docs/configuration.md agree with the config schema", () => {
    const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    const keysPage = fs.readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8");

    it("Pulumi.yaml and the key table of docs/configuration.md are what `npm run docs:config` generates from the schema", () => {
        assert.deepEqual(
            staleFiles().map((s) => path.relative(ROOT, s.file)),
            [],
            "run `npm run docs:config` and commit the result",
        );
    });

    it("is the connect-analytics TypeScript project", () => {
        assert.equal(project.name, "connect-analytics");
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: true, packagemanager: "npm" } });
    });

    it("declares every scalar key with its type, default and description", () => {
        for (const [key, spec] of KEY_SPECS) {
            if (isStructured(spec)) continue;
            const decl = project.config[key];
            assert.ok(decl, `Pulumi.yaml does not declare ${key}`);
            assert.equal(decl.type, spec.type === "number" ? "integer" : spec.type, key);
            if (spec.type === "array" && spec.items) assert.deepEqual(decl.items, { type: spec.items }, key);
            assert.equal(decl.description, spec.description, key);
            if (spec.required) assert.ok(!("default" in decl), `${key} is required and has no default`);
            else assert.deepEqual(decl.default, spec.default ?? "", key);
        }
        const known = new Set(KEY_SPECS.map(([key]) => key as string));
        assert.deepEqual(
            Object.keys(project.config).filter((k) => !known.has(k)),
            [],
            "no declared key is unknown to the program",
        );
    });

    it("documents the structured keys it cannot declare", () => {
        const text = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
        for (const [key, spec] of KEY_SPECS) {
            if (isStructured(spec)) assert.match(text, new RegExp(`^#\\s+${key}:`, "m"), key);
        }
    });

    it("documents every key in docs/configuration.md", () => {
        for (const [key] of KEY_SPECS) {
            assert.match(keysPage, new RegExp("\\| `" + key + "` \\|"), `docs/configuration.md lacks ${key}`);
        }
    });

    it("ships example stack files that validate, with ap-southeast-2 and a side each", () => {
        for (const stack of ["producer", "consumer"] as const) {
            const config = parseConfig(stackConfig(stack));
            assert.equal(config.side, stack);
            assert.equal(config.region, "ap-southeast-2");
        }
    });
});
