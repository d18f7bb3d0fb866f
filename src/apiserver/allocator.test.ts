import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../storage/sqlite.js';
import { AllocationError, clusterIPAllocator, nodePortAllocator } from './allocator.js';

test('a requested ClusterIP must be inside the range and free; release frees it', async () => {
  const store = SqliteStore.open(':memory:');
  const a = clusterIPAllocator(store, '10.170.0.0/16');
  await a.allocate('10.170.11.11');
  await assert.rejects(a.allocate('10.170.11.11'), (e: unknown) => e instanceof AllocationError && e.code === 'Taken');
  await assert.rejects(a.allocate('10.171.0.1'), (e: unknown) => e instanceof AllocationError && e.code === 'OutOfRange');
  await a.release('10.170.11.11');
  await a.allocate('10.170.11.11');
  await store.close();
});

test('allocateNext never gives an address twice, also to a second allocator on the same store', async () => {
  const store = SqliteStore.open(':memory:');
  const a = clusterIPAllocator(store, '10.0.0.0/29');
  const b = clusterIPAllocator(store, '10.0.0.0/29');
  const got = await Promise.all([a, b, a, b, a, b].map((x) => x.allocateNext()));
  assert.equal(new Set(got).size, 6);
  await assert.rejects(a.allocateNext(), (e: unknown) => e instanceof AllocationError && e.code === 'Full');
  await store.close();
});

test('NodePorts come from 30000-32767', async () => {
  const store = SqliteStore.open(':memory:');
  const p = nodePortAllocator(store);
  const port = Number(await p.allocateNext());
  assert.ok(port >= 30000 && port <= 32767);
  await assert.rejects(p.allocate('8080'), (e: unknown) => e instanceof AllocationError && e.code === 'OutOfRange');
  await store.close();
});
