import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncQueue } from '../storage/async-queue.js';
import type { WatchEvent } from '../storage/store.js';
import { WatchHub, type ObjectEvent } from './watch-hub.js';

/** A hub over a fake store whose changes the test writes; every event weighs `bytes`. */
function fakeHub(options: { historyBytes?: number; subscriberBytes?: number; historySize?: number; decodedHistory?: number }) {
  const changes = new AsyncQueue<WatchEvent>();
  let revision = 0;
  let lagging = 0;
  const hub = new WatchHub({
    ...options,
    watchStore: () => changes.drain(),
    currentRevision: async () => revision,
    decode: (e): ObjectEvent => ({
      type: 'MODIFIED',
      object: { metadata: { name: e.kv.key } },
      hasPrevious: false,
      previous: () => undefined,
      revision: e.revision,
      namespace: '',
      encoded: new Map(),
      bytes: e.kv.value.length,
    }),
    onLaggingWatcher: () => lagging++,
  });
  const write = (bytes: number) => {
    revision++;
    changes.push({ type: 'update', revision, kv: { key: `k${revision}`, value: 'x'.repeat(bytes), createRevision: 1, modRevision: revision } });
  };
  /** Lets the hub's loop take what was written. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { hub, write, settle, lagging: () => lagging };
}

test('a watcher that falls too many bytes behind is closed; one that keeps up is not', async () => {
  const { hub, write, settle, lagging } = fakeHub({ subscriberBytes: 1000 });
  const stop = new AbortController();
  const slow = await hub.subscribe('', 0, stop.signal);
  const fast = await hub.subscribe('', 0, stop.signal);
  assert.ok(slow && fast);
  const fastIt = fast[Symbol.asyncIterator]();
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) {
    write(300);
    await settle();
    const r = await fastIt.next();
    if (!r.done) seen.push(r.value.revision);
  }
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.equal(lagging(), 1);
  // The slow watcher's stream ends without its queued events: its client watches again.
  const got: number[] = [];
  for await (const e of slow) got.push(e.revision);
  assert.deepEqual(got, []);
  stop.abort();
  hub.stop();
});

test('the history keeps about its byte budget: a watch from before it is not replayed', async () => {
  const { hub, write, settle } = fakeHub({ historyBytes: 1000 });
  const stop = new AbortController();
  assert.ok(await hub.subscribe('', 0, stop.signal));
  for (let i = 0; i < 10; i++) write(300);
  await settle();
  assert.equal(await hub.subscribe('', 2, stop.signal), undefined);
  const recent = await hub.subscribe('', 7, stop.signal);
  assert.ok(recent);
  const it = recent[Symbol.asyncIterator]();
  assert.equal((await it.next()).value?.revision, 8);
  stop.abort();
  hub.stop();
});

test('a watch from an older revision of the history replays the same events as a recent one', async () => {
  const { hub, write, settle } = fakeHub({ decodedHistory: 2 });
  const stop = new AbortController();
  assert.ok(await hub.subscribe('', 0, stop.signal));
  for (let i = 0; i < 6; i++) write(10);
  await settle();
  // Revisions 2-4 are past the decoded part of the history: decoded again for this watcher.
  const replay = await hub.subscribe('', 1, stop.signal);
  assert.ok(replay);
  const it = replay[Symbol.asyncIterator]();
  const got: { revision: number; name?: string }[] = [];
  for (let i = 0; i < 5; i++) {
    const e = (await it.next()).value as ObjectEvent;
    got.push({ revision: e.revision, name: e.object.metadata?.name });
  }
  assert.deepEqual(got, [2, 3, 4, 5, 6].map((revision) => ({ revision, name: `k${revision}` })));
  stop.abort();
  hub.stop();
});

test('a replayed change of the history keeps the object it replaced', async () => {
  const changes = new AsyncQueue<WatchEvent>();
  let revision = 0;
  const hub = new WatchHub({
    decodedHistory: 1,
    watchStore: () => changes.drain(),
    currentRevision: async () => revision,
    decode: (e): ObjectEvent => ({
      type: e.prevKv ? 'MODIFIED' : 'ADDED',
      object: { metadata: { name: e.kv.key, labels: { value: e.kv.value } } },
      hasPrevious: e.prevKv !== undefined,
      previous: () => (e.prevKv ? { metadata: { name: e.prevKv.key, labels: { value: e.prevKv.value } } } : undefined),
      revision: e.revision,
      namespace: '',
      encoded: new Map(),
      bytes: e.kv.value.length,
    }),
  });
  const stop = new AbortController();
  assert.ok(await hub.subscribe('', 0, stop.signal));
  let prevKv: WatchEvent['kv'] | undefined;
  for (const value of ['a', 'b', 'c']) {
    revision++;
    const kv = { key: 'k', value, createRevision: 1, modRevision: revision };
    changes.push({ type: prevKv ? 'update' : 'create', revision, kv, ...(prevKv ? { prevKv: { ...prevKv } } : {}) });
    prevKv = kv;
  }
  await new Promise((resolve) => setImmediate(resolve));
  const replay = await hub.subscribe('', 0, stop.signal);
  assert.ok(replay);
  const it = replay[Symbol.asyncIterator]();
  const got: [string | undefined, string | undefined][] = [];
  for (let i = 0; i < 3; i++) {
    const e = (await it.next()).value as ObjectEvent;
    got.push([e.previous()?.metadata?.labels?.value, e.object.metadata?.labels?.value]);
  }
  assert.deepEqual(got, [[undefined, 'a'], ['a', 'b'], ['b', 'c']]);
  stop.abort();
  hub.stop();
});
