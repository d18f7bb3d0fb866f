import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type WatchEventOf } from '../client/client.js';
import { FakeClock, settle } from '../apimachinery/clock.js';
import { MemoryClient } from './memory-client.js';

function pod(name: string, labels: Record<string, string> = {}, extra: Partial<KubeObject> = {}): KubeObject {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, ...extra };
}

async function rejectsWith(p: Promise<unknown>, code: number, reason: string): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected StatusError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.reason, reason);
    return err;
  }
  assert.fail(`expected ${code} ${reason}`);
}

/** Collects watch events in the background. */
function collect(iterable: AsyncIterable<WatchEventOf>): { events: WatchEventOf[]; done: Promise<unknown> } {
  const events: WatchEventOf[] = [];
  const done = (async () => {
    for await (const e of iterable) events.push(e);
  })();
  return { events, done };
}

describe('MemoryClient CRUD', () => {
  test('create stamps uid, creationTimestamp, generation, resourceVersion and type meta', async () => {
    const clock = new FakeClock(new Date('2026-02-03T04:05:06.789Z'));
    const c = new MemoryClient({ clock });
    const created = await c.create<KubeObject>(resources.pods, 'default', pod('a'));
    assert.equal(created.apiVersion, 'v1');
    assert.equal(created.kind, 'Pod');
    assert.equal(created.metadata?.namespace, 'default');
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(created.metadata?.creationTimestamp, '2026-02-03T04:05:06Z');
    assert.equal(created.metadata?.generation, 1);
    const got = await c.get(resources.pods, 'default', 'a');
    assert.deepEqual(got, created);
    const second = await c.create<KubeObject>(resources.pods, 'default', pod('b'));
    assert.ok(Number(second.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));
    const e = await rejectsWith(c.create<KubeObject>(resources.pods, 'default', pod('a')), 409, 'AlreadyExists');
    assert.equal(e.message, 'pods "a" already exists');
  });

  test('generateName, cluster-scoped objects and dryRun', async () => {
    const c = new MemoryClient();
    const g = await c.create<KubeObject>(resources.pods, 'ns', { metadata: { generateName: 'web-' } });
    assert.match(g.metadata?.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const node = await c.create<KubeObject>(resources.nodes, 'ignored', { metadata: { name: 'n1' } });
    assert.equal(node.metadata?.namespace, undefined);
    assert.equal((await c.get(resources.nodes, '', 'n1')).metadata?.name, 'n1');
    await rejectsWith(c.create<KubeObject>(resources.pods, '', pod('x')), 400, 'BadRequest');
    await rejectsWith(c.create<KubeObject>(resources.pods, 'ns', { metadata: { name: 'x', namespace: 'other' } }), 400, 'BadRequest');
    await c.create<KubeObject>(resources.pods, 'ns', pod('dry'), { dryRun: true });
    await rejectsWith(c.get(resources.pods, 'ns', 'dry'), 404, 'NotFound');
  });

  test('get of a missing object is 404 with upstream message', async () => {
    const c = new MemoryClient();
    const e = await rejectsWith(c.get(resources.deployments, 'default', 'x'), 404, 'NotFound');
    assert.equal(e.message, 'deployments.apps "x" not found');
  });

  test('update checks resourceVersion, keeps system fields, bumps generation on spec change only', async () => {
    const c = new MemoryClient();
    const created = await c.create<KubeObject>(resources.deployments, 'default', { metadata: { name: 'd' }, spec: { replicas: 1 } });
    const changed = { ...created, spec: { replicas: 2 }, metadata: { ...created.metadata, uid: 'forged', labels: { a: 'b' } } };
    const updated = await c.update<KubeObject>(resources.deployments, 'default', changed);
    assert.equal(updated.metadata?.uid, created.metadata?.uid);
    assert.equal(updated.metadata?.generation, 2);
    const relabelled = await c.update<KubeObject>(resources.deployments, 'default', { ...updated, metadata: { ...updated.metadata, labels: { a: 'c' } } });
    assert.equal(relabelled.metadata?.generation, 2);
    const e = await rejectsWith(c.update<KubeObject>(resources.deployments, 'default', changed), 409, 'Conflict');
    assert.equal(
      e.message,
      'Operation cannot be fulfilled on deployments.apps "d": the object has been modified; please apply your changes to the latest version and try again',
    );
    const noop = await c.update<KubeObject>(resources.deployments, 'default', relabelled);
    assert.equal(noop.metadata?.resourceVersion, relabelled.metadata?.resourceVersion, 'a no-op update writes nothing');
    await rejectsWith(c.update<KubeObject>(resources.deployments, 'default', { metadata: { name: 'missing' } }), 404, 'NotFound');
  });

  test('status subresource: status updates change only status; main updates keep status', async () => {
    const c = new MemoryClient();
    const created = await c.create<KubeObject>(resources.deployments, 'default', { metadata: { name: 'd' }, spec: { replicas: 1 }, status: { replicas: 9 } });
    const withStatus = await c.update<KubeObject>(
      resources.deployments,
      'default',
      { ...created, spec: { replicas: 5 }, status: { replicas: 1 } },
      { subresource: 'status' },
    );
    assert.deepEqual(withStatus.spec, { replicas: 1 });
    assert.deepEqual(withStatus.status, { replicas: 1 });
    assert.equal(withStatus.metadata?.generation, 1);
    const main = await c.update<KubeObject>(resources.deployments, 'default', { ...withStatus, spec: { replicas: 3 }, status: { replicas: 7 } });
    assert.deepEqual(main.status, { replicas: 1 });
    assert.deepEqual(main.spec, { replicas: 3 });
    const patched = await c.patch(resources.deployments, 'default', 'd', 'merge', { status: { readyReplicas: 1 }, spec: { replicas: 8 } }, { subresource: 'status' });
    assert.deepEqual(patched.status, { replicas: 1, readyReplicas: 1 });
    assert.deepEqual(patched.spec, { replicas: 3 });
  });

  test('patch: merge, strategic (as merge), json; resourceVersion precondition only when sent', async () => {
    const c = new MemoryClient();
    const created = await c.create<KubeObject>(resources.configmaps, 'default', { metadata: { name: 'cm' }, data: { a: '1', b: '2' } });
    const merged = await c.patch(resources.configmaps, 'default', 'cm', 'merge', { data: { a: null, c: '3' } });
    assert.deepEqual(merged.data, { b: '2', c: '3' });
    const strategic = await c.patch(resources.configmaps, 'default', 'cm', 'strategic', { data: { d: '4' } });
    assert.deepEqual(strategic.data, { b: '2', c: '3', d: '4' });
    const json = await c.patch(resources.configmaps, 'default', 'cm', 'json', [{ op: 'replace', path: '/data/b', value: 'two' }]);
    assert.equal((json.data as Record<string, string>).b, 'two');
    await rejectsWith(
      c.patch(resources.configmaps, 'default', 'cm', 'merge', { metadata: { resourceVersion: created.metadata?.resourceVersion }, data: { x: '1' } }),
      409,
      'Conflict',
    );
    await rejectsWith(c.patch(resources.configmaps, 'default', 'cm', 'json', [{ op: 'test', path: '/data/b', value: 'no' }]), 422, 'Invalid');
    await rejectsWith(c.patch(resources.configmaps, 'default', 'cm', 'merge', [1]), 400, 'BadRequest');
    await rejectsWith(c.patch(resources.configmaps, 'default', 'nope', 'merge', {}), 404, 'NotFound');
  });

  test('delete: immediate without finalizers; with finalizers sets deletionTimestamp, removed when they are gone', async () => {
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const c = new MemoryClient({ clock });
    await c.create<KubeObject>(resources.pods, 'default', pod('plain'));
    const deleted = await c.delete(resources.pods, 'default', 'plain');
    assert.equal(deleted.metadata?.name, 'plain');
    await rejectsWith(c.get(resources.pods, 'default', 'plain'), 404, 'NotFound');
    await rejectsWith(c.delete(resources.pods, 'default', 'plain'), 404, 'NotFound');

    await c.create<KubeObject>(resources.pods, 'default', { ...pod('fin'), metadata: { name: 'fin', finalizers: ['x/y'] } });
    clock.advance(5000);
    const marked = await c.delete(resources.pods, 'default', 'fin');
    assert.equal(marked.metadata?.deletionTimestamp, '2026-01-01T00:00:05Z');
    const again = await c.delete(resources.pods, 'default', 'fin');
    assert.equal(again.metadata?.resourceVersion, marked.metadata?.resourceVersion);
    const current = await c.get(resources.pods, 'default', 'fin');
    await c.update<KubeObject>(resources.pods, 'default', { ...current, metadata: { ...current.metadata, finalizers: [] } });
    await rejectsWith(c.get(resources.pods, 'default', 'fin'), 404, 'NotFound');
  });

  test('pods/binding assigns a node once', async () => {
    const c = new MemoryClient();
    await c.create<KubeObject>(resources.pods, 'default', pod('a'));
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { kind: 'Node', name: 'n1' } };
    await c.create<KubeObject>(resources.pods, 'default', binding, { subresource: 'binding' });
    assert.equal(((await c.get(resources.pods, 'default', 'a')).spec as { nodeName?: string }).nodeName, 'n1');
    const e = await rejectsWith(c.create<KubeObject>(resources.pods, 'default', binding, { subresource: 'binding' }), 409, 'Conflict');
    assert.match(e.message, /already assigned to node "n1"/);
  });

  test('delete preconditions', async () => {
    const c = new MemoryClient();
    await c.create<KubeObject>(resources.pods, 'default', pod('a'));
    await rejectsWith(c.delete(resources.pods, 'default', 'a', { preconditions: { uid: 'other' } }), 409, 'Conflict');
    await rejectsWith(c.delete(resources.pods, 'default', 'a', { preconditions: { resourceVersion: '1' } }), 409, 'Conflict');
  });
});

describe('MemoryClient list', () => {
  test('namespaces, label and field selectors, paging', async () => {
    const c = new MemoryClient();
    await c.create<KubeObject>(resources.pods, 'a', pod('p1', { app: 'web' }, { spec: { nodeName: 'n1' } }));
    await c.create<KubeObject>(resources.pods, 'a', pod('p2', { app: 'db' }));
    await c.create<KubeObject>(resources.pods, 'b', pod('p3', { app: 'web' }, { spec: { nodeName: 'n1' } }));
    const names = (l: { items: KubeObject[] }): string[] => l.items.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`);
    assert.deepEqual(names(await c.list(resources.pods, '')), ['a/p1', 'a/p2', 'b/p3']);
    assert.deepEqual(names(await c.list(resources.pods, 'a')), ['a/p1', 'a/p2']);
    assert.deepEqual(names(await c.list(resources.pods, '', { labelSelector: 'app in (web)' })), ['a/p1', 'b/p3']);
    assert.deepEqual(names(await c.list(resources.pods, '', { fieldSelector: 'spec.nodeName=n1,metadata.namespace!=b' })), ['a/p1']);
    await rejectsWith(c.list(resources.pods, '', { fieldSelector: 'spec.nope=1' }), 400, 'BadRequest');
    const page1 = await c.list(resources.pods, '', { limit: 2 });
    assert.deepEqual(names(page1), ['a/p1', 'a/p2']);
    assert.ok(page1.continue);
    const page2 = await c.list(resources.pods, '', { limit: 2, continue: page1.continue });
    assert.deepEqual(names(page2), ['b/p3']);
    assert.equal(page2.continue, undefined);
    assert.equal(page1.resourceVersion, c.currentRevision);
  });
});

describe('MemoryClient watch', () => {
  test('from a resourceVersion: replays history then streams; ends on abort', async () => {
    const c = new MemoryClient();
    await c.create<KubeObject>(resources.pods, 'default', pod('before'));
    const { resourceVersion } = await c.list(resources.pods, '');
    await c.create<KubeObject>(resources.pods, 'default', pod('a'));
    const ac = new AbortController();
    const w = collect(c.watch(resources.pods, 'default', { resourceVersion }, ac.signal));
    await settle();
    const a = await c.get(resources.pods, 'default', 'a');
    await c.update<KubeObject>(resources.pods, 'default', { ...a, metadata: { ...a.metadata, labels: { x: 'y' } } });
    await c.delete(resources.pods, 'default', 'a');
    await c.create<KubeObject>(resources.configmaps, 'default', { metadata: { name: 'other-type' } });
    await settle();
    assert.deepEqual(
      w.events.map((e) => `${e.type} ${e.object.metadata?.name}`),
      ['ADDED a', 'MODIFIED a', 'DELETED a'],
    );
    const deletedRv = Number(w.events[2]?.object.metadata?.resourceVersion);
    assert.ok(deletedRv > Number(w.events[1]?.object.metadata?.resourceVersion));
    assert.equal(c.watchCount, 1);
    ac.abort();
    await w.done;
    assert.equal(c.watchCount, 0);
  });

  test('without resourceVersion starts with the current objects as ADDED', async () => {
    const c = new MemoryClient();
    await c.create<KubeObject>(resources.pods, 'default', pod('a'));
    const ac = new AbortController();
    const w = collect(c.watch(resources.pods, '', {}, ac.signal));
    await settle();
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata?.name}`), ['ADDED a']);
    c.endWatches();
    await w.done;
  });

  test('selectors: objects moving in are ADDED, moving out DELETED', async () => {
    const c = new MemoryClient();
    const created = await c.create<KubeObject>(resources.pods, 'default', pod('a', { app: 'x' }));
    const ac = new AbortController();
    const w = collect(c.watch(resources.pods, '', { labelSelector: 'app=y', resourceVersion: c.currentRevision }, ac.signal));
    await settle();
    const moved = await c.update<KubeObject>(resources.pods, 'default', { ...created, metadata: { ...created.metadata, labels: { app: 'y' } } });
    await c.update<KubeObject>(resources.pods, 'default', { ...moved, metadata: { ...moved.metadata, labels: { app: 'z' } } });
    await settle();
    assert.deepEqual(w.events.map((e) => e.type), ['ADDED', 'DELETED']);
    ac.abort();
    await w.done;
  });

  test('bookmarks only when asked for', async () => {
    const c = new MemoryClient();
    const ac = new AbortController();
    const withMarks = collect(c.watch(resources.pods, '', { resourceVersion: '1', allowWatchBookmarks: true }, ac.signal));
    const without = collect(c.watch(resources.pods, '', { resourceVersion: '1' }, ac.signal));
    await settle();
    await c.create<KubeObject>(resources.configmaps, 'default', { metadata: { name: 'bump' } });
    c.bookmark(resources.pods);
    await settle();
    assert.deepEqual(withMarks.events.map((e) => [e.type, e.object.metadata?.resourceVersion]), [['BOOKMARK', c.currentRevision]]);
    assert.equal(without.events.length, 0);
    ac.abort();
    await Promise.all([withMarks.done, without.done]);
  });

  test('410 Gone from a compacted revision, also when the bounded history overflows', async () => {
    const c = new MemoryClient({ historyLimit: 3 });
    const old = c.currentRevision;
    await c.create<KubeObject>(resources.pods, 'default', pod('a'));
    c.compactHistory();
    const ac = new AbortController();
    await rejectsWith(collect(c.watch(resources.pods, '', { resourceVersion: old }, ac.signal)).done, 410, 'Expired');
    const fresh = c.currentRevision;
    for (const n of ['b', 'c', 'd']) await c.create<KubeObject>(resources.pods, 'default', pod(n));
    const ok = collect(c.watch(resources.pods, '', { resourceVersion: fresh }, ac.signal));
    await settle();
    assert.equal(ok.events.length, 3);
    await c.create<KubeObject>(resources.pods, 'default', pod('e'));
    await rejectsWith(collect(c.watch(resources.pods, '', { resourceVersion: fresh }, ac.signal)).done, 410, 'Expired');
    ac.abort();
    await ok.done;
  });
});

describe('MemoryClient test helpers', () => {
  test('actions log and failNext', async () => {
    const c = new MemoryClient();
    const boom = new StatusError(500, 'InternalError', 'boom');
    c.failNext('create', boom, 'configmaps');
    await c.create<KubeObject>(resources.pods, 'default', pod('a'));
    await assert.rejects(c.create<KubeObject>(resources.configmaps, 'default', { metadata: { name: 'x' } }), (e) => e === boom);
    await c.create<KubeObject>(resources.configmaps, 'default', { metadata: { name: 'x' } });
    await c.get(resources.pods, 'default', 'a');
    assert.deepEqual(
      c.actions.map((a) => [a.verb, a.ref.resource, a.namespace, a.name]),
      [
        ['create', 'pods', 'default', 'a'],
        ['create', 'configmaps', 'default', 'x'],
        ['create', 'configmaps', 'default', 'x'],
        ['get', 'pods', 'default', 'a'],
      ],
    );
  });
});
