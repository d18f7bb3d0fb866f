import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { computePodQOS } from './qos.js';

function container(requests?: Record<string, string>, limits?: Record<string, string>): Container {
  return { name: 'c', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } };
}

function pod(containers: Container[], initContainers: Container[] = []): Pod {
  return { metadata: { name: 'p' }, spec: { containers, initContainers } };
}

describe('computePodQOS', () => {
  test('BestEffort without positive cpu or memory requests and limits', () => {
    assert.equal(computePodQOS(pod([container()])), 'BestEffort');
    assert.equal(computePodQOS(pod([container({ cpu: '0' }, { memory: '0' })])), 'BestEffort');
    assert.equal(computePodQOS(pod([container({ 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })])), 'BestEffort');
  });

  test('Guaranteed when every container limits cpu and memory and summed requests equal summed limits, exactly', () => {
    assert.equal(computePodQOS(pod([container({ cpu: '1', memory: '1Gi' }, { cpu: '1000m', memory: '1024Mi' })])), 'Guaranteed');
    assert.equal(computePodQOS(pod([container({ cpu: '0.1', memory: '1G' }, { cpu: '100m', memory: '1e9' })])), 'Guaranteed');
    // Sums, not per container: 100m + 200m of requests against 200m + 100m of limits.
    assert.equal(computePodQOS(pod([
      container({ cpu: '100m', memory: '1Gi' }, { cpu: '200m', memory: '1Gi' }),
      container({ cpu: '200m', memory: '1Gi' }, { cpu: '100m', memory: '1Gi' }),
    ])), 'Guaranteed');
    assert.equal(computePodQOS(pod([container({ cpu: '0.3', memory: '1Gi' }, { cpu: '0.1', memory: '1Gi' }), container({ cpu: '0', memory: '1Gi' }, { cpu: '0.2', memory: '1Gi' })])), 'Guaranteed');
  });

  test('Burstable otherwise', () => {
    assert.equal(computePodQOS(pod([container({ cpu: '100m' })])), 'Burstable');
    assert.equal(computePodQOS(pod([container(undefined, { cpu: '1', memory: '1Gi' })])), 'Burstable', 'limits alone (requests not defaulted)');
    assert.equal(computePodQOS(pod([container({ cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })])), 'Burstable');
    assert.equal(computePodQOS(pod([container({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }), container()])), 'Burstable');
    assert.equal(computePodQOS(pod([container({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })], [container({ cpu: '1' })])), 'Burstable');
    assert.equal(computePodQOS(pod([container({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1.0000000001Gi' })])), 'Burstable');
  });
});
