/**
 * Stale UDP conntrack entries: a UDP "connection" that was DNATed to an endpoint keeps going
 * there while its conntrack entry lives, even after the endpoint is gone (a pod that keeps
 * asking a removed DNS endpoint never hears back). As kube-proxy does, the entries of removed
 * UDP endpoints are deleted with the `conntrack` tool.
 */
import type { Contribution } from './ruleset-builder.js';
import { spawnCommand, type CommandRunner } from './nftables.js';

/** A UDP frontend (ClusterIP, NodePort or load-balancer address and port) and one endpoint it led to. */
export interface UdpEndpointPair {
  frontendIP: string;
  frontendPort: number;
  endpointIP: string;
  endpointPort: number;
}

function pairId(p: UdpEndpointPair): string {
  return `${p.frontendIP}:${p.frontendPort}>${p.endpointIP}:${p.endpointPort}`;
}

/** The UDP frontend/endpoint pairs a Service's contribution DNATs to, by an identity string. */
export function udpEndpointPairs(contribution: Contribution | undefined): Map<string, UdpEndpointPair> {
  const out = new Map<string, UdpEndpointPair>();
  for (const element of contribution?.elements ?? []) {
    if (!element.map.startsWith('endpoints-') || element.value === undefined) continue;
    // Keys are `address . protocol . port . index`, values `address . port` (see desired-ruleset).
    const [frontendIP, protocol, frontendPort] = element.key.split(' . ');
    const [endpointIP, endpointPort] = element.value.split(' . ');
    if (protocol !== 'udp' || !frontendIP || !endpointIP) continue;
    const pair = { frontendIP, frontendPort: Number(frontendPort), endpointIP, endpointPort: Number(endpointPort) };
    out.set(pairId(pair), pair);
  }
  return out;
}

/** The pairs of `before` that `after` no longer has. */
export function removedPairs(before: Map<string, UdpEndpointPair>, after: Map<string, UdpEndpointPair>): UdpEndpointPair[] {
  return [...before].filter(([id]) => !after.has(id)).map(([, pair]) => pair);
}

/** Options of {@link ConntrackFlusher}. */
export interface ConntrackFlusherOptions {
  /** Default: a real process. */
  run?: CommandRunner;
  /** The conntrack binary. Default `conntrack`. */
  conntrack?: string;
}

/** Deletes the conntrack entries of removed UDP endpoints. */
export class ConntrackFlusher {
  private readonly run: CommandRunner;
  private readonly conntrack: string;

  constructor(options: ConntrackFlusherOptions = {}) {
    this.run = options.run ?? spawnCommand;
    this.conntrack = options.conntrack ?? 'conntrack';
  }

  /** The arguments that delete the entries of one pair. */
  static argumentsFor(pair: UdpEndpointPair): string[] {
    return ['-D', '-p', 'udp', '--orig-dst', pair.frontendIP, '--orig-port-dst', String(pair.frontendPort), '--dst-nat', pair.endpointIP];
  }

  /** Deletes the entries of each pair. @throws Error when conntrack fails (having none to delete is fine). */
  async flush(pairs: UdpEndpointPair[]): Promise<void> {
    const failures: string[] = [];
    for (const pair of pairs) {
      const result = await this.run(this.conntrack, ConntrackFlusher.argumentsFor(pair), '');
      // conntrack exits 1 when no entry matched: nothing was stale.
      if (result.code === 0 || /0 flow entries/.test(result.stderr)) continue;
      failures.push(`${pairId(pair)}: conntrack exited ${result.code}: ${result.stderr.trim()}`);
    }
    if (failures.length > 0) throw new Error(`deleting stale UDP conntrack entries failed: ${failures.join('; ')}`);
  }
}
