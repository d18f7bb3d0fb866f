/**
 * `skiff check-config` (k3s's): runs the node's preflight checks alone and prints them. Exits 0
 * when no required check failed (warnings allowed), 1 otherwise.
 */
import { failedChecks, formatPreflightReport, runPreflightChecks } from '../kubelet/preflight/preflight.js';
import { systemPreflightHost } from '../kubelet/preflight/system-host.js';
import { configFlags, parseFlagsWithConfig } from './config-file.js';
import { defaultDataDir, flagHelp, type FlagSpec } from './flags.js';
import { nodeConfig } from './node-flags.js';

/** `skiff check-config`'s flags: the node settings the checks depend on. */
export const checkConfigFlags: FlagSpec[] = [
  { name: 'data-dir', type: 'string', help: 'the data directory to check', default: defaultDataDir() },
  { name: 'kubelet-port', type: 'string', help: "the node's HTTPS port, checked free", default: '10250' },
  { name: 'container-runtime-endpoint', type: 'string', help: 'an existing CRI socket: containerd and runc are then not checked', default: '' },
];

/**
 * `skiff check-config ARGS`: prints one line per check and a summary; returns the exit code. Its
 * flags can come from the server's config file too (the keys it has no use for are skipped), so
 * it checks the data dir and port the server would use.
 */
export async function runCheckConfig(args: string[]): Promise<number> {
  const flags = parseFlagsWithConfig(args, checkConfigFlags, { ignoreUnknownKeys: true });
  if (flags.help) {
    console.log(`Usage: skiff check-config [flags]\n\nChecks this machine can run a node.\n\nFlags:\n${flagHelp([...checkConfigFlags, ...configFlags])}`);
    return 0;
  }
  const node = nodeConfig(flags);
  const checks = await runPreflightChecks(systemPreflightHost(), {
    dataDir: String(flags['data-dir']),
    ports: { kubelet: node.kubeletPort },
    ownRuntime: !node.containerRuntimeEndpoint,
  });
  console.log(formatPreflightReport(checks));
  const failed = failedChecks(checks).length;
  const warnings = checks.filter((c) => c.status === 'warning').length;
  console.log(failed > 0 ? `\n${failed} required checks failed: this machine cannot run a node` : `\nready to run a node (${warnings} warnings)`);
  return failed > 0 ? 1 : 0;
}
