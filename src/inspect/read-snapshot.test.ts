import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client, type ResourceRef } from '../client/client.js';
import { MemoryClient } from '../testing/memory-client.js';
import { readSnapshot } from './read-snapshot.js';

/** A MemoryClient whose SelfSubjectAccessReviews allow listing exactly `allowed` (plural names). */
function clientAllowing(memory: MemoryClient, allowed: string[]): Client {
  return {
    get: (ref, ns, name) => memory.get(ref, ns, name),
    list: (ref, ns, options) => memory.list(ref, ns, options),
    watch: (ref, ns, options, signal) => memory.watch(ref, ns, options, signal),
    update: (ref, ns, obj, options) => memory.update(ref, ns, obj, options),
    patch: (ref, ns, name, type, patch, options) => memory.patch(ref, ns, name, type, patch, options),
    delete: (ref, ns, name, options) => memory.delete(ref, ns, name, options),
    create: async <T extends KubeObject>(ref: ResourceRef, ns: string, obj: T): Promise<T> => {
      if (ref.resource !== 'selfsubjectaccessreviews') return memory.create(ref, ns, obj);
      const attributes = (obj as { spec?: { resourceAttributes?: { resource?: string } } }).spec?.resourceAttributes;
      return { ...obj, status: { allowed: allowed.includes(attributes?.resource ?? '') } };
    },
  };
}

const pod = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } });

describe('readSnapshot', () => {
  it('lists every kind in every namespace, page after page, at the observer time', async () => {
    const memory = new MemoryClient();
    await memory.create(resources.pods, 'default', pod('default', 'a'));
    await memory.create(resources.pods, 'default', pod('default', 'b'));
    await memory.create(resources.pods, 'other', pod('other', 'c'));
    await memory.create(resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other', labels: { team: 'x' } } });
    await memory.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' } });
    const snapshot = await readSnapshot(clientAllowing(memory, ['secrets']), { pageSize: 1, now: () => 42 });
    assert.deepEqual(snapshot.pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort(), ['default/a', 'default/b', 'other/c']);
    assert.deepEqual(snapshot.namespaces.map((n) => n.metadata?.labels), [{ team: 'x' }]);
    assert.deepEqual(snapshot.services.map((s) => s.metadata?.name), ['web']);
    assert.equal(snapshot.now, 42);
    assert.deepEqual(snapshot.forbidden, []);
    const podLists = memory.actions.filter((a) => a.verb === 'list' && a.ref.resource === 'pods');
    assert.equal(podLists.length, 3, 'one request per page of one');
    assert.ok(podLists.every((a) => a.namespace === ''), 'listed across namespaces');
  });

  it('names what the user may not list in forbidden and leaves it empty; an unserved resource is just empty', async () => {
    const memory = new MemoryClient();
    await memory.create(resources.pods, 'default', pod('default', 'a'));
    await memory.create(resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' } });
    memory.failNext('list', new StatusError(403, 'Forbidden', 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" at the cluster scope'), 'pods');
    memory.failNext('list', new StatusError(404, 'NotFound', 'the server could not find the requested resource'), 'gateways');
    const snapshot = await readSnapshot(clientAllowing(memory, []));
    assert.deepEqual(snapshot.pods, []);
    assert.deepEqual(snapshot.gateways, []);
    assert.equal(snapshot.services.length, 1);
    assert.deepEqual(snapshot.forbidden, ['pods', 'secrets'], 'pods from the 403, secrets from the access review');
  });

  it('fails on anything else the server answers', async () => {
    const memory = new MemoryClient();
    memory.failNext('list', new StatusError(500, 'InternalError', 'etcd is down'), 'services');
    await assert.rejects(readSnapshot(clientAllowing(memory, ['secrets'])), /etcd is down/);
  });
});
