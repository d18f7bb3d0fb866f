import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import { dump as dumpYAML } from 'js-yaml';
import { mediaType, protobufMediaType, readBody, type BodyDecoder } from './body.js';
import { badRequest, notFound, StatusError } from '../apimachinery/errors.js';
import { negotiateResource, type ResponseShape } from './negotiate.js';
import { isObject, type KubeObject } from '../apimachinery/object.js';
import type { NowClock as Clock } from '../apimachinery/clock.js';
import type { ResourceOperations, SelectedEvent, Selection, WriteRequest } from './operations.js';
import type { RequestInfo } from './request-info.js';
import type { RestStore } from './rest-store.js';
import { tableFor } from './tables/index.js';
import { boolParam, optionalBoolParam } from '../apimachinery/query-params.js';
import { WatchStreams, type WatchResponse } from './watch-stream.js';
import { WatchWire } from './watch-wire.js';

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
  // As upstream: a Status that says when to retry says it in the header too (429, 503).
  const retry = err.details?.retryAfterSeconds;
  if (retry !== undefined) res.setHeader('Retry-After', String(retry));
  sendObject(res, err.code, err.toStatus());
}

/**
 * An integer query parameter, parsed as upstream's parameter codec parses an int64
 * (strconv.ParseInt): 400 with Go's message for `1e20`, `1.5` or a number past int64, and the
 * value capped at `max` (JavaScript's safe integers by default) so storage never sees a float.
 */
export function queryInt(query: URLSearchParams, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(n > BigInt(max) ? BigInt(max) : n < -BigInt(max) ? -BigInt(max) : n);
}

function dryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw badRequest(`Invalid dryRun value: ${v}; supported values: "All"`);
  }
  return values.length > 0;
}

function selection(query: URLSearchParams): Selection {
  return { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined };
}

/** The media types a create or update body may have, as upstream's serializers. */
const bodyMediaTypes = ['application/json', 'application/yaml', protobufMediaType];

/** The longest timer Node keeps (2^31-1 ms); a longer one would fire at once. */
const maxTimerSeconds = Math.floor(2147483647 / 1000);

/** One resource request, as routing found it. */
interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  store: RestStore;
  ns: string;
  info: RequestInfo;
  query: URLSearchParams;
  shape: ResponseShape;
  write: WriteRequest;
}

/** Options of {@link ResourceHandler}. */
export interface ResourceHandlerOptions {
  /** Watches without timeoutSeconds end after a random time in [this, 2×this] seconds. Default 1800. */
  minRequestTimeoutSeconds?: number;
  /** Warnings admission added to the write being served. Default: none. */
  admissionWarnings?: () => readonly string[];
}

/**
 * The HTTP edge of resource requests: decodes bodies and query parameters, calls
 * {@link ResourceOperations}, and renders the answer as the client asked (JSON, YAML, Table,
 * metadata only), streaming watches.
 */
export class ResourceHandler {
  private readonly minRequestTimeoutSeconds: number;
  private readonly admissionWarnings: () => readonly string[];
  private readonly watchStreams = new WatchStreams();

  constructor(
    private readonly ops: ResourceOperations,
    private readonly clock: Clock,
    private readonly decode: BodyDecoder,
    options: ResourceHandlerOptions = {},
  ) {
    this.minRequestTimeoutSeconds = options.minRequestTimeoutSeconds ?? 1800;
    this.admissionWarnings = options.admissionWarnings ?? (() => []);
  }

  /** Serves one resource request. */
  async serve(req: IncomingMessage, res: ServerResponse, info: RequestInfo, store: RestStore, query: URLSearchParams, fieldManager: string): Promise<void> {
    const shape = negotiateResource(req.headers.accept, query);
    if (!shape) {
      throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml`);
    }
    if (!store.type.namespaced && info.namespace) throw notFound({ resource: store.type.plural, group: store.type.group, name: info.name });
    const write: WriteRequest = {
      dryRun: dryRun(query),
      fieldManager,
      explicitManager: query.has('fieldManager'),
      fieldValidation: query.get('fieldValidation') ?? undefined,
    };
    // A create-only type (the reviews) answers every other verb as upstream: 405.
    if (!info.subresource && store.type.verbs.length === 1 && store.type.verbs[0] === 'create' && info.verb !== 'create') {
      throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    const c: Call = { req, res, store, ns: info.namespace, info, query, shape, write };
    switch (info.verb) {
      case 'get':
        return this.render(res, 200, store, await this.ops.get(store, c.ns, info.name, info.subresource), shape);
      case 'list':
        return this.list(c);
      case 'watch':
        return this.watch(c);
      case 'create': {
        const obj = await this.readObject(req);
        // POST .../bindings is the older spelling of POST .../pods/NAME/binding.
        const r =
          info.resource === 'bindings'
            ? await this.ops.create(store, c.ns, obj.metadata?.name ?? '', 'binding', obj, write)
            : await this.ops.create(store, c.ns, info.name, info.subresource, obj, write);
        return this.renderWrite(c, r.code, r.object, r.warnings);
      }
      case 'update': {
        const r = await this.ops.update(store, c.ns, info.name, info.subresource, await this.readObject(req), write);
        return this.renderWrite(c, r.code, r.object, r.warnings);
      }
      case 'patch': {
        const body = await readBody(req);
        const r = await this.ops.patch(store, c.ns, info.name, info.subresource, body, mediaType(req.headers['content-type']), {
          ...write,
          force: boolParam(query, 'force'),
        });
        return this.renderWrite(c, r.code, r.object, r.warnings);
      }
      case 'delete': {
        const opts = await this.readDeleteOptions(req, query);
        const r = await this.ops.delete(store, c.ns, info.name, info.subresource, opts, write.dryRun ?? false);
        return this.render(res, r.deleted ? 200 : 202, store, r.object, shape);
      }
      case 'deletecollection': {
        const opts = await this.readDeleteOptions(req, query);
        const list = await this.ops.deleteCollection(store, c.ns, selection(query), opts, write.dryRun ?? false);
        return sendObject(res, 200, {
          kind: `${store.type.kind}List`,
          apiVersion: store.apiVersion,
          metadata: { resourceVersion: list.resourceVersion },
          items: list.items,
        });
      }
      default:
        throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
  }

  /** A Table of objects in the version the client asked for. */
  private table(store: RestStore, objects: KubeObject[], shape: ResponseShape & { kind: 'table' }, metadata: Record<string, unknown>) {
    const includeObject = ['None', 'Object'].includes(shape.includeObject) ? (shape.includeObject as 'None' | 'Object') : 'Metadata';
    const table = tableFor(store.type, objects, { now: this.clock.now(), includeObject });
    return { ...table, apiVersion: `meta.k8s.io/${shape.version}`, metadata };
  }

  private render(res: ServerResponse, code: number, store: RestStore, obj: KubeObject, shape: ResponseShape): void {
    // Subresource answers of another kind (Scale, Status) are sent as they are.
    if (shape.kind === 'table' && obj.kind === store.type.kind) {
      return sendObject(res, code, this.table(store, [obj], shape, { resourceVersion: obj.metadata?.resourceVersion }));
    }
    if (shape.kind === 'partial') {
      return sendObject(res, code, { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${shape.version}`, metadata: obj.metadata });
    }
    sendObject(res, code, obj, shape.kind === 'object' ? shape.format : 'json');
  }

  private renderWrite(c: Call, code: number, obj: KubeObject, written: string[]): void {
    const warnings = [...written, ...this.admissionWarnings()];
    if (warnings.length) c.res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
    this.render(c.res, code, c.store, obj, c.shape);
  }

  private async list(c: Call): Promise<void> {
    const { res, store, query, shape } = c;
    const list = await this.ops.list(store, c.ns, {
      ...selection(query),
      limit: queryInt(query, 'limit'),
      continue: query.get('continue') ?? undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
    });
    const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
    if (list.continueToken) metadata.continue = list.continueToken;
    if (shape.kind === 'table') return sendObject(res, 200, this.table(store, list.items, shape, metadata));
    if (shape.kind === 'partial') {
      return sendObject(res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: `meta.k8s.io/${shape.version}`,
        metadata,
        items: list.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${shape.version}`, metadata: o.metadata })),
      });
    }
    sendObject(res, 200, { kind: `${store.type.kind}List`, apiVersion: store.apiVersion, metadata, items: list.items }, shape.format);
  }

  private async watch(c: Call): Promise<void> {
    const { req, res, store, query, shape } = c;
    // Upstream's default: a random timeout, so that watchers do not all re-list at once.
    const timeoutSeconds = queryInt(query, 'timeoutSeconds', maxTimerSeconds) ?? this.minRequestTimeoutSeconds * (1 + Math.random());
    const bookmarks = boolParam(query, 'allowWatchBookmarks');
    const sendInitial = boolParam(query, 'sendInitialEvents');
    const controller = new AbortController();
    const signal = controller.signal;
    const stop = () => controller.abort();
    req.on('close', stop);
    res.on('close', stop);
    const timer = timeoutSeconds && timeoutSeconds > 0 ? setTimeout(stop, timeoutSeconds * 1000) : undefined;
    let tableHeaderSent = false;
    let lastRevision = 0;
    const encode = (type: string, obj: KubeObject): string => {
      if (shape.kind === 'table' && type !== 'BOOKMARK') {
        const table = this.table(store, [obj], shape, { resourceVersion: obj.metadata?.resourceVersion });
        if (tableHeaderSent) table.columnDefinitions = [];
        tableHeaderSent = true;
        return JSON.stringify({ type, object: table }) + '\n';
      }
      if (shape.kind === 'partial') {
        return JSON.stringify({ type, object: { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${shape.version}`, metadata: obj.metadata } }) + '\n';
      }
      return JSON.stringify({ type, object: obj }) + '\n';
    };
    // Where the lines go, known once the response started (see WatchWire): until then, `res`.
    let wire: WatchWire | undefined;
    const out: WatchResponse = {
      write: (chunk, callback) => (wire?.response ?? res).write(chunk, callback),
      cork: () => (wire?.response ?? res).cork(),
      uncork: () => (wire?.response ?? res).uncork(),
    };
    const frame = (line: string): Buffer => (wire ? wire.frame(Buffer.from(line)) : Buffer.from(line));
    // Events of the store are the same bytes for every watcher of one representation (and
    // framing): encoded once (a Table's first event for a watcher carries the column
    // definitions: its own variant). The cache keys are made once per watch, not per event.
    const representation = shape.kind === 'table' ? `table/${shape.version}/${shape.includeObject}` : shape.kind === 'partial' ? `partial/${shape.version}` : 'object';
    const keys: Partial<Record<SelectedEvent['type'], string>> = {};
    const render = (ev: SelectedEvent): Buffer | undefined => {
      lastRevision = Math.max(lastRevision, ev.revision);
      if (ev.type === 'BOOKMARK') {
        // The end of the initial events (and the periodic ones), only for clients that allow bookmarks.
        return bookmarks ? frame(encode('BOOKMARK', ev.object)) : undefined;
      }
      if (!ev.shared) return frame(encode(ev.type, ev.object));
      const framing = wire?.framed ? ' chunk' : '';
      const key =
        shape.kind === 'table' && !tableHeaderSent
          ? `${representation} ${ev.type} columns${framing}`
          : (keys[ev.type] ??= `${representation} ${ev.type}${framing}`);
      let line = ev.shared.encoded.get(key);
      if (line === undefined) ev.shared.encoded.set(key, (line = frame(encode(ev.type, ev.object))));
      tableHeaderSent = true;
      return line;
    };
    const stream = this.watchStreams.open(out, signal, render);
    const bookmark = (): SelectedEvent => ({
      type: 'BOOKMARK',
      object: { kind: store.type.kind, apiVersion: store.apiVersion, metadata: { resourceVersion: String(lastRevision) } },
      revision: lastRevision,
    });
    let bookmarkTimer: NodeJS.Timeout | undefined;
    try {
      await this.ops.watchInto(
        store,
        c.ns,
        { ...selection(query), resourceVersion: query.get('resourceVersion') ?? undefined, sendInitialEvents: sendInitial, name: c.info.name || undefined },
        signal,
        stream,
        (from) => {
          lastRevision = from;
          res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
          res.flushHeaders();
          wire = new WatchWire(res);
          if (bookmarks) bookmarkTimer = setInterval(() => stream.event(bookmark()), 30_000);
        },
      );
      const how = await stream.ended;
      if (how.reason === 'failed') throw how.error;
    } catch (err) {
      // Before the stream started, the error is an ordinary answer; after, an ERROR event.
      if (!res.headersSent) throw err;
      stream.flush();
      if (err instanceof StatusError) {
        if (!signal.aborted) res.write(JSON.stringify({ type: 'ERROR', object: err.toStatus() }) + '\n');
      } else if (!signal.aborted) throw err;
    } finally {
      stream.end({ reason: 'stopped' });
      if (timer) clearTimeout(timer);
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      req.off('close', stop);
      if (res.headersSent && !res.writableEnded) res.end();
    }
  }

  private async readObject(req: IncomingMessage): Promise<KubeObject> {
    const type = mediaType(req.headers['content-type']);
    if (!bodyMediaTypes.includes(type)) {
      req.resume();
      throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${bodyMediaTypes.join(', ')}`);
    }
    const body = this.decode(await readBody(req), type);
    if (!isObject(body)) throw badRequest('the body of the request must be an object');
    return body as KubeObject;
  }

  private async readDeleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
    const raw = await readBody(req);
    let opts: DeleteOptions = {};
    if (raw.length) {
      const body = this.decode(raw, mediaType(req.headers['content-type']));
      if (!isObject(body)) throw badRequest('the body of the request must be an object');
      opts = body as DeleteOptions;
      this.ops.checkDeleteOptions(opts);
    }
    const grace = queryInt(query, 'gracePeriodSeconds');
    if (grace !== undefined) opts.gracePeriodSeconds = grace;
    const policy = query.get('propagationPolicy');
    if (policy) opts.propagationPolicy = policy;
    const orphan = optionalBoolParam(query, 'orphanDependents');
    if (orphan !== undefined) opts.orphanDependents = orphan;
    return opts;
  }
}
