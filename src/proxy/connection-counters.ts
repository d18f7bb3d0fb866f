/**
 * New connections per Service frontend and endpoint, counted by the kernel in a table of their
 * own (`ip skiff-connections`), apart from the proxy's table so that its full syncs (which
 * delete and recreate `ip skiff`) never reset the counts and its syncs do no extra work.
 *
 * One rule in a postrouting chain sees the first packet of every DNATed TCP or UDP connection
 * (the conntrack entry is not yet confirmed: retransmitted SYNs are not counted again) and
 * updates a dynamic set keyed `original destination . protocol . endpoint address . endpoint
 * port`, whose elements carry counters. The original destination *port* is not in the key: nft
 * 1.0.6 cannot put `ct original proto-dst` in a concatenation (it crashes or lists the elements
 * garbled), so a key shared by two Service ports (two ports of one Service with the same target,
 * or Services sharing node addresses and endpoints through NodePorts and load-balancer IPs) is
 * ambiguous; {@link endpointAttribution} leaves those out rather than guess.
 */
import { frontendKey, type FrontendIndex, type ServicePortRef } from './frontend-index.js';
import { spawnCommand, type CommandRunner } from './nftables.js';
import type { Ruleset } from './ruleset.js';

/** The counting table's name. */
export const connectionCountersTable = 'skiff-connections';
const setName = 'endpoint-connections';
const chainName = 'count';

/** Options of {@link connectionCountersText} and {@link ConnectionCounters}. */
export interface ConnectionCountersOptions {
  /** An element unused this long is forgotten (its count starts again). Default 3600 s. */
  idleTimeoutSeconds?: number;
  /** Elements kept at most (beyond that, new frontend/endpoint pairs are not counted). Default 65536. */
  maxElements?: number;
}

/**
 * The `nft -f` text that creates the counting table, or leaves it and its counts as they are
 * when it exists (only the rule is written again, so a restart does not add a second one).
 */
export function connectionCountersText(options: ConnectionCountersOptions = {}): string {
  const where = `ip ${connectionCountersTable}`;
  const timeout = options.idleTimeoutSeconds ?? 3600;
  const size = options.maxElements ?? 65_536;
  return [
    `add table ${where}`,
    `add set ${where} ${setName} { type ipv4_addr . inet_proto . ipv4_addr . inet_service; flags dynamic,timeout; timeout ${timeout}s; size ${size}; counter; }`,
    // After the Service DNAT and before masquerading (srcnat, 100); conntrack confirms last.
    `add chain ${where} ${chainName} { type filter hook postrouting priority 90; policy accept; }`,
    `flush chain ${where} ${chainName}`,
    `add rule ${where} ${chainName} meta l4proto { tcp, udp } ct status & (dnat | confirmed) == dnat update @${setName} { ct original ip daddr . meta l4proto . ip daddr . th dport }`,
    '',
  ].join('\n');
}

/** The key of a counted pair: `tcp 10.43.0.10 10.42.0.5:8080` (protocol, frontend address, endpoint). */
export function counterKey(protocol: string, frontendAddress: string, endpoint: string): string {
  return `${protocol} ${frontendAddress} ${endpoint}`;
}

/**
 * The Service port behind each pair the kernel counts, from the proxy's ruleset (its
 * `endpoints-N` maps: `frontend address . protocol . port . index` → `endpoint address . port`)
 * and the frontends' Service ports: null for a pair two Service ports share (see above).
 */
export function endpointAttribution(ruleset: Ruleset, index: FrontendIndex): Map<string, ServicePortRef | null> {
  const out = new Map<string, ServicePortRef | null>();
  for (const [name, map] of ruleset.maps) {
    if (!/^endpoints-\d+$/.test(name)) continue;
    for (const [key, value] of map.elements) {
      if (value === undefined) continue;
      const [frontend, protocol, port] = key.split(' . ');
      const [address, endpointPort] = value.split(' . ');
      const ref = index.get(frontendKey(protocol!, frontend!, Number(port)));
      if (!ref) continue;
      const pair = counterKey(protocol!, frontend!, `${address}:${endpointPort}`);
      const held = out.get(pair);
      if (held === undefined) out.set(pair, ref);
      else if (held !== null && (held.namespace !== ref.namespace || held.service !== ref.service || held.port !== ref.port)) out.set(pair, null);
    }
  }
  return out;
}

const protocolNames: Record<string, string> = { '6': 'tcp', '17': 'udp' };
const elementPattern = /(\d+\.\d+\.\d+\.\d+) \. (\w+) \. (\d+\.\d+\.\d+\.\d+) \. (\d+) counter packets (\d+)/g;

/** The counts in `nft list set` output of the counting set, by {@link counterKey}. */
export function parseConnectionCounters(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [, frontend, protocol, address, port, packets] of text.matchAll(elementPattern)) {
    counts.set(counterKey(protocolNames[protocol!] ?? protocol!, frontend!, `${address}:${port}`), Number(packets));
  }
  return counts;
}

/** Options of {@link ConnectionCounters}. */
export interface ConnectionCountersKernelOptions extends ConnectionCountersOptions {
  /** Default: a real process. */
  run?: CommandRunner;
  /** The nft binary. Default `nft`. */
  nft?: string;
}

/** The counting table in the kernel: made once, read at each scrape. */
export class ConnectionCounters {
  private readonly run: CommandRunner;
  private readonly nft: string;

  constructor(private readonly options: ConnectionCountersKernelOptions = {}) {
    this.run = options.run ?? spawnCommand;
    this.nft = options.nft ?? 'nft';
  }

  /**
   * Creates the table, or keeps it with its counts. A table of another shape (an older
   * declaration) is made again. @throws Error when nft refuses it (e.g. a kernel without
   * counters on set elements).
   */
  async install(): Promise<void> {
    const text = connectionCountersText(this.options);
    const first = await this.run(this.nft, ['-f', '-'], text);
    if (first.code === 0) return;
    const again = await this.run(this.nft, ['-f', '-'], `add table ip ${connectionCountersTable}\ndelete table ip ${connectionCountersTable}\n${text}`);
    if (again.code !== 0) throw new Error(`nft -f (connection counters) exited ${again.code}: ${again.stderr.trim() || first.stderr.trim()}`);
  }

  /** The kernel's counts by {@link counterKey}. @throws Error when nft fails. */
  async read(): Promise<Map<string, number>> {
    const result = await this.run(this.nft, ['list', 'set', 'ip', connectionCountersTable, setName], '');
    if (result.code !== 0) throw new Error(`nft list set (connection counters) exited ${result.code}: ${result.stderr.trim()}`);
    return parseConnectionCounters(result.stdout);
  }
}
