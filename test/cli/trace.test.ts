/**
 * `skiff trace` against a real node: `skiff server` with its own agent (containerd, Service
 * proxy, cluster DNS) in a network namespace the test makes, the seed's Service and pod applied
 * with kubectl, and `skiff trace --probe` run as a user runs it, from the seed's client pod.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, type TestCluster } from '../harness/cluster.js';
import { testImages } from '../harness/images.js';
import { startNodeCluster } from '../harness/node-cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));
const canRun = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/sbin/runc');
const fixture = (name: string) => readFile(fileURLToPath(new URL(`../../../test/fixtures/seed/${name}`, import.meta.url)), 'utf8');
/** The seed's manifests name `tomcat`/`redis` (pull policy Always): nothing can be pulled here, the stand-ins are imported. */
const offline = (yaml: string) => yaml.replace(/^([ \t]*)image: (.+)$/gm, '$1image: $2\n$1imagePullPolicy: IfNotPresent');

const clientPod = `
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: client
    image: ${testImages.busybox}
    imagePullPolicy: IfNotPresent
`;

describe('skiff trace on a real node', { skip: canRun ? false : 'needs root, containerd and runc' }, () => {
  let c: TestCluster | undefined;
  let imagesDir = '';

  const trace = async (...args: string[]) => {
    assert.ok(c);
    const r = await c.netns.run(process.execPath, [skiffBin, 'trace', '--kubeconfig', c.kubeconfig, ...args], { timeoutMs: 60_000 });
    const lines = r.stdout.trimEnd().split('\n');
    return { code: r.code, out: r.stdout, err: r.stderr, answer: lines[lines.length - 1] ?? '', probe: lines.find((l) => /^. probe:/.test(l)) ?? '' };
  };

  before(async () => {
    imagesDir = await mkdtemp(join(tmpdir(), 'skiff-images-'));
    c = await startNodeCluster('node-a', imagesDir, { serverArgs: ['--service-cidr', '10.170.0.0/16', '--dns-upstream', 'none'] });
    await c.kubectlOK(['apply', '-f', '-'], { input: `${offline(await fixture('service-ports.yaml'))}\n---${clientPod}` });
    for (const pod of ['client', 'tomcat-redis']) {
      await waitFor(`pod ${pod} ready`, async () => (await c!.kubectlOK(['get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[*].ready}'])).split(' ').every((r) => r === 'true'), { ...clusterPolling, timeoutMs: 120_000, intervalMs: 500 });
    }
    // The node's Service proxy has programmed the seed's ClusterIP once its port 99 has its endpoint.
    await waitFor('the Service proxy to serve 10.170.11.11:99', async () => (await c!.netns.run('nft', ['list', 'map', 'ip', 'skiff', 'frontends'])).stdout.includes('10.170.11.11 . tcp . 99 : goto endpoints-1'), { ...clusterPolling, timeoutMs: 30_000, intervalMs: 200 });
  });

  after(async () => {
    if (process.env.SKIFF_TEST_VERBOSE) console.error(c?.log);
    await c?.stop();
    if (imagesDir) await rm(imagesDir, { recursive: true, force: true });
  });

  test('the seed\'s 6379 is refused, in words, and the probe from the client pod is refused too', async () => {
    const r = await trace('client', '10.170.11.11:6379', '--probe');
    assert.equal(r.answer, '10.170.11.11:6379 is refused: Service default/cluster-service-test exposes 80 (abc → 8080) and 99 (redis → 6379); port 6379 is the container\'s port, use 99', r.out + r.err);
    assert.match(r.probe, /^✗ probe: +Probe from pod default\/client \(container client\): refused/, r.out);
    assert.equal(r.code, 1);
  });

  test('the Service by name on 99 reaches redis, and the probe connects through DNS and the proxy', async () => {
    const r = await trace('pod/client', 'cluster-service-test:99', '--probe');
    assert.match(r.out, /✓ dns: +cluster-service-test resolves to 10\.170\.11\.11: cluster-service-test\.default\.svc\.cluster\.local is the ClusterIP of Service default\/cluster-service-test/, r.out + r.err);
    assert.match(r.probe, /^✓ probe: +Probe from pod default\/client \(container client\): connected$/, r.out);
    assert.equal(r.answer, 'cluster-service-test:99 reaches pod default/tomcat-redis (container redis-container) on port 6379');
    assert.equal(r.code, 0);
  });

  test('port 80 reaches tomcat; an unknown name is not found', async () => {
    const web = await trace('client', '10.170.11.11:80', '--probe');
    assert.equal(web.answer, '10.170.11.11:80 reaches pod default/tomcat-redis (container tomcat-container) on port 8080', web.out + web.err);
    assert.equal(web.code, 0, web.out);
    const unknown = await trace('client', 'cluster-service-tset:80');
    assert.match(unknown.answer, /^cluster-service-tset:80 is not found/);
    assert.equal(unknown.code, 1);
  });
});
