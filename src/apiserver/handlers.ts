import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import { dump as dumpYAML } from 'js-yaml';
import { decodeBody, mediaType, readBody } from './body.js';
import { badRequest, notFound, StatusError } from './errors.js';
import { negotiateResource, type ResponseShape } from './negotiate.js';
import { isObject, type Clock, type KubeObject } from './object.js';
import type { PatchEngine } from './patch-request.js';
import type { RequestInfo } from './request-info.js';
import { parseRevision, type ObjectFilter, type RestStore } from './rest-store.js';
import type { ResourceType } from './registry.js';
import { checkFieldSelector, fieldSetFor, matchesFields, parseFieldSelector } from './selectors/fields.js';
import { matchesLabels, parseLabelSelector } from './selectors/labels.js';
import { tableFor } from './tables/index.js';

/** What the resource handler needs from the server around it. */
export interface ResourceContext {
  stores: ReadonlyMap<string, RestStore>;
  patcher: PatchEngine;
  clock: Clock;
  /** Lists the unknown fields of an object of a type (for fieldValidation). */
  unknownFields: (type: ResourceType, obj: KubeObject) => string[];
}

/** Writes a JSON (or YAML) response. */
export function sendObject(res: ServerResponse, code: number, body: unknown, format: 'json' | 'yaml' = 'json'): void {
  const text = format === 'yaml' ? dumpYAML(body, { noRefs: true }) : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': format === 'yaml' ? 'application/yaml' : 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

/** Writes a StatusError as a Status. */
export function sendStatusError(res: ServerResponse, err: StatusError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendObject(res, err.code, err.toStatus());
}

function storeKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

/** Finds the REST store of a type. */
export function findStore(stores: ReadonlyMap<string, RestStore>, group: string, version: string, plural: string) {
  return stores.get(storeKey(group, version, plural));
}

/** Registers a store under its type. */
export function storeKeyOf(t: ResourceType): string {
  return storeKey(t.group, t.version, t.plural);
}

/** The selectors of a list or watch request as one predicate; 400 on bad syntax. */
export function requestFilter(type: ResourceType, query: URLSearchParams): ObjectFilter | undefined {
  const ls = query.get('labelSelector');
  const fs = query.get('fieldSelector');
  const labels = ls ? parseLabelSelector(ls) : undefined;
  const fields = fs ? checkFieldSelector(type, parseFieldSelector(fs)) : undefined;
  if (!labels && !fields) return undefined;
  return (obj) =>
    (!labels || matchesLabels(labels, obj.metadata?.labels)) &&
    (!fields || matchesFields(fields, fieldSetFor(type, obj)));
}

function queryInt(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}

function dryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw badRequest(`Invalid dryRun value: ${v}; supported values: "All"`);
  }
  return values.length > 0;
}

/** One resource request, as routing found it. */
interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  store: RestStore;
  ns: string;
  info: RequestInfo;
  query: URLSearchParams;
  shape: ResponseShape;
  fieldManager: string;
}

/** Handles every verb on one resource request once routing has found its store. */
export class ResourceHandler {
  constructor(private readonly ctx: ResourceContext) {}

  /** Serves one resource request. */
  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    store: RestStore,
    query: URLSearchParams,
    fieldManager: string,
  ): Promise<void> {
    const type = store.type;
    const shape = negotiateResource(req.headers.accept, query);
    if (!shape) {
      throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml`);
    }
    const ns = info.namespace;
    if (type.namespaced === false && ns) throw notFound({ resource: type.plural, group: type.group, name: info.name });
    if (info.subresource && !type.subresources.some((s) => s.name === info.subresource)) {
      throw notFound({ resource: `${type.plural}/${info.subresource}`, group: type.group, name: info.name });
    }
    const call: Call = { req, res, store, ns, info, query, shape, fieldManager };
    switch (info.verb) {
      case 'get':
        return this.get(call);
      case 'list':
        return this.list(call);
      case 'watch':
        return this.watch(call);
      case 'create':
        return this.create(call);
      case 'update':
        return this.update(call);
      case 'patch':
        return this.patch(call);
      case 'delete':
        return this.delete(call);
      case 'deletecollection':
        return this.deleteCollection(call);
      default:
        throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
  }

  /** A Table of objects in the version the client asked for. */
  private table(store: RestStore, objects: KubeObject[], shape: ResponseShape & { kind: 'table' }, metadata: Record<string, unknown>) {
    const includeObject = ['None', 'Object'].includes(shape.includeObject) ? (shape.includeObject as 'None' | 'Object') : 'Metadata';
    const table = tableFor(store.type, objects, { now: this.ctx.clock.now(), includeObject });
    return { ...table, apiVersion: `meta.k8s.io/${shape.version}`, metadata };
  }

  private render(res: ServerResponse, code: number, store: RestStore, obj: KubeObject, shape: ResponseShape): void {
    if (shape.kind === 'table') {
      return sendObject(res, code, this.table(store, [obj], shape, { resourceVersion: obj.metadata?.resourceVersion }));
    }
    if (shape.kind === 'partial') {
      return sendObject(res, code, { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${shape.version}`, metadata: obj.metadata });
    }
    sendObject(res, code, obj, shape.format);
  }

  private async get(c: Call) {
    const { res, store, ns, info, shape } = c;
    if (info.subresource === 'scale') {
      const obj = await store.get(ns, info.name);
      return sendObject(res, 200, scaleOf(store, obj));
    }
    if (['log', 'exec', 'attach', 'portforward', 'proxy'].includes(info.subresource)) {
      throw nodeNotConnected(info);
    }
    const obj = await store.get(ns, info.name);
    this.render(res, 200, store, obj, shape);
  }

  private async list(c: Call) {
    const { res, store, ns, query, shape } = c;
    const filter = requestFilter(store.type, query);
    const list = await store.list(ns, {
      filter,
      limit: queryInt(query, 'limit'),
      continueToken: query.get('continue') ?? undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
    });
    const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
    if (list.continueToken) metadata.continue = list.continueToken;
    if (shape.kind === 'table') {
      return sendObject(res, 200, this.table(store, list.items, shape, metadata));
    }
    if (shape.kind === 'partial') {
      return sendObject(res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: `meta.k8s.io/${shape.version}`,
        metadata,
        items: list.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${shape.version}`, metadata: o.metadata })),
      });
    }
    sendObject(
      res,
      200,
      { kind: `${store.type.kind}List`, apiVersion: store.apiVersion, metadata, items: list.items },
      shape.format,
    );
  }

  private async watch(c: Call) {
    const { req, res, store, ns, query, shape } = c;
    const name = c.info.name;
    let filter = requestFilter(store.type, query);
    if (name) {
      // /watch/namespaces/ns/pods/NAME watches one object.
      const byName: ObjectFilter = (o) => o.metadata?.name === name;
      const inner = filter;
      filter = inner ? (o) => byName(o) && inner(o) : byName;
    }
    const rv = query.get('resourceVersion') ?? '';
    const timeoutSeconds = queryInt(query, 'timeoutSeconds');
    const bookmarks = query.get('allowWatchBookmarks') === 'true';
    const sendInitial = query.get('sendInitialEvents') === 'true';
    const controller = new AbortController();
    const signal = controller.signal;
    const stop = () => controller.abort();
    req.on('close', stop);
    res.on('close', stop);
    const timer = timeoutSeconds && timeoutSeconds > 0 ? setTimeout(stop, timeoutSeconds * 1000) : undefined;
    let from = rv && rv !== '0' && !sendInitial ? parseRevision(rv) : 0;
    let initial: KubeObject[] = [];
    if (!from) {
      const list = await store.list(ns, { filter });
      initial = list.items;
      from = Number(list.resourceVersion);
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    let tableHeaderSent = false;
    let lastRevision = from;
    const encode = (type: string, obj: KubeObject): string => {
      if (shape.kind === 'table' && type !== 'BOOKMARK' && type !== 'ERROR') {
        const table = this.table(store, [obj], shape, { resourceVersion: obj.metadata?.resourceVersion });
        if (tableHeaderSent) table.columnDefinitions = [];
        tableHeaderSent = true;
        return JSON.stringify({ type, object: table }) + '\n';
      }
      if (shape.kind === 'partial' && type !== 'ERROR') {
        return JSON.stringify({ type, object: { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${shape.version}`, metadata: obj.metadata } }) + '\n';
      }
      return JSON.stringify({ type, object: obj }) + '\n';
    };
    let corked = false;
    const write = async (chunk: string) => {
      if (signal.aborted) return;
      // Events that arrive together leave in one TLS record and one syscall.
      if (!corked) {
        corked = true;
        res.cork();
        setImmediate(() => {
          corked = false;
          res.uncork();
        });
      }
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            signal.removeEventListener('abort', done);
            resolve();
          };
          res.on('drain', done);
          signal.addEventListener('abort', done);
        });
      }
    };
    const bookmark = (extra?: Record<string, string>) =>
      encode('BOOKMARK', {
        kind: store.type.kind,
        apiVersion: store.apiVersion,
        metadata: { resourceVersion: String(lastRevision), ...(extra ? { annotations: extra } : {}) },
      });
    const bookmarkTimer = bookmarks
      ? setInterval(() => {
          void write(bookmark());
        }, 30_000)
      : undefined;
    try {
      for (const obj of initial) await write(encode('ADDED', obj));
      if (sendInitial && bookmarks) await write(bookmark({ 'k8s.io/initial-events-end': 'true' }));
      for await (const ev of store.watch(ns, from, signal)) {
        lastRevision = ev.revision;
        const now = !filter || filter(ev.object);
        const before = ev.previous !== undefined && (!filter || filter(ev.previous));
        let type: string | undefined;
        if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
        else if (ev.type === 'DELETED') type = before ? 'DELETED' : undefined;
        else if (now && before) type = 'MODIFIED';
        else if (now) type = 'ADDED';
        else if (before) type = 'DELETED';
        if (type) {
          // Plain JSON events are the same bytes for every watcher: encode each once.
          if (shape.kind === 'object') {
            let line = ev.encoded.get(type);
            if (line === undefined) ev.encoded.set(type, (line = encode(type, ev.object)));
            await write(line);
          } else {
            await write(encode(type, ev.object));
          }
        }
      }
    } catch (err) {
      if (err instanceof StatusError) {
        await write(JSON.stringify({ type: 'ERROR', object: err.toStatus() }) + '\n');
      } else if (!signal.aborted) {
        throw err;
      }
    } finally {
      if (timer) clearTimeout(timer);
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      req.off('close', stop);
      if (!res.writableEnded) res.end();
    }
  }

  private async readObject(req: IncomingMessage): Promise<KubeObject> {
    const body = decodeBody(await readBody(req), mediaType(req.headers['content-type']));
    if (!isObject(body)) throw badRequest('the body of the request must be an object');
    return body as KubeObject;
  }

  /** Answers fieldValidation as upstream: Strict fails on unknown fields, Warn adds warnings. */
  private checkFields(res: ServerResponse, type: ResourceType, obj: KubeObject, query: URLSearchParams): void {
    const mode = query.get('fieldValidation') ?? 'Warn';
    if (mode === 'Ignore') return;
    if (mode !== 'Strict' && mode !== 'Warn') {
      throw badRequest(`fieldValidation parameter unsupported: ${mode}`);
    }
    const unknown = this.ctx.unknownFields(type, obj);
    if (!unknown.length) return;
    if (mode === 'Strict') {
      throw badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    res.setHeader(
      'Warning',
      unknown.map((f) => `299 - ${JSON.stringify(`unknown field "${f}"`)}`),
    );
  }

  private async create(c: Call) {
    const { req, res, store, ns, info, query, shape } = c;
    const obj = await this.readObject(req);
    const dry = dryRun(query);
    if (info.subresource === 'binding' || info.resource === 'bindings') {
      return this.bind(res, ns, info.subresource ? info.name : (obj.metadata?.name ?? ''), obj, dry);
    }
    if (info.subresource === 'eviction') {
      await this.storeFor('', 'v1', 'pods').delete(ns, info.name, (obj.deleteOptions ?? {}) as DeleteOptions, dry);
      return sendObject(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    if (info.subresource) throw nodeNotConnected(info);
    if (info.name) {
      throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    this.checkFields(res, store.type, obj, query);
    if (store.type.namespaced) await this.requireNamespace(ns || obj.metadata?.namespace || '');
    const created = await store.create(ns, obj, {
      dryRun: dry,
      mutate: (o) => this.ctx.patcher.recordWrite(store, undefined, o, c.fieldManager),
    });
    this.render(res, 201, store, created, shape);
  }

  private async requireNamespace(ns: string): Promise<void> {
    const nsStore = this.storeFor('', 'v1', 'namespaces');
    const obj = await nsStore.get('', ns);
    if (obj.metadata?.deletionTimestamp || (obj.status as { phase?: string } | undefined)?.phase === 'Terminating') {
      throw new StatusError(
        403,
        'Forbidden',
        `unable to create new content in namespace ${ns} because it is being terminated`,
        { name: ns, kind: 'namespaces', causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }] },
      );
    }
  }

  private storeFor(group: string, version: string, plural: string): RestStore {
    const s = findStore(this.ctx.stores, group, version, plural);
    if (!s) throw new Error(`no store for ${group}/${version}/${plural}`);
    return s;
  }

  private async bind(res: ServerResponse, ns: string, name: string, binding: KubeObject, dry: boolean) {
    const target = (binding.target ?? {}) as { kind?: string; name?: string };
    if (!target.name) {
      throw badRequest('Binding.target.name must be set');
    }
    const pods = this.storeFor('', 'v1', 'pods');
    await pods.guaranteedUpdate(
      ns,
      name,
      (pod) => {
        const spec = (pod.spec ?? {}) as { nodeName?: string };
        if (pod.metadata?.deletionTimestamp) {
          throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is being deleted, cannot be assigned to a host`);
        }
        if (spec.nodeName) {
          throw new StatusError(
            409,
            'Conflict',
            `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${spec.nodeName}"`,
          );
        }
        spec.nodeName = target.name;
        pod.spec = spec;
        const annotations = binding.metadata?.annotations;
        if (annotations) pod.metadata = { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...annotations } };
        return pod;
      },
      'binding',
      { dryRun: dry },
    );
    sendObject(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  private async update(c: Call) {
    const { req, res, store, ns, info, query, shape } = c;
    const obj = await this.readObject(req);
    const dry = dryRun(query);
    if (info.subresource === 'scale') {
      const updated = await this.writeScale(store, ns, info.name, obj, dry);
      return sendObject(res, 200, updated);
    }
    if (info.subresource === 'finalize' && store.type.kind === 'Namespace') {
      const updated = await store.guaranteedUpdate(ns, info.name, (cur) => {
        cur.spec = { ...(cur.spec as object), finalizers: (obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [] };
        return cur;
      });
      const finalizers = (updated.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
      if (!finalizers.length && updated.metadata?.deletionTimestamp && !(updated.metadata.finalizers ?? []).length) {
        await store.delete('', info.name, {}, dry);
      }
      return sendObject(res, 200, updated);
    }
    this.checkFields(res, store.type, obj, query);
    const updated = await store.update(ns, info.name, obj, info.subresource, {
      dryRun: dry,
      mutate: (o, old) => this.ctx.patcher.recordWrite(store, old, o, c.fieldManager, info.subresource),
    });
    this.render(res, 200, store, updated, shape);
  }

  private async writeScale(store: RestStore, ns: string, name: string, scale: KubeObject, dry: boolean) {
    const wanted = (scale.spec as { replicas?: number } | undefined)?.replicas;
    const rv = scale.metadata?.resourceVersion;
    const updated = await store.guaranteedUpdate(
      ns,
      name,
      (cur) => {
        if (rv && rv !== cur.metadata?.resourceVersion) {
          throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${store.type.plural}.${store.type.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
        }
        cur.spec = { ...(cur.spec as object), replicas: wanted ?? 0 };
        return cur;
      },
      '',
      { dryRun: dry },
    );
    return scaleOf(store, updated);
  }

  private async patch(c: Call) {
    const { req, res, store, ns, info, query, shape, fieldManager } = c;
    const type = mediaType(req.headers['content-type']);
    const body = await readBody(req);
    const dry = dryRun(query);
    if (info.subresource === 'scale') {
      const current = scaleOf(store, await store.get(ns, info.name));
      const patched = this.ctx.patcher.patchPlain(current, body, type);
      return sendObject(res, 200, await this.writeScale(store, ns, info.name, patched, dry));
    }
    const { object, created } = await this.ctx.patcher.patch({
      store,
      namespace: ns,
      name: info.name,
      subresource: info.subresource,
      body,
      contentType: type,
      query,
      fieldManager,
      dryRun: dry,
      checkFields: (obj) => this.checkFields(res, store.type, obj, query),
      requireNamespace: (n) => this.requireNamespace(n),
    });
    this.render(res, created ? 201 : 200, store, object, shape);
  }

  private async readDeleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
    const raw = await readBody(req);
    let opts: DeleteOptions = {};
    if (raw.length) {
      const body = decodeBody(raw, mediaType(req.headers['content-type']));
      if (!isObject(body)) throw badRequest('the body of the request must be an object');
      opts = body as DeleteOptions;
    }
    const grace = queryInt(query, 'gracePeriodSeconds');
    if (grace !== undefined) opts.gracePeriodSeconds = grace;
    const policy = query.get('propagationPolicy');
    if (policy) opts.propagationPolicy = policy;
    if (query.get('orphanDependents') !== null) opts.orphanDependents = query.get('orphanDependents') === 'true';
    if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
      throw new StatusError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
    }
    return opts;
  }

  private async delete(c: Call) {
    const { req, res, store, ns, info, query, shape } = c;
    if (info.subresource) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const opts = await this.readDeleteOptions(req, query);
    const result = await store.delete(ns, info.name, opts, dryRun(query) || (opts.dryRun ?? []).includes('All'));
    this.render(res, result.deleted ? 200 : 202, store, result.object, shape);
  }

  private async deleteCollection(c: Call) {
    const { req, res, store, ns, query } = c;
    const opts = await this.readDeleteOptions(req, query);
    const filter = requestFilter(store.type, query);
    const list = await store.list(ns, { filter });
    const dry = dryRun(query);
    const items: KubeObject[] = [];
    for (const obj of list.items) {
      try {
        const r = await store.delete(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', opts, dry);
        items.push(r.object);
      } catch (err) {
        // Gone already: another deleter got there first, which is what was wanted.
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
    sendObject(res, 200, { kind: `${store.type.kind}List`, apiVersion: store.apiVersion, metadata: { resourceVersion: list.resourceVersion }, items });
  }
}

/** The autoscaling/v1 Scale of a workload. */
export function scaleOf(store: RestStore, obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (obj.status ?? {}) as { replicas?: number; selector?: string };
  const labels = spec.selector?.matchLabels ?? {};
  const selector = status.selector ?? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata?.name,
      namespace: obj.metadata?.namespace,
      uid: obj.metadata?.uid,
      resourceVersion: obj.metadata?.resourceVersion,
      creationTimestamp: obj.metadata?.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

function nodeNotConnected(info: RequestInfo): StatusError {
  return new StatusError(
    503,
    'ServiceUnavailable',
    `the ${info.subresource} subresource of pods is served by the pod's node, and no node agent is connected`,
  );
}
