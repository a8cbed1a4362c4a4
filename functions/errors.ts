/**
 * Errors of the export, as plain `Error`s with extra fields rather than classes: the Lambda code
 * is serialized by Pulumi's closure serializer, which handles plain functions best.
 */

export type ExportErrorCode =
    | "CONFIG" // an environment variable or setting is missing or invalid
    | "EVENT" // the invocation event is malformed
    | "THROTTLED" // the engine refused to start the query for now
    | "QUERY_FAILED"
    | "QUERY_CANCELLED"
    | "DEADLINE" // the query would outrun the Lambda's time
    | "STORE" // reading or writing the exports bucket failed, or what it holds is malformed
    | "SOURCE" // a source table or its input is missing
    | "SCHEMA_DRIFT" // a source column changed type or vanished
    | "TARGET" // creating a target table or adding its columns (Glue) failed
    | "RECONCILIATION" // target and source keys differ after a merge
    | "LEASE_HELD" // another run holds the lease
    | "RUN_FAILED"; // the run finished with failed or incomplete tables

export interface ExportError extends Error {
    readonly code: ExportErrorCode;
    /** Worth another attempt of the same query. */
    readonly retryable: boolean;
    readonly queryExecutionId?: string;
    [extra: string]: unknown;
}

export function exportError(code: ExportErrorCode, message: string, fields: Record<string, unknown> = {}): ExportError {
    const error = new Error(message) as Error & Record<string, unknown>;
    error.name =
        code === "CONFIG" || code === "EVENT"
            ? `Invalid${code === "CONFIG" ? "Configuration" : "Event"}Error`
            : "ExportError";
    error.code = code;
    error.retryable = false;
    Object.assign(error, fields);
    return error as unknown as ExportError;
}

export function isExportError(value: unknown): value is ExportError {
    return value instanceof Error && typeof (value as { code?: unknown }).code === "string" && "retryable" in value;
}

/** A one-line description of any thrown value, for manifests and logs. */
export function describeError(value: unknown): string {
    if (value instanceof Error) {
        const name =
            value.name && value.name !== "Error" && !value.message.startsWith(value.name) ? `${value.name}: ` : "";
        return `${name}${value.message}`.replace(/\s+/g, " ").trim();
    }
    return String(value);
}
