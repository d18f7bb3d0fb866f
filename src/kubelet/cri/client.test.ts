import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/proto-loader';
import { CriClient, CriError, criProtoFile, isNotFound, loadCriPackageDefinition } from './client.js';
import type { ContainerStatus, PodSandboxConfig } from './types.js';

/** A unary handler from a function of the decoded request; throwing a ServiceError-like fails the call. */
function unary<Req>(fn: (req: Req) => object): grpc.handleUnaryCall<Req, object> {
  return (call, callback) => {
    try {
      callback(null, fn(call.request));
    } catch (err) {
      callback(err as grpc.ServiceError);
    }
  };
}

function notFound(details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code: grpc.status.NOT_FOUND, details, metadata: new grpc.Metadata() });
}

async function startServer(socket: string, runtime: grpc.UntypedServiceImplementation, images: grpc.UntypedServiceImplementation = {}): Promise<grpc.Server> {
  const def = loadCriPackageDefinition();
  const server = new grpc.Server();
  server.addService(def['runtime.v1.RuntimeService'] as ServiceDefinition, runtime);
  server.addService(def['runtime.v1.ImageService'] as ServiceDefinition, images);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return server;
}

const startedAt = 1_700_000_000_123_456_000;

describe('CriClient against a fake CRI server', () => {
  let dir: string;
  let server: grpc.Server;
  let client: CriClient;
  const seen: { runPodSandbox?: { config: PodSandboxConfig; runtimeHandler: string }; execSync?: { containerId: string; cmd: string[]; timeout: number } } = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-cri-'));
    const socket = join(dir, 'cri.sock');
    server = await startServer(
      socket,
      {
        Version: unary<{ version: string }>((req) => ({ version: req.version, runtimeName: 'fake', runtimeVersion: '1.0.0', runtimeApiVersion: 'v1' })),
        RunPodSandbox: unary<{ config: PodSandboxConfig; runtimeHandler: string }>((req) => {
          seen.runPodSandbox = req;
          return { podSandboxId: 'sandbox-1' };
        }),
        ContainerStatus: unary<{ containerId: string }>((req) => {
          if (req.containerId !== 'c1') throw notFound(`container "${req.containerId}" not found`);
          const status: Partial<ContainerStatus> = {
            id: 'c1',
            metadata: { name: 'app', attempt: 2 },
            state: 'CONTAINER_EXITED',
            createdAt: startedAt - 1000,
            startedAt,
            finishedAt: startedAt + 5_000_000_000,
            exitCode: 137,
            reason: 'OOMKilled',
            image: { image: 'busybox:latest' },
            imageRef: 'sha256:abc',
            logPath: '/var/log/pods/x/app/2.log',
            labels: { 'io.kubernetes.container.name': 'app' },
          };
          return { status };
        }),
        ExecSync: unary<{ containerId: string; cmd: string[]; timeout: number }>((req) => {
          seen.execSync = req;
          return { stdout: Buffer.from('out\n'), stderr: Buffer.from([0xff, 0x00]), exitCode: 3 };
        }),
        ListPodSandbox: unary<{ filter?: { labelSelector: Record<string, string>; state?: { state: string } } }>((req) => ({
          items: [{ id: 's1', state: req.filter?.state?.state ?? 'SANDBOX_NOTREADY', createdAt: 5, labels: req.filter?.labelSelector ?? {}, metadata: { name: 'p', uid: 'u', namespace: 'ns', attempt: 0 } }],
        })),
      },
      {
        ImageStatus: unary<{ image: { image: string } }>((req) => (req.image.image === 'present:1' ? { image: { id: 'sha256:1', repoTags: ['present:1'], size: 1234 } } : {})),
      },
    );
    client = CriClient.connect(`unix://${socket}`, { callTimeoutMs: 5000 });
  });

  after(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('version sends the API version and decodes the answer', async () => {
    assert.deepEqual(await client.version(), { version: 'v1', runtimeName: 'fake', runtimeVersion: '1.0.0', runtimeApiVersion: 'v1' });
  });

  test('runPodSandbox carries metadata, labels, dnsConfig, port mappings and namespace options', async () => {
    const config: PodSandboxConfig = {
      metadata: { name: 'web', uid: 'uid-1', namespace: 'default', attempt: 1 },
      hostname: 'web',
      logDirectory: '/var/log/pods/default_web_uid-1',
      dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
      portMappings: [{ protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '127.0.0.1' }],
      labels: { app: 'web' },
      annotations: { note: 'x' },
      linux: {
        cgroupParent: '/kubepods/pod-uid-1',
        sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
        securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' }, runAsUser: { value: 0 }, readonlyRootfs: true },
      },
    };
    assert.equal(await client.runPodSandbox(config, 'runc'), 'sandbox-1');
    const got = seen.runPodSandbox;
    assert.ok(got);
    assert.equal(got.runtimeHandler, 'runc');
    assert.deepEqual(got.config.metadata, config.metadata);
    assert.deepEqual(got.config.labels, { app: 'web' });
    assert.deepEqual(got.config.annotations, { note: 'x' });
    assert.deepEqual(got.config.dnsConfig, config.dnsConfig);
    assert.deepEqual(got.config.portMappings, config.portMappings);
    assert.equal(got.config.logDirectory, config.logDirectory);
    assert.equal(got.config.linux?.cgroupParent, '/kubepods/pod-uid-1');
    assert.deepEqual(got.config.linux?.sysctls, config.linux?.sysctls);
    assert.deepEqual(got.config.linux?.securityContext?.namespaceOptions, { network: 'NODE', pid: 'CONTAINER', ipc: 'POD', targetId: '' });
    // Int64Value distinguishes "0" from unset.
    assert.deepEqual(got.config.linux?.securityContext?.runAsUser, { value: 0 });
    assert.equal(got.config.linux?.securityContext?.runAsGroup, null);
    assert.equal(got.config.linux?.securityContext?.readonlyRootfs, true);
  });

  test('containerStatus decodes the state enum, timestamps and exit code', async () => {
    const res = await client.containerStatus('c1');
    const status = res.status;
    assert.ok(status);
    assert.equal(status.state, 'CONTAINER_EXITED');
    assert.equal(status.startedAt, startedAt);
    assert.equal(status.finishedAt, startedAt + 5_000_000_000);
    assert.equal(status.exitCode, 137);
    assert.equal(status.reason, 'OOMKilled');
    assert.equal(status.message, '');
    assert.deepEqual(status.metadata, { name: 'app', attempt: 2 });
    assert.deepEqual(status.image, { image: 'busybox:latest', annotations: {}, userSpecifiedImage: '', runtimeHandler: '' });
    assert.deepEqual(status.mounts, []);
    assert.equal(status.logPath, '/var/log/pods/x/app/2.log');
    // Unset sub-messages are absent, not null.
    assert.equal('resources' in status, false);
  });

  test('a NOT_FOUND status becomes a CriError with a stable code', async () => {
    const err = await client.containerStatus('nope').then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CriError);
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.rpc, 'ContainerStatus');
    assert.match(err.message, /container "nope" not found/);
    assert.ok(err.cause);
    assert.equal(isNotFound(err), true);
    assert.equal(isNotFound(new Error('x')), false);
  });

  test('an RPC the server does not implement is UNIMPLEMENTED', async () => {
    await assert.rejects(client.startContainer('c1'), (e: unknown) => e instanceof CriError && e.code === 'UNIMPLEMENTED');
  });

  test('execSync sends the command and returns bytes as Buffers', async () => {
    const res = await client.execSync('c1', ['sh', '-c', 'echo out'], 7);
    assert.deepEqual(seen.execSync, { containerId: 'c1', cmd: ['sh', '-c', 'echo out'], timeout: 7 });
    assert.ok(Buffer.isBuffer(res.stdout));
    assert.equal(res.stdout.toString(), 'out\n');
    assert.deepEqual([...res.stderr], [0xff, 0x00]);
    assert.equal(res.exitCode, 3);
  });

  test('listPodSandbox sends the filter and returns items', async () => {
    const items = await client.listPodSandbox({ labelSelector: { app: 'web' }, state: { state: 'SANDBOX_READY' } });
    assert.equal(items.length, 1);
    assert.equal(items[0]?.state, 'SANDBOX_READY');
    assert.deepEqual(items[0]?.labels, { app: 'web' });
    assert.equal(items[0]?.metadata?.namespace, 'ns');
  });

  test('imageStatus returns the image, or undefined when absent', async () => {
    const image = await client.imageStatus('present:1');
    assert.equal(image?.id, 'sha256:1');
    assert.deepEqual(image?.repoTags, ['present:1']);
    assert.equal(image?.size, 1234);
    assert.equal(await client.imageStatus('absent:1'), undefined);
  });
});

describe('CriClient.waitUntilReady', () => {
  test('waits for a server that starts later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-cri-'));
    const socket = join(dir, 'late.sock');
    const client = CriClient.connect(socket);
    let server: grpc.Server | undefined;
    try {
      const ready = client.waitUntilReady(new AbortController().signal, 20_000);
      // Let at least one attempt fail before the socket exists.
      await assert.rejects(client.version(1000), (e: unknown) => e instanceof CriError);
      server = await startServer(socket, {
        Version: unary<object>(() => ({ version: 'v1', runtimeName: 'late', runtimeVersion: '0.1', runtimeApiVersion: 'v1' })),
      });
      assert.equal((await ready).runtimeName, 'late');
    } finally {
      client.close();
      const s = server;
      if (s) await new Promise<void>((resolve) => s.tryShutdown(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('gives up after the timeout and stops when aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-cri-'));
    const client = CriClient.connect(join(dir, 'nobody.sock'));
    try {
      await assert.rejects(client.waitUntilReady(new AbortController().signal, 300), (e: unknown) => e instanceof CriError && e.code === 'DEADLINE_EXCEEDED');
      const aborter = new AbortController();
      const waiting = client.waitUntilReady(aborter.signal, 60_000);
      aborter.abort();
      await assert.rejects(waiting, (e: unknown) => e instanceof Error && e.name === 'AbortError');
    } finally {
      client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the build ships api.proto beside the client, unchanged', () => {
  // dist/src/kubelet/cri/ -> src/kubelet/cri/api.proto
  const here = dirname(fileURLToPath(import.meta.url));
  const source = readFileSync(join(here, '../../../../src/kubelet/cri/api.proto'), 'utf8');
  assert.equal(readFileSync(criProtoFile, 'utf8'), source);
});
