import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import type { Client, PatchOptions, PatchType, ResourceRef } from '../../client/client.js';
import { applySeed, demoFieldManager } from './apply-seed.js';
import { seedManifests, seedNamespace, seedTryNext } from './seed-manifests.js';

/** Records applies; refuses clusterIPs outside 10.43.0.0/16 as the API server does. */
function fakeClient() {
  const applied: { resource: string; namespace: string; name: string; body: KubeObject; options?: PatchOptions }[] = [];
  const objects = new Map<string, KubeObject>();
  const client = {
    async patch(ref: ResourceRef, namespace: string, name: string, type: PatchType, body: unknown, options?: PatchOptions) {
      assert.equal(type, 'apply');
      const obj = structuredClone(body) as KubeObject & { spec?: { clusterIP?: string } };
      const ip = obj.spec?.clusterIP;
      if (ref.resource === 'services' && ip && ip !== 'None' && !ip.startsWith('10.43.')) {
        throw new StatusError(422, 'Invalid', `Service "${name}" is invalid`, {
          causes: [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `failed to allocate IP ${ip}: not in the valid range` }],
        });
      }
      if (ref.resource === 'services' && !ip) obj.spec = { ...obj.spec, clusterIP: '10.43.0.7' };
      applied.push({ resource: ref.resource, namespace, name, body: obj, options });
      objects.set(`${ref.resource}/${name}`, obj);
      return obj;
    },
    async get(ref: ResourceRef, _namespace: string, name: string) {
      return objects.get(`${ref.resource}/${name}`);
    },
  };
  return { client: client as unknown as Client, applied };
}

describe('applySeed', () => {
  test('server-side applies every object, the namespace first, as skiff-demo with force', async () => {
    const { client, applied } = fakeClient();
    const lines: string[] = [];
    await applySeed(client, seedManifests(), (l) => lines.push(l));
    assert.deepEqual(applied[0], { resource: 'namespaces', namespace: '', name: seedNamespace, body: applied[0]!.body, options: { fieldManager: demoFieldManager, force: true } });
    assert.deepEqual(
      applied.map((a) => `${a.resource}/${a.name}`),
      [
        'namespaces/seed', 'pods/tomcat-redis', 'services/cluster-service-test', 'deployments/tomcat-stable', 'deployments/tomcat-canary',
        'services/cluster-service-02', 'services/nginx', 'statefulsets/web', 'cronjobs/cron-allow', 'cronjobs/cron-forbid', 'cronjobs/cron-replace', 'pods/client',
      ],
    );
    assert.ok(applied.slice(1).every((a) => a.namespace === seedNamespace));
  });

  test('a refused clusterIP: applied without it, one line says so, the hints use the IP it got', async () => {
    const { client, applied } = fakeClient();
    const lines: string[] = [];
    const ips = await applySeed(client, seedManifests(), (l) => lines.push(l));
    const refused = lines.filter((l) => l.includes('refused'));
    assert.equal(refused.length, 2);
    assert.match(refused[0]!, /^service\/cluster-service-test: the API refused clusterIP 10\.170\.11\.11 \(failed to allocate IP 10\.170\.11\.11: not in the valid range\); it has 10\.43\.0\.7 instead/);
    assert.equal(ips.get('cluster-service-02'), '10.43.0.7');
    assert.equal(applied.filter((a) => a.name === 'cluster-service-02').length, 1);
    assert.equal(ips.get('nginx'), 'None');
    const hints = seedTryNext(ips);
    assert.match(hints, /wget -qO- http:\/\/10\.43\.0\.7 /);
    assert.match(hints, /nc 10\.43\.0\.7 99/);
  });

  test('the seed keeps its names, labels and ports', () => {
    const byName = new Map(seedManifests().map((o) => [`${o.kind}/${o.metadata?.name}`, o as KubeObject]));
    const pod = byName.get('Pod/tomcat-redis')!.spec as { containers: { name: string; ports: { containerPort: number }[] }[] };
    assert.deepEqual(pod.containers.map((c) => [c.name, c.ports[0]!.containerPort]), [['tomcat-container', 8080], ['redis-container', 6379], ['container-03', 8080]]);
    const canary = byName.get('Service/cluster-service-02')!.spec as { clusterIP: string; selector: Record<string, string> };
    assert.deepEqual([canary.clusterIP, canary.selector], ['10.170.11.88', { app: 'canary-tomcat' }]);
    for (const name of ['Deployment/tomcat-stable', 'Deployment/tomcat-canary']) {
      const spec = byName.get(name)!.spec as { template: { metadata: { labels: Record<string, string> } } };
      assert.equal(spec.template.metadata.labels.app, 'canary-tomcat');
    }
    const cron = [...byName.values()].filter((o) => o.kind === 'CronJob').map((o) => o.spec as { startingDeadlineSeconds: number; concurrencyPolicy: string });
    assert.deepEqual(cron.map((c) => [c.concurrencyPolicy, c.startingDeadlineSeconds]), [['Allow', 600], ['Forbid', 600], ['Replace', 600]]);
  });
});
