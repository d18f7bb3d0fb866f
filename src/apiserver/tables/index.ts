/**
 * Server-side table printing: the meta.k8s.io/v1 Table kubectl asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with upstream's columns and cells per type.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { ResourceType } from '../registry.js';
import { ageColumn, metaOf, nameColumn } from './columns.js';
import { corePrinters, eventsV1Printer } from './core.js';
import { timestampSince } from './duration.js';
import { networkPrinters } from './network.js';
import { podPrinter } from './pod.js';
import { policyPrinters } from './policy.js';
import { rbacPrinters } from './rbac.js';
import { csrPrinter } from './certificates.js';
import { hpaPrinter } from './autoscaling.js';
import { admissionRegistrationPrinters } from './admissionregistration.js';
import type { PartialObjectMetadata, Table, TableColumnDefinition, TableRow, TypePrinter } from './types.js';
import { workloadPrinters } from './workloads.js';
import { customResourcePrinter } from '../apiextensions/printer-columns.js';

export type { PartialObjectMetadata, Table, TableCell, TableColumnDefinition, TableRow, TableRowCondition } from './types.js';
export { humanDuration } from './duration.js';

/** What each row carries besides its cells, as the `includeObject` query parameter. */
export type IncludeObjectPolicy = 'None' | 'Metadata' | 'Object';

/** Options of tableFor. */
export interface TableOptions {
  /** The reference time for AGE and other "since" cells. */
  now: Date;
  /** `Metadata` (kubectl's default): a PartialObjectMetadata per row; `Object`: the object; `None`: nothing. */
  includeObject: IncludeObjectPolicy;
  /**
   * Leave out the column definitions, as upstream does for TableOptions.noHeaders (watch events
   * after the first). Default false.
   */
  noHeaders?: boolean;
}

/** NAME and AGE, for types without a printer of their own. */
const defaultPrinter: TypePrinter = {
  columns: [nameColumn(), ageColumn()],
  print(obj, now) {
    const meta = metaOf(obj as { metadata?: ObjectMeta });
    return { cells: [meta.name ?? '', timestampSince(meta.creationTimestamp, now)] };
  },
};

function printerFor(resource: ResourceType): TypePrinter {
  if (resource.custom) return customResourcePrinter(resource.custom.printerColumns);
  const policy = policyPrinters[`${resource.group}/${resource.kind}`];
  if (policy) return policy;
  if (resource.group === '') {
    if (resource.kind === 'Pod') return podPrinter;
    return corePrinters[resource.kind] ?? defaultPrinter;
  }
  if (resource.group === 'events.k8s.io' && resource.kind === 'Event') return eventsV1Printer;
  if (resource.group === 'certificates.k8s.io') return csrPrinter;
  if (resource.group === 'autoscaling' && resource.kind === 'HorizontalPodAutoscaler') return hpaPrinter;
  const key = `${resource.group}/${resource.kind}`;
  return workloadPrinters[key] ?? networkPrinters[key] ?? rbacPrinters[key] ?? admissionRegistrationPrinters[key] ?? defaultPrinter;
}

/** The column definitions of a type's table (e.g. for the first Table of a watch). */
export function tableColumns(resource: ResourceType): TableColumnDefinition[] {
  return printerFor(resource).columns.map((c) => ({ ...c }));
}

function rowObject(obj: object, includeObject: IncludeObjectPolicy): object | undefined {
  switch (includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return obj;
    case 'Metadata': {
      const partial: PartialObjectMetadata = {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: metaOf(obj as { metadata?: ObjectMeta }),
      };
      return partial;
    }
  }
}

/**
 * The Table of some objects of one type: every column (wide ones included, priority 1, as the
 * server always prints wide) and one row per object. The caller sets metadata.resourceVersion and
 * continue.
 */
export function tableFor(resource: ResourceType, objects: readonly object[], opts: TableOptions): Table {
  const printer = printerFor(resource);
  const rows = objects.map((obj): TableRow => {
    const printed = printer.print(obj, opts.now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    const object = rowObject(obj, opts.includeObject);
    if (object) row.object = object;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: opts.noHeaders ? [] : tableColumns(resource),
    rows,
  };
}
