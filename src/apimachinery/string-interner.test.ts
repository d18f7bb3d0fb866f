import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StringInterner } from './string-interner.js';

test('decoded objects keep their values and share equal strings', () => {
  const interner = new StringInterner();
  const text = '{"spec":{"schedulerName":"default-scheduler","containers":[{"image":"busybox","args":["a","busybox"]}]},"n":1,"b":true,"z":null}';
  const first = interner.internAll(JSON.parse(text) as Record<string, unknown>);
  const second = interner.internAll(JSON.parse(text) as Record<string, unknown>);
  assert.deepEqual(first, JSON.parse(text));
  assert.deepEqual(second, JSON.parse(text));
  assert.equal(interner.intern('busybox'), 'busybox');
  assert.equal(interner.internAll('x'), 'x');
});

test('an own "__proto__" key stays a key holding its value', () => {
  const interner = new StringInterner();
  const obj = interner.internAll(JSON.parse('{"__proto__":"kept","a":["__proto__"]}') as Record<string, unknown>);
  assert.equal(Object.getPrototypeOf(obj), Object.prototype);
  assert.deepEqual(Object.keys(obj), ['__proto__', 'a']);
  assert.equal(Object.getOwnPropertyDescriptor(obj, '__proto__')?.value, 'kept');
});

test('the table starts over when full, and long strings are left out of it', () => {
  const interner = new StringInterner({ maxEntries: 2, maxLength: 4 });
  for (const s of ['a', 'b', 'c', 'abcdefgh', 'a']) assert.equal(interner.intern(s), s);
});
