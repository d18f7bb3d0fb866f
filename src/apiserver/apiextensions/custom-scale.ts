/** The autoscaling/v1 Scale of a custom resource, read and written through its CRD's scale paths. */
import type { KubeObject } from '../../apimachinery/object.js';
import type { CustomResourceInfo } from '../registry.js';
import { getPath, setPath } from './json-path.js';

type ScalePaths = NonNullable<CustomResourceInfo['scale']>;

/** The Scale of a custom object: spec and status replicas from their paths, the selector from labelSelectorPath. */
export function customScaleOf(obj: KubeObject, paths: ScalePaths): KubeObject {
  const specReplicas = getPath(obj, paths.specReplicasPath);
  const statusReplicas = getPath(obj, paths.statusReplicasPath);
  const selector = paths.labelSelectorPath ? getPath(obj, paths.labelSelectorPath) : undefined;
  return scaleObject(obj, typeof specReplicas === 'number' ? specReplicas : 0, typeof statusReplicas === 'number' ? statusReplicas : 0, typeof selector === 'string' ? selector : undefined);
}

/** An autoscaling/v1 Scale for `obj` (its name, namespace, uid, resourceVersion and creation time) with these figures. */
export function scaleObject(obj: KubeObject, specReplicas: number, statusReplicas: number, selector?: string): KubeObject {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata?.name,
      namespace: obj.metadata?.namespace,
      uid: obj.metadata?.uid,
      resourceVersion: obj.metadata?.resourceVersion,
      creationTimestamp: obj.metadata?.creationTimestamp,
    },
    spec: { replicas: specReplicas },
    status: { replicas: statusReplicas, ...(selector ? { selector } : {}) },
  };
}

/** Writes a Scale's spec.replicas into the custom object at specReplicasPath. */
export function setCustomReplicas(obj: KubeObject, paths: ScalePaths, replicas: number): void {
  setPath(obj as Record<string, unknown>, paths.specReplicasPath, replicas);
}
