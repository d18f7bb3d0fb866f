/**
 * OpenAPI v2 (Swagger 2.0) schema shapes used by the generated definitions. Kept structurally
 * compatible with the patch engine's schema types so either can be passed to the other.
 */

/** One group/version/kind, as in `x-kubernetes-group-version-kind`. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** An OpenAPI v2 schema object with the Kubernetes vendor extensions Skiff uses. */
export interface JSONSchema {
  description?: string;
  type?: string;
  format?: string;
  /** The values a string may take (upstream's +enum types). */
  enum?: string[];
  /** `#/definitions/<name>` in v2, `#/components/schemas/<name>` in v3. */
  $ref?: string;
  allOf?: JSONSchema[];
  items?: JSONSchema;
  properties?: Record<string, JSONSchema>;
  additionalProperties?: JSONSchema | boolean;
  required?: string[];
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
}

/** Definition name (e.g. `io.k8s.api.core.v1.Pod`) to schema. */
export type Definitions = Record<string, JSONSchema>;

/** The definition name a `$ref` points at (`#/definitions/X` or `#/components/schemas/X` → `X`). */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}
