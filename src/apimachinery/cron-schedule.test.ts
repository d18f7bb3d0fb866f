import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cronJobScheduledTimestampAnnotation,
  isValidTimeZone,
  jobNameFor,
  mostRecentScheduleTime,
  nextAfter,
  nextScheduleTimeDuration,
  parseSchedule,
  scheduledTimeOfJob,
  scheduleZone,
  ScheduleParseError,
  type CronFieldSchedule,
} from './cron-schedule.js';

function cron(spec: string): CronFieldSchedule {
  const schedule = parseSchedule(spec);
  assert.equal(schedule.kind, 'cron');
  return schedule as CronFieldSchedule;
}

function sorted(values: ReadonlySet<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Next activation as an ISO instant (UTC), or undefined. */
function next(spec: string, after: string, timeZone?: string): string | undefined {
  return nextAfter(parseSchedule(spec), new Date(after), timeZone)?.toISOString();
}

function iso(text: string): string {
  return new Date(text).toISOString();
}

describe('parseSchedule fields', () => {
  test('star, single values, lists, ranges and steps', () => {
    const schedule = cron('*/15 1,2,5-7 1-10/3 * 5/1');
    assert.deepEqual(sorted(schedule.minutes), [0, 15, 30, 45]);
    assert.deepEqual(sorted(schedule.hours), [1, 2, 5, 6, 7]);
    assert.deepEqual(sorted(schedule.daysOfMonth), [1, 4, 7, 10]);
    assert.equal(schedule.months.size, 12);
    assert.deepEqual(sorted(schedule.daysOfWeek), [5, 6]);
    assert.equal(schedule.dayOfMonthStar, false);
  });

  test('"N/step" runs from N to the field maximum', () => {
    assert.deepEqual(sorted(cron('5/20 * * * *').minutes), [5, 25, 45]);
  });

  test('month and weekday names, case-insensitive, in ranges and lists', () => {
    const schedule = cron('0 0 * JAN-mar,Dec mon-FRI,sun');
    assert.deepEqual(sorted(schedule.months), [1, 2, 3, 12]);
    assert.deepEqual(sorted(schedule.daysOfWeek), [0, 1, 2, 3, 4, 5]);
  });

  test('"?" is a star; a star with a step > 1 is not a star', () => {
    const schedule = cron('0 0 ? * ?');
    assert.equal(schedule.dayOfMonthStar, true);
    assert.equal(schedule.dayOfWeekStar, true);
    assert.equal(schedule.daysOfMonth.size, 31);
    const stepped = cron('0 0 */2 * */1');
    assert.equal(stepped.dayOfMonthStar, false);
    assert.equal(stepped.dayOfWeekStar, true);
  });

  test('macros', () => {
    assert.equal(next('@yearly', '2023-05-05T12:00:00Z'), '2024-01-01T00:00:00.000Z');
    assert.equal(next('@annually', '2023-05-05T12:00:00Z'), '2024-01-01T00:00:00.000Z');
    assert.equal(next('@monthly', '2023-05-05T12:00:00Z'), '2023-06-01T00:00:00.000Z');
    // 2023-05-05 is a Friday; @weekly is Sunday midnight.
    assert.equal(next('@weekly', '2023-05-05T12:00:00Z'), '2023-05-07T00:00:00.000Z');
    assert.equal(next('@daily', '2023-05-05T12:00:00Z'), '2023-05-06T00:00:00.000Z');
    assert.equal(next('@midnight', '2023-05-05T12:00:00Z'), '2023-05-06T00:00:00.000Z');
    assert.equal(next('@hourly', '2023-05-05T12:00:00Z'), '2023-05-05T13:00:00.000Z');
  });

  test('@every fires at a constant delay in whole seconds', () => {
    const every = parseSchedule('@every 1h30m');
    assert.deepEqual(every.kind === 'every' && every.intervalMs, 5_400_000);
    assert.equal(next('@every 90s', '2023-05-05T12:00:00.250Z'), '2023-05-05T12:01:30.000Z');
    const tiny = parseSchedule('@every 10ms');
    assert.equal(tiny.kind === 'every' && tiny.intervalMs, 1000);
  });

  test('TZ= and CRON_TZ= prefixes set the zone', () => {
    assert.equal(parseSchedule('TZ=America/New_York 0 9 * * *').timeZone, 'America/New_York');
    assert.equal(parseSchedule('CRON_TZ=Europe/Berlin @daily').timeZone, 'Europe/Berlin');
    assert.equal(next('TZ=America/New_York 0 9 * * *', '2024-01-10T00:00:00Z'), '2024-01-10T14:00:00.000Z');
  });

  const errors: Array<[string, string]> = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 0 * * * *', 'expected exactly 5 fields, found 6: [0 0 * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * * FOO *', 'failed to parse int from FOO: strconv.Atoi: parsing "FOO": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every soon', 'failed to parse duration @every soon: time: invalid duration "soon"'],
    ['TZ=Mars/Olympus 0 0 * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
  ];
  for (const [spec, message] of errors) {
    test(`rejects ${JSON.stringify(spec)}`, () => {
      assert.throws(
        () => parseSchedule(spec),
        (error: unknown) => error instanceof ScheduleParseError && error.message === message,
      );
    });
  }
});

describe('nextAfter in UTC', () => {
  test('is strictly after the given time', () => {
    assert.equal(next('* * * * *', '2024-01-01T00:00:00Z'), '2024-01-01T00:01:00.000Z');
    assert.equal(next('* * * * *', '2024-01-01T00:00:59.999Z'), '2024-01-01T00:01:00.000Z');
    assert.equal(next('30 * * * *', '2024-01-01T00:30:00Z'), '2024-01-01T01:30:00.000Z');
  });

  test('wraps minutes, hours, days, months and years', () => {
    assert.equal(next('0 0 1 1 *', '2023-12-31T23:59:00Z'), '2024-01-01T00:00:00.000Z');
    assert.equal(next('15 3 * * *', '2024-01-31T04:00:00Z'), '2024-02-01T03:15:00.000Z');
    assert.equal(next('0 12 * 6 *', '2024-07-01T00:00:00Z'), '2025-06-01T12:00:00.000Z');
  });

  test('day-of-month and day-of-week are ORed when both are restricted', () => {
    // 2024-01-05 is a Friday: "13th or Friday" fires on the 5th.
    assert.equal(next('0 0 13 * 5', '2024-01-01T00:00:00Z'), '2024-01-05T00:00:00.000Z');
    assert.equal(next('0 0 13 * 5', '2024-01-12T00:00:00Z'), '2024-01-13T00:00:00.000Z');
    // With either a star, both must match.
    assert.equal(next('0 0 13 * *', '2024-01-01T00:00:00Z'), '2024-01-13T00:00:00.000Z');
    assert.equal(next('0 0 * * 5', '2024-01-06T00:00:00Z'), '2024-01-12T00:00:00.000Z');
    // A stepped star is not a star: odd days or Fridays.
    assert.equal(next('0 0 */2 * 5', '2024-01-03T00:00:00Z'), '2024-01-05T00:00:00.000Z');
    assert.equal(next('0 0 */2 * 5', '2024-01-05T00:00:00Z'), '2024-01-07T00:00:00.000Z');
  });

  test('Feb 29 waits for a leap year; Feb 30 and Apr 31 never fire', () => {
    assert.equal(next('0 0 29 2 *', '2023-03-01T00:00:00Z'), '2024-02-29T00:00:00.000Z');
    assert.equal(next('0 0 29 2 *', '2024-02-29T00:00:00Z'), '2028-02-29T00:00:00.000Z');
    assert.equal(next('0 0 29 2 *', '2099-03-01T00:00:00Z'), '2104-02-29T00:00:00.000Z');
    assert.equal(next('0 0 30 2 *', '2024-01-01T00:00:00Z'), undefined);
    assert.equal(next('0 0 31 4 *', '2024-01-01T00:00:00Z'), undefined);
    assert.equal(next('0 0 31 * *', '2024-04-01T00:00:00Z'), '2024-05-31T00:00:00.000Z');
  });
});

describe('nextAfter across DST (robfig/cron v3 behaviour)', () => {
  const newYork = 'America/New_York';
  const berlin = 'Europe/Berlin';

  test('America/New_York spring forward: hourly jumps 01:00 EST to 03:00 EDT', () => {
    assert.equal(next('0 * * * *', '2012-03-11T00:00:00-05:00', newYork), iso('2012-03-11T01:00:00-05:00'));
    assert.equal(next('0 * * * *', '2012-03-11T01:00:00-05:00', newYork), iso('2012-03-11T03:00:00-04:00'));
    assert.equal(next('0 * * * *', '2012-03-11T03:00:00-04:00', newYork), iso('2012-03-11T04:00:00-04:00'));
  });

  test('America/New_York spring forward: a nonexistent 02:xx is skipped', () => {
    assert.equal(next('0 2 * * *', '2012-03-11T00:00:00-05:00', newYork), iso('2012-03-12T02:00:00-04:00'));
    assert.equal(next('30 2 11 3 *', '2012-03-11T00:00:00-05:00', newYork), iso('2013-03-11T02:30:00-04:00'));
    assert.equal(next('0 1 * * *', '2012-03-11T01:00:00-05:00', newYork), iso('2012-03-12T01:00:00-04:00'));
  });

  test('America/New_York fall back: a repeated 01:xx fires on both occurrences', () => {
    assert.equal(next('0 1 * * *', '2012-11-04T00:00:00-04:00', newYork), iso('2012-11-04T01:00:00-04:00'));
    assert.equal(next('0 1 * * *', '2012-11-04T01:00:00-04:00', newYork), iso('2012-11-04T01:00:00-05:00'));
    assert.equal(next('0 1 * * *', '2012-11-04T01:00:00-05:00', newYork), iso('2012-11-05T01:00:00-05:00'));
    assert.equal(next('30 1 4 11 *', '2012-11-04T01:45:00-04:00', newYork), iso('2012-11-04T01:30:00-05:00'));
    assert.equal(next('0 * * * *', '2012-11-04T01:00:00-04:00', newYork), iso('2012-11-04T01:00:00-05:00'));
    assert.equal(next('0 2 * * *', '2012-11-04T00:00:00-04:00', newYork), iso('2012-11-04T02:00:00-05:00'));
    assert.equal(next('0 3 * * *', '2012-11-04T00:00:00-04:00', newYork), iso('2012-11-04T03:00:00-05:00'));
  });

  test('Europe/Berlin spring forward: 02:30 does not exist on 2024-03-31', () => {
    assert.equal(next('30 2 * * *', '2024-03-31T00:00:00+01:00', berlin), iso('2024-04-01T02:30:00+02:00'));
    assert.equal(next('0 * * * *', '2024-03-31T01:00:00+01:00', berlin), iso('2024-03-31T03:00:00+02:00'));
    assert.equal(next('0 3 * * *', '2024-03-31T00:00:00+01:00', berlin), iso('2024-03-31T03:00:00+02:00'));
  });

  test('Europe/Berlin fall back: 02:30 fires at CEST and again at CET on 2024-10-27', () => {
    assert.equal(next('30 2 * * *', '2024-10-27T00:00:00+02:00', berlin), iso('2024-10-27T02:30:00+02:00'));
    assert.equal(next('30 2 * * *', '2024-10-27T02:30:00+02:00', berlin), iso('2024-10-27T02:30:00+01:00'));
    assert.equal(next('30 2 * * *', '2024-10-27T02:30:00+01:00', berlin), iso('2024-10-28T02:30:00+01:00'));
  });

  test('zone-local wall clock: 09:00 in New York is 14:00Z in winter and 13:00Z in summer', () => {
    assert.equal(next('0 9 * * *', '2024-01-10T00:00:00Z', newYork), '2024-01-10T14:00:00.000Z');
    assert.equal(next('0 9 * * *', '2024-07-10T00:00:00Z', newYork), '2024-07-10T13:00:00.000Z');
  });
});

describe('DST in more zones and in mostRecentScheduleTime', () => {
  const newYork = 'America/New_York';
  const sydney = 'Australia/Sydney';

  function activations(spec: string, from: string, to: string, timeZone: string): string[] {
    const schedule = parseSchedule(spec);
    const end = new Date(to).getTime();
    const times: string[] = [];
    for (let t = nextAfter(schedule, new Date(from), timeZone); t && t.getTime() < end; t = nextAfter(schedule, t, timeZone)) times.push(t.toISOString());
    return times;
  }

  test('Australia/Sydney fall back (2024-04-07 03:00 AEDT -> 02:00 AEST): 02:30 fires twice', () => {
    assert.deepEqual(activations('30 2 * * *', '2024-04-06T12:00:00+11:00', '2024-04-08T12:00:00+10:00', sydney), [
      iso('2024-04-07T02:30:00+11:00'),
      iso('2024-04-07T02:30:00+10:00'),
      iso('2024-04-08T02:30:00+10:00'),
    ]);
  });

  test('Australia/Sydney spring forward (2024-10-06 02:00 AEST -> 03:00 AEDT): 02:30 is skipped', () => {
    assert.deepEqual(activations('30 2 * * *', '2024-10-05T12:00:00+10:00', '2024-10-07T12:00:00+11:00', sydney), [iso('2024-10-07T02:30:00+11:00')]);
    assert.equal(next('30 3 * * *', '2024-10-06T00:00:00+10:00', sydney), iso('2024-10-06T03:30:00+11:00'));
  });

  test('an hourly schedule fires 25 times on a fall-back day and 23 times on a spring-forward day', () => {
    assert.equal(activations('0 * * * *', '2024-11-02T23:59:00-04:00', '2024-11-03T23:59:00-05:00', newYork).length, 25);
    assert.equal(activations('0 * * * *', '2024-03-09T23:59:00-05:00', '2024-03-10T23:59:00-04:00', newYork).length, 23);
    assert.equal(activations('*/30 * * * *', '2024-04-06T23:59:00+11:00', '2024-04-07T23:59:00+10:00', sydney).length, 50);
  });

  test('mostRecentScheduleTime: the second 01:30 of a fall-back night is due after the first ran', () => {
    const daily = parseSchedule('30 1 * * *');
    const cronJob = { creationTimestamp: '2024-11-01T00:00:00Z', lastScheduleTime: iso('2024-11-03T01:30:00-04:00') };
    const early = mostRecentScheduleTime(cronJob, new Date('2024-11-03T01:10:00-05:00'), daily, newYork);
    assert.equal(early.mostRecent, undefined);
    const due = mostRecentScheduleTime(cronJob, new Date('2024-11-03T01:30:05-05:00'), daily, newYork);
    assert.equal(due.mostRecent?.toISOString(), iso('2024-11-03T01:30:00-05:00'));
    assert.equal(due.missed, 'none');
    // The controller waits from the first 01:30 to the second, an hour later (plus 100ms).
    assert.equal(nextScheduleTimeDuration(cronJob, new Date('2024-11-03T01:40:00-04:00'), daily, newYork), 50 * 60_000 + 100);
  });

  test('mostRecentScheduleTime: a controller down across the fall-back night still finds the second 01:30', () => {
    const daily = parseSchedule('30 1 * * *');
    const cronJob = { creationTimestamp: '2024-11-01T00:00:00Z', lastScheduleTime: iso('2024-11-02T01:30:00-04:00') };
    const result = mostRecentScheduleTime(cronJob, new Date('2024-11-03T12:00:00-05:00'), daily, newYork);
    assert.equal(result.mostRecent?.toISOString(), iso('2024-11-03T01:30:00-05:00'));
    assert.equal(result.missed, 'few');
    const sydneyJob = { creationTimestamp: '2024-04-01T00:00:00Z', lastScheduleTime: iso('2024-04-06T02:30:00+11:00') };
    const sydneyResult = mostRecentScheduleTime(sydneyJob, new Date('2024-04-07T20:00:00+10:00'), parseSchedule('30 2 * * *'), sydney);
    assert.equal(sydneyResult.mostRecent?.toISOString(), iso('2024-04-07T02:30:00+10:00'));
  });

  test('mostRecentScheduleTime: a nonexistent spring-forward time is not due that day', () => {
    const daily = parseSchedule('30 2 * * *');
    const cronJob = { creationTimestamp: '2024-03-01T00:00:00Z', lastScheduleTime: iso('2024-03-09T02:30:00-05:00') };
    const sameDay = mostRecentScheduleTime(cronJob, new Date('2024-03-10T23:00:00-04:00'), daily, newYork);
    assert.equal(sameDay.mostRecent, undefined);
    assert.equal(nextScheduleTimeDuration(cronJob, new Date('2024-03-10T23:00:00-04:00'), daily, newYork), 3.5 * 3_600_000 + 100);
    const nextDay = mostRecentScheduleTime(cronJob, new Date('2024-03-11T02:30:00-04:00'), daily, newYork);
    assert.equal(nextDay.mostRecent?.toISOString(), iso('2024-03-11T02:30:00-04:00'));
  });
});

describe('isValidTimeZone', () => {
  test('accepts IANA names and rejects unknown, empty, Local and offsets', () => {
    assert.equal(isValidTimeZone('America/New_York'), true);
    assert.equal(isValidTimeZone('Europe/Berlin'), true);
    assert.equal(isValidTimeZone('UTC'), true);
    assert.equal(isValidTimeZone('Mars/Olympus'), false);
    assert.equal(isValidTimeZone(''), false);
    assert.equal(isValidTimeZone('Local'), false);
    assert.equal(isValidTimeZone('+01:00'), false);
  });
});

describe('mostRecentScheduleTime', () => {
  const hourly = parseSchedule('0 * * * *');
  const created = '2024-01-01T10:15:00Z';

  test('no activation yet', () => {
    const result = mostRecentScheduleTime({ creationTimestamp: created }, new Date('2024-01-01T10:30:00Z'), hourly);
    assert.equal(result.mostRecent, undefined);
    assert.equal(result.missed, 'none');
    assert.equal(result.earliest.toISOString(), '2024-01-01T10:15:00.000Z');
  });

  test('one activation due', () => {
    const result = mostRecentScheduleTime({ creationTimestamp: created }, new Date('2024-01-01T11:05:00Z'), hourly);
    assert.equal(result.mostRecent?.toISOString(), '2024-01-01T11:00:00.000Z');
    assert.equal(result.missed, 'none');
  });

  test('a few missed: the latest is returned', () => {
    const result = mostRecentScheduleTime({ creationTimestamp: created }, new Date('2024-01-01T13:05:00Z'), hourly);
    assert.equal(result.mostRecent?.toISOString(), '2024-01-01T13:00:00.000Z');
    assert.equal(result.missed, 'few');
  });

  test('lastScheduleTime takes precedence over creation', () => {
    const result = mostRecentScheduleTime(
      { creationTimestamp: created, lastScheduleTime: '2024-01-01T13:00:00Z' },
      new Date('2024-01-01T13:30:00Z'),
      hourly,
    );
    assert.equal(result.mostRecent, undefined);
    assert.equal(result.missed, 'none');
  });

  test('startingDeadlineSeconds 600 narrows the window to the last ten minutes', () => {
    const cronJob = { creationTimestamp: created, lastScheduleTime: '2024-01-01T10:00:00Z', startingDeadlineSeconds: 600 };
    const within = mostRecentScheduleTime(cronJob, new Date('2024-01-01T13:05:00Z'), hourly);
    assert.equal(within.earliest.toISOString(), '2024-01-01T12:55:00.000Z');
    assert.equal(within.mostRecent?.toISOString(), '2024-01-01T13:00:00.000Z');
    assert.equal(within.missed, 'none');
    const tooLate = mostRecentScheduleTime(cronJob, new Date('2024-01-01T13:15:00Z'), hourly);
    assert.equal(tooLate.mostRecent, undefined);
    assert.equal(tooLate.missed, 'none');
    const ignored = mostRecentScheduleTime(cronJob, new Date('2024-01-01T13:15:00Z'), hourly, undefined, {
      includeStartingDeadlineSeconds: false,
    });
    assert.equal(ignored.mostRecent?.toISOString(), '2024-01-01T13:00:00.000Z');
    assert.equal(ignored.missed, 'few');
  });

  test('more than 100 missed is "many"; a starting deadline caps it', () => {
    const everyMinute = parseSchedule('* * * * *');
    const now = new Date('2024-01-02T00:00:30Z');
    const many = mostRecentScheduleTime({ creationTimestamp: '2024-01-01T00:00:00Z' }, now, everyMinute);
    assert.equal(many.missed, 'many');
    assert.equal(many.mostRecent?.toISOString(), '2024-01-02T00:00:00.000Z');
    const capped = mostRecentScheduleTime({ creationTimestamp: '2024-01-01T00:00:00Z', startingDeadlineSeconds: 600 }, now, everyMinute);
    assert.equal(capped.missed, 'few');
    assert.equal(capped.mostRecent?.toISOString(), '2024-01-02T00:00:00.000Z');
    const exactly101 = mostRecentScheduleTime({ creationTimestamp: '2024-01-01T00:00:00Z' }, new Date('2024-01-01T01:41:00Z'), everyMinute);
    assert.equal(exactly101.missed, 'many');
    const exactly100 = mostRecentScheduleTime({ creationTimestamp: '2024-01-01T00:00:00Z' }, new Date('2024-01-01T01:40:59Z'), everyMinute);
    assert.equal(exactly100.missed, 'few');
    assert.equal(exactly100.mostRecent?.toISOString(), '2024-01-01T01:40:00.000Z');
  });

  test('irregular schedules still find the exact latest time', () => {
    const workHours = parseSchedule('30 6-16/4 * * 1-5');
    // Friday 2024-01-05 to Tuesday 2024-01-09 08:00.
    const result = mostRecentScheduleTime({ creationTimestamp: '2024-01-05T12:00:00Z' }, new Date('2024-01-09T08:00:00Z'), workHours);
    assert.equal(result.mostRecent?.toISOString(), '2024-01-09T06:30:00.000Z');
    assert.equal(result.missed, 'few');
  });

  test('an impossible date reports an error', () => {
    const result = mostRecentScheduleTime({ creationTimestamp: created }, new Date('2024-06-01T00:00:00Z'), parseSchedule('59 23 31 2 *'));
    assert.equal(result.mostRecent, undefined);
    assert.equal(result.error, 'time difference between two schedules is less than 1 second');
  });

  test('evaluates in the given zone', () => {
    const nine = parseSchedule('0 9 * * *');
    const result = mostRecentScheduleTime(
      { creationTimestamp: '2024-01-10T00:00:00Z' },
      new Date('2024-01-10T14:30:00Z'),
      nine,
      'America/New_York',
    );
    assert.equal(result.mostRecent?.toISOString(), '2024-01-10T14:00:00.000Z');
  });
});

describe('nextScheduleTimeDuration', () => {
  const hourly = parseSchedule('0 * * * *');

  test('waits for the first activation after creation, plus 100ms', () => {
    const ms = nextScheduleTimeDuration({ creationTimestamp: '2024-01-01T10:15:00Z' }, new Date('2024-01-01T10:30:00Z'), hourly);
    assert.equal(ms, 30 * 60_000 + 100);
  });

  test('after the most recent activation, waits for the one after it', () => {
    const ms = nextScheduleTimeDuration(
      { creationTimestamp: '2024-01-01T10:15:00Z', lastScheduleTime: '2024-01-01T10:00:00Z', startingDeadlineSeconds: 10 },
      new Date('2024-01-01T11:05:00Z'),
      hourly,
    );
    assert.equal(ms, 55 * 60_000 + 100);
  });

  test('never-firing schedules give undefined', () => {
    assert.equal(
      nextScheduleTimeDuration({ creationTimestamp: '2024-01-01T10:15:00Z' }, new Date('2024-01-01T10:30:00Z'), parseSchedule('0 0 30 2 *')),
      undefined,
    );
  });
});

describe("a CronJob's Jobs", () => {
  test('are named by the scheduled minute, read back from the annotation or the name', () => {
    const at = new Date('2026-01-01T00:20:00Z');
    const name = jobNameFor('tick', at);
    assert.equal(name, `tick-${at.getTime() / 60_000}`);
    assert.equal(scheduledTimeOfJob('tick', { metadata: { name } })?.toISOString(), at.toISOString());
    const annotated = { metadata: { name: 'other', annotations: { [cronJobScheduledTimestampAnnotation]: '2026-01-01T09:00:00-05:00' } } };
    assert.equal(scheduledTimeOfJob('tick', annotated)?.toISOString(), '2026-01-01T14:00:00.000Z');
    assert.equal(scheduledTimeOfJob('tick', { metadata: { name: 'tock-123' } }), undefined);
  });
});

describe('scheduleZone', () => {
  test("spec.timeZone applies unless the schedule names its own zone; unknown zones fall back to the default", () => {
    assert.equal(scheduleZone(parseSchedule('0 9 * * *'), 'America/New_York'), 'America/New_York');
    assert.equal(scheduleZone(parseSchedule('TZ=Europe/Paris 0 9 * * *'), 'America/New_York'), undefined);
    assert.equal(scheduleZone(parseSchedule('0 9 * * *'), 'Mars/Olympus'), undefined);
    assert.equal(scheduleZone(parseSchedule('0 9 * * *'), undefined), undefined);
  });
});
