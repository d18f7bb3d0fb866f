import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../apimachinery/metrics.js';
import { FakeClock } from '../apimachinery/clock.js';
import { familyOf, parsePrometheusText, samplesOf, type ParsedFamily } from '../testing/prometheus-text.js';
import { WorkQueue } from './work-queue.js';
import { WorkQueueMetricsProvider } from './work-queue-metrics.js';

function sample(families: ParsedFamily[], family: string, sampleName: string, labels: Record<string, string> = {}): number | undefined {
  return samplesOf(familyOf(families, family), sampleName, labels)[0]?.value;
}

test('a work queue reports depth, adds, retries, wait and work time under its name, as client-go', async () => {
  let nowMs = 1000;
  const registry = new Registry({ now: () => nowMs });
  const provider = new WorkQueueMetricsProvider(registry);
  const queue = new WorkQueue<string>({ clock: new FakeClock(), metrics: provider.forQueue('replicaset') });
  const other = new WorkQueue<string>({ clock: new FakeClock(), metrics: provider.forQueue('deployment') });
  queue.add('a');
  queue.add('b');
  queue.add('a'); // already waiting: not an add
  other.add('x');
  let families = await parsePrometheusText(await registry.render());
  assert.equal(sample(families, 'workqueue_depth', 'workqueue_depth', { name: 'replicaset' }), 2);
  assert.equal(sample(families, 'workqueue_adds', 'workqueue_adds_total', { name: 'replicaset' }), 2);
  assert.equal(sample(families, 'workqueue_depth', 'workqueue_depth', { name: 'deployment' }), 1);

  nowMs += 250; // 'a' waited 250 ms
  const key = await queue.get();
  assert.equal(key, 'a');
  nowMs += 2000; // and is worked on for 2 s, with 'b' still waiting
  families = await parsePrometheusText(await registry.render());
  assert.equal(sample(families, 'workqueue_depth', 'workqueue_depth', { name: 'replicaset' }), 1);
  assert.equal(sample(families, 'workqueue_unfinished_work_seconds', 'workqueue_unfinished_work_seconds', { name: 'replicaset' }), 2);
  assert.equal(sample(families, 'workqueue_longest_running_processor_seconds', 'workqueue_longest_running_processor_seconds', { name: 'replicaset' }), 2);
  const waited = familyOf(families, 'workqueue_queue_duration_seconds');
  assert.equal(waited.type, 'histogram');
  assert.equal(sample(families, 'workqueue_queue_duration_seconds', 'workqueue_queue_duration_seconds_sum', { name: 'replicaset' }), 0.25);
  assert.equal(sample(families, 'workqueue_queue_duration_seconds', 'workqueue_queue_duration_seconds_bucket', { name: 'replicaset', le: '0.1' }), 0);
  assert.equal(sample(families, 'workqueue_queue_duration_seconds', 'workqueue_queue_duration_seconds_bucket', { name: 'replicaset', le: '1' }), 1);

  queue.addRateLimited('a'); // a failure: retried later
  queue.done('a');
  families = await parsePrometheusText(await registry.render());
  assert.equal(sample(families, 'workqueue_retries', 'workqueue_retries_total', { name: 'replicaset' }), 1);
  assert.equal(sample(families, 'workqueue_work_duration_seconds', 'workqueue_work_duration_seconds_sum', { name: 'replicaset' }), 2);
  assert.equal(sample(families, 'workqueue_work_duration_seconds', 'workqueue_work_duration_seconds_count', { name: 'replicaset' }), 1);
  assert.equal(sample(families, 'workqueue_unfinished_work_seconds', 'workqueue_unfinished_work_seconds', { name: 'replicaset' }), 0);
  // client-go's bucket bounds: 10 ns to 10 s by tens (with the same floating-point products).
  assert.deepEqual(
    samplesOf(waited, 'workqueue_queue_duration_seconds_bucket', { name: 'replicaset' }).map((s) => s.labels.le),
    ['1e-8', '1e-7', '0.000001', '0.000009999999999999999', '0.00009999999999999999', '0.001', '0.01', '0.1', '1', '10', '+Inf'],
  );
  queue.shutDown();
  other.shutDown();
});

test('a key added while it is processed counts once in depth, until it is handed out again', async () => {
  const registry = new Registry({ now: () => 0 });
  const queue = new WorkQueue<string>({ clock: new FakeClock(), metrics: new WorkQueueMetricsProvider(registry).forQueue('q') });
  queue.add('k');
  assert.equal(await queue.get(), 'k');
  queue.add('k');
  queue.add('k');
  const depth = async () => sample(await parsePrometheusText(await registry.render()), 'workqueue_depth', 'workqueue_depth', { name: 'q' });
  assert.equal(await depth(), 1);
  queue.done('k');
  assert.equal(await queue.get(), 'k');
  assert.equal(await depth(), 0);
  queue.done('k');
  queue.shutDown();
});

test('asking the provider again for a name continues the same series', async () => {
  const registry = new Registry();
  const provider = new WorkQueueMetricsProvider(registry);
  assert.equal(provider.forQueue('a'), provider.forQueue('a'));
  provider.forQueue('a').add('x');
  new WorkQueueMetricsProvider(registry).forQueue('a').add('y');
  assert.match(await registry.render(), /workqueue_adds_total\{name="a"\} 2/);
});
