/**
 * Benchmark harness: `npm run bench [-- name-filter]`. Every `bench/*.bench.ts` exports
 * `figures`; each figure measures its cases side by side in one run and returns one JSON
 * object, printed as one line. Not part of `npm test`.
 */
import * as fs from "fs";
import * as path from "path";

export interface Figure {
    /** Stable identifier, printed as `figure`. */
    readonly name: string;
    /** Measures the figure's cases side by side and returns the numbers (ratios included). */
    run(): Promise<Record<string, unknown>>;
}

async function main(): Promise<void> {
    const filter = process.argv[2];
    const files = fs
        .readdirSync(__dirname)
        .filter((f) => f.endsWith(".bench.ts"))
        .sort();
    let failed = false;
    for (const file of files) {
        const { figures } = require(path.join(__dirname, file)) as { figures: Figure[] };
        for (const figure of figures) {
            if (filter && !figure.name.includes(filter)) continue;
            try {
                const result = await figure.run();
                console.log(
                    JSON.stringify({
                        figure: figure.name,
                        ...result,
                        node: process.version,
                        cpus: require("os").cpus().length,
                    }),
                );
            } catch (err) {
                failed = true;
                console.log(JSON.stringify({ figure: figure.name, error: String((err as Error)?.message ?? err) }));
            }
        }
    }
    if (failed) process.exitCode = 1;
}

if (require.main === module) void main();
