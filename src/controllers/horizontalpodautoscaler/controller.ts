/**
 * The HorizontalPodAutoscaler controller, after upstream's podautoscaler/horizontal.go: every
 * sync period (15 s) per HPA it reads the target's replicas and selector, the pods it selects
 * and their metrics from metrics.k8s.io (through the client), computes the desired replicas per
 * metric (replica-calculator.ts) and takes the largest, applies the scale-down stabilization
 * window (the highest recommendation of the last 5 minutes) and the min/max and scale-up limits,
 * scales the target through its scale subresource, and writes status with upstream's
 * conditions and SuccessfulRescale events.
 *
 * Simplified and stated: Resource and ContainerResource metrics are computed (Pods, Object and
 * External metrics need a custom metrics API Skiff does not serve: ScalingActive False with
 * upstream's FailedGetPodsMetric/FailedGetObjectMetric/FailedGetExternalMetric); the target's
 * replicas and selector are read from the target object (spec.replicas, spec.selector) rather
 * than its scale subresource; behavior's stabilization windows are honoured, its rate policies
 * are not (the default limit, max(2×current, 4) per sync, applies).
 */
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { errorMessage } from '../../apimachinery/errors.js';
import { formatTime, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { parseQuantity, Scale } from '../../apimachinery/quantity.js';
import { labelSelectorFromObject, selectorToString } from '../../apimachinery/selectors/labels.js';
import { resources, type ResourceRef } from '../../client/client.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';
import { findResourceByKind } from '../../client/discovery.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import { averageValueReplicas, defaultTolerance, ReplicaCalculationError, resourceReplicas, type ReplicaCalculation } from './replica-calculator.js';

type HPAObject = HorizontalPodAutoscaler & KubeObject;

/** The component name of events. */
export const hpaControllerName = 'horizontal-pod-autoscaler';

const hpaRef: ResourceRef = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };
const podMetricsRef: ResourceRef = { group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods' };

/** Options of {@link HorizontalPodAutoscalerController}. */
export interface HPAControllerOptions {
  /** How often each HPA is reconciled (upstream's --horizontal-pod-autoscaler-sync-period). Default 15000 ms. */
  syncPeriodMs?: number;
  /** Scale-down stabilization window when the HPA's behavior names none (--horizontal-pod-autoscaler-downscale-stabilization). Default 300000 ms. */
  downscaleStabilizationMs?: number;
  /** Default 0.1 (--horizontal-pod-autoscaler-tolerance). */
  tolerance?: number;
  /** Concurrent syncs. Default 5. */
  workers?: number;
}

/** One metric's outcome. */
interface MetricResult {
  replicas: number;
  status: MetricStatus;
  /** The reason words of a rescale: `cpu resource utilization (percentage of request)`. */
  name: string;
}

/** A metric that could not be computed: the ScalingActive reason and message. */
class MetricError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Scales workloads on their pods' CPU and memory usage (component `horizontal-pod-autoscaler`). */
export class HorizontalPodAutoscalerController implements Controller {
  readonly name = hpaControllerName;
  readonly queueName = 'horizontalpodautoscaler';
  readonly workers: number;
  private readonly hpas: Informer<HPAObject>;
  private readonly recorder: EventRecorder;
  private readonly syncPeriodMs: number;
  /** Per HPA key, recent recommendations (time in ms, replicas) for stabilization. */
  private readonly recommendations = new Map<string, { at: number; replicas: number }[]>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly options: HPAControllerOptions = {},
  ) {
    this.workers = options.workers ?? 5;
    this.syncPeriodMs = options.syncPeriodMs ?? 15_000;
    this.recorder = ctx.recorder(hpaControllerName);
    this.hpas = ctx.informers.informerFor<HPAObject>(hpaRef);
  }

  get caches(): SyncedCache[] {
    return [this.hpas];
  }

  watch(queue: KeyQueue): void {
    this.hpas.addEventHandler({
      onAdd: (h) => queue.add(objectKey(h)),
      onUpdate: (old, h) => {
        // Our own status writes need no new sync; spec changes do.
        if (!jsonEqual(old.spec, h.spec)) queue.add(objectKey(h));
      },
      onDelete: (h) => queue.add(objectKey(h)),
    });
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const hpa = this.hpas.get(namespace, name);
    if (!hpa) {
      this.recommendations.delete(key);
      return {};
    }
    await this.reconcile(key, structuredClone(hpa));
    return { requeueAfter: this.syncPeriodMs };
  }

  private async reconcile(key: string, hpa: HPAObject): Promise<void> {
    const spec = hpa.spec!;
    const ns = hpa.metadata?.namespace ?? '';
    const now = this.ctx.clock.now();
    const conditions: HorizontalPodAutoscalerCondition[] = [...(hpa.status?.conditions ?? [])];
    const setCondition = (type: string, status: 'True' | 'False', reason: string, message: string) => {
      const old = conditions.find((c) => c.type === type);
      const changed = !old || old.status !== status;
      const next = { type, status, reason, message, lastTransitionTime: changed ? formatTime(now) : (old.lastTransitionTime ?? formatTime(now)) };
      if (old) conditions[conditions.indexOf(old)] = next;
      else conditions.push(next);
    };
    const ref = spec.scaleTargetRef;
    const target = findResourceByKind(this.ctx.discovery, ref.apiVersion ?? '', ref.kind);
    const reference = `${ref.kind}/${ref.name}`;
    let scaleTarget: KubeObject & { spec?: { replicas?: number; selector?: LabelSelector } };
    const targetRef: ResourceRef | undefined = target ? { group: target.group, version: target.version, resource: target.plural } : undefined;
    try {
      if (!targetRef) throw new Error(`no matches for kind "${ref.kind}" in group "${(ref.apiVersion ?? '').split('/').slice(0, -1).join('/')}"`);
      scaleTarget = await this.ctx.client.get(targetRef, ns, ref.name);
    } catch (err) {
      const message = `the HPA controller was unable to get the target's current scale: ${errorMessage(err)}`;
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', errorMessage(err));
      setCondition('AbleToScale', 'False', 'FailedGetScale', message);
      await this.writeStatus(hpa, { ...hpa.status, desiredReplicas: hpa.status?.desiredReplicas ?? 0, conditions });
      return;
    }
    setCondition('AbleToScale', 'True', 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale');
    const currentReplicas = scaleTarget.spec?.replicas ?? 1;
    const minReplicas = spec.minReplicas ?? 1;
    const maxReplicas = spec.maxReplicas;
    let desiredReplicas = 0;
    let rescaleReason = '';
    let currentMetrics: MetricStatus[] | undefined = hpa.status?.currentMetrics;

    if (currentReplicas === 0 && minReplicas !== 0) {
      setCondition('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      let proposal = 0;
      let metricName = '';
      const statuses: MetricStatus[] = [];
      try {
        const selector = selectorToString(labelSelectorFromObject(scaleTarget.spec?.selector));
        if (!selector) throw new MetricError('InvalidSelector', 'selector is required');
        const pods = (await this.ctx.client.list<Pod & KubeObject>(resources.pods, ns, { labelSelector: selector })).items;
        const metrics = (await this.ctx.client.list<KubeObject>(podMetricsRef, ns, { labelSelector: selector })).items;
        for (const m of spec.metrics ?? []) {
          const result = this.computeMetric(m, currentReplicas, pods, metrics);
          statuses.push(result.status);
          if (result.replicas > proposal) {
            proposal = result.replicas;
            metricName = result.name;
          }
        }
      } catch (err) {
        const reason = err instanceof MetricError ? err.reason : 'FailedGetResourceMetric';
        const message = `the HPA was unable to compute the replica count: ${errorMessage(err)}`;
        this.recorder.event(hpa, 'Warning', reason, errorMessage(err));
        setCondition('ScalingActive', 'False', reason, message);
        await this.writeStatus(hpa, { ...hpa.status, currentReplicas, desiredReplicas: hpa.status?.desiredReplicas ?? currentReplicas, conditions });
        return;
      }
      currentMetrics = statuses;
      setCondition('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`);
      const stabilized = this.stabilize(key, hpa, proposal, currentReplicas, now.getTime());
      if (stabilized !== proposal) {
        setCondition('AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation');
      } else {
        setCondition('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
      }
      desiredReplicas = this.limit(stabilized, currentReplicas, minReplicas, maxReplicas, setCondition);
      rescaleReason = `${metricName} ${desiredReplicas > currentReplicas ? 'above' : 'below'} target`;
    }

    let lastScaleTime = hpa.status?.lastScaleTime;
    if (desiredReplicas !== currentReplicas && (desiredReplicas > 0 || currentReplicas === 0 || minReplicas === 0) && !(currentReplicas === 0 && minReplicas !== 0)) {
      try {
        await this.ctx.client.patch(targetRef!, ns, ref.name, 'merge', { spec: { replicas: desiredReplicas } }, { subresource: 'scale' });
      } catch (err) {
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${errorMessage(err)}`);
        setCondition('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${errorMessage(err)}`);
        await this.writeStatus(hpa, { ...hpa.status, currentReplicas, desiredReplicas: hpa.status?.desiredReplicas ?? currentReplicas, currentMetrics, conditions });
        return;
      }
      setCondition('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desiredReplicas}`);
      this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      lastScaleTime = formatTime(now);
    } else if (currentReplicas === 0 && minReplicas !== 0) {
      desiredReplicas = 0;
    } else {
      desiredReplicas = currentReplicas;
    }
    await this.writeStatus(hpa, {
      observedGeneration: hpa.metadata?.generation,
      ...(lastScaleTime ? { lastScaleTime } : {}),
      currentReplicas,
      desiredReplicas,
      ...(currentMetrics?.length ? { currentMetrics } : {}),
      conditions,
    });
  }

  /** One metric's recommendation, from the pods and their PodMetrics. */
  private computeMetric(m: MetricSpec, currentReplicas: number, pods: (Pod & KubeObject)[], podMetrics: KubeObject[]): MetricResult {
    const containerName = m.type === 'ContainerResource' ? m.containerResource?.container : undefined;
    const source = m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined;
    if (!source) {
      const reason = m.type === 'Pods' ? 'FailedGetPodsMetric' : m.type === 'Object' ? 'FailedGetObjectMetric' : m.type === 'External' ? 'FailedGetExternalMetric' : 'InvalidMetricSourceType';
      throw new MetricError(reason, `unable to get metric: ${m.type} metrics are not served (no custom or external metrics API)`);
    }
    const resource = source.name;
    // Usage per pod in milli-units, summed over its containers (or the one named).
    const usage = new Map<string, number>();
    for (const pm of podMetrics) {
      const containers = (pm as { containers?: { name: string; usage?: Record<string, string> }[] }).containers ?? [];
      let total = 0;
      let found = false;
      for (const c of containers) {
        if (containerName && c.name !== containerName) continue;
        const q = parseQuantity(c.usage?.[resource]);
        if (!q) continue;
        total += Number(q.scaledValue(Scale.milli));
        found = true;
      }
      if (found) usage.set(pm.metadata?.name ?? '', total);
    }
    if (!usage.size) {
      throw new MetricError(
        m.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric',
        `unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`,
      );
    }
    const scopedPods = containerName ? pods.map((p) => ({ ...p, spec: { ...p.spec, containers: (p.spec?.containers ?? []).filter((c) => c.name === containerName) } })) : pods;
    const tolerance = this.options.tolerance ?? defaultTolerance;
    let calc: ReplicaCalculation;
    try {
      if (source.target.averageValue !== undefined) {
        const target = parseQuantity(source.target.averageValue);
        calc = averageValueReplicas(currentReplicas, Number(target?.scaledValue(Scale.milli) ?? 0n), resource, scopedPods, usage, tolerance);
      } else {
        calc = resourceReplicas(currentReplicas, source.target.averageUtilization ?? 80, resource, scopedPods, usage, tolerance);
      }
    } catch (err) {
      if (err instanceof ReplicaCalculationError) {
        throw new MetricError(m.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric', `failed to get ${resource} utilization: ${err.message}`);
      }
      throw err;
    }
    const averageValue = milliQuantity(calc.averageMilliValue, resource);
    const current = { averageValue, ...(calc.utilization !== undefined ? { averageUtilization: calc.utilization } : {}) };
    const status: MetricStatus =
      m.type === 'Resource' ? { type: 'Resource', resource: { name: resource, current } } : { type: 'ContainerResource', containerResource: { name: resource, container: containerName ?? '', current } };
    const words = source.target.averageValue !== undefined ? `${resource} resource` : `${resource} resource utilization (percentage of request)`;
    return { replicas: calc.replicas, status, name: m.type === 'ContainerResource' ? `${words.replace(' resource', ' container resource')}` : words };
  }

  /**
   * Upstream's stabilizeRecommendation: the highest recommendation within the scale-down window
   * (and, when behavior gives a scale-up window, the lowest within it).
   */
  private stabilize(key: string, hpa: HPAObject, proposal: number, currentReplicas: number, now: number): number {
    const downWindowMs =
      hpa.spec?.behavior?.scaleDown?.stabilizationWindowSeconds !== undefined ? hpa.spec.behavior.scaleDown.stabilizationWindowSeconds * 1000 : (this.options.downscaleStabilizationMs ?? 300_000);
    const upWindowMs = (hpa.spec?.behavior?.scaleUp?.stabilizationWindowSeconds ?? 0) * 1000;
    const kept = (this.recommendations.get(key) ?? []).filter((r) => now - r.at < Math.max(downWindowMs, upWindowMs));
    kept.push({ at: now, replicas: proposal });
    this.recommendations.set(key, kept);
    let result = proposal;
    if (proposal < currentReplicas) {
      const upper = Math.max(...kept.filter((r) => now - r.at <= downWindowMs).map((r) => r.replicas));
      result = Math.min(currentReplicas, upper);
    } else if (proposal > currentReplicas && upWindowMs > 0) {
      const lower = Math.min(...kept.filter((r) => now - r.at <= upWindowMs).map((r) => r.replicas));
      result = Math.max(currentReplicas, lower);
    }
    return result;
  }

  /** Upstream's convertDesiredReplicasWithRules: min, max and the scale-up limit, with the ScalingLimited condition. */
  private limit(
    desired: number,
    current: number,
    min: number,
    max: number,
    setCondition: (type: string, status: 'True' | 'False', reason: string, message: string) => void,
  ): number {
    const scaleUpLimit = Math.max(2 * current, 4);
    const upper = Math.min(max, scaleUpLimit);
    if (desired < min) {
      setCondition('ScalingLimited', 'True', 'TooFewReplicas', 'the desired replica count is less than the minimum replica count');
      return min;
    }
    if (desired > upper) {
      if (upper === scaleUpLimit && scaleUpLimit < max) setCondition('ScalingLimited', 'True', 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate');
      else setCondition('ScalingLimited', 'True', 'TooManyReplicas', 'the desired replica count is more than the maximum replica count');
      return upper;
    }
    setCondition('ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range');
    return desired;
  }

  private async writeStatus(hpa: HPAObject, status: NonNullable<HorizontalPodAutoscaler['status']>): Promise<void> {
    if (jsonEqual(hpa.status, status)) return;
    await this.ctx.client.update(hpaRef, hpa.metadata?.namespace ?? '', { ...hpa, status }, { subresource: 'status' });
  }
}

/** A milli-unit figure as a quantity: `250m` of cpu, bytes of memory (`64Mi` when whole). */
function milliQuantity(milli: number, resource: string): string {
  if (resource === 'cpu') return `${Math.round(milli)}m`;
  const value = Math.round(milli / 1000);
  if (value > 0 && value % (1024 * 1024) === 0) return `${value / (1024 * 1024)}Mi`;
  if (value > 0 && value % 1024 === 0) return `${value / 1024}Ki`;
  return String(value);
}

/** Builds the controller with the cluster's settings. */
export const horizontalPodAutoscalerControllerFactory: ControllerFactory = (ctx) =>
  new HorizontalPodAutoscalerController(ctx, {
    syncPeriodMs: ctx.settings.horizontalPodAutoscaler?.syncPeriodMs,
    downscaleStabilizationMs: ctx.settings.horizontalPodAutoscaler?.downscaleStabilizationMs,
  });
