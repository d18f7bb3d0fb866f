/** Helpers shared by the printers: column definitions and cell formatting as upstream's printers. */
import type { Container } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { TableColumnDefinition } from './types.js';

/** metav1.ObjectMeta's doc for `name`, upstream's description of every Name column. */
export const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

/** metav1.ObjectMeta's doc for `creationTimestamp`, upstream's description of every Age column. */
export const creationTimestampDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** Options of a column beyond its name; type defaults to `string`, priority to 0. */
export interface ColumnOptions {
  type?: string;
  format?: string;
  priority?: number;
}

/** A column definition with upstream's defaults (`string`, no format, priority 0). */
export function column(name: string, description: string, opts: ColumnOptions = {}): TableColumnDefinition {
  return {
    name,
    type: opts.type ?? 'string',
    format: opts.format ?? '',
    description,
    priority: opts.priority ?? 0,
  };
}

/** The `Name` column (format `name`). */
export function nameColumn(priority = 0): TableColumnDefinition {
  return column('Name', nameDescription, { format: 'name', priority });
}

/** The `Age` column. */
export function ageColumn(): TableColumnDefinition {
  return column('Age', creationTimestampDescription);
}

/** The wide `Containers` column of workload printers. */
export function containersColumn(): TableColumnDefinition {
  return column('Containers', 'Names of each container in the template.', { priority: 1 });
}

/** The wide `Images` column of workload printers. */
export function imagesColumn(): TableColumnDefinition {
  return column('Images', 'Images referenced by each container in the template.', { priority: 1 });
}

/** The wide `Selector` column of workload printers. */
export function selectorColumn(description: string): TableColumnDefinition {
  return column('Selector', description, { priority: 1 });
}

/** Container names and images joined by `,`, as upstream's layoutContainerCells. */
export function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** An object's metadata, or an empty one. */
export function metaOf(obj: { metadata?: ObjectMeta }): ObjectMeta {
  return obj.metadata ?? {};
}

/** Up to `max` items joined by `,`, then ` + N more...`, as upstream's listWithMoreString; `<unset>` when empty. */
export function listWithMore(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown === '' ? '<unset>' : shown;
}
