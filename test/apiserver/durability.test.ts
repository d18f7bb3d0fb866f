import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { clusterPolling, TestCluster, testBackends } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const informerScript = fileURLToPath(new URL('../harness/informer.js', import.meta.url));
const burstScript = fileURLToPath(new URL('../harness/write-burst.js', import.meta.url));

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "1"\n`;

interface InformerEvent {
  event: string;
  name?: string;
  rv?: string;
  data?: Record<string, string>;
}

for (const backend of testBackends()) {
  describe(`informers and crashes (${backend})`, { concurrency: 1 }, () => {
    let c: TestCluster;
    before(async () => {
      c = await TestCluster.start({ backend, serverArgs: ['--disable-controllers'] });
      await c.kubectlOK(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: inf\n' });
    });
    after(async () => {
      await c?.stop();
    });

    test('a client-node informer sees every change in order, across a server restart', async () => {
      const child = c.netns.spawn(process.execPath, [informerScript, c.kubeconfig, 'inf']);
      const events: InformerEvent[] = [];
      let buf = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as InformerEvent);
          buf = buf.slice(i + 1);
        }
      });
      const seen = (e: string, name: string, pred: (x: InformerEvent) => boolean = () => true) =>
        waitFor(`informer ${e} ${name}`, async () => events.some((x) => x.event === e && x.name === name && pred(x)), { ...clusterPolling, timeoutMs: 30_000 });
      await waitFor('informer to connect', async () => events.some((e) => e.event === 'connect'), { ...clusterPolling, timeoutMs: 30_000 });
      await c.kubectlOK(['apply', '-n', 'inf', '-f', '-'], { input: configMap('one') });
      await seen('add', 'one');
      await c.kubectlOK(['patch', 'configmap', 'one', '-n', 'inf', '-p', '{"data":{"v":"2"}}']);
      await seen('update', 'one', (x) => x.data?.v === '2');
      await c.kubectlOK(['delete', 'configmap', 'one', '-n', 'inf']);
      await seen('delete', 'one');
      const names = events.filter((e) => e.name === 'one').map((e) => e.event);
      assert.deepEqual(names, ['add', 'update', 'delete']);

      // Across a restart the informer resumes (or relists after 410) and misses nothing.
      await c.stopServer('SIGTERM');
      await c.startServer();
      await c.kubectlOK(['apply', '-n', 'inf', '-f', '-'], { input: configMap('two') });
      await seen('add', 'two');
      await c.kubectlOK(['patch', 'configmap', 'two', '-n', 'inf', '-p', '{"data":{"v":"3"}}']);
      await seen('update', 'two', (x) => x.data?.v === '3');
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    });

    test('SIGKILL during a burst of writes loses no acknowledged write', async () => {
      const burst = c.netns.spawn(process.execPath, [burstScript, c.kubeconfig, 'inf', '400']);
      const acked: string[] = [];
      let buf = '';
      burst.stdout?.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          acked.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      await waitFor('some writes to be acknowledged', async () => acked.length >= 50, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 5 });
      await c.stopServer('SIGKILL');
      const ackedAtKill = [...acked];
      if (burst.pid) process.kill(burst.pid, 'SIGKILL');
      await c.startServer();
      const names = new Set((await c.kubectlOK(['get', 'configmaps', '-n', 'inf', '-o', 'name'])).split('\n').map((l) => l.replace('configmap/', '')));
      const lost = ackedAtKill.filter((n) => !names.has(n));
      assert.deepEqual(lost, [], `${lost.length} of ${ackedAtKill.length} acknowledged writes lost`);
    });
  });
}
