import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { fieldErrorBody } from '../../../apimachinery/errors.js';
import { CelRules } from './cel-rules.js';
import { applySchemaDefaults } from './defaults.js';
import { pruneUnknownFields } from './prune.js';
import { checkStructuralSchema } from './structural.js';
import type { FieldCause, JSONSchemaProps } from './types.js';
import { compiledRules } from './testing.js';
import { validateCustomObject } from './validate.js';

/** The GRPCRoute v1 schema of the Gateway API CRDs Skiff installs (src/ingress/crds). */
function grpcRouteSchema(): JSONSchemaProps {
  const path = fileURLToPath(new URL('../../../../../src/ingress/crds/gateway-api-standard.yaml', import.meta.url));
  const crds = loadAll(readFileSync(path, 'utf8')) as { metadata: { name: string }; spec: { versions: { name: string; schema: { openAPIV3Schema: JSONSchemaProps } }[] } }[];
  const v1 = crds.find((c) => c.metadata.name === 'grpcroutes.gateway.networking.k8s.io')?.spec.versions.find((v) => v.name === 'v1');
  assert.ok(v1);
  return v1.schema.openAPIV3Schema;
}

const messages = (errs: FieldCause[]): string[] => errs.map((e) => `${e.field}: ${fieldErrorBody(e)}`);

describe('Gateway API GRPCRoute v1 schema', () => {
  const schema = grpcRouteSchema();
  const cel = new CelRules(schema);
  const admit = (rules: unknown[]): string[] => {
    const obj = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'g', namespace: 'default' }, spec: { parentRefs: [{ name: 'gw' }], rules } };
    applySchemaDefaults(schema, obj);
    pruneUnknownFields(schema, obj);
    return messages([...validateCustomObject(schema, obj), ...cel.validate(obj)]);
  };

  it('is structural and every CEL rule compiles', () => {
    assert.deepEqual(messages(checkStructuralSchema(schema, 'spec.versions[0].schema.openAPIV3Schema', { celRules: cel })), []);
    const rules = compiledRules(schema, cel);
    for (const r of rules) assert.equal(r.error, undefined, `${r.rule}: ${r.error}`);
    const count = rules.length;
    assert.ok(count >= 20, `only ${count} rules found`);
  });

  it('admits method matches by service (case-insensitive pattern ^(?i)...) and method', () => {
    assert.deepEqual(admit([{ matches: [{ method: { service: 'grpc.health.v1.Health', method: 'Check' } }, { method: { service: 'Echo_Service' } }, { method: { method: 'Say' } }], backendRefs: [{ name: 'echo', port: 9000 }] }]), []);
  });

  it('rejects a method match without service and method, and names the pattern a service breaks', () => {
    const method = 'spec.rules[0].matches[0].method: Invalid value: "object"';
    assert.deepEqual(admit([{ matches: [{ method: { type: 'Exact' } }] }]), [`${method}: One or both of 'service' or 'method' must be specified`]);
    assert.deepEqual(admit([{ matches: [{ method: { service: 'grpc-health' } }] }]), [`${method}: service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)`]);
    assert.deepEqual(admit([{ matches: [{ method: { method: 'Say.More' } }] }]), [`${method}: method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)`]);
    assert.deepEqual(admit([{ backendRefs: [{ name: 'echo' }] }]), ['spec.rules[0].backendRefs[0]: Invalid value: "object": Must have port for Service reference']);
  });
});
