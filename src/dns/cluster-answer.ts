/**
 * The answer to one DNS question from cluster state, per the Kubernetes DNS-Based Service
 * Discovery specification 1.1.0 (github.com/kubernetes/dns, docs/specification.md): a pure
 * function of the question, the indexed state and the zone settings.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Answer, Question, SoaAnswer } from 'dns-packet';
import type { EndpointPort } from 'kubernetes-types/discovery/v1.js';
import { dnsEndpoints, publishesNotReady, type DnsEndpoint } from '../apimachinery/service-endpoints.js';
import { canonicalIP, ClusterDnsState, type ServiceObject } from './cluster-state.js';
import { reverseNameToIP } from './reverse-name.js';

/** The schema version of the specification implemented, served as `dns-version.<zone>` TXT. */
export const dnsSchemaVersion = '1.1.0';

/** Zone settings of {@link answerClusterQuestion}. */
export interface ClusterZone {
  /** The cluster domain, lower case, without a trailing dot (e.g. `cluster.local`). */
  domain: string;
  /** TTL of every record served, and of negative answers (SOA minimum). */
  ttlSeconds: number;
  /** Whether `<a>-<b>-<c>-<d>.<ns>.pod.<zone>` A records are served (kube-dns' insecure pod records). */
  podRecords: boolean;
}

/** Sections of an answer from the cluster zone. */
export interface ClusterAnswer {
  kind: 'answer';
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL';
  /** Whether the server is authoritative (false for SERVFAIL before the caches are filled). */
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /**
   * Set when the answer ends in a CNAME out of the zone (an ExternalName Service): the upstream
   * answer to this question belongs after `answers`.
   */
  chase?: Question;
}

/** The question is not about the cluster: forward it upstream. */
export interface ForwardAnswer {
  kind: 'forward';
}

/** CNAMEs followed inside the zone before giving up (ExternalName Services naming each other). */
const maxCnameChain = 8;

/** Priority and weight of SRV records (RFC 2782; the specification leaves them open). */
const srvPriority = 0;
const srvWeight = 100;

interface Ctx {
  state: ClusterDnsState;
  zone: ClusterZone;
}

/** A name lower-cased, without the trailing dot. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Answers `question` (class IN) from `state`: the records the specification lists, NXDOMAIN for
 * names under the zone that do not exist, NODATA (NOERROR, no answers) for names that exist
 * without records of the type asked, both with the zone's SOA in the authority section. Names
 * outside the zone, and reverse names of addresses not in the cluster, are to be forwarded.
 */
export function answerClusterQuestion(question: Question, state: ClusterDnsState, zone: ClusterZone): ClusterAnswer | ForwardAnswer {
  const name = normalizeName(question.name);
  const ctx: Ctx = { state, zone };
  const inZone = name === zone.domain || name.endsWith(`.${zone.domain}`);
  if (!inZone) {
    const ip = reverseNameToIP(name);
    if (ip === undefined) return { kind: 'forward' };
    return reverseAnswer(ctx, name, ip, question.type) ?? { kind: 'forward' };
  }
  if (!state.hasSynced()) return { kind: 'answer', rcode: 'SERVFAIL', authoritative: false, answers: [], authorities: [], additionals: [] };
  const result = zoneAnswer(ctx, name, question.type);
  let answers = result.answers;
  let chase: Question | undefined;
  // An ExternalName CNAME to a name inside the zone is followed here; outside, upstream.
  let target = result.cname;
  for (let hops = 0; target && hops < maxCnameChain; hops++) {
    const targetName = target;
    target = undefined;
    if (targetName !== zone.domain && !targetName.endsWith(`.${zone.domain}`)) {
      chase = { name: targetName, type: question.type, class: 'IN' };
      break;
    }
    const next = zoneAnswer(ctx, targetName, question.type);
    answers = [...answers, ...next.answers];
    if (next.cname) target = next.cname;
    // The chain's end decides the rcode; a negative end carries the SOA too (RFC 2308 2.1, 2.2).
    else return finish(ctx, next.exists, answers, next.additionals, !next.exists || next.answers.length === 0);
  }
  if (chase) return { ...finish(ctx, result.exists, answers, result.additionals, false), chase };
  return finish(ctx, result.exists, answers, result.additionals, !result.exists || answers.length === 0);
}

function finish(ctx: Ctx, exists: boolean, answers: Answer[], additionals: Answer[], negative: boolean): ClusterAnswer {
  return {
    kind: 'answer',
    rcode: exists ? 'NOERROR' : 'NXDOMAIN',
    authoritative: true,
    answers,
    authorities: negative ? [soaRecord(ctx, ctx.zone.domain)] : [],
    additionals,
  };
}

/** The SOA of a zone this server answers for (kube-dns' and CoreDNS' field values). */
function soaRecord(ctx: Ctx, apex: string): SoaAnswer {
  const ttl = ctx.zone.ttlSeconds;
  return {
    name: apex,
    type: 'SOA',
    class: 'IN',
    ttl,
    data: {
      mname: `ns.dns.${ctx.zone.domain}`,
      rname: `hostmaster.${ctx.zone.domain}`,
      serial: ctx.state.serial() >>> 0,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: ttl,
    },
  };
}

interface ZoneResult {
  /** Whether the name exists (NOERROR) or not (NXDOMAIN). */
  exists: boolean;
  answers: Answer[];
  additionals: Answer[];
  /** A CNAME target to follow (lower case, no trailing dot). */
  cname?: string;
}

const absent: ZoneResult = { exists: false, answers: [], additionals: [] };
const emptyNode: ZoneResult = { exists: true, answers: [], additionals: [] };

function zoneAnswer(ctx: Ctx, name: string, type: string): ZoneResult {
  const { zone } = ctx;
  const ttl = zone.ttlSeconds;
  const labels = name === zone.domain ? [] : name.slice(0, -(zone.domain.length + 1)).split('.').reverse();
  if (labels.some((l) => l === '')) return absent;
  const [first, second, third, fourth, fifth] = labels;
  if (first === undefined) {
    if (type === 'SOA' || type === 'ANY') return { exists: true, answers: [soaRecord(ctx, zone.domain)], additionals: [] };
    if (type === 'NS') return { exists: true, answers: [{ name: zone.domain, type: 'NS', class: 'IN', ttl, data: `ns.dns.${zone.domain}` }], additionals: [] };
    return emptyNode;
  }
  if (first === 'dns-version' && labels.length === 1) {
    if (type !== 'TXT' && type !== 'ANY') return emptyNode;
    return { exists: true, answers: [{ name, type: 'TXT', class: 'IN', ttl, data: dnsSchemaVersion }], additionals: [] };
  }
  if (first === 'pod' && zone.podRecords) return podAnswer(ctx, name, type, labels.slice(1));
  if (first !== 'svc') return absent;
  if (second === undefined) return emptyNode;
  if (third === undefined) return ctx.state.namespaceHasServices(second) ? emptyNode : absent;
  const svc = ctx.state.service(second, third);
  if (!svc) return absent;
  const serviceName = `${third}.${second}.svc.${zone.domain}`;
  if (fourth === undefined) return serviceAnswer(ctx, svc, name, type);
  if (svc.spec?.type === 'ExternalName') return absent;
  if (fourth.startsWith('_')) return srvAnswer(ctx, svc, serviceName, name, type, fourth.slice(1), fifth, labels.length);
  if (labels.length !== 4) return absent;
  const addresses = readyEndpoints(ctx, svc).filter((e) => e.hostname === fourth).map((e) => e.address);
  if (addresses.length === 0) return absent;
  return { exists: true, answers: addressRecords(name, type, addresses, ttl), additionals: [] };
}

function serviceAnswer(ctx: Ctx, svc: ServiceObject, name: string, type: string): ZoneResult {
  const ttl = ctx.zone.ttlSeconds;
  if (svc.spec?.type === 'ExternalName') {
    const target = normalizeName(svc.spec.externalName ?? '');
    if (!target) return emptyNode;
    const answers: Answer[] = [{ name, type: 'CNAME', class: 'IN', ttl, data: target }];
    return { exists: true, answers, additionals: [], ...(type === 'CNAME' ? {} : { cname: target }) };
  }
  if (svc.spec?.clusterIP === 'None') {
    const addresses = unique(readyEndpoints(ctx, svc).map((e) => e.address));
    // The specification: a headless Service without ready endpoints is NXDOMAIN.
    if (addresses.length === 0) return absent;
    return { exists: true, answers: addressRecords(name, type, addresses, ttl), additionals: [] };
  }
  return { exists: true, answers: addressRecords(name, type, serviceIPs(svc), ttl), additionals: [] };
}

/** The ClusterIPs of a Service as written (records skip any that is not an address). */
function serviceIPs(svc: ServiceObject): string[] {
  const spec = svc.spec;
  return spec?.clusterIPs?.length ? spec.clusterIPs : spec?.clusterIP ? [spec.clusterIP] : [];
}

/** A and AAAA records of `addresses` that the question's type asks for. */
function addressRecords(name: string, type: string, addresses: string[], ttl: number): Answer[] {
  const out: Answer[] = [];
  for (const address of addresses) {
    if (isIPv4(address) && (type === 'A' || type === 'ANY')) out.push({ name, type: 'A', class: 'IN', ttl, data: address });
    else if (isIPv6(address) && (type === 'AAAA' || type === 'ANY')) out.push({ name, type: 'AAAA', class: 'IN', ttl, data: address });
  }
  return out;
}

function srvAnswer(
  ctx: Ctx,
  svc: ServiceObject,
  serviceName: string,
  name: string,
  type: string,
  protoOrPort: string,
  protoLabel: string | undefined,
  depth: number,
): ZoneResult {
  const ttl = ctx.zone.ttlSeconds;
  const headless = svc.spec?.clusterIP === 'None';
  const named = (svc.spec?.ports ?? []).filter((p) => p.name);
  // `_<proto>.<service>...` is an empty non-terminal when a named port uses that protocol.
  if (depth === 4) {
    const exists = named.some((p) => (p.protocol ?? 'TCP').toLowerCase() === protoOrPort);
    return exists && (!headless || readyEndpoints(ctx, svc).length > 0) ? emptyNode : absent;
  }
  if (depth !== 5 || !protoLabel?.startsWith('_')) return absent;
  const proto = protoOrPort;
  const portName = protoLabel.slice(1);
  const ports = named.filter((p) => p.name?.toLowerCase() === portName && (p.protocol ?? 'TCP').toLowerCase() === proto);
  if (ports.length === 0) return absent;
  if (!headless) {
    if (type !== 'SRV' && type !== 'ANY') return emptyNode;
    const answers: Answer[] = ports.map((p) => ({
      name,
      type: 'SRV',
      class: 'IN',
      ttl,
      data: { priority: srvPriority, weight: srvWeight, port: p.port, target: serviceName },
    }));
    const additionals = addressRecords(serviceName, 'ANY', serviceIPs(svc), ttl);
    return { exists: true, answers, additionals };
  }
  // Headless: one SRV per ready endpoint, on the endpoint's port of that name.
  const endpoints = readyEndpoints(ctx, svc).filter((e) => e.ports.some((p) => matchesPort(p, portName, proto)));
  if (endpoints.length === 0) return absent;
  if (type !== 'SRV' && type !== 'ANY') return emptyNode;
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  const seen = new Set<string>();
  for (const e of endpoints) {
    const target = `${e.hostname}.${serviceName}`;
    for (const p of e.ports) {
      if (!matchesPort(p, portName, proto) || p.port === undefined || p.port === null) continue;
      const key = `${target}|${p.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      answers.push({ name, type: 'SRV', class: 'IN', ttl, data: { priority: srvPriority, weight: srvWeight, port: p.port, target } });
    }
    additionals.push(...addressRecords(target, 'ANY', [e.address], ttl));
  }
  return { exists: true, answers, additionals: uniqueRecords(additionals) };
}

function matchesPort(p: EndpointPort, portName: string, proto: string): boolean {
  return p.name?.toLowerCase() === portName && (p.protocol ?? 'TCP').toLowerCase() === proto;
}

/** The _ready_ endpoint addresses of a Service, in slice order, each address once per hostname. */
function readyEndpoints(ctx: Ctx, svc: ServiceObject): DnsEndpoint[] {
  const namespace = svc.metadata?.namespace ?? '';
  const slices = ctx.state.endpointSlicesOf(namespace, svc.metadata?.name ?? '');
  return dnsEndpoints(slices, publishesNotReady(svc));
}

function podAnswer(ctx: Ctx, name: string, type: string, labels: string[]): ZoneResult {
  // `pod.<zone>` and `<ns>.pod.<zone>` exist; pod names are made of any address (kube-dns insecure mode).
  if (labels.length < 2) return emptyNode;
  if (labels.length !== 2) return absent;
  const dashed = labels[1] ?? '';
  const ip = /^\d{1,3}(-\d{1,3}){3}$/.test(dashed) ? canonicalIP(dashed.replace(/-/g, '.')) : canonicalIP(dashed.replace(/-/g, ':'));
  if (!ip) return absent;
  return { exists: true, answers: addressRecords(name, type, [ip], ctx.zone.ttlSeconds), additionals: [] };
}

/**
 * PTR records of a cluster address: the Service names of a ClusterIP, and
 * `<hostname>.<service>.<ns>.svc.<zone>` of a ready endpoint. Undefined when the address is
 * not in the cluster (the question is forwarded).
 */
function reverseAnswer(ctx: Ctx, name: string, ip: string, type: string): ClusterAnswer | undefined {
  const ttl = ctx.zone.ttlSeconds;
  const targets: string[] = [];
  for (const svc of ctx.state.servicesWithClusterIP(ip)) {
    if (svc.spec?.type === 'ExternalName') continue;
    targets.push(`${svc.metadata?.name ?? ''}.${svc.metadata?.namespace ?? ''}.svc.${ctx.zone.domain}`);
  }
  for (const slice of ctx.state.endpointSlicesWithAddress(ip)) {
    const serviceName = ClusterDnsState.serviceNameOf(slice);
    const namespace = slice.metadata?.namespace ?? '';
    const svc = serviceName ? ctx.state.service(namespace, serviceName) : undefined;
    if (!svc || svc.spec?.type === 'ExternalName') continue;
    for (const e of dnsEndpoints([slice], publishesNotReady(svc))) {
      if (e.address === ip) targets.push(`${e.hostname}.${serviceName}.${namespace}.svc.${ctx.zone.domain}`);
    }
  }
  if (targets.length === 0) return undefined;
  const answers: Answer[] =
    type === 'PTR' || type === 'ANY' ? unique(targets).map((data) => ({ name, type: 'PTR', class: 'IN', ttl, data })) : [];
  const apex = isIPv4(ip) ? 'in-addr.arpa' : 'ip6.arpa';
  return { kind: 'answer', rcode: 'NOERROR', authoritative: true, answers, authorities: answers.length ? [] : [soaRecord(ctx, apex)], additionals: [] };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function uniqueRecords(records: Answer[]): Answer[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = `${r.name}|${r.type}|${'data' in r ? JSON.stringify(r.data) : ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
