import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));
const tlsPeer = fileURLToPath(new URL('../harness/tls-peer.js', import.meta.url));

describe('skiff agent --simulated joins a server over HTTPS', { concurrency: 1 }, () => {
  let c: TestCluster;
  let agent: ChildProcess | undefined;
  let token = '';
  let agentDir = '';
  const server = 'https://127.0.0.1:6443';

  const startAgent = (joinToken: string) => {
    agent = c.netns.spawn(process.execPath, [skiffBin, 'agent', '--simulated', '--server', server, '--token', joinToken, '--node-name', 'joined-1', '--data-dir', agentDir]);
    agent.stderr?.setEncoding('utf8').on('data', (d: string) => (c.log += `[agent] ${d}`));
  };
  const stopAgent = async () => {
    const child = agent;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  };
  /** kubectl with no kubeconfig: the server's CA and the given credentials only. */
  const kubectlAs = (credentials: string[], args: string[]) =>
    c.kubectl(['--kubeconfig', '/dev/null', '--server', server, '--certificate-authority', join(c.dataDir, 'server', 'tls', 'server-ca.crt'), ...credentials, ...args]);
  const nodeCredentials = () => ['--client-certificate', join(agentDir, 'agent', 'tls', 'client-kubelet.crt'), '--client-key', join(agentDir, 'agent', 'tls', 'client-kubelet.key')];

  before(async () => {
    c = await TestCluster.start();
    token = (await readFile(join(c.dataDir, 'server', 'token'), 'utf8')).trim();
    agentDir = join(c.dataDir, 'agent-joined-1');
  });
  after(async () => {
    if (process.env.SKIFF_TEST_VERBOSE) console.error(c?.log);
    await stopAgent();
    await c?.stop();
  });

  test('the node registers, turns Ready and runs a pod bound to it; a wrong token is refused', async () => {
    const bad = await c.netns.run(process.execPath, [skiffBin, 'agent', '--simulated', '--server', server, '--token', `K10${token[3] === 'a' ? 'b' : 'a'}${token.slice(4)}`, '--node-name', 'x', '--data-dir', join(c.dataDir, 'agent-x')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /does not match the token/);
    startAgent(token);
    await waitFor('the joined node to be Ready', async () => /^joined-1\s+Ready\s/m.test(await c.kubectlOK(['get', 'nodes', '--no-headers'])), { ...clusterPolling, timeoutMs: 60_000 });
    await c.kubectlOK(['run', 'on-agent', '--image=busybox', '--restart=Never']);
    await waitFor('the pod to run on the joined node', async () => {
      const out = await c.kubectlOK(['get', 'pod', 'on-agent', '-o', 'jsonpath={.spec.nodeName} {.status.phase}']);
      return out === 'joined-1 Running';
    }, { ...clusterPolling, timeoutMs: 60_000 });
  });

  test('the join got a node certificate through an approved CertificateSigningRequest', async () => {
    const csrs = JSON.parse(await c.kubectlOK(['get', 'csr', '-o', 'json'])) as { items: { spec: { signerName: string; username: string; groups: string[] }; status: { conditions?: { type: string; reason: string }[]; certificate?: string } }[] };
    const client = csrs.items.filter((i) => i.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet');
    assert.equal(client.length, 1);
    assert.equal(client[0]?.spec.username, 'system:bootstrap:skiff-join');
    assert.ok(client[0]?.spec.groups.includes('system:bootstrappers'));
    assert.deepEqual(client[0]?.status.conditions?.map((x) => [x.type, x.reason]), [['Approved', 'AutoApproved']]);
    const issued = new X509Certificate(Buffer.from(client[0]?.status.certificate ?? '', 'base64').toString());
    const stored = new X509Certificate(await readFile(join(agentDir, 'agent', 'tls', 'client-kubelet.crt')));
    assert.equal(stored.fingerprint256, issued.fingerprint256);
    assert.match(stored.subject, /CN=system:node:joined-1/);
    assert.match(stored.subject, /O=system:nodes/);
    // kubectl shows it as upstream does.
    assert.match(await c.kubectlOK(['get', 'csr']), /kubernetes\.io\/kube-apiserver-client-kubelet\s+system:bootstrap:skiff-join\s+.*Approved,Issued/);
  });

  test('the join token is refused everything but certificate requests', async () => {
    const secret = token.slice(token.lastIndexOf(':') + 1);
    for (const args of [['get', 'secrets', '-n', 'kube-system'], ['get', 'nodes'], ['create', 'namespace', 'x']]) {
      const r = await kubectlAs(['--token', secret], args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /Forbidden|forbidden/, args.join(' '));
    }
    assert.equal((await kubectlAs(['--token', secret], ['get', 'csr'])).code, 0);
  });

  test("the node's credential reads a Secret its pod uses, not another; it cannot change another Node or set restricted labels", async () => {
    await c.kubectlOK(['create', 'secret', 'generic', 'used', '--from-literal=k=v']);
    await c.kubectlOK(['create', 'secret', 'generic', 'unrelated', '--from-literal=k=v']);
    await c.kubectlOK(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata: {name: uses-secret}
spec:
  nodeName: joined-1
  containers:
  - name: c
    image: busybox
    env: [{name: K, valueFrom: {secretKeyRef: {name: used, key: k}}}]
`,
    });
    await waitFor('the node to read the Secret its pod uses', async () => (await kubectlAs(nodeCredentials(), ['get', 'secret', 'used', '-o', 'name'])).stdout.trim() === 'secret/used', clusterPolling);
    const other = await kubectlAs(nodeCredentials(), ['get', 'secret', 'unrelated']);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /forbidden: User "system:node:joined-1" cannot get resource "secrets".*no relationship found between node 'joined-1' and this object/);
    await c.kubectlOK(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Node\nmetadata: {name: other-node}\n' });
    const label = await kubectlAs(nodeCredentials(), ['label', 'node', 'other-node', 'x=y']);
    assert.notEqual(label.code, 0);
    assert.match(label.stderr, /forbidden/);
    const restricted = await kubectlAs(nodeCredentials(), ['label', 'node', 'joined-1', 'node-restriction.kubernetes.io/x=y']);
    assert.notEqual(restricted.code, 0);
    assert.match(restricted.stderr, /is not allowed to modify the following labels: node-restriction\.kubernetes\.io\/x/);
    assert.equal((await kubectlAs(nodeCredentials(), ['label', 'node', 'joined-1', 'example.com/x=y'])).code, 0);
    const pod = await kubectlAs(nodeCredentials(), ['run', 'from-node', '--image=busybox']);
    assert.notEqual(pod.code, 0);
    assert.match(pod.stderr, /can only create mirror pods/);
  });

  test('after a restart the agent uses its stored certificate alone: a wrong token secret does not matter', async () => {
    await stopAgent();
    startAgent(`${token.slice(0, token.lastIndexOf(':') + 1)}not-the-secret`);
    await c.kubectlOK(['run', 'after-restart', '--image=busybox', '--restart=Never', '--overrides', '{"spec":{"nodeName":"joined-1"}}']);
    await waitFor('a pod to run after the restart', async () => (await c.kubectlOK(['get', 'pod', 'after-restart', '-o', 'jsonpath={.status.phase}'])) === 'Running', { ...clusterPolling, timeoutMs: 60_000 });
    const csrs = await c.kubectlOK(['get', 'csr', '-o', 'jsonpath={range .items[*]}{.spec.signerName}{"\\n"}{end}']);
    assert.equal(csrs.split('\n').filter((l) => l === 'kubernetes.io/kube-apiserver-client-kubelet').length, 1);
  });

  test("a Node whose address points at a listener: the API server's request fails verification and the listener gets no credential and no request", async () => {
    const listener = c.netns.spawn(process.execPath, [tlsPeer, 'listen', '127.0.0.1', '10999', join(c.dataDir, 'listener')]);
    const events: { event: string; clientCertificate?: boolean; bytes?: number }[] = [];
    let buffered = '';
    listener.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
        events.push(JSON.parse(buffered.slice(0, i)) as { event: string });
        buffered = buffered.slice(i + 1);
      }
    });
    try {
      await waitFor('the listener', async () => events.some((e) => e.event === 'listening'), clusterPolling);
      await c.kubectlOK(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Node\nmetadata: {name: rogue}\n' });
      await c.kubectlOK(['patch', 'node', 'rogue', '--subresource=status', '--type=merge', '-p', '{"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":10999}}}}']);
      await c.kubectlOK(['run', 'on-rogue', '--image=busybox', '--restart=Never', '--overrides', '{"spec":{"nodeName":"rogue"}}']);
      const logs = await c.kubectl(['logs', 'on-rogue']);
      assert.notEqual(logs.code, 0);
      assert.match(logs.stderr, /certificate/);
      assert.doesNotMatch(logs.stderr, /listener-reply/);
      const exec = await c.kubectl(['exec', 'on-rogue', '--', 'true']);
      assert.notEqual(exec.code, 0);
      assert.doesNotMatch(exec.stderr, /listener-reply/);
      await waitFor('the listener to see the attempts', async () => events.filter((e) => e.event !== 'listening').length >= 2, clusterPolling);
      assert.ok(events.every((e) => e.event !== 'data'), JSON.stringify(events));
      assert.ok(events.every((e) => e.clientCertificate !== true), JSON.stringify(events));
    } finally {
      if (listener.pid) process.kill(listener.pid, 'SIGTERM');
    }
  });
});
