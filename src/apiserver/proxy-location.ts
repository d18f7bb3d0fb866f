import { isIP } from 'node:net';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { badRequest, StatusError } from '../apimachinery/errors.js';
import { ipToBytes } from '../apimachinery/net.js';
import { nodeEndpoint } from './node-proxy.js';
import type { RequestInfo } from './request-info.js';

/** Where a proxy subresource request goes. */
export interface ProxyTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /**
   * True when the target is a node's kubelet server, reached with the API server's kubelet
   * client certificate (upstream's kubelet transport); false for pods, endpoints and other
   * node ports (upstream's proxy transport).
   */
  kubelet: boolean;
  /** The Node's name, for kubelet targets: their serving certificate must name it. */
  nodeName?: string;
}

/** Options of {@link ProxyLocator}. */
export interface ProxyLocatorOptions {
  /** Reads a Service (throws the store's 404 when absent). */
  getService(namespace: string, name: string): Promise<Service>;
  /** Reads a pod (throws the store's 404 when absent). */
  getPod(namespace: string, name: string): Promise<Pod>;
  /** Reads a node (throws the store's 404 when absent). */
  getNode(name: string): Promise<Node>;
  /** The EndpointSlices of a Service (labelled `kubernetes.io/service-name`). */
  endpointSlices(namespace: string, service: string): Promise<EndpointSlice[]>;
  /** The kubelet port when a Node does not say (default 10250). */
  defaultNodePort?: number;
  /** Picks among ready endpoints: a number in [0, 1) (default Math.random). */
  random?: () => number;
}

/** `[scheme:]name[:port]` of a proxy request's name, as upstream's SplitSchemeNamePort; undefined when invalid. */
export function splitSchemeNamePort(id: string): { scheme: '' | 'http' | 'https'; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = [parts[0]!, parts[1]!];
  else if (parts.length === 3) [scheme, name, port] = [parts[0]!, parts[1]!, parts[2]!];
  else return undefined;
  if (name === '' || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme: scheme as '' | 'http' | 'https', name, port };
}

/** Go's net.IP.IsGlobalUnicast: not unspecified, loopback, multicast, link-local or the IPv4 broadcast address. */
export function isGlobalUnicast(address: string): boolean {
  if (!isIP(address)) return false;
  const b = ipToBytes(address);
  if (b.length === 4) {
    if (b.every((x) => x === 0) || b.every((x) => x === 255)) return false;
    return b[0] !== 127 && b[0]! < 224 && !(b[0] === 169 && b[1] === 254);
  }
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return isGlobalUnicast([...b.subarray(12)].join('.'));
  const loopback = b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
  const unspecified = b.every((x) => x === 0);
  const linkLocal = b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
  return !loopback && !unspecified && !linkLocal && b[0] !== 0xff;
}

/** Upstream's IsProxyableIP: loopback, link-local and interface-local multicast addresses are not proxied to. */
function isProxyableIP(address: string): boolean {
  const b = ipToBytes(address);
  if (b.length === 4) return b[0] !== 127 && !(b[0] === 169 && b[1] === 254) && !(b[0] === 224 && b[1] === 0 && b[2] === 0);
  const loopback = b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
  const linkLocal = b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
  const localMulticast = b[0] === 0xff && ((b[1]! & 0x0f) === 0x01 || (b[1]! & 0x0f) === 0x02);
  return !loopback && !linkLocal && !localMulticast;
}

function portNumber(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Finds where `services/proxy`, `pods/proxy` and `nodes/proxy` requests go, as upstream's
 * ResourceLocation functions do: a ready endpoint of the Service's port (picked at random),
 * the pod's IP, or the node's kubelet endpoint, with upstream's errors (400 for a bad
 * `[scheme:]name[:port]`, 404 for a missing object, 503 when no endpoint serves the port).
 */
export class ProxyLocator {
  private readonly random: () => number;

  constructor(private readonly options: ProxyLocatorOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Where a proxy request addressed by `info` goes. */
  locate(info: RequestInfo): Promise<ProxyTarget> {
    let id = info.name;
    try {
      id = decodeURIComponent(info.name);
    } catch (err) {
      if (!(err instanceof URIError)) throw err;
    }
    if (info.resource === 'services') return this.service(info.namespace, id);
    if (info.resource === 'pods') return this.pod(info.namespace, id);
    return this.node(id);
  }

  private async service(namespace: string, id: string): Promise<ProxyTarget> {
    const parsed = splitSchemeNamePort(id);
    if (!parsed) throw badRequest(`invalid service request ${JSON.stringify(id)}`);
    const { name } = parsed;
    let portName = parsed.port;
    const service = await this.options.getService(namespace, name);
    const number = portNumber(portName);
    if (number !== undefined) {
      const port = service.spec?.ports?.find((p) => p.port === number);
      if (!port) throw new StatusError(503, 'ServiceUnavailable', `no service port ${number} found for service ${JSON.stringify(name)}`);
      portName = port.name ?? '';
    }
    const slices = await this.options.endpointSlices(namespace, name);
    if (!slices.some((s) => (s.endpoints ?? []).length > 0)) {
      throw new StatusError(503, 'ServiceUnavailable', `no endpoints available for service ${JSON.stringify(name)}`);
    }
    const candidates: { host: string; port: number }[] = [];
    for (const slice of slices) {
      if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
      const port = slice.ports?.find((p) => (p.name ?? '') === portName)?.port;
      if (!port) continue;
      for (const endpoint of slice.endpoints ?? []) {
        // An unknown readiness counts as ready, as the EndpointSlice API asks of consumers.
        const address = endpoint.addresses[0];
        if (endpoint.conditions?.ready === false || !address) continue;
        candidates.push({ host: address, port });
      }
    }
    if (!candidates.length) throw new StatusError(503, 'ServiceUnavailable', `no endpoints available for service ${JSON.stringify(id)}`);
    const picked = candidates[Math.min(candidates.length - 1, Math.floor(this.random() * candidates.length))]!;
    return { scheme: parsed.scheme || 'http', host: picked.host, port: picked.port, kubelet: false };
  }

  private async pod(namespace: string, id: string): Promise<ProxyTarget> {
    const parsed = splitSchemeNamePort(id);
    if (!parsed) throw badRequest(`invalid pod request ${JSON.stringify(id)}`);
    const pod = await this.options.getPod(namespace, parsed.name);
    const containerPorts = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    let port = portNumber(parsed.port);
    if (parsed.port === '') port = containerPorts[0]?.containerPort;
    else if (port === undefined) {
      // A port name: the container port of that name (upstream would hand the name to the dialer).
      port = containerPorts.find((p) => p.name === parsed.port)?.containerPort;
      if (port === undefined) throw badRequest(`invalid pod request ${JSON.stringify(id)}`);
    }
    const ip = pod.status?.podIP ?? '';
    if (!isGlobalUnicast(ip)) throw badRequest('address not allowed');
    const scheme = parsed.scheme || 'http';
    return { scheme, host: ip, port: port ?? (scheme === 'https' ? 443 : 80), kubelet: false };
  }

  private async node(id: string): Promise<ProxyTarget> {
    const parsed = splitSchemeNamePort(id);
    if (!parsed) throw badRequest(`invalid node request ${JSON.stringify(id)}`);
    const node = await this.options.getNode(parsed.name);
    const { host, port } = nodeEndpoint(node, this.options.defaultNodePort);
    if (isIP(host) && !isProxyableIP(host)) throw badRequest('address not allowed');
    const requested = portNumber(parsed.port);
    if (parsed.port !== '' && requested === undefined) throw badRequest(`invalid node request ${JSON.stringify(id)}`);
    // The kubelet's own port is always reached over HTTPS with the kubelet client certificate.
    if (requested === undefined || requested === port) return { scheme: 'https', host, port, kubelet: true, nodeName: parsed.name };
    return { scheme: parsed.scheme || 'http', host, port: requested, kubelet: false };
  }
}
