/**
 * What `verify` tells the user, check by check (cli/checks.ts, pure functions of what AWS returned):
 * the id, status, what was found and the one-line fix, written out in full for the identity, the
 * consumer database and the RAM invitations, so a fix that names the wrong flag or account fails.
 */
import { strict as assert } from "assert";
import { databaseCheck, identityCheck, invitationCheck } from "../cli/checks";
import type { ResourceShareInvitation } from "@aws-sdk/client-ram";
import type { ShareModel } from "../lib/permissions";

const PRODUCER = "111111111111";
const CONSUMER = "222222222222";
const CONNECT = "444455556666";
const model = {
    producerAccountId: PRODUCER,
    consumerAccountId: CONSUMER,
    producerDatabaseName: "connect_datalake",
    consumerDatabaseName: "connect_analytics_consumer",
    tables: [],
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
