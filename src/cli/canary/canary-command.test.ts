import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { canaryKubeconfig, runCanary } from './canary-command.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-canary-'));
const local = { configFile: join(dir, 'none.yaml'), pointerFile: join(dir, 'no-pointer'), defaultDataDir: join(dir, 'data') };

test('the cluster is found as kubectl does: --kubeconfig, then KUBECONFIG, then the local server', () => {
  const fromEnv = join(dir, 'env.yaml');
  writeFileSync(fromEnv, '');
  assert.equal(canaryKubeconfig({ kubeconfig: '/flag.yaml' }, { KUBECONFIG: fromEnv }, local), '/flag.yaml');
  assert.equal(canaryKubeconfig({}, { KUBECONFIG: `/missing.yaml:${fromEnv}` }, local), fromEnv);
  assert.equal(canaryKubeconfig({}, {}, local), join(dir, 'data', 'kubeconfig.yaml'));
  assert.equal(canaryKubeconfig({ dataDir: '/srv/skiff' }, { KUBECONFIG: fromEnv }, local), '/srv/skiff/kubeconfig.yaml');
});

test('without a kubeconfig the command says where it looked and exits 1; usage mistakes are usage errors', async () => {
  const errors: string[] = [];
  const code = await runCanary(['status', 'tomcat'], { env: {}, discovery: local, err: (t) => errors.push(t), out: () => undefined });
  assert.equal(code, 1);
  assert.match(errors[0] ?? '', /no kubeconfig at .*data\/kubeconfig\.yaml/);
  await assert.rejects(runCanary(['status'], { env: {}, discovery: local }), /status needs a target/);
  await assert.rejects(runCanary(['status', 'deploy/x'], { env: {}, discovery: local }), /the target is an Ingress or an httproute\/NAME/);
});
