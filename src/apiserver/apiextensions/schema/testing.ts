import type { CelRules } from './cel-rules.js';
import type { JSONSchemaProps } from './types.js';

/**
 * Walks `schema` (properties, items, additionalProperties) and returns every x-kubernetes-validations
 * rule with its compile error, if any: tests of shipped CRD schemas check that all compile.
 */
export function compiledRules(schema: JSONSchemaProps, cel: CelRules): { rule: string; error?: string }[] {
  const found: { rule: string; error?: string }[] = [];
  const visit = (s: JSONSchemaProps): void => {
    for (const c of cel.rulesOf(s)) found.push({ rule: c.rule.rule, error: c.error });
    for (const p of Object.values(s.properties ?? {})) visit(p);
    if (s.items && !Array.isArray(s.items)) visit(s.items);
    if (typeof s.additionalProperties === 'object') visit(s.additionalProperties);
  };
  visit(schema);
  return found;
}
