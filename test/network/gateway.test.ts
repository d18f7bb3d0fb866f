/**
 * Gateway API on real nodes, driven by real kubectl and curl: the GatewayClass skiff that
 * `skiff server` creates, a Gateway with an HTTP listener, and the seed's canary written as an
 * HTTPRoute (weights 80/20, a header match `canary: always`, weights changed in place); a
 * route to a missing Service answers 500 for its share with ResolvedRefs False/BackendNotFound.
 * Then an HTTPS listener with a Secret of another namespace (RefNotPermitted until a
 * ReferenceGrant allows it, then served with that certificate), filters seen by a real request
 * at an echo backend (header modifiers both ways, a redirect, a URLRewrite, a mirror), query
 * and method matches, and bad routes (422 from the CRD's rules, UnsupportedValue, PartiallyInvalid).
 * GRPCRoutes are not served: their parents say NotAllowedByListeners, and listeners list their
 * supportedKinds, with InvalidRouteKinds where allowedRoutes.kinds names GRPCRoute.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterPolling } from '../harness/cluster.js';
import { testImages } from '../harness/images.js';
import { waitFor } from '../../src/testing/wait.js';
import { canRunNodes, TwoNodeCluster } from './two-node-cluster.js';

const host = 'gw.example.com';

const version = (v: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: tomcat-${v}}
spec:
  replicas: 1
  selector: {matchLabels: {app: tomcat, version: ${v}}}
  template:
    metadata: {labels: {app: tomcat, version: ${v}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: tomcat, image: ${v === 'v1' ? testImages.tomcatV1 : testImages.tomcatV2}, imagePullPolicy: IfNotPresent, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: tomcat-${v}}
spec:
  selector: {app: tomcat, version: ${v}}
  ports: [{name: http, port: 80, targetPort: 8080}]
`;

const gateway = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web}
spec:
  gatewayClassName: skiff
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
`;

const canaryRoute = (w1: number, w2: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: tomcat}
spec:
  parentRefs: [{name: web}]
  hostnames: [${host}]
  rules:
  - matches: [{headers: [{name: canary, value: always}]}]
    backendRefs: [{name: tomcat-v2, port: 80}]
  - backendRefs:
    - {name: tomcat-v1, port: 80, weight: ${w1}}
    - {name: tomcat-v2, port: 80, weight: ${w2}}
`;

/**
 * An HTTP server on 8080 answering each request with its request line and headers (and
 * logging the request line), made of busybox nc and sh; `X-Pod` names the pod, `X-Echo` and
 * `X-Drop` are response headers the filters change.
 */
const echo = (name: string) => `
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}}
data:
  echo.sh: |
    #!/bin/sh
    IFS= read -r request
    request=$(printf '%s' "$request" | tr -d '\\r')
    echo "$request" >&2
    out="$request"
    while IFS= read -r line; do
      line=$(printf '%s' "$line" | tr -d '\\r')
      [ -z "$line" ] && break
      out="$out
    $line"
    done
    length=$(printf '%s\\n' "$out" | wc -c)
    printf 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\nX-Pod: %s\\r\\nX-Echo: original\\r\\nX-Drop: me\\r\\n\\r\\n%s\\n' "$length" "$(hostname)" "$out"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: echo
        image: ${testImages.busybox}
        imagePullPolicy: IfNotPresent
        command: [nc, -ll, -p, "8080", -e, /echo/echo.sh]
        volumeMounts: [{name: script, mountPath: /echo}]
      volumes: [{name: script, configMap: {name: ${name}, defaultMode: 493}}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: 8080}]
`;

describe('Gateway API on real nodes (nginx on the server node)', { skip: canRunNodes ? false : 'needs root, containerd and runc' }, () => {
  let cluster: TwoNodeCluster | undefined;
  let certDir = '';
  const c = (): TwoNodeCluster => {
    assert.ok(cluster);
    return cluster;
  };
  const kubectlOK = (args: string[], input?: string) => c().kubectlOK(args, input);
  const curl = async (args: string[]) => c().server.netns.run('curl', ['-sS', '--max-time', '10', ...args], { timeoutMs: 120_000 });
  /** Per request `code body`, of `n` requests on one connection. */
  const answers = async (n: number, extra: string[] = [], hostName = host): Promise<string[]> => {
    const r = await curl(['-H', `Host: ${hostName}`, ...extra, '-w', '%{http_code}\\n', '-o', '/dev/null', `http://${c().server.ip}/?n=[1-${n}]`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  const bodies = async (n: number, extra: string[] = []): Promise<string[]> => {
    const r = await curl(['-H', `Host: ${host}`, ...extra, `http://${c().server.ip}/?n=[1-${n}]`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  const waitRunning = async (selector: string, count: number) => {
    await waitFor(`${count} pods ${selector} ready`, async () => {
      const out = await kubectlOK(['get', 'pods', '-l', selector, '-o', 'jsonpath={range .items[*]}{.status.containerStatuses[*].ready}{"\\n"}{end}']);
      const lines = out.split('\n').filter((l) => l !== '');
      return lines.length === count && lines.every((l) => l === 'true');
    }, { ...clusterPolling, timeoutMs: 120_000, intervalMs: 500 });
  };
  const shareOfV2 = async (): Promise<number> => {
    const all = await bodies(500);
    assert.equal(all.length, 500);
    const v2 = all.filter((b) => b === 'tomcat v2').length;
    assert.equal(all.filter((b) => b === 'tomcat v1').length + v2, 500, `unexpected answers: ${[...new Set(all)].join(', ')}`);
    return v2;
  };

  before(async () => {
    cluster = await TwoNodeCluster.start({ serverArgs: ['--service-cidr', '10.172.0.0/16', '--dns-upstream', 'none'] });
    try {
      certDir = await mkdtemp(join(tmpdir(), 'skiff-gateway-certs-'));
      await kubectlOK(['apply', '-f', '-'], version('v1') + '---' + version('v2') + '---' + echo('echo') + '---' + echo('mirror'));
      await waitRunning('app=tomcat', 2);
      await waitRunning('app in (echo, mirror)', 2);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${c().logs()}`);
    }
  });

  after(async () => {
    if (process.env.SKIFF_TEST_VERBOSE) console.error(cluster?.logs());
    await cluster?.remove();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  test('the GatewayClass skiff is there and Accepted; a Gateway gets Accepted, Programmed and the node address', async () => {
    await waitFor('GatewayClass skiff accepted', async () => (await c().kubectl(['get', 'gatewayclass', 'skiff', '-o', 'jsonpath={.status.conditions[?(@.type=="Accepted")].status}'])).stdout === 'True', { ...clusterPolling, timeoutMs: 60_000 });
    await kubectlOK(['apply', '-f', '-'], gateway);
    await waitFor('Gateway programmed', async () => (await kubectlOK(['get', 'gateway', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Programmed")].status} {.status.addresses[*].value}'])) === `True ${c().server.ip}`, { ...clusterPolling, timeoutMs: 60_000 });
  });

  test('an HTTPRoute canary with weights 80/20: 20% +/- 6% of 500 requests reach v2; header canary: always sends all to v2', async () => {
    await kubectlOK(['apply', '-f', '-'], canaryRoute(80, 20));
    await waitFor('v2 through the header match', async () => (await bodies(1, ['-H', 'canary: always']))[0] === 'tomcat v2', { ...clusterPolling, timeoutMs: 60_000 });
    const v2 = await shareOfV2();
    assert.ok(v2 >= 70 && v2 <= 130, `${v2} of 500 reached v2 (want 100 +/- 30)`);
    assert.deepEqual(new Set(await bodies(50, ['-H', 'canary: always'])), new Set(['tomcat v2']));
    const attached = await kubectlOK(['get', 'gateway', 'web', '-o', 'jsonpath={.status.listeners[0].attachedRoutes}']);
    assert.equal(attached, '1');
    const parent = await kubectlOK(['get', 'httproute', 'tomcat', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status} {.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}']);
    assert.equal(parent, 'True True');
  });

  test('changing the weights takes effect: 0/100 then 50/50', async () => {
    await kubectlOK(['apply', '-f', '-'], canaryRoute(0, 100));
    await waitFor('all to v2', async () => new Set(await bodies(30)).size === 1 && (await bodies(1))[0] === 'tomcat v2', { ...clusterPolling, timeoutMs: 60_000 });
    assert.equal(await shareOfV2(), 500);
    await kubectlOK(['apply', '-f', '-'], canaryRoute(50, 50));
    await waitFor('both versions answer', async () => new Set(await bodies(40)).size === 2, { ...clusterPolling, timeoutMs: 60_000 });
    const v2 = await shareOfV2();
    assert.ok(v2 >= 220 && v2 <= 280, `${v2} of 500 reached v2 (want 250 +/- 30)`);
  });

  test('a backendRef to a missing Service: its share is answered 500, and ResolvedRefs is False/BackendNotFound', async () => {
    await kubectlOK(['apply', '-f', '-'], `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ghost}
spec:
  parentRefs: [{name: web}]
  hostnames: [ghost.example.com]
  rules:
  - backendRefs:
    - {name: tomcat-v1, port: 80, weight: 50}
    - {name: ghost, port: 80, weight: 50}
`);
    await waitFor('ResolvedRefs False', async () => (await kubectlOK(['get', 'httproute', 'ghost', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}/{.status.parents[0].conditions[?(@.type=="ResolvedRefs")].reason}'])) === 'False/BackendNotFound', { ...clusterPolling, timeoutMs: 60_000 });
    await waitFor('the ghost host answers', async () => (await answers(10, [], 'ghost.example.com')).includes('200'), { ...clusterPolling, timeoutMs: 60_000 });
    const codes = await answers(200, [], 'ghost.example.com');
    assert.deepEqual(new Set(codes), new Set(['200', '500']));
    const errors = codes.filter((x) => x === '500').length;
    assert.ok(errors >= 70 && errors <= 130, `${errors} of 200 answered 500 (want 100 +/- 30)`);
  });
  /** The jsonpath `path` of `kind name`, until `want` (or the deadline). */
  const waitJsonpath = async (what: string, args: string[], path: string, want: string): Promise<void> => {
    let last = '';
    await waitFor(`${what}: ${want} (last: ${last})`, async () => (last = (await c().kubectl(['get', ...args, '-o', `jsonpath=${path}`])).stdout) === want, { ...clusterPolling, timeoutMs: 60_000 });
  };
  const listenerCondition = (name: string, type: string) => `{.status.listeners[?(@.name=="${name}")].conditions[?(@.type=="${type}")].status}/{.status.listeners[?(@.name=="${name}")].conditions[?(@.type=="${type}")].reason}`;
  const routeCondition = (type: string) => `{.status.parents[0].conditions[?(@.type=="${type}")].status}/{.status.parents[0].conditions[?(@.type=="${type}")].reason}`;
  /** Status line and headers (lower-cased names) and body of one request through the Gateway. */
  const request = async (hostName: string, path: string, extra: string[] = []): Promise<{ code: string; headers: Map<string, string[]>; body: string }> => {
    const r = await curl(['-i', '-H', `Host: ${hostName}`, ...extra, `http://${c().server.ip}${path}`]);
    assert.equal(r.code, 0, r.stderr);
    const [head = '', ...rest] = r.stdout.split('\r\n\r\n');
    const [status = '', ...lines] = head.split('\r\n');
    const headers = new Map<string, string[]>();
    for (const l of lines) {
      const i = l.indexOf(':');
      const name = l.slice(0, i).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), l.slice(i + 1).trim()]);
    }
    return { code: status.split(' ')[1] ?? '', headers, body: rest.join('\r\n\r\n') };
  };
  /** The request headers the echo backend saw (lower-cased names), and its request line. */
  const seen = (body: string): { line: string; headers: Map<string, string> } => {
    const [line = '', ...lines] = body.trim().split('\n');
    return { line, headers: new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()])) };
  };

  test('an HTTPS listener with a Secret of another namespace: RefNotPermitted until a ReferenceGrant allows it, then served with that certificate by SNI', async () => {
    const h = 'secure.example.com';
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${h}`, '-addext', `subjectAltName=DNS:${h}`, '-keyout', join(certDir, 'gw.key'), '-out', join(certDir, 'gw.crt')], { stdio: 'ignore' });
    await kubectlOK(['create', 'namespace', 'certs']);
    await kubectlOK(['create', 'secret', 'tls', 'gw-tls', '-n', 'certs', '--cert', join(certDir, 'gw.crt'), '--key', join(certDir, 'gw.key')]);
    await kubectlOK(['apply', '-f', '-'], `${gateway}  - {name: https, port: 443, protocol: HTTPS, hostname: ${h}, tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: gw-tls, namespace: certs}]}}
  - {name: broken, port: 443, protocol: HTTPS, hostname: broken.example.com, tls: {certificateRefs: [{name: no-such-secret}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: secure}
spec:
  parentRefs: [{name: web, sectionName: https}]
  rules:
  - backendRefs: [{name: tomcat-v2, port: 80}]
`);
    await waitJsonpath('https listener refused', ['gateway', 'web'], listenerCondition('https', 'ResolvedRefs'), 'False/RefNotPermitted');
    await waitJsonpath('broken listener', ['gateway', 'web'], `${listenerCondition('broken', 'ResolvedRefs')} ${listenerCondition('broken', 'Programmed')}`, 'False/InvalidCertificateRef False/Invalid');
    assert.equal(await kubectlOK(['get', 'gateway', 'web', '-o', `jsonpath=${listenerCondition('https', 'Programmed')} {.status.listeners[?(@.name=="https")].attachedRoutes}`]), 'False/Invalid 1');
    await kubectlOK(['apply', '-f', '-'], `
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: gateways-in-default, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: default}]
  to: [{group: "", kind: Secret, name: gw-tls}]
`);
    await waitJsonpath('https listener programmed', ['gateway', 'web'], `${listenerCondition('https', 'ResolvedRefs')} ${listenerCondition('https', 'Programmed')}`, 'True/ResolvedRefs True/Programmed');
    await waitFor('HTTPS with the Secret’s certificate', async () => {
      // Verifies against the Secret's own self-signed certificate: only that certificate passes.
      const r = await curl(['--cacert', join(certDir, 'gw.crt'), '--resolve', `${h}:443:${c().server.ip}`, `https://${h}/`]);
      return r.code === 0 && r.stdout === 'tomcat v2\n';
    }, { ...clusterPolling, timeoutMs: 60_000 });
    // The route is attached to the HTTPS listener only: plain HTTP for that host belongs to the HTTP listener, which has no route for it.
    assert.equal((await request(h, '/')).code, '404');
  });

  test('filters seen by real requests: request and response header modifiers, a redirect, a URLRewrite, a mirror', async () => {
    await kubectlOK(['apply', '-f', '-'], `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: echo}
spec:
  parentRefs: [{name: web, sectionName: http}]
  hostnames: [echo.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /headers}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Set, value: set-overwrites-values}]
        add: [{name: X-Add, value: add-appends-values}]
        remove: [X-Remove]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set: [{name: X-Echo, value: changed}]
        add: [{name: X-Added, value: by-the-gateway}]
        remove: [X-Drop]
    backendRefs: [{name: echo, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {statusCode: 301, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
  - matches: [{path: {type: PathPrefix, value: /to-https}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, hostname: secure.example.com}
  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters:
    - type: URLRewrite
      urlRewrite: {hostname: internal.example, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
    backendRefs: [{name: echo, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /mirrored}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: mirror, port: 80}}
    backendRefs: [{name: echo, port: 80}]
`);
    await waitJsonpath('echo route accepted', ['httproute', 'echo'], `${routeCondition('Accepted')} ${routeCondition('ResolvedRefs')}`, 'True/Accepted True/ResolvedRefs');
    await waitFor('the echo route serving', async () => (await request('echo.example.com', '/headers')).code === '200', { ...clusterPolling, timeoutMs: 60_000 });

    const h = await request('echo.example.com', '/headers/x', ['-H', 'X-Set: from-client', '-H', 'X-Add: from-client', '-H', 'X-Remove: secret', '-H', 'X-Other: kept']);
    const backend = seen(h.body);
    assert.equal(backend.line, 'GET /headers/x HTTP/1.1');
    assert.equal(backend.headers.get('x-set'), 'set-overwrites-values');
    assert.equal(backend.headers.get('x-add'), 'from-client,add-appends-values');
    assert.equal(backend.headers.get('x-other'), 'kept');
    assert.equal(backend.headers.has('x-remove'), false, `X-Remove reached the backend: ${h.body}`);
    assert.equal(backend.headers.get('host'), 'echo.example.com');
    assert.deepEqual(h.headers.get('x-echo'), ['changed']);
    assert.deepEqual(h.headers.get('x-added'), ['by-the-gateway']);
    assert.equal(h.headers.has('x-drop'), false);

    const moved = await request('echo.example.com', '/old/page?q=1');
    assert.equal(moved.code, '301');
    assert.deepEqual(moved.headers.get('location'), ['http://echo.example.com/new/page?q=1']);
    const https = await request('echo.example.com', '/to-https/a');
    assert.equal(https.code, '302');
    assert.deepEqual(https.headers.get('location'), ['https://secure.example.com/to-https/a']);

    const rewritten = seen((await request('echo.example.com', '/api/users?id=7')).body);
    assert.equal(rewritten.line, 'GET /v2/users?id=7 HTTP/1.1');
    assert.equal(rewritten.headers.get('host'), 'internal.example');

    const mirrored = await request('echo.example.com', '/mirrored/copy-me');
    assert.equal(seen(mirrored.body).line, 'GET /mirrored/copy-me HTTP/1.1');
    await waitFor('the mirror got a copy', async () => (await kubectlOK(['logs', 'deployment/mirror'])).includes('GET /mirrored/copy-me HTTP/1.1'), { ...clusterPolling, timeoutMs: 60_000 });
  });

  test('query parameter and method matches, in the spec’s precedence (longer path, then method, then query parameters)', async () => {
    await kubectlOK(['apply', '-f', '-'], `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: matches}
spec:
  parentRefs: [{name: web, sectionName: http}]
  hostnames: [match.example.com]
  rules:
  - backendRefs: [{name: echo, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /}, queryParams: [{name: version, value: "2"}]}]
    backendRefs: [{name: mirror, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /submit}, method: POST}]
    backendRefs: [{name: mirror, port: 80}]
`);
    /** Which backend answered: `echo` or `mirror` (the pod's name begins with its Deployment's). */
    const backend = async (path: string, extra: string[] = []) => {
      const r = await request('match.example.com', path, extra);
      assert.equal(r.code, '200', r.body);
      return r.headers.get('x-pod')?.[0]?.split('-')[0];
    };
    await waitFor('the matches route serving', async () => (await request('match.example.com', '/?version=2')).headers.get('x-pod')?.[0]?.startsWith('mirror-') === true, { ...clusterPolling, timeoutMs: 60_000 });
    assert.equal(await backend('/'), 'echo');
    assert.equal(await backend('/?a=1&version=2'), 'mirror');
    assert.equal(await backend('/?VERSION=2'), 'echo', 'query parameter names are case-sensitive');
    assert.equal(await backend('/?version=22'), 'echo');
    assert.equal(await backend('/?version=1&version=2'), 'echo', 'the first of a repeated parameter counts');
    assert.equal(await backend('/submit', ['-X', 'POST']), 'mirror');
    assert.equal(await backend('/submit'), 'echo', 'a GET falls through to the rule of the shorter path');
    assert.equal(await backend('/submit/more?version=2'), 'mirror', 'a GET with the query parameter takes the query rule of /');
  });

  test('bad routes: what the CRD forbids is a 422; unsupported filters get Accepted False/UnsupportedValue, or PartiallyInvalid with the rest served', async () => {
    const both = await c().kubectl(['apply', '-f', '-'], `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: forbidden}
spec:
  parentRefs: [{name: web}]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {statusCode: 301}}]
    backendRefs: [{name: tomcat-v1, port: 80}]
`);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /is invalid/);
    assert.match(both.stderr, /RequestRedirect filter must not be used together with backendRefs/);
    assert.match((await c().kubectl(['get', 'httproute', 'forbidden'])).stderr, /NotFound/, 'nothing was stored');

    await kubectlOK(['apply', '-f', '-'], `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cors-only}
spec:
  parentRefs: [{name: web, sectionName: http}]
  hostnames: [cors.example.com]
  rules:
  - filters: [{type: CORS, cors: {allowOrigins: ["https://a.example.com"]}}]
    backendRefs: [{name: tomcat-v1, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: partly}
spec:
  parentRefs: [{name: web, sectionName: http}]
  hostnames: [partly.example.com]
  rules:
  - matches: [{path: {value: /cors}}]
    filters: [{type: CORS, cors: {allowOrigins: ["https://a.example.com"]}}]
    backendRefs: [{name: tomcat-v1, port: 80}]
  - backendRefs: [{name: echo, port: 80}]
`);
    await waitJsonpath('cors-only not accepted', ['httproute', 'cors-only'], routeCondition('Accepted'), 'False/UnsupportedValue');
    assert.match(await kubectlOK(['get', 'httproute', 'cors-only', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].message}']), /filter CORS is not supported/);
    await waitJsonpath('partly accepted', ['httproute', 'partly'], `${routeCondition('Accepted')} ${routeCondition('PartiallyInvalid')}`, 'True/Accepted True/UnsupportedValue');
    assert.equal((await request('cors.example.com', '/')).code, '404');
    assert.equal(seen((await request('partly.example.com', '/cors')).body).line, 'GET /cors HTTP/1.1', 'the dropped rule’s requests go to the remaining rule');
  });

  test('GRPCRoutes are not served and say so: NotAllowedByListeners on their parents; listeners list supportedKinds, allowedRoutes.kinds naming GRPCRoute is InvalidRouteKinds', async () => {
    await kubectlOK(['apply', '-f', '-'], `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: grpc}
spec:
  gatewayClassName: skiff
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: grpc.example.com}
  - {name: mixed, port: 80, protocol: HTTP, hostname: mixed.example.com, allowedRoutes: {kinds: [{kind: HTTPRoute}, {kind: GRPCRoute}]}}
  - {name: grpc-only, port: 80, protocol: HTTP, hostname: grpconly.example.com, allowedRoutes: {kinds: [{kind: GRPCRoute}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo-grpc}
spec:
  parentRefs: [{name: grpc}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{method: {service: echo.Echo, method: Say}}]
    backendRefs: [{name: echo, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: no-listener}
spec:
  parentRefs: [{name: grpc, sectionName: nope}]
  rules:
  - backendRefs: [{name: ghost, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: on-mixed}
spec:
  parentRefs: [{name: grpc, sectionName: mixed}]
  rules:
  - backendRefs: [{name: echo, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: on-grpc-only}
spec:
  parentRefs: [{name: grpc, sectionName: grpc-only}]
  rules:
  - backendRefs: [{name: echo, port: 80}]
`);
    await waitJsonpath('the GRPCRoute not accepted', ['grpcroute', 'echo-grpc'], `${routeCondition('Accepted')} ${routeCondition('ResolvedRefs')}`, 'False/NotAllowedByListeners True/ResolvedRefs');
    const parent = JSON.parse(await kubectlOK(['get', 'grpcroute', 'echo-grpc', '-o', 'jsonpath={.status.parents[0]}'])) as { parentRef: Record<string, string>; controllerName: string; conditions: { type: string; message: string; observedGeneration: number }[] };
    assert.deepEqual(parent.parentRef, { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'grpc' });
    assert.equal(parent.controllerName, 'skiff.dev/gateway-controller');
    assert.match(parent.conditions.find((x) => x.type === 'Accepted')?.message ?? '', /no listener of Gateway default\/grpc allows the kind GRPCRoute: GRPCRoute is not served: nginx 1.22 cannot serve cleartext HTTP\/2 \(h2c\)/);
    assert.equal(parent.conditions[0]?.observedGeneration, 1);
    await waitJsonpath('the GRPCRoute to a missing listener', ['grpcroute', 'no-listener'], `${routeCondition('Accepted')} ${routeCondition('ResolvedRefs')}`, 'False/NoMatchingParent False/BackendNotFound');

    const listener = (name: string) => `{.status.listeners[?(@.name=="${name}")].supportedKinds[*].kind} ${listenerCondition(name, 'ResolvedRefs')} ${listenerCondition(name, 'Programmed')} {.status.listeners[?(@.name=="${name}")].attachedRoutes}`;
    await waitJsonpath('listener http', ['gateway', 'grpc'], listener('http'), 'HTTPRoute True/ResolvedRefs True/Programmed 0');
    await waitJsonpath('listener mixed', ['gateway', 'grpc'], listener('mixed'), 'HTTPRoute False/InvalidRouteKinds True/Programmed 1');
    await waitJsonpath('listener grpc-only', ['gateway', 'grpc'], listener('grpc-only'), ' False/InvalidRouteKinds False/Invalid 0');
    assert.match(await kubectlOK(['get', 'gateway', 'grpc', '-o', 'jsonpath={.status.listeners[?(@.name=="mixed")].conditions[?(@.type=="ResolvedRefs")].message}']), /does not serve: gateway.networking.k8s.io\/GRPCRoute/);
    await waitJsonpath('the HTTPRoute on grpc-only', ['httproute', 'on-grpc-only'], routeCondition('Accepted'), 'False/NotAllowedByListeners');
    await waitJsonpath('the HTTPRoute on mixed', ['httproute', 'on-mixed'], routeCondition('Accepted'), 'True/Accepted');
    // The mixed listener still serves HTTPRoutes; the GRPCRoute's hostname has no route, and grpc-only none at all.
    await waitFor('mixed.example.com served', async () => (await request('mixed.example.com', '/hello')).code === '200', { ...clusterPolling, timeoutMs: 60_000 });
    assert.equal(seen((await request('mixed.example.com', '/hello')).body).line, 'GET /hello HTTP/1.1');
    assert.equal((await request('grpc.example.com', '/echo.Echo/Say')).code, '404');
    assert.equal((await request('grpconly.example.com', '/')).code, '404');
    assert.match(await kubectlOK(['get', 'grpcroute', 'echo-grpc']), /^echo-grpc\s+\["grpc.example.com"\]\s+\d+s$/m);
  });
});
