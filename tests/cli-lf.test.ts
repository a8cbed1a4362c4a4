import { strict as assert } from "assert";
import { PrincipalResourcePermissions, Resource } from "@aws-sdk/client-lakeformation";
import { invitationCheck, settingsChecks } from "../cli/checks";
import { planGrants } from "../cli/grant";
import { covers, fromSdkResource, grantsFromListing, shortfall, toSdkResource } from "../cli/lf";
import { LfGrant, LfResource, resourceKey } from "../lib/permissions";

const P = "111111111111";
const ROLE = "arn:aws:iam::222222222222:role/r";

describe("cli Lake Formation resources and grants", () => {
    it("maps every ListPermissions resource shape the model knows to an LfResource", () => {
        const cases: Array<[Resource, LfResource | undefined]> = [
            [
                { Table: { CatalogId: P, DatabaseName: "db", Name: "t" } },
                { kind: "table", catalogId: P, databaseName: "db", name: "t" },
            ],
            [
                { Table: { CatalogId: P, DatabaseName: "db", TableWildcard: {} } },
                { kind: "table", catalogId: P, databaseName: "db", name: "*" },
            ],
            // SELECT on a whole table comes back as a column wildcard that excludes nothing: the table.
            [
                { TableWithColumns: { CatalogId: P, DatabaseName: "db", Name: "t", ColumnWildcard: {} } },
                { kind: "table", catalogId: P, databaseName: "db", name: "t" },
            ],
            [
                {
                    TableWithColumns: {
                        CatalogId: P,
                        DatabaseName: "db",
                        Name: "users",
                        ColumnWildcard: { ExcludedColumnNames: ["phone", "email"] },
                    },
                },
                {
                    kind: "tableWithColumns",
                    catalogId: P,
                    databaseName: "db",
                    name: "users",
                    excludedColumns: ["email", "phone"],
                },
            ],
            [{ TableWithColumns: { CatalogId: P, DatabaseName: "db", Name: "t", ColumnNames: ["a"] } }, undefined],
            [{ Database: { CatalogId: P, Name: "db" } }, { kind: "database", catalogId: P, databaseName: "db" }],
            [
                {
                    LFTagPolicy: {
                        CatalogId: P,
                        ResourceType: "TABLE",
                        Expression: [{ TagKey: "pii", TagValues: ["false"] }],
                    },
                },
                {
                    kind: "lfTagPolicy",
                    catalogId: P,
                    resourceType: "TABLE",
                    expression: [{ key: "pii", values: ["false"] }],
                },
            ],
            [{ LFTagPolicy: { CatalogId: P, ResourceType: "TABLE", ExpressionName: "saved" } }, undefined],
            [
                { LFTag: { CatalogId: P, TagKey: "pii", TagValues: ["true", "false"] } },
                { kind: "lfTag", catalogId: P, key: "pii", values: ["false", "true"] },
            ],
            // The export's role holds DATA_LOCATION_ACCESS on its Iceberg location.
            [
                { DataLocation: { ResourceArn: "arn:aws:s3:::b/connect/iceberg" } },
                { kind: "dataLocation", catalogId: "999999999999", arn: "arn:aws:s3:::b/connect/iceberg" },
            ],
            [{ DataCellsFilter: { DatabaseName: "db", TableName: "t" } }, undefined],
            [
                { Table: { DatabaseName: "db", Name: "t" } },
                { kind: "table", catalogId: "999999999999", databaseName: "db", name: "t" },
            ],
        ];
        for (const [sdk, expected] of cases) {
            const got = fromSdkResource(sdk, expected?.catalogId === "999999999999" ? "999999999999" : P);
            assert.deepEqual(got, expected, JSON.stringify(sdk));
        }
    });

    it("round-trips model resources through the SDK shape", () => {
        const resources: LfResource[] = [
            { kind: "table", catalogId: P, databaseName: "db", name: "t" },
            { kind: "table", catalogId: P, databaseName: "db", name: "*" },
            { kind: "tableWithColumns", catalogId: P, databaseName: "db", name: "t", excludedColumns: ["a", "b"] },
            { kind: "database", catalogId: P, databaseName: "db" },
            { kind: "lfTagPolicy", catalogId: P, resourceType: "DATABASE", expression: [{ key: "k", values: ["v"] }] },
            { kind: "lfTag", catalogId: P, key: "k", values: ["v"] },
        ];
        for (const r of resources) assert.equal(resourceKey(fromSdkResource(toSdkResource(r), "x")!), resourceKey(r));
    });

    it("merges the entries Lake Formation splits into one grant per principal and resource", () => {
        const entries: PrincipalResourcePermissions[] = [
            {
                Principal: { DataLakePrincipalIdentifier: ROLE },
                Resource: { Table: { CatalogId: P, DatabaseName: "db", Name: "t" } },
                Permissions: ["DESCRIBE"],
                PermissionsWithGrantOption: [],
            },
            {
                Principal: { DataLakePrincipalIdentifier: ROLE },
                Resource: { TableWithColumns: { CatalogId: P, DatabaseName: "db", Name: "t", ColumnWildcard: {} } },
                Permissions: ["SELECT"],
                PermissionsWithGrantOption: ["SELECT"],
            },
            {
                Principal: { DataLakePrincipalIdentifier: ROLE },
                Resource: { Catalog: {} },
                Permissions: ["CREATE_DATABASE"],
            },
        ];
        const grants = grantsFromListing(entries, P, "producer");
        assert.equal(grants.length, 1, "the catalog grant has no kind in the model");
        assert.deepEqual(grants[0].permissions, ["DESCRIBE", "SELECT"]);
        assert.deepEqual(grants[0].grantable, ["SELECT"]);
    });

    it("covers: wildcard and whole-table grants carry over, others do not", () => {
        const t = (name: string): LfResource => ({ kind: "table", catalogId: P, databaseName: "db", name });
        const cols: LfResource = {
            kind: "tableWithColumns",
            catalogId: P,
            databaseName: "db",
            name: "t",
            excludedColumns: ["pii"],
        };
        assert.ok(covers(t("*"), t("t")));
        assert.ok(covers(t("t"), cols));
        assert.ok(covers({ ...cols, excludedColumns: [] }, t("t")));
        assert.ok(!covers(cols, t("t")), "a column-limited grant is not the whole table");
        assert.ok(!covers(t("u"), t("t")));
        assert.ok(!covers({ kind: "database", catalogId: P, databaseName: "db" }, t("t")));
        assert.ok(!covers({ ...t("*"), catalogId: "222222222222" }, t("t")));
    });

    it("shortfall names missing permissions and grant options; ALL stands for everything", () => {
        const required = {
            resource: { kind: "table", catalogId: P, databaseName: "db", name: "t" } as LfResource,
            permissions: ["DESCRIBE", "SELECT"] as const,
            grantable: ["SELECT"] as const,
        };
        const held = (permissions: string[], grantable: string[] = [], principal = ROLE): LfGrant => ({
            side: "producer",
            principal,
            resource: required.resource,
            permissions: permissions as LfGrant["permissions"],
            grantable: grantable as LfGrant["grantable"],
        });
        assert.deepEqual(shortfall(required, [held(["DESCRIBE"])], ROLE), {
            missing: ["SELECT"],
            missingGrantable: ["SELECT"],
        });
        assert.deepEqual(shortfall(required, [held(["DESCRIBE", "SELECT"], ["SELECT"])], ROLE), {
            missing: [],
            missingGrantable: [],
        });
        assert.deepEqual(shortfall(required, [held(["ALL"], ["ALL"])], ROLE), { missing: [], missingGrantable: [] });
        assert.deepEqual(
            shortfall(required, [held(["DESCRIBE", "SELECT"], ["SELECT"], "someone-else")], ROLE).missing,
            ["DESCRIBE", "SELECT"],
        );
    });

    it("planGrants grants only what is missing, grant option included", () => {
        const r: LfResource = { kind: "table", catalogId: P, databaseName: "db", name: "t" };
        const want: LfGrant = {
            side: "producer",
            principal: ROLE,
            resource: r,
            permissions: ["DESCRIBE", "SELECT"],
            grantable: ["DESCRIBE", "SELECT"],
        };
        const { present, missing } = planGrants(
            [want],
            [{ ...want, permissions: ["DESCRIBE", "SELECT"], grantable: ["DESCRIBE"] }],
        );
        assert.deepEqual(present, []);
        assert.deepEqual(
            missing.map((g) => [g.permissions, g.grantable]),
            [[["SELECT"], ["SELECT"]]],
        );
        assert.equal(planGrants([want], [want]).present.length, 1);
    });
});

describe("cli checks (pure)", () => {
    const model = {
        producerAccountId: P,
        consumerAccountId: "222222222222",
        producerDatabaseName: "db",
        consumerDatabaseName: "cdb",
        tables: [{ name: "t", linkName: "t_link" }],
        consumerPrincipalArn: ROLE,
        grantWithGrantOption: false,
        enableResourceLinks: true,
    };

    it("IAMAllowedPrincipals defaults FAIL in the producer and WARN in the consumer", () => {
        const settings = {
            CreateDatabaseDefaultPermissions: [
                { Principal: { DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" }, Permissions: ["ALL" as const] },
            ],
            Parameters: { CROSS_ACCOUNT_VERSION: "4" },
        };
        assert.deepEqual(
            settingsChecks("producer", P, settings).map((c) => c.status),
            ["FAIL"],
        );
        assert.deepEqual(
            settingsChecks("consumer", "222222222222", settings).map((c) => c.status),
            ["WARN"],
        );
        assert.deepEqual(
            settingsChecks("producer", P, {}).map((c) => c.id),
            ["settings:producer:version"],
            "unset version is 1",
        );
        assert.deepEqual(
            settingsChecks("consumer", "222222222222", {}).map((c) => c.status),
            ["PASS"],
            "the consumer needs no version",
        );
    });

    it("only pending invitations from the producer are a FAIL", () => {
        const inv = (status: string, sender: string) => ({
            status: status as "PENDING",
            senderAccountId: sender,
            resourceShareInvitationArn: `arn:${status}:${sender}`,
        });
        assert.deepEqual(
            invitationCheck(model, [inv("PENDING", "333333333333"), inv("ACCEPTED", P), inv("REJECTED", P)]).map(
                (c) => c.status,
            ),
            ["PASS"],
        );
        const failed = invitationCheck(model, [inv("PENDING", P), inv("PENDING", P)], { region: "eu-west-1" });
        assert.deepEqual(
            failed.map((c) => c.status),
            ["FAIL", "FAIL"],
        );
        assert.match(failed[0].fix!, /--resource-share-invitation-arn arn:PENDING:111111111111 --region eu-west-1$/);
    });
});

describe("listFilters", () => {
    it("lists every filter in one call without Table at the documented page size, whether there are 3 tables or 200", async () => {
        const { LakeFormationClient, ListDataCellsFilterCommand } = await import("@aws-sdk/client-lakeformation");
        const { mockClient } = await import("aws-sdk-client-mock");
        const { listFilters } = await import("../cli/lf");
        for (const tables of [3, 200]) {
            const lf = new LakeFormationClient({ region: "ap-southeast-2" });
            const mock = mockClient(lf);
            const all = Array.from({ length: tables }, (_, i) => ({
                TableCatalogId: P,
                DatabaseName: "db",
                TableName: `t${i}`,
                Name: `reader-t${i}`,
            }));
            mock.on(ListDataCellsFilterCommand).callsFake(
                async (input: { MaxResults?: number; NextToken?: string; Table?: unknown }) => {
                    // The API's page: at most 1000 (API_ListDataCellsFilter.html), 100 when none is asked for.
                    const size = Math.min(input.MaxResults ?? 100, 1000);
                    const start = Number(input.NextToken ?? 0);
                    const items = all.slice(start, start + size);
                    return {
                        DataCellsFilters: items,
                        NextToken: start + size < all.length ? String(start + size) : undefined,
                    };
                },
            );
            const found = await listFilters(lf);
            assert.equal(found.length, tables);
            const calls = mock.commandCalls(ListDataCellsFilterCommand);
            assert.equal(calls.length, 1, `${tables} tables: one call`);
            assert.equal(calls[0].args[0].input.Table, undefined, "no Table: every filter at once");
            assert.equal(calls[0].args[0].input.MaxResults, 1000);
        }
    });
});
