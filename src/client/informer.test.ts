import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from './client.js';
import { FakeClock, settle } from '../apimachinery/clock.js';
import { Informer, InformerFactory, namespaceIndex, objectKey, splitKey } from './informer.js';
import { MemoryClient } from '../testing/memory-client.js';

function pod(namespace: string, name: string, labels: Record<string, string> = {}, nodeName = ''): KubeObject {
  return { metadata: { name, namespace, labels }, spec: { nodeName, containers: [] } };
}

/** Lets pending work run until `cond` holds; fails after `rounds` macrotasks (no real waiting). */
async function until(cond: () => boolean, what: string, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (cond()) return;
    await settle();
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Records handler calls as strings. */
function record(informer: Informer): string[] {
  const log: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => log.push(`add ${objectKey(o)}`),
    onUpdate: (a, b) => log.push(`update ${objectKey(b)} ${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`),
    onDelete: (o) => log.push(`delete ${objectKey(o)}`),
  });
  return log;
}

async function setup(options: ConstructorParameters<typeof Informer>[2] = {}) {
  const clock = new FakeClock();
  const client = new MemoryClient({ clock });
  const errors: unknown[] = [];
  const informer = new Informer(client, resources.pods, { clock, onError: (e) => errors.push(e), ...options });
  return { clock, client, errors, informer };
}

describe('objectKey / splitKey', () => {
  test('namespace/name or name', () => {
    assert.equal(objectKey({ metadata: { namespace: 'ns', name: 'a' } }), 'ns/a');
    assert.equal(objectKey({ metadata: { name: 'n1' } }), 'n1');
    assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
    assert.deepEqual(splitKey('n1'), { namespace: '', name: 'n1' });
    assert.throws(() => splitKey('a/b/c'));
  });
});

describe('Informer', () => {
  test('lists, syncs, then follows the watch; cache and indexes follow', async () => {
    const { client, informer, errors } = await setup({
      indexers: { byNode: (p) => [String((p.spec as { nodeName?: string }).nodeName ?? '')] },
    });
    await client.create(resources.pods, 'a', pod('a', 'p1', {}, 'n1'));
    await client.create(resources.pods, 'b', pod('b', 'p2', {}, 'n2'));
    const log = record(informer);
    const ac = new AbortController();
    assert.equal(informer.hasSynced(), false);
    const stopped = informer.start(ac.signal);
    assert.equal(await informer.waitForSync(ac.signal), true);
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(log.sort(), ['add a/p1', 'add b/p2']);
    log.length = 0;

    await until(() => client.watchCount === 1, 'the watch');
    await client.create(resources.pods, 'a', pod('a', 'p3', {}, 'n1'));
    const p1 = await client.get(resources.pods, 'a', 'p1');
    const p1b = await client.update<KubeObject>(resources.pods, 'a', { ...p1, metadata: { ...p1.metadata, labels: { v: '2' } } });
    await client.delete(resources.pods, 'b', 'p2');
    await until(() => log.length === 3, 'three events');
    assert.deepEqual(log, [
      'add a/p3',
      `update a/p1 ${p1.metadata?.resourceVersion}->${p1b.metadata?.resourceVersion}`,
      'delete b/p2',
    ]);
    assert.equal(informer.get('a', 'p1')?.metadata?.labels?.v, '2');
    assert.equal(informer.get('b', 'p2'), undefined);
    assert.deepEqual(informer.list('a').map(objectKey).sort(), ['a/p1', 'a/p3']);
    assert.equal(informer.list().length, 2);
    assert.deepEqual(informer.byIndex('byNode', 'n1').map(objectKey).sort(), ['a/p1', 'a/p3']);
    assert.deepEqual(informer.byIndex('byNode', 'n2'), []);
    assert.deepEqual(informer.byIndex(namespaceIndex, 'b'), []);
    assert.equal(informer.lastSyncResourceVersion(), client.currentRevision);
    assert.deepEqual(errors, []);
    ac.abort();
    await stopped;
    assert.equal(client.watchCount, 0);
  });

  test('re-watches from the last resourceVersion when a watch ends (no relist); bookmarks advance it', async () => {
    const { client, informer } = await setup();
    await client.create(resources.pods, 'a', pod('a', 'p1'));
    const log = record(informer);
    const ac = new AbortController();
    const stopped = informer.start(ac.signal);
    await until(() => client.watchCount === 1, 'the watch');
    await client.create(resources.configmaps, 'a', { metadata: { name: 'unrelated' } });
    client.bookmark(resources.pods);
    await until(() => informer.lastSyncResourceVersion() === client.currentRevision, 'the bookmark');
    client.endWatches();
    await client.create(resources.pods, 'a', pod('a', 'p2'));
    await until(() => log.includes('add a/p2'), 'the add after re-watch');
    assert.equal(client.actions.filter((a) => a.verb === 'list').length, 1);
    assert.equal(client.actions.filter((a) => a.verb === 'watch').length, 2);
    assert.deepEqual(log, ['add a/p1', 'add a/p2']);
    ac.abort();
    await stopped;
  });

  test('on 410 relists and reconciles: add, update and delete (with the last known object) for differences', async () => {
    const { clock, client, informer, errors } = await setup();
    await client.create(resources.pods, 'a', pod('a', 'keep'));
    await client.create(resources.pods, 'a', pod('a', 'change'));
    await client.create(resources.pods, 'a', pod('a', 'remove', { last: 'known' }));
    const log = record(informer);
    const deleted: KubeObject[] = [];
    informer.onDelete((o) => deleted.push(o));
    const ac = new AbortController();
    const stopped = informer.start(ac.signal);
    await until(() => client.watchCount === 1, 'the watch');
    log.length = 0;

    // The next watch fails, so changes pile up during the backoff and the history is compacted.
    client.failNext('watch', new StatusError(500, 'InternalError', 'down'));
    client.endWatches();
    await until(() => errors.length === 1, 'the watch error');
    const change = await client.get(resources.pods, 'a', 'change');
    const changed = await client.update<KubeObject>(resources.pods, 'a', { ...change, metadata: { ...change.metadata, labels: { x: 'y' } } });
    await client.delete(resources.pods, 'a', 'remove');
    await client.create(resources.pods, 'a', pod('a', 'new'));
    client.compactHistory();
    await clock.advanceAsync(800);
    await until(() => client.watchCount === 1 && log.length === 3, 'the relist');
    assert.deepEqual(log.sort(), [
      'add a/new',
      'delete a/remove',
      `update a/change ${change.metadata?.resourceVersion}->${changed.metadata?.resourceVersion}`,
    ]);
    assert.equal(deleted[0]?.metadata?.labels?.last, 'known');
    assert.deepEqual(informer.list().map(objectKey).sort(), ['a/change', 'a/keep', 'a/new']);
    assert.equal(client.actions.filter((a) => a.verb === 'list').length, 2);
    ac.abort();
    await stopped;
  });

  test('watches that keep ending without events are retried with backoff, not in a tight loop', async () => {
    const { clock, client, informer } = await setup();
    const ac = new AbortController();
    const stopped = informer.start(ac.signal);
    const watches = (): number => client.actions.filter((a) => a.verb === 'watch').length;
    await until(() => client.watchCount === 1, 'the watch');
    client.endWatches();
    await until(() => watches() === 2 && client.watchCount === 1, 'an immediate re-watch');
    client.endWatches();
    await settle(5);
    assert.equal(watches(), 2, 'the second empty watch waits');
    await clock.advanceAsync(800);
    await until(() => watches() === 3, 'the re-watch after backoff');
    ac.abort();
    await stopped;
  });

  test('backs off on the clock after list errors (800 ms doubling)', async () => {
    const { clock, client, informer, errors } = await setup();
    client.failNext('list', new StatusError(500, 'InternalError', 'a'));
    client.failNext('list', new StatusError(500, 'InternalError', 'b'));
    const ac = new AbortController();
    const stopped = informer.start(ac.signal);
    await until(() => errors.length === 1, 'the first error');
    await clock.advanceAsync(799);
    assert.equal(errors.length, 1);
    await clock.advanceAsync(1);
    assert.equal(errors.length, 2);
    await clock.advanceAsync(1599);
    assert.equal(informer.hasSynced(), false);
    await clock.advanceAsync(1);
    await until(() => informer.hasSynced(), 'the sync');
    ac.abort();
    await stopped;
  });

  test('resync re-delivers onUpdate(obj, obj) every period', async () => {
    const { clock, client, informer } = await setup({ resyncPeriodMs: 30_000 });
    await client.create(resources.pods, 'a', pod('a', 'p1'));
    const updates: [KubeObject, KubeObject][] = [];
    informer.onUpdate((a, b) => updates.push([a, b]));
    const ac = new AbortController();
    const stopped = informer.start(ac.signal);
    await informer.waitForSync(ac.signal);
    await clock.advanceAsync(29_999);
    assert.equal(updates.length, 0);
    await clock.advanceAsync(1);
    assert.equal(updates.length, 1);
    assert.equal(updates[0]?.[0], updates[0]?.[1]);
    await clock.advanceAsync(30_000);
    assert.equal(updates.length, 2);
    ac.abort();
    await stopped;
  });

  test('selectors: only matching objects are cached; moving out is a delete', async () => {
    const { client, informer } = await setup({ namespace: 'a', labelSelector: 'app=web' });
    await client.create(resources.pods, 'a', pod('a', 'web', { app: 'web' }));
    await client.create(resources.pods, 'a', pod('a', 'db', { app: 'db' }));
    await client.create(resources.pods, 'b', pod('b', 'web', { app: 'web' }));
    const log = record(informer);
    const ac = new AbortController();
    const stopped = informer.start(ac.signal);
    await informer.waitForSync(ac.signal);
    await until(() => client.watchCount === 1, 'the watch');
    assert.deepEqual(log, ['add a/web']);
    const web = await client.get(resources.pods, 'a', 'web');
    await client.update<KubeObject>(resources.pods, 'a', { ...web, metadata: { ...web.metadata, labels: { app: 'other' } } });
    await until(() => log.length === 2, 'the delete');
    assert.equal(log[1], 'delete a/web');
    assert.equal(informer.list().length, 0);
    ac.abort();
    await stopped;
  });

  test('a handler added after sync gets onAdd for cached objects; throwing handlers are reported', async () => {
    const { client, informer, errors } = await setup();
    await client.create(resources.pods, 'a', pod('a', 'p1'));
    informer.onAdd(() => {
      throw new Error('handler bug');
    });
    const ac = new AbortController();
    const stopped = informer.start(ac.signal);
    await informer.waitForSync(ac.signal);
    assert.equal(errors.length, 1);
    const late: string[] = [];
    informer.onAdd((o) => late.push(objectKey(o)));
    assert.deepEqual(late, ['a/p1']);
    ac.abort();
    await stopped;
  });

  test('waitForSync answers false when aborted first', async () => {
    const { informer } = await setup();
    const ac = new AbortController();
    const waiting = informer.waitForSync(ac.signal);
    ac.abort();
    assert.equal(await waiting, false);
  });
});

describe('InformerFactory', () => {
  test('shares one informer per type, namespace and selectors; starts and syncs them all', async () => {
    const clock = new FakeClock();
    const client = new MemoryClient({ clock });
    await client.create(resources.pods, 'a', pod('a', 'p1', {}, 'n1'));
    await client.create(resources.nodes, '', { metadata: { name: 'n1' } });
    const factory = new InformerFactory(client, { clock });
    const pods1 = factory.informerFor(resources.pods);
    const pods2 = factory.informerFor(resources.pods, {
      indexers: { byNode: (p) => [String((p.spec as { nodeName?: string }).nodeName ?? '')] },
    });
    const podsInA = factory.informerFor(resources.pods, { namespace: 'a' });
    const nodes = factory.informerFor(resources.nodes);
    assert.equal(pods1, pods2);
    assert.notEqual(pods1, podsInA);
    const ac = new AbortController();
    factory.start(ac.signal);
    factory.start(ac.signal);
    assert.equal(await factory.waitForSync(ac.signal), true);
    assert.equal(pods1.byIndex('byNode', 'n1').length, 1);
    assert.equal(nodes.get('', 'n1')?.metadata?.name, 'n1');
    assert.equal(client.actions.filter((a) => a.verb === 'list').length, 3);
    ac.abort();
  });
});
