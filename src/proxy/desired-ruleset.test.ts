import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { desiredRuleset, type ProxyInput } from './desired-ruleset.js';
import { renderRuleset } from './ruleset.js';
import { rulesetDelta } from './ruleset-delta.js';
import { seedCluster, service, slice, testNode } from './testing.js';

/** Golden files live beside the sources; UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../../src/proxy/testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

function render(input: Omit<ProxyInput, 'node'>): string {
  return renderRuleset(desiredRuleset({ ...input, node: testNode }).ruleset);
}

function elements(input: Omit<ProxyInput, 'node'>, map: string): Map<string, string | undefined> {
  return desiredRuleset({ ...input, node: testNode }).ruleset.maps.get(map)?.elements ?? new Map();
}

function exposedCluster(): Omit<ProxyInput, 'node'> {
  const web = [{ name: 'http', port: 8080, protocol: 'TCP' as const }];
  return {
    services: [
      service('web-nodeport', { type: 'NodePort', clusterIP: '10.170.20.1', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] }),
      service(
        'web-lb-local',
        { type: 'LoadBalancer', clusterIP: '10.170.20.2', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30081 }] },
        { status: { loadBalancer: { ingress: [{ ip: '192.168.60.10' }] } } },
      ),
      service('remote-only-local', { type: 'NodePort', clusterIP: '10.170.20.3', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30082 }] }),
      service('no-endpoints', { clusterIP: '10.170.20.4', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
      service('internal-local', { clusterIP: '10.170.20.5', internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80 }] }),
      service('sctp', { clusterIP: '10.170.20.6', ports: [{ name: 'assoc', port: 9999, protocol: 'SCTP' }, { name: 'http', port: 80 }] }),
      service('headless', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
      service('external-name', { type: 'ExternalName', externalName: 'example.invalid' }),
    ],
    endpointSlices: [
      slice('web-nodeport', 'web-nodeport-a', web, [{ ip: '10.42.0.10' }, { ip: '10.42.1.10', node: 'node-b' }]),
      slice('web-lb-local', 'web-lb-local-a', web, [{ ip: '10.42.0.11' }, { ip: '10.42.1.11', node: 'node-b' }]),
      slice('remote-only-local', 'remote-only-local-a', web, [{ ip: '10.42.1.12', node: 'node-b' }]),
      slice('internal-local', 'internal-local-a', web, [{ ip: '10.42.1.13', node: 'node-b' }]),
      slice('sctp', 'sctp-a', web, [{ ip: '10.42.0.14' }]),
      slice('headless', 'headless-a', web, [{ ip: '10.42.0.15' }]),
    ],
  };
}

function affinityCluster(): Omit<ProxyInput, 'node'> {
  const http = [{ name: '', port: 8080, protocol: 'TCP' as const }];
  const terminating = { ready: false, serving: true, terminating: true };
  return {
    services: [
      service('sticky', { clusterIP: '10.170.30.1', sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 8080 }] }),
      service('sticky-short', {
        clusterIP: '10.170.30.2',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
        ports: [{ port: 80, targetPort: 8080 }],
      }),
      service('draining', { clusterIP: '10.170.30.3', ports: [{ port: 80, targetPort: 8080 }] }),
      service('mixed', { clusterIP: '10.170.30.4', ports: [{ port: 80, targetPort: 8080 }] }),
    ],
    endpointSlices: [
      slice('sticky', 'sticky-a', http, [{ ip: '10.42.0.20' }, { ip: '10.42.1.20', node: 'node-b' }]),
      slice('sticky-short', 'sticky-short-a', http, [{ ip: '10.42.0.21' }, { ip: '10.42.1.21', node: 'node-b' }, { ip: '10.42.1.22', node: 'node-b' }]),
      // No ready endpoint: the serving-but-terminating ones take the traffic.
      slice('draining', 'draining-a', http, [{ ip: '10.42.0.23', conditions: terminating }, { ip: '10.42.0.24', conditions: { ready: false, serving: false, terminating: true } }]),
      // A ready endpoint: terminating ones get nothing.
      slice('mixed', 'mixed-a', http, [{ ip: '10.42.0.25' }, { ip: '10.42.0.26', conditions: terminating }]),
    ],
  };
}

describe('desiredRuleset', () => {
  test('an empty cluster still rejects and drops in the Service CIDR', () => {
    golden('empty.nft', render({ services: [], endpointSlices: [] }));
  });

  test("the seed's Services: several ports, targetPort per endpoint from the slices", () => {
    const seed = seedCluster();
    golden('seed.nft', render(seed));
    const endpoints = elements(seed, 'endpoints-2');
    // `abc` reaches 8080 on one pod and 8081 on the pod whose slice names its port 8081.
    assert.equal(endpoints.get('10.170.11.11 . tcp . 80 . 0'), '10.42.0.7 . 8080');
    assert.equal(endpoints.get('10.170.11.11 . tcp . 80 . 1'), '10.42.1.9 . 8081');
    assert.equal(endpoints.get('10.170.11.11 . tcp . 99 . 1'), '10.42.1.9 . 6379');
    // 6379 is no port of the Service: no frontend, so the cluster-ips rule rejects it.
    assert.equal(elements(seed, 'frontends').has('10.170.11.11 . tcp . 6379'), false);
    assert.equal(elements(seed, 'cluster-ips').has('10.170.11.11'), true);
  });

  test('NodePort and LoadBalancer, traffic policies, no endpoints, skipped protocols', () => {
    const cluster = exposedCluster();
    golden('nodeport-loadbalancer.nft', render(cluster));
    const frontends = elements(cluster, 'frontends');
    assert.equal(frontends.get('192.168.50.2 . tcp . 30080'), 'goto endpoints-2');
    assert.equal(frontends.has('127.0.0.1 . tcp . 30080'), false, 'no NodePort on 127.0.0.1');
    // externalTrafficPolicy Local: the local endpoint only, client IP kept (not masqueraded).
    assert.equal(frontends.get('192.168.60.10 . tcp . 80'), 'goto endpoints-1');
    assert.equal(elements(cluster, 'masquerade-frontends').has('192.168.60.10 . tcp . 80'), false);
    assert.equal(elements(cluster, 'masquerade-frontends').has('192.168.50.2 . tcp . 30080'), true);
    const empty = elements(cluster, 'no-endpoint-frontends');
    assert.equal(empty.get('192.168.50.2 . tcp . 30082'), 'drop');
    assert.equal(empty.get('10.170.20.4 . udp . 53'), 'goto reject-chain');
    assert.equal(empty.get('10.170.20.5 . tcp . 80'), 'drop');
    assert.deepEqual(desiredRuleset({ ...cluster, node: testNode }).skipped, [
      { service: 'default/sctp', port: 'assoc', reason: 'protocol SCTP is not supported by the Service proxy' },
    ]);
  });

  test('sessionAffinity ClientIP with its timeout; terminating endpoints only when none is ready', () => {
    const cluster = affinityCluster();
    golden('affinity.nft', render(cluster));
    const frontends = elements(cluster, 'frontends');
    assert.equal(frontends.get('10.170.30.1 . tcp . 80'), 'goto endpoints-2-affinity-10800');
    assert.equal(frontends.get('10.170.30.2 . tcp . 80'), 'goto endpoints-3-affinity-60');
    assert.equal(frontends.get('10.170.30.3 . tcp . 80'), 'goto endpoints-1');
    assert.equal(elements(cluster, 'endpoints-1').get('10.170.30.3 . tcp . 80 . 0'), '10.42.0.23 . 8080');
    assert.equal(elements(cluster, 'endpoints-1').get('10.170.30.4 . tcp . 80 . 0'), '10.42.0.25 . 8080');
  });
});

describe('rulesetDelta', () => {
  const seed = seedCluster();
  const before = desiredRuleset({ ...seed, node: testNode }).ruleset;
  const after = (change: (cluster: ReturnType<typeof seedCluster>) => void) => {
    const cluster = seedCluster();
    change(cluster);
    return desiredRuleset({ ...cluster, node: testNode }).ruleset;
  };

  test('an endpoint replaced: one element changes in place', () => {
    const delta = rulesetDelta(before, after((c) => (c.endpointSlices[2]!.endpoints[3]!.addresses = ['10.42.1.16'])));
    assert.ok(delta);
    golden('delta-endpoint-replaced.nft', delta.text);
    assert.equal(delta.elementChanges, 2);
  });

  test('an endpoint removed: the frontend moves to the map of its new endpoint count', () => {
    const delta = rulesetDelta(before, after((c) => c.endpointSlices[2]!.endpoints.pop()));
    assert.ok(delta);
    golden('delta-endpoint-removed.nft', delta.text);
    // endpoints-4 is left in place, emptied, so the next delta can use it again.
    assert.equal(delta.applied.maps.get('endpoints-4')?.elements.size, 0);
    const back = rulesetDelta(delta.applied, before);
    assert.ok(back);
    assert.doesNotMatch(back.text, /add (map|chain)/);
  });

  test('a Service added, and one deleted', () => {
    const added = rulesetDelta(before, after((c) => {
      c.services.push(service('new', { clusterIP: '10.170.11.99', ports: [{ port: 53, protocol: 'UDP' }] }));
      c.endpointSlices.push(slice('new', 'new-a', [{ name: '', port: 5353, protocol: 'UDP' }], [{ ip: '10.42.0.30' }]));
    }));
    assert.ok(added);
    golden('delta-service-added.nft', added.text);
    const deleted = rulesetDelta(before, after((c) => c.services.splice(1, 1)));
    assert.ok(deleted);
    golden('delta-service-deleted.nft', deleted.text);
  });

  test('no change: empty text; new node facts: a full sync is needed', () => {
    assert.equal(rulesetDelta(before, after(() => undefined))?.text, '');
    const moved = desiredRuleset({ ...seed, node: { ...testNode, serviceCIDR: '10.171.0.0/16' } }).ruleset;
    assert.equal(rulesetDelta(before, moved), undefined);
  });
});
