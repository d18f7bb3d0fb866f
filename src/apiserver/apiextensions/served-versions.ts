/**
 * The resource types and OpenAPI definitions one CustomResourceDefinition serves: one type per
 * served version, in upstream's version priority order (the first is the preferred version).
 */
import type { JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';
import { cloneJSON } from '../../apimachinery/object.js';
import type { Definitions, JSONSchema } from '../openapi/types.js';
import type { PrinterColumn, ResourceType, SubresourceType } from '../registry.js';
import { crdSpecOf, type CrdVersion } from './crd-types.js';

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Upstream's kube-aware version order: GA, then beta, then alpha, higher numbers first, then the rest by name. */
export function compareVersionPriority(a: string, b: string): number {
  const rank = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0, v];
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0), v];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (ra[i] as number) - (rb[i] as number);
  return ra[3] < rb[3] ? -1 : ra[3] > rb[3] ? 1 : 0;
}

/** The OpenAPI definition name of a custom kind, as upstream: the group reversed, e.g. `com.example.stable.v1.CronTab`. */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The resource types of a CRD's served versions (none when it serves none). */
export function customResourceTypes(crd: { metadata?: { name?: string }; spec?: unknown }): ResourceType[] {
  const spec = crdSpecOf(crd);
  const names = spec.names;
  const group = spec.group ?? '';
  const storageVersion = (spec.versions ?? []).find((v) => v.storage)?.name ?? '';
  const served = (spec.versions ?? []).filter((v) => v.served).sort((a, b) => compareVersionPriority(a.name, b.name));
  return served.map((v) => {
    const subresources: SubresourceType[] = [];
    if (v.subresources?.scale) subresources.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
    if (v.subresources?.status) subresources.push({ name: 'status', kind: names.kind, verbs: ['get', 'patch', 'update'] });
    return {
      group,
      version: v.name,
      kind: names.kind,
      plural: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      namespaced: spec.scope === 'Namespaced',
      verbs: allVerbs,
      subresources,
      definition: customDefinitionName(group, v.name, names.kind),
      custom: {
        crdName: crd.metadata?.name ?? '',
        storageVersion,
        printerColumns: printerColumnsOf(v),
        ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}),
        ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema as Record<string, unknown> } : {}),
      },
    };
  });
}

function printerColumnsOf(v: CrdVersion): PrinterColumn[] {
  return (v.additionalPrinterColumns ?? []).map((c) => ({
    name: c.name,
    type: c.type,
    jsonPath: c.jsonPath,
    ...(c.format ? { format: c.format } : {}),
    ...(c.description ? { description: c.description } : {}),
    ...(c.priority ? { priority: c.priority } : {}),
  }));
}

/** Keywords OpenAPI v2 has no place for (upstream drops them when it publishes a CRD's schema as v2). */
const notInV2 = new Set(['nullable', 'oneOf', 'anyOf', 'not', 'x-kubernetes-validations', 'default', 'x-kubernetes-embedded-resource', 'x-kubernetes-preserve-unknown-fields']);

function toPublished(schema: JSONSchemaProps): JSONSchema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (value === undefined || notInV2.has(key)) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, JSONSchemaProps>).map(([k, s]) => [k, toPublished(s)]));
    } else if (key === 'items') {
      out.items = toPublished(value as JSONSchemaProps);
    } else if (key === 'additionalProperties') {
      out.additionalProperties = typeof value === 'object' ? toPublished(value as JSONSchemaProps) : value;
    } else if (key === 'allOf') {
      out.allOf = (value as JSONSchemaProps[]).map(toPublished);
    } else {
      out[key] = value;
    }
  }
  // An int-or-string has no single type (upstream publishes it without one).
  if ((schema as Record<string, unknown>)['x-kubernetes-int-or-string']) delete out.type;
  return out as JSONSchema;
}

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** The OpenAPI v2 definitions of a custom resource type and its list, from its version's schema. */
export function customResourceDefinitions(type: ResourceType): Definitions {
  const gvk = (kind: string) => [{ group: type.group, version: type.version, kind }];
  const schema = type.custom?.schema ? toPublished(cloneJSON(type.custom.schema) as JSONSchemaProps) : { type: 'object' };
  const apiVersion: JSONSchema = {
    description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
    type: 'string',
  };
  const kind: JSONSchema = {
    description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
    type: 'string',
  };
  const object: JSONSchema = {
    ...schema,
    type: 'object',
    properties: {
      ...schema.properties,
      apiVersion,
      kind,
      metadata: { $ref: `#/definitions/${meta}.ObjectMeta`, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
    },
    'x-kubernetes-group-version-kind': gvk(type.kind),
  };
  const list: JSONSchema = {
    description: `${type.kind}List is a list of ${type.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion,
      items: { description: `List of ${type.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: { $ref: `#/definitions/${type.definition}` } },
      kind,
      metadata: { $ref: `#/definitions/${meta}.ListMeta`, description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
    },
    'x-kubernetes-group-version-kind': gvk(`${type.kind}List`),
  };
  return { [type.definition]: object, [`${type.definition}List`]: list };
}
