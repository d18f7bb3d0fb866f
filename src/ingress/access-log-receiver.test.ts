import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '../apimachinery/metrics.js';
import { waitFor } from '../testing/wait.js';
import { AccessLogReceiver } from './access-log-receiver.js';
import type { DataPlane } from './model.js';
import { renderNginxConfig } from './nginx-config.js';
import { NginxProcess } from './nginx-process.js';
import { UpstreamTraffic, type UpstreamBackend } from './upstream-traffic.js';

const nginxBinary = '/usr/sbin/nginx';

const listen = (server: Server | ReturnType<typeof createTcpServer>): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

/** A free TCP port on 127.0.0.1 (bound and released). */
async function freePort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const get = (port: number, host: string, path: string): Promise<{ code: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

test('nginx sends each proxied request to the receiver, which counts it against the Service port of its upstream address', async () => {
  const receiverOnly = new AccessLogReceiver({ traffic: new UpstreamTraffic({ registry: new Registry() }), resolve: () => undefined, onError: (err) => assert.fail(String(err)) });
  receiverOnly.receive('not a log line');
  assert.equal(receiverOnly.ignored, 1);
});

test('real nginx: the access log counts per Service port match what the clients got; answers nginx gives itself are not counted', { skip: !existsSync(nginxBinary) }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-access-log-'));
  const backends = ['a', 'b'].map((name) => createHttpServer((_req, res) => res.end(name)));
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  try {
    const [portA, portB] = await Promise.all(backends.map(listen));
    const byAddress = new Map<string, UpstreamBackend>([
      [`127.0.0.1|${portA}`, { namespace: 'default', service: 'a', port: String(portA) }],
      [`127.0.0.1|${portB}`, { namespace: 'default', service: 'b', port: String(portB) }],
    ]);
    const registry = new Registry();
    const traffic = new UpstreamTraffic({ registry });
    const receiver = new AccessLogReceiver({ traffic, resolve: (address, port) => byAddress.get(`${address}|${port}`), onError: (err) => assert.fail(String(err)) });
    const accessLogPort = await receiver.start(abort.signal);
    const plane: DataPlane = {
      virtualHosts: [
        {
          hostname: 'shares.test',
          locations: [
            {
              path: '/',
              match: 'prefix',
              source: 'default/shares',
              rules: [{ when: [], source: 'default/shares', backends: [{ target: { kind: 'upstream', name: `default-a-${portA}`, address: '127.0.0.1', port: portA! }, weight: 80 }, { target: { kind: 'upstream', name: `default-b-${portB}`, address: '127.0.0.1', port: portB! }, weight: 20 }] }],
            },
            { path: '/down', match: 'exact', source: 'default/shares', rules: [{ when: [], source: 'default/shares', backends: [{ target: { kind: 'status', code: 503 }, weight: 1 }] }] },
          ],
        },
      ],
    };
    const httpPort = await freePort();
    const config = renderNginxConfig(plane, { httpPort, httpsPort: await freePort(), pidFile: join(dir, 'nginx.pid'), tempDir: join(dir, 'tmp'), workerProcesses: 1, accessLogPort });
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, 'tmp', d), { recursive: true });
    await writeFile(join(dir, 'nginx.conf'), config.text);
    const nginx = new NginxProcess({ binary: nginxBinary, prefixDir: dir, configFile: join(dir, 'nginx.conf'), pidFile: join(dir, 'nginx.pid'), log: () => undefined });
    assert.equal(await nginx.test(join(dir, 'nginx.conf')), undefined);
    running = nginx.run(abort.signal);
    // Waits on an answer nginx gives itself, which is not logged.
    await waitFor('nginx answering', async () => (await get(httpPort, 'shares.test', '/down').catch(() => ({ code: 0 }))).code === 503, { timeoutMs: 10_000, intervalMs: 50 });
    const got = { a: 0, b: 0 };
    for (let i = 0; i < 300; i++) {
      const r = await get(httpPort, 'shares.test', `/?n=${i}`);
      assert.equal(r.code, 200);
      got[r.body as 'a' | 'b']++;
    }
    assert.equal((await get(httpPort, 'shares.test', '/down')).code, 503);
    assert.ok(got.b > 20 && got.b < 100, `${got.b} of 300 reached b (weight 20%)`);
    const counted = (): { a: number; b: number } => {
      const now = traffic.recentRequests();
      return { a: now.get(`default/a/${portA}`) ?? 0, b: now.get(`default/b/${portB}`) ?? 0 };
    };
    await waitFor('the access log counted every proxied request', () => JSON.stringify(counted()) === JSON.stringify(got), { timeoutMs: 10_000, intervalMs: 20 }).catch(() => assert.fail(`counted ${JSON.stringify(counted())}, clients got ${JSON.stringify(got)}`));
    const metrics = await registry.render();
    assert.match(metrics, new RegExp(`^skiff_ingress_upstream_requests_total\\{namespace="default",service="b",port="${portB}",code="200"\\} ${got.b}$`, 'm'));
    assert.doesNotMatch(metrics, /code="503"/, 'the 503 nginx answered itself reached no upstream');
    assert.equal(receiver.ignored, 0);
  } finally {
    abort.abort();
    await running;
    for (const b of backends) b.close();
    await rm(dir, { recursive: true, force: true });
  }
});
