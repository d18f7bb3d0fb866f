/** Printers of PodDisruptionBudget, ResourceQuota, LimitRange and PriorityClass, as upstream's printers.go. */
import type { LimitRange, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import { ageColumn, column, creationTimestampDescription, metaOf, nameColumn } from './columns.js';
import { timestampSince } from './duration.js';
import type { TypePrinter } from './types.js';

const pdbPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Min Available', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
    ageColumn(),
  ],
  print(obj, now) {
    const pdb = obj as PodDisruptionBudget;
    const meta = metaOf(pdb);
    const shown = (v: number | string | undefined): string => (v === undefined || v === null ? 'N/A' : String(v));
    return {
      cells: [meta.name ?? '', shown(pdb.spec?.minAvailable), shown(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, timestampSince(meta.creationTimestamp, now)],
    };
  },
};

/** A quantity as upstream prints it ("0" when absent). */
function quantityText(value: string | undefined): string {
  return parseQuantity(value ?? '0')?.toString() ?? String(value);
}

const resourceQuotaPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    ageColumn(),
    column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  print(obj, now) {
    const quota = obj as ResourceQuota;
    const meta = metaOf(quota);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const name of Object.keys(quota.spec?.hard ?? {}).sort()) {
      const parts = name.split('.');
      const cell = `${name}: ${quantityText(quota.status?.used?.[name])}/${quantityText(quota.status?.hard?.[name])}`;
      (parts.length > 1 && parts[0] === 'limits' ? limits : requests).push(cell);
    }
    return { cells: [meta.name ?? '', timestampSince(meta.creationTimestamp, now), requests.join(', '), limits.join(', ')] };
  },
};

const limitRangePrinter: TypePrinter = {
  columns: [nameColumn(), column('Created At', creationTimestampDescription, { type: 'date' })],
  print(obj) {
    const range = obj as LimitRange;
    const meta = metaOf(range);
    const created = meta.creationTimestamp ? new Date(meta.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
    return { cells: [meta.name ?? '', created] };
  },
};

const priorityClassPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Value', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.', { type: 'integer' }),
    column('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.', { type: 'boolean' }),
    ageColumn(),
    column('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
  ],
  print(obj, now) {
    const pc = obj as PriorityClass;
    const meta = metaOf(pc);
    return { cells: [meta.name ?? '', pc.value ?? 0, pc.globalDefault ?? false, timestampSince(meta.creationTimestamp, now), pc.preemptionPolicy ?? ''] };
  },
};

/** The printers of this file by `group/Kind` ('' for the core group). */
export const policyPrinters: Readonly<Record<string, TypePrinter>> = {
  'policy/PodDisruptionBudget': pdbPrinter,
  '/ResourceQuota': resourceQuotaPrinter,
  '/LimitRange': limitRangePrinter,
  'scheduling.k8s.io/PriorityClass': priorityClassPrinter,
};
