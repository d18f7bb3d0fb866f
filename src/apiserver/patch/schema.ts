/**
 * The OpenAPI v2 schema shapes the patch and apply logic reads: a `definitions` map keyed by
 * definition name (e.g. `io.k8s.api.core.v1.PodSpec`), with Kubernetes' patch and list extensions.
 */
export interface JSONSchema {
  $ref?: string;
  /** OpenAPI v3 style wrapping of a `$ref` that carries sibling extensions. */
  allOf?: JSONSchema[];
  type?: string;
  format?: string;
  description?: string;
  default?: unknown;
  required?: string[];
  properties?: Record<string, JSONSchema>;
  items?: JSONSchema;
  additionalProperties?: JSONSchema | boolean;
  'x-kubernetes-patch-merge-key'?: string;
  /** "merge", "replace", "retainKeys" or "merge,retainKeys". */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

/** An OpenAPI v2 `definitions` map. */
export type Definitions = Record<string, JSONSchema>;

const refPrefix = '#/definitions/';

/**
 * The structural schema behind `schema`: follows `$ref` (and a single-`$ref` `allOf`) through
 * `definitions`. Undefined when a reference names no known definition.
 */
export function resolveSchema(definitions: Definitions, schema: JSONSchema | undefined): JSONSchema | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 32; depth++) {
    if (current.$ref !== undefined) {
      const name = current.$ref.startsWith(refPrefix) ? current.$ref.slice(refPrefix.length) : current.$ref;
      current = definitions[name];
      continue;
    }
    if (current.allOf?.length === 1 && !current.properties && !current.items) {
      current = current.allOf[0];
      continue;
    }
    return current;
  }
  return undefined;
}

/** The schema of a definition by name, resolved; undefined if not known. */
export function definitionSchema(definitions: Definitions, name: string): JSONSchema | undefined {
  return resolveSchema(definitions, definitions[name]);
}

/**
 * The declared schema of field `key` in a resolved object schema: the property schema (unresolved,
 * so its own extensions stay readable) or the `additionalProperties` schema.
 */
export function fieldSchema(schema: JSONSchema | undefined, key: string): JSONSchema | undefined {
  if (!schema) return undefined;
  const property = schema.properties?.[key];
  if (property) return property;
  if (typeof schema.additionalProperties === 'object') return schema.additionalProperties;
  return undefined;
}

/** Whether a resolved schema describes a map whose keys are free (a `map[string]T`), not a struct. */
export function isFreeFormMap(schema: JSONSchema | undefined): boolean {
  return !!schema && !schema.properties && typeof schema.additionalProperties === 'object';
}

/** The patch strategies declared on a field, split (`"merge,retainKeys"` → `["merge", "retainKeys"]`). */
export function patchStrategies(schema: JSONSchema | undefined): string[] {
  const raw = schema?.['x-kubernetes-patch-strategy'] ?? schema?.allOf?.[0]?.['x-kubernetes-patch-strategy'];
  return raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [];
}
