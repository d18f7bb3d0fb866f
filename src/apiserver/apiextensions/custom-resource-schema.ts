/**
 * What the custom resource endpoints need from a structural schema: the seam between serving
 * CustomResourceDefinitions and checking their OpenAPI v3 schemas (apiextensions/schema/).
 */
import type { JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';
import type { FieldError } from '../../apimachinery/errors.js';

export type { JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';

/** Structural schema checks, validation, defaulting and pruning, as upstream's apiextensions. */
export interface CustomResourceSchema {
  /** Why a CRD's schema is not structural (422 causes), [] when it is; `path` is the schema's field path. */
  checkStructuralSchema(schema: JSONSchemaProps, path: string): FieldError[];
  /** A custom object's violations of its schema, one cause per field; `oldObj` on update (for transition rules). */
  validateCustomObject(schema: JSONSchemaProps, obj: Record<string, unknown>, path?: string, oldObj?: Record<string, unknown>): FieldError[];
  /** Fills the schema's defaults into `obj`. */
  applySchemaDefaults(schema: JSONSchemaProps, obj: Record<string, unknown>): void;
  /** Drops the fields the schema does not know from `obj`; returns their paths. */
  pruneUnknownFields(schema: JSONSchemaProps, obj: Record<string, unknown>): string[];
}

/** Accepts every schema and object, changes nothing: the stand-in until schema checking is served. */
export const acceptingSchema: CustomResourceSchema = {
  checkStructuralSchema: () => [],
  validateCustomObject: () => [],
  applySchemaDefaults: () => {},
  pruneUnknownFields: () => [],
};
