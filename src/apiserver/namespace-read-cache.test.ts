import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NamespaceReadCache } from './namespace-read-cache.js';

test('a read is answered from memory until a write of its namespace starts; other namespaces keep theirs', async () => {
  const cache = new NamespaceReadCache();
  let reads = 0;
  const read = (value: string) => async () => {
    reads++;
    return { value };
  };
  assert.deepEqual(await cache.get('a', 'quotas a', read('one')), { value: 'one' });
  assert.deepEqual(await cache.get('a', 'quotas a', read('two')), { value: 'one' });
  assert.deepEqual(await cache.get('b', 'quotas b', read('b')), { value: 'b' });
  assert.equal(reads, 2);
  cache.touch('a');
  assert.deepEqual(await cache.get('a', 'quotas a', read('three')), { value: 'three' });
  assert.deepEqual(await cache.get('b', 'quotas b', read('other')), { value: 'b' });
  assert.equal(reads, 3);
});

test('a read that overlaps a write is not kept; errors are not kept; values are frozen', async () => {
  const cache = new NamespaceReadCache();
  let release!: () => void;
  const slow = cache.get('a', 'k', async () => {
    await new Promise<void>((resolve) => (release = resolve));
    return ['before the write'];
  });
  // A write starts and ends while the read is under way.
  cache.touch('a');
  cache.touch('a');
  release();
  assert.deepEqual(await slow, ['before the write']);
  assert.deepEqual(await cache.get('a', 'k', async () => ['after the write']), ['after the write']);

  await assert.rejects(cache.get('a', 'missing', async () => Promise.reject(new Error('not found'))));
  assert.deepEqual(await cache.get('a', 'missing', async () => 'found'), 'found');

  const shared = await cache.get('a', 'k', async () => ['unused']);
  assert.ok(Object.isFrozen(shared));
  assert.throws(() => (shared as string[]).push('x'));
});
