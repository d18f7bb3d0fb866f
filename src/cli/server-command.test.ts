import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeconfig, type KubeconfigCredentials } from '../client/kubeconfig.js';
import { waitFor } from '../testing/wait.js';
import { parsePrometheusText, samplesOf, type ParsedFamily } from '../testing/prometheus-text.js';
import { parseFlags } from './flags.js';
import { serverConfig, serverFlags, startControlPlane } from './server-command.js';

/** One HTTPS request to the server as the kubeconfig's user (or anonymous). */
function call(port: number, creds: KubeconfigCredentials, method: string, path: string, body?: unknown, anonymous = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        ca: creds.ca,
        ...(anonymous ? {} : { cert: creds.cert, key: creds.key }),
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A sample's value, 0 while its family or series does not exist yet. */
function sampleValue(families: ParsedFamily[], family: string, sample: string, labels: Record<string, string>): number {
  const found = families.find((f) => f.name === family);
  return (found && samplesOf(found, sample, labels)[0]?.value) ?? 0;
}

test("skiff server's /metrics holds the API server's, the controllers' work queues' and the scheduler's metrics", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-server-metrics-'));
  const stop = new AbortController();
  const logs: string[] = [];
  const config = serverConfig(parseFlags(['--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-port', '0', '--disable-agent', '--cluster-dns-port', '0'], serverFlags));
  const running = startControlPlane(config, stop.signal, (msg) => logs.push(msg));
  try {
    const port = await waitFor('the API server to listen and the cluster to be ready', () => {
      const listening = logs.map((l) => /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(l)?.[1]).find(Boolean);
      return logs.some((l) => l.startsWith('cluster ready')) && Number(listening);
    }, { timeoutMs: 20_000 });
    const creds = loadKubeconfig(join(dataDir, 'kubeconfig.yaml'));
    assert.equal((await call(port, creds, 'GET', '/metrics', undefined, true)).status, 401);
    const created = await call(port, creds, 'POST', '/apis/apps/v1/namespaces/default/replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    assert.equal(created.status, 201, created.body);
    // No nodes: the scheduler finds both pods unschedulable.
    const families = await waitFor(
      'the replicaset queue to process its key and the scheduler to try both pods',
      async () => {
        const answer = await call(port, creds, 'GET', '/metrics');
        assert.equal(answer.status, 200);
        const parsed = await parsePrometheusText(answer.body);
        const work = sampleValue(parsed, 'workqueue_work_duration_seconds', 'workqueue_work_duration_seconds_count', { name: 'replicaset' });
        const attempts = sampleValue(parsed, 'scheduler_schedule_attempts', 'scheduler_schedule_attempts_total', { result: 'unschedulable', profile: 'default-scheduler' });
        return work >= 1 && attempts >= 2 && parsed;
      },
      { timeoutMs: 20_000 },
    );
    assert.ok(sampleValue(families, 'workqueue_adds', 'workqueue_adds_total', { name: 'replicaset' }) >= 1);
    assert.ok(sampleValue(families, 'workqueue_adds', 'workqueue_adds_total', { name: 'scheduler' }) >= 2);
    assert.equal(sampleValue(families, 'apiserver_request', 'apiserver_request_total', { verb: 'POST', group: 'apps', resource: 'replicasets', code: '201' }), 1);
    assert.ok(sampleValue(families, 'apiserver_storage_objects', 'apiserver_storage_objects', { resource: 'replicasets.apps' }) >= 1);
    // The controllers' writes (in-process) go through the instrumented store too.
    assert.ok(sampleValue(families, 'etcd_request_duration_seconds', 'etcd_request_duration_seconds_count', { operation: 'create', type: 'pods' }) >= 2);
  } finally {
    stop.abort();
    await running;
    await rm(dataDir, { recursive: true, force: true });
  }
});
