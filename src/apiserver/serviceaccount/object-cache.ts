import type { Pod, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources, type Client } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import type { ServiceAccountObjects } from './token-authenticator.js';

/** Options of {@link ServiceAccountObjectCache.start}. */
export interface ServiceAccountObjectCacheStart {
  /** The API client the caches list and watch through (in `skiff server`, the in-process one). */
  client: Client;
  signal: AbortSignal;
  /** Told about failed lists and watches. Default: console.error. */
  onError?: (error: unknown) => void;
}

/**
 * What a bound token's check reads of its pod (name, UID, deletion), the rest left out of the
 * cache: pods are the biggest and most numerous objects it holds.
 */
function podIdentity(pod: Pod & KubeObject): Pod & KubeObject {
  const { name, namespace, uid, resourceVersion, deletionTimestamp } = pod.metadata ?? {};
  return { apiVersion: pod.apiVersion, kind: pod.kind, metadata: { name, namespace, uid, resourceVersion, ...(deletionTimestamp ? { deletionTimestamp } : {}) } };
}

/**
 * ServiceAccounts, Pods and Secrets kept in watch caches, so that checking a service-account
 * token reads no store (as upstream's authenticator reads listers). Until {@link start} has
 * listed, every lookup finds nothing (tokens do not authenticate yet).
 */
export class ServiceAccountObjectCache implements ServiceAccountObjects {
  private serviceAccounts?: Informer<ServiceAccount & KubeObject>;
  private pods?: Informer<Pod & KubeObject>;
  private secrets?: Informer<Secret & KubeObject>;

  /** Starts the caches; resolves once all have listed. They stop when `signal` aborts. */
  async start(options: ServiceAccountObjectCacheStart): Promise<void> {
    const informerOptions = options.onError ? { onError: options.onError } : {};
    this.serviceAccounts = new Informer(options.client, resources.serviceaccounts, informerOptions);
    this.pods = new Informer(options.client, resources.pods, { ...informerOptions, transform: podIdentity });
    this.secrets = new Informer(options.client, resources.secrets, informerOptions);
    const informers = [this.serviceAccounts, this.pods, this.secrets];
    for (const informer of informers) void informer.start(options.signal);
    await Promise.all(informers.map((i) => i.waitForSync(options.signal)));
  }

  serviceAccount(namespace: string, name: string): ServiceAccount | undefined {
    return this.serviceAccounts?.get(namespace, name);
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.pods?.get(namespace, name);
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.secrets?.get(namespace, name);
  }
}
