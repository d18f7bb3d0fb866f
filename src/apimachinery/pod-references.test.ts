import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podReferences, podReferencesOnly } from './pod-references.js';
import type { Pod } from 'kubernetes-types/core/v1.js';

const podUsingEverything: Pod = {
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
};

test('podReferences: volumes, projected sources, env and envFrom of every container kind, ephemeral claims', () => {
  const refs = podReferences(podUsingEverything);
  assert.deepEqual(refs, {
    configMaps: ['cm-volume', 'cm-projected', 'cm-init', 'cm-debug'],
    secrets: ['secret-volume', 'secret-projected', 'secret-app', 'secret-key'],
    persistentVolumeClaims: ['claim', 'web-scratch'],
  });
});

test('podReferencesOnly keeps what podReferences finds, and nothing else', () => {
  const reduced = podReferencesOnly(podUsingEverything);
  assert.deepEqual(podReferences(reduced), podReferences(podUsingEverything));
  assert.deepEqual(reduced.metadata, { name: 'web', namespace: 'default' });
  assert.deepEqual(reduced.spec?.containers, []);
  assert.equal(reduced.spec?.volumes?.length, 10);
  assert.deepEqual(podReferencesOnly({ metadata: { name: 'bare', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }), { metadata: { name: 'bare', namespace: 'ns' }, spec: { containers: [] } });
});
