import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { baseRuleset } from './desired-ruleset.js';
import { egressIsolatedSet, ingressIsolatedSet, policyContribution, policyId, policyRuleset, type PolicyInput } from './network-policy.js';
import { renderRuleset } from './ruleset.js';
import { RulesetBuilder } from './ruleset-builder.js';
import { rulesetDelta } from './ruleset-delta.js';
import { namespace, networkPolicy, pod, testNode } from './testing.js';

/** Golden files live beside the sources; UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../../src/proxy/testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

/**
 * node-a runs `web` (10.42.0.10, port `http` 8080) and `db` (10.42.0.11, port `http` 9090 and
 * `pg` 5432); `client` (role=client, 10.42.1.20) runs on node-b; `monitor` in namespace
 * `ops` (team=ops) on node-b; `other` (10.42.0.30) on node-a in `default` without policies
 * selecting it.
 */
function cluster(): Omit<PolicyInput, 'policies'> {
  return {
    node: testNode,
    namespaces: [namespace('default'), namespace('ops', { team: 'ops' })],
    pods: [
      pod('web', '10.42.0.10', { app: 'web' }, { ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('db', '10.42.0.11', { app: 'db' }, { ports: [{ name: 'http', containerPort: 9090 }, { name: 'pg', containerPort: 5432 }] }),
      pod('client', '10.42.1.20', { role: 'client' }, { node: 'node-b' }),
      pod('monitor', '10.42.1.21', { role: 'monitor' }, { node: 'node-b', namespace: 'ops' }),
      pod('other', '10.42.0.30', { app: 'other' }),
      pod('host-agent', '192.168.50.2', { app: 'web' }, { hostNetwork: true }),
      pod('finished', '10.42.0.99', { app: 'web' }, { phase: 'Succeeded' }),
    ],
  };
}

/** A default-deny for `app=web` and `app=db`, and what is let through. */
function policies(): PolicyInput['policies'] {
  return [
    networkPolicy('default-deny', { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] }, policyTypes: ['Ingress'] }),
    networkPolicy('web-from-clients', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: { role: 'client' } } }, { namespaceSelector: { matchLabels: { team: 'ops' } }, podSelector: { matchLabels: { role: 'monitor' } } }], ports: [{ protocol: 'TCP', port: 'http' }] },
        { from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.7.0/24', '192.168.9.0/24'] } }, { ipBlock: { cidr: 'fd00::/64' } }], ports: [{ protocol: 'TCP', port: 30000, endPort: 30100 }, { protocol: 'TCP', port: 443 }, { protocol: 'SCTP', port: 7777 }] },
      ],
    }),
    networkPolicy('db-egress', {
      podSelector: { matchLabels: { app: 'db' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 'pg' }] }],
      egress: [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }, { to: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
    }),
  ];
}

function elementsOf(input: PolicyInput, set: string): string[] {
  return [...(policyRuleset(input).maps.get(set)?.elements.keys() ?? [])].sort();
}

describe('NetworkPolicy model', () => {
  test('golden: sets of pods, rules per policy rule, drop counters', () => {
    golden('policy.nft', renderRuleset(policyRuleset({ ...cluster(), policies: policies() })));
    golden('policy-none.nft', renderRuleset(policyRuleset({ ...cluster(), policies: [] })));
  });

  test('only pods on this node that a policy selects are isolated, per direction', () => {
    const input = { ...cluster(), policies: policies() };
    // `other` stays open; `client` is on another node; host-network and finished pods are never selected.
    assert.deepEqual(elementsOf(input, ingressIsolatedSet), ['10.42.0.10', '10.42.0.11']);
    assert.deepEqual(elementsOf(input, egressIsolatedSet), ['10.42.0.11']);
    assert.deepEqual(elementsOf({ ...input, node: { nodeName: 'node-b' } }, ingressIsolatedSet), []);
    // Without policyTypes: Ingress, plus Egress when there are egress rules.
    const egressOnly = networkPolicy('egress', { podSelector: {}, egress: [{}] });
    assert.deepEqual(elementsOf({ ...cluster(), policies: [egressOnly] }, egressIsolatedSet), ['10.42.0.10', '10.42.0.11', '10.42.0.30']);
    const egressTypeOnly = networkPolicy('egress', { podSelector: {}, policyTypes: ['Egress'] });
    assert.deepEqual(elementsOf({ ...cluster(), policies: [egressTypeOnly] }, ingressIsolatedSet), []);
  });

  test('peers: podSelector in the policy namespace, namespaceSelector, both ANDed; named ports per destination pod', () => {
    const input = { ...cluster(), policies: policies() };
    const web = policyId(policies()[1]!);
    assert.deepEqual(elementsOf(input, `${web}-in-0-peers`), ['10.42.1.20', '10.42.1.21']);
    assert.deepEqual(elementsOf(input, `${web}-in-0-named`), ['10.42.0.10 . tcp . 8080']);
    const db = policyId(policies()[2]!);
    // namespaceSelector {}: every pod of every namespace; the named port `pg` only on db.
    assert.deepEqual(elementsOf(input, `${db}-in-0-peers`), ['10.42.0.10', '10.42.0.11', '10.42.0.30', '10.42.1.20', '10.42.1.21']);
    assert.deepEqual(elementsOf(input, `${db}-in-0-named`), ['10.42.0.11 . tcp . 5432']);
    // A pod selector alone does not reach into other namespaces.
    const sameNamespace = networkPolicy('p', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }, 'ops');
    assert.deepEqual(elementsOf({ ...cluster(), policies: [sameNamespace] }, `${policyId(sameNamespace)}-in-0-peers`), ['10.42.1.21']);
  });

  test('a pod change is only element changes; a policy change rewrites chains', () => {
    const before = policyRuleset({ ...cluster(), policies: policies() });
    const moved = cluster();
    moved.pods.push(pod('client-2', '10.42.1.22', { role: 'client' }, { node: 'node-b' }));
    moved.pods = moved.pods.filter((p) => p.metadata?.name !== 'db');
    const delta = rulesetDelta(before, policyRuleset({ ...moved, policies: policies() }));
    assert.ok(delta, 'a partial sync');
    golden('policy-delta-pods.nft', delta.text);

    const builder = new RulesetBuilder(baseRuleset(testNode));
    builder.set('part:network-policies', policyContribution({ ...cluster(), policies: policies() }));
    assert.equal(builder.takeRedeclared(), false, 'new chains are declarations, not changes');
    builder.set('part:network-policies', policyContribution({ ...moved, policies: policies() }));
    assert.equal(builder.takeRedeclared(), false);
    builder.set('part:network-policies', policyContribution({ ...moved, policies: policies().slice(0, 2) }));
    assert.equal(builder.takeRedeclared(), true, 'removing a policy changes the policy chains');
    assert.doesNotMatch(builder.ruleset().chains.get('policy-egress')!.rules.join('\n'), new RegExp(policyId(policies()[2]!)));
  });
});
