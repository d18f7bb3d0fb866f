import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJSONPatch, JSONPatchError } from './jsonpatch.js';
import { applyMergePatch, MergePatchError } from './mergepatch.js';

function patchError(fn: () => unknown): JSONPatchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof JSONPatchError) return e;
    throw e;
  }
  assert.fail('expected a JSONPatchError');
}

describe('applyJSONPatch', () => {
  const doc = { metadata: { name: 'a', labels: { 'app/x': '1', 'm~n': '2' } }, spec: { list: [1, 2, 3] } };

  test('add, remove, replace, move, copy, test', () => {
    const out = applyJSONPatch(doc, [
      { op: 'add', path: '/spec/list/-', value: 4 },
      { op: 'add', path: '/spec/list/0', value: 0 },
      { op: 'remove', path: '/metadata/labels/app~1x' },
      { op: 'replace', path: '/metadata/labels/m~0n', value: 'z' },
      { op: 'copy', from: '/metadata/name', path: '/spec/name' },
      { op: 'move', from: '/spec/list', path: '/spec/items' },
      { op: 'test', path: '/spec/items', value: [0, 1, 2, 3, 4] },
    ]);
    assert.deepEqual(out, { metadata: { name: 'a', labels: { 'm~n': 'z' } }, spec: { name: 'a', items: [0, 1, 2, 3, 4] } });
    assert.deepEqual(doc.spec.list, [1, 2, 3], 'input untouched');
  });

  test('failed test is a 422 with upstream message', () => {
    const e = patchError(() => applyJSONPatch(doc, [{ op: 'test', path: '/metadata/name', value: 'b' }]));
    assert.equal(e.code, 'TestFailed');
    assert.equal(e.message, 'testing value /metadata/name failed: test failed');
    assert.equal(e.httpStatus, 422);
    const status = e.toStatusError().toStatus();
    assert.equal(status.code, 422);
    assert.equal(status.reason, 'Invalid');
    assert.equal(status.message, 'the server rejected our request due to an error in our request');
  });

  test('missing paths and bad indices', () => {
    assert.equal(patchError(() => applyJSONPatch(doc, [{ op: 'replace', path: '/spec/nope', value: 1 }])).code, 'MissingPath');
    assert.equal(patchError(() => applyJSONPatch(doc, [{ op: 'remove', path: '/spec/nope' }])).code, 'MissingPath');
    assert.equal(patchError(() => applyJSONPatch(doc, [{ op: 'add', path: '/a/b', value: 1 }])).code, 'MissingPath');
    assert.equal(patchError(() => applyJSONPatch(doc, [{ op: 'add', path: '/spec/list/9', value: 1 }])).code, 'InvalidIndex');
    assert.equal(patchError(() => applyJSONPatch(doc, [{ op: 'remove', path: '/spec/list/3' }])).code, 'InvalidIndex');
  });

  test('malformed patch bodies are 400 BadRequest', () => {
    const e = patchError(() => applyJSONPatch(doc, { op: 'add' }));
    assert.equal(e.code, 'InvalidPatch');
    assert.equal(e.toStatusError().code, 400);
    assert.equal(patchError(() => applyJSONPatch(doc, [{ op: 'frob', path: '/a' }])).message, 'Unexpected kind: frob');
    assert.equal(patchError(() => applyJSONPatch(doc, [{ op: 'add', path: '/a', value: 1 }], { maxOperations: 0 })).httpStatus, 413);
  });
});

describe('applyMergePatch', () => {
  test('merges objects, null deletes, arrays replace', () => {
    const out = applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2], k: 'v' }, { a: { b: null, d: { e: 1 } }, l: [3], k: null });
    assert.deepEqual(out, { a: { c: 2, d: { e: 1 } }, l: [3] });
  });
  test('non-object patch is rejected with 400', () => {
    assert.throws(() => applyMergePatch({}, null), (e) => e instanceof MergePatchError && e.toStatusError().code === 400);
  });
});
