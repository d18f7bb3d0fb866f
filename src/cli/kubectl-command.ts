import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findCluster, kubeconfigExists, type FindClusterOptions } from './cluster-discovery.js';
import { UsageError } from './flags.js';

/** The kubectl binary: $SKIFF_KUBECTL, the 1.32 build on this machine image, else `kubectl` on PATH. */
export function findKubectl(): string {
  const fromEnv = process.env.SKIFF_KUBECTL;
  if (fromEnv) return fromEnv;
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  return existsSync(pinned) ? pinned : 'kubectl';
}

/** kubectl's arguments without skiff's own `--data-dir`, and the values skiff reads (`--kubeconfig` stays for kubectl). */
export function splitKubectlArgs(args: string[]): { kubectlArgs: string[]; dataDir?: string; kubeconfig?: string } {
  const kubectlArgs: string[] = [];
  let dataDir: string | undefined;
  let kubeconfig: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      kubectlArgs.push(...args.slice(i));
      break;
    }
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name !== '--data-dir' && name !== '--kubeconfig') {
      kubectlArgs.push(arg);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${name}: a value is required`);
    if (name === '--data-dir') {
      dataDir = value;
    } else {
      kubeconfig = value;
      kubectlArgs.push(`--kubeconfig=${value}`);
    }
  }
  return { kubectlArgs, dataDir, kubeconfig };
}

/**
 * `skiff kubectl [--data-dir DIR] ARGS...`: runs kubectl with this machine's cluster's kubeconfig
 * (found as {@link findCluster} says), passing the exit code through. Without a kubeconfig it
 * says which one it looked for, and exits 1.
 */
export async function runKubectl(args: string[], discovery: FindClusterOptions = {}): Promise<number> {
  const { kubectlArgs, dataDir, kubeconfig } = splitKubectlArgs(args);
  const location = findCluster({ ...discovery, dataDir, kubeconfig });
  // Help needs no cluster.
  const helpOnly = kubectlArgs.includes('--help') || kubectlArgs.includes('-h');
  if (!helpOnly && !kubeconfigExists(location)) {
    console.error(
      `skiff kubectl: no kubeconfig at ${location.kubeconfig} (from ${location.source}): is \`skiff server\` running? Give --data-dir DIR, --kubeconfig FILE or set KUBECONFIG`,
    );
    return 1;
  }
  const child = spawn(findKubectl(), kubectlArgs, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: location.kubeconfig } });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
