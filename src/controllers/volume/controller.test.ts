import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources, type Client } from '../../client/client.js';
import { settle } from '../../apimachinery/clock.js';
import { StatefulSetController } from '../statefulset/controller.js';
import { apiServerEnvironment, setPodReady, type TestEnvironment } from '../../testing/statefulset.js';
import { waitFor } from '../../testing/wait.js';
import { LocalPathProvisioner } from './controller.js';

const ns = 'default';
type ClaimObject = PersistentVolumeClaim & KubeObject;
type VolumeObject = PersistentVolume & KubeObject;

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    // ENOENT: not there.
    return false;
  }
}

async function getOrUndefined<T extends KubeObject>(client: Client, ref: typeof resources.pods, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(ref, namespace, name);
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  }
}

async function withEnvironment(fn: (env: TestEnvironment<Client>, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-local-path-'));
  const env = await apiServerEnvironment({ dataDir });
  try {
    await env.client.create(resources.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } } });
    await fn(env, dataDir);
  } finally {
    await env.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function claim(name: string, extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}, annotations?: Record<string, string>): ClaimObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...extra },
  };
}

function boundClaim(env: TestEnvironment<Client>, name: string): Promise<ClaimObject> {
  return waitFor(
    `claim ${name} Bound`,
    async () => {
      const c = await env.client.get<ClaimObject>(resources.persistentvolumeclaims, ns, name);
      return c.status?.phase === 'Bound' ? c : undefined;
    },
    { clock: env.clock },
  );
}

describe('local-path provisioner (against the real API server)', () => {
  test('ensures the default local-path class; a claim waits for its first consumer, then gets a bound hostPath volume; deleting the claim removes both', async () => {
    await withEnvironment(async (env, dataDir) => {
      env.start(new LocalPathProvisioner(env.ctx));
      const storageClass = await waitFor('the StorageClass', () => getOrUndefined<StorageClass & KubeObject>(env.client, resources.storageclasses, '', 'local-path'), { clock: env.clock });
      assert.equal(storageClass.provisioner, 'skiff.dev/local-path');
      assert.equal(storageClass.volumeBindingMode, 'WaitForFirstConsumer');
      assert.equal(storageClass.reclaimPolicy, 'Delete');
      assert.equal(storageClass.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');

      const created = await env.client.create<ClaimObject>(resources.persistentvolumeclaims, ns, claim('data'));
      await waitFor('the WaitForFirstConsumer event', () => env.recorder.events.some((e) => e.reason === 'WaitForFirstConsumer'), { clock: env.clock });
      await settle(5);
      assert.equal((await env.client.list(resources.persistentvolumes, '')).items.length, 0, 'no volume before a consumer');

      await env.client.create<Pod & KubeObject>(resources.pods, ns, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'consumer', namespace: ns },
        spec: {
          nodeName: 'node-1',
          containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        },
      });
      const bound = await boundClaim(env, 'data');
      const pvName = `pvc-${created.metadata?.uid}`;
      assert.equal(bound.spec?.volumeName, pvName);
      assert.deepEqual(bound.status?.capacity, { storage: '2Gi' });
      assert.deepEqual(bound.status?.accessModes, ['ReadWriteOnce']);
      assert.equal(bound.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');

      const volume = await env.client.get<VolumeObject>(resources.persistentvolumes, '', pvName);
      const path = join(dataDir, 'storage', `${pvName}_${ns}_data`);
      assert.equal(volume.spec?.hostPath?.path, path);
      assert.ok(await exists(path), 'the volume directory exists');
      assert.deepEqual(volume.spec?.capacity, { storage: '2Gi' });
      assert.equal(volume.spec?.storageClassName, 'local-path');
      assert.equal(volume.spec?.persistentVolumeReclaimPolicy, 'Delete');
      assert.deepEqual(volume.spec?.nodeAffinity?.required?.nodeSelectorTerms, [
        { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] },
      ]);
      assert.equal(volume.spec?.claimRef?.uid, created.metadata?.uid);
      assert.equal(volume.spec?.claimRef?.name, 'data');
      assert.equal(volume.status?.phase, 'Bound');
      assert.ok(env.recorder.events.some((e) => e.reason === 'ProvisioningSucceeded' && e.message === `Successfully provisioned volume ${pvName}`));

      await env.client.delete(resources.pods, ns, 'consumer', { gracePeriodSeconds: 0 });
      await env.client.delete(resources.persistentvolumeclaims, ns, 'data');
      await waitFor('the volume deleted', async () => !(await getOrUndefined(env.client, resources.persistentvolumes, '', pvName)), { clock: env.clock });
      assert.equal(await exists(path), false, 'the directory removed');
      assert.deepEqual(env.errors, []);
    });
  });

  test('a selected-node annotation provisions at once; claims of another class or of no class ("") are left alone', async () => {
    await withEnvironment(async (env) => {
      env.start(new LocalPathProvisioner(env.ctx));
      await waitFor('the StorageClass', () => getOrUndefined(env.client, resources.storageclasses, '', 'local-path'), { clock: env.clock });
      await env.client.create(resources.persistentvolumeclaims, ns, claim('other', { storageClassName: 'nfs' }));
      await env.client.create(resources.persistentvolumeclaims, ns, claim('none', { storageClassName: '' }));
      await env.client.create(resources.persistentvolumeclaims, ns, claim('picked', { storageClassName: 'local-path' }, { 'volume.kubernetes.io/selected-node': 'node-1' }));
      const bound = await boundClaim(env, 'picked');
      assert.ok(bound.spec?.volumeName);
      await settle(5);
      for (const name of ['other', 'none']) {
        const c = await env.client.get<ClaimObject>(resources.persistentvolumeclaims, ns, name);
        assert.equal(c.spec?.volumeName, undefined);
        assert.equal(c.status?.phase, 'Pending');
      }
    });
  });

  test('with the StatefulSet controller: every replica gets a bound claim with a real directory', async () => {
    await withEnvironment(async (env, dataDir) => {
      env.start(new LocalPathProvisioner(env.ctx));
      env.start(new StatefulSetController(env.ctx));
      const set: StatefulSet & KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web', namespace: ns },
        spec: {
          serviceName: 'nginx',
          replicas: 2,
          selector: { matchLabels: { app: 'nginx' } },
          template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
          volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
        },
      };
      await env.client.create(resources.statefulsets, ns, set);
      for (const ordinal of [0, 1]) {
        const pod = await waitFor(`web-${ordinal}`, () => getOrUndefined<Pod & KubeObject>(env.client, resources.pods, ns, `web-${ordinal}`), { clock: env.clock });
        assert.equal(pod.spec?.hostname, `web-${ordinal}`);
        const c = await boundClaim(env, `www-web-${ordinal}`);
        assert.ok(await exists(join(dataDir, 'storage', `${c.spec?.volumeName}_${ns}_www-web-${ordinal}`)));
        await setPodReady(env.client, env.clock, ns, `web-${ordinal}`);
      }
      const status = await waitFor(
        'two ready replicas',
        async () => {
          const s = await env.client.get<StatefulSet & KubeObject>(resources.statefulsets, ns, 'web');
          return s.status?.readyReplicas === 2 ? s.status : undefined;
        },
        { clock: env.clock },
      );
      assert.equal(status.currentRevision, status.updateRevision);
      assert.deepEqual(env.errors, []);
    });
  });
});
