/**
 * Upstream's LimitRanger admission plugin for pods: on create, containers get the default
 * requests and limits of the namespace's LimitRanges (Container items), then every container
 * (Container items) and the pod as a whole (Pod items) must respect min, max and
 * maxLimitRequestRatio, with upstream's messages.
 */
import type { LimitRange, LimitRangeItem } from 'kubernetes-types/core/v1.js';
import { parseQuantity, Quantity } from '../../apimachinery/quantity.js';
import { admissionForbidden, type AdmissionAttributes, type MutatingAdmissionPlugin, type ValidatingAdmissionPlugin } from './admission.js';

type ResourceList = Record<string, string>;

interface ContainerPart {
  name?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
}

interface PodPart {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: ContainerPart[]; initContainers?: ContainerPart[] };
}

/** The annotation upstream's LimitRanger leaves on the pods it defaulted. */
export const limitRangerAnnotation = 'kubernetes.io/limit-ranger';

function q(value: string): Quantity {
  return parseQuantity(value) ?? Quantity.fromInteger(0);
}

/**
 * Sets the missing requests and limits of each container from a Container item's
 * defaultRequest and default; returns upstream's annotation text ('' when nothing was set).
 */
export function applyLimitRangeDefaults(pod: PodPart, item: LimitRangeItem): string {
  const notes: string[] = [];
  const all = [...(pod.spec?.containers ?? []).map((c) => [c, 'container'] as const), ...(pod.spec?.initContainers ?? []).map((c) => [c, 'init container'] as const)];
  for (const [c, what] of all) {
    const setRequests: string[] = [];
    const setLimits: string[] = [];
    const resources = (c.resources ??= {});
    for (const [name, value] of Object.entries(item.defaultRequest ?? {})) {
      if (resources.requests?.[name] !== undefined) continue;
      resources.requests = { ...resources.requests, [name]: value };
      setRequests.push(name);
    }
    for (const [name, value] of Object.entries(item.default ?? {})) {
      if (resources.limits?.[name] !== undefined) continue;
      resources.limits = { ...resources.limits, [name]: value };
      setLimits.push(name);
    }
    if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${what} ${c.name ?? ''}`);
    if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${what} ${c.name ?? ''}`);
  }
  return notes.length ? `LimitRanger plugin set: ${notes.join('; ')}` : '';
}

function minConstraint(limitType: string, resource: string, enforced: string, request: ResourceList, limit: ResourceList): string | undefined {
  const min = q(enforced);
  if (request[resource] === undefined) return `minimum ${resource} usage per ${limitType} is ${min}.  No request is specified`;
  if (q(request[resource]).cmp(min) < 0) return `minimum ${resource} usage per ${limitType} is ${min}, but request is ${q(request[resource])}`;
  if (limit[resource] !== undefined && q(limit[resource]).cmp(min) < 0) return `minimum ${resource} usage per ${limitType} is ${min}, but limit is ${q(limit[resource])}`;
  return undefined;
}

function maxConstraint(limitType: string, resource: string, enforced: string, request: ResourceList, limit: ResourceList): string | undefined {
  const max = q(enforced);
  if (limit[resource] === undefined) return `maximum ${resource} usage per ${limitType} is ${max}.  No limit is specified`;
  if (q(limit[resource]).cmp(max) > 0) return `maximum ${resource} usage per ${limitType} is ${max}, but limit is ${q(limit[resource])}`;
  if (request[resource] !== undefined && q(request[resource]).cmp(max) > 0) return `maximum ${resource} usage per ${limitType} is ${max}, but request is ${q(request[resource])}`;
  return undefined;
}

function ratioConstraint(limitType: string, resource: string, enforced: string, request: ResourceList, limit: ResourceList): string | undefined {
  const ratio = q(enforced);
  const req = request[resource] === undefined ? undefined : q(request[resource]);
  const lim = limit[resource] === undefined ? undefined : q(limit[resource]);
  if (!req || req.isZero()) return `${resource} max limit to request ratio per ${limitType} is ${ratio}, but no request is specified or request is 0`;
  if (!lim || lim.isZero()) return `${resource} max limit to request ratio per ${limitType} is ${ratio}, but no limit is specified or limit is 0`;
  const observed = lim.milliValue() / req.milliValue();
  if (observed * 1000 > ratio.milliValue()) {
    return `${resource} max limit to request ratio per ${limitType} is ${ratio}, but provided ratio is ${observed.toFixed(6)}`;
  }
  return undefined;
}

function checkItem(limitType: string, item: LimitRangeItem, request: ResourceList, limit: ResourceList): string[] {
  const errs: string[] = [];
  for (const [resource, v] of Object.entries(item.min ?? {})) errs.push(minConstraint(limitType, resource, v, request, limit) ?? '');
  for (const [resource, v] of Object.entries(item.max ?? {})) errs.push(maxConstraint(limitType, resource, v, request, limit) ?? '');
  for (const [resource, v] of Object.entries(item.maxLimitRequestRatio ?? {})) errs.push(ratioConstraint(limitType, resource, v, request, limit) ?? '');
  return errs.filter(Boolean);
}

/** Sums of the containers' requests and limits, max with each init container (the pod-level view). */
function podTotals(pod: PodPart): { request: ResourceList; limit: ResourceList } {
  const sum = (part: 'requests' | 'limits'): ResourceList => {
    const out = new Map<string, Quantity>();
    for (const c of pod.spec?.containers ?? []) for (const [k, v] of Object.entries(c.resources?.[part] ?? {})) out.set(k, out.has(k) ? out.get(k)!.add(q(v)) : q(v));
    for (const c of pod.spec?.initContainers ?? []) for (const [k, v] of Object.entries(c.resources?.[part] ?? {})) out.set(k, out.has(k) ? out.get(k)!.max(q(v)) : q(v));
    return Object.fromEntries([...out].map(([k, v]) => [k, v.toString()]));
  };
  return { request: sum('requests'), limit: sum('limits') };
}

/** Upstream's PodValidateLimitFunc: every violation of the LimitRange's items by this pod. */
export function limitRangeViolations(pod: PodPart, range: LimitRange): string[] {
  const errs: string[] = [];
  for (const item of range.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        errs.push(...checkItem('Container', item, c.resources?.requests ?? {}, c.resources?.limits ?? {}));
      }
    } else if (item.type === 'Pod') {
      const { request, limit } = podTotals(pod);
      errs.push(...checkItem('Pod', item, request, limit));
    }
  }
  return errs;
}

/** Upstream's utilerrors.Aggregate text: one message as is, several as `[a, b]`. */
function aggregate(messages: string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

/** Defaults and checks pods against the namespace's LimitRanges. */
export class LimitRangerAdmission implements MutatingAdmissionPlugin, ValidatingAdmissionPlugin {
  readonly name = 'LimitRanger';

  /** @param listRanges reads the LimitRanges of a namespace. */
  constructor(private readonly listRanges: (namespace: string) => Promise<LimitRange[]>) {}

  /** Pods being created (upstream skips pod updates: containers cannot change). */
  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && a.subresource === '' && a.type.group === '' && a.type.kind === 'Pod';
  }

  /** Sets default requests and limits from Container items. */
  async admit(a: AdmissionAttributes): Promise<void> {
    const pod = a.object as PodPart;
    const notes: string[] = [];
    for (const range of await this.listRanges(a.namespace)) {
      for (const item of range.spec?.limits ?? []) {
        if (item.type !== 'Container') continue;
        const note = applyLimitRangeDefaults(pod, item);
        if (note) notes.push(note);
      }
    }
    if (notes.length) pod.metadata = { ...pod.metadata, annotations: { ...pod.metadata?.annotations, [limitRangerAnnotation]: notes.join('; ') } };
  }

  /** Refuses a pod outside min, max or maxLimitRequestRatio (403, upstream's messages). */
  async validate(a: AdmissionAttributes): Promise<void> {
    const errs: string[] = [];
    for (const range of await this.listRanges(a.namespace)) errs.push(...limitRangeViolations(a.object as PodPart, range));
    if (errs.length) throw admissionForbidden(a, aggregate(errs));
  }
}
