import { isIPv4 } from 'node:net';
import type { Service } from 'kubernetes-types/core/v1.js';
import { canonicalIP } from '../../apimachinery/net.js';
import { dnsEndpoints, publishesNotReady } from '../../apimachinery/service-endpoints.js';
import type { ClusterSnapshot } from '../snapshot.js';

/** A resolver's settings, as in the pod's resolv.conf. */
export interface ResolverSettings {
  searches: string[];
  /** `options ndots:N`; the kubelet writes 5. */
  ndots: number;
  /** The cluster zone the cluster DNS answers for, e.g. `cluster.local`. */
  clusterDomain: string;
}

/** The answer to one name the resolver asked. */
export interface NameLookup {
  /** The full name asked, without the trailing dot. */
  name: string;
  /**
   * `addresses`: A records; `nxdomain`: no such name; `nodata`: the name exists without
   * addresses; `cname`: an ExternalName Service's alias out of the cluster; `forwarded`: not a
   * cluster name, the cluster DNS asks its upstream resolvers (the trace cannot see them).
   */
  answer: 'addresses' | 'nxdomain' | 'nodata' | 'cname' | 'forwarded';
  addresses: string[];
  /** What the answer comes from, e.g. `the ClusterIP of Service default/web`. */
  about?: string;
  /** For `cname`: the name it points to. */
  cname?: string;
  /** The Service the name belongs to, `namespace/name`. */
  service?: string;
}

/** How a name resolved: every name asked in order, and the one that answered (if any). */
export interface NameResolution {
  tried: NameLookup[];
  answered?: NameLookup;
}

const serviceKey = (svc: Service): string => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;

/** The IPv4 A records of the cluster zone for `name` (lower case, no trailing dot), as Skiff's DNS answers them. */
function zoneLookup(snapshot: ClusterSnapshot, name: string, zone: string): NameLookup {
  const inZone = name === zone || name.endsWith(`.${zone}`);
  if (!inZone) return { name, answer: 'forwarded', addresses: [] };
  const labels = name === zone ? [] : name.slice(0, -(zone.length + 1)).split('.').reverse();
  const nxdomain: NameLookup = { name, answer: 'nxdomain', addresses: [] };
  const nodata: NameLookup = { name, answer: 'nodata', addresses: [] };
  if (labels.some((l) => l === '')) return nxdomain;
  const [first, namespace, serviceName, host] = labels;
  if (first === undefined) return nodata;
  if (first === 'pod') {
    if (labels.length < 3) return nodata;
    const ip = labels.length === 3 && /^\d{1,3}(-\d{1,3}){3}$/.test(labels[2]!) ? canonicalIP(labels[2]!.replace(/-/g, '.')) : undefined;
    return ip ? { name, answer: 'addresses', addresses: [ip], about: 'a pod address name (any address answers)' } : nxdomain;
  }
  if (first !== 'svc') return nxdomain;
  if (namespace === undefined) return nodata;
  if (serviceName === undefined) return snapshot.services.some((s) => s.metadata?.namespace === namespace) ? nodata : nxdomain;
  const svc = snapshot.services.find((s) => s.metadata?.namespace === namespace && s.metadata?.name === serviceName);
  if (!svc) return nxdomain;
  const key = serviceKey(svc);
  const slices = snapshot.endpointSlices.filter((s) => s.metadata?.namespace === namespace && s.metadata?.labels?.['kubernetes.io/service-name'] === serviceName);
  const published = dnsEndpoints(slices, publishesNotReady(svc)).filter((e) => isIPv4(e.address));
  if (host !== undefined) {
    if (labels.length !== 4 || svc.spec?.type === 'ExternalName' || host.startsWith('_')) return nxdomain;
    const addresses = published.filter((e) => e.hostname === host).map((e) => e.address);
    if (addresses.length === 0) return nxdomain;
    return { name, answer: 'addresses', addresses, about: `endpoint ${host} of Service ${key}`, service: key };
  }
  if (svc.spec?.type === 'ExternalName') {
    const target = (svc.spec.externalName ?? '').toLowerCase().replace(/\.$/, '');
    return { name, answer: 'cname', addresses: [], cname: target, about: `ExternalName Service ${key}`, service: key };
  }
  if (svc.spec?.clusterIP === 'None') {
    const addresses = [...new Set(published.map((e) => e.address))];
    if (addresses.length === 0) return { ...nxdomain, about: `headless Service ${key} without ready endpoints`, service: key };
    return { name, answer: 'addresses', addresses, about: `the ready endpoints of headless Service ${key}`, service: key };
  }
  const ips = (svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : []).filter((ip) => isIPv4(ip));
  return { name, answer: ips.length ? 'addresses' : 'nodata', addresses: ips, about: `the ClusterIP of Service ${key}`, service: key };
}

/**
 * The names a resolver asks for `name`, in order (glibc's res_search): a name ending in a dot
 * only as is; one with at least `ndots` dots as is first, then with each search domain; others
 * with each search domain first, then as is.
 */
export function candidateNames(name: string, settings: Pick<ResolverSettings, 'searches' | 'ndots'>): string[] {
  const lower = name.toLowerCase();
  if (lower.endsWith('.')) return [lower.slice(0, -1)];
  const searched = settings.searches.filter((s) => s !== '.' && s !== '').map((s) => `${lower}.${s}`);
  const dots = lower.split('.').length - 1;
  return dots >= settings.ndots ? [lower, ...searched] : [...searched, lower];
}

/**
 * How a pod's resolver turns `name` into addresses with Skiff's cluster DNS: each candidate name
 * (search path, ndots) answered from the snapshot as the DNS server answers it (a Service's
 * ClusterIP, a headless Service's ready endpoints, `<hostname>.<service>` endpoints such as a
 * StatefulSet's pods, `<a-b-c-d>.<ns>.pod` names, ExternalName aliases). The first name with
 * addresses (or an alias, or one forwarded out of the cluster) ends the search, as NXDOMAIN and
 * NODATA answers go on to the next.
 */
export function resolveName(snapshot: ClusterSnapshot, name: string, settings: ResolverSettings): NameResolution {
  const zone = settings.clusterDomain.toLowerCase().replace(/\.$/, '');
  const tried: NameLookup[] = [];
  for (const candidate of candidateNames(name, settings)) {
    const lookup = zoneLookup(snapshot, candidate, zone);
    tried.push(lookup);
    if (lookup.answer === 'addresses' || lookup.answer === 'cname' || lookup.answer === 'forwarded') return { tried, answered: lookup };
  }
  return { tried };
}
