import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { createPublicKey } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { FakeClock, settle } from '../../apimachinery/clock.js';
import { createCertificate, generatePrivateKey, privateKeyToPem } from '../../pki/x509.js';
import { ExecTimeoutError, runProbe, type ExecResult, type ProbeTarget } from './probe.js';

function target(container: Partial<Container> = {}, exec?: ProbeTarget['exec']): ProbeTarget {
  return {
    podIP: '127.0.0.1',
    container: { name: 'app', ...container },
    exec: exec ?? (async (): Promise<ExecResult> => ({ exitCode: 0, output: '' })),
  };
}

/** A port on 127.0.0.1 nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('httpGet probes', () => {
  const seen: http.IncomingHttpHeaders[] = [];
  const hanging: http.ServerResponse[] = [];
  let port = 0;
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/ok':
        res.end('all good');
        return;
      case '/fail':
        res.statusCode = 500;
        res.end('boom');
        return;
      case '/big':
        res.end('x'.repeat(50 * 1024));
        return;
      case '/redirect-local':
        res.writeHead(302, { Location: '/ok' });
        res.end();
        return;
      case '/redirect-away':
        res.writeHead(302, { Location: 'http://localhost.invalid/elsewhere' });
        res.end('moved');
        return;
      case '/loop':
        res.writeHead(302, { Location: '/loop' });
        res.end();
        return;
      case '/hang':
        hanging.push(res);
        return;
      default:
        res.statusCode = 404;
        res.end();
    }
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    for (const res of hanging) res.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const get = (path: string, extra: Partial<Probe['httpGet']> = {}): Probe => ({ httpGet: { port, path, ...extra } });

  test('2xx succeeds with the body as output and the kube-probe User-Agent', async () => {
    const res = await runProbe(get('/ok', { httpHeaders: [{ name: 'X-Custom', value: 'yes' }] }), target());
    assert.deepEqual(res, { result: 'success', output: 'all good' });
    const headers = seen.at(-1);
    assert.equal(headers?.['user-agent'], 'kube-probe/1.32');
    assert.equal(headers?.['x-custom'], 'yes');
    assert.equal(headers?.accept, '*/*');
  });

  test('a User-Agent header of the probe wins', async () => {
    await runProbe(get('/ok', { httpHeaders: [{ name: 'User-Agent', value: 'mine' }] }), target());
    assert.equal(seen.at(-1)?.['user-agent'], 'mine');
  });

  test('5xx fails with the status code', async () => {
    assert.deepEqual(await runProbe(get('/fail'), target()), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  });

  test('a named port resolves through the container ports', async () => {
    const probe: Probe = { httpGet: { port: 'web', path: '/ok' } };
    const res = await runProbe(probe, target({ ports: [{ name: 'web', containerPort: port }] }));
    assert.equal(res.result, 'success');
  });

  test('an unknown named port is an error (unknown), not a failure', async () => {
    const res = await runProbe({ httpGet: { port: 'nope', path: '/' } }, target());
    assert.deepEqual(res, { result: 'unknown', output: 'port nope not found' });
  });

  test('the output keeps at most 10 KiB of the body', async () => {
    const res = await runProbe(get('/big'), target());
    assert.equal(res.result, 'success');
    assert.equal(res.output.length, 10 * 1024);
  });

  test('redirects on the same host are followed', async () => {
    assert.deepEqual(await runProbe(get('/redirect-local'), target()), { result: 'success', output: 'all good' });
  });

  test('a redirect to another host is success with a warning', async () => {
    const res = await runProbe(get('/redirect-away'), target());
    assert.deepEqual(res, { result: 'success', output: 'Probe terminated redirects, Response body: moved', warning: true });
  });

  test('more than 10 redirects fail', async () => {
    const res = await runProbe(get('/loop'), target());
    assert.equal(res.result, 'failure');
    assert.equal(res.output, `Get "http://127.0.0.1:${port}/loop": stopped after 10 redirects`);
  });

  test('connection refused reads like Go', async () => {
    const closed = await closedPort();
    const res = await runProbe({ httpGet: { port: closed, path: '/' } }, target());
    assert.deepEqual(res, {
      result: 'failure',
      output: `Get "http://127.0.0.1:${closed}/": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    });
  });

  test('a server that does not answer in timeoutSeconds fails with the client timeout', async () => {
    const clock = new FakeClock();
    const before = hanging.length;
    const pending = runProbe({ ...get('/hang'), timeoutSeconds: 2 }, target(), undefined, { clock });
    const deadline = Date.now() + 5000;
    while (hanging.length === before && Date.now() < deadline) await settle();
    assert.equal(hanging.length, before + 1, 'request reached the server');
    clock.advance(1999);
    await settle();
    clock.advance(1);
    const res = await pending;
    assert.deepEqual(res, {
      result: 'failure',
      output: `Get "http://127.0.0.1:${port}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });
});

test('HTTPS probes do not verify the certificate; an HTTP server fails like Go', async () => {
  const key = generatePrivateKey();
  const cert = createCertificate({ subject: { commonName: 'self' }, publicKey: createPublicKey(key), selfSigningKey: key, validDays: 1 });
  const server = https.createServer({ key: privateKeyToPem(key), cert }, (_req, res) => res.end('secure'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const plain = http.createServer((_req, res) => res.end('plain'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainPort = (plain.address() as AddressInfo).port;
  try {
    assert.deepEqual(await runProbe({ httpGet: { port, path: '/', scheme: 'HTTPS' } }, target()), { result: 'success', output: 'secure' });
    const res = await runProbe({ httpGet: { port: plainPort, path: '/', scheme: 'HTTPS' } }, target());
    assert.equal(res.result, 'failure');
    assert.equal(res.output, `Get "https://127.0.0.1:${plainPort}/": http: server gave HTTP response to HTTPS client`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  }
});

describe('tcpSocket probes', () => {
  test('an open port succeeds, a closed one fails like Go', async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      assert.deepEqual(await runProbe({ tcpSocket: { port } }, target()), { result: 'success', output: '' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const closed = await closedPort();
    assert.deepEqual(await runProbe({ tcpSocket: { port: closed } }, target()), {
      result: 'failure',
      output: `dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    });
  });
});

describe('exec probes', () => {
  test('exit code 0 succeeds, another fails with the output; the timeout is passed on', async () => {
    const calls: Array<[string[], number]> = [];
    let exitCode = 0;
    const t = target({}, async (command, timeoutSeconds) => {
      calls.push([command, timeoutSeconds]);
      return { exitCode, output: `exit ${exitCode}` };
    });
    const probe: Probe = { exec: { command: ['cat', '/tmp/healthy'] }, timeoutSeconds: 3 };
    assert.deepEqual(await runProbe(probe, t), { result: 'success', output: 'exit 0' });
    exitCode = 1;
    assert.deepEqual(await runProbe(probe, t), { result: 'failure', output: 'exit 1' });
    assert.deepEqual(calls[0], [['cat', '/tmp/healthy'], 3]);
  });

  test('a timed out command fails with upstream message', async () => {
    const t = target({}, async (command) => {
      throw new ExecTimeoutError(command);
    });
    assert.deepEqual(await runProbe({ exec: { command: ['sleep', '10'] } }, t), {
      result: 'failure',
      output: 'command "sleep 10" timed out',
    });
    const grpc = target({}, async () => {
      throw Object.assign(new Error('4 DEADLINE_EXCEEDED: context deadline exceeded'), { code: 4 });
    });
    assert.equal((await runProbe({ exec: { command: ['sleep', '10'] } }, grpc)).output, 'command "sleep 10" timed out');
  });

  test('an exec that never returns times out on the clock', async () => {
    const clock = new FakeClock();
    const t = target({}, () => new Promise<ExecResult>(() => undefined));
    const pending = runProbe({ exec: { command: ['true'] }, timeoutSeconds: 1 }, t, undefined, { clock });
    await settle();
    await clock.advanceAsync(2000);
    assert.deepEqual(await pending, { result: 'failure', output: 'command "true" timed out' });
    assert.equal(clock.pendingTimers, 0);
  });

  test('other exec errors are unknown', async () => {
    const t = target({}, async () => {
      throw new Error('container not found');
    });
    assert.deepEqual(await runProbe({ exec: { command: ['true'] } }, t), { result: 'unknown', output: 'container not found' });
  });
});

test('grpc probes are reported as unsupported', async () => {
  assert.deepEqual(await runProbe({ grpc: { port: 9000 } }, target()), { result: 'unknown', output: 'grpc probes are not supported' });
});
