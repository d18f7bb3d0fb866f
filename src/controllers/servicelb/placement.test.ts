import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { placeLoadBalancers } from './placement.js';

function node(name: string, ip: string, labels: Record<string, string> = {}, ready = true): Node & KubeObject {
  return {
    metadata: { name, labels },
    status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function service(name: string, created: string, spec: Service['spec'] = {}, labels: Record<string, string> = {}): Service & KubeObject {
  return { metadata: { name, namespace: 'default', creationTimestamp: created, labels }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], ...spec } };
}

const ips = (placement: { ingress: { ip?: string }[] } | undefined): string[] => (placement?.ingress ?? []).map((i) => i.ip ?? '');

describe('placeLoadBalancers', () => {
  test('the older Service keeps a port on a shared node, whatever the input order; disjoint nodes do not clash', () => {
    const nodes = [node('a', '10.0.0.1'), node('b', '10.0.0.2'), node('c', '10.0.0.3', {}, false)];
    const older = service('z-older', '2026-01-01T00:00:00Z');
    const newer = service('a-newer', '2026-01-01T00:00:01Z');
    const placements = placeLoadBalancers({ services: [newer, older], nodes, readyEndpointNodes: () => new Set() });
    assert.deepEqual(ips(placements.get('default/z-older')), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(placements.get('default/a-newer'), {
      nodes: [],
      ingress: [],
      noNodes: false,
      clash: { holder: 'default/z-older', port: 80, protocol: 'TCP', node: 'a' },
    });
    // Same creation time: by name.
    const tie = placeLoadBalancers({ services: [service('b', '2026-01-01T00:00:00Z'), service('a', '2026-01-01T00:00:00Z')], nodes, readyEndpointNodes: () => new Set() });
    assert.equal(tie.get('default/b')?.clash?.holder, 'default/a');
    // Local Services on different nodes share the port.
    const local = (name: string) => service(name, '2026-01-01T00:00:00Z', { externalTrafficPolicy: 'Local' });
    const split = placeLoadBalancers({ services: [local('x'), local('y')], nodes, readyEndpointNodes: (s) => new Set([s.metadata?.name === 'x' ? 'a' : 'b']) });
    assert.deepEqual([ips(split.get('default/x')), ips(split.get('default/y'))], [['10.0.0.1'], ['10.0.0.2']]);
  });

  test("ServiceLB's node labels: enablelb narrows the nodes once any has it, lbpool matches Service and nodes; excluded nodes never serve", () => {
    const nodes = [
      node('a', '10.0.0.1', { 'svccontroller.k3s.cattle.io/enablelb': 'true', 'svccontroller.k3s.cattle.io/lbpool': 'one' }),
      node('b', '10.0.0.2', { 'svccontroller.k3s.cattle.io/enablelb': 'true', 'svccontroller.k3s.cattle.io/lbpool': 'two' }),
      node('c', '10.0.0.3'),
      node('d', '10.0.0.4', { 'svccontroller.k3s.cattle.io/enablelb': 'true', 'node.kubernetes.io/exclude-from-external-load-balancers': '' }),
    ];
    const placements = placeLoadBalancers({
      services: [service('all', '2026-01-01T00:00:00Z', { ports: [{ port: 81, protocol: 'TCP' }] }), service('pool', '2026-01-01T00:00:00Z', {}, { 'svccontroller.k3s.cattle.io/lbpool': 'two' })],
      nodes,
      readyEndpointNodes: () => new Set(),
    });
    assert.deepEqual(ips(placements.get('default/all')), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(ips(placements.get('default/pool')), ['10.0.0.2']);
  });
});
