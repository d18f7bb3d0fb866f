import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { ReplicaSetController, replicationControllerReplicatedKind, slowStartBatch } from './controller.js';
import { podsToDelete } from './pods.js';
import { listPods, markReady, newHarness, settleFor, type Harness } from '../../testing/replicaset.js';
import { waitFor } from '../../testing/wait.js';
import { runController } from '../../client/controller.js';
import { WorkQueue } from '../../client/work-queue.js';

function replicaSet(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet & KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...extra,
    },
  };
}

async function start(h: Harness): Promise<{ controller: ReplicaSetController; stop: AbortController }> {
  const controller = new ReplicaSetController(h.ctx);
  const stop = new AbortController();
  h.informers.start(stop.signal);
  await h.informers.waitForSync(stop.signal);
  return { controller, stop };
}

/** Registers the controller's event handlers (they track expectations) without workers: the test calls `sync` itself. */
function watchWithoutWorkers(h: Harness, controller: ReplicaSetController): void {
  controller.watch(new WorkQueue<string>({ clock: h.clock }));
}

async function getRS(h: Harness, name: string): Promise<ReplicaSet> {
  return h.client.get<ReplicaSet & KubeObject>(resources.replicasets, 'default', name);
}

describe('ReplicaSet controller', () => {
  test('creates pods from the template with owner reference, labels and events, and reports status', async () => {
    const h = newHarness();
    const { controller, stop } = await start(h);
    const run = runController(h.ctx, controller, stop.signal);
    await h.client.create(resources.replicasets, 'default', replicaSet('web', 3));
    await waitFor('3 pods', async () => (await listPods(h.client)).length === 3, { clock: h.clock });
    const pods = await listPods(h.client);
    const rs = await getRS(h, 'web');
    for (const pod of pods) {
      assert.match(pod.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
      assert.deepEqual(pod.metadata?.labels, { app: 'web' });
      assert.deepEqual(pod.metadata?.ownerReferences, [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    const created = h.events('replicaset-controller').filter((e) => e.reason === 'SuccessfulCreate');
    assert.equal(created.length, 3);
    assert.match(created[0]?.message ?? '', /^Created pod: web-/);
    await markReady(h.client, h.clock, pods[0] as Pod);
    await waitFor('ready status', async () => (await getRS(h, 'web')).status?.readyReplicas === 1, { clock: h.clock });
    const status = (await getRS(h, 'web')).status;
    assert.equal(status?.replicas, 3);
    assert.equal(status?.fullyLabeledReplicas, 3);
    assert.equal(status?.availableReplicas, 1);
    assert.equal(status?.observedGeneration, 1);
    stop.abort();
    await run;
  });

  test('a create whose watch event is delayed does not cause a second create (expectations)', async () => {
    const h = newHarness();
    const { controller, stop } = await start(h);
    watchWithoutWorkers(h, controller);
    await h.client.create(resources.replicasets, 'default', replicaSet('web', 1));
    await waitFor('rs cached', () => h.informers.informerFor(resources.replicasets).list().length === 1, { clock: h.clock });
    h.client.podWatchHeld = true;
    await controller.sync('default/web');
    assert.equal((await listPods(h.client)).length, 1);
    assert.equal(controller.expectations.satisfied('default/web'), false);
    // The cache still shows no pod; the expectation stops a second create.
    await controller.sync('default/web');
    await controller.sync('default/web');
    assert.equal((await listPods(h.client)).length, 1);
    h.client.podWatchHeld = false;
    h.client.release();
    await waitFor('creation observed', () => controller.expectations.satisfied('default/web'), { clock: h.clock });
    await controller.sync('default/web');
    assert.equal((await listPods(h.client)).length, 1);
    assert.equal(h.events('replicaset-controller').filter((e) => e.reason === 'SuccessfulCreate').length, 1);
    stop.abort();
  });

  test('scale down deletes upstream ActivePods order: unscheduled, pending, not ready, then ready', async () => {
    const h = newHarness();
    const { controller, stop } = await start(h);
    const run = runController(h.ctx, controller, stop.signal);
    await h.client.create(resources.replicasets, 'default', replicaSet('web', 4));
    await waitFor('4 pods', async () => (await listPods(h.client)).length === 4, { clock: h.clock });
    const [a, b, c, d] = (await listPods(h.client)).map((p) => p.metadata?.name ?? '');
    // a: ready and scheduled; b: scheduled, running, not ready; c: scheduled pending; d: unscheduled.
    const setStatus = async (name: string, status: Pod['status'], nodeName?: string): Promise<void> => {
      if (nodeName) await h.client.patch(resources.pods, 'default', name, 'merge', { spec: { nodeName } });
      await h.client.patch(resources.pods, 'default', name, 'merge', { status }, { subresource: 'status' });
    };
    await setStatus(a ?? '', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, 'n1');
    await setStatus(b ?? '', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }, 'n1');
    await setStatus(c ?? '', { phase: 'Pending' }, 'n1');
    await waitFor('status', async () => (await getRS(h, 'web')).status?.readyReplicas === 1, { clock: h.clock });
    const names = async (): Promise<string[]> => (await listPods(h.client)).map((p) => p.metadata?.name ?? '').sort();
    for (const [replicas, gone] of [
      [3, d],
      [2, c],
      [1, b],
    ] as const) {
      await h.client.patch(resources.replicasets, 'default', 'web', 'merge', { spec: { replicas } });
      await waitFor(`${replicas} pods`, async () => (await listPods(h.client)).length === replicas, { clock: h.clock });
      assert.ok(!(await names()).includes(gone ?? ''), `${gone} deleted at ${replicas}`);
    }
    assert.deepEqual(await names(), [a]);
    const deleted = h.events('replicaset-controller').filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    assert.deepEqual(deleted, [`Deleted pod: ${d}`, `Deleted pod: ${c}`, `Deleted pod: ${b}`]);
    stop.abort();
    await run;
  });

  test('podsToDelete: newer before older, more restarts first, doubled-up first', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const pod = (name: string, created: string, extra: Partial<Pod> = {}): Pod => ({
      metadata: { name, uid: name, creationTimestamp: created },
      spec: { nodeName: 'n1', containers: [] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
      ...extra,
    });
    const old = pod('old', '2025-12-01T00:00:00Z');
    const recent = pod('recent', '2026-01-01T11:59:00Z');
    assert.deepEqual(podsToDelete([old, recent], [old, recent], 1, now).map((p) => p.metadata?.name), ['recent']);
    const restarted = { ...old, metadata: { ...old.metadata, name: 'restarted', uid: 'restarted' }, status: { ...old.status, containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: true, restartCount: 3 }] } } as Pod;
    assert.deepEqual(podsToDelete([recent, restarted], [recent, restarted], 1, now).map((p) => p.metadata?.name), ['restarted']);
    const alone = { ...recent, metadata: { ...recent.metadata, name: 'alone', uid: 'alone' }, spec: { nodeName: 'n2', containers: [] } } as Pod;
    assert.deepEqual(podsToDelete([alone, old, recent], [alone, old, recent], 1, now).map((p) => p.metadata?.name), ['recent']);
  });

  test('slow start batches stop at the first failure; ReplicaFailure condition and FailedCreate event', async () => {
    const h = newHarness();
    const { controller, stop } = await start(h);
    watchWithoutWorkers(h, controller);
    await h.client.create(resources.replicasets, 'default', replicaSet('web', 10));
    await waitFor('rs cached', () => h.informers.informerFor(resources.replicasets).list().length === 1, { clock: h.clock });
    h.client.beforePodCreate = (ordinal) => {
      if (ordinal === 5) throw new Error('quota exceeded');
    };
    h.client.podWatchHeld = true;
    await assert.rejects(controller.sync('default/web'), /quota exceeded/);
    // Batches 1, 2, then 4 of which one failed: 6 created, the last 4 never attempted.
    assert.equal((await listPods(h.client)).length, 6);
    assert.deepEqual(controller.expectations.pending('default/web'), { adds: 6, deletions: 0 });
    const rs = await getRS(h, 'web');
    assert.equal(rs.status?.conditions?.[0]?.type, 'ReplicaFailure');
    assert.equal(rs.status?.conditions?.[0]?.reason, 'FailedCreate');
    assert.equal(rs.status?.conditions?.[0]?.message, 'quota exceeded');
    assert.ok(h.events('replicaset-controller').some((e) => e.reason === 'FailedCreate' && e.message === 'Error creating: quota exceeded'));
    h.client.beforePodCreate = undefined;
    h.client.podWatchHeld = false;
    h.client.release();
    await waitFor('observed', () => controller.expectations.satisfied('default/web'), { clock: h.clock });
    await waitFor('status cached', () => h.informers.informerFor(resources.replicasets).get('default', 'web')?.status !== undefined, { clock: h.clock });
    await controller.sync('default/web');
    assert.equal((await listPods(h.client)).length, 10);
    assert.equal((await getRS(h, 'web')).status?.conditions, undefined);
    stop.abort();
  });

  test('slowStartBatch sizes 1, 2, 4, ...', async () => {
    let inFlight = 0;
    const batches: number[] = [];
    let calls = 0;
    const result = await slowStartBatch(10, 1, async () => {
      calls++;
      inFlight++;
      await Promise.resolve();
      batches.push(inFlight);
      inFlight = 0;
    });
    assert.equal(result.successes, 10);
    assert.equal(calls, 10);
    assert.deepEqual(batches.filter((n) => n > 0), [1, 2, 4, 3]);
  });

  test('adopts matching orphans and releases pods that stop matching', async () => {
    const h = newHarness();
    const { controller, stop } = await start(h);
    const run = runController(h.ctx, controller, stop.signal);
    await h.client.create(resources.pods, 'default', { metadata: { name: 'orphan', labels: { app: 'web' } }, spec: { containers: [] } });
    await h.client.create(resources.replicasets, 'default', replicaSet('web', 1));
    await waitFor('adopted', async () => (await h.client.get<Pod & KubeObject>(resources.pods, 'default', 'orphan')).metadata?.ownerReferences !== undefined, { clock: h.clock });
    await settleFor();
    assert.equal((await listPods(h.client)).length, 1);
    await h.client.patch(resources.pods, 'default', 'orphan', 'merge', { metadata: { labels: { app: 'other' } } });
    await waitFor('replacement', async () => (await listPods(h.client)).length === 2, { clock: h.clock });
    const released = await h.client.get<Pod & KubeObject>(resources.pods, 'default', 'orphan');
    assert.deepEqual(released.metadata?.ownerReferences, []);
    stop.abort();
    await run;
  });

  test('minReadySeconds: available after the Ready condition is old enough, requeued for the rest', async () => {
    const h = newHarness();
    const { controller, stop } = await start(h);
    await h.client.create(resources.replicasets, 'default', replicaSet('web', 1, { minReadySeconds: 10 }));
    await waitFor('rs cached', () => h.informers.informerFor(resources.replicasets).list().length === 1, { clock: h.clock });
    await controller.sync('default/web');
    await waitFor('pod cached', () => h.informers.informerFor(resources.pods).list().length === 1, { clock: h.clock });
    await markReady(h.client, h.clock, (await listPods(h.client))[0] as Pod);
    await waitFor('ready cached', () => h.informers.informerFor<Pod & KubeObject>(resources.pods).list()[0]?.status?.phase === 'Running', { clock: h.clock });
    const first = await controller.sync('default/web');
    assert.equal((await getRS(h, 'web')).status?.readyReplicas, 1);
    assert.equal((await getRS(h, 'web')).status?.availableReplicas, 0);
    assert.ok(first.requeueAfter !== undefined && first.requeueAfter > 9000 && first.requeueAfter <= 10001, String(first.requeueAfter));
    await h.clock.advanceAsync(first.requeueAfter ?? 0);
    await waitFor('status cached', () => h.informers.informerFor<ReplicaSet & KubeObject>(resources.replicasets).get('default', 'web')?.status?.readyReplicas === 1, { clock: h.clock });
    const second = await controller.sync('default/web');
    assert.equal(second.requeueAfter, undefined);
    assert.equal((await getRS(h, 'web')).status?.availableReplicas, 1);
    stop.abort();
  });

  test('terminating pods do not count', async () => {
    const h = newHarness();
    const { controller, stop } = await start(h);
    const run = runController(h.ctx, controller, stop.signal);
    await h.client.create(resources.replicasets, 'default', replicaSet('web', 1));
    await waitFor('1 pod', async () => (await listPods(h.client)).length === 1, { clock: h.clock });
    const [first] = await listPods(h.client);
    const name = first?.metadata?.name ?? '';
    await h.client.patch(resources.pods, 'default', name, 'merge', { metadata: { finalizers: ['test/hold'] } });
    await h.client.delete(resources.pods, 'default', name);
    await waitFor('replacement', async () => (await listPods(h.client)).length === 2, { clock: h.clock });
    await waitFor('status', async () => (await getRS(h, 'web')).status?.replicas === 1, { clock: h.clock });
    stop.abort();
    await run;
  });
});

describe('ReplicationController controller (the same code over ReplicationControllers)', () => {
  test('keeps replicas of a ReplicationController, with v1 owner references; a ReplicaSet controller leaves its pods alone', async () => {
    const h = newHarness();
    const rcController = new ReplicaSetController(h.ctx, { kind: replicationControllerReplicatedKind });
    const rsController = new ReplicaSetController(h.ctx);
    assert.equal(rcController.name, 'replication-controller');
    const stop = new AbortController();
    h.informers.start(stop.signal);
    await h.informers.waitForSync(stop.signal);
    const runs = [runController(h.ctx, rcController, stop.signal), runController(h.ctx, rsController, stop.signal)];
    const rc = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy', namespace: 'default' },
      spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    const created = await h.client.create(resources.replicationcontrollers, 'default', rc as KubeObject);
    await waitFor('2 pods', async () => (await listPods(h.client)).length === 2, { clock: h.clock });
    for (const pod of await listPods(h.client)) {
      assert.match(pod.metadata?.name ?? '', /^legacy-[a-z0-9]{5}$/);
      assert.deepEqual(pod.metadata?.ownerReferences, [
        { apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    await waitFor('status', async () => ((await h.client.get(resources.replicationcontrollers, 'default', 'legacy')).status as { replicas?: number })?.replicas === 2, {
      clock: h.clock,
    });
    await h.client.patch(resources.replicationcontrollers, 'default', 'legacy', 'merge', { spec: { replicas: 1 } });
    await waitFor('scaled down', async () => (await listPods(h.client)).length === 1, { clock: h.clock });
    stop.abort();
    await Promise.all(runs);
  });
});
