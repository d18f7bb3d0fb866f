import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { ensureServerCredentials, type ServerCredentials, type ServerCredentialsOptions } from '../pki/bootstrap.js';
import { startHttpsApiServer, type HttpsApiServer } from '../testing/https-api-server.js';
import { waitFor } from '../testing/wait.js';
import { parseRequestInfo } from './request-info.js';
import { rewriteLocation, splitProxyPath } from './resource-proxy.js';

const kubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the backend saw of a request, as it echoes it. */
interface Echo {
  method: string;
  url: string;
  host: string;
  authorization: string | null;
  hop: string | null;
  forwardedFor: string | null;
  body: string;
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** A backend on 127.0.0.1 that echoes requests, redirects `/redirect` and echoes upgraded connections. */
function echoBackend(): Server {
  const server = createServer((req, res) => {
    void readAll(req).then((body) => {
      if (req.url?.startsWith('/redirect')) {
        res.writeHead(302, { Location: '/target?from=redirect' });
        res.end();
        return;
      }
      const echo: Echo = {
        method: req.method ?? '',
        url: req.url ?? '',
        host: req.headers.host ?? '',
        authorization: req.headers.authorization ?? null,
        hop: req.headers['x-hop'] === undefined ? null : String(req.headers['x-hop']),
        forwardedFor: req.headers['x-forwarded-for'] === undefined ? null : String(req.headers['x-forwarded-for']),
        body,
      };
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Backend': 'echo', 'Keep-Alive': 'timeout=5' });
      res.end(JSON.stringify(echo));
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.write(`upgraded ${req.url ?? ''}\n`);
    if (head.length) socket.write(head);
    socket.pipe(socket);
  });
  return server;
}

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (it was just free). */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('proxy subresources on an HTTPS API server', () => {
  let dataDir: string;
  let creds: ServerCredentials;
  let api: HttpsApiServer;
  let backend: Server;
  let backendPort: number;
  let downPort: number;
  let kubelet: ReturnType<typeof createTlsServer>;
  let kubeletPort: number;
  /** The request lines the kubelet stand-in was sent. */
  const kubeletRequests: string[] = [];
  const abort = new AbortController();

  const credentialOptions = (httpsPort: number): ServerCredentialsOptions => ({
    dataDir,
    bindAddress: '127.0.0.1',
    advertiseAddresses: ['127.0.0.1'],
    httpsPort,
    serviceCIDR: '10.43.0.0/16',
    clusterDomain: 'cluster.local',
  });

  /** One request to the API server over HTTP/1.1 as the admin (by bearer token, so that the backend can be checked for it). */
  function call(method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({
        host: '127.0.0.1',
        port: api.port,
        method,
        path,
        ca: creds.serverCA.certificatePem,
        agent: false,
        headers: { Authorization: `Bearer ${creds.adminToken}`, ...options.headers },
      });
      req.on('response', (res) => void readAll(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }), reject));
      req.on('error', reject);
      req.end(options.body);
    });
  }

  async function create(path: string, object: object): Promise<void> {
    const res = await call('POST', path, { body: JSON.stringify(object), headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 201, res.body);
  }

  function status(res: Answer): [number, string] {
    return [res.status, (JSON.parse(res.body) as { message: string }).message];
  }

  /** Starts kubectl on a kubeconfig for the test server; `output` is what it wrote so far. */
  async function startKubectl(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
    // The kubeconfig is rewritten for the ephemeral port; the certificates stay.
    const kubeconfig = (await ensureServerCredentials(credentialOptions(api.port))).kubeconfigFile;
    const child = spawn(kubectl, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: dataDir, KUBECONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output };
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skiff-proxy-'));
    creds = await ensureServerCredentials(credentialOptions(0));
    backend = echoBackend();
    backendPort = await listen(backend);
    downPort = await closedPort();
    // A kubelet stand-in: answers with the subject of the client certificate it was shown.
    // Its serving certificate names the node, from the CA the API server verifies kubelets with.
    const nodeServing = creds.serverCA.issueServingCert({ commonName: 'n1', dnsNames: ['n1'], ips: ['10.0.0.9'] });
    kubelet = createTlsServer({ key: nodeServing.privateKeyPem, cert: nodeServing.certificatePem, ca: creds.serverCA.certificatePem, requestCert: true, rejectUnauthorized: true }, (socket: TLSSocket) => {
      socket.once('data', (chunk: Buffer) => {
        const head = chunk.toString().split('\r\n')[0] ?? '';
        kubeletRequests.push(head);
        const body = JSON.stringify({ client: socket.getPeerCertificate().subject?.CN ?? '', head });
        socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      });
    });
    kubeletPort = await listen(kubelet);
    api = await startHttpsApiServer({
      credentials: creds,
      signal: abort.signal,
      nodeProxy: { kubeletTLS: { cert: creds.kubeletClient.certificatePem, key: creds.kubeletClient.privateKeyPem, ca: creds.serverCA.certificatePem } },
      // Endpoint and pod addresses are ones validation accepts (not loopback); every one is
      // reached on 127.0.0.1 at the same port, so nothing leaves the machine.
      proxyDial: (_host, port) => netConnect({ host: '127.0.0.1', port }),
    });
    const service = (name: string, ports: object[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports } });
    const slice = (name: string, service: string, address: string, port: number, ready = true) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [address], conditions: { ready } }],
      ports: [{ name: 'http', port, protocol: 'TCP' }],
    });
    await create('/api/v1/namespaces/default/services', service('web', [{ name: 'http', port: 80, targetPort: 8080 }]));
    await create('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice('web-abc', 'web', '10.42.0.5', backendPort));
    // A not-ready endpoint on a port nothing listens on: never picked.
    await create('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice('web-def', 'web', '10.42.0.9', downPort, false));
    await create('/api/v1/namespaces/default/services', service('empty', [{ name: 'http', port: 80 }]));
    await create('/api/v1/namespaces/default/services', service('down', [{ name: 'http', port: 80 }]));
    await create('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice('down-abc', 'down', '10.42.0.7', downPort));
    const pod = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'example/web', ports: [{ name: 'http', containerPort: backendPort }] }] },
    });
    await create('/api/v1/namespaces/default/pods', pod('web-0'));
    await create('/api/v1/namespaces/default/pods', pod('local-0'));
    const setIP = async (name: string, ip: string) => {
      const res = await call('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, {
        body: JSON.stringify({ status: { podIP: ip, podIPs: [{ ip }] } }),
        headers: { 'Content-Type': 'application/merge-patch+json' },
      });
      assert.equal(res.status, 200, res.body);
    };
    await api.createRaw('nodes', '', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.9' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } },
    });
    await setIP('web-0', '10.42.0.6');
    await setIP('local-0', '127.0.0.1');
  });

  after(async () => {
    abort.abort();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
    await new Promise<void>((resolve) => kubelet.close(() => resolve()));
    await api.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('GET through services/proxy by port name: path and query reach the endpoint, credentials do not', async () => {
    const res = await call('GET', '/api/v1/namespaces/default/services/web:http/proxy/hello/world?x=1&y=a%20b', {
      headers: { 'X-Hop': 'gone', Connection: 'X-Hop' },
    });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['x-backend'], 'echo');
    assert.equal(res.headers['keep-alive'], undefined);
    const echo = JSON.parse(res.body) as Echo;
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, '/hello/world?x=1&y=a%20b');
    assert.equal(echo.host, `10.42.0.5:${backendPort}`);
    assert.equal(echo.authorization, null);
    assert.equal(echo.hop, null);
    assert.equal(echo.forwardedFor, '127.0.0.1');
  });

  test('POST with a body through services/proxy by port number', async () => {
    const res = await call('POST', '/api/v1/namespaces/default/services/http:web:80/proxy/submit?id=7', {
      body: 'a=1&b=2',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.status, 200, res.body);
    const echo = JSON.parse(res.body) as Echo;
    assert.deepEqual([echo.method, echo.url, echo.body], ['POST', '/submit?id=7', 'a=1&b=2']);
  });

  test('over HTTP/2 (as kubectl speaks): pseudo-headers stay here, the body and answer stream', async () => {
    const session = http2Connect(`https://127.0.0.1:${api.port}`, { ca: creds.serverCA.certificatePem, servername: 'localhost' });
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/api/v1/namespaces/default/services/web:80/proxy/h2?q=1',
        authorization: `Bearer ${creds.adminToken}`,
        'content-type': 'text/plain',
      });
      stream.end('over h2');
      const [code, body] = await new Promise<[number, string]>((resolve, reject) => {
        let statusCode = 0;
        let text = '';
        stream.on('response', (headers) => (statusCode = Number(headers[':status'])));
        stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
        stream.on('end', () => resolve([statusCode, text]));
        stream.on('error', reject);
      });
      assert.equal(code, 200, body);
      const echo = JSON.parse(body) as Echo;
      assert.deepEqual([echo.method, echo.url, echo.body, echo.authorization], ['POST', '/h2?q=1', 'over h2', null]);
    } finally {
      session.close();
    }
  });

  test('other methods go through as they are', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const res = await call(method, '/api/v1/namespaces/default/services/web:http/proxy/item', { body: method === 'DELETE' || method === 'OPTIONS' ? undefined : 'x' });
      assert.equal(res.status, 200, `${method}: ${res.body}`);
      assert.equal((JSON.parse(res.body) as Echo).method, method);
    }
    const head = await call('HEAD', '/api/v1/namespaces/default/services/web:http/proxy/item');
    assert.deepEqual([head.status, head.body], [200, '']);
  });

  test('pods/proxy reaches the pod IP, at the named, numbered or first container port', async () => {
    for (const name of [`web-0:${backendPort}`, 'web-0:http', 'web-0']) {
      const res = await call('GET', `/api/v1/namespaces/default/pods/${name}/proxy/metrics?format=text`);
      assert.equal(res.status, 200, `${name}: ${res.body}`);
      const echo = JSON.parse(res.body) as Echo;
      assert.deepEqual([echo.url, echo.host], ['/metrics?format=text', `10.42.0.6:${backendPort}`]);
    }
  });

  test('errors as upstream: no endpoints, missing objects and ports, bad names, loopback pods, unreachable endpoints', async () => {
    assert.deepEqual(status(await call('GET', '/api/v1/namespaces/default/services/empty:http/proxy/')), [503, 'no endpoints available for service "empty"']);
    assert.deepEqual(status(await call('GET', '/api/v1/namespaces/default/services/web:nope/proxy/')), [503, 'no endpoints available for service "web:nope"']);
    assert.deepEqual(status(await call('GET', '/api/v1/namespaces/default/services/web:81/proxy/')), [503, 'no service port 81 found for service "web"']);
    assert.deepEqual(status(await call('GET', '/api/v1/namespaces/default/services/nope:http/proxy/')), [404, 'services "nope" not found']);
    assert.deepEqual(status(await call('GET', '/api/v1/namespaces/default/pods/nope/proxy/')), [404, 'pods "nope" not found']);
    assert.deepEqual(status(await call('GET', '/api/v1/nodes/nope/proxy/')), [404, 'nodes "nope" not found']);
    assert.deepEqual(status(await call('GET', '/api/v1/namespaces/default/services/a:b:c:d/proxy/')), [400, 'invalid service request "a:b:c:d"']);
    assert.deepEqual(status(await call('GET', '/api/v1/namespaces/default/services/ftp:web:80/proxy/')), [400, 'invalid service request "ftp:web:80"']);
    assert.deepEqual(status(await call('GET', '/api/v1/namespaces/default/pods/local-0/proxy/')), [400, 'address not allowed']);
    assert.deepEqual(status(await call('GET', '/api/v1/namespaces/default/services/down:http/proxy/')), [
      503,
      `error trying to reach service: dial tcp 10.42.0.7:${downPort}: connect: connection refused`,
    ]);
  });

  test('nodes/proxy reaches the kubelet with the kubelet client certificate, and other node ports over HTTP', async () => {
    const res = await call('GET', '/api/v1/nodes/n1/proxy/metrics/cadvisor?x=1');
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { client: 'kube-apiserver-kubelet-client', head: 'GET /metrics/cadvisor?x=1 HTTP/1.1' });
    const other = await call('GET', `/api/v1/nodes/n1:${backendPort}/proxy/stats`);
    assert.equal(other.status, 200, other.body);
    assert.deepEqual(((o: Echo) => [o.url, o.host])(JSON.parse(other.body) as Echo), ['/stats', `10.0.0.9:${backendPort}`]);
  });

  test('redirects: /proxy gets its slash, and a backend redirect to itself stays behind the proxy path', async () => {
    const bare = await call('GET', '/api/v1/namespaces/default/services/web:http/proxy?a=1');
    assert.deepEqual([bare.status, bare.headers.location], [301, '/api/v1/namespaces/default/services/web:http/proxy/?a=1']);
    const redirect = await call('GET', '/api/v1/namespaces/default/services/web:http/proxy/redirect');
    assert.deepEqual([redirect.status, redirect.headers.location], [302, '/api/v1/namespaces/default/services/web:http/proxy/target?from=redirect']);
  });

  test('an upgrade (WebSocket) is proxied both ways', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: api.port, ca: creds.serverCA.certificatePem, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      socket.write(
        'GET /api/v1/namespaces/default/services/web:http/proxy/ws?room=1 HTTP/1.1\r\n' +
          `Host: 127.0.0.1:${api.port}\r\nAuthorization: Bearer ${creds.adminToken}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      );
      await waitFor('the upgraded answer', () => received.includes('upgraded /ws?room=1\n'));
      assert.match(received, /^HTTP\/1\.1 101 /);
      socket.write('ping');
      await waitFor('the echo', () => received.endsWith('ping'));
    } finally {
      socket.destroy();
    }
  });

  test('discovery lists the proxy subresources with upstream verbs', async () => {
    const list = JSON.parse((await call('GET', '/api/v1')).body) as { resources: { name: string; kind: string; verbs: string[]; namespaced: boolean }[] };
    const verbs = ['create', 'delete', 'get', 'patch', 'update'];
    for (const [name, kind, namespaced] of [
      ['pods/proxy', 'PodProxyOptions', true],
      ['services/proxy', 'ServiceProxyOptions', true],
      ['nodes/proxy', 'NodeProxyOptions', false],
    ] as const) {
      const entry = list.resources.find((r) => r.name === name);
      assert.deepEqual(entry && { kind: entry.kind, verbs: entry.verbs, namespaced: entry.namespaced }, { kind, verbs, namespaced });
    }
  });

  test('OpenAPI documents a connect operation per method on both proxy paths', async () => {
    const doc = JSON.parse((await call('GET', '/openapi/v2', { headers: { Accept: 'application/json' } })).body) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const item = doc.paths['/api/v1/namespaces/{namespace}/services/{name}/proxy/{path}'] ?? {};
    assert.deepEqual(
      ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'].map((m) => item[m]?.operationId),
      ['Delete', 'Get', 'Head', 'Options', 'Patch', 'Post', 'Put'].map((m) => `connectCoreV1${m}NamespacedServiceProxyWithPath`),
    );
    assert.equal(doc.paths['/api/v1/nodes/{name}/proxy']?.get?.operationId, 'connectCoreV1GetNodeProxy');
    assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/proxy']?.head?.operationId, 'connectCoreV1HeadNamespacedPodProxy');
    const proto = await call('GET', '/openapi/v2', { headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    assert.equal(proto.status, 200);
  });

  test('what kubectl port-forward svc/NAME reads: the Service, then the pods its selector picks', async () => {
    const svc = JSON.parse((await call('GET', '/api/v1/namespaces/default/services/web')).body) as { spec: { selector: Record<string, string> } };
    const selector = Object.entries(svc.spec.selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = JSON.parse((await call('GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`)).body) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(pods.items.map((p) => p.metadata.name).sort(), ['local-0', 'web-0']);
  });

  test('kubectl port-forward svc/NAME picks the Service\'s running pod and asks its node to forward', { skip: existsSync(kubectl) ? false : `${kubectl} not installed` }, async () => {
    // web-0 runs on n1; local-0 stays pending, so kubectl picks web-0.
    const bind = await call('POST', '/api/v1/namespaces/default/pods/web-0/binding', {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-0' }, target: { kind: 'Node', name: 'n1' } }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(bind.status, 201, bind.body);
    const running = await call('PATCH', '/api/v1/namespaces/default/pods/web-0/status', {
      body: JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    assert.equal(running.status, 200, running.body);
    const { child, output } = await startKubectl(['port-forward', '--address=127.0.0.1', 'svc/web', ':80']);
    try {
      // The stand-in kubelet speaks no streaming protocol: seeing the request is the end of the road.
      const forwarded = await waitFor('the port-forward request at the node', () => kubeletRequests.find((r) => r.includes('/portForward/')), {
        intervalMs: 50,
        timeoutMs: 30_000,
      }).catch((err: unknown) => {
        throw new Error(`${String(err)}; kubectl said: ${output()}`);
      });
      // kubectl 1.32 tunnels SPDY over a WebSocket: the ports travel in stream headers, not the query.
      assert.match(forwarded, /^(GET|POST) \/portForward\/default\/web-0(\?port=8080)? HTTP\/1\.1$/);
    } finally {
      child.kill();
    }
  });

  test('kubectl proxy reaches a Service through the API server', { skip: existsSync(kubectl) ? false : `${kubectl} not installed` }, async () => {
    const { child, output } = await startKubectl(['proxy', '--address=127.0.0.1', '--port=0']);
    try {
      const port = await waitFor('kubectl proxy to listen', () => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(output())?.[1], { intervalMs: 50, timeoutMs: 30_000 });
      const res = await new Promise<Answer>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: Number(port), path: '/api/v1/namespaces/default/services/web:http/proxy/hello?via=kubectl', agent: false });
        req.on('response', (r) => void readAll(r).then((body) => resolve({ status: r.statusCode ?? 0, headers: r.headers, body }), reject));
        req.on('error', reject);
        req.end();
      });
      assert.equal(res.status, 200, res.body);
      const echo = JSON.parse(res.body) as Echo;
      assert.deepEqual([echo.method, echo.url, echo.authorization], ['GET', '/hello?via=kubectl', null]);
    } finally {
      child.kill();
    }
  });
});

describe('proxy paths and locations', () => {
  const info = (path: string) => parseRequestInfo('GET', path, new URLSearchParams());

  test('the path after /proxy is kept as the client spelled it', () => {
    const url = '/api/v1/namespaces/ns/services/web:http/proxy/a%2Fb/c?x=1';
    assert.deepEqual(splitProxyPath(url, info('/api/v1/namespaces/ns/services/web:http/proxy/a%2Fb/c')), {
      prefix: '/api/v1/namespaces/ns/services/web:http/proxy',
      path: '/a%2Fb/c',
      search: '?x=1',
    });
    assert.deepEqual(splitProxyPath('/api/v1/nodes/n1/proxy', info('/api/v1/nodes/n1/proxy')), { prefix: '/api/v1/nodes/n1/proxy', path: '', search: '' });
  });

  test('Location headers naming the backend are rewritten; others are left alone', () => {
    const target = { scheme: 'http' as const, host: '10.42.0.5', port: 8080, kubelet: false };
    const prefix = '/api/v1/namespaces/ns/pods/p/proxy';
    assert.equal(rewriteLocation('/login?next=%2F', target, prefix), `${prefix}/login?next=%2F`);
    assert.equal(rewriteLocation('http://10.42.0.5:8080/a', target, prefix), `${prefix}/a`);
    assert.equal(rewriteLocation('https://example.com/a', target, prefix), 'https://example.com/a');
    assert.equal(rewriteLocation('next/page', target, prefix), 'next/page');
  });
});
