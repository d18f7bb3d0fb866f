import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { podReferences } from '../../apimachinery/pod-references.js';

/** The kinds of objects a node may reach through its pods. */
export type NodeReachable = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

interface PodEntry {
  node: string;
  refs: string[];
}

function refKey(kind: NodeReachable, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/**
 * Which objects each node may read, as upstream's node authorizer graph: pod → node, and pod →
 * the Secrets, ConfigMaps, PersistentVolumeClaims and ServiceAccount it uses (volumes, projected
 * sources, env, envFrom, imagePullSecrets), PVC → PV. Fed from informer events (setPod,
 * removePod, setClaim, removeClaim); every question is a map lookup.
 */
export class NodeGraph {
  private readonly pods = new Map<string, PodEntry>();
  /** node → reference key → how many of its pods hold it. */
  private readonly nodeRefs = new Map<string, Map<string, number>>();
  private readonly claimVolume = new Map<string, string>();
  private readonly volumeClaims = new Map<string, Set<string>>();

  /** Records a pod as it is now (a pod without a node holds nothing). */
  setPod(pod: Pod): void {
    const namespace = pod.metadata?.namespace ?? '';
    const key = `${namespace}/${pod.metadata?.name ?? ''}`;
    this.drop(key);
    const node = pod.spec?.nodeName;
    if (!node) return;
    const used = podReferences(pod);
    const refs = [
      ...used.secrets.map((n) => refKey('secrets', namespace, n)),
      ...(pod.spec?.imagePullSecrets ?? []).flatMap((s) => (s.name ? [refKey('secrets', namespace, s.name)] : [])),
      ...used.configMaps.map((n) => refKey('configmaps', namespace, n)),
      ...used.persistentVolumeClaims.map((n) => refKey('persistentvolumeclaims', namespace, n)),
      refKey('serviceaccounts', namespace, pod.spec?.serviceAccountName || 'default'),
    ];
    const unique = [...new Set(refs)];
    this.pods.set(key, { node, refs: unique });
    let counts = this.nodeRefs.get(node);
    if (!counts) this.nodeRefs.set(node, (counts = new Map()));
    for (const ref of unique) counts.set(ref, (counts.get(ref) ?? 0) + 1);
  }

  /** Forgets a deleted pod. */
  removePod(pod: Pod): void {
    this.drop(`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
  }

  /** Records a claim's bound volume. */
  setClaim(claim: PersistentVolumeClaim): void {
    const key = `${claim.metadata?.namespace ?? ''}/${claim.metadata?.name ?? ''}`;
    this.removeClaimKey(key);
    const volume = claim.spec?.volumeName;
    if (!volume) return;
    this.claimVolume.set(key, volume);
    let claims = this.volumeClaims.get(volume);
    if (!claims) this.volumeClaims.set(volume, (claims = new Set()));
    claims.add(key);
  }

  /** Forgets a deleted claim. */
  removeClaim(claim: PersistentVolumeClaim): void {
    this.removeClaimKey(`${claim.metadata?.namespace ?? ''}/${claim.metadata?.name ?? ''}`);
  }

  /** The node a pod is bound to, if the graph knows the pod. */
  podNode(namespace: string, name: string): string | undefined {
    return this.pods.get(`${namespace}/${name}`)?.node;
  }

  /** Whether a pod bound to `node` uses the object. */
  nodeUses(node: string, kind: NodeReachable, namespace: string, name: string): boolean {
    return (this.nodeRefs.get(node)?.get(refKey(kind, namespace, name)) ?? 0) > 0;
  }

  /** Whether a pod bound to `node` uses a claim bound to the PersistentVolume. */
  nodeUsesVolume(node: string, volume: string): boolean {
    for (const claim of this.volumeClaims.get(volume) ?? []) {
      const slash = claim.indexOf('/');
      if (this.nodeUses(node, 'persistentvolumeclaims', claim.slice(0, slash), claim.slice(slash + 1))) return true;
    }
    return false;
  }

  private drop(key: string): void {
    const entry = this.pods.get(key);
    if (!entry) return;
    this.pods.delete(key);
    const counts = this.nodeRefs.get(entry.node);
    if (!counts) return;
    for (const ref of entry.refs) {
      const left = (counts.get(ref) ?? 0) - 1;
      if (left > 0) counts.set(ref, left);
      else counts.delete(ref);
    }
    if (counts.size === 0) this.nodeRefs.delete(entry.node);
  }

  private removeClaimKey(key: string): void {
    const volume = this.claimVolume.get(key);
    if (volume === undefined) return;
    this.claimVolume.delete(key);
    const claims = this.volumeClaims.get(volume);
    claims?.delete(key);
    if (claims?.size === 0) this.volumeClaims.delete(volume);
  }
}
