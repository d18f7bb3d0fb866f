import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodAvailable, isPodReady, isPodTerminal, msUntilAvailable, podReadyCondition } from './pod.js';

function pod(phase: string, ready?: { status: string; since?: string }, deleting = false): Pod {
  return {
    metadata: { name: 'p', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    status: { phase, conditions: ready ? [{ type: 'Ready', status: ready.status, lastTransitionTime: ready.since }] : [] },
  };
}

describe('pod state', () => {
  test('Ready is the Ready condition being True', () => {
    assert.equal(isPodReady(pod('Running', { status: 'True' })), true);
    assert.equal(isPodReady(pod('Running', { status: 'False' })), false);
    assert.equal(isPodReady(pod('Running')), false);
    assert.equal(podReadyCondition(pod('Running', { status: 'False' }))?.status, 'False');
  });

  test('terminal phases are Succeeded and Failed; active pods are neither terminal nor being deleted', () => {
    assert.deepEqual(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'].map((phase) => isPodTerminal(pod(phase))), [false, false, true, true, false]);
    assert.equal(isPodActive(pod('Running')), true);
    assert.equal(isPodActive(pod('Succeeded')), false);
    assert.equal(isPodActive(pod('Running', undefined, true)), false);
  });

  test('available after Ready for more than minReadySeconds, with the time remaining until then', () => {
    const now = new Date('2026-01-01T00:01:00Z');
    const readySince = (since: string): Pod => pod('Running', { status: 'True', since });
    assert.equal(isPodAvailable(readySince('2026-01-01T00:00:00Z'), 0, now), true);
    assert.equal(isPodAvailable(readySince('2026-01-01T00:00:00Z'), 30, now), true);
    // Exactly minReadySeconds is not yet "before now".
    assert.equal(msUntilAvailable(readySince('2026-01-01T00:00:30Z'), 30, now), 1);
    assert.equal(msUntilAvailable(readySince('2026-01-01T00:00:50Z'), 30, now), 20_001);
    assert.equal(msUntilAvailable(pod('Running', { status: 'False', since: '2026-01-01T00:00:00Z' }), 30, now), undefined);
    assert.equal(msUntilAvailable(pod('Running', { status: 'True' }), 30, now), undefined);
    assert.equal(msUntilAvailable(pod('Running', { status: 'True' }), 0, now), 0);
  });
});
