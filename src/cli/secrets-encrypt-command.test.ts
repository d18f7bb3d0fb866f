import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { waitFor } from '../testing/wait.js';
import { parseFlags } from './flags.js';
import { serverConfig, serverFlags, startControlPlane } from './server-command.js';
import { runSecretsEncrypt } from './secrets-encrypt-command.js';
import { writeServerPointer } from './server-pointer.js';

const kubectlBinary = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a server on `dataDir` (SQLite) until the returned function is called. */
async function startServer(dataDir: string, port: number, extra: string[]): Promise<() => Promise<void>> {
  const stop = new AbortController();
  const logs: string[] = [];
  const args = ['--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-port', String(port), '--disable-agent', '--disable-controllers', '--cluster-dns-port', '0', ...extra];
  const running = startControlPlane(serverConfig(parseFlags(args, serverFlags)), stop.signal, (msg) => logs.push(msg));
  const failed = running.then(() => new Error(`the server stopped: ${logs.join('\n')}`));
  await Promise.race([waitFor('the cluster to be ready', () => logs.some((l) => l.startsWith('cluster ready')), { timeoutMs: 20_000 }), failed.then((e) => Promise.reject(e))]);
  return async () => {
    stop.abort();
    await running;
  };
}

/** The value each key holds now, and every value any revision of any Secret holds, read from the SQLite file itself. */
function storedSecrets(dataDir: string): { latest: Map<string, string>; allValues: string[] } {
  const db = new Database(join(dataDir, 'db', 'state.db'), { readonly: true });
  try {
    const rows = db.prepare(`SELECT name, value FROM log WHERE name LIKE '/registry/core/secrets/default/%' ORDER BY id`).all() as { name: string; value: string }[];
    return { latest: new Map(rows.map((r) => [r.name, r.value])), allValues: rows.map((r) => r.value) };
  } finally {
    db.close();
  }
}

test('skiff server --secrets-encryption stores Secrets encrypted (aescbc), reads old plaintext ones, and secrets-encrypt rotate rewrites them all under a new key', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-secrets-enc-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const kubectl = async (...args: string[]) => (await run(kubectlBinary, ['--kubeconfig', kubeconfig, ...args])).stdout;
  const passwordOf = async (name: string) => Buffer.from(await kubectl('get', 'secret', name, '-o', 'jsonpath={.data.password}'), 'base64').toString();

  // A Secret written before encryption was enabled.
  let stop = await startServer(dataDir, port, []);
  try {
    await kubectl('create', 'secret', 'generic', 'before', '--from-literal=password=plain-hunter2');
  } finally {
    await stop();
  }
  assert.equal(storedSecrets(dataDir).latest.get('/registry/core/secrets/default/before')?.includes('"password"'), true);

  stop = await startServer(dataDir, port, ['--secrets-encryption']);
  const configFile = join(dataDir, 'server', 'cred', 'encryption-config.json');
  try {
    assert.equal((await stat(configFile)).mode & 0o777, 0o600);
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { kind: string; resources: { resources: string[]; providers: Record<string, unknown>[] }[] };
    assert.equal(config.kind, 'EncryptionConfiguration');
    assert.deepEqual(config.resources[0]?.resources, ['secrets']);
    assert.deepEqual(config.resources[0]?.providers.map((p) => Object.keys(p)[0]), ['aescbc', 'identity']);
    await kubectl('create', 'secret', 'generic', 'after', '--from-literal=password=sealed-swordfish');
    await kubectl('create', 'configmap', 'open', '--from-literal=k=visible-value');
    const { latest } = storedSecrets(dataDir);
    const sealed = latest.get('/registry/core/secrets/default/after')!;
    assert.match(sealed, /^k8s:enc:aescbc:v1:aescbckey:/);
    for (const needle of ['sealed-swordfish', Buffer.from('sealed-swordfish').toString('base64'), '"after"', 'Secret']) assert.ok(!sealed.includes(needle), `the stored value does not show ${needle}`);
    assert.equal(await passwordOf('after'), 'sealed-swordfish', 'reads through the API are plaintext');
    assert.equal(await passwordOf('before'), 'plain-hunter2', 'a Secret stored in plaintext still reads (identity)');
    assert.match(await kubectl('get', 'secrets', '-o', 'name'), /secret\/after\nsecret\/before/);
    // Only Secrets are encrypted.
    const db = new Database(join(dataDir, 'db', 'state.db'), { readonly: true });
    const configMap = db.prepare(`SELECT value FROM log WHERE name = '/registry/core/configmaps/default/open' ORDER BY id DESC LIMIT 1`).get() as { value: string };
    db.close();
    assert.ok(configMap.value.includes('visible-value'));
    // Rotation rewrites the store directly: refused while a server holds the old keys.
    const pointerFile = join(dataDir, 'pointer.json');
    writeServerPointer(pointerFile, { dataDir, kubeconfig, pid: process.pid });
    await assert.rejects(runSecretsEncrypt(['rotate', '--data-dir', dataDir], { pointerFile, print: () => {} }), /is running on .*stop it first/);
  } finally {
    await stop();
  }

  const printed: string[] = [];
  const pointerFile = join(dataDir, 'no-server.json');
  assert.equal(await runSecretsEncrypt(['rotate', '--data-dir', dataDir], { pointerFile, now: new Date('2030-01-02T03:04:05Z'), print: (l) => printed.push(l) }), 0);
  assert.match(printed.join('\n'), /rotated to aescbckey-20300102T030405Z: rewrote 2 of 2 values/);
  const rotated = JSON.parse(await readFile(configFile, 'utf8')) as { resources: { providers: { aescbc?: { keys: { name: string }[] } }[] }[] };
  assert.deepEqual(rotated.resources[0]?.providers[0]?.aescbc?.keys.map((k) => k.name), ['aescbckey-20300102T030405Z'], 'the old key is dropped');
  const { latest, allValues } = storedSecrets(dataDir);
  for (const [key, value] of latest) assert.match(value, /^k8s:enc:aescbc:v1:aescbckey-20300102T030405Z:/, key);
  for (const value of allValues) assert.ok(!value.includes('plain-hunter2') && !value.includes('aescbckey:'), 'no revision keeps plaintext or the old key');
  printed.length = 0;
  await runSecretsEncrypt(['status', '--data-dir', dataDir], { pointerFile, print: (l) => printed.push(l) });
  assert.match(printed.join('\n'), /Encryption Status: Enabled[\s\S]*aescbc:v1:aescbckey-20300102T030405Z: 2/);

  stop = await startServer(dataDir, port, ['--secrets-encryption']);
  try {
    assert.equal(await passwordOf('before'), 'plain-hunter2');
    assert.equal(await passwordOf('after'), 'sealed-swordfish');
  } finally {
    await stop();
  }
});

test('--encryption-provider-config is refused at start when it is not a valid EncryptionConfiguration', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-secrets-enc-bad-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const file = join(dataDir, 'enc.yaml');
  await (await import('node:fs/promises')).writeFile(file, 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aesgcm:\n          keys:\n            - name: k\n              secret: c2hvcnQ=\n');
  const config = serverConfig(parseFlags(['--data-dir', dataDir, '--https-port', '0', '--disable-agent', '--encryption-provider-config', file], serverFlags));
  await assert.rejects(startControlPlane(config, new AbortController().signal, () => {}), /enc\.yaml: invalid encryption configuration:\n.*got 5, expected one of \[16 24 32\]/);
});
