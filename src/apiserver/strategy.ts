import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { applyDefaults, podQOSClass, prepareJobSelector } from './defaults/index.js';
import { AllocationError, type RangeAllocator } from './allocator.js';
import type { FieldError } from '../apimachinery/errors.js';
import { isObject, jsonEqual, type KubeObject } from '../apimachinery/object.js';
import type { ResourceType } from './registry.js';
import { validateCreate, validateStatusUpdate, validateUpdate } from './validation/index.js';
import { csrStrategy } from './csr-strategy.js';
import { systemClock, type NowClock } from '../apimachinery/clock.js';

/** The allocators a strategy may need. */
export interface Allocators {
  clusterIPs: RangeAllocator;
  nodePorts: RangeAllocator;
  /** The service CIDR, for messages. */
  serviceCIDR: string;
}

/**
 * What differs between resource types on the write path: defaults, validation, which parts a
 * write may change, and resources to allocate or release. The generic REST store calls these.
 */
export interface TypeStrategy {
  /** Types whose status is written only through /status (the main resource keeps the old status). */
  readonly hasStatusSubresource: boolean;
  /** True when writes allocate shared resources (ClusterIPs, NodePorts): creates check the name first. */
  readonly allocates: boolean;
  /** Fills defaults and resets what a client may not set on create. */
  prepareForCreate(obj: KubeObject): void;
  /** Carries over what a write may not change (status or spec, by subresource) and bumps generation. */
  prepareForUpdate(obj: KubeObject, old: KubeObject, subresource: string): void;
  validateCreate(obj: KubeObject): FieldError[];
  validateUpdate(obj: KubeObject, old: KubeObject, subresource: string): FieldError[];
  /** Allocates what the new object needs; returns a release function to undo on failure. */
  allocate(obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<() => Promise<void>>;
  /** Releases what a deleted object held (or what an update dropped). */
  release(obj: KubeObject, replacement?: KubeObject): Promise<void>;
  /**
   * True while something other than metadata.finalizers still holds a deleted object: a pod's
   * kubelet stopping its containers, a namespace's spec.finalizers (upstream's
   * ShouldDeleteDuringUpdate / ShouldDeleteNamespaceDuringUpdate).
   */
  holdsDeletion(obj: KubeObject): boolean;
}

/** The parts of an object that are neither metadata nor status, whose change bumps generation. */
function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** Types that keep `metadata.generation` (those with a spec and a status, as upstream). */
const generationKinds = new Set([
  'ValidatingAdmissionPolicy',
  'Deployment',
  'ReplicaSet',
  'ReplicationController',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Service',
  'Ingress',
  'NetworkPolicy',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'Pod',
  'Node',
  'Namespace',
  'HorizontalPodAutoscaler',
]);

/** Types whose create keeps the status the client sent or defaulting set (as upstream's strategies). */
const keepsStatusOnCreate = new Set(['Node', 'PersistentVolume', 'PersistentVolumeClaim', 'Namespace']);

/**
 * The status of a new object of these types as upstream returns it: Go encodes a status struct
 * even when empty, with its fields that lack `omitempty` as zeros, so clients may read
 * `status.availableReplicas` of a Deployment just created. Keyed by `group/kind`.
 */
const zeroStatus: Record<string, () => Record<string, unknown>> = {
  'apps/Deployment': () => ({}),
  'apps/ReplicaSet': () => ({ replicas: 0 }),
  'apps/StatefulSet': () => ({ replicas: 0, availableReplicas: 0 }),
  'apps/DaemonSet': () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
  'batch/Job': () => ({}),
  'batch/CronJob': () => ({}),
  '/ReplicationController': () => ({ replicas: 0 }),
  '/Service': () => ({ loadBalancer: {} }),
  'networking.k8s.io/Ingress': () => ({ loadBalancer: {} }),
  'policy/PodDisruptionBudget': () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
};

/** `status` with the zero fields upstream's encoding always shows filled in (see {@link zeroStatus}). */
function withZeroStatus(zero: (() => Record<string, unknown>) | undefined, status: unknown): unknown {
  if (!zero) return status;
  return { ...zero(), ...(isObject(status) ? status : {}) };
}

/** Builds the strategy of a resource type. */
export function strategyFor(type: ResourceType, allocators: Allocators, clock: NowClock = systemClock): TypeStrategy {
  const hasStatusSubresource = type.subresources.some((s) => s.name === 'status');
  const usesGeneration = generationKinds.has(type.kind) && type.kind !== 'Namespace' && type.kind !== 'Node';
  const zero = zeroStatus[`${type.group}/${type.kind}`];
  const base: TypeStrategy = {
    hasStatusSubresource,
    allocates: false,
    prepareForCreate(obj) {
      applyDefaults(type, obj as Record<string, unknown>);
      if (hasStatusSubresource && !keepsStatusOnCreate.has(type.kind)) delete obj.status;
      if (zero) obj.status = withZeroStatus(zero, obj.status);
      if (usesGeneration) obj.metadata = { ...obj.metadata, generation: 1 };
      createHooks[type.kind]?.(obj);
    },
    prepareForUpdate(obj, old, subresource) {
      if (subresource === 'status') {
        // A status write changes status only: spec and metadata come from the stored object.
        for (const k of Object.keys(obj)) if (k !== 'status' && k !== 'metadata') delete obj[k];
        for (const [k, v] of Object.entries(old)) if (k !== 'status' && k !== 'metadata') obj[k] = v;
        const rv = obj.metadata?.resourceVersion;
        obj.metadata = { ...old.metadata, resourceVersion: rv };
        // A Service's status has defaults of its own (ingress ipMode).
        if (type.kind === 'Service' && type.group === '') applyDefaults(type, obj as Record<string, unknown>, { operation: 'update' });
        if (zero) obj.status = withZeroStatus(zero, obj.status);
        return;
      }
      applyDefaults(type, obj as Record<string, unknown>);
      if (hasStatusSubresource) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
        if (zero) obj.status = withZeroStatus(zero, obj.status);
      }
      updateHooks[type.kind]?.(obj, old);
      if (usesGeneration) {
        const gen = old.metadata?.generation ?? 1;
        const changed = !jsonEqual(specPart(obj), specPart(old));
        obj.metadata = { ...obj.metadata, generation: changed ? gen + 1 : gen };
      }
    },
    validateCreate: (obj) => validateCreate(type, obj as Record<string, unknown>),
    validateUpdate: (obj, old, subresource) =>
      // A binding only sets spec.nodeName, which a pod update may not change.
      subresource === 'binding'
        ? []
        : subresource === 'status'
        ? validateStatusUpdate(type, obj as Record<string, unknown>, old as Record<string, unknown>)
        : validateUpdate(type, obj as Record<string, unknown>, old as Record<string, unknown>),
    allocate: async () => async () => {},
    release: async () => {},
    holdsDeletion: (obj) => type.group === '' && (deletionHolds[type.kind]?.(obj) ?? false),
  };
  if (type.kind === 'Service' && type.group === '') {
    return { ...base, allocates: true, ...serviceAllocation(allocators) };
  }
  if (type.group === 'certificates.k8s.io') return csrStrategy(base, clock);
  return base;
}

const deletionHolds: Record<string, (obj: KubeObject) => boolean> = {
  // A pod on a node is removed by its kubelet once its containers are gone.
  Pod: (obj) => !!(obj.spec as { nodeName?: string } | undefined)?.nodeName && (obj.metadata?.deletionGracePeriodSeconds ?? 0) > 0,
  // A namespace goes once the namespace controller has emptied it and cleared spec.finalizers.
  Namespace: (obj) => ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0,
};

const createHooks: Record<string, (obj: KubeObject) => void> = {
  Pod(obj) {
    obj.status = { phase: 'Pending', qosClass: podQOSClass(obj as Record<string, unknown>) };
  },
  Job(obj) {
    prepareJobSelector(obj as Record<string, unknown>, obj.metadata?.uid ?? '');
  },
  Namespace(obj) {
    obj.status = { phase: 'Active' };
    // The namespace controller's finalizer: a deleted namespace is emptied before it goes.
    obj.spec = { ...(obj.spec as object), finalizers: ['kubernetes'] };
  },
};

function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  return (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === b?.[i]);
}

const updateHooks: Record<string, (obj: KubeObject, old: KubeObject) => void> = {
  Service(obj, old) {
    // A client that omits allocated values (kubectl replace of a hand-written file) keeps them.
    const spec = (obj.spec ?? {}) as Service['spec'] & object;
    const oldSpec = (old.spec ?? {}) as Service['spec'] & object;
    if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
      if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
      if (!spec.clusterIPs?.length && oldSpec.clusterIPs?.length) spec.clusterIPs = oldSpec.clusterIPs;
    }
    // As upstream's normalizeClusterIPs: a changed clusterIP with clusterIPs left as they were
    // (a patch of clusterIP alone) stands for the whole list, so validation sees the change.
    if (spec.clusterIP !== oldSpec.clusterIP && sameList(spec.clusterIPs, oldSpec.clusterIPs) && spec.clusterIPs?.length) {
      spec.clusterIPs = spec.clusterIP ? [spec.clusterIP] : undefined;
    }
    if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
    dropTypeDependentFields(spec, oldSpec);
    if (needsNodePorts(spec.type)) {
      for (const port of spec.ports ?? []) {
        if (port.nodePort) continue;
        const prev = (oldSpec.ports ?? []).find((p) => p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
        if (prev?.nodePort) port.nodePort = prev.nodePort;
      }
    }
    if (needsHealthCheckNodePort(spec) && !spec.healthCheckNodePort && oldSpec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
    obj.spec = spec;
  },
  Namespace(obj, old) {
    if (old.status !== undefined) obj.status = old.status;
  },
};

function needsNodePorts(type: string | undefined): boolean {
  return type === 'NodePort' || type === 'LoadBalancer';
}

/** Upstream's needsHCNodePort: a LoadBalancer Service with externalTrafficPolicy Local. */
function needsHealthCheckNodePort(spec: Service['spec']): boolean {
  return spec?.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

/** Upstream's shouldAllocateNodePorts: NodePort always, LoadBalancer unless allocateLoadBalancerNodePorts is false. */
function allocatesNodePorts(spec: Service['spec']): boolean {
  if (spec?.type === 'NodePort') return true;
  return spec?.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false;
}

/**
 * Upstream's dropTypeDependentFields: a Service changing type loses the fields its old type
 * needed when the client left them as they were (so `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'`
 * works); a value the client changed is kept, for validation to judge.
 */
function dropTypeDependentFields(spec: NonNullable<Service['spec']>, oldSpec: NonNullable<Service['spec']>): void {
  const wasLoadBalancer = oldSpec.type === 'LoadBalancer';
  const isLoadBalancer = spec.type === 'LoadBalancer';
  if (needsNodePorts(oldSpec.type) && !needsNodePorts(spec.type)) {
    const ports = spec.ports ?? [];
    const oldPorts = oldSpec.ports ?? [];
    const same = ports.length === oldPorts.length && ports.every((p, i) => (p.nodePort ?? 0) === (oldPorts[i]?.nodePort ?? 0));
    if (same) for (const port of ports) delete port.nodePort;
  }
  if (needsNodePorts(oldSpec.type) && !needsNodePorts(spec.type) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  const wasHealthChecked = wasLoadBalancer && oldSpec.externalTrafficPolicy === 'Local';
  const isHealthChecked = isLoadBalancer && spec.externalTrafficPolicy === 'Local';
  if (wasHealthChecked && !isHealthChecked && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (wasLoadBalancer && !isLoadBalancer) {
    if (spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === oldSpec.loadBalancerClass) delete spec.loadBalancerClass;
  }
}

function serviceAllocation(a: Allocators): Pick<TypeStrategy, 'allocate' | 'release'> {
  const nodePortsOf = (spec: Service['spec']): number[] => [
    ...(needsNodePorts(spec?.type) ? (spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p > 0) : []),
    ...(needsHealthCheckNodePort(spec) && spec?.healthCheckNodePort ? [spec.healthCheckNodePort] : []),
  ];
  const clusterIPOf = (spec: Service['spec']): string | undefined =>
    spec?.type !== 'ExternalName' && spec?.clusterIP && spec.clusterIP !== 'None' ? spec.clusterIP : undefined;

  return {
    async allocate(obj, old, dryRun) {
      const spec = (isObject(obj.spec) ? obj.spec : {}) as NonNullable<Service['spec']>;
      const oldSpec = old?.spec as Service['spec'];
      const undo: (() => Promise<void>)[] = [];
      const rollback = async () => {
        for (const u of undo.reverse()) await u();
      };
      const errors: FieldError[] = [];
      try {
        // ClusterIP
        if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None') {
          const oldIP = clusterIPOf(oldSpec);
          if (!spec.clusterIP) {
            if (!dryRun) {
              const ip = await a.clusterIPs.allocateNext();
              undo.push(() => a.clusterIPs.release(ip));
              spec.clusterIP = ip;
            } else {
              spec.clusterIP = '';
            }
          } else if (spec.clusterIP !== oldIP) {
            const ip = spec.clusterIP;
            if (!a.clusterIPs.contains(ip)) {
              errors.push({
                type: 'FieldValueInvalid',
                field: 'spec.clusterIPs',
                value: [ip],
                detail: `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${a.serviceCIDR}`,
              });
            } else if (dryRun) {
              if (await a.clusterIPs.isAllocated(ip)) {
                errors.push(takenIP(ip));
              }
            } else {
              try {
                await a.clusterIPs.allocate(ip);
                undo.push(() => a.clusterIPs.release(ip));
              } catch (err) {
                if (err instanceof AllocationError && err.code === 'Taken') errors.push(takenIP(ip));
                else throw err;
              }
            }
          }
          if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
        }
        // NodePorts
        if (needsNodePorts(spec.type)) {
          const oldPorts = new Set(nodePortsOf(oldSpec));
          const ports: ServicePort[] = spec.ports ?? [];
          for (let i = 0; i < ports.length; i++) {
            const port = ports[i];
            if (port.nodePort && oldPorts.has(port.nodePort)) continue;
            if (!port.nodePort) {
              if (dryRun || !allocatesNodePorts(spec)) continue;
              const p = await a.nodePorts.allocateNext();
              undo.push(() => a.nodePorts.release(p));
              port.nodePort = Number(p);
              continue;
            }
            const p = String(port.nodePort);
            if (!a.nodePorts.contains(p)) {
              errors.push({
                type: 'FieldValueInvalid',
                field: `spec.ports[${i}].nodePort`,
                value: port.nodePort,
                detail: `provided port is not in the valid range. The range of valid ports is 30000-32767`,
              });
              continue;
            }
            if (dryRun) {
              if (await a.nodePorts.isAllocated(p)) errors.push(takenPort(i, port.nodePort));
              continue;
            }
            try {
              await a.nodePorts.allocate(p);
              undo.push(() => a.nodePorts.release(p));
            } catch (err) {
              if (err instanceof AllocationError && err.code === 'Taken') errors.push(takenPort(i, port.nodePort));
              else throw err;
            }
          }
        }
        // The health check port of a LoadBalancer with the Local policy, from the same range.
        if (needsHealthCheckNodePort(spec) && (!spec.healthCheckNodePort || spec.healthCheckNodePort !== oldSpec?.healthCheckNodePort)) {
          if (!spec.healthCheckNodePort) {
            if (!dryRun) {
              const p = await a.nodePorts.allocateNext();
              undo.push(() => a.nodePorts.release(p));
              spec.healthCheckNodePort = Number(p);
            }
          } else {
            const p = String(spec.healthCheckNodePort);
            const taken: FieldError = { type: 'FieldValueInvalid', field: 'spec.healthCheckNodePort', value: spec.healthCheckNodePort, detail: 'provided port is already allocated' };
            if (!a.nodePorts.contains(p)) {
              errors.push({ type: 'FieldValueInvalid', field: 'spec.healthCheckNodePort', value: spec.healthCheckNodePort, detail: 'provided port is not in the valid range. The range of valid ports is 30000-32767' });
            } else if (dryRun) {
              if (await a.nodePorts.isAllocated(p)) errors.push(taken);
            } else {
              try {
                await a.nodePorts.allocate(p);
                undo.push(() => a.nodePorts.release(p));
              } catch (err) {
                if (err instanceof AllocationError && err.code === 'Taken') errors.push(taken);
                else throw err;
              }
            }
          }
        }
      } catch (err) {
        await rollback();
        throw err;
      }
      if (errors.length) {
        await rollback();
        throw new AllocationFieldErrors(errors);
      }
      obj.spec = spec;
      return rollback;
    },
    async release(obj, replacement) {
      const spec = obj.spec as Service['spec'];
      const next = replacement?.spec as Service['spec'];
      const ip = clusterIPOf(spec);
      if (ip && ip !== clusterIPOf(next)) await a.clusterIPs.release(ip);
      const keep = new Set(nodePortsOf(next));
      for (const p of nodePortsOf(spec)) if (!keep.has(p)) await a.nodePorts.release(String(p));
    },
  };
}

function takenIP(ip: string): FieldError {
  return {
    type: 'FieldValueInvalid',
    field: 'spec.clusterIPs',
    value: [ip],
    detail: `failed to allocate IP ${ip}: provided IP is already allocated`,
  };
}

function takenPort(i: number, port: number): FieldError {
  return { type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, value: port, detail: 'provided port is already allocated' };
}

/** Allocation failures that upstream answers as 422 on the fields concerned. */
export class AllocationFieldErrors extends Error {
  override readonly name = 'AllocationFieldErrors';
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => e.field).join(', '));
  }
}
