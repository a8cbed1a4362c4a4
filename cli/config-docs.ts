/**
 * `npm run docs:config`: writes Pulumi.yaml and the key table of docs/configuration.md from lib/config/schema.ts.
 * `--check` only reports whether they are current (exit 1 when not).
 */
import * as fs from "fs";
import * as path from "path";
import { renderPulumiYaml, withKeyTable } from "../lib/config/docs";
import { REPO_ROOT as ROOT } from "../plan/configFile";

export function staleFiles(root = ROOT): Array<{ file: string; expected: string }> {
    const expected = [
        { file: path.join(root, "Pulumi.yaml"), expected: renderPulumiYaml() },
        {
            file: path.join(root, "docs", "configuration.md"),
            expected: withKeyTable(fs.readFileSync(path.join(root, "docs", "configuration.md"), "utf8")),
        },
    ];
    return expected.filter((e) => fs.readFileSync(e.file, "utf8") !== e.expected);
}

if (require.main === module) {
    const check = process.argv.includes("--check");
    const stale = staleFiles();
    for (const { file, expected } of stale) {
        if (check) {
            console.error(
                `${path.relative(ROOT, file)} is out of date with lib/config/schema.ts: run \`npm run docs:config\`.`,
            );
        } else fs.writeFileSync(file, expected);
    }
    if (!check) {
        console.log(stale.length ? `wrote ${stale.map((s) => path.relative(ROOT, s.file)).join(", ")}` : "up to date");
    }
    process.exitCode = check && stale.length > 0 ? 1 : 0;
}
