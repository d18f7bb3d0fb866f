import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusError } from '../apimachinery/errors.js';
import { ensureServerCredentials } from '../pki/bootstrap.js';
import { startHttpsApiServer, type HttpsApiServer } from '../testing/https-api-server.js';
import { waitFor } from '../testing/wait.js';
import { inFlightKind, InFlightLimiter } from './inflight.js';
import { parseRequestInfo } from './request-info.js';

const kind = (method: string, url: string) => {
  const u = new URL(url, 'https://x');
  return inFlightKind(method, u.pathname, parseRequestInfo(method, u.pathname, u.searchParams), u.searchParams);
};

test('requests are classified as upstream: reads, writes, watches, exempt long-running and health', () => {
  assert.equal(kind('GET', '/api/v1/pods'), 'readOnly');
  assert.equal(kind('POST', '/api/v1/namespaces/default/pods'), 'mutating');
  assert.equal(kind('GET', '/api/v1/pods?watch=true'), 'watch');
  assert.equal(kind('POST', '/api/v1/namespaces/default/pods/p/exec'), 'exempt');
  assert.equal(kind('GET', '/api/v1/namespaces/default/pods/p/log?follow=true'), 'exempt');
  assert.equal(kind('GET', '/api/v1/namespaces/default/pods/p/log'), 'readOnly');
  assert.equal(kind('GET', '/readyz'), 'exempt');
});

test('past its limit a kind is refused with 429 and Retry-After; a released slot is free again', () => {
  const limiter = new InFlightLimiter({ readOnly: 2, mutating: 1 });
  const a = limiter.acquire('readOnly');
  limiter.acquire('readOnly');
  const refused = (() => {
    try {
      limiter.acquire('readOnly');
    } catch (err) {
      return err;
    }
    return undefined;
  })();
  assert.ok(refused instanceof StatusError);
  assert.deepEqual([refused.code, refused.reason, refused.message, refused.details], [429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 }]);
  // Other kinds have their own limits.
  limiter.acquire('mutating');
  a();
  a();
  assert.deepEqual(limiter.inFlight(), { readOnly: 1, mutating: 1, watch: 0 });
  limiter.acquire('readOnly');
});

test('over HTTPS: a watch past the limit gets 429 with Retry-After; a watch without timeoutSeconds ends by itself', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-inflight-'));
  const stop = new AbortController();
  let server: HttpsApiServer | undefined;
  const open: ClientRequest[] = [];
  try {
    const creds = await ensureServerCredentials({ dataDir, bindAddress: '127.0.0.1', advertiseAddresses: ['127.0.0.1'], httpsPort: 0, serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local' });
    server = await startHttpsApiServer({ credentials: creds, signal: stop.signal, server: { inFlight: { watches: 1 }, minRequestTimeoutSeconds: 1 } });
    const port = server.port;
    const watch = (path: string) =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path, ca: creds.serverCA.certificatePem, cert: creds.admin.certificatePem, key: creds.admin.privateKeyPem }, resolve);
        req.on('error', reject);
        req.end();
        open.push(req);
      });
    const first = await watch('/api/v1/namespaces/default/configmaps?watch=true');
    assert.equal(first.statusCode, 200);
    const second = await watch('/api/v1/namespaces/default/configmaps?watch=true');
    assert.equal(second.statusCode, 429);
    assert.equal(second.headers['retry-after'], '1');
    // The first watch ends by itself within [1 s, 2 s); its slot is free again afterwards.
    first.resume();
    await new Promise<void>((resolve) => first.on('end', () => resolve()));
    await waitFor('a watch slot free again', async () => {
      const again = await watch('/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1');
      again.resume();
      return again.statusCode === 200;
    }, { timeoutMs: 10_000 });
  } finally {
    for (const req of open) req.destroy();
    stop.abort();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
