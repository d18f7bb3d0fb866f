/**
 * bench/ingress: HTTP requests per second through the Ingress (nginx on node-a, to the Service's
 * ClusterIP, to a pod on node-b) beside the same load straight to the pod's IP, same load tool
 * (wrk from node-a's network namespace), same run; alternating rounds, the best of each kind
 * counts; prints the ratio (aim >= 0.9). Then failed requests (non-2xx and socket errors) while
 * the controller reloads nginx 20 times under load (aim 0): wrk with keep-alive connections and
 * with a new connection per request, then a keep-alive client that resends a request whose reused
 * connection nginx closed before answering (bench/keepalive-client; see there and
 * docs/architecture.md on why wrk's keep-alive connections lose a few requests per reload).
 *
 * Needs root, containerd, runc, nginx and wrk. It makes its own network namespaces (test/harness
 * Topology): `scripts/bench.sh ingress`, or `nsenter --net=/run/netns/NS node dist/bench/ingress.js`.
 */
import { fileURLToPath } from 'node:url';
import { clusterPolling } from '../test/harness/cluster.js';
import { testImages } from '../test/harness/images.js';
import { canRunNodes, TwoNodeCluster } from '../test/network/two-node-cluster.js';
import { waitFor } from '../src/testing/wait.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const host = 'bench.example.com';

const manifests = `
apiVersion: v1
kind: Pod
metadata: {name: server, labels: {app: bench-server}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: node-b}
  containers:
  - {name: web, image: ${testImages.tomcatV1}, imagePullPolicy: IfNotPresent, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: bench}
spec:
  selector: {app: bench-server}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bench}
spec:
  rules:
  - host: ${host}
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: bench, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: spare}
spec:
  rules:
  - host: spare.example.com
    http:
      paths:
      - {path: /p0, pathType: Prefix, backend: {service: {name: bench, port: {number: 80}}}}
`;

interface WrkResult {
  rate: number;
  requests: number;
  failed: number;
  text: string;
}

function parseWrk(text: string): WrkResult {
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  if (!Number.isFinite(rate)) throw new Error(`wrk: no result:\n${text}`);
  return { rate, requests, failed: non2xx + socketErrors, text };
}

async function main(): Promise<void> {
  if (!canRunNodes) throw new Error('needs root, containerd and runc');
  const cluster = await TwoNodeCluster.start({ serverArgs: ['--dns-upstream', 'none'] });
  try {
    const a = cluster.server;
    await cluster.kubectlOK(['apply', '-f', '-'], manifests);
    await waitFor('server ready', async () => (await cluster.kubectlOK(['get', 'pod', 'server', '-o', 'jsonpath={.status.containerStatuses[0].ready}'])) === 'true', { ...clusterPolling, timeoutMs: 120_000, intervalMs: 500 });
    const podIP = (await cluster.kubectlOK(['get', 'pod', 'server', '-o', 'jsonpath={.status.podIP}'])).trim();
    const viaIngress = `http://${a.ip}/`;
    await waitFor('the Ingress answering', async () => (await a.netns.run('curl', ['-sf', '--max-time', '5', '-H', `Host: ${host}`, viaIngress])).stdout === 'tomcat v1\n', { ...clusterPolling, timeoutMs: 60_000 });
    const wrk = async (url: string, extra: string[] = [], duration = seconds): Promise<WrkResult> => {
      const r = await a.netns.run('wrk', ['-t', '2', '-c', String(connections), '-d', `${duration}s`, ...extra, url], { timeoutMs: (duration + 30) * 1000 });
      return parseWrk(r.stdout + r.stderr);
    };
    let direct = 0;
    let ingress = 0;
    for (let round = 0; round < rounds; round++) {
      direct = Math.max(direct, (await wrk(`http://${podIP}:8080/`)).rate);
      ingress = Math.max(ingress, (await wrk(viaIngress, ['-H', `Host: ${host}`])).rate);
    }
    console.log(`ingress: wrk, 2 threads, ${connections} connections, ${seconds} s per run, best of ${rounds} rounds; nginx on node-a, pod (busybox httpd) on node-b`);
    console.log(`  pod IP   ${podIP}:8080   ${direct.toFixed(0)} req/s`);
    console.log(`  Ingress  ${a.ip}:80 (Host ${host})   ${ingress.toFixed(0)} req/s`);
    console.log(`  ratio Ingress / pod IP: ${(ingress / direct).toFixed(3)} (aim >= 0.9)`);

    const reloads = () => (cluster.server.log.match(/nginx configuration reloaded/g) ?? []).length;
    // A lighter load (4 connections, 10 s timeout), so that failures are the reloads', not an overloaded backend's.
    const steady = await wrk(viaIngress, ['-c', '4', '--timeout', '10s', '-H', `Host: ${host}`], 15);
    const steadyDirect = await wrk(`http://${podIP}:8080/`, ['-c', '4', '--timeout', '10s'], 15);
    console.log(`  no reloads, 4 connections, 15 s: Ingress ${steady.requests} requests, ${steady.failed} failed; pod IP ${steadyDirect.requests} requests, ${steadyDirect.failed} failed`);
    /** Makes 20 reloads (one Ingress change each, waiting for each) while `load` runs 45 s. */
    const underReloads = async <T>(label: string, load: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      const running = load();
      const before = reloads();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      for (let i = 1; i <= 20; i++) {
        const want = before + i;
        await cluster.kubectlOK(['patch', 'ingress', 'spare', '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/rules/0/http/paths/0/path', value: `/p${i}${label.length}` }])]);
        await waitFor(`reload ${i}`, async () => reloads() >= want, { ...clusterPolling, timeoutMs: 20_000, intervalMs: 50 });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const reloadSeconds = (Date.now() - started) / 1000;
      if (reloadSeconds > 44) console.log(`  warning: the reloads took ${reloadSeconds.toFixed(0)} s, longer than the load`);
      return running;
    };
    for (const [label, extra] of [
      ['keep-alive clients', ['-H', `Host: ${host}`]],
      ['a new connection per request', ['-H', `Host: ${host}`, '-H', 'Connection: close']],
    ] as const) {
      const result = await underReloads(label, () => wrk(viaIngress, ['-c', '4', '--timeout', '10s', ...extra], 45));
      console.log(`  20 reloads under load (wrk, ${label}, 4 connections): ${result.requests} requests, ${result.failed} failed (aim 0)`);
      if (result.failed > 0) console.log(result.text.split('\n').map((l) => `    ${l}`).join('\n'));
    }
    // nginx 1.22 closes idle keep-alive connections when a reload retires its workers; a request the
    // client sent at that moment is never read (wrk counts a read error). A client that sends it
    // again on a new connection, as HTTP/1.1 allows for idempotent requests, loses nothing.
    const clientScript = fileURLToPath(new URL('./keepalive-client.js', import.meta.url));
    const retrying = await underReloads('retrying keep-alive client', async () => {
      const r = await a.netns.run(process.execPath, [clientScript, viaIngress, host, '45', '4'], { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`keepalive-client: ${r.stderr}`);
      return JSON.parse(r.stdout) as { requests: number; failed: number; retried: number };
    });
    console.log(`  20 reloads under load (keep-alive client that resends a request its reused connection closed unanswered, 4 connections): ${retrying.requests} requests, ${retrying.failed} failed (aim 0), ${retrying.retried} resent`);
  } finally {
    await cluster.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
