import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { emptySnapshot, type ClusterSnapshot, type ObservedChange } from '../snapshot.js';
import { cronJobView, type CronJobModel } from './cronjob.js';

/** Golden files live in src/inspect/views/testdata; UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../../../src/inspect/views/testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

const ns = 'seed';
const iso = (hhmmss: string, day = '2026-01-01'): string => `${day}T${hhmmss}Z`;
const ms = (hhmmss: string, day?: string): number => Date.parse(iso(hhmmss, day));

/** One of the seed's CronJobs: `*\/1 * * * *`, startingDeadlineSeconds 600, a 90 s job. */
function cronJob(name: string, policy: 'Allow' | 'Forbid' | 'Replace', o: { schedule?: string; created?: string; last?: string; active?: string[] } = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: ns, uid: `uid-${name}`, creationTimestamp: o.created ?? iso('00:00:30') },
    spec: {
      schedule: o.schedule ?? '*/1 * * * *',
      startingDeadlineSeconds: 600,
      concurrencyPolicy: policy,
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox', command: ['sh', '-c', 'date; sleep 90'] }] } } } },
    },
    status: { ...(o.last ? { lastScheduleTime: o.last } : {}), active: (o.active ?? []).map((j) => ({ kind: 'Job', namespace: ns, name: j })) },
  };
}

/** The Job the controller starts for `scheduled` (named by its minute), started at `start`, finished at `end` if given. */
function job(cronName: string, scheduled: string, start: string, end?: string): Job {
  const minutes = Date.parse(scheduled) / 60_000;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${cronName}-${minutes}`,
      namespace: ns,
      uid: `uid-${cronName}-${minutes}`,
      creationTimestamp: start,
      annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': scheduled },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronName, uid: `uid-${cronName}`, controller: true }],
    },
    spec: { template: { spec: { containers: [] } } },
    status: end
      ? { startTime: start, completionTime: end, succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: end }] }
      : { startTime: start, active: 1 },
  };
}

const jobName = (cronName: string, scheduled: string): string => `${cronName}-${Date.parse(scheduled) / 60_000}`;

/** An Event about a CronJob as the recorder writes it (repeats bump count and lastTimestamp). */
function event(cronName: string, reason: string, message: string, first: string, o: { last?: string; count?: number; type?: string } = {}): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${cronName}.${reason}.${Date.parse(first)}`, namespace: ns },
    involvedObject: { apiVersion: 'batch/v1', kind: 'CronJob', namespace: ns, name: cronName, uid: `uid-${cronName}` },
    reason,
    message,
    type: o.type ?? 'Normal',
    source: { component: 'cronjob-controller' },
    firstTimestamp: first,
    lastTimestamp: o.last ?? first,
    count: o.count ?? 1,
  };
}

function change(at: string, type: ObservedChange['type'], kind: 'jobs' | 'events', object: Job | Event): ObservedChange {
  return { at: Date.parse(at), type, kind, object: object as unknown as KubeObject };
}

const forbidNotStarting = 'Not starting job because prior execution is running and concurrency policy is Forbid';

/**
 * cron-forbid at 00:06:10: each 90 s Job outlives the minute, so each next start is refused
 * (JobAlreadyActive, one Event whose count grows) and, still within the 600 s deadline, made late
 * once the previous Job finishes; 00:03 never starts (by 00:04:05 the most recent time is 00:04).
 */
function forbidScenario(): ClusterSnapshot {
  const c = 'cron-forbid';
  const jobs = [
    job(c, iso('00:01:00'), iso('00:01:00'), iso('00:02:33')),
    job(c, iso('00:02:00'), iso('00:02:33'), iso('00:04:05')),
    job(c, iso('00:04:00'), iso('00:04:05'), iso('00:05:37')),
    job(c, iso('00:05:00'), iso('00:05:37')),
  ];
  const refused = (count: number, last: string): Event => event(c, 'JobAlreadyActive', forbidNotStarting, iso('00:02:00'), { last, count });
  const created = (scheduled: string, at: string): Event => event(c, 'SuccessfulCreate', `Created job ${jobName(c, iso(scheduled))}`, iso(at));
  const completed = (scheduled: string, at: string): Event => event(c, 'SawCompletedJob', `Saw completed job: ${jobName(c, iso(scheduled))}, condition: Complete`, iso(at));
  const events = [
    created('00:01:00', '00:01:00'),
    created('00:02:00', '00:02:33'),
    created('00:04:00', '00:04:05'),
    created('00:05:00', '00:05:37'),
    completed('00:01:00', '00:02:33'),
    completed('00:02:00', '00:04:05'),
    completed('00:04:00', '00:05:37'),
    refused(5, iso('00:06:00')),
  ];
  const changes = [
    change(iso('00:02:00'), 'ADDED', 'events', refused(1, iso('00:02:00'))),
    change(iso('00:03:00'), 'MODIFIED', 'events', refused(2, iso('00:03:00'))),
    change(iso('00:04:00'), 'MODIFIED', 'events', refused(3, iso('00:04:00'))),
    change(iso('00:05:00'), 'MODIFIED', 'events', refused(4, iso('00:05:00'))),
    change(iso('00:06:00'), 'MODIFIED', 'events', refused(5, iso('00:06:00'))),
  ];
  return {
    ...emptySnapshot(ms('00:06:10')),
    cronJobs: [cronJob(c, 'Forbid', { last: iso('00:05:00'), active: [jobName(c, iso('00:05:00'))] })],
    jobs,
    events,
    changes,
  };
}

/** cron-replace at 00:04:20: every minute the running Job is deleted and the next one started in its place. */
function replaceScenario(): ClusterSnapshot {
  const c = 'cron-replace';
  const times = ['00:01:00', '00:02:00', '00:03:00', '00:04:00'];
  const jobs = times.map((t) => job(c, iso(t), iso(t)));
  const changes: ObservedChange[] = [];
  const events: Event[] = [];
  times.forEach((t, i) => {
    changes.push(change(iso(t), 'ADDED', 'jobs', jobs[i]!));
    events.push(event(c, 'SuccessfulCreate', `Created job ${jobs[i]!.metadata?.name}`, iso(t)));
    if (i > 0) {
      changes.push(change(iso(t), 'DELETED', 'jobs', jobs[i - 1]!));
      events.push(event(c, 'SuccessfulDelete', `Deleted job ${jobs[i - 1]!.metadata?.name}`, iso(t)));
    }
  });
  return {
    ...emptySnapshot(ms('00:04:20')),
    cronJobs: [cronJob(c, 'Replace', { last: iso('00:04:00'), active: [jobs[3]!.metadata?.name ?? ''] })],
    jobs: [jobs[3]!],
    events,
    changes,
  };
}

/**
 * The seed's deadline: an hourly CronJob with startingDeadlineSeconds 600 whose controller was
 * away from 00:55 to 01:20; at 01:20:05 the 01:00 start is 20 minutes late, past the deadline,
 * and the controller records MissSchedule instead of starting it.
 */
function deadlineScenario(): ClusterSnapshot {
  const c = 'cron-hourly';
  const day0 = '2025-12-31';
  const jobs = [job(c, iso('23:00:00', day0), iso('23:00:01', day0), iso('23:01:32', day0)), job(c, iso('00:00:00'), iso('00:00:01'), iso('00:01:32'))];
  return {
    ...emptySnapshot(ms('01:30:00')),
    cronJobs: [cronJob(c, 'Forbid', { schedule: '0 * * * *', created: iso('22:30:00', day0), last: iso('00:00:00') })],
    jobs,
    events: [
      event(c, 'SuccessfulCreate', `Created job ${jobs[1]!.metadata?.name}`, iso('00:00:00')),
      event(c, 'SawCompletedJob', `Saw completed job: ${jobs[1]!.metadata?.name}, condition: Complete`, iso('00:01:32')),
      event(c, 'MissSchedule', 'Missed scheduled time to start a job: Thu, 01 Jan 2026 01:00:00 +0000', iso('01:20:05'), { type: 'Warning' }),
    ],
  };
}

function select(snapshot: ClusterSnapshot): CronJobModel {
  const name = snapshot.cronJobs[0]?.metadata?.name ?? '';
  const model = cronJobView.select(snapshot, { namespace: ns, name });
  assert.ok(model, 'the CronJob is found');
  return model;
}

const outcomes = (model: CronJobModel): [string, string][] => model.runs.map((r) => [new Date(r.scheduledAt).toISOString().slice(11, 19), r.outcome]);

function assertAccessible(svg: string, model: CronJobModel): void {
  for (const g of svg.match(/<g[ >][^>]*>/g) ?? []) assert.match(g, /role="group" aria-label="[^"]+"/, `every group is labelled: ${g}`);
  assert.equal(cronJobView.render(model), svg, 'same model, same bytes');
  const text = cronJobView.describe(model);
  for (const run of model.runs) assert.ok(text.includes(run.note), `the text says ${run.note}`);
  for (const o of model.runs.flatMap((r) => r.events)) assert.ok(text.includes(o.message), `the text carries the Event ${o.reason}`);
}

describe('cronjob view', () => {
  test('Forbid: refused starts are skipped runs with their JobAlreadyActive Event, late starts say why', () => {
    const model = select(forbidScenario());
    assert.deepEqual(outcomes(model), [
      ['00:01:00', 'started'],
      ['00:02:00', 'started'],
      ['00:03:00', 'skipped'],
      ['00:04:00', 'started'],
      ['00:05:00', 'started'],
      ['00:06:00', 'skipped'],
      ['00:07:00', 'upcoming'],
    ]);
    const skipped = model.runs[2]!;
    assert.deepEqual(skipped.events.map((o) => [o.reason, o.message, new Date(o.at).toISOString()]), [['JobAlreadyActive', forbidNotStarting, iso('00:03:00').replace('Z', '.000Z')]]);
    assert.match(skipped.note, /^skipped: Job cron-forbid-29453762 was still running and concurrencyPolicy is Forbid$/);
    assert.match(model.runs[1]!.note, /^Job cron-forbid-29453762 started 33s late, held back by Forbid until the previous Job finished \(succeeded\)$/);
    assert.deepEqual(
      model.runs[1]!.events.map((o) => o.reason),
      ['JobAlreadyActive', 'SuccessfulCreate', 'SawCompletedJob'],
    );
    assert.deepEqual(model.jobs.map((j) => [j.name, j.state, j.lane]), [
      ['cron-forbid-29453761', 'succeeded', 0],
      ['cron-forbid-29453762', 'succeeded', 0],
      ['cron-forbid-29453764', 'succeeded', 0],
      ['cron-forbid-29453765', 'active', 0],
    ]);
    assert.equal(model.runs[6]!.note, 'next run in 50s');
    const svg = cronJobView.render(model);
    golden('cronjob-forbid.svg', svg);
    assertAccessible(svg, model);
    assert.deepEqual(cronJobView.links(model)[0], { view: 'workload', params: { namespace: ns, kind: 'CronJob', name: 'cron-forbid' } });
  });

  test('Replace: each run is cut short by the next, with SuccessfulDelete and SuccessfulCreate', () => {
    const model = select(replaceScenario());
    assert.deepEqual(outcomes(model), [
      ['00:01:00', 'replaced'],
      ['00:02:00', 'replaced'],
      ['00:03:00', 'replaced'],
      ['00:04:00', 'started'],
      ['00:05:00', 'upcoming'],
    ]);
    const first = model.runs[0]!;
    assert.equal(first.replacedBy, 'cron-replace-29453762');
    assert.equal(first.note, 'Job cron-replace-29453761 was deleted while running: Replace started cron-replace-29453762 in its place');
    assert.deepEqual(first.events.map((o) => `${o.reason}: ${o.message}`), ['SuccessfulCreate: Created job cron-replace-29453761', 'SuccessfulDelete: Deleted job cron-replace-29453761']);
    assert.deepEqual(model.jobs.map((j) => [j.deleted, j.endedAt === undefined ? undefined : new Date(j.endedAt).toISOString().slice(11, 19)]), [
      [true, '00:02:00'],
      [true, '00:03:00'],
      [true, '00:04:00'],
      [false, undefined],
    ]);
    const svg = cronJobView.render(model);
    golden('cronjob-replace.svg', svg);
    assertAccessible(svg, model);
  });

  test('startingDeadlineSeconds: a start missed past the deadline shows with its MissSchedule Event', () => {
    const model = select(deadlineScenario());
    assert.deepEqual(outcomes(model), [
      ['23:00:00', 'started'],
      ['00:00:00', 'started'],
      ['01:00:00', 'missed'],
      ['02:00:00', 'upcoming'],
    ]);
    const missed = model.runs[2]!;
    assert.equal(missed.note, 'not started: the start was missed by more than startingDeadlineSeconds (600s)');
    assert.deepEqual(missed.events.map((o) => [o.type, o.reason, o.message]), [['Warning', 'MissSchedule', 'Missed scheduled time to start a job: Thu, 01 Jan 2026 01:00:00 +0000']]);
    const svg = cronJobView.render(model);
    golden('cronjob-deadline.svg', svg);
    assertAccessible(svg, model);
    assert.match(cronJobView.describe(model), /^CronJob seed\/cron-hourly: schedule "0 \* \* \* \*" in UTC, concurrencyPolicy Forbid, startingDeadlineSeconds 600; last scheduled 2026-01-01 00:00:00 UTC; now 2026-01-01 01:30:00 UTC\./);
  });

  test('Allow: overlapping Jobs run side by side in lanes; without Events the outcome comes from the Jobs', () => {
    const c = 'cron-allow';
    const times = ['00:01:00', '00:02:00', '00:03:00', '00:04:00'];
    const jobs = times.map((t, i) => job(c, iso(t), iso(t), i < 2 ? new Date(Date.parse(iso(t)) + 92_000).toISOString().replace('.000', '') : undefined));
    const model = select({ ...emptySnapshot(ms('00:04:40')), cronJobs: [cronJob(c, 'Allow', { last: iso('00:04:00') })], jobs });
    assert.deepEqual(outcomes(model).map(([, o]) => o), ['started', 'started', 'started', 'started', 'upcoming']);
    assert.deepEqual(model.jobs.map((j) => j.lane), [0, 1, 0, 1]);
    golden('cronjob-allow.svg', cronJobView.render(model));
  });

  test('an unparseable schedule is said, with the controller’s Event; an unknown CronJob has no picture', () => {
    const c = 'cron-bad';
    const bad = cronJob(c, 'Allow', { schedule: '61 * * * *' });
    const model = select({
      ...emptySnapshot(ms('00:05:00')),
      cronJobs: [bad],
      events: [event(c, 'UnparseableSchedule', 'unparseable schedule: "61 * * * *" : end of range (61) above maximum (59): 61', iso('00:00:30'), { type: 'Warning' })],
    });
    assert.equal(model.scheduleProblem, 'end of range (61) above maximum (59): 61');
    assert.deepEqual(model.otherEvents.map((o) => o.reason), ['UnparseableSchedule']);
    const text = cronJobView.describe(model);
    assert.match(text, /The schedule does not parse: end of range \(61\) above maximum \(59\): 61/);
    assert.match(text, /Other events:\n- Warning UnparseableSchedule at 00:00:30: unparseable schedule/);
    assert.equal(cronJobView.select(emptySnapshot(0), { namespace: ns, name: c }), undefined);
  });
});
