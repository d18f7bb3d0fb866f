import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiVersionOf, controllerOf, controllerUIDIndexValues, groupVersionKind, newControllerRef } from './owner.js';

describe('owner references', () => {
  test('newControllerRef names the owner with controller and blockOwnerDeletion set', () => {
    const owner = { metadata: { name: 'web', namespace: 'default', uid: 'u-1' } };
    assert.deepEqual(newControllerRef(owner, { group: 'apps', version: 'v1', kind: 'ReplicaSet' }), {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web',
      uid: 'u-1',
      controller: true,
      blockOwnerDeletion: true,
    });
    assert.equal(newControllerRef(owner, { group: '', version: 'v1', kind: 'Service' }).apiVersion, 'v1');
  });

  test('apiVersion and GroupVersionKind convert both ways, the core group without a slash', () => {
    assert.deepEqual(groupVersionKind('apps/v1', 'Deployment'), { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.deepEqual(groupVersionKind('v1', 'Pod'), { group: '', version: 'v1', kind: 'Pod' });
    assert.equal(apiVersionOf(groupVersionKind('batch/v1', 'Job')), 'batch/v1');
  });

  test('the controller reference is the one with controller: true; objects without one index as orphans', () => {
    const ref = newControllerRef({ metadata: { name: 'j', uid: 'u-2' } }, { group: 'batch', version: 'v1', kind: 'Job' });
    const pod = { metadata: { namespace: 'ns', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u-0' }, ref] } };
    assert.equal(controllerOf(pod)?.uid, 'u-2');
    assert.deepEqual(controllerUIDIndexValues(pod), ['u-2']);
    assert.deepEqual(controllerUIDIndexValues({ metadata: { namespace: 'ns' } }), ['orphan/ns']);
  });
});
