/** The Table printer of a custom resource: NAME, its additionalPrinterColumns, and AGE when it has none of type date named Age. */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { PrinterColumn } from '../registry.js';
import { ageColumn, metaOf, nameColumn } from '../tables/columns.js';
import { timestampSince } from '../tables/duration.js';
import type { TableCell, TypePrinter } from '../tables/types.js';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';

function parses(path: string): boolean {
  try {
    parseJsonPath(path);
    return true;
  } catch (err) {
    return !(err instanceof Error);
  }
}

function cellOf(column: PrinterColumn, values: unknown[], now: Date): TableCell | null {
  if (!values.length) return null;
  if (values.length > 1) return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
  const value = values[0];
  if (value === null) return null;
  switch (column.type) {
    case 'date':
      return typeof value === 'string' ? timestampSince(value, now) : null;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/**
 * Upstream's CRD table convertor: NAME, then each column (a jsonPath that does not parse gives an
 * empty cell); without columns, NAME and AGE.
 */
export function customResourcePrinter(columns: readonly PrinterColumn[]): TypePrinter {
  const defs = columns.length
    ? [nameColumn(), ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 }))]
    : [nameColumn(), ageColumn()];
  const usable = columns.map((c) => parses(c.jsonPath));
  return {
    columns: defs,
    print(obj, now) {
      const meta = metaOf(obj as { metadata?: ObjectMeta });
      if (!columns.length) return { cells: [meta.name ?? '', timestampSince(meta.creationTimestamp, now)] };
      const cells = columns.map((c, i) => (usable[i] ? cellOf(c, evaluateJsonPath(obj, c.jsonPath), now) : null));
      return { cells: [meta.name ?? '', ...(cells as TableCell[])] };
    },
  };
}
