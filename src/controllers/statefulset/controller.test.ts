import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { settle } from '../../apimachinery/clock.js';
import { StatefulSetController } from './controller.js';
import { getPod, setPodReady, testEnvironment, type TestEnvironment } from '../../testing/statefulset.js';
import { waitFor } from '../../testing/wait.js';

const ns = 'default';

function webStatefulSet(overrides: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet & KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: ns },
    spec: {
      serviceName: 'nginx',
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }] },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      ...overrides,
    },
  };
}

async function start(set: StatefulSet & KubeObject): Promise<{ env: TestEnvironment }> {
  const env = testEnvironment();
  await env.client.create(resources.statefulsets, ns, set);
  env.start(new StatefulSetController(env.ctx));
  return { env };
}

async function getSet(env: TestEnvironment): Promise<StatefulSet & KubeObject> {
  return env.client.get<StatefulSet & KubeObject>(resources.statefulsets, ns, 'web');
}

async function podNames(env: TestEnvironment): Promise<string[]> {
  const list = await env.client.list<Pod & KubeObject>(resources.pods, ns);
  return list.items.map((p) => p.metadata?.name ?? '').sort();
}

/** Waits for the pod to exist (optionally at a revision), then marks it Running and Ready. */
async function readyPod(env: TestEnvironment, name: string, revision?: string): Promise<Pod> {
  const pod = await waitFor(
    `pod ${name}${revision ? ` at ${revision}` : ''}`,
    async () => {
      const p = await getPod(env.client, ns, name);
      if (!p || p.metadata?.deletionTimestamp) return undefined;
      return revision === undefined || p.metadata?.labels?.['controller-revision-hash'] === revision ? p : undefined;
    },
    { clock: env.clock },
  );
  await setPodReady(env.client, env.clock, ns, name);
  return pod;
}

async function allReady(env: TestEnvironment, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await readyPod(env, `web-${i}`);
  await waitFor(`${count} ready replicas`, async () => (await getSet(env)).status?.readyReplicas === count, { clock: env.clock });
}

async function patchSpec(env: TestEnvironment, spec: Record<string, unknown>): Promise<void> {
  await env.client.patch(resources.statefulsets, ns, 'web', 'merge', { spec });
}

describe('StatefulSet controller', () => {
  test('a stored StatefulSet of 2,147,483,648 replicas costs one pod: OrderedReady makes web-0 and waits', async () => {
    // Written straight to the store (validation would refuse it): the controller must still cope,
    // without an allocation per replica (which ran the server out of heap at every start).
    const { env } = await start(webStatefulSet({ replicas: 2147483648, volumeClaimTemplates: [] }));
    try {
      await waitFor('web-0', () => getPod(env.client, ns, 'web-0'), { clock: env.clock });
      await waitFor('status of one replica', async () => (await getSet(env)).status?.replicas === 1, { clock: env.clock });
      assert.deepEqual(await podNames(env), ['web-0']);
      assert.deepEqual(env.errors, []);
    } finally {
      await env.stop();
    }
  });

  test('OrderedReady creates web-0, web-1, web-2 strictly in order, with identity and claims', async () => {
    const { env } = await start(webStatefulSet());
    try {
      for (let ordinal = 0; ordinal < 3; ordinal++) {
        const name = `web-${ordinal}`;
        const pod = await waitFor(name, () => getPod(env.client, ns, name), { clock: env.clock });
        await settle(5);
        // The next pod must not exist while this one is not Ready.
        assert.equal(await getPod(env.client, ns, `web-${ordinal + 1}`), undefined, `web-${ordinal + 1} before ${name} is Ready`);
        assert.equal(pod.spec?.hostname, name);
        assert.equal(pod.spec?.subdomain, 'nginx');
        assert.equal(pod.metadata?.labels?.app, 'nginx');
        assert.equal(pod.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], name);
        assert.equal(pod.metadata?.labels?.['apps.kubernetes.io/pod-index'], String(ordinal));
        assert.match(pod.metadata?.labels?.['controller-revision-hash'] ?? '', /^web-[a-z0-9]+$/);
        assert.deepEqual(pod.spec?.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: `www-${name}` } }]);
        const ref = pod.metadata?.ownerReferences?.[0];
        assert.equal(ref?.kind, 'StatefulSet');
        assert.equal(ref?.controller, true);
        assert.equal(ref?.blockOwnerDeletion, true);
        const claim = await env.client.get<PersistentVolumeClaim & KubeObject>(resources.persistentvolumeclaims, ns, `www-${name}`);
        assert.equal(claim.metadata?.labels?.app, 'nginx');
        assert.equal(claim.spec?.resources?.requests?.storage, '1Gi');
        await setPodReady(env.client, env.clock, ns, name);
      }
      const set = await waitFor(
        'status with 3 ready replicas',
        async () => {
          const s = await getSet(env);
          return s.status?.readyReplicas === 3 && s.status.currentReplicas === 3 ? s : undefined;
        },
        { clock: env.clock },
      );
      assert.equal(set.status?.replicas, 3);
      assert.equal(set.status?.availableReplicas, 3);
      assert.equal(set.status?.updatedReplicas, 3);
      assert.equal(set.status?.observedGeneration, set.metadata?.generation);
      assert.equal(set.status?.collisionCount, 0);
      assert.equal(set.status?.currentRevision, set.status?.updateRevision);
      const revision = await env.client.get<ControllerRevision & KubeObject>(resources.controllerrevisions, ns, set.status?.updateRevision ?? '');
      assert.equal(revision.revision, 1);
      assert.deepEqual((revision.data as { spec: { template: Record<string, unknown> } }).spec.template.$patch, 'replace');
      assert.equal(revision.metadata?.ownerReferences?.[0]?.name, 'web');
      const messages = env.recorder.events.map((e) => `${e.reason}: ${e.message}`);
      assert.ok(messages.includes('SuccessfulCreate: create Pod web-0 in StatefulSet web successful'), messages.join('\n'));
      assert.ok(messages.includes('SuccessfulCreate: create Claim www-web-0 Pod web-0 in StatefulSet web success'), messages.join('\n'));
      assert.deepEqual(env.errors, []);
    } finally {
      await env.stop();
    }
  });

  test('a deleted pod comes back with the same name and claim; scale-down removes the highest ordinal first and waits for it', async () => {
    const { env } = await start(webStatefulSet());
    try {
      await allReady(env, 3);
      const claimBefore = await env.client.get<PersistentVolumeClaim & KubeObject>(resources.persistentvolumeclaims, ns, 'www-web-1');
      const podBefore = await env.client.get<Pod & KubeObject>(resources.pods, ns, 'web-1');
      await env.client.delete(resources.pods, ns, 'web-1');
      const podAfter = await waitFor(
        'web-1 recreated',
        async () => {
          const p = await getPod(env.client, ns, 'web-1');
          return p && p.metadata?.uid !== podBefore.metadata?.uid ? p : undefined;
        },
        { clock: env.clock },
      );
      assert.deepEqual(podAfter.spec?.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } }]);
      const claimAfter = await env.client.get<PersistentVolumeClaim & KubeObject>(resources.persistentvolumeclaims, ns, 'www-web-1');
      assert.equal(claimAfter.metadata?.uid, claimBefore.metadata?.uid);
      await setPodReady(env.client, env.clock, ns, 'web-1');
      await waitFor('3 ready again', async () => (await getSet(env)).status?.readyReplicas === 3, { clock: env.clock });

      // A finalizer keeps web-2 terminating: web-1 must wait for it to be gone.
      await env.client.patch(resources.pods, ns, 'web-2', 'merge', { metadata: { finalizers: ['test.skiff.dev/hold'] } });
      await patchSpec(env, { replicas: 1 });
      await waitFor('web-2 terminating', async () => (await getPod(env.client, ns, 'web-2'))?.metadata?.deletionTimestamp, { clock: env.clock });
      await settle(10);
      assert.ok(await getPod(env.client, ns, 'web-1'), 'web-1 deleted while web-2 was terminating');
      await env.client.patch(resources.pods, ns, 'web-2', 'merge', { metadata: { finalizers: null } });
      await waitFor('only web-0 left', async () => (await podNames(env)).join() === 'web-0', { clock: env.clock });
      const deletes = env.client.actions.filter((a) => a.verb === 'delete' && a.ref.resource === 'pods').map((a) => a.name);
      assert.deepEqual(deletes, ['web-1', 'web-2', 'web-1']);
      // Claims are retained on scale-down.
      const claims = await env.client.list(resources.persistentvolumeclaims, ns);
      assert.deepEqual(claims.items.map((c) => c.metadata?.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
      const set = await waitFor(
        'status.replicas 1',
        async () => {
          const s = await getSet(env);
          return s.status?.replicas === 1 ? s : undefined;
        },
        { clock: env.clock },
      );
      assert.equal(set.status?.readyReplicas, 1);
      assert.ok(env.recorder.events.some((e) => e.reason === 'SuccessfulDelete' && e.message === 'delete Pod web-2 in StatefulSet web successful'));
    } finally {
      await env.stop();
    }
  });

  test('a partitioned rolling update replaces pods from the highest ordinal down to the partition, one Ready pod at a time', async () => {
    const { env } = await start(webStatefulSet());
    try {
      await allReady(env, 3);
      const oldRevision = (await getSet(env)).status?.currentRevision ?? '';
      await patchSpec(env, {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } },
      });
      const updating = await waitFor(
        'a new update revision',
        async () => {
          const s = await getSet(env);
          return s.status?.updateRevision && s.status.updateRevision !== oldRevision ? s : undefined;
        },
        { clock: env.clock },
      );
      const newRevision = updating.status?.updateRevision ?? '';
      const web2 = await waitFor(
        'web-2 at the new revision',
        async () => {
          const p = await getPod(env.client, ns, 'web-2');
          return p?.metadata?.labels?.['controller-revision-hash'] === newRevision ? p : undefined;
        },
        { clock: env.clock },
      );
      assert.equal(web2.spec?.containers[0]?.image, 'nginx:1.26');
      await settle(10);
      // web-1 waits for the new web-2 to be Ready.
      assert.equal((await getPod(env.client, ns, 'web-1'))?.metadata?.labels?.['controller-revision-hash'], oldRevision);
      await setPodReady(env.client, env.clock, ns, 'web-2');
      await readyPod(env, 'web-1', newRevision);
      const partial = await waitFor(
        'two updated replicas',
        async () => {
          const s = await getSet(env);
          return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3 ? s : undefined;
        },
        { clock: env.clock },
      );
      assert.equal(partial.status?.currentReplicas, 1);
      assert.equal(partial.status?.currentRevision, oldRevision);
      await settle(10);
      // web-0 is below the partition: untouched.
      assert.equal((await getPod(env.client, ns, 'web-0'))?.metadata?.labels?.['controller-revision-hash'], oldRevision);

      await patchSpec(env, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
      await readyPod(env, 'web-0', newRevision);
      const done = await waitFor(
        'the rollout to complete',
        async () => {
          const s = await getSet(env);
          return s.status?.currentRevision === newRevision && s.status.readyReplicas === 3 ? s : undefined;
        },
        { clock: env.clock },
      );
      assert.equal(done.status?.currentReplicas, 3);
      assert.equal(done.status?.updatedReplicas, 3);
      const revisions = await env.client.list<ControllerRevision & KubeObject>(resources.controllerrevisions, ns);
      assert.deepEqual(revisions.items.map((r) => r.revision).sort(), [1, 2]);
    } finally {
      await env.stop();
    }
  });

  test('Parallel creates every pod at once and OnDelete only updates recreated pods', async () => {
    const { env } = await start(webStatefulSet({ podManagementPolicy: 'Parallel', updateStrategy: { type: 'OnDelete' } }));
    try {
      await waitFor('three pods without any Ready', async () => (await podNames(env)).length === 3, { clock: env.clock });
      await allReady(env, 3);
      const oldRevision = (await getSet(env)).status?.currentRevision ?? '';
      await patchSpec(env, { template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } });
      const newRevision = await waitFor(
        'a new update revision',
        async () => {
          const s = await getSet(env);
          return s.status?.updateRevision !== oldRevision ? s.status?.updateRevision : undefined;
        },
        { clock: env.clock },
      );
      await settle(10);
      assert.equal(env.client.actions.filter((a) => a.verb === 'delete' && a.ref.resource === 'pods').length, 0);
      await env.client.delete(resources.pods, ns, 'web-1');
      await readyPod(env, 'web-1', newRevision);
      const set = await waitFor(
        'one updated replica',
        async () => {
          const s = await getSet(env);
          return s.status?.updatedReplicas === 1 && s.status.readyReplicas === 3 ? s : undefined;
        },
        { clock: env.clock },
      );
      assert.equal(set.status?.currentReplicas, 2);
      assert.equal((await getPod(env.client, ns, 'web-0'))?.metadata?.labels?.['controller-revision-hash'], oldRevision);
    } finally {
      await env.stop();
    }
  });

  test('scaling a Parallel set down deletes every surplus pod at once', async () => {
    const { env } = await start(webStatefulSet({ podManagementPolicy: 'Parallel' }));
    try {
      await waitFor('three pods', async () => (await podNames(env)).length === 3, { clock: env.clock });
      await patchSpec(env, { replicas: 1 });
      await waitFor('only web-0 left', async () => (await podNames(env)).join() === 'web-0', { clock: env.clock });
    } finally {
      await env.stop();
    }
  });
  describe('persistentVolumeClaimRetentionPolicy', () => {
    async function getClaim(env: TestEnvironment, name: string): Promise<PersistentVolumeClaim & KubeObject> {
      return env.client.get<PersistentVolumeClaim & KubeObject>(resources.persistentvolumeclaims, ns, name);
    }

    async function claimRefs(env: TestEnvironment, name: string): Promise<string[]> {
      const claim = await getClaim(env, name);
      return (claim.metadata?.ownerReferences ?? []).map((ref) => `${ref.kind}/${ref.name}`);
    }

    test('whenDeleted Delete gives every claim a controller reference to the set; Retain takes it away again', async () => {
      const { env } = await start(webStatefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } }));
      try {
        await allReady(env, 3);
        const set = await getSet(env);
        for (let i = 0; i < 3; i++) {
          const claim = await getClaim(env, `www-web-${i}`);
          assert.deepEqual(claim.metadata?.ownerReferences, [
            { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata?.uid, controller: true, blockOwnerDeletion: true },
          ]);
        }
        await patchSpec(env, { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' } });
        await waitFor(
          'claims without owner references',
          async () => {
            for (let i = 0; i < 3; i++) if ((await claimRefs(env, `www-web-${i}`)).length > 0) return false;
            return true;
          },
          { clock: env.clock },
        );
        assert.deepEqual(env.errors, []);
      } finally {
        await env.stop();
      }
    });

    test('whenScaled Delete makes condemned pods own their claims before they are deleted; a stale claim holds the pod back', async () => {
      const { env } = await start(webStatefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } }));
      try {
        await allReady(env, 3);
        assert.deepEqual(await claimRefs(env, 'www-web-2'), [], 'no owner while in range');
        const web2 = await env.client.get<Pod & KubeObject>(resources.pods, ns, 'web-2');
        await patchSpec(env, { replicas: 2 });
        await waitFor('web-2 gone', async () => (await podNames(env)).join() === 'web-0,web-1', { clock: env.clock });
        const claim = await getClaim(env, 'www-web-2');
        assert.deepEqual(claim.metadata?.ownerReferences, [
          { apiVersion: 'v1', kind: 'Pod', name: 'web-2', uid: web2.metadata?.uid, controller: true, blockOwnerDeletion: true },
        ]);
        // The owner reference was written before the pod was deleted.
        const claimUpdate = env.client.actions.findIndex((a) => a.verb === 'update' && a.ref.resource === 'persistentvolumeclaims' && a.name === 'www-web-2');
        const podDelete = env.client.actions.findIndex((a) => a.verb === 'delete' && a.ref.resource === 'pods' && a.name === 'web-2');
        assert.ok(claimUpdate >= 0 && claimUpdate < podDelete, 'claim owned before the pod went');
        assert.deepEqual(await claimRefs(env, 'www-web-0'), []);

        // Scaling up before the garbage collector removed the claim: web-2 waits for it.
        await patchSpec(env, { replicas: 3 });
        await settle(10);
        await env.clock.advanceAsync(100);
        await settle(10);
        assert.equal(await getPod(env.client, ns, 'web-2'), undefined, 'web-2 created while its claim belonged to the old pod');
        // Play the garbage collector.
        await env.client.delete(resources.persistentvolumeclaims, ns, 'www-web-2');
        const recreated = await waitFor('web-2 recreated', () => getPod(env.client, ns, 'web-2'), { clock: env.clock });
        const fresh = await getClaim(env, 'www-web-2');
        assert.notEqual(fresh.metadata?.uid, claim.metadata?.uid);
        assert.deepEqual(fresh.metadata?.ownerReferences ?? [], []);
        assert.ok(recreated.metadata?.uid);
      } finally {
        await env.stop();
      }
    });

    test('a pod back in range before its deletion loses the owner reference on its claims', async () => {
      const { env } = await start(webStatefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
      try {
        await allReady(env, 3);
        // A finalizer keeps web-2 terminating, so web-1 waits as a condemned pod.
        await env.client.patch(resources.pods, ns, 'web-2', 'merge', { metadata: { finalizers: ['test.skiff.dev/hold'] } });
        await patchSpec(env, { replicas: 1 });
        await waitFor('condemned pods own their claims', async () => (await claimRefs(env, 'www-web-1')).join() === 'Pod/web-1' && (await claimRefs(env, 'www-web-2')).join() === 'Pod/web-2', { clock: env.clock });
        assert.deepEqual(await claimRefs(env, 'www-web-0'), ['StatefulSet/web']);
        assert.ok(await getPod(env.client, ns, 'web-1'), 'web-1 not yet deleted');

        await patchSpec(env, { replicas: 3 });
        await waitFor('web-1 claim back with the set', async () => (await claimRefs(env, 'www-web-1')).join() === 'StatefulSet/web', { clock: env.clock });
        assert.equal((await getPod(env.client, ns, 'web-1'))?.metadata?.deletionTimestamp, undefined);
        // The terminating pod keeps its claim's reference: the claim goes with it.
        assert.deepEqual(await claimRefs(env, 'www-web-2'), ['Pod/web-2']);
        assert.deepEqual(env.errors, []);
      } finally {
        await env.stop();
      }
    });
  });
});
