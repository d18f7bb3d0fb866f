/** The HorizontalPodAutoscaler printer, as upstream's printHorizontalPodAutoscaler (v1 objects printed in their v2 form). */
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget, MetricValueStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { hpaV1ToV2 } from '../autoscaling/hpa-conversion.js';
import { ageColumn, column, metaOf, nameColumn } from './columns.js';
import { timestampSince } from './duration.js';
import type { TypePrinter } from './types.js';

function quantityText(q: unknown): string {
  return q === undefined || q === null ? '<unknown>' : String(q);
}

/** `current/target` of a value or average-value metric. */
function valuePair(target: MetricTarget | undefined, current: MetricValueStatus | undefined): string {
  if (target?.averageValue !== undefined) return `${current?.averageValue !== undefined ? quantityText(current.averageValue) : '<unknown>'}/${quantityText(target.averageValue)}`;
  return `${current?.value !== undefined ? quantityText(current.value) : '<unknown>'}/${quantityText(target?.value)}`;
}

/** One metric's `name: current/target`, as upstream's formatHPAMetrics. */
function metricText(spec: MetricSpec, status: MetricStatus | undefined): string {
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const current = spec.type === 'Resource' ? status?.resource?.current : status?.containerResource?.current;
      const name = source?.name ?? '';
      if (source?.target?.averageValue !== undefined) return `${name}: ${current?.averageValue !== undefined ? quantityText(current.averageValue) : '<unknown>'}/${quantityText(source.target.averageValue)}`;
      const cur = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : '<unknown>';
      const target = source?.target?.averageUtilization !== undefined ? `${source.target.averageUtilization}%` : '<auto>';
      return `${name}: ${cur}/${target}`;
    }
    case 'Pods':
      return `${spec.pods?.metric?.name ?? ''}: ${valuePair(spec.pods?.target, status?.pods?.current)}`;
    case 'Object':
      return `${spec.object?.metric?.name ?? ''}: ${valuePair(spec.object?.target, status?.object?.current)}`;
    case 'External':
      return `${spec.external?.metric?.name ?? ''}: ${valuePair(spec.external?.target, status?.external?.current)}`;
    default:
      return '<unknown type>';
  }
}

/** Upstream's formatHPAMetrics: at most two metrics, then `+ N more...`. */
export function formatHPAMetrics(specs: readonly MetricSpec[], statuses: readonly MetricStatus[]): string {
  if (!specs.length) return '<none>';
  const shown = specs.slice(0, 2).map((s, i) => metricText(s, statuses[i]));
  return specs.length > 2 ? `${shown.join(', ')} + ${specs.length - 2} more...` : shown.join(', ');
}

/** The HorizontalPodAutoscaler table: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE. */
export const hpaPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Reference', 'Reference to the target workload.'),
    column('Targets', 'The current and target metric values.'),
    column('MinPods', 'The minimum number of replicas.', { type: 'string' }),
    column('MaxPods', 'The maximum number of replicas.', { type: 'integer' }),
    column('Replicas', 'The number of replicas of the target workload.', { type: 'integer' }),
    ageColumn(),
  ],
  print(obj, now) {
    const raw = obj as KubeObject;
    const hpa = (raw.apiVersion === 'autoscaling/v1' ? hpaV1ToV2(raw) : raw) as HorizontalPodAutoscaler;
    const meta = metaOf(hpa);
    const ref = hpa.spec?.scaleTargetRef;
    return {
      cells: [
        meta.name ?? '',
        `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
        formatHPAMetrics(hpa.spec?.metrics ?? [], hpa.status?.currentMetrics ?? []),
        hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>',
        hpa.spec?.maxReplicas ?? 0,
        hpa.status?.currentReplicas ?? 0,
        timestampSince(meta.creationTimestamp, now),
      ],
    };
  },
};
