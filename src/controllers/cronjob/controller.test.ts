import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, CronJobSpec } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { FakeClock, settle } from '../../apimachinery/clock.js';
import { testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import type { JobObject } from '../common/job.js';
import { CronJobController, formatRFC3339InZone } from './controller.js';
import { jobNameFor } from '../../apimachinery/cron-schedule.js';

const namespace = 'default';
type CronJobObject = CronJob & KubeObject;

async function harness(start = '2026-01-01T00:00:00Z') {
  const t = testContext({ clock: new FakeClock(new Date(start)) });
  const { client, clock, informers, recorder, errors } = t;
  const controller = new CronJobController(t.ctx);
  t.startInformers();

  const eventually = async <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => (await waitFor(what, probe, { errors })) as T;

  async function createCronJob(name: string, spec: Partial<CronJobSpec>): Promise<CronJobObject> {
    const cronJob: CronJobObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, namespace },
      spec: {
        schedule: '*/10 * * * *',
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: { labels: { app: name } },
          spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
        },
        ...spec,
      },
    };
    return client.create<CronJobObject>(resources.cronjobs, namespace, cronJob);
  }

  const jobs = async (): Promise<JobObject[]> => (await client.list<JobObject>(resources.jobs, namespace)).items;
  const getCronJob = (name: string): Promise<CronJobObject> => client.get<CronJobObject>(resources.cronjobs, namespace, name);

  /** Plays the Job controller: the Job finished as `type` now. */
  async function finishJob(name: string, type: 'Complete' | 'Failed', startTime?: string): Promise<void> {
    const job = await client.get<JobObject>(resources.jobs, namespace, name);
    const at = clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = {
      startTime: startTime ?? at,
      ...(type === 'Complete' ? { completionTime: at, succeeded: 1 } : { failed: 1 }),
      conditions: [{ type, status: 'True', lastTransitionTime: at, lastProbeTime: at }],
    };
    await client.update(resources.jobs, namespace, { ...job, status } as JobObject, { subresource: 'status' });
  }

  return {
    clock,
    client,
    recorder,
    errors,
    controller,
    eventually,
    createCronJob,
    jobs,
    getCronJob,
    finishJob,
    /** Runs the controller's workers. */
    run(): void {
      t.run(controller);
    },
    /** Waits until the informer caches hold what the API holds (for driving `sync` by hand). */
    async synced(): Promise<void> {
      await informers.waitForSync();
      await settle(3);
    },
    reasons: (): string[] => recorder.events.map((e) => e.reason),
    async stop(): Promise<void> {
      await t.stop();
    },
  };
}

const minute = 60_000;

describe('CronJob controller', () => {
  test('Allow runs two Jobs side by side, named by the scheduled minute', async () => {
    const h = await harness();
    try {
      const cj = await h.createCronJob('tick', {});
      h.run();
      await h.clock.advanceAsync(10 * minute + 1000);
      const first = await h.eventually('first Job', async () => {
        const list = await h.jobs();
        return list.length === 1 && list[0];
      });
      const scheduled = new Date('2026-01-01T00:10:00Z');
      assert.equal(first.metadata?.name, jobNameFor('tick', scheduled));
      assert.equal(first.metadata?.name, `tick-${scheduled.getTime() / minute}`);
      assert.equal(first.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:10:00Z');
      assert.deepEqual(first.metadata?.labels, { app: 'tick' });
      assert.deepEqual(first.metadata?.ownerReferences, [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata?.uid, controller: true, blockOwnerDeletion: true },
      ]);
      assert.ok(h.recorder.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${first.metadata?.name}`));
      const status = await h.eventually('lastScheduleTime', async () => {
        const c = await h.getCronJob('tick');
        return c.status?.lastScheduleTime === '2026-01-01T00:10:00Z' && c.status;
      });
      assert.deepEqual(status.active?.map((r) => r.name), [first.metadata?.name]);

      await h.clock.advanceAsync(10 * minute + 1000);
      await h.eventually('two active Jobs', async () => {
        const c = await h.getCronJob('tick');
        return (await h.jobs()).length === 2 && c.status?.active?.length === 2;
      });
      assert.deepEqual(h.errors, []);
    } finally {
      await h.stop();
    }
  });

  test('Forbid skips a run while the last one is active', async () => {
    const h = await harness();
    try {
      await h.createCronJob('solo', { concurrencyPolicy: 'Forbid' });
      h.run();
      await h.clock.advanceAsync(10 * minute + 1000);
      const [first] = await h.eventually('first Job', async () => {
        const list = await h.jobs();
        return list.length === 1 && list;
      });
      await h.eventually('active 1', async () => (await h.getCronJob('solo')).status?.active?.length === 1);
      await h.clock.advanceAsync(10 * minute + 1000);
      await h.eventually('JobAlreadyActive', async () => h.reasons().includes('JobAlreadyActive'));
      assert.equal((await h.jobs()).length, 1);

      await h.finishJob(first?.metadata?.name ?? '', 'Complete');
      const completed = await h.client.get<JobObject>(resources.jobs, namespace, first?.metadata?.name ?? '');
      // The skipped 00:20 start is still due (no startingDeadlineSeconds): it runs as soon as the slot frees, as upstream.
      const late = jobNameFor('solo', new Date('2026-01-01T00:20:00Z'));
      await h.eventually('SawCompletedJob and the late run', async () => {
        const c = await h.getCronJob('solo');
        return (
          h.reasons().includes('SawCompletedJob') &&
          c.status?.active?.map((r) => r.name).join() === late &&
          c.status.lastSuccessfulTime === completed.status?.completionTime
        );
      });
      assert.ok(h.recorder.events.some((e) => e.message === `Saw completed job: ${first?.metadata?.name}, condition: Complete`));
    } finally {
      await h.stop();
    }
  });

  test('Replace deletes the running Job and starts the new one', async () => {
    const h = await harness();
    try {
      await h.createCronJob('swap', { concurrencyPolicy: 'Replace' });
      h.run();
      await h.clock.advanceAsync(10 * minute + 1000);
      const [first] = await h.eventually('first Job', async () => {
        const list = await h.jobs();
        return list.length === 1 && list;
      });
      await h.eventually('active 1', async () => (await h.getCronJob('swap')).status?.active?.length === 1);
      await h.clock.advanceAsync(10 * minute + 1000);
      const second = jobNameFor('swap', new Date('2026-01-01T00:20:00Z'));
      await h.eventually('replaced', async () => {
        const names = (await h.jobs()).map((j) => j.metadata?.name);
        const c = await h.getCronJob('swap');
        return names.length === 1 && names[0] === second && c.status?.active?.map((r) => r.name).join() === second;
      });
      assert.ok(h.recorder.events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${first?.metadata?.name}`));
    } finally {
      await h.stop();
    }
  });

  test('startingDeadlineSeconds 600: a start missed by more is skipped with MissSchedule, one missed by less runs', async () => {
    const h = await harness();
    try {
      await h.createCronJob('late', { schedule: '0 * * * *', startingDeadlineSeconds: 600 });
      await h.synced();
      const key = `${namespace}/late`;
      // The controller was down from 00:00 to 01:15: the 01:00 start is 15 minutes late.
      h.clock.advance(75 * minute);
      const skipped = await h.controller.sync(key);
      assert.equal((await h.jobs()).length, 0);
      const miss = h.recorder.events.find((e) => e.reason === 'MissSchedule');
      assert.equal(miss?.type, 'Warning');
      assert.equal(miss?.message, 'Missed scheduled time to start a job: Thu, 01 Jan 2026 01:00:00 +0000');
      assert.equal(skipped.requeueAfter, 45 * minute + 100);
      // Down again until 02:05: the 02:00 start is 5 minutes late, within the deadline.
      h.clock.advance(50 * minute);
      await h.controller.sync(key);
      const list = await h.jobs();
      assert.deepEqual(list.map((j) => j.metadata?.name), [jobNameFor('late', new Date('2026-01-01T02:00:00Z'))]);
    } finally {
      await h.stop();
    }
  });

  test('finished Jobs beyond the history limits are deleted, oldest first', async () => {
    const h = await harness();
    try {
      const cj = await h.createCronJob('hist', { schedule: '0 0 1 1 *', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
      const owner = [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hist', uid: cj.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }];
      const made: Array<[string, 'Complete' | 'Failed', string]> = [
        ['hist-ok-1', 'Complete', '2025-12-31T01:00:00Z'],
        ['hist-ok-2', 'Complete', '2025-12-31T02:00:00Z'],
        ['hist-ok-3', 'Complete', '2025-12-31T03:00:00Z'],
        ['hist-ok-4', 'Complete', '2025-12-31T04:00:00Z'],
        ['hist-bad-1', 'Failed', '2025-12-31T01:30:00Z'],
        ['hist-bad-2', 'Failed', '2025-12-31T02:30:00Z'],
      ];
      for (const [name, type, start] of made) {
        await h.client.create(resources.jobs, namespace, { metadata: { name, namespace, ownerReferences: owner }, spec: { template: {} } } as JobObject);
        await h.finishJob(name, type, start);
      }
      h.run();
      await h.eventually('pruned', async () => (await h.jobs()).length === 4);
      assert.deepEqual((await h.jobs()).map((j) => j.metadata?.name).sort(), ['hist-bad-2', 'hist-ok-2', 'hist-ok-3', 'hist-ok-4']);
      assert.equal(h.recorder.events.filter((e) => e.reason === 'SuccessfulDelete').length, 2);
    } finally {
      await h.stop();
    }
  });

  test('an unknown time zone gives UnknownTimeZone and no Jobs', async () => {
    const h = await harness();
    try {
      await h.createCronJob('mars', { timeZone: 'Mars/Olympus' });
      h.run();
      const event = await h.eventually('UnknownTimeZone', async () => h.recorder.events.find((e) => e.reason === 'UnknownTimeZone'));
      assert.equal(event.type, 'Warning');
      assert.equal(event.message, 'invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus');
      await h.clock.advanceAsync(30 * minute);
      assert.equal((await h.jobs()).length, 0);
    } finally {
      await h.stop();
    }
  });

  test('a time zone shifts the schedule and the scheduled-timestamp annotation', async () => {
    const h = await harness('2026-01-01T13:00:00Z');
    try {
      await h.createCronJob('ny', { schedule: '0 9 * * *', timeZone: 'America/New_York' });
      h.run();
      await h.clock.advanceAsync(61 * minute);
      const [job] = await h.eventually('the 09:00 New York run', async () => {
        const list = await h.jobs();
        return list.length === 1 && list;
      });
      assert.equal(job?.metadata?.name, jobNameFor('ny', new Date('2026-01-01T14:00:00Z')));
      assert.equal(job?.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T09:00:00-05:00');
      assert.equal(formatRFC3339InZone(new Date('2026-07-01T13:00:00Z'), 'America/New_York'), '2026-07-01T09:00:00-04:00');
    } finally {
      await h.stop();
    }
  });

  test('more than 100 missed starts: TooManyMissedTimes, and the latest still runs', async () => {
    const h = await harness();
    try {
      await h.createCronJob('busy', { schedule: '* * * * *' });
      await h.synced();
      h.clock.advance(3 * 60 * minute + 30_000);
      await h.controller.sync(`${namespace}/busy`);
      const event = h.recorder.events.find((e) => e.reason === 'TooManyMissedTimes');
      assert.equal(event?.type, 'Warning');
      assert.equal(event?.message, 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
      assert.deepEqual((await h.jobs()).map((j) => j.metadata?.name), [jobNameFor('busy', new Date('2026-01-01T03:00:00Z'))]);
    } finally {
      await h.stop();
    }
  });

  test('suspend starts nothing; an active Job that vanished is MissingJob', async () => {
    const h = await harness();
    try {
      await h.createCronJob('off', { suspend: true });
      h.run();
      await h.clock.advanceAsync(30 * minute);
      assert.equal((await h.jobs()).length, 0);

      await h.createCronJob('gone', {});
      await h.clock.advanceAsync(10 * minute + 1000);
      const [job] = await h.eventually('a Job', async () => {
        const list = await h.jobs();
        return list.length === 1 && list;
      });
      await h.eventually('active 1', async () => (await h.getCronJob('gone')).status?.active?.length === 1);
      await h.client.delete(resources.jobs, namespace, job?.metadata?.name ?? '');
      await h.eventually('MissingJob', async () => {
        const c = await h.getCronJob('gone');
        return h.reasons().includes('MissingJob') && (c.status?.active ?? []).length === 0;
      });
    } finally {
      await h.stop();
    }
  });
});
