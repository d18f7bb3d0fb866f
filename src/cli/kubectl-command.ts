import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir } from './flags.js';

/** The kubectl binary: $SKIFF_KUBECTL, the 1.32 build on this machine image, else `kubectl` on PATH. */
export function findKubectl(): string {
  const fromEnv = process.env.SKIFF_KUBECTL;
  if (fromEnv) return fromEnv;
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  return existsSync(pinned) ? pinned : 'kubectl';
}

/**
 * `skiff kubectl ARGS...`: runs kubectl with this cluster's kubeconfig
 * (`$SKIFF_DATA_DIR` or the default data dir), passing the exit code through.
 */
export async function runKubectl(args: string[]): Promise<number> {
  const dataDir = process.env.SKIFF_DATA_DIR ?? defaultDataDir();
  const kubeconfig = process.env.KUBECONFIG ?? join(dataDir, 'kubeconfig.yaml');
  const child = spawn(findKubectl(), args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
