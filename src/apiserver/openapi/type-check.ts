import { refName, type Definitions, type JSONSchema } from './types.js';

/** Definitions that hold arbitrary JSON: any value is accepted below them. */
const OPEN_DEFINITIONS = new Set([
  'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
]);
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Upstream's message for a Quantity that is neither a string nor a number. */
export const quantityFormatMessage = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const int32Range = { min: -2147483648n, max: 2147483647n };
const int64Range = { min: -9223372036854775808n, max: 9223372036854775807n };

/** Options of {@link findTypeError}. */
export interface TypeCheckOptions {
  /** Literal text of numbers that JSON.parse changed, by field path (see apimachinery/json-source). Default: none. */
  numberLiterals?: ReadonlyMap<string, string>;
}

/**
 * The first value in `obj` (in document order) whose JSON type the schema of `definition`
 * refuses, as upstream's decoder (Go's encoding/json) words it:
 * `json: cannot unmarshal number 1.5 into Go struct field ReplicaSetSpec.spec.replicas of type int32`.
 * Integers are checked against their format (int32, int64): fractions, exponents, overflow,
 * non-finite numbers and strings are refused. Undefined when every value fits.
 */
export function findTypeError(obj: unknown, definition: string, definitions: Definitions, options: TypeCheckOptions = {}): string | undefined {
  const checker = new TypeChecker(definitions, options.numberLiterals);
  return checker.check(obj, { $ref: `#/definitions/${definition}` }, '', '', '');
}

class TypeChecker {
  constructor(
    private readonly definitions: Definitions,
    private readonly literals: ReadonlyMap<string, string> | undefined,
  ) {}

  /**
   * `path` is the field path with indices (for literal lookup); `goPath` the JSON names from the
   * root without indices or map keys, and `struct` the Go struct that holds the field, as Go prints them.
   */
  check(value: unknown, schema: JSONSchema, path: string, goPath: string, struct: string): string | undefined {
    if (value === null || value === undefined) return undefined;
    let current = schema;
    let defName: string | undefined;
    for (let hops = 0; hops < 32; hops++) {
      const ref = current.$ref ?? (current.allOf?.length === 1 ? current.allOf[0]?.$ref : undefined);
      if (!ref) break;
      defName = refName(ref);
      if (OPEN_DEFINITIONS.has(defName)) return undefined;
      const next = this.definitions[defName];
      if (!next) return undefined;
      current = next;
    }
    const fail = (what: string, type: string) => `json: cannot unmarshal ${what} into Go ${struct ? `struct field ${struct}.${goPath}` : 'value'} of type ${type}`;
    if (defName === QUANTITY) {
      return typeof value === 'string' || typeof value === 'number' ? undefined : quantityFormatMessage;
    }
    if (defName === INT_OR_STRING) {
      return typeof value === 'string' ? undefined : this.integer(value, path, 'int32', fail);
    }
    switch (current.type) {
      case 'integer':
        return this.integer(value, path, current.format === 'int64' ? 'int64' : 'int32', fail);
      case 'number':
        if (typeof value !== 'number') return fail(jsonKind(value), 'float64');
        return Number.isFinite(value) ? undefined : fail(`number ${this.literal(value, path)}`, 'float64');
      case 'boolean':
        return typeof value === 'boolean' ? undefined : fail(jsonKind(value), 'bool');
      case 'string':
        return typeof value === 'string' ? undefined : fail(jsonKind(value), this.goType(current, defName));
      case 'array': {
        if (!Array.isArray(value)) return fail(jsonKind(value), this.goType(current, defName));
        if (!current.items) return undefined;
        for (let i = 0; i < value.length; i++) {
          const found = this.check(value[i], current.items, `${path}[${i}]`, goPath, struct);
          if (found) return found;
        }
        return undefined;
      }
      default:
        break;
    }
    if (current.type !== 'object' && !current.properties && !current.additionalProperties) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) return fail(jsonKind(value), this.goType(current, defName));
    const record = value as Record<string, unknown>;
    if (current.properties) {
      const structName = defName ? defName.slice(defName.lastIndexOf('.') + 1) : struct;
      for (const key of Object.keys(record)) {
        const prop = current.properties[key];
        if (!prop) continue;
        const found = this.check(record[key], prop, path ? `${path}.${key}` : key, goPath ? `${goPath}.${key}` : key, structName);
        if (found) return found;
      }
      return undefined;
    }
    if (current.additionalProperties && typeof current.additionalProperties === 'object') {
      for (const key of Object.keys(record)) {
        const found = this.check(record[key], current.additionalProperties, path ? `${path}.${key}` : key, goPath, struct);
        if (found) return found;
      }
    }
    return undefined;
  }

  private integer(value: unknown, path: string, format: 'int32' | 'int64', fail: (what: string, type: string) => string): string | undefined {
    if (typeof value !== 'number') return fail(jsonKind(value), format);
    const literal = this.literal(value, path);
    const range = format === 'int64' ? int64Range : int32Range;
    if (!/^-?\d+$/.test(literal)) return fail(`number ${literal}`, format);
    const n = BigInt(literal);
    return n < range.min || n > range.max ? fail(`number ${literal}`, format) : undefined;
  }

  /** The number as it was written, when known, else as JavaScript prints it (Go's spelling for non-finite ones). */
  private literal(value: number, path: string): string {
    const written = this.literals?.get(path);
    if (written !== undefined) return written;
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
    if (Number.isInteger(value) && Math.abs(value) < 1e21) return BigInt(value).toString();
    return String(value);
  }

  /** The Go type of a schema, as Go prints it (`[]v1.Container`, `map[string]string`, `v1.PodSpec`). */
  private goType(schema: JSONSchema, defName?: string): string {
    if (defName) {
      const parts = defName.split('.');
      return parts.length > 1 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : defName;
    }
    const inner = (s: JSONSchema): string => {
      const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]?.$ref : undefined);
      if (ref) return this.goType(this.definitions[refName(ref)] ?? {}, refName(ref));
      return this.goType(s);
    };
    switch (schema.type) {
      case 'string':
        return schema.format === 'byte' ? '[]uint8' : 'string';
      case 'integer':
        return schema.format === 'int64' ? 'int64' : 'int32';
      case 'number':
        return 'float64';
      case 'boolean':
        return 'bool';
      case 'array':
        return `[]${schema.items ? inner(schema.items) : 'interface {}'}`;
      default:
        if (schema.additionalProperties && typeof schema.additionalProperties === 'object') return `map[string]${inner(schema.additionalProperties)}`;
        return 'map[string]interface {}';
    }
  }
}

/** How Go's decoder names a JSON value's kind in its errors. */
function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  return 'object';
}
