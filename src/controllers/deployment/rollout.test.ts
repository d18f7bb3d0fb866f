import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  deploymentProgressing,
  deploymentTimedOut,
  findActiveOrLatest,
  maxRevision,
  newRSReplicasForRollingUpdate,
  proportionalScale,
  rolloutStatus,
  scaleDownOldReplicaSets,
  setDeploymentCondition,
  type ReplicaSetScale,
} from './rollout.js';

function deployment(replicas: number, maxSurgeValue: number | string = '25%', maxUnavailableValue: number | string = '25%', extra: Partial<Deployment> = {}): Deployment {
  return {
    metadata: { name: 'web', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: maxSurgeValue, maxUnavailable: maxUnavailableValue } },
      progressDeadlineSeconds: 600,
    },
    ...extra,
  };
}

interface RSOptions {
  available?: number;
  created?: string;
  annotations?: Record<string, string>;
}

function rs(name: string, replicas: number, options: RSOptions = {}): ReplicaSet {
  return {
    metadata: {
      name,
      creationTimestamp: options.created ?? '2024-01-01T00:00:00Z',
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: { replicas, selector: { matchLabels: { app: 'web' } } },
    status: { replicas, availableReplicas: options.available ?? replicas, readyReplicas: options.available ?? replicas },
  };
}

function byName(scales: ReplicaSetScale[]): Record<string, number> {
  return Object.fromEntries(scales.map((scale) => [scale.name, scale.replicas]));
}

describe('maxRevision', () => {
  test('highest numeric revision annotation, ignoring junk', () => {
    const revision = (value: string): ReplicaSet => rs(`rs-${value}`, 1, { annotations: { 'deployment.kubernetes.io/revision': value } });
    assert.equal(maxRevision([revision('3'), revision('10'), revision('x'), rs('none', 1)]), 10);
    assert.equal(maxRevision([]), 0);
  });
});

describe('newRSReplicasForRollingUpdate', () => {
  test('scales up within replicas + maxSurge', () => {
    const d = deployment(4);
    const newRS = rs('new', 0);
    assert.equal(newRSReplicasForRollingUpdate(d, [rs('old', 4), newRS], newRS), 1);
    const newRS2 = rs('new', 1);
    assert.equal(newRSReplicasForRollingUpdate(d, [rs('old', 4), newRS2], newRS2), 1, 'already at 5 total');
    const newRS3 = rs('new', 2);
    assert.equal(newRSReplicasForRollingUpdate(d, [rs('old', 1), newRS3], newRS3), 4, 'bounded by replicas');
  });

  test('Recreate goes straight to replicas', () => {
    const d = deployment(4);
    d.spec = { ...d.spec!, strategy: { type: 'Recreate' } };
    const newRS = rs('new', 0);
    assert.equal(newRSReplicasForRollingUpdate(d, [rs('old', 0), newRS], newRS), 4);
  });
});

describe('scaleDownOldReplicaSets', () => {
  test('nothing while the new pods are unavailable and availability is at the minimum', () => {
    const result = scaleDownOldReplicaSets(deployment(4), [rs('old', 3)], rs('new', 2, { available: 0 }));
    assert.deepEqual(result.scales, []);
  });

  test('scales available old replicas down to replicas - maxUnavailable', () => {
    const result = scaleDownOldReplicaSets(deployment(4), [rs('old', 4)], rs('new', 1, { available: 0 }));
    assert.deepEqual(byName(result.scales), { old: 3 });
    assert.equal(result.scaledDown, 1);
  });

  test('cleans up unhealthy old replicas first, oldest ReplicaSet first', () => {
    const d = deployment(10, 0, 2);
    const older = rs('older', 4, { available: 1, created: '2024-01-01T00:00:00Z' });
    const old = rs('old', 4, { available: 4, created: '2024-01-02T00:00:00Z' });
    const newRS = rs('new', 2, { available: 2, created: '2024-01-03T00:00:00Z' });
    // all 10, minAvailable 8, new unavailable 0 -> budget 2, spent on unhealthy "older".
    const result = scaleDownOldReplicaSets(d, [old, older], newRS);
    assert.equal(result.cleanedUp, 2);
    // available 7 < minAvailable 8: no further scale down.
    assert.equal(result.scaledDown, 0);
    assert.deepEqual(byName(result.scales), { older: 2 });
  });

  test('scale down takes the oldest ReplicaSet first', () => {
    const d = deployment(6, 0, 3);
    const older = rs('older', 2, { created: '2024-01-01T00:00:00Z' });
    const old = rs('old', 4, { created: '2024-01-02T00:00:00Z' });
    const result = scaleDownOldReplicaSets(d, [old, older], rs('new', 0, { created: '2024-01-03T00:00:00Z' }));
    assert.deepEqual(result.scales, [
      { name: 'older', replicas: 0 },
      { name: 'old', replicas: 3 },
    ]);
  });
});

describe('rolling update simulation', () => {
  interface SimRS {
    name: string;
    replicas: number;
    available: number;
    created: string;
  }

  function toRS(sim: SimRS): ReplicaSet {
    return rs(sim.name, sim.replicas, { available: sim.available, created: sim.created });
  }

  /** Steps a rollout; `readiness(step)` says whether newly created pods become available. */
  function simulate(replicas: number, surge: number | string, unavailable: number | string, newPodsBecomeReady: boolean) {
    const d = deployment(replicas, surge, unavailable);
    const old: SimRS = { name: 'old', replicas, available: replicas, created: '2024-01-01T00:00:00Z' };
    const next: SimRS = { name: 'new', replicas: 0, available: 0, created: '2024-01-02T00:00:00Z' };
    const observations: Array<{ total: number; available: number }> = [];
    const observe = (): void => {
      observations.push({ total: old.replicas + next.replicas, available: old.available + next.available });
    };
    for (let step = 0; step < 50; step += 1) {
      next.replicas = newRSReplicasForRollingUpdate(d, [toRS(old), toRS(next)], toRS(next));
      observe();
      const scaleDown = scaleDownOldReplicaSets(d, [toRS(old)], toRS(next));
      for (const scale of scaleDown.scales) {
        if (scale.name === 'old') {
          old.replicas = scale.replicas;
          // Terminated pods stop counting immediately.
          old.available = Math.min(old.available, old.replicas);
        }
      }
      observe();
      if (newPodsBecomeReady) next.available = next.replicas;
      observe();
      if (old.replicas === 0 && next.available === replicas) break;
    }
    return { observations, old, next };
  }

  test('4 replicas, 25%/25%: never fewer than 3 available nor more than 5 pods', () => {
    const { observations, old, next } = simulate(4, '25%', '25%', true);
    for (const { total, available } of observations) {
      assert.ok(total <= 5, `total ${total} > 5`);
      assert.ok(available >= 3, `available ${available} < 3`);
    }
    assert.equal(old.replicas, 0);
    assert.equal(next.replicas, 4);
    assert.equal(next.available, 4);
  });

  test('10 replicas, maxSurge 3, maxUnavailable 0: availability never drops', () => {
    const { observations, next } = simulate(10, 3, 0, true);
    for (const { total, available } of observations) {
      assert.ok(total <= 13);
      assert.ok(available >= 10);
    }
    assert.equal(next.available, 10);
  });

  test('a broken new template stalls without dropping below the minimum', () => {
    const { observations, old, next } = simulate(4, '25%', '25%', false);
    for (const { total, available } of observations) {
      assert.ok(total <= 5);
      assert.ok(available >= 3);
    }
    assert.equal(old.replicas, 3);
    assert.equal(next.replicas, 2);
  });
});

describe('proportionalScale', () => {
  const annotated = (max: number, desired?: number): Record<string, string> => ({
    'deployment.kubernetes.io/max-replicas': String(max),
    ...(desired === undefined ? {} : { 'deployment.kubernetes.io/desired-replicas': String(desired) }),
  });

  test('a single active ReplicaSet takes the new size', () => {
    assert.deepEqual(proportionalScale(deployment(12), rs('new', 10), [rs('old', 0)]), [{ name: 'new', replicas: 12 }]);
    assert.deepEqual(proportionalScale(deployment(10), rs('new', 10), []), []);
  });

  test('with nothing active, the newest ReplicaSet takes the size', () => {
    const older = rs('older', 0, { created: '2024-01-01T00:00:00Z' });
    const newer = rs('newer', 0, { created: '2024-01-02T00:00:00Z' });
    assert.deepEqual(findActiveOrLatest(undefined, [older, newer])?.metadata?.name, 'newer');
    assert.deepEqual(proportionalScale(deployment(3), undefined, [older, newer]), [{ name: 'newer', replicas: 3 }]);
  });

  test('a saturated new ReplicaSet sends old ones to zero', () => {
    const newRS = rs('new', 5, { annotations: annotated(6, 5) });
    assert.deepEqual(proportionalScale(deployment(5), newRS, [rs('old', 2), rs('gone', 0)]), [{ name: 'old', replicas: 0 }]);
  });

  test('scale up 10 -> 20 mid-rollout spreads 10 replicas proportionally', () => {
    const d = deployment(20, 3, 2);
    const old = rs('old', 8, { created: '2024-01-01T00:00:00Z', annotations: annotated(13, 10) });
    const newRS = rs('new', 5, { available: 0, created: '2024-01-02T00:00:00Z', annotations: annotated(13, 10) });
    // allowed 23, current 13: old 8*23/13 = 14.15 -> 14 (+6), new 5*23/13 = 8.85 -> 9 (+4).
    assert.deepEqual(byName(proportionalScale(d, newRS, [old])), { old: 14, new: 9 });
  });

  test('scale down 20 -> 10 mid-rollout removes proportionally, largest first', () => {
    const d = deployment(10, 3, 2);
    const old = rs('old', 14, { created: '2024-01-01T00:00:00Z', annotations: annotated(23, 20) });
    const newRS = rs('new', 9, { available: 0, created: '2024-01-02T00:00:00Z', annotations: annotated(23, 20) });
    // allowed 13, current 23: old 14*13/23 = 7.9 -> 8 (-6), new 9*13/23 = 5.09 -> 5 (-4).
    const scales = proportionalScale(d, newRS, [old]);
    assert.deepEqual(scales[0]?.name, 'old');
    assert.deepEqual(byName(scales), { old: 8, new: 5 });
  });

  test('the rounding leftover goes to the first (largest, then newest) ReplicaSet', () => {
    const d = deployment(4, 0, 1);
    const a = rs('a', 1, { created: '2024-01-01T00:00:00Z', annotations: annotated(3) });
    const b = rs('b', 1, { created: '2024-01-02T00:00:00Z', annotations: annotated(3) });
    const c = rs('c', 1, { available: 0, created: '2024-01-03T00:00:00Z', annotations: annotated(3) });
    // Each share is round(4/3) - 1 = 0; the leftover 1 goes to the newest.
    assert.deepEqual(byName(proportionalScale(d, c, [a, b])), { a: 1, b: 1, c: 2 });
  });

  test('scaling to zero empties every active ReplicaSet', () => {
    const d = deployment(0, 1, 0);
    const old = rs('old', 3, { annotations: annotated(6) });
    const newRS = rs('new', 2, { available: 0, created: '2024-01-02T00:00:00Z', annotations: annotated(6) });
    assert.deepEqual(byName(proportionalScale(d, newRS, [old])), { old: 0, new: 0 });
  });

  test('without the annotation the Deployment status.replicas is the base', () => {
    const d = deployment(20, 0, 1, { status: { replicas: 10 } });
    const old = rs('old', 6, { created: '2024-01-01T00:00:00Z' });
    const newRS = rs('new', 4, { available: 0, created: '2024-01-02T00:00:00Z' });
    assert.deepEqual(byName(proportionalScale(d, newRS, [old])), { old: 12, new: 8 });
  });
});

describe('deployment conditions', () => {
  const now = new Date('2024-01-01T12:00:00Z');

  test('deploymentProgressing compares against the current status', () => {
    const d = deployment(3, '25%', '25%', { status: { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 } });
    assert.equal(deploymentProgressing(d, { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }), true);
    assert.equal(deploymentProgressing(d, { replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }), true);
    assert.equal(deploymentProgressing(d, { replicas: 4, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 3 }), true);
    assert.equal(deploymentProgressing(d, { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }), false);
  });

  test('deploymentTimedOut measures from the Progressing lastUpdateTime', () => {
    const d = deployment(3);
    const progressing = (reason: string, lastUpdateTime: string): DeploymentStatus => ({
      conditions: [{ type: 'Progressing', status: 'True', reason, lastUpdateTime }],
    });
    assert.equal(deploymentTimedOut(d, progressing('ReplicaSetUpdated', '2024-01-01T11:49:59Z'), now), true);
    assert.equal(deploymentTimedOut(d, progressing('ReplicaSetUpdated', '2024-01-01T11:50:00Z'), now), false);
    assert.equal(deploymentTimedOut(d, progressing('NewReplicaSetAvailable', '2024-01-01T00:00:00Z'), now), false);
    assert.equal(deploymentTimedOut(d, progressing('ProgressDeadlineExceeded', '2024-01-01T11:59:00Z'), now), true);
    assert.equal(deploymentTimedOut(d, {}, now), false);
    const noDeadline = deployment(3);
    noDeadline.spec = { ...noDeadline.spec!, progressDeadlineSeconds: 2147483647 };
    assert.equal(deploymentTimedOut(noDeadline, progressing('ReplicaSetUpdated', '2020-01-01T00:00:00Z'), now), false);
  });

  test('setDeploymentCondition keeps lastTransitionTime when only the reason changes', () => {
    const first = setDeploymentCondition([], { type: 'Progressing', status: 'True', reason: 'A', lastTransitionTime: 't1', lastUpdateTime: 't1' });
    const same = setDeploymentCondition(first, { type: 'Progressing', status: 'True', reason: 'A', lastTransitionTime: 't2', lastUpdateTime: 't2' });
    assert.equal(same[0]?.lastUpdateTime, 't1');
    const reason = setDeploymentCondition(first, { type: 'Progressing', status: 'True', reason: 'B', lastTransitionTime: 't3', lastUpdateTime: 't3' });
    assert.deepEqual([reason[0]?.reason, reason[0]?.lastTransitionTime, reason[0]?.lastUpdateTime], ['B', 't1', 't3']);
    const flipped = setDeploymentCondition(first, { type: 'Progressing', status: 'False', reason: 'B', lastTransitionTime: 't4' });
    assert.equal(flipped[0]?.lastTransitionTime, 't4');
  });

  test('rolloutStatus: counts, Available and Progressing reasons', () => {
    const d = deployment(4);
    const old = rs('old', 3);
    const newRS = rs('new', 2, { available: 0 });
    const mid = rolloutStatus(d, [old, newRS], newRS, now);
    assert.deepEqual(
      [mid.replicas, mid.updatedReplicas, mid.readyReplicas, mid.availableReplicas, mid.unavailableReplicas, mid.observedGeneration],
      [5, 2, 3, 3, 2, 1],
    );
    const available = mid.conditions?.find((c) => c.type === 'Available');
    assert.deepEqual([available?.status, available?.reason, available?.message], ['True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.']);
    const progressing = mid.conditions?.find((c) => c.type === 'Progressing');
    assert.deepEqual([progressing?.status, progressing?.reason, progressing?.message], ['True', 'ReplicaSetUpdated', 'ReplicaSet "new" is progressing.']);

    const done = rolloutStatus({ ...d, status: mid }, [rs('old', 0), rs('new', 4)], rs('new', 4), now);
    const complete = done.conditions?.find((c) => c.type === 'Progressing');
    assert.deepEqual([complete?.reason, complete?.message], ['NewReplicaSetAvailable', 'ReplicaSet "new" has successfully progressed.']);

    const low = rolloutStatus(d, [rs('new', 4, { available: 2 })], rs('new', 4, { available: 2 }), now);
    assert.equal(low.conditions?.find((c) => c.type === 'Available')?.reason, 'MinimumReplicasUnavailable');
  });

  test('rolloutStatus: no progress past the deadline is ProgressDeadlineExceeded', () => {
    const stuckStatus: DeploymentStatus = {
      replicas: 5,
      updatedReplicas: 2,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: '2024-01-01T11:00:00Z', lastTransitionTime: '2024-01-01T11:00:00Z' }],
    };
    const d = deployment(4, '25%', '25%', { status: stuckStatus });
    const newRS = rs('new', 2, { available: 0 });
    const status = rolloutStatus(d, [rs('old', 3), newRS], newRS, now);
    const progressing = status.conditions?.find((c) => c.type === 'Progressing');
    assert.deepEqual([progressing?.status, progressing?.reason, progressing?.message], ['False', 'ProgressDeadlineExceeded', 'ReplicaSet "new" has timed out progressing.']);
  });
});
