/**
 * Cron schedule arithmetic, shared by the CronJob controller and the CronJob picture (one
 * implementation of the schedule rules), following robfig/cron v3's standard
 * parser (the library upstream's controller uses) and upstream's mostRecentScheduleTime /
 * nextScheduleTimeDuration (pkg/controller/cronjob/utils.go).
 *
 * Time zones: upstream evaluates a schedule in the controller's local zone when
 * spec.timeZone is unset; Skiff's controllers run in UTC, so the default zone here is UTC.
 * Wall-clock fields are derived with Intl.DateTimeFormat, so any IANA zone known to the
 * runtime's ICU data works.
 *
 * DST follows robfig/cron v3 exactly (its algorithm is reproduced step by step, including
 * Go's time.Date normalisation): a wall-clock time that does not exist on a spring-forward
 * day is skipped (`0 2 * * *` in America/New_York does not fire on 2012-03-11), and a
 * wall-clock time that repeats on a fall-back day fires on both occurrences
 * (`0 1 * * *` fires at 01:00 EDT and again at 01:00 EST on 2012-11-04), as robfig's own
 * tests assert.
 */

/** A five-field cron schedule, stored as the sets of matching values per field. */
export interface CronFieldSchedule {
  readonly kind: 'cron';
  /** The spec as written (after any TZ= prefix). */
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday ... 6 = Saturday. */
  readonly daysOfWeek: ReadonlySet<number>;
  /** The day-of-month field was `*` or `?` (a step > 1 clears it, as robfig does). */
  readonly dayOfMonthStar: boolean;
  /** The day-of-week field was `*` or `?` (a step > 1 clears it, as robfig does). */
  readonly dayOfWeekStar: boolean;
  /** Zone from a `TZ=` / `CRON_TZ=` prefix, if any. */
  readonly timeZone?: string;
}

/** An `@every <duration>` schedule: fires at a constant delay, whole seconds, at least 1s. */
export interface EverySchedule {
  readonly kind: 'every';
  readonly source: string;
  readonly intervalMs: number;
  readonly timeZone?: string;
}

/** A parsed schedule. */
export type Schedule = CronFieldSchedule | EverySchedule;

/** A schedule that does not parse; the message follows robfig/cron v3's wording. */
export class ScheduleParseError extends Error {
  override readonly name = 'ScheduleParseError';
}

interface FieldBounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const minuteBounds: FieldBounds = { min: 0, max: 59 };
const hourBounds: FieldBounds = { min: 0, max: 23 };
const dayOfMonthBounds: FieldBounds = { min: 1, max: 31 };
const monthBounds: FieldBounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
// robfig's standard parser bounds day-of-week to 0-6: 7 is rejected, not read as Sunday.
const dayOfWeekBounds: FieldBounds = {
  min: 0,
  max: 6,
  names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 },
};

interface ParsedField {
  values: Set<number>;
  star: boolean;
}

function range(min: number, max: number, step = 1): Set<number> {
  const values = new Set<number>();
  for (let value = min; value <= max; value += step) values.add(value);
  return values;
}

/** Go's strconv.Atoi plus robfig's non-negative check. */
function parseNonNegativeInt(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) {
    throw new ScheduleParseError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  }
  const value = Number(expr);
  if (value < 0) throw new ScheduleParseError(`negative number (${value}) not allowed: ${expr}`);
  return value;
}

function parseIntOrName(expr: string, bounds: FieldBounds): number {
  const named = bounds.names?.[expr.toLowerCase()];
  return named ?? parseNonNegativeInt(expr);
}

function parseRange(expr: string, bounds: FieldBounds, into: ParsedField): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const low = lowAndHigh[0] ?? '';
  let start: number;
  let end: number;
  let star = false;
  if (low === '*' || low === '?') {
    start = bounds.min;
    end = bounds.max;
    star = true;
  } else {
    start = parseIntOrName(low, bounds);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', bounds);
    else throw new ScheduleParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseNonNegativeInt(rangeAndStep[1] ?? '');
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = bounds.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new ScheduleParseError(`too many slashes: ${expr}`);
  }
  if (start < bounds.min) throw new ScheduleParseError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new ScheduleParseError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new ScheduleParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new ScheduleParseError(`step of range should be a positive number: ${expr}`);
  for (const value of range(start, end, step)) into.values.add(value);
  if (star) into.star = true;
}

function parseField(field: string, bounds: FieldBounds): ParsedField {
  const parsed: ParsedField = { values: new Set(), star: false };
  for (const expr of field.split(',')) {
    if (expr !== '') parseRange(expr, bounds, parsed);
  }
  return parsed;
}

const goDurationUnitsMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds; undefined when it does not parse. */
function parseGoDuration(text: string): number | undefined {
  const match = /^([+-]?)(.*)$/.exec(text);
  const body = match?.[2] ?? '';
  if (body === '0') return 0;
  if (body === '') return undefined;
  const part = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < body.length) {
    part.lastIndex = index;
    const piece = part.exec(body);
    if (!piece) return undefined;
    total += Number(piece[1]) * (goDurationUnitsMs[piece[2] ?? ''] ?? Number.NaN);
    index = part.lastIndex;
  }
  return match?.[1] === '-' ? -total : total;
}

function cronSchedule(source: string, fields: string[], timeZone: string | undefined): CronFieldSchedule {
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields.map((field, index) =>
    parseField(field, [minuteBounds, hourBounds, dayOfMonthBounds, monthBounds, dayOfWeekBounds][index] as FieldBounds),
  ) as [ParsedField, ParsedField, ParsedField, ParsedField, ParsedField];
  return {
    kind: 'cron',
    source,
    minutes: minute.values,
    hours: hour.values,
    daysOfMonth: dayOfMonth.values,
    months: month.values,
    daysOfWeek: dayOfWeek.values,
    dayOfMonthStar: dayOfMonth.star,
    dayOfWeekStar: dayOfWeek.star,
    ...(timeZone === undefined ? {} : { timeZone }),
  };
}

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * Parses a cron spec as robfig/cron v3's ParseStandard does: five fields (minute, hour,
 * day-of-month, month, day-of-week) with `*`, `?`, lists, ranges, steps and JAN-DEC /
 * SUN-SAT names (day-of-week 0-6, 7 rejected); the descriptors @yearly @annually @monthly
 * @weekly @daily @midnight @hourly and `@every <go duration>`; an optional `TZ=<zone> ` or
 * `CRON_TZ=<zone> ` prefix. Throws ScheduleParseError with robfig's messages.
 */
export function parseSchedule(spec: string): Schedule {
  if (spec.length === 0) throw new ScheduleParseError('empty spec string');
  let rest = spec;
  let timeZone: string | undefined;
  if (rest.startsWith('TZ=') || rest.startsWith('CRON_TZ=')) {
    const space = rest.indexOf(' ');
    const zone = rest.slice(rest.indexOf('=') + 1, space < 0 ? undefined : space);
    if (!isValidTimeZone(zone)) throw new ScheduleParseError(`provided bad location ${zone}: unknown time zone ${zone}`);
    timeZone = zone;
    rest = space < 0 ? '' : rest.slice(space).trim();
  }
  if (rest.startsWith('@')) {
    const fields = descriptors[rest];
    if (fields !== undefined) return cronSchedule(rest, fields.split(' '), timeZone);
    if (rest.startsWith('@every ')) {
      const durationText = rest.slice('@every '.length);
      const durationMs = parseGoDuration(durationText);
      if (durationMs === undefined) {
        throw new ScheduleParseError(`failed to parse duration ${rest}: time: invalid duration ${JSON.stringify(durationText)}`);
      }
      const intervalMs = durationMs < 1000 ? 1000 : durationMs - (durationMs % 1000);
      return { kind: 'every', source: rest, intervalMs, ...(timeZone === undefined ? {} : { timeZone }) };
    }
    throw new ScheduleParseError(`unrecognized descriptor: ${rest}`);
  }
  const fields = rest.split(/\s+/).filter((field) => field !== '');
  if (fields.length !== 5) {
    throw new ScheduleParseError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  return cronSchedule(rest, fields, timeZone);
}

/**
 * True when `timeZone` names a zone the runtime knows, with upstream's extra rules for
 * spec.timeZone: not empty, not `Local`, and not a bare UTC offset.
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone === '' || timeZone.toLowerCase() === 'local' || /^[+-]/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

interface WallClock {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday. */
  weekday: number;
}

/** Maps instants to wall-clock fields of one zone and back, with Go's time.Date rules. */
class ZoneClock {
  private readonly format: Intl.DateTimeFormat | undefined;

  constructor(timeZone: string) {
    this.format =
      timeZone === 'UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
            era: 'short',
          });
  }

  /** The zone's UTC offset in ms at the instant. */
  offsetAt(instantMs: number): number {
    if (!this.format) return 0;
    const wholeSecond = Math.floor(instantMs / 1000) * 1000;
    const parts: Record<string, string> = {};
    for (const part of this.format.formatToParts(wholeSecond)) parts[part.type] = part.value;
    let year = Number(parts.year);
    if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
    const wall = new Date(0);
    wall.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
    wall.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
    return wall.getTime() - wholeSecond;
  }

  fields(instantMs: number): WallClock {
    const wall = new Date(instantMs + this.offsetAt(instantMs));
    return {
      year: wall.getUTCFullYear(),
      month: wall.getUTCMonth() + 1,
      day: wall.getUTCDate(),
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: wall.getUTCSeconds(),
      weekday: wall.getUTCDay(),
    };
  }

  /** Go's time.Date: normalises overflowing fields, then resolves the offset the way Go does. */
  date(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const wall = new Date(0);
    wall.setUTCFullYear(year, month - 1, day);
    wall.setUTCHours(hour, minute, second, 0);
    const wallMs = wall.getTime();
    const firstGuess = this.offsetAt(wallMs);
    const utc = wallMs - firstGuess;
    const actual = this.offsetAt(utc);
    return actual === firstGuess ? utc : wallMs - actual;
  }
}

const hourMs = 3_600_000;
const minuteMs = 60_000;

function dayMatches(schedule: CronFieldSchedule, wall: WallClock): boolean {
  const dayOfMonthMatch = schedule.daysOfMonth.has(wall.day);
  const dayOfWeekMatch = schedule.daysOfWeek.has(wall.weekday);
  // robfig: when either field is a star both must match; otherwise either may.
  if (schedule.dayOfMonthStar || schedule.dayOfWeekStar) return dayOfMonthMatch && dayOfWeekMatch;
  return dayOfMonthMatch || dayOfWeekMatch;
}

/** robfig/cron v3 SpecSchedule.Next, step for step; undefined when nothing fires within five years. */
function nextCron(schedule: CronFieldSchedule, afterMs: number, clock: ZoneClock): number | undefined {
  let t = Math.floor(afterMs / 1000) * 1000 + 1000;
  let added = false;
  const yearLimit = clock.fields(t).year + 5;
  wrap: for (;;) {
    let wall = clock.fields(t);
    if (wall.year > yearLimit) return undefined;
    while (!schedule.months.has(wall.month)) {
      if (!added) {
        added = true;
        t = clock.date(wall.year, wall.month, 1, 0, 0, 0);
        wall = clock.fields(t);
      }
      t = clock.date(wall.year, wall.month + 1, wall.day, wall.hour, wall.minute, wall.second);
      wall = clock.fields(t);
      if (wall.month === 1) continue wrap;
    }
    while (!dayMatches(schedule, wall)) {
      if (!added) {
        added = true;
        t = clock.date(wall.year, wall.month, wall.day, 0, 0, 0);
        wall = clock.fields(t);
      }
      t = clock.date(wall.year, wall.month, wall.day + 1, wall.hour, wall.minute, wall.second);
      wall = clock.fields(t);
      // Midnight may not exist (or repeat) on a DST day: snap back to the day's start.
      if (wall.hour !== 0) {
        t += wall.hour > 12 ? (24 - wall.hour) * hourMs : -wall.hour * hourMs;
        wall = clock.fields(t);
      }
      if (wall.day === 1) continue wrap;
    }
    while (!schedule.hours.has(wall.hour)) {
      if (!added) {
        added = true;
        t = clock.date(wall.year, wall.month, wall.day, wall.hour, 0, 0);
      }
      t += hourMs;
      wall = clock.fields(t);
      if (wall.hour === 0) continue wrap;
    }
    while (!schedule.minutes.has(wall.minute)) {
      if (!added) {
        added = true;
        t -= ((t % minuteMs) + minuteMs) % minuteMs;
      }
      t += minuteMs;
      wall = clock.fields(t);
      if (wall.minute === 0) continue wrap;
    }
    // Seconds are fixed to 0 in five-field specs.
    while (wall.second !== 0) {
      if (!added) {
        added = true;
        t = Math.floor(t / 1000) * 1000;
      }
      t += 1000;
      wall = clock.fields(t);
      if (wall.second === 0) continue wrap;
    }
    return t;
  }
}

function nextInClock(schedule: Schedule, afterMs: number, clock: ZoneClock): number | undefined {
  if (schedule.kind === 'every') return afterMs - (((afterMs % 1000) + 1000) % 1000) + schedule.intervalMs;
  return nextCron(schedule, afterMs, clock);
}

function zoneOf(schedule: Schedule, timeZone: string | undefined): string {
  return timeZone ?? schedule.timeZone ?? 'UTC';
}

/**
 * The first activation strictly after `after`, evaluated in `timeZone` (default: the
 * schedule's TZ= prefix, else UTC). Undefined when the schedule never fires within five
 * years (e.g. `0 0 30 2 *`), where robfig returns Go's zero time.
 */
export function nextAfter(schedule: Schedule, after: Date, timeZone?: string): Date | undefined {
  const next = nextInClock(schedule, after.getTime(), new ZoneClock(zoneOf(schedule, timeZone)));
  return next === undefined ? undefined : new Date(next);
}

/**
 * The zone a CronJob's schedule is evaluated in, as the `timeZone` argument of the functions
 * here: undefined when the schedule carries its own `TZ=` prefix (which wins, as upstream's
 * formatSchedule) or spec.timeZone is unset or unknown, else spec.timeZone.
 */
export function scheduleZone(schedule: Schedule, specTimeZone: string | null | undefined): string | undefined {
  if (schedule.timeZone !== undefined) return undefined;
  return specTimeZone && isValidTimeZone(specTimeZone) ? specTimeZone : undefined;
}

/** The fields of a CronJob that the schedule arithmetic reads. */
export interface CronJobTiming {
  /** metadata.creationTimestamp. */
  creationTimestamp: Date | string;
  /** status.lastScheduleTime. */
  lastScheduleTime?: Date | string | undefined;
  /** spec.startingDeadlineSeconds. */
  startingDeadlineSeconds?: number | undefined;
}

/** How many schedule times were missed (upstream's missedSchedulesType). */
export type MissedSchedules = 'none' | 'few' | 'many';

/** Result of mostRecentScheduleTime. */
export interface MostRecentSchedule {
  /** lastScheduleTime or creationTimestamp, raised to now - startingDeadlineSeconds when that applies. */
  earliest: Date;
  /** The latest activation at or before now, if any since `earliest`. */
  mostRecent?: Date;
  /** `many` is upstream's TooManyMissedTimes case (more than 100). */
  missed: MissedSchedules;
  /** Set when the schedule cannot produce two distinct activations (e.g. Feb 30). */
  error?: string;
}

/** Options of mostRecentScheduleTime. */
export interface MostRecentScheduleOptions {
  /** Apply spec.startingDeadlineSeconds to the earliest time (true when deciding to start a Job). Default true. */
  includeStartingDeadlineSeconds?: boolean;
}

function toMs(time: Date | string): number {
  return typeof time === 'string' ? Date.parse(time) : time.getTime();
}

/** Go's Duration.Round(time.Second) then Seconds(): halves round away from zero. */
function roundSeconds(ms: number): number {
  return Math.sign(ms) * Math.floor(Math.abs(ms) / 1000 + 0.5);
}

/**
 * Upstream's mostRecentScheduleTime: the latest activation in (earliest, now], where
 * earliest is lastScheduleTime (else creationTimestamp), or now - startingDeadlineSeconds
 * when that is later. The missed count is upstream's approximation from the interval
 * between the first two activations; more than 100 is `many`. Unlike upstream, the latest
 * activation is still found when the first two straddle a DST fall-back (a daily 01:30 in
 * New York fires 01:30 EDT and 01:30 EST, an hour apart, which upstream's skip-ahead
 * overshoots).
 */
export function mostRecentScheduleTime(
  cronJob: CronJobTiming,
  now: Date,
  schedule: Schedule,
  timeZone?: string,
  options: MostRecentScheduleOptions = {},
): MostRecentSchedule {
  const clock = new ZoneClock(zoneOf(schedule, timeZone));
  const nowMs = now.getTime();
  let earliestMs = toMs(cronJob.lastScheduleTime ?? cronJob.creationTimestamp);
  if ((options.includeStartingDeadlineSeconds ?? true) && cronJob.startingDeadlineSeconds !== undefined) {
    const deadline = nowMs - cronJob.startingDeadlineSeconds * 1000;
    if (deadline > earliestMs) earliestMs = deadline;
  }
  const earliest = new Date(earliestMs);
  // Go's zero time stands in for "never": before any real instant.
  const t1 = nextInClock(schedule, earliestMs, clock) ?? Number.NEGATIVE_INFINITY;
  const t2 = Number.isFinite(t1) ? (nextInClock(schedule, t1, clock) ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY;
  if (nowMs < t1) return { earliest, missed: 'none' };
  if (nowMs < t2) return { earliest, mostRecent: new Date(t1), missed: 'none' };
  const secondsBetween = Number.isFinite(t1) && Number.isFinite(t2) ? roundSeconds(t2 - t1) : 0;
  if (secondsBetween < 1) {
    return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  }
  const secondsElapsed = Math.trunc((nowMs - t1) / 1000);
  const missedCount = Math.trunc(secondsElapsed / secondsBetween) + 1;
  // Start one interval early and let the schedule find the exact times (irregular specs).
  let searchFrom = t1 + (missedCount - 2) * secondsBetween * 1000;
  let stepBackMs = secondsBetween * 1000;
  let mostRecent: number | undefined;
  for (;;) {
    for (let t = nextInClock(schedule, searchFrom, clock); t !== undefined && t <= nowMs; t = nextInClock(schedule, t, clock)) {
      mostRecent = t;
    }
    // When t1 and t2 straddle a fall-back hour (a wall time firing twice, one hour apart), the
    // interval estimate is far too short and the search can start after the latest activation;
    // upstream then reports none and skips that run. Search further back (t2 <= now is known).
    if (mostRecent !== undefined || searchFrom < t1) break;
    searchFrom = Math.max(t1 - 1000, searchFrom - stepBackMs);
    stepBackMs *= 2;
  }
  const missed: MissedSchedules = missedCount > 100 ? 'many' : missedCount > 0 ? 'few' : 'none';
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent: new Date(mostRecent), missed };
}

/** Upstream pads requeues by 100ms against clock skew (nextScheduleDelta). */
export const nextScheduleDeltaMs = 100;

/**
 * Upstream's nextScheduleTimeDuration: milliseconds from now until the controller should
 * look at the CronJob again (the next activation after the most recent one, plus 100ms).
 * Undefined when the schedule never fires again.
 */
export function nextScheduleTimeDuration(cronJob: CronJobTiming, now: Date, schedule: Schedule, timeZone?: string): number | undefined {
  const result = mostRecentScheduleTime(cronJob, now, schedule, timeZone, { includeStartingDeadlineSeconds: false });
  let from: Date;
  if (result.error !== undefined) from = now;
  else if (result.mostRecent) from = result.mostRecent;
  else from = result.missed === 'none' ? result.earliest : now;
  const next = nextAfter(schedule, from, timeZone);
  return next === undefined ? undefined : next.getTime() + nextScheduleDeltaMs - now.getTime();
}

/** The annotation with the scheduled time of a Job (batchv1.CronJobScheduledTimestampAnnotation). */
export const cronJobScheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** Upstream's getJobName: the scheduled time in minutes since the epoch makes the name deterministic. */
export function jobNameFor(cronJobName: string, scheduledTime: Date): string {
  return `${cronJobName}-${Math.floor(scheduledTime.getTime() / 60_000)}`;
}

/**
 * The scheduled time a CronJob's Job was started for: its scheduled-timestamp annotation, else
 * the minutes in its name ({@link jobNameFor}); undefined when neither says.
 */
export function scheduledTimeOfJob(cronJobName: string, job: { metadata?: { name?: string; annotations?: Record<string, string> } }): Date | undefined {
  const annotated = job.metadata?.annotations?.[cronJobScheduledTimestampAnnotation];
  if (annotated !== undefined && !Number.isNaN(Date.parse(annotated))) return new Date(Date.parse(annotated));
  const name = job.metadata?.name ?? '';
  const prefix = `${cronJobName}-`;
  if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) return undefined;
  return new Date(Number(name.slice(prefix.length)) * 60_000);
}
