import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addResources, exceededResources, formatResources, objectUsage, podConstraintsError, podUsage, quotaUsage } from './quota.js';

const pod = (containers: { name: string; requests?: Record<string, string>; limits?: Record<string, string> }[], phase = 'Running') => ({
  spec: { containers: containers.map((c) => ({ name: c.name, resources: { requests: c.requests, limits: c.limits } })) },
  status: { phase },
});

test('a pod uses its count and the sums of its containers’ requests and limits, exactly', () => {
  const usage = podUsage(pod([{ name: 'a', requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1' } }, { name: 'b', requests: { cpu: '0.2' } }]));
  assert.deepEqual(usage, { pods: '1', 'count/pods': '1', 'requests.cpu': '300m', cpu: '300m', 'requests.memory': '64Mi', memory: '64Mi', 'limits.cpu': '1' });
  assert.deepEqual(podUsage(pod([{ name: 'a' }], 'Succeeded')), {});
});

test('object counts, claims’ storage and Services’ NodePorts', () => {
  assert.deepEqual(objectUsage('', 'configmaps', {}), { 'count/configmaps': '1', configmaps: '1' });
  assert.deepEqual(objectUsage('apps', 'deployments', {}), { 'count/deployments.apps': '1' });
  assert.deepEqual(objectUsage('', 'persistentvolumeclaims', { spec: { resources: { requests: { storage: '1Gi' } } } })['requests.storage'], '1Gi');
  assert.equal(objectUsage('', 'services', { spec: { type: 'NodePort', ports: [{}, {}] } })['services.nodeports'], '2');
});

test('usage restricted to the quota’s names; comparison and upstream’s text', () => {
  const hard = { pods: '2', 'requests.cpu': '1' };
  const used = quotaUsage(hard, [podUsage(pod([{ name: 'a', requests: { cpu: '500m' } }])), podUsage(pod([{ name: 'b', requests: { cpu: '250m' } }]))]);
  assert.deepEqual(used, { pods: '2', 'requests.cpu': '750m' });
  const next = addResources(used, { pods: '1', 'requests.cpu': '250m' });
  assert.deepEqual(exceededResources(next, hard), ['pods']);
  assert.equal(formatResources({ pods: '2', 'requests.cpu': '750m' }), 'pods=2,requests.cpu=750m');
});

test('a quota on cpu or memory requires each container to set it', () => {
  const p = pod([{ name: 'nginx', requests: { cpu: '1' } }, { name: 'side' }]);
  assert.equal(podConstraintsError(p, { 'limits.cpu': '2', 'requests.cpu': '2' }), 'must specify limits.cpu for: nginx,side; requests.cpu for: side');
  assert.equal(podConstraintsError(p, { pods: '3' }), undefined);
});
