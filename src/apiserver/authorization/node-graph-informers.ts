import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import type { Clock } from '../../apimachinery/clock.js';
import { resources, type Client } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import type { NodeGraph } from './node-graph.js';
import { podReferencesOnly } from '../../apimachinery/pod-references.js';

/** Options of {@link feedNodeGraph}. */
export interface NodeGraphFeedOptions {
  /** The API server's own (in-process) client. */
  client: Client;
  graph: NodeGraph;
  clock: Clock;
  signal: AbortSignal;
  onError(err: unknown): void;
}

/**
 * What the graph reads of a pod: its name, node, service account, image pull secrets and the
 * objects it references (podReferencesOnly); the rest of the pod stays out of the cache.
 */
function podGraphFields(pod: Pod & KubeObject): Pod & KubeObject {
  const { metadata, spec } = pod;
  const reduced = podReferencesOnly(pod);
  return {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: { ...reduced.metadata, uid: metadata?.uid, resourceVersion: metadata?.resourceVersion },
    spec: {
      containers: [],
      ...(reduced.spec?.volumes ? { volumes: reduced.spec.volumes } : {}),
      ...(spec?.nodeName ? { nodeName: spec.nodeName } : {}),
      ...(spec?.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
      ...(spec?.imagePullSecrets ? { imagePullSecrets: spec.imagePullSecrets } : {}),
    },
  };
}

/**
 * Keeps a {@link NodeGraph} up to date from informers on pods and PersistentVolumeClaims (no
 * store read per authorization). Resolves once both caches have synced.
 */
export async function feedNodeGraph(options: NodeGraphFeedOptions): Promise<void> {
  const { client, graph, clock, signal, onError } = options;
  const pods = new Informer<Pod & KubeObject>(client, resources.pods, { clock, onError, transform: podGraphFields });
  pods.addEventHandler({ onAdd: (p) => graph.setPod(p), onUpdate: (_o, p) => graph.setPod(p), onDelete: (p) => graph.removePod(p) });
  const claims = new Informer<PersistentVolumeClaim & KubeObject>(client, resources.persistentvolumeclaims, { clock, onError });
  claims.addEventHandler({ onAdd: (c) => graph.setClaim(c), onUpdate: (_o, c) => graph.setClaim(c), onDelete: (c) => graph.removeClaim(c) });
  for (const informer of [pods, claims]) informer.start(signal).catch(onError);
  await Promise.all([pods.waitForSync(signal), claims.waitForSync(signal)]);
}
