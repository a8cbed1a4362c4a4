/**
 * Structured JSON logs: one object per line, the fields CloudWatch Logs Insights can query. Each
 * line goes through the console method of its level: Lambda's JSON log format takes the level
 * from the method (console.log would mark an error as INFO), and its application log level
 * filter drops the methods below it (lambda/latest/dg/nodejs-logging.html, "Using Lambda advanced
 * logging controls with Node.js"). LOG_LEVEL filters before that.
 */
import type { Logger, LogLevel } from "./types";

export function parseLogLevel(value: string | undefined): LogLevel | undefined {
    const upper = (value ?? "").trim().toUpperCase();
    return ["DEBUG", "INFO", "WARN", "ERROR"].includes(upper) ? (upper as LogLevel) : undefined;
}

/** Writes a line through the console method of its level. */
export function consoleSink(line: string, level: LogLevel): void {
    console[level === "WARN" ? "warn" : level === "ERROR" ? "error" : level === "INFO" ? "info" : "debug"](line);
}

/** A logger writing JSON lines at `level` and above to `sink` (default: `consoleSink`). */
export function createJsonLogger(
    level: LogLevel,
    sink: (line: string, level: LogLevel) => void = consoleSink,
    base: Record<string, unknown> = {},
): Logger {
    const order = ["DEBUG", "INFO", "WARN", "ERROR"];
    const at = (l: LogLevel) => (event: string, fields?: Record<string, unknown>) => {
        if (order.indexOf(l) >= order.indexOf(level)) sink(JSON.stringify({ level: l, event, ...base, ...fields }), l);
    };
    return { level, debug: at("DEBUG"), info: at("INFO"), warn: at("WARN"), error: at("ERROR") };
}
