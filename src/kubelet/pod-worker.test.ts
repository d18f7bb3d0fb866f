import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock, settle } from '../apimachinery/clock.js';
import { isStatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from '../client/client.js';
import { MemoryEventRecorder } from '../client/events.js';
import { apiServerClient } from '../testing/controllers.js';
import { ImageManager } from './image-manager.js';
import { PodWorker } from './pod-worker.js';
import { ProbeManager } from './prober/probe-worker.js';
import { FakeRuntime } from './testing.js';
import { PodVolumes } from './volumes/volumes.js';

type PodObject = Pod & KubeObject;

const nodeName = 'node-a';

/** A pod worker on a fake runtime and a real in-process API server, sharing one fake clock. */
interface WorkerHarness {
  clock: FakeClock;
  client: Client;
  runtime: FakeRuntime;
  recorder: MemoryEventRecorder;
  worker: PodWorker;
  /** A new worker on the same runtime and API (the agent restarted). */
  restartAgent(): PodWorker;
  /** The pod as the API has it now, or undefined when it is gone. */
  pod(name: string): Promise<PodObject | undefined>;
  /** Syncs the pod as the API has it now with the current worker. */
  sync(name: string): Promise<{ requeueAfter?: number }>;
  close(): Promise<void>;
}

async function harness(): Promise<WorkerHarness> {
  const clock = new FakeClock();
  const api = await apiServerClient({ clock });
  const client = api.client;
  const runtime = new FakeRuntime({ clock, images: ['busybox:1.36'] });
  const recorder = new MemoryEventRecorder();
  const dir = await mkdtemp(join(tmpdir(), 'pod-worker-'));
  const probes: ProbeManager[] = [];
  const newWorker = (): PodWorker => {
    const probeManager = new ProbeManager({
      clock,
      exec: async (containerID, command, timeoutSeconds) => {
        const r = await runtime.execSync(containerID, command, timeoutSeconds);
        return { exitCode: r.exitCode, output: r.stdout.toString('utf8') };
      },
    });
    probes.push(probeManager);
    const worker = new PodWorker({
      client,
      cri: runtime,
      images: new ImageManager(runtime, recorder, clock),
      volumes: new PodVolumes({
        podsDir: join(dir, 'pods'),
        nodeName,
        memoryBackedSecrets: false,
        sources: { configMap: () => undefined, secret: () => undefined, persistentVolumeClaim: () => undefined, persistentVolume: () => undefined },
      }),
      probes: probeManager,
      recorder,
      clock,
      sources: { configMap: () => undefined, secret: () => undefined },
      settings: {
        nodeName,
        nodeIP: '192.168.1.10',
        podsDir: join(dir, 'pods'),
        logRoot: join(dir, 'logs'),
        clusterDNS: ['10.43.0.10'],
        clusterDomain: 'cluster.local',
        hostResolvConf: { servers: ['192.168.1.1'], searches: [], options: [] },
        nodeAllocatable: { cpu: '2', memory: '4Gi' },
        nodeMemoryCapacityBytes: 4 * 1024 ** 3,
      },
    });
    // As the agent wires it: a failed liveness probe marks the container for the next sync; probe events go on the pod.
    probeManager.onLivenessFailure((_uid, _name, containerID, output) => worker.livenessFailure(containerID, output));
    probeManager.onProbeEvent((e) => recorder.event({ kind: 'Pod', metadata: { uid: e.podUID } }, 'Warning', e.reason, e.message));
    return worker;
  };
  const pod = async (name: string): Promise<PodObject | undefined> => {
    try {
      return await client.get<PodObject>(resources.pods, 'default', name);
    } catch (err) {
      if (isStatusError(err, 404)) return undefined;
      throw err;
    }
  };
  const h: WorkerHarness = {
    clock,
    client,
    runtime,
    recorder,
    worker: newWorker(),
    restartAgent(): PodWorker {
      h.worker = newWorker();
      return h.worker;
    },
    pod,
    async sync(name: string) {
      const current = await pod(name);
      assert.ok(current, `pod ${name} exists`);
      return h.worker.sync(current);
    },
    async close(): Promise<void> {
      for (const p of probes) p.stop();
      await api.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

async function createPod(client: Client, name: string, containers: Container[], spec: Partial<Pod['spec']> = {}): Promise<PodObject> {
  return client.create<PodObject>(resources.pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, automountServiceAccountToken: false, containers, ...spec },
  });
}

const app = (name = 'app'): Container => ({ name, image: 'busybox:1.36', command: ['sleep', '3600'] });

describe('PodWorker on a fake runtime', () => {
  test('a new pod gets its sandbox, then its containers, and a Running status', async () => {
    const h = await harness();
    try {
      await createPod(h.client, 'web', [app('app'), app('sidecar')], { initContainers: [{ name: 'setup', image: 'busybox:1.36', command: ['true'] }] });
      await h.sync('web');
      assert.deepEqual(
        h.runtime.calls.map((c) => `${c.rpc} ${c.name}`),
        ['RunPodSandbox web', 'CreateContainer setup', 'StartContainer setup'],
      );
      const setup = h.runtime.containersOf((await h.pod('web'))?.metadata?.uid ?? '', 'setup')[0];
      assert.ok(setup);
      let pod = await h.pod('web');
      assert.equal(pod?.status?.phase, 'Pending');
      assert.equal(pod?.status?.initContainerStatuses?.[0]?.state?.running !== undefined, true);
      assert.equal(pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');

      h.runtime.exitContainer(setup.status.id, 0);
      await h.sync('web');
      assert.deepEqual(
        h.runtime.calls.slice(3).map((c) => `${c.rpc} ${c.name}`),
        ['CreateContainer app', 'StartContainer app', 'CreateContainer sidecar', 'StartContainer sidecar'],
      );
      pod = await h.pod('web');
      assert.equal(pod?.status?.phase, 'Running');
      assert.equal(pod?.status?.podIP, '10.42.0.1');
      assert.equal(pod?.status?.hostIP, '192.168.1.10');
      assert.equal(pod?.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
      assert.deepEqual(
        pod?.status?.containerStatuses?.map((s) => [s.name, s.ready, s.restartCount, s.containerID?.startsWith('containerd://')]),
        [
          ['app', true, 0, true],
          ['sidecar', true, 0, true],
        ],
      );
      assert.equal(pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    } finally {
      await h.close();
    }
  });

  test('a crashing container restarts with back-off: 10 s, doubling, capped at 5 min (CrashLoopBackOff)', async () => {
    const h = await harness();
    try {
      await createPod(h.client, 'crash', [app()]);
      await h.sync('crash');
      const uid = (await h.pod('crash'))?.metadata?.uid ?? '';
      const crash = () => {
        const running = h.runtime.containersOf(uid, 'app')[0];
        assert.equal(running?.status.state, 'CONTAINER_RUNNING');
        h.runtime.exitContainer(running.status.id, 1);
      };
      // The first exit restarts at once.
      crash();
      await h.sync('crash');
      assert.equal(h.runtime.containersOf(uid, 'app').length, 2);
      assert.equal((await h.pod('crash'))?.status?.containerStatuses?.[0]?.restartCount, 1);

      const delays = [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000];
      const shown = ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s'];
      for (const [i, delay] of delays.entries()) {
        const restart = i + 2;
        crash();
        const waiting = await h.sync('crash');
        const status = (await h.pod('crash'))?.status?.containerStatuses?.[0];
        assert.equal(status?.state?.waiting?.reason, 'CrashLoopBackOff');
        assert.equal(status?.state?.waiting?.message, `back-off ${shown[i]} restarting failed container=app pod=crash_default(${uid})`);
        assert.equal(status?.lastState?.terminated?.exitCode, 1);
        assert.equal(h.runtime.containersOf(uid, 'app').length, restart, 'no restart while backing off');
        // The worker looks again when the back-off ends, or at the periodic resync if sooner.
        assert.equal(waiting.requeueAfter, Math.min(delay, 10_000));
        // One millisecond early it still waits; on time it restarts.
        h.clock.advance(delay - 1);
        await h.sync('crash');
        assert.equal(h.runtime.containersOf(uid, 'app').length, restart);
        h.clock.advance(1);
        await h.sync('crash');
        assert.equal(h.runtime.containersOf(uid, 'app').length, restart + 1);
        const restarted = (await h.pod('crash'))?.status?.containerStatuses?.[0];
        assert.equal(restarted?.restartCount, restart);
        assert.ok(restarted?.state?.running);
      }
      assert.ok(h.recorder.events.some((e) => e.reason === 'BackOff' && e.message === 'Back-off restarting failed container app in pod crash_default(' + uid + ')'));
    } finally {
      await h.close();
    }
  });

  test('a failing liveness probe gets the container killed and restarted', async () => {
    const h = await harness();
    try {
      const probed: Container = { ...app(), livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 10, failureThreshold: 3 } };
      await createPod(h.client, 'live', [probed]);
      await h.sync('live');
      const uid = (await h.pod('live'))?.metadata?.uid ?? '';
      const first = h.runtime.containersOf(uid, 'app')[0];
      assert.ok(first);
      let healthy = true;
      h.runtime.execHandler = (_c, cmd) => (healthy ? { exitCode: 0 } : { exitCode: 1, stdout: `${cmd[1]}: No such file or directory` });
      await h.clock.advanceAsync(60_000);
      await h.sync('live');
      assert.equal(h.runtime.containersOf(uid, 'app').length, 1, 'a healthy container stays');

      healthy = false;
      await h.clock.advanceAsync(30_000);
      await settle();
      await h.sync('live');
      const attempts = h.runtime.containersOf(uid, 'app');
      assert.equal(attempts.length, 2);
      assert.equal(attempts[1]?.status.id, first.status.id);
      assert.equal(attempts[1]?.status.state, 'CONTAINER_EXITED');
      assert.equal(attempts[0]?.status.state, 'CONTAINER_RUNNING');
      assert.ok(h.runtime.calls.some((c) => c.rpc === 'StopContainer' && c.id === first.status.id && c.timeoutSeconds === 30));
      const events = h.recorder.events.map((e) => `${e.reason}: ${e.message}`);
      assert.ok(events.includes('Unhealthy: Liveness probe failed: /tmp/healthy: No such file or directory'), events.join('\n'));
      assert.ok(events.includes('Killing: Container app failed liveness probe, will be restarted'), events.join('\n'));
      assert.equal((await h.pod('live'))?.status?.containerStatuses?.[0]?.restartCount, 1);
    } finally {
      await h.close();
    }
  });

  test('graceful deletion: SIGTERM with the grace period, kill when it runs out, then the pod object goes', async () => {
    const h = await harness();
    try {
      await createPod(h.client, 'bye', [app('app'), app('stubborn')], { terminationGracePeriodSeconds: 20 });
      await h.sync('bye');
      const uid = (await h.pod('bye'))?.metadata?.uid ?? '';
      h.runtime.ignoringStopSignal.add('stubborn');
      await h.client.delete(resources.pods, 'default', 'bye');
      const deleting = await h.pod('bye');
      assert.ok(deleting?.metadata?.deletionTimestamp, 'the API server only marks a bound pod');
      assert.equal(deleting.metadata.deletionGracePeriodSeconds, 20);

      let done = false;
      const terminating = h.worker.sync(deleting).then(() => (done = true));
      await settle(5);
      const stops = h.runtime.calls.filter((c) => c.rpc === 'StopContainer');
      assert.deepEqual(stops.map((c) => [c.name, c.timeoutSeconds]).sort(), [['app', 20], ['stubborn', 20]]);
      assert.equal(h.runtime.containersOf(uid, 'app')[0]?.status.exitCode, 0, 'app ended on SIGTERM');
      assert.equal(h.runtime.containersOf(uid, 'stubborn')[0]?.status.state, 'CONTAINER_RUNNING');
      assert.equal(done, false);
      assert.ok(await h.pod('bye'), 'the pod stays while a container runs');

      await h.clock.advanceAsync(20_000);
      await terminating;
      assert.deepEqual(h.runtime.containersOf(uid), [], 'containers removed');
      assert.equal(h.runtime.sandboxes.size, 0, 'sandbox removed');
      assert.equal(await h.pod('bye'), undefined);
      const removed = h.runtime.calls.filter((c) => c.rpc === 'RemoveContainer' || c.rpc === 'RemovePodSandbox').map((c) => c.rpc);
      assert.deepEqual(removed, ['RemoveContainer', 'RemoveContainer', 'RemovePodSandbox']);
    } finally {
      await h.close();
    }
  });

  test('after an agent restart the running containers are adopted: same IDs, same restart count', async () => {
    const h = await harness();
    try {
      await createPod(h.client, 'keep', [app()]);
      await h.sync('keep');
      const uid = (await h.pod('keep'))?.metadata?.uid ?? '';
      const crashed = h.runtime.containersOf(uid, 'app')[0];
      assert.ok(crashed);
      h.runtime.exitContainer(crashed.status.id, 2);
      await h.sync('keep');
      const before = (await h.pod('keep'))?.status?.containerStatuses?.[0];
      assert.equal(before?.restartCount, 1);
      const callsBefore = h.runtime.calls.length;

      h.restartAgent();
      await h.sync('keep');
      await h.clock.advanceAsync(10_000);
      await h.sync('keep');
      const after = (await h.pod('keep'))?.status?.containerStatuses?.[0];
      assert.equal(after?.containerID, before?.containerID);
      assert.equal(after?.restartCount, 1);
      assert.ok(after?.state?.running);
      assert.equal(after?.lastState?.terminated?.exitCode, 2);
      assert.deepEqual(h.runtime.calls.slice(callsBefore), [], 'nothing created, started or stopped');
      assert.equal(h.runtime.sandboxes.size, 1);
    } finally {
      await h.close();
    }
  });
});
