import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { badRequest, errorMessage, StatusError } from '../../apimachinery/errors.js';
import { pipeUpgrade, writeStatusToSocket } from '../../apimachinery/upgrade-proxy.js';
import { readContainerLog } from '../logs/cri-log.js';
import { optionalIntParam } from '../../apimachinery/query-params.js';
import { textFormatContentType, type Registry } from '../../apimachinery/metrics.js';
import type { Summary } from '../../apimachinery/stats-summary.js';
import { identityFromTLSSocket } from '../../pki/verify.js';

/** The user the API server's kubelet client certificate names (upstream's). */
export const KUBELET_API_CLIENT_USER = 'kube-apiserver-kubelet-client';

/** What an exec or attach asks for (from the kubelet query: command, input, output, error, tty). */
export interface StreamRequest {
  /** The command (exec only; empty for attach). */
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/**
 * What the node server needs from the node agent. Each method throws a StatusError
 * (src/apiserver/errors.ts) for an unknown pod or container (404) or a bad request (400).
 */
export interface NodeStreamingBackend {
  /** The CRI log file of a container (`previous`: of its last terminated instance). */
  containerLog(namespace: string, pod: string, container: string, previous: boolean): Promise<{ logPath: string; isRunning(): boolean }>;
  /** Calls the runtime's Exec and returns the streaming URL it answered. */
  exec(namespace: string, pod: string, container: string, req: StreamRequest): Promise<string>;
  /** Calls the runtime's Attach and returns the streaming URL it answered. */
  attach(namespace: string, pod: string, container: string, req: StreamRequest): Promise<string>;
  /** Calls the runtime's PortForward for the pod's sandbox and returns the streaming URL. */
  portForward(namespace: string, pod: string, ports: number[]): Promise<string>;
}

/** Options of {@link NodeServer}. */
export interface NodeServerOptions {
  /** The serving certificate and key (PEM). */
  tls: { key: string; cert: string };
  /** Client certificates signed by this CA (PEM) are trusted; others get 401. */
  clientCAPem: string;
  backend: NodeStreamingBackend;
  /** Listen address (e.g. `0.0.0.0`). */
  host: string;
  /** Listen port: 10250 upstream; 0 picks a free one. */
  port: number;
  /** Called for unexpected errors (default: console.error). */
  onError?: (err: unknown) => void;
  /** The process's metrics, served at /metrics. Default: none, and /metrics answers 404. */
  metrics?: Registry;
  /** The Summary API served at /stats/summary. Default: none, and /stats/summary answers 404. */
  statsSummary?: () => Promise<Summary>;
  /**
   * Users whose certificates may use logs, exec, attach, port-forward and metrics (others get
   * 403, as upstream's kubelet authorizer answers callers without nodes/proxy). Default: the API
   * server's kubelet client identity, `kube-apiserver-kubelet-client`.
   */
  allowedUsers?: string[];
  /** Groups whose members may do the same. Default `system:masters`. */
  allowedGroups?: string[];
}

/** One routed request: the handler and its path arguments. */
interface Route {
  kind: 'healthz' | 'metrics' | 'stats' | 'containerLogs' | 'exec' | 'attach' | 'portForward';
  namespace: string;
  pod: string;
  container: string;
}

/** Matches the kubelet's paths: /containerLogs/ns/pod/c, /exec|attach/ns/pod[/uid]/c, /portForward/ns/pod[/uid]. */
function route(pathname: string): Route | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  const [kind, namespace, pod] = parts;
  if (pathname === '/healthz') return { kind: 'healthz', namespace: '', pod: '', container: '' };
  if (pathname === '/metrics') return { kind: 'metrics', namespace: '', pod: '', container: '' };
  if (pathname === '/stats/summary' || pathname === '/stats/summary/') return { kind: 'stats', namespace: '', pod: '', container: '' };
  if (kind === 'containerLogs' && parts.length === 4) return { kind, namespace, pod, container: parts[3] };
  if ((kind === 'exec' || kind === 'attach') && (parts.length === 4 || parts.length === 5)) {
    return { kind, namespace, pod, container: parts[parts.length - 1] };
  }
  if (kind === 'portForward' && (parts.length === 3 || parts.length === 4)) return { kind, namespace, pod, container: '' };
  return undefined;
}

function flag(query: URLSearchParams, ...names: string[]): boolean {
  return names.some((n) => {
    const v = query.get(n);
    return v === '1' || v === 'true';
  });
}


/** The stream options of an exec or attach, as the kubelet reads them (`input`/`output`/`error`/`tty`; `stdin`... accepted too). */
export function streamRequestFrom(query: URLSearchParams, withCommand: boolean): StreamRequest {
  const tty = flag(query, 'tty');
  const req: StreamRequest = {
    cmd: withCommand ? query.getAll('command') : [],
    tty,
    stdin: flag(query, 'input', 'stdin'),
    stdout: flag(query, 'output', 'stdout'),
    // A terminal has one output stream, as upstream (stderr is dropped with tty).
    stderr: !tty && flag(query, 'error', 'stderr'),
  };
  if (!req.stdin && !req.stdout && !req.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (withCommand && req.cmd.length === 0) throw badRequest('you must specify at least one command for the container');
  return req;
}

function sendStatus(res: ServerResponse, err: StatusError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(err.toStatus());
  res.writeHead(err.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The node's authenticated HTTPS endpoint (the kubelet server, port 10250): container logs read
 * from CRI log files, and exec, attach and port-forward proxied to the container runtime's
 * streaming server (the URL its Exec/Attach/PortForward answered), as upstream's kubelet does.
 * Only clients with a certificate signed by the trusted CA are served, and of those only the
 * API server's kubelet client identity (or system:masters) beyond /healthz.
 */
export class NodeServer {
  private readonly onError: (err: unknown) => void;

  constructor(private readonly options: NodeServerOptions) {
    this.onError = options.onError ?? ((err) => console.error('node server:', err));
  }

  /** Serves until `signal` aborts; resolves with the bound address. */
  async start(signal: AbortSignal): Promise<AddressInfo> {
    const server: Server = createServer(
      {
        key: this.options.tls.key,
        cert: this.options.tls.cert,
        ca: this.options.clientCAPem,
        requestCert: true,
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      },
      (req, res) => void this.handle(req, res),
    );
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head));
    const sockets = new Set<Socket>();
    server.on('secureConnection', (socket: TLSSocket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const stop = () => {
      server.close();
      for (const s of sockets) s.destroy();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    return server.address() as AddressInfo;
  }

  /** 401 without a certificate from the trusted CA; 403 for one whose identity may not use the endpoint (except /healthz). */
  private authorize(req: IncomingMessage, kind: Route['kind'] | undefined): void {
    const socket = req.socket as TLSSocket;
    const identity = identityFromTLSSocket(socket);
    if (!identity) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
    if (kind === 'healthz') return;
    const users = this.options.allowedUsers ?? [KUBELET_API_CLIENT_USER];
    const groups = this.options.allowedGroups ?? ['system:masters'];
    if (users.includes(identity.user) || identity.groups.some((g) => groups.includes(g))) return;
    const [resource, subresource] = kind === 'metrics' ? ['nodes', 'metrics'] : kind === 'stats' ? ['nodes', 'stats'] : ['nodes', 'proxy'];
    throw new StatusError(403, 'Forbidden', `Forbidden (user=${identity.user}, verb=${kind === 'containerLogs' || kind === 'metrics' || kind === 'stats' ? 'get' : 'create'}, resource=${resource}, subresource=(${subresource}))`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const r = route(url.pathname);
      this.authorize(req, r?.kind);
      if (!r || (r.kind === 'metrics' && !this.options.metrics)) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      if (r.kind === 'metrics' && this.options.metrics) {
        if (req.method !== 'GET') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        const text = await this.options.metrics.render((err) => this.onError(err));
        res.writeHead(200, { 'Content-Type': textFormatContentType, 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      if (r.kind === 'stats') {
        if (!this.options.statsSummary) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
        if (req.method !== 'GET') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        const body = JSON.stringify(await this.options.statsSummary());
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      if (r.kind === 'healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2 });
        res.end('ok');
        return;
      }
      if (r.kind === 'containerLogs') {
        if (req.method !== 'GET') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        await this.containerLogs(r, url.searchParams, res);
        return;
      }
      throw badRequest('Upgrade request required');
    } catch (err) {
      this.answerError(err, (e) => sendStatus(res, e));
    }
  }

  private answerError(err: unknown, send: (e: StatusError) => void): void {
    if (err instanceof StatusError) return send(err);
    this.onError(err);
    send(new StatusError(500, 'InternalError', errorMessage(err)));
  }

  private async containerLogs(r: Route, query: URLSearchParams, res: ServerResponse): Promise<void> {
    const tailLines = optionalIntParam(query, 'tailLines');
    const limitBytes = optionalIntParam(query, 'limitBytes');
    const sinceSeconds = optionalIntParam(query, 'sinceSeconds');
    const sinceTimeText = query.get('sinceTime');
    if (tailLines !== undefined && tailLines < 0) throw badRequest('tailLines must be greater than or equal to 0');
    if (limitBytes !== undefined && limitBytes < 1) throw badRequest('limitBytes must be greater than 0');
    if (sinceSeconds !== undefined && sinceTimeText) throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
    let sinceTime: Date | undefined;
    if (sinceSeconds !== undefined) sinceTime = new Date(Date.now() - sinceSeconds * 1000);
    if (sinceTimeText) {
      sinceTime = new Date(sinceTimeText);
      if (Number.isNaN(sinceTime.getTime())) throw badRequest(`invalid value for sinceTime: ${JSON.stringify(sinceTimeText)}`);
    }
    const log = await this.options.backend.containerLog(r.namespace, r.pod, r.container, flag(query, 'previous'));
    const controller = new AbortController();
    const abort = () => controller.abort();
    res.on('close', abort);
    try {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.flushHeaders();
      await readContainerLog(
        log.logPath,
        {
          follow: flag(query, 'follow'),
          tailLines,
          sinceTime,
          timestamps: flag(query, 'timestamps'),
          limitBytes,
          signal: controller.signal,
          isContainerRunning: () => log.isRunning(),
        },
        res,
      );
    } catch (err) {
      // A container that never wrote its log file has no logs yet.
      if (!(err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT')) throw err;
    } finally {
      res.off('close', abort);
      if (!res.writableEnded) res.end();
    }
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const r = route(url.pathname);
      this.authorize(req, r?.kind);
      if (!r || r.kind === 'healthz' || r.kind === 'metrics' || r.kind === 'containerLogs') {
        throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      }
      const query = url.searchParams;
      const backend = this.options.backend;
      let target: string;
      if (r.kind === 'portForward') {
        const ports = query.getAll('port').flatMap((p) => p.split(',')).filter((p) => p !== '').map(Number);
        if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw badRequest(`invalid port in ${JSON.stringify(query.getAll('port').join(','))}`);
        target = await backend.portForward(r.namespace, r.pod, ports);
      } else if (r.kind === 'exec') {
        target = await backend.exec(r.namespace, r.pod, r.container, streamRequestFrom(query, true));
      } else {
        target = await backend.attach(r.namespace, r.pod, r.container, streamRequestFrom(query, false));
      }
      const location = new URL(target);
      // The runtime's URL carries a one-time token in its path; the client's query goes along, as upstream's proxy.
      const path = `${location.pathname}${location.search || url.search}`;
      const upstream = await dialStreamingServer(location);
      if (socket.destroyed) {
        upstream.destroy();
        return;
      }
      pipeUpgrade(req, socket, head, upstream, path, location.host);
    } catch (err) {
      this.answerError(err, (e) => writeStatusToSocket(socket, e));
    }
  }
}

/** Connects to the runtime's streaming server (plain HTTP, or HTTPS when containerd streams over TLS). */
function dialStreamingServer(location: URL): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const secure = location.protocol === 'https:';
    const port = Number(location.port || (secure ? 443 : 80));
    const host = location.hostname.replace(/^\[(.*)\]$/, '$1');
    const socket = secure
      ? tlsConnect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host, port });
    const fail = (err: Error) => {
      socket.destroy();
      reject(new StatusError(500, 'InternalError', `error dialing the container runtime's streaming server: ${err.message}`, undefined, { cause: err }));
    };
    socket.once('error', fail);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
