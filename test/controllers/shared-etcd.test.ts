import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, kubectlBinary, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 3
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: c
        image: busybox
`;

describe('two servers sharing one etcd run each controller once', { concurrency: 1 }, () => {
  let c: TestCluster;
  let secondDir = '';
  const second = (args: string[], input?: string) =>
    c.netns.run(kubectlBinary, args, { input, env: { ...process.env, KUBECONFIG: join(secondDir, 'kubeconfig.yaml') } });

  before(async () => {
    c = await TestCluster.start({ backend: 'etcd', serverArgs: ['--simulated-nodes', '1'] });
    secondDir = await mkdtemp(join(tmpdir(), 'skiff-second-'));
    const server = c.netns.spawn(process.execPath, [
      skiffBin, 'server', '--disable-agent', '--data-dir', secondDir, '--bind-address', '127.0.0.1', '--https-port', '6444',
      '--datastore-endpoint', 'http://127.0.0.1:2379',
    ]);
    server.stderr?.setEncoding('utf8').on('data', (d: string) => (c.log += `[second] ${d}`));
    await waitFor('the second server', async () => {
      const r = await second(['get', '--raw', '/readyz']);
      return r.code === 0;
    }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 200 });
  });
  after(async () => {
    await c?.stop();
    if (secondDir) await rm(secondDir, { recursive: true, force: true });
  });

  test('one leader; its Deployment gets exactly its replicas; the other takes over when it dies', async () => {
    const holder = async (kubectl: (a: string[]) => Promise<{ code: number; stdout: string }>) =>
      (await kubectl(['get', 'lease', '-n', 'kube-system', 'kube-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout;
    await waitFor('a leader', async () => (await holder((a) => c.kubectl(a))) !== '', clusterPolling);
    const first = await holder((a) => c.kubectl(a));
    await c.kubectlOK(['apply', '-f', '-'], { input: deployment('once') });
    await c.kubectlOK(['rollout', 'status', 'deployment/once', '--timeout=60s']);
    const pods = (await c.kubectlOK(['get', 'pods', '-l', 'app=once', '-o', 'name'])).trim().split('\n');
    assert.equal(pods.length, 3, `expected 3 pods, got ${pods.join(' ')}`);
    assert.equal((await c.kubectlOK(['get', 'rs', '-l', 'app=once', '-o', 'name'])).trim().split('\n').length, 1);

    // The first server is the leader (it started first); kill it without a chance to let go.
    await c.stopServer('SIGKILL');
    await waitFor('the second server to lead', async () => {
      const now = await holder(second);
      return now !== '' && now !== first;
    }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 500 });
    const r = await second(['apply', '-f', '-'], deployment('after'));
    assert.equal(r.code, 0, r.stdout);
    await waitFor('the survivor to create the pods', async () => {
      const out = await second(['get', 'pods', '-l', 'app=after', '-o', 'name']);
      return out.stdout.trim().split('\n').filter(Boolean).length === 3;
    }, { ...clusterPolling, timeoutMs: 60_000 });
  });
});
