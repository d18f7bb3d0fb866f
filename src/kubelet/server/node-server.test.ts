import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { notFound } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { ensureServerCredentials, type ServerCredentials } from '../../pki/bootstrap.js';
import { startHttpsApiServer, type HttpsApiServer } from '../../testing/https-api-server.js';
import { NodeServer, type NodeStreamingBackend, type StreamRequest } from './node-server.js';

/** A backend over one pod `default/web` with container `app`, whose log file the test writes. */
class FakeBackend implements NodeStreamingBackend {
  running = true;
  streamingURL = '';
  readonly calls: { verb: string; container: string; req?: StreamRequest; ports?: number[] }[] = [];
  constructor(readonly logPath: string) {}

  private check(ns: string, pod: string, container: string): void {
    if (ns !== 'default' || pod !== 'web') throw notFound({ resource: 'pods', group: '', name: pod });
    if (container && container !== 'app') throw notFound({ resource: 'containers', group: '', name: container });
  }
  async containerLog(ns: string, pod: string, container: string) {
    this.check(ns, pod, container);
    return { logPath: this.logPath, isRunning: () => this.running };
  }
  async exec(ns: string, pod: string, container: string, req: StreamRequest) {
    this.check(ns, pod, container);
    this.calls.push({ verb: 'exec', container, req });
    return this.streamingURL;
  }
  async attach(ns: string, pod: string, container: string, req: StreamRequest) {
    this.check(ns, pod, container);
    this.calls.push({ verb: 'attach', container, req });
    return this.streamingURL;
  }
  async portForward(ns: string, pod: string, ports: number[]) {
    this.check(ns, pod, '');
    this.calls.push({ verb: 'portforward', container: '', ports });
    return this.streamingURL;
  }
}

/** A stand-in for containerd's streaming server: records each request head, answers 101 and echoes. */
function fakeStreamingServer(): { server: NetServer; heads: string[] } {
  const heads: string[] = [];
  const server = createNetServer((socket: Socket) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      heads.push(buffered.subarray(0, end).toString());
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
      const rest = buffered.subarray(end + 4);
      if (rest.length) socket.write(rest);
      socket.pipe(socket);
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
  return { server, heads };
}

interface Response {
  status: number;
  body: string;
}

function get(port: number, path: string, cert?: { cert: string; key: string }): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, rejectUnauthorized: false, ...(cert ?? {}), agent: false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a raw upgrade request and resolves with the socket once the answer's head arrived. */
function upgrade(port: number, head: string, cert?: { cert: string; key: string }): Promise<{ socket: TLSSocket; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(cert ?? {}) }, () => socket.write(head));
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      resolve({ socket, head: buffered.subarray(0, end).toString(), rest: buffered.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

/** Sends a raw request and resolves with everything the server answered until it closed. */
function answer(port: number, head: string, cert?: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(cert ?? {}) }, () => socket.write(head));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

function readUntil(socket: TLSSocket, initial: Buffer, wanted: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = initial.toString();
    if (text.includes(wanted)) return resolve(text);
    const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(wanted)} in ${JSON.stringify(text)}`)), 5000);
    socket.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes(wanted)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

const logText = '2024-05-01T10:00:00.000000000Z stdout F one\n2024-05-01T10:00:01.000000000Z stderr F two\n';

describe('NodeServer and the API server NodeProxy', () => {
  let dir: string;
  let creds: ServerCredentials;
  let backend: FakeBackend;
  let nodePort: number;
  let apiPort: number;
  let api: HttpsApiServer;
  const streaming = fakeStreamingServer();
  const stop = new AbortController();
  let admin: { cert: string; key: string };
  let kubeletClient: { cert: string; key: string };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'node-server-'));
    creds = await ensureServerCredentials({ dataDir: dir, bindAddress: '127.0.0.1', advertiseAddresses: ['127.0.0.1'], httpsPort: 0, serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local' });
    admin = { cert: creds.admin.certificatePem, key: creds.admin.privateKeyPem };
    kubeletClient = { cert: creds.kubeletClient.certificatePem, key: creds.kubeletClient.privateKeyPem };
    const logPath = join(dir, 'app.log');
    await writeFile(logPath, logText);
    backend = new FakeBackend(logPath);
    await new Promise<void>((resolve) => streaming.server.listen(0, '127.0.0.1', resolve));
    backend.streamingURL = `http://127.0.0.1:${(streaming.server.address() as AddressInfo).port}/exec/Tok3n`;
    // The node's serving certificate, from the CA the API server verifies it with, naming the node.
    const serving = creds.serverCA.issueServingCert({ commonName: 'node-a', dnsNames: ['node-a'], ips: ['127.0.0.1'] });
    const nodeServer = new NodeServer({
      tls: { key: serving.privateKeyPem, cert: serving.certificatePem },
      clientCAPem: creds.serverCA.certificatePem,
      backend,
      host: '127.0.0.1',
      port: 0,
    });
    nodePort = (await nodeServer.start(stop.signal)).port;

    api = await startHttpsApiServer({ credentials: creds, signal: stop.signal, nodeProxy: { kubeletTLS: { ...kubeletClient, ca: creds.serverCA.certificatePem }, dialTimeoutMs: 2000 } });
    apiPort = api.port;
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-a' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: nodePort } } },
    };
    await api.createRaw('nodes', '', node as KubeObject);
    const pod = (name: string, containers: string[], nodeName?: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { nodeName, containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
    });
    await api.createRaw('pods', 'default', pod('web', ['app'], 'node-a') as KubeObject);
    await api.createRaw('pods', 'default', pod('two', ['a', 'b'], 'node-a') as KubeObject);
    await api.createRaw('pods', 'default', pod('pending', ['app']) as KubeObject);
  });

  after(async () => {
    stop.abort();
    streaming.server.close();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('serves logs to a client with a certificate from the trusted CA, 401 to others', async () => {
    const ok = await get(nodePort, '/containerLogs/default/web/app?tailLines=1&timestamps=true', kubeletClient);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, '2024-05-01T10:00:01.000000000Z two\n');
    assert.equal((await get(nodePort, '/containerLogs/default/web/app')).status, 401);
    // The admin certificate comes from the client CA, which nodes do not trust.
    assert.equal((await get(nodePort, '/containerLogs/default/web/app', admin)).status, 401);
    assert.equal((await get(nodePort, '/healthz', kubeletClient)).body, 'ok');
  });

  test("the backend's errors are Statuses with their code", async () => {
    const missing = await get(nodePort, '/containerLogs/default/nope/app', kubeletClient);
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).message, 'pods "nope" not found');
    const bad = await get(nodePort, '/containerLogs/default/web/app?tailLines=-1', kubeletClient);
    assert.equal(bad.status, 400);
    const up = await upgrade(nodePort, 'POST /exec/default/web/app?command=sh HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n', kubeletClient);
    assert.match(up.head, /^HTTP\/1.1 400 /);
    up.socket.destroy();
  });

  test('pods/log through the API server, following until the container ends', async () => {
    const first = await get(apiPort, '/api/v1/namespaces/default/pods/web/log?tailLines=1', admin);
    assert.equal(first.status, 200);
    assert.equal(first.body, 'two\n');
    backend.running = false;
    await appendFile(backend.logPath, '2024-05-01T10:00:02.000000000Z stdout F three\n');
    const followed = await get(apiPort, '/api/v1/namespaces/default/pods/web/log?follow=true&sinceTime=2024-05-01T10:00:01Z', admin);
    assert.equal(followed.body, 'two\nthree\n');
    backend.running = true;
  });

  test('pods/log validation as upstream', async () => {
    const two = await get(apiPort, '/api/v1/namespaces/default/pods/two/log', admin);
    assert.equal(two.status, 400);
    assert.equal(JSON.parse(two.body).message, 'a container name must be specified for pod two, choose one of: [a b]');
    const wrong = await get(apiPort, '/api/v1/namespaces/default/pods/web/log?container=x', admin);
    assert.equal(JSON.parse(wrong.body).message, 'container x is not valid for pod web');
    const missing = await get(apiPort, '/api/v1/namespaces/default/pods/nope/log', admin);
    assert.equal(missing.status, 404);
    const pending = await get(apiPort, '/api/v1/namespaces/default/pods/pending/log', admin);
    assert.deepEqual(pending, { status: 200, body: '' });
  });

  test('an exec upgrade goes from the API server through the node to the streaming server and back', async () => {
    const head =
      'POST /api/v1/namespaces/default/pods/web/exec?command=echo&command=hi&stdin=true&stdout=true&stderr=true&tty=true HTTP/1.1\r\n' +
      'Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n' +
      'X-Stream-Protocol-Version: v3.channel.k8s.io\r\nContent-Length: 0\r\n\r\n';
    const up = await upgrade(apiPort, head, admin);
    assert.match(up.head, /^HTTP\/1.1 101 /);
    assert.match(up.head, /X-Stream-Protocol-Version: v4.channel.k8s.io/);
    up.socket.write('ping-through-both-proxies');
    await readUntil(up.socket, up.rest, 'ping-through-both-proxies');
    up.socket.destroy();
    const call = backend.calls.at(-1);
    assert.deepEqual(call, { verb: 'exec', container: 'app', req: { cmd: ['echo', 'hi'], tty: true, stdin: true, stdout: true, stderr: false } });
    const seen = streaming.heads.at(-1) ?? '';
    assert.match(seen, /^POST \/exec\/Tok3n\?command=echo&command=hi&error=1&input=1&output=1&tty=1 HTTP\/1.1\r\n/);
    assert.match(seen, /\r\nHost: 127.0.0.1:\d+\r\n/);
    assert.match(seen, /X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: v3.channel.k8s.io/);
    assert.doesNotMatch(seen, /Authorization/i);
  });

  test('a WebSocket attempt is passed through; portforward reaches the backend', async () => {
    const head =
      'GET /api/v1/namespaces/default/pods/web/portforward?ports=8080 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n\r\n';
    const up = await upgrade(apiPort, head, admin);
    assert.match(up.head, /^HTTP\/1.1 101 /);
    up.socket.destroy();
    assert.deepEqual(backend.calls.at(-1), { verb: 'portforward', container: '', ports: [8080] });
    assert.match(streaming.heads.at(-1) ?? '', /Sec-WebSocket-Protocol: SPDY\/3.1\+portforward.k8s.io/);
  });

  test('upgrade errors are Statuses: validation at the API server, no credentials', async () => {
    const exec = async (path: string, cert?: { cert: string; key: string }) => {
      const text = await answer(apiPort, `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n`, cert);
      return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { code: number; message: string };
    };
    const bodies = [
      await exec('/api/v1/namespaces/default/pods/two/exec?command=sh&stdout=true', admin),
      await exec('/api/v1/namespaces/default/pods/pending/exec?command=sh&stdout=true', admin),
      await exec('/api/v1/namespaces/default/pods/nope/exec?command=sh&stdout=true', admin),
      await exec('/api/v1/namespaces/default/pods/web/exec?command=sh&stdout=true'),
    ];
    assert.deepEqual(
      bodies.map((b) => [b.code, b.message]),
      [
        [400, 'a container name must be specified for pod two, choose one of: [a b]'],
        [400, 'pod pending does not have a host assigned'],
        [404, 'pods "nope" not found'],
        [401, 'Unauthorized'],
      ],
    );
  });

  test('ordinary requests still work over HTTP/1.1 and an Upgrade header elsewhere is ignored', async () => {
    const plain = await upgrade(apiPort, 'GET /api/v1/namespaces/default/pods/web HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', admin);
    assert.match(plain.head, /^HTTP\/1.1 200 /);
    plain.socket.destroy();
  });

  test('a certificate from the trusted CA with another identity gets 403 for logs and exec; /healthz stays open to it', async () => {
    const issued = creds.serverCA.issueClientCert({ commonName: 'system:node:node-b', organizations: ['system:nodes'] });
    const other = { cert: issued.certificatePem, key: issued.privateKeyPem };
    const logs = await get(nodePort, '/containerLogs/default/web/app', other);
    assert.equal(logs.status, 403);
    assert.equal(JSON.parse(logs.body).message, 'Forbidden (user=system:node:node-b, verb=get, resource=nodes, subresource=(proxy))');
    const up = await upgrade(nodePort, 'POST /exec/default/web/app?command=sh&output=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n', other);
    assert.match(up.head, /^HTTP\/1.1 403 /);
    up.socket.destroy();
    assert.equal((await get(nodePort, '/healthz', other)).body, 'ok');
  });

  test('the API server verifies the node: a listener without a certificate from the cluster CA, or with another node\'s, gets no request', async () => {
    const seen: { clientCertificate: boolean; bytes: number }[] = [];
    const listen = async (tls: { key: string; cert: string }) => {
      const server = createTlsServer({ ...tls, requestCert: true, rejectUnauthorized: false }, (socket: TLSSocket) => {
        const record = { clientCertificate: Object.keys(socket.getPeerCertificate() ?? {}).length > 0, bytes: 0 };
        seen.push(record);
        socket.on('data', (d: Buffer) => (record.bytes += d.length));
        socket.on('error', () => socket.destroy());
        socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\n\r\nsecret');
      });
      server.on('tlsClientError', () => seen.push({ clientCertificate: false, bytes: 0 }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    };
    // A self-made CA's certificate for the right name, and the cluster CA's for another node.
    const { CertificateAuthority } = await import('../../pki/ca.js');
    const rogueCA = await CertificateAuthority.loadOrCreate({ dir, name: 'rogue-ca' });
    const rogue = rogueCA.issueServingCert({ commonName: 'rogue', dnsNames: ['rogue'], ips: ['127.0.0.1'] });
    const otherNode = creds.serverCA.issueServingCert({ commonName: 'node-z', dnsNames: ['node-z'], ips: ['127.0.0.1'] });
    for (const [name, tls, error] of [
      ['rogue', { key: rogue.privateKeyPem, cert: rogue.certificatePem }, /certificate/],
      ['imposter', { key: otherNode.privateKeyPem, cert: otherNode.certificatePem }, /Hostname\/IP does not match certificate's altnames/],
    ] as const) {
      const server = await listen(tls);
      const port = (server.address() as AddressInfo).port;
      await api.createRaw('nodes', '', { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } } as KubeObject);
      await api.createRaw('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `on-${name}`, namespace: 'default' }, spec: { nodeName: name, containers: [{ name: 'app', image: 'busybox' }] } } as KubeObject);
      seen.length = 0;
      const res = await get(apiPort, `/api/v1/namespaces/default/pods/on-${name}/log`, admin);
      assert.equal(res.status, 500, res.body);
      const message = (JSON.parse(res.body) as { message: string }).message;
      assert.match(message, error);
      assert.doesNotMatch(message, /secret/);
      // No HTTP request reached the listener.
      assert.ok(seen.every((s) => s.bytes === 0), JSON.stringify(seen));
      if (name === 'rogue') assert.ok(seen.every((s) => !s.clientCertificate), JSON.stringify(seen));
      server.close();
    }
  });
});
