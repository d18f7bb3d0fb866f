/**
 * The ValidatingAdmissionPolicy admission step, as upstream's plugin: for each policy whose
 * match constraints select the request and each of its bindings that selects it too, collects
 * the params, evaluates the policy, and applies the binding's validation actions (Deny refuses
 * the request, Warn adds a warning, Audit is recorded nowhere yet). Policies, bindings,
 * namespaces and params come from caches (see policy-cache.ts); nothing is read per request.
 */
import type { ParamKind, ParamRef, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-types/admissionregistration/v1.js';
import { StatusError, type StatusReason } from '../../../apimachinery/errors.js';
import type { KubeObject } from '../../../apimachinery/object.js';
import type { ValidatingAdmissionAttributes, ValidatingAdmissionPlugin } from '../admission.js';
import { matchResourcesSelect, type MatchRequest } from './matching.js';
import { PolicyProgram, type PolicyDecision } from './policy-program.js';
import { labelSelectorMatches } from '../../validation/meta.js';

/** Where the plugin reads policies, bindings, namespaces and params (in memory). */
export interface PolicySource {
  policies(): readonly ValidatingAdmissionPolicy[];
  bindings(): readonly ValidatingAdmissionPolicyBinding[];
  namespace(name: string): KubeObject | undefined;
  /**
   * The objects of `kind` in `namespace` ('' for all or cluster-scoped); undefined when that kind
   * is not served or its cache has not listed yet.
   */
  params(kind: ParamKind, namespace: string): readonly KubeObject[] | undefined;
  /** Whether objects of `kind` live in namespaces (undefined when the kind is not served). */
  paramNamespaced(kind: ParamKind): boolean | undefined;
}

/** Options of {@link ValidatingAdmissionPolicyAdmission}. */
export interface ValidatingAdmissionPolicyOptions {
  source: PolicySource;
  /** Adds a warning to the response of the request being served. */
  warn(message: string): void;
}

const reasonCodes: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

interface Denial {
  policy: string;
  binding?: string;
  decision: PolicyDecision;
}

/** Upstream's ValidatingAdmissionPolicy plugin. */
export class ValidatingAdmissionPolicyAdmission implements ValidatingAdmissionPlugin {
  readonly name = 'ValidatingAdmissionPolicy';
  private readonly programs = new Map<string, { version: string; program: PolicyProgram }>();

  constructor(private readonly options: ValidatingAdmissionPolicyOptions) {}

  /** The compiled program of a policy, compiled again only when the policy changes. */
  private programOf(policy: ValidatingAdmissionPolicy): PolicyProgram {
    const name = policy.metadata?.name ?? '';
    const version = `${policy.metadata?.uid ?? ''}/${policy.metadata?.resourceVersion ?? ''}`;
    const cached = this.programs.get(name);
    if (cached?.version === version) return cached.program;
    const program = new PolicyProgram(policy.spec ?? {});
    this.programs.set(name, { version, program });
    return program;
  }

  async validate(a: ValidatingAdmissionAttributes): Promise<void> {
    const source = this.options.source;
    const policies = source.policies();
    if (!policies.length) return;
    const name = a.object?.metadata?.name ?? a.oldObject?.metadata?.name ?? '';
    const isNamespace = a.type.group === '' && a.type.plural === 'namespaces';
    const namespaceObject = a.namespace && !isNamespace ? source.namespace(a.namespace) : undefined;
    const req: MatchRequest = {
      operation: a.operation,
      group: a.type.group,
      version: a.type.version,
      resource: a.type.plural,
      subresource: a.subresource,
      namespaced: a.type.namespaced,
      namespace: a.namespace,
      name,
      ...(a.object ? { objectLabels: a.object.metadata?.labels ?? {} } : {}),
      ...(a.oldObject ? { oldObjectLabels: a.oldObject.metadata?.labels ?? {} } : {}),
      namespaceLabels: (isNamespace ? (a.object ?? a.oldObject) : namespaceObject)?.metadata?.labels ?? {},
    };
    const request = {
      kind: { group: a.type.group, version: a.type.version, kind: a.type.kind },
      resource: { group: a.type.group, version: a.type.version, resource: a.type.plural },
      requestKind: { group: a.type.group, version: a.type.version, kind: a.type.kind },
      requestResource: { group: a.type.group, version: a.type.version, resource: a.type.plural },
      ...(a.subresource ? { subResource: a.subresource, requestSubResource: a.subresource } : {}),
      name,
      namespace: a.namespace,
      operation: a.operation,
      // Components inside the server write as upstream's loopback client does.
      userInfo: a.user
        ? { username: a.user.user, ...(a.user.uid ? { uid: a.user.uid } : {}), groups: a.user.groups, ...(a.user.extra ? { extra: a.user.extra } : {}) }
        : { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] },
      dryRun: false,
    };
    const bindings = source.bindings();
    const denials: Denial[] = [];
    for (const policy of policies) {
      const spec = policy.spec ?? {};
      if (!matchResourcesSelect(spec.matchConstraints, req)) continue;
      const policyName = policy.metadata?.name ?? '';
      const failClosed = (spec.failurePolicy ?? 'Fail') !== 'Ignore';
      const program = this.programOf(policy);
      const configError = (message: string, binding?: string): void => {
        if (failClosed) denials.push({ policy: policyName, ...(binding ? { binding } : {}), decision: { action: 'Deny', message } });
      };
      for (const binding of bindings) {
        if (binding.spec?.policyName !== policyName) continue;
        const bindingName = binding.metadata?.name ?? '';
        if (program.errors.length) {
          configError(`failed to configure policy: ${program.errors.map((e) => `${e.field}: ${e.detail}`).join(', ')}`);
          break;
        }
        if (binding.spec.matchResources && !matchResourcesSelect(binding.spec.matchResources, req, false)) continue;
        const params = this.collectParams(spec.paramKind, binding.spec.paramRef, a.namespace);
        if (typeof params === 'string') {
          configError(`failed to configure binding: ${params}`, bindingName);
          continue;
        }
        for (const param of params) {
          const decisions = program.evaluate({
            object: a.operation === 'DELETE' ? null : a.object,
            oldObject: a.operation === 'CREATE' ? null : a.oldObject,
            request,
            params: param,
            namespaceObject: namespaceObject ?? null,
          });
          for (const decision of decisions ?? []) {
            const actions = binding.spec.validationActions ?? [];
            if (actions.includes('Deny')) denials.push({ policy: policyName, binding: bindingName, decision });
            if (actions.includes('Warn')) {
              this.options.warn(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${decision.message}`);
            }
          }
        }
      }
    }
    const first = denials[0];
    if (!first) return;
    const message = first.binding
      ? `ValidatingAdmissionPolicy '${first.policy}' with binding '${first.binding}' denied request: ${first.decision.message}`
      : `ValidatingAdmissionPolicy '${first.policy}' denied request: ${first.decision.message}`;
    const reason = (first.decision.reason ?? 'Invalid') as StatusReason;
    const group = a.type.group;
    const resource = a.subresource ? `${a.type.plural}/${a.subresource}` : a.type.plural;
    const qualified = group ? `${resource}.${group}` : resource;
    throw new StatusError(reasonCodes[reason] ?? 400, reason, `${qualified} "${name}" is forbidden: ${message}`, {
      name,
      group,
      kind: a.type.plural,
      causes: [{ message }],
    });
  }

  /** The params of one binding (`[null]` without a paramKind), or why there are none (upstream's CollectParams). */
  private collectParams(kind: ParamKind | undefined, ref: ParamRef | undefined, requestNamespace: string): unknown[] | string {
    if (!kind) return [null];
    if (!ref) return `paramKind kind \`${kind.kind}\` is set but paramRef is not set`;
    const source = this.options.source;
    const namespaced = source.paramNamespaced(kind);
    if (namespaced === undefined) return `failed to find resource referenced by paramKind: '${kind.apiVersion ?? ''}, Kind=${kind.kind ?? ''}'`;
    let namespace = '';
    if (namespaced) {
      namespace = ref.namespace ?? requestNamespace;
      if (!namespace) return 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources';
    }
    const objects = source.params(kind, namespace);
    if (!objects) return `paramKind kind \`${kind.kind}\` not yet synced to use for admission`;
    let found: readonly KubeObject[];
    if (ref.name) found = objects.filter((o) => o.metadata?.name === ref.name);
    else found = objects.filter((o) => labelSelectorMatches(ref.selector ?? {}, o.metadata?.labels ?? {}));
    if (found.length) return [...found];
    if ((ref.parameterNotFoundAction ?? 'Deny') === 'Deny') return 'no params found for policy binding with `Deny` parameterNotFoundAction';
    return [];
  }
}
