/** The REST store of CustomResourceDefinitions: a delete first marks the CRD for cleanup. */
import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import { formatTime } from '../../apimachinery/object.js';
import { RestStore, type DeleteResult } from '../rest-store.js';
import { crdStatusOf, customResourceCleanupFinalizer } from './crd-types.js';

/**
 * As upstream's CRD registry: the first delete of a CRD adds the
 * `customresourcecleanup.apiextensions.k8s.io` finalizer and a Terminating condition, so the CRD
 * stays until every custom object of it has been deleted (see {@link CustomResourceDefinitions}).
 */
export class CustomResourceDefinitionStore extends RestStore {
  private readonly now: () => Date;

  constructor(...args: ConstructorParameters<typeof RestStore>) {
    super(...args);
    const clock = args[3];
    this.now = () => clock.now();
  }

  override async delete(namespace: string, name: string, options: DeleteOptions = {}, dryRun = false): Promise<DeleteResult> {
    const current = await this.get(namespace, name);
    if (!current.metadata?.deletionTimestamp && !dryRun) {
      const pre = options.preconditions;
      const matches = (!pre?.uid || pre.uid === current.metadata?.uid) && (!pre?.resourceVersion || pre.resourceVersion === current.metadata?.resourceVersion);
      if (matches && !(current.metadata?.finalizers ?? []).includes(customResourceCleanupFinalizer)) {
        await this.guaranteedUpdate(namespace, name, (crd) => {
          crd.metadata = { ...crd.metadata, finalizers: [...(crd.metadata?.finalizers ?? []), customResourceCleanupFinalizer] };
          return crd;
        });
        await this.guaranteedUpdate(
          namespace,
          name,
          (crd) => {
            const status = crdStatusOf(crd);
            const conditions = (status.conditions ?? []).filter((c) => c.type !== 'Terminating');
            conditions.push({
              type: 'Terminating',
              status: 'True',
              reason: 'InstanceDeletionPending',
              message: 'CustomResourceDefinition marked for deletion; cleanup will occur',
              lastTransitionTime: formatTime(this.now()),
            });
            crd.status = { ...status, conditions };
            return crd;
          },
          'status',
        );
        // The preconditions held the object the client saw; it has just changed.
        const { preconditions: _p, ...rest } = options;
        return super.delete(namespace, name, rest, dryRun);
      }
    }
    return super.delete(namespace, name, options, dryRun);
  }
}
