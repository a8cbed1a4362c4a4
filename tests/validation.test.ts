/**
 * Validation that a review found no test held:
 *  - every account id, ARN and principal the config takes is checked against a pattern anchored at
 *    both ends: the value with a character before it or after it, or a digit too many, is refused
 *    naming the key, while the value itself is accepted (so a pattern that lost `^` or `$`, or a
 *    key that is not checked at all, fails here);
 *  - the stacks' bucket policies name exactly their bucket (and its objects), never `*`;
 *  - the export's logger writes exactly the levels at and above LOG_LEVEL, at each level, through
 *    the console method of each level.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { ConfigError, parseConfig } from "../lib/config";
import { createJsonLogger, parseLogLevel } from "../functions/log";
import type { LogLevel } from "../functions/types";
import { loadStackConfig } from "../plan/configFile";
import { planBoth } from "../plan/run";
import { ofType, ROOT } from "./helpers";

const CONSUMER = "222222222222";
const ROLE = `arn:aws:iam::${CONSUMER}:role/analyst`;

/** The config of a stack file of `dir` (repo root by default) with `connect-analytics:` overrides. */
function config(side: "producer" | "consumer", overrides: Record<string, unknown>, dir = "."): Record<string, string> {
    const raw = loadStackConfig(path.join(ROOT, dir), side);
    for (const [key, value] of Object.entries(overrides)) {
        raw[`connect-analytics:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}

/** The keys whose issues the config reports, or [] when it is accepted. */
function rejectedKeys(raw: Record<string, string>): string[] {
    try {
        parseConfig(raw);
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.issues.map((i) => i.key);
    }
}

/** Values a pattern anchored at both ends refuses, around a valid one. */
const around = (good: string, tail = "#1") => [`x${good}`, `${good}${tail}`, ` ${good}`];
const accountIds = (good: string) => [`${good}3`, `x${good}`, `${good}x`, good.slice(1)];

interface Case {
    readonly name: string;
    readonly key: string;
    readonly side: "producer" | "consumer";
    readonly dir?: string;
    /** The overrides holding one value at the place under test. */
    readonly at: (value: string) => Record<string, unknown>;
    readonly good: string;
    readonly bad: string[];
}

const CONNECT = "examples/connect-analytics";
const INSTANCE = "8c2f5e3a-1b4d-4f6e-9a7b-0c1d2e3f4a5b";
const INSTANCE_ARN = `arn:aws:connect:ap-southeast-2:111111111111:instance/${INSTANCE}`;
const SHARE = "arn:aws:ram:ap-southeast-2:111111111111:resource-share/4f6e9a7b-0c1d-2e3f-4a5b-8c2f5e3a1b4d";
const KEY = `arn:aws:kms:ap-southeast-2:${CONSUMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const cases: Case[] = [
    {
        name: "producerAccountId",
        key: "producerAccountId",
        side: "consumer",
        at: (v) => ({ producerAccountId: v }),
        good: "111111111111",
        bad: accountIds("111111111111"),
    },
    {
        name: "consumerAccountId",
        key: "consumerAccountId",
        side: "consumer",
        at: (v) => ({ consumerAccountId: v }),
        good: CONSUMER,
        bad: accountIds(CONSUMER),
    },
    {
        name: "consumers[].accountId",
        key: "consumers",
        side: "producer",
        at: (v) => ({
            consumerAccountId: undefined,
            consumerStack: undefined,
            consumers: [{ accountId: v, stack: "organization/connect-analytics/consumer" }],
        }),
        good: "333333333333",
        bad: accountIds("333333333333"),
    },
    {
        name: "consumers[].roleName (the principal the producer grants)",
        key: "consumers",
        side: "producer",
        at: (v) => ({
            consumerAccountId: undefined,
            consumerStack: undefined,
            consumers: [{ accountId: "333333333333", roleName: v }],
        }),
        good: "analytics-role",
        bad: ["!analytics-role", "analytics-role!", "r".repeat(65)],
    },
    {
        name: "lambdaRoleName",
        key: "lambdaRoleName",
        side: "consumer",
        at: (v) => ({ lambdaRoleName: v }),
        good: "export-role",
        bad: ["!export-role", "export-role!", "r".repeat(65)],
    },
    {
        name: "connectInstanceId (an id)",
        key: "connectInstanceId",
        side: "producer",
        dir: CONNECT,
        at: (v) => ({ connectInstanceId: v }),
        good: INSTANCE,
        bad: around(INSTANCE, "0"),
    },
    {
        name: "connectInstanceId (an ARN)",
        key: "connectInstanceId",
        side: "producer",
        dir: CONNECT,
        at: (v) => ({ connectInstanceId: v }),
        good: INSTANCE_ARN,
        bad: [...around(INSTANCE_ARN, "0"), INSTANCE_ARN.replace(":111111111111:", ":1111111111112:")],
    },
    {
        name: "connectInstanceIds[]",
        key: "connectInstanceIds",
        side: "producer",
        dir: CONNECT,
        at: (v) => ({ connectInstanceId: undefined, connectInstanceIds: [v] }),
        good: INSTANCE,
        bad: around(INSTANCE, "0"),
    },
    {
        name: "ramShareArn",
        key: "ramShareArn",
        side: "consumer",
        dir: CONNECT,
        at: (v) => ({ ramShareArn: v }),
        good: SHARE,
        bad: [...around(SHARE), SHARE.replace(":111111111111:", ":1111111111112:")],
    },
    {
        name: "dataLakeAdmins[]",
        key: "dataLakeAdmins",
        side: "consumer",
        at: (v) => ({ manageDataLakeSettings: true, dataLakeAdmins: [v] }),
        good: ROLE,
        bad: [...around(ROLE), ROLE.replace(`::${CONSUMER}:`, `::${CONSUMER}3:`)],
    },
    {
        name: "exportReaders[]",
        key: "exportReaders",
        side: "consumer",
        at: (v) => ({ exportReaders: [v] }),
        good: ROLE,
        bad: [...around(ROLE), ROLE.replace(`::${CONSUMER}:`, `::${CONSUMER}3:`)],
    },
    {
        name: "readers[].principal",
        key: "readers",
        side: "consumer",
        dir: CONNECT,
        at: (v) => ({ readers: [{ principal: v, tables: ["users"] }] }),
        good: ROLE,
        bad: [...around(ROLE), ROLE.replace(`::${CONSUMER}:`, `::${CONSUMER}3:`)],
    },
    {
        name: "kmsKeyArn",
        key: "kmsKeyArn",
        side: "consumer",
        at: (v) => ({ kmsKeyArn: v }),
        good: KEY,
        bad: [...around(KEY), KEY.replace(`:${CONSUMER}:`, `:${CONSUMER}3:`)],
    },
];

describe("identifiers in the config: each pattern anchored at both ends, checked wherever the config takes one", () => {
    for (const c of cases) {
        it(`${c.name}: ${JSON.stringify(c.good).slice(0, 40)}... is accepted; a character before or after it, or a digit too many, is refused naming ${c.key}`, () => {
            const overrides = (v: string) =>
                Object.fromEntries(Object.entries(c.at(v)).filter(([, x]) => x !== undefined));
            const raw = (v: string) => {
                const r = config(c.side, overrides(v), c.dir);
                for (const [k, x] of Object.entries(c.at(v))) if (x === undefined) delete r[`connect-analytics:${k}`];
                return r;
            };
            assert.deepEqual(rejectedKeys(raw(c.good)), [], `${c.good} must be accepted`);
            for (const bad of c.bad) {
                assert.ok(
                    rejectedKeys(raw(bad)).includes(`connect-analytics:${c.key}`),
                    `${JSON.stringify(bad)} must be refused naming connect-analytics:${c.key}`,
                );
            }
        });
    }
});

describe("bucket policies name exactly their bucket", function () {
    this.timeout(60_000);
    it("each bucket the consumer creates: TLS-only on the bucket and its objects, access-log delivery on the logs bucket's objects only, never *", async () => {
        const plans = await planBoth({
            configs: { producer: config("producer", {}), consumer: config("consumer", {}) },
        });
        const buckets = ofType(plans.consumer, "aws:s3/bucket:Bucket").map((b) => String(b.inputs.bucket));
        const policies = ofType(plans.consumer, "aws:s3/bucketPolicy:BucketPolicy");
        assert.deepEqual(policies.map((p) => p.inputs.bucket).sort(), [...buckets].sort(), "one policy per bucket");
        const arn = (bucket: string) => `arn:aws:s3:::${bucket}`;
        const logs = buckets.find((b) => b.includes("access-logs"))!;
        const exportsBucket = buckets.find((b) => b.includes("-exports-"))!;
        for (const p of policies) {
            const bucket = String(p.inputs.bucket);
            const statements = JSON.parse(String(p.inputs.policy)).Statement as Record<string, any>[];
            const tls = statements.find((s) => s.Sid === "DenyInsecureTransport")!;
            assert.deepEqual(tls.Resource, [arn(bucket), `${arn(bucket)}/*`], `${bucket}: TLS-only`);
            const others = statements.filter((s) => s !== tls);
            if (bucket === logs) {
                assert.deepEqual(
                    others.map((s) => [s.Sid, s.Resource, s.Condition.ArnLike["aws:SourceArn"]]),
                    [["S3ServerAccessLogsDelivery", [`${arn(logs)}/*`], [arn(exportsBucket)]]],
                );
            } else {
                assert.deepEqual(others, [], `${bucket}: no other statement`);
            }
            for (const s of statements) {
                for (const r of [s.Resource].flat()) assert.ok(r.startsWith(arn(bucket)), `${bucket}: ${r}`);
            }
        }
    });
});

describe("log levels", () => {
    const LEVELS: LogLevel[] = ["DEBUG", "INFO", "WARN", "ERROR"];
    for (const level of LEVELS) {
        it(`at ${level}: exactly the lines of ${level} and above are written, each through its level's sink`, () => {
            const lines: [string, LogLevel][] = [];
            const log = createJsonLogger(level, (line, at) => lines.push([JSON.parse(line).level, at]));
            log.debug("d");
            log.info("i");
            log.warn("w");
            log.error("e");
            const expected = LEVELS.slice(LEVELS.indexOf(level));
            assert.deepEqual(
                lines.map(([l]) => l),
                expected,
            );
            assert.deepEqual(
                lines.map(([, at]) => at),
                expected,
            );
        });
    }

    it("LOG_LEVEL reads the four levels in any case and around spaces; anything else is no level", () => {
        for (const level of LEVELS) {
            assert.equal(parseLogLevel(level.toLowerCase()), level);
            assert.equal(parseLogLevel(` ${level} `), level);
        }
        for (const bad of [undefined, "", "TRACE", "WARNING", "INFO,DEBUG"]) {
            assert.equal(parseLogLevel(bad), undefined);
        }
    });
});
