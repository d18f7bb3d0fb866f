/**
 * What ValidatingAdmissionPolicy admission reads, kept in watch caches: policies, bindings,
 * namespaces, and the objects of each kind a policy names as its paramKind (a cache started
 * when the first policy naming that kind appears).
 */
import type { ParamKind, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-types/admissionregistration/v1.js';
import type { KubeObject } from '../../../apimachinery/object.js';
import { StatusError } from '../../../apimachinery/errors.js';
import { resources, type Client, type ResourceRef } from '../../../client/client.js';
import { Informer } from '../../../client/informer.js';
import { findKind } from '../../registry.js';
import type { PolicySource } from './validating-admission-policy.js';

/** Options of {@link AdmissionPolicyCache.start}. */
export interface AdmissionPolicyCacheStart {
  /** The client the caches list and watch through (in `skiff server`, the in-process one). */
  client: Client;
  signal: AbortSignal;
  /** Told about failed lists and watches. Default: console.error. */
  onError?: (error: unknown) => void;
}

const group = 'admissionregistration.k8s.io';
/** The ValidatingAdmissionPolicy resource. */
export const policyResource: ResourceRef = { group, version: 'v1', resource: 'validatingadmissionpolicies' };
/** The ValidatingAdmissionPolicyBinding resource. */
export const bindingResource: ResourceRef = { group, version: 'v1', resource: 'validatingadmissionpolicybindings' };

type Policy = ValidatingAdmissionPolicy & KubeObject;
type Binding = ValidatingAdmissionPolicyBinding & KubeObject;

/** Policies, bindings, namespaces and params in memory; empty until {@link start} has listed. */
export class AdmissionPolicyCache implements PolicySource {
  private policyInformer?: Informer<Policy>;
  private bindingInformer?: Informer<Binding>;
  private namespaceInformer?: Informer;
  private readonly paramInformers = new Map<string, Informer>();
  private started?: AdmissionPolicyCacheStart;

  /** Starts the caches; resolves once policies, bindings and namespaces have listed. */
  async start(options: AdmissionPolicyCacheStart): Promise<void> {
    this.started = options;
    const informerOptions = options.onError ? { onError: options.onError } : {};
    this.policyInformer = new Informer<Policy>(options.client, policyResource, informerOptions);
    this.bindingInformer = new Informer<Binding>(options.client, bindingResource, informerOptions);
    this.namespaceInformer = new Informer(options.client, resources.namespaces, informerOptions);
    const onPolicy = (p: Policy): void => {
      if (p.spec?.paramKind) this.paramInformer(p.spec.paramKind);
      this.reportTypeChecking(p, options);
    };
    this.policyInformer.addEventHandler({ onAdd: onPolicy, onUpdate: (_o, n) => onPolicy(n) });
    const informers = [this.policyInformer, this.bindingInformer, this.namespaceInformer];
    for (const informer of informers) void informer.start(options.signal);
    await Promise.all(informers.map((i) => i.waitForSync(options.signal)));
  }

  /**
   * Records in the policy's status that this generation was checked (upstream's type-checking
   * controller; Skiff checks no types beyond compiling, so typeChecking carries no warnings).
   */
  private reportTypeChecking(p: Policy, options: AdmissionPolicyCacheStart): void {
    const generation = p.metadata?.generation;
    if (generation === undefined || p.status?.observedGeneration === generation) return;
    const status = { ...p.status, observedGeneration: generation, typeChecking: {} };
    options.client.update(policyResource, '', { ...p, status }, { subresource: 'status' }).catch((err: unknown) => {
      // A newer generation's event writes it again; a conflict or a deleted policy needs nothing.
      if (err instanceof StatusError && (err.code === 409 || err.code === 404)) return;
      (options.onError ?? console.error)(err);
    });
  }

  policies(): readonly ValidatingAdmissionPolicy[] {
    return this.policyInformer?.list() ?? [];
  }

  bindings(): readonly ValidatingAdmissionPolicyBinding[] {
    return this.bindingInformer?.list() ?? [];
  }

  namespace(name: string): KubeObject | undefined {
    return this.namespaceInformer?.get('', name);
  }

  params(kind: ParamKind, namespace: string): readonly KubeObject[] | undefined {
    const informer = this.paramInformer(kind);
    if (!informer?.hasSynced()) return undefined;
    return informer.list(namespace || undefined).map((o) => ({ ...o, apiVersion: kind.apiVersion, kind: kind.kind }));
  }

  paramNamespaced(kind: ParamKind): boolean | undefined {
    return findKind(kind.apiVersion ?? '', kind.kind ?? '')?.namespaced;
  }

  /** The cache of one param kind, started on first use; undefined when the kind is not served. */
  private paramInformer(kind: ParamKind): Informer | undefined {
    const type = findKind(kind.apiVersion ?? '', kind.kind ?? '');
    if (!type || !this.started) return undefined;
    const key = `${type.group}/${type.version}/${type.plural}`;
    let informer = this.paramInformers.get(key);
    if (!informer) {
      const { client, signal, onError } = this.started;
      informer = new Informer(client, { group: type.group, version: type.version, resource: type.plural }, onError ? { onError } : {});
      this.paramInformers.set(key, informer);
      void informer.start(signal);
    }
    return informer;
  }
}
