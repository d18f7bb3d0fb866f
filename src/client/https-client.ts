import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { DeleteOptions, Status } from 'kubernetes-types/meta/v1.js';
import { StatusError, type StatusReason } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { Client, ListOptions, ObjectList, PatchOptions, PatchType, ResourceRef, WatchEventOf, WatchOptions, WriteOptions } from './client.js';

/** Where the API server is and how to prove who we are. */
export interface HttpsClientOptions {
  /** e.g. `https://10.0.0.1:6443`. */
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  ca: string | Buffer;
  /** Client certificate and key (PEM), or a bearer token. */
  cert?: string | Buffer;
  key?: string | Buffer;
  token?: string;
  /** Sent as User-Agent; its part before '/' is the default field manager (default `skiff`). */
  userAgent?: string;
  /** Connections kept open to the server (default 32). */
  maxSockets?: number;
}

const patchMediaTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The URL path of a resource collection or object. */
export function resourcePath(ref: ResourceRef, namespace: string, name = '', subresource = ''): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}` : '';
  return `${base}${ns}/${ref.resource}${obj}`;
}

function toStatusError(code: number, body: string): StatusError {
  try {
    const s = JSON.parse(body) as Status;
    if (s.kind === 'Status') return new StatusError(s.code ?? code, (s.reason ?? '') as StatusReason, s.message ?? '', s.details);
  } catch (err) {
    return new StatusError(code, '', `unexpected answer ${code}: ${body.slice(0, 200)}`, undefined, { cause: err });
  }
  return new StatusError(code, '', `unexpected answer ${code}: ${body.slice(0, 200)}`);
}

/** The {@link Client} of remote components (agents): JSON over HTTPS with keep-alive. */
export class HttpsClient implements Client {
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: HttpsClientOptions) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 32,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
    });
    this.headers = {
      Accept: 'application/json',
      'User-Agent': options.userAgent ?? 'skiff/v0 (node)',
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    };
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, body?: unknown, contentType = 'application/json', signal?: AbortSignal): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.options.server), {
        method,
        agent: this.agent,
        signal,
        headers: { ...this.headers, ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}) },
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    return JSON.parse(await this.callText(method, path, body, contentType)) as T;
  }

  private async callText(method: string, path: string, body?: unknown, contentType?: string, signal?: AbortSignal): Promise<string> {
    const res = await this.send(method, path, body, contentType, signal);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw toStatusError(code, text);
    return text;
  }

  get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, name: string): Promise<T> {
    return this.call<T>('GET', resourcePath(ref, namespace, name));
  }

  /**
   * GETs a path that answers text rather than an object (`/metrics`, a node's proxied
   * `/api/v1/nodes/NAME/proxy/metrics`, a pod's `log`), as this client's user. A non-2xx answer
   * throws StatusError with the server's code.
   */
  async getText(path: string, signal?: AbortSignal): Promise<string> {
    return this.callText('GET', path, undefined, undefined, signal);
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, o: ListOptions = {}): Promise<ObjectList<T>> {
    const q = queryString({ labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit, continue: o.continue, resourceVersion: o.resourceVersion });
    const r = await this.call<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>('GET', resourcePath(ref, namespace) + q);
    return { items: r.items, resourceVersion: r.metadata.resourceVersion, continue: r.metadata.continue || undefined };
  }

  async *watch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, o: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEventOf<T>> {
    const q = queryString({
      watch: 'true',
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      resourceVersion: o.resourceVersion,
      allowWatchBookmarks: o.allowWatchBookmarks,
      timeoutSeconds: o.timeoutSeconds,
    });
    let res: IncomingMessage;
    try {
      res = await this.send('GET', resourcePath(ref, namespace) + q, undefined, undefined, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw toStatusError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
    }
    res.setEncoding('utf8');
    let buf = '';
    try {
      for await (const chunk of res) {
        buf += chunk as string;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { type: string; object: T & Status };
          if (ev.type === 'ERROR') throw toStatusError(ev.object.code ?? 500, JSON.stringify(ev.object));
          yield { type: ev.type as WatchEventOf<T>['type'], object: ev.object };
        }
      }
    } catch (err) {
      // An abort ends the watch quietly; the caller asked for it.
      if (!signal.aborted) throw err;
    }
  }

  create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, o?: WriteOptions): Promise<T> {
    const sub = o?.subresource ?? '';
    const path = resourcePath(ref, namespace, sub ? (obj.metadata?.name ?? '') : '', sub);
    return this.call<T>('POST', path + queryString({ dryRun: o?.dryRun ? 'All' : undefined, fieldManager: o?.fieldManager }), obj);
  }

  update<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, o?: WriteOptions): Promise<T> {
    const path = resourcePath(ref, namespace, obj.metadata?.name ?? '', o?.subresource ?? '');
    return this.call<T>('PUT', path + queryString({ dryRun: o?.dryRun ? 'All' : undefined, fieldManager: o?.fieldManager }), obj);
  }

  patch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, name: string, type: PatchType, patch: unknown, o?: PatchOptions): Promise<T> {
    const path = resourcePath(ref, namespace, name, o?.subresource ?? '');
    const q = queryString({
      dryRun: o?.dryRun ? 'All' : undefined,
      fieldManager: o?.fieldManager ?? (type === 'apply' ? 'skiff' : undefined),
      force: o?.force,
    });
    return this.call<T>('PATCH', path + q, patch, patchMediaTypes[type]);
  }

  delete(ref: ResourceRef, namespace: string, name: string, options: DeleteOptions & { dryRun?: boolean } = {}): Promise<KubeObject> {
    const { dryRun, ...opts } = options;
    return this.call<KubeObject>('DELETE', resourcePath(ref, namespace, name) + queryString({ dryRun: dryRun ? 'All' : undefined }), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      ...opts,
    });
  }
}
