import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncQueue } from './async-queue.js';

test('items come out in order; end and fail finish the drain after the queued items', async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  q.push(2);
  q.end();
  q.push(3);
  const got: number[] = [];
  for await (const n of q.drain()) got.push(n);
  assert.deepEqual(got, [1, 2]);

  const failing = new AsyncQueue<number>();
  failing.push(1);
  failing.fail(new Error('gone'));
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const n of failing.drain()) seen.push(n);
  }, /gone/);
  assert.deepEqual(seen, [1]);
});

test('a consumed item is no longer held by the queue', async () => {
  const q = new AsyncQueue<object>();
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < 10; i++) {
    const item = { payload: new Array(1000).fill(i) };
    refs.push(new WeakRef(item));
    q.push(item);
  }
  const it = q.drain();
  for (let i = 0; i < 5; i++) await it.next();
  assert.equal(q.size, 5);
  // What the queue holds is exactly the unconsumed tail: the consumed slots are cleared.
  const held = (q as unknown as { items: (object | undefined)[] }).items.filter((x) => x !== undefined);
  assert.equal(held.length, 5);
  assert.ok(refs.slice(5).every((r, i) => held[i] === r.deref()));
});
