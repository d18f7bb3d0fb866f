import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { raw, TestCluster, testBackends } from '../harness/cluster.js';

const json = <T>(text: string) => JSON.parse(text) as T;
const pod = (name: string, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

for (const backend of testBackends()) {
  describe(`API semantics (${backend})`, { concurrency: 1 }, () => {
    let c: TestCluster;
    before(async () => {
      c = await TestCluster.start({ backend, serverArgs: ['--disable-controllers'] });
    });
    after(async () => {
      await c?.stop();
    });

    test('dryRun=All validates and answers, and stores nothing', async () => {
      const r = await raw(c, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', pod('dry'));
      assert.equal(r.status, 201);
      assert.equal(json<{ spec: { restartPolicy: string } }>(r.body).spec.restartPolicy, 'Always');
      assert.equal((await raw(c, 'GET', '/api/v1/namespaces/default/pods/dry')).status, 404);
    });

    test('binding assigns a node once; eviction removes the pod', async () => {
      assert.equal((await raw(c, 'POST', '/api/v1/namespaces/default/pods', pod('bound'))).status, 201);
      const binding = JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-a' } });
      assert.equal((await raw(c, 'POST', '/api/v1/namespaces/default/pods/bound/binding', binding)).status, 201);
      const got = json<{ spec: { nodeName: string } }>((await raw(c, 'GET', '/api/v1/namespaces/default/pods/bound')).body);
      assert.equal(got.spec.nodeName, 'node-a');
      const again = await raw(c, 'POST', '/api/v1/namespaces/default/pods/bound/binding', binding.replace('node-a', 'node-b'));
      assert.equal(again.status, 409);
      assert.match(json<{ message: string }>(again.body).message, /already assigned to node "node-a"/);
      const eviction = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'bound' }, deleteOptions: { gracePeriodSeconds: 0 } });
      assert.equal((await raw(c, 'POST', '/api/v1/namespaces/default/pods/bound/eviction', eviction)).status, 201);
      assert.equal((await raw(c, 'GET', '/api/v1/namespaces/default/pods/bound')).status, 404);
    });

    test('deletecollection with a label selector removes only what matches', async () => {
      for (const [n, tier] of [['a', 'x'], ['b', 'x'], ['keep', 'y']]) {
        assert.equal((await raw(c, 'POST', '/api/v1/namespaces/default/pods', pod(`dc-${n}`, { tier }))).status, 201);
      }
      assert.equal((await raw(c, 'DELETE', '/api/v1/namespaces/default/pods?labelSelector=tier%3Dx')).status, 200);
      const names = (await c.kubectlOK(['get', 'pods', '-o', 'name'])).trim().split('\n');
      assert.deepEqual(names, ['pod/dc-keep']);
    });

    test('lists come in chunks and field selectors filter', async () => {
      for (let i = 0; i < 7; i++) await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `chunk-${i}` } }));
      const first = json<{ items: unknown[]; metadata: { continue: string } }>((await raw(c, 'GET', '/api/v1/namespaces/default/configmaps?limit=3')).body);
      assert.equal(first.items.length, 3);
      assert.ok(first.metadata.continue);
      const chunked = await c.kubectlOK(['get', 'configmaps', '--chunk-size=2', '-o', 'name']);
      assert.equal(chunked.trim().split('\n').filter((l) => l.startsWith('configmap/chunk-')).length, 7);
      const one = await c.kubectlOK(['get', 'configmaps', '--field-selector', 'metadata.name=chunk-3', '-o', 'name']);
      assert.equal(one.trim(), 'configmap/chunk-3');
      const bad = await raw(c, 'GET', '/api/v1/namespaces/default/configmaps?fieldSelector=spec.nope%3D1');
      assert.equal(bad.status, 400);
    });

    test('strict field validation rejects unknown fields, as kubectl apply asks', async () => {
      const r = await c.kubectl(['apply', '-f', '-'], {
        input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\nspec:\n  nope: 1\n',
      });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /unknown field "spec"/);
    });

    test('core/v1 and events.k8s.io/v1 Events are one set of objects, converted', async () => {
      const uid = await c.kubectlOK(['get', 'pod', 'dc-keep', '-o', 'jsonpath={.metadata.uid}']);
      const core = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e1' },
        involvedObject: { kind: 'Pod', name: 'dc-keep', namespace: 'default', uid },
        reason: 'Testing',
        message: 'hello',
        type: 'Normal',
        source: { component: 'test' },
        firstTimestamp: '2026-01-01T00:00:00Z',
        lastTimestamp: '2026-01-01T00:00:00Z',
        count: 1,
      });
      assert.equal((await raw(c, 'POST', '/api/v1/namespaces/default/events', core)).status, 201);
      const asNew = json<{ note: string; regarding: { name: string }; deprecatedCount: number; apiVersion: string }>(
        (await raw(c, 'GET', '/apis/events.k8s.io/v1/namespaces/default/events/e1')).body,
      );
      assert.deepEqual([asNew.apiVersion, asNew.note, asNew.regarding.name, asNew.deprecatedCount], ['events.k8s.io/v1', 'hello', 'dc-keep', 1]);
      const modern = JSON.stringify({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'e2' },
        eventTime: '2026-01-01T00:00:00.000000Z',
        reportingController: 'skiff.dev/test',
        reportingInstance: 'test-1',
        action: 'Testing',
        reason: 'Testing',
        regarding: { kind: 'Pod', name: 'dc-keep', namespace: 'default' },
        note: 'from the new API',
        type: 'Normal',
      });
      const created = await raw(c, 'POST', '/apis/events.k8s.io/v1/namespaces/default/events', modern);
      assert.equal(created.status, 201, created.body);
      const asCore = json<{ message: string; involvedObject: { name: string } }>((await raw(c, 'GET', '/api/v1/namespaces/default/events/e2')).body);
      assert.deepEqual([asCore.message, asCore.involvedObject.name], ['from the new API', 'dc-keep']);
      const described = await c.kubectlOK(['describe', 'pod', 'dc-keep']);
      assert.match(described, /Testing\s+.*hello/);
    });

    test('older and newer kubectl: 1.27 and 1.33 list, apply and explain', async () => {
      for (const v of ['1.27', '1.33']) {
        const k = `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`;
        const run = async (args: string[], input?: string) => {
          const r = await c.netns.run(k, args, { input, env: { ...process.env, KUBECONFIG: c.kubeconfig } });
          assert.equal(r.code, 0, `kubectl ${v} ${args.join(' ')}: ${r.stderr}`);
          return r.stdout;
        };
        assert.match(await run(['get', 'pods']), /dc-keep/);
        assert.match(await run(['apply', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-${v.replace('.', '-')}\n`), /created/);
        assert.match(await run(['explain', 'pod.spec.restartPolicy']), /restartPolicy/);
      }
    });
  });
}
