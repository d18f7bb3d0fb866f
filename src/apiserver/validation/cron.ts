import { errorMessage } from '../../apimachinery/errors.js';
/** One field of a five-field schedule: its bounds and names. */
interface CronField {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const cronFields: CronField[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: Object.fromEntries(months.map((m, i) => [m, i + 1])) },
  { min: 0, max: 6, names: Object.fromEntries(days.map((d, i) => [d, i])) },
];

const descriptors = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

function parseIntOrName(expr: string, names: Record<string, number> | undefined): number {
  const named = names?.[expr.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^[+-]?\d+$/.test(expr)) throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const value = Number(expr);
  if (value < 0) throw new Error(`negative number (${value}) not allowed: ${expr}`);
  return value;
}

function checkRange(expr: string, field: CronField): void {
  const slash = expr.split('/');
  if (slash.length > 2) throw new Error(`too many slashes: ${expr}`);
  const range = (slash[0] ?? '').split('-');
  if (range.length > 2) throw new Error(`too many hyphens: ${expr}`);
  let start: number;
  let end: number;
  const first = range[0] ?? '';
  if (first === '*' || first === '?') {
    start = field.min;
    end = field.max;
  } else {
    start = parseIntOrName(first, field.names);
    end = range.length === 2 ? parseIntOrName(range[1] ?? '', field.names) : start;
  }
  if (slash.length === 2) {
    const step = parseIntOrName(slash[1] ?? '', undefined);
    if (step <= 0) throw new Error(`step of range should be a positive number: ${expr}`);
    if (range.length === 1 && first !== '*' && first !== '?') end = field.max;
  }
  if (start < field.min) throw new Error(`beginning of range (${start}) below minimum (${field.min}): ${expr}`);
  if (end > field.max) throw new Error(`end of range (${end}) above maximum (${field.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
}

/**
 * Checks a schedule as upstream's cron.ParseStandard (robfig/cron v3) does: an optional
 * `TZ=`/`CRON_TZ=` prefix, then five fields (minute hour day-of-month month day-of-week,
 * with names, ranges, lists and steps) or a descriptor (@yearly, @annually, @monthly,
 * @weekly, @daily, @midnight, @hourly, `@every <duration>`). Returns the parse error's
 * message, or undefined when it parses.
 */
export function cronScheduleError(schedule: string): string | undefined {
  let spec = schedule;
  if (spec.length === 0) return 'empty spec string';
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const zone = spec.slice(spec.indexOf('=') + 1, space < 0 ? undefined : space);
    if (!isTimeZone(zone)) return `provided bad location ${zone}: unknown time zone ${zone}`;
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) {
    if (descriptors.has(spec)) return undefined;
    if (spec.startsWith('@every ')) {
      return /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(spec.slice(7).trim())
        ? undefined
        : `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(spec.slice(7).trim())}`;
    }
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  try {
    fields.forEach((field, i) => {
      for (const expr of field.split(',')) checkRange(expr, cronFields[i] as CronField);
    });
  } catch (err) {
    return errorMessage(err);
  }
  return undefined;
}

/** Whether the IANA time zone database (as Intl knows it) has this zone. */
export function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}
