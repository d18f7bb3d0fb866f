/**
 * Run inside a test's network namespace: `node raw-request.js KUBECONFIG METHOD PATH [CONTENT-TYPE]`
 * sends one HTTPS request with the kubeconfig's client certificate (body from stdin, or none
 * with `--anonymous` as the fifth argument) and prints `{ status, headers, body }` as JSON.
 */
import { request } from 'node:https';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';

const [kubeconfigPath, method, path, contentType, mode] = process.argv.slice(2);
const cfg = loadKubeconfig(kubeconfigPath);
const anonymous = mode === '--anonymous';
const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const body = Buffer.concat(chunks);
const url = new URL(path, cfg.server);
const req = request(url, {
  method,
  ca: cfg.ca,
  ...(anonymous ? {} : { cert: cfg.cert, key: cfg.key }),
  headers: { ...(body.length ? { 'Content-Type': contentType || 'application/json', 'Content-Length': body.length } : {}), Accept: 'application/json' },
});
req.on('response', (res) => {
  const out: Buffer[] = [];
  res.on('data', (d: Buffer) => out.push(d));
  res.on('end', () => {
    process.stdout.write(JSON.stringify({ status: res.statusCode, headers: res.headers, body: Buffer.concat(out).toString('utf8') }));
  });
});
req.on('error', (err) => {
  process.stdout.write(JSON.stringify({ status: 0, error: String(err) }));
});
req.end(body);
