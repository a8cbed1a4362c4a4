/**
 * `verify`: fetch what the checks need with a fixed number of list calls (paginated, never
 * one call per table), then let `checks.ts` judge. Without --query, 40 tables cost the same
 * calls as 3 (one page each): see tests/cli-verify.test.ts and bench/cli.bench.ts.
 *
 * Producer-catalog grants (SELECT on the targets) are read with the producer's credentials
 * (`--producer-profile`): the producer grants the role in its own catalog, and listing them from
 * the consumer account is not dependable (the producer's permissions are not the consumer's to
 * list; cross-account role grants go missing from filtered listings: terraform-provider-aws
 * #48360, #49669). Without producer credentials, verify reports them as WARN unless the consumer
 * account re-granted them to the role itself.
 */
import { GetDataLakeSettingsCommand } from "@aws-sdk/client-lakeformation";
import { paginateGetResourceShareInvitations } from "@aws-sdk/client-ram";
import { exportReaderFilters, LfGrant, readerFilters, sourceCatalogOf } from "../lib/permissions";
import { queryChecks, QueryOptions } from "./athena";
import { AwsClients, call, collect, tagWhich } from "./aws";
import { listAssociations } from "./connectDatasets";
import {
    associationChecks,
    AssociationFacts,
    Check,
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
} from "./checks";
import { isCredentialError, isUnexpectedResponse, renderError } from "./errors";
import { databaseExists, tablesOf } from "./glue";
import { listFilters, listGrants } from "./lf";
import { identify, Identity, Session } from "./session";

/** GetResourceShareInvitations' documented maximum page size. */
const INVITATIONS_PAGE = 500;

export interface VerifyOptions {
    /** Run the Athena check; undefined: skip it. */
    readonly query?: QueryOptions;
}

export interface VerifyResult {
    readonly checks: Check[];
    /** Set when verify stopped early (wrong account): later checks would judge the wrong account. */
    readonly stopped?: string;
}

export async function verify(
    session: Session,
    options: VerifyOptions = {},
    onCheck?: (c: Check) => void,
): Promise<VerifyResult> {
    const { model } = session.targets;
    const checks: Check[] = [];
    const emit = (...cs: Check[]) => {
        for (const c of cs) {
            checks.push(c);
            onCheck?.(c);
        }
    };
    /** Runs one step; an AWS error other than bad credentials becomes a FAIL of that step, not the end of verify. */
    const step = async (
        id: string,
        title: string,
        body: () => Promise<void>,
        principal?: string,
        which: "main" | "producer" = "main",
    ) => {
        try {
            await body();
        } catch (err) {
            if (isCredentialError(err)) throw tagWhich(err, which);
            emit({
                id,
                status: "FAIL",
                title,
                detail: renderError(err, { principal }),
                fix: isUnexpectedResponse(err)
                    ? "check where requests go (AWS_ENDPOINT_URL, HTTPS_PROXY, --region), then run again"
                    : "grant the caller the action named, or use credentials that have it",
            });
        }
    };

    const consumerIdentity: Identity = await identify(session, "main");
    const consumerCheck = identityCheck(
        "consumer",
        consumerIdentity.account,
        consumerIdentity.arn,
        model.consumerAccountId,
    );
    emit(consumerCheck);
    if (consumerCheck.status !== "PASS") {
        return { checks, stopped: "verify reads the consumer account: run it with consumer credentials" };
    }
    const principal = consumerIdentity.arn;

    let producer: AwsClients | undefined;
    let producerPrincipal: string | undefined;
    if (session.producer) {
        const id = await identify(session, "producer");
        const c = identityCheck("producer", id.account, id.arn, model.producerAccountId);
        emit(c);
        if (c.status === "PASS") {
            producer = session.producer;
            producerPrincipal = id.arn;
        }
    }

    const connect = model.dataSource === "connectAnalytics";
    if (connect) {
        const instances = session.targets.connectInstanceIds;
        for (const instanceId of instances.length > 0 ? instances : [undefined]) {
            let associations: AssociationFacts;
            if (!producer) {
                associations = {
                    error: session.producer
                        ? "the producer profile is not the producer account"
                        : "no --producer-profile",
                };
            } else {
                try {
                    if (!instanceId) {
                        throw new Error(
                            "the producer's outputs name no connectInstanceId; pass the producer's outputs file",
                        );
                    }
                    associations = { associations: await listAssociations(producer, instanceId) };
                } catch (err) {
                    if (isCredentialError(err)) throw tagWhich(err, "producer");
                    associations = { error: renderError(err, { principal: producerPrincipal }) };
                }
            }
            emit(...associationChecks(model, instanceId, associations, session.hints, instances.length > 1));
        }
    }

    let dbFound = false;
    await step(
        "database",
        "consumer database",
        async () => {
            dbFound = await databaseExists(session.main, model.consumerDatabaseName);
            emit(databaseCheck(model, dbFound));
        },
        principal,
    );

    await step(
        "links",
        "resource links",
        async () => {
            const links = dbFound ? await tablesOf(session.main, model.consumerDatabaseName) : undefined;
            let targets: Set<string> | undefined;
            let targetsError: string | undefined;
            try {
                // Connect's catalog shares with the consumer account; the producer's own catalog is its to read.
                const reader = connect ? session.main : (producer ?? session.main);
                targets = new Set((await tablesOf(reader, model.producerDatabaseName, sourceCatalogOf(model))).keys());
            } catch (err) {
                if (isCredentialError(err)) throw producer ? tagWhich(err, "producer") : err;
                targetsError = renderError(err, { principal: producer ? producerPrincipal : principal });
            }
            emit(...linkChecks(model, { links, targets, targetsError }));
        },
        principal,
    );

    const filters = [...readerFilters(model), ...exportReaderFilters(model)];
    if (filters.length > 0) {
        await step(
            "filters",
            "data cells filters",
            async () => emit(...filterChecks(filters, await listFilters(session.main.lakeformation))),
            principal,
        );
    }

    let consumerGrants: LfGrant[] | undefined;
    let consumerError: string | undefined;
    try {
        consumerGrants = await listGrants(session.main.lakeformation, model.consumerAccountId, "consumer");
    } catch (err) {
        if (isCredentialError(err)) throw err;
        consumerError = renderError(err, { principal });
    }
    let producerGrants: LfGrant[] | undefined;
    let producerError: string | undefined;
    // With Connect's catalog every grant is the consumer's: the producer's catalog holds none.
    if (producer && !connect) {
        try {
            producerGrants = await listGrants(producer.lakeformation, model.producerAccountId, "producer");
        } catch (err) {
            if (isCredentialError(err)) throw tagWhich(err, "producer");
            producerError = renderError(err, { principal: producerPrincipal });
        }
    } else if (!connect) {
        producerError = session.producer ? "the producer profile is not the producer account" : "no --producer-profile";
    }
    emit(
        ...grantChecks(
            model,
            { consumer: consumerGrants, consumerError, producer: producerGrants, producerError },
            session.hints,
        ),
    );
    if (producerGrants) emit(iamAllowedPrincipalsCheck(model, producerGrants));
    if (consumerGrants) {
        const exported = exportIamAllowedPrincipalsCheck(model, consumerGrants);
        if (exported) emit(exported);
        // A reader's wide grant may come from either catalog (a producer granting it directly too).
        emit(...readerBypassChecks(model, [...consumerGrants, ...(producerGrants ?? [])]));
    }

    await step(
        "ram",
        "RAM invitations",
        async () => {
            const invitations = await collect(
                "ram:GetResourceShareInvitations",
                paginateGetResourceShareInvitations({ client: session.main.ram, pageSize: INVITATIONS_PAGE }, {}),
                (page) => page.resourceShareInvitations,
            );
            emit(...invitationCheck(model, invitations, session.hints, session.targets.ramShareArns));
        },
        principal,
    );

    await step(
        "settings:consumer",
        "consumer data lake settings",
        async () => {
            const out = await call("lakeformation:GetDataLakeSettings", () =>
                session.main.lakeformation.send(new GetDataLakeSettingsCommand({ CatalogId: model.consumerAccountId })),
            );
            emit(...settingsChecks("consumer", model.consumerAccountId, out.DataLakeSettings ?? {}));
        },
        principal,
    );
    if (connect) {
        // The producer's Lake Formation settings play no part: Connect shares from its own catalog.
    } else if (producer) {
        const p = producer;
        await step(
            "settings:producer",
            "producer data lake settings",
            async () => {
                const out = await call("lakeformation:GetDataLakeSettings", () =>
                    p.lakeformation.send(new GetDataLakeSettingsCommand({ CatalogId: model.producerAccountId })),
                );
                emit(...settingsChecks("producer", model.producerAccountId, out.DataLakeSettings ?? {}));
            },
            producerPrincipal,
            "producer",
        );
    } else {
        emit({
            id: "settings:producer",
            status: "WARN",
            title: "producer data lake settings",
            detail: "not checked without producer credentials (IAMAllowedPrincipals defaults, cross-account version)",
            fix: `run verify again with --producer-profile <profile of ${model.producerAccountId}>`,
        });
    }

    if (options.query) {
        const q = options.query;
        await step(
            "query",
            "queries as the function's role",
            async () => void (await queryChecks(session.main.lambda, model, q, (c) => emit(c))),
            principal,
        );
    }
    return { checks };
}
