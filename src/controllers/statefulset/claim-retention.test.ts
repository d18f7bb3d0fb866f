import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import {
  claimHasStalePodRef,
  claimOwnerRefsFor,
  claimOwnerUpToDate,
  hasUnexpectedController,
  podInOrdinalRange,
  retentionPolicyOf,
} from './claim-retention.js';

function set(whenDeleted?: string, whenScaled?: string, replicas = 2): StatefulSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      serviceName: 'web',
      template: {},
      ...(whenDeleted || whenScaled ? { persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } } : {}),
    },
  };
}

function pod(ordinal: number, uid: string | undefined = `pod-${ordinal}-uid`): Pod {
  return { metadata: { name: `web-${ordinal}`, namespace: 'ns', ...(uid ? { uid } : {}) } };
}

function claim(refs: OwnerReference[] = []): PersistentVolumeClaim {
  return { metadata: { name: 'www-web-1', namespace: 'ns', ...(refs.length > 0 ? { ownerReferences: refs } : {}) } };
}

const setRef: OwnerReference = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true };
const podRef = (ordinal: number, uid = `pod-${ordinal}-uid`): OwnerReference => ({
  apiVersion: 'v1',
  kind: 'Pod',
  name: `web-${ordinal}`,
  uid,
  controller: true,
  blockOwnerDeletion: true,
});
const otherController: OwnerReference = { apiVersion: 'example.com/v1', kind: 'Backup', name: 'b', uid: 'b-uid', controller: true };
const plainOwner: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'c-uid' };

describe('claim retention policy', () => {
  test('defaults to Retain for both fields', () => {
    assert.deepEqual(retentionPolicyOf(set()), { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.deepEqual(retentionPolicyOf(set('Delete')), { whenDeleted: 'Delete', whenScaled: 'Retain' });
  });

  test('ordinal range follows replicas and ordinals.start', () => {
    assert.equal(podInOrdinalRange(pod(1), set()), true);
    assert.equal(podInOrdinalRange(pod(2), set()), false);
    const started = set();
    if (started.spec) started.spec.ordinals = { start: 5 };
    assert.equal(podInOrdinalRange(pod(1), started), false);
    assert.equal(podInOrdinalRange(pod(6), started), true);
  });

  test('Retain/Retain: no references to the set or pod, other owners kept', () => {
    const s = set();
    assert.equal(claimOwnerUpToDate(claim([plainOwner]), s, pod(1)), true);
    assert.equal(claimOwnerUpToDate(claim([setRef]), s, pod(1)), false);
    assert.deepEqual(claimOwnerRefsFor(claim([plainOwner, setRef]), s, pod(1)), [plainOwner]);
    assert.deepEqual(claimOwnerRefsFor(claim([podRef(1), plainOwner]), s, pod(1)), [plainOwner]);
  });

  test('whenDeleted Delete: a controller reference to the set, in range or not', () => {
    const s = set('Delete', 'Retain');
    assert.equal(claimOwnerUpToDate(claim(), s, pod(1)), false);
    assert.deepEqual(claimOwnerRefsFor(claim([plainOwner]), s, pod(1)), [plainOwner, setRef]);
    assert.equal(claimOwnerUpToDate(claim([setRef]), s, pod(1)), true);
    assert.equal(claimOwnerUpToDate(claim([setRef]), s, pod(5)), true);
    // A reference to the set that is not a controller reference is replaced.
    const weak = { ...setRef, controller: false };
    assert.equal(claimOwnerUpToDate(claim([weak]), s, pod(1)), false);
    assert.deepEqual(claimOwnerRefsFor(claim([weak]), s, pod(1)), [setRef]);
  });

  test('whenScaled Delete: the pod owns the claim only once scaled down, and loses it when back in range', () => {
    const s = set('Retain', 'Delete');
    assert.equal(claimOwnerUpToDate(claim(), s, pod(1)), true);
    assert.equal(claimOwnerUpToDate(claim(), s, pod(3)), false);
    assert.deepEqual(claimOwnerRefsFor(claim(), s, pod(3)), [podRef(3)]);
    assert.equal(claimOwnerUpToDate(claim([podRef(1)]), s, pod(1)), false);
    assert.deepEqual(claimOwnerRefsFor(claim([podRef(1)]), s, pod(1)), []);
    // A pod not created yet (no UID) is never made an owner.
    assert.deepEqual(claimOwnerRefsFor(claim(), s, pod(3, '')), []);
  });

  test('both Delete: the set while in range, the pod instead once scaled down', () => {
    const s = set('Delete', 'Delete');
    assert.deepEqual(claimOwnerRefsFor(claim(), s, pod(1)), [setRef]);
    assert.equal(claimOwnerUpToDate(claim([setRef]), s, pod(1)), true);
    assert.equal(claimOwnerUpToDate(claim([setRef]), s, pod(2)), false);
    assert.deepEqual(claimOwnerRefsFor(claim([setRef]), s, pod(2)), [podRef(2)]);
    assert.equal(claimOwnerUpToDate(claim([podRef(2)]), s, pod(2)), true);
    assert.deepEqual(claimOwnerRefsFor(claim([podRef(1)]), s, pod(1)), [setRef]);
  });

  test('references naming an older set or pod UID are stale: the claim is left alone', () => {
    const s = set('Delete', 'Delete');
    const oldPod = podRef(1, 'old-uid');
    assert.equal(claimHasStalePodRef(claim([oldPod]), pod(1)), true);
    assert.equal(claimHasStalePodRef(claim([oldPod]), pod(1, '')), true, 'a pod not created yet finds any reference stale');
    assert.equal(claimHasStalePodRef(claim([podRef(1)]), pod(1)), false);
    assert.equal(claimHasStalePodRef(claim([setRef]), pod(1)), false);
    assert.equal(claimOwnerUpToDate(claim([oldPod]), s, pod(1)), true);
    assert.equal(claimOwnerUpToDate(claim([{ ...setRef, uid: 'old-set' }]), s, pod(1)), true);
  });

  test('another controller: the policy is ignored, only the set and pod references are removed', () => {
    const s = set('Delete', 'Retain');
    assert.equal(hasUnexpectedController(claim([otherController]), s, pod(1)), true);
    assert.equal(hasUnexpectedController(claim([otherController]), set(), pod(1)), false, 'not with Retain/Retain');
    assert.equal(hasUnexpectedController(claim([plainOwner, setRef]), s, pod(1)), false);
    assert.equal(claimOwnerUpToDate(claim([otherController]), s, pod(1)), true);
    assert.equal(claimOwnerUpToDate(claim([otherController, setRef]), s, pod(1)), false);
    assert.deepEqual(claimOwnerRefsFor(claim([otherController, setRef]), s, pod(1)), [otherController]);
  });
});
