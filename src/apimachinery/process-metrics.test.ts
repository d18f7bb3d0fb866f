import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from './metrics.js';
import { currentProcessFacts, registerProcessMetrics } from './process-metrics.js';
import { familyOf, parsePrometheusText, samplesOf } from '../testing/prometheus-text.js';

test('process and heap gauges are set from the facts at each scrape', async () => {
  const registry = new Registry();
  let rss = 100;
  registerProcessMetrics(registry, {
    memory: () => ({ resident: rss, virtual: 1000 }),
    heap: () => ({ heapUsed: 10, heapTotal: 20, external: 3, arrayBuffers: 2 }),
    cpuSeconds: () => 1.5,
    startTimeSeconds: 1700000000,
  });
  const value = async (name: string) => samplesOf(familyOf(await parsePrometheusText(await registry.render()), name), name)[0]?.value;
  assert.equal(await value('process_resident_memory_bytes'), 100);
  rss = 200;
  assert.equal(await value('process_resident_memory_bytes'), 200);
  assert.equal(await value('process_cpu_seconds_total'), 1.5);
  assert.equal(await value('process_start_time_seconds'), 1700000000);
  assert.equal(await value('nodejs_heap_size_used_bytes'), 10);
});

test('the current process reports a resident size and a start time in the past', () => {
  const facts = currentProcessFacts();
  assert.ok(facts.memory().resident > 0);
  assert.ok(facts.startTimeSeconds <= Date.now() / 1000);
});
