/** The write path of custom objects, as upstream's customresource strategy. */
import type { FieldError } from '../../apimachinery/errors.js';
import { jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { nameIsDNSSubdomain } from '../../apimachinery/names.js';
import type { ResourceType } from '../registry.js';
import type { TypeStrategy } from '../strategy.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.js';
import type { CustomResourceSchema, JSONSchemaProps } from './custom-resource-schema.js';

function withoutMetaAndStatus(obj: KubeObject, dropStatus: boolean): Record<string, unknown> {
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
  if (dropStatus) delete rest.status;
  return rest;
}

/**
 * Builds the strategy of one custom resource version: schema defaults, pruning and validation;
 * with a status subresource, status is written only through /status and spec only through the
 * main resource; generation counts changes of what is neither metadata nor (then) status.
 */
export function customResourceStrategy(type: ResourceType, schemas: CustomResourceSchema): TypeStrategy {
  const hasStatusSubresource = type.subresources.some((s) => s.name === 'status');
  const schema = type.custom?.schema as JSONSchemaProps | undefined;
  const shape = (obj: KubeObject) => {
    if (!schema) return;
    schemas.pruneUnknownFields(schema, obj as Record<string, unknown>);
    schemas.applySchemaDefaults(schema, obj as Record<string, unknown>);
  };
  const validate = (obj: KubeObject, old?: KubeObject): FieldError[] =>
    schema ? schemas.validateCustomObject(schema, obj as Record<string, unknown>, undefined, old as Record<string, unknown> | undefined) : [];
  return {
    hasStatusSubresource,
    allocates: false,
    prepareForCreate(obj) {
      if (hasStatusSubresource) delete obj.status;
      shape(obj);
      obj.metadata = { ...obj.metadata, generation: 1 };
    },
    prepareForUpdate(obj, old, subresource) {
      if (subresource === 'status') {
        for (const k of Object.keys(obj)) if (k !== 'status' && k !== 'metadata') delete obj[k];
        for (const [k, v] of Object.entries(old)) if (k !== 'status' && k !== 'metadata') obj[k] = v;
        obj.metadata = { ...old.metadata, resourceVersion: obj.metadata?.resourceVersion };
        shape(obj);
        return;
      }
      if (hasStatusSubresource) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
      shape(obj);
      const gen = old.metadata?.generation ?? 1;
      const changed = !jsonEqual(withoutMetaAndStatus(obj, hasStatusSubresource), withoutMetaAndStatus(old, hasStatusSubresource));
      obj.metadata = { ...obj.metadata, generation: changed ? gen + 1 : gen };
    },
    validateCreate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced: type.namespaced, nameValidator: nameIsDNSSubdomain }), ...validate(obj)],
    validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validate(obj, old)],
    allocate: async () => async () => {},
    release: async () => {},
    holdsDeletion: () => false,
  };
}
