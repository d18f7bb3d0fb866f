import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCluster, type FindClusterOptions } from './cluster-discovery.js';
import { writeServerPointer } from './server-pointer.js';

test('the cluster is found from flags, then the config file, then the running server, then KUBECONFIG, then the default', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-discovery-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const base: FindClusterOptions = {
    configFile: join(dir, 'config.yaml'),
    pointerFile: join(dir, 'run', 'server.json'),
    env: {},
    defaultDataDir: '/var/lib/skiff',
    alive: (pid) => pid === 42,
  };
  assert.deepEqual(findCluster(base), { dataDir: '/var/lib/skiff', kubeconfig: '/var/lib/skiff/kubeconfig.yaml', source: 'the default data dir' });
  assert.equal(findCluster({ ...base, env: { KUBECONFIG: '/home/me/.kube/config' } }).kubeconfig, '/home/me/.kube/config');
  writeServerPointer(base.pointerFile!, { dataDir: '/tmp/run-dir', kubeconfig: '/tmp/run-dir/kubeconfig.yaml', pid: 7 });
  assert.equal(findCluster(base).source, 'the default data dir', 'a stale pointer is ignored');
  writeServerPointer(base.pointerFile!, { dataDir: '/tmp/run-dir', kubeconfig: '/tmp/run-dir/kubeconfig.yaml', pid: 42 });
  const running = findCluster({ ...base, env: { KUBECONFIG: '/home/me/.kube/config' } });
  assert.equal(running.kubeconfig, '/tmp/run-dir/kubeconfig.yaml');
  assert.match(running.source, /the running server \(pid 42/);
  await writeFile(base.configFile!, 'data-dir: /srv/configured\nhttps-port: 7443\n');
  assert.deepEqual(findCluster(base), { dataDir: '/srv/configured', kubeconfig: '/srv/configured/kubeconfig.yaml', source: `data-dir in ${base.configFile}` });
  assert.equal(findCluster({ ...base, dataDir: '/srv/flag' }).kubeconfig, '/srv/flag/kubeconfig.yaml');
  assert.equal(findCluster({ ...base, dataDir: '/srv/flag', kubeconfig: '/k.yaml' }).kubeconfig, '/k.yaml');
});
