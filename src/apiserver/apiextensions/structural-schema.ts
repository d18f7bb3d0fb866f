/** The CustomResourceSchema the API server serves with: schema/'s checks plus each schema's CEL rules. */
import { applySchemaDefaults, CelRules, checkStructuralSchema, pruneUnknownFields, validateCustomObject } from './schema/index.js';
import type { CustomResourceSchema, JSONSchemaProps } from './custom-resource-schema.js';

/**
 * Upstream's structural schemas for CustomResourceDefinitions: the structural check (with the
 * rules' compilation), validation then `x-kubernetes-validations` (compiled once per schema and
 * kept while the schema is), defaulting and pruning.
 */
export function structuralSchemas(): CustomResourceSchema {
  const compiled = new WeakMap<JSONSchemaProps, CelRules>();
  const rulesOf = (schema: JSONSchemaProps): CelRules => {
    let rules = compiled.get(schema);
    if (!rules) {
      rules = new CelRules(schema);
      compiled.set(schema, rules);
    }
    return rules;
  };
  return {
    checkStructuralSchema: (schema, path) => checkStructuralSchema(schema, path, { celRules: rulesOf(schema) }),
    validateCustomObject(schema, obj, path, oldObj) {
      const causes = validateCustomObject(schema, obj, path);
      // As upstream: CEL rules run only on objects that passed the schema's own checks.
      return causes.length > 0 ? causes : rulesOf(schema).validate(obj, oldObj, path ?? '');
    },
    applySchemaDefaults,
    pruneUnknownFields,
  };
}
