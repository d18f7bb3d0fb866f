/**
 * Upstream's root-ca-certificate-publisher (pkg/controller/certificates/rootcacertpublisher):
 * every active Namespace has the ConfigMap `kube-root-ca.crt` holding the cluster CA as
 * `ca.crt`, which pods' service-account volumes project. Edited or deleted, it is put back.
 */
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The ConfigMap's name, as upstream's. */
export const rootCAConfigMapName = 'kube-root-ca.crt';
/** The description upstream puts on it. */
export const rootCADescription =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
const descriptionAnnotation = 'kubernetes.io/description';

type NamespaceObject = Namespace & KubeObject;
type ConfigMapObject = ConfigMap & KubeObject;

/** Keeps `kube-root-ca.crt` in every active Namespace. */
export class RootCAPublisher implements Controller {
  readonly name = 'root-ca-certificate-publisher';
  readonly queueName = 'root_ca_cert_publisher';
  readonly workers = 1;

  private readonly namespaces: Informer<NamespaceObject>;
  private readonly configMaps: Informer<ConfigMapObject>;

  /** @param caPem the CA that signs the API server's serving certificate. */
  constructor(
    private readonly ctx: ControllerContext,
    private readonly caPem: string,
  ) {
    this.namespaces = ctx.informers.informerFor<NamespaceObject>(resources.namespaces);
    this.configMaps = ctx.informers.informerFor<ConfigMapObject>(resources.configmaps, { fieldSelector: `metadata.name=${rootCAConfigMapName}` });
  }

  /** The Namespace cache and the cache of the published ConfigMaps only. */
  get caches(): SyncedCache[] {
    return [this.namespaces, this.configMaps];
  }

  /** A Namespace added or changed, or its ConfigMap changed or deleted, queues the Namespace. */
  watch(queue: KeyQueue): void {
    this.namespaces.addEventHandler({
      onAdd: (ns) => queue.add(ns.metadata?.name ?? ''),
      onUpdate: (_old, ns) => queue.add(ns.metadata?.name ?? ''),
    });
    const byConfigMap = (cm: ConfigMapObject) => queue.add(cm.metadata?.namespace ?? '');
    this.configMaps.addEventHandler({ onUpdate: (_old, cm) => byConfigMap(cm), onDelete: byConfigMap });
  }

  /** Creates or corrects the Namespace's ConfigMap. */
  async sync(namespace: string): Promise<SyncResult> {
    const ns = this.namespaces.get('', namespace);
    if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') return {};
    const existing = this.configMaps.get(namespace, rootCAConfigMapName);
    try {
      if (!existing) {
        await this.ctx.client.create<ConfigMapObject>(resources.configmaps, namespace, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: rootCAConfigMapName, namespace, annotations: { [descriptionAnnotation]: rootCADescription } },
          data: { 'ca.crt': this.caPem },
        });
      } else if (existing.data?.['ca.crt'] !== this.caPem || Object.keys(existing.data ?? {}).length !== 1 || existing.metadata?.annotations?.[descriptionAnnotation] !== rootCADescription) {
        await this.ctx.client.update<ConfigMapObject>(resources.configmaps, namespace, {
          ...existing,
          metadata: { ...existing.metadata, annotations: { ...existing.metadata?.annotations, [descriptionAnnotation]: rootCADescription } },
          data: { 'ca.crt': this.caPem },
        });
      }
    } catch (err) {
      // Gone or terminating namespaces refuse content; a conflict or a racing create comes back as an event.
      if (err instanceof StatusError && (err.code === 404 || err.code === 409 || err.code === 403)) return {};
      throw err;
    }
    return {};
  }
}

/** Builds the publisher for the cluster CA `caPem` (the composition root knows it). */
export function rootCAPublisherFactory(caPem: string): ControllerFactory {
  return (ctx) => new RootCAPublisher(ctx, caPem);
}
