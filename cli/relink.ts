/**
 * `relink`: compares the consumer database with the links the model expects, then creates the
 * missing links and recreates the ones pointing elsewhere. It deletes only a resource link whose
 * name the model manages and whose target is wrong; a regular table in the way is reported and
 * left alone, and links the model does not name are never touched.
 */
import { CreateTableCommand, DeleteTableCommand, Table } from "@aws-sdk/client-glue";
import { describeTable, ShareModel, targetOf } from "../lib/permissions";
import { call } from "./aws";
import { UsageError } from "./errors";
import { identify, Session } from "./session";
import { databaseExists, tablesOf } from "./glue";

export type LinkAction = "ok" | "create" | "replace" | "blocked";

export interface LinkPlan {
    readonly action: LinkAction;
    readonly link: string;
    /** `catalog:database.table` the link must point to. */
    readonly target: string;
    /** What is there now: the current target for `replace`, "regular table" for `blocked`. */
    readonly current?: string;
}

export interface LinkChange extends LinkPlan {
    /** False for a dry run, or for `ok` / `blocked`. */
    readonly applied: boolean;
}

/** Pure: what to do with each expected link, given the consumer database's tables. */
export function planLinks(model: ShareModel, existing: ReadonlyMap<string, Table>): LinkPlan[] {
    return model.tables.map((t) => {
        const target = describeTable(targetOf(model, t.name));
        const found = existing.get(t.linkName);
        if (!found) return { action: "create", link: t.linkName, target };
        if (!found.TargetTable) return { action: "blocked", link: t.linkName, target, current: "regular table" };
        const current = `${found.TargetTable.CatalogId ?? model.consumerAccountId}:${found.TargetTable.DatabaseName}.${found.TargetTable.Name}`;
        return current === target
            ? { action: "ok", link: t.linkName, target }
            : { action: "replace", link: t.linkName, target, current };
    });
}

export async function relink(
    session: Session,
    options: { dryRun: boolean },
    onChange?: (c: LinkChange) => void,
): Promise<LinkChange[]> {
    const { model } = session.targets;
    const me = await identify(session, "main");
    if (me.account !== model.consumerAccountId) {
        throw new UsageError(
            `relink changes the consumer catalog: run it with credentials of account ${model.consumerAccountId} (--profile); the caller ${me.arn} is in ${me.account}.`,
        );
    }
    if (!(await databaseExists(session.main, model.consumerDatabaseName))) {
        throw new UsageError(
            `the consumer database ${model.consumerDatabaseName} does not exist in ${model.consumerAccountId}: deploy the consumer stack (\`pulumi up\`) first.`,
        );
    }
    const existing = await tablesOf(session.main, model.consumerDatabaseName);
    const changes: LinkChange[] = [];
    for (const plan of planLinks(model, existing)) {
        const table = model.tables.find((t) => t.linkName === plan.link)!;
        let applied = false;
        if (!options.dryRun && (plan.action === "create" || plan.action === "replace")) {
            if (plan.action === "replace") {
                // Glue has no in-place change of a link's target; the link is ours (named by the model), so replace it.
                await call("glue:DeleteTable", () =>
                    session.main.glue.send(
                        new DeleteTableCommand({ DatabaseName: model.consumerDatabaseName, Name: plan.link }),
                    ),
                );
            }
            const target = targetOf(model, table.name);
            await call("glue:CreateTable", () =>
                session.main.glue.send(
                    new CreateTableCommand({
                        DatabaseName: model.consumerDatabaseName,
                        TableInput: {
                            Name: plan.link,
                            // The table in its owner's catalog: the producer's, or Connect's.
                            TargetTable: {
                                CatalogId: target.catalogId,
                                DatabaseName: target.databaseName,
                                Name: target.name,
                            },
                        },
                    }),
                ),
            );
            applied = true;
        }
        const c = { ...plan, applied };
        changes.push(c);
        onChange?.(c);
    }
    return changes;
}
