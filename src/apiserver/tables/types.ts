/**
 * The meta.k8s.io/v1 Table shapes (kubernetes-types has none): what the server answers to
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** One column, as metav1.TableColumnDefinition. */
export interface TableColumnDefinition {
  /** Human-readable name, e.g. `Name`, `Nominated Node`; kubectl upper-cases it. */
  name: string;
  /** OpenAPI type: `string`, `integer`, `number`, `boolean`, `date`. */
  type: string;
  /** OpenAPI format; `name` marks the column holding the object's name. */
  format: string;
  description: string;
  /** 0 = always shown; 1 = shown only with `-o wide`. */
  priority: number;
}

/** A cell value: string, integer or boolean as upstream's printers emit. */
export type TableCell = string | number | boolean;

/** A condition of a row, as metav1.TableRowCondition (e.g. Completed for finished pods). */
export interface TableRowCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** The object embedded in a row when includeObject=Metadata. */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

/** One row, as metav1.TableRow. */
export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** The full object, its PartialObjectMetadata, or absent, per includeObject. */
  object?: object;
}

/** A table, as metav1.Table. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** What a type's printer returns for one object. */
export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

/** Columns and cell logic of one type, as one of upstream's printers. */
export interface TypePrinter {
  columns: TableColumnDefinition[];
  /** The row of one object; `now` is the reference time for AGE-like cells. */
  print(obj: object, now: Date): PrintedRow;
}
