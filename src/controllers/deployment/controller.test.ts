import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { ReplicaSetController } from '../replicaset/controller.js';
import { listPods, markReady, newHarness, readyAndLive, type Harness } from '../../testing/replicaset.js';
import { waitFor } from '../../testing/wait.js';
import { DeploymentController } from './controller.js';
import { runController } from '../../client/controller.js';

type DeploymentObject = Deployment & KubeObject;
type ReplicaSetObject = ReplicaSet & KubeObject;

function deployment(name: string, replicas: number, spec: Partial<Deployment['spec']> = {}): DeploymentObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
      ...spec,
    },
  };
}

interface Running {
  stop: AbortController;
  done: Promise<unknown>;
}

async function startControllers(h: Harness): Promise<Running> {
  const replicaSets = new ReplicaSetController(h.ctx);
  const deployments = new DeploymentController(h.ctx);
  const stop = new AbortController();
  h.informers.start(stop.signal);
  const done = Promise.all([runController(h.ctx, replicaSets, stop.signal), runController(h.ctx, deployments, stop.signal)]);
  return { stop, done };
}

async function getDeployment(h: Harness, name: string): Promise<DeploymentObject> {
  return h.client.get<DeploymentObject>(resources.deployments, 'default', name);
}

async function replicaSetsOf(h: Harness): Promise<ReplicaSetObject[]> {
  return (await h.client.list<ReplicaSetObject>(resources.replicasets, 'default')).items;
}

function replicasOf(rs: ReplicaSet | undefined): number | undefined {
  return rs?.spec?.replicas;
}

/** Marks every live, not-ready pod Ready. */
async function readyAll(h: Harness): Promise<void> {
  for (const pod of await listPods(h.client)) if (!readyAndLive(pod) && !pod.metadata?.deletionTimestamp) await markReady(h.client, h.clock, pod);
}

async function complete(h: Harness, name: string, replicas: number): Promise<boolean> {
  const d = await getDeployment(h, name);
  const s = d.status;
  return (
    s?.observedGeneration === d.metadata?.generation &&
    s?.updatedReplicas === replicas &&
    s?.availableReplicas === replicas &&
    s?.replicas === replicas &&
    (await listPods(h.client)).length === replicas
  );
}

async function updateTemplate(h: Harness, name: string, change: (d: DeploymentObject) => void): Promise<void> {
  const d = await getDeployment(h, name);
  change(d);
  await h.client.update(resources.deployments, 'default', d);
}

async function rolloutToCompletion(h: Harness, name: string, replicas: number, invariant: () => Promise<void>): Promise<void> {
  for (let step = 0; step < 400; step++) {
    await invariant();
    if (await complete(h, name, replicas)) return;
    // The kubelet makes one pod ready at a time.
    const notReady = (await listPods(h.client)).find((pod) => !readyAndLive(pod) && !pod.metadata?.deletionTimestamp);
    if (notReady) await markReady(h.client, h.clock, notReady);
    await h.clock.advanceAsync(5);
  }
  throw new Error('rollout did not complete');
}

describe('Deployment controller', () => {
  test('rolling update keeps 3..5 pods, finishes with new RS at 4 and old at 0; undo reuses the old RS', async () => {
    const h = newHarness();
    const running = await startControllers(h);
    await h.client.create(resources.deployments, 'default', deployment('web', 4));
    await waitFor('4 pods', async () => (await listPods(h.client)).length === 4, { clock: h.clock });
    await readyAll(h);
    await waitFor('first rollout', () => complete(h, 'web', 4), { clock: h.clock });
    const [first] = await replicaSetsOf(h);
    assert.ok(first);
    const firstName = first.metadata?.name ?? '';
    assert.match(firstName, /^web-[a-z0-9]+$/);
    assert.equal(first.metadata?.labels?.['pod-template-hash'], firstName.slice('web-'.length));
    assert.equal(first.spec?.selector?.matchLabels?.['pod-template-hash'], firstName.slice('web-'.length));
    assert.equal(first.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(first.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '4');
    assert.equal(first.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '5');
    const initial = await getDeployment(h, 'web');
    assert.equal(initial.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    const conditions = Object.fromEntries((initial.status?.conditions ?? []).map((c) => [c.type, c.reason]));
    assert.deepEqual(conditions, { Available: 'MinimumReplicasAvailable', Progressing: 'NewReplicaSetAvailable' });

    const invariant = async (): Promise<void> => {
      const pods = (await listPods(h.client)).filter((pod) => !pod.metadata?.deletionTimestamp);
      assert.ok(pods.length <= 5, `at most 5 pods, saw ${pods.length}`);
      const available = pods.filter(readyAndLive).length;
      assert.ok(available >= 3, `at least 3 available, saw ${available}`);
    };
    await updateTemplate(h, 'web', (d) => {
      const container = d.spec?.template.spec?.containers[0];
      if (container) container.image = 'nginx:2';
    });
    await rolloutToCompletion(h, 'web', 4, invariant);
    const afterUpdate = await replicaSetsOf(h);
    assert.equal(afterUpdate.length, 2);
    const oldRS = afterUpdate.find((rs) => rs.metadata?.name === firstName);
    const newRS = afterUpdate.find((rs) => rs.metadata?.name !== firstName);
    assert.equal(replicasOf(oldRS), 0);
    assert.equal(replicasOf(newRS), 4);
    assert.equal(newRS?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal((await getDeployment(h, 'web')).metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    const messages = h.events('deployment-controller').filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
    assert.ok(messages.includes(`Scaled up replica set ${newRS?.metadata?.name} from 0 to 1`), messages.join('\n'));
    assert.ok(messages.includes(`Scaled down replica set ${firstName} from 4 to 3`), messages.join('\n'));
    await waitFor('complete condition', async () => (await getDeployment(h, 'web')).status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable', { clock: h.clock });

    // kubectl rollout undo: the template goes back to the first ReplicaSet's.
    await updateTemplate(h, 'web', (d) => {
      const container = d.spec?.template.spec?.containers[0];
      if (container) container.image = 'nginx:1';
    });
    await rolloutToCompletion(h, 'web', 4, invariant);
    const afterUndo = await replicaSetsOf(h);
    assert.equal(afterUndo.length, 2, 'no new ReplicaSet for a template an old one has');
    const reused = afterUndo.find((rs) => rs.metadata?.name === firstName);
    assert.equal(replicasOf(reused), 4);
    assert.equal(reused?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(reused?.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(replicasOf(afterUndo.find((rs) => rs.metadata?.name !== firstName)), 0);
    assert.equal((await getDeployment(h, 'web')).metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.deepEqual(h.errors.filter((e) => !/409|conflict|modified/i.test(String(e.err))), []);
    running.stop.abort();
    await running.done;
  });

  test('Recreate scales the old ReplicaSet to 0 and waits for its pods to be gone', async () => {
    const h = newHarness();
    const running = await startControllers(h);
    await h.client.create(resources.deployments, 'default', deployment('db', 3, { strategy: { type: 'Recreate' } }));
    await waitFor('3 pods', async () => (await listPods(h.client)).length === 3, { clock: h.clock });
    await readyAll(h);
    await waitFor('first rollout', () => complete(h, 'db', 3), { clock: h.clock });
    const [held] = await listPods(h.client);
    await h.client.patch(resources.pods, 'default', held?.metadata?.name ?? '', 'merge', { metadata: { finalizers: ['test/hold'] } });
    await updateTemplate(h, 'db', (d) => {
      const container = d.spec?.template.spec?.containers[0];
      if (container) container.image = 'nginx:2';
    });
    await waitFor('old pods deleted but one', async () => (await listPods(h.client)).length === 1, { clock: h.clock });
    // The terminating pod holds the new ReplicaSet back.
    for (let i = 0; i < 20; i++) await h.clock.advanceAsync(5);
    assert.equal((await replicaSetsOf(h)).length, 1);
    await h.client.patch(resources.pods, 'default', held?.metadata?.name ?? '', 'merge', { metadata: { finalizers: [] } });
    await waitFor('new ReplicaSet', async () => (await replicaSetsOf(h)).length === 2, { clock: h.clock });
    const newRS = (await replicaSetsOf(h)).find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2');
    assert.equal(replicasOf(newRS), 3);
    await waitFor('new pods', async () => (await listPods(h.client)).length === 3, { clock: h.clock });
    await readyAll(h);
    await waitFor('second rollout', () => complete(h, 'db', 3), { clock: h.clock });
    running.stop.abort();
    await running.done;
  });

  test('paused: no rollout, scaling still applies, resume rolls out', async () => {
    const h = newHarness();
    const running = await startControllers(h);
    await h.client.create(resources.deployments, 'default', deployment('api', 2));
    await waitFor('2 pods', async () => (await listPods(h.client)).length === 2, { clock: h.clock });
    await readyAll(h);
    await waitFor('first rollout', () => complete(h, 'api', 2), { clock: h.clock });
    await updateTemplate(h, 'api', (d) => {
      if (d.spec) d.spec.paused = true;
    });
    await waitFor('paused condition', async () => (await getDeployment(h, 'api')).status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'DeploymentPaused', { clock: h.clock });
    const progressing = (await getDeployment(h, 'api')).status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.status, 'Unknown');
    assert.equal(progressing?.message, 'Deployment is paused');
    await updateTemplate(h, 'api', (d) => {
      const container = d.spec?.template.spec?.containers[0];
      if (container) container.image = 'nginx:2';
      if (d.spec) d.spec.replicas = 3;
    });
    await waitFor('scaled while paused', async () => (await listPods(h.client)).length === 3, { clock: h.clock });
    assert.equal((await replicaSetsOf(h)).length, 1, 'no new ReplicaSet while paused');
    await updateTemplate(h, 'api', (d) => {
      if (d.spec) d.spec.paused = false;
    });
    await waitFor('rollout after resume', async () => (await replicaSetsOf(h)).length === 2, { clock: h.clock });
    await rolloutToCompletion(h, 'api', 3, async () => undefined);
    running.stop.abort();
    await running.done;
  });

  test('proportional scaling mid-rollout', async () => {
    const h = newHarness();
    const running = await startControllers(h);
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } };
    await h.client.create(resources.deployments, 'default', deployment('app', 10, { strategy }));
    await waitFor('10 pods', async () => (await listPods(h.client)).length === 10, { clock: h.clock });
    await readyAll(h);
    await waitFor('first rollout', () => complete(h, 'app', 10), { clock: h.clock });
    const firstName = (await replicaSetsOf(h))[0]?.metadata?.name;
    await updateTemplate(h, 'app', (d) => {
      const container = d.spec?.template.spec?.containers[0];
      if (container) container.image = 'nginx:2';
    });
    const sizes = async (): Promise<[number | undefined, number | undefined]> => {
      const all = await replicaSetsOf(h);
      return [replicasOf(all.find((rs) => rs.metadata?.name === firstName)), replicasOf(all.find((rs) => rs.metadata?.name !== firstName))];
    };
    // New pods never become ready: the rollout stalls at old 8, new 5 (13 = 10 + maxSurge).
    await waitFor('stalled rollout', async () => JSON.stringify(await sizes()) === '[8,5]', { clock: h.clock });
    await updateTemplate(h, 'app', (d) => {
      if (d.spec) d.spec.replicas = 20;
    });
    // 10 more (23 = 20 + maxSurge) spread by size against max-replicas 13: old 8 -> 14, new 5 -> 9.
    await waitFor('proportional scale', async () => JSON.stringify(await sizes()) === '[14,9]', { clock: h.clock });
    for (let i = 0; i < 20; i++) await h.clock.advanceAsync(5);
    assert.deepEqual(await sizes(), [14, 9]);
    running.stop.abort();
    await running.done;
  });

  test('revisionHistoryLimit deletes the oldest idle ReplicaSets', async () => {
    const h = newHarness();
    const running = await startControllers(h);
    await h.client.create(resources.deployments, 'default', deployment('hist', 1, { revisionHistoryLimit: 1 }));
    for (const image of ['nginx:2', 'nginx:3', 'nginx:4']) {
      await waitFor('pod', async () => (await listPods(h.client)).length >= 1, { clock: h.clock });
      await rolloutToCompletion(h, 'hist', 1, async () => undefined);
      await updateTemplate(h, 'hist', (d) => {
        const container = d.spec?.template.spec?.containers[0];
        if (container) container.image = image;
      });
    }
    await rolloutToCompletion(h, 'hist', 1, async () => undefined);
    await waitFor('old ReplicaSets cleaned up', async () => (await replicaSetsOf(h)).length === 2, { clock: h.clock });
    const revisions = (await replicaSetsOf(h)).map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revisions, ['3', '4']);
    running.stop.abort();
    await running.done;
  });

  test('rollout restart: a restartedAt template annotation makes a new ReplicaSet', async () => {
    const h = newHarness();
    const running = await startControllers(h);
    await h.client.create(resources.deployments, 'default', deployment('r', 2));
    await waitFor('pods', async () => (await listPods(h.client)).length === 2, { clock: h.clock });
    await rolloutToCompletion(h, 'r', 2, async () => undefined);
    await updateTemplate(h, 'r', (d) => {
      if (d.spec?.template.metadata) d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' };
    });
    await rolloutToCompletion(h, 'r', 2, async () => undefined);
    const all = await replicaSetsOf(h);
    assert.equal(all.length, 2);
    const pods: Pod[] = await listPods(h.client);
    assert.ok(pods.every((p) => p.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] === '2026-01-01T00:00:00Z'));
    running.stop.abort();
    await running.done;
  });
});
