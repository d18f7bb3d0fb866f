import { createHash } from 'node:crypto';
import type { ResourceType } from '../registry.js';
import { servedGitVersion } from '../discovery.js';
import type { OpenAPISchemas } from './definitions.js';
import { apiPathGroups, type APIPathGroup, type OperationSpec, type ParameterSpec, type PathSpec, type PayloadSpec } from './operations.js';
import { encodeSwaggerDocument } from './protobuf.js';
import { refName, type Definitions, type JSONSchema } from './types.js';

/** Options for the OpenAPI documents. */
export interface DocumentOptions {
  /** `info.version` of every document. Default: the server's /version gitVersion, as upstream. */
  version?: string;
}

/** A Swagger 2.0 parameter (body, query or path). */
export interface SwaggerParameter {
  name: string;
  in: 'body' | 'query' | 'path';
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: JSONSchema;
}

/** A Swagger 2.0 operation with Kubernetes' extensions. */
export interface SwaggerOperation {
  description: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  tags: string[];
  operationId: string;
  parameters?: SwaggerParameter[];
  responses: Record<string, { description: string; schema?: JSONSchema }>;
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string };
}

/** A Swagger 2.0 path item. */
export type SwaggerPathItem = Partial<Record<OperationSpec['method'], SwaggerOperation>> & { parameters?: SwaggerParameter[] };

/** The `/openapi/v2` document. */
export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Definitions;
  securityDefinitions: Record<string, { type: string; name: string; in: string; description: string }>;
  security: Record<string, string[]>[];
}

/** An OpenAPI 3.0 document (shape kept loose: it is only serialised). */
export interface OpenAPIV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** The `/openapi/v3` index. */
export interface OpenAPIV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

/** A served OpenAPI document: the value, its JSON text and the content hash clients cache by. */
export interface ServedDocument<T> {
  document: T;
  json: string;
  /** Upper-case hex SHA-512 of `json`, as upstream uses in `?hash=` and ETags. */
  hash: string;
}

const DEFAULT_VERSION = servedGitVersion;

/** The Accept value client-go sends for `/openapi/v2` (an invalid media type: match it as a string). */
export const OPENAPI_V2_PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The Content-Type upstream answers protobuf `/openapi/v2` with (kubectl 1.27 rejects the `@` form). */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const BEARER = { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } };

/** Upper-case hex SHA-512 of a text. */
export function contentHash(text: string): string {
  return createHash('sha512').update(text).digest('hex').toUpperCase();
}

function definitionResolver(definitions: Definitions): (group: string, version: string, kind: string) => string {
  const byGVK = new Map<string, string>();
  for (const [name, schema] of Object.entries(definitions)) {
    const gvks = schema['x-kubernetes-group-version-kind'] ?? [];
    if (gvks.length !== 1) continue;
    const [g] = gvks;
    if (g) byGVK.set(`${g.group}/${g.version}/${g.kind}`, name);
  }
  return (group, version, kind) => {
    const found = byGVK.get(`${group}/${version}/${kind}`);
    if (!found) throw new Error(`no OpenAPI definition for ${group}/${version} ${kind}`);
    return found;
  };
}

/** The definition names reachable from some roots through `$ref`s. */
export function reachableDefinitions(definitions: Definitions, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  const visit = (schema: JSONSchema | boolean | undefined): void => {
    if (!schema || typeof schema !== 'object') return;
    if (schema.$ref) queue.push(refName(schema.$ref));
    visit(schema.items);
    visit(schema.additionalProperties);
    for (const s of schema.allOf ?? []) visit(s);
    for (const s of Object.values(schema.properties ?? {})) visit(s);
  };
  while (queue.length) {
    const name = queue.pop();
    if (name === undefined || seen.has(name)) continue;
    const def = definitions[name];
    if (!def) throw new Error(`OpenAPI definition ${name} is referenced but missing`);
    seen.add(name);
    visit(def);
  }
  return seen;
}

function payloadRoots(paths: PathSpec[]): Set<string> {
  const roots = new Set<string>();
  const add = (p: PayloadSpec | undefined): void => {
    if (p && 'definition' in p) roots.add(p.definition);
  };
  for (const path of paths) {
    for (const op of path.operations) {
      add(op.body);
      for (const r of op.responses) add(r.payload);
    }
  }
  return roots;
}

function pick(definitions: Definitions, names: Set<string>): Definitions {
  const out: Definitions = {};
  for (const name of [...names].sort()) {
    const def = definitions[name];
    if (def) out[name] = def;
  }
  return out;
}

function v2Payload(p: PayloadSpec): JSONSchema {
  return 'definition' in p ? { $ref: `#/definitions/${p.definition}` } : { type: 'string' };
}

function v2Param(p: ParameterSpec): SwaggerParameter {
  const out: SwaggerParameter = { name: p.name, in: p.in, type: p.type, uniqueItems: true, description: p.description };
  if (p.required) out.required = true;
  return out;
}

function v2Operation(op: OperationSpec): SwaggerOperation {
  const out: SwaggerOperation = {
    description: op.description,
    consumes: op.consumes,
    produces: op.produces,
    schemes: ['https'],
    tags: [op.tag],
    operationId: op.operationId,
    responses: {},
  };
  const params: SwaggerParameter[] = [];
  if (op.body) params.push({ name: 'body', in: 'body', required: op.bodyRequired ?? false, schema: v2Payload(op.body) });
  params.push(...op.parameters.map(v2Param));
  if (params.length) out.parameters = params;
  for (const r of op.responses) out.responses[r.code] = r.payload ? { description: r.description, schema: v2Payload(r.payload) } : { description: r.description };
  if (op.action) out['x-kubernetes-action'] = op.action;
  if (op.gvk) out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  return out;
}

function v2Paths(paths: PathSpec[]): Record<string, SwaggerPathItem> {
  const out: Record<string, SwaggerPathItem> = {};
  for (const p of paths) {
    const item: SwaggerPathItem = {};
    for (const op of p.operations) item[op.method] = v2Operation(op);
    if (p.parameters.length) item.parameters = p.parameters.map(v2Param);
    out[p.path] = item;
  }
  return out;
}

/** Builds the Swagger 2.0 document of every served resource type. */
export function openapiV2(schemas: OpenAPISchemas, resourceTypes: readonly ResourceType[], options: DocumentOptions = {}): SwaggerDocument {
  const groups = apiPathGroups(resourceTypes, definitionResolver(schemas.definitions));
  const allPaths = groups.flatMap((g) => g.paths);
  const paths = v2Paths([...allPaths].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: options.version ?? DEFAULT_VERSION },
    paths,
    definitions: pick(schemas.definitions, reachableDefinitions(schemas.definitions, payloadRoots(allPaths))),
    securityDefinitions: BEARER,
    security: [{ BearerToken: [] }],
  };
}

const V3_REF_PREFIX = '#/components/schemas/';

/** Converts a v2 schema to OpenAPI 3: refs move to components, and a ref with siblings is wrapped in allOf as upstream does. */
export function schemaToV3(schema: JSONSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (value === undefined) continue;
    if (key === '$ref' && typeof value === 'string') continue;
    if (key === 'items' || key === 'additionalProperties') {
      out[key] = typeof value === 'object' ? schemaToV3(value as JSONSchema) : value;
    } else if (key === 'allOf') {
      out[key] = (value as JSONSchema[]).map(schemaToV3);
    } else if (key === 'properties') {
      const props: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(value as Record<string, JSONSchema>)) props[name] = schemaToV3(prop);
      out[key] = props;
    } else {
      out[key] = value;
    }
  }
  if (schema.$ref) {
    const ref = V3_REF_PREFIX + refName(schema.$ref);
    if (Object.keys(out).length === 0) return { $ref: ref };
    return { allOf: [{ $ref: ref }], ...out };
  }
  return out;
}

function v3Payload(p: PayloadSpec): Record<string, unknown> {
  return 'definition' in p ? { $ref: V3_REF_PREFIX + p.definition } : { type: 'string' };
}

function v3Param(p: ParameterSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: p.name, in: p.in, description: p.description };
  if (p.required) out.required = true;
  out.schema = { type: p.type, uniqueItems: true };
  return out;
}

function v3Operation(op: OperationSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { tags: [op.tag], description: op.description, operationId: op.operationId };
  if (op.parameters.length) out.parameters = op.parameters.map(v3Param);
  if (op.body) {
    const schema = v3Payload(op.body);
    const content: Record<string, unknown> = {};
    for (const type of op.consumes) content[type] = { schema };
    out.requestBody = op.bodyRequired ? { content, required: true } : { content };
  }
  const responses: Record<string, unknown> = {};
  for (const r of op.responses) {
    if (!r.payload) {
      responses[r.code] = { description: r.description };
      continue;
    }
    const schema = v3Payload(r.payload);
    const content: Record<string, unknown> = {};
    for (const type of op.produces) content[type] = { schema };
    responses[r.code] = { description: r.description, content };
  }
  out.responses = responses;
  if (op.action) out['x-kubernetes-action'] = op.action;
  if (op.gvk) out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  return out;
}

/** Builds the OpenAPI 3.0 document of one v3 path group (a group/version or a discovery path). */
export function openapiV3Document(definitions: Definitions, group: APIPathGroup, options: DocumentOptions = {}): OpenAPIV3Document {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const p of group.paths) {
    const item: Record<string, unknown> = {};
    for (const op of p.operations) item[op.method] = v3Operation(op);
    if (p.parameters.length) item.parameters = p.parameters.map(v3Param);
    paths[p.path] = item;
  }
  const schemas: Record<string, unknown> = {};
  for (const name of [...reachableDefinitions(definitions, payloadRoots(group.paths))].sort()) {
    const def = definitions[name];
    if (def) schemas[name] = schemaToV3(def);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: options.version ?? DEFAULT_VERSION },
    paths,
    components: { schemas, securitySchemes: BEARER },
  };
}

/**
 * The OpenAPI documents the API server serves, each built once on first use and kept.
 * Create one per server (documents are large).
 */
export class OpenAPIDocuments {
  private v2Cache?: ServedDocument<SwaggerDocument>;
  private v2ProtoCache?: Buffer;
  private v3Cache?: Map<string, ServedDocument<OpenAPIV3Document>>;
  private v3IndexCache?: OpenAPIV3Index;

  constructor(
    private readonly schemas: OpenAPISchemas,
    private readonly resourceTypes: readonly ResourceType[],
    private readonly options: DocumentOptions = {},
  ) {}

  /** `/openapi/v2` as JSON (`document`, `json`, `hash` for the ETag). */
  v2(): ServedDocument<SwaggerDocument> {
    if (!this.v2Cache) {
      const document = openapiV2(this.schemas, this.resourceTypes, this.options);
      const json = JSON.stringify(document);
      this.v2Cache = { document, json, hash: contentHash(json) };
    }
    return this.v2Cache;
  }

  /**
   * `/openapi/v2` as the gnostic `openapi.v2.Document` protobuf message, served for
   * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf` (client-go always asks
   * for this and parses the body as protobuf; kubectl's validation needs it).
   */
  v2Protobuf(): Buffer {
    if (!this.v2ProtoCache) this.v2ProtoCache = encodeSwaggerDocument(this.v2().document);
    return this.v2ProtoCache;
  }

  private v3All(): Map<string, ServedDocument<OpenAPIV3Document>> {
    if (!this.v3Cache) {
      const cache = new Map<string, ServedDocument<OpenAPIV3Document>>();
      const groups = apiPathGroups(this.resourceTypes, definitionResolver(this.schemas.definitions));
      for (const group of groups) {
        const document = openapiV3Document(this.schemas.definitions, group, this.options);
        const json = JSON.stringify(document);
        cache.set(group.key, { document, json, hash: contentHash(json) });
      }
      this.v3Cache = cache;
    }
    return this.v3Cache;
  }

  /** `/openapi/v3`: every document path with its hash-pinned URL. */
  v3Index(): OpenAPIV3Index {
    if (!this.v3IndexCache) {
      const paths: OpenAPIV3Index['paths'] = {};
      for (const [key, served] of this.v3All()) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${served.hash}` };
      this.v3IndexCache = { paths };
    }
    return this.v3IndexCache;
  }

  /** `/openapi/v3/<path>` (path like `apis/apps/v1`, no leading slash), or undefined when not served. */
  v3Document(path: string): ServedDocument<OpenAPIV3Document> | undefined {
    return this.v3All().get(path.replace(/^\/+|\/+$/g, ''));
  }
}
