import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFieldSelector, fieldSetFor, matchesFields, parseFieldSelector, supportedFields } from './fields.js';
import { SelectorError } from './errors.js';
import type { SelectableType } from './fields.js';

const kinds: Record<string, [kind: string, namespaced: boolean]> = {
  pods: ['Pod', true],
  configmaps: ['ConfigMap', true],
  nodes: ['Node', false],
  namespaces: ['Namespace', false],
  secrets: ['Secret', true],
  services: ['Service', true],
  events: ['Event', true],
  jobs: ['Job', true],
  replicasets: ['ReplicaSet', true],
};

function resource(group: string, plural: string): SelectableType {
  const [kind, namespaced] = kinds[plural]!;
  return { group, kind, namespaced };
}

describe('parseFieldSelector', () => {
  test('operators, AND and sorting', () => {
    const expr = parseFieldSelector('status.phase!=Running,metadata.name==a,spec.nodeName=n1');
    assert.deepEqual(expr.requirements, [
      { field: 'metadata.name', operator: '==', value: 'a' },
      { field: 'spec.nodeName', operator: '=', value: 'n1' },
      { field: 'status.phase', operator: '!=', value: 'Running' },
    ]);
  });

  test('escapes in values', () => {
    const expr = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d,type=x');
    assert.deepEqual(expr.requirements.map((r) => r.value), ['a,b=c\\d', 'x']);
  });

  test('empty selector', () => {
    assert.deepEqual(parseFieldSelector('').requirements, []);
    assert.deepEqual(parseFieldSelector(',').requirements, []);
  });

  test('errors', () => {
    assert.throws(() => parseFieldSelector('metadata.name'), (err: unknown) => {
      assert.ok(err instanceof SelectorError);
      assert.equal(err.code, 400);
      assert.equal(err.message, "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
      return true;
    });
    assert.throws(() => parseFieldSelector('a=b\\x'), { message: 'invalid field selector: invalid escape sequence: \\x' });
    assert.throws(() => parseFieldSelector('a=b\\'), { message: 'invalid field selector: invalid escape sequence: \\' });
    assert.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: 61' });
  });
});

describe('matchesFields', () => {
  const set = { 'metadata.name': 'web', 'status.phase': 'Running' };
  test('equality, inequality, missing fields', () => {
    assert.equal(matchesFields(parseFieldSelector('metadata.name=web'), set), true);
    assert.equal(matchesFields(parseFieldSelector('metadata.name=db'), set), false);
    assert.equal(matchesFields(parseFieldSelector('status.phase!=Pending'), set), true);
    assert.equal(matchesFields(parseFieldSelector('metadata.name=web,status.phase=Pending'), set), false);
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName='), set), true);
    assert.equal(matchesFields(parseFieldSelector(''), set), true);
  });
});

describe('supported fields', () => {
  test('pods accept their fields and map spec.host', () => {
    const pods = resource('', 'pods');
    assert.ok(supportedFields(pods).includes('spec.nodeName'));
    const checked = checkFieldSelector(pods, parseFieldSelector('spec.host=n1'));
    assert.deepEqual(checked.requirements, [{ field: 'spec.nodeName', operator: '=', value: 'n1' }]);
    assert.throws(() => checkFieldSelector(pods, parseFieldSelector('spec.foo=x')), {
      message: 'field label not supported: spec.foo',
    });
  });

  test('types without their own fields answer upstream default message', () => {
    assert.throws(() => checkFieldSelector(resource('', 'configmaps'), parseFieldSelector('data.x=y')), {
      message: '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
    assert.deepEqual(supportedFields(resource('', 'configmaps')), ['metadata.name', 'metadata.namespace']);
  });

  test('nodes and namespaces do not accept metadata.namespace', () => {
    assert.throws(() => checkFieldSelector(resource('', 'nodes'), parseFieldSelector('metadata.namespace=x')), {
      message: 'field label not supported: metadata.namespace',
    });
    assert.deepEqual(supportedFields(resource('', 'namespaces')), ['metadata.name', 'status.phase']);
  });
});

describe('fieldSetFor', () => {
  test('pod', () => {
    const set = fieldSetFor(resource('', 'pods'), {
      metadata: { name: 'p', namespace: 'ns' },
      spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default', hostNetwork: true },
      status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }] },
    });
    assert.deepEqual(set, {
      'metadata.name': 'p',
      'metadata.namespace': 'ns',
      'spec.nodeName': 'n1',
      'spec.host': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'default',
      'spec.hostNetwork': 'true',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.5',
      'status.nominatedNodeName': '',
    });
  });

  test('node, secret, service, event, job, replicaset', () => {
    assert.deepEqual(fieldSetFor(resource('', 'nodes'), { metadata: { name: 'n' }, spec: { unschedulable: true } }), {
      'metadata.name': 'n',
      'spec.unschedulable': 'true',
    });
    assert.equal(fieldSetFor(resource('', 'secrets'), { metadata: { name: 's' }, type: 'Opaque' }).type, 'Opaque');
    assert.equal(
      fieldSetFor(resource('', 'services'), { metadata: { name: 's' }, spec: { clusterIP: '10.0.0.1', type: 'ClusterIP' } })['spec.clusterIP'],
      '10.0.0.1',
    );
    const ev = fieldSetFor(resource('', 'events'), {
      metadata: { name: 'e', namespace: 'd' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'd' },
      reason: 'Scheduled',
      reportingComponent: 'default-scheduler',
      type: 'Normal',
    });
    assert.equal(ev['involvedObject.kind'], 'Pod');
    assert.equal(ev.source, 'default-scheduler');
    const ev2 = fieldSetFor(resource('events.k8s.io', 'events'), { metadata: { name: 'e' }, regarding: { kind: 'Node' }, reportingController: 'kubelet' });
    assert.equal(ev2['regarding.kind'], 'Node');
    assert.equal(ev2.reportingController, 'kubelet');
    assert.equal(fieldSetFor(resource('batch', 'jobs'), { metadata: { name: 'j' }, status: { succeeded: 2 } })['status.successful'], '2');
    assert.equal(fieldSetFor(resource('apps', 'replicasets'), { metadata: { name: 'r' }, status: {} })['status.replicas'], '0');
  });
});
