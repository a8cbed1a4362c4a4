import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planBoth, planStack } from "../plan/run";
import { plan, ROOT, runScript } from "./helpers";

const planCli = (args: string[]) => runScript("plan/cli.ts", args);

function configDir(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

const KINDS = ["table", "tableWithColumns", "database", "lfTagPolicy", "lfTag", "dataCellsFilter", "dataLocation"];

function assertContract(doc: any, stack: string): void {
    assert.deepEqual(Object.keys(doc).sort(), [
        "effectiveAccess",
        "outputs",
        "permissions",
        "resources",
        "side",
        "stack",
        "warnings",
    ]);
    for (const a of doc.effectiveAccess) {
        assert.deepEqual(Object.keys(a).sort(), [
            "columns",
            "describe",
            "link",
            "linkVisible",
            "principal",
            "rows",
            "select",
            "table",
        ]);
    }
    assert.equal(doc.stack, stack);
    for (const r of doc.resources) {
        assert.deepEqual(Object.keys(r).sort(), ["inputs", "name", "options", "parent", "type"]);
        assert.deepEqual(Object.keys(r.options).sort(), [
            "deleteBeforeReplace",
            "importId",
            "protect",
            "retainOnDelete",
        ]);
        assert.match(r.type, /^[\w-]+:[\w/.-]*:[\w]+$/, `type token ${r.type}`);
        assert.ok(
            r.parent === null || doc.resources.some((p: any) => p.name === r.parent),
            `parent ${r.parent} of ${r.name} is a planned resource`,
        );
        assert.equal(typeof r.inputs, "object");
    }
    for (const p of doc.permissions) {
        assert.deepEqual(Object.keys(p).sort(), ["grantable", "permissions", "principal", "resource"]);
        assert.match(p.principal, /^arn:aws:iam::\d{12}:role\/.+$/);
        assert.ok(KINDS.includes(p.resource.kind), p.resource.kind);
        assert.match(p.resource.catalogId, /^\d{12}$/);
        assert.ok(p.grantable.every((g: string) => p.permissions.includes(g)));
    }
}

describe("npm run plan (offline plan CLI)", function () {
    this.timeout(120_000);

    it("prints exactly one JSON document for the example consumer stack", async () => {
        const { code, stdout } = await planCli(["--stack", "consumer", "--json"]);
        assert.equal(code, 0);
        const doc = JSON.parse(stdout);
        assertContract(doc, "consumer");
        assert.ok(
            doc.resources.some(
                (r: any) => r.type === "connect-analytics:consumer:ConsumerLinkSet" && r.parent === null,
            ),
        );
        assert.equal(
            doc.outputs.lambdaRoleArn,
            "arn:aws:iam::222222222222:role/connect-analytics-lambda-execution-role",
        );
    });

    it("prints exactly one JSON document for the example producer stack", async () => {
        const { code, stdout } = await planCli(["--stack", "producer", "--json"]);
        assert.equal(code, 0);
        const doc = JSON.parse(stdout);
        assertContract(doc, "producer");
        assert.deepEqual(
            doc.permissions.map((p: any) => [p.resource.catalogId, p.resource.name, p.permissions]),
            // The plan lists grants in a stable order: by principal, then resource.
            ["agent_hierarchy_groups", "contacts", "users"].map((t) => ["111111111111", t, ["DESCRIBE", "SELECT"]]),
        );
    });

    it("plans any valid config folder, and prints a readable tree and permission matrix without --json", async () => {
        const tables = "\n" + ["users", "contact_record"].map((t) => `    - ${t}`).join("\n");
        const common = (side: string) =>
            `config:\n  aws:region: eu-west-2\n  aws-native:region: eu-west-2\n  connect-analytics:side: ${side}\n  connect-analytics:producerAccountId: "012345678901"\n` +
            `  connect-analytics:consumerAccountId: "109876543210"\n  connect-analytics:tables:${tables}\n`;
        const dir = configDir({
            "Pulumi.producer.yaml":
                common("producer") + "  connect-analytics:consumerStack: acme/connect-analytics/consumer\n",
            "Pulumi.consumer.yaml":
                common("consumer") + "  connect-analytics:producerStack: acme/connect-analytics/producer\n",
        });
        const { code, stdout } = await planCli(["--stack", "producer", "--config-dir", dir]);
        assert.equal(code, 0);
        assert.match(stdout, /connect-analytics:producer:ProducerShare {2}producer/);
        assert.match(
            stdout,
            /arn:aws:iam::109876543210:role\/connect-analytics-lambda-execution-role {2}012345678901 {2}012345678901:connect_datalake\.contact_record {2}DESCRIBE,SELECT/,
        );
    });

    it("exits non-zero with every validation message on bad config", async () => {
        const dir = configDir({
            "Pulumi.consumer.yaml":
                'config:\n  aws:region: ap-southeast-2\n  connect-analytics:side: consumer\n  connect-analytics:producerAccountId: "1"\n  connect-analytics:consumerAccountId: "222222222222"\n  connect-analytics:tables: []\n',
        });
        const { code, stdout, stderr } = await planCli(["--stack", "consumer", "--config-dir", dir, "--json"]);
        assert.equal(code, 1);
        assert.equal(stdout, "");
        assert.match(stderr, /connect-analytics:producerAccountId: must be a 12-digit AWS account id/);
        assert.match(stderr, /connect-analytics:tables: must list at least one table/);
        assert.doesNotMatch(stderr, /at .*\.ts:\d+/, "no stack trace");
    });

    it("rejects a missing stack file and a missing --stack with a message", async () => {
        const missing = await planCli(["--stack", "consumer", "--config-dir", configDir({ "Pulumi.other.yaml": "" })]);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /Pulumi\.consumer\.yaml does not exist: pass --config-dir/);
        const noStack = await planCli([]);
        assert.notEqual(noStack.code, 0);
        assert.match(noStack.stderr, /required option '--stack <name>' not specified/);
    });

    it("exits 2 naming a flag given twice with different values (commander would keep the last)", async () => {
        const r = await planCli(["--stack", "consumer", "--stack", "producer", "--json"]);
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, "plan failed: --stack given 2 times (consumer, producer); pass it once.\n");
    });

    it("exits 2 for an unknown flag or a missing --stack (a bad command line), 0 for --help", async () => {
        const unknown = await planCli(["--stack", "consumer", "--bogus"]);
        assert.deepEqual([unknown.code, unknown.stdout], [2, ""]);
        assert.match(unknown.stderr, /unknown option '--bogus'/);
        const missing = await planCli(["--json"]);
        assert.deepEqual([missing.code, missing.stdout], [2, ""]);
        assert.match(missing.stderr, /required option '--stack <name>' not specified/);
        assert.equal((await planCli(["--help"])).code, 0);
    });

    it("exits 2 naming the flag for a --config-dir that is missing, a file or holds no stack file, and a --stack that does not exist", async () => {
        const dir = configDir({ "Pulumi.consumer.yaml": "config: {}\n", "notes.txt": "" });
        const cases: Array<[string[], RegExp]> = [
            [
                ["--stack", "consumer", "--config-dir", path.join(dir, "nowhere")],
                /--config-dir .*nowhere: does not exist/,
            ],
            [
                ["--stack", "consumer", "--config-dir", path.join(dir, "notes.txt")],
                /--config-dir .*notes\.txt: is a file, not a folder/,
            ],
            [["--stack", "consumer", "--config-dir", configDir({})], /--config-dir .*: holds no Pulumi\.<stack>\.yaml/],
            [
                ["--stack", "staging", "--config-dir", dir],
                /Pulumi\.staging\.yaml does not exist: pass --config-dir .* or --stack with one of the stacks in .* \(consumer\)/,
            ],
            [
                ["--stack", "nosuch"],
                /Pulumi\.nosuch\.yaml does not exist: .*--stack with one of the stacks in .* \(consumer, producer\)/,
            ],
            [["--stack", "../consumer"], /--stack "\.\.\/consumer": not a stack name/],
        ];
        for (const [args, message] of cases) {
            const r = await planCli([...args, "--json"]);
            assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, message);
            assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
        }
    });
});

describe("the plan harness (in process)", function () {
    this.timeout(120_000);

    it("reports each config warning once", async () => {
        const consumer = await plan("consumer", { consumer: { tabels: ["users"] } });
        assert.equal(
            consumer.warnings.filter((w) => w.startsWith("connect-analytics:tabels:")).length,
            1,
            consumer.warnings.join("\n"),
        );
    });

    it("planBoth and planStack read each stack file once", async () => {
        // The module itself: a namespace import's bindings cannot be assigned.
        const fsModule: typeof fs = require("fs");
        const reads: string[] = [];
        const readFileSync = fsModule.readFileSync;
        fsModule.readFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
            if (typeof file === "string" && /Pulumi\.\w+\.yaml$/.test(file)) reads.push(path.relative(ROOT, file));
            return (readFileSync as (...args: unknown[]) => unknown)(file, ...rest);
        }) as typeof fs.readFileSync;
        const filesRead = async (run: () => Promise<unknown>) => {
            reads.length = 0;
            await run();
            return reads.sort();
        };
        try {
            assert.deepEqual(await filesRead(() => planBoth()), ["Pulumi.consumer.yaml", "Pulumi.producer.yaml"]);
            // Consumer, then its peer the producer, whose own peer is the consumer's first deployment.
            assert.deepEqual(await filesRead(() => planStack("consumer")), [
                "Pulumi.consumer.yaml",
                "Pulumi.producer.yaml",
            ]);
        } finally {
            fsModule.readFileSync = readFileSync;
        }
    });
});
