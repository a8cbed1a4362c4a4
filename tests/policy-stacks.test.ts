/**
 * The policy pack over the real stacks: both example stacks (planned offline with planBoth) give
 * 0 violations, under their default config and under the settings that change what they create;
 * the same plans with one control removed are caught; the policy config follows each stack's
 * settings; and `npm run policy` (policy/check.ts) exits 0, 1 or 2 as documented.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planBoth, PlannedResource, PlanResult } from "../plan/run";
import { checkPlan, checkStacks } from "../policy/check";
import { ResourceFixture } from "../policy/harness";
import { allowGrantOptionFor, packConfigFor } from "../policy/packConfig";
import { ALL_POLICIES, lakeformationGrantLeastPrivilege } from "../policy/rules";
import { ROOT, runScript, stackConfig } from "./helpers";

const policyCli = (args: string[]) => runScript("policy/check.ts", args);

function configsWith(overrides: Record<string, unknown>, consumer: Record<string, unknown> = overrides) {
    return { producer: stackConfig("producer", overrides), consumer: stackConfig("consumer", consumer) };
}

/** A copy of the plan's resources with one changed (`undefined` drops it). */
function edit(
    plan: PlanResult,
    name: string,
    change: (r: PlannedResource) => PlannedResource | undefined,
): ResourceFixture[] {
    assert.ok(
        plan.resources.some((r) => r.name === name),
        `plan of ${plan.stack} has ${name}`,
    );
    return plan.resources.flatMap((r) => {
        if (r.name !== name) return [r];
        const changed = change(JSON.parse(JSON.stringify(r)) as PlannedResource);
        return changed ? [changed] : [];
    });
}

const STRICT = packConfigFor({});

describe("policy pack over the stacks", () => {
    let plans: Awaited<ReturnType<typeof planBoth>>;

    before(async () => {
        plans = await planBoth({ configs: configsWith({}) });
    });

    it("both default stacks give 0 violations", async () => {
        const report = await checkStacks({ configs: configsWith({}) });
        assert.deepEqual(
            report.stacks.map((s) => s.stack),
            ["producer", "consumer"],
        );
        assert.deepEqual(
            report.stacks.flatMap((s) => s.violations),
            [],
        );
        assert.equal(report.mandatory, 0);
        assert.deepEqual(
            report.rules,
            ALL_POLICIES.map((p) => p.name),
        );
    });

    it("the default stacks hold what the rules check, so 0 is not vacuous", () => {
        const types = (plan: PlanResult) => new Set(plan.resources.map((r) => r.type));
        const consumer = types(plans.consumer);
        for (const t of [
            "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy",
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:athena/workgroup:Workgroup",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:lambda/function:Function",
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
            "aws:sqs/queue:Queue",
            "aws:lakeformation/permissions:Permissions",
        ]) {
            assert.ok(consumer.has(t), `consumer plan has ${t}`);
        }
        assert.ok(types(plans.producer).has("aws:lakeformation/permissions:Permissions"));
    });

    for (const [label, producer, consumer] of [
        ["grantWithGrantOption: true", { grantWithGrantOption: true }, { grantWithGrantOption: true }],
        [
            "detailed monitoring (X-Ray on *) and a customer managed KMS key",
            {},
            {
                enableDetailedMonitoring: true,
                kmsKeyArn: "arn:aws:kms:ap-southeast-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            },
        ],
        [
            "LF-tag mode with managed data lake settings and a column exclusion",
            {
                sharingMode: "lfTags",
                manageDataLakeSettings: true,
                dataLakeAdmins: ["arn:aws:iam::111111111111:role/admin"],
                excludedColumns: { users: ["email"] },
            },
            {
                sharingMode: "lfTags",
                manageDataLakeSettings: true,
                dataLakeAdmins: ["arn:aws:iam::222222222222:role/admin"],
                excludedColumns: { users: ["email"] },
            },
        ],
    ] as const) {
        it(`both stacks give 0 violations with ${label}`, async () => {
            const report = await checkStacks({ configs: configsWith(producer, consumer) });
            assert.deepEqual(
                report.stacks.flatMap((s) => s.violations),
                [],
            );
        });
    }

    it("the producer's grants with the grant option pass only because its config allows it", async () => {
        const configs = configsWith({ grantWithGrantOption: true });
        const { producer } = await planBoth({ configs });
        assert.ok(
            producer.permissions.some((g) => g.grantable.length > 0),
            "the producer grants with the grant option",
        );
        const derived = await checkPlan(producer, packConfigFor(configs.producer));
        assert.deepEqual(derived.violations, []);
        const strict = await checkPlan(producer, STRICT);
        const grants = producer.resources
            .filter((r) => r.type === "aws:lakeformation/permissions:Permissions")
            .map((r) => r.name);
        assert.deepEqual(strict.violations.map((v) => v.resource).sort(), [...grants].sort());
        assert.ok(
            strict.violations.every(
                (v) => v.policy === lakeformationGrantLeastPrivilege.name && /grant option/.test(v.message),
            ),
        );
    });

    describe("the default plans with one control removed are caught", () => {
        const cases: Array<[string, string, (r: PlannedResource) => PlannedResource | undefined, string, string]> = [
            [
                "no public access block on the results bucket",
                "export-results-public-access",
                () => undefined,
                "s3-bucket-public-access-blocked",
                "export-results-bucket",
            ],
            [
                "no encryption on the exports bucket",
                "export-exports-encryption",
                () => undefined,
                "s3-bucket-encrypted",
                "export-exports-bucket",
            ],
            [
                "no TLS-only policy on the exports bucket",
                "export-exports-tls-only",
                () => undefined,
                "s3-bucket-tls-only",
                "export-exports-bucket",
            ],
            [
                "a log group without retention",
                "export-logs",
                (r) => ({ ...r, inputs: { ...r.inputs, retentionInDays: undefined } }),
                "cloudwatch-log-group-retention",
                "export-logs",
            ],
            [
                "no failure destination for the export",
                "export-async",
                () => undefined,
                "lambda-failure-destination",
                "export-function",
            ],
            [
                "a workgroup clients can override",
                "export-workgroup",
                (r) => ({
                    ...r,
                    inputs: {
                        ...r.inputs,
                        configuration: { ...(r.inputs.configuration as object), enforceWorkgroupConfiguration: false },
                    },
                }),
                "athena-workgroup-enforced-encrypted-with-cutoff",
                "export-workgroup",
            ],
            [
                "Glue reads on Resource *",
                "consumer-data-access",
                (r) => {
                    const doc = JSON.parse(r.inputs.policy as string);
                    doc.Statement[1].Resource = "*";
                    return { ...r, inputs: { ...r.inputs, policy: JSON.stringify(doc) } };
                },
                "iam-no-wildcard-or-unscoped-allow",
                "consumer-data-access",
            ],
            [
                "DESCRIBE on a link granted as ALL",
                "consumer-connect-analytics-lambda-execution-role-222222222222.connect_analytics_consumer.users_link",
                (r) => ({ ...r, inputs: { ...r.inputs, permissions: ["ALL"] } }),
                "lakeformation-grant-least-privilege",
                "consumer-connect-analytics-lambda-execution-role-222222222222.connect_analytics_consumer.users_link",
            ],
        ];
        for (const [label, name, change, rule, resource] of cases) {
            it(label, async () => {
                const result = await checkPlan(
                    { ...plans.consumer, resources: edit(plans.consumer, name, change) },
                    STRICT,
                );
                assert.ok(result.violations.length > 0, "caught");
                assert.ok(
                    result.violations.every(
                        (v) => v.policy === rule && v.resource === resource && v.stack === "consumer",
                    ),
                    JSON.stringify(result.violations, null, 2),
                );
            });
        }
    });

    describe("policy config per stack", () => {
        it("allows the grant option for grantWithGrantOption or LF-tag mode, not otherwise", () => {
            const key = (k: string) => `connect-analytics:${k}`;
            assert.equal(allowGrantOptionFor({}), false);
            assert.equal(allowGrantOptionFor(stackConfig("producer")), false);
            assert.equal(allowGrantOptionFor({ [key("grantWithGrantOption")]: "true" }), true);
            assert.equal(allowGrantOptionFor({ [key("grantWithGrantOption")]: "false" }), false);
            assert.equal(allowGrantOptionFor({ [key("sharingMode")]: "lfTags" }), true);
            assert.equal(allowGrantOptionFor({ [key("sharingMode")]: "named" }), false);
        });
        it("is a --policy-pack-config document that keeps the rule mandatory", () => {
            assert.deepEqual(packConfigFor({ "connect-analytics:sharingMode": "lfTags" }), {
                "lakeformation-grant-least-privilege": { enforcementLevel: "mandatory", allowGrantOption: true },
            });
        });
    });

    describe("npm run policy (policy/check.ts)", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-"));
        });

        it("exits 0 on the default stacks, prints 0 violations, and writes each stack's pack config", async () => {
            const out = path.join(dir, "pack-config");
            const { code, stdout, stderr } = await policyCli(["--write-pack-config", out]);
            assert.equal(code, 0, stderr);
            assert.match(stdout, /^policy: stack producer \(producer\): \d+ resources, 0 violation\(s\)/m);
            assert.match(stdout, /^policy: stack consumer \(consumer\): \d+ resources, 0 violation\(s\)/m);
            assert.match(stdout, /^policy: 0 violation\(s\), 0 mandatory \(producer 0, consumer 0\)$/m);
            assert.doesNotMatch(stdout, /VIOLATION/);
            for (const stack of ["producer", "consumer"]) {
                const config = JSON.parse(fs.readFileSync(path.join(out, `${stack}.json`), "utf8"));
                assert.deepEqual(config, {
                    "lakeformation-grant-least-privilege": { enforcementLevel: "mandatory", allowGrantOption: false },
                });
            }
        });

        it("exits 1 and names rule, stack, resource and message when a plan violates a mandatory rule", async () => {
            const file = path.join(dir, "consumer-plan.json");
            const resources = edit(plans.consumer, "export-logs", (r) => ({
                ...r,
                inputs: { ...r.inputs, retentionInDays: undefined },
            }));
            fs.writeFileSync(file, JSON.stringify({ ...plans.consumer, resources }));
            const text = await policyCli(["--plan", file]);
            assert.equal(text.code, 1, text.stderr);
            assert.match(
                text.stdout,
                /^VIOLATION \[mandatory\] cloudwatch-log-group-retention {2}consumer\/export-logs: retentionInDays must be set/m,
            );
            assert.match(text.stdout, /^policy: 1 violation\(s\), 1 mandatory \(consumer 1\)$/m);

            const json = await policyCli(["--plan", file, "--json"]);
            assert.equal(json.code, 1);
            const doc = JSON.parse(json.stdout);
            assert.equal(doc.mandatory, 1);
            assert.deepEqual(
                doc.stacks[0].violations.map((v: { policy: string; stack: string; resource: string }) => [
                    v.policy,
                    v.stack,
                    v.resource,
                ]),
                [["cloudwatch-log-group-retention", "consumer", "export-logs"]],
            );
        });

        it("exits 0 on a saved plan that complies", async () => {
            const file = path.join(dir, "producer-plan.json");
            fs.writeFileSync(file, JSON.stringify(plans.producer));
            const { code, stdout } = await policyCli(["--plan", file]);
            assert.equal(code, 0);
            assert.match(stdout, /0 violation\(s\), 0 mandatory \(producer 0\)/);
        });

        it("exits 2 when the stacks cannot be planned or the arguments are wrong", async () => {
            const missing = await policyCli(["--config-dir", path.join(dir, "nowhere")]);
            assert.equal(missing.code, 2);
            assert.match(missing.stderr, /policy failed: .*Pulumi\.(producer|consumer)\.yaml does not exist/);
            const unknown = await policyCli(["--no-such-flag"]);
            assert.equal(unknown.code, 2);
        });

        it("exits 2 naming a flag given twice with different values; --plan takes several files", async () => {
            const r = await policyCli(["--config-dir", dir, "--config-dir", ROOT]);
            assert.equal(r.code, 2);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, /^policy failed: --config-dir given 2 times \(.*, .*\); pass it once\.\n$/);
            const file = path.join(dir, "twice-plan.json");
            fs.writeFileSync(file, JSON.stringify(plans.producer));
            const both = await policyCli(["--plan", file, "--plan", file]);
            assert.equal(both.code, 0, both.stderr);
        });

        it("exits 2 with one line naming the file for a missing or non-JSON --plan file", async () => {
            const missing = await policyCli(["--plan", path.join(dir, "no-such-plan.json")]);
            assert.equal(missing.code, 2);
            assert.match(missing.stderr, /^policy failed: --plan .*no-such-plan\.json: cannot read it \(ENOENT\)/);
            assert.doesNotMatch(missing.stderr, /\n\s+at /, "no stack trace");
            const text = path.join(dir, "not-json.json");
            fs.writeFileSync(text, "this is not a plan");
            const bad = await policyCli(["--plan", text]);
            assert.equal(bad.code, 2);
            assert.match(bad.stderr, /^policy failed: --plan .*not-json\.json: not JSON/);
            assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
        });

        it("exits 2 with one line naming the file and the expected shape for JSON that is not a plan ({}, [], no resources, resources that are not resources)", async () => {
            const cases: Array<[string, unknown, RegExp]> = [
                ["object", {}, /"stack" is missing, not the stack name/],
                ["list", [], /not a plan document \(got a list\)/],
                ["null", null, /not a plan document \(got null\)/],
                ["no-resources", { stack: "consumer", side: "consumer" }, /"resources" is missing, not a list/],
                [
                    "resources-object",
                    { stack: "consumer", side: "consumer", resources: {} },
                    /"resources" is an object, not a list/,
                ],
                ["no-side", { stack: "consumer", resources: plans.consumer.resources }, /"side" is missing/],
                ["empty-resources", { ...plans.consumer, resources: [] }, /"resources" is empty/],
                [
                    "not-resources",
                    { ...plans.consumer, resources: [...plans.consumer.resources, { x: 1 }] },
                    new RegExp(`resources\\[${plans.consumer.resources.length}\\] is not a resource`),
                ],
            ];
            for (const [name, doc, message] of cases) {
                const file = path.join(dir, `${name}.json`);
                fs.writeFileSync(file, JSON.stringify(doc));
                const r = await policyCli(["--plan", file]);
                assert.equal(r.code, 2, `${name}: ${r.stdout}`);
                assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
                assert.match(r.stderr, new RegExp(`^policy failed: --plan .*${name}\\.json: not a plan document`));
                assert.match(r.stderr, message);
                assert.match(
                    r.stderr,
                    /expected the JSON document `npm run plan -- --stack <stack> --out FILE` writes/,
                );
                assert.equal(r.stdout, "", "no report: nothing was checked");
            }
        });
    });
});
