/**
 * Each policy-pack rule on plain fixtures (PlannedResource-like objects) through the harness:
 * at least one fixture that violates it and is caught, and fixtures that pass. An `after` hook
 * checks that every rule of the pack was caught at least once here.
 */
import { strict as assert } from "assert";
import { Policies } from "@pulumi/policy";
import {
    dataAccessStatements,
    denyInsecureTransport,
    exportStatements,
    lambdaTrustPolicy,
    policyDocument,
    schedulerStatements,
    schedulerTrustPolicy,
} from "../lib/iam";
import { toPermissionsArgs } from "../lib/lfResources";
import { LfGrant, producerGrants } from "../lib/permissions";
import { PackConfig, ResourceFixture, runPolicies, Violation } from "../policy/harness";
import {
    ALL_POLICIES,
    athenaWorkgroupEnforcedEncryptedWithCutoff,
    cloudwatchLogGroupRetention,
    iamNoWildcardOrUnscopedAllow,
    iamRoleTrustNoWildcardPrincipal,
    isUnscopedResource,
    lakeformationFilteredReaderNoTableSelect,
    lakeformationGrantDeleteBeforeReplace,
    lakeformationGrantLeastPrivilege,
    lakeformationGrantNoReshare,
    lakeformationReadersTablesNoIamAllowedPrincipals,
    lakeformationSettingsNoIamAllowedPrincipals,
    lambdaFailureDestination,
    lambdaRoleTrustsOnlyLambda,
    s3BucketEncrypted,
    s3BucketPublicAccessBlocked,
    s3BucketTlsOnly,
    sqsQueueEncrypted,
    snsTopicEncryptedForAlarms,
    cloudwatchAlarmNotifies,
} from "../policy/rules";

type Rule = Policies[number];

const caught = new Set<string>();

function res(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    extra: Partial<ResourceFixture> = {},
): ResourceFixture {
    return { type, name, parent: null, inputs, ...extra };
}

async function run(rule: Rule, resources: ResourceFixture[], config?: PackConfig): Promise<Violation[]> {
    return runPolicies([rule], resources, { stack: "test", config });
}

async function expectPass(rule: Rule, resources: ResourceFixture[], config?: PackConfig): Promise<void> {
    const violations = await run(rule, resources, config);
    assert.deepEqual(
        violations.map((v) => `${v.resource}: ${v.message}`),
        [],
        `${rule.name} should pass`,
    );
}

/** The rule reports a mandatory violation whose message matches, on `resource` when given. */
async function expectViolation(
    rule: Rule,
    resources: ResourceFixture[],
    message: RegExp,
    resource?: string,
    config?: PackConfig,
): Promise<Violation[]> {
    const violations = await run(rule, resources, config);
    const hit = violations.find((v) => message.test(v.message) && (resource === undefined || v.resource === resource));
    assert.ok(
        hit,
        `${rule.name}: expected a violation matching ${message}${resource ? ` on ${resource}` : ""}, got ${JSON.stringify(violations, null, 2)}`,
    );
    assert.equal(hit.enforcementLevel, "mandatory");
    assert.equal(hit.policy, rule.name);
    caught.add(rule.name);
    return violations;
}

const PRODUCER = "111111111111";
const CONSUMER = "222222222222";
const REGION = "ap-southeast-2";
const ROLE_NAME = "connect-analytics-lambda-execution-role";
const ROLE_ARN = `arn:aws:iam::${CONSUMER}:role/${ROLE_NAME}`;
const TABLES = [
    { name: "users", linkName: "users_link" },
    { name: "contacts", linkName: "contacts_link", timeColumn: "initiation_timestamp" },
];

const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const rolePolicy = (name: string, doc: unknown) =>
    res(ROLE_POLICY, name, { role: ROLE_NAME, policy: typeof doc === "string" ? doc : JSON.stringify(doc) });
const allow = (Action: unknown, Resource: unknown, extra: Record<string, unknown> = {}) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action, Resource, ...extra }],
});

describe("policy rules (fixtures through the harness)", () => {
    after(() => {
        const missing = ALL_POLICIES.map((p) => p.name).filter((n) => !caught.has(n));
        assert.deepEqual(missing, [], "every rule has a fixture that violates it and is caught");
    });

    describe("the pack", () => {
        it("has unique rule names, all mandatory, each with a description", () => {
            const names = ALL_POLICIES.map((p) => p.name);
            assert.equal(new Set(names).size, names.length);
            for (const p of ALL_POLICIES) {
                assert.equal(p.enforcementLevel, "mandatory", p.name);
                assert.match(p.name, /^[a-z0-9-]+$/);
                assert.ok(p.description.length > 20, p.name);
            }
        });
    });

    describe("iam-no-wildcard-or-unscoped-allow", () => {
        const rule = iamNoWildcardOrUnscopedAllow;
        it("passes the project's own policies (data access, export with KMS and X-Ray, scheduler)", async () => {
            const data = dataAccessStatements({
                region: REGION,
                producerAccountId: PRODUCER,
                consumerAccountId: CONSUMER,
                producerDatabaseName: "connect_datalake",
                consumerDatabaseName: "connect_analytics_consumer",
                tables: TABLES,
            });
            const exp = exportStatements({
                arnScope: { region: REGION, accountId: CONSUMER },
                exportDatabaseName: "connect_analytics_exports",
                workgroupArn: `arn:aws:athena:${REGION}:${CONSUMER}:workgroup/wg`,
                resultsBucket: "results",
                exportsBucket: "exports",
                exportPrefixes: ["connect", "manifests", "state"],
                logGroupArn: `arn:aws:logs:${REGION}:${CONSUMER}:log-group:/aws/lambda/export`,
                failureQueueArn: `arn:aws:sqs:${REGION}:${CONSUMER}:failures`,
                kmsKeyArn: `arn:aws:kms:${REGION}:${CONSUMER}:key/abc`,
                tracing: true,
            });
            await expectPass(rule, [
                rolePolicy("data", policyDocument(data)),
                rolePolicy("export", policyDocument(exp)),
                rolePolicy(
                    "scheduler",
                    policyDocument(schedulerStatements("arn:aws:lambda:x:1:function:f", "arn:aws:sqs:x:1:q")),
                ),
            ]);
        });
        it("passes Deny statements on s3:* (a TLS-only document) and actions AWS cannot scope on *", async () => {
            await expectPass(rule, [
                rolePolicy("deny", denyInsecureTransport("arn:aws:s3:::b")),
                rolePolicy("lf", allow(["lakeformation:GetDataAccess"], "*")),
                rolePolicy("xray", allow(["xray:PutTraceSegments", "XRay:PutTelemetryRecords"], ["*"])),
            ]);
        });
        it("catches Action * and service wildcards", async () => {
            await expectViolation(
                rule,
                [rolePolicy("star", allow("*", "arn:aws:s3:::b"))],
                /wildcard action\(s\) \*/,
                "star",
            );
            await expectViolation(
                rule,
                [rolePolicy("s3star", allow(["s3:*"], ["arn:aws:s3:::b/*"]))],
                /wildcard action\(s\) s3:\*/,
            );
            await expectViolation(rule, [rolePolicy("partial", allow(["s3:Get*"], ["arn:aws:s3:::b/*"]))], /s3:Get\*/);
        });
        it("catches an unscoped resource unless every action is one AWS cannot scope", async () => {
            await expectViolation(
                rule,
                [rolePolicy("glue", allow(["glue:GetTable"], "*"))],
                /allows glue:GetTable on unscoped resource \*/,
            );
            const v = await expectViolation(
                rule,
                [rolePolicy("mixed", allow(["lakeformation:GetDataAccess", "glue:GetTables"], "*"))],
                /allows glue:GetTables on unscoped/,
            );
            assert.ok(!/GetDataAccess on/.test(v[0].message), "names only the actions that need a scope");
            await expectViolation(
                rule,
                [rolePolicy("bucketstar", allow(["s3:GetObject"], ["arn:aws:s3:::*"]))],
                /unscoped resource arn:aws:s3:::\*/,
            );
        });
        it("catches NotAction and NotResource, and a document that does not parse", async () => {
            await expectViolation(
                rule,
                [
                    rolePolicy("na", {
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" }],
                    }),
                ],
                /NotAction/,
            );
            await expectViolation(
                rule,
                [
                    rolePolicy("nr", {
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::b" }],
                    }),
                ],
                /NotResource/,
            );
            await expectViolation(rule, [rolePolicy("bad", "{not json")], /not valid JSON/);
        });
        it("checks managed, user and group policies (object documents too) and role inline policies", async () => {
            await expectViolation(
                rule,
                [res("aws:iam/policy:Policy", "managed", { policy: allow("s3:*", "*") })],
                /wildcard action/,
                "managed",
            );
            await expectViolation(
                rule,
                [
                    res("aws:iam/userPolicy:UserPolicy", "user", {
                        user: "u",
                        policy: JSON.stringify(allow("iam:PassRole", "*")),
                    }),
                ],
                /unscoped/,
            );
            await expectViolation(
                rule,
                [
                    res("aws:iam/groupPolicy:GroupPolicy", "group", {
                        group: "g",
                        policy: JSON.stringify(allow("*", "*")),
                    }),
                ],
                /wildcard/,
            );
            const role = res("aws:iam/role:Role", "inline", {
                assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
                inlinePolicies: [
                    { name: "ok", policy: JSON.stringify(allow("s3:GetObject", "arn:aws:s3:::b/*")) },
                    { name: "wide", policy: JSON.stringify(allow("s3:*", "*")) },
                ],
            });
            const v = await expectViolation(rule, [role], /inline policy "wide": .*wildcard/, "inline");
            assert.ok(
                v.every((x) => x.message.includes('"wide"')),
                "the compliant inline policy is not reported",
            );
        });
        it("ignores other resource types and a role's trust policy", async () => {
            await expectPass(rule, [
                res("aws:sqs/queue:Queue", "q", { policy: JSON.stringify(allow("*", "*")) }),
                res("aws:iam/role:Role", "r", { assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()) }),
            ]);
        });
        it("isUnscopedResource: * and ARNs whose resource part is *, not prefixes", () => {
            assert.equal(isUnscopedResource("*"), true);
            assert.equal(isUnscopedResource("arn:aws:s3:::*"), true);
            assert.equal(isUnscopedResource("arn:aws:glue:*:*:*"), true);
            assert.equal(isUnscopedResource("arn:aws:s3:::bucket/*"), false);
            assert.equal(isUnscopedResource("arn:aws:logs:r:1:log-group:/aws/lambda/f:*"), false);
            assert.equal(isUnscopedResource(`arn:aws:glue:${REGION}:${CONSUMER}:catalog`), false);
        });
    });

    describe("iam-role-trust-no-wildcard-principal", () => {
        const rule = iamRoleTrustNoWildcardPrincipal;
        const role = (name: string, statement: Record<string, unknown>) =>
            res("aws:iam/role:Role", name, {
                name,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", ...statement }],
                }),
            });
        it("passes service principals, with or without conditions", async () => {
            await expectPass(rule, [
                res("aws:iam/role:Role", "lambda", { assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()) }),
                res("aws:iam/role:Role", "scheduler", {
                    assumeRolePolicy: JSON.stringify(schedulerTrustPolicy(CONSUMER)),
                }),
            ]);
        });
        it("catches Principal *, AWS *, and NotPrincipal", async () => {
            await expectViolation(rule, [role("any", { Principal: "*" })], /Principal "\*"/, "any");
            await expectViolation(rule, [role("aws", { Principal: { AWS: ["*"] } })], /anyone may assume/);
            await expectViolation(
                rule,
                [role("not", { NotPrincipal: { Service: "ec2.amazonaws.com" } })],
                /NotPrincipal/,
            );
        });
    });

    describe("lambda-role-trusts-only-lambda", () => {
        const rule = lambdaRoleTrustsOnlyLambda;
        const fn = (role: string, extra: Partial<ResourceFixture> = {}) =>
            res("aws:lambda/function:Function", "export-function", { name: "export", role }, extra);
        const role = (name: string, trust: unknown) =>
            res("aws:iam/role:Role", `${name}-role`, { name, assumeRolePolicy: JSON.stringify(trust) });
        const trust = (Principal: unknown) => ({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal, Action: "sts:AssumeRole" }],
        });
        it("passes a function whose role (found by ARN) trusts lambda.amazonaws.com only", async () => {
            await expectPass(rule, [fn(ROLE_ARN), role(ROLE_NAME, lambdaTrustPolicy())]);
        });
        it("passes a role from outside the stack (nothing to check)", async () => {
            await expectPass(rule, [
                fn("arn:aws:iam::999999999999:role/elsewhere"),
                role(ROLE_NAME, trust({ AWS: "arn:aws:iam::999999999999:root" })),
            ]);
        });
        it("catches a second service or an account that can assume the execution role", async () => {
            await expectViolation(
                rule,
                [fn(ROLE_ARN), role(ROLE_NAME, trust({ Service: ["lambda.amazonaws.com", "ec2.amazonaws.com"] }))],
                /Service ec2\.amazonaws\.com/,
                `${ROLE_NAME}-role`,
            );
            await expectViolation(
                rule,
                [fn(ROLE_ARN), role(ROLE_NAME, trust({ AWS: `arn:aws:iam::${PRODUCER}:root` }))],
                /AWS arn:aws:iam::111111111111:root/,
            );
        });
        it("catches a role that Lambda cannot assume at all", async () => {
            await expectViolation(
                rule,
                [fn(ROLE_ARN), role(ROLE_NAME, { Version: "2012-10-17", Statement: [] })],
                /does not let lambda\.amazonaws\.com/,
            );
        });
        it("follows the engine's property dependency when the role ARN is not known yet", async () => {
            const r = role("auto-named", trust({ Service: "states.amazonaws.com" }));
            await expectViolation(
                rule,
                [fn("<unknown during preview>", { propertyDependencies: { role: [r.name] } }), r],
                /states\.amazonaws\.com/,
            );
        });
    });

    describe("lakeformation-grant-delete-before-replace", () => {
        const rule = lakeformationGrantDeleteBeforeReplace;
        const grant = (name: string, deleteBeforeReplace: boolean) =>
            res(
                "aws:lakeformation/permissions:Permissions",
                name,
                { principal: ROLE_ARN, permissions: ["SELECT"], table: { databaseName: "db", name: "t" } },
                { options: { deleteBeforeReplace } },
            );
        it("passes grants replaced delete-before-create", async () => {
            await expectPass(rule, [grant("g", true)]);
        });
        it("catches a grant replaced create-before-delete, naming the option", async () => {
            await expectViolation(rule, [grant("g", false)], /revoke.*deleteBeforeReplace: true/, "g");
        });
    });

    describe("lakeformation-grant-no-reshare", () => {
        const rule = lakeformationGrantNoReshare;
        const CONNECT = "444455556666";
        const grant = (name: string, grantor: string, principal: string) =>
            res("aws:lakeformation/permissions:Permissions", name, {
                catalogId: grantor,
                principal,
                permissions: ["SELECT"],
                table: { catalogId: CONNECT, databaseName: "connect_datalake", name: "users" },
            });
        it("passes the consumer granting its own role on Connect's table, and an owner granting another account", async () => {
            await expectPass(rule, [
                grant("own", CONSUMER, ROLE_ARN),
                res("aws:lakeformation/permissions:Permissions", "owner", {
                    catalogId: PRODUCER,
                    principal: ROLE_ARN,
                    permissions: ["SELECT"],
                    table: { catalogId: PRODUCER, databaseName: "connect_datalake", name: "users" },
                }),
            ]);
        });
        it("catches a producer passing Connect's table on to the consumer's role", async () => {
            await expectViolation(
                rule,
                [grant("reshare", PRODUCER, ROLE_ARN)],
                /account 111111111111 grants .* belongs to catalog 444455556666, to a principal of account 222222222222.*dataSource connectAnalytics/,
                "reshare",
            );
        });
    });

    describe("lakeformation-filtered-reader-no-table-select", () => {
        const rule = lakeformationFilteredReaderNoTableSelect;
        const CONNECT = "444455556666";
        const ANALYST = `arn:aws:iam::${CONSUMER}:role/analyst`;
        const GRANT = "aws:lakeformation/permissions:Permissions";
        const onFilter = res(GRANT, "filter", {
            catalogId: CONSUMER,
            principal: ANALYST,
            permissions: ["SELECT"],
            dataCellsFilter: {
                tableCatalogId: CONNECT,
                databaseName: "connect_datalake",
                tableName: "users",
                name: "analyst-users",
            },
        });
        const onTable = (name: string, table: Record<string, unknown>, principal = ANALYST) =>
            res(GRANT, name, {
                catalogId: CONSUMER,
                principal,
                permissions: ["SELECT"],
                table: { catalogId: CONNECT, databaseName: "connect_datalake", ...table },
            });
        it("passes a filter grant with DESCRIBE on the link, and another principal's table SELECT", async () => {
            await expectPass(rule, [
                onFilter,
                res(GRANT, "link", {
                    catalogId: CONSUMER,
                    principal: ANALYST,
                    permissions: ["DESCRIBE"],
                    table: { catalogId: CONSUMER, databaseName: "connect_analytics_consumer", name: "users_link" },
                }),
                onTable("role", { name: "users" }, ROLE_ARN),
                onTable("other-table", { name: "contact_record" }),
            ]);
        });
        it("catches the same principal's SELECT on the table, or on every table of its database", async () => {
            await expectViolation(rule, [onFilter, onTable("wide", { name: "users" })], /overrides the filter/, "wide");
            await expectViolation(
                rule,
                [onFilter, onTable("wildcard", { wildcard: true })],
                /analyst reads 444455556666:connect_datalake\.users through filter filter/,
                "wildcard",
            );
        });
    });

    describe("lakeformation-readers-tables-no-iam-allowed-principals", () => {
        const rule = lakeformationReadersTablesNoIamAllowedPrincipals;
        const GRANT = "aws:lakeformation/permissions:Permissions";
        const READER = `arn:aws:iam::${CONSUMER}:role/quicksight`;
        const exportReader = res(GRANT, "export-reader", {
            catalogId: CONSUMER,
            principal: READER,
            permissions: ["DESCRIBE", "SELECT"],
            table: { catalogId: CONSUMER, databaseName: "connect_analytics_exports", wildcard: true },
        });
        const native = (defaults: unknown) =>
            res("aws-native:glue:Database", "export-database", {
                catalogId: CONSUMER,
                databaseName: "connect_analytics_exports",
                databaseInput: {
                    name: "connect_analytics_exports",
                    ...(defaults === undefined ? {} : { createTableDefaultPermissions: defaults }),
                },
            });
        it("passes a database that declares no default permissions for new tables, and databases nobody reads", async () => {
            await expectPass(rule, [exportReader, native([])]);
            await expectPass(rule, [
                exportReader,
                native([]),
                res("aws:glue/catalogDatabase:CatalogDatabase", "links", {
                    catalogId: CONSUMER,
                    name: "connect_analytics_consumer",
                }),
            ]);
        });
        it("catches a read database that takes the account's defaults (the classic resource, or no list), or gives IAMAllowedPrincipals a default", async () => {
            await expectViolation(
                rule,
                [
                    exportReader,
                    res("aws:glue/catalogDatabase:CatalogDatabase", "classic", {
                        catalogId: CONSUMER,
                        name: "connect_analytics_exports",
                    }),
                ],
                /takes the account's default permissions for new tables/,
                "classic",
            );
            await expectViolation(rule, [exportReader, native(undefined)], /takes the account's default permissions/);
            await expectViolation(
                rule,
                [
                    exportReader,
                    native([
                        { principal: { dataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" }, permissions: ["ALL"] },
                    ]),
                ],
                /gives IAM_ALLOWED_PRINCIPALS default permissions on new tables/,
            );
        });
    });

    describe("lakeformation-grant-least-privilege", () => {
        const rule = lakeformationGrantLeastPrivilege;
        const base: LfGrant = producerGrants({
            producerAccountId: PRODUCER,
            consumerAccountId: CONSUMER,
            producerDatabaseName: "connect_datalake",
            tables: TABLES,
            consumerPrincipalArn: ROLE_ARN,
            grantWithGrantOption: false,
        })[0];
        const native = (name: string, grant: Partial<LfGrant>) =>
            res(
                "aws:lakeformation/permissions:Permissions",
                name,
                toPermissionsArgs({ ...base, ...grant }) as unknown as Record<string, unknown>,
            );
        const ALLOW = { [rule.name]: { allowGrantOption: true } };
        it("passes the project's grants: DESCRIBE and SELECT, no grant option", async () => {
            await expectPass(rule, [native("users", {})]);
        });
        it("catches ALL, SUPER, ALTER and DROP", async () => {
            for (const p of ["ALL", "SUPER", "ALTER", "DROP"] as const) {
                await expectViolation(
                    rule,
                    [native(`g-${p}`, { permissions: ["SELECT", p] })],
                    new RegExp(`grants ${p} on 111111111111:connect_datalake\\.users`),
                    `g-${p}`,
                );
            }
        });
        it("lets the stack's table optimizer role hold ALTER on tables (Glue's optimizers need it), never DROP or ALL, nor on a database", async () => {
            const optimizer = `arn:aws:iam::${CONSUMER}:role/connect-analytics-dev-table-optimizer`;
            const tables = {
                kind: "table" as const,
                catalogId: CONSUMER,
                databaseName: "connect_analytics_exports",
                name: "*",
            };
            await expectPass(rule, [
                native("optimizer", {
                    principal: optimizer,
                    resource: tables,
                    permissions: ["ALTER", "DELETE", "DESCRIBE", "INSERT"],
                }),
            ]);
            await expectViolation(
                rule,
                [native("optimizer-drop", { principal: optimizer, resource: tables, permissions: ["ALTER", "DROP"] })],
                /grants DROP on/,
            );
            await expectViolation(
                rule,
                [
                    native("optimizer-db", {
                        principal: optimizer,
                        resource: { kind: "database", catalogId: CONSUMER, databaseName: "connect_analytics_exports" },
                        permissions: ["ALTER"],
                    }),
                ],
                /grants ALTER on/,
            );
            await expectViolation(
                rule,
                [native("other-alter", { principal: ROLE_ARN, resource: tables, permissions: ["ALTER"] })],
                /grants ALTER on/,
            );
        });
        it("catches a forbidden permission made grantable, even when the grant option is allowed", async () => {
            await expectViolation(
                rule,
                [native("drop", { permissions: ["DESCRIBE", "DROP"], grantable: ["DROP"] })],
                /makes DROP grantable/,
                undefined,
                ALLOW,
            );
        });
        it("catches grants to IAM_ALLOWED_PRINCIPALS", async () => {
            await expectViolation(
                rule,
                [native("iap", { principal: "IAM_ALLOWED_PRINCIPALS", permissions: ["DESCRIBE"] })],
                /grants to IAM_ALLOWED_PRINCIPALS/,
            );
        });
        it("catches the grant option by default and allows it when configured", async () => {
            const grantable = native("opt", { grantable: ["DESCRIBE", "SELECT"] });
            await expectViolation(rule, [grantable], /gives the grant option \(DESCRIBE, SELECT\)/);
            await expectPass(rule, [grantable], ALLOW);
            await expectViolation(rule, [grantable], /grant option/, undefined, {
                [rule.name]: { allowGrantOption: false },
            });
        });
        it("allows an LF-tag grant with the grant option when configured (lfTags mode)", async () => {
            const tagGrant = native("tags", {
                principal: CONSUMER,
                resource: {
                    kind: "lfTagPolicy",
                    catalogId: PRODUCER,
                    resourceType: "TABLE",
                    expression: [{ key: "domain", values: ["connect"] }],
                },
                grantable: ["DESCRIBE", "SELECT"],
            });
            await expectPass(rule, [tagGrant], ALLOW);
            await expectViolation(rule, [tagGrant], /grant option/);
        });
        it("reads the classic aws.lakeformation.Permissions too, including resources outside the permission model", async () => {
            const classic = (name: string, inputs: Record<string, unknown>) =>
                res("aws:lakeformation/permissions:Permissions", name, inputs);
            await expectPass(rule, [
                classic("ok", {
                    principal: ROLE_ARN,
                    permissions: ["SELECT"],
                    table: { databaseName: "db", name: "t" },
                }),
            ]);
            await expectViolation(
                rule,
                [
                    classic("all", {
                        principal: ROLE_ARN,
                        permissions: ["ALL"],
                        table: { databaseName: "db", name: "t" },
                    }),
                ],
                /grants ALL/,
                "all",
            );
            await expectViolation(
                rule,
                [
                    classic("catalog", {
                        principal: ROLE_ARN,
                        permissions: ["CREATE_DATABASE"],
                        permissionsWithGrantOptions: ["CREATE_DATABASE"],
                        catalogResource: true,
                    }),
                ],
                /grant option/,
            );
            await expectViolation(
                rule,
                [
                    classic("loc", {
                        principal: "IAM_ALLOWED_PRINCIPALS",
                        permissions: ["DATA_LOCATION_ACCESS"],
                        dataLocation: { arn: "arn:aws:s3:::b" },
                    }),
                ],
                /IAM_ALLOWED_PRINCIPALS/,
            );
        });
    });

    describe("lakeformation-settings-no-iam-allowed-principals", () => {
        const rule = lakeformationSettingsNoIamAllowedPrincipals;
        const classic = (inputs: Record<string, unknown>) =>
            res("aws:lakeformation/dataLakeSettings:DataLakeSettings", "settings", inputs);
        it("passes settings with empty defaults (what the program writes)", async () => {
            await expectPass(rule, [
                classic({
                    admins: ["arn:aws:iam::111111111111:role/admin"],
                    createDatabaseDefaultPermissions: [],
                    createTableDefaultPermissions: [],
                    parameters: { CROSS_ACCOUNT_VERSION: "4" },
                }),
            ]);
        });
        it("passes defaults that name other principals", async () => {
            await expectPass(rule, [
                classic({
                    createTableDefaultPermissions: [
                        { principal: "arn:aws:iam::111111111111:role/etl", permissions: ["SELECT"] },
                    ],
                }),
            ]);
        });
        it("catches IAM_ALLOWED_PRINCIPALS in the database or table defaults", async () => {
            await expectViolation(
                rule,
                [
                    classic({
                        createDatabaseDefaultPermissions: [
                            { principal: "IAM_ALLOWED_PRINCIPALS", permissions: ["ALL"] },
                        ],
                    }),
                ],
                /createDatabaseDefaultPermissions gives IAM_ALLOWED_PRINCIPALS \(ALL\)/,
                "settings",
            );
            await expectViolation(
                rule,
                [
                    classic({
                        createTableDefaultPermissions: [{ principal: "IAM_ALLOWED_PRINCIPALS", permissions: ["ALL"] }],
                    }),
                ],
                /new tables would be governed by IAM alone/,
            );
        });
        it("reads the aws-native shape as well", async () => {
            const native = res("aws-native:lakeformation:DataLakeSettings", "native", {
                createTableDefaultPermissions: [
                    { principal: { dataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" }, permissions: ["ALL"] },
                ],
            });
            await expectViolation(rule, [native], /createTableDefaultPermissions/, "native");
        });
    });

    describe("S3 bucket rules", () => {
        /** What SecureBucket creates, named like the plan: bucket, public access block, encryption, TLS-only policy. */
        function secureBucket(
            prefix: string,
            name: string,
            omit: string[] = [],
            extra: Partial<ResourceFixture> = {},
        ): ResourceFixture[] {
            const all: Record<string, ResourceFixture> = {
                bucket: res("aws:s3/bucket:Bucket", `${prefix}-bucket`, { bucket: name }),
                pab: res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${prefix}-public-access`, {
                    bucket: name,
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                }),
                sse: res(
                    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    `${prefix}-encryption`,
                    {
                        bucket: name,
                        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                    },
                ),
                policy: res("aws:s3/bucketPolicy:BucketPolicy", `${prefix}-tls-only`, {
                    bucket: name,
                    policy: JSON.stringify(denyInsecureTransport(`arn:aws:s3:::${name}`)),
                }),
            };
            return Object.entries(all)
                .filter(([k]) => !omit.includes(k))
                .map(([k, r]) => ({ ...r, ...(k === "bucket" ? {} : extra) }));
        }
        const rules = [s3BucketPublicAccessBlocked, s3BucketEncrypted, s3BucketTlsOnly];

        it("pass a SecureBucket (and two of them side by side)", async () => {
            for (const rule of rules) {
                await expectPass(rule, [...secureBucket("a", "bucket-a"), ...secureBucket("b", "bucket-b")]);
            }
        });
        it("match companions by property dependency when the bucket id is not known yet (preview)", async () => {
            const resources = secureBucket("a", "bucket-a").map((r) =>
                r.type === "aws:s3/bucket:Bucket"
                    ? r
                    : {
                          ...r,
                          inputs: { ...r.inputs, bucket: "<computed id>" },
                          propertyDependencies: { bucket: ["a-bucket"] },
                      },
            );
            for (const rule of rules) await expectPass(rule, resources);
        });
        it("s3-bucket-public-access-blocked: catches a missing block, and a block with a flag off", async () => {
            await expectViolation(
                s3BucketPublicAccessBlocked,
                secureBucket("a", "bucket-a", ["pab"]),
                /has no BucketPublicAccessBlock/,
                "a-bucket",
            );
            const weak = secureBucket("a", "bucket-a").map((r) =>
                r.type.includes("PublicAccessBlock")
                    ? { ...r, inputs: { ...r.inputs, restrictPublicBuckets: false, ignorePublicAcls: undefined } }
                    : r,
            );
            await expectViolation(
                s3BucketPublicAccessBlocked,
                weak,
                /leaves ignorePublicAcls, restrictPublicBuckets off/,
                "a-public-access",
            );
        });
        it("s3-bucket-public-access-blocked: a block of another bucket does not count", async () => {
            const resources = [...secureBucket("a", "bucket-a"), ...secureBucket("b", "bucket-b", ["pab"])];
            const v = await expectViolation(
                s3BucketPublicAccessBlocked,
                resources,
                /bucket b-bucket has no BucketPublicAccessBlock/,
                "b-bucket",
            );
            assert.equal(v.length, 1);
        });
        it("s3-bucket-encrypted: catches missing encryption and a configuration without an algorithm", async () => {
            await expectViolation(
                s3BucketEncrypted,
                secureBucket("a", "bucket-a", ["sse"]),
                /has no BucketServerSideEncryptionConfiguration/,
                "a-bucket",
            );
            const empty = secureBucket("a", "bucket-a").map((r) =>
                r.type.includes("Encryption") ? { ...r, inputs: { bucket: "bucket-a", rules: [{}] } } : r,
            );
            await expectViolation(s3BucketEncrypted, empty, /sets no default algorithm/, "a-encryption");
        });
        it("s3-bucket-encrypted: accepts SSE-KMS and the V2 resource types", async () => {
            const kms = [
                res("aws:s3/bucketV2:BucketV2", "v2", { bucket: "bucket-v2" }),
                res(
                    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
                    "v2-sse",
                    {
                        bucket: "bucket-v2",
                        rules: [
                            {
                                applyServerSideEncryptionByDefault: {
                                    sseAlgorithm: "aws:kms",
                                    kmsMasterKeyId: "arn:aws:kms:r:1:key/k",
                                },
                            },
                        ],
                    },
                ),
            ];
            await expectPass(s3BucketEncrypted, kms);
            await expectViolation(s3BucketPublicAccessBlocked, kms, /bucket v2 has no BucketPublicAccessBlock/, "v2");
        });
        it("s3-bucket-tls-only: catches a missing policy and policies that do not deny insecure transport", async () => {
            await expectViolation(
                s3BucketTlsOnly,
                secureBucket("a", "bucket-a", ["policy"]),
                /has no BucketPolicy/,
                "a-bucket",
            );
            const withPolicy = (doc: unknown) =>
                secureBucket("a", "bucket-a").map((r) =>
                    r.type.includes("BucketPolicy")
                        ? { ...r, inputs: { bucket: "bucket-a", policy: JSON.stringify(doc) } }
                        : r,
                );
            const tls = denyInsecureTransport("arn:aws:s3:::bucket-a").Statement[0];
            await expectViolation(
                s3BucketTlsOnly,
                withPolicy({ Version: "2012-10-17", Statement: [{ ...tls, Condition: undefined }] }),
                /no Deny statement with condition Bool aws:SecureTransport = false/,
                "a-tls-only",
            );
            await expectViolation(
                s3BucketTlsOnly,
                withPolicy({ Version: "2012-10-17", Statement: [{ ...tls, Effect: "Allow" }] }),
                /no Deny statement/,
            );
            await expectViolation(
                s3BucketTlsOnly,
                withPolicy({ Version: "2012-10-17", Statement: [{ ...tls, Action: "s3:GetObject" }] }),
                /Action "s3:\*"/,
            );
            await expectViolation(
                s3BucketTlsOnly,
                withPolicy({ Version: "2012-10-17", Statement: [{ ...tls, Resource: ["arn:aws:s3:::bucket-a/*"] }] }),
                /Resource the bucket ARN/,
            );
            await expectViolation(
                s3BucketTlsOnly,
                withPolicy({
                    Version: "2012-10-17",
                    Statement: [{ ...tls, Principal: { AWS: "arn:aws:iam::1:root" } }],
                }),
                /Principal "\*"/,
            );
        });
        it("s3-bucket-tls-only: accepts a boolean condition value and BoolIfExists", async () => {
            const tls = denyInsecureTransport("arn:aws:s3:::bucket-a").Statement[0];
            const doc = {
                Version: "2012-10-17",
                Statement: [{ ...tls, Condition: { BoolIfExists: { "aws:SecureTransport": false } } }],
            };
            const resources = secureBucket("a", "bucket-a").map((r) =>
                r.type.includes("BucketPolicy") ? { ...r, inputs: { bucket: "bucket-a", policy: doc } } : r,
            );
            await expectPass(s3BucketTlsOnly, resources);
        });
    });

    describe("athena-workgroup-enforced-encrypted-with-cutoff", () => {
        const rule = athenaWorkgroupEnforcedEncryptedWithCutoff;
        const wg = (configuration: Record<string, unknown>) =>
            res("aws:athena/workgroup:Workgroup", "wg", { name: "wg", configuration });
        const good = {
            enforceWorkgroupConfiguration: true,
            bytesScannedCutoffPerQuery: 10737418240,
            resultConfiguration: {
                outputLocation: "s3://results/athena/",
                encryptionConfiguration: { encryptionOption: "SSE_S3" },
            },
        };
        it("passes the export's workgroup (SSE-S3, and SSE-KMS with a key)", async () => {
            await expectPass(rule, [wg(good)]);
            await expectPass(rule, [
                wg({
                    ...good,
                    resultConfiguration: {
                        encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: "arn:aws:kms:r:1:key/k" },
                    },
                }),
            ]);
        });
        it("catches a workgroup clients can override", async () => {
            await expectViolation(
                rule,
                [wg({ ...good, enforceWorkgroupConfiguration: false })],
                /enforceWorkgroupConfiguration must be true/,
                "wg",
            );
            await expectViolation(
                rule,
                [wg({ ...good, enforceWorkgroupConfiguration: undefined })],
                /enforceWorkgroupConfiguration/,
            );
        });
        it("catches unencrypted results, and SSE_KMS without a key", async () => {
            await expectViolation(
                rule,
                [wg({ ...good, resultConfiguration: { outputLocation: "s3://results/" } })],
                /encryptionOption must be one of/,
            );
            await expectViolation(
                rule,
                [wg({ ...good, resultConfiguration: { encryptionConfiguration: { encryptionOption: "SSE_KMS" } } })],
                /needs encryptionConfiguration\.kmsKeyArn/,
            );
        });
        it("catches a missing or too small cutoff, and a workgroup without configuration", async () => {
            await expectViolation(
                rule,
                [wg({ ...good, bytesScannedCutoffPerQuery: undefined })],
                /bytesScannedCutoffPerQuery must be set/,
            );
            await expectViolation(rule, [wg({ ...good, bytesScannedCutoffPerQuery: 1000 })], /at least 10485760 bytes/);
            const v = await expectViolation(
                rule,
                [res("aws:athena/workgroup:Workgroup", "bare", { name: "bare" })],
                /enforceWorkgroupConfiguration/,
            );
            assert.equal(v.length, 3);
        });
    });

    describe("cloudwatch-log-group-retention", () => {
        const rule = cloudwatchLogGroupRetention;
        it("passes a retention", async () => {
            await expectPass(rule, [
                res("aws:cloudwatch/logGroup:LogGroup", "logs", { name: "/aws/lambda/f", retentionInDays: 30 }),
            ]);
        });
        it("catches a missing or zero retention", async () => {
            await expectViolation(
                rule,
                [res("aws:cloudwatch/logGroup:LogGroup", "logs", { name: "/aws/lambda/f" })],
                /retentionInDays must be set/,
                "logs",
            );
            await expectViolation(
                rule,
                [res("aws:cloudwatch/logGroup:LogGroup", "zero", { retentionInDays: 0 })],
                /got 0/,
            );
        });
    });

    describe("lambda-failure-destination", () => {
        const rule = lambdaFailureDestination;
        const QUEUE = `arn:aws:sqs:${REGION}:${CONSUMER}:failures`;
        const fn = (inputs: Record<string, unknown> = {}) =>
            res("aws:lambda/function:Function", "export-function", {
                name: "connect-analytics-dev-export",
                role: ROLE_ARN,
                ...inputs,
            });
        const invoke = (functionName: unknown, destinationConfig?: unknown, extra: Partial<ResourceFixture> = {}) =>
            res(
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
                "export-async",
                { functionName, maximumRetryAttempts: 2, destinationConfig },
                extra,
            );
        it("passes an invoke config with onFailure (by name, qualified name, ARN, or property dependency)", async () => {
            await expectPass(rule, [
                fn(),
                invoke("connect-analytics-dev-export", { onFailure: { destination: QUEUE } }),
            ]);
            await expectPass(rule, [
                fn(),
                invoke("connect-analytics-dev-export:live", { onFailure: { destination: QUEUE } }),
            ]);
            const arn = `arn:aws:lambda:${REGION}:${CONSUMER}:function:connect-analytics-dev-export`;
            await expectPass(rule, [fn({ arn }), invoke(`${arn}:$LATEST`, { onFailure: { destination: QUEUE } })]);
            await expectPass(rule, [
                fn(),
                invoke(
                    "<unknown>",
                    { onFailure: { destination: QUEUE } },
                    { propertyDependencies: { functionName: ["export-function"] } },
                ),
            ]);
        });
        it("passes a dead-letter queue instead", async () => {
            await expectPass(rule, [fn({ deadLetterConfig: { targetArn: QUEUE } })]);
        });
        it("catches a function with neither", async () => {
            await expectViolation(
                rule,
                [fn()],
                /has no FunctionEventInvokeConfig and no deadLetterConfig/,
                "export-function",
            );
        });
        it("catches an invoke config without onFailure, or one for another function", async () => {
            await expectViolation(
                rule,
                [fn(), invoke("connect-analytics-dev-export", { onSuccess: { destination: QUEUE } })],
                /invoke config export-async without destinationConfig\.onFailure/,
            );
            await expectViolation(
                rule,
                [fn(), invoke("some-other-function", { onFailure: { destination: QUEUE } })],
                /has no FunctionEventInvokeConfig/,
            );
        });
    });

    describe("sqs-queue-encrypted", () => {
        const rule = sqsQueueEncrypted;
        it("passes SSE-SQS and SSE-KMS", async () => {
            await expectPass(rule, [
                res("aws:sqs/queue:Queue", "sqs", { sqsManagedSseEnabled: true }),
                res("aws:sqs/queue:Queue", "kms", { kmsMasterKeyId: "alias/aws/sqs" }),
            ]);
        });
        it("catches an unencrypted queue", async () => {
            await expectViolation(
                rule,
                [res("aws:sqs/queue:Queue", "plain", { name: "q" })],
                /not encrypted at rest/,
                "plain",
            );
            await expectViolation(
                rule,
                [res("aws:sqs/queue:Queue", "off", { sqsManagedSseEnabled: false })],
                /not encrypted/,
            );
        });
    });
    describe("sns-topic-encrypted-for-alarms", () => {
        const topic = (name: string, key?: string) =>
            res("aws:sns/topic:Topic", name, key === undefined ? {} : { kmsMasterKeyId: key });
        it("passes a topic under a customer managed key", async () => {
            await expectPass(snsTopicEncryptedForAlarms, [topic("t", `arn:aws:kms:${REGION}:${CONSUMER}:key/abc`)]);
        });
        it("catches an unencrypted topic and one under aws/sns", async () => {
            await expectViolation(snsTopicEncryptedForAlarms, [topic("plain")], /not encrypted at rest/, "plain");
            await expectViolation(
                snsTopicEncryptedForAlarms,
                [topic("managed", "alias/aws/sns")],
                /aws\/sns/,
                "managed",
            );
        });
    });

    describe("cloudwatch-alarm-notifies", () => {
        const alarm = (name: string, actions?: string[]) =>
            res("aws:cloudwatch/metricAlarm:MetricAlarm", name, actions ? { alarmActions: actions } : {});
        it("passes an alarm with an action", async () => {
            await expectPass(cloudwatchAlarmNotifies, [alarm("a", [`arn:aws:sns:${REGION}:${CONSUMER}:alarms`])]);
        });
        it("catches an alarm without actions", async () => {
            await expectViolation(cloudwatchAlarmNotifies, [alarm("silent")], /no alarmActions/, "silent");
            await expectViolation(cloudwatchAlarmNotifies, [alarm("empty", [])], /no alarmActions/, "empty");
        });
    });
});
