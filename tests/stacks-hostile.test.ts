/**
 * Hostile findings of issue 17 about which stacks the tools read: `npm start` runs the consumer's
 * export only, a producerCatalog producer plans with each consumer stack file of the folder, and
 * `npm run policy` checks every stack file of the folder (or the `--stack` ones).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack } from "../plan/run";
import { checkStacks } from "../policy/check";
import { ROOT } from "./helpers";
import { npmStart } from "./npm-start";

describe("stacks the tools read (issue 17)", function () {
    this.timeout(120_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-hostile-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("npm start refuses --stack producer: the local export is the consumer's, and nothing is touched", async () => {
        const lake = path.join(dir, "lake");
        const out = path.join(dir, "out");
        const producer = await npmStart([
            "--config-dir",
            path.join(ROOT, "examples", "share-many"),
            "--stack",
            "producer",
            "--lake",
            lake,
            "--out",
            out,
        ]);
        assert.equal(producer.code, 2, producer.stderr);
        assert.match(
            producer.stderr,
            /--stack producer: .*Pulumi\.producer\.yaml is a producer stack; the local export is the consumer's.*Fix: .*--stack consumer/,
        );
        assert.equal(fs.existsSync(lake) || fs.existsSync(out), false, "nothing was created");
    });

    it("npm start refuses --format without --target files, touching nothing", async () => {
        const lake = path.join(dir, "lake-format");
        const out = path.join(dir, "out-format");
        const format = await npmStart(["--format", "csv", "--lake", lake, "--out", out]);
        assert.equal(format.code, 2, format.stderr);
        assert.match(
            format.stderr,
            /--format csv is the files target's format, and --target is iceberg.*Fix: drop --format, or add --target files/,
        );
        assert.equal(fs.existsSync(lake) || fs.existsSync(out), false, "nothing was created");
    });

    it("a producerCatalog producer listing consumers with their stacks plans offline from the folder's stack files", async () => {
        const folder = path.join(dir, "catalog");
        fs.mkdirSync(folder);
        const consumer = fs.readFileSync(path.join(ROOT, "Pulumi.consumer.yaml"), "utf8");
        fs.writeFileSync(path.join(folder, "Pulumi.consumer.yaml"), consumer);
        fs.writeFileSync(
            path.join(folder, "Pulumi.consumer-support.yaml"),
            consumer.replace(/222222222222/g, "333333333333"),
        );
        fs.writeFileSync(
            path.join(folder, "Pulumi.producer.yaml"),
            [
                "config:",
                "  aws:region: ap-southeast-2",
                "  aws-native:region: ap-southeast-2",
                "  connect-analytics:side: producer",
                '  connect-analytics:producerAccountId: "111111111111"',
                "  connect-analytics:environment: dev",
                "  connect-analytics:consumers:",
                '    - { accountId: "222222222222", stack: organization/connect-analytics/consumer }',
                '    - { accountId: "333333333333", stack: organization/connect-analytics/consumer-support }',
                "",
            ].join("\n"),
        );
        const plan = await planStack("producer", { configDir: folder });
        const role = (account: string) => `arn:aws:iam::${account}:role/connect-analytics-lambda-execution-role`;
        for (const account of ["222222222222", "333333333333"]) {
            const grants = plan.permissions.filter((g) => g.principal === role(account));
            assert.equal(grants.length, 3, `${account}: SELECT on each of the three tables`);
        }
        // Two consumers' roles of one name: each grant's name says whose it is.
        const names = plan.resources
            .filter((r) => r.type === "aws:lakeformation/permissions:Permissions")
            .map((r) => r.name);
        assert.equal(new Set(names).size, 6, names.join("\n"));
        assert.ok(
            names.some((n) => n.includes("connect-analytics-lambda-execution-role@333333333333-")),
            names.join("\n"),
        );
    });

    it("npm run policy checks every stack file of the folder, or the --stack ones", async () => {
        const folder = path.join(ROOT, "examples", "share-many");
        const all = await checkStacks({ configDir: folder });
        assert.deepEqual(
            all.stacks.map((s) => s.stack),
            ["producer", "consumer", "consumer-support"],
        );
        assert.ok(all.stacks[2].resources > 0);
        const one = await checkStacks({ configDir: folder, stacks: ["consumer-support"] });
        assert.deepEqual(
            one.stacks.map((s) => s.stack),
            ["consumer-support"],
        );
    });
});
