import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersionPriority, customDefinitionName, customResourceDefinitions, customResourceTypes } from './served-versions.js';

describe('served versions of a CRD', () => {
  test("upstream's version priority", () => {
    assert.deepEqual(['v1alpha1', 'v1beta1', 'v2', 'v1', 'foo', 'v1beta2'].sort(compareVersionPriority), ['v2', 'v1', 'v1beta2', 'v1beta1', 'v1alpha1', 'foo']);
  });
  test('one type per served version, preferred first, with subresources and columns', () => {
    const types = customResourceTypes({
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          { name: 'v1beta1', served: true, storage: false },
          { name: 'v1', served: true, storage: true, subresources: { status: {}, scale: { specReplicasPath: '.spec.r', statusReplicasPath: '.status.r' } } },
          { name: 'v1alpha1', served: false, storage: false },
        ],
      },
    });
    assert.deepEqual(types.map((t) => t.version), ['v1', 'v1beta1']);
    assert.deepEqual(types[0].subresources.map((s) => s.name), ['scale', 'status']);
    assert.equal(types[0].namespaced, false);
    assert.equal(types[1].custom?.storageVersion, 'v1');
    assert.equal(customDefinitionName('example.com', 'v1', 'Widget'), 'com.example.v1.Widget');
    const defs = customResourceDefinitions(types[0]);
    assert.deepEqual(Object.keys(defs), ['com.example.v1.Widget', 'com.example.v1.WidgetList']);
    assert.deepEqual(defs['com.example.v1.Widget']['x-kubernetes-group-version-kind'], [{ group: 'example.com', version: 'v1', kind: 'Widget' }]);
  });
});
