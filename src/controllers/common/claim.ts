/**
 * Adoption and release of objects by selector, after upstream's ControllerRefManager
 * (pkg/controller/controller_ref_manager.go), shared by the ReplicaSet and Deployment controllers.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { matchesLabels, type LabelSelectorExpr } from '../../apimachinery/selectors/labels.js';
import type { Client, ResourceRef } from '../../client/client.js';
import { controllerOf, newControllerRef, type GroupVersionKind } from '../../apimachinery/owner.js';

/** What {@link claimObjects} needs to know about the owner and the owned type. */
export interface ClaimOptions<T extends KubeObject> {
  client: Client;
  /** The owner, as cached. */
  owner: KubeObject;
  /** The owner's kind, written in controller references (e.g. apps/v1 ReplicaSet). */
  ownerKind: GroupVersionKind;
  /** The owner's selector. */
  selector: LabelSelectorExpr;
  /** The resource the candidates are (pods, replicasets). */
  ownedRef: ResourceRef;
  /** Candidates (same namespace as the owner). */
  candidates: readonly T[];
  /**
   * Upstream's RecheckDeletionTimestamp: reads the owner fresh before the first adoption and
   * throws if it is gone, replaced (other uid) or being deleted.
   */
  recheckOwner: () => Promise<void>;
}

function isNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.code === 404;
}

function withoutOwner(refs: readonly OwnerReference[] | undefined, uid: string): OwnerReference[] {
  return (refs ?? []).filter((ref) => ref.uid !== uid);
}

/**
 * Upstream's ControllerRefManager.ClaimObjects: returns the candidates the owner controls after
 * adopting orphans that match its selector (adding a controller reference, unless the owner or
 * the object is being deleted) and releasing those it controls that no longer match (removing
 * its reference). Objects controlled by someone else are left alone. Patches carry a uid test so
 * a recreated object of the same name is never touched; objects gone meanwhile are skipped.
 */
export async function claimObjects<T extends KubeObject>(options: ClaimOptions<T>): Promise<T[]> {
  const { client, owner, selector, ownedRef } = options;
  const ownerUid = owner.metadata?.uid ?? '';
  const ownerDeleting = Boolean(owner.metadata?.deletionTimestamp);
  const claimed: T[] = [];
  let rechecked = false;
  for (const obj of options.candidates) {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace ?? '';
    const name = meta.name ?? '';
    const matches = matchesLabels(selector, meta.labels);
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (matches) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      try {
        await client.patch(ownedRef, namespace, name, 'json', [
          { op: 'test', path: '/metadata/uid', value: meta.uid ?? '' },
          { op: 'replace', path: '/metadata/ownerReferences', value: withoutOwner(meta.ownerReferences, ownerUid) },
        ]);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      continue;
    }
    if (ownerDeleting || !matches || meta.deletionTimestamp) continue;
    if (!rechecked) {
      await options.recheckOwner();
      rechecked = true;
    }
    const refs = [...withoutOwner(meta.ownerReferences, ownerUid), newControllerRef(owner, options.ownerKind)];
    try {
      const adopted = await client.patch<T>(ownedRef, namespace, name, 'json', [
        { op: 'test', path: '/metadata/uid', value: meta.uid ?? '' },
        { op: 'add', path: '/metadata/ownerReferences', value: refs },
      ]);
      claimed.push(adopted);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return claimed;
}

/** The owner-recheck of {@link ClaimOptions.recheckOwner}: a fresh read compared with the cached owner. */
export async function recheckOwner(client: Client, ref: ResourceRef, owner: KubeObject): Promise<void> {
  const namespace = owner.metadata?.namespace ?? '';
  const name = owner.metadata?.name ?? '';
  const fresh = await client.get(ref, namespace, name);
  if (fresh.metadata?.uid !== owner.metadata?.uid) {
    throw new Error(`original ${owner.kind ?? 'object'} ${namespace}/${name} is gone: got uid ${fresh.metadata?.uid ?? ''}, wanted ${owner.metadata?.uid ?? ''}`);
  }
  if (fresh.metadata?.deletionTimestamp) {
    throw new Error(`${namespace}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }
}
