import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podReferences } from './pod-references.js';

test('podReferences: volumes, projected sources, env and envFrom of every container kind, ephemeral claims', () => {
  const refs = podReferences({
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      volumes: [
        { name: 'cm', configMap: { name: 'cm-volume' } },
        { name: 'sec', secret: { secretName: 'secret-volume' } },
        { name: 'proj', projected: { sources: [{ configMap: { name: 'cm-projected' } }, { secret: { name: 'secret-projected' } }, { serviceAccountToken: { path: 'token' } }] } },
        { name: 'data', persistentVolumeClaim: { claimName: 'claim' } },
        { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
        { name: 'empty', emptyDir: {} },
      ],
      initContainers: [{ name: 'init', envFrom: [{ configMapRef: { name: 'cm-init' } }] }],
      containers: [
        {
          name: 'app',
          envFrom: [{ secretRef: { name: 'secret-app' } }],
          env: [
            { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-volume', key: 'a' } } },
            { name: 'B', valueFrom: { secretKeyRef: { name: 'secret-key', key: 'b' } } },
            { name: 'C', value: 'plain' },
          ],
        },
      ],
      ephemeralContainers: [{ name: 'debug', env: [{ name: 'D', valueFrom: { configMapKeyRef: { name: 'cm-debug', key: 'd' } } }] }],
    },
  });
  assert.deepEqual(refs, {
    configMaps: ['cm-volume', 'cm-projected', 'cm-init', 'cm-debug'],
    secrets: ['secret-volume', 'secret-projected', 'secret-app', 'secret-key'],
    persistentVolumeClaims: ['claim', 'web-scratch'],
  });
});
