import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { SqliteStore } from '../../storage/sqlite.js';
import { ApiServer } from '../server.js';

const rejectAll = { authenticate: () => undefined };
const claim = (name: string, storageClassName?: string | null): PersistentVolumeClaim => ({
  metadata: { name },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    ...(storageClassName !== undefined ? { storageClassName: storageClassName as string } : {}),
  },
});

test('a claim created without a class gets the default StorageClass; an explicit class or "" stays', async () => {
  const store = SqliteStore.open(':memory:');
  try {
    const api = new ApiServer({ store, authenticator: rejectAll });
    const classes = api.store('storage.k8s.io', 'v1', 'storageclasses');
    const claims = api.store('', 'v1', 'persistentvolumeclaims');
    const className = async (name: string) => ((await claims.get('default', name)) as PersistentVolumeClaim).spec?.storageClassName;

    await claims.create('default', claim('before-any-class') as never);
    assert.equal(await className('before-any-class'), undefined, 'no default class: nothing set');

    await classes.create('', { metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'rancher.io/local-path' });
    await classes.create('', { metadata: { name: 'fast' }, provisioner: 'example.com/fast' });
    await claims.create('default', claim('plain') as never);
    await claims.create('default', claim('explicit', 'fast') as never);
    await claims.create('default', claim('no-class', '') as never);
    assert.equal(await className('plain'), 'local-path');
    assert.equal(await className('explicit'), 'fast');
    assert.equal(await className('no-class'), '');

    // Only creates are admitted: an update of the class-less claim leaves it alone.
    const before = await claims.get('default', 'before-any-class');
    await claims.update('default', 'before-any-class', { ...before, metadata: { ...before.metadata, labels: { a: 'b' } } });
    assert.equal(await className('before-any-class'), undefined);
  } finally {
    await store.close();
  }
});
