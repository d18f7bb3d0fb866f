import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boolParam, optionalBoolParam, optionalIntParam } from './query-params.js';

test('boolean query parameters: only absence, "0" and "false" in any case are false, as upstream', () => {
  const q = (s: string) => new URLSearchParams(s);
  for (const on of ['watch=true', 'watch=True', 'watch=TRUE', 'watch=1', 'watch=', 'watch', 'watch=yes']) {
    assert.equal(boolParam(q(on), 'watch'), true, on);
  }
  for (const off of ['', 'watch=false', 'watch=False', 'watch=FALSE', 'watch=0', 'other=true']) {
    assert.equal(boolParam(q(off), 'watch'), false, off);
  }
  assert.equal(optionalBoolParam(q('x=1'), 'orphanDependents'), undefined);
  assert.equal(optionalBoolParam(q('orphanDependents=False'), 'orphanDependents'), false);
  assert.equal(optionalBoolParam(q('orphanDependents=True'), 'orphanDependents'), true);
});

test('integer query parameters: absent or empty is undefined, garbage is 400', () => {
  assert.equal(optionalIntParam(new URLSearchParams('limit=5'), 'limit'), 5);
  assert.equal(optionalIntParam(new URLSearchParams('limit='), 'limit'), undefined);
  assert.throws(() => optionalIntParam(new URLSearchParams('limit=x'), 'limit'), (e: { code?: number }) => e.code === 400);
});
