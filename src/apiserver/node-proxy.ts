import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { kubeletConnectOptions, type KubeletClientTLS } from './kubelet-tls.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Status } from 'kubernetes-types/meta/v1.js';
import { badRequest, invalid, StatusError, type FieldError, type StatusReason } from '../apimachinery/errors.js';
import type { RequestInfo } from './request-info.js';
import { pipeUpgrade, writeStatusToSocket } from '../apimachinery/upgrade-proxy.js';
import { boolParam, optionalIntParam } from '../apimachinery/query-params.js';
import type { Dialer } from './resource-proxy.js';
import type { Summary } from '../apimachinery/stats-summary.js';

/** The pod subresources a node serves. */
const streamingSubresources = new Set(['exec', 'attach', 'portforward']);

/** Options of {@link NodeProxy}. */
export interface NodeProxyOptions {
  /** Reads a pod (throws the store's 404 when absent). */
  getPod(namespace: string, name: string): Promise<Pod>;
  /** Reads a node (throws the store's 404 when absent). */
  getNode(name: string): Promise<Node>;
  /**
   * The client certificate the API server presents to nodes (`client-kube-apiserver-kubelet.crt/.key`)
   * and the CA nodes' serving certificates must chain to.
   */
  kubeletTLS: KubeletClientTLS;
  /** How long dialing a node may take (default 30 s). */
  dialTimeoutMs?: number;
  /** The node port when a Node does not say (default 10250). */
  defaultNodePort?: number;
  /** How TCP connections to nodes are opened (default: straight to the node's address). */
  dial?: Dialer;
}

/** Where a request goes on a node. */
export interface NodeLocation {
  host: string;
  port: number;
  /** Path and query, e.g. `/exec/ns/pod/c?command=sh&input=1`. */
  path: string;
  /** The Node's name, which its serving certificate must carry. */
  nodeName: string;
}



function containerNames(pod: Pod, init: boolean): string[] {
  return ((init ? pod.spec?.initContainers : pod.spec?.containers) ?? []).map((c) => c.name);
}

/** The container a request addresses, as upstream's streamLocation/LogLocation pick it; 400 otherwise. */
export function resolveContainer(pod: Pod, name: string, requested: string): string {
  if (requested) {
    const all = [...containerNames(pod, false), ...containerNames(pod, true), ...(pod.spec?.ephemeralContainers ?? []).map((c) => c.name)];
    if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const containers = containerNames(pod, false);
  if (containers.length === 1) return containers[0];
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
  let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
  const init = containerNames(pod, true);
  if (init.length) message += ` or one of the init containers: [${init.join(' ')}]`;
  throw badRequest(message);
}

/** The address and port of a node's kubelet server: its InternalIP (else ExternalIP, else Hostname) and daemon endpoint port. */
export function nodeEndpoint(node: Node, defaultPort = 10250): { host: string; port: number } {
  const addresses = node.status?.addresses ?? [];
  const pick = (type: string) => addresses.find((a) => a.type === type)?.address;
  const host = pick('InternalIP') ?? pick('ExternalIP') ?? pick('Hostname');
  if (!host) throw new StatusError(503, 'ServiceUnavailable', `node ${node.metadata?.name ?? ''} has no address`);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return { host, port: port && port > 0 ? port : defaultPort };
}

/** The node-side query of a pods/log request, validated as upstream's PodLogOptions. */
function logQuery(name: string, query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  const errors: FieldError[] = [];
  for (const f of ['follow', 'previous', 'timestamps']) if (boolParam(query, f)) out.set(f, 'true');
  const tailLines = optionalIntParam(query, 'tailLines');
  const sinceSeconds = optionalIntParam(query, 'sinceSeconds');
  const limitBytes = optionalIntParam(query, 'limitBytes');
  const sinceTime = query.get('sinceTime');
  if (tailLines !== undefined) {
    if (tailLines < 0) errors.push({ type: 'FieldValueInvalid', field: 'tailLines', value: tailLines, detail: 'must be greater than or equal to 0' });
    out.set('tailLines', String(tailLines));
  }
  if (limitBytes !== undefined) {
    if (limitBytes < 1) errors.push({ type: 'FieldValueInvalid', field: 'limitBytes', value: limitBytes, detail: 'must be greater than 0' });
    out.set('limitBytes', String(limitBytes));
  }
  if (sinceSeconds !== undefined && sinceTime) {
    errors.push({ type: 'FieldValueForbidden', field: '', detail: 'at most one of `sinceTime` or `sinceSeconds` may be specified' });
  }
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) errors.push({ type: 'FieldValueInvalid', field: 'sinceSeconds', value: sinceSeconds, detail: 'must be greater than 0' });
    out.set('sinceSeconds', String(sinceSeconds));
  }
  if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw badRequest(`invalid value for sinceTime: ${JSON.stringify(sinceTime)}`);
    out.set('sinceTime', new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  }
  if (errors.length) throw invalid({ resource: 'PodLogOptions', group: '', kind: 'PodLogOptions', name }, errors);
  return out;
}

/** The node-side query of exec and attach (upstream's streamParams: input, output, error, tty, command). */
function streamQuery(subresource: string, query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  if (subresource === 'portforward') {
    const ports = query.getAll('ports').flatMap((p) => p.split(',')).filter((p) => p !== '');
    if (ports.length) out.set('port', ports.join(','));
    return out;
  }
  if (boolParam(query, 'stdin')) out.set('input', '1');
  if (boolParam(query, 'stdout')) out.set('output', '1');
  if (boolParam(query, 'stderr')) out.set('error', '1');
  if (boolParam(query, 'tty')) out.set('tty', '1');
  if (subresource === 'exec') for (const c of query.getAll('command')) out.append('command', c);
  return out;
}

/** The reason of a code, for a node's answers that carry no Status. */
function reasonFor(code: number): StatusReason {
  const reasons: Record<number, StatusReason> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 503: 'ServiceUnavailable' };
  return reasons[code] ?? 'InternalError';
}

/** A node's error answer as a StatusError: its Status when it sent one, else its text. */
function nodeError(code: number, body: string): StatusError {
  try {
    const parsed = JSON.parse(body) as Status;
    if (parsed && parsed.kind === 'Status' && typeof parsed.message === 'string') {
      return new StatusError(parsed.code ?? code, (parsed.reason as StatusReason | undefined) ?? reasonFor(code), parsed.message, parsed.details);
    }
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  return new StatusError(code, reasonFor(code), body.trim() || `the node answered ${code}`);
}

/**
 * Forwards the pod subresources a node serves (pods/log, pods/exec, pods/attach,
 * pods/portforward) to the node's kubelet server over HTTPS with the API server's client
 * certificate, after verifying the node's serving certificate (cluster CA, node name), as
 * upstream's API server does with --kubelet-certificate-authority: logs are streamed back; exec, attach and
 * port-forward are HTTP upgrades proxied byte for byte both ways, so that the client and the
 * node's streaming server negotiate the protocol (SPDY or WebSocket) between themselves.
 */
export class NodeProxy {
  /** One connection pool per node: the name its certificate must carry differs. */
  private readonly agents = new Map<string, Agent>();
  private readonly dialTimeoutMs: number;

  constructor(private readonly options: NodeProxyOptions) {
    this.dialTimeoutMs = options.dialTimeoutMs ?? 30_000;
  }

  private agentFor(nodeName: string): Agent {
    let agent = this.agents.get(nodeName);
    if (!agent) {
      agent = new Agent({ keepAlive: true, ...kubeletConnectOptions(this.options.kubeletTLS, nodeName) });
      this.agents.set(nodeName, agent);
    }
    return agent;
  }

  /** True for the requests this proxy serves. */
  static handles(info: RequestInfo): boolean {
    return info.isResourceRequest && info.apiGroup === '' && info.resource === 'pods' && info.name !== '' && (info.subresource === 'log' || streamingSubresources.has(info.subresource));
  }

  /** Where a request goes: validates the pod and container (404/400 as upstream) and finds the node. */
  async locate(info: RequestInfo, query: URLSearchParams): Promise<NodeLocation | undefined> {
    const { namespace: ns, name, subresource } = info;
    const pod = await this.options.getPod(ns, name);
    let path: string;
    let params: URLSearchParams;
    if (subresource === 'log') {
      params = logQuery(name, query);
      const container = resolveContainer(pod, name, query.get('container') ?? '');
      path = `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}`;
      // An unscheduled pod has no logs yet: upstream answers an empty stream.
      if (!pod.spec?.nodeName) return undefined;
    } else if (subresource === 'portforward') {
      params = streamQuery(subresource, query);
      path = `/portForward/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
    } else {
      const container = resolveContainer(pod, name, query.get('container') ?? '');
      params = streamQuery(subresource, query);
      path = `/${subresource}/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}`;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    const node = await this.options.getNode(nodeName);
    const { host, port } = nodeEndpoint(node, this.options.defaultNodePort);
    // Sorted by key, as Go's url.Values.Encode writes them.
    params.sort();
    const search = params.toString();
    return { host, port, path: search ? `${path}?${search}` : path, nodeName };
  }

  /** Serves a request without upgrade: pods/log streams; the others need an upgrade (400, as upstream). */
  async serve(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<void> {
    if (info.subresource !== 'log') throw badRequest('Upgrade request required');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    const location = await this.locate(info, query);
    if (!location) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end();
      return;
    }
    const upstream = await this.get(location);
    const code = upstream.statusCode ?? 500;
    if (code < 200 || code > 299) {
      const chunks: Buffer[] = [];
      for await (const chunk of upstream) chunks.push(chunk as Buffer);
      throw nodeError(code, Buffer.concat(chunks).toString());
    }
    res.writeHead(200, { 'Content-Type': upstream.headers['content-type'] ?? 'text/plain', 'Cache-Control': 'no-cache, private' });
    // Sent now, so that a follow with no lines yet shows the client the stream has started.
    res.flushHeaders();
    const stop = () => upstream.destroy();
    res.on('close', stop);
    try {
      for await (const chunk of upstream) {
        if (!res.write(chunk as Buffer)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
      }
    } catch (err) {
      // The client or the node went away mid-stream: nothing more can be said.
      if (!(err instanceof Error)) throw err;
    } finally {
      res.off('close', stop);
      if (!res.writableEnded) res.end();
    }
  }

  /**
   * Proxies an upgrade request (exec, attach, portforward) to the node. Errors found before the
   * node was reached throw a StatusError for the caller to answer; afterwards, the node's answer
   * (101 or an error) goes to the client unchanged.
   */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo, query: URLSearchParams): Promise<void> {
    if (!streamingSubresources.has(info.subresource)) throw badRequest(`pods/${info.subresource} does not support upgrades`);
    const location = await this.locate(info, query);
    if (!location) throw badRequest(`pod ${info.name} does not have a host assigned`);
    const upstream = await this.dial(location);
    if (socket.destroyed) {
      upstream.destroy();
      return;
    }
    pipeUpgrade(req, socket, head, upstream, location.path, hostPort(location));
  }

  /** The node's `/stats/summary`, through the same verified connection as logs (500 when the node does not answer it). */
  async statsSummary(node: Node): Promise<Summary> {
    const name = node.metadata?.name ?? '';
    const location: NodeLocation = { ...nodeEndpoint(node, this.options.defaultNodePort), path: '/stats/summary', nodeName: name };
    const res = await this.get(location);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (res.statusCode !== 200) throw new StatusError(500, 'InternalError', `node ${name} answered /stats/summary with ${res.statusCode ?? 0}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as Summary;
  }

  /** Closes idle connections to nodes. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private get(location: NodeLocation): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = httpsRequest({
        host: location.host,
        port: location.port,
        path: location.path,
        method: 'GET',
        ...(this.options.dial ? { createConnection: () => this.tls(location) } : { agent: this.agentFor(location.nodeName) }),
        timeout: this.dialTimeoutMs,
      });
      request.on('response', resolve);
      request.on('timeout', () => request.destroy(new Error('i/o timeout')));
      request.on('error', (err) => {
        reject(new StatusError(500, 'InternalError', `Get "https://${hostPort(location)}${location.path}": ${err.message}`, undefined, { cause: err }));
      });
      request.end();
    });
  }

  /** A TLS connection to the node with the client certificate, still connecting. */
  private tls(location: NodeLocation): TLSSocket {
    return tlsConnect({
      ...(this.options.dial ? { socket: this.options.dial(location.host, location.port) } : { host: location.host, port: location.port }),
      ...kubeletConnectOptions(this.options.kubeletTLS, location.nodeName),
    });
  }

  private dial(location: NodeLocation): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = this.tls(location);
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new StatusError(500, 'InternalError', `error dialing backend: ${err.message}`, undefined, { cause: err }));
      };
      const timer = setTimeout(() => fail(new Error(`dial tcp ${hostPort(location)}: i/o timeout`)), this.dialTimeoutMs);
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(socket);
      });
    });
  }
}

function hostPort(location: { host: string; port: number }): string {
  return `${location.host.includes(':') ? `[${location.host}]` : location.host}:${location.port}`;
}
