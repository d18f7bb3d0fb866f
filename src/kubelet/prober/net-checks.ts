/**
 * The network side of probes and lifecycle hooks: resolving a container port, building the URL of
 * an HTTPGetAction, doing the GET (redirects, body cap, deadline) and dialling TCP, with errors
 * worded like Go's net/http and net packages so messages read like upstream's kubelet.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container, HTTPGetAction } from 'kubernetes-types/core/v1.js';
import { systemClock, type Clock } from '../../apimachinery/clock.js';

/** The Kubernetes minor version the User-Agent of probes names (`kube-probe/1.32`); matches /version. */
export const defaultKubeVersion = '1.32';

/** Most bytes of a response body kept for a probe's output (upstream's 10 KiB). */
export const maxResponseBodyBytes = 10 * 1024;

/** Redirects followed before giving up (Go's http.Client default). */
const maxRedirects = 10;

/**
 * Turns a probe/handler port (number, numeric string, or the name of one of the container's
 * ports) into a port number. Throws an Error worded like upstream's when it cannot.
 */
export function resolveContainerPort(port: number | string | undefined, container: Container): number {
  let resolved: number;
  if (typeof port === 'number') {
    resolved = port;
  } else if (typeof port === 'string' && port !== '') {
    const named = container.ports?.find((p) => p.name === port);
    if (named) resolved = named.containerPort;
    else if (/^[0-9]+$/.test(port)) resolved = Number(port);
    else throw new Error(`port ${port} not found`);
  } else {
    throw new Error(`port is not set for container "${container.name}"`);
  }
  if (!Number.isInteger(resolved) || resolved <= 0 || resolved >= 65536) {
    throw new Error(`invalid port number: ${resolved}`);
  }
  return resolved;
}

/** `host:port`, with IPv6 hosts in brackets (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A GET ready to send: the URL and the request headers (names as given, values in order). */
export interface HttpGetRequest {
  url: URL;
  headers: Record<string, string[]>;
}

/**
 * Builds the request of an HTTPGetAction like upstream's NewRequestForHTTPGetAction: scheme
 * (default HTTP), host (default `podIP`), port (number or named container port), path (default
 * '/'), the action's headers, then `User-Agent: kube-<userAgentFragment>/<version>` and
 * `Accept: *\/*` unless the action set them. Throws when the port cannot be resolved.
 */
export function buildHttpGetRequest(
  action: HTTPGetAction,
  container: Container,
  podIP: string,
  userAgentFragment: string,
  kubeVersion: string = defaultKubeVersion,
): HttpGetRequest {
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const host = action.host || podIP;
  const port = resolveContainerPort(action.port, container);
  let path = action.path || '/';
  if (!path.startsWith('/')) path = `/${path}`;
  const url = new URL(`${scheme}://${joinHostPort(host, port)}${path}`);
  const headers: Record<string, string[]> = {};
  const present = new Set<string>();
  for (const header of action.httpHeaders ?? []) {
    (headers[header.name] ??= []).push(header.value);
    present.add(header.name.toLowerCase());
  }
  if (!present.has('user-agent')) headers['User-Agent'] = [`kube-${userAgentFragment}/${kubeVersion}`];
  if (!present.has('accept')) headers['Accept'] = ['*/*'];
  return { url, headers };
}

/** What {@link httpGet} got: a response (possibly a redirect it did not follow), or an error message. */
export type HttpGetOutcome =
  | { kind: 'response'; statusCode: number; body: string; url: URL }
  | { kind: 'error'; message: string };

/** Options of {@link httpGet}. */
export interface HttpGetOptions {
  /** Whole-exchange deadline (redirects and body included); undefined means none. */
  timeoutMs?: number;
  /** Timer source for the deadline; default the system clock. */
  clock?: Clock;
  /** Aborts the exchange; the outcome is then an error `context canceled`. */
  signal?: AbortSignal;
  /** Body bytes kept (the rest is not read); default {@link maxResponseBodyBytes}. */
  maxBodyBytes?: number;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * GETs `request.url` without keep-alive and without verifying TLS certificates, following
 * redirects only while they stay on the first URL's hostname (at most 10, like upstream's
 * RedirectChecker(false)); a redirect elsewhere ends the exchange with that 3xx response.
 */
export async function httpGet(request: HttpGetRequest, options: HttpGetOptions = {}): Promise<HttpGetOutcome> {
  const clock = options.clock ?? systemClock;
  const controller = new AbortController();
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : clock.setTimer(options.timeoutMs, () => {
          timedOut = true;
          controller.abort();
        });
  const onOuterAbort = (): void => controller.abort();
  if (options.signal?.aborted) controller.abort();
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const firstHost = request.url.hostname;
  let url = request.url;
  let headers = request.headers;
  try {
    for (let redirects = 0; ; redirects++) {
      const step = await getOnce(url, headers, controller.signal, options.maxBodyBytes ?? maxResponseBodyBytes);
      if (step.kind === 'error') {
        const reason = controller.signal.aborted ? abortReason(timedOut, step.phase) : step.message;
        return { kind: 'error', message: `Get "${url.href}": ${reason}` };
      }
      const location = step.location;
      if (!redirectStatuses.has(step.statusCode) || location === undefined) {
        return { kind: 'response', statusCode: step.statusCode, body: step.body, url };
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return { kind: 'error', message: `failed to parse Location header "${location}"` };
      }
      if (next.hostname !== firstHost) {
        return { kind: 'response', statusCode: step.statusCode, body: step.body, url };
      }
      // Like Go's checker: the response to the 10th request was a redirect too.
      if (redirects + 1 >= maxRedirects) {
        return { kind: 'error', message: `Get "${next.href}": stopped after ${maxRedirects} redirects` };
      }
      // A custom Host header only survives a relative redirect (as in Go's client).
      if (/^[a-z][a-z0-9+.-]*:/i.test(location) || location.startsWith('//')) {
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'host'));
      }
      url = next;
    }
  } finally {
    timer?.cancel();
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function abortReason(timedOut: boolean, phase: 'headers' | 'body'): string {
  if (!timedOut) return 'context canceled';
  return phase === 'headers'
    ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
    : 'context deadline exceeded (Client.Timeout or context cancellation while reading body)';
}

type GetStep =
  | { kind: 'response'; statusCode: number; body: string; location: string | undefined }
  | { kind: 'error'; message: string; phase: 'headers' | 'body' };

function getOnce(url: URL, headers: Record<string, string[]>, signal: AbortSignal, maxBodyBytes: number): Promise<GetStep> {
  return new Promise<GetStep>((resolve) => {
    if (signal.aborted) {
      resolve({ kind: 'error', message: 'context canceled', phase: 'headers' });
      return;
    }
    const hostPort = joinHostPort(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
    const outgoing: http.OutgoingHttpHeaders = { Connection: 'close' };
    for (const [name, values] of Object.entries(headers)) {
      outgoing[name] = values.length === 1 ? values[0] : values;
    }
    const requestOptions: https.RequestOptions = { method: 'GET', headers: outgoing, agent: false, signal };
    let phase: 'headers' | 'body' = 'headers';
    let settled = false;
    const onAbort = (): void => finish({ kind: 'error', message: 'context canceled', phase });
    const finish = (step: GetStep): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(step);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const onResponse = (res: http.IncomingMessage): void => {
      phase = 'body';
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = (): void => {
        const location = res.headers.location;
        finish({ kind: 'response', statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), location });
      };
      res.on('data', (chunk: Buffer) => {
        const room = maxBodyBytes - kept;
        if (room > 0) {
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunks.push(part);
          kept += part.length;
        }
        // Upstream stops reading at the cap: a truncated body is not an error.
        if (kept >= maxBodyBytes) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', (err: Error) => finish({ kind: 'error', message: goNetErrorMessage(err, hostPort), phase }));
    };
    const req =
      url.protocol === 'https:'
        ? https.request(url, { ...requestOptions, rejectUnauthorized: false }, onResponse)
        : http.request(url, requestOptions, onResponse);
    req.on('error', (err: Error) => finish({ kind: 'error', message: goNetErrorMessage(err, hostPort), phase }));
    req.end();
  });
}

/** Options of {@link tcpDial}. */
export interface TcpDialOptions {
  /** Connect deadline; undefined means none. */
  timeoutMs?: number;
  /** Timer source for the deadline; default the system clock. */
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * Opens and closes a TCP connection to host:port. Resolves undefined on success, else an error
 * message like Go's (`dial tcp 10.0.0.5:80: connect: connection refused`, `... i/o timeout`).
 */
export function tcpDial(host: string, port: number, options: TcpDialOptions = {}): Promise<string | undefined> {
  const clock = options.clock ?? systemClock;
  const hostPort = joinHostPort(host, port);
  return new Promise<string | undefined>((resolve) => {
    if (options.signal?.aborted) {
      resolve(`dial tcp ${hostPort}: operation was canceled`);
      return;
    }
    const socket = net.connect({ host, port });
    const finish = (message: string | undefined): void => {
      timer?.cancel();
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(message);
    };
    const onAbort = (): void => finish(`dial tcp ${hostPort}: operation was canceled`);
    const timer =
      options.timeoutMs === undefined ? undefined : clock.setTimer(options.timeoutMs, () => finish(`dial tcp ${hostPort}: i/o timeout`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish(undefined));
    socket.once('error', (err: Error) => finish(goNetErrorMessage(err, hostPort)));
  });
}

/** Words a Node socket error like Go's net package does for a TCP dial or read. */
export function goNetErrorMessage(err: Error, hostPort: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${hostPort}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${hostPort}: connect: network is unreachable`;
    case 'ETIMEDOUT':
      return `dial tcp ${hostPort}: i/o timeout`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      const host = hostPort.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
      return `dial tcp: lookup ${host}: no such host`;
    }
    case 'ECONNRESET':
      // Node's "socket hang up" is a server closing before answering: Go reports EOF.
      return err.message === 'socket hang up' ? 'EOF' : 'read: connection reset by peer';
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'http: server gave HTTP response to HTTPS client';
    default:
      return err.message;
  }
}
