import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ClusterSnapshot } from './snapshot.js';

/** Anything with object metadata: the typed objects of a snapshot. */
export interface HasMetadata {
  metadata?: ObjectMeta;
}

/** The owner reference with controller: true, if any. */
export function controllerRef(obj: HasMetadata): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** A workload as the workload view names it: `kind` is the API kind (`Deployment`, `CronJob`...). */
export interface WorkloadRef {
  kind: string;
  namespace: string;
  name: string;
}

const controllerKinds = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

function ownerObject(snapshot: ClusterSnapshot, kind: string, namespace: string, uid: string | undefined, name: string): HasMetadata | undefined {
  const list: HasMetadata[] =
    kind === 'ReplicaSet' ? snapshot.replicaSets : kind === 'Deployment' ? snapshot.deployments : kind === 'Job' ? snapshot.jobs : kind === 'CronJob' ? snapshot.cronJobs : [];
  return list.find((o) => o.metadata?.namespace === namespace && (uid ? o.metadata?.uid === uid : o.metadata?.name === name));
}

/**
 * The outermost workload that controls `obj` (a pod, a ReplicaSet, a Job), following controller
 * owner references through the snapshot: a Deployment's pod names the Deployment, a CronJob's
 * the CronJob. When an owner is not in the snapshot (not yet seen, or not readable) the last
 * one named is the answer; an object no workload controls gives undefined.
 */
export function workloadOf(snapshot: ClusterSnapshot, obj: HasMetadata): WorkloadRef | undefined {
  const namespace = obj.metadata?.namespace ?? '';
  let found: WorkloadRef | undefined;
  let current: HasMetadata | undefined = obj;
  // Ownership chains are at most Pod → ReplicaSet → Deployment or Pod → Job → CronJob.
  for (let depth = 0; current && depth < 4; depth++) {
    const ref = controllerRef(current);
    if (!ref || !controllerKinds.has(ref.kind)) break;
    found = { kind: ref.kind, namespace, name: ref.name };
    current = ownerObject(snapshot, ref.kind, namespace, ref.uid, ref.name);
  }
  return found;
}
