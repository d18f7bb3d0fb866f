import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutManagedFields } from './trim-managed-fields.js';

test('withoutManagedFields drops metadata.managedFields without touching the original', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', labels: { app: 'a' }, managedFields: [{ manager: 'kubectl', operation: 'Update' }] },
    spec: { nodeName: 'n1' },
  };
  const trimmed = withoutManagedFields(pod);
  assert.deepEqual(trimmed, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'a' } }, spec: { nodeName: 'n1' } });
  assert.equal(pod.metadata.managedFields.length, 1);
});

test('withoutManagedFields returns an object without managedFields as it is', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
  assert.equal(withoutManagedFields(pod), pod);
});
