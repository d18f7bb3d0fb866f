import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateJsonPath, getPath, setPath } from './json-path.js';

describe('CRD JSONPath', () => {
  const obj = { spec: { replicas: 3, hosts: ['a', 'b'] }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False' }] } };
  test('fields, indexes, wildcards and filters', () => {
    assert.deepEqual(evaluateJsonPath(obj, '.spec.replicas'), [3]);
    assert.deepEqual(evaluateJsonPath(obj, '.spec.hosts[1]'), ['b']);
    assert.deepEqual(evaluateJsonPath(obj, '.spec.hosts[*]'), ['a', 'b']);
    assert.deepEqual(evaluateJsonPath(obj, '.status.conditions[?(@.type=="Ready")].status'), ['True']);
    assert.deepEqual(evaluateJsonPath(obj, '.status.missing.deeper'), []);
  });
  test('setPath makes the objects on the way', () => {
    const target: Record<string, unknown> = {};
    setPath(target, '.spec.scale.replicas', 4);
    assert.equal(getPath(target, '.spec.scale.replicas'), 4);
  });
});
