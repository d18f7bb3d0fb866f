import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../apimachinery/object.js';
import { conditionsAnnotation, defaultHPAv2, hpaV1StorageCodec, hpaV1ToV2, hpaV2ToV1, metricsAnnotation } from './hpa-conversion.js';

const v1: KubeObject = {
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
  status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 75 },
};

test('v1 targetCPUUtilizationPercentage is v2 metrics[Resource cpu Utilization], current figure too', () => {
  const v2 = hpaV1ToV2(v1);
  assert.equal(v2.apiVersion, 'autoscaling/v2');
  assert.deepEqual((v2.spec as { metrics: unknown }).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
  assert.equal((v2.spec as Record<string, unknown>).targetCPUUtilizationPercentage, undefined);
  assert.deepEqual((v2.status as { currentMetrics: unknown }).currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75 } } }]);
  assert.deepEqual(hpaV2ToV1(v2), v1, 'and back unchanged');
});

test('what v1 cannot say travels in annotations and comes back', () => {
  const v2: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      ],
    },
    status: { currentReplicas: 1, desiredReplicas: 1, conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }] },
  };
  const asV1 = hpaV2ToV1(v2);
  assert.equal((asV1.spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage, 60);
  assert.ok(asV1.metadata?.annotations?.[metricsAnnotation]?.includes('memory'));
  assert.ok(asV1.metadata?.annotations?.[conditionsAnnotation]?.includes('ReadyForNewScale'));
  const back = hpaV1ToV2(asV1);
  assert.equal(back.metadata?.annotations, undefined);
  // cpu comes first after the round trip (v1 holds it apart), the rest follows.
  const metrics = (back.spec as { metrics: { resource: { name: string } }[] }).metrics;
  assert.deepEqual(metrics.map((m) => m.resource.name), ['cpu', 'memory']);
  assert.deepEqual((back.status as { conditions: unknown }).conditions, (v2.status as { conditions: unknown }).conditions);
});

test('a v1 HPA without a target is stored with the v2 default of 80% CPU and minReplicas 1', () => {
  const stored = hpaV1StorageCodec.toStorage({ ...v1, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 } });
  assert.equal((stored.spec as { minReplicas: number }).minReplicas, 1);
  assert.equal(hpaV1StorageCodec.fromStorage(stored).spec && (hpaV1StorageCodec.fromStorage(stored).spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage, 80);
  const withBehavior = { spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } } as Record<string, unknown>;
  defaultHPAv2(withBehavior);
  assert.deepEqual((withBehavior.spec as { behavior: unknown }).behavior, {
    scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
  });
});
