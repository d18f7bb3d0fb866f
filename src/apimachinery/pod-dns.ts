/**
 * The DNS configuration of a pod sandbox, as upstream's kubelet dns.Configurer.GetPodDNS forms it
 * from the pod's dnsPolicy and dnsConfig, the cluster DNS servers and the host's resolv.conf.
 */
import type { Pod, PodDNSConfigOption } from 'kubernetes-types/core/v1.js';

/** The resolver settings of a resolv.conf file. */
export interface ResolvConf {
  servers: string[];
  searches: string[];
  options: string[];
}

/** A pod's resolver settings; structurally the CRI DNSConfig message. */
export interface PodDnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** What the node knows about DNS. */
export interface PodDnsOptions {
  /** Cluster DNS server addresses (the kubelet's --cluster-dns); empty makes ClusterFirst fall back to Default. */
  clusterDNS: string[];
  /** The cluster domain, e.g. 'cluster.local'; empty leaves the cluster search paths out. */
  clusterDomain: string;
  /**
   * The host's resolv.conf (see parseResolvConf). Undefined stands for the kubelet's
   * `--resolv-conf=""`: Default-policy pods then get localhost as their server and search '.'.
   */
  hostResolvConf?: ResolvConf;
  /** Node IPs, only used without hostResolvConf: one localhost server per IP family. Default none (127.0.0.1). */
  nodeIPs?: string[];
}

/** Upstream's validation.MaxDNSNameservers. */
export const maxDnsNameservers = 3;
/** Upstream's validation.MaxDNSSearchPathsExpanded (ExpandedDNSConfig is GA). */
export const maxDnsSearchPaths = 32;
/** Upstream's validation.MaxDNSSearchListCharsExpanded. */
export const maxDnsSearchListChars = 2048;
/** Longest search path glibc tolerates (DNS1123SubdomainMaxLength). */
const maxSearchPathLength = 253;

const defaultDnsOptions = ['ndots:5'];

function omitDuplicates(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/**
 * Parses resolv.conf text as upstream does: `nameserver` lines accumulate, the last `search`
 * line wins (trailing dots dropped), the last `options` line wins; `#` comment lines are skipped.
 */
export function parseResolvConf(text: string): ResolvConf {
  const result: ResolvConf = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) continue;
    const [keyword, ...rest] = fields;
    if (keyword === 'nameserver' && rest[0] !== undefined) result.servers.push(rest[0]);
    if (keyword === 'search') result.searches = rest.map((s) => (s.endsWith('.') ? s.slice(0, -1) : s));
    if (keyword === 'options') result.options = rest;
  }
  return result;
}

type PodDnsType = 'cluster' | 'host' | 'none';

function podDnsType(pod: Pod): PodDnsType {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  switch (policy) {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    case 'ClusterFirst':
      return pod.spec?.hostNetwork ? 'host' : 'cluster';
    default:
      // The API server rejects other policies; upstream falls back to ClusterFirst.
      return 'cluster';
  }
}

function clusterSearches(pod: Pod, clusterDomain: string, hostSearches: readonly string[]): string[] {
  if (clusterDomain === '') return [...hostSearches];
  const namespace = pod.metadata?.namespace ?? 'default';
  return omitDuplicates([`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain, ...hostSearches]);
}

/** Merges options by name; options given by the pod overwrite existing ones of the same name. */
function mergeDnsOptions(existing: readonly string[], podOptions: readonly PodDNSConfigOption[]): string[] {
  const byName = new Map<string, string>();
  for (const option of existing) {
    const colon = option.indexOf(':');
    if (colon === -1) byName.set(option, '');
    else byName.set(option.slice(0, colon), option.slice(colon + 1));
  }
  for (const option of podOptions) byName.set(option.name ?? '', option.value ?? '');
  return [...byName].map(([name, value]) => (value === '' ? name : `${name}:${value}`));
}

function searchesWithinLimits(searches: string[]): string[] {
  let fitted = searches.slice(0, maxDnsSearchPaths).filter((s) => s.length <= maxSearchPathLength);
  let lineLength = fitted.join(' ').length;
  while (lineLength > maxDnsSearchListChars && fitted.length > 0) {
    lineLength -= (fitted[fitted.length - 1]?.length ?? 0) + 1;
    fitted = fitted.slice(0, -1);
  }
  return fitted;
}

/**
 * The pod's DNS configuration for its sandbox: ClusterFirst (and ClusterFirstWithHostNet) use the
 * cluster DNS servers, the search paths `<ns>.svc.<domain> svc.<domain> <domain>` followed by the
 * host's, and `ndots:5`; Default (and ClusterFirst with hostNetwork, or without cluster DNS) uses
 * the host's resolv.conf; None starts empty. The pod's dnsConfig is then appended (servers and
 * searches de-duplicated, options merged by name) and upstream's limits applied: at most 3
 * servers, 32 search paths of at most 253 characters, 2048 characters of search line.
 */
export function podDnsConfig(pod: Pod, options: PodDnsOptions): PodDnsConfig {
  const host = options.hostResolvConf;
  let config: PodDnsConfig = {
    servers: [...(host?.servers ?? [])],
    searches: [...(host?.searches ?? [])],
    options: [...(host?.options ?? [])],
  };
  let type = podDnsType(pod);
  if (type === 'cluster' && options.clusterDNS.length === 0) type = 'host';
  if (type === 'none') {
    config = { servers: [], searches: [], options: [] };
  } else if (type === 'cluster') {
    config.servers = [...options.clusterDNS];
    config.searches = clusterSearches(pod, options.clusterDomain, config.searches);
    config.options = [...defaultDnsOptions];
  } else if (!host) {
    // Without a resolv.conf the resolver would use the local machine: say so explicitly.
    const nodeIPs = options.nodeIPs ?? [];
    config.servers = nodeIPs.map((ip) => (ip.includes(':') ? '::1' : '127.0.0.1'));
    if (config.servers.length === 0) config.servers = ['127.0.0.1'];
    config.searches = ['.'];
  }
  const podConfig = pod.spec?.dnsConfig;
  if (podConfig) {
    config.servers = omitDuplicates([...config.servers, ...(podConfig.nameservers ?? [])]);
    config.searches = omitDuplicates([...config.searches, ...(podConfig.searches ?? [])]);
    config.options = mergeDnsOptions(config.options, podConfig.options ?? []);
  }
  config.servers = config.servers.slice(0, maxDnsNameservers);
  config.searches = searchesWithinLimits(config.searches);
  return config;
}

