import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import {
  DownwardAPIError, containerResourceValue, formatMap, goQuote, podFieldSelectorValue, podMetadataFieldValue, type PodRuntimeFields,
} from './downward-api.js';

const app: Container = {
  name: 'app',
  resources: {
    requests: { cpu: '250m', memory: '100Mi', 'hugepages-2Mi': '4Mi' },
    limits: { cpu: '1500m', 'ephemeral-storage': '0', 'hugepages-2Mi': '4Mi' },
  },
};
const init: Container = { name: 'setup', resources: { requests: { cpu: '1.1' } } };

const pod: Pod = {
  metadata: {
    name: 'web', namespace: 'shop', uid: 'uid-1', labels: { track: 'stable', app: 'web' },
    annotations: { note: 'a "quoted"\tvalue ü', 'example.com/Key': 'v' },
  },
  spec: { nodeName: 'node-a', serviceAccountName: 'builder', containers: [app], initContainers: [init] },
};

const runtime: PodRuntimeFields = { nodeName: 'node-a', hostIP: '192.168.1.10', hostIPs: ['192.168.1.10', 'fd00::10'], podIPs: ['10.42.0.5', 'fd00::5'] };
const nodeAllocatable = { cpu: '3900m', memory: '4Gi', 'ephemeral-storage': '10Gi' };

function resourceValue(resource: string, divisor?: string, containerName = 'app'): string {
  const selector: ResourceFieldSelector = { containerName, resource, ...(divisor === undefined ? {} : { divisor }) };
  return containerResourceValue(pod, selector, { nodeAllocatable });
}

function rejects(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => error instanceof DownwardAPIError && error.message === message, message);
}

describe('formatMap', () => {
  test('sorted key="value" lines with Go quoting', () => {
    assert.equal(formatMap({ b: '2', a: '1', 'x/y': 'z' }), 'a="1"\nb="2"\nx/y="z"');
    assert.equal(formatMap(undefined), '');
    assert.equal(goQuote('plain ü 日本'), '"plain ü 日本"');
    assert.equal(goQuote('q"b\\\n\t\x01\x7f\u200b ü'), '"q\\"b\\\\\\n\\t\\x01\\x7f\\u200b ü"');
  });
});

describe('podMetadataFieldValue', () => {
  test('metadata fields, maps and subscripts', () => {
    assert.equal(podMetadataFieldValue(pod, 'metadata.name'), 'web');
    assert.equal(podMetadataFieldValue(pod, 'metadata.namespace'), 'shop');
    assert.equal(podMetadataFieldValue(pod, 'metadata.uid'), 'uid-1');
    assert.equal(podMetadataFieldValue(pod, 'metadata.labels'), 'app="web"\ntrack="stable"');
    assert.equal(podMetadataFieldValue(pod, 'metadata.annotations'), 'example.com/Key="v"\nnote="a \\"quoted\\"\\tvalue ü"');
    assert.equal(podMetadataFieldValue(pod, "metadata.labels['track']"), 'stable');
    assert.equal(podMetadataFieldValue(pod, "metadata.annotations['example.com/Key']"), 'v');
    assert.equal(podMetadataFieldValue(pod, "metadata.labels['absent']"), '');
  });

  test("upstream's errors", () => {
    rejects(() => podMetadataFieldValue(pod, 'spec.nodeName'), 'unsupported fieldPath: spec.nodeName');
    rejects(() => podMetadataFieldValue(pod, "spec.containers['x']"), `fieldPath "spec.containers['x']" does not support subscript`);
    assert.throws(() => podMetadataFieldValue(pod, "metadata.labels['bad key']"), /^DownwardAPIError: invalid key subscript in metadata\.labels\['bad key'\]: /);
  });
});

describe('podFieldSelectorValue', () => {
  test('node and IP fields come from the runtime, metadata from the pod', () => {
    const value = (fieldPath: string): string => podFieldSelectorValue(pod, { fieldPath }, runtime);
    assert.equal(value('spec.nodeName'), 'node-a');
    assert.equal(value('spec.host'), 'node-a');
    assert.equal(value('spec.serviceAccountName'), 'builder');
    assert.equal(value('status.hostIP'), '192.168.1.10');
    assert.equal(value('status.hostIPs'), '192.168.1.10,fd00::10');
    assert.equal(value('status.podIP'), '10.42.0.5');
    assert.equal(value('status.podIPs'), '10.42.0.5,fd00::5');
    assert.equal(value("metadata.labels['app']"), 'web');
    assert.equal(podFieldSelectorValue(pod, { apiVersion: 'v1', fieldPath: 'metadata.name' }, runtime), 'web');
  });

  test("upstream's errors", () => {
    rejects(() => podFieldSelectorValue(pod, { fieldPath: 'spec.bogus' }, runtime), 'field label not supported: spec.bogus');
    rejects(() => podFieldSelectorValue(pod, { fieldPath: "spec.x['y']" }, runtime), "field label does not support subscript: spec.x['y']");
    rejects(() => podFieldSelectorValue(pod, { apiVersion: 'v2', fieldPath: 'metadata.name' }, runtime), 'unsupported pod version: v2');
    rejects(() => podFieldSelectorValue(pod, { fieldPath: 'status.phase' }, runtime), 'unsupported fieldPath: status.phase');
  });
});

describe('containerResourceValue', () => {
  test('cpu in milli-units over the divisor, rounded up', () => {
    assert.equal(resourceValue('limits.cpu'), '2');
    assert.equal(resourceValue('limits.cpu', '1m'), '1500');
    assert.equal(resourceValue('requests.cpu'), '1');
    assert.equal(resourceValue('requests.cpu', '1m'), '250');
    assert.equal(resourceValue('requests.cpu', '0'), '1', 'a zero divisor is 1');
    assert.equal(resourceValue('requests.cpu', '1m', 'setup'), '1100', 'init containers are found too');
  });

  test('other resources in units over the divisor, rounded up; exact where floats are not', () => {
    assert.equal(resourceValue('requests.memory'), String(100 * 2 ** 20));
    assert.equal(resourceValue('requests.memory', '1Mi'), '100');
    assert.equal(resourceValue('requests.memory', '1M'), '105');
    assert.equal(resourceValue('requests.hugepages-2Mi', '1Mi'), '4');
    assert.equal(resourceValue('limits.hugepages-2Mi'), String(4 * 2 ** 20));
    assert.equal(resourceValue('requests.ephemeral-storage'), '0', 'an unset request is 0');
    assert.equal(containerResourceValue(pod, { containerName: 'setup', resource: 'requests.cpu', divisor: '100m' }), '11', '1.1 / 0.1 is 11, not 12');
  });

  test('unset or zero cpu, memory and ephemeral-storage limits are the node allocatable', () => {
    assert.equal(resourceValue('limits.memory', '1Gi'), '4');
    assert.equal(resourceValue('limits.ephemeral-storage', '1G'), '11');
    assert.equal(resourceValue('limits.cpu', '1', 'setup'), '4');
    assert.equal(containerResourceValue(pod, { containerName: 'setup', resource: 'limits.memory' }), '0', 'no allocatable given');
  });

  test("the environment variable's own container when the selector names none", () => {
    const own: Container = { name: 'debug', resources: { limits: { cpu: '300m' } } };
    assert.equal(containerResourceValue(pod, { resource: 'limits.cpu', divisor: '1m' }, { container: own }), '300');
  });

  test("upstream's errors", () => {
    rejects(() => resourceValue('limits.gpu'), 'unsupported container resource : limits.gpu');
    rejects(() => resourceValue('cpu'), 'unsupported container resource : cpu');
    rejects(() => resourceValue('limits.cpu', undefined, 'other'), 'container other not found');
  });
});
