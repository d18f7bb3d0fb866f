/**
 * The default StorageClass, as upstream's volume util GetDefaultClass: one rule for the
 * DefaultStorageClass admission plugin and for provisioners that meet a claim without a class.
 */
import type { StorageClass } from 'kubernetes-types/storage/v1.js';

/** The annotation that marks the default StorageClass. */
export const defaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class';
/** The beta annotation upstream still honours. */
export const betaDefaultClassAnnotation = 'storageclass.beta.kubernetes.io/is-default-class';

/** Whether a StorageClass is marked as the default. */
export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[defaultClassAnnotation] === 'true' || a[betaDefaultClassAnnotation] === 'true';
}

/**
 * The default class among `classes`, as upstream's GetDefaultClass: when several are marked,
 * the newest by creation time (then by name); undefined when none is.
 */
export function defaultStorageClass<T extends StorageClass>(classes: readonly T[]): T | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => {
    const byTime = (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '');
    return byTime !== 0 ? byTime : (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
  });
  return defaults[0];
}
