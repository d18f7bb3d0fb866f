/**
 * bench/scheduler: pods scheduled per second onto 100 and 1,000 nodes, in the manner of
 * upstream's scheduler_perf (nodes are API objects only; nothing runs the pods). The baseline,
 * measured in the same run on the same API server, binds the same number of pods to nodes
 * round-robin with no scheduling decision: the ratio is what choosing a node costs on top of
 * the binding writes. Upstream's published floor (680 pods/s for 10,000 pods on 5,000 nodes) is
 * printed beside it for reference. Sizes: BENCH_PODS (default 3,000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiServer } from '../src/apiserver/server.js';
import { bootstrapCluster } from '../src/apiserver/bootstrap.js';
import { resources, type Client } from '../src/client/client.js';
import { systemClock } from '../src/apimachinery/clock.js';
import { ApiEventRecorder } from '../src/client/events.js';
import { InformerFactory } from '../src/client/informer.js';
import { InProcessClient } from '../src/apiserver/in-process-client.js';
import { runController, type ControllerContext } from '../src/client/controller.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { SqliteStore } from '../src/storage/sqlite.js';
import { RegistryDiscovery } from '../src/apiserver/served-resources.js';

const podCount = Number(process.env.BENCH_PODS ?? 3000);

async function withServer<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-sched-'));
  const store = SqliteStore.open(join(dir, 'state.db'));
  try {
    const api = new ApiServer({ store, authenticator: { authenticate: () => undefined } });
    await bootstrapCluster({ kubernetesServiceIP: '10.43.0.1', endpointAddress: '127.0.0.1', endpointPort: 6443, store: (g, v, p) => api.store(g, v, p) });
    return await fn(new InProcessClient(api.operations));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function createNodes(client: Client, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `node-${i}`;
    names.push(name);
    await client.create(resources.nodes, '', {
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: { podCIDR: `10.42.${i % 256}.0/24` },
      status: {
        capacity: { cpu: '32', memory: '256Gi', pods: '110' },
        allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated' }],
      },
    });
  }
  return names;
}

async function createPods(client: Client, count: number, prefix: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await client.create(resources.pods, 'default', {
        metadata: { name: `${prefix}-${i}`, labels: { app: prefix } },
        spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '10Mi' } } }] },
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** Binds pods round-robin with no decision: the baseline. */
async function bindDirectly(client: Client, nodes: string[]): Promise<number> {
  await createPods(client, podCount, 'raw');
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= podCount) return;
      await client.create(
        resources.pods,
        'default',
        { apiVersion: 'v1', kind: 'Binding', metadata: { name: `raw-${i}` }, target: { kind: 'Node', name: nodes[i % nodes.length] } },
        { subresource: 'binding' },
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return podCount / ((performance.now() - started) / 1000);
}

/** Runs the scheduler over pending pods and times until every one is bound. */
async function schedule(client: Client): Promise<number> {
  await createPods(client, podCount, 'sched');
  const ac = new AbortController();
  const informers = new InformerFactory(client, { clock: systemClock });
  const ctx: ControllerContext = {
    client,
    informers,
    clock: systemClock,
    settings: { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local', clusterDNS: '10.43.0.10', dataDir: tmpdir() },
    onError: (err, where) => console.error(where, err),
    discovery: new RegistryDiscovery(),
    recorder: (component) => new ApiEventRecorder({ client, clock: systemClock, component }),
  };
  const scheduler = new Scheduler(ctx);
  const started = performance.now();
  informers.start(ac.signal);
  const running = runController(ctx, scheduler, ac.signal);
  for (;;) {
    const bound = await client.list(resources.pods, 'default', { fieldSelector: 'spec.nodeName=', labelSelector: 'app=sched', limit: 1 });
    if (bound.items.length === 0) break;
    await systemClock.sleep(20);
  }
  const seconds = (performance.now() - started) / 1000;
  ac.abort();
  await running;
  return podCount / seconds;
}

for (const nodeCount of [100, 1000]) {
  const [raw, scheduled] = await withServer(async (client) => {
    const nodes = await createNodes(client, nodeCount);
    const rawRate = await bindDirectly(client, nodes);
    // The pods bound above stay: the scheduler sees nodes that already hold pods, as in scheduler_perf.
    const schedRate = await schedule(client);
    return [rawRate, schedRate];
  });
  console.log(
    `scheduler/${nodeCount} nodes: ${scheduled.toFixed(0)} pods/s scheduled vs ${raw.toFixed(0)} pods/s bound without decisions -> ratio ${(scheduled / raw).toFixed(3)}; upstream scheduler_perf floor 680 pods/s -> ${(scheduled / 680).toFixed(2)}x`,
  );
}
