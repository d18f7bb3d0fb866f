import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer } from './server.js';
import { CertAndTokenAuthenticator, type Authorizer } from './auth.js';
import { bootstrapCluster } from './bootstrap.js';
import { Registry } from '../apimachinery/metrics.js';
import { createTokenAuthenticator, ensureServerCredentials, type ServerCredentials } from '../pki/bootstrap.js';
import { SqliteStore } from '../storage/sqlite.js';
import { familyOf, parsePrometheusText, samplesOf, type ParsedFamily } from '../testing/prometheus-text.js';
import { waitFor } from '../testing/wait.js';
import { parseRequestInfo } from './request-info.js';
import { ApiServerRequestMetrics } from './request-metrics.js';

interface Loopback {
  port: number;
  creds: ServerCredentials;
  close(): Promise<void>;
}

/** An API server on 127.0.0.1 with a fresh registry; `authorizer` replaces the allow-all default. */
async function loopbackServer(authorizer?: Authorizer): Promise<Loopback> {
  const store = SqliteStore.open(':memory:');
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-metrics-'));
  const creds = await ensureServerCredentials({
    dataDir,
    bindAddress: '127.0.0.1',
    advertiseAddresses: ['127.0.0.1'],
    httpsPort: 0,
    serviceCIDR: '10.43.0.0/16',
    clusterDomain: 'cluster.local',
  });
  const api = new ApiServer({
    store,
    authenticator: new CertAndTokenAuthenticator(await createTokenAuthenticator(creds)),
    metrics: new Registry(),
    ...(authorizer ? { authorizer } : {}),
  });
  await bootstrapCluster({ kubernetesServiceIP: '10.43.0.1', endpointAddress: '127.0.0.1', endpointPort: 6443, store: (g, v, p) => api.store(g, v, p) });
  api.setReady(true);
  const stop = new AbortController();
  const address = await api.listen(
    { key: creds.serving.privateKeyPem, cert: creds.serving.certificatePem, clientCA: creds.clientCA.certificatePem },
    '127.0.0.1',
    0,
    stop.signal,
  );
  return {
    port: address.port,
    creds,
    close: async () => {
      stop.abort();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** One HTTPS request (as the admin unless `anonymous`), answered in full. */
function call(server: Loopback, method: string, path: string, options: { body?: unknown; anonymous?: boolean; contentType?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        ca: server.creds.serverCA.certificatePem,
        ...(options.anonymous ? {} : { cert: server.creds.admin.certificatePem, key: server.creds.admin.privateKeyPem }),
        headers: payload === undefined ? {} : { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Opens a watch and resolves once its response headers arrived; the caller ends it with `destroy()`. */
function openWatch(server: Loopback, path: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        ca: server.creds.serverCA.certificatePem,
        cert: server.creds.admin.certificatePem,
        key: server.creds.admin.privateKeyPem,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('error', () => undefined);
        resolve({ req, res });
      },
    );
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    req.end();
  });
}

async function scrape(server: Loopback): Promise<ParsedFamily[]> {
  const answer = await call(server, 'GET', '/metrics');
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(answer.body);
}

function value(families: ParsedFamily[], family: string, sample: string, labels: Record<string, string>): number | undefined {
  return samplesOf(familyOf(families, family), sample, labels)[0]?.value;
}

test('GET /metrics counts and times requests, store operations, objects and watches, in a format Prometheus parses', async () => {
  const server = await loopbackServer();
  try {
    const created = await call(server, 'POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } } });
    assert.equal(created.status, 201, created.body);
    assert.equal((await call(server, 'GET', '/api/v1/namespaces/default/configmaps')).status, 200);
    assert.equal((await call(server, 'GET', '/api/v1/namespaces/default/configmaps/missing')).status, 404);
    const applied = await call(server, 'PATCH', '/api/v1/namespaces/default/configmaps/settings?fieldManager=test&force=true', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '2' } },
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(applied.status, 200, applied.body);
    assert.equal((await call(server, 'GET', '/apis/nonsense.example.com/v1/widgets')).status, 404);

    const watch = await openWatch(server, '/api/v1/namespaces/default/configmaps?watch=true');
    let families = await scrape(server);
    const total = familyOf(families, 'apiserver_request');
    assert.equal(total.type, 'counter');
    const resource = { group: '', version: 'v1', resource: 'configmaps', subresource: '', component: 'apiserver' };
    const base = { ...resource, dry_run: '' };
    assert.equal(value(families, 'apiserver_request', 'apiserver_request_total', { ...base, verb: 'POST', scope: 'resource', code: '201' }), 1);
    assert.equal(value(families, 'apiserver_request', 'apiserver_request_total', { ...base, verb: 'LIST', scope: 'namespace', code: '200' }), 1);
    assert.equal(value(families, 'apiserver_request', 'apiserver_request_total', { ...base, verb: 'GET', scope: 'resource', code: '404' }), 1);
    assert.equal(value(families, 'apiserver_request', 'apiserver_request_total', { ...base, verb: 'APPLY', scope: 'resource', code: '200' }), 1);
    // An unknown resource is counted without its made-up names.
    assert.equal(value(families, 'apiserver_request', 'apiserver_request_total', { verb: 'LIST', group: '', resource: '', code: '404' }), 1);

    const duration = familyOf(families, 'apiserver_request_duration_seconds');
    assert.equal(duration.type, 'histogram');
    const listBuckets = samplesOf(duration, 'apiserver_request_duration_seconds_bucket', { ...base, verb: 'LIST', scope: 'namespace' });
    assert.equal(listBuckets.at(-1)?.labels.le, '+Inf');
    assert.equal(listBuckets.at(-1)?.value, 1);
    assert.equal(listBuckets[0]?.labels.le, '0.005');
    assert.ok((value(families, 'apiserver_request_duration_seconds', 'apiserver_request_duration_seconds_sum', { ...base, verb: 'LIST' }) ?? -1) >= 0);

    assert.equal(value(families, 'apiserver_longrunning_requests', 'apiserver_longrunning_requests', { ...resource, verb: 'WATCH', scope: 'namespace' }), 1);

    const etcd = familyOf(families, 'etcd_request_duration_seconds');
    assert.equal(etcd.type, 'histogram');
    assert.ok((value(families, 'etcd_request_duration_seconds', 'etcd_request_duration_seconds_count', { operation: 'create', type: 'configmaps' }) ?? 0) >= 1);
    assert.ok((value(families, 'etcd_request_duration_seconds', 'etcd_request_duration_seconds_count', { operation: 'update', type: 'configmaps' }) ?? 0) >= 1);
    assert.ok((value(families, 'etcd_request_duration_seconds', 'etcd_request_duration_seconds_count', { operation: 'create', type: 'namespaces' }) ?? 0) >= 1);

    assert.equal(familyOf(families, 'apiserver_storage_objects').type, 'gauge');
    const configMaps = value(families, 'apiserver_storage_objects', 'apiserver_storage_objects', { resource: 'configmaps' });
    assert.ok(configMaps !== undefined && configMaps >= 1, `configmaps counted: ${configMaps}`);
    assert.ok((value(families, 'apiserver_storage_objects', 'apiserver_storage_objects', { resource: 'namespaces' }) ?? 0) >= 4);
    assert.equal(value(families, 'apiserver_storage_objects', 'apiserver_storage_objects', { resource: 'deployments.apps' }), 0);

    watch.req.destroy();
    families = await waitFor('the watch to end', async () => {
      const now = await scrape(server);
      return value(now, 'apiserver_longrunning_requests', 'apiserver_longrunning_requests', { ...resource, verb: 'WATCH' }) === 0 && now;
    });
    // The earlier scrape is itself a request of the non-resource path.
    assert.ok((value(families, 'apiserver_request', 'apiserver_request_total', { verb: 'GET', resource: '', scope: '', code: '200' }) ?? 0) >= 1);
    assert.equal(value(families, 'apiserver_request', 'apiserver_request_total', { ...base, verb: 'WATCH', scope: 'namespace', code: '200' }), 1);
  } finally {
    await server.close();
  }
});

test('/metrics is authenticated and authorized like every other path', async () => {
  const denyMetrics: Authorizer = {
    authorize: (_user, info) => (info.parts[0] === 'metrics' ? { allowed: false, reason: 'not a metrics reader' } : { allowed: true }),
  };
  const server = await loopbackServer(denyMetrics);
  try {
    assert.equal((await call(server, 'GET', '/metrics', { anonymous: true })).status, 401);
    const forbidden = await call(server, 'GET', '/metrics');
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.body, /not a metrics reader/);
  } finally {
    await server.close();
  }
});

test('request labels follow upstream: LIST and WATCH verbs, scopes, dry run, no unbounded verbs', () => {
  const labels = (method: string, path: string, contentType?: string) => {
    const url = new URL(path, 'https://x');
    return ApiServerRequestMetrics.labelsOf(method, parseRequestInfo(method, url.pathname, url.searchParams), url.searchParams, contentType, true);
  };
  assert.deepEqual(labels('GET', '/apis/apps/v1/deployments'), { verb: 'LIST', dryRun: '', group: 'apps', version: 'v1', resource: 'deployments', subresource: '', scope: 'cluster' });
  assert.equal(labels('GET', '/api/v1/namespaces/a/pods?watch=1').verb, 'WATCH');
  assert.equal(labels('GET', '/api/v1/namespaces/a/pods?watch=1').scope, 'namespace');
  assert.deepEqual(labels('PUT', '/api/v1/namespaces/a/pods/p/status?dryRun=All'), { verb: 'PUT', dryRun: 'All', group: '', version: 'v1', resource: 'pods', subresource: 'status', scope: 'resource' });
  assert.equal(labels('POST', '/api/v1/namespaces/a/pods').scope, 'resource');
  assert.equal(labels('DELETE', '/api/v1/namespaces/a/pods').verb, 'DELETE');
  assert.equal(labels('PATCH', '/api/v1/namespaces/a/pods/p', 'application/apply-patch+yaml').verb, 'APPLY');
  assert.equal(labels('PATCH', '/api/v1/namespaces/a/pods/p', 'application/merge-patch+json').verb, 'PATCH');
  assert.equal(labels('BREW', '/healthz').verb, 'other');
  assert.deepEqual(labels('GET', '/openapi/v2'), { verb: 'GET', dryRun: '', group: '', version: '', resource: '', subresource: '', scope: '' });
});
