import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseRuleset, desiredRuleset, serviceContribution, sliceOwner } from './desired-ruleset.js';
import { RulesetBuilder } from './ruleset-builder.js';
import { renderChanges, rulesetDelta } from './ruleset-delta.js';
import { renderRuleset } from './ruleset.js';
import { seedCluster, service, slice, testNode } from './testing.js';

type Cluster = ReturnType<typeof seedCluster>;

function contribute(builder: RulesetBuilder, cluster: Cluster, key: string): void {
  const svc = cluster.services.find((s) => `${s.metadata?.namespace}/${s.metadata?.name}` === key);
  const slices = cluster.endpointSlices.filter((s) => sliceOwner(s) === key);
  builder.set(key, svc ? serviceContribution(svc, slices, testNode) : undefined);
}

test('updating Services one by one gives the ruleset and the delta computed from scratch', () => {
  const before = seedCluster();
  const builder = new RulesetBuilder(baseRuleset(testNode));
  for (const key of ['default/cluster-service-test', 'default/cluster-service-02']) contribute(builder, before, key);
  assert.equal(renderRuleset(builder.ruleset()), renderRuleset(desiredRuleset({ ...before, node: testNode }).ruleset));
  builder.takeChanges();

  const after = seedCluster();
  after.endpointSlices[2]!.endpoints.pop();
  after.services.push(service('new', { clusterIP: '10.170.11.99', ports: [{ port: 53, protocol: 'UDP' }] }));
  after.endpointSlices.push(slice('new', 'new-a', [{ name: '', port: 5353, protocol: 'UDP' }], [{ ip: '10.42.0.30' }]));
  after.services.splice(0, 1);
  for (const key of ['default/cluster-service-02', 'default/new', 'default/cluster-service-test']) contribute(builder, after, key);
  const fromScratch = rulesetDelta(desiredRuleset({ ...before, node: testNode }).ruleset, desiredRuleset({ ...after, node: testNode }).ruleset);
  assert.equal(renderChanges('ip', 'skiff', builder.takeChanges()).text, fromScratch?.text);
  assert.equal(renderChanges('ip', 'skiff', builder.takeChanges()).text, '', 'changes are taken once');

  builder.compact();
  assert.equal(renderRuleset(builder.ruleset()), renderRuleset(desiredRuleset({ ...after, node: testNode }).ruleset), 'unused maps and chains go');
});

test('a frontend two Services claim goes to the first by name; the other is reported', () => {
  const cluster = seedCluster();
  cluster.services.push(service('zz-copy', { clusterIP: '10.170.11.11', ports: [{ name: 'abc', port: 80 }] }));
  const { ruleset, skipped } = desiredRuleset({ ...cluster, node: testNode });
  assert.equal(ruleset.maps.get('frontends')?.elements.get('10.170.11.11 . tcp . 80'), 'goto endpoints-2');
  assert.deepEqual(skipped, [{ service: 'default/zz-copy', reason: '10.170.11.11 tcp 80 is already served for default/cluster-service-test' }]);
});

test('compact after a round that emptied a map drops it without failing', () => {
  const builder = new RulesetBuilder(baseRuleset(testNode));
  const { services, endpointSlices } = seedCluster();
  const key = 'default/cluster-service-02';
  const svc = services[1]!;
  builder.set(key, serviceContribution(svc, [endpointSlices[2]!], testNode));
  builder.takeChanges();
  const shrunk = { ...endpointSlices[2]!, endpoints: endpointSlices[2]!.endpoints.slice(0, 3) };
  builder.set(key, serviceContribution(svc, [shrunk], testNode));
  builder.compact();
  assert.equal(builder.ruleset().maps.has('endpoints-4'), false);
  assert.equal(builder.ruleset().maps.get('endpoints-3')?.elements.size, 3);
});
