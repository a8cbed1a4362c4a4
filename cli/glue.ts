/** The Glue reads the commands share: one database's existence, and all its tables in pages. */
import { GetDatabaseCommand, paginateGetTables, Table } from "@aws-sdk/client-glue";
import { AwsClients, call, collect, isNotFound } from "./aws";

/** GetTables' documented maximum page size. */
const GET_TABLES_PAGE = 100;

/** Every table of a Glue database, by name. */
export async function tablesOf(
    clients: AwsClients,
    databaseName: string,
    catalogId?: string,
): Promise<Map<string, Table>> {
    const tables = await collect(
        "glue:GetTables",
        paginateGetTables(
            { client: clients.glue, pageSize: GET_TABLES_PAGE },
            { DatabaseName: databaseName, ...(catalogId ? { CatalogId: catalogId } : {}) },
        ),
        (page) => page.TableList,
    );
    return new Map(tables.map((t) => [t.Name ?? "", t]));
}

export async function databaseExists(clients: AwsClients, name: string): Promise<boolean> {
    try {
        await call("glue:GetDatabase", () => clients.glue.send(new GetDatabaseCommand({ Name: name })));
        return true;
    } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
    }
}
