/**
 * Controller ownership as every workload controller reads and writes it: the controller
 * reference of an object, the one a controller puts on what it creates, and one shared informer index by controller UID (upstream's controllerUID index),
 * so each pod event computes it once however many controllers look pods up by owner.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from './object.js';

/** The owner reference with controller: true, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** An API kind with its group and version (upstream's schema.GroupVersionKind; group '' is the core group). */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The GroupVersionKind of an apiVersion (`group/version` or `version`) and kind (upstream's FromAPIVersionAndKind). */
export function groupVersionKind(apiVersion: string, kind: string): GroupVersionKind {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
}

/** The apiVersion of a GroupVersionKind: `group/version`, or `version` for the core group. */
export function apiVersionOf(gvk: GroupVersionKind): string {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

/**
 * Upstream's metav1.NewControllerRef: a reference to `owner` (of kind `gvk`) with controller
 * and blockOwnerDeletion set, so the garbage collector deletes the dependent with its owner and a
 * foreground deletion of the owner waits for it.
 */
export function newControllerRef(owner: KubeObject, gvk: GroupVersionKind): OwnerReference {
  return {
    apiVersion: apiVersionOf(gvk),
    kind: gvk.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The name of the index by controller UID; objects without a controller are under {@link orphanIndexValue}. */
export const controllerUIDIndex = 'controllerUID';

/** The index value of a namespace's objects without a controller. */
export function orphanIndexValue(namespace: string): string {
  return `orphan/${namespace}`;
}

/** {@link controllerUIDIndex}'s values of an object: its controller's UID, or its namespace's orphan value. */
export function controllerUIDIndexValues(obj: KubeObject): string[] {
  const ref = controllerOf(obj);
  return [ref?.uid ? ref.uid : orphanIndexValue(obj.metadata?.namespace ?? '')];
}
