/**
 * bench/service-dataplane: HTTP requests per second from a client pod through a Service's
 * ClusterIP against the same client straight to the server pod's IP, on a real two-node
 * cluster (server pod on node-a, client pod on node-b; the Service proxy's DNAT on node-b).
 * Each run is BENCH_REQUESTS (default 1000) sequential busybox `wget`s inside one `kubectl exec`;
 * BENCH_ROUNDS (default 3) alternating rounds, the best of each kind counts. Prints both rates
 * and their ratio (ClusterIP / pod IP; 1.0 means the Service costs nothing measurable).
 *
 * Needs root, containerd and runc. It makes its own network namespaces (test/harness Topology),
 * so it may run from the host's or a fresh namespace: `nsenter --net=/run/netns/NS node
 * dist/bench/service-dataplane.js`.
 */
import { performance } from 'node:perf_hooks';
import { testImages } from '../test/harness/images.js';
import { clusterPolling } from '../test/harness/cluster.js';
import { canRunNodes, TwoNodeCluster } from '../test/network/two-node-cluster.js';
import { waitFor } from '../src/testing/wait.js';

const requests = Number(process.env.BENCH_REQUESTS ?? 1000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

const manifests = `
apiVersion: v1
kind: Pod
metadata: {name: server, labels: {app: bench-server}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: node-a}
  containers:
  - {name: web, image: ${testImages.tomcatV1}, imagePullPolicy: IfNotPresent, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: node-b}
  containers:
  - {name: client, image: ${testImages.busybox}, imagePullPolicy: IfNotPresent}
---
apiVersion: v1
kind: Service
metadata: {name: bench}
spec:
  selector: {app: bench-server}
  ports: [{port: 80, targetPort: 8080}]
`;

async function main(): Promise<void> {
  if (!canRunNodes) throw new Error('needs root, containerd and runc');
  const cluster = await TwoNodeCluster.start();
  try {
    await cluster.kubectlOK(['apply', '-f', '-'], manifests);
    for (const pod of ['server', 'client']) {
      await waitFor(`${pod} ready`, async () => (await cluster.kubectlOK(['get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[0].ready}'])) === 'true', { ...clusterPolling, timeoutMs: 120_000, intervalMs: 500 });
    }
    const podIP = (await cluster.kubectlOK(['get', 'pod', 'server', '-o', 'jsonpath={.status.podIP}'])).trim();
    const clusterIP = (await cluster.kubectlOK(['get', 'service', 'bench', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const run = async (url: string): Promise<number> => {
      const script = `n=0; for i in $(seq ${requests}); do wget -qO- ${url} >/dev/null && n=$((n+1)); done; echo $n`;
      const started = performance.now();
      const out = await cluster.kubectlOK(['exec', 'client', '--', 'sh', '-c', script]);
      const seconds = (performance.now() - started) / 1000;
      if (out.trim() !== String(requests)) throw new Error(`${url}: ${out.trim()} of ${requests} requests answered`);
      return requests / seconds;
    };
    await waitFor('the ClusterIP answering', async () => (await cluster.kubectl(['exec', 'client', '--', 'wget', '-qO-', `http://${clusterIP}/`])).code === 0, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 200 });
    let direct = 0;
    let service = 0;
    for (let round = 0; round < rounds; round++) {
      direct = Math.max(direct, await run(`http://${podIP}:8080/`));
      service = Math.max(service, await run(`http://${clusterIP}/`));
    }
    console.log(`service-dataplane: ${requests} sequential HTTP requests per run, best of ${rounds} rounds, client pod on node-b, server pod on node-a`);
    console.log(`  pod IP     ${podIP}:8080  ${direct.toFixed(0)} req/s`);
    console.log(`  ClusterIP  ${clusterIP}:80  ${service.toFixed(0)} req/s`);
    console.log(`  ratio ClusterIP / pod IP: ${(service / direct).toFixed(3)} (aim >= 0.95)`);
  } finally {
    await cluster.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
