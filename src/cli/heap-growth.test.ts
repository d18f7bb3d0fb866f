import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundHeapGrowth } from './heap-growth.js';

test('sets the heap growing factor unless node was given one', () => {
  const set: string[] = [];
  const env = (execArgv: string[], nodeOptions = '') => ({ setFlags: (f: string) => set.push(f), execArgv, nodeOptions });
  assert.equal(boundHeapGrowth(100, env(['--max-old-space-size=4096'])), true);
  assert.deepEqual(set, ['--heap-growing-percent=100']);
  assert.equal(boundHeapGrowth(100, env(['--heap-growing-percent=30'])), false);
  assert.equal(boundHeapGrowth(100, env([], '--inspect --heap_growing_percent=50')), false);
  assert.deepEqual(set, ['--heap-growing-percent=100']);
});
