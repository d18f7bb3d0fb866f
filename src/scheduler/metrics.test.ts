import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import { Registry } from '../apimachinery/metrics.js';
import { resources } from '../client/client.js';
import { WorkQueueMetricsProvider } from '../client/work-queue-metrics.js';
import { simulationEnvironment } from '../testing/simulation.js';
import { waitFor } from '../testing/wait.js';
import { runController } from '../client/controller.js';
import { familyOf, parsePrometheusText, samplesOf } from '../testing/prometheus-text.js';
import { Scheduler } from './scheduler.js';

function node(name: string): Node & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: { capacity: { cpu: '1', memory: '1Gi', pods: '110' }, allocatable: { cpu: '1', memory: '1Gi', pods: '110' } },
  };
}

function pod(name: string, cpu: string): Pod & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu } } }] },
  };
}

test('the scheduler counts and times its attempts by result, and its queue reports work-queue metrics', async () => {
  const env = simulationEnvironment();
  const registry = new Registry();
  await env.client.create(resources.nodes, '', node('n1'));
  await env.client.create(resources.pods, 'default', pod('fits', '100m'));
  await env.client.create(resources.pods, 'default', pod('too-big', '8'));
  const ctx = { ...env.ctx, metrics: registry, workQueueMetrics: new WorkQueueMetricsProvider(registry) };
  const scheduler = new Scheduler(ctx);
  env.run((signal) => runController(ctx, scheduler, signal));
  try {
    const attempts = (result: string, families: Awaited<ReturnType<typeof parsePrometheusText>>) =>
      samplesOf(familyOf(families, 'scheduler_schedule_attempts'), 'scheduler_schedule_attempts_total', { result, profile: 'default-scheduler' })[0]?.value ?? 0;
    const families = await waitFor(
      'one scheduled and one unschedulable attempt',
      async () => {
        const parsed = await parsePrometheusText(await registry.render());
        return attempts('scheduled', parsed) === 1 && attempts('unschedulable', parsed) >= 1 ? parsed : undefined;
      },
      { clock: env.clock },
    );
    const duration = familyOf(families, 'scheduler_scheduling_attempt_duration_seconds');
    assert.equal(duration.type, 'histogram');
    assert.equal(samplesOf(duration, 'scheduler_scheduling_attempt_duration_seconds_count', { result: 'scheduled', profile: 'default-scheduler' })[0]?.value, 1);
    assert.equal(samplesOf(duration, 'scheduler_scheduling_attempt_duration_seconds_bucket', { result: 'scheduled' })[0]?.labels.le, '0.001');
    const adds = samplesOf(familyOf(families, 'workqueue_adds'), 'workqueue_adds_total', { name: 'scheduler' })[0]?.value ?? 0;
    assert.ok(adds >= 2, `scheduler queue adds: ${adds}`);
  } finally {
    await env.stop();
  }
});
