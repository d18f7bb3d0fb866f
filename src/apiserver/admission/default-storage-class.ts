/**
 * Upstream's DefaultStorageClass admission plugin: a PersistentVolumeClaim created without a
 * storage class gets the cluster's default one (the newest StorageClass annotated as default).
 */
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { defaultStorageClass } from '../../apimachinery/storage-class.js';
import type { KubeObject } from '../../apimachinery/object.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from './admission.js';

/** The beta claim annotation that names a class (it counts as a class chosen). */
const betaClaimClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

/** The default StorageClass given to claims created without one. */
export class DefaultStorageClassAdmission implements MutatingAdmissionPlugin {
  readonly name = 'DefaultStorageClass';

  /** @param listClasses reads every StorageClass. */
  constructor(private readonly listClasses: () => Promise<StorageClass[]>) {}

  /** Claims being created. */
  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && a.subresource === '' && a.type.group === '' && a.type.kind === 'PersistentVolumeClaim';
  }

  /** Sets `spec.storageClassName` when the claim names no class (an explicit "" stays: no class). */
  async admit(a: AdmissionAttributes): Promise<void> {
    const claim = a.object as KubeObject & { spec?: { storageClassName?: string | null } };
    if (claim.spec?.storageClassName != null) return;
    if (claim.metadata?.annotations?.[betaClaimClassAnnotation] !== undefined) return;
    const chosen = defaultStorageClass(await this.listClasses());
    if (!chosen?.metadata?.name) return;
    claim.spec = { ...(claim.spec ?? {}), storageClassName: chosen.metadata.name };
  }
}
