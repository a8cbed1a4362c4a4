/**
 * The export's Iceberg tables through Glue's API, never Athena DDL: Athena "does not currently
 * support DDL operations on Iceberg tables that are registered with Lake Formation"
 * (athena/latest/ug/querying-iceberg.html, "Considerations and limitations"), and the export's
 * tables live in a registered location. Pure: the requests only.
 *
 *  - Create: Glue CreateTable with `OpenTableFormatInput.IcebergInput.CreateIcebergTableInput`
 *    (schema, day partition spec, location, properties; glue/latest/webapi/API_CreateIcebergTableInput.html).
 *    The table's name goes in `Name`, with no `TableInput`: given a TableInput, Glue takes the
 *    location from it and refuses "Location information cannot be null while creating an iceberg
 *    table" (terraform-provider-aws internal/service/glue/catalog_table.go, resourceCatalogTableCreate).
 *  - New columns: Glue UpdateTable with `UpdateOpenTableFormatInput` holding the whole new schema
 *    ("a list of updates that define the new state of the table", API_UpdateIcebergTableInput.html),
 *    again by `Name` without a TableInput: a TableInput would replace the table's definition.
 *    Existing fields keep their ids (read from the table's current Iceberg metadata file); new ones
 *    take ids after its `last-column-id`, as the Iceberg spec requires ids never to be reused.
 *  - Field ids are assigned as Iceberg assigns fresh ids: a struct's fields first, then each
 *    field's nested types (list element; map key then value), so ids are what Iceberg would give.
 *  - Glue/Hive column types map to Iceberg's: string (varchar, char), int (tinyint, smallint),
 *    long (bigint), float, double, boolean, date, timestamp, decimal(p,s), binary, list, map, struct.
 *    Every field is optional: Connect documents no NOT NULL columns.
 */
import type { Column } from "../types";

export type IcebergType =
    | string
    | { type: "list"; "element-id": number; element: IcebergType; "element-required": boolean }
    | {
          type: "map";
          "key-id": number;
          key: IcebergType;
          "value-id": number;
          value: IcebergType;
          "value-required": boolean;
      }
    | { type: "struct"; fields: IcebergField[] };

/** A field as the Iceberg metadata file spells it. */
export interface IcebergField {
    readonly id: number;
    readonly name: string;
    readonly required: boolean;
    readonly type: IcebergType;
    readonly doc?: string;
}

/** The parts of an Iceberg table metadata file (format v1 or v2) the update reads. */
export interface IcebergMetadata {
    readonly location?: string;
    readonly "last-column-id"?: number;
    readonly "current-schema-id"?: number;
    readonly schemas?: readonly { readonly "schema-id"?: number; readonly fields: readonly IcebergField[] }[];
    /** Format v1's single schema. */
    readonly schema?: { readonly fields: readonly IcebergField[] };
}

export interface IcebergTableSpec {
    readonly database: string;
    readonly table: string;
    readonly columns: readonly Column[];
    /** Partitioned by day() of this column, when given. */
    readonly partitionDay?: string;
    /** s3://bucket/prefix/iceberg/<table>/ */
    readonly location: string;
}

/**
 * The requests, built by one function so the Lambda's serialized archive (LAMBDA_CODE_BUDGET) carries one
 * function, not one per helper; written tersely for the same reason (local names are kept).
 *  - `typeOf`: the Iceberg type of a Glue/Hive type, ids from `next`; throws on one it cannot map.
 *  - `fields`: fields for columns, ids as Iceberg assigns fresh ids (this level first, then nested).
 *  - `create`: Glue CreateTable's input for a new Iceberg table (format version 2; Iceberg's defaults
 *    write Parquet, so no table properties are set).
 *  - `addColumns`: Glue UpdateTable's input adding columns to the table whose current Iceberg
 *    metadata is given: its current schema's fields unchanged, then the new ones, with ids past the
 *    metadata's `last-column-id` (required in format v1 and v2).
 */
export function icebergTables() {
    function typeOf(hive: string, next: () => number): IcebergType {
        const t = hive.trim().toLowerCase();
        const bad = () => new Error(`unsupported column type ${JSON.stringify(hive)}`);
        const m = /^(array|map|struct)<(.*)>$/.exec(t);
        if (m) {
            // Top-level commas of the inner list (nested <...> and (...) skipped).
            const parts: string[] = [];
            let depth = 0;
            let from = 0;
            [...m[2]].forEach((c, i) => {
                depth += "<(".includes(c) ? 1 : ">)".includes(c) ? -1 : 0;
                if (c === "," && !depth) {
                    parts.push(m[2].slice(from, i));
                    from = i + 1;
                }
            });
            parts.push(m[2].slice(from));
            if (m[1] === "array") {
                const id = next();
                return { type: "list", "element-id": id, element: typeOf(m[2], next), "element-required": false };
            }
            if (m[1] === "map") {
                if (parts.length !== 2) throw bad();
                const [k, v] = [next(), next()];
                return {
                    type: "map",
                    "key-id": k,
                    key: typeOf(parts[0], next),
                    "value-id": v,
                    value: typeOf(parts[1], next),
                    "value-required": false,
                };
            }
            const members = parts.map((p) => {
                const c = p.indexOf(":");
                if (c < 1) throw bad();
                return { name: p.slice(0, c).trim(), type: p.slice(c + 1) };
            });
            return { type: "struct", fields: fields(members, next) };
        }
        const d = /^decimal(?:\((\d+),(\d+)\))?$/.exec(t.replace(/\s/g, ""));
        if (d) return `decimal(${d[1] ?? 10},${d[2] ?? 0})`;
        if (/^(string|varchar(\(\d+\))?|char\(\d+\))$/.test(t)) return "string";
        if (/^(tinyint|smallint|int|integer)$/.test(t)) return "int";
        if (t === "bigint") return "long";
        if (/^(float|double|boolean|date|timestamp|binary)$/.test(t)) return t;
        throw bad();
    }
    function fields(columns: readonly Column[], next: () => number): IcebergField[] {
        const ids = columns.map(() => next());
        return columns.map((c, i) => ({ id: ids[i], name: c.name, required: false, type: typeOf(c.type, next) }));
    }
    // Glue's IcebergStructField: the type stays Iceberg's JSON.
    const glue = (f: IcebergField) => ({ Id: f.id, Name: f.name, Type: f.type as never, Required: f.required });
    const schema = (id: number, all: IcebergField[]) => ({
        SchemaId: id,
        Type: "struct" as const,
        Fields: all.map(glue),
    });
    return {
        create(spec: IcebergTableSpec) {
            let last = 0;
            const all = fields(spec.columns, () => ++last);
            const day = all.find((f) => f.name === spec.partitionDay);
            if (spec.partitionDay && !day) throw new Error(`partition column ${spec.partitionDay} is not a column`);
            return {
                DatabaseName: spec.database,
                Name: spec.table,
                OpenTableFormatInput: {
                    IcebergInput: {
                        MetadataOperation: "CREATE" as const,
                        Version: "2",
                        CreateIcebergTableInput: {
                            Location: spec.location,
                            Schema: schema(0, all),
                            // Partition field ids start at 1000 (Iceberg spec, "Partition Specs").
                            ...(day && {
                                PartitionSpec: {
                                    SpecId: 0,
                                    Fields: [
                                        { SourceId: day.id, Transform: "day", Name: `${day.name}_day`, FieldId: 1000 },
                                    ],
                                },
                            }),
                        },
                    },
                },
            };
        },
        addColumns(
            target: { readonly database: string; readonly table: string; readonly location: string },
            metadata: IcebergMetadata,
            added: readonly Column[],
        ) {
            const ids = (metadata.schemas ?? []).map((x) => x["schema-id"] ?? 0);
            const current =
                metadata.schemas?.find((x) => x["schema-id"] === metadata["current-schema-id"]) ?? metadata.schema;
            let last = metadata["last-column-id"];
            if (!current?.fields || last === undefined) {
                throw new Error(`no current schema in ${target.table}'s metadata`);
            }
            const all = [...current.fields, ...fields(added, () => ++last!)];
            const update = {
                Location: metadata.location ?? target.location,
                Schema: schema(Math.max(0, ...ids) + 1, all),
            };
            return {
                DatabaseName: target.database,
                Name: target.table,
                UpdateOpenTableFormatInput: { UpdateIcebergInput: { UpdateIcebergTableInput: { Updates: [update] } } },
            };
        },
    };
}
