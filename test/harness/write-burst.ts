/**
 * Run inside a test's network namespace: `node write-burst.js KUBECONFIG NAMESPACE COUNT`
 * creates COUNT ConfigMaps, 8 at a time, and prints each name on its own line as soon as
 * the server acknowledged it (201).
 */
import { request, Agent } from 'node:https';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';

const [kubeconfigPath, namespace, countArg] = process.argv.slice(2);
const { server: base, ca, cert, key } = loadKubeconfig(kubeconfigPath);
const agent = new Agent({ keepAlive: true, maxSockets: 8, ca, cert, key });

function create(name: string): Promise<number> {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: name } });
  return new Promise((resolve) => {
    const req = request(new URL(`/api/v1/namespaces/${namespace}/configmaps`, base), {
      method: 'POST',
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const total = Number(countArg);
let next = 0;
async function worker(): Promise<void> {
  while (next < total) {
    const name = `burst-${next++}`;
    if ((await create(name)) === 201) process.stdout.write(name + '\n');
  }
}
await Promise.all(Array.from({ length: 8 }, worker));
agent.destroy();
