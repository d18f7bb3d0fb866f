import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../apimachinery/clock.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { MemoryClient } from '../testing/memory-client.js';
import { waitFor } from '../testing/wait.js';
import { ReferencedObjects } from './referenced-objects.js';

function pod(name: string, uid: string, spec: Pod['spec']): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid }, spec };
}

const usesConfigAndClaim = pod('web', 'uid-web', {
  containers: [{ name: 'app', image: 'busybox', envFrom: [{ secretRef: { name: 'creds' } }] }],
  volumes: [
    { name: 'config', configMap: { name: 'settings' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
  ],
});

async function setUp() {
  const clock = new FakeClock();
  const client = new MemoryClient({ clock });
  const create = (ref: (typeof resources)[keyof typeof resources], namespace: string, obj: KubeObject) => client.create(ref, namespace, obj);
  await create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } } as KubeObject);
  await create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated' }, data: { b: '2' } } as KubeObject);
  await create(resources.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: {} } as KubeObject);
  await create(resources.persistentvolumeclaims, 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { volumeName: 'pv-1' } } as KubeObject);
  await create(resources.persistentvolumes, '', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { hostPath: { path: '/srv' } } } as KubeObject);
  const stop = new AbortController();
  const changed: string[][] = [];
  const errors: unknown[] = [];
  const referenced = new ReferencedObjects({ client, clock, signal: stop.signal, onChange: (uids) => changed.push(uids), onError: (_r, err) => errors.push(err) });
  return { clock, client, stop, changed, errors, referenced };
}

describe('ReferencedObjects', () => {
  test('watches by name only what a pod references, the PV through its claim, until the last pod lets go', async () => {
    const { client, stop, changed, errors, referenced } = await setUp();
    try {
      await referenced.register(usesConfigAndClaim, stop.signal);
      assert.deepEqual(referenced.watched(), {
        configMaps: ['default/settings'],
        secrets: ['default/creds'],
        persistentVolumeClaims: ['default/data'],
        persistentVolumes: ['pv-1'],
      });
      assert.deepEqual(referenced.configMap('default', 'settings')?.data, { a: '1' });
      assert.equal(referenced.configMap('default', 'unrelated'), undefined, 'not referenced, not seen');
      assert.ok(referenced.secret('default', 'creds'));
      assert.equal(referenced.persistentVolume('pv-1')?.spec?.hostPath?.path, '/srv');
      assert.equal(client.watchCount, 4);

      // A second pod shares the ConfigMap; a change wakes both.
      const other = pod('other', 'uid-other', { containers: [{ name: 'app', image: 'busybox', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'a' } } }] }] });
      await referenced.register(other, stop.signal);
      assert.equal(client.watchCount, 4);
      changed.length = 0;
      await client.patch(resources.configmaps, 'default', 'settings', 'merge', { data: { a: '2' } });
      await waitFor('the change seen', () => referenced.configMap('default', 'settings')?.data?.a === '2');
      assert.deepEqual(changed.map((uids) => uids.sort()), [['uid-other', 'uid-web']]);

      referenced.unregister('uid-web');
      assert.deepEqual(referenced.watched(), { configMaps: ['default/settings'], secrets: [], persistentVolumeClaims: [], persistentVolumes: [] });
      await waitFor('three watches closed', () => client.watchCount === 1);
      referenced.unregister('uid-other');
      await waitFor('every watch closed', () => client.watchCount === 0);
      assert.equal(referenced.configMap('default', 'settings'), undefined);
      assert.deepEqual(errors, []);
    } finally {
      stop.abort();
      await referenced.stopped();
    }
  });

  test('an object created after the pod arrives is seen, and wakes the pod', async () => {
    const { client, stop, changed, referenced } = await setUp();
    try {
      const waiting = pod('late', 'uid-late', { containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 's', secret: { secretName: 'later' } }] });
      await referenced.register(waiting, stop.signal);
      assert.equal(referenced.secret('default', 'later'), undefined);
      await client.create(resources.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'later' } } as KubeObject);
      await waitFor('the new secret', () => referenced.secret('default', 'later'));
      assert.deepEqual(changed, [['uid-late']]);
    } finally {
      stop.abort();
      await referenced.stopped();
    }
  });
});
