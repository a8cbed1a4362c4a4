/**
 * The pack directory as the Pulumi CLI runs it, without the CLI: starts `policy/` with the
 * runner the nodejs language host uses for `--policy-pack` (`@pulumi/pulumi/cmd/run-policy-pack`,
 * cwd = the pack directory, ts-node with type checking) and talks to it over the analyzer gRPC
 * protocol the engine speaks: GetAnalyzerInfo, Configure, Analyze, AnalyzeStack. This proves the
 * directory loads (PulumiPolicy.yaml, package.json `main` and version, tsconfig, `@pulumi/policy`
 * from the root node_modules) and that the rules behave there as in the harness, including
 * preview's unknown values.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { denyInsecureTransport } from "../lib/iam";
import { ALL_POLICIES, POLICY_PACK_NAME } from "../policy/rules";
import { planBoth } from "../plan/run";
import { ROOT, stackConfig } from "./helpers";

const grpc = require("@grpc/grpc-js");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const { AnalyzerClient, AnalyzerService } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

const PACK_DIR = path.join(ROOT, "policy");
/** What the engine sends for a value not known during preview (a new resource's id or ARN). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const LEVEL = ["advisory", "mandatory", "disabled", "remediate"];

interface Diagnostic {
    policy: string;
    level: string;
    message: string;
    urn: string;
}

interface Res {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    propertyDependencies?: Record<string, string[]>;
}

const urn = (r: { type: string; name: string }) => `urn:pulumi:test::connect-analytics::${r.type}::${r.name}`;

function call<T>(client: any, method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) =>
        client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
    );
}

function diagnostics(response: any): Diagnostic[] {
    return response.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        level: LEVEL[d.getEnforcementlevel()],
        message: d.getMessage(),
        urn: d.getUrn(),
    }));
}

/** JSON-safe inputs (no undefined, which Struct cannot hold). */
function struct(inputs: Record<string, unknown>): unknown {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(inputs)));
}

/** The options the engine passes with a resource: what the plan recorded (deleteBeforeReplace, protect). */
function resourceOptions(r: Res): unknown {
    const options = new analyzerPb.AnalyzerResourceOptions();
    const planned = (r as { options?: { deleteBeforeReplace?: boolean; protect?: boolean } }).options;
    if (planned?.deleteBeforeReplace) {
        options.setDeletebeforereplace(true);
        options.setDeletebeforereplacedefined(true);
    }
    options.setProtect(planned?.protect ?? false);
    return options;
}

function analyzeRequest(r: Res): unknown {
    const req = new analyzerPb.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(urn(r));
    req.setProperties(struct(r.inputs));
    req.setOptions(resourceOptions(r));
    return req;
}

function stackRequest(resources: Res[]): unknown {
    const req = new analyzerPb.AnalyzeStackRequest();
    req.setResourcesList(
        resources.map((r) => {
            const a = new analyzerPb.AnalyzerResource();
            a.setType(r.type);
            a.setName(r.name);
            a.setUrn(urn(r));
            a.setProperties(struct(r.inputs));
            a.setOptions(resourceOptions(r));
            for (const [key, names] of Object.entries(r.propertyDependencies ?? {})) {
                const deps = new analyzerPb.AnalyzerPropertyDependencies();
                deps.setUrnsList(names.map((n) => urn(resources.find((x) => x.name === n)!)));
                a.getPropertydependenciesMap().set(key, deps);
            }
            return a;
        }),
    );
    return req;
}

describe("policy pack directory under the CLI's runner (gRPC, no Pulumi CLI)", function () {
    this.timeout(180_000);
    let child: ChildProcess | undefined;
    let client: any;
    let stderr = "";

    before(async () => {
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
        // The engine address is not used by a Node pack; the language host passes the pack dir as the program.
        child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], {
            cwd: PACK_DIR,
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stderr!.on("data", (d) => (stderr += String(d)));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child!.stdout!.on("data", (d) => {
                out += String(d);
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) resolve(Number(m[1]));
            });
            child!.on("exit", (code) =>
                reject(new Error(`policy pack exited with ${code} before serving:\n${out}\n${stderr}`)),
            );
        });
        client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        if (child && child.exitCode === null) child.kill();
    });

    it("the directory has what a Node policy pack needs", () => {
        const project = YAML.parse(fs.readFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), "utf8"));
        assert.equal(typeof project.runtime === "string" ? project.runtime : project.runtime.name, "nodejs");
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8"));
        assert.equal(pkg.main, "index.ts");
        assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
        assert.equal(
            pkg.dependencies,
            undefined,
            "no dependencies of its own: they resolve from the root node_modules",
        );
        assert.equal(require.resolve("@pulumi/policy", { paths: [PACK_DIR] }), require.resolve("@pulumi/policy"));
    });

    it("serves every rule of policy/rules.ts as mandatory, with the LF rule's config schema", async () => {
        const info = await call<any>(client, "getAnalyzerInfo", new AnalyzerService.getAnalyzerInfo.requestType());
        assert.equal(info.getName(), POLICY_PACK_NAME);
        const policies = info.getPoliciesList().map((p: any) => ({
            name: p.getName(),
            level: LEVEL[p.getEnforcementlevel()],
            schema: p.getConfigschema(),
        }));
        assert.deepEqual(
            policies.map((p: any) => p.name),
            ALL_POLICIES.map((p) => p.name),
        );
        assert.ok(policies.every((p: any) => p.level === "mandatory"));
        const lf = policies.find((p: any) => p.name === "lakeformation-grant-least-privilege");
        assert.deepEqual(Object.keys(lf.schema.getProperties().toJavaScript()), ["allowGrantOption"]);
    });

    it("Analyze reports a resource rule's violation as mandatory, and nothing for a compliant resource", async () => {
        const bad = diagnostics(
            await call(
                client,
                "analyze",
                analyzeRequest({
                    type: "aws:cloudwatch/logGroup:LogGroup",
                    name: "logs",
                    inputs: { name: "/aws/lambda/f" },
                }),
            ),
        );
        assert.deepEqual(
            bad.map((d) => [d.policy, d.level]),
            [["cloudwatch-log-group-retention", "mandatory"]],
        );
        assert.match(bad[0].message, /retentionInDays must be set/);
        const good = diagnostics(
            await call(
                client,
                "analyze",
                analyzeRequest({
                    type: "aws:cloudwatch/logGroup:LogGroup",
                    name: "logs",
                    inputs: { retentionInDays: 30 },
                }),
            ),
        );
        assert.deepEqual(good, []);
    });

    it("AnalyzeStack gives 0 diagnostics on both default stacks, and blames the right URN when a control is missing", async () => {
        const plans = await planBoth({
            configs: { producer: stackConfig("producer"), consumer: stackConfig("consumer") },
        });
        for (const plan of [plans.producer, plans.consumer]) {
            const stack = diagnostics(await call(client, "analyzeStack", stackRequest(plan.resources)));
            assert.deepEqual(stack, [], `${plan.stack}: ${JSON.stringify(stack)}`);
            for (const r of plan.resources) {
                const d = diagnostics(await call(client, "analyze", analyzeRequest(r)));
                assert.deepEqual(d, [], `${plan.stack}/${r.name}: ${JSON.stringify(d)}`);
            }
        }
        const without = plans.consumer.resources.filter((r) => r.name !== "export-results-public-access");
        const d = diagnostics(await call(client, "analyzeStack", stackRequest(without)));
        assert.deepEqual(
            d.map((x) => [x.policy, x.level, x.urn]),
            [
                [
                    "s3-bucket-public-access-blocked",
                    "mandatory",
                    urn({ type: "aws:s3/bucket:Bucket", name: "export-results-bucket" }),
                ],
            ],
        );
    });

    it("takes allowGrantOption from the policy config (what --policy-pack-config passes)", async () => {
        // A grant as the stacks make it (deleteBeforeReplace), whose only fault is the grant option.
        const grant = {
            type: "aws:lakeformation/permissions:Permissions",
            name: "grant",
            inputs: {
                catalogId: "111111111111",
                principal: "arn:aws:iam::222222222222:role/r",
                table: { catalogId: "111111111111", databaseName: "db", name: "t" },
                permissions: ["DESCRIBE", "SELECT"],
                permissionsWithGrantOptions: ["DESCRIBE", "SELECT"],
            },
            options: { deleteBeforeReplace: true },
        } as Res;
        const configure = async (allow: boolean) => {
            const req = new analyzerPb.ConfigureAnalyzerRequest();
            const config = new analyzerPb.PolicyConfig();
            config.setEnforcementlevel(analyzerPb.EnforcementLevel.MANDATORY);
            config.setProperties(Struct.fromJavaScript({ allowGrantOption: allow }));
            req.getPolicyconfigMap().set("lakeformation-grant-least-privilege", config);
            await call(client, "configure", req);
        };
        try {
            const strict = diagnostics(await call(client, "analyze", analyzeRequest(grant)));
            assert.deepEqual(
                strict.map((d) => d.policy),
                ["lakeformation-grant-least-privilege"],
            );
            await configure(true);
            assert.deepEqual(diagnostics(await call(client, "analyze", analyzeRequest(grant))), []);
        } finally {
            await configure(false);
        }
    });

    it("during preview, matches companions through property dependencies and defers a rule that needs an unknown value", async () => {
        // As in a first preview: the bucket's id and ARN are unknown, so the companions' `bucket`
        // and the TLS policy document are too; the engine still knows which input came from the bucket.
        const deps = { bucket: ["b-bucket"] };
        const resources: Res[] = [
            { type: "aws:s3/bucket:Bucket", name: "b-bucket", inputs: { bucket: "bucket-b" } },
            {
                type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                name: "b-public-access",
                inputs: {
                    bucket: UNKNOWN,
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                },
                propertyDependencies: deps,
            },
            {
                type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                name: "b-encryption",
                inputs: {
                    bucket: UNKNOWN,
                    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                },
                propertyDependencies: deps,
            },
            {
                type: "aws:s3/bucketPolicy:BucketPolicy",
                name: "b-tls-only",
                inputs: { bucket: UNKNOWN, policy: UNKNOWN },
                propertyDependencies: deps,
            },
        ];
        const d = diagnostics(await call(client, "analyzeStack", stackRequest(resources)));
        assert.deepEqual(
            d.map((x) => [x.policy, x.level]),
            [["s3-bucket-tls-only", "advisory"]],
        );
        assert.match(d[0].message, /can't run policy 's3-bucket-tls-only'.* during preview/);
        // Once the value is known (pulumi up, or the offline plan), the same rule is enforced.
        resources[3].inputs.policy = JSON.stringify(denyInsecureTransport("arn:aws:s3:::bucket-b"));
        assert.deepEqual(diagnostics(await call(client, "analyzeStack", stackRequest(resources))), []);
    });
});
