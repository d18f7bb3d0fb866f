import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  test('decimal SI, binary SI and exponents', () => {
    const cases: [string | number, number][] = [
      ['1', 1], ['100m', 0.1], ['1.5', 1.5], ['.5', 0.5], ['5.', 5], ['+2', 2], ['-1k', -1000],
      ['1M', 1e6], ['2G', 2e9], ['1T', 1e12], ['1P', 1e15], ['1E', 1e18], ['1n', 1e-9], ['1u', 1e-6],
      ['1Ki', 1024], ['1Mi', 1048576], ['1Gi', 2 ** 30], ['1Ti', 2 ** 40], ['1Pi', 2 ** 50], ['1Ei', 2 ** 60],
      ['1e3', 1000], ['1E3', 1000], ['5e-3', 0.005], [2, 2], [0.5, 0.5],
    ];
    for (const [input, value] of cases) {
      const parsed = parseQuantity(input);
      assert.ok(parsed, String(input));
      assert.ok(Math.abs(parsed.value - value) <= Math.abs(value) * 1e-12, `${String(input)} = ${parsed.value}`);
    }
  });
  test('rejects what upstream rejects', () => {
    for (const bad of ['', 'abc', '1KB', '1mi', '1 Gi', '1.2.3', 'Gi', '1e', '--1', '1K', null, {}]) {
      assert.equal(parseQuantity(bad), undefined, String(bad));
    }
  });
});
