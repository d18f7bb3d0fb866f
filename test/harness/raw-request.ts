/**
 * Run inside a test's network namespace: `node raw-request.js KUBECONFIG METHOD PATH [CONTENT-TYPE]`
 * sends one HTTPS request with the kubeconfig's client certificate (body from stdin, or none
 * with `--anonymous` as the fifth argument) and prints `{ status, headers, body }` as JSON.
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

const [kubeconfigPath, method, path, contentType, mode] = process.argv.slice(2);
const cfg = load(readFileSync(kubeconfigPath, 'utf8')) as Kubeconfig;
const b64 = (s: string) => Buffer.from(s, 'base64');
const anonymous = mode === '--anonymous';
const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const body = Buffer.concat(chunks);
const url = new URL(path, cfg.clusters[0].cluster.server);
const req = request(url, {
  method,
  ca: b64(cfg.clusters[0].cluster['certificate-authority-data']),
  ...(anonymous ? {} : { cert: b64(cfg.users[0].user['client-certificate-data']), key: b64(cfg.users[0].user['client-key-data']) }),
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
