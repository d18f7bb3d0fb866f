import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, ApplyConflictError, recordUpdate, type ApplyOptions } from './apply.js';
import { FieldSet, formatFieldPath } from './fieldset.js';
import { testDefinitions } from './testing.js';

const root = 'io.k8s.api.apps.v1.Deployment';
const opts = (manager: string, extra: Partial<ApplyOptions> = {}): ApplyOptions => ({
  manager,
  force: false,
  schema: testDefinitions,
  rootDefinition: root,
  apiVersion: 'apps/v1',
  now: '2024-01-01T00:00:00Z',
  ignoreStatus: true,
  ...extra,
});
const updateOpts = (manager: string) => ({
  manager,
  schema: testDefinitions,
  rootDefinition: root,
  apiVersion: 'apps/v1',
  now: '2024-01-02T00:00:00Z',
  ignoreStatus: true,
});

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: object;
}
interface Deployment {
  metadata: { name: string; labels?: Record<string, string>; managedFields?: Entry[]; resourceVersion?: string };
  spec: {
    replicas?: number;
    template: { spec: { containers: { name: string; image?: string; ports?: { containerPort: number }[] }[] } };
  };
}

function config(replicas: number | undefined, containers: object[], labels?: Record<string, string>): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', ...(labels ? { labels } : {}) },
    spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: { containers } } },
  };
}

const entry = (obj: object, manager: string) =>
  (obj as Deployment).metadata.managedFields?.find((e) => e.manager === manager);

describe('applyPatch', () => {
  test('apply creates the object and records exactly the applied fields', () => {
    const { object } = applyPatch(
      undefined,
      config(3, [{ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80 }] }], { app: 'web' }),
      opts('kubectl'),
    );
    const d = object as Deployment;
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.metadata.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2024-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  test('re-apply without a field removes it; another manager\'s fields stay', () => {
    const first = applyPatch(undefined, config(3, [{ name: 'nginx', image: 'nginx:1' }], { app: 'web' }), opts('kubectl')).object;
    const labelled = recordUpdate(first, { ...(first as Deployment), metadata: { ...(first as Deployment).metadata, labels: { app: 'web', team: 'a' } } }, updateOpts('labeler'));
    assert.deepEqual(entry(labelled, 'labeler')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:team': {} } } });
    const second = applyPatch(labelled, config(undefined, [{ name: 'nginx', image: 'nginx:1' }]), opts('kubectl')).object as Deployment;
    assert.equal(second.spec.replicas, undefined);
    assert.deepEqual(second.metadata.labels, { team: 'a' });
    assert.deepEqual(entry(second, 'kubectl')?.fieldsV1, {
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
    });
  });

  test('two appliers conflict on a different value, share the same value; force takes ownership', () => {
    const first = applyPatch(undefined, config(3, [{ name: 'nginx', image: 'nginx:1' }]), opts('alice')).object;
    const same = applyPatch(first, config(3, []), opts('bob')).object;
    assert.ok(entry(same, 'alice') && entry(same, 'bob'), 'same value: shared ownership');

    assert.throws(
      () => applyPatch(first, config(5, [{ name: 'nginx', image: 'nginx:2' }]), opts('bob')),
      (e) => {
        assert.ok(e instanceof ApplyConflictError);
        assert.equal(
          e.message,
          'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
        );
        assert.deepEqual(e.conflicts.map((c) => c.field), ['.spec.replicas', '.spec.template.spec.containers[name="nginx"].image']);
        const status = e.toStatusError().toStatus();
        assert.equal(status.code, 409);
        assert.equal(status.reason, 'Conflict');
        assert.equal(status.details?.causes?.[0]?.reason, 'FieldManagerConflict');
        return true;
      },
    );

    const forced = applyPatch(first, config(5, []), opts('bob', { force: true })).object as Deployment;
    assert.equal(forced.spec.replicas, 5);
    assert.deepEqual(entry(forced, 'bob')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    const alice = FieldSet.fromFieldsV1(entry(forced, 'alice')?.fieldsV1);
    assert.ok(!alice.has(['f:spec', 'f:replicas']));
    assert.ok(alice.has(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']));
  });

  test('an update by another manager then an apply conflicts, printed with the updater\'s version', () => {
    const first = applyPatch(undefined, config(3, [{ name: 'nginx', image: 'nginx:1' }]), opts('kubectl')).object as Deployment;
    const scaled = recordUpdate(first, { ...first, spec: { ...first.spec, replicas: 10 } }, updateOpts('kubectl-client-side-apply'));
    assert.deepEqual(entry(scaled, 'kubectl-client-side-apply')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(scaled, 'kubectl-client-side-apply')?.operation, 'Update');
    assert.ok(!FieldSet.fromFieldsV1(entry(scaled, 'kubectl')?.fieldsV1).has(['f:spec', 'f:replicas']), 'update took the field');
    assert.throws(
      () => applyPatch(scaled, config(4, [{ name: 'nginx', image: 'nginx:1' }]), opts('kubectl')),
      (e) =>
        e instanceof ApplyConflictError &&
        e.message === 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
  });

  test('lists with merge keys merge by key; others\' items are kept', () => {
    const first = applyPatch(undefined, config(1, [{ name: 'a', image: 'a:1' }]), opts('alice')).object;
    const both = applyPatch(first, config(undefined, [{ name: 'b', image: 'b:1' }]), opts('bob')).object as Deployment;
    assert.deepEqual(both.spec.template.spec.containers.map((c) => c.name), ['a', 'b']);
    const updated = applyPatch(both, config(1, [{ name: 'a', image: 'a:2' }]), opts('alice')).object as Deployment;
    assert.deepEqual(updated.spec.template.spec.containers, [{ name: 'a', image: 'a:2' }, { name: 'b', image: 'b:1' }]);
    const dropped = applyPatch(updated, config(1, []), opts('alice')).object as Deployment;
    assert.deepEqual(dropped.spec.template.spec.containers, [{ name: 'b', image: 'b:1' }]);
  });

  test('an object without managedFields is owned by before-first-apply', () => {
    const live = config(2, [{ name: 'nginx', image: 'nginx:1' }]);
    assert.throws(
      () => applyPatch(live, config(3, []), opts('kubectl')),
      (e) => e instanceof ApplyConflictError && /"before-first-apply" using apps\/v1: \.spec\.replicas/.test(e.message),
    );
  });

  test('managedFields in the configuration are rejected', () => {
    const bad = { ...config(1, []), metadata: { name: 'web', managedFields: [{ manager: 'x' }] } };
    assert.throws(() => applyPatch(undefined, bad, opts('kubectl')), /metadata.managedFields must be nil/);
  });
});

describe('recordUpdate', () => {
  test('create assigns every set field, skipping system metadata and status', () => {
    const obj = {
      ...config(1, [{ name: 'nginx', image: 'nginx:1' }], { app: 'web' }),
      status: { replicas: 1 },
    } as unknown as Deployment & { metadata: { uid?: string } };
    obj.metadata.resourceVersion = '5';
    obj.metadata.uid = 'u';
    const out = recordUpdate(undefined, obj, updateOpts('kubectl-create'));
    assert.deepEqual(entry(out, 'kubectl-create'), {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2024-01-02T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
        },
      },
    });
  });

  test('removed fields leave every manager; unchanged writes do not add an entry', () => {
    const created = recordUpdate(undefined, config(1, [], { app: 'web' }), updateOpts('creator'));
    const same = recordUpdate(created, created, updateOpts('other'));
    assert.equal(entry(same, 'other'), undefined);
    const d = created as Deployment;
    const removed = recordUpdate(created, { ...d, metadata: { ...d.metadata, labels: {} } }, updateOpts('other'));
    const creator = FieldSet.fromFieldsV1(entry(removed, 'creator')?.fieldsV1);
    assert.ok(!creator.has(['f:metadata', 'f:labels', 'f:app']));
  });
});

test('formatFieldPath prints upstream path syntax', () => {
  assert.equal(formatFieldPath(['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}', 'f:name']), '.spec.ports[containerPort=80,protocol="TCP"].name');
  assert.equal(formatFieldPath(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
});
