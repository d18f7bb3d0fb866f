import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { snapshotResources, snapshotKinds } from '../inspect/snapshot.js';
import { seedSnapshot } from '../inspect/trace/testing.js';
import type { ProbeExec } from '../inspect/trace/probe-connection.js';
import { MemoryClient } from '../testing/memory-client.js';
import { isUsageError } from './flags.js';
import { runTrace } from './trace-command.js';

/** A MemoryClient holding the seed's objects, and the kube-system settings with another cluster domain. */
async function seedClient(clusterDomain = 'cluster.local'): Promise<MemoryClient> {
  const client = new MemoryClient();
  const snapshot = seedSnapshot();
  for (const kind of snapshotKinds) {
    const list = snapshot[kind] as KubeObject[];
    for (const obj of list) await client.create(snapshotResources[kind], obj.metadata?.namespace ?? '', obj);
  }
  await client.create(resources.configmaps, 'kube-system', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'kube-system', name: 'skiff-cluster-config' }, data: { clusterDomain } });
  return client;
}

async function run(args: string[], client: MemoryClient, exec?: ProbeExec): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runTrace(args, {
    connect: () => client,
    env: {},
    exec: exec ? () => exec : undefined,
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
  });
  return { code, out, err };
}

describe('skiff trace', () => {
  it('answers the seed\'s failing case on its last line and exits 1', async () => {
    const r = await run(['client', '10.170.11.11:6379'], await seedClient());
    assert.equal(r.code, 1);
    assert.equal(r.out.trimEnd().split('\n').pop(), '10.170.11.11:6379 is refused: Service default/cluster-service-test exposes 80 (abc → 8080) and 99 (redis → 6379); port 6379 is the container\'s port, use 99');
  });

  it('exits 0 when the connection gets through, and prints JSON steps on request', async () => {
    const r = await run(['pod/client', 'cluster-service-test:80', '-o', 'json'], await seedClient());
    assert.equal(r.code, 0);
    const steps = JSON.parse(r.out) as { kind: string; outcome: string }[];
    assert.deepEqual(steps.map((s) => s.kind), ['source', 'dns', 'service', 'endpoints', 'policy', 'route', 'destination', 'verdict']);
  });

  it('uses the cluster\'s DNS zone from its published settings', async () => {
    const r = await run(['client', 'cluster-service-test:80'], await seedClient('corp.internal'));
    assert.match(r.out, /search default\.svc\.corp\.internal svc\.corp\.internal corp\.internal/);
  });

  it('--probe runs nc in the pod\'s container and reports it before the answer; the exit code follows the probe', async () => {
    const commands: string[][] = [];
    const exec: ProbeExec = async (container, command) => {
      commands.push([container, ...command]);
      if (command[0] === 'timeout') return { exitCode: 1, stdout: '', stderr: 'nc: can\'t connect to remote host (10.170.11.11): Connection refused\n' };
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    const r = await run(['client', '10.170.11.11:6379', '--probe'], await seedClient(), exec);
    assert.equal(r.code, 1);
    assert.deepEqual(commands, [['client', 'timeout', '5', 'nc', '-w', '3', '10.170.11.11', '6379', '-e', 'true']]);
    const lines = r.out.trimEnd().split('\n');
    assert.match(lines[lines.length - 3]!, /^✗ probe: +Probe from pod default\/client \(container client\): refused \(nc: can't connect to remote host \(10\.170\.11\.11\): Connection refused\)$/);
    assert.match(lines[lines.length - 1]!, /is refused/);
  });

  it('--probe tries the next tool when the image lacks one, and says when none is there', async () => {
    const exec: ProbeExec = async () => ({ exitCode: undefined, stdout: '', stderr: '', failure: 'OCI runtime exec failed: exec: "timeout": executable file not found in $PATH' });
    const r = await run(['client', '10.170.11.11:80', '--probe'], await seedClient(), exec);
    assert.match(r.out, /! probe: +No probe: no container of pod default\/client has nc, bash, wget or curl/);
    assert.equal(r.code, 0, 'without a probe the trace decides');
  });

  it('refuses bad arguments as usage errors', async () => {
    const client = await seedClient();
    await assert.rejects(run(['client'], client), (e) => isUsageError(e));
    await assert.rejects(run(['deployment/web', '10.0.0.1:80'], client), (e) => isUsageError(e) && /FROM is a pod/.test((e as Error).message));
    await assert.rejects(run(['client', '10.0.0.1'], client), (e) => isUsageError(e) && /TO is ADDRESS:PORT/.test((e as Error).message));
  });
});
