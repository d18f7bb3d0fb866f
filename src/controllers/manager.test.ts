import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { systemClock } from '../apimachinery/clock.js';
import { Registry } from '../apimachinery/metrics.js';
import type { KubeObject } from '../apimachinery/object.js';
import { ApiServer } from '../apiserver/server.js';
import { bootstrapCluster } from '../apiserver/bootstrap.js';
import { InProcessClient } from '../apiserver/in-process-client.js';
import { resources } from '../client/client.js';
import { SqliteStore } from '../storage/sqlite.js';
import { waitFor } from '../testing/controllers.js';
import { familyOf, parsePrometheusText, samplesOf, type ParsedFamily } from '../testing/prometheus-text.js';
import { ControllerManager } from './manager.js';
import { replicaSetControllerFactory } from './replicaset/controller.js';
import { schedulerFactory } from '../scheduler/scheduler.js';

/** A sample's value, 0 while its family or series does not exist yet. */
function sampleValue(families: ParsedFamily[], family: string, sample: string, labels: Record<string, string>): number {
  const found = families.find((f) => f.name === family);
  return (found && samplesOf(found, sample, labels)[0]?.value) ?? 0;
}

test("the controllers' work queues and the scheduler record into the process registry the API server serves", async () => {
  const store = SqliteStore.open(':memory:');
  const metrics = new Registry();
  const api = new ApiServer({ store, authenticator: { authenticate: () => undefined }, metrics });
  await bootstrapCluster({ kubernetesServiceIP: '10.43.0.1', endpointAddress: '127.0.0.1', endpointPort: 6443, store: (g, v, p) => api.store(g, v, p) });
  const client = new InProcessClient(api.operations);
  const stop = new AbortController();
  const manager = new ControllerManager({
    client,
    clock: systemClock,
    controllers: [replicaSetControllerFactory, schedulerFactory],
    settings: { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local', clusterDNS: '10.43.0.10', dataDir: '/tmp/skiff-test' },
    metrics,
    log: () => undefined,
  });
  const running = manager.start(stop.signal);
  try {
    const replicaSet: ReplicaSet & KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    await client.create(resources.replicasets, 'default', replicaSet);
    const families = await waitFor(
      'the replicaset queue to process its key and the scheduler to try both pods',
      async () => {
        const parsed = await parsePrometheusText(await metrics.render());
        const work = sampleValue(parsed, 'workqueue_work_duration_seconds', 'workqueue_work_duration_seconds_count', { name: 'replicaset' });
        const attempts = sampleValue(parsed, 'scheduler_schedule_attempts', 'scheduler_schedule_attempts_total', { result: 'unschedulable' });
        return work >= 1 && attempts >= 2 && parsed;
      },
      { timeoutMs: 20_000 },
    );
    const adds = sampleValue(families, 'workqueue_adds', 'workqueue_adds_total', { name: 'replicaset' });
    assert.ok(adds >= 1, `replicaset adds: ${adds}`);
    assert.ok(sampleValue(families, 'workqueue_adds', 'workqueue_adds_total', { name: 'scheduler' }) >= 2);
    assert.equal(familyOf(families, 'workqueue_depth').type, 'gauge');
    // The controllers' writes went through the instrumented store.
    assert.ok(sampleValue(families, 'etcd_request_duration_seconds', 'etcd_request_duration_seconds_count', { operation: 'create', type: 'pods' }) >= 2);
  } finally {
    stop.abort();
    await running;
    await store.close();
  }
});
