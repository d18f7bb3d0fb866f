/** The CustomResourceDefinition shapes this package reads (kubernetes-types' apiextensions/v1). */
import type {
  CustomResourceDefinitionCondition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionSpec,
  CustomResourceDefinitionStatus,
  CustomResourceDefinitionVersion,
} from 'kubernetes-types/apiextensions/v1.js';

export type CrdSpec = CustomResourceDefinitionSpec;
export type CrdNames = CustomResourceDefinitionNames;
export type CrdVersion = CustomResourceDefinitionVersion;
export type CrdStatus = CustomResourceDefinitionStatus;
export type CrdCondition = CustomResourceDefinitionCondition;

/** The finalizer that holds a deleted CRD until every custom object of it is gone. */
export const customResourceCleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';

/** A CRD object's spec (empty parts when absent). */
export function crdSpecOf(obj: object): CrdSpec {
  return ((obj as { spec?: unknown }).spec ?? {}) as CrdSpec;
}

/** A CRD object's status. */
export function crdStatusOf(obj: object): CrdStatus {
  return ((obj as { status?: unknown }).status ?? {}) as CrdStatus;
}

/** The condition of a type, if set. */
export function crdCondition(obj: object, type: string): CrdCondition | undefined {
  return (crdStatusOf(obj).conditions ?? []).find((c) => c.type === type);
}
