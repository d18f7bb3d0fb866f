/**
 * The node's preflight checks (k3s's `check-config`): cgroups, kernel features, binaries, free
 * ports and the data directory, each ok / warning / failed with a one-line fix. `skiff
 * check-config` prints them; `skiff server` and `skiff agent` run them before the node agent,
 * which does not start when a required one failed.
 */
import { checkBinaries, type BinaryCheckOptions } from './binaries.js';
import { checkCgroups } from './cgroups.js';
import { checkKernelFeatures } from './kernel.js';
import type { PreflightCheck, PreflightHost } from './types.js';

/** Options of {@link runPreflightChecks}. */
export interface PreflightOptions extends BinaryCheckOptions {
  /** The data directory (the agent keeps its files under `<dataDir>/agent`). */
  dataDir: string;
  /** TCP ports the node will listen on, by what listens (e.g. { kubelet: 10250 }). Port 0 (any) is skipped. Default none. */
  ports?: Record<string, number>;
}

async function checkPort(host: PreflightHost, what: string, port: number): Promise<PreflightCheck> {
  const name = `port ${port}`;
  if (await host.portFree(port)) return { name, status: 'ok', message: `free (${what})` };
  return { name, status: 'failed', message: `in use, the ${what} cannot listen: stop what listens there (ss -ltnp 'sport = :${port}') or choose another port` };
}

async function checkDataDir(host: PreflightHost, dataDir: string): Promise<PreflightCheck> {
  const name = 'data dir';
  const { writable, existing, mode } = await host.writable(dataDir);
  if (!writable) {
    return { name, status: 'failed', message: `${existing} is not writable by this user: run as root or choose a writable --data-dir` };
  }
  if (existing === dataDir && mode !== undefined && (mode & 0o077) !== 0) {
    return { name, status: 'warning', message: `${dataDir} is readable by others (mode ${(mode & 0o777).toString(8)}) and holds credentials: chmod 700 ${dataDir}` };
  }
  return { name, status: 'ok', message: existing === dataDir ? `${dataDir} writable` : `${dataDir} will be created in ${existing}` };
}

/** Runs every check, in a fixed order. */
export async function runPreflightChecks(host: PreflightHost, options: PreflightOptions): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [await checkCgroups(host), ...(await checkKernelFeatures(host)), ...(await checkBinaries(host, options))];
  for (const [what, port] of Object.entries(options.ports ?? {})) {
    if (port > 0) checks.push(await checkPort(host, what, port));
  }
  checks.push(await checkDataDir(host, options.dataDir));
  return checks;
}

/** The checks that stop the node agent. */
export function failedChecks(checks: PreflightCheck[]): PreflightCheck[] {
  return checks.filter((c) => c.status === 'failed');
}

/** One line per check, aligned: `[ok]      cgroups: cgroup v2 ...`. */
export function formatPreflightReport(checks: PreflightCheck[]): string {
  return checks.map((c) => `${`[${c.status}]`.padEnd(10)}${c.name}: ${c.message}`).join('\n');
}
