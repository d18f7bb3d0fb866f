import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TestCluster } from '../harness/cluster.js';

/** The Python client's usage suite, run from the source tree. */
const suite = fileURLToPath(new URL('../../../test/clients/python-client-suite.py', import.meta.url));
const python = '/usr/bin/python3';

/** Whether Debian's python3-kubernetes (installed by scripts/setup.sh) is importable. */
function hasPythonClient(): boolean {
  return existsSync('/usr/lib/python3/dist-packages/kubernetes/__init__.py');
}

describe('the official Python client against skiff', { skip: !hasPythonClient() && 'python3-kubernetes is not installed' }, () => {
  let c: TestCluster;
  before(async () => {
    c = await TestCluster.start({ backend: 'sqlite' });
  });
  after(async () => {
    await c?.stop();
  });

  test('typed CRUD, Watch.stream, DynamicClient discovery, server-side apply with force_conflicts, custom resources', async () => {
    const r = await c.netns.run(python, [suite], { env: { ...process.env, KUBECONFIG: c.kubeconfig }, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    for (const step of ['configmap crud', 'deployment crud', 'watch stream', 'dynamic discovery', 'server-side apply', 'custom resources']) {
      assert.match(r.stdout, new RegExp(`^ok ${step}$`, 'm'), r.stdout);
    }
  });
});
