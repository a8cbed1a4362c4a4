/**
 * Readers whose names IAM tells apart but a naive name would not (issue 17): a role and a user of
 * one name, and names differing only in `-` and `_`, get distinct filters, grants and local schemas.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { parseConfig, type ReaderConfig } from "../lib/config";
import { readerSchemaOf, resolveReader } from "../functions/local/readerView";
import { loadStackConfig } from "../plan/configFile";
import { planStack } from "../plan/run";
import { ROOT } from "./helpers";

const SHARE_MANY = path.join(ROOT, "examples", "share-many");
const ACCOUNT = "222222222222";

/** The share-many stacks, the sales consumer with these readers. */
function configs(readers: unknown[]) {
    const consumer = loadStackConfig(SHARE_MANY, "consumer");
    consumer["connect-analytics:readers"] = JSON.stringify(readers);
    return { consumer, producer: loadStackConfig(SHARE_MANY, "producer") };
}

const reader = (kind: "role" | "user", name: string) => ({
    principal: `arn:aws:iam::${ACCOUNT}:${kind}/${name}`,
    tables: ["contact_record"],
    rowFilter: { column: "channel", equals: "VOICE" },
});

describe("readers IAM tells apart get distinct names (issue 17)", () => {
    for (const [what, readers] of [
        ["a role and a user of one name", [reader("role", "analyst"), reader("user", "analyst")]],
        ["names differing only in - and _", [reader("role", "sales-analyst"), reader("role", "sales_analyst")]],
    ] as const) {
        it(`${what}: the consumer plans, one filter and one filter grant each`, async () => {
            const plan = await planStack("consumer", { configs: configs([...readers]) });
            const filters = plan.resources.filter(
                (r) => r.type === "aws:lakeformation/dataCellsFilter:DataCellsFilter",
            );
            // Each reader has a filter on the shared table and one on the export's copy; a name is unique per table.
            const onTable = filters.map((f) => {
                const t = f.inputs.tableData as {
                    tableCatalogId: string;
                    databaseName: string;
                    tableName: string;
                    name: string;
                };
                return `${t.tableCatalogId}:${t.databaseName}.${t.tableName}/${t.name}`;
            });
            assert.equal(new Set(onTable).size, 4, onTable.join(", "));
            assert.equal(new Set(filters.map((f) => f.name)).size, 4, "Pulumi resource names");
            // A user's filters carry user/ in their names; a role's keep its bare name, as before.
            if (readers[1].principal.includes(":user/")) {
                assert.deepEqual(onTable.map((n) => n.slice(n.indexOf("/") + 1)).sort(), [
                    "analyst-contact_record",
                    "analyst-contact_record",
                    "user/analyst-contact_record",
                    "user/analyst-contact_record",
                ]);
            }
            const grants = plan.permissions.filter((g) => g.resource.kind === "dataCellsFilter");
            for (const r of readers) {
                assert.equal(grants.filter((g) => g.principal === r.principal).length, 2, r.principal);
            }
        });
    }

    it("local view schemas: one per reader, the usual name where no other reader shares it", () => {
        const { consumer } = configs([
            reader("role", "sales-analyst"),
            reader("role", "sales_analyst"),
            reader("role", "analyst"),
            reader("user", "analyst"),
            reader("role", "planner"),
        ]);
        const readers: readonly ReaderConfig[] = parseConfig(consumer).readers;
        const schemas = readers.map((r) => readerSchemaOf(r.principal, readers));
        assert.equal(new Set(schemas).size, readers.length, schemas.join(", "));
        assert.equal(schemas[4], "reader_planner");
        assert.equal(schemas[3].startsWith("reader_user_analyst"), true, schemas[3]);
        assert.match(schemas[0], /^reader_sales_analyst_[0-9a-f]{6}$/);
        const local = ["contacts", "users", "agent_hierarchy_groups"];
        const resolved = ["sales-analyst", "sales_analyst"].map((as) => resolveReader(readers, as, local, "x").schema);
        assert.notEqual(resolved[0], resolved[1]);
    });
});
