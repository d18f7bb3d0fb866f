/**
 * Controller ownership as every workload controller reads it: the controller reference of an
 * object, and one shared informer index by controller UID (upstream's controllerUID index),
 * so each pod event computes it once however many controllers look pods up by owner.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from './object.js';

/** The owner reference with controller: true, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
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
