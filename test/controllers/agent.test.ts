import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));

describe('skiff agent --simulated joins a server over HTTPS', { concurrency: 1 }, () => {
  let c: TestCluster;
  before(async () => {
    c = await TestCluster.start();
  });
  after(async () => {
    await c?.stop();
  });

  test('the node registers, turns Ready and runs a pod bound to it; a wrong token is refused', async () => {
    const token = (await readFile(join(c.dataDir, 'server', 'token'), 'utf8')).trim();
    const bad = await c.netns.run(process.execPath, [skiffBin, 'agent', '--simulated', '--server', 'https://127.0.0.1:6443', '--token', `K10${token[3] === 'a' ? 'b' : 'a'}${token.slice(4)}`, '--node-name', 'x']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /does not match the token/);
    const agent = c.netns.spawn(process.execPath, [skiffBin, 'agent', '--simulated', '--server', 'https://127.0.0.1:6443', '--token', token, '--node-name', 'joined-1']);
    agent.stderr?.setEncoding('utf8').on('data', (d: string) => (c.log += `[agent] ${d}`));
    await waitFor('the joined node to be Ready', async () => /^joined-1\s+Ready\s/m.test(await c.kubectlOK(['get', 'nodes', '--no-headers'])), { ...clusterPolling, timeoutMs: 60_000 });
    await c.kubectlOK(['run', 'on-agent', '--image=busybox', '--restart=Never']);
    await waitFor('the pod to run on the joined node', async () => {
      const out = await c.kubectlOK(['get', 'pod', 'on-agent', '-o', 'jsonpath={.spec.nodeName} {.status.phase}']);
      return out === 'joined-1 Running';
    }, { ...clusterPolling, timeoutMs: 60_000 });
  });
});
