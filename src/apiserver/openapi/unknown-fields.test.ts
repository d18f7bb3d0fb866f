import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPISchemas } from './definitions.js';
import { findUnknownFields } from './unknown-fields.js';

const { definitions } = OpenAPISchemas.load();

describe('findUnknownFields', () => {
  test('a valid object has none', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { a: 'b' }, managedFields: [{ manager: 'x', fieldsV1: { 'f:spec': { '.': {} } } }] },
      spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } } }] },
    };
    assert.deepEqual(findUnknownFields(pod, 'io.k8s.api.core.v1.Pod', definitions), []);
  });

  test('reports nested fields in document order with upstream paths', () => {
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', bogus: 1 },
      spec: {
        foo: true,
        template: { spec: { containers: [{ name: 'a' }, { name: 'b', imagePullPolcy: 'Always' }] } },
        bar: {},
      },
    };
    assert.deepEqual(findUnknownFields(deploy, 'io.k8s.api.apps.v1.Deployment', definitions), [
      'metadata.bogus',
      'spec.foo',
      'spec.template.spec.containers[1].imagePullPolcy',
      'spec.bar',
    ]);
  });

  test('maps check their values; RawExtension and JSON subtrees are open', () => {
    assert.deepEqual(
      findUnknownFields({ data: { anything: 'x' }, extra: 1 }, 'io.k8s.api.core.v1.ConfigMap', definitions),
      ['extra'],
    );
    assert.deepEqual(
      findUnknownFields({ data: { whatever: { deep: true } }, revision: 1 }, 'io.k8s.api.apps.v1.ControllerRevision', definitions),
      [],
    );
    const crd = {
      spec: {
        versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', default: { free: 'form' }, nope: 1 } } }],
      },
    };
    assert.deepEqual(
      findUnknownFields(crd, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', definitions),
      ['spec.versions[0].schema.openAPIV3Schema.nope'],
    );
  });

  test('values of the wrong type are not unknown fields', () => {
    assert.deepEqual(findUnknownFields({ spec: 'oops', metadata: [1] }, 'io.k8s.api.core.v1.Pod', definitions), []);
  });
});
