import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { ReplicaSetController } from '../replicaset/controller.js';
import { listPods, markReady, readyAndLive } from '../../testing/replicaset.js';
import { apiServerEnvironment } from '../../testing/statefulset.js';
import { waitFor } from '../../testing/wait.js';
import { DeploymentController } from './controller.js';

type DeploymentObject = Deployment & KubeObject;

test('rollout and undo against the real API server (defaulting, validation, patches)', async () => {
  const env = await apiServerEnvironment();
  const { client, clock } = env;
  try {
    env.start(new ReplicaSetController(env.ctx), new DeploymentController(env.ctx));
    await client.create(resources.deployments, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      },
    } satisfies DeploymentObject);
    const settleRollout = async (image: string): Promise<void> => {
      await waitFor(
        `rollout of ${image}`,
        async () => {
          for (const pod of await listPods(client)) if (!readyAndLive(pod) && !pod.metadata?.deletionTimestamp) await markReady(client, clock, pod);
          const d = await client.get<DeploymentObject>(resources.deployments, 'default', 'web');
          const pods = await listPods(client);
          return (
            d.status?.observedGeneration === d.metadata?.generation &&
            d.status?.updatedReplicas === 2 &&
            d.status?.availableReplicas === 2 &&
            d.status?.replicas === 2 &&
            pods.length === 2 &&
            pods.every((p) => p.spec?.containers[0]?.image === image)
          );
        },
        { clock },
      );
    };
    await settleRollout('nginx:1');
    const setImage = async (image: string): Promise<void> => {
      await client.patch(resources.deployments, 'default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
    };
    await setImage('nginx:2');
    await settleRollout('nginx:2');
    await setImage('nginx:1');
    await settleRollout('nginx:1');
    const rss = (await client.list<ReplicaSet & KubeObject>(resources.replicasets, 'default')).items;
    assert.equal(rss.length, 2);
    const revisions = rss.map((rs) => [rs.spec?.template?.spec?.containers[0]?.image, rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], rs.spec?.replicas]);
    assert.deepEqual(revisions.sort(), [
      ['nginx:1', '3', 2],
      ['nginx:2', '2', 0],
    ]);
    assert.deepEqual(env.errors.filter((e) => !/conflict|modified/i.test(String(e))), []);
  } finally {
    await env.stop();
  }
});
