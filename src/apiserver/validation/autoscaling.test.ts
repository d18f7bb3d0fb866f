import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateHPA } from './autoscaling.js';

const base = (spec: Record<string, unknown>) => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3, ...spec },
});
const messages = (version: string, spec: Record<string, unknown>) => validateHPA(version, base(spec)).map((e) => `${e.field}: ${e.detail ?? e.type}`);

test('a valid HPA has no errors, in both versions', () => {
  assert.deepEqual(messages('v2', { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] }), []);
  assert.deepEqual(messages('v1', { targetCPUUtilizationPercentage: 50 }), []);
});

test('replica bounds as upstream', () => {
  assert.deepEqual(messages('v2', { minReplicas: 0 }), ['spec.minReplicas: must be greater than or equal to 1']);
  assert.deepEqual(messages('v2', { minReplicas: 4, maxReplicas: 3 }), ['spec.maxReplicas: must be greater than or equal to `minReplicas`']);
  assert.deepEqual(messages('v2', { minReplicas: undefined, maxReplicas: 0 }), ['spec.maxReplicas: must be greater than 0']);
});

test('metric sources and targets as upstream; v1 errors name the v2 fields, as upstream validates the internal form', () => {
  assert.deepEqual(messages('v2', { metrics: [{ type: 'Bogus' }] }), ['spec.metrics[0].type: FieldValueNotSupported']);
  assert.deepEqual(messages('v2', { metrics: [{ type: 'Resource' }] }), ['spec.metrics[0].resource: must populate information for the given metric source']);
  assert.deepEqual(messages('v2', { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] }), [
    'spec.metrics[0].resource.target.averageUtilization: must set either a target raw value or a target utilization',
  ]);
  assert.deepEqual(messages('v1', { targetCPUUtilizationPercentage: 0 }), ['spec.metrics[0].resource.target.averageUtilization: must be greater than 0']);
  assert.deepEqual(messages('v2', { scaleTargetRef: { kind: '', name: '' } }), ['spec.scaleTargetRef.kind: FieldValueRequired', 'spec.scaleTargetRef.name: FieldValueRequired']);
});
