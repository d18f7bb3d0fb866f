import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateDiscovery, negotiateResource } from './negotiate.js';

const q = new URLSearchParams();

test('kubectl get asks for a Table first', () => {
  const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  assert.deepEqual(negotiateResource(accept, q), { kind: 'table', version: 'v1', includeObject: 'Metadata' });
});

test('protobuf first falls back to JSON; YAML is served; nothing acceptable is undefined', () => {
  assert.deepEqual(negotiateResource('application/vnd.kubernetes.protobuf, application/json', q), { kind: 'object', format: 'json' });
  assert.deepEqual(negotiateResource('application/yaml', q), { kind: 'object', format: 'yaml' });
  assert.deepEqual(negotiateResource(undefined, q), { kind: 'object', format: 'json' });
  assert.equal(negotiateResource('application/vnd.kubernetes.protobuf', q), undefined);
});

test('aggregated discovery v2, v2beta1, or the legacy form', () => {
  const v2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
  assert.equal(negotiateDiscovery(v2), 'v2');
  assert.equal(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
  assert.equal(negotiateDiscovery('application/json'), 'legacy');
});
