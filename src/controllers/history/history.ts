/**
 * ControllerRevision bookkeeping shared by the StatefulSet and DaemonSet controllers, after
 * upstream's pkg/controller/history: a revision stores the pod template as a patch
 * (`{"spec":{"template":{...,"$patch":"replace"}}}`), carries an increasing revision number,
 * and is named `<owner>-<hash>`.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import { cloneJSON, isObject, type KubeObject } from '../../apimachinery/object.js';
import { resources, type Client } from '../../client/client.js';
import { newControllerRef, type GroupVersionKind } from '../../apimachinery/owner.js';
import { safeEncodeString, stableStringify } from '../common/hash.js';

/** Label holding a revision's hash (upstream's history.ControllerRevisionHashLabel). */
export const revisionHashLabel = 'controller.kubernetes.io/hash';

/** The data of a revision holding `template`: a strategic merge patch replacing spec.template. */
export function templatePatch(template: PodTemplateSpec | undefined): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...cloneJSON(template ?? {}), $patch: 'replace' } } };
}

/** The pod template a revision's data holds (undefined when the data is not a template patch). */
export function templateOfRevision(revision: ControllerRevision): PodTemplateSpec | undefined {
  const data: unknown = revision.data;
  if (!isObject(data) || !isObject(data.spec) || !isObject(data.spec.template)) return undefined;
  const { $patch: _patch, ...template } = cloneJSON(data.spec.template);
  return template as PodTemplateSpec;
}

/** FNV-1 (not 1a), 32 bits, as Go's hash/fnv New32. */
function fnv32(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (const byte of bytes) {
    hash = Math.imul(hash, 0x01000193) >>> 0;
    hash ^= byte;
  }
  return hash >>> 0;
}

/**
 * Upstream's HashControllerRevision: FNV-32 over the data's JSON then the collision count in
 * decimal, rendered through SafeEncodeString. (Skiff's JSON has sorted keys, so the values
 * differ from a real cluster's but are stable.)
 */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  const encoder = new TextEncoder();
  let hash = fnv32(encoder.encode(stableStringify(data)));
  if (collisionCount !== undefined) hash = fnv32(encoder.encode(String(collisionCount)), hash);
  return safeEncodeString(String(hash));
}

/** `<prefix>-<hash>`, the prefix cut to 223 characters as upstream's ControllerRevisionName. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** Revisions sorted by revision number, then creation time, then name (history.SortControllerRevisions). */
export function sortRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  });
}

/** One more than the highest revision number (1 for none). */
export function nextRevisionNumber(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision), 0) + 1;
}

/** Upstream's EqualRevision: same hash label (when both have one) and the same data. */
export function equalRevisions(a: ControllerRevision, b: ControllerRevision): boolean {
  const ha = a.metadata?.labels?.[revisionHashLabel];
  const hb = b.metadata?.labels?.[revisionHashLabel];
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return stableStringify(a.data) === stableStringify(b.data);
}

/** What {@link newControllerRevision} needs. */
export interface NewRevisionInput {
  parent: KubeObject;
  /** The parent's kind, for the revision's controller reference. */
  parentKind: GroupVersionKind;
  /** Copied as the revision's labels (the pod template's labels upstream). */
  labels: Record<string, string> | undefined;
  data: unknown;
  revision: number;
  collisionCount?: number;
}

/** A revision not yet stored, named `<parent>-<hash of data and collisionCount>` (history.NewControllerRevision). */
export function newControllerRevision(input: NewRevisionInput): ControllerRevision {
  const hash = hashRevisionData(input.data, input.collisionCount);
  const meta = input.parent.metadata ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(meta.name ?? '', hash),
      namespace: meta.namespace,
      labels: { ...(input.labels ?? {}), [revisionHashLabel]: hash },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [newControllerRef(input.parent, input.parentKind)],
    },
    data: input.data as ControllerRevision['data'],
    revision: input.revision,
  };
}

/**
 * Stores `revision`, as upstream's realHistory.CreateControllerRevision: when the name is taken by
 * an equal revision that one is returned; by a different one, the collision count is bumped and
 * the name recomputed. Returns the stored revision and the collision count used.
 */
export async function createControllerRevision(
  client: Client,
  input: NewRevisionInput,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  let collisionCount = input.collisionCount ?? 0;
  for (;;) {
    const revision = newControllerRevision({ ...input, collisionCount });
    const namespace = revision.metadata?.namespace ?? '';
    try {
      const created = await client.create<ControllerRevision & KubeObject>(resources.controllerrevisions, namespace, revision as ControllerRevision & KubeObject);
      return { revision: created, collisionCount };
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
      const existing = await client.get<ControllerRevision & KubeObject>(resources.controllerrevisions, namespace, revision.metadata?.name ?? '');
      if (equalRevisions(existing, revision)) return { revision: existing, collisionCount };
      collisionCount++;
    }
  }
}
