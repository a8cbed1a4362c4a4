/**
 * The querying role's inline policies against IAM's 10,240-character aggregate: the data-access
 * policy keeps exact table ARNs while they fit beside the longest export policy, and switches to
 * `table/<database>/*` by the computed length (not a table count), at the longest names the config
 * allows (Glue names up to 255 characters: lib/names.ts GLUE_NAME).
 */
import { strict as assert } from "assert";
import {
    dataAccessStatements,
    INLINE_POLICY_LIMIT,
    longestExportPolicySize,
    policyDocument,
    policySize,
} from "../lib/iam";

const longest = (prefix: string, i: number) => `${prefix}${i}_`.padEnd(255, "x");
const scope = (tables: { name: string; linkName: string }[], db = (p: string) => p.padEnd(255, "d")) => ({
    region: "ap-southeast-4",
    producerAccountId: "111111111111",
    consumerAccountId: "222222222222",
    producerDatabaseName: db("producer"),
    consumerDatabaseName: db("consumer"),
    tables,
});
const tables = (count: number, name: (i: number) => string, link: (i: number) => string) =>
    Array.from({ length: count }, (_, i) => ({ name: name(i), linkName: link(i) }));
const wildcards = (statements: ReturnType<typeof dataAccessStatements>) =>
    (statements.find((s) => s.Sid === "GlueReadLinksAndTargets")!.Resource as string[]).filter((r) => r.endsWith("/*"));

describe("IAM inline policy size (10,240 characters in all)", () => {
    it("fits beside the longest export policy at every table count, with the longest names the config allows", () => {
        const budget = INLINE_POLICY_LIMIT - longestExportPolicySize();
        for (const count of [1, 2, 5, 12, 25, 26, 100, 400]) {
            const statements = dataAccessStatements(
                scope(
                    tables(
                        count,
                        (i) => longest("t", i),
                        (i) => longest("l", i),
                    ),
                ),
            );
            const size = policySize(policyDocument(statements));
            assert.ok(size <= budget, `${count} tables: ${size} > ${budget}`);
            assert.ok(size + longestExportPolicySize() <= INLINE_POLICY_LIMIT);
        }
    });

    it("25 tables with long names already need the wildcard that a count of 25 would not have given", () => {
        // The issue's case: 25 tables, long names, exact ARNs alone over the aggregate.
        const many = tables(
            25,
            (i) => `agent_queue_statistic_record_${i}`.padEnd(60, "x"),
            (i) => `link_${i}`.padEnd(60, "x"),
        );
        const exact = dataAccessStatements(scope(many), Number.MAX_SAFE_INTEGER);
        assert.ok(policySize(policyDocument(exact)) > INLINE_POLICY_LIMIT - longestExportPolicySize());
        const decided = dataAccessStatements(scope(many));
        assert.ok(wildcards(decided).length > 0, "switched by length");
        assert.ok(policySize(policyDocument(decided)) + longestExportPolicySize() <= INLINE_POLICY_LIMIT);
    });

    it("keeps exact table ARNs while they fit (the project's defaults)", () => {
        const few = dataAccessStatements(
            scope(
                tables(
                    3,
                    (i) => ["users", "contacts", "agent_hierarchy_groups"][i],
                    (i) => `t${i}_link`,
                ),
                (p) => p,
            ),
        );
        assert.deepEqual(wildcards(few), []);
    });
});
