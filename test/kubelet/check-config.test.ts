/**
 * `skiff check-config` on this machine: in a fresh network namespace joined with nsenter --net
 * (host mounts) every required check passes; under `ip netns exec`, which remounts /sys and hides
 * the cgroup tree, it names the cgroup problem and how to fix it, and exits 1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetworkNamespace, type RunResult } from '../harness/netns.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));
const isRoot = process.getuid?.() === 0;

function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

describe('skiff check-config', { skip: !isRoot && 'needs root (network namespaces)' }, () => {
  let ns: NetworkNamespace;
  let dataDir: string;
  before(async () => {
    ns = NetworkNamespace.create('skiff-cc');
    dataDir = await mkdtemp(join(tmpdir(), 'check-config-'));
  });
  after(async () => {
    await ns.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('passes on this machine (host mounts, a namespace of its own for the ports)', async () => {
    const result = await run('nsenter', [`--net=/run/netns/${ns.name}`, '--', process.execPath, skiffBin, 'check-config', '--data-dir', dataDir]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^\[ok\] +cgroups: cgroup /m);
    assert.match(result.stdout, /ready to run a node/);
  });

  test('under ip netns exec names the hidden cgroups and exits 1', async () => {
    const result = await ns.run(process.execPath, [skiffBin, 'check-config', '--data-dir', dataDir]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /^\[failed\] +cgroups: cgroup mounts are not visible: \/sys was remounted \(ip netns exec\?\); run in the host mount namespace \(e\.g\. nsenter --net=\/run\/netns\/NAME\)$/m,
    );
    assert.match(result.stdout, /required checks failed/);
  });
});
