import { strict as assert } from "assert";
import {
    consumerGrants,
    LfGrant,
    LfResource,
    producerGrants,
    requiredGrants,
    resourceKey,
    ShareModel,
} from "../lib/permissions";
import {
    grantFromResourceInputs,
    PRINCIPAL_PERMISSIONS_TYPE,
    toPermissionsArgs,
    CLASSIC_PERMISSIONS_TYPE,
} from "../lib/lfResources";

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
