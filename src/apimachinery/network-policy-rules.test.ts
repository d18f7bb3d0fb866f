import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy, NetworkPolicySpec } from 'kubernetes-types/networking/v1.js';
import { ipBlockContains, judgeConnection, policyPortCovers, policyTypesOf, type ConnectionEnd } from './network-policy-rules.js';

function pod(namespace: string, name: string, ip: string, labels: Record<string, string>, nodeName = 'n1'): Pod {
  return {
    metadata: { namespace, name, labels },
    spec: { nodeName, containers: [{ name: 'redis', ports: [{ name: 'redis', containerPort: 6379 }] }] },
    status: { phase: 'Running', podIP: ip },
  };
}

const policy = (namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy => ({ metadata: { namespace, name }, spec });
const end = (p: Pod): ConnectionEnd => ({ ip: p.status?.podIP ?? '', pod: p, nodeName: p.spec?.nodeName });

const client = pod('default', 'client', '10.42.0.5', { app: 'client' });
const other = pod('other', 'outsider', '10.42.1.5', { app: 'client' }, 'n2');
const redis = pod('default', 'redis', '10.42.1.9', { app: 'redis' }, 'n2');
const namespaces: Namespace[] = [{ metadata: { name: 'other', labels: { team: 'blue' } } }];

describe('judgeConnection', () => {
  it('allows everything when no policy selects either pod', () => {
    const v = judgeConnection([], [], { source: end(client), destination: end(redis), protocol: 'TCP', port: 6379 });
    assert.equal(v.allowed, true);
    assert.equal(v.ingress.reason, 'not-isolated');
    assert.equal(v.egress.reason, 'not-isolated');
  });

  it('denies ingress to an isolated pod no rule opens, and names the isolating policy', () => {
    const denyAll = policy('default', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'] });
    const v = judgeConnection([denyAll], [], { source: end(client), destination: end(redis), protocol: 'TCP', port: 6379 });
    assert.equal(v.allowed, false);
    assert.deepEqual(v.ingress, { allowed: false, reason: 'denied', isolatedBy: ['default/deny-all'], allowedBy: [] });
    assert.equal(v.egress.reason, 'not-isolated');
  });

  it('opens by pod selector, by namespace labels and by named port; other ports stay closed', () => {
    const fromClients = policy('default', 'redis-clients', {
      podSelector: { matchLabels: { app: 'redis' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 'redis' }] }],
    });
    const fromBlue = policy('default', 'blue-team', {
      podSelector: { matchLabels: { app: 'redis' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] }],
    });
    const judge = (source: Pod, port: number) => judgeConnection([fromClients, fromBlue], namespaces, { source: end(source), destination: end(redis), protocol: 'TCP', port });
    assert.deepEqual(judge(client, 6379).ingress.allowedBy, [{ policy: 'default/redis-clients', rule: 0 }]);
    assert.equal(judge(client, 8080).allowed, false, 'the named port is 6379 only');
    assert.deepEqual(judge(other, 8080).ingress.allowedBy, [{ policy: 'default/blue-team', rule: 0 }], 'the other namespace is blue');
    assert.equal(judgeConnection([fromClients], [], { source: end(other), destination: end(redis), protocol: 'TCP', port: 6379 }).allowed, false, 'a podSelector alone stays in the policy namespace');
  });

  it('judges egress of the source, ipBlocks on addresses', () => {
    const egress = policy('default', 'client-out', {
      podSelector: { matchLabels: { app: 'client' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.42.0.0/16', except: ['10.42.1.0/24'] } }] }],
    });
    const v = judgeConnection([egress], [], { source: end(client), destination: end(redis), protocol: 'TCP', port: 6379 });
    assert.deepEqual(v.egress, { allowed: false, reason: 'denied', isolatedBy: ['default/client-out'], allowedBy: [] });
    assert.equal(v.ingress.reason, 'not-isolated');
  });

  it('never judges a pod and its own node; another node is judged by its address', () => {
    const denyAll = policy('default', 'deny-all', { podSelector: {} });
    assert.equal(judgeConnection([denyAll], [], { source: { ip: '192.168.1.2', nodeName: 'n2' }, destination: end(redis), protocol: 'TCP', port: 6379 }).ingress.reason, 'own-node');
    assert.equal(judgeConnection([denyAll], [], { source: { ip: '192.168.1.1', nodeName: 'n1' }, destination: end(redis), protocol: 'TCP', port: 6379 }).allowed, false);
  });
});

describe('policy rule parts', () => {
  it('defaults policyTypes as upstream', () => {
    assert.deepEqual(policyTypesOf({ spec: { podSelector: {} } }), { ingress: true, egress: false });
    assert.deepEqual(policyTypesOf({ spec: { podSelector: {}, egress: [{}] } }), { ingress: true, egress: true });
    assert.deepEqual(policyTypesOf({ spec: { podSelector: {}, policyTypes: ['Egress'] } }), { ingress: false, egress: true });
  });

  it('covers ports by protocol, number, range and name', () => {
    assert.equal(policyPortCovers({ protocol: 'UDP' }, 'TCP', 53, undefined), false);
    assert.equal(policyPortCovers({}, 'TCP', 53, undefined), true);
    assert.equal(policyPortCovers({ port: 8000, endPort: 9000 }, 'TCP', 8080, undefined), true);
    assert.equal(policyPortCovers({ port: 8000 }, 'TCP', 8080, undefined), false);
    assert.equal(policyPortCovers({ port: 'redis' }, 'TCP', 6379, redis), true);
  });

  it('contains addresses in a CIDR minus its excepts', () => {
    assert.equal(ipBlockContains({ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }, '10.2.3.4'), true);
    assert.equal(ipBlockContains({ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }, '10.1.3.4'), false);
    assert.equal(ipBlockContains({ cidr: 'fd00::/8' }, '10.1.3.4'), false);
  });
});
