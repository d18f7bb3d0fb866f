import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { averageValueReplicas, ReplicaCalculationError, resourceReplicas } from './replica-calculator.js';

function pods(requests: string[], options: { ready?: boolean[]; phase?: string[] } = {}): Pod[] {
  return requests.map((cpu, i) => ({
    metadata: { name: `p${i}` },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory: '1Gi' } } }] },
    status: {
      phase: options.phase?.[i] ?? 'Running',
      conditions: [{ type: 'Ready', status: (options.ready?.[i] ?? true) ? 'True' : 'False' }],
    },
  }));
}

function usage(levels: (number | undefined)[]): Map<string, number> {
  return new Map(levels.flatMap((v, i) => (v === undefined ? [] : [[`p${i}`, v] as [string, number]])));
}

// The cases below are upstream's replica_calculator_test.go scenarios (usage in millicores, requests 1 core).
test('scale up: 50% used against a 30% target takes 3 replicas to 5', () => {
  const r = resourceReplicas(3, 30, 'cpu', pods(['1', '1', '1']), usage([300, 500, 700]));
  assert.deepEqual([r.replicas, r.utilization], [5, 50]);
});

test('scale up with an unready pod: the unready pod counts as 0 usage, so less scale (4, not 6)', () => {
  const r = resourceReplicas(3, 30, 'cpu', pods(['1', '1', '1'], { ready: [false, true, true] }), usage([300, 500, 700]));
  assert.deepEqual([r.replicas, r.utilization], [4, 60]);
});

test('scale down: 28% used against a 50% target takes 5 replicas to 3', () => {
  const r = resourceReplicas(5, 50, 'cpu', pods(['1', '1', '1', '1', '1']), usage([100, 300, 500, 250, 250]));
  assert.deepEqual([r.replicas, r.utilization], [3, 28]);
});

test('within the 10% tolerance nothing changes', () => {
  const r = resourceReplicas(3, 100, 'cpu', pods(['900m', '1', '1100m']), usage([1010, 1030, 1020]));
  assert.deepEqual([r.replicas, r.utilization], [3, 102]);
});

test('scaling up, pods without metrics count as using nothing', () => {
  // Two pods at 90% against 50% (ratio 1.8); the two without metrics at 0 make 45% (ratio 0.9): the direction flips, so no change.
  const r = resourceReplicas(4, 50, 'cpu', pods(['1', '1', '1', '1']), usage([900, 900, undefined, undefined]));
  assert.equal(r.replicas, 4);
  const up = resourceReplicas(3, 50, 'cpu', pods(['1', '1', '1']), usage([1000, 1000, undefined]));
  // (1000+1000+0)/3000 = 66% → ratio 1.33 → ceil(1.33*3) = 4
  assert.deepEqual([up.replicas, up.utilization], [4, 100]);
});

test('scaling down, pods without metrics count as using their whole request', () => {
  // 10% of 4 pods with metrics; the missing pod at 100%: (400+1000)/5000 = 28% → ratio 0.56 → ceil(2.8) = 3.
  const r = resourceReplicas(5, 50, 'cpu', pods(['1', '1', '1', '1', '1']), usage([100, 100, 100, 100, undefined]));
  assert.deepEqual([r.replicas, r.utilization], [3, 10]);
});

test('deleted and failed pods are ignored; pending pods are unready', () => {
  const list = pods(['1', '1', '1'], { phase: ['Running', 'Failed', 'Pending'] });
  const r = resourceReplicas(3, 50, 'cpu', list, usage([500, 900, undefined]));
  assert.equal(r.replicas, 3);
});

test('a container without a request, no pods, or no ready metrics is an error with upstream\'s message', () => {
  const noRequest: Pod[] = [{ metadata: { name: 'p0' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' } }];
  assert.throws(() => resourceReplicas(1, 50, 'cpu', noRequest, usage([100])), /missing request for cpu in container c of Pod p0/);
  assert.throws(() => resourceReplicas(1, 50, 'cpu', [], usage([])), /no pods returned by selector while calculating replica count/);
  assert.throws(() => resourceReplicas(1, 50, 'cpu', pods(['1']), usage([])), ReplicaCalculationError);
});

test('memory AverageValue: average usage over the target', () => {
  const mi = 1024 * 1024 * 1000; // milli-bytes of one MiB
  const r = averageValueReplicas(2, 100 * mi, 'memory', pods(['1', '1']), usage([200 * mi, 200 * mi]));
  assert.equal(r.replicas, 4);
});
