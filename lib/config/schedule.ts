/**
 * EventBridge Scheduler expressions, checked for shape before a deployment sends them: the three
 * forms and their fields as "Schedule types in EventBridge Scheduler" gives them
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
 * - `rate(value unit)`: a positive whole number and minute(s), hour(s) or day(s);
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields, and one of
 *   day-of-month and day-of-week must be `?` (a value or `*` in one needs `?` in the other);
 * - `at(yyyy-mm-ddThh:mm:ss)`: one run at that time.
 */

const FORMS = "rate(N unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)";

const MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC";
const DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT";

/** Each cron field's name and the characters it takes (the guide's "Wildcards" per field). */
const CRON_FIELDS: ReadonlyArray<readonly [string, RegExp]> = [
    ["minutes", /^[0-9,*/-]+$/],
    ["hours", /^[0-9,*/-]+$/],
    ["day-of-month", /^([0-9,*?/LW-])+$/],
    ["month", new RegExp(`^([0-9,*/-]|${MONTHS})+$`, "i")],
    ["day-of-week", new RegExp(`^([0-9,*?L#-]|${DAYS})+$`, "i")],
    ["year", /^[0-9,*/-]+$/],
];

/** Why an expression is not one EventBridge Scheduler takes, or undefined. */
export function scheduleProblem(expression: string): string | undefined {
    const got = `got ${JSON.stringify(expression)}`;
    const form = /^(rate|cron|at)\((.*)\)$/.exec(expression);
    if (!form) return `must be an EventBridge Scheduler expression: ${FORMS}; ${got}.`;
    const [, kind, body] = form;
    if (kind === "rate") {
        if (!/^[1-9][0-9]* (minute|minutes|hour|hours|day|days)$/.test(body)) {
            return `must be rate(N unit) with N a positive whole number and unit minutes, hours or days, e.g. rate(12 hours); ${got}.`;
        }
        return undefined;
    }
    if (kind === "at") {
        const time = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
        const date = time ? new Date(`${body}Z`) : undefined;
        if (!time || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== body) {
            return `must be at(yyyy-mm-ddThh:mm:ss), a valid date and time, e.g. at(2030-01-31T02:00:00); ${got}.`;
        }
        return undefined;
    }
    const fields = body.trim().split(/\s+/);
    if (fields.length !== CRON_FIELDS.length) {
        return `must be cron(minutes hours day-of-month month day-of-week year): six fields, e.g. cron(0 2 * * ? *) for 02:00 daily; ${got} (${fields.length} field${fields.length === 1 ? "" : "s"}).`;
    }
    const bad = CRON_FIELDS.filter(([, chars], i) => !chars.test(fields[i])).map(([name]) => name);
    if (bad.length > 0) {
        return `has an invalid cron ${bad.join(" and ")} field (cron(minutes hours day-of-month month day-of-week year)); ${got}.`;
    }
    if ((fields[2] === "?") === (fields[4] === "?")) {
        return `must have ? in exactly one of day-of-month and day-of-week (the third and fifth cron fields), e.g. cron(0 2 * * ? *); ${got}.`;
    }
    return undefined;
}

/** Two expressions that fire at the same moments, as far as their text tells. */
export function sameSchedule(a: string, b: string): boolean {
    const normal = (s: string) => s.trim().replace(/\s+/g, " ").toUpperCase();
    return normal(a) === normal(b);
}
