import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxValueBytes, StorageError, type Store, type StorageErrorCode, type WatchEvent } from '../storage/store.js';

/** How the conformance suite gets stores of one backend. */
export interface StoreHarness {
  /** A store on a fresh, empty key space. */
  open(): Promise<Store>;
  /** Closes `store` and opens it again on the same data; absent when the backend is not persistent here. */
  reopen?(store: Store): Promise<Store>;
}

/**
 * Registers the behaviour every {@link Store} backend must share, as node:test
 * tests under `describe(name)`. Each test opens its own store and closes it.
 */
export function describeStoreConformance(name: string, harness: () => StoreHarness): void {
  describe(name, () => {
    const withStore = (title: string, body: (store: Store) => Promise<void>): void => {
      test(title, async () => {
        const store = await harness().open();
        try {
          await body(store);
        } finally {
          await store.close();
        }
      });
    };

    withStore('create, get, update and delete with revisions', async (store) => {
      const created = await store.create('/registry/pods/default/a', 'v1');
      assert.equal(created.key, '/registry/pods/default/a');
      assert.equal(created.value, 'v1');
      assert.equal(created.createRevision, created.modRevision);
      assert.equal(await store.currentRevision(), created.modRevision);
      assert.deepEqual(await store.get('/registry/pods/default/a'), created);

      const updated = await store.update('/registry/pods/default/a', 'v2', created.modRevision);
      assert.equal(updated.value, 'v2');
      assert.equal(updated.createRevision, created.createRevision);
      assert.ok(updated.modRevision > created.modRevision);
      assert.deepEqual(await store.get('/registry/pods/default/a'), updated);

      const deleted = await store.delete('/registry/pods/default/a', updated.modRevision);
      assert.equal(deleted.value, 'v2');
      assert.equal(deleted.createRevision, created.createRevision);
      assert.ok(deleted.modRevision > updated.modRevision);
      assert.equal(await store.currentRevision(), deleted.modRevision);
      assert.equal(await store.get('/registry/pods/default/a'), undefined);

      const recreated = await store.create('/registry/pods/default/a', 'v3');
      assert.ok(recreated.createRevision > deleted.modRevision);
      assert.equal(recreated.createRevision, recreated.modRevision);
    });

    withStore('a value past etcd\'s 1.5 MiB request limit is refused and changes nothing', async (store) => {
      const created = await store.create('/registry/configmaps/default/big', 'x'.repeat(maxValueBytes - 1024));
      const tooLarge = await assertStorageError(store.create('/registry/configmaps/default/bigger', 'x'.repeat(maxValueBytes + 1)), 'TooLarge');
      assert.equal(tooLarge.message, 'etcdserver: request is too large');
      // Multi-byte characters count as their UTF-8 bytes.
      await assertStorageError(store.update('/registry/configmaps/default/big', 'é'.repeat(maxValueBytes / 2 + 1), created.modRevision), 'TooLarge');
      assert.equal(await store.get('/registry/configmaps/default/bigger'), undefined);
      assert.deepEqual(await store.get('/registry/configmaps/default/big'), created);
      assert.equal(await store.currentRevision(), created.modRevision);
    });

    withStore('errors carry stable codes', async (store) => {
      const created = await store.create('/registry/pods/default/a', 'v1');
      await assertStorageError(store.create('/registry/pods/default/a', 'again'), 'KeyExists');
      await assertStorageError(store.update('/registry/pods/default/missing', 'v', 1), 'NotFound');
      await assertStorageError(store.update('/registry/pods/default/missing', 'v', 0), 'NotFound');
      await assertStorageError(store.delete('/registry/pods/default/missing'), 'NotFound');
      await assertStorageError(store.delete('/registry/pods/default/missing', 5), 'NotFound');

      const mismatch = await assertStorageError(
        store.update('/registry/pods/default/a', 'v2', created.modRevision + 100),
        'RevisionMismatch',
      );
      assert.deepEqual(mismatch.current, created);
      const deleteMismatch = await assertStorageError(
        store.delete('/registry/pods/default/a', created.modRevision - 1),
        'RevisionMismatch',
      );
      assert.deepEqual(deleteMismatch.current, created);
      // Failed writes leave the key alone.
      assert.deepEqual(await store.get('/registry/pods/default/a'), created);
      assert.equal(await store.currentRevision(), created.modRevision);

      await store.delete('/registry/pods/default/a');
      await assertStorageError(store.update('/registry/pods/default/a', 'v', created.modRevision), 'NotFound');
    });

    withStore('one revision sequence across key prefixes', async (store) => {
      const pod = await store.create('/registry/pods/default/a', 'pod');
      const service = await store.create('/registry/services/specs/default/a', 'svc');
      const pod2 = await store.create('/registry/pods/default/b', 'pod');
      assert.ok(pod.modRevision < service.modRevision);
      assert.ok(service.modRevision < pod2.modRevision);
      assert.equal(await store.currentRevision(), pod2.modRevision);
      const pods = await store.list('/registry/pods/');
      const services = await store.list('/registry/services/');
      assert.equal(pods.revision, pod2.modRevision);
      assert.equal(services.revision, pod2.modRevision);
    });

    withStore('list in key order, within the prefix, with count', async (store) => {
      await store.create('/registry/pods/ns2/b', 'b');
      await store.create('/registry/pods/ns1/a', 'a');
      await store.create('/registry/pods/ns1/c', 'c');
      await store.create('/registry/podsecuritypolicies/x', 'x');
      await store.create('/registry/pod', 'short');
      const deleted = await store.create('/registry/pods/ns1/gone', 'gone');
      await store.delete(deleted.key);

      const all = await store.list('/registry/pods/');
      assert.deepEqual(
        all.items.map((kv) => kv.key),
        ['/registry/pods/ns1/a', '/registry/pods/ns1/c', '/registry/pods/ns2/b'],
      );
      assert.equal(all.more, false);
      assert.deepEqual(
        (await store.list('/registry/pods/ns1/')).items.map((kv) => kv.value),
        ['a', 'c'],
      );
      assert.equal(await store.count('/registry/pods/'), 3);
      assert.equal(await store.count('/registry/pods/ns1/'), 2);
      assert.equal(await store.count('/registry/'), 5);
      assert.equal(await store.count('/registry/nothing/'), 0);
      assert.equal((await store.list('')).items.length, 5);
    });

    withStore('list pages with limit and startAfter', async (store) => {
      for (const name of ['e', 'a', 'd', 'b', 'c']) await store.create(`/registry/pods/default/${name}`, name);
      const first = await store.list('/registry/pods/', { limit: 2 });
      assert.deepEqual(first.items.map((kv) => kv.value), ['a', 'b']);
      assert.equal(first.more, true);
      const second = await store.list('/registry/pods/', {
        limit: 2,
        startAfter: first.items[1]?.key,
        revision: first.revision,
      });
      assert.deepEqual(second.items.map((kv) => kv.value), ['c', 'd']);
      assert.equal(second.more, true);
      assert.equal(second.revision, first.revision);
      const third = await store.list('/registry/pods/', { limit: 2, startAfter: second.items[1]?.key });
      assert.deepEqual(third.items.map((kv) => kv.value), ['e']);
      assert.equal(third.more, false);
      const exact = await store.list('/registry/pods/', { limit: 5 });
      assert.equal(exact.items.length, 5);
      assert.equal(exact.more, false);
    });

    withStore('list at an older revision answers the state then', async (store) => {
      const a = await store.create('/registry/pods/default/a', 'a1');
      const b = await store.create('/registry/pods/default/b', 'b1');
      const snapshot = await store.currentRevision();
      await store.update(a.key, 'a2', a.modRevision);
      await store.delete(b.key);
      await store.create('/registry/pods/default/c', 'c1');

      const then = await store.list('/registry/pods/', { revision: snapshot });
      assert.equal(then.revision, snapshot);
      assert.deepEqual(then.items, [a, b]);
      const before = await store.list('/registry/pods/', { revision: a.modRevision });
      assert.deepEqual(before.items, [a]);
      const now = await store.list('/registry/pods/');
      assert.deepEqual(now.items.map((kv) => kv.value), ['a2', 'c1']);
      await assertStorageError(
        store.list('/registry/pods/', { revision: (await store.currentRevision()) + 1000 }),
        'FutureRevision',
      );
    });

    withStore('watch replays from a revision, then continues live, in order', async (store) => {
      const a = await store.create('/registry/pods/default/a', 'a1');
      const a2 = await store.update(a.key, 'a2', a.modRevision);
      const controller = new AbortController();
      const events = store.watch('/registry/pods/', a.modRevision - 1, controller.signal)[Symbol.asyncIterator]();
      try {
        const replayed = await take(events, 2);
        assert.deepEqual(replayed[0], { type: 'create', revision: a.modRevision, kv: a });
        assert.deepEqual(replayed[1], { type: 'update', revision: a2.modRevision, kv: a2, prevKv: a });

        const b = await store.create('/registry/pods/default/b', 'b1');
        const deleted = await store.delete(a.key);
        const b2 = await store.update(b.key, 'b2', b.modRevision);
        const live = await take(events, 3);
        assert.deepEqual(live[0], { type: 'create', revision: b.modRevision, kv: b });
        assert.deepEqual(live[1], { type: 'delete', revision: deleted.modRevision, kv: deleted, prevKv: a2 });
        assert.deepEqual(live[2], { type: 'update', revision: b2.modRevision, kv: b2, prevKv: b });
      } finally {
        controller.abort();
      }
    });

    withStore('concurrent writes: one of racing creates or updates of a key wins, each write has its own revision, all are watched in order', async (store) => {
      const start = await store.currentRevision();
      const controller = new AbortController();
      const events = store.watch('/registry/pods/', start, controller.signal)[Symbol.asyncIterator]();
      try {
        const outcomes = await Promise.allSettled([
          ...Array.from({ length: 20 }, (_, i) => store.create(`/registry/pods/default/p${i}`, String(i))),
          ...Array.from({ length: 5 }, (_, i) => store.create('/registry/pods/default/contested', `c${i}`)),
        ]);
        const created = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
        assert.equal(created.length, 21);
        const losers = outcomes.filter((o) => o.status === 'rejected');
        for (const l of losers) assert.equal((l.reason as StorageError).code, 'KeyExists');
        const revisions = created.map((kv) => kv.modRevision);
        assert.equal(new Set(revisions).size, 21);
        const contested = (await store.get('/registry/pods/default/contested'))!;
        const updates = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => store.update(contested.key, `u${i}`, contested.modRevision)));
        assert.equal(updates.filter((o) => o.status === 'fulfilled').length, 1);
        for (const o of updates) if (o.status === 'rejected') assert.equal((o.reason as StorageError).code, 'RevisionMismatch');
        const watched = await take(events, 22);
        const watchedRevisions = watched.map((e) => e.revision);
        assert.deepEqual(watchedRevisions, [...watchedRevisions].sort((a, b) => a - b));
        for (const kv of created) if (kv.key !== contested.key) assert.deepEqual(await store.get(kv.key), kv);
        assert.equal(await store.currentRevision(), Math.max(...watchedRevisions));
      } finally {
        controller.abort();
      }
    });

    withStore('watch replay and live writes meet without gaps or duplicates', async (store) => {
      const start = await store.currentRevision();
      for (let i = 0; i < 50; i++) await store.create(`/registry/pods/default/p${i}`, String(i));
      const controller = new AbortController();
      const events = store.watch('/registry/pods/', start, controller.signal)[Symbol.asyncIterator]();
      try {
        const first = await take(events, 1);
        // Writes made while the watch is replaying must follow the replay exactly once.
        for (let i = 50; i < 100; i++) await store.create(`/registry/pods/default/p${i}`, String(i));
        const rest = await take(events, 99);
        const values = [...first, ...rest].map((event) => event.kv.value);
        assert.deepEqual(values, Array.from({ length: 100 }, (_, i) => String(i)));
        const revisions = [...first, ...rest].map((event) => event.revision);
        assert.deepEqual(revisions, [...revisions].sort((x, y) => x - y));
      } finally {
        controller.abort();
      }
    });

    withStore('watch filters by prefix', async (store) => {
      const start = await store.currentRevision();
      const controller = new AbortController();
      const events = store.watch('/registry/services/', start, controller.signal)[Symbol.asyncIterator]();
      try {
        await store.create('/registry/pods/default/a', 'pod');
        await store.create('/registry/servicesx/a', 'not a service');
        const service = await store.create('/registry/services/default/a', 'svc');
        const [event] = await take(events, 1);
        assert.deepEqual(event, { type: 'create', revision: service.modRevision, kv: service });
      } finally {
        controller.abort();
      }
    });

    withStore('aborting ends the watch iterator', async (store) => {
      const controller = new AbortController();
      const events = store.watch('/registry/pods/', await store.currentRevision(), controller.signal)[
        Symbol.asyncIterator
      ]();
      const created = await store.create('/registry/pods/default/a', 'a');
      assert.equal((await take(events, 1))[0]?.revision, created.modRevision);
      const pending = events.next();
      controller.abort();
      assert.deepEqual(await withDeadline(pending, 5000), { done: true, value: undefined });

      const already = new AbortController();
      already.abort();
      const none = store.watch('/registry/pods/', 0, already.signal)[Symbol.asyncIterator]();
      assert.equal((await withDeadline(none.next(), 5000)).done, true);
    });

    withStore('compaction keeps live values and refuses older revisions', async (store) => {
      const a = await store.create('/registry/pods/default/a', 'a1');
      const b = await store.create('/registry/pods/default/b', 'b1');
      const a2 = await store.update(a.key, 'a2', a.modRevision);
      await store.delete(b.key);
      const c = await store.create('/registry/pods/default/c', 'c1');
      const compactAt = c.modRevision;
      const a3 = await store.update(a.key, 'a3', a2.modRevision);

      await store.compact(compactAt);
      assert.ok((await store.compactedRevision()) >= compactAt);
      assert.deepEqual(await store.get(a.key), a3);
      assert.deepEqual((await store.list('/registry/pods/')).items, [a3, c]);
      // The compacted revision itself is still readable.
      assert.deepEqual((await store.list('/registry/pods/', { revision: compactAt })).items, [a2, c]);
      await assertStorageError(store.list('/registry/pods/', { revision: compactAt - 1 }), 'Compacted');
      await assertStorageError(firstEvent(store.watch('/registry/pods/', compactAt - 1, AbortSignal.timeout(10000))), 'Compacted');
      await assertStorageError(firstEvent(store.watch('/registry/pods/', 0, AbortSignal.timeout(10000))), 'Compacted');

      // Watching from the compacted revision still sees every later change, with prevKv.
      const controller = new AbortController();
      const events = store.watch('/registry/pods/', compactAt, controller.signal)[Symbol.asyncIterator]();
      try {
        const [update] = await take(events, 1);
        assert.deepEqual(update, { type: 'update', revision: a3.modRevision, kv: a3, prevKv: a2 });
      } finally {
        controller.abort();
      }
      // Compacting again at or below is harmless.
      await store.compact(compactAt);
      assert.deepEqual(await store.get(a.key), a3);
    });

    test('data survives close and reopen', async (context) => {
      const current = harness();
      if (!current.reopen) {
        context.skip('backend is not reopened here');
        return;
      }
      const store = await current.open();
      const start = await store.currentRevision();
      const a = await store.create('/registry/pods/default/a', 'a1');
      const a2 = await store.update(a.key, 'a2', a.modRevision);
      const b = await store.create('/registry/pods/default/b', 'b1');
      await store.delete(b.key);
      const revision = await store.currentRevision();
      const reopened = await current.reopen(store);
      try {
        assert.equal(await reopened.currentRevision(), revision);
        assert.deepEqual(await reopened.get(a.key), a2);
        assert.equal(await reopened.get(b.key), undefined);
        const next = await reopened.create('/registry/pods/default/c', 'c1');
        assert.equal(next.modRevision, revision + 1);
        const events = await take(
          reopened.watch('/registry/pods/', start, AbortSignal.timeout(10000))[Symbol.asyncIterator](),
          5,
        );
        assert.deepEqual(
          events.map((event) => event.type),
          ['create', 'update', 'create', 'delete', 'create'],
        );
      } finally {
        await reopened.close();
      }
    });
  });
}

/** Awaits `promise`, asserting it rejects with a StorageError of `code`; returns the error. */
export async function assertStorageError(promise: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StorageError, `expected a StorageError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected StorageError ${code}, but it succeeded`);
}

/** The next `count` events of a watch, failing if they do not arrive within `timeoutMs`. */
export async function take(
  events: AsyncIterator<WatchEvent>,
  count: number,
  timeoutMs = 10000,
): Promise<WatchEvent[]> {
  const deadline = Date.now() + timeoutMs;
  const taken: WatchEvent[] = [];
  while (taken.length < count) {
    const next = await withDeadline(events.next(), deadline - Date.now());
    if (next.done) assert.fail(`watch ended after ${taken.length} of ${count} events`);
    taken.push(next.value);
  }
  return taken;
}

/** The first event of a watch (for asserting that starting it fails). */
async function firstEvent(events: AsyncIterable<WatchEvent>): Promise<WatchEvent | undefined> {
  const next = await withDeadline(events[Symbol.asyncIterator]().next(), 10000);
  return next.done ? undefined : next.value;
}

async function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), Math.max(0, timeoutMs));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
