import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frontendIndex, frontendKey } from './frontend-index.js';
import { seedCluster, service, testNode } from './testing.js';

test('ClusterIP ports of the seed: each port by protocol, address and number; TCP ports labelled by number', () => {
  const index = frontendIndex(seedCluster().services, testNode);
  assert.deepEqual([...index].sort(), [
    ['tcp 10.170.11.11:80', { namespace: 'default', service: 'cluster-service-test', port: '80' }],
    ['tcp 10.170.11.11:99', { namespace: 'default', service: 'cluster-service-test', port: '99' }],
    ['tcp 10.170.11.88:80', { namespace: 'default', service: 'cluster-service-02', port: '80' }],
  ]);
});

test('NodePorts on the node addresses (not 127.0.0.0/8), load-balancer IPs, UDP labelled with its protocol', () => {
  const lb = service(
    'web',
    { type: 'LoadBalancer', clusterIP: '10.170.0.20', ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }, { name: 'q', port: 53, nodePort: 30053, protocol: 'UDP' }] },
    { status: { loadBalancer: { ingress: [{ ip: '192.168.50.200' }, { hostname: 'lb.example' }] } } },
    'shop',
  );
  const index = frontendIndex([lb], testNode);
  assert.deepEqual([...index.keys()].sort(), [
    'tcp 10.170.0.20:80',
    'tcp 192.168.50.200:80',
    'tcp 192.168.50.2:30080',
    'udp 10.170.0.20:53',
    'udp 192.168.50.200:53',
    'udp 192.168.50.2:30053',
  ]);
  assert.deepEqual(index.get(frontendKey('udp', '192.168.50.2', 30053)), { namespace: 'shop', service: 'web', port: '53/UDP' });
  assert.deepEqual(index.get(frontendKey('tcp', '192.168.50.200', 80)), { namespace: 'shop', service: 'web', port: '80' });
});

test('ports the proxy does not serve are absent; a frontend two Services name is the first one\'s by namespace/name', () => {
  const index = frontendIndex(
    [
      service('b-second', { clusterIP: '10.170.0.30', ports: [{ port: 80 }] }),
      service('a-first', { clusterIP: '10.170.0.30', ports: [{ port: 80 }, { name: 'sctp', port: 9, protocol: 'SCTP' }] }),
      service('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
      service('external', { type: 'ExternalName', externalName: 'example.org', ports: [{ port: 80 }] }),
      service('v6', { clusterIP: 'fd00::10', ports: [{ port: 80 }] }),
    ],
    testNode,
  );
  assert.deepEqual([...index], [['tcp 10.170.0.30:80', { namespace: 'default', service: 'a-first', port: '80' }]]);
});
