import { decodeBody, decodeYAML } from './body.js';
import { badRequest, conflict, invalid, staleObjectMessage, StatusError } from '../apimachinery/errors.js';
import { formatTime, isObject, type KubeObject } from '../apimachinery/object.js';
import type { NowClock as Clock } from '../apimachinery/clock.js';
import type { OpenAPISchemas } from './openapi/definitions.js';
import { ApplyConflictError, applyPatch, recordUpdate } from './patch/apply.js';
import { applyJSONPatch, JSONPatchError } from './patch/jsonpatch.js';
import { applyMergePatch, MergePatchError } from './patch/mergepatch.js';
import type { Definitions } from './patch/schema.js';
import { strategicMergePatch, StrategicMergePatchError } from './patch/strategic.js';
import type { RestStore } from './rest-store.js';

/** One PATCH request, decoded as far as routing goes. */
export interface PatchRequest {
  store: RestStore;
  namespace: string;
  name: string;
  subresource: string;
  body: Buffer;
  /** The request's media type, e.g. `application/strategic-merge-patch+json`. */
  contentType: string;
  fieldManager: string;
  /** True when the client named the field manager (apply requires it). */
  explicitManager: boolean;
  /** Server-side apply: take conflicting fields from other managers. */
  force: boolean;
  dryRun: boolean;
  /** Answers fieldValidation for the patched object. */
  checkFields: (obj: KubeObject) => void;
  /** Throws unless the namespace exists and is not terminating (apply may create). */
  requireNamespace: (namespace: string) => Promise<void>;
}

const patchTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/** Maps a patch library's error to the Status upstream answers with. */
function patchStatus(err: unknown): unknown {
  if (
    err instanceof JSONPatchError ||
    err instanceof MergePatchError ||
    err instanceof StrategicMergePatchError ||
    err instanceof ApplyConflictError
  ) {
    return err.toStatusError();
  }
  return err;
}

/**
 * Applies PATCH requests of every type upstream accepts (JSON patch, merge patch, strategic
 * merge patch, server-side apply) and keeps managedFields up to date on every write.
 */
export class PatchEngine {
  private readonly definitions: Definitions;

  constructor(
    schemas: OpenAPISchemas,
    private readonly clock: Clock,
  ) {
    this.definitions = schemas.definitions as Definitions;
  }

  private root(store: RestStore): string {
    return store.type.definition;
  }

  /** Applies a JSON or merge patch to a plain object (the Scale subresource). */
  patchPlain(obj: KubeObject, body: Buffer, contentType: string): KubeObject {
    try {
      if (contentType === 'application/json-patch+json') {
        return applyJSONPatch(obj, decodeBody(body, 'json')) as KubeObject;
      }
      if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
        return applyMergePatch(obj, decodeBody(body, 'json')) as KubeObject;
      }
    } catch (err) {
      throw patchStatus(err);
    }
    throw unsupported(patchTypes);
  }

  /** Serves a PATCH: returns the written object and whether apply created it. */
  async patch(r: PatchRequest): Promise<{ object: KubeObject; created: boolean }> {
    // Custom resources have no patch strategies: strategic merge patch is refused, as upstream.
    const accepted = r.store.type.custom ? patchTypes.filter((t) => t !== 'application/strategic-merge-patch+json') : patchTypes;
    if (!accepted.includes(r.contentType)) throw unsupported(accepted);
    if (r.contentType === 'application/apply-patch+yaml') return this.apply(r);
    const patch = decodeBody(r.body, 'json');
    if (r.contentType !== 'application/json-patch+json' && !isObject(patch)) {
      throw badRequest('the body of the request must be a JSON object for this patch type');
    }
    const object = await r.store.guaranteedUpdate(
      r.namespace,
      r.name,
      (current) => {
        let next: KubeObject;
        try {
          if (r.contentType === 'application/json-patch+json') next = applyJSONPatch(current, patch) as KubeObject;
          else if (r.contentType === 'application/merge-patch+json') next = applyMergePatch(current, patch) as KubeObject;
          else next = strategicMergePatch(current, patch as object, this.definitions, this.root(r.store)) as KubeObject;
        } catch (err) {
          throw patchStatus(err);
        }
        if (!isObject(next)) throw badRequest('the patched object is not an object');
        checkIdentity(r, current, next);
        const rv = next.metadata?.resourceVersion;
        if (rv && rv !== current.metadata?.resourceVersion) {
          throw conflict({ resource: r.store.type.plural, group: r.store.type.group, name: r.name }, staleObjectMessage);
        }
        r.checkFields(next);
        return next;
      },
      r.subresource,
      {
        dryRun: r.dryRun,
        mutate: (obj, old) => this.record(r.store, old, obj, r.fieldManager, r.subresource),
      },
    );
    return { object, created: false };
  }

  private async apply(r: PatchRequest): Promise<{ object: KubeObject; created: boolean }> {
    const applied = decodeYAML(r.body.toString('utf8'), 'error decoding YAML');
    if (!isObject(applied)) throw badRequest('the body of an apply patch must be an object');
    const appliedObj = applied as KubeObject;
    if (!r.explicitManager) {
      throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    }
    const opts = {
      manager: r.fieldManager,
      force: r.force,
      schema: this.definitions,
      rootDefinition: this.root(r.store),
      apiVersion: r.store.apiVersion,
      now: formatTime(this.clock.now()),
      ignoreStatus: r.store.strategy.hasStatusSubresource && r.subresource !== 'status',
    };
    if (appliedObj.metadata?.name && appliedObj.metadata.name !== r.name) {
      throw badRequest(`the name of the object (${appliedObj.metadata.name}) does not match the name on the URL (${r.name})`);
    }
    r.checkFields(appliedObj);
    try {
      const object = await r.store.guaranteedUpdate(
        r.namespace,
        r.name,
        (current) => applyPatch(current, appliedObj, opts).object as KubeObject,
        r.subresource,
        { dryRun: r.dryRun },
      );
      return { object, created: false };
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404) || r.subresource) throw patchStatus(err);
    }
    // Apply to an object that does not exist creates it.
    try {
      const fresh = applyPatch(undefined, appliedObj, opts).object as KubeObject;
      fresh.metadata = { ...fresh.metadata, name: r.name };
      if (r.store.type.namespaced) await r.requireNamespace(r.namespace);
      const object = await r.store.create(r.namespace, fresh, { dryRun: r.dryRun });
      return { object, created: true };
    } catch (err) {
      throw patchStatus(err);
    }
  }

  private record(store: RestStore, old: KubeObject | undefined, obj: KubeObject, manager: string, subresource = ''): void {
    const updated = recordUpdate(old, obj, {
      manager,
      apiVersion: store.apiVersion,
      now: formatTime(this.clock.now()),
      schema: this.definitions,
      rootDefinition: this.root(store),
      subresource: subresource || undefined,
      ignoreStatus: store.strategy.hasStatusSubresource && subresource !== 'status',
    }) as KubeObject;
    obj.metadata = updated.metadata;
  }

  /** Records a create or update's fields under its manager (the `mutate` hook of writes). */
  recordWrite(store: RestStore, old: KubeObject | undefined, obj: KubeObject, manager: string, subresource = ''): void {
    this.record(store, old, obj, manager, subresource);
  }
}

/** Upstream's default field manager: the user agent up to its first '/'. */
export function defaultManager(userAgent: string | undefined): string {
  const ua = userAgent ?? 'unknown';
  const cut = ua.indexOf('/');
  return (cut > 0 ? ua.slice(0, cut) : ua).slice(0, 128);
}

function unsupported(accepted: readonly string[]): StatusError {
  return new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/**
 * A patch may not move or re-identify its object, as upstream's patch handler checks: another
 * name or namespace is a 400 (checkName), another uid a 422 (metadata.uid is immutable).
 */
function checkIdentity(r: PatchRequest, current: KubeObject, next: KubeObject): void {
  const name = next.metadata?.name;
  if (name !== r.name) throw badRequest(`the name of the object (${String(name ?? '')}) does not match the name on the URL (${r.name})`);
  const namespace = next.metadata?.namespace;
  if (r.namespace && namespace && namespace !== r.namespace) {
    throw badRequest(`the namespace of the object (${String(namespace)}) does not match the namespace on the URL (${r.namespace})`);
  }
  const uid = next.metadata?.uid;
  if (uid !== current.metadata?.uid) {
    const t = r.store.type;
    throw invalid({ resource: t.plural, group: t.group, kind: t.kind, name: r.name }, [{ type: 'FieldValueInvalid', field: 'metadata.uid', value: uid ?? '', detail: 'field is immutable' }]);
  }
}
