/**
 * The stacks deploy exactly the hand-written expectation of tests/expected-deployments.ts: every
 * `aws.lakeformation.Permissions` (principal, catalog, resource, permissions, grant option) and
 * every data cells filter of the offline plans, for one config per data source (producerCatalog,
 * with its column-exclusion and LF-tag variants; connectAnalytics) and one with readers
 * (share-many). The expectation is data, not lib/permissions.ts: a change to the model that
 * changes a grant fails here until someone writes the new grant down.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { loadStackConfig } from "../plan/configFile";
import { planBoth, type PlanResult } from "../plan/run";
import {
    CONNECT_ANALYTICS,
    PRODUCER_CATALOG,
    PRODUCER_CATALOG_EXCLUSIONS,
    PRODUCER_CATALOG_LF_TAGS,
    SHARE_MANY,
    type ExpectedFilter,
    type ExpectedGrant,
    type ExpectedStacks,
    sorted,
} from "./expected-deployments";
import { ROOT } from "./helpers";

const GRANT = "aws:lakeformation/permissions:Permissions";
const FILTER = "aws:lakeformation/dataCellsFilter:DataCellsFilter";
const RESOURCE_KEYS = [
    "table",
    "tableWithColumns",
    "database",
    "dataCellsFilter",
    "dataLocation",
    "lfTag",
    "lfTagPolicy",
];

/** The plan's grants as their inputs say them (only the fields a grant has), in a stable order. */
function plannedGrants(plan: PlanResult): ExpectedGrant[] {
    return sorted(
        plan.resources
            .filter((r) => r.type === GRANT)
            .map((r) => {
                const i = r.inputs as Record<string, unknown>;
                const resource = Object.fromEntries(
                    RESOURCE_KEYS.filter((k) => i[k] !== undefined).map((k) => [k, i[k]]),
                );
                assert.equal(Object.keys(resource).length, 1, `${r.name}: one resource per grant`);
                return {
                    principal: i.principal,
                    catalogId: i.catalogId,
                    permissions: i.permissions,
                    permissionsWithGrantOptions: i.permissionsWithGrantOptions ?? [],
                    ...resource,
                } as ExpectedGrant;
            }),
    );
}

function plannedFilters(plan: PlanResult): ExpectedFilter[] {
    return sorted(
        plan.resources
            .filter((r) => r.type === FILTER)
            .map((r) => {
                const t = (r.inputs as { tableData: Record<string, any> }).tableData;
                return {
                    tableCatalogId: t.tableCatalogId,
                    databaseName: t.databaseName,
                    tableName: t.tableName,
                    name: t.name,
                    ...(t.rowFilter?.filterExpression !== undefined ? { rowFilter: t.rowFilter.filterExpression } : {}),
                    excludedColumnNames: t.columnWildcard.excludedColumnNames,
                };
            }),
    );
}

const configs: Array<[string, string, Record<string, string>, ExpectedStacks]> = [
    ["producerCatalog (the repo's stack files)", ".", {}, PRODUCER_CATALOG],
    [
        "producerCatalog with users' email and mobile excluded",
        ".",
        { "connect-analytics:excludedColumns": JSON.stringify({ users: ["email", "mobile"] }) },
        PRODUCER_CATALOG_EXCLUSIONS,
    ],
    [
        "producerCatalog shared by LF-tags, users' email excluded",
        ".",
        {
            "connect-analytics:sharingMode": "lfTags",
            "connect-analytics:lfTags": JSON.stringify({ domain: "contact-center", sensitivity: "general" }),
            "connect-analytics:excludedColumns": JSON.stringify({ users: ["email"] }),
        },
        PRODUCER_CATALOG_LF_TAGS,
    ],
    ["connectAnalytics (examples/connect-analytics)", "examples/connect-analytics", {}, CONNECT_ANALYTICS],
    ["connectAnalytics with readers (examples/share-many, sales consumer)", "examples/share-many", {}, SHARE_MANY],
];

describe("the stacks' grants and filters against the hand-written expectation", function () {
    this.timeout(120_000);
    for (const [name, dir, extra, expected] of configs) {
        it(`${name}: every grant of each stack and every filter, as written down`, async () => {
            const root = path.join(ROOT, dir);
            const plans = await planBoth({
                configs: {
                    producer: { ...loadStackConfig(root, "producer"), ...extra },
                    consumer: { ...loadStackConfig(root, "consumer"), ...extra },
                },
            });
            assert.deepEqual(plannedGrants(plans.producer), sorted(expected.producer), "the producer's grants");
            assert.deepEqual(plannedGrants(plans.consumer), sorted(expected.consumer), "the consumer's grants");
            assert.deepEqual(plannedFilters(plans.consumer), sorted(expected.filters), "the consumer's filters");
            assert.deepEqual(plannedFilters(plans.producer), [], "the producer makes no filter");
        });
    }
});
