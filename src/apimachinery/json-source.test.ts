import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachSourceFacts, scanJSONSource, sourceFactsOf } from './json-source.js';

test('scanJSONSource finds duplicate fields and the literals of numbers JSON.parse changes, by field path', () => {
  const text = '{"a":{"b":1,"b":2},"list":[{"n":1.0},{"n":1e3,"s":"x\\"y","s":"z"}],"big":12345678901234567890,"ok":42}';
  const facts = scanJSONSource(text);
  assert.deepEqual(facts.duplicates, ['a.b', 'list[1].s']);
  assert.deepEqual([...facts.numberLiterals], [['list[0].n', '1.0'], ['list[1].n', '1e3'], ['big', '12345678901234567890']]);
});

test('facts kept on a decoded value are not written out', () => {
  const value = { a: 1 };
  attachSourceFacts(value, { duplicates: ['a'], numberLiterals: new Map() });
  assert.deepEqual(sourceFactsOf(value)?.duplicates, ['a']);
  assert.equal(JSON.stringify(value), '{"a":1}');
  assert.equal(sourceFactsOf({ ...value }), undefined);
});
