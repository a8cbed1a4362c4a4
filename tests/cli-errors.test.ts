import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { AccessDeniedException } from "@aws-sdk/client-lakeformation";
import { createAwsClients } from "../cli/aws";
import { renderError } from "../cli/errors";
import { run } from "../cli/main";
import { BOTH, CONSUMER, deployment, PRODUCER, runCli } from "./cli-fake-aws";

const oneLine = (text: string) => {
    const lines = text.trim().split("\n");
    assert.equal(lines.length, 1, `expected one line, got:\n${text}`);
    assert.doesNotMatch(text, /\n\s+at /, "no stack trace");
    return lines[0];
};

describe("cli errors and arguments", () => {
    it("AccessDenied from Lake Formation names the action and the caller from STS, in one line", async () => {
        const d = deployment(3);
        d.aws.account(CONSUMER).denied.set(
            "BatchGrantPermissions",
            new AccessDeniedException({
                message: "Insufficient Lake Formation permission(s): Required Grantable on users_link",
                $metadata: {},
            }),
        );
        const r = await runCli(d, [
            "grant",
            "--outputs",
            "consumer.json",
            "--profile",
            "consumer",
            "--side",
            "consumer",
            "--json",
        ]);
        d.aws.account(CONSUMER).grants.length = 0;
        const r2 = await runCli(d, [
            "grant",
            "--outputs",
            "consumer.json",
            "--profile",
            "consumer",
            "--side",
            "consumer",
        ]);
        assert.equal(r.code, 0, "nothing to grant, nothing denied");
        assert.equal(r2.code, 1);
        const line = oneLine(r2.stderr);
        assert.match(
            line,
            /^connect-analytics: access denied: arn:aws:sts::222222222222:assumed-role\/ops-admin\/operator may not call lakeformation:BatchGrantPermissions: Insufficient Lake Formation permission/,
        );
        assert.match(
            line,
            /Fix: grant arn:aws:sts::222222222222:assumed-role\/ops-admin\/operator the Lake Formation permission/,
        );
    });

    it("metadata: a denied GetTables is one line naming glue:GetTables and the caller, exit 1", async () => {
        const d = deployment(3);
        const { AccessDeniedException: GlueDenied } = await import("@aws-sdk/client-glue");
        d.aws.account(CONSUMER).denied.set(
            "GetTables",
            new GlueDenied({
                message: "Insufficient Lake Formation permission(s) on connect_analytics_consumer",
                $metadata: {},
            }),
        );
        const r = await runCli(d, ["metadata", "--outputs", "consumer.json", "--profile", "consumer"]);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.match(
            oneLine(r.stderr),
            /access denied: arn:aws:sts::222222222222:assumed-role\/ops-admin\/operator may not call glue:GetTables: Insufficient Lake Formation permission/,
        );
    });

    it("AccessDenied from IAM names the principal and action of the message", () => {
        const err = Object.assign(
            new Error(
                "User: arn:aws:sts::222222222222:assumed-role/ro/me is not authorized to perform: glue:GetTables on resource: arn:aws:glue:ap-southeast-2:222222222222:catalog because no identity-based policy allows the glue:GetTables action",
            ),
            {
                name: "AccessDeniedException",
                awsAction: "glue:GetTables",
            },
        );
        const line = oneLine(renderError(err, { principal: "ignored" }));
        assert.match(
            line,
            /^access denied: arn:aws:sts::222222222222:assumed-role\/ro\/me may not call glue:GetTables: .* Fix: allow glue:GetTables for arn:aws:sts::222222222222:assumed-role\/ro\/me in IAM\.$/,
        );
    });

    it("expired or missing credentials are one line naming the profile and the fix", async () => {
        for (const [error, which, profile] of [
            [
                Object.assign(new Error("The security token included in the request is expired"), {
                    name: "ExpiredTokenException",
                }),
                CONSUMER,
                "consumer",
            ],
            [
                Object.assign(
                    new Error(
                        "Could not resolve credentials using profile: [producer] in configuration/credentials file(s).",
                    ),
                    { name: "CredentialsProviderError" },
                ),
                PRODUCER,
                "producer",
            ],
        ] as const) {
            const d = deployment(3);
            d.aws.account(which).failWith = error;
            const r = await runCli(d, ["verify", ...BOTH]);
            assert.equal(r.code, 1);
            const line = oneLine(r.stderr);
            assert.match(
                line,
                new RegExp(
                    `^connect-analytics: credentials \\(profile "${profile}"\\) missing or expired: .*Fix: refresh the credentials of profile "${profile}" \\(\`aws sso login --profile ${profile}\``,
                ),
            );
            assert.equal(r.stdout, "", "no partial report");
        }
    });

    it("no credentials at all and no region are one line too", () => {
        assert.match(
            oneLine(
                renderError(
                    Object.assign(new Error("Could not load credentials from any providers"), {
                        name: "CredentialsProviderError",
                    }),
                ),
            ),
            /pass --profile <name> \(or set AWS_PROFILE\)/,
        );
        assert.match(oneLine(renderError(new Error("Region is missing"))), /^no AWS region: pass --region/);
        assert.match(
            oneLine(
                renderError(
                    Object.assign(new Error("Rate exceeded"), {
                        name: "ThrottlingException",
                        awsAction: "lakeformation:ListPermissions",
                    }),
                ),
            ),
            /^lakeformation:ListPermissions still throttled after the SDK's retries: Rate exceeded\. Fix: .*--max-attempts/,
        );
    });

    it("a missing region is bad usage: exit 2, as USAGE.md says, with the fix", async () => {
        // What the SDK throws when neither --region, AWS_REGION nor the profile names a region.
        const noRegion = { send: () => Promise.reject(new Error("Region is missing")) };
        const out: string[] = [];
        const code = await run(["verify", "--producer-account", PRODUCER, "--consumer-account", CONSUMER], {
            createClients: () =>
                ({ sts: noRegion, glue: noRegion, lakeformation: noRegion, ram: noRegion, athena: noRegion }) as never,
            stdout: { write: (t: string) => out.push(t) },
            stderr: { write: (t: string) => out.push(t) },
        });
        assert.equal(code, 2);
        assert.match(out.join(""), /^connect-analytics: no AWS region: pass --region/);
    });

    it("rejects unknown flags, unknown commands and bad values with exit 2", async () => {
        const d = deployment(3);
        for (const [argv, pattern] of [
            [["verify", "--bogus"], /unknown option '--bogus'/],
            [["frobnicate"], /unknown command 'frobnicate'/],
            [["verify", "--max-attempts", "50"], /--max-attempts.*must be a whole number from 1 to 10/],
            [["verify", "--retry-mode", "yolo"], /--retry-mode.*Allowed choices are standard, adaptive/],
            [["grant", "--side", "middle"], /Allowed choices are consumer, producer, both/],
            [
                ["verify", "--producer-account", "abc", "--consumer-account", CONSUMER],
                /--producer-account: "abc" is not a 12-digit AWS account id/,
            ],
        ] as const) {
            const r = await runCli(d, [...argv]);
            assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
            assert.match(r.stderr, pattern);
        }
        assert.equal(d.aws.calls(), 0);
    });

    it("passes the retry configuration to the SDK clients, bounded", async () => {
        const d = deployment(3);
        await runCli(d, ["verify", ...BOTH, "--retry-mode", "adaptive", "--max-attempts", "7"]);
        assert.deepEqual(
            d.aws.clientOptions.map((o) => [o.profile, o.retryMode, o.maxAttempts, o.region]),
            [
                ["consumer", "adaptive", 7, "ap-southeast-2"],
                ["producer", "adaptive", 7, "ap-southeast-2"],
            ],
        );
        const clients = createAwsClients({ region: "ap-southeast-2", retryMode: "adaptive", maxAttempts: 4 });
        assert.equal(await clients.glue.config.maxAttempts(), 4);
        assert.equal(((await clients.lakeformation.config.retryStrategy()) as { mode?: string }).mode, "adaptive");
    });

    it("conflicting, repeated and ignored flags are exit 2 naming them, before any AWS call", async () => {
        const NOW = Date.parse("2026-03-10T12:00:00Z");
        const cases: Array<[string[], RegExp]> = [
            [
                ["metadata", ...BOTH, "--role-arn", `arn:aws:iam::${CONSUMER}:role/x`],
                /--role-arn: metadata does not use it/,
            ],
            [["metadata", ...BOTH, "--lf-tags", "a=b"], /--lf-tags: metadata does not use it/],
            [["relink", ...BOTH, "--grant-option"], /--grant-option: relink does not use it/],
            [["relink", ...BOTH, "--role-name", "r"], /--role-name: relink does not use it/],
            [["audit", ...BOTH, "--sharing-mode", "lfTags"], /--sharing-mode: audit does not use it/],
            [["audit", ...BOTH, "--no-grant-option"], /--no-grant-option: audit does not use it/],
            [
                ["grant", ...BOTH, "--grant-option", "--no-grant-option"],
                /--grant-option and --no-grant-option both given; pass one/,
            ],
            [
                ["grant", ...BOTH, "--role-arn", `arn:aws:iam::${CONSUMER}:role/x`, "--role-name", "y"],
                /--role-arn and --role-name both given; pass one/,
            ],
            [
                ["grant", ...BOTH, "--side", "consumer", "--side", "producer"],
                /--side given 2 times \(consumer, producer\); pass it once/,
            ],
            [["audit", ...BOTH, "--since", "7d", "--since", "1d"], /--since given 2 times \(7d, 1d\); pass it once/],
            [["verify", ...BOTH, "--region", "eu-west-1", "--region", "us-east-1"], /--region given 2 times/],
            [
                ["grant", ...BOTH, "--lf-tags", "domain=connect"],
                /--lf-tags: the share is in named sharing mode, where LF-tags play no part/,
            ],
            [
                ["verify", ...BOTH, "--sharing-mode", "lfTags", "--grant-option"],
                /--grant-option: the share is in lfTags sharing mode/,
            ],
            [
                ["audit", ...BOTH, "--since", "last week"],
                /--since: "last week" is neither a duration nor an ISO instant/,
            ],
        ];
        for (const [args, message] of cases) {
            const d = deployment(3);
            const r = await runCli(d, args, { now: NOW });
            assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
            assert.match(oneLine(r.stderr), message);
            assert.equal(d.aws.calls(), 0, `no AWS call: ${args.join(" ")}`);
        }
        const d = deployment(3);
        const connectOutputs = JSON.stringify({
            ...JSON.parse(d.files["consumer.json"]),
            dataSource: "connectAnalytics",
            sourceCatalogId: "444455556666",
        });
        const connect = await runCli(
            d,
            ["grant", "--outputs", "connect.json", "--profile", "consumer", "--no-grant-option"],
            { files: { "connect.json": connectOutputs } },
        );
        assert.equal(connect.code, 2, connect.stderr);
        assert.match(oneLine(connect.stderr), /--no-grant-option: the tables come from Connect's catalog/);
        assert.equal(d.aws.calls(), 0);
        const connectMode = await runCli(
            d,
            ["grant", "--outputs", "connect.json", "--profile", "consumer", "--sharing-mode", "named"],
            { files: { "connect.json": connectOutputs } },
        );
        assert.equal(connectMode.code, 2, connectMode.stderr);
        assert.match(oneLine(connectMode.stderr), /--sharing-mode: the tables come from Connect's catalog/);
        assert.equal(d.aws.calls(), 0);
        // The same value twice is no conflict, and --outputs is meant to repeat.
        const same = await runCli(deployment(3), [
            "metadata",
            ...BOTH,
            "--region",
            "ap-southeast-2",
            "--region",
            "ap-southeast-2",
        ]);
        assert.equal(same.code, 0, same.stderr);
    });

    it("a flag a command does not use is hidden from its help", async () => {
        const d = deployment(3);
        const r = await runCli(d, ["metadata", "--help"]);
        assert.equal(r.code, 0);
        assert.doesNotMatch(r.stdout, /--role-arn|--lf-tags|--grant-option|--sharing-mode/);
        assert.match(r.stdout, /--producer-profile/);
        const grant = await runCli(d, ["grant", "--help"]);
        assert.match(grant.stdout, /--role-arn[\s\S]*--grant-option[\s\S]*--sharing-mode[\s\S]*--lf-tags/);
    });

    it("`connect-analytics --help` (the bin, in a child process) lists its six commands, and only those: verify, datasets, metadata, grant, relink, audit", async function () {
        this.timeout(20000); // a fresh node compiling the CLI with ts-node
        const bin = path.join(__dirname, "..", "cli", "bin.js");
        const { stdout } = await promisify(execFile)(process.execPath, [bin, "--help"], { timeout: 20000 });
        const listed = [...stdout.matchAll(/^  ([a-z-]+) \[options\]/gm)].map((m) => m[1]);
        assert.deepEqual(listed, ["verify", "datasets", "metadata", "grant", "relink", "audit"]);
        assert.match(stdout, /^Usage: connect-analytics/);
    });
});
