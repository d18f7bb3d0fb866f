import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneJSON, copyJSONShaped } from './json.js';

test('copyJSONShaped copies nested objects and arrays deeply', () => {
  const pod = { metadata: { name: 'p', labels: { app: 'a' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] }, status: { podIP: null, ready: true, n: 1.5 } };
  const copy = copyJSONShaped(pod);
  assert.deepEqual(copy, pod);
  copy.metadata.labels.app = 'b';
  copy.spec.containers[0]!.ports[0]!.containerPort = 81;
  assert.equal(pod.metadata.labels.app, 'a');
  assert.equal(pod.spec.containers[0]!.ports[0]!.containerPort, 80);
});

test('copyJSONShaped keeps a "__proto__" key of parsed JSON as an own key', () => {
  const parsed = JSON.parse('{"a":{"__proto__":{"x":1}}}') as { a: Record<string, unknown> };
  const copy = copyJSONShaped(parsed);
  assert.deepEqual(Object.keys(copy.a), ['__proto__']);
  assert.equal(Object.getPrototypeOf(copy.a), Object.prototype);
  assert.equal(JSON.stringify(copy), JSON.stringify(parsed));
});

test('copyJSONShaped copies what is not plain as structuredClone does, and refuses what it refuses', () => {
  const when = new Date(0);
  const copy = copyJSONShaped({ when, list: [undefined] });
  assert.ok(copy.when instanceof Date);
  assert.notEqual(copy.when, when);
  assert.equal(copy.when.getTime(), 0);
  assert.deepEqual(copy.list, [undefined]);
  assert.throws(() => copyJSONShaped({ f: () => 1 }), { name: 'DataCloneError' });
});

test('cloneJSON gives an equal, separate value', () => {
  const value = { a: [1, { b: 'c' }] };
  const copy = cloneJSON(value);
  assert.deepEqual(copy, value);
  assert.notEqual(copy.a, value.a);
});
