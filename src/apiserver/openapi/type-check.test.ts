import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPISchemas } from './definitions.js';
import { findTypeError, quantityFormatMessage } from './type-check.js';

const { definitions } = OpenAPISchemas.load();
const check = (obj: unknown, literals?: Map<string, string>) => findTypeError(obj, 'io.k8s.api.apps.v1.Deployment', definitions, { numberLiterals: literals });

test('integers are checked by their format with Go encoding/json messages', () => {
  assert.equal(check({ spec: { replicas: 3 } }), undefined);
  assert.equal(check({ spec: { replicas: 2147483647 } }), undefined);
  assert.equal(check({ spec: { replicas: 2147483648 } }), 'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(check({ spec: { replicas: 1.5 } }), 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(check({ spec: { replicas: 1000 } }, new Map([['spec.replicas', '1e3']])), 'json: cannot unmarshal number 1e3 into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(check({ spec: { replicas: Infinity } }, new Map([['spec.replicas', '1e400']])), 'json: cannot unmarshal number 1e400 into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(check({ spec: { replicas: '3' } }), 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(check({ metadata: { generation: 2 ** 40 } }), undefined);
  assert.equal(check({ metadata: { generation: 2 ** 64 } }), 'json: cannot unmarshal number 18446744073709551616 into Go struct field ObjectMeta.metadata.generation of type int64');
});

test('other types, lists, maps and the special string types', () => {
  assert.equal(check({ spec: { template: { spec: { containers: {} } } } }), 'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container');
  assert.equal(check({ spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'x', value: 3 }] }] } } } }), 'json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string');
  assert.equal(check({ spec: { paused: 'yes' } }), 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool');
  assert.equal(check({ spec: { strategy: { rollingUpdate: { maxSurge: '25%' } } } }), undefined);
  assert.equal(check({ spec: { strategy: { rollingUpdate: { maxSurge: 1.5 } } } }), 'json: cannot unmarshal number 1.5 into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32');
  const limits = (v: unknown) => check({ spec: { template: { spec: { containers: [{ name: 'a', resources: { limits: { cpu: v } } }] } } } });
  assert.equal(limits(1.5), undefined);
  assert.equal(limits('500m'), undefined);
  assert.equal(limits(true), quantityFormatMessage);
  assert.equal(check({ spec: { template: { spec: { containers: [{ name: 'a', anything: [1] }] } } }, x: 1 }), undefined, 'unknown fields are not type errors');
});
