/**
 * Ingress on real nodes, driven by real kubectl and curl: the server node runs nginx for the
 * Ingresses. The seed's canary flow (v1, a weight-20 canary in front of v2, header and cookie
 * overrides, promotion by hand in the seed's order), TLS with SNI for two hosts, 503 for a
 * missing backend, and a configuration nginx rejects (never loaded, an event names the Ingress).
 * curl runs in the server node's network namespace against the node's address with a Host header.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling } from '../harness/cluster.js';
import { testImages } from '../harness/images.js';
import { waitFor } from '../../src/testing/wait.js';
import { canRunNodes, TwoNodeCluster } from './two-node-cluster.js';

const host = 'canary.example.com';
const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));

/** A Deployment `<app>-<v>` of the tomcat image of that version and its Service. */
const version = (v: string, app = 'tomcat') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${app}-${v}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${app}, version: ${v}}}
  template:
    metadata: {labels: {app: ${app}, version: ${v}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: tomcat, image: ${v === 'v1' ? testImages.tomcatV1 : testImages.tomcatV2}, imagePullPolicy: IfNotPresent, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${app}-${v}}
spec:
  selector: {app: ${app}, version: ${v}}
  ports: [{name: http, port: 80, targetPort: 8080}]
`;

const ingress = (name: string, service: string, annotations: Record<string, string> = {}, hostName = host, port = 'number: 80') => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  annotations: ${JSON.stringify(annotations)}
spec:
  rules:
  - host: ${hostName}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: ${service}, port: {${port}}}}
`;

const canaryAnnotations = {
  'nginx.ingress.kubernetes.io/canary': 'true',
  'nginx.ingress.kubernetes.io/canary-weight': '20',
  'nginx.ingress.kubernetes.io/canary-by-header': 'canary',
  'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary',
};

describe('Ingress on real nodes (nginx on the server node)', { skip: canRunNodes ? false : 'needs root, containerd and runc' }, () => {
  let cluster: TwoNodeCluster | undefined;
  let certDir = '';
  const c = (): TwoNodeCluster => {
    assert.ok(cluster);
    return cluster;
  };
  const kubectlOK = (args: string[], input?: string) => c().kubectlOK(args, input);
  const curl = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => c().server.netns.run('curl', ['-sS', '--max-time', '10', ...args], { timeoutMs: 120_000 });
  /** The bodies of `n` requests to `hostName` (one curl, one connection), one per line. */
  const bodies = async (n: number, extra: string[] = [], hostName = host): Promise<string[]> => {
    const r = await curl(['-H', `Host: ${hostName}`, ...extra, `http://${c().server.ip}/?n=[1-${n}]`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  const status = async (hostName: string, path = '/'): Promise<string> =>
    (await curl(['-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${hostName}`, `http://${c().server.ip}${path}`])).stdout;
  const waitRunning = async (selector: string, count: number) => {
    await waitFor(`${count} pods ${selector} ready`, async () => {
      const out = await kubectlOK(['get', 'pods', '-l', selector, '-o', 'jsonpath={range .items[*]}{.status.containerStatuses[*].ready}{"\\n"}{end}']);
      const lines = out.split('\n').filter((l) => l !== '');
      return lines.length === count && lines.every((l) => l === 'true');
    }, { ...clusterPolling, timeoutMs: 120_000, intervalMs: 500 });
  };

  before(async () => {
    cluster = await TwoNodeCluster.start({ serverArgs: ['--service-cidr', '10.171.0.0/16', '--dns-upstream', 'none'] });
    certDir = await mkdtemp(join(tmpdir(), 'skiff-ingress-certs-'));
    try {
      await kubectlOK(['apply', '-f', '-'], version('v1'));
      await waitRunning('version=v1', 1);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${c().logs()}`);
    }
  });

  after(async () => {
    if (process.env.SKIFF_TEST_VERBOSE) console.error(cluster?.logs());
    await cluster?.remove();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  test('the IngressClass nginx is there and is the default', async () => {
    const out = await kubectlOK(['get', 'ingressclass', 'nginx', '-o', 'jsonpath={.spec.controller} {.metadata.annotations.ingressclass\\.kubernetes\\.io/is-default-class}']);
    assert.equal(out, 'k8s.io/ingress-nginx true');
  });

  test('v1 behind an Ingress without a class serves all traffic; its status has the node address', async () => {
    await kubectlOK(['apply', '-f', '-'], ingress('tomcat', 'tomcat-v1'));
    await waitFor('v1 through the Ingress', async () => (await bodies(1))[0] === 'tomcat v1', { ...clusterPolling, timeoutMs: 60_000 });
    const all = await bodies(100);
    assert.deepEqual(new Set(all), new Set(['tomcat v1']));
    await waitFor('status.loadBalancer', async () => (await kubectlOK(['get', 'ingress', 'tomcat', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])) === c().server.ip, clusterPolling);
  });

  test('a canary Ingress with weight 20 in front of v2: 20% +/- 6% of 500 requests reach v2; header and cookie override', async () => {
    await kubectlOK(['apply', '-f', '-'], version('v2'));
    await waitRunning('version=v2', 1);
    await kubectlOK(['apply', '-f', '-'], ingress('tomcat-canary', 'tomcat-v2', canaryAnnotations));
    await waitFor('v2 through the canary header', async () => (await bodies(1, ['-H', 'canary: always']))[0] === 'tomcat v2', { ...clusterPolling, timeoutMs: 60_000 });
    const all = await bodies(500);
    assert.equal(all.length, 500);
    const v2 = all.filter((b) => b === 'tomcat v2').length;
    assert.equal(all.filter((b) => b === 'tomcat v1').length + v2, 500, `unexpected answers: ${[...new Set(all)].join(', ')}`);
    assert.ok(v2 >= 70 && v2 <= 130, `${v2} of 500 reached v2 (want 100 +/- 30)`);
    assert.deepEqual(new Set(await bodies(50, ['-H', 'canary: always'])), new Set(['tomcat v2']));
    assert.deepEqual(new Set(await bodies(50, ['-H', 'canary: never'])), new Set(['tomcat v1']));
    assert.deepEqual(new Set(await bodies(50, ['-b', 'canary=always'])), new Set(['tomcat v2']));
    assert.deepEqual(new Set(await bodies(50, ['-b', 'canary=never'])), new Set(['tomcat v1']));
    // Header before cookie.
    assert.deepEqual(new Set(await bodies(20, ['-H', 'canary: never', '-b', 'canary=always'])), new Set(['tomcat v1']));
  });

  test("promotion by hand in the seed's order: delete the old Ingress and Service, drop the canary annotations: 100% v2", async () => {
    await kubectlOK(['delete', 'ingress', 'tomcat']);
    await kubectlOK(['delete', 'service', 'tomcat-v1']);
    await kubectlOK(['annotate', 'ingress', 'tomcat-canary', ...Object.keys(canaryAnnotations).map((k) => `${k}-`)]);
    await waitFor('only v2', async () => new Set(await bodies(20)).size === 1 && (await bodies(1))[0] === 'tomcat v2', { ...clusterPolling, timeoutMs: 60_000 });
    assert.deepEqual(new Set(await bodies(200)), new Set(['tomcat v2']));
    const events = await kubectlOK(['get', 'events', '--field-selector', 'involvedObject.name=tomcat-canary', '-o', 'jsonpath={.items[*].reason}']);
    assert.match(events, /CanaryIgnored/, 'the moment the canary had no main Ingress was reported');
  });

  test('TLS from kubernetes.io/tls Secrets with SNI: two hosts each answer with their own certificate', async () => {
    const tlsIngress: string[] = [];
    for (const name of ['a', 'b']) {
      const h = `${name}.tls.example.com`;
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${h}`, '-addext', `subjectAltName=DNS:${h}`, '-keyout', join(certDir, `${name}.key`), '-out', join(certDir, `${name}.crt`)], { stdio: 'ignore' });
      await kubectlOK(['create', 'secret', 'tls', `tls-${name}`, '--cert', join(certDir, `${name}.crt`), '--key', join(certDir, `${name}.key`)]);
      tlsIngress.push(`${ingress(`tls-${name}`, 'tomcat-v2', {}, h)}  tls: [{hosts: [${h}], secretName: tls-${name}}]\n`);
    }
    await kubectlOK(['apply', '-f', '-'], tlsIngress.join('---'));
    for (const name of ['a', 'b']) {
      const h = `${name}.tls.example.com`;
      await waitFor(`HTTPS for ${h}`, async () => {
        // Verifies against that host's own self-signed certificate: only its certificate passes.
        const r = await curl(['--cacert', join(certDir, `${name}.crt`), '--resolve', `${h}:443:${c().server.ip}`, `https://${h}/`]);
        return r.code === 0 && r.stdout === 'tomcat v2\n';
      }, { ...clusterPolling, timeoutMs: 60_000 });
    }
    const wrong = await curl(['--cacert', join(certDir, 'a.crt'), '--resolve', `b.tls.example.com:443:${c().server.ip}`, 'https://b.tls.example.com/']);
    assert.notEqual(wrong.code, 0, "b's certificate is not a's");
    const keyMode = (await c().server.netns.run('sh', ['-c', `stat -c %a ${join(c().server.dataDir, 'ingress', 'certs')}/*.pem`])).stdout.trim().split('\n');
    assert.deepEqual(new Set(keyMode), new Set(['600']));
  });

  test('a backend Service that does not exist gives 503; an unknown host 404', async () => {
    await kubectlOK(['apply', '-f', '-'], ingress('ghost', 'ghost', {}, 'ghost.example.com'));
    await waitFor('503 for the missing Service', async () => (await status('ghost.example.com')) === '503', { ...clusterPolling, timeoutMs: 60_000 });
    assert.equal(await status('nobody.example.com'), '404');
  });

  test('an Ingress whose configuration nginx rejects is not loaded: the rest keeps serving, an event names it', async () => {
    await kubectlOK(['apply', '-f', '-'], ingress('main-b', 'tomcat-v2', {}, 'bad.example.com'));
    await kubectlOK(['apply', '-f', '-'], ingress('bad', 'tomcat-v2', { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-by-header': 'x', 'nginx.ingress.kubernetes.io/canary-by-header-pattern': '([' }, 'bad.example.com'));
    await waitFor('the event on Ingress bad', async () => {
      const out = await kubectlOK(['get', 'events', '--field-selector', 'involvedObject.kind=Ingress,involvedObject.name=bad', '-o', 'jsonpath={.items[*].reason}|{.items[*].message}']);
      return out.includes('RejectedByNginx') && out.includes('nginx -t');
    }, { ...clusterPolling, timeoutMs: 60_000 });
    // What came after the bad Ingress still loads; the others still answer.
    await kubectlOK(['apply', '-f', '-'], ingress('after', 'tomcat-v2', {}, 'after.example.com'));
    await waitFor('the Ingress created after the bad one', async () => (await status('after.example.com')) === '200', { ...clusterPolling, timeoutMs: 60_000 });
    assert.deepEqual(new Set(await bodies(20)), new Set(['tomcat v2']));
    assert.deepEqual(new Set(await bodies(5, ['-H', 'x: anything'], 'bad.example.com')), new Set(['tomcat v2']));
    const conf = await readFile(join(c().server.dataDir, 'ingress', 'nginx.conf'), 'utf8');
    assert.ok(!conf.includes('(['), 'the rejected pattern is not in the loaded configuration');
  });

  test("`skiff canary promote` under continuous load: not one request fails, and the end state is the seed's", async () => {
    const shopHost = 'shop.example.com';
    await kubectlOK(['apply', '-f', '-'], `${version('v1', 'shop')}---${version('v2', 'shop')}`);
    await waitRunning('app=shop', 2);
    await kubectlOK(['apply', '-f', '-'], `${ingress('shop', 'shop-v1', {}, shopHost)}---${ingress('shop-canary', 'shop-v2', canaryAnnotations, shopHost)}`);
    await waitFor('v2 through the shop canary header', async () => (await bodies(1, ['-H', 'canary: always'], shopHost))[0] === 'tomcat v2', { ...clusterPolling, timeoutMs: 60_000 });
    await waitFor('v1 through the shop main', async () => (await bodies(1, ['-H', 'canary: never'], shopHost))[0] === 'tomcat v1', { ...clusterPolling, timeoutMs: 60_000 });

    // `skiff canary status` shows the shares nginx's access log measured: of 500 requests, 20% +/- 6% to v2.
    const sent = await bodies(500, [], shopHost);
    const v2Got = sent.filter((b) => b === 'tomcat v2').length;
    const recent = async (): Promise<{ out: string; total: number; v1: number; v2: number }> => {
      const r = await c().server.netns.run(process.execPath, [skiffBin, 'canary', 'status', 'shop-canary', '--kubeconfig', join(c().server.dataDir, 'kubeconfig.yaml')], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, `skiff canary status:\n${r.stderr}\n${r.stdout}`);
      const count = (name: string) => Number(new RegExp(`^  ${name}: (\\d+) \\(`, 'm').exec(r.stdout)?.[1] ?? -1);
      return { out: r.stdout, total: Number(/^Recent requests \(last minute, (\d+)\):$/m.exec(r.stdout)?.[1] ?? -1), v1: count('shop-v1'), v2: count('shop-v2') };
    };
    const shares = await waitFor('the status counting the 500 requests', async () => {
      const s = await recent();
      return s.total >= 500 ? s : undefined;
    }, { ...clusterPolling, timeoutMs: 60_000 }).catch(async (err: unknown) => assert.fail(`${String(err)}\n${(await recent()).out}`));
    // The probes before the 500 (one per poll) are in the last minute too.
    assert.ok(shares.v2 >= 0.14 * shares.total && shares.v2 <= 0.26 * shares.total, `status shows ${shares.v2} of ${shares.total} to v2 (want 20% +/- 6%):\n${shares.out}`);
    assert.ok(Math.abs(shares.v2 - v2Got) <= shares.total - 500, `status counted ${shares.v2} to v2, the client got ${v2Got} from v2 in its 500:\n${shares.out}`);
    assert.match(shares.out, /^Weight: +20\/100 \(20% to the canary\)$/m);

    // The client: one curl per request (a new connection each), without pause, until told to stop.
    const loadDir = await mkdtemp(join(tmpdir(), 'skiff-promote-load-'));
    const results = join(loadDir, 'codes');
    const stop = join(loadDir, 'stop');
    const answered = async (): Promise<string[]> => (await readFile(results, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
    const loop = `while [ ! -e '${stop}' ]; do curl -s -o /dev/null --max-time 5 -w '%{http_code} %{exitcode}\\n' -H 'Host: ${shopHost}' 'http://${c().server.ip}/' >> '${results}'; done`;
    const client = c().server.netns.run('sh', ['-c', loop], { timeoutMs: 300_000 });
    try {
      await waitFor('the client under way', async () => (await answered()).length >= 20, { ...clusterPolling, timeoutMs: 60_000 });
      // --settle 10m: were a step not reported loaded by the data plane, promote would pause that long instead.
      const promote = await c().server.netns.run(process.execPath, [skiffBin, 'canary', 'promote', 'shop-canary', '--verbose', '--settle', '10m', '--kubeconfig', join(c().server.dataDir, 'kubeconfig.yaml')], { timeoutMs: 120_000 });
      assert.equal(promote.code, 0, `skiff canary promote:\n${promote.stderr}\n${promote.stdout}`);
      // Each of the three patches (weight to the canary, main repointed, canary made plain) waited for nginx to run it.
      assert.equal((promote.stdout.match(/^ {2}served by the data plane after [\d.]+s$/gm) ?? []).length, 3, promote.stdout);
      const afterPromote = (await answered()).length;
      await waitFor('the client still going after the promotion', async () => (await answered()).length >= afterPromote + 50, { ...clusterPolling, timeoutMs: 60_000 });
    } finally {
      await writeFile(stop, '');
      await client;
    }
    const codes = await answered();
    await rm(loadDir, { recursive: true, force: true });
    const failed = codes.filter((l) => l !== '200 0');
    assert.deepEqual(failed, [], `${failed.length} of ${codes.length} requests failed (http code, curl exit code): ${[...new Set(failed)].join(', ')}`);

    // The seed's end state: the former canary is a plain Ingress routing to v2; the old Ingress and Service are gone.
    const annotations = JSON.parse(await kubectlOK(['get', 'ingress', 'shop-canary', '-o', 'jsonpath={.metadata.annotations}']) || '{}') as Record<string, string>;
    assert.deepEqual(Object.keys(annotations).filter((k) => k.startsWith('nginx.ingress.kubernetes.io/canary')), []);
    assert.equal(await kubectlOK(['get', 'ingress', 'shop-canary', '-o', 'jsonpath={.spec.rules[*].http.paths[*].backend.service.name}']), 'shop-v2');
    assert.match((await c().kubectl(['get', 'ingress', 'shop'])).stderr, /NotFound/);
    assert.match((await c().kubectl(['get', 'service', 'shop-v1'])).stderr, /NotFound/);
    assert.deepEqual(new Set(await bodies(200, [], shopHost)), new Set(['tomcat v2']));
    assert.deepEqual(new Set(await bodies(20, ['-H', 'canary: never'], shopHost)), new Set(['tomcat v2']));
  });
});
