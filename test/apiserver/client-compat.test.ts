import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterPolling, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

function json<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\n  labels:\n    app: x\ndata:\n  k: v\n`;

describe('client compatibility with kubectl', { concurrency: 1 }, () => {
  let c: TestCluster;
  before(async () => {
    c = await TestCluster.start({ backend: 'sqlite' });
  });
  after(async () => {
    await c?.stop();
  });

  test('kubectl apply --prune -l deletes what the applied set no longer has, without an allowlist', async () => {
    await c.kubectlOK(['apply', '-f', '-'], { input: `${configMap('first')}---\n${configMap('second')}` });
    const out = await c.kubectlOK(['apply', '--prune', '-l', 'app=x', '-f', '-'], { input: configMap('first') });
    assert.match(out, /configmap\/second pruned/);
    const names = await c.kubectlOK(['get', 'configmaps', '-l', 'app=x', '-o', 'name']);
    assert.deepEqual(names.trim().split('\n'), ['configmap/first']);
  });

  test('a ReplicationController keeps its pods, scales, and prints as upstream', async () => {
    await c.kubectlOK(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'legacy', namespace: 'default' },
        spec: { replicas: 2, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      }),
    });
    const rc = json<{ spec: { selector: Record<string, string> }; metadata: { labels: Record<string, string> }; status: Record<string, unknown> }>(
      await c.kubectlOK(['get', 'rc', 'legacy', '-o', 'json']),
    );
    assert.deepEqual(rc.spec.selector, { app: 'legacy' });
    assert.deepEqual(rc.metadata.labels, { app: 'legacy' });
    await waitFor('2 pods of the rc', async () => (await c.kubectlOK(['get', 'pods', '-l', 'app=legacy', '-o', 'name'])).trim().split('\n').filter(Boolean).length === 2, clusterPolling);
    await c.kubectlOK(['scale', 'rc', 'legacy', '--replicas=3']);
    await waitFor('3 pods of the rc', async () => (await c.kubectlOK(['get', 'pods', '-l', 'app=legacy', '-o', 'name'])).trim().split('\n').filter(Boolean).length === 3, clusterPolling);
    await waitFor('status.replicas 3', async () => json<{ status: { replicas?: number } }>(await c.kubectlOK(['get', 'rc', 'legacy', '-o', 'json'])).status.replicas === 3, clusterPolling);
    const table = await c.kubectlOK(['get', 'rc', 'legacy', '-o', 'wide']);
    assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m);
    assert.match(table, /^legacy\s+3\s+3\s+0\s+\S+\s+c\s+nginx\s+app=legacy$/m);
    const scale = json<{ status: { selector: string } }>(await c.kubectlOK(['get', '--raw', '/api/v1/namespaces/default/replicationcontrollers/legacy/scale']));
    assert.equal(scale.status.selector, 'app=legacy');
    await c.kubectlOK(['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'tpl', namespace: 'default' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } }),
    });
    assert.match(await c.kubectlOK(['get', 'podtemplates']), /^tpl\s+c\s+busybox\s+a=b$/m);
  });

  test("a Service's clusterIP is immutable: kubectl patch gets upstream's 422", async () => {
    await c.kubectlOK(['create', 'service', 'clusterip', 'fixed', '--tcp=80:80']);
    const r = await c.kubectl(['patch', 'service', 'fixed', '-p', '{"spec":{"clusterIP":"10.43.99.99"}}']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Service "fixed" is invalid: spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.43\.99\.99"\}: may not change once set/);
  });

  test('a new Deployment has status {} and a new Service status.loadBalancer {}', async () => {
    const out = await c.kubectlOK(['create', 'deployment', 'fresh', '--image=nginx', '--replicas=0', '-o', 'json']);
    assert.deepEqual(json<{ status: unknown }>(out).status, {});
    const svc = await c.kubectlOK(['get', 'service', 'fixed', '-o', 'json']);
    assert.deepEqual(json<{ status: unknown }>(svc).status, { loadBalancer: {} });
  });
});
