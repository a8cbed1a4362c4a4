/**
 * The export Lambda's handler with the fake Athena running its statements on DuckDB
 * (tests/athena-duckdb.ts): the Athena dialect's SQL, executed over contacts delivered out of
 * order across two scheduled runs. The target keeps the newest version of each contact: an
 * older version delivered later (in the same delivery as the newer, or a day after) changes
 * nothing; of equal versions with other content, the greater content wins within a run and the
 * row merged first stays after it.
 */
import { strict as assert } from "assert";
import { createExportHandler } from "../functions/handler";
import type { TableRunEntry } from "../functions/types";
import { AthenaOnDuckDb, type Row } from "./athena-duckdb";
import { EXPORT_DB, FakeAws, fakeClock, handlerEnv, lambdaContext, logSink, SOURCE_DB } from "./export-fakes";

const COLUMNS = [
    { Name: "instance_id", Type: "string" },
    { Name: "contact_id", Type: "string" },
    { Name: "initiation_timestamp", Type: "timestamp" },
    { Name: "last_update_timestamp", Type: "timestamp" },
    { Name: "channel", Type: "string" },
    { Name: "attributes", Type: "map<string,string>" },
];

/** A contact of 2025-01-30 at version `v` (minutes after it began). */
const contact = (id: string, v: number, channel: string, score?: string): Row => ({
    instance_id: "i-1",
    contact_id: id,
    initiation_timestamp: "2025-01-30 09:00:00",
    last_update_timestamp: `2025-01-30 09:${String(v).padStart(2, "0")}:00`,
    channel,
    attributes: score === undefined ? null : { score },
});

describe("export handler on Athena SQL run by DuckDB: versions delivered out of order", function () {
    this.timeout(60_000);
    let aws: FakeAws;
    let engine: AthenaOnDuckDb;
    beforeEach(async () => {
        aws = new FakeAws();
        engine = await AthenaOnDuckDb.create(SOURCE_DB, EXPORT_DB);
        aws.engine = engine;
        aws.sourceColumns.set("contacts", COLUMNS);
        await engine.deliver("contacts_link", COLUMNS, []);
    });
    afterEach(() => {
        aws.restore();
        engine.close();
    });

    /** The scheduled run of `day` (02:00 UTC) for contacts; its manifest entry. */
    let logs: ReturnType<typeof logSink>;
    async function scheduledRun(day: string): Promise<TableRunEntry> {
        const scheduledTime = `${day}T02:00:00Z`;
        const clock = fakeClock(`${day}T02:00:05Z`);
        logs = logSink();
        const handler = createExportHandler({ env: () => handlerEnv(), clock, logSink: logs.sink });
        const summary = await handler({ scheduledTime, tables: ["contacts"] }, lambdaContext(clock));
        return summary.tables.find((t) => t.table === "contacts") as TableRunEntry;
    }
    const target = async () =>
        (
            await engine.target(
                "contacts",
                `contact_id, strftime(last_update_timestamp, '%M') AS v, channel, attributes['score'] AS score`,
                "contact_id",
            )
        ).map((r) => [r.contact_id, Number(r.v), r.channel, r.score]);

    it("keeps the newest version of each contact, and on equal versions the greater content, then the row merged first", async () => {
        await engine.deliver("contacts_link", COLUMNS, [
            contact("a", 2, "CHAT"),
            contact("b", 1, "VOICE"),
            // Equal versions, other content, one delivery: the greater content wins.
            contact("c", 1, "CHAT", "5"),
            contact("c", 1, "CHAT", "3"),
        ]);
        const first = await scheduledRun("2025-02-01");
        assert.equal(first.status, "succeeded", first.error ?? "");
        assert.deepEqual([first.rowsInserted, first.rowsUpdated], [3, 0]);
        assert.deepEqual(await target(), [
            ["a", 2, "CHAT", null],
            ["b", 1, "VOICE", null],
            ["c", 1, "CHAT", "5"],
        ]);

        await engine.deliver("contacts_link", COLUMNS, [
            // A day later: an older version of a.
            contact("a", 1, "TASK"),
            // One delivery: b's newer version, then an older one after it.
            contact("b", 3, "EMAIL"),
            contact("b", 2, "TASK"),
            // c's equal version with greater content, a run later: the row merged first stays.
            contact("c", 1, "CHAT", "9"),
            contact("d", 1, "VOICE"),
        ]);
        const second = await scheduledRun("2025-02-02");
        assert.equal(second.status, "succeeded", second.error ?? "");
        // These links have no data_lake_last_processed_timestamp: no sweep, and the run says so.
        assert.equal(second.sweep, null);
        assert.match(
            String(logs.lines.find((l) => l.event === "sweep_unavailable")?.message),
            /^contacts has no data_lake_last_processed_timestamp timestamp column: records re-delivered into days older than the 3-day lookback are merged only by a backfill of those days$/,
        );
        assert.deepEqual([second.rowsInserted, second.rowsUpdated], [1, 1], "d inserted, b updated");
        assert.deepEqual(second.reconciliation && [second.reconciliation.sourceKeys, second.reconciliation.ok], [
            4,
            true,
        ]);
        assert.deepEqual(await target(), [
            ["a", 2, "CHAT", null],
            ["b", 3, "EMAIL", null],
            ["c", 1, "CHAT", "5"],
            ["d", 1, "VOICE", null],
        ]);
        const merge = aws.queriesOf("contacts", "merge").at(-1)!.sql;
        assert.match(
            merge,
            /coalesce\('=' \|\| json_format\(CAST\("attributes" AS JSON\)\), ''\)/,
            "Trino's rendering of a map",
        );
    });
});
