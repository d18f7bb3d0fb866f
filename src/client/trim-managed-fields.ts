import type { KubeObject } from '../apimachinery/object.js';

/**
 * The object without metadata.managedFields, as the transform kube-controller-manager and
 * kube-scheduler give their informers: caches keep what controllers read, and managedFields
 * (often a third of a pod) is read by none. The object is not modified: a shallow copy with
 * a new metadata is returned (the same object when it has no managedFields). An update
 * sent without managedFields keeps the stored ones, so writes of cached copies are unchanged.
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  const metadata = obj.metadata;
  if (!metadata || metadata.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...obj, metadata: rest };
}
