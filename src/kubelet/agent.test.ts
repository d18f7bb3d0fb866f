import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../apimachinery/clock.js';
import { isStatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client, type ListOptions, type ResourceRef } from '../client/client.js';
import { CertificateAuthority } from '../pki/ca.js';
import { apiServerClient } from '../testing/controllers.js';
import { waitFor } from '../testing/wait.js';
import { NodeAgent } from './agent.js';
import { servingCertFromCA } from './serving-cert.js';
import { FakeRuntime } from './testing.js';

/** A list or watch the agent made. */
interface ReadCall {
  verb: 'list' | 'watch';
  resource: string;
  namespace: string;
  fieldSelector: string;
}

/** `client`, recording every list and watch. */
function recordingClient(client: Client, calls: ReadCall[]): Client {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (prop !== 'list' && prop !== 'watch') return method.bind(target);
      return (...args: unknown[]) => {
        const [ref, namespace, options] = args as [ResourceRef, string, ListOptions | undefined];
        calls.push({ verb: prop, resource: ref.resource, namespace, fieldSelector: options?.fieldSelector ?? '' });
        return method.apply(target, args);
      };
    },
  });
}

describe('NodeAgent on a fake runtime', () => {
  test('registers its Node, runs a bound pod with what it references, and reads only its own objects', async () => {
    const clock = new FakeClock();
    const api = await apiServerClient({ clock });
    const dir = await mkdtemp(join(tmpdir(), 'agent-'));
    const calls: ReadCall[] = [];
    const client = recordingClient(api.client, calls);
    const runtime = new FakeRuntime({ clock, images: ['busybox:1.36'] });
    const stop = new AbortController();
    const logs: string[] = [];
    let running: Promise<void> | undefined;
    try {
      const object = (kind: string, name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'default' }, data }) as KubeObject;
      await api.client.create(resources.configmaps, 'default', object('ConfigMap', 'settings', { greeting: 'hello' }));
      await api.client.create(resources.configmaps, 'default', object('ConfigMap', 'unrelated', { x: '1' }));
      await api.client.create(resources.secrets, 'default', object('Secret', 'unrelated', {}));
      const backend = await api.client.create<Service & KubeObject>(resources.services, 'default', {
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 8080 }] },
      });
      const backendIP = backend.spec?.clusterIP ?? '';
      assert.ok(backendIP, 'the Service got a cluster IP');
      const ca = await CertificateAuthority.loadOrCreate({ dir: join(dir, 'ca') });
      const agent = new NodeAgent({
        client,
        nodeName: 'node-a',
        nodeIP: '127.0.0.1',
        dataDir: dir,
        containerRuntimeEndpoint: 'unix:///fake.sock',
        connectRuntime: () => runtime,
        kubeletPort: 0,
        trustedClientCAPem: ca.certificatePem,
        servingCertificate: servingCertFromCA(ca),
        podRoutes: false,
        clock,
        log: (m) => logs.push(m),
      });
      running = agent.start(stop.signal);
      const node = await waitFor('the Node registered', () => get<Node & KubeObject>(api.client, resources.nodes, '', 'node-a'), { clock, timeoutMs: 20_000 });
      assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, 'fake://1.0.0');

      await api.client.create(resources.pods, 'default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          nodeName: 'node-a',
          automountServiceAccountToken: false,
          containers: [{ name: 'app', image: 'busybox:1.36', env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } }] }],
        },
      } as Pod & KubeObject);
      const pod = await waitFor(
        'the pod Running',
        async () => {
          const p = await get<Pod & KubeObject>(api.client, resources.pods, 'default', 'web');
          return p?.status?.phase === 'Running' ? p : undefined;
        },
        { clock, timeoutMs: 20_000, errors: logs },
      );
      const container = runtime.containersOf(pod.metadata?.uid ?? '', 'app')[0];
      const envs = new Map((container?.config.envs ?? []).map((e) => [e.key, e.value]));
      assert.equal(envs.get('GREETING'), 'hello');
      // The Service of the pod's namespace, as link variables.
      assert.equal(envs.get('BACKEND_SERVICE_HOST'), backendIP);
      assert.equal(envs.get('BACKEND_SERVICE_PORT_HTTP'), '8080');
      assert.equal(envs.get('BACKEND_PORT'), `tcp://${backendIP}:8080`);

      // Only its pods, its Node and the one ConfigMap its pod uses, each by selector; cluster-wide only the Services (as upstream's kubelet, for the pods' variables).
      const reads = [...new Set(calls.map((c) => `${c.resource} ${c.namespace || '-'} ${c.fieldSelector}`))].sort();
      assert.deepEqual(reads, ['configmaps default metadata.name=settings', 'nodes - metadata.name=node-a', 'pods - spec.nodeName=node-a', 'services - ']);
    } finally {
      stop.abort();
      await running;
      await api.close();
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal(runtime.closed, true);
  });
});

describe('NodeAgent readiness', () => {
  test('writes Ready within one fast poll of the runtime turning ready, not at the 10 s status check', async () => {
    const clock = new FakeClock();
    const api = await apiServerClient({ clock });
    const dir = await mkdtemp(join(tmpdir(), 'agent-ready-'));
    // As containerd on a first start: the runtime answers, its CNI network is not ready yet.
    const runtime = new FakeRuntime({ clock });
    runtime.networkReady = false;
    const stop = new AbortController();
    const logs: string[] = [];
    let running: Promise<void> | undefined;
    const readyCondition = async () => (await get<Node & KubeObject>(api.client, resources.nodes, '', 'node-a'))?.status?.conditions?.find((c) => c.type === 'Ready');
    try {
      const ca = await CertificateAuthority.loadOrCreate({ dir: join(dir, 'ca') });
      running = new NodeAgent({
        client: api.client,
        nodeName: 'node-a',
        nodeIP: '127.0.0.1',
        dataDir: dir,
        containerRuntimeEndpoint: 'unix:///fake.sock',
        connectRuntime: () => runtime,
        kubeletPort: 0,
        trustedClientCAPem: ca.certificatePem,
        servingCertificate: servingCertFromCA(ca),
        podRoutes: false,
        clock,
        log: (m) => logs.push(m),
      }).start(stop.signal);
      const notReady = await waitFor(
        'the Node not Ready for the network',
        async () => {
          const ready = await readyCondition();
          return ready?.message?.includes('NetworkReady=false') ? ready : undefined;
        },
        { clock, timeoutMs: 20_000, errors: logs },
      );
      assert.equal(notReady.status, 'False');
      assert.match(notReady.message ?? '', /NetworkReady=false reason:NetworkPluginNotReady/);
      // Long enough for the fast poll to back off to its longest interval, short of the 10 s check.
      await clock.advanceAsync(3000);
      assert.equal((await readyCondition())?.status, 'False');

      const turnedReadyAt = clock.now().getTime();
      runtime.networkReady = true;
      await waitFor('the Node Ready', async () => (await readyCondition())?.status === 'True', { clock, timeoutMs: 20_000, errors: logs });
      const delayMs = clock.now().getTime() - turnedReadyAt;
      // One fast poll (at most 1 s apart) plus the status post, far from the 10 s periodic check.
      assert.ok(delayMs <= 1200, `Ready written ${delayMs} ms (fake clock) after the runtime turned ready`);
    } finally {
      stop.abort();
      await running;
      await api.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function get<T extends KubeObject>(client: Client, ref: ResourceRef, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(ref, namespace, name);
  } catch (err) {
    if (isStatusError(err, 404)) return undefined;
    throw err;
  }
}
