/**
 * EventBridge Scheduler expressions, checked for shape before a deployment sends them: the three
 * forms and their fields as "Schedule types in EventBridge Scheduler" gives them
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
 * - `rate(value unit)`: a positive whole number and minute(s), hour(s) or day(s); "If the value is
 *   equal to 1, then the unit must be singular. If the value is greater than 1, the unit must be
 *   plural" (eventbridge/latest/userguide/eb-rate-expressions.html); a rate schedule starts when
 *   it is created;
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields, and one of
 *   day-of-month and day-of-week must be `?` (a value or `*` in one needs `?` in the other);
 * - `at(yyyy-mm-ddThh:mm:ss)`: one run at that time.
 * Fire times (UTC, the schedules' time zone here) come from croner, which reads the six fields
 * with EventBridge's numbering (day-of-week 1-7 = SUN-SAT, Quartz style), `L`, `W` and `#`.
 */
import { Cron } from "croner";

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
        const rate = /^([1-9][0-9]*) (minute|hour|day)(s?)$/.exec(body);
        if (!rate) {
            return `must be rate(N unit) with N a positive whole number and unit minutes, hours or days, e.g. rate(12 hours); ${got}.`;
        }
        const [, value, unit, plural] = rate;
        if ((value === "1") !== (plural === "")) {
            const fixed = `rate(${value} ${unit}${value === "1" ? "" : "s"})`;
            return `must be ${fixed}: EventBridge takes the singular unit for 1 and the plural above 1 (eb-rate-expressions.html); ${got}. Fix: write ${fixed}.`;
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
    // Values out of range (hour 25, day-of-week 0): EventBridge's ranges, then croner's reading.
    const outOfRange = (field: string, min: number, max: number) =>
        (field.replace(/#\d+/g, "").match(/\d+/g) ?? []).some((n) => Number(n) < min || Number(n) > max);
    if (outOfRange(fields[4], 1, 7) || outOfRange(fields[5], 1970, 2199)) {
        return `has a value out of range: day-of-week is 1-7 (SUN-SAT) and year 1970-2199 in EventBridge; ${got}.`;
    }
    try {
        cronOf(fields);
    } catch (err) {
        return `has an invalid cron field (${(err as Error).message.replace(/^CronPattern: /, "")}); ${got}.`;
    }
    return undefined;
}

const crons = new Map<string, Cron>();

/** croner's reading of EventBridge's six fields: seconds 0, `<d>L` (last <d> of the month) as `<d>#L`, a bare L as 7 (SAT). */
function cronOf(fields: readonly string[]): Cron {
    const dayOfWeek = fields[4].replace(/^L$/, "7").replace(/(\w+)L\b/g, "$1#L");
    const pattern = ["0", ...fields.slice(0, 4), dayOfWeek, fields[5]].join(" ");
    let cron = crons.get(pattern);
    if (!cron) {
        cron = new Cron(pattern, {
            timezone: "Etc/UTC",
            mode: "7-part",
            alternativeWeekdays: true,
            domAndDow: true,
            sloppyRanges: true,
        });
        crons.set(pattern, cron);
    }
    return cron;
}

const RATE_UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** A rate expression's period, or undefined for a cron or at expression. */
function ratePeriodMs(expression: string): number | undefined {
    const rate = /^rate\(([1-9][0-9]*) (minute|hour|day)s?\)$/.exec(expression.trim());
    return rate ? Number(rate[1]) * RATE_UNIT_MS[rate[2]] : undefined;
}

/**
 * The first fire time at or after `at` of a valid expression, or undefined when it fires no more.
 * A rate schedule is taken to start at `created` (both schedules of a stack are created together).
 */
export function nextFireTime(expression: string, at: Date, created: Date): Date | undefined {
    const [, kind, body] = /^(rate|cron|at)\((.*)\)$/.exec(expression.trim())!;
    if (kind === "at") {
        const when = new Date(`${body}Z`);
        return when >= at ? when : undefined;
    }
    if (kind === "rate") {
        const period = ratePeriodMs(expression)!;
        const k = Math.max(0, Math.ceil((at.getTime() - created.getTime()) / period));
        return new Date(created.getTime() + k * period);
    }
    // croner's nextRun is strictly after its argument.
    return cronOf(body.trim().split(/\s+/)).nextRun(new Date(at.getTime() - 1)) ?? undefined;
}
