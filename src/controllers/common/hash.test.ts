import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fnv32a, podTemplateHash, safeEncodeString, stableStringify } from './hash.js';

describe('podTemplateHash', () => {
  test('FNV-32a matches the reference vectors', () => {
    assert.equal(fnv32a(new Uint8Array()), 0x811c9dc5);
    assert.equal(fnv32a(new TextEncoder().encode('a')), 0xe40c292c);
    assert.equal(fnv32a(new TextEncoder().encode('foobar')), 0xbf9cf968);
  });

  test('safe encoding maps digits into the vowel-free alphabet', () => {
    // '0'..'9' are char codes 48..57: indexes 21..26, then 0..3, of the alphabet.
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });

  test('stable under key order, sensitive to content and collision count', () => {
    const a = podTemplateHash({ metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    const b = podTemplateHash({ spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { tier: 'fe', app: 'web' } } });
    assert.equal(a, b);
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    const c = podTemplateHash({ metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } });
    assert.notEqual(a, c);
    const template = { spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    assert.notEqual(podTemplateHash(template, 1), podTemplateHash(template));
    assert.notEqual(podTemplateHash(template, 1), podTemplateHash(template, 2));
    assert.equal(podTemplateHash(template, 1), podTemplateHash(template, 1));
  });

  test('stableStringify sorts keys and drops undefined members', () => {
    assert.equal(stableStringify({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } }), '{"a":{"c":null,"d":[1,{"f":2}]},"b":1}');
  });
});
