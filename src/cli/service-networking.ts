/**
 * Composition of the node's Service networking: the Service proxy (with the Service CIDR's
 * local route) on every node, the cluster DNS server in `skiff server`, and the cluster
 * settings a joining agent reads from the server.
 */
import { createSocket } from 'node:dgram';
import { createServer, isIP } from 'node:net';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { clusterConfigMapName } from '../apiserver/bootstrap.js';
import { errorMessage, isStatusError } from '../apimachinery/errors.js';
import { formatIPv4, parseCIDR } from '../apimachinery/net.js';
import { resources, type Client } from '../client/client.js';
import { ApiEventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/informer.js';
import { systemClock } from '../apimachinery/clock.js';
import { ClusterDnsServer } from '../dns/server.js';
import type { Upstream } from '../dns/upstream.js';
import type { Registry } from '../apimachinery/metrics.js';
import type { NodeFacts, SkippedPort } from '../proxy/desired-ruleset.js';
import { ConnectionCounters, endpointAttribution } from '../proxy/connection-counters.js';
import { EndpointConnectionMetrics } from '../proxy/endpoint-connections.js';
import { HealthCheckServer } from '../proxy/health-check-server.js';
import { PolicyEnforcer } from '../proxy/policy-enforcer.js';
import { ServiceProxy } from '../proxy/service-proxy.js';
import { ensureBridgeNetfilter, ensureServiceRoute, removeServiceNetwork } from '../proxy/service-network.js';
import { flagHelp, parseFlags } from './flags.js';

/** The cluster's network settings, as the server publishes them in `kube-system/skiff-cluster-config`. */
export interface ClusterNetworkSettings {
  clusterCIDR: string;
  serviceCIDR: string;
  /** The kube-dns Service IP. */
  clusterDNS: string;
  clusterDomain: string;
}

/** The default cluster DNS Service IP of a Service CIDR: its tenth address (10.43.0.10 for 10.43.0.0/16, as k3s). */
export function defaultClusterDNS(serviceCIDR: string): string {
  const range = parseCIDR(serviceCIDR);
  return formatIPv4(range.base + Math.min(10, range.size - 2));
}

/** The ConfigMap data of {@link ClusterNetworkSettings}. */
export function clusterConfigData(settings: ClusterNetworkSettings): Record<string, string> {
  // Named one by one: callers pass larger objects (the server's config holds the join token).
  return { clusterCIDR: settings.clusterCIDR, serviceCIDR: settings.serviceCIDR, clusterDNS: settings.clusterDNS, clusterDomain: settings.clusterDomain };
}

/**
 * Reads the cluster's settings from the server's ConfigMap; undefined when the server has none
 * (an older server). Retries other failures until `signal` aborts.
 */
export async function readClusterSettings(client: Client, signal: AbortSignal, log: (msg: string) => void): Promise<Partial<ClusterNetworkSettings> | undefined> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const cm = await client.get(resources.configmaps, 'kube-system', clusterConfigMapName);
      const data: Record<string, string | undefined> = (cm as ConfigMap).data ?? {};
      return { clusterCIDR: data.clusterCIDR, serviceCIDR: data.serviceCIDR, clusterDNS: data.clusterDNS, clusterDomain: data.clusterDomain };
    } catch (err) {
      if (isStatusError(err, 404)) return undefined;
      if (attempt % 10 === 0) log(`reading kube-system/${clusterConfigMapName}: ${errorMessage(err)}; retrying`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  return undefined;
}

/**
 * Parses `--dns-upstream`: '' means the host's resolv.conf (undefined), `none` no upstream,
 * else comma-separated `address` or `address:port` (IPv6 as `[address]:port`).
 */
export function parseDnsUpstreams(text: string): Upstream[] | undefined {
  if (text.trim() === '') return undefined;
  if (text.trim() === 'none') return [];
  return text.split(',').map((item) => {
    const trimmed = item.trim();
    const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(trimmed);
    const plain = /^([^:]+)(?::(\d+))?$/.exec(trimmed);
    const [address, port] = bracketed ? [bracketed[1], bracketed[2]] : plain ? [plain[1], plain[2]] : [trimmed, undefined];
    if (!address || !isIP(address)) throw new Error(`--dns-upstream: not an address: ${JSON.stringify(trimmed)}`);
    return { address, port: port ? Number(port) : 53 };
  });
}

/** What {@link runServiceProxy} needs. */
export interface ServiceProxyRun {
  client: Client;
  /** The NetworkPolicy enforcer's client (k3s's `system:k3s-controller`). Default: `client`. */
  policyClient?: Client;
  node: NodeFacts;
  signal: AbortSignal;
  log: (msg: string) => void;
  /** The node's metrics registry: connections per Service endpoint are served there. Default: none. */
  metrics?: Registry;
}

/**
 * Routes the Service CIDR to the local bridge and runs the Service proxy, with NetworkPolicy
 * enforcement, until `signal` aborts.
 * The table and the route stay after a stop (see `skiff network-cleanup`).
 */
export async function runServiceProxy(o: ServiceProxyRun): Promise<void> {
  await ensureServiceRoute(o.node.serviceCIDR);
  o.log(`service proxy: ${o.node.serviceCIDR} routed to skiff-svc0; node ${o.node.nodeName} (${o.node.nodeIPs.join(', ')})`);
  await ensureBridgeNetfilter().then(
    (done) => done === 'enabled' && o.log('service proxy: enabled net.bridge.bridge-nf-call-iptables'),
    (err: unknown) => o.log(`service proxy: warning: bridged pod traffic bypasses nftables (${errorMessage(err)}); hairpin and NetworkPolicy between pods of this node will not work`),
  );
  const onError = (err: unknown): void => o.log(`network policy: ${errorMessage(err)}`);
  // Each newly skipped Service port is logged and told to its Service as a Warning event.
  const recorder = new ApiEventRecorder({ client: o.client, clock: systemClock, component: 'kube-proxy', host: o.node.nodeName, onError: (err) => o.log(`service proxy: event: ${errorMessage(err)}`) });
  let reported = new Set<string>();
  const reportSkipped = (skipped: SkippedPort[]): void => {
    const now = new Set<string>();
    for (const s of skipped) {
      const line = `${s.service}${s.port ? ` port ${s.port}` : ''}: ${s.reason}`;
      now.add(line);
      if (reported.has(line)) continue;
      o.log(`service proxy: skipped ${line}`);
      const [namespace = '', name = ''] = s.service.split('/');
      // Named, not read: kube-proxy's role may list and watch Services but not get them.
      const service = { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name } };
      recorder.event(service, 'Warning', 'PortNotServed', s.port ? `port ${s.port}: ${s.reason}` : s.reason);
    }
    reported = now;
  };
  // LoadBalancer Services with the Local policy: their health check ports on this node.
  const healthChecks = new HealthCheckServer({ client: o.client, nodeName: o.node.nodeName, onError: (err) => o.log(`service proxy: ${errorMessage(err)}`) }).start(o.signal);
  const proxy = new ServiceProxy({
    client: o.client,
    node: o.node,
    // NetworkPolicies are enforced in the same table, in the same transactions.
    parts: [new PolicyEnforcer({ client: o.policyClient ?? o.client, node: o.node, onError })],
    onError: (err) => o.log(`service proxy: ${errorMessage(err)}`),
    onSkipped: (skipped) => reportSkipped(skipped),
    onSynced: (outcome) => {
      if (outcome.mode === 'full') o.log('service proxy: full sync');
    },
  });
  // Connections per Service endpoint, read from conntrack and the kernel's counters at each
  // scrape of the node's /metrics.
  let stopMetrics: (() => void) | undefined;
  if (o.metrics) {
    const kernelCounters = new ConnectionCounters();
    const counting = await kernelCounters.install().then(
      () => true,
      (err: unknown) => (o.log(`service proxy: new connections per endpoint are not counted: ${errorMessage(err)}`), false),
    );
    stopMetrics = new EndpointConnectionMetrics({
      registry: o.metrics,
      frontends: () => proxy.frontendIndex(),
      onTruncated: (entries) => o.log(`service proxy: the conntrack table has more than ${entries} entries; connection metrics count the first ${entries}`),
      counters: counting ? { read: () => kernelCounters.read(), attribution: () => endpointAttribution(proxy.ruleset(), proxy.frontendIndex()) } : undefined,
    }).register();
  }
  try {
    await proxy.start(o.signal);
  } finally {
    stopMetrics?.();
  }
  await healthChecks;
}

/**
 * The first of `ports` that UDP and TCP can both bind at `address` (tried and released at
 * once), else the last one (whose bind then fails with its own error).
 */
export async function firstBindablePort(address: string, ports: number[]): Promise<number> {
  const canBind = async (port: number): Promise<boolean> => {
    const udp = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    const tcp = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, address, () => resolve());
      });
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, address, () => resolve());
      });
      return true;
    } catch {
      // EADDRINUSE or EACCES (not root): the next port.
      return false;
    } finally {
      udp.close(() => undefined);
      if (tcp.listening) await new Promise((resolve) => tcp.close(resolve));
    }
  };
  for (const port of ports.slice(0, -1)) if (await canBind(port)) return port;
  const last = ports.at(-1);
  if (last === undefined) throw new Error('firstBindablePort: no ports');
  return last;
}

/** What {@link runClusterDns} needs. */
export interface ClusterDnsRun {
  client: Client;
  listenAddress: string;
  port: number;
  clusterDomain: string;
  /** undefined: the host's resolv.conf. */
  upstreams: Upstream[] | undefined;
  signal: AbortSignal;
  log: (msg: string) => void;
}

/** Runs the cluster DNS server on `listenAddress:port` (UDP and TCP) until `signal` aborts. */
export async function runClusterDns(o: ClusterDnsRun): Promise<void> {
  const informers = new InformerFactory(o.client, { onError: (err) => o.log(`dns informer: ${errorMessage(err)}`) });
  const server = new ClusterDnsServer({
    informers,
    listenAddress: o.listenAddress,
    udpPort: o.port,
    tcpPort: o.port,
    clusterDomain: o.clusterDomain,
    upstreams: o.upstreams,
    onError: (message) => o.log(`dns: ${message}`),
  });
  const bound = await server.start(o.signal);
  const upstreams = o.upstreams === undefined ? "the host's resolv.conf" : o.upstreams.length === 0 ? 'none' : o.upstreams.map((u) => `${u.address}:${u.port ?? 53}`).join(', ');
  o.log(`cluster DNS listening on ${o.listenAddress}:${bound.udp.port} (UDP and TCP); upstreams: ${upstreams}`);
  await new Promise<void>((resolve) => (o.signal.aborted ? resolve() : o.signal.addEventListener('abort', () => resolve(), { once: true })));
}

/** `skiff network-cleanup`: removes the Service proxy's nftables table and the Service CIDR's bridge and route. */
export async function runNetworkCleanup(args: string[]): Promise<number> {
  const flags = parseFlags(args, []);
  if (flags.help) {
    console.log(`Usage: skiff network-cleanup\n\nRemoves what skiff leaves on a node after a clean stop so that running pods keep\nreaching Services: the nftables tables 'ip skiff' and 'ip skiff-connections' and the bridge skiff-svc0 with the\nService CIDR's route. Run it after stopping skiff for good.\n${flagHelp([])}`);
    return 0;
  }
  const removed = await removeServiceNetwork();
  console.log(`nftables table ip skiff: ${removed.table ? 'removed' : 'not present'}`);
  console.log(`nftables table ip skiff-connections (connection counters): ${removed.counters ? 'removed' : 'not present'}`);
  console.log(`bridge skiff-svc0 (Service CIDR route): ${removed.bridge ? 'removed' : 'not present'}`);
  return 0;
}
