import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LimitRange, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { StatusError } from '../../apimachinery/errors.js';
import { findResource } from '../registry.js';
import type { AdmissionAttributes } from './admission.js';
import { LimitRangerAdmission, limitRangeViolations } from './limit-ranger.js';
import { PriorityAdmission } from './priority.js';
import { ResourceQuotaAdmission, quotaRefusal } from './resource-quota.js';
import { defaultLimitRange } from '../defaults/policy.js';

const podType = findResource('', 'v1', 'pods')!;

function podAttributes(pod: KubeObject): AdmissionAttributes {
  return { operation: 'CREATE', type: podType, namespace: 'default', object: pod, subresource: '' };
}

const newPod = (resources?: object): KubeObject => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources }] } });

test('LimitRange defaults: default limits and requests set on containers, with upstream’s annotation', async () => {
  const range: LimitRange = { spec: { limits: [{ type: 'Container', max: { cpu: '2' }, default: { memory: '256Mi' }, defaultRequest: { memory: '128Mi' } }] } };
  defaultLimitRange(range as never);
  assert.deepEqual(range.spec?.limits[0]?.default, { memory: '256Mi', cpu: '2' });
  assert.deepEqual(range.spec?.limits[0]?.defaultRequest, { memory: '128Mi', cpu: '2' });
  const plugin = new LimitRangerAdmission(async () => [range]);
  const pod = newPod({ requests: { cpu: '500m' } });
  await plugin.admit(podAttributes(pod));
  const c = (pod.spec as { containers: { resources: unknown }[] }).containers[0]!;
  assert.deepEqual(c.resources, { requests: { cpu: '500m', memory: '128Mi' }, limits: { memory: '256Mi', cpu: '2' } });
  assert.equal(pod.metadata?.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: memory request for container nginx; cpu, memory limit for container nginx');
  await plugin.validate(podAttributes(pod));
});

test('LimitRange min, max and ratio with upstream’s messages; 403 from the plugin', async () => {
  const range: LimitRange = { spec: { limits: [{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '2' } }] } };
  const pod = newPod({ requests: { cpu: '50m' }, limits: { cpu: '2' } });
  assert.deepEqual(limitRangeViolations(pod as never, range), [
    'minimum cpu usage per Container is 100m, but request is 50m',
    'maximum cpu usage per Container is 1, but limit is 2',
    'cpu max limit to request ratio per Container is 2, but provided ratio is 40.000000',
  ]);
  const plugin = new LimitRangerAdmission(async () => [range]);
  await assert.rejects(plugin.validate(podAttributes(newPod({ requests: { cpu: '200m' } }))), (err: StatusError) => {
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "p" is forbidden: [maximum cpu usage per Container is 1.  No limit is specified, cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0]');
    return true;
  });
});

test('quota refusal texts as upstream', () => {
  const quota: ResourceQuota = { metadata: { name: 'q' }, spec: { hard: { pods: '2', 'limits.cpu': '1' } }, status: { hard: { pods: '2', 'limits.cpu': '1' }, used: { pods: '2', 'limits.cpu': '0' } } };
  assert.equal(quotaRefusal(quota, { pods: '1', 'count/pods': '1' }), 'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
  assert.equal(quotaRefusal(quota, { pods: '1' }, newPod() as never), 'failed quota: q: must specify limits.cpu for: nginx');
  assert.equal(quotaRefusal({ ...quota, status: undefined }, { pods: '1' }), 'status unknown for quota: q, resources: pods');
});

test('quota admission charges status.used on admit', async () => {
  let quota: ResourceQuota = { metadata: { name: 'q' }, spec: { hard: { pods: '2' } }, status: { hard: { pods: '2' }, used: { pods: '1' } } };
  const plugin = new ResourceQuotaAdmission({ list: async () => [quota], updateStatus: async (_ns, _n, t) => void (quota = t(quota)) });
  await plugin.validate(podAttributes(newPod()));
  assert.deepEqual(quota.status?.used, { pods: '2' });
  await assert.rejects(plugin.validate(podAttributes(newPod())), /exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2/);
});

test('Priority: the class’s value, the global default, unknown classes and one default only', async () => {
  const classes: PriorityClass[] = [
    { metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' },
    { metadata: { name: 'low' }, value: 10, globalDefault: true },
  ];
  const plugin = new PriorityAdmission(async () => classes);
  const high = newPod();
  (high.spec as { priorityClassName?: string }).priorityClassName = 'high';
  await plugin.admit(podAttributes(high));
  assert.deepEqual([(high.spec as { priority?: number }).priority, (high.spec as { preemptionPolicy?: string }).preemptionPolicy], [1000, 'Never']);
  const plain = newPod();
  await plugin.admit(podAttributes(plain));
  const spec = plain.spec as Record<string, unknown>;
  assert.deepEqual([spec.priorityClassName, spec.priority, spec.preemptionPolicy], ['low', 10, 'PreemptLowerPriority']);
  const missing = newPod();
  (missing.spec as { priorityClassName?: string }).priorityClassName = 'nope';
  await assert.rejects(plugin.admit(podAttributes(missing)), /pods "p" is forbidden: no PriorityClass with name nope was found/);
  const pcType = findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;
  await assert.rejects(
    plugin.validate({ operation: 'CREATE', type: pcType, namespace: '', object: { metadata: { name: 'other' }, value: 5, globalDefault: true }, subresource: '' }),
    /priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low is already marked as default. Only one default can exist/,
  );
});
