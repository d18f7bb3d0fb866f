import { refName, type Definitions, type JSONSchema } from './types.js';

/** Definitions that hold arbitrary JSON: nothing below them is unknown. */
const OPEN_DEFINITIONS = new Set([
  'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
]);

/**
 * The paths of the fields in `obj` that the schema of `definition` does not declare, in
 * document order, printed as upstream's strict decoder does (`spec.foo`,
 * `spec.containers[0].bar`), ready for `unknown field "<path>"`. Maps (additionalProperties)
 * check their values; RawExtension, JSON, FieldsV1 and other property-less objects are open.
 * Values of the wrong type are not reported here (that is a decoding error, not an unknown field).
 */
export function findUnknownFields(obj: unknown, definition: string, definitions: Definitions): string[] {
  const found: string[] = [];
  walk(obj, { $ref: `#/definitions/${definition}` }, '', definitions, found);
  return found;
}

function resolve(schema: JSONSchema, definitions: Definitions): { schema: JSONSchema; open: boolean } | undefined {
  let current = schema;
  for (let depth = 0; depth < 32; depth++) {
    const ref = current.$ref ?? (current.allOf?.length === 1 ? current.allOf[0]?.$ref : undefined);
    if (!ref) return { schema: current, open: false };
    const name = refName(ref);
    if (OPEN_DEFINITIONS.has(name)) return { schema: current, open: true };
    const next = definitions[name];
    if (!next) return undefined;
    current = next;
  }
  return undefined;
}

function walk(value: unknown, schema: JSONSchema, path: string, definitions: Definitions, found: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const resolved = resolve(schema, definitions);
  if (!resolved || resolved.open) return;
  const s = resolved.schema;
  if (Array.isArray(value)) {
    if (!s.items) return;
    value.forEach((item, i) => walk(item, s.items as JSONSchema, `${path}[${i}]`, definitions, found));
    return;
  }
  const record = value as Record<string, unknown>;
  if (s.properties) {
    for (const [key, child] of Object.entries(record)) {
      const childPath = path ? `${path}.${key}` : key;
      const propSchema = s.properties[key];
      if (propSchema) walk(child, propSchema, childPath, definitions, found);
      else found.push(childPath);
    }
    return;
  }
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    const valueSchema = s.additionalProperties;
    for (const [key, child] of Object.entries(record)) walk(child, valueSchema, path ? `${path}.${key}` : key, definitions, found);
  }
  // An object schema with neither properties nor additionalProperties accepts anything.
}
