import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { CriClient } from '../../src/kubelet/cri/client.js';

const run = promisify(execFile);

/** Stops and removes every pod sandbox (and so every container) of a test's containerd. */
export async function removeRuntimeState(socket: string): Promise<void> {
  if (!existsSync(socket)) return;
  const cri = CriClient.connect(`unix://${socket}`, { callTimeoutMs: 20_000 });
  try {
    for (const s of await cri.listPodSandbox()) {
      await cri.stopPodSandbox(s.id);
      await cri.removePodSandbox(s.id);
    }
  } catch (err) {
    // containerd already gone (the test stopped it): nothing left to remove through it.
    console.error(`test cleanup: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    cri.close();
  }
}

/** Waits until the runtime holds no pod sandbox (the agent removed them), or the deadline passes. */
export async function waitForNoSandboxes(socket: string, timeoutMs: number): Promise<boolean> {
  if (!existsSync(socket)) return true;
  const cri = CriClient.connect(`unix://${socket}`, { callTimeoutMs: 10_000 });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await cri.listPodSandbox()).length === 0) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  } catch (err) {
    console.error(`test cleanup: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  } finally {
    cri.close();
  }
}

/**
 * Empties nodes whose agents still run: removing sandboxes behind a running agent's back would
 * make it start them again, so workloads and pods are deleted through the API and the agents
 * remove what ran; whatever is left after the deadline is removed through CRI.
 */
export async function drainNodes(kubectl: (args: string[]) => Promise<{ code: number; stderr: string }>, sockets: string[]): Promise<void> {
  for (const args of [
    ['delete', 'deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs', '--all', '--all-namespaces', '--wait=false'],
    ['delete', 'pods', '--all', '--all-namespaces', '--grace-period=0', '--force', '--wait=false'],
  ]) {
    const r = await kubectl(args).catch((err: unknown) => ({ code: 1, stderr: String(err) }));
    if (r.code !== 0) console.error(`test cleanup: kubectl ${args.join(' ')}: ${r.stderr}`);
  }
  for (const socket of sockets) await waitForNoSandboxes(socket, 30_000);
  for (const socket of sockets) await removeRuntimeState(socket);
}

/** Unmounts whatever is still mounted under `dir` (tmpfs volumes, rootfs overlays), deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p]).catch((err: unknown) => console.error(`test cleanup: umount ${p}: ${String(err)}`));
}
