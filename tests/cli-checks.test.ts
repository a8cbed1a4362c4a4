/**
 * What `verify` tells the user, check by check (cli/checks.ts, pure functions of what AWS returned):
 * the id, status, what was found and the one-line fix, written out in full (identity, consumer
 * database, links, RAM invitations, grants, dataset associations, data lake settings, readers'
 * filters and their bypasses, IAMAllowedPrincipals), so a fix that names the wrong flag, account or
 * resource fails.
 */
import { strict as assert } from "assert";
import {
    associationChecks,
    databaseCheck,
    exportIamAllowedPrincipalsCheck,
    filterChecks,
    grantChecks,
    iamAllowedPrincipalsCheck,
    identityCheck,
    invitationCheck,
    linkChecks,
    readerBypassChecks,
    settingsChecks,
} from "../cli/checks";
import type { DataCellsFilter } from "@aws-sdk/client-lakeformation";
import type { ResourceShareInvitation } from "@aws-sdk/client-ram";
import { requiredGrants } from "../lib/permissions";
import type { DataFilter, LfGrant, ShareModel } from "../lib/permissions";

const PRODUCER = "111111111111";
const CONSUMER = "222222222222";
const CONNECT = "444455556666";
const model = {
    producerAccountId: PRODUCER,
    consumerAccountId: CONSUMER,
    producerDatabaseName: "connect_datalake",
    consumerDatabaseName: "connect_analytics_consumer",
    tables: [
        { name: "users", linkName: "users_link" },
        { name: "contacts", linkName: "contacts_link" },
        { name: "agents", linkName: "agents_link" },
        { name: "queues", linkName: "queues_link" },
    ],
} as unknown as ShareModel;
const ROLE = `arn:aws:iam::${CONSUMER}:role/ops`;

describe("verify's checks, in the words the user reads", () => {
    it("credentials: the caller in the right account passes naming it; in another account the fix names the side's profile flag", () => {
        assert.deepEqual(identityCheck("consumer", CONSUMER, ROLE, CONSUMER), {
            id: "identity:consumer",
            status: "PASS",
            title: "consumer credentials",
            detail: `${ROLE} in the consumer account ${CONSUMER}`,
        });
        assert.equal(
            identityCheck("producer", PRODUCER, undefined, PRODUCER).detail,
            `caller in the producer account ${PRODUCER}`,
        );
        assert.deepEqual(identityCheck("producer", CONSUMER, ROLE, PRODUCER), {
            id: "identity:producer",
            status: "FAIL",
            title: "producer credentials",
            detail: `caller ${ROLE} is in account ${CONSUMER}, not the producer account ${PRODUCER}`,
            fix: `pass --producer-profile <a profile of account ${PRODUCER}> (or fix --producer-account / the outputs file)`,
        });
        assert.equal(
            identityCheck("consumer", undefined, undefined, CONSUMER).detail,
            `caller ? is in account ?, not the consumer account ${CONSUMER}`,
        );
        assert.match(identityCheck("consumer", PRODUCER, ROLE, CONSUMER).fix!, /^pass --profile </);
    });

    it("consumer database: found, or missing with the deploy-then-relink fix", () => {
        assert.deepEqual(databaseCheck(model, true), {
            id: "database",
            status: "PASS",
            title: "consumer database",
            detail: `${CONSUMER}:connect_analytics_consumer exists`,
        });
        assert.deepEqual(databaseCheck(model, false), {
            id: "database",
            status: "FAIL",
            title: "consumer database",
            detail: `${CONSUMER}:connect_analytics_consumer does not exist`,
            fix: "deploy the consumer stack (`pulumi up` with the consumer's stack), then run `connect-analytics relink`",
        });
    });

    it("links: each one missing, a regular table, pointing elsewhere, at a target that does not exist, or right, with what to do", () => {
        const link = (name: string, target?: string) => ({
            Name: name,
            ...(target ? { TargetTable: { CatalogId: PRODUCER, DatabaseName: "connect_datalake", Name: target } } : {}),
        });
        const links = new Map([
            ["contacts_link", link("contacts_link")],
            ["agents_link", link("agents_link", "agent_hierarchy_groups")],
            ["queues_link", link("queues_link", "queues")],
        ]);
        const checks = linkChecks(model, { links, targets: new Set(["users", "agents"]) });
        assert.deepEqual(checks, [
            {
                id: "link:users_link",
                status: "FAIL",
                title: "link users_link",
                detail: `missing in ${CONSUMER}:connect_analytics_consumer (should point to ${PRODUCER}:connect_datalake.users)`,
                fix: "run `connect-analytics relink` (or `pulumi up` the consumer stack)",
            },
            {
                id: "link:contacts_link",
                status: "FAIL",
                title: "link contacts_link",
                detail: "contacts_link is a regular table, not a resource link",
                fix: "rename the link (tables[].linkName) or move the table contacts_link away; relink will not replace a table it does not manage",
            },
            {
                id: "link:agents_link",
                status: "FAIL",
                title: "link agents_link",
                detail: `points to ${PRODUCER}:connect_datalake.agent_hierarchy_groups, expected ${PRODUCER}:connect_datalake.agents`,
                fix: "run `connect-analytics relink` to recreate it with the right target",
            },
            {
                id: "link:queues_link",
                status: "FAIL",
                title: "link queues_link",
                detail: `target ${PRODUCER}:connect_datalake.queues does not exist in the producer catalog`,
                fix: "check the table name in the producer database connect_datalake and the stack's tables config",
            },
        ]);
        const right = new Map([["queues_link", link("queues_link", "queues")]]);
        const one = { ...model, tables: [{ name: "queues", linkName: "queues_link" }] } as unknown as ShareModel;
        assert.deepEqual(linkChecks(one, { links: right, targets: new Set(["queues"]) }), [
            {
                id: "link:queues_link",
                status: "PASS",
                title: "link queues_link",
                detail: `→ ${PRODUCER}:connect_datalake.queues`,
            },
        ]);
        assert.equal(
            linkChecks(one, { links: right, targetsError: "AccessDenied" })[0].detail,
            `→ ${PRODUCER}:connect_datalake.queues (target not listed: AccessDenied)`,
        );
        assert.equal(
            linkChecks(one, { links: right })[0].detail,
            `→ ${PRODUCER}:connect_datalake.queues (target not listed: not readable)`,
        );
        assert.deepEqual(linkChecks(one, {}), [
            {
                id: "link:queues_link",
                status: "FAIL",
                title: "link queues_link",
                detail: "consumer database connect_analytics_consumer missing, so is the link",
                fix: "deploy the consumer stack, then run `connect-analytics relink`",
            },
        ]);
    });

    it("IAMAllowedPrincipals on the shared tables or database fails, naming each grant, with the revoke command for the first; elsewhere it passes", () => {
        const iap = (resource: LfGrant["resource"], permissions = ["ALL"]): LfGrant =>
            ({
                side: "producer",
                principal: "IAM_ALLOWED_PRINCIPALS",
                resource,
                permissions,
                grantable: [],
            }) as LfGrant;
        const table = (name: string, databaseName = "connect_datalake") =>
            ({ kind: "table", catalogId: PRODUCER, databaseName, name }) as const;
        const elsewhere = [
            iap(table("users", "other_db")),
            iap(table("not_shared")),
            { ...iap(table("users")), principal: ROLE },
        ];
        assert.deepEqual(iamAllowedPrincipalsCheck(model, elsewhere), {
            id: "iam-allowed-principals",
            status: "PASS",
            title: "IAMAllowedPrincipals on targets",
            detail: "no IAMAllowedPrincipals grants on the shared database or tables",
        });
        const onTable = iamAllowedPrincipalsCheck(model, [
            ...elsewhere,
            iap(table("contacts"), ["DESCRIBE", "SELECT"]),
            iap({ kind: "database", catalogId: PRODUCER, databaseName: "connect_datalake" }),
        ]);
        assert.equal(onTable.status, "FAIL");
        assert.equal(
            onTable.detail,
            `IAMAllowedPrincipals holds DESCRIBE+SELECT on ${PRODUCER}:connect_datalake.contacts; ALL on ${PRODUCER}:connect_datalake`,
        );
        const revoke =
            "aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS";
        assert.equal(
            onTable.fix,
            `revoke them in the producer account: \`${revoke} --permissions DESCRIBE SELECT --resource '{"Table":{"CatalogId":"${PRODUCER}","DatabaseName":"connect_datalake","Name":"contacts"}}'\`` +
                `; then \`${revoke} --permissions ALL --resource '{"Database":{"CatalogId":"${PRODUCER}","Name":"connect_datalake"}}'\``,
        );
        // On every table of the database: TableWildcard, never a table named "*".
        const onEveryTable = iamAllowedPrincipalsCheck(model, [iap(table("*"), ["SELECT"])]);
        assert.equal(
            onEveryTable.fix,
            `revoke them in the producer account: \`${revoke} --permissions SELECT --resource '{"Table":{"CatalogId":"${PRODUCER}","DatabaseName":"connect_datalake","TableWildcard":{}}}'\``,
        );
    });

    describe("RAM invitations", () => {
        const invitation = (
            arn: string,
            status: NonNullable<ResourceShareInvitation["status"]>,
            sender = PRODUCER,
            name?: string,
        ): ResourceShareInvitation => ({
            resourceShareInvitationArn: `${arn}-invitation`,
            resourceShareArn: arn,
            ...(name ? { resourceShareName: name } : {}),
            senderAccountId: sender,
            status,
        });

        it("without known shares: only the owner's pending invitations fail, each with the accept command and the caller's region and profile", () => {
            assert.deepEqual(
                invitationCheck(model, [invitation("s0", "ACCEPTED"), invitation("s1", "PENDING", CONNECT)]),
                [{ id: "ram", status: "PASS", title: "RAM invitations", detail: `none pending from ${PRODUCER}` }],
            );
            assert.deepEqual(
                invitationCheck(model, [invitation("s1", "PENDING", PRODUCER, "tables"), invitation("s2", "PENDING")], {
                    region: "ap-southeast-2",
                    profile: "consumer",
                }),
                [
                    {
                        id: "ram:s1-invitation",
                        status: "FAIL",
                        title: "RAM invitation",
                        detail: `pending from ${PRODUCER}: tables; shared tables stay invisible until accepted`,
                        fix: "aws ram accept-resource-share-invitation --resource-share-invitation-arn s1-invitation --region ap-southeast-2 --profile consumer",
                    },
                    {
                        id: "ram:s2-invitation",
                        status: "FAIL",
                        title: "RAM invitation",
                        detail: `pending from ${PRODUCER}: s2; shared tables stay invisible until accepted`,
                        fix: "aws ram accept-resource-share-invitation --resource-share-invitation-arn s2-invitation --region ap-southeast-2 --profile consumer",
                    },
                ],
            );
        });

        it("with the producer's share ARNs: each share accepted, pending, ended (how to get a new one) or without an invitation", () => {
            const checks = invitationCheck(
                { ...model, dataSource: "connectAnalytics", sourceCatalogId: CONNECT } as ShareModel,
                [
                    invitation("accepted", "PENDING", CONNECT),
                    invitation("accepted", "ACCEPTED", CONNECT),
                    invitation("pending", "PENDING", CONNECT),
                    invitation("expired", "EXPIRED", CONNECT),
                    invitation("other", "ACCEPTED", CONNECT),
                ],
                {},
                ["accepted", "pending", "expired", "none"],
            );
            assert.deepEqual(
                checks.map((c) => [c.id, c.status, c.detail]),
                [
                    ["ram:accepted", "PASS", "accepted accepted"],
                    [
                        "ram:pending-invitation",
                        "FAIL",
                        `pending from ${CONNECT}: pending; shared tables stay invisible until accepted`,
                    ],
                    ["ram:expired", "FAIL", "the invitation to expired is EXPIRED; the tables stay invisible"],
                    [
                        "ram:none",
                        "WARN",
                        "no invitation for none: inside one AWS Organization with RAM sharing on, none is needed",
                    ],
                ],
            );
            assert.match(checks[2].fix!, /^re-associate the datasets .*then accept the new invitation$/);
            assert.equal(
                invitationCheck(model, [invitation("gone", "REJECTED")], {}, ["gone"])[0].fix,
                "have the producer grant again, then accept the new invitation",
            );
        });

        it("each share's check in full: accepted, ended, without an invitation; a pending one with no name or ARN and no hints", () => {
            assert.deepStrictEqual(
                invitationCheck(model, [invitation("ok", "ACCEPTED"), invitation("gone", "REJECTED")], {}, [
                    "ok",
                    "gone",
                    "none",
                ]),
                [
                    { id: "ram:ok", status: "PASS", title: "RAM share", detail: "ok accepted" },
                    {
                        id: "ram:gone",
                        status: "FAIL",
                        title: "RAM share",
                        detail: "the invitation to gone is REJECTED; the tables stay invisible",
                        fix: "have the producer grant again, then accept the new invitation",
                    },
                    {
                        id: "ram:none",
                        status: "WARN",
                        title: "RAM share",
                        detail: "no invitation for none: inside one AWS Organization with RAM sharing on, none is needed",
                        fix: "if the accounts are in different organizations, check `aws ram get-resource-shares --resource-owner OTHER-ACCOUNTS`",
                    },
                ],
            );
            assert.deepStrictEqual(
                invitationCheck(model, [
                    { resourceShareInvitationArn: "inv-1", senderAccountId: PRODUCER, status: "PENDING" },
                ]),
                [
                    {
                        id: "ram:inv-1",
                        status: "FAIL",
                        title: "RAM invitation",
                        detail: `pending from ${PRODUCER}: resource share; shared tables stay invisible until accepted`,
                        fix: "aws ram accept-resource-share-invitation --resource-share-invitation-arn inv-1",
                    },
                ],
            );
        });
    });
});

const READER = `arn:aws:iam::${CONSUMER}:role/analyst_eu`;
const BI = `arn:aws:iam::${CONSUMER}:role/bi`;
const ANALYST = `arn:aws:iam::${CONSUMER}:role/analyst`;
const EXPORT_DB = "connect_analytics_exports";
const LOCATION = "arn:aws:s3:::ca-dev-exports-222222222222/exports/iceberg";

describe("verify's checks of the data lake settings, filters and export tables, in the words the user reads", () => {
    describe("data lake settings", () => {
        const iap = {
            Principal: { DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" },
            Permissions: ["ALL" as const],
        };
        const role = { Principal: { DataLakePrincipalIdentifier: ROLE }, Permissions: ["ALL" as const] };
        const clearDefaults = (account: string) =>
            `in account ${account}: Lake Formation console > Data Catalog settings, untick "Use only IAM access control" for new databases and tables ` +
            "(or put-data-lake-settings with empty CreateDatabaseDefaultPermissions and CreateTableDefaultPermissions, keeping DataLakeAdmins)";

        it("producer: IAMAllowedPrincipals defaults on databases and tables fail, and so does a cross-account version below 3", () => {
            assert.deepStrictEqual(
                settingsChecks("producer", PRODUCER, {
                    CreateDatabaseDefaultPermissions: [iap],
                    CreateTableDefaultPermissions: [role, iap, iap],
                    Parameters: { CROSS_ACCOUNT_VERSION: "2" },
                }),
                [
                    {
                        id: "settings:producer:defaults",
                        status: "FAIL",
                        title: "producer data lake settings",
                        detail: "IAMAllowedPrincipals gets database and table default permissions: new tables bypass Lake Formation grants",
                        fix: clearDefaults(PRODUCER),
                    },
                    {
                        id: "settings:producer:version",
                        status: "FAIL",
                        title: "producer data lake settings",
                        detail: "CROSS_ACCOUNT_VERSION is 2; granting to a role of another account needs 3 or higher",
                        fix: `in account ${PRODUCER}: Lake Formation console > Data Catalog settings > Cross-account version settings: Version 4`,
                    },
                ],
            );
        });

        it("producer: an unset cross-account version is version 1, which fails", () => {
            assert.deepStrictEqual(settingsChecks("producer", PRODUCER, {}), [
                {
                    id: "settings:producer:version",
                    status: "FAIL",
                    title: "producer data lake settings",
                    detail: "CROSS_ACCOUNT_VERSION is unset (1); granting to a role of another account needs 3 or higher",
                    fix: `in account ${PRODUCER}: Lake Formation console > Data Catalog settings > Cross-account version settings: Version 4`,
                },
            ]);
        });

        it("producer: version 3 exactly, and defaults for principals other than IAMAllowedPrincipals, pass", () => {
            assert.deepStrictEqual(
                settingsChecks("producer", PRODUCER, {
                    CreateDatabaseDefaultPermissions: [role],
                    CreateTableDefaultPermissions: [role],
                    Parameters: { CROSS_ACCOUNT_VERSION: "3" },
                }),
                [
                    {
                        id: "settings:producer",
                        status: "PASS",
                        title: "producer data lake settings",
                        detail: "no IAMAllowedPrincipals defaults; CROSS_ACCOUNT_VERSION 3",
                    },
                ],
            );
        });

        it("consumer: IAMAllowedPrincipals defaults only warn (new links are IAM-controlled); its version is not checked", () => {
            assert.deepStrictEqual(
                settingsChecks("consumer", CONSUMER, {
                    CreateTableDefaultPermissions: [iap],
                    Parameters: { CROSS_ACCOUNT_VERSION: "1" },
                }),
                [
                    {
                        id: "settings:consumer:defaults",
                        status: "WARN",
                        title: "consumer data lake settings",
                        detail: "IAMAllowedPrincipals gets table default permissions: new links are IAM-controlled",
                        fix: clearDefaults(CONSUMER),
                    },
                ],
            );
            assert.deepStrictEqual(settingsChecks("consumer", CONSUMER, {}), [
                {
                    id: "settings:consumer",
                    status: "PASS",
                    title: "consumer data lake settings",
                    detail: "no IAMAllowedPrincipals defaults; CROSS_ACCOUNT_VERSION unset (1)",
                },
            ]);
        });
    });

    describe("readers' data cells filters", () => {
        const want = (name: string, tableName: string, rest: Partial<DataFilter> = {}): DataFilter => ({
            name,
            tableCatalogId: PRODUCER,
            databaseName: "connect_datalake",
            tableName,
            excludedColumns: [],
            ...rest,
        });
        const held = (name: string, tableName: string, rest: Partial<DataCellsFilter> = {}): DataCellsFilter => ({
            Name: name,
            TableCatalogId: PRODUCER,
            DatabaseName: "connect_datalake",
            TableName: tableName,
            ...rest,
        });
        const fix = "`pulumi up` the consumer stack (it owns the filters)";

        it("a filter as the consumer stack made it passes, naming its rows and columns", () => {
            assert.deepStrictEqual(
                filterChecks(
                    [
                        want("analyst_eu-users", "users", {
                            rowFilter: "region = 'EU'",
                            excludedColumns: ["email", "phone"],
                        }),
                        want("analyst_eu-contacts", "contacts"),
                    ],
                    [
                        held("analyst_eu-users", "users", {
                            RowFilter: { FilterExpression: "region = 'EU'" },
                            ColumnWildcard: { ExcludedColumnNames: ["phone", "email"] },
                        }),
                        held("analyst_eu-contacts", "contacts", {
                            RowFilter: { AllRowsWildcard: {} },
                            ColumnWildcard: {},
                        }),
                    ],
                ),
                [
                    {
                        id: "filter:analyst_eu-users@connect_datalake",
                        status: "PASS",
                        title: "filter analyst_eu-users on connect_datalake.users",
                        detail: `${PRODUCER}:connect_datalake.users: rows region = 'EU', columns all except [email, phone]`,
                    },
                    {
                        id: "filter:analyst_eu-contacts@connect_datalake",
                        status: "PASS",
                        title: "filter analyst_eu-contacts on connect_datalake.contacts",
                        detail: `${PRODUCER}:connect_datalake.contacts: rows all, columns all except []`,
                    },
                ],
            );
        });

        it("a filter of that name on another table, database or catalog is not the reader's filter: missing", () => {
            const matching = { RowFilter: { AllRowsWildcard: {} }, ColumnWildcard: {} };
            assert.deepStrictEqual(
                filterChecks(
                    [want("bi-users", "users")],
                    [
                        held("bi-users", "contacts", matching),
                        held("bi-users", "users", { ...matching, DatabaseName: EXPORT_DB }),
                        held("bi-users", "users", { ...matching, TableCatalogId: CONSUMER }),
                        held("bi-contacts", "users", matching),
                    ],
                ),
                [
                    {
                        id: "filter:bi-users@connect_datalake",
                        status: "FAIL",
                        title: "filter bi-users on connect_datalake.users",
                        detail: `no filter bi-users on ${PRODUCER}:connect_datalake.users`,
                        fix,
                    },
                ],
            );
        });

        it("a filter edited in the console fails, naming its rows and columns against the stack's", () => {
            const checks = filterChecks(
                [
                    want("analyst_eu-agents", "agents", {
                        rowFilter: "region = 'EU'",
                        excludedColumns: ["email", "phone"],
                    }),
                    want("bi-agents", "agents", { excludedColumns: ["email"] }),
                    want("bi-queues", "queues", { databaseName: EXPORT_DB, tableCatalogId: CONSUMER }),
                    want("analyst_eu-queues", "queues", { rowFilter: "region = 'EU'" }),
                ],
                [
                    held("analyst_eu-agents", "agents", { ColumnNames: ["id", "name"] }),
                    held("bi-agents", "agents", {
                        RowFilter: { FilterExpression: "region = 'US'" },
                        ColumnWildcard: { ExcludedColumnNames: ["phone", "email"] },
                    }),
                    held("bi-queues", "queues", {
                        DatabaseName: EXPORT_DB,
                        TableCatalogId: CONSUMER,
                        RowFilter: { AllRowsWildcard: {} },
                    }),
                    held("analyst_eu-queues", "queues", { RowFilter: { AllRowsWildcard: {} }, ColumnWildcard: {} }),
                ],
            );
            assert.deepStrictEqual(checks, [
                {
                    id: "filter:analyst_eu-agents@connect_datalake",
                    status: "FAIL",
                    title: "filter analyst_eu-agents on connect_datalake.agents",
                    detail:
                        `${PRODUCER}:connect_datalake.agents differs: rows unset (want region = 'EU'); ` +
                        "columns listed (id, name) (want all except [email, phone])",
                    fix,
                },
                {
                    id: "filter:bi-agents@connect_datalake",
                    status: "FAIL",
                    title: "filter bi-agents on connect_datalake.agents",
                    detail:
                        `${PRODUCER}:connect_datalake.agents differs: rows region = 'US' (want all); ` +
                        "columns all except [email, phone] (want all except [email])",
                    fix,
                },
                {
                    id: `filter:bi-queues@${EXPORT_DB}`,
                    status: "FAIL",
                    title: `filter bi-queues on ${EXPORT_DB}.queues`,
                    detail: `${CONSUMER}:${EXPORT_DB}.queues differs: columns listed () (want all except [])`,
                    fix,
                },
                {
                    id: "filter:analyst_eu-queues@connect_datalake",
                    status: "FAIL",
                    title: "filter analyst_eu-queues on connect_datalake.queues",
                    detail: `${PRODUCER}:connect_datalake.queues differs: rows all (want region = 'EU')`,
                    fix,
                },
            ]);
        });
    });

    describe("readers who bypass their filters", () => {
        const readerModel = {
            ...model,
            readers: [
                { principal: READER, tables: ["users", "contacts"], excludedColumns: {} },
                { principal: BI, tables: ["users"], excludedColumns: {} },
            ],
            export: { databaseName: EXPORT_DB, locationArn: LOCATION, readers: [] },
        } as unknown as ShareModel;
        const grant = (principal: string, resource: LfGrant["resource"], permissions: string[]): LfGrant =>
            ({ side: "consumer", principal, resource, permissions, grantable: [] }) as unknown as LfGrant;
        const target = (name: string) =>
            ({ kind: "table", catalogId: PRODUCER, databaseName: "connect_datalake", name }) as const;
        const title = "readers' filters";

        it("a reader holding SELECT or ALL on a table its filter covers fails, with the revoke command; DESCRIBE, databases and other principals' grants do not", () => {
            const checks = readerBypassChecks(readerModel, [
                grant(READER, target("users"), ["SELECT"]),
                grant(READER, target("contacts"), ["DESCRIBE"]),
                grant(READER, { ...target("contacts"), kind: "tableWithColumns", excludedColumns: ["email"] }, [
                    "DESCRIBE",
                    "SELECT",
                ]),
                grant(READER, { kind: "database", catalogId: PRODUCER, databaseName: "connect_datalake" }, ["ALL"]),
                grant(READER, { kind: "table", catalogId: CONSUMER, databaseName: EXPORT_DB, name: "*" }, ["ALL"]),
                grant(ROLE, target("users"), ["SELECT"]),
                grant(BI, target("users"), ["DESCRIBE"]),
            ]);
            const revoke = (resource: string, permissions: string) =>
                `revoke it: \`aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=${READER} --permissions ${permissions} --resource '${resource}'\``;
            const exportAll = `{"Table":{"CatalogId":"${CONSUMER}","DatabaseName":"${EXPORT_DB}","TableWildcard":{}}}`;
            assert.deepStrictEqual(checks, [
                {
                    id: `reader:analyst_eu@${PRODUCER}:connect_datalake.users`,
                    status: "FAIL",
                    title,
                    detail: `reader ${READER} reads ${PRODUCER}:connect_datalake.users through filter analyst_eu-users, and also holds SELECT on ${PRODUCER}:connect_datalake.users: that grant shows every row and overrides the filter`,
                    fix: revoke(
                        `{"Table":{"CatalogId":"${PRODUCER}","DatabaseName":"connect_datalake","Name":"users"}}`,
                        "SELECT",
                    ),
                },
                {
                    id: `reader:analyst_eu@${PRODUCER}:connect_datalake.contacts`,
                    status: "FAIL",
                    title,
                    detail: `reader ${READER} reads ${PRODUCER}:connect_datalake.contacts through filter analyst_eu-contacts, and also holds DESCRIBE+SELECT on ${PRODUCER}:connect_datalake.contacts (all columns except email): that grant shows every row and overrides the filter`,
                    fix: revoke(
                        `{"TableWithColumns":{"CatalogId":"${PRODUCER}","DatabaseName":"connect_datalake","Name":"contacts","ColumnWildcard":{"ExcludedColumnNames":["email"]}}}`,
                        "DESCRIBE SELECT",
                    ),
                },
                {
                    id: `reader:analyst_eu@${CONSUMER}:${EXPORT_DB}.users`,
                    status: "FAIL",
                    title,
                    detail: `reader ${READER} reads ${CONSUMER}:${EXPORT_DB}.users through filter analyst_eu-users, and also holds ALL on ${CONSUMER}:${EXPORT_DB}.*: that grant shows every row and overrides the filter`,
                    fix: revoke(exportAll, "ALL"),
                },
                {
                    id: `reader:analyst_eu@${CONSUMER}:${EXPORT_DB}.contacts`,
                    status: "FAIL",
                    title,
                    detail: `reader ${READER} reads ${CONSUMER}:${EXPORT_DB}.contacts through filter analyst_eu-contacts, and also holds ALL on ${CONSUMER}:${EXPORT_DB}.*: that grant shows every row and overrides the filter`,
                    fix: revoke(exportAll, "ALL"),
                },
            ]);
        });

        it("readers without such a grant pass in one line; no readers, no check", () => {
            assert.deepStrictEqual(
                readerBypassChecks(readerModel, [
                    grant(READER, target("users"), ["DESCRIBE"]),
                    grant(BI, { kind: "database", catalogId: PRODUCER, databaseName: "connect_datalake" }, ["ALL"]),
                ]),
                [
                    {
                        id: "reader-bypass",
                        status: "PASS",
                        title,
                        detail: "no reader holds an all-rows SELECT on a table its filter limits",
                    },
                ],
            );
            const noReaders = { ...readerModel, readers: undefined };
            assert.deepStrictEqual(readerBypassChecks(noReaders, [grant(READER, target("users"), ["SELECT"])]), []);
            assert.deepStrictEqual(readerBypassChecks({ ...readerModel, readers: [] }, []), []);
        });
    });

    describe("IAMAllowedPrincipals on the export's tables", () => {
        const exportModel = {
            ...model,
            readers: [{ principal: READER, tables: ["users"], excludedColumns: {} }],
            export: { databaseName: EXPORT_DB, locationArn: LOCATION, readers: [ANALYST, BI] },
        } as unknown as ShareModel;
        const grant = (principal: string, resource: LfGrant["resource"], permissions: string[]): LfGrant =>
            ({ side: "consumer", principal, resource, permissions, grantable: [] }) as unknown as LfGrant;
        const title = "IAMAllowedPrincipals on export tables";
        const IAP = "IAM_ALLOWED_PRINCIPALS";
        const elsewhere = [
            grant(IAP, { kind: "table", catalogId: PRODUCER, databaseName: EXPORT_DB, name: "users" }, ["ALL"]),
            grant(IAP, { kind: "database", catalogId: PRODUCER, databaseName: EXPORT_DB }, ["ALL"]),
            grant(
                IAP,
                { kind: "table", catalogId: CONSUMER, databaseName: "connect_analytics_consumer", name: "users_link" },
                ["ALL"],
            ),
            grant(IAP, { kind: "database", catalogId: CONSUMER, databaseName: "default" }, ["ALL"]),
            grant(IAP, { kind: "lfTag", catalogId: CONSUMER, key: "team", values: ["analytics"] }, ["DESCRIBE"]),
            grant(IAP, { kind: "dataLocation", catalogId: CONSUMER, arn: LOCATION }, ["DATA_LOCATION_ACCESS"]),
            grant(ANALYST, { kind: "table", catalogId: CONSUMER, databaseName: EXPORT_DB, name: "*" }, [
                "DESCRIBE",
                "SELECT",
            ]),
        ];

        it("none on the export database or its tables (other catalogs, databases, principals aside): PASS; no export, no check", () => {
            assert.deepStrictEqual(exportIamAllowedPrincipalsCheck(exportModel, elsewhere), {
                id: "iam-allowed-principals:export",
                status: "PASS",
                title,
                detail: `no IAMAllowedPrincipals grants on ${EXPORT_DB} or its tables`,
            });
            assert.equal(exportIamAllowedPrincipalsCheck(model, elsewhere), undefined);
        });

        it("on the database, a table or its columns: FAIL naming each grant and whose filters it bypasses, with one revoke command each", () => {
            const revoke = (permissions: string, resource: string) =>
                `aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS --permissions ${permissions} --resource '${resource}'`;
            assert.deepStrictEqual(
                exportIamAllowedPrincipalsCheck(exportModel, [
                    ...elsewhere,
                    grant(IAP, { kind: "database", catalogId: CONSUMER, databaseName: EXPORT_DB }, ["DESCRIBE"]),
                    grant(IAP, { kind: "table", catalogId: CONSUMER, databaseName: EXPORT_DB, name: "users" }, ["ALL"]),
                    grant(
                        IAP,
                        {
                            kind: "tableWithColumns",
                            catalogId: CONSUMER,
                            databaseName: EXPORT_DB,
                            name: "contacts",
                            excludedColumns: ["email"],
                        },
                        ["DESCRIBE", "SELECT"],
                    ),
                ]),
                {
                    id: "iam-allowed-principals:export",
                    status: "FAIL",
                    title,
                    detail:
                        `IAMAllowedPrincipals holds DESCRIBE on ${CONSUMER}:${EXPORT_DB}; ALL on ${CONSUMER}:${EXPORT_DB}.users; ` +
                        `DESCRIBE+SELECT on ${CONSUMER}:${EXPORT_DB}.contacts (all columns except email): ` +
                        "any IAM principal with Glue and Athena access reads those tables whole, past the filters and grants of analyst, bi, analyst_eu",
                    fix: [
                        revoke("DESCRIBE", `{"Database":{"CatalogId":"${CONSUMER}","Name":"${EXPORT_DB}"}}`),
                        revoke(
                            "ALL",
                            `{"Table":{"CatalogId":"${CONSUMER}","DatabaseName":"${EXPORT_DB}","Name":"users"}}`,
                        ),
                        revoke(
                            "DESCRIBE SELECT",
                            `{"TableWithColumns":{"CatalogId":"${CONSUMER}","DatabaseName":"${EXPORT_DB}","Name":"contacts","ColumnWildcard":{"ExcludedColumnNames":["email"]}}}`,
                        ),
                    ].join("; then "),
                },
            );
        });

        it("without readers or export readers, the detail names no one", () => {
            const alone = { ...exportModel, readers: undefined, export: { ...exportModel.export!, readers: [] } };
            assert.deepStrictEqual(
                exportIamAllowedPrincipalsCheck(alone, [
                    grant(IAP, { kind: "table", catalogId: CONSUMER, databaseName: EXPORT_DB, name: "*" }, ["ALL"]),
                ]),
                {
                    id: "iam-allowed-principals:export",
                    status: "FAIL",
                    title,
                    detail:
                        `IAMAllowedPrincipals holds ALL on ${CONSUMER}:${EXPORT_DB}.*: ` +
                        "any IAM principal with Glue and Athena access reads those tables whole",
                    fix: `aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS --permissions ALL --resource '{"Table":{"CatalogId":"${CONSUMER}","DatabaseName":"${EXPORT_DB}","TableWildcard":{}}}'`,
                },
            );
        });

        it("a principal that is both an export reader and a reader is named once", () => {
            const both = { ...exportModel, export: { ...exportModel.export!, readers: [READER] } };
            assert.match(
                exportIamAllowedPrincipalsCheck(both, [
                    grant(IAP, { kind: "table", catalogId: CONSUMER, databaseName: EXPORT_DB, name: "*" }, ["ALL"]),
                ])!.detail,
                /past the filters and grants of analyst_eu$/,
            );
        });
    });

    describe("Connect dataset associations", () => {
        const connect = { ...model, dataSource: "connectAnalytics", sourceCatalogId: CONNECT } as ShareModel;
        const SHARE = "arn:aws:ram:ap-southeast-2:444455556666:resource-share/abc";

        it("without the associations (no producer credentials, or an error), one WARN names the producer profile flag to pass", () => {
            assert.deepStrictEqual(associationChecks(connect, "inst-1", {}), [
                {
                    id: "association",
                    status: "WARN",
                    title: "dataset associations",
                    detail: "not checked: no producer credentials",
                    fix: `run verify again with --producer-profile <profile of ${PRODUCER}> (the Connect instance's account)`,
                },
            ]);
            assert.deepStrictEqual(
                associationChecks(connect, "inst-1", { error: "AccessDenied" }, { producerProfile: "prod" }, true),
                [
                    {
                        id: "association@inst-1",
                        status: "WARN",
                        title: "dataset associations",
                        detail: "not checked: AccessDenied",
                        fix: "run verify again with --producer-profile prod (the Connect instance's account)",
                    },
                ],
            );
        });

        it("each table's dataset associated with the consumer account: its share ACTIVE or unreported passes, PENDING warns, any other state fails", () => {
            const checks = associationChecks(connect, "inst-1", {
                associations: [
                    {
                        DataSetId: "users",
                        TargetAccountId: CONSUMER,
                        ResourceShareArn: SHARE,
                        ResourceShareStatus: "ACTIVE",
                    },
                    { DataSetId: "contacts", TargetAccountId: CONSUMER },
                    {
                        DataSetId: "agents",
                        TargetAccountId: CONSUMER,
                        ResourceShareArn: SHARE,
                        ResourceShareStatus: "PENDING",
                    },
                    { DataSetId: "queues", TargetAccountId: "999999999999", ResourceShareStatus: "ACTIVE" },
                    {
                        DataSetId: "queues",
                        TargetAccountId: CONSUMER,
                        ResourceShareArn: SHARE,
                        ResourceShareStatus: "FAILED",
                    },
                ],
            });
            assert.deepStrictEqual(checks, [
                {
                    id: "association:users",
                    status: "PASS",
                    title: "association users",
                    detail: `users of inst-1 is associated with ${CONSUMER}, share ${SHARE} ACTIVE`,
                },
                {
                    id: "association:contacts",
                    status: "PASS",
                    title: "association contacts",
                    detail: `contacts of inst-1 is associated with ${CONSUMER}, share (no ARN) (status not reported)`,
                },
                {
                    id: "association:agents",
                    status: "WARN",
                    title: "association agents",
                    detail: `agents of inst-1 is associated with ${CONSUMER}, share ${SHARE} PENDING`,
                    fix: "accept the RAM invitation in the consumer account (the consumer stack does, when it deploys)",
                },
                {
                    id: "association:queues",
                    status: "FAIL",
                    title: "association queues",
                    detail: `queues of inst-1 is associated with ${CONSUMER}, share ${SHARE} FAILED`,
                    fix: "associate the dataset again (replace the producer's association: `pulumi up --replace <urn>`), which makes a new share",
                },
            ]);
        });

        it("a dataset not associated with the consumer account fails (another account's association does not count); with several instances the id names the instance", () => {
            const one = { ...connect, tables: [{ name: "users", linkName: "users_link" }] } as ShareModel;
            const other = {
                associations: [{ DataSetId: "users", TargetAccountId: "999999999999", ResourceShareStatus: "ACTIVE" }],
            };
            assert.deepStrictEqual(associationChecks(one, undefined, other), [
                {
                    id: "association:users",
                    status: "FAIL",
                    title: "association users",
                    detail: `users of the instance is not associated with ${CONSUMER}`,
                    fix: "`pulumi up` the producer stack (or `aws connect associate-analytics-data-set`)",
                },
            ]);
            assert.deepStrictEqual(
                associationChecks(one, "inst-2", { associations: [] }, {}, true).map((c) => [c.id, c.detail]),
                [["association:users@inst-2", `users of inst-2 is not associated with ${CONSUMER}`]],
            );
        });
    });

    describe("grants", () => {
        const OPTIMIZER = `arn:aws:iam::${CONSUMER}:role/ca-dev-table-optimizer`;
        const passed = (id: string, title: string, detail: string) => ({ id, status: "PASS", title, detail });
        const held = (m: ShareModel) => ({
            producer: requiredGrants(m).filter((g) => g.side === "producer"),
            consumer: requiredGrants(m).filter((g) => g.side === "consumer"),
        });

        it("every grant held: one PASS each, titled by what it is on, naming who holds what (with the grant option)", () => {
            const full = {
                ...model,
                tables: [
                    { name: "users", linkName: "users_link" },
                    { name: "contacts", linkName: "contacts_link", excludedColumns: ["email"] },
                    { name: "agents", linkName: "agents_link", excludedColumns: ["phone", "email"] },
                ],
                consumerPrincipalArn: ROLE,
                grantWithGrantOption: true,
                readers: [{ principal: READER, tables: ["users"], rowFilter: "region = 'EU'", excludedColumns: {} }],
                export: {
                    databaseName: EXPORT_DB,
                    locationArn: LOCATION,
                    readers: [ANALYST],
                    optimizerRoleArn: OPTIMIZER,
                },
            } as unknown as ShareModel;
            const P = `${PRODUCER}:connect_datalake`;
            const C = `${CONSUMER}:connect_analytics_consumer`;
            assert.deepStrictEqual(grantChecks(full, held(full)), [
                passed(
                    `grant:producer:table:${P}.users`,
                    "DESCRIBE+SELECT on target users",
                    `role ops has DESCRIBE+SELECT (grantable: DESCRIBE+SELECT) on ${P}.users in the producer catalog`,
                ),
                passed(
                    `grant:producer:table:${P}.contacts`,
                    "DESCRIBE on target contacts",
                    `role ops has DESCRIBE (grantable: DESCRIBE) on ${P}.contacts in the producer catalog`,
                ),
                passed(
                    `grant:producer:tableWithColumns:${P}.contacts:-email`,
                    "SELECT on target contacts (minus 1 column)",
                    `role ops has SELECT (grantable: SELECT) on ${P}.contacts (all columns except email) in the producer catalog`,
                ),
                passed(
                    `grant:producer:table:${P}.agents`,
                    "DESCRIBE on target agents",
                    `role ops has DESCRIBE (grantable: DESCRIBE) on ${P}.agents in the producer catalog`,
                ),
                passed(
                    `grant:producer:tableWithColumns:${P}.agents:-email,phone`,
                    "SELECT on target agents (minus 2 columns)",
                    `role ops has SELECT (grantable: SELECT) on ${P}.agents (all columns except email, phone) in the producer catalog`,
                ),
                passed(
                    `grant:consumer:table:${C}.users_link`,
                    "DESCRIBE on link users_link",
                    `role ops has DESCRIBE on ${C}.users_link`,
                ),
                passed(
                    `grant:consumer:table:${C}.contacts_link`,
                    "DESCRIBE on link contacts_link",
                    `role ops has DESCRIBE on ${C}.contacts_link`,
                ),
                passed(
                    `grant:consumer:table:${C}.agents_link`,
                    "DESCRIBE on link agents_link",
                    `role ops has DESCRIBE on ${C}.agents_link`,
                ),
                passed(
                    `grant:consumer:database:${CONSUMER}:default`,
                    "DESCRIBE on database default",
                    `role ops has DESCRIBE on ${CONSUMER}:default`,
                ),
                passed(
                    `grant:consumer:dataCellsFilter:${P}.users/analyst_eu-users@${READER}`,
                    "SELECT on users through filter analyst_eu-users",
                    `${READER} has SELECT on ${P}.users through filter analyst_eu-users`,
                ),
                passed(
                    `grant:consumer:table:${C}.users_link@${READER}`,
                    "DESCRIBE on link users_link",
                    `${READER} has DESCRIBE on ${C}.users_link`,
                ),
                passed(
                    `grant:consumer:database:${CONSUMER}:default@${READER}`,
                    "DESCRIBE on database default",
                    `${READER} has DESCRIBE on ${CONSUMER}:default`,
                ),
                passed(
                    `grant:consumer:database:${CONSUMER}:${EXPORT_DB}`,
                    `CREATE_TABLE+DESCRIBE on database ${EXPORT_DB}`,
                    `role ops has CREATE_TABLE+DESCRIBE on ${CONSUMER}:${EXPORT_DB}`,
                ),
                passed(
                    `grant:consumer:dataLocation:${CONSUMER}:${LOCATION}`,
                    `DATA_LOCATION_ACCESS on location ${LOCATION}`,
                    `role ops has DATA_LOCATION_ACCESS on ${CONSUMER}:location ${LOCATION}`,
                ),
                passed(
                    `grant:consumer:table:${CONSUMER}:${EXPORT_DB}.*@${OPTIMIZER}`,
                    `ALTER+DELETE+DESCRIBE+INSERT on every table of ${EXPORT_DB}`,
                    `${OPTIMIZER} has ALTER+DELETE+DESCRIBE+INSERT on ${CONSUMER}:${EXPORT_DB}.*`,
                ),
                passed(
                    `grant:consumer:database:${CONSUMER}:${EXPORT_DB}@${ANALYST}`,
                    `DESCRIBE on database ${EXPORT_DB}`,
                    `${ANALYST} has DESCRIBE on ${CONSUMER}:${EXPORT_DB}`,
                ),
                passed(
                    `grant:consumer:table:${CONSUMER}:${EXPORT_DB}.*@${ANALYST}`,
                    `DESCRIBE+SELECT on every table of ${EXPORT_DB}`,
                    `${ANALYST} has DESCRIBE+SELECT on ${CONSUMER}:${EXPORT_DB}.*`,
                ),
                passed(
                    `grant:consumer:database:${CONSUMER}:${EXPORT_DB}@${READER}`,
                    `DESCRIBE on database ${EXPORT_DB}`,
                    `${READER} has DESCRIBE on ${CONSUMER}:${EXPORT_DB}`,
                ),
                passed(
                    `grant:consumer:dataCellsFilter:${CONSUMER}:${EXPORT_DB}.users/analyst_eu-users@${READER}`,
                    "SELECT on users through filter analyst_eu-users",
                    `${READER} has SELECT on ${CONSUMER}:${EXPORT_DB}.users through filter analyst_eu-users`,
                ),
            ]);
            // The role, a reader and an export reader need the same DESCRIBE on default and on the
            // export database: each check keeps an id of its own (the JSON output is keyed by it).
            const ids = grantChecks(full, held(full)).map((c) => c.id);
            assert.equal(new Set(ids).size, ids.length);
        });

        it("LF-tag mode: the producer's grants to the consumer account are titled by their tags", () => {
            const tagged = {
                ...model,
                tables: [{ name: "users", linkName: "users_link" }],
                consumerPrincipalArn: ROLE,
                sharingMode: "lfTags",
                lfTags: { team: "analytics", env: "prod" },
            } as unknown as ShareModel;
            const where = `${PRODUCER}:TABLE where env in (prod) and team in (analytics)`;
            assert.deepStrictEqual(grantChecks(tagged, held(tagged)).slice(0, 4), [
                passed(
                    `grant:producer:lfTagPolicy:${PRODUCER}:TABLE:env=prod&team=analytics`,
                    "DESCRIBE+SELECT on tables tagged env=prod,team=analytics",
                    `account ${CONSUMER} has DESCRIBE+SELECT (grantable: DESCRIBE+SELECT) on ${where} in the producer catalog`,
                ),
                passed(
                    `grant:producer:lfTag:${PRODUCER}:env=prod`,
                    "DESCRIBE on LF-tag env",
                    `account ${CONSUMER} has DESCRIBE (grantable: DESCRIBE) on ${PRODUCER}:LF-tag env=prod in the producer catalog`,
                ),
                passed(
                    `grant:producer:lfTag:${PRODUCER}:team=analytics`,
                    "DESCRIBE on LF-tag team",
                    `account ${CONSUMER} has DESCRIBE (grantable: DESCRIBE) on ${PRODUCER}:LF-tag team=analytics in the producer catalog`,
                ),
                passed(
                    `grant:consumer:lfTagPolicy:${PRODUCER}:TABLE:env=prod&team=analytics`,
                    "DESCRIBE+SELECT on tables tagged env=prod,team=analytics",
                    `role ops has DESCRIBE+SELECT on ${where}`,
                ),
            ]);
            // Granted to the account, not the role: the consumer's grants cannot vouch for them.
            assert.deepStrictEqual(grantChecks(tagged, { consumer: held(tagged).consumer }).slice(-1), [
                {
                    id: "grant:producer:unverified",
                    status: "WARN",
                    title: "3 producer grant(s)",
                    detail: "not verifiable from consumer credentials: the producer makes them in its own catalog",
                    fix: `run verify again with --producer-profile <profile of ${PRODUCER}>`,
                },
            ]);
        });

        it("a target the consumer catalog owns itself, outside the links' database, is titled by its database and table", () => {
            const own = {
                ...model,
                tables: [{ name: "users", linkName: "users_link" }],
                consumerPrincipalArn: ROLE,
                dataSource: "connectAnalytics",
                sourceCatalogId: CONSUMER,
            } as unknown as ShareModel;
            assert.equal(grantChecks(own, held(own))[0].title, "DESCRIBE+SELECT on table connect_datalake.users");
        });

        describe("one shared table, named mode", () => {
            const one = {
                ...model,
                tables: [{ name: "users", linkName: "users_link" }],
                consumerPrincipalArn: ROLE,
            } as unknown as ShareModel;
            const users = {
                kind: "table",
                catalogId: PRODUCER,
                databaseName: "connect_datalake",
                name: "users",
            } as const;
            const read = (principal: string, side: "producer" | "consumer", grantable: string[] = []): LfGrant =>
                ({
                    side,
                    principal,
                    resource: users,
                    permissions: ["DESCRIBE", "SELECT"],
                    grantable,
                }) as unknown as LfGrant;
            const id = `grant:producer:table:${PRODUCER}:connect_datalake.users`;
            const title = "DESCRIBE+SELECT on target users";
            const what = `DESCRIBE+SELECT on ${PRODUCER}:connect_datalake.users`;

            it("the consumer's grants unreadable: each consumer grant fails on the access error, the producer's are unverified", () => {
                assert.deepStrictEqual(grantChecks(one, { consumerError: "AccessDeniedException: no" }), [
                    {
                        id: `grant:consumer:table:${CONSUMER}:connect_analytics_consumer.users_link`,
                        status: "FAIL",
                        title: "DESCRIBE on link users_link",
                        detail: "cannot list the consumer's grants: AccessDeniedException: no",
                        fix: "fix the access error above, then run verify again",
                    },
                    {
                        id: `grant:consumer:database:${CONSUMER}:default`,
                        status: "FAIL",
                        title: "DESCRIBE on database default",
                        detail: "cannot list the consumer's grants: AccessDeniedException: no",
                        fix: "fix the access error above, then run verify again",
                    },
                    {
                        id: "grant:producer:unverified",
                        status: "WARN",
                        title: "1 producer grant(s)",
                        detail: "not verifiable from consumer credentials: the producer makes them in its own catalog",
                        fix: `run verify again with --producer-profile <profile of ${PRODUCER}>`,
                    },
                ]);
            });

            it("without the producer's grants: the consumer's lacks fail, the producer's unverified grants name the producer error and profile", () => {
                assert.deepStrictEqual(
                    grantChecks(one, { consumer: [], producerError: "ExpiredToken" }, { producerProfile: "prod" }),
                    [
                        {
                            id: `grant:consumer:table:${CONSUMER}:connect_analytics_consumer.users_link`,
                            status: "FAIL",
                            title: "DESCRIBE on link users_link",
                            detail: `role ops lacks DESCRIBE on ${CONSUMER}:connect_analytics_consumer.users_link`,
                            fix: "run `connect-analytics grant` with consumer credentials (or `pulumi up` the consumer stack)",
                        },
                        {
                            id: `grant:consumer:database:${CONSUMER}:default`,
                            status: "FAIL",
                            title: "DESCRIBE on database default",
                            detail: `role ops lacks DESCRIBE on ${CONSUMER}:default`,
                            fix: "run `connect-analytics grant` with consumer credentials (or `pulumi up` the consumer stack)",
                        },
                        {
                            id: "grant:producer:unverified",
                            status: "WARN",
                            title: "1 producer grant(s)",
                            detail: "not verifiable from consumer credentials (ExpiredToken): the producer makes them in its own catalog",
                            fix: "run verify again with --producer-profile prod",
                        },
                    ],
                );
            });

            it("without the producer's grants, the consumer account's re-grant to the role passes", () => {
                assert.deepStrictEqual(grantChecks(one, { consumer: [read(ROLE, "consumer")] })[0], {
                    id,
                    status: "PASS",
                    title,
                    detail: `role ops has ${what} (granted by the consumer account)`,
                });
            });

            it("granted to the consumer account: passes when it re-granted it to the role, fails naming the direct grant otherwise", () => {
                const producer = [read(CONSUMER, "producer", ["DESCRIBE", "SELECT"])];
                assert.deepStrictEqual(grantChecks(one, { consumer: [read(ROLE, "consumer")], producer })[0], {
                    id,
                    status: "PASS",
                    title,
                    detail: `${what} granted to account ${CONSUMER}, which re-granted it to role ops`,
                });
                assert.deepStrictEqual(grantChecks(one, { consumer: [], producer })[0], {
                    id,
                    status: "FAIL",
                    title,
                    detail: `${what} is granted to account ${CONSUMER} but not passed on to role ops`,
                    fix: `run \`connect-analytics grant --producer-profile <profile of ${PRODUCER}>\` to grant the role directly`,
                });
            });

            it("the role lacking a permission and the grant option: both named", () => {
                const withOption = { ...one, grantWithGrantOption: true } as ShareModel;
                const describeOnly = {
                    ...read(ROLE, "producer"),
                    permissions: ["DESCRIBE"],
                } as unknown as LfGrant;
                assert.deepStrictEqual(
                    grantChecks(withOption, { consumer: [], producer: [describeOnly] }, { producerProfile: "prod" })[0],
                    {
                        id,
                        status: "FAIL",
                        title,
                        detail: `role ops lacks SELECT and grant option on DESCRIBE, SELECT on ${PRODUCER}:connect_datalake.users`,
                        fix: "run `connect-analytics grant --producer-profile prod` (or `pulumi up` the producer stack)",
                    },
                );
            });
        });
    });
});
