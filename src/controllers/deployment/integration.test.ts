import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { ApiServer } from '../../apiserver/server.js';
import { CertAndTokenAuthenticator } from '../../apiserver/auth.js';
import { bootstrapCluster } from '../../apiserver/bootstrap.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources, type Client } from '../../client/client.js';
import { FakeClock } from '../../apimachinery/clock.js';
import { MemoryEventRecorder } from '../../client/events.js';
import { InformerFactory } from '../../client/informer.js';
import { InProcessClient } from '../../apiserver/in-process-client.js';
import { createTokenAuthenticator, ensureServerCredentials } from '../../pki/bootstrap.js';
import { SqliteStore } from '../../storage/sqlite.js';
import { runController, type ControllerContext } from '../../client/controller.js';
import { ReplicaSetController } from '../replicaset/controller.js';
import { listPods, markReady, readyAndLive } from '../../testing/replicaset.js';
import { waitFor } from '../../testing/wait.js';
import { DeploymentController } from './controller.js';

type DeploymentObject = Deployment & KubeObject;

test('rollout and undo against the real API server (defaulting, validation, patches)', async () => {
  const store = SqliteStore.open(':memory:');
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-deploy-'));
  const stop = new AbortController();
  try {
    const creds = await ensureServerCredentials({
      dataDir,
      bindAddress: '127.0.0.1',
      advertiseAddresses: ['127.0.0.1'],
      httpsPort: 0,
      serviceCIDR: '10.43.0.0/16',
      clusterDomain: 'cluster.local',
    });
    const api = new ApiServer({ store, authenticator: new CertAndTokenAuthenticator(await createTokenAuthenticator(creds)) });
    await bootstrapCluster({ kubernetesServiceIP: '10.43.0.1', endpointAddress: '127.0.0.1', endpointPort: 6443, store: (g, v, p) => api.store(g, v, p) });
    const client: Client = new InProcessClient(api.operations);
    const clock = new FakeClock();
    const informers = new InformerFactory(client, { clock });
    const errors: string[] = [];
    const ctx: ControllerContext = {
      client,
      informers,
      clock,
      recorder: () => new MemoryEventRecorder(),
      onError: (err, where) => errors.push(`${where}: ${String(err)}`),
      settings: { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local', clusterDNS: '10.43.0.10', dataDir },
    };
    const controllers = [new ReplicaSetController(ctx), new DeploymentController(ctx)];
    informers.start(stop.signal);
    const done = Promise.all(controllers.map((c) => runController(ctx, c, stop.signal)));
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
      await waitFor(`rollout of ${image}`, async () => {
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
        }, { clock: clock });
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
    assert.deepEqual(errors.filter((e) => !/conflict|modified/i.test(e)), []);
    stop.abort();
    await done;
  } finally {
    stop.abort();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
