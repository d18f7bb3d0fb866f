/**
 * The preflight gate `skiff server` and `skiff agent` pass before they start the node agent:
 * warnings are logged, and a failed required check keeps the node agent from starting, with one
 * line saying what failed and how to fix it (the rest of the process still runs).
 */
import { failedChecks, runPreflightChecks } from '../kubelet/preflight/preflight.js';
import { systemPreflightHost } from '../kubelet/preflight/system-host.js';
import type { PreflightHost } from '../kubelet/preflight/types.js';

/** Options of {@link nodePreflightPasses}. */
export interface NodePreflightOptions {
  dataDir: string;
  /** The node's HTTPS port (0: any, not checked). */
  kubeletPort: number;
  /** Set when the node uses an existing CRI socket: containerd and runc are then not needed here. */
  containerRuntimeEndpoint?: string;
  /** Default: this machine. */
  host?: PreflightHost;
}

/** Runs the preflight checks; logs warnings and failures; true when the node agent may start. */
export async function nodePreflightPasses(options: NodePreflightOptions, log: (message: string) => void): Promise<boolean> {
  const checks = await runPreflightChecks(options.host ?? systemPreflightHost(), {
    dataDir: options.dataDir,
    ports: { kubelet: options.kubeletPort },
    ownRuntime: !options.containerRuntimeEndpoint,
  });
  for (const c of checks) if (c.status === 'warning') log(`preflight warning: ${c.name}: ${c.message}`);
  const failed = failedChecks(checks);
  if (failed.length === 0) return true;
  // One line: what failed and how to fix it; whatever else the process runs (API server, controllers) runs on.
  log(`node agent disabled, preflight check failed: ${failed.map((c) => `${c.name}: ${c.message}`).join('; ')} (skiff check-config lists every check)`);
  return false;
}
