import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseSimulatedUsage, simulatedSummary, simulatedUsageAnnotation } from './usage.js';

test('the usage annotation takes cpu and memory quantities; anything else is refused', () => {
  assert.deepEqual(parseSimulatedUsage('cpu=200m,memory=64Mi'), { nanoCores: 200_000_000, bytes: 64 * 1024 * 1024 });
  assert.deepEqual(parseSimulatedUsage('cpu=1'), { nanoCores: 1_000_000_000, bytes: 0 });
  assert.equal(parseSimulatedUsage('gpu=1'), undefined);
  assert.equal(parseSimulatedUsage('cpu=lots'), undefined);
});

test('a simulated node reports its running pods from their annotation, shared between containers, plus its own base', () => {
  const start = new Date('2026-01-01T00:00:00Z');
  const now = new Date('2026-01-01T00:00:10Z');
  const pod = (name: string, usage: string | undefined, phase = 'Running'): Pod => ({
    metadata: { name, namespace: 'default', uid: name, ...(usage ? { annotations: { [simulatedUsageAnnotation]: usage } } : {}) },
    spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    status: { phase, startTime: start.toISOString() },
  });
  const summary = simulatedSummary('n1', [pod('busy', 'cpu=400m,memory=100Mi'), pod('idle', undefined), pod('pending', 'cpu=1', 'Pending')], now, {
    nodeStartTime: start,
    systemUsage: { nanoCores: 50_000_000, bytes: 1000 },
  });
  assert.deepEqual(summary.pods.map((p) => p.podRef.name), ['busy', 'idle']);
  const busy = summary.pods[0]!;
  assert.equal(busy.cpu?.usageNanoCores, 400_000_000);
  assert.equal(busy.cpu?.usageCoreNanoSeconds, 4_000_000_000);
  assert.deepEqual(busy.containers.map((c) => c.cpu?.usageNanoCores), [200_000_000, 200_000_000]);
  assert.equal(summary.node.cpu?.usageNanoCores, 450_000_000);
  assert.equal(summary.node.memory?.workingSetBytes, 100 * 1024 * 1024 + 1000);
});
