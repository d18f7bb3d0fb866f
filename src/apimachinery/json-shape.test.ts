import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { measureJSON } from './json-shape.js';

test('depth and node counts of plain documents', () => {
  assert.deepEqual(measureJSON(3), { depth: 0, expandedNodes: 1, distinctNodes: 1 });
  assert.deepEqual(measureJSON({}), { depth: 1, expandedNodes: 1, distinctNodes: 1 });
  assert.deepEqual(measureJSON({ a: [1, { b: 'x' }], c: null }), { depth: 3, expandedNodes: 6, distinctNodes: 6 });
});

test('a document nested 100,000 deep is measured without overflowing the stack', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  assert.equal(measureJSON(deep).depth, 100_000);
});

test('YAML aliases: measured once, counted as they would expand', () => {
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++) laughs.push(`${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10).fill(`*${'abcdefgh'[i - 1]}`).join(', ')}]`);
  const shape = measureJSON(load(laughs.join('\n')));
  assert.ok(shape.expandedNodes > 10 ** 8, `expanded ${shape.expandedNodes}`);
  assert.ok(shape.distinctNodes < 200, `distinct ${shape.distinctNodes}`);
});

test('a document that refers to itself is refused', () => {
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  assert.throws(() => measureJSON(loop), /refers to itself/);
});
