import { OpenAPISchemas } from './openapi/definitions.js';
import { OPENAPI_V2_PROTOBUF_ACCEPT, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, OpenAPIDocuments } from './openapi/documents.js';
import { findUnknownFields } from './openapi/unknown-fields.js';
import { findTypeError } from './openapi/type-check.js';
import { sourceFactsOf } from '../apimachinery/json-source.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resourceTypes, type ResourceType } from './registry.js';
import { customResourceDefinitions } from './apiextensions/served-versions.js';
import { addSchemaExtensions } from './apiextensions/schema-extensions.js';

/** A document ready to send. */
export interface ServedBody {
  contentType: string;
  body: Buffer;
  headers: Record<string, string>;
}

/** Serves /openapi/v2 and /openapi/v3, and answers unknown-field questions from the same schemas. */
export class OpenAPIService {
  readonly schemas = OpenAPISchemas.load();
  private documents = new OpenAPIDocuments(this.schemas, resourceTypes);

  constructor() {
    addSchemaExtensions(this.schemas.definitions);
  }

  /** Adds a custom resource type's definitions (built from its CRD's schema) to the shared definitions. */
  addDefinitions(type: ResourceType): void {
    Object.assign(this.schemas.definitions, customResourceDefinitions(type));
  }

  /** Removes a custom resource type's definitions. */
  removeDefinitions(type: ResourceType): void {
    delete this.schemas.definitions[type.definition];
    delete this.schemas.definitions[`${type.definition}List`];
  }

  /** Serves documents of these types from now on (built again on first use). */
  setTypes(types: readonly ResourceType[]): void {
    this.documents = new OpenAPIDocuments(this.schemas, types);
  }

  /** The answer for an /openapi/... path, or undefined for 404. */
  serve(path: string, _query: URLSearchParams, accept: string | undefined): ServedBody | undefined {
    const cache = { 'Cache-Control': 'no-cache, private' };
    if (path === '/openapi/v2') {
      const wantsProto = (accept ?? '').includes(OPENAPI_V2_PROTOBUF_ACCEPT);
      const doc = this.documents.v2();
      if (wantsProto) {
        return { contentType: OPENAPI_V2_PROTOBUF_CONTENT_TYPE, body: this.documents.v2Protobuf(), headers: { ...cache, ETag: `"${doc.hash}"` } };
      }
      return { contentType: 'application/json', body: Buffer.from(doc.json), headers: { ...cache, ETag: `"${doc.hash}"` } };
    }
    if (path === '/openapi/v3' || path === '/openapi/v3/') {
      return { contentType: 'application/json', body: Buffer.from(JSON.stringify(this.documents.v3Index())), headers: cache };
    }
    if (path.startsWith('/openapi/v3/')) {
      const doc = this.documents.v3Document(path.slice('/openapi/v3/'.length));
      if (!doc) return undefined;
      return {
        contentType: 'application/json',
        body: Buffer.from(doc.json),
        headers: { 'Cache-Control': 'public, immutable', ETag: `"${doc.hash}"` },
      };
    }
    return undefined;
  }

  /** Field paths of `obj` that its type's schema does not know. */
  unknownFields(type: ResourceType, obj: KubeObject): string[] {
    return findUnknownFields(obj, type.definition, this.schemas.definitions);
  }

  /** The first value of `obj` the schema of `definition` refuses, as upstream's decoder words it (numbers by their format). */
  typeError(definition: string, obj: object): string | undefined {
    return findTypeError(obj, definition, this.schemas.definitions, { numberLiterals: sourceFactsOf(obj)?.numberLiterals });
  }
}
