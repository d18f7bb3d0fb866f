import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, JobSpec } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { FakeClock } from '../../apimachinery/clock.js';
import { testContext } from '../../testing/controllers.js';
import { withGeneratedJobSelector } from '../../testing/registry.js';
import { waitFor } from '../../testing/wait.js';
import { JobController } from './controller.js';
import { jobTrackingFinalizer, type PodObject } from './job-util.js';
import type { JobObject } from '../common/job.js';
import { TTLAfterFinishedController } from './ttl.js';

const namespace = 'default';

/** A running Job controller over an in-memory API and a fake clock. */
async function harness(options: { ttl?: boolean } = {}) {
  const t = testContext({ clock: new FakeClock(new Date('2026-01-01T00:00:00Z')) });
  const { client, clock, recorder, errors } = t;
  const controller = new JobController(t.ctx);
  const ttl = options.ttl ? new TTLAfterFinishedController(t.ctx) : undefined;
  /** Starts the informers and controllers (after the fixtures exist, as the registry makes them atomically). */
  function start(): void {
    t.start(controller, ttl);
  }

  const eventually = async <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => (await waitFor(what, probe, { errors })) as T;

  /** Creates a Job with upstream's defaults and the selector/labels the registry adds. */
  async function createJob(name: string, spec: Partial<JobSpec>): Promise<JobObject> {
    const job: Job & KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace },
      spec: {
        completions: 1,
        parallelism: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        podReplacementPolicy: 'TerminatingOrFailed',
        ...spec,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
      },
    };
    const created = await client.create<JobObject>(resources.jobs, namespace, job);
    return client.update<JobObject>(resources.jobs, namespace, withGeneratedJobSelector(created));
  }

  const jobPods = async (job: string): Promise<PodObject[]> =>
    (await client.list<PodObject>(resources.pods, namespace)).items.filter((p) => p.metadata?.ownerReferences?.[0]?.name === job);
  const getJob = (name: string): Promise<JobObject> => client.get<JobObject>(resources.jobs, namespace, name);

  /** Plays the kubelet: the pod ends in `phase` now (exit code 0 or 1 unless given, with extra pod conditions if given). */
  async function finishPod(
    pod: PodObject,
    phase: 'Succeeded' | 'Failed',
    options: { exitCode?: number; conditions?: { type: string; status: string }[] } = {},
  ): Promise<void> {
    const fresh = await client.get<PodObject>(resources.pods, namespace, pod.metadata?.name ?? '');
    const at = clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = {
      phase,
      ...(options.conditions ? { conditions: options.conditions } : {}),
      containerStatuses: [
        {
          name: 'main',
          image: 'busybox',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: options.exitCode ?? (phase === 'Succeeded' ? 0 : 1), finishedAt: at } },
        },
      ],
    };
    await client.update(resources.pods, namespace, { ...fresh, status } as PodObject, { subresource: 'status' });
  }

  async function stop(): Promise<void> {
    await t.stop();
  }

  return { clock, client, recorder, errors, start, eventually, createJob, jobPods, getJob, finishPod, stop };
}

function conditionTypes(job: JobObject): string[] {
  return (job.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type);
}

describe('Job controller', () => {
  test('runs completions with parallelism, counts successes and completes', async () => {
    const h = await harness();
    try {
      const job = await h.createJob('pi', { completions: 3, parallelism: 2 });
      h.start();
      const first = await h.eventually('two pods', async () => {
        const pods = await h.jobPods('pi');
        return pods.length === 2 && pods;
      });
      const pod = first[0] as PodObject;
      assert.equal(pod.metadata?.generateName, 'pi-');
      assert.match(pod.metadata?.name ?? '', /^pi-[a-z0-9]{5}$/);
      assert.deepEqual(pod.metadata?.ownerReferences, [
        { apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: job.metadata?.uid, controller: true, blockOwnerDeletion: true },
      ]);
      const uid = job.metadata?.uid ?? '';
      assert.deepEqual(pod.metadata?.labels, {
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': 'pi',
        'controller-uid': uid,
        'job-name': 'pi',
      });
      assert.deepEqual(pod.metadata?.finalizers, [jobTrackingFinalizer]);
      assert.ok(h.recorder.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created pod: ${pod.metadata?.name}`));
      const started = await h.eventually('status.active 2', async () => {
        const j = await h.getJob('pi');
        return j.status?.active === 2 && j;
      });
      assert.equal(started.status?.startTime, '2026-01-01T00:00:00Z');
      assert.equal(started.status?.ready, 0);

      await h.finishPod(pod, 'Succeeded');
      await h.eventually('a third pod and succeeded 1', async () => {
        const j = await h.getJob('pi');
        return (await h.jobPods('pi')).length === 3 && j.status?.succeeded === 1 && j.status.active === 2;
      });
      // The counted pod stays, without the tracking finalizer.
      const counted = (await h.jobPods('pi')).find((p) => p.metadata?.name === pod.metadata?.name);
      assert.deepEqual(counted?.metadata?.finalizers ?? [], []);

      for (const p of await h.jobPods('pi')) if (p.status?.phase !== 'Succeeded') await h.finishPod(p, 'Succeeded');
      const done = await h.eventually('Complete', async () => {
        const j = await h.getJob('pi');
        return conditionTypes(j).includes('Complete') && j;
      });
      assert.deepEqual(conditionTypes(done), ['SuccessCriteriaMet', 'Complete']);
      assert.equal(done.status?.succeeded, 3);
      assert.equal(done.status?.active, undefined);
      assert.equal(done.status?.completionTime, '2026-01-01T00:00:00Z');
      assert.equal(done.status?.conditions?.[1]?.reason, 'CompletionsReached');
      assert.deepEqual(done.status?.uncountedTerminatedPods, {});
      assert.equal((await h.jobPods('pi')).length, 3);
      assert.ok(h.recorder.events.some((e) => e.reason === 'Completed' && e.message === 'Job completed'));
      assert.deepEqual(h.errors, []);
    } finally {
      await h.stop();
    }
  });

  test('backs off before replacing failed pods, then fails with BackoffLimitExceeded', async () => {
    const h = await harness();
    try {
      await h.createJob('flaky', { backoffLimit: 1 });
      h.start();
      const [first] = await h.eventually('a pod', async () => {
        const pods = await h.jobPods('flaky');
        return pods.length === 1 && pods;
      });
      await h.finishPod(first as PodObject, 'Failed');
      await h.eventually('failed 1', async () => (await h.getJob('flaky')).status?.failed === 1);
      await h.clock.advanceAsync(9_000);
      assert.equal((await h.jobPods('flaky')).length, 1, 'no replacement within the 10 s back-off');
      await h.clock.advanceAsync(1_100);
      const second = await h.eventually('a replacement pod', async () => {
        const pods = (await h.jobPods('flaky')).filter((p) => p.metadata?.name !== first?.metadata?.name);
        return pods.length === 1 && pods[0];
      });
      await h.finishPod(second, 'Failed');
      const failed = await h.eventually('Failed', async () => {
        const j = await h.getJob('flaky');
        return conditionTypes(j).includes('Failed') && j;
      });
      assert.deepEqual(conditionTypes(failed), ['FailureTarget', 'Failed']);
      const cond = failed.status?.conditions?.find((c) => c.type === 'Failed');
      assert.equal(cond?.reason, 'BackoffLimitExceeded');
      assert.equal(cond?.message, 'Job has reached the specified backoff limit');
      assert.equal(failed.status?.failed, 2);
      assert.equal(failed.status?.completionTime, undefined);
      assert.ok(h.recorder.events.some((e) => e.type === 'Warning' && e.reason === 'BackoffLimitExceeded'));
    } finally {
      await h.stop();
    }
  });

  test('activeDeadlineSeconds deletes active pods and fails with DeadlineExceeded', async () => {
    const h = await harness();
    try {
      await h.createJob('slow', { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 });
      h.start();
      await h.eventually('two pods', async () => (await h.jobPods('slow')).length === 2);
      await h.clock.advanceAsync(29_000);
      assert.equal(conditionTypes(await h.getJob('slow')).length, 0);
      await h.clock.advanceAsync(1_000);
      const failed = await h.eventually('Failed', async () => {
        const j = await h.getJob('slow');
        return conditionTypes(j).includes('Failed') && j;
      });
      assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'DeadlineExceeded');
      assert.equal(failed.status?.failed, 2);
      assert.equal(failed.status?.active, undefined);
      assert.equal((await h.jobPods('slow')).length, 0, 'active pods were deleted');
      assert.ok(h.recorder.events.some((e) => e.reason === 'DeadlineExceeded' && e.message === 'Job was active longer than specified deadline'));
    } finally {
      await h.stop();
    }
  });

  test('Indexed mode gives each pod its completion index and tracks completedIndexes', async () => {
    const h = await harness();
    try {
      await h.createJob('idx', { completionMode: 'Indexed', completions: 3, parallelism: 3 });
      h.start();
      const pods = await h.eventually('three pods', async () => {
        const list = await h.jobPods('idx');
        return list.length === 3 && list;
      });
      const byIndex = new Map(pods.map((p) => [p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], p]));
      assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
      const one = byIndex.get('1') as PodObject;
      assert.equal(one.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], '1');
      assert.equal(one.metadata?.generateName, 'idx-1-');
      assert.equal(one.spec?.hostname, 'idx-1');
      assert.deepEqual(one.spec?.containers[0]?.env, [
        { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      ]);
      await h.finishPod(one, 'Succeeded');
      await h.eventually('completedIndexes 1', async () => (await h.getJob('idx')).status?.completedIndexes === '1');
      await h.finishPod(byIndex.get('0') as PodObject, 'Succeeded');
      await h.finishPod(byIndex.get('2') as PodObject, 'Succeeded');
      const done = await h.eventually('Complete', async () => {
        const j = await h.getJob('idx');
        return conditionTypes(j).includes('Complete') && j;
      });
      assert.equal(done.status?.completedIndexes, '0-2');
      assert.equal(done.status?.succeeded, 3);
    } finally {
      await h.stop();
    }
  });

  test('a failed index is recreated with the same index', async () => {
    const h = await harness();
    try {
      await h.createJob('redo', { completionMode: 'Indexed', completions: 2, parallelism: 2 });
      h.start();
      const pods = await h.eventually('two pods', async () => {
        const list = await h.jobPods('redo');
        return list.length === 2 && list;
      });
      const zero = pods.find((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '0') as PodObject;
      await h.finishPod(zero, 'Failed');
      await h.eventually('failed 1', async () => (await h.getJob('redo')).status?.failed === 1);
      await h.clock.advanceAsync(10_100);
      const replacement = await h.eventually('a new pod for index 0', async () => {
        const list = (await h.jobPods('redo')).filter((p) => p.metadata?.name !== zero.metadata?.name && !p.status?.phase);
        return list.find((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '0');
      });
      assert.equal(replacement.metadata?.generateName, 'redo-0-');
    } finally {
      await h.stop();
    }
  });

  test('suspend deletes active pods and sets Suspended; resuming recreates them', async () => {
    const h = await harness();
    try {
      await h.createJob('paused', { parallelism: 2, completions: 2 });
      h.start();
      await h.eventually('two pods', async () => (await h.jobPods('paused')).length === 2);
      const job = await h.getJob('paused');
      await h.client.update(resources.jobs, namespace, { ...job, spec: { ...job.spec, suspend: true } } as JobObject);
      const suspended = await h.eventually('Suspended', async () => {
        const j = await h.getJob('paused');
        return conditionTypes(j).includes('Suspended') && (await h.jobPods('paused')).length === 0 && j;
      });
      const cond = suspended.status?.conditions?.find((c) => c.type === 'Suspended');
      assert.equal(cond?.reason, 'JobSuspended');
      assert.equal(cond?.message, 'Job suspended');
      assert.equal(suspended.status?.active, undefined);
      assert.equal(suspended.status?.failed, undefined, 'pods removed by suspension are not failures');
      assert.ok(h.recorder.events.some((e) => e.reason === 'Suspended'));

      await h.clock.advanceAsync(60_000);
      const again = await h.getJob('paused');
      await h.client.update(resources.jobs, namespace, { ...again, spec: { ...again.spec, suspend: false } } as JobObject);
      const resumed = await h.eventually('resumed', async () => {
        const j = await h.getJob('paused');
        return (await h.jobPods('paused')).length === 2 && j.status?.conditions?.find((c) => c.type === 'Suspended')?.status === 'False' && j;
      });
      assert.equal(resumed.status?.conditions?.find((c) => c.type === 'Suspended')?.reason, 'JobResumed');
      assert.equal(resumed.status?.startTime, '2026-01-01T00:01:00Z', 'the start time restarts on resume');
    } finally {
      await h.stop();
    }
  });

  test('a Job created suspended makes no pods and has no start time', async () => {
    const h = await harness();
    try {
      await h.createJob('later', { suspend: true });
      h.start();
      const j = await h.eventually('Suspended', async () => {
        const job = await h.getJob('later');
        return conditionTypes(job).includes('Suspended') && job;
      });
      assert.equal(j.status?.startTime, undefined);
      assert.equal((await h.jobPods('later')).length, 0);
    } finally {
      await h.stop();
    }
  });

  test('ttlSecondsAfterFinished deletes the finished Job', async () => {
    const h = await harness({ ttl: true });
    try {
      await h.createJob('short', { ttlSecondsAfterFinished: 100 });
      h.start();
      const [pod] = await h.eventually('a pod', async () => {
        const pods = await h.jobPods('short');
        return pods.length === 1 && pods;
      });
      await h.finishPod(pod as PodObject, 'Succeeded');
      await h.eventually('Complete', async () => conditionTypes(await h.getJob('short')).includes('Complete'));
      await h.clock.advanceAsync(99_000);
      assert.ok(await h.getJob('short'));
      await h.clock.advanceAsync(1_000);
      await h.eventually('the Job is gone', async () => {
        try {
          await h.getJob('short');
          return false;
        } catch {
          return true;
        }
      });
    } finally {
      await h.stop();
    }
  });
  test('a pod failure matching a FailJob rule fails the Job at once with FailureTarget then Failed (PodFailurePolicy)', async () => {
    const h = await harness();
    try {
      await h.createJob('strict', {
        completions: 2,
        parallelism: 2,
        backoffLimit: 6,
        podReplacementPolicy: 'Failed',
        podFailurePolicy: {
          rules: [
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
            { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
          ],
        },
      });
      h.start();
      const pods = await h.eventually('two pods', async () => {
        const list = await h.jobPods('strict');
        return list.length === 2 && list;
      });
      const victim = pods[0] as PodObject;
      await h.finishPod(victim, 'Failed', { exitCode: 42 });
      const failed = await h.eventually('Failed', async () => {
        const j = await h.getJob('strict');
        return conditionTypes(j).includes('Failed') && j;
      });
      const message = `Container main for pod ${namespace}/${victim.metadata?.name} failed with exit code 42 matching FailJob rule at index 1`;
      assert.deepEqual(conditionTypes(failed), ['FailureTarget', 'Failed']);
      for (const type of ['FailureTarget', 'Failed']) {
        const cond = failed.status?.conditions?.find((c) => c.type === type);
        assert.equal(cond?.reason, 'PodFailurePolicy', type);
        assert.equal(cond?.message, message, type);
      }
      // The other pod was active: deleted, and counted as failed once the Job finished.
      assert.equal(failed.status?.failed, 2);
      assert.equal(failed.status?.active, undefined);
      assert.ok(h.recorder.events.some((e) => e.type === 'Warning' && e.reason === 'PodFailurePolicy' && e.message === message));
      assert.deepEqual(h.errors, []);
    } finally {
      await h.stop();
    }
  });

  test('a failure matching an Ignore rule is not counted toward backoffLimit and the pod is replaced', async () => {
    const h = await harness();
    try {
      await h.createJob('tolerant', {
        backoffLimit: 0,
        podReplacementPolicy: 'Failed',
        podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
      });
      h.start();
      const [first] = await h.eventually('a pod', async () => {
        const pods = await h.jobPods('tolerant');
        return pods.length === 1 && pods;
      });
      await h.finishPod(first as PodObject, 'Failed', { exitCode: 137, conditions: [{ type: 'DisruptionTarget', status: 'True' }] });
      await h.eventually('the failed pod released', async () => {
        const pods = await h.jobPods('tolerant');
        return pods.length === 1 && (pods[0]?.metadata?.finalizers ?? []).length === 0;
      });
      await h.clock.advanceAsync(10_100);
      const second = await h.eventually('a replacement pod', async () => {
        const pods = (await h.jobPods('tolerant')).filter((p) => p.metadata?.name !== first?.metadata?.name);
        return pods.length === 1 && pods[0];
      });
      const running = await h.getJob('tolerant');
      assert.equal(running.status?.failed, undefined, 'an ignored failure is not counted');
      assert.deepEqual(conditionTypes(running), []);

      // A failure no rule matches counts as usual: over backoffLimit 0.
      await h.finishPod(second, 'Failed', { exitCode: 1 });
      const failed = await h.eventually('Failed', async () => {
        const j = await h.getJob('tolerant');
        return conditionTypes(j).includes('Failed') && j;
      });
      assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded');
      assert.equal(failed.status?.failed, 1);
    } finally {
      await h.stop();
    }
  });
});
