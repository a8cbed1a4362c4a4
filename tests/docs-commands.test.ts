/**
 * The documentation keeps its promises: every relative link and anchor resolves, and every fenced
 * `bash` block is either run or tagged with why it is not (docs/development.md, "Documented
 * commands are tested").
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { anchors, docFiles, fencedBlocks, links, SKIP_TAGS } from "./docs";
import { ROOT } from "./helpers";

describe("documentation", () => {
    const files = docFiles(ROOT);
    const text = new Map(files.map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")]));

    it("every relative link names a file of the repository, and every #anchor a heading of it", () => {
        const broken: string[] = [];
        for (const file of files) {
            for (const link of links(file, text.get(file)!)) {
                if (/^[a-z]+:/i.test(link.target)) continue; // https:, mailto:
                const [target, anchor] = link.target.split("#");
                const resolved = target ? path.normalize(path.join(path.dirname(file), target)) : file;
                const where = `${link.file}:${link.line} (${link.target})`;
                if (!fs.existsSync(path.join(ROOT, resolved))) {
                    broken.push(`${where}: no file ${resolved}`);
                } else if (anchor !== undefined && resolved.endsWith(".md")) {
                    const page = text.get(resolved) ?? fs.readFileSync(path.join(ROOT, resolved), "utf8");
                    if (!anchors(page).has(anchor)) broken.push(`${where}: no heading #${anchor} in ${resolved}`);
                }
            }
        }
        assert.deepEqual(broken, []);
    });

    it("the README links every page of docs/ and stays a front door (at most 12 KB)", () => {
        const readme = text.get("README.md")!;
        const unlinked = files.filter((f) => f.startsWith("docs/") && !readme.includes(`](${f})`));
        assert.deepEqual(unlinked, [], "pages the README does not link");
        assert.ok(Buffer.byteLength(readme) <= 12 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
    });

    it("tags each bash block only with a known reason not to run it", () => {
        const bad = files
            .flatMap((f) => fencedBlocks(f, text.get(f)!))
            .filter((b) => ["bash", "sh", "shell"].includes(b.lang))
            .filter((b) => b.lang !== "bash" || b.tags.some((t) => !(t in SKIP_TAGS)))
            .map((b) => `${b.file}:${b.line}: \`\`\`${[b.lang, ...b.tags].join(" ")}`);
        assert.deepEqual(bad, [], `use \`\`\`bash, or tag it with one of: ${Object.keys(SKIP_TAGS).join(", ")}`);
    });
});
