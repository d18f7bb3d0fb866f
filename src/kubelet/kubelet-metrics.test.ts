import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/proto-loader';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../apimachinery/clock.js';
import { notFound } from '../apimachinery/errors.js';
import { Registry } from '../apimachinery/metrics.js';
import { ensureServerCredentials } from '../pki/bootstrap.js';
import { familyOf, parsePrometheusText, samplesOf, type ParsedFamily } from '../testing/prometheus-text.js';
import { CriClient, isNotFound, loadCriPackageDefinition } from './cri/client.js';
import type { Container, PodSandbox } from './cri/types.js';
import { KubeletMetrics, operationTypeOf } from './kubelet-metrics.js';
import { NodeServer, type NodeStreamingBackend } from './server/node-server.js';

function value(families: ParsedFamily[], family: string, sample: string, labels: Record<string, string> = {}): number | undefined {
  return samplesOf(familyOf(families, family), sample, labels)[0]?.value;
}

test('CRI RPCs get upstream operation types', () => {
  assert.equal(operationTypeOf('RunPodSandbox'), 'run_podsandbox');
  assert.equal(operationTypeOf('ListPodSandbox'), 'list_podsandbox');
  assert.equal(operationTypeOf('PodSandboxStatus'), 'podsandbox_status');
  assert.equal(operationTypeOf('ListContainers'), 'list_containers');
  assert.equal(operationTypeOf('ExecSync'), 'exec_sync');
  assert.equal(operationTypeOf('PullImage'), 'pull_image');
  assert.equal(operationTypeOf('ImageFsInfo'), 'image_fs_info');
  assert.equal(operationTypeOf('UpdateContainerResources'), 'update_container');
  assert.equal(operationTypeOf('Version'), 'version');
});

test('CRI calls are counted, timed and their errors counted through the client hook', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-metrics-'));
  const socket = join(dir, 'cri.sock');
  const def = loadCriPackageDefinition();
  const server = new grpc.Server();
  server.addService(def['runtime.v1.RuntimeService'] as ServiceDefinition, {
    Version: (_call: unknown, callback: grpc.sendUnaryData<object>) => callback(null, { version: 'v1', runtimeName: 'fake', runtimeVersion: '1', runtimeApiVersion: 'v1' }),
    ContainerStatus: (_call: unknown, callback: grpc.sendUnaryData<object>) =>
      callback(Object.assign(new Error('no such container'), { code: grpc.status.NOT_FOUND, details: 'no such container', metadata: new grpc.Metadata() })),
  });
  server.addService(def['runtime.v1.ImageService'] as ServiceDefinition, {});
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  const registry = new Registry();
  const metrics = new KubeletMetrics({ registry });
  const cri = CriClient.connect(`unix://${socket}`, { callTimeoutMs: 5000, onCall: metrics.observeRuntimeCall });
  try {
    await cri.version();
    await cri.version();
    await assert.rejects(cri.containerStatus('missing'), (err) => isNotFound(err));
    const families = await parsePrometheusText(await registry.render());
    assert.equal(value(families, 'kubelet_runtime_operations', 'kubelet_runtime_operations_total', { operation_type: 'version' }), 2);
    assert.equal(value(families, 'kubelet_runtime_operations', 'kubelet_runtime_operations_total', { operation_type: 'container_status' }), 1);
    assert.equal(value(families, 'kubelet_runtime_operations_errors', 'kubelet_runtime_operations_errors_total', { operation_type: 'container_status' }), 1);
    assert.equal(value(families, 'kubelet_runtime_operations_errors', 'kubelet_runtime_operations_errors_total', { operation_type: 'version' }), undefined);
    const duration = familyOf(families, 'kubelet_runtime_operations_duration_seconds');
    assert.equal(duration.type, 'histogram');
    assert.equal(value(families, 'kubelet_runtime_operations_duration_seconds', 'kubelet_runtime_operations_duration_seconds_count', { operation_type: 'version' }), 2);
    assert.equal(samplesOf(duration, 'kubelet_runtime_operations_duration_seconds_bucket', { operation_type: 'version' })[0]?.labels.le, '0.005');
  } finally {
    cri.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
});

function pod(uid: string, phase: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: uid, namespace: 'default', uid }, status: { phase } };
}

test('pod start duration runs from first sight to the first Running; pods running when first seen are not counted', async () => {
  const clock = new FakeClock();
  const registry = new Registry();
  const metrics = new KubeletMetrics({ registry, clock });
  metrics.podSeen(pod('a', 'Pending'));
  clock.advance(1500);
  metrics.podSeen(pod('a', 'Pending'));
  clock.advance(1500);
  metrics.podSeen(pod('a', 'Running'));
  metrics.podSeen(pod('a', 'Running'));
  metrics.podSeen(pod('already', 'Running'));
  const families = await parsePrometheusText(await registry.render());
  assert.equal(value(families, 'kubelet_pod_start_duration_seconds', 'kubelet_pod_start_duration_seconds_count'), 1);
  assert.equal(value(families, 'kubelet_pod_start_duration_seconds', 'kubelet_pod_start_duration_seconds_sum'), 3);
  assert.equal(value(families, 'kubelet_pod_start_duration_seconds', 'kubelet_pod_start_duration_seconds_bucket', { le: '2' }), 0);
  assert.equal(value(families, 'kubelet_pod_start_duration_seconds', 'kubelet_pod_start_duration_seconds_bucket', { le: '3' }), 1);
});

/** A backend with no pods: the metrics path does not use it. */
const noPods: NodeStreamingBackend = {
  containerLog: async (_ns, name) => {
    throw notFound({ resource: 'pods', group: '', name });
  },
  exec: async (_ns, name) => {
    throw notFound({ resource: 'pods', group: '', name });
  },
  attach: async (_ns, name) => {
    throw notFound({ resource: 'pods', group: '', name });
  },
  portForward: async (_ns, name) => {
    throw notFound({ resource: 'pods', group: '', name });
  },
};

function get(port: number, path: string, cert?: { cert: string; key: string }): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, rejectUnauthorized: false, ...(cert ?? {}), agent: false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test("the node server's /metrics serves the registry to trusted client certificates only", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-node-metrics-'));
  const stop = new AbortController();
  try {
    const creds = await ensureServerCredentials({ dataDir: dir, bindAddress: '127.0.0.1', advertiseAddresses: ['127.0.0.1'], httpsPort: 0, serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local' });
    const registry = new Registry();
    const metrics = new KubeletMetrics({ registry });
    const sandbox = (id: string, state: PodSandbox['state']) => ({ id, state }) as PodSandbox;
    const container = (id: string, state: Container['state']) => ({ id, state }) as Container;
    metrics.trackRuntime(async () => ({
      sandboxes: [sandbox('s1', 'SANDBOX_READY'), sandbox('s2', 'SANDBOX_READY'), sandbox('s3', 'SANDBOX_NOTREADY')],
      containers: [container('c1', 'CONTAINER_RUNNING'), container('c2', 'CONTAINER_RUNNING'), container('c3', 'CONTAINER_EXITED')],
    }));
    const serving = creds.serverCA.issueServingCert({ commonName: 'node-a', dnsNames: ['node-a'], ips: ['127.0.0.1'] });
    const server = new NodeServer({
      tls: { key: serving.privateKeyPem, cert: serving.certificatePem },
      clientCAPem: creds.serverCA.certificatePem,
      backend: noPods,
      host: '127.0.0.1',
      port: 0,
      metrics: registry,
    });
    const { port } = await server.start(stop.signal);
    assert.equal((await get(port, '/metrics')).status, 401);
    const answer = await get(port, '/metrics', { cert: creds.kubeletClient.certificatePem, key: creds.kubeletClient.privateKeyPem });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    const families = await parsePrometheusText(answer.body);
    assert.equal(value(families, 'kubelet_running_pods', 'kubelet_running_pods'), 2);
    assert.equal(value(families, 'kubelet_running_containers', 'kubelet_running_containers', { container_state: 'running' }), 2);
    assert.equal(value(families, 'kubelet_running_containers', 'kubelet_running_containers', { container_state: 'exited' }), 1);
    assert.equal(value(families, 'kubelet_running_containers', 'kubelet_running_containers', { container_state: 'created' }), 0);
    for (const name of ['kubelet_pod_start_duration_seconds', 'kubelet_runtime_operations_duration_seconds']) assert.equal(familyOf(families, name).type, 'histogram');
    for (const name of ['kubelet_runtime_operations', 'kubelet_runtime_operations_errors']) assert.equal(familyOf(families, name).type, 'counter');
  } finally {
    stop.abort();
    await rm(dir, { recursive: true, force: true });
  }
});

test('without a registry the node server has no /metrics', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-node-metrics-'));
  const stop = new AbortController();
  try {
    const creds = await ensureServerCredentials({ dataDir: dir, bindAddress: '127.0.0.1', advertiseAddresses: ['127.0.0.1'], httpsPort: 0, serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local' });
    const serving = creds.serverCA.issueServingCert({ commonName: 'node-a', dnsNames: ['node-a'], ips: ['127.0.0.1'] });
    const server = new NodeServer({ tls: { key: serving.privateKeyPem, cert: serving.certificatePem }, clientCAPem: creds.serverCA.certificatePem, backend: noPods, host: '127.0.0.1', port: 0 });
    const { port } = await server.start(stop.signal);
    assert.equal((await get(port, '/metrics', { cert: creds.kubeletClient.certificatePem, key: creds.kubeletClient.privateKeyPem })).status, 404);
  } finally {
    stop.abort();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a runtime that does not answer leaves the running gauges as they were and does not hold the scrape', async () => {
  const registry = new Registry();
  const metrics = new KubeletMetrics({ registry });
  let answer: () => Promise<{ sandboxes: PodSandbox[]; containers: Container[] }> = async () => ({ sandboxes: [{ id: 's', state: 'SANDBOX_READY' } as PodSandbox], containers: [] });
  metrics.trackRuntime(() => answer(), 50);
  assert.match(await registry.render(), /^kubelet_running_pods 1$/m);
  answer = () => new Promise(() => undefined);
  const errors: unknown[] = [];
  assert.match(await registry.render((err) => errors.push(err)), /^kubelet_running_pods 1$/m);
  assert.match(String(errors[0]), /did not list pods and containers within 50 ms/);
});
