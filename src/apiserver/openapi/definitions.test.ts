import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPISchemas } from './definitions.js';

const schemas = OpenAPISchemas.load();
const defs = schemas.definitions;

describe('generated OpenAPI definitions', () => {
  test('Pod refs its spec, metadata and status by upstream names', () => {
    const pod = defs['io.k8s.api.core.v1.Pod'];
    assert.ok(pod);
    assert.equal(pod.type, 'object');
    assert.equal(pod.properties?.spec?.$ref, '#/definitions/io.k8s.api.core.v1.PodSpec');
    assert.equal(pod.properties?.metadata?.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.match(pod.description ?? '', /^Pod is a collection of containers/);
  });

  test('Deployment has apps/v1 GVK and IntOrString rolling update fields', () => {
    assert.deepEqual(schemas.definitionForGVK('apps', 'v1', 'Deployment')?.['x-kubernetes-group-version-kind'], [
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    const ru = defs['io.k8s.api.apps.v1.RollingUpdateDeployment'];
    assert.equal(ru?.properties?.maxSurge?.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']?.format, 'int-or-string');
  });

  test('patch merge keys and list types come from the facts file', () => {
    const containers = defs['io.k8s.api.core.v1.PodSpec']?.properties?.containers;
    assert.equal(containers?.['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers?.['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers?.items?.$ref, '#/definitions/io.k8s.api.core.v1.Container');
    const ports = defs['io.k8s.api.core.v1.Container']?.properties?.ports;
    assert.equal(ports?.['x-kubernetes-patch-merge-key'], 'containerPort');
    assert.deepEqual(ports?.['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    const svcPorts = defs['io.k8s.api.core.v1.ServiceSpec']?.properties?.ports;
    assert.equal(svcPorts?.['x-kubernetes-patch-merge-key'], 'port');
    assert.equal(defs['io.k8s.api.networking.v1.IngressSpec']?.properties?.tls?.['x-kubernetes-list-type'], 'atomic');
    assert.equal(defs['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector']?.['x-kubernetes-map-type'], 'atomic');
  });

  test('scalar special types and number formats match upstream', () => {
    assert.deepEqual(
      { type: defs['io.k8s.apimachinery.pkg.apis.meta.v1.Time']?.type, format: defs['io.k8s.apimachinery.pkg.apis.meta.v1.Time']?.format },
      { type: 'string', format: 'date-time' },
    );
    assert.equal(defs['io.k8s.apimachinery.pkg.api.resource.Quantity']?.type, 'string');
    assert.equal(defs['io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1']?.type, 'object');
    assert.equal(defs['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON']?.type, undefined);
    const podSpec = defs['io.k8s.api.core.v1.PodSpec']?.properties;
    assert.equal(podSpec?.activeDeadlineSeconds?.format, 'int64');
    assert.equal(podSpec?.priority?.format, 'int32');
    assert.equal(podSpec?.nodeSelector?.additionalProperties && typeof podSpec.nodeSelector.additionalProperties === 'object' ? podSpec.nodeSelector.additionalProperties.type : undefined, 'string');
    assert.equal(defs['io.k8s.api.core.v1.Secret']?.properties?.data?.additionalProperties && (defs['io.k8s.api.core.v1.Secret']?.properties?.data?.additionalProperties as { format?: string }).format, 'byte');
  });

  test('+enum string properties carry their values from the facts file', () => {
    assert.deepEqual(defs['io.k8s.api.core.v1.ServiceSpec']?.properties?.type?.enum, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']);
    assert.deepEqual(defs['io.k8s.api.core.v1.PodSpec']?.properties?.restartPolicy?.enum, ['Always', 'Never', 'OnFailure']);
  });

  test('descriptions keep upstream whitespace', () => {
    const q = defs['io.k8s.apimachinery.pkg.api.resource.Quantity']?.description ?? '';
    assert.match(q, /The serialization format is:\n\n``` <quantity>/);
    assert.match(q, /\n\t\(Note that <suffix> may be empty/);
  });

  test('required lists the non-optional fields', () => {
    assert.deepEqual(defs['io.k8s.api.core.v1.Container']?.required, ['name']);
    assert.equal(defs['io.k8s.api.core.v1.Pod']?.required, undefined);
  });

  test('DeleteOptions lists a GVK per group version; every ref resolves', () => {
    const gvks = defs['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']?.['x-kubernetes-group-version-kind'] ?? [];
    assert.ok(gvks.some((g) => g.group === '' && g.version === 'v1'));
    assert.ok(gvks.some((g) => g.group === 'apps' && g.version === 'v1'));
    const text = JSON.stringify(defs);
    for (const m of text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)) assert.ok(defs[m[1] ?? ''], `missing ${m[1]}`);
  });
});
