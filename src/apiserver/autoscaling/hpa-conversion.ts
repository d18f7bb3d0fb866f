/**
 * autoscaling/v1 HorizontalPodAutoscalers are autoscaling/v2 ones stored once and shown two
 * ways, as upstream converts them: v1's `targetCPUUtilizationPercentage` is v2's Resource cpu
 * metric with an Utilization target, `currentCPUUtilizationPercentage` its current figure.
 * What v1 cannot say (other metrics, their current values, conditions, behavior) travels in
 * upstream's annotations `autoscaling.alpha.kubernetes.io/{metrics,current-metrics,conditions,behavior}`,
 * written as JSON in the v2 shapes (upstream writes v1's older metric shapes there).
 */
import type { HorizontalPodAutoscaler as HPAv1 } from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler as HPAv2, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { KubeObject } from '../../apimachinery/object.js';

export const metricsAnnotation = 'autoscaling.alpha.kubernetes.io/metrics';
export const currentMetricsAnnotation = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const conditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions';
export const behaviorAnnotation = 'autoscaling.alpha.kubernetes.io/behavior';

const carried = [metricsAnnotation, currentMetricsAnnotation, conditionsAnnotation, behaviorAnnotation];

/** The default target when an HPA names no metric: 80% CPU, as upstream's v2 defaults. */
export const defaultCPUUtilization = 80;

function isCPUUtilization(m: MetricSpec): boolean {
  return m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.type === 'Utilization';
}

function parseJSON<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** A v1 HPA in v2 form (for storage and for the controller). */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const v1 = obj as HPAv1 & KubeObject;
  const annotations = { ...(v1.metadata?.annotations ?? {}) };
  const extraMetrics = parseJSON<MetricSpec[]>(annotations[metricsAnnotation]) ?? [];
  const extraCurrent = parseJSON<MetricStatus[]>(annotations[currentMetricsAnnotation]) ?? [];
  const conditions = parseJSON<NonNullable<HPAv2['status']>['conditions']>(annotations[conditionsAnnotation]);
  const behavior = parseJSON<NonNullable<HPAv2['spec']>['behavior']>(annotations[behaviorAnnotation]);
  for (const a of carried) delete annotations[a];
  const spec = v1.spec;
  const metrics: MetricSpec[] = [];
  if (spec?.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  metrics.push(...extraMetrics);
  const { targetCPUUtilizationPercentage: _t, ...specRest } = spec ?? ({} as NonNullable<HPAv1['spec']>);
  const out: KubeObject = {
    ...v1,
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...v1.metadata, annotations },
    spec: { ...specRest, ...(metrics.length ? { metrics } : {}), ...(behavior ? { behavior } : {}) },
  };
  if (!Object.keys(annotations).length) delete (out.metadata as { annotations?: unknown }).annotations;
  if (v1.status) {
    const { currentCPUUtilizationPercentage: current, ...statusRest } = v1.status;
    const currentMetrics: MetricStatus[] = [];
    if (current !== undefined && current !== null) currentMetrics.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } });
    currentMetrics.push(...extraCurrent);
    out.status = { ...statusRest, ...(currentMetrics.length ? { currentMetrics } : {}), ...(conditions ? { conditions } : {}) };
  }
  return out;
}

/** A v2 HPA in v1 form. */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const v2 = obj as HPAv2 & KubeObject;
  const annotations = { ...(v2.metadata?.annotations ?? {}) };
  const metrics = v2.spec?.metrics ?? [];
  const cpu = metrics.find(isCPUUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[metricsAnnotation] = JSON.stringify(others);
  if (v2.spec?.behavior) annotations[behaviorAnnotation] = JSON.stringify(v2.spec.behavior);
  const { metrics: _m, behavior: _b, ...specRest } = v2.spec ?? ({} as NonNullable<HPAv2['spec']>);
  const out: KubeObject = {
    ...v2,
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    spec: { ...specRest, ...(cpu?.resource?.target?.averageUtilization !== undefined ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}) },
  };
  if (v2.status) {
    const { currentMetrics = [], conditions, ...statusRest } = v2.status;
    const currentCPU = currentMetrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current?.averageUtilization !== undefined);
    const otherCurrent = currentMetrics.filter((m) => m !== currentCPU);
    if (otherCurrent.length) annotations[currentMetricsAnnotation] = JSON.stringify(otherCurrent);
    if (conditions?.length) annotations[conditionsAnnotation] = JSON.stringify(conditions);
    out.status = { ...statusRest, ...(currentCPU ? { currentCPUUtilizationPercentage: currentCPU.resource?.current?.averageUtilization } : {}) };
  }
  out.metadata = { ...v2.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) };
  return out;
}

/** Upstream's v2 defaults: minReplicas 1, an 80% CPU target when no metric is named, behavior rules filled in when given. */
export function defaultHPAv2(obj: Record<string, unknown>): void {
  const spec = (obj.spec ?? (obj.spec = {})) as NonNullable<HPAv2['spec']>;
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  if (!spec.metrics?.length) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: defaultCPUUtilization } } }];
  }
  if (spec.behavior) {
    const up = (spec.behavior.scaleUp ??= {});
    up.stabilizationWindowSeconds ??= 0;
    up.selectPolicy ??= 'Max';
    up.policies ??= [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ];
    const down = (spec.behavior.scaleDown ??= {});
    down.selectPolicy ??= 'Max';
    down.policies ??= [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  }
}

/** Upstream's v1 defaults: minReplicas 1. */
export function defaultHPAv1(obj: Record<string, unknown>): void {
  const spec = (obj.spec ?? (obj.spec = {})) as NonNullable<HPAv1['spec']>;
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
}

/** autoscaling/v1 HorizontalPodAutoscalers are stored in their autoscaling/v2 form (and defaulted as v2 there). */
export const hpaV1StorageCodec = {
  storageGroup: 'autoscaling',
  toStorage(obj: KubeObject): KubeObject {
    const v2 = hpaV1ToV2(obj);
    defaultHPAv2(v2);
    return v2;
  },
  fromStorage: hpaV2ToV1,
};
