/** Structured JSON logs: one object per line, the fields CloudWatch Logs Insights can query. */
import type { Logger, LogLevel } from "./types";

const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

export function parseLogLevel(value: string | undefined): LogLevel | undefined {
    const upper = (value ?? "").trim().toUpperCase();
    return upper === "DEBUG" || upper === "INFO" || upper === "WARN" || upper === "ERROR" ? upper : undefined;
}

/** A logger writing JSON lines at `level` and above to `sink` (console.log by default). */
export function createJsonLogger(
    level: LogLevel,
    sink: (line: string) => void = (line) => console.log(line),
    base: Record<string, unknown> = {},
): Logger {
    const write = (at: LogLevel, event: string, fields?: Record<string, unknown>) => {
        if (ORDER[at] < ORDER[level]) return;
        sink(JSON.stringify({ level: at, event, ...base, ...fields }));
    };
    return {
        level,
        debug: (event, fields) => write("DEBUG", event, fields),
        info: (event, fields) => write("INFO", event, fields),
        warn: (event, fields) => write("WARN", event, fields),
        error: (event, fields) => write("ERROR", event, fields),
    };
}
