import type { SwaggerDocument, SwaggerOperation, SwaggerParameter, SwaggerPathItem } from './documents.js';
import type { JSONSchema } from './types.js';

/**
 * Encodes a Swagger 2.0 document as the gnostic `openapi.v2.Document` protobuf message
 * (github.com/google/gnostic openapiv2/OpenAPIv2.proto), the body of `/openapi/v2` for
 * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`. Only the parts Skiff's
 * documents use are encoded. Vendor extension values are carried as YAML text (JSON is YAML).
 */
export function encodeSwaggerDocument(doc: SwaggerDocument): Buffer {
  const w = new ProtoWriter();
  w.string(1, doc.swagger);
  w.message(2, info(doc.info));
  const paths = new ProtoWriter();
  for (const [name, item] of Object.entries(doc.paths)) paths.message(2, named(name, pathItem(item)));
  w.message(8, paths);
  const defs = new ProtoWriter();
  for (const [name, schema] of Object.entries(doc.definitions)) defs.message(1, named(name, schemaMessage(schema)));
  w.message(9, defs);
  for (const requirement of doc.security) {
    const sr = new ProtoWriter();
    for (const [name, scopes] of Object.entries(requirement)) {
      const arr = new ProtoWriter();
      for (const s of scopes) arr.string(1, s);
      sr.message(1, named(name, arr));
    }
    w.message(12, sr);
  }
  const secDefs = new ProtoWriter();
  for (const [name, def] of Object.entries(doc.securityDefinitions)) {
    const apiKey = new ProtoWriter();
    apiKey.string(1, def.type);
    apiKey.string(2, def.name);
    apiKey.string(3, def.in);
    apiKey.string(4, def.description);
    const item = new ProtoWriter();
    item.message(2, apiKey);
    secDefs.message(1, named(name, item));
  }
  w.message(13, secDefs);
  return w.finish();
}

/** A minimal protobuf wire-format writer (proto3: default values are omitted). */
class ProtoWriter {
  private readonly parts: Buffer[] = [];

  private varint(value: number): void {
    const bytes: number[] = [];
    let v = value;
    while (v > 0x7f) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  string(field: number, value: string | undefined): void {
    if (!value) return;
    const bytes = Buffer.from(value, 'utf8');
    this.tag(field, 2);
    this.varint(bytes.length);
    this.parts.push(bytes);
  }

  bool(field: number, value: boolean | undefined): void {
    if (!value) return;
    this.tag(field, 0);
    this.varint(1);
  }

  message(field: number, value: ProtoWriter): void {
    const bytes = value.finish();
    this.tag(field, 2);
    this.varint(bytes.length);
    this.parts.push(bytes);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function named(name: string, value: ProtoWriter): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, name);
  w.message(2, value);
  return w;
}

function info(i: SwaggerDocument['info']): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, i.title);
  w.string(2, i.version);
  return w;
}

function vendorExtension(w: ProtoWriter, field: number, name: string, value: unknown): void {
  const any = new ProtoWriter();
  any.string(2, `${JSON.stringify(value)}\n`);
  const namedAny = new ProtoWriter();
  namedAny.string(1, name);
  namedAny.message(2, any);
  w.message(field, namedAny);
}

function schemaMessage(s: JSONSchema): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, s.$ref);
  w.string(2, s.format);
  w.string(4, s.description);
  for (const r of s.required ?? []) w.string(19, r);
  if (s.additionalProperties !== undefined) {
    const ap = new ProtoWriter();
    if (typeof s.additionalProperties === 'boolean') ap.bool(2, s.additionalProperties);
    else ap.message(1, schemaMessage(s.additionalProperties));
    w.message(21, ap);
  }
  if (s.type) {
    const t = new ProtoWriter();
    t.string(1, s.type);
    w.message(22, t);
  }
  if (s.items) {
    const items = new ProtoWriter();
    items.message(1, schemaMessage(s.items));
    w.message(23, items);
  }
  for (const sub of s.allOf ?? []) w.message(24, schemaMessage(sub));
  if (s.properties) {
    const props = new ProtoWriter();
    for (const [name, prop] of Object.entries(s.properties)) props.message(1, named(name, schemaMessage(prop)));
    w.message(25, props);
  }
  for (const [key, value] of Object.entries(s)) {
    if (key.startsWith('x-') && value !== undefined) vendorExtension(w, 31, key, value);
  }
  return w;
}

function parameterItem(p: SwaggerParameter): ProtoWriter {
  const param = new ProtoWriter();
  if (p.in === 'body') {
    const body = new ProtoWriter();
    body.string(1, p.description);
    body.string(2, p.name);
    body.string(3, p.in);
    body.bool(4, p.required);
    if (p.schema) body.message(5, schemaMessage(p.schema));
    param.message(1, body);
  } else {
    // Query and path sub-schemas differ in numbering after `name` (query has allow_empty_value).
    const sub = new ProtoWriter();
    sub.bool(1, p.required);
    sub.string(2, p.in);
    sub.string(3, p.description);
    sub.string(4, p.name);
    if (p.in === 'query') {
      sub.string(6, p.type);
      sub.bool(20, p.uniqueItems);
    } else {
      sub.string(5, p.type);
      sub.bool(19, p.uniqueItems);
    }
    const nonBody = new ProtoWriter();
    nonBody.message(p.in === 'query' ? 3 : 4, sub);
    param.message(2, nonBody);
  }
  const item = new ProtoWriter();
  item.message(1, param);
  return item;
}

function operation(op: SwaggerOperation): ProtoWriter {
  const w = new ProtoWriter();
  for (const t of op.tags) w.string(1, t);
  w.string(3, op.description);
  w.string(5, op.operationId);
  for (const p of op.produces) w.string(6, p);
  for (const c of op.consumes) w.string(7, c);
  for (const p of op.parameters ?? []) w.message(8, parameterItem(p));
  const responses = new ProtoWriter();
  for (const [code, r] of Object.entries(op.responses)) {
    const response = new ProtoWriter();
    response.string(1, r.description);
    if (r.schema) {
      const item = new ProtoWriter();
      item.message(1, schemaMessage(r.schema));
      response.message(2, item);
    }
    const value = new ProtoWriter();
    value.message(1, response);
    responses.message(1, named(code, value));
  }
  w.message(9, responses);
  for (const s of op.schemes) w.string(10, s);
  if (op['x-kubernetes-action']) vendorExtension(w, 13, 'x-kubernetes-action', op['x-kubernetes-action']);
  if (op['x-kubernetes-group-version-kind']) vendorExtension(w, 13, 'x-kubernetes-group-version-kind', op['x-kubernetes-group-version-kind']);
  return w;
}

const METHOD_FIELDS: [keyof SwaggerPathItem, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

function pathItem(item: SwaggerPathItem): ProtoWriter {
  const w = new ProtoWriter();
  for (const [method, field] of METHOD_FIELDS) {
    const op = item[method];
    if (op && !Array.isArray(op)) w.message(field, operation(op));
  }
  for (const p of item.parameters ?? []) w.message(9, parameterItem(p));
  return w;
}
