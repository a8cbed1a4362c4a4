import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_KEYS, KeySpec, parseConfig } from "../lib/config";
import { ROOT, stackConfig } from "./helpers";

/** Keys Pulumi's project schema cannot type: maps, and lists that mix strings and maps. */
const structured = (spec: KeySpec) => spec.type === "object" || (spec.type === "array" && !spec.items);

describe("Pulumi.yaml, stack files and README agree with the config schema", () => {
    const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

    it("is the connect-analytics TypeScript project", () => {
        assert.equal(project.name, "connect-analytics");
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: true, packagemanager: "npm" } });
    });

    it("declares every scalar key with its type, default and description", () => {
        for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
            if (structured(spec)) continue;
            const decl = project.config[key];
            assert.ok(decl, `Pulumi.yaml does not declare ${key}`);
            assert.equal(decl.type, spec.type === "number" ? "integer" : spec.type, key);
            if (spec.items) assert.deepEqual(decl.items, { type: spec.items }, key);
            assert.equal(decl.description, spec.description, key);
            if (spec.required) assert.ok(!("default" in decl), `${key} is required and has no default`);
            else assert.deepEqual(decl.default, spec.default ?? "", key);
        }
        assert.deepEqual(
            Object.keys(project.config).filter((k) => !(k in CONFIG_KEYS)),
            [],
            "no declared key is unknown to the program",
        );
    });

    it("documents the structured keys it cannot declare", () => {
        const text = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
        for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
            if (structured(spec)) assert.match(text, new RegExp(`^#\\s+${key}:`, "m"), key);
        }
    });

    it("documents every key in the README", () => {
        for (const key of Object.keys(CONFIG_KEYS)) {
            assert.match(readme, new RegExp("\\| `" + key + "` \\|"), `README lacks ${key}`);
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
