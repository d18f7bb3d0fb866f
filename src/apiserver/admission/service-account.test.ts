import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { findResource } from '../registry.js';
import { ServiceAccountAdmission, serviceAccountMountPath } from './service-account.js';

const podType = findResource('', 'v1', 'pods')!;

async function admit(pod: Pod, serviceAccount?: ServiceAccount): Promise<Pod> {
  const plugin = new ServiceAccountAdmission(async () => serviceAccount);
  const attributes = { operation: 'CREATE' as const, type: podType, namespace: 'ns', object: pod as KubeObject, subresource: '' };
  assert.ok(plugin.handles(attributes));
  await plugin.admit(attributes);
  return pod;
}

const pod = (extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  spec: { serviceAccountName: 'default', containers: [{ name: 'a', image: 'x' }], initContainers: [{ name: 'i', image: 'x' }], ...extra },
});

test('a pod gets the projected token volume mounted in every container', async () => {
  const p = await admit(pod(), { metadata: { name: 'default' } });
  const volume = p.spec?.volumes?.[0];
  assert.match(volume?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(volume?.projected, {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  });
  for (const c of [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])]) {
    assert.deepEqual(c.volumeMounts, [{ name: volume?.name, readOnly: true, mountPath: serviceAccountMountPath }]);
  }
});

test('automountServiceAccountToken: the pod decides, else the ServiceAccount', async () => {
  assert.equal((await admit(pod({ automountServiceAccountToken: false }), { metadata: { name: 'default' } })).spec?.volumes, undefined);
  assert.equal((await admit(pod(), { metadata: { name: 'default' }, automountServiceAccountToken: false })).spec?.volumes, undefined);
  assert.equal((await admit(pod({ automountServiceAccountToken: true }), { metadata: { name: 'default' }, automountServiceAccountToken: false })).spec?.volumes?.length, 1);
});

test('a container that mounts something at the path keeps it; mirror pods get nothing', async () => {
  const own = pod({ volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'mine', mountPath: serviceAccountMountPath }] }] });
  const p = await admit(own, { metadata: { name: 'default' } });
  assert.deepEqual(p.spec?.containers[0]?.volumeMounts, [{ name: 'mine', mountPath: serviceAccountMountPath }]);
  assert.equal(p.spec?.volumes?.length, 2);
  const mirror = pod();
  mirror.metadata = { ...mirror.metadata, annotations: { 'kubernetes.io/config.mirror': 'x' } };
  assert.equal((await admit(mirror)).spec?.volumes, undefined);
});
