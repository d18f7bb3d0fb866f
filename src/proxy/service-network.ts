/**
 * The node's Service network outside nftables: the Service CIDR is routed to a local
 * port-less bridge, so a node process's packet to a ClusterIP reaches the output hook (where
 * it is DNATed, rejected or dropped) and never follows the default route out. The one module
 * that changes links and routes for the proxy; {@link removeServiceNetwork} undoes it and the
 * table (a clean stop leaves both, so pods keep reaching Services while skiff restarts).
 */
import { spawnCommand, type CommandRunner } from './nftables.js';
import { connectionCountersTable } from './connection-counters.js';

/** The bridge the Service CIDR is routed to. */
export const defaultServiceBridge = 'skiff-svc0';

/** Options of {@link ensureServiceRoute} and {@link removeServiceNetwork}. */
export interface ServiceNetworkOptions {
  /** Default: a real process. */
  run?: CommandRunner;
  /** The bridge's name. Default {@link defaultServiceBridge}. */
  bridge?: string;
}

async function runChecked(run: CommandRunner, program: string, args: string[]): Promise<string> {
  const result = await run(program, args, '');
  if (result.code !== 0) throw new Error(`${program} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Creates the bridge (when absent), brings it up and routes `serviceCIDR` through it
 * (`ip route replace`, so a route left by an earlier run is taken over). Idempotent.
 */
export async function ensureServiceRoute(serviceCIDR: string, options: ServiceNetworkOptions = {}): Promise<void> {
  const run = options.run ?? spawnCommand;
  const bridge = options.bridge ?? defaultServiceBridge;
  const exists = await run('ip', ['link', 'show', 'dev', bridge], '');
  if (exists.code !== 0) await runChecked(run, 'ip', ['link', 'add', bridge, 'type', 'bridge']);
  await runChecked(run, 'ip', ['link', 'set', bridge, 'up']);
  await runChecked(run, 'ip', ['route', 'replace', serviceCIDR, 'dev', bridge]);
}

/** What {@link removeServiceNetwork} found and removed. */
export interface RemovedServiceNetwork {
  table: boolean;
  /** The connection counters' table (`ip skiff-connections`). */
  counters: boolean;
  bridge: boolean;
}

/**
 * Deletes the proxy's nftables table, the connection counters' table and the bridge (its route goes with it). Whatever is
 * already gone is skipped. @throws Error when a deletion of something present fails.
 */
export async function removeServiceNetwork(options: ServiceNetworkOptions & { table?: string } = {}): Promise<RemovedServiceNetwork> {
  const run = options.run ?? spawnCommand;
  const bridge = options.bridge ?? defaultServiceBridge;
  const table = options.table ?? 'skiff';
  const removed: RemovedServiceNetwork = { table: false, counters: false, bridge: false };
  if ((await run('nft', ['list', 'table', 'ip', table], '')).code === 0) {
    await runChecked(run, 'nft', ['delete', 'table', 'ip', table]);
    removed.table = true;
  }
  if ((await run('nft', ['list', 'table', 'ip', connectionCountersTable], '')).code === 0) {
    await runChecked(run, 'nft', ['delete', 'table', 'ip', connectionCountersTable]);
    removed.counters = true;
  }
  if ((await run('ip', ['link', 'show', 'dev', bridge], '')).code === 0) {
    await runChecked(run, 'ip', ['link', 'del', bridge]);
    removed.bridge = true;
  }
  return removed;
}

/**
 * Makes packets between pods on one Linux bridge pass the ip family's hooks (br_netfilter's
 * `bridge-nf-call-iptables=1`), which hairpin Service traffic and NetworkPolicy between pods of
 * one node need. Loads the module when the setting is absent. Returns what was done, or
 * throws when neither works (the caller warns: policies between pods of one node then miss).
 */
export async function ensureBridgeNetfilter(options: Pick<ServiceNetworkOptions, 'run'> = {}): Promise<'already' | 'enabled'> {
  const run = options.run ?? spawnCommand;
  const key = 'net.bridge.bridge-nf-call-iptables';
  let current = await run('sysctl', ['-n', key], '');
  if (current.code !== 0) {
    await runChecked(run, 'modprobe', ['br_netfilter']);
    current = await run('sysctl', ['-n', key], '');
  }
  if (current.code === 0 && current.stdout.trim() === '1') return 'already';
  await runChecked(run, 'sysctl', ['-q', '-w', `${key}=1`]);
  return 'enabled';
}
