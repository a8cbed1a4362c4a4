/**
 * What `verify` tells the user, check by check (cli/checks.ts, pure functions of what AWS returned):
 * the id, status, what was found and the one-line fix, written out in full for the identity, the
 * consumer database and the RAM invitations, so a fix that names the wrong flag or account fails.
 */
import { strict as assert } from "assert";
import { databaseCheck, iamAllowedPrincipalsCheck, identityCheck, invitationCheck, linkChecks } from "../cli/checks";
import type { ResourceShareInvitation } from "@aws-sdk/client-ram";
import type { LfGrant, ShareModel } from "../lib/permissions";

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
        assert.equal(
            onTable.fix,
            "revoke them in the producer account, e.g. `aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS " +
                `--permissions ALL --resource '{"Table":{"DatabaseName":"connect_datalake","Name":"contacts"}}'\``,
        );
        const onDatabase = iamAllowedPrincipalsCheck(model, [
            iap({ kind: "database", catalogId: PRODUCER, databaseName: "connect_datalake" }),
        ]);
        assert.match(onDatabase.fix!, /--resource '\{"Database":\{"Name":"connect_datalake"\}\}'`$/);
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
    });
});
