import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { fieldErrorBody } from '../../../apimachinery/errors.js';
import { CelRules } from './cel-rules.js';
import { applySchemaDefaults } from './defaults.js';
import { pruneUnknownFields } from './prune.js';
import { checkStructuralSchema } from './structural.js';
import type { FieldCause, JSONSchemaProps } from './types.js';
import { compiledRules } from './testing.js';
import { validateCustomObject } from './validate.js';

/** The published Gateway API v1.6.1 HTTPRoute CRD (testdata/README.md). */
function httpRouteSchema(): JSONSchemaProps {
  const path = fileURLToPath(new URL('../../../../../src/apiserver/apiextensions/schema/testdata/gateway.networking.k8s.io_httproutes.yaml', import.meta.url));
  const crd = load(readFileSync(path, 'utf8')) as { spec: { versions: { name: string; schema: { openAPIV3Schema: JSONSchemaProps } }[] } };
  const v1 = crd.spec.versions.find((v) => v.name === 'v1');
  assert.ok(v1);
  return v1.schema.openAPIV3Schema;
}

function messages(errs: FieldCause[]): string[] {
  return errs.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
}

function route(rules: unknown[]): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web', namespace: 'default' },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['example.com'], rules },
  };
}

describe('Gateway API HTTPRoute v1 schema', () => {
  const schema = httpRouteSchema();
  const cel = new CelRules(schema);

  it('is structural and every CEL rule compiles', () => {
    assert.deepEqual(messages(checkStructuralSchema(schema, 'spec.versions[0].schema.openAPIV3Schema', { celRules: cel })), []);
    const rules = compiledRules(schema, cel);
    for (const r of rules) assert.equal(r.error, undefined, `${r.rule}: ${r.error}`);
    const count = rules.length;
    assert.ok(count > 40, `only ${count} rules found`);
  });

  function admit(obj: Record<string, unknown>, old?: Record<string, unknown>): string[] {
    applySchemaDefaults(schema, obj);
    pruneUnknownFields(schema, obj);
    return messages([...validateCustomObject(schema, obj), ...cel.validate(obj, old)]);
  }

  it('admits a documented route and fills its defaults', () => {
    const obj = route([{
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'X-Env', value: 'prod' }] } }],
      backendRefs: [{ name: 'api', port: 8080 }],
    }]);
    assert.deepEqual(admit(obj), []);
    const rule = (obj.spec as { rules: { matches: { path: { type: string } }[]; backendRefs: { weight?: number; kind?: string }[] }[] }).rules[0];
    assert.equal(rule.backendRefs[0].weight, 1);
    assert.equal(rule.backendRefs[0].kind, 'Service');
  });

  it('refuses a relative path with the schema\'s CEL message', () => {
    const errs = admit(route([{ matches: [{ path: { type: 'PathPrefix', value: 'api' } }] }]));
    assert.ok(errs.includes('spec.rules[0].matches[0].path: Invalid value: "object": value must be an absolute path and start with \'/\' when type one of [\'Exact\', \'PathPrefix\']'), errs.join('\n'));
  });

  it('refuses a filter whose type names a missing configuration, and a repeated filter', () => {
    const errs = admit(route([{
      filters: [
        { type: 'RequestHeaderModifier' },
        { type: 'URLRewrite', urlRewrite: { hostname: 'a.example' } },
        { type: 'URLRewrite', urlRewrite: { hostname: 'b.example' } },
      ],
    }]));
    assert.ok(errs.includes('spec.rules[0].filters[0]: Invalid value: "object": filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type'), errs.join('\n'));
    assert.ok(errs.includes('spec.rules[0].filters: Invalid value: "array": URLRewrite filter cannot be repeated'), errs.join('\n'));
  });

  it('refuses schema violations with upstream\'s words', () => {
    const obj = route([{ backendRefs: [{ name: 'api', port: 70000 }] }]);
    (obj.spec as { hostnames: string[] }).hostnames = ['Not_A_Host'];
    const errs = admit(obj);
    assert.ok(errs.includes('spec.rules[0].backendRefs[0].port: Invalid value: 70000: spec.rules[0].backendRefs[0].port in body should be less than or equal to 65535'), errs.join('\n'));
    assert.ok(errs.some((e) => e.startsWith('spec.hostnames[0]: Invalid value: "Not_A_Host": spec.hostnames[0] in body should match ')), errs.join('\n'));
  });
});
