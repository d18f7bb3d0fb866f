/**
 * The `x-kubernetes-*` fields of JSONSchemaProps, which the kubernetes-types declarations the
 * definitions are generated from leave out (their names are not identifiers).
 */
import type { Definitions, JSONSchema } from '../openapi/types.js';

const jsonSchemaProps = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';

const extensions: Record<string, JSONSchema> = {
  'x-kubernetes-embedded-resource': {
    description: 'x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta. The type must be object. It is allowed to further restrict the embedded object. kind, apiVersion and metadata are validated automatically. x-kubernetes-preserve-unknown-fields is allowed to be true, but does not have to be if the object is fully specified (up to kind, apiVersion, metadata).',
    type: 'boolean',
  },
  'x-kubernetes-int-or-string': {
    description: 'x-kubernetes-int-or-string specifies that this value is either an integer or a string. If this is true, an empty type is allowed and type as child of anyOf is permitted if following one of the following patterns:\n\n1) anyOf:\n   - type: integer\n   - type: string\n2) allOf:\n   - anyOf:\n     - type: integer\n     - type: string\n   - ... zero or more',
    type: 'boolean',
  },
  'x-kubernetes-list-map-keys': {
    description: 'x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type `map` by specifying the keys used as the index of the map.',
    type: 'array',
    items: { type: 'string', default: '' } as JSONSchema,
    'x-kubernetes-list-type': 'atomic',
  },
  'x-kubernetes-list-type': { description: 'x-kubernetes-list-type annotates an array to further describe its topology: atomic, set or map.', type: 'string' },
  'x-kubernetes-map-type': { description: 'x-kubernetes-map-type annotates an object to further describe its topology: granular or atomic.', type: 'string' },
  'x-kubernetes-preserve-unknown-fields': {
    description: 'x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema.',
    type: 'boolean',
  },
  'x-kubernetes-validations': {
    description: 'x-kubernetes-validations describes a list of validation rules written in the CEL expression language.',
    type: 'array',
    items: { $ref: '#/definitions/io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ValidationRule' },
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['rule'],
    'x-kubernetes-patch-merge-key': 'rule',
    'x-kubernetes-patch-strategy': 'merge',
  },
};

/** Adds the x-kubernetes-* fields to the JSONSchemaProps definition (in place; no-op when absent). */
export function addSchemaExtensions(definitions: Definitions): void {
  const def = definitions[jsonSchemaProps];
  if (!def) return;
  def.properties = { ...def.properties, ...extensions };
}
