import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Deployment, DeploymentStrategy, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { emptySnapshot, type ClusterSnapshot, type ObservedChange } from '../snapshot.js';
import { rolloutView, type RolloutModel } from './rollout.js';

/** Golden files live in src/inspect/views/testdata; UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../../../src/inspect/views/testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

const ns = 'seed';
const t0 = Date.parse('2026-01-01T12:00:00Z');
const at = (seconds: number): number => t0 + seconds * 1000;

/** The seed's tomcat-stable: 3 replicas, the default strategy (25% / 25%: surge 1, unavailable 0). */
function deployment(o: { generation: number; observed: number; image: string; replicas?: number; updated: number; total: number; available: number; strategy?: DeploymentStrategy }): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'tomcat-stable', namespace: ns, uid: 'uid-d', generation: o.generation },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: 'canary-tomcat', track: 'stable' } },
      template: { metadata: { labels: { app: 'canary-tomcat', track: 'stable' } }, spec: { containers: [{ name: 'tomcat-container', image: o.image }] } },
      ...(o.strategy ? { strategy: o.strategy } : {}),
    },
    status: { observedGeneration: o.observed, replicas: o.total, updatedReplicas: o.updated, readyReplicas: o.available, availableReplicas: o.available },
  };
}

function replicaSet(hash: string, revision: number, spec: number, ready: number, available = ready, history?: string): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `tomcat-stable-${hash}`,
      namespace: ns,
      uid: `uid-rs-${hash}`,
      labels: { app: 'canary-tomcat', track: 'stable', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...(history ? { 'deployment.kubernetes.io/revision-history': history } : {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'tomcat-stable', uid: 'uid-d', controller: true }],
    },
    spec: { replicas: spec, selector: { matchLabels: { 'pod-template-hash': hash } } },
    status: { replicas: Math.max(spec, ready), readyReplicas: ready, availableReplicas: available },
  };
}

const v1 = '5b7d9c8f66';
const v2 = '6d8f7c9b54';

function change(seconds: number, object: Deployment | ReplicaSet, type: ObservedChange['type'] = 'MODIFIED'): ObservedChange {
  return { at: at(seconds), type, kind: object.kind === 'Deployment' ? 'deployments' : 'replicaSets', object: object as KubeObject };
}

/** `kubectl set image deployment/tomcat-stable tomcat-container=tomcat:v2`, as the controllers answer it. */
const rollout: ObservedChange[] = [
  change(0, deployment({ generation: 2, observed: 1, image: 'tomcat:v2', updated: 0, total: 3, available: 3 })),
  change(1, replicaSet(v2, 2, 1, 0), 'ADDED'),
  change(1, replicaSet(v1, 1, 3, 3)),
  change(2, deployment({ generation: 2, observed: 2, image: 'tomcat:v2', updated: 1, total: 4, available: 3 })),
  change(5, replicaSet(v2, 2, 1, 1)),
  change(6, replicaSet(v1, 1, 2, 3)),
  change(7, replicaSet(v1, 1, 2, 2)),
  change(7, replicaSet(v2, 2, 2, 1)),
  change(10, replicaSet(v2, 2, 2, 2)),
  change(11, replicaSet(v1, 1, 1, 1)),
  change(11, replicaSet(v2, 2, 3, 2)),
  change(14, replicaSet(v2, 2, 3, 3)),
  change(15, replicaSet(v1, 1, 0, 0)),
  change(15, deployment({ generation: 2, observed: 2, image: 'tomcat:v2', updated: 3, total: 3, available: 3 })),
];

/** Then `kubectl rollout undo deployment/tomcat-stable`: revision 1's ReplicaSet becomes revision 3. */
const undo: ObservedChange[] = [
  change(60, deployment({ generation: 3, observed: 2, image: 'tomcat:v1', updated: 0, total: 3, available: 3 })),
  change(61, replicaSet(v1, 3, 1, 0, 0, '1')),
  change(62, deployment({ generation: 3, observed: 3, image: 'tomcat:v1', updated: 1, total: 4, available: 3 })),
  change(64, replicaSet(v1, 3, 1, 1, 1, '1')),
  change(65, replicaSet(v2, 2, 2, 2)),
  change(65, replicaSet(v1, 3, 2, 1, 1, '1')),
  change(68, replicaSet(v1, 3, 2, 2, 2, '1')),
  change(69, replicaSet(v2, 2, 1, 1)),
  change(69, replicaSet(v1, 3, 3, 2, 2, '1')),
  change(72, replicaSet(v1, 3, 3, 3, 3, '1')),
  change(73, replicaSet(v2, 2, 0, 0)),
  change(73, deployment({ generation: 3, observed: 3, image: 'tomcat:v1', updated: 3, total: 3, available: 3 })),
];

/** The snapshot as the observer holds it after `changes`, at `now` (the last object of each kind is the current one). */
function snapshotAfter(changes: ObservedChange[], now: number): ClusterSnapshot {
  const latest = new Map<string, ObservedChange>();
  for (const c of changes) latest.set(`${c.kind}/${c.object.metadata?.name}`, c);
  const current = [...latest.values()];
  const initial = { deployment: deployment({ generation: 1, observed: 1, image: 'tomcat:v1', updated: 3, total: 3, available: 3 }), rs: replicaSet(v1, 1, 3, 3) };
  const deployments = current.filter((c) => c.kind === 'deployments').map((c) => c.object as Deployment);
  const replicaSets = current.filter((c) => c.kind === 'replicaSets').map((c) => c.object as ReplicaSet);
  return {
    ...emptySnapshot(now),
    deployments: deployments.length > 0 ? deployments : [initial.deployment],
    replicaSets: replicaSets.length > 0 ? replicaSets : [initial.rs],
    changes,
  };
}

function select(snapshot: ClusterSnapshot): RolloutModel {
  const model = rolloutView.select(snapshot, { namespace: ns, name: 'tomcat-stable' });
  assert.ok(model, 'the Deployment is found');
  return model;
}

function assertAccessible(svg: string, model: RolloutModel): void {
  const groups = svg.match(/<g[ >][^>]*>/g) ?? [];
  assert.ok(groups.length > 0);
  for (const g of groups) assert.match(g, /role="group" aria-label="[^"]+"/, `every group is labelled: ${g}`);
  assert.ok(svg.includes(`<desc id="desc">`), 'the picture carries its description');
  assert.equal(rolloutView.render(model), svg, 'same model, same bytes');
}

describe('rollout view', () => {
  test('a rollout in progress: old and new ReplicaSets per change, within at most 4 pods and at least 3 available', () => {
    const snapshot = snapshotAfter(rollout.slice(0, 8), at(8));
    const model = select(snapshot);
    assert.equal(model.status, 'Waiting for deployment "tomcat-stable" rollout to finish: 1 out of 3 new replicas have been updated...');
    assert.equal(model.complete, false);
    const last = model.steps[model.steps.length - 1]!;
    assert.deepEqual(last.bounds, { desired: 3, maxSurge: 1, maxUnavailable: 0, maxPods: 4, minAvailable: 3 });
    assert.deepEqual(
      last.replicaSets.map((rs) => [rs.revision, rs.spec, rs.ready, rs.available]),
      [
        [1, 2, 2, 2],
        [2, 2, 1, 1],
      ],
    );
    assert.equal(last.newest, `tomcat-stable-${v2}`);
    // The revision-2 ReplicaSet appears as the newest at the step its ADDED change arrived.
    const appeared = model.steps.find((s) => s.revisionChange);
    assert.deepEqual(appeared?.revisionChange, { revision: 2, replicaSet: `tomcat-stable-${v2}`, previous: [] });
    assert.equal(appeared?.at, at(1));
    for (const step of model.steps) {
      assert.ok(step.pods <= 4 && step.available >= 3, `${step.at}: within the bounds`);
    }
    const svg = rolloutView.render(model);
    golden('rollout-in-progress.svg', svg);
    assertAccessible(svg, model);
    const text = rolloutView.describe(model);
    assert.match(text, /Strategy RollingUpdate, maxSurge 25%, maxUnavailable 25%: at most 4 pods \(3 \+ maxSurge 1\), at least 3 available \(3 - maxUnavailable 0\)\./);
    assert.match(text, /12:00:01 UTC: new revision 2: tomcat-stable-6d8f7c9b54; revision 1 \(tomcat-stable-5b7d9c8f66\): 3 wanted, 3 ready, 3 available; revision 2 \(tomcat-stable-6d8f7c9b54\): 1 wanted, 0 ready, 0 available \(newest\); total 4 pods wanted, 3 available/);
    for (const step of model.steps) assert.ok(text.includes(`- ${new Date(step.at).toISOString().slice(11, 19)} UTC: `), 'every step is in the text');
    assert.deepEqual(rolloutView.links(model), [{ view: 'workload', params: { namespace: ns, kind: 'Deployment', name: 'tomcat-stable' } }]);
  });

  test('kubectl rollout undo shows as the reverse: the old ReplicaSet takes revision 3 and grows back', () => {
    const all = [...rollout, ...undo];
    const model = select(snapshotAfter(all, at(80)));
    assert.equal(model.status, 'deployment "tomcat-stable" successfully rolled out');
    assert.equal(model.complete, true);
    const rollback = model.steps.filter((s) => s.revisionChange?.previous.length);
    assert.deepEqual(rollback.map((s) => [s.at, s.revisionChange]), [[at(61), { revision: 3, replicaSet: `tomcat-stable-${v1}`, previous: [1] }]]);
    const final = model.steps[model.steps.length - 1]!;
    assert.deepEqual(final.replicaSets.map((rs) => [rs.name, rs.revision, rs.spec]), [[`tomcat-stable-${v1}`, 3, 3]]);
    assert.deepEqual(
      model.replicaSets.map((rs) => [rs.revision, rs.newest, rs.previousRevisions]),
      [
        [3, true, [1]],
        [2, false, []],
      ],
    );
    // The bounded columns keep the newest changes; the rest are counted.
    assert.equal(model.steps.length, 16);
    assert.ok(model.omittedSteps > 0);
    const svg = rolloutView.render(model);
    golden('rollout-undo.svg', svg);
    assertAccessible(svg, model);
    const text = rolloutView.describe(model);
    assert.match(text, /rollback: tomcat-stable-5b7d9c8f66 goes from revision 1 to revision 3/);
    assert.match(text, /revision 3 \(tomcat-stable-5b7d9c8f66\): 3 wanted, 3 ready, 3 available, template hash 5b7d9c8f66, newest, earlier revisions 1/);
    assert.match(text, new RegExp(`${model.omittedSteps} earlier changes are not shown`));
  });

  test('percentages resolve as upstream: maxSurge rounds up, maxUnavailable rounds down', () => {
    const d = deployment({ generation: 1, observed: 1, image: 'tomcat:v1', replicas: 10, updated: 10, total: 10, available: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
    const model = select({ ...emptySnapshot(at(0)), deployments: [d], replicaSets: [replicaSet(v1, 1, 10, 10)] });
    assert.deepEqual(model.steps.map((s) => s.bounds), [{ desired: 10, maxSurge: 3, maxUnavailable: 2, maxPods: 13, minAvailable: 8 }]);
    assert.equal(model.steps[0]?.at, at(0), 'without changes the picture is the present');
    golden('rollout-steady.svg', rolloutView.render(model));
  });

  test('Recreate has no bounds to draw; a Deployment not in the snapshot has no picture', () => {
    const d = deployment({ generation: 1, observed: 1, image: 'tomcat:v1', updated: 3, total: 3, available: 3, strategy: { type: 'Recreate' } });
    const model = select({ ...emptySnapshot(at(0)), deployments: [d], replicaSets: [replicaSet(v1, 1, 3, 3)] });
    assert.equal(model.strategy, 'Recreate');
    assert.equal(model.steps[0]?.bounds, undefined);
    assert.match(rolloutView.describe(model), /Strategy Recreate: every old pod goes before new ones start\./);
    assert.match(rolloutView.render(model), /Recreate: no surge, no availability floor/);
    assert.equal(rolloutView.select(emptySnapshot(0), { namespace: ns, name: 'tomcat-stable' }), undefined);
  });
});
