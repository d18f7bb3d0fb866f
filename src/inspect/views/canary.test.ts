import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { seedNetworkSnapshot, xmlProblems } from '../seed-fixtures/testing.js';
import type { ClusterSnapshot, TrafficSample } from '../snapshot.js';
import { canaryView, type CanaryModel } from './canary.js';

/** Golden files live in src/inspect/views/testdata; UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../../../src/inspect/views/testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

/**
 * The seed with uids as a cluster gives them: the fixture's pods name their ReplicaSet's uid and
 * the ReplicaSets their Deployment's, so give the owners those uids.
 */
function seed(): ClusterSnapshot {
  const snapshot = seedNetworkSnapshot();
  return {
    ...snapshot,
    deployments: snapshot.deployments.map((d) => ({ ...d, metadata: { ...d.metadata, uid: `uid-${d.metadata?.name}` } })),
    replicaSets: snapshot.replicaSets.map((rs) => ({ ...rs, metadata: { ...rs.metadata, uid: `uid-${rs.metadata?.name}` } })),
  };
}

/** Connections the node proxies counted per endpoint of cluster-service-02 in the last minute. */
function serviceTraffic(counts: Record<string, number>): TrafficSample[] {
  return Object.entries(counts).map(([endpoint, count]) => ({ source: 'service', backend: `default/cluster-service-02/${endpoint}`, count, windowSeconds: 60 }));
}

function select(snapshot: ClusterSnapshot, params: Record<string, string>, view = canaryView()): CanaryModel {
  const model = view.select(snapshot, { namespace: 'default', ...params });
  assert.ok(model, 'the object is found');
  return model;
}

function assertAccessible(svg: string, model: CanaryModel, view = canaryView()): void {
  assert.deepEqual(xmlProblems(svg), []);
  for (const g of svg.match(/<g[ >][^>]*>/g) ?? []) assert.match(g, /role="group" aria-label="[^"]+"/, `every group is labelled: ${g}`);
  assert.equal(view.render(model), svg, 'same model, same bytes');
}

describe('canary view', () => {
  test('canary by Service: two Deployments behind cluster-service-02, replicas 3:1 beside the connections counted', () => {
    const snapshot = {
      ...seed(),
      traffic: serviceTraffic({ '10.244.1.21:8080': 26, '10.244.2.22:8080': 24, '10.244.1.23:8080': 23, '10.244.1.24:8080': 27 }),
    };
    const model = select(snapshot, { kind: 'service', name: 'cluster-service-02' });
    assert.deepEqual(
      model.backends.map((b) => [b.kind, b.name, b.configured, b.configuredShare, b.readyEndpoints, b.measured, b.measuredShare]),
      [
        ['Deployment', 'tomcat-stable', 3, 0.75, 3, 73, 0.73],
        ['Deployment', 'tomcat-canary', 1, 0.25, 1, 27, 0.27],
      ],
    );
    assert.equal(model.measuredWindowSeconds, 60);
    const svg = canaryView().render(model);
    golden('canary-service-seed.svg', svg);
    assertAccessible(svg, model);
    const text = canaryView().describe(model);
    assert.match(text, /^Canary through Service cluster-service-02, 10\.170\.11\.88 port 80→8080, selector app=canary-tomcat \(namespace default\)\./);
    assert.match(text, /- Deployment tomcat-stable; tomcat:v1; 3 ready endpoints; configured 75% \(3 replicas\); measured 73% \(73 connections\)/);
    assert.match(text, /- Deployment tomcat-canary; tomcat:v2; 1 ready endpoint; configured 25% \(1 replica\); measured 27% \(27 connections\)/);
    assert.deepEqual(canaryView().links(model), [
      { view: 'service', params: { namespace: 'default', name: 'cluster-service-02' } },
      { view: 'workload', params: { namespace: 'default', kind: 'Deployment', name: 'tomcat-stable' } },
      { view: 'rollout', params: { namespace: 'default', name: 'tomcat-stable' } },
      { view: 'workload', params: { namespace: 'default', kind: 'Deployment', name: 'tomcat-canary' } },
      { view: 'rollout', params: { namespace: 'default', name: 'tomcat-canary' } },
    ]);
  });

  test('before any traffic the measured bar says so; a Service of one workload has nothing to split', () => {
    const model = select(seed(), { kind: 'service', name: 'cluster-service-02' });
    assert.equal(model.measuredWindowSeconds, undefined);
    assert.ok(model.backends.every((b) => b.measured === undefined));
    assert.match(canaryView().describe(model), /measured: no connections sampled yet/);
    assert.match(canaryView().render(model), /aria-label="measured: no connections sampled yet: no samples"/);
    const single = select(seed(), { kind: 'service', name: 'tomcat-stable' });
    assert.equal(single.problem, 'every endpoint of Service tomcat-stable belongs to Deployment tomcat-stable: there is nothing to split');
    assert.equal(canaryView().select(seed(), { namespace: 'default', kind: 'service', name: 'nope' }), undefined);
  });

  test('without the cli readers the Ingress and HTTPRoute editions say so; a reader that refuses is quoted', () => {
    const ingress = select(seed(), { kind: 'ingress', name: 'tomcat' });
    assert.equal(ingress.problem, 'the Ingress canary reader is not available here');
    const route = select(seed(), { kind: 'httproute', name: 'tomcat' });
    assert.equal(route.problem, 'the HTTPRoute canary reader is not available here');
    const refusing = canaryView({
      findIngressCanaries: (_ingresses: Ingress[], name: string) => {
        throw new Error(`ingress "${name}" has no canary`);
      },
    });
    const refused = select(seed(), { kind: 'ingress', name: 'tomcat' }, refusing);
    assert.equal(refused.problem, 'ingress "tomcat" has no canary');
    assert.match(refusing.describe(refused), /No split to show: ingress "tomcat" has no canary\./);
    assertAccessible(refusing.render(refused), refused, refusing);
  });

  test('instances: the Services fed by two workloads', () => {
    assert.deepEqual(canaryView().instances?.(seed()), [{ namespace: 'default', kind: 'service', name: 'cluster-service-02' }]);
  });
});
