import { badRequest, StatusError } from '../../apimachinery/errors.js';
import { OpenAPISchemas } from '../openapi/definitions.js';
import { refName, type Definitions, type JSONSchema } from '../openapi/types.js';
import { fieldNumbers, inlineFields, pointerFields } from './field-numbers.js';

/** The 4 bytes that start every `application/vnd.kubernetes.protobuf` body: `k8s\0`. */
export const protobufMagic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const timeName = `${meta}Time`;
const microTimeName = `${meta}MicroTime`;
const fieldsV1Name = `${meta}FieldsV1`;
const quantityName = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const intOrStringName = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const rawExtensionName = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const unknownName = 'io.k8s.apimachinery.pkg.runtime.Unknown';
const typeMetaName = 'io.k8s.apimachinery.pkg.runtime.TypeMeta';

/** Nesting deeper than any Kubernetes type; guards the stack against hostile input. */
const maxDepth = 64;

/**
 * Decodes a Kubernetes protobuf request body (`k8s\0` + runtime.Unknown wrapping the object's
 * own encoding) into the JSON object a client would have sent as JSON: `apiVersion` and `kind`
 * from the envelope, properties named and typed by the OpenAPI definition of that kind. Zero
 * values of non-pointer fields (which protobuf always carries) are dropped as JSON's omitempty
 * would; zero times are dropped (JSON null); unknown field numbers are skipped.
 *
 * Pass the server's {@link OpenAPISchemas} (a bare definitions map works but is indexed on each
 * call). Throws a 400 BadRequest StatusError on malformed input or a kind with no definition, and
 * 415 UnsupportedMediaType for a known kind whose field numbers Skiff does not have.
 */
export function decodeProtobufObject(body: Buffer, definitions: Definitions | OpenAPISchemas): Record<string, unknown> {
  const schemas = definitions instanceof OpenAPISchemas ? definitions : new OpenAPISchemas(definitions);
  return new ObjectDecoder(schemas).decodeEnvelope(body, 0);
}

/** A protobuf problem in the body; turned into a 400 at the edge of the decoder. */
class WireError extends Error {}

/** Reads the protobuf wire format from a buffer. */
class WireReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** A varint as a bigint (up to 64 bits; upper bits beyond are an error). */
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new WireError('unexpected EOF');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, result);
    }
    throw new WireError('integer overflow');
  }

  /** A varint that must fit a length or a tag. */
  smallVarint(): number {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new WireError('integer overflow');
    return Number(v);
  }

  bytes(n: number): Buffer {
    if (n < 0 || this.pos + n > this.buf.length) throw new WireError('unexpected EOF');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  lengthDelimited(): Buffer {
    return this.bytes(this.smallVarint());
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wireType: number } {
    const key = this.smallVarint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field <= 0) throw new WireError(`illegal tag ${field} (wire type ${wireType})`);
    return { field, wireType };
  }

  /** Consumes a field's value of this wire type, whatever it is. */
  value(wireType: number): bigint | Buffer {
    switch (wireType) {
      case 0:
        return this.varint();
      case 1:
        return this.bytes(8);
      case 2:
        return this.lengthDelimited();
      case 5:
        return this.bytes(4);
      default:
        throw new WireError(`illegal wireType ${wireType}`);
    }
  }
}

/** One field as read off the wire. */
interface RawField {
  field: number;
  wireType: number;
  value: bigint | Buffer;
}

function readFields(buf: Buffer): RawField[] {
  const r = new WireReader(buf);
  const out: RawField[] = [];
  while (!r.done) {
    const { field, wireType } = r.tag();
    out.push({ field, wireType, value: r.value(wireType) });
  }
  return out;
}

function asBytes(f: RawField, what: string): Buffer {
  if (!Buffer.isBuffer(f.value) || f.wireType !== 2) throw new WireError(`proto: wrong wireType = ${f.wireType} for field ${what}`);
  return f.value;
}

/** A signed 64-bit integer from a varint or fixed field, as a JS number. */
function asInteger(f: RawField, what: string): number {
  if (typeof f.value === 'bigint') return Number(BigInt.asIntN(64, f.value));
  if (f.wireType === 1) return Number(f.value.readBigInt64LE(0));
  if (f.wireType === 5) return f.value.readInt32LE(0);
  throw new WireError(`proto: wrong wireType = ${f.wireType} for field ${what}`);
}

function asNumber(f: RawField, what: string): number {
  if (f.wireType === 1 && Buffer.isBuffer(f.value)) return f.value.readDoubleLE(0);
  if (f.wireType === 5 && Buffer.isBuffer(f.value)) return f.value.readFloatLE(0);
  return asInteger(f, what);
}

function asString(f: RawField, what: string): string {
  return asBytes(f, what).toString('utf8');
}

/** The schema a property uses: its own, or the single `allOf` member generators wrap `$ref`s in. */
function effectiveSchema(schema: JSONSchema): JSONSchema {
  if (!schema.$ref && schema.allOf?.length === 1) return { ...schema, ...schema.allOf[0] };
  return schema;
}

/** Decodes messages by definition name, with lookups cached for one body. */
class ObjectDecoder {
  private readonly byNumber = new Map<string, Map<number, string>>();
  private readonly pointers = new Map<string, Set<string>>();

  constructor(private readonly schemas: OpenAPISchemas) {}

  /** `k8s\0` + runtime.Unknown → the object with apiVersion and kind. */
  decodeEnvelope(body: Buffer, depth: number): Record<string, unknown> {
    if (body.length < protobufMagic.length || !body.subarray(0, protobufMagic.length).equals(protobufMagic)) {
      throw badRequest('provided data does not have the protobuf prefix "k8s\\x00"');
    }
    let apiVersion = '';
    let kind = '';
    let raw: Buffer = Buffer.alloc(0);
    let contentEncoding = '';
    let contentType = '';
    try {
      const unknownFields = fieldNumbers[unknownName];
      const typeMetaFields = fieldNumbers[typeMetaName];
      for (const f of readFields(body.subarray(protobufMagic.length))) {
        if (f.field === unknownFields.typeMeta) {
          for (const t of readFields(asBytes(f, 'typeMeta'))) {
            if (t.field === typeMetaFields.apiVersion) apiVersion = asString(t, 'apiVersion');
            else if (t.field === typeMetaFields.kind) kind = asString(t, 'kind');
          }
        } else if (f.field === unknownFields.raw) raw = asBytes(f, 'raw');
        else if (f.field === unknownFields.contentEncoding) contentEncoding = asString(f, 'contentEncoding');
        else if (f.field === unknownFields.contentType) contentType = asString(f, 'contentType');
      }
    } catch (err) {
      throw asBadRequest(err);
    }
    if (contentEncoding) throw badRequest(`unsupported protobuf content encoding "${contentEncoding}"`);
    if (!kind) throw badRequest('Object \'Kind\' is missing in protobuf body');
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    if (contentType && !contentType.includes('protobuf')) {
      try {
        return { apiVersion, kind, ...parseEmbeddedJSON(raw, 'raw') };
      } catch (err) {
        throw asBadRequest(err);
      }
    }
    const name = this.schemas.definitionNameForGVK(group, version, kind);
    if (name === undefined) throw badRequest(`no kind "${kind}" is registered for version "${apiVersion}"`);
    if (!fieldNumbers[name]) {
      throw new StatusError(415, 'UnsupportedMediaType', `protobuf is not supported for kind "${kind}" in version "${apiVersion}"; send application/json`);
    }
    try {
      return { apiVersion, kind, ...this.message(raw, name, this.definition(name), depth) };
    } catch (err) {
      throw asBadRequest(err);
    }
  }

  private definition(name: string): JSONSchema {
    return this.schemas.definitions[name] ?? {};
  }

  private numbersOf(message: string): Map<number, string> {
    let map = this.byNumber.get(message);
    if (!map) {
      map = new Map(Object.entries(fieldNumbers[message] ?? {}).map(([prop, n]) => [n, prop]));
      this.byNumber.set(message, map);
    }
    return map;
  }

  private isPointer(message: string, prop: string): boolean {
    let set = this.pointers.get(message);
    if (!set) {
      set = new Set(pointerFields[message] ?? []);
      this.pointers.set(message, set);
    }
    return set.has(prop);
  }

  /**
   * Decodes one message. `message` names its field numbers; `schema` types its properties (for an
   * inline-embedded message, the outer object's schema).
   */
  private message(buf: Buffer, message: string, schema: JSONSchema, depth: number): Record<string, unknown> {
    if (depth > maxDepth) throw new WireError('exceeded maximum nesting depth');
    const numbers = this.numbersOf(message);
    const inline = inlineFields[message];
    const props = schema.properties ?? {};
    const out: Record<string, unknown> = {};
    for (const f of readFields(buf)) {
      const embedded = inline?.[f.field];
      if (embedded !== undefined) {
        Object.assign(out, this.message(asBytes(f, embedded), embedded, schema, depth + 1));
        continue;
      }
      const prop = numbers.get(f.field);
      if (prop === undefined) continue;
      const propSchema = props[prop];
      if (!propSchema) continue;
      this.field(out, prop, effectiveSchema(propSchema), f, depth);
    }
    for (const [prop, value] of Object.entries(out)) {
      if ((value === '' || value === 0 || value === false) && !this.isPointer(message, prop)) delete out[prop];
    }
    return out;
  }

  /** Adds one wire field to `out[prop]`: appends to lists, adds map entries, sets singulars. */
  private field(out: Record<string, unknown>, prop: string, schema: JSONSchema, f: RawField, depth: number): void {
    if (schema.type === 'array' && schema.items) {
      const items = effectiveSchema(schema.items);
      const list = Array.isArray(out[prop]) ? (out[prop] as unknown[]) : [];
      if (f.wireType === 2 && isPackable(items)) list.push(...this.packed(asBytes(f, prop), items, prop));
      else {
        const value = this.value(items, f, prop, depth);
        list.push(value === undefined ? null : value);
      }
      out[prop] = list;
      return;
    }
    if (typeof schema.additionalProperties === 'object' && !schema.$ref) {
      const valueSchema = effectiveSchema(schema.additionalProperties);
      const map = isRecord(out[prop]) ? out[prop] : {};
      let key = '';
      let value: unknown;
      for (const e of readFields(asBytes(f, prop))) {
        if (e.field === 1) key = asString(e, `${prop} key`);
        else if (e.field === 2) value = this.value(valueSchema, e, prop, depth);
      }
      map[key] = value === undefined ? emptyValue(valueSchema) : value;
      out[prop] = map;
      return;
    }
    const value = this.value(schema, f, prop, depth);
    if (value === undefined) delete out[prop];
    else out[prop] = value;
  }

  /** A packed run of scalars. */
  private packed(buf: Buffer, items: JSONSchema, prop: string): unknown[] {
    const r = new WireReader(buf);
    const out: unknown[] = [];
    const wireType = items.type === 'number' ? (items.format === 'float' ? 5 : 1) : 0;
    while (!r.done) out.push(this.scalar(items, { field: 0, wireType, value: r.value(wireType) }, prop));
    return out;
  }

  /** One value of this schema; undefined for what JSON would carry as null (zero times...). */
  private value(schema: JSONSchema, f: RawField, prop: string, depth: number): unknown {
    if (schema.$ref) {
      const name = refName(schema.$ref);
      const special = this.special(name, f, prop, depth);
      if (special !== noSpecial) return special;
      return this.message(asBytes(f, prop), name, this.definition(name), depth + 1);
    }
    if (schema.format === 'int-or-string') return intOrString(readFields(asBytes(f, prop)));
    if (schema.type === 'array' && schema.items) {
      // A list inside a list or map is a wrapper message whose field 1 holds the items.
      const holder: Record<string, unknown> = {};
      for (const inner of readFields(asBytes(f, prop))) {
        if (inner.field === 1) this.field(holder, 'items', schema, inner, depth + 1);
      }
      return holder.items ?? [];
    }
    if (schema.type === 'object' && !schema.properties && !schema.additionalProperties) return undefined;
    return this.scalar(schema, f, prop);
  }

  private scalar(schema: JSONSchema, f: RawField, prop: string): unknown {
    switch (schema.type) {
      case 'integer':
        return asInteger(f, prop);
      case 'number':
        return asNumber(f, prop);
      case 'boolean':
        return asInteger(f, prop) !== 0;
      default:
        if (schema.format === 'byte') return asBytes(f, prop).toString('base64');
        return asString(f, prop);
    }
  }

  /** The upstream types with their own encodings; {@link noSpecial} for ordinary messages. */
  private special(name: string, f: RawField, prop: string, depth: number): unknown {
    switch (name) {
      case timeName:
      case microTimeName: {
        const bytes = asBytes(f, prop);
        // A zero time is marshalled as an empty message; JSON carries it as null.
        if (bytes.length === 0) return undefined;
        const numbers = fieldNumbers[name];
        let seconds = 0;
        let nanos = 0;
        for (const t of readFields(bytes)) {
          if (t.field === numbers.seconds) seconds = asInteger(t, `${prop}.seconds`);
          else if (t.field === numbers.nanos) nanos = asInteger(t, `${prop}.nanos`);
        }
        return formatTime(seconds, name === microTimeName ? nanos : 0, name === microTimeName);
      }
      case quantityName: {
        let text = '';
        for (const q of readFields(asBytes(f, prop))) if (q.field === fieldNumbers[quantityName].string) text = asString(q, prop);
        return text === '' ? '0' : text;
      }
      case intOrStringName:
        return intOrString(readFields(asBytes(f, prop)));
      case rawExtensionName:
      case fieldsV1Name: {
        const rawField = name === rawExtensionName ? fieldNumbers[name].raw : fieldNumbers[name].Raw;
        let raw: Buffer = Buffer.alloc(0);
        for (const r of readFields(asBytes(f, prop))) if (r.field === rawField) raw = asBytes(r, prop);
        if (raw.length === 0) return undefined;
        if (raw.subarray(0, protobufMagic.length).equals(protobufMagic)) return this.decodeEnvelope(raw, depth + 1);
        return parseEmbeddedJSON(raw, prop);
      }
      default:
        return noSpecial;
    }
  }
}

const noSpecial = Symbol('not a special type');

function isPackable(schema: JSONSchema): boolean {
  return !schema.$ref && (schema.type === 'integer' || schema.type === 'number' || schema.type === 'boolean');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value of a map entry whose value field was absent (protobuf's zero value). */
function emptyValue(schema: JSONSchema): unknown {
  if (schema.$ref) return refName(schema.$ref) === quantityName ? '0' : {};
  switch (schema.type) {
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return '';
  }
}

/** IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal} → a number or a string. */
function intOrString(fields: RawField[]): number | string {
  const numbers = fieldNumbers[intOrStringName];
  let type = 0;
  let intVal = 0;
  let strVal = '';
  for (const f of fields) {
    if (f.field === numbers.type) type = asInteger(f, 'type');
    else if (f.field === numbers.intVal) intVal = asInteger(f, 'intVal');
    else if (f.field === numbers.strVal) strVal = asString(f, 'strVal');
  }
  return type === 1 ? strVal : intVal;
}

/** RFC 3339 in UTC: whole seconds for Time, 6 fractional digits for MicroTime. */
function formatTime(seconds: number, nanos: number, micro: boolean): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new WireError(`time out of range: ${seconds}s`);
  const whole = date.toISOString().slice(0, 19);
  if (!micro) return `${whole}Z`;
  return `${whole}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function parseEmbeddedJSON(raw: Buffer, what: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (!isRecord(parsed)) throw new WireError(`${what} does not hold a JSON object`);
    return parsed;
  } catch (err) {
    if (err instanceof WireError) throw err;
    throw new WireError(`${what}: ${(err as Error).message}`);
  }
}

function asBadRequest(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (err instanceof WireError) return badRequest(`unable to decode protobuf body: ${err.message}`, { cause: err });
  throw err;
}
