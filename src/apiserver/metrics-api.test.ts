import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../apimachinery/clock.js';
import { StatusError } from '../apimachinery/errors.js';
import type { Summary } from '../apimachinery/stats-summary.js';
import { cpuQuantity, memoryQuantity, MetricsAPI } from './metrics-api.js';

const node: Node = { metadata: { name: 'n1', labels: { zone: 'a' } } };
const pod = (name: string, app: string): Pod => ({ metadata: { name, namespace: 'default', labels: { app } }, spec: { nodeName: 'n1', containers: [{ name: 'c' }] }, status: { phase: 'Running' } });

test('quantities as metrics-server writes them', () => {
  assert.equal(cpuQuantity(1_234_567.4), '1234567n');
  assert.equal(memoryQuantity(64 * 1024 * 1024), '65536Ki');
  assert.equal(memoryQuantity(1000), '1000');
});

test('CPU from cumulative figures is a rate between two scrapes; a node is scraped once per resolution', async () => {
  const clock = new FakeClock();
  let scrapes = 0;
  let cpuSeconds = 0;
  const api = new MetricsAPI({
    clock,
    resolutionMs: 1000,
    listNodes: async () => [node],
    listPods: async () => [pod('web', 'web'), pod('db', 'db')],
    summary: async (): Promise<Summary> => {
      scrapes++;
      const time = clock.now().toISOString();
      const figures = { cpu: { time, usageCoreNanoSeconds: cpuSeconds * 1e9 }, memory: { time, workingSetBytes: 1024 } };
      return {
        node: { nodeName: 'n1', startTime: time, ...figures },
        pods: ['web', 'db'].map((name) => ({ podRef: { name, namespace: 'default', uid: name }, startTime: time, containers: [{ name: 'c', startTime: time, ...figures }], ...figures })),
      };
    },
  });
  assert.deepEqual((await api.list('pods', 'default', '')).items, [], 'no rate after one scrape');
  await api.list('nodes', '', '');
  assert.equal(scrapes, 1, 'the scrape is reused within the resolution');
  clock.advance(2000);
  cpuSeconds = 1; // one CPU second in two seconds: 500m
  const pods = await api.list('pods', 'default', 'app=web');
  assert.deepEqual(pods.items.map((p) => [p.metadata?.name, (p as unknown as { containers: { usage: unknown }[] }).containers[0]?.usage]), [['web', { cpu: '500000000n', memory: '1Ki' }]]);
  const nodeMetrics = await api.get('nodes', '', 'n1');
  assert.deepEqual((nodeMetrics as unknown as { usage: unknown }).usage, { cpu: '500000000n', memory: '1Ki' });
  await assert.rejects(api.get('pods', 'default', 'nope'), (err: unknown) => err instanceof StatusError && err.code === 404 && err.message === 'podmetrics.metrics.k8s.io "default/nope" not found');
});
