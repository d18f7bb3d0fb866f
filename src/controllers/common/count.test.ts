import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specCount } from './count.js';

test('specCount keeps whole counts and meets stored nonsense with the default or a bound', () => {
  assert.equal(specCount(3, 1), 3);
  assert.equal(specCount(undefined, 1), 1);
  assert.equal(specCount(null, 1), 1);
  assert.equal(specCount('3', 1), 1);
  assert.equal(specCount(1.5, 1), 1);
  assert.equal(specCount(-4, 1), 0);
  assert.equal(specCount(Infinity, 1), 1);
  assert.equal(specCount(2147483648, 1), 2147483648);
});
