import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { StatusError, type StatusReason } from '../apimachinery/errors.js';
import { pipeUpgrade } from '../apimachinery/upgrade-proxy.js';
import { ProxyLocator, type ProxyLocatorOptions, type ProxyTarget } from './proxy-location.js';
import type { RequestInfo } from './request-info.js';
import { kubeletConnectOptions, type KubeletClientTLS } from './kubelet-tls.js';

/** Opens a TCP connection to `host:port` (connecting in the background, as net.connect). */
export type Dialer = (host: string, port: number) => Socket;

/** Options of {@link ResourceProxy}. */
export interface ResourceProxyOptions extends ProxyLocatorOptions {
  /**
   * How kubelets are reached (nodes/proxy to the kubelet port): the client certificate and the CA
   * their serving certificates must chain to. Default: none, and such requests answer 503.
   */
  kubeletTLS?: KubeletClientTLS;
  /** How connections to pods, endpoints and nodes are opened (default: net.connect). */
  dial?: Dialer;
  /** How long connecting may take (default 30 s). */
  dialTimeoutMs?: number;
}

/** The resources whose `proxy` subresource this serves. */
const proxiedResources = new Set(['pods', 'services', 'nodes']);

/** Hop-by-hop headers (RFC 9110 §7.6.1), never passed on in either direction. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Request headers that stay here: the caller's credentials were checked by this server and are not the backend's. */
const droppedRequestHeaders = new Set(['host', 'authorization']);

/** The headers of `headers` that a proxy passes on: no hop-by-hop ones, none the Connection header names, no HTTP/2 pseudo-headers. */
function endToEnd(headers: IncomingHttpHeaders, dropped: ReadonlySet<string> = new Set()): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower.startsWith(':') || hopByHop.has(lower) || named.has(lower) || dropped.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}

/** Go's spelling of a dial error, as upstream's messages carry it. */
function dialErrorText(target: ProxyTarget, err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  const host = isIP(target.host) === 6 ? `[${target.host}]` : target.host;
  const texts: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused',
    EHOSTUNREACH: 'connect: no route to host',
    ENETUNREACH: 'connect: network is unreachable',
    ETIMEDOUT: 'i/o timeout',
    ECONNRESET: 'connection reset by peer',
  };
  if (code && texts[code]) return `dial tcp ${host}:${target.port}: ${texts[code]}`;
  return err.message;
}

/** The request path and query of a proxy request, split at its `/proxy` segment. */
export interface ProxyPath {
  /** The path up to and including `/proxy`, as the client spelled it. */
  prefix: string;
  /** What follows `/proxy` ('' when nothing, else starting with '/'). */
  path: string;
  /** The raw query, with its '?' ('' when none). */
  search: string;
}

/** Splits a proxy request's raw URL at the `proxy` segment that `info` found. */
export function splitProxyPath(rawUrl: string, info: RequestInfo): ProxyPath {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const search = q < 0 ? '' : rawUrl.slice(q);
  // The segments before `proxy`: api/v1 or apis/g/v, namespaces/NS, the resource and its name.
  const wanted = (info.apiGroup ? 3 : 2) + (info.namespace ? 2 : 0) + 3;
  const segments = rawPath.split('/');
  let seen = 0;
  let taken = 0;
  while (taken < segments.length && seen < wanted) if (segments[taken++] !== '') seen++;
  const prefix = segments.slice(0, taken).join('/');
  return { prefix, path: rawPath.slice(prefix.length), search };
}

/**
 * The `proxy` subresources of pods, Services and nodes, as upstream's API server serves them:
 * the request (any method, its path after `/proxy`, query and body) goes to the pod's IP, a
 * ready endpoint of the Service or the node's kubelet straight from this server, and the
 * answer streams back. Hop-by-hop headers and the caller's Authorization stay here; a
 * redirect to the backend itself is rewritten to go through the proxy path again. Upgrades
 * (WebSocket) are piped byte for byte both ways.
 */
export class ResourceProxy {
  private readonly locator: ProxyLocator;
  private readonly dialer: Dialer;
  private readonly dialTimeoutMs: number;

  constructor(private readonly options: ResourceProxyOptions) {
    this.locator = new ProxyLocator(options);
    this.dialer = options.dial ?? ((host, port) => netConnect({ host, port }));
    this.dialTimeoutMs = options.dialTimeoutMs ?? 30_000;
  }

  /** True for the requests this proxy serves. */
  static handles(info: RequestInfo): boolean {
    return info.isResourceRequest && info.apiGroup === '' && info.subresource === 'proxy' && info.name !== '' && proxiedResources.has(info.resource);
  }

  /** Where a request goes (errors as upstream's ResourceLocation). */
  locate(info: RequestInfo): Promise<ProxyTarget> {
    return this.locator.locate(info);
  }

  /** Proxies one request and resolves once the answer has been sent (or the client went away). */
  async serve(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> {
    const target = await this.locate(info);
    const { prefix, path, search } = splitProxyPath(req.url ?? '/', info);
    if (path === '' && (req.method === 'GET' || req.method === 'HEAD')) {
      // Upstream sends `.../proxy` to `.../proxy/`, so that the backend's relative links resolve under it.
      res.writeHead(301, { Location: `${prefix}/${search}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const headers = endToEnd(req.headers, droppedRequestHeaders);
    const client = req.socket?.remoteAddress;
    if (client) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${String(headers['x-forwarded-for'])}, ${client}` : client;
    const upstream = await this.send(req, target, `${path || '/'}${search}`, headers);
    const answer = endToEnd(upstream.headers);
    const location = upstream.headers.location;
    if (location) answer.location = rewriteLocation(location, target, prefix);
    res.writeHead(upstream.statusCode ?? 502, answer);
    await new Promise<void>((resolve) => {
      const done = () => {
        upstream.destroy();
        resolve();
      };
      res.once('close', done);
      res.once('finish', done);
      upstream.on('error', () => {
        res.destroy();
        done();
      });
      upstream.pipe(res);
    });
  }

  /**
   * Proxies an upgrade request (a WebSocket, say) to the backend: errors before the backend is
   * reached throw a StatusError for the caller to answer; afterwards the backend's answer (101
   * or not) goes to the client unchanged.
   */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo): Promise<void> {
    const target = await this.locate(info);
    const { path, search } = splitProxyPath(req.url ?? '/', info);
    const upstream = await this.connected(target);
    if (socket.destroyed) {
      upstream.destroy();
      return;
    }
    pipeUpgrade(req, socket, head, upstream, `${path || '/'}${search}`, hostPort(target));
  }

  /** A connection to the target (TLS for https), still connecting. */
  private open(target: ProxyTarget): Socket {
    const raw = this.dialer(target.host, target.port);
    if (target.scheme === 'http') return raw;
    if (target.kubelet) {
      // The kubelet's certificate is verified against the cluster CA and the node's name.
      const tls = this.options.kubeletTLS;
      if (!tls) {
        raw.destroy();
        throw new StatusError(503, 'ServiceUnavailable', 'no kubelet client credentials are configured');
      }
      return tlsConnect({ socket: raw, ...kubeletConnectOptions(tls, target.nodeName ?? target.host) });
    }
    // Pods' and endpoints' serving certificates are not verified, as upstream's proxy transport.
    return tlsConnect({
      socket: raw,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      servername: isIP(target.host) ? undefined : target.host,
    });
  }

  /** The error a failed dial or exchange is answered with, as upstream's proxy transport words it. */
  private unreachable(target: ProxyTarget, err: Error): StatusError {
    const text = dialErrorText(target, err);
    // Upstream's kubelet transport hands its errors on as they are (500); the proxy transport answers 503.
    if (target.kubelet) return new StatusError(500, '' as StatusReason, text, undefined, { cause: err });
    return new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${text}`, undefined, { cause: err });
  }

  /** Opens a connection and waits until it is established (and TLS negotiated). */
  private connected(target: ProxyTarget): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = this.open(target);
      const timer = setTimeout(() => fail(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })), this.dialTimeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(this.unreachable(target, err));
      };
      socket.once('error', fail);
      socket.once(target.scheme === 'https' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(socket);
      });
    });
  }

  /** Sends the request with its body streamed; resolves with the backend's answer. */
  private async send(req: IncomingMessage, target: ProxyTarget, path: string, headers: OutgoingHttpHeaders): Promise<IncomingMessage> {
    const socket = await this.connected(target);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({
        method: req.method,
        path,
        headers: { ...headers, host: hostPort(target) },
        createConnection: () => socket,
      });
      outgoing.once('response', resolve);
      // An error after the answer arrived is the answer's stream failing, handled where it is piped.
      outgoing.on('error', (err) => {
        req.unpipe(outgoing);
        reject(this.unreachable(target, err));
      });
      // The client going away mid-request ends the backend request too.
      req.once('aborted', () => outgoing.destroy());
      req.pipe(outgoing);
    });
  }
}

function hostPort(target: { host: string; port: number }): string {
  return `${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}`;
}

/**
 * A backend's Location header as upstream's proxy transport rewrites it: a path on the backend
 * itself (absolute, or a URL naming the backend) is prefixed with the proxy path, so that the
 * client follows it through the API server; other locations are left alone.
 */
export function rewriteLocation(location: string, target: ProxyTarget, prefix: string): string {
  let url: URL;
  try {
    url = new URL(location, `${target.scheme}://${hostPort(target)}/`);
  } catch (err) {
    if (err instanceof TypeError) return location;
    throw err;
  }
  const relativePath = !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('//');
  if (relativePath && !location.startsWith('/')) return location;
  const backend = url.host === hostPort(target) || (url.hostname === target.host && url.port === '' && target.port === (target.scheme === 'https' ? 443 : 80));
  if (!relativePath && !backend) return location;
  return `${prefix}${url.pathname}${url.search}${url.hash}`;
}
