/**
 * The CLI and the stacks agree: from the offline plan's documents of both stacks (the same
 * outputs `pulumi stack output --json` prints), the grants the CLI requires (the ones `verify`
 * checks and `grant` makes) are exactly the hand-written expectation of those stacks
 * (tests/expected-deployments.ts), in every sharing mode; the plans themselves are held to the same
 * expectation by tests/permissions-expected.test.ts.
 */
import { strict as assert } from "assert";
import { parseOutputsDocument, resolveTargets } from "../cli/targets";
import { requiredGrants, type LfGrant } from "../lib/permissions";
import { loadStackConfig, REPO_ROOT } from "../plan/configFile";
import { planBoth } from "../plan/run";
import {
    PRODUCER_CATALOG,
    PRODUCER_CATALOG_EXCLUSIONS,
    PRODUCER_CATALOG_LF_TAGS,
    type ExpectedGrant,
    type ExpectedStacks,
    sorted,
} from "./expected-deployments";

/** A grant of the CLI's model in the form the expectation is written in (aws.lakeformation.Permissions' inputs). */
function asPermissionsInputs(g: LfGrant, grantingAccount: string): ExpectedGrant {
    const r = g.resource;
    const resource =
        r.kind === "table"
            ? {
                  // The model's "*" is Lake Formation's TableWildcard (every table of the database).
                  table:
                      r.name === "*"
                          ? { catalogId: r.catalogId, databaseName: r.databaseName, wildcard: true as const }
                          : { catalogId: r.catalogId, databaseName: r.databaseName, name: r.name },
              }
            : r.kind === "tableWithColumns"
              ? {
                    tableWithColumns: {
                        catalogId: r.catalogId,
                        databaseName: r.databaseName,
                        name: r.name,
                        excludedColumnNames: [...r.excludedColumns],
                        wildcard: true as const,
                    },
                }
              : r.kind === "database"
                ? { database: { catalogId: r.catalogId, name: r.databaseName } }
                : r.kind === "dataLocation"
                  ? { dataLocation: { catalogId: r.catalogId, arn: r.arn } }
                  : r.kind === "lfTag"
                    ? { lfTag: { catalogId: r.catalogId, key: r.key, values: [...r.values] } }
                    : r.kind === "lfTagPolicy"
                      ? {
                            lfTagPolicy: {
                                catalogId: r.catalogId,
                                resourceType: "TABLE" as const,
                                expressions: r.expression.map((c) => ({ key: c.key, values: [...c.values] })),
                            },
                        }
                      : {
                            dataCellsFilter: {
                                tableCatalogId: r.catalogId,
                                databaseName: r.databaseName,
                                tableName: r.tableName,
                                name: r.name,
                            },
                        };
    return {
        principal: g.principal,
        catalogId: grantingAccount,
        permissions: [...g.permissions],
        permissionsWithGrantOptions: [...g.grantable],
        ...resource,
    };
}

describe("cli contract with the stacks' outputs", function () {
    this.timeout(60000); // plans both stacks three times under Pulumi mocks

    const variants: Array<[string, Record<string, string>, ExpectedStacks]> = [
        ["default config", {}, PRODUCER_CATALOG],
        [
            "column exclusions",
            { "connect-analytics:excludedColumns": JSON.stringify({ users: ["email", "mobile"] }) },
            PRODUCER_CATALOG_EXCLUSIONS,
        ],
        [
            "LF-tag sharing with exclusions",
            {
                "connect-analytics:sharingMode": "lfTags",
                // Not the default tags: the CLI must read them from the outputs.
                "connect-analytics:lfTags": JSON.stringify({ domain: "contact-center", sensitivity: "general" }),
                "connect-analytics:excludedColumns": JSON.stringify({ users: ["email"] }),
            },
            PRODUCER_CATALOG_LF_TAGS,
        ],
    ];
    for (const [name, extra, expected] of variants) {
        it(`${name}: the grants the CLI requires, read from the plan's outputs, are the hand-written ones`, async () => {
            const configs = {
                producer: { ...loadStackConfig(REPO_ROOT, "producer"), ...extra },
                consumer: { ...loadStackConfig(REPO_ROOT, "consumer"), ...extra },
            };
            const plans = await planBoth({ configs });
            // Through JSON, as a file would carry them.
            const outputs = [
                ...parseOutputsDocument(JSON.parse(JSON.stringify(plans.consumer)), "consumer.json"),
                ...parseOutputsDocument(JSON.parse(JSON.stringify(plans.producer)), "producer.json"),
            ];
            const { model } = resolveTargets(outputs, {});
            const required = requiredGrants(model);
            const of = (side: LfGrant["side"], account: string) =>
                sorted(required.filter((g) => g.side === side).map((g) => asPermissionsInputs(g, account)));
            assert.deepEqual(of("producer", model.producerAccountId), sorted(expected.producer));
            assert.deepEqual(of("consumer", model.consumerAccountId), sorted(expected.consumer));
        });
    }
});
