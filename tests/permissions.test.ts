import { strict as assert } from "assert";
import {
    consumerGrants,
    exportGrants,
    exportReaderFilters,
    LfGrant,
    LfResource,
    producerGrants,
    readerFilters,
    requiredGrants,
    describeResource,
    lfTagDefinitions,
    resourceKey,
    ShareModel,
    shareExpression,
    sortGrants,
    sortPermissions,
    tagAssignments,
} from "../lib/permissions";
import {
    grantFromResourceInputs,
    PRINCIPAL_PERMISSIONS_TYPE,
    toPermissionsArgs,
    CLASSIC_PERMISSIONS_TYPE,
} from "../lib/lfResources";
import type { ReaderConfig } from "../lib/config/types";

const model: ShareModel = {
    producerAccountId: "111111111111",
    consumerAccountId: "222222222222",
    producerDatabaseName: "connect_datalake",
    consumerDatabaseName: "connect_analytics_consumer",
    tables: [
        { name: "users", linkName: "users_link" },
        { name: "contacts", linkName: "ctr", timeColumn: "initiation_timestamp" },
    ],
    consumerPrincipalArn: "arn:aws:iam::222222222222:role/r",
    grantWithGrantOption: false,
    enableResourceLinks: true,
};

describe("permission model", () => {
    it("grants SELECT+DESCRIBE on targets in the producer catalog and DESCRIBE on links in the consumer catalog", () => {
        assert.deepEqual(
            requiredGrants(model).map((g) => [
                g.side,
                resourceKey(g.resource),
                g.permissions.join("+"),
                g.grantable.length,
            ]),
            [
                ["producer", "table:111111111111:connect_datalake.users", "DESCRIBE+SELECT", 0],
                ["producer", "table:111111111111:connect_datalake.contacts", "DESCRIBE+SELECT", 0],
                ["consumer", "table:222222222222:connect_analytics_consumer.users_link", "DESCRIBE", 0],
                ["consumer", "table:222222222222:connect_analytics_consumer.ctr", "DESCRIBE", 0],
                // Athena reads `default` first (athena/latest/ug/lf-athena-limitations.html).
                ["consumer", "database:222222222222:default", "DESCRIBE", 0],
            ],
        );
    });

    it("adds the grant option only on the producer grants, and only when asked", () => {
        const withOption = { ...model, grantWithGrantOption: true };
        assert.ok(producerGrants(withOption).every((g) => g.grantable.join() === "DESCRIBE,SELECT"));
        assert.ok(consumerGrants(withOption).every((g) => g.grantable.length === 0));
    });

    it("needs no link grants when links are off, only DESCRIBE on default", () => {
        assert.deepEqual(
            consumerGrants({ ...model, enableResourceLinks: false }).map((g) => resourceKey(g.resource)),
            ["database:222222222222:default"],
        );
    });
});

describe("grant translation", () => {
    const samples: LfGrant[] = [
        ...requiredGrants(model),
        {
            side: "producer",
            principal: model.consumerPrincipalArn,
            resource: {
                kind: "tableWithColumns",
                catalogId: "111111111111",
                databaseName: "connect_datalake",
                name: "users",
                excludedColumns: ["email", "phone"],
            },
            permissions: ["SELECT"],
            grantable: [],
        },
        {
            side: "producer",
            principal: model.consumerPrincipalArn,
            resource: {
                kind: "lfTagPolicy",
                catalogId: "111111111111",
                resourceType: "TABLE",
                expression: [{ key: "domain", values: ["connect"] }],
            },
            permissions: ["DESCRIBE", "SELECT"],
            grantable: [],
        },
        {
            side: "consumer",
            principal: "222222222222",
            resource: { kind: "database", catalogId: "222222222222", databaseName: "db" },
            permissions: ["DESCRIBE"],
            grantable: [],
        },
        {
            side: "producer",
            principal: "222222222222",
            resource: { kind: "lfTag", catalogId: "111111111111", key: "domain", values: ["connect"] },
            permissions: ["DESCRIBE"],
            grantable: ["DESCRIBE"],
        },
    ];

    it("reads back every kind of grant it writes (aws.lakeformation.Permissions)", () => {
        for (const grant of samples) {
            const args = toPermissionsArgs(grant);
            assert.equal(args.catalogId, grant.resource.catalogId);
            assert.deepEqual(
                grantFromResourceInputs(CLASSIC_PERMISSIONS_TYPE, JSON.parse(JSON.stringify(args)), grant.side),
                grant,
            );
        }
    });

    it("still reads aws-native PrincipalPermissions inputs (the policy pack must catch either)", () => {
        const grant = samples[0];
        const r = grant.resource as Extract<LfResource, { kind: "table" }>;
        const native = {
            catalog: r.catalogId,
            principal: { dataLakePrincipalIdentifier: grant.principal },
            resource: { table: { catalogId: r.catalogId, databaseName: r.databaseName, name: r.name } },
            permissions: [...grant.permissions],
            permissionsWithGrantOption: [...grant.grantable],
        };
        assert.deepEqual(grantFromResourceInputs(PRINCIPAL_PERMISSIONS_TYPE, native, grant.side), grant);
    });

    it("normalises the classic aws.lakeformation.Permissions inputs to the same shape", () => {
        const grant = grantFromResourceInputs(
            CLASSIC_PERMISSIONS_TYPE,
            {
                principal: model.consumerPrincipalArn,
                permissions: ["SELECT"],
                permissionsWithGrantOptions: [],
                tableWithColumns: {
                    catalogId: "111111111111",
                    databaseName: "connect_datalake",
                    name: "users",
                    excludedColumnNames: ["phone", "email"],
                    wildcard: true,
                },
            },
            "producer",
        );
        assert.deepEqual(
            grant,
            samples.find((s) => s.resource.kind === "tableWithColumns"),
        );
    });

    it("ignores resources that are not grants", () => {
        assert.equal(grantFromResourceInputs("aws:iam/role:Role", {}, "consumer"), undefined);
    });
});

describe("permission model helpers: LF-tag assignments, resource identity, grant order", () => {
    it("LF-tag sharing tags every shared table with the share's tags and each excluded column restricted; other modes tag nothing", () => {
        const lf = { ...model, sharingMode: "lfTags" as const, lfTags: { domain: "contact-center" } };
        const withExclusions = {
            ...lf,
            tables: [
                { name: "users", linkName: "users_link", excludedColumns: ["email"] },
                { name: "contacts", linkName: "contacts_link" },
            ],
        } as ShareModel;
        const assignments = tagAssignments(withExclusions);
        assert.deepEqual(assignments, [
            {
                catalogId: "111111111111",
                databaseName: model.producerDatabaseName,
                table: "users",
                tags: { domain: "contact-center" },
                columnTags: { email: { sensitivity: "restricted" } },
            },
            {
                catalogId: "111111111111",
                databaseName: model.producerDatabaseName,
                table: "contacts",
                tags: { domain: "contact-center" },
                columnTags: {},
            },
        ]);
        assert.deepEqual(lfTagDefinitions(assignments), {
            domain: ["contact-center"],
            sensitivity: ["restricted"],
        });
        assert.deepEqual(
            lfTagDefinitions([
                { ...assignments[0], tags: { domain: "z" } },
                { ...assignments[1], tags: { domain: "a" } },
            ]),
            { domain: ["a", "z"], sensitivity: ["restricted"] },
            "every value a key takes, sorted",
        );
        assert.deepEqual(tagAssignments({ ...withExclusions, sharingMode: "named" } as ShareModel), []);
    });

    it("a resource's key ignores the order of its columns and values, and tells apart whatever differs", () => {
        const twc = (excludedColumns: string[]): LfResource => ({
            kind: "tableWithColumns",
            catalogId: "1",
            databaseName: "db",
            name: "t",
            excludedColumns,
        });
        assert.equal(resourceKey(twc(["b", "a"])), resourceKey(twc(["a", "b"])));
        assert.notEqual(resourceKey(twc(["a"])), resourceKey(twc(["a", "b"])));
        assert.notEqual(resourceKey(twc(["ab"])), resourceKey(twc(["a", "b"])));
        const tag = (values: string[]): LfResource => ({ kind: "lfTag", catalogId: "1", key: "k", values });
        assert.equal(resourceKey(tag(["y", "x"])), resourceKey(tag(["x", "y"])));
        assert.notEqual(resourceKey(tag(["xy"])), resourceKey(tag(["x", "y"])));
        const policy = (expression: { key: string; values: string[] }[]): LfResource => ({
            kind: "lfTagPolicy",
            catalogId: "1",
            resourceType: "TABLE",
            expression,
        });
        assert.equal(
            resourceKey(
                policy([
                    { key: "b", values: ["2", "1"] },
                    { key: "a", values: ["x"] },
                ]),
            ),
            resourceKey(
                policy([
                    { key: "a", values: ["x"] },
                    { key: "b", values: ["1", "2"] },
                ]),
            ),
        );
        assert.notEqual(
            resourceKey(policy([{ key: "a", values: ["x", "y"] }])),
            resourceKey(policy([{ key: "a", values: ["xy"] }])),
        );
        assert.notEqual(
            resourceKey(
                policy([
                    { key: "a", values: ["x"] },
                    { key: "b", values: ["y"] },
                ]),
            ),
            resourceKey(policy([{ key: "a", values: ["xb=y"] }])),
        );
        const keys = [
            resourceKey({ kind: "dataCellsFilter", catalogId: "1", databaseName: "db", tableName: "t", name: "f" }),
            resourceKey({ kind: "dataCellsFilter", catalogId: "1", databaseName: "db", tableName: "t", name: "g" }),
            resourceKey({ kind: "dataLocation", catalogId: "1", arn: "arn:aws:s3:::b/p" }),
            resourceKey({ kind: "dataLocation", catalogId: "1", arn: "arn:aws:s3:::b/q" }),
            resourceKey(twc(["a"])),
            resourceKey({ kind: "table", catalogId: "1", databaseName: "db", name: "t" }),
            resourceKey(tag(["x"])),
            resourceKey(policy([{ key: "k", values: ["x"] }])),
        ];
        assert.equal(new Set(keys).size, keys.length, keys.join("\n"));
        assert.ok(keys.every((k) => k.length > 0));
    });

    it("each kind of resource reads as the CLI and plan print it", () => {
        assert.deepEqual(
            [
                { kind: "database", catalogId: "1", databaseName: "db" },
                { kind: "table", catalogId: "1", databaseName: "db", name: "t" },
                {
                    kind: "tableWithColumns",
                    catalogId: "1",
                    databaseName: "db",
                    name: "t",
                    excludedColumns: ["a", "b"],
                },
                {
                    kind: "lfTagPolicy",
                    catalogId: "1",
                    resourceType: "TABLE",
                    expression: [
                        { key: "k", values: ["x", "y"] },
                        { key: "m", values: ["z"] },
                    ],
                },
                { kind: "lfTag", catalogId: "1", key: "k", values: ["x", "y"] },
                { kind: "dataCellsFilter", catalogId: "1", databaseName: "db", tableName: "t", name: "f" },
                { kind: "dataLocation", catalogId: "1", arn: "arn:aws:s3:::b/p" },
            ].map((r) => describeResource(r as LfResource)),
            [
                "1:db",
                "1:db.t",
                "1:db.t (all columns except a, b)",
                "1:TABLE where k in (x, y) and m in (z)",
                "1:LF-tag k=x|y",
                "1:db.t through filter f",
                "1:location arn:aws:s3:::b/p",
            ],
        );
    });

    it("grants in a stable order: the producer's first, then by principal, then by resource", () => {
        const g = (side: "producer" | "consumer", principal: string, name: string): LfGrant => ({
            side,
            principal,
            resource: { kind: "table", catalogId: "1", databaseName: "db", name },
            permissions: ["SELECT"],
            grantable: [],
        });
        const order = [
            g("producer", "arn:b", "t1"),
            g("producer", "arn:b", "t2"),
            g("producer", "arn:c", "t0"),
            g("consumer", "arn:a", "t0"),
            g("consumer", "arn:a", "t9"),
        ];
        for (const shuffled of [[...order].reverse(), [order[3], order[0], order[4], order[2], order[1]]]) {
            assert.deepEqual(sortGrants(shuffled), order);
        }
    });
});

describe("permission model branches, written out", () => {
    const role = model.consumerPrincipalArn;
    const analyst = "arn:aws:iam::222222222222:role/analyst";

    it("the producer grants nothing when Connect shares the tables itself (connectAnalytics)", () => {
        assert.deepEqual(producerGrants({ ...model, dataSource: "connectAnalytics", grantWithGrantOption: true }), []);
        assert.equal(producerGrants(model).length, 2);
    });

    it("excluded columns: DESCRIBE on the table and SELECT on the other columns, each grantable only with the grant option", () => {
        const withExclusion: ShareModel = {
            ...model,
            tables: [{ name: "contacts", linkName: "ctr", excludedColumns: ["phone", "email"] }],
        };
        const expected = (grantable: boolean): LfGrant[] => [
            {
                side: "producer",
                principal: role,
                resource: {
                    kind: "table",
                    catalogId: "111111111111",
                    databaseName: "connect_datalake",
                    name: "contacts",
                },
                permissions: ["DESCRIBE"],
                grantable: grantable ? ["DESCRIBE"] : [],
            },
            {
                side: "producer",
                principal: role,
                resource: {
                    kind: "tableWithColumns",
                    catalogId: "111111111111",
                    databaseName: "connect_datalake",
                    name: "contacts",
                    excludedColumns: ["email", "phone"],
                },
                permissions: ["SELECT"],
                grantable: grantable ? ["SELECT"] : [],
            },
        ];
        assert.deepStrictEqual(producerGrants({ ...withExclusion, grantWithGrantOption: true }), expected(true));
        assert.deepStrictEqual(producerGrants(withExclusion), expected(false));
    });

    it("links are on unless turned off: DESCRIBE on each link by default", () => {
        const { enableResourceLinks: _, ...byDefault } = model;
        assert.deepEqual(
            consumerGrants(byDefault).map((g) => resourceKey(g.resource)),
            [
                "table:222222222222:connect_analytics_consumer.users_link",
                "table:222222222222:connect_analytics_consumer.ctr",
                "database:222222222222:default",
            ],
        );
    });

    it("a reader's filter carries its row filter only when it has one, and its columns sorted", () => {
        const readers: ReaderConfig[] = [
            { principal: analyst, tables: ["contacts"], excludedColumns: { contacts: ["zip", "agent"] } },
            { principal: `${analyst}2`, tables: ["users"], rowFilter: "region = 'eu'", excludedColumns: {} },
        ];
        assert.deepStrictEqual(readerFilters({ ...model, readers }), [
            {
                name: "analyst-contacts",
                tableCatalogId: "111111111111",
                databaseName: "connect_datalake",
                tableName: "contacts",
                excludedColumns: ["agent", "zip"],
            },
            {
                name: "analyst2-users",
                tableCatalogId: "111111111111",
                databaseName: "connect_datalake",
                tableName: "users",
                rowFilter: "region = 'eu'",
                excludedColumns: [],
            },
        ]);
    });

    it("a reader's filter on an export table does not name again the columns the producer withholds from that table", () => {
        const tables = [
            { name: "users", linkName: "users_link", excludedColumns: [] },
            { name: "contacts", linkName: "ctr", excludedColumns: ["phone"] },
        ];
        const readers = [
            {
                principal: analyst,
                tables: ["contacts", "users"],
                excludedColumns: { contacts: ["zip", "phone", "agent"], users: ["phone"] },
            },
        ];
        const exportShare = { databaseName: "exports", locationArn: "arn:aws:s3:::b/exports", readers: [] };
        assert.deepStrictEqual(
            exportReaderFilters({ ...model, tables, readers, export: exportShare }).map((f) => [
                f.tableCatalogId,
                f.databaseName,
                f.tableName,
                f.excludedColumns,
            ]),
            [
                ["222222222222", "exports", "contacts", ["agent", "zip"]],
                ["222222222222", "exports", "users", ["phone"]],
            ],
        );
        assert.deepEqual(exportReaderFilters({ ...model, tables, readers }), []);
    });

    it("an export reader gets DESCRIBE on the export database and DESCRIBE+SELECT on every table in it", () => {
        const exportShare = { databaseName: "exports", locationArn: "arn:aws:s3:::b/exports", readers: [analyst] };
        const grants = exportGrants({ ...model, export: exportShare }).filter((g) => g.principal === analyst);
        assert.deepStrictEqual(
            grants.map((g) => [g.side, resourceKey(g.resource), g.permissions, g.grantable]),
            [
                ["consumer", "database:222222222222:exports", ["DESCRIBE"], []],
                ["consumer", "table:222222222222:exports.*", ["DESCRIBE", "SELECT"], []],
            ],
        );
        assert.deepEqual(exportGrants(model), []);
    });
});

describe("permission model: defaults and order", () => {
    it("without grantWithGrantOption the producer's grants carry no grant option", () => {
        const { grantWithGrantOption: _, ...byDefault } = model;
        assert.deepEqual(
            producerGrants(byDefault).map((g) => g.grantable),
            [[], []],
        );
    });

    it("the share's tag expression lists the tags by key, whatever order the config gives", () => {
        assert.deepStrictEqual(shareExpression({ lfTags: { team: "analytics", env: "prod", area: "ops" } }), [
            { key: "area", values: ["ops"] },
            { key: "env", values: ["prod"] },
            { key: "team", values: ["analytics"] },
        ]);
    });

    it("permissions are listed once each, in order", () => {
        assert.deepEqual(sortPermissions(["SELECT", "DESCRIBE", "SELECT", "ALTER"]), ["ALTER", "DESCRIBE", "SELECT"]);
    });
});
