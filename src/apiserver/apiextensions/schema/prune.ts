import type { JSONSchemaProps } from './types.js';
import { isObject, itemsSchema } from './types.js';

const metaFields = new Set(['apiVersion', 'kind', 'metadata']);

function prune(v: unknown, s: JSONSchemaProps | undefined, isResource: boolean, path: string, pruned: string[]): void {
  const child = (k: string): string => (path ? `${path}.${k}` : k);
  if (Array.isArray(v)) {
    const items = s ? itemsSchema(s) : undefined;
    v.forEach((item, i) => {
      if (items) prune(item, items, !!items['x-kubernetes-embedded-resource'], `${path}[${i}]`, pruned);
      else if (!s?.['x-kubernetes-preserve-unknown-fields']) pruneAll(item, `${path}[${i}]`, pruned);
    });
    return;
  }
  if (!isObject(v) || !s) return;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const add = s.additionalProperties;
  for (const k of Object.keys(v)) {
    if (isResource && metaFields.has(k)) continue; // metadata is ObjectMeta's business, not the schema's
    const ps = s.properties?.[k];
    if (ps) {
      prune(v[k], ps, !!ps['x-kubernetes-embedded-resource'], child(k), pruned);
    } else if (typeof add === 'object') {
      prune(v[k], add, !!add['x-kubernetes-embedded-resource'], child(k), pruned);
    } else if (add === true || preserve) {
      // kept as it is
    } else {
      pruned.push(child(k));
      delete v[k];
    }
  }
}

/** Below a node with no schema, nothing is known: every object field is pruned (but the values of a list stay). */
function pruneAll(v: unknown, path: string, pruned: string[]): void {
  if (!isObject(v)) return;
  for (const k of Object.keys(v)) {
    pruned.push(`${path}.${k}`);
    delete v[k];
  }
}

/**
 * Removes, in place, every field of `obj` the structural schema does not specify, as upstream's
 * pruning: fields under `x-kubernetes-preserve-unknown-fields` and `additionalProperties: true`
 * stay, `apiVersion`, `kind` and `metadata` of the object and of each embedded resource stay.
 * Returns the paths removed (`spec.foo`, `spec.list[0].bar`), for fieldValidation Strict/Warn
 * (`unknown field "spec.foo"`).
 */
export function pruneUnknownFields(schema: JSONSchemaProps, obj: unknown): string[] {
  const pruned: string[] = [];
  prune(obj, schema, true, '', pruned);
  return pruned;
}

/** Pruning of a value that is not a resource (a default value, a sub-object): metadata fields are not special. */
export function pruneValue(schema: JSONSchemaProps, value: unknown): string[] {
  const pruned: string[] = [];
  prune(value, schema, !!schema['x-kubernetes-embedded-resource'], '', pruned);
  return pruned;
}
