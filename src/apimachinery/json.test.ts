import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneJSON, copyJSON, isJSONExact, jsonEqual } from './json.js';

test('copyJSON copies API objects deeply: the copy equals and shares nothing', () => {
  const obj = { kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' }, finalizers: ['f'] }, data: { k: 'v' }, n: 1, b: true, z: null };
  const copy = copyJSON(obj);
  assert.deepEqual(copy, obj);
  assert.notEqual(copy.metadata, obj.metadata);
  assert.notEqual(copy.metadata.finalizers, obj.metadata.finalizers);
  copy.metadata.labels.x = 'changed';
  assert.equal(obj.metadata.labels.x, 'y');
});

test('copyJSON keeps keys holding undefined, as structuredClone does', () => {
  const copy = copyJSON({ a: undefined, b: [undefined] });
  assert.ok(Object.hasOwn(copy, 'a'));
  assert.equal(copy.b.length, 1);
});

test('copyJSON keeps an own __proto__ key as a key, not a prototype', () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const copy = copyJSON(parsed);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal((copy as { polluted?: boolean }).polluted, undefined);
  assert.ok(jsonEqual(JSON.parse(JSON.stringify(copy)), parsed));
  assert.deepEqual(Object.keys(copy), ['__proto__', 'a']);
});

test('copyJSON copies values that are not plain JSON as structuredClone does', () => {
  const when = new Date(0);
  const copy = copyJSON({ when, bytes: new Uint8Array([1, 2]) });
  assert.ok(copy.when instanceof Date);
  assert.notEqual(copy.when, when);
  assert.equal(copy.when.getTime(), 0);
  assert.deepEqual([...copy.bytes], [1, 2]);
});

test('isJSONExact: true only for values a JSON round trip gives back unchanged', () => {
  assert.equal(isJSONExact({ a: [1, 'x', true, null, { b: 2.5 }] }), true);
  assert.equal(isJSONExact({ a: undefined }), false);
  assert.equal(isJSONExact([undefined]), false);
  assert.equal(isJSONExact({ n: Number.NaN }), false);
  assert.equal(isJSONExact({ n: -0 }), false);
  assert.equal(isJSONExact({ d: new Date(0) }), false);
  assert.equal(isJSONExact(JSON.parse('{"__proto__": 1}')), false);
});

test('cloneJSON gives an equal, separate value', () => {
  const value = { a: [1, { b: 'c' }] };
  const copy = cloneJSON(value);
  assert.deepEqual(copy, value);
  assert.notEqual(copy.a, value.a);
});
