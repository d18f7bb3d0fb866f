import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import { badRequest, invalid, notFound, StatusError } from '../apimachinery/errors.js';
import { sourceFactsOf } from '../apimachinery/json-source.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { PatchEngine } from './patch-request.js';
import { evictPod } from './eviction.js';
import { systemClock, type NowClock } from '../apimachinery/clock.js';
import type { ResourceType } from './registry.js';
import { parseRevision, type DeleteResult, type ObjectEvent, type ObjectFilter, type RestList, type RestStore, type WatchEnd } from './rest-store.js';
import { checkFieldSelector, fieldSetFor, matchesFields, parseFieldSelector } from '../apimachinery/selectors/fields.js';
import { labelSelectorFromObject, matchesLabels, parseLabelSelector, selectorToString } from '../apimachinery/selectors/labels.js';
import { SelectorError } from '../apimachinery/selectors/errors.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { customScaleOf, scaleObject, setCustomReplicas } from './apiextensions/custom-scale.js';

/** What selects objects in a list, watch or deletecollection. */
export interface Selection {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Options of {@link ResourceOperations.list}. */
export interface ListRequest extends Selection {
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

/** Options of {@link ResourceOperations.watch}. */
export interface WatchRequest extends Selection {
  resourceVersion?: string;
  sendInitialEvents?: boolean;
  /** Watch one object by name. */
  name?: string;
}

/** A watch event as a watcher receives it (after selection). */
export interface SelectedEvent {
  /** BOOKMARK only marks the end of the initial events when sendInitialEvents asked for them. */
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: KubeObject;
  revision: number;
  /** The shared event, whose encodings every watcher may reuse; absent for initial events. */
  shared?: ObjectEvent;
}

/** Where {@link ResourceOperations.watchInto} delivers a watcher's events, synchronously as they happen. */
export interface SelectedEventSink {
  /** One event: the initial ones, then the changes that concern the watcher's selection. */
  event(ev: SelectedEvent): void;
  /** Stored bytes of the changes given and not yet sent on (past the watch budget the watch ends as lagging). */
  backlogBytes(): number;
  /** Changes given and not yet sent on. */
  backlogEvents(): number;
  /** Called once when the watch is over (see {@link WatchEnd}). */
  end(how: WatchEnd): void;
}

/**
 * What a change is to a watcher whose selection is `filter`: an update that leaves the selection
 * is a DELETED, one that enters it an ADDED, as upstream's watch cache; undefined when the change
 * concerns neither the old nor the new object's selection.
 */
function selectedType(ev: ObjectEvent, filter: ObjectFilter | undefined): SelectedEvent['type'] | undefined {
  const now = !filter || filter(ev.object);
  const before = ev.hasPrevious && (!filter || filter(ev.previous() ?? {}));
  if (ev.type === 'ADDED') return now ? 'ADDED' : undefined;
  if (ev.type === 'DELETED') return before ? 'DELETED' : undefined;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

/** Options common to writes. */
export interface WriteRequest {
  dryRun?: boolean;
  /** The manager recorded in managedFields. */
  fieldManager: string;
  /** True when the client named the manager (server-side apply requires it). */
  explicitManager?: boolean;
  /** Strict, Warn (default) or Ignore, as upstream's fieldValidation. */
  fieldValidation?: string;
}

/** Options of {@link ResourceOperations.patch}. */
export interface PatchRequestOptions extends WriteRequest {
  /** Server-side apply: take conflicting fields. */
  force?: boolean;
}

/** A write's answer: the object and any warnings for the client. */
export interface WriteResult {
  object: KubeObject;
  /** Upstream's HTTP code for it: 200, or 201 when created. */
  code: number;
  warnings: string[];
}

/** What the operations need from the server. */
export interface OperationsContext {
  stores: ReadonlyMap<string, RestStore>;
  patcher: PatchEngine;
  /** Lists the unknown fields of an object of a type (for fieldValidation). */
  unknownFields: (type: ResourceType, obj: KubeObject) => string[];
  /** The first value of an object the schema of a definition refuses (upstream's decoder message), or undefined. */
  typeError: (definition: string, obj: object) => string | undefined;
  /**
   * Creates that store nothing (reviews, `serviceaccounts/token`), by {@link storeKeyOf} of the
   * type, plus `/<subresource>` for a subresource: (namespace, name, body, dryRun) → the answer.
   */
  createOnly?: ReadonlyMap<string, (ns: string, name: string, obj: KubeObject, dryRun: boolean) => Promise<KubeObject>>;
  /** The clock of evictions' disruptedPods times. Default: the system clock. */
  clock?: NowClock;
}

/** The key under which a type's store is registered. */
export function storeKeyOf(t: { group: string; version: string; plural: string }): string {
  return `${t.group}/${t.version}/${t.plural}`;
}

/** The selectors of a request as one predicate; 400 on bad syntax or an unsupported field. */
export function selectionFilter(type: ResourceType, s: Selection, name?: string): ObjectFilter | undefined {
  const labels = s.labelSelector ? parseLabelSelector(s.labelSelector) : undefined;
  const fields = s.fieldSelector ? checkFieldSelector(type, parseFieldSelector(s.fieldSelector)) : undefined;
  if (!labels && !fields && !name) return undefined;
  return (obj) =>
    (!name || obj.metadata?.name === name) &&
    (!labels || matchesLabels(labels, obj.metadata?.labels)) &&
    (!fields || matchesFields(fields, fieldSetFor(type, obj)));
}

/** Subresources the node's kubelet serves (routed there once agents exist). */
const nodeSubresources = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

/**
 * Every verb on every resource, as the HTTP edge and the in-process client both call it:
 * decoded arguments in, objects (or a StatusError) out. Nothing here knows about HTTP.
 */
export class ResourceOperations {
  constructor(private readonly ctx: OperationsContext) {}

  /** The store of a served resource type; 404 as upstream when the server has none. */
  storeFor(group: string, version: string, plural: string): RestStore {
    const s = this.ctx.stores.get(storeKeyOf({ group, version, plural }));
    if (!s) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    return s;
  }

  /** Checks a subresource exists on the type; 404 otherwise. */
  checkSubresource(store: RestStore, subresource: string, name: string): void {
    if (subresource && !store.type.subresources.some((s) => s.name === subresource)) {
      throw notFound({ resource: `${store.type.plural}/${subresource}`, group: store.type.group, name });
    }
  }

  /** GET of one object (or its scale). */
  async get(store: RestStore, ns: string, name: string, subresource = ''): Promise<KubeObject> {
    this.checkSubresource(store, subresource, name);
    if (nodeSubresources.has(subresource)) throw nodeNotConnected(subresource);
    const obj = await store.get(ns, name);
    return subresource === 'scale' ? scaleFor(store.type, obj) : obj;
  }

  /** A list with selectors and paging. */
  list(store: RestStore, ns: string, r: ListRequest): Promise<RestList> {
    return store.list(ns, {
      filter: selectionFilter(store.type, r),
      limit: r.limit,
      continueToken: r.continue,
      resourceVersion: r.resourceVersion,
      resourceVersionMatch: r.resourceVersionMatch,
    });
  }

  /**
   * A watch: initial ADDED events when no resourceVersion (or "0", or sendInitialEvents) is
   * given, then changes after it; an update that leaves the selection is a DELETED, one that
   * enters it an ADDED, as upstream's watch cache does. `onStart` learns the starting revision.
   */
  async *watch(store: RestStore, ns: string, r: WatchRequest, signal: AbortSignal, onStart?: (revision: number) => void): AsyncGenerator<SelectedEvent> {
    const filter = selectionFilter(store.type, r, r.name);
    const from = await this.watchStart(store, ns, r, filter, onStart);
    yield* from.initial;
    for await (const ev of store.watch(ns, from.revision, signal)) {
      const type = selectedType(ev, filter);
      if (type) yield { type, object: ev.object, revision: ev.revision, shared: ev };
    }
  }

  /**
   * The same watch as {@link watch}, pushed into `sink` as each change is published instead of
   * pulled: the initial events are given before this resolves, then every change that concerns
   * the selection, until `signal` aborts or the watch ends (`sink.end`). Throws as `watch` throws
   * (410 Expired after `onStart` when the revision is older than the kept history).
   */
  async watchInto(store: RestStore, ns: string, r: WatchRequest, signal: AbortSignal, sink: SelectedEventSink, onStart?: (revision: number) => void): Promise<void> {
    const filter = selectionFilter(store.type, r, r.name);
    const from = await this.watchStart(store, ns, r, filter, onStart);
    for (const ev of from.initial) sink.event(ev);
    await store.attachWatch(
      ns,
      from.revision,
      {
        push: (ev) => {
          const type = selectedType(ev, filter);
          if (type) sink.event({ type, object: ev.object, revision: ev.revision, shared: ev });
        },
        backlogBytes: () => sink.backlogBytes(),
        backlogEvents: () => sink.backlogEvents(),
        end: (how) => sink.end(how),
      },
      signal,
    );
  }

  /**
   * Where a watch starts: the revision given, or a list's (whose objects are the initial ADDED
   * events, closed by a BOOKMARK when sendInitialEvents asked for them). `onStart` learns it.
   */
  private async watchStart(
    store: RestStore,
    ns: string,
    r: WatchRequest,
    filter: ObjectFilter | undefined,
    onStart: ((revision: number) => void) | undefined,
  ): Promise<{ revision: number; initial: SelectedEvent[] }> {
    const rv = r.resourceVersion ?? '';
    let from = rv && rv !== '0' && !r.sendInitialEvents ? parseRevision(rv) : 0;
    let objects: KubeObject[] = [];
    if (!from) {
      const list = await store.list(ns, { filter });
      objects = list.items;
      from = Number(list.resourceVersion);
    }
    onStart?.(from);
    const initial: SelectedEvent[] = objects.map((object) => ({ type: 'ADDED', object, revision: from }));
    if (r.sendInitialEvents) {
      initial.push({
        type: 'BOOKMARK',
        object: { kind: store.type.kind, apiVersion: store.apiVersion, metadata: { resourceVersion: String(from), annotations: { 'k8s.io/initial-events-end': 'true' } } },
        revision: from,
      });
    }
    return { revision: from, initial };
  }

  /** Answers fieldValidation as upstream: Strict fails on unknown fields, Warn returns warnings. */
  fieldWarnings(type: ResourceType, obj: KubeObject, mode = 'Warn'): string[] {
    if (mode === 'Ignore') return [];
    if (mode !== 'Strict' && mode !== 'Warn') throw badRequest(`fieldValidation parameter unsupported: ${mode}`);
    const found = [
      ...this.ctx.unknownFields(type, obj).map((f) => `unknown field "${f}"`),
      ...(sourceFactsOf(obj)?.duplicates ?? []).map((f) => `duplicate field "${f}"`),
    ];
    if (!found.length) return [];
    if (mode === 'Strict') throw badRequest(`strict decoding error: ${found.join(', ')}`);
    return found;
  }

  /**
   * 400 for a body whose values do not fit its type's schema (a string or fraction for an int32,
   * a number past its range), as upstream's decoder answers:
   * `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal ...`.
   */
  checkTypes(type: ResourceType, obj: KubeObject): void {
    const problem = this.ctx.typeError(type.definition, obj);
    if (!problem) return;
    const kind = typeof obj.kind === 'string' && obj.kind ? obj.kind : type.kind;
    const apiVersion = typeof obj.apiVersion === 'string' && obj.apiVersion ? obj.apiVersion : type.version;
    const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${type.kind}: ${problem}`);
  }

  /** 422 for a patch whose result does not fit the type's schema, as upstream's patch handler answers. */
  private checkPatchedTypes(type: ResourceType, patched: KubeObject): void {
    const problem = this.ctx.typeError(type.definition, patched);
    if (!problem) return;
    throw invalid({ resource: '', group: '', kind: '', name: '' }, [{ type: 'FieldValueInvalid', field: 'patch', value: JSON.stringify(patched), detail: problem }]);
  }

  /** Throws unless the namespace exists and is not being deleted. */
  async requireNamespace(ns: string): Promise<void> {
    const obj = await this.storeFor('', 'v1', 'namespaces').getShared('', ns);
    if (obj.metadata?.deletionTimestamp || (obj.status as { phase?: string } | undefined)?.phase === 'Terminating') {
      throw new StatusError(403, 'Forbidden', `unable to create new content in namespace ${ns} because it is being terminated`, {
        name: ns,
        kind: 'namespaces',
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  /** POST: a create, or a binding or eviction of a pod. */
  async create(store: RestStore, ns: string, name: string, subresource: string, obj: KubeObject, w: WriteRequest): Promise<WriteResult> {
    this.checkSubresource(store, subresource, name);
    const createOnly = this.ctx.createOnly?.get(subresource ? `${storeKeyOf(store.type)}/${subresource}` : storeKeyOf(store.type));
    if (createOnly) return { object: await createOnly(ns, name, obj, !!w.dryRun), code: 201, warnings: [] };
    if (subresource === 'binding') {
      await this.bind(ns, name, obj, !!w.dryRun);
      return { object: success(201), code: 201, warnings: [] };
    }
    if (subresource === 'eviction') {
      const stores = { pods: this.storeFor('', 'v1', 'pods'), podDisruptionBudgets: this.storeFor('policy', 'v1', 'poddisruptionbudgets'), clock: this.ctx.clock ?? systemClock };
      await evictPod(stores, ns, name, obj, !!w.dryRun);
      return { object: success(201), code: 201, warnings: [] };
    }
    if (subresource) throw nodeNotConnected(subresource);
    if (name) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    this.checkTypes(store.type, obj);
    const warnings = this.fieldWarnings(store.type, obj, w.fieldValidation);
    if (store.type.namespaced) await this.requireNamespace(ns || obj.metadata?.namespace || '');
    const object = await store.create(ns, obj, {
      dryRun: w.dryRun,
      mutate: (o) => this.ctx.patcher.recordWrite(store, undefined, o, w.fieldManager),
    });
    return { object, code: 201, warnings };
  }

  private async bind(ns: string, name: string, binding: KubeObject, dryRun: boolean): Promise<void> {
    const target = (binding.target ?? {}) as { kind?: string; name?: string };
    if (!target.name) throw badRequest('Binding.target.name must be set');
    await this.storeFor('', 'v1', 'pods').guaranteedUpdate(
      ns,
      name,
      (pod) => {
        const spec = (pod.spec ?? {}) as { nodeName?: string };
        if (pod.metadata?.deletionTimestamp) {
          throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is being deleted, cannot be assigned to a host`);
        }
        if (spec.nodeName) {
          throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${spec.nodeName}"`);
        }
        spec.nodeName = target.name;
        pod.spec = spec;
        const annotations = binding.metadata?.annotations;
        if (annotations) pod.metadata = { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...annotations } };
        return pod;
      },
      'binding',
      { dryRun },
    );
  }

  /** PUT: replace an object, its status, its scale, or a namespace's finalizers. */
  async update(store: RestStore, ns: string, name: string, subresource: string, obj: KubeObject, w: WriteRequest): Promise<WriteResult> {
    this.checkSubresource(store, subresource, name);
    if (subresource === 'scale') {
      return { object: await this.writeScale(store, ns, name, obj, !!w.dryRun), code: 200, warnings: [] };
    }
    if (subresource === 'finalize' && store.type.kind === 'Namespace') {
      const object = await store.guaranteedUpdate(ns, name, (cur) => {
        cur.spec = { ...(cur.spec as object), finalizers: (obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [] };
        return cur;
      });
      const finalizers = (object.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
      if (!finalizers.length && object.metadata?.deletionTimestamp && !(object.metadata.finalizers ?? []).length) {
        await store.delete('', name, {}, !!w.dryRun);
      }
      return { object, code: 200, warnings: [] };
    }
    this.checkTypes(store.type, obj);
    const warnings = this.fieldWarnings(store.type, obj, w.fieldValidation);
    const object = await store.update(ns, name, obj, subresource, {
      dryRun: w.dryRun,
      mutate: (o, old) => this.ctx.patcher.recordWrite(store, old, o, w.fieldManager, subresource),
    });
    return { object, code: 200, warnings };
  }

  private async writeScale(store: RestStore, ns: string, name: string, scale: KubeObject, dryRun: boolean): Promise<KubeObject> {
    const wanted = (scale.spec as { replicas?: number } | undefined)?.replicas;
    const rv = scale.metadata?.resourceVersion;
    const updated = await store.guaranteedUpdate(
      ns,
      name,
      (cur) => {
        if (rv && rv !== cur.metadata?.resourceVersion) {
          throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${store.type.plural}.${store.type.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
        }
        const paths = store.type.custom?.scale;
        if (paths) setCustomReplicas(cur, paths, wanted ?? 0);
        else cur.spec = { ...(cur.spec as object), replicas: wanted ?? 0 };
        return cur;
      },
      '',
      { dryRun },
    );
    return scaleFor(store.type, updated);
  }

  /** PATCH of any type upstream accepts; apply may create (201). */
  async patch(
    store: RestStore,
    ns: string,
    name: string,
    subresource: string,
    body: Buffer,
    contentType: string,
    p: PatchRequestOptions,
  ): Promise<WriteResult> {
    this.checkSubresource(store, subresource, name);
    if (subresource === 'scale') {
      const patched = this.ctx.patcher.patchPlain(scaleFor(store.type, await store.get(ns, name)), body, contentType);
      return { object: await this.writeScale(store, ns, name, patched, !!p.dryRun), code: 200, warnings: [] };
    }
    const warnings: string[] = [];
    const { object, created } = await this.ctx.patcher.patch({
      store,
      namespace: ns,
      name,
      subresource,
      body,
      contentType,
      fieldManager: p.fieldManager,
      explicitManager: !!p.explicitManager,
      force: !!p.force,
      dryRun: !!p.dryRun,
      checkFields: (obj) => {
        this.checkPatchedTypes(store.type, obj);
        warnings.push(...this.fieldWarnings(store.type, obj, p.fieldValidation));
      },
      requireNamespace: (n) => this.requireNamespace(n),
    });
    return { object, code: created ? 201 : 200, warnings };
  }

  /** 400 for DeleteOptions whose values do not fit their schema (gracePeriodSeconds "5" or 1.5). */
  checkDeleteOptions(opts: DeleteOptions): void {
    const problem = this.ctx.typeError('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', opts);
    if (problem) throw badRequest(problem);
  }

  /** DELETE of one object. */
  async delete(store: RestStore, ns: string, name: string, subresource: string, opts: DeleteOptions, dryRun: boolean): Promise<DeleteResult> {
    if (subresource) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
      throw new StatusError(
        422,
        'Invalid',
        `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
      );
    }
    return store.delete(ns, name, opts, dryRun || (opts.dryRun ?? []).includes('All'));
  }

  /** DELETE of every selected object; answers the list of what was deleted. */
  async deleteCollection(store: RestStore, ns: string, s: Selection, opts: DeleteOptions, dryRun: boolean): Promise<RestList> {
    const list = await store.list(ns, { filter: selectionFilter(store.type, s) });
    const items: KubeObject[] = [];
    for (const obj of list.items) {
      try {
        items.push((await this.delete(store, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', '', opts, dryRun)).object);
      } catch (err) {
        // Gone already: another deleter got there first, which is what was wanted.
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
    return { items, resourceVersion: list.resourceVersion };
  }
}

function success(code: number): KubeObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
}

/** The Scale of an object of a type: a custom resource's from its CRD's paths. */
function scaleFor(type: ResourceType, obj: KubeObject): KubeObject {
  return type.custom?.scale ? customScaleOf(obj, type.custom.scale) : scaleOf(obj);
}

/** The autoscaling/v1 Scale of a workload. */
export function scaleOf(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: Record<string, unknown> };
  const status = (obj.status ?? {}) as { replicas?: number; selector?: string };
  // A ReplicationController's selector is a plain label map; the apps kinds' a LabelSelector.
  const selectorObject = obj.kind === 'ReplicationController' ? { matchLabels: spec.selector } : spec.selector;
  let selector = status.selector;
  if (selector === undefined) {
    try {
      selector = selectorToString(labelSelectorFromObject(selectorObject as LabelSelector | undefined));
    } catch (err) {
      if (!(err instanceof SelectorError)) throw err;
      selector = '';
    }
  }
  return scaleObject(obj, spec.replicas ?? 0, status.replicas ?? 0, selector);
}

function nodeNotConnected(subresource: string): StatusError {
  return new StatusError(
    503,
    'ServiceUnavailable',
    `the ${subresource} subresource of pods is served by the pod's node, and no node agent is connected`,
  );
}
