/**
 * Two real nodes on one private segment: `skiff server` (with its own agent) on one "machine",
 * `skiff agent` joining it from another, each with its own containerd. The flat pod network: a
 * pod reaches a pod on the other node at its own IP, and is seen there with its own IP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { CertificateAuthority } from '../../src/pki/ca.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, kubectlBinary } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';
import { testImages, writeTestImages } from '../harness/images.js';
import type { NetworkNamespace, RunResult } from '../harness/netns.js';
import { drainNodes, unmountUnder } from '../harness/runtime-cleanup.js';
import { Topology } from '../harness/topology.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));
const tlsPeer = fileURLToPath(new URL('../harness/tls-peer.js', import.meta.url));
const canRun = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/sbin/runc');
const serverIP = '192.168.77.1';

/** A skiff process of the test, with its output kept for failure messages. */
interface NodeProcess {
  name: string;
  netns: NetworkNamespace;
  ip: string;
  dataDir: string;
  child?: ChildProcess;
  log: string;
}

const webPod = (name: string, node: string, image: string) => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers:
  - name: web
    image: ${image}
    imagePullPolicy: IfNotPresent
    ports: [{containerPort: 8080}]
`;

describe('two nodes: skiff agent joins from another machine; pods reach each other across nodes', { skip: canRun ? false : 'needs root, containerd and runc' }, () => {
  let topology: Topology | undefined;
  let imagesDir = '';
  const nodes: NodeProcess[] = [];

  /** kubectl with the admin kubeconfig, run on the server's machine. */
  const kubectl = (args: string[], input?: string): Promise<RunResult> => {
    const a = nodes[0];
    assert.ok(a);
    return a.netns.run(kubectlBinary, args, { input, env: { ...process.env, KUBECONFIG: join(a.dataDir, 'kubeconfig.yaml') } });
  };
  const kubectlOK = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const podIP = async (name: string): Promise<string> => (await kubectlOK(['get', 'pod', name, '-o', 'jsonpath={.status.podIP}'])).trim();
  const logsOnFailure = () => nodes.map((n) => `--- ${n.name} ---\n${n.log.slice(-4000)}`).join('\n');

  const start = (n: NodeProcess, args: string[]) => {
    // nsenter --net only: containerd and runc need the host's /sys/fs/cgroup.
    const child = n.netns.spawnNetOnly(process.execPath, [skiffBin, ...args]);
    n.child = child;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (n.log += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (n.log += d));
  };

  before(async () => {
    try {
      await setUp();
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logsOnFailure()}`);
    }
  });

  const setUp = async () => {
    topology = Topology.create(2);
    imagesDir = await mkdtemp(join(tmpdir(), 'skiff-images-'));
    for (const [i, name] of ['node-a', 'node-b'].entries()) {
      const machine = topology.nodes[i];
      assert.ok(machine);
      nodes.push({ name, netns: machine.netns, ip: machine.ip, dataDir: await mkdtemp(join(tmpdir(), `skiff-${name}-`)), log: '' });
    }
    const [a, b] = nodes;
    assert.ok(a && b);
    assert.equal(a.ip, serverIP);

    start(a, ['server', '--data-dir', a.dataDir, '--node-name', a.name, '--node-ip', a.ip, '--bind-address', '0.0.0.0', '--https-port', '6443', '--service-cidr', '10.171.0.0/16']);
    await waitFor('the API server', async () => {
      if (a.child?.exitCode !== null) throw new Error(`server exited:\n${a.log}`);
      const r = await kubectl(['get', '--raw', '/readyz']);
      return r.code === 0 && r.stdout.trim() === 'ok';
    }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 200 });

    const token = (await readFile(join(a.dataDir, 'server', 'token'), 'utf8')).trim();
    start(b, ['agent', '--server', `https://${serverIP}:6443`, '--token', token, '--node-name', b.name, '--node-ip', b.ip, '--data-dir', b.dataDir]);

    const files = await writeTestImages(imagesDir);
    for (const n of nodes) {
      await waitFor(`${n.name}'s containerd`, async () => existsSync(join(n.dataDir, 'agent', 'containerd', 'containerd.sock')), { ...clusterPolling, timeoutMs: 60_000, intervalMs: 200 });
      const r = await n.netns.run(process.execPath, [skiffBin, 'images', 'import', '--data-dir', n.dataDir, ...files]);
      assert.equal(r.code, 0, `skiff images import on ${n.name}:\n${r.stderr}\n${r.stdout}`);
    }
    for (const n of nodes) {
      await waitFor(`${n.name} Ready`, async () => {
        const r = await kubectl(['get', 'node', n.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
        return r.stdout === 'True';
      }, { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
    }
    await kubectlOK(['apply', '-f', '-'], `${webPod('web-a', 'node-a', testImages.tomcatV1)}---${webPod('web-b', 'node-b', testImages.tomcatV2)}`);
    for (const name of ['web-a', 'web-b']) {
      await waitFor(`${name} running`, async () => (await kubectlOK(['get', 'pod', name, '-o', 'jsonpath={.status.containerStatuses[0].ready}'])) === 'true', { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
    }
  };

  after(async () => {
    if (process.env.SKIFF_TEST_VERBOSE) console.error(logsOnFailure());
    // Pods first, through the API, while the agents and containerd still run.
    await drainNodes((args) => kubectl(args), nodes.map((n) => join(n.dataDir, 'agent', 'containerd', 'containerd.sock')));
    // The agent before the server, so that it does not retry against a server going away.
    for (const n of [...nodes].reverse()) {
      const child = n.child;
      if (!child?.pid || child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    await topology?.remove();
    for (const n of nodes) {
      await unmountUnder(n.dataDir);
      await rm(n.dataDir, { recursive: true, force: true });
    }
    if (imagesDir) await rm(imagesDir, { recursive: true, force: true });
  });

  test('both nodes have distinct pod CIDRs and the pods run where they were pinned', async () => {
    const cidrs = (await kubectlOK(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR} {end}'])).trim().split(' ');
    assert.equal(cidrs.length, 2);
    assert.notEqual(cidrs[0]?.split('=')[1], cidrs[1]?.split('=')[1]);
    assert.equal(await kubectlOK(['get', 'pod', 'web-a', '-o', 'jsonpath={.spec.nodeName}']), 'node-a');
    assert.equal(await kubectlOK(['get', 'pod', 'web-b', '-o', 'jsonpath={.spec.nodeName}']), 'node-b');
  });

  test('each node routes the other node\'s pod CIDR via its IP, marked as ours', async () => {
    const cidrOf = async (node: string) => kubectlOK(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}']);
    const [a, b] = nodes;
    assert.ok(a && b);
    for (const [self, other] of [[a, b], [b, a]] as const) {
      const cidr = await cidrOf(other.name);
      await waitFor(`${self.name}'s route to ${cidr}`, async () => {
        const r = await self.netns.run('ip', ['-4', 'route', 'show', 'proto', '83']);
        return r.stdout.includes(`${cidr} via ${other.ip}`);
      }, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 200 });
    }
  });

  test('kubectl exec and logs reach the pod on the joined node (API server to node-b over the segment)', async () => {
    assert.equal(await kubectlOK(['exec', 'web-b', '--', 'cat', '/www/index.html']), 'tomcat v2\n');
    await kubectlOK(['logs', 'web-b']);
  });

  test('pod on node-a reaches pod on node-b at its IP, and back; each server sees the client pod\'s own IP', async () => {
    const ipA = await podIP('web-a');
    const ipB = await podIP('web-b');
    assert.match(ipA, /^10\.42\.\d+\.\d+$/);
    assert.match(ipB, /^10\.42\.\d+\.\d+$/);
    assert.equal(await kubectlOK(['exec', 'web-a', '--', 'wget', '-qO-', `http://${ipB}:8080/`]), 'tomcat v2\n');
    assert.equal(await kubectlOK(['exec', 'web-b', '--', 'wget', '-qO-', `http://${ipA}:8080/`]), 'tomcat v1\n');
    // busybox httpd -v logs the peer address: not masqueraded to the node's IP.
    await waitFor('the client pod IP in web-b\'s log', async () => (await kubectlOK(['logs', 'web-b'])).includes(`[::ffff:${ipA}]`), { ...clusterPolling, timeoutMs: 10_000, intervalMs: 200 });
    await waitFor('the client pod IP in web-a\'s log', async () => (await kubectlOK(['logs', 'web-a'])).includes(`[::ffff:${ipB}]`), { ...clusterPolling, timeoutMs: 10_000, intervalMs: 200 });
    const logB = await kubectlOK(['logs', 'web-b']);
    assert.doesNotMatch(logB, new RegExp(`\\[::ffff:${serverIP.replace(/\./g, '\\.')}\\]`));
  });

  test('a node reaches a pod on the other node', async () => {
    const [a] = nodes;
    assert.ok(a);
    const r = await a.netns.run('busybox', ['wget', '-qO-', `http://${await podIP('web-b')}:8080/`]);
    assert.equal(r.stdout, 'tomcat v2\n', r.stderr);
  });

  test("node-b got its client and serving certificates by CSR; its kubelet port answers 403 to a certificate that is not the API server's", async () => {
    const [a, b] = nodes;
    assert.ok(a && b);
    const csrs = (await kubectlOK(['get', 'csr', '-o', 'jsonpath={range .items[*]}{.spec.signerName} {.spec.username}{"\\n"}{end}'])).trim().split('\n');
    assert.ok(csrs.includes('kubernetes.io/kube-apiserver-client-kubelet system:bootstrap:skiff-join'), csrs.join('\n'));
    assert.ok(csrs.includes('kubernetes.io/kubelet-serving system:node:node-b'), csrs.join('\n'));
    assert.match(await kubectlOK(['get', 'csr']), /Approved,Issued/);
    // node-a's identity from the server CA (which node-b trusts for clients): not the API server's.
    const serverCA = await CertificateAuthority.loadOrCreate({ dir: join(a.dataDir, 'server', 'tls'), name: 'server-ca' });
    const other = serverCA.issueClientCert({ commonName: 'system:node:node-a', organizations: ['system:nodes'] });
    const certFile = join(a.dataDir, 'other-client.crt');
    const keyFile = join(a.dataDir, 'other-client.key');
    await writeFile(certFile, other.certificatePem);
    await writeFile(keyFile, other.privateKeyPem, { mode: 0o600 });
    const exec = await a.netns.run(process.execPath, [tlsPeer, 'upgrade', `https://${b.ip}:10250/exec/default/web-b/web?command=true&output=1`, certFile, keyFile]);
    assert.deepEqual(JSON.parse(exec.stdout), { status: 403 }, exec.stderr);
    const apiserver = await a.netns.run(process.execPath, [tlsPeer, 'upgrade', `https://${b.ip}:10250/exec/default/web-b/web?command=true&output=1`, join(a.dataDir, 'server', 'tls', 'client-kube-apiserver-kubelet.crt'), join(a.dataDir, 'server', 'tls', 'client-kube-apiserver-kubelet.key')]);
    assert.notEqual((JSON.parse(apiserver.stdout) as { status: number }).status, 403, apiserver.stdout);
  });
});
