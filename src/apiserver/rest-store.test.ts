import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../storage/sqlite.js';
import { clusterIPAllocator, nodePortAllocator } from './allocator.js';
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { NowClock as Clock } from '../apimachinery/clock.js';
import { findResource } from './registry.js';
import { RestStore } from './rest-store.js';
import { strategyFor } from './strategy.js';

const clock: Clock = { now: () => new Date('2026-01-01T00:00:00Z') };

function storeFor(plural: string, group = '', s = SqliteStore.open(':memory:'), watchHistorySize?: number) {
  const type = findResource(group, 'v1', plural)!;
  const allocators = { clusterIPs: clusterIPAllocator(s, '10.43.0.0/16'), nodePorts: nodePortAllocator(s), serviceCIDR: '10.43.0.0/16' };
  return { rest: new RestStore(type, s, strategyFor(type, allocators), clock, { watchHistorySize }), store: s };
}

const status = (err: unknown) => (err instanceof StatusError ? err.code : 0);

test('create sets server fields; generateName makes a name; a taken name is 409', async () => {
  const { rest } = storeFor('configmaps');
  const cm = await rest.create('default', { metadata: { generateName: 'cfg-' }, data: { a: '1' } });
  assert.match(cm.metadata!.name!, /^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal(cm.metadata!.creationTimestamp, '2026-01-01T00:00:00Z');
  assert.ok(cm.metadata!.uid);
  assert.equal(cm.kind, 'ConfigMap');
  await assert.rejects(rest.create('default', { metadata: { name: cm.metadata!.name } }), (e) => status(e) === 409);
});

test('a stale resourceVersion is 409; an update without one overwrites; generation follows spec', async () => {
  const { rest } = storeFor('deployments', 'apps');
  const spec = { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } };
  const d = await rest.create('ns', { metadata: { name: 'd' }, spec });
  assert.equal(d.metadata!.generation, 1);
  const scaled = await rest.update('ns', 'd', { ...d, spec: { ...(d.spec as object), replicas: 3 } });
  assert.equal(scaled.metadata!.generation, 2);
  await assert.rejects(rest.update('ns', 'd', { ...d, spec: { ...(d.spec as object), replicas: 5 } }), (e) => status(e) === 409);
  const labelled = await rest.update('ns', 'd', { ...scaled, metadata: { ...scaled.metadata, resourceVersion: undefined, labels: { x: 'y' } } });
  assert.equal(labelled.metadata!.generation, 2);
  // The main resource cannot write status; /status cannot write spec.
  const withStatus = await rest.update('ns', 'd', { ...labelled, status: { replicas: 9 } }, 'status');
  assert.deepEqual(withStatus.status, { replicas: 9 });
  const ignored = await rest.update('ns', 'd', { ...withStatus, status: { replicas: 1 } });
  assert.deepEqual(ignored.status, { replicas: 9 });
});

test('finalizers hold a deleted object until they are removed', async () => {
  const { rest } = storeFor('configmaps');
  await rest.create('default', { metadata: { name: 'f', finalizers: ['example.com/hold'] } });
  const r = await rest.delete('default', 'f');
  assert.equal(r.deleted, false);
  assert.equal(r.object.metadata!.deletionTimestamp, '2026-01-01T00:00:00Z');
  const cur = await rest.get('default', 'f');
  await rest.update('default', 'f', { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
  await assert.rejects(rest.get('default', 'f'), (e) => status(e) === 404);
});

test('a pod on a node is deleted gracefully; one on no node goes at once; preconditions are checked', async () => {
  const { rest } = storeFor('pods');
  const pod = (name: string, nodeName?: string): KubeObject => ({ metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'i' }] } });
  await rest.create('default', pod('on-node', 'n1'));
  await rest.create('default', pod('floating'));
  const g = await rest.delete('default', 'on-node');
  assert.equal(g.deleted, false);
  assert.equal(g.object.metadata!.deletionGracePeriodSeconds, 30);
  assert.equal((await rest.delete('default', 'on-node', { gracePeriodSeconds: 0 })).deleted, true);
  await assert.rejects(rest.delete('default', 'floating', { preconditions: { uid: 'nope' } }), (e) => status(e) === 409);
  assert.equal((await rest.delete('default', 'floating')).deleted, true);
});

test('lists page with continue tokens at one revision; watches see later changes', async () => {
  const { rest } = storeFor('configmaps');
  for (let i = 0; i < 5; i++) await rest.create('default', { metadata: { name: `c${i}`, labels: { odd: String(i % 2) } } });
  const first = await rest.list('default', { limit: 2 });
  assert.deepEqual(first.items.map((o) => o.metadata!.name), ['c0', 'c1']);
  await rest.create('default', { metadata: { name: 'c9' } });
  const second = await rest.list('default', { limit: 10, continueToken: first.continueToken });
  assert.deepEqual(second.items.map((o) => o.metadata!.name), ['c2', 'c3', 'c4']);
  assert.equal(second.continueToken, undefined);
  const odd = await rest.list('', { filter: (o) => o.metadata?.labels?.odd === '1' });
  assert.deepEqual(odd.items.map((o) => o.metadata!.name), ['c1', 'c3']);

  const ac = new AbortController();
  const from = Number((await rest.list('default')).resourceVersion);
  const seen: string[] = [];
  const done = (async () => {
    for await (const e of rest.watch('default', from, ac.signal)) {
      seen.push(`${e.type} ${e.object.metadata!.name}`);
      if (seen.length === 2) ac.abort();
    }
  })();
  await rest.create('default', { metadata: { name: 'new' } });
  await rest.delete('default', 'c0');
  await done;
  assert.deepEqual(seen, ['ADDED new', 'DELETED c0']);
});

test('a Service gets a ClusterIP, keeps it on replace, and frees it on delete', async () => {
  const { rest } = storeFor('services');
  const svc = await rest.create('default', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
  const ip = (svc.spec as { clusterIP: string }).clusterIP;
  assert.match(ip, /^10\.43\./);
  const replaced = await rest.update('default', 's', { metadata: { name: 's' }, spec: { ports: [{ port: 81 }] } });
  assert.equal((replaced.spec as { clusterIP: string }).clusterIP, ip);
  await rest.delete('default', 's');
  const again = await rest.create('default', { metadata: { name: 't' }, spec: { clusterIP: ip, ports: [{ port: 80 }] } });
  assert.equal((again.spec as { clusterIP: string }).clusterIP, ip);
  await assert.rejects(rest.create('default', { metadata: { name: 'u' }, spec: { clusterIP: ip, ports: [{ port: 80 }] } }), (e) => status(e) === 422);
});

test('a watch or continue from a compacted revision answers 410 Gone', async () => {
  const { rest, store } = storeFor('configmaps');
  for (let i = 0; i < 4; i++) await rest.create('default', { metadata: { name: `g${i}` } });
  const page = await rest.list('default', { limit: 1 });
  const old = Number(page.resourceVersion) - 2;
  for (let i = 0; i < 3; i++) await rest.create('default', { metadata: { name: `h${i}` } });
  await store.compact(await store.currentRevision());
  await assert.rejects(
    (async () => {
      for await (const _ of rest.watch('default', old, new AbortController().signal)) break;
    })(),
    (e) => status(e) === 410,
  );
  await assert.rejects(rest.list('default', { continueToken: page.continueToken }), (e) => status(e) === 410);
});

test('a watch from before the kept history is 410 Expired, not a replay; a recent one replays what the list missed', async () => {
  const { rest, store } = storeFor('configmaps', '', SqliteStore.open(':memory:'), 4);
  await rest.create('default', { metadata: { name: 'long-gone' } });
  await rest.delete('default', 'long-gone');
  const old = await store.currentRevision();
  for (let i = 0; i < 10; i++) await rest.create('default', { metadata: { name: `n${i}` } });
  // Listed just before the type's first watch: the hub reads the recent past back from the store.
  const listed = Number((await rest.list('default')).resourceVersion);
  await rest.create('default', { metadata: { name: 'after-list' } });
  const ac = new AbortController();
  for await (const e of rest.watch('default', listed, ac.signal)) {
    assert.deepEqual([e.type, e.object.metadata!.name], ['ADDED', 'after-list']);
    break;
  }
  for (let i = 0; i < 10; i++) await rest.create('default', { metadata: { name: `m${i}` } });
  // The store still has every revision (nothing compacted), yet upstream's answer is 410.
  assert.equal(await store.compactedRevision(), 0);
  await assert.rejects(
    (async () => {
      for await (const _ of rest.watch('default', old, ac.signal)) break;
    })(),
    (e) => status(e) === 410 && e instanceof StatusError && /^too old resource version: \d+ \(\d+\)$/.test(e.message) && e.reason === 'Expired',
  );
  ac.abort();
  rest.stopWatching();
});

test("a Service's clusterIP may not change once set, whether clusterIP or clusterIPs is written; ExternalName moves may", async () => {
  const { rest } = storeFor('services');
  const svc = await rest.create('default', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
  const spec = svc.spec as { clusterIP: string; clusterIPs: string[] };
  // A merge patch of clusterIP alone leaves clusterIPs as they were: still refused, as upstream.
  const changed = await rest.update('default', 's', { ...svc, spec: { ...spec, clusterIP: '10.43.200.200' } }).catch((e: unknown) => e);
  assert.ok(changed instanceof StatusError && changed.code === 422, String(changed));
  assert.deepEqual(changed.details?.causes, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: []string{"10.43.200.200"}: may not change once set' }]);
  await assert.rejects(rest.update('default', 's', { ...svc, spec: { ...spec, clusterIP: '10.43.200.200', clusterIPs: ['10.43.200.200'] } }), (e) => status(e) === 422);
  assert.equal(((await rest.get('default', 's')).spec as { clusterIP: string }).clusterIP, spec.clusterIP);
  // To ExternalName and back: the IP goes, and a new one is allocated.
  const ext = await rest.update('default', 's', { ...svc, metadata: { name: 's' }, spec: { type: 'ExternalName', externalName: 'example.com', clusterIP: '', clusterIPs: undefined } });
  assert.ok(!(ext.spec as { clusterIP?: string }).clusterIP);
  const back = await rest.update('default', 's', { ...ext, metadata: { name: 's' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } });
  assert.match((back.spec as { clusterIP: string }).clusterIP, /^10\.43\./);
});

test('a new object of a type with a status has one, as upstream encodes it', async () => {
  const spec = { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } };
  const d = await storeFor('deployments', 'apps').rest.create('ns', { metadata: { name: 'd' }, spec, status: { replicas: 5 } });
  assert.deepEqual(d.status, {});
  const rs = await storeFor('replicasets', 'apps').rest.create('ns', { metadata: { name: 'r' }, spec });
  assert.deepEqual(rs.status, { replicas: 0 });
  const svc = await storeFor('services').rest.create('ns', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
  assert.deepEqual(svc.status, { loadBalancer: {} });
});

test('shared reads see every acknowledged write of their namespace at once, and only reread after one', async () => {
  const { rest, store } = storeFor('resourcequotas');
  let listed = 0;
  const list = store.list.bind(store);
  store.list = (prefix, options) => {
    listed++;
    return list(prefix, options);
  };
  assert.deepEqual(await rest.listShared('a'), []);
  assert.deepEqual(await rest.listShared('a'), []);
  assert.equal(listed, 1);
  await rest.create('a', { metadata: { name: 'q' }, spec: { hard: { pods: '1' } } });
  assert.deepEqual((await rest.listShared('a')).map((q) => q.metadata?.name), ['q']);
  assert.deepEqual(await rest.listShared('b'), []);
  assert.equal((await rest.listShared('')).length, 1);
  await rest.delete('b', 'absent').catch(() => undefined);
  await rest.delete('a', 'q');
  assert.deepEqual(await rest.listShared('a'), []);
  assert.equal((await rest.listShared('')).length, 0);

  const { rest: namespaces } = storeFor('namespaces');
  await namespaces.create('', { metadata: { name: 'n' } });
  assert.equal((await namespaces.getShared('', 'n')).metadata?.deletionTimestamp, undefined);
  await namespaces.delete('', 'n');
  assert.ok((await namespaces.getShared('', 'n')).metadata?.deletionTimestamp);
});
