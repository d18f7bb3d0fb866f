/**
 * Upstream's NodeRestriction admission plugin: a node identity may create or change only its own
 * Node (without labels under node-restriction.kubernetes.io/ and without changing its taints),
 * may create only mirror pods bound to itself, and may write the status only of pods bound to it.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import { jsonEqual } from '../../apimachinery/object.js';
import type { UserInfo } from '../auth.js';
import { nodeNameOf } from '../authorization/node-authorizer.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from './admission.js';

/** The annotation that marks a mirror pod (a static pod's API copy). */
export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';
/** Labels under this prefix only administrators may set on Nodes (upstream's node-restriction.kubernetes.io/). */
export const restrictedLabelPrefix = 'node-restriction.kubernetes.io/';

function forbidden(plural: string, name: string, message: string): StatusError {
  return new StatusError(403, 'Forbidden', `${plural} "${name}" is forbidden: ${message}`, { name, kind: plural });
}

function restrictedLabels(labels: Record<string, string> | undefined, old: Record<string, string> | undefined): string[] {
  const keys = new Set([...Object.keys(labels ?? {}), ...Object.keys(old ?? {})]);
  return [...keys].filter((k) => {
    const prefix = k.includes('/') ? `${k.slice(0, k.indexOf('/'))}/` : '';
    const restricted = prefix === restrictedLabelPrefix || prefix.endsWith(`.${restrictedLabelPrefix}`);
    return restricted && labels?.[k] !== old?.[k];
  }).sort();
}

/** NodeRestriction: what node identities may write about nodes and pods. */
export class NodeRestrictionAdmission implements MutatingAdmissionPlugin {
  readonly name = 'NodeRestriction';

  /** @param currentUser the user of the request being admitted (undefined for in-process components). */
  constructor(private readonly currentUser: () => UserInfo | undefined) {}

  /** Writes of nodes and pods by node identities. */
  handles(a: AdmissionAttributes): boolean {
    if (a.type.group !== '' || (a.type.kind !== 'Node' && a.type.kind !== 'Pod')) return false;
    const user = this.currentUser();
    return user !== undefined && nodeNameOf(user) !== undefined;
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    const user = this.currentUser();
    const node = user && nodeNameOf(user);
    if (node === undefined) return;
    const name = a.object.metadata?.name ?? a.oldObject?.metadata?.name ?? '';
    if (a.type.kind === 'Pod') return this.admitPod(node, name, a);
    if (name !== node) throw forbidden('nodes', name, `node "${node}" is not allowed to modify node "${name}"`);
    const labels = (a.object as Node).metadata?.labels;
    const oldLabels = (a.oldObject as Node | undefined)?.metadata?.labels;
    const changed = restrictedLabels(labels, a.operation === 'CREATE' ? undefined : oldLabels);
    if (changed.length) {
      const verb = a.operation === 'CREATE' ? 'set' : 'modify';
      throw forbidden('nodes', name, `node "${node}" is not allowed to ${verb} the following labels: ${changed.join(', ')}`);
    }
    if (a.operation === 'UPDATE' && !jsonEqual((a.object as Node).spec?.taints ?? [], (a.oldObject as Node | undefined)?.spec?.taints ?? [])) {
      throw forbidden('nodes', name, `node "${node}" is not allowed to modify taints`);
    }
  }

  private admitPod(node: string, name: string, a: AdmissionAttributes): void {
    const pod = a.object as Pod;
    if (a.operation === 'CREATE') {
      if (pod.metadata?.annotations?.[mirrorPodAnnotation] === undefined) {
        throw forbidden('pods', name, `pod does not have "${mirrorPodAnnotation}" annotation, node "${node}" can only create mirror pods`);
      }
      if (pod.spec?.nodeName !== node) throw forbidden('pods', name, `node "${node}" can only create pods with spec.nodeName set to itself`);
      return;
    }
    const bound = (a.oldObject as Pod | undefined)?.spec?.nodeName;
    if (bound !== node) {
      throw forbidden('pods', name, a.subresource === 'status' ? `node "${node}" can only update pod status for pods with spec.nodeName set to itself` : `node "${node}" can only update its own pods`);
    }
    if (a.subresource !== 'status') throw forbidden('pods', name, `node "${node}" can only update pod status`);
  }
}
