import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, raw, TestCluster, testBackends } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const seed = (file: string) => fileURLToPath(new URL(`../../../test/fixtures/seed/${file}`, import.meta.url));

function json<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}

for (const backend of testBackends()) {
  describe(`kubectl against skiff (${backend})`, { concurrency: 1 }, () => {
    let c: TestCluster;
    before(async () => {
      c = await TestCluster.start({ backend, serverArgs: ['--service-cidr', '10.170.0.0/16', '--disable-controllers'] });
    });
    after(async () => {
      await c?.stop();
    });

    test('discovery: api-resources, version, and the system namespaces', async () => {
      const resources = await c.kubectlOK(['api-resources']);
      for (const line of [/^pods\s+po\s+v1\s+true\s+Pod$/m, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m, /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m, /^ingresses\s+ing\s+networking.k8s.io\/v1\s+true\s+Ingress$/m]) {
        assert.match(resources, line);
      }
      const version = json<{ serverVersion: { major: string } }>(await c.kubectlOK(['version', '-o', 'json']));
      assert.equal(version.serverVersion.major, '1');
      const ns = await c.kubectlOK(['get', 'namespaces', '-o', 'name']);
      for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(ns, new RegExp(`^namespace/${n}$`, 'm'));
      const svc = json<{ spec: { clusterIP: string } }>(await c.kubectlOK(['get', 'service', 'kubernetes', '-o', 'json']));
      assert.equal(svc.spec.clusterIP, '10.170.0.1');
    });

    test('apply every seed manifest', async () => {
      for (const f of ['canary-service.yaml', 'service-ports.yaml', 'statefulset.yaml', 'cronjobs.yaml', 'ingress.yaml']) {
        const out = await c.kubectlOK(['apply', '-f', seed(f)]);
        assert.match(out, /created/);
      }
      const svc = json<{ spec: { clusterIP: string; ports: { name: string; port: number; targetPort: number; protocol: string }[]; type: string; sessionAffinity: string } }>(
        await c.kubectlOK(['get', 'svc', 'cluster-service-test', '-o', 'json']),
      );
      assert.equal(svc.spec.clusterIP, '10.170.11.11');
      assert.equal(svc.spec.type, 'ClusterIP');
      assert.equal(svc.spec.sessionAffinity, 'None');
      assert.deepEqual(
        svc.spec.ports.map((p) => [p.name, p.port, p.targetPort, p.protocol]),
        [['abc', 80, 8080, 'TCP'], ['redis', 99, 6379, 'TCP']],
      );
      const deploy = json<{ spec: { strategy: { type: string; rollingUpdate: { maxSurge: string; maxUnavailable: string } }; revisionHistoryLimit: number; progressDeadlineSeconds: number } }>(
        await c.kubectlOK(['get', 'deploy', 'tomcat-stable', '-o', 'json']),
      );
      assert.deepEqual(deploy.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
      assert.equal(deploy.spec.revisionHistoryLimit, 10);
      assert.equal(deploy.spec.progressDeadlineSeconds, 600);
      const cj = json<{ items: { metadata: { name: string }; spec: { concurrencyPolicy: string; startingDeadlineSeconds: number; successfulJobsHistoryLimit: number; failedJobsHistoryLimit: number } }[] }>(
        await c.kubectlOK(['get', 'cronjobs', '-o', 'json']),
      );
      assert.deepEqual(
        cj.items.map((i) => [i.metadata.name, i.spec.concurrencyPolicy, i.spec.startingDeadlineSeconds, i.spec.successfulJobsHistoryLimit, i.spec.failedJobsHistoryLimit]),
        [['cron-allow', 'Allow', 600, 3, 1], ['cron-forbid', 'Forbid', 600, 3, 1], ['cron-replace', 'Replace', 600, 3, 1]],
      );
      const canary = json<{ metadata: { annotations: Record<string, string> } }>(await c.kubectlOK(['get', 'ingress', 'tomcat-canary', '-o', 'json']));
      assert.equal(canary.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight'], '20');
      const pod = json<{ spec: { restartPolicy: string; dnsPolicy: string; terminationGracePeriodSeconds: number; containers: { imagePullPolicy: string }[] }; status: { phase: string } }>(
        await c.kubectlOK(['get', 'pod', 'tomcat-redis', '-o', 'json']),
      );
      assert.equal(pod.spec.restartPolicy, 'Always');
      assert.equal(pod.spec.dnsPolicy, 'ClusterFirst');
      assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
      assert.equal(pod.spec.containers[0].imagePullPolicy, 'Always');
      assert.equal(pod.status.phase, 'Pending');
    });

    test('applying an edited file patches only what changed', async (t) => {
      const before = json<{ metadata: { resourceVersion: string; uid: string }; spec: { clusterIP: string } }>(
        await c.kubectlOK(['get', 'svc', 'cluster-service-test', '-o', 'json']),
      );
      const again = await c.kubectlOK(['apply', '-f', seed('service-ports.yaml')]);
      assert.match(again, /service\/cluster-service-test unchanged/);
      const edited = (await readFile(seed('service-ports.yaml'), 'utf8')).replace('  name: cluster-service-test\n', '  name: cluster-service-test\n  labels:\n    tier: backend\n');
      const dir = await mkdtemp(join(tmpdir(), 'skiff-edit-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const file = join(dir, 'svc.yaml');
      await writeFile(file, edited);
      const out = await c.kubectlOK(['apply', '-f', file]);
      assert.match(out, /service\/cluster-service-test configured/);
      assert.match(out, /pod\/tomcat-redis unchanged/);
      const after = json<{ metadata: { resourceVersion: string; uid: string; labels: Record<string, string> }; spec: { clusterIP: string } }>(
        await c.kubectlOK(['get', 'svc', 'cluster-service-test', '-o', 'json']),
      );
      assert.equal(after.metadata.labels.tier, 'backend');
      assert.equal(after.metadata.uid, before.metadata.uid);
      assert.equal(after.spec.clusterIP, '10.170.11.11');
      assert.notEqual(after.metadata.resourceVersion, before.metadata.resourceVersion);
    });

    test('server-side apply works and reports conflicts', async () => {
      const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\n';
      const out = await c.kubectlOK(['apply', '--server-side', '-f', '-'], { input: cm });
      assert.match(out, /configmap\/ssa serverside-applied/);
      await c.kubectlOK(['apply', '--server-side', '--field-manager', 'other', '-f', '-'], { input: cm.replace('a: "1"', 'b: "2"') });
      const conflict = await c.kubectl(['apply', '--server-side', '--field-manager', 'third', '-f', '-'], { input: cm.replace('"1"', '"9"') });
      assert.notEqual(conflict.code, 0);
      assert.match(conflict.stderr, /conflict/i);
      assert.match(conflict.stderr, /\.data\.a/);
      await c.kubectlOK(['apply', '--server-side', '--force-conflicts', '--field-manager', 'third', '-f', '-'], { input: cm.replace('"1"', '"9"') });
      const got = json<{ data: Record<string, string> }>(await c.kubectlOK(['get', 'cm', 'ssa', '-o', 'json']));
      assert.deepEqual(got.data, { a: '9', b: '2' });
    });

    test('server-side apply twice of ports without a protocol keeps one port each (the key defaults to TCP)', async () => {
      const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: ssa-ports\nspec:\n  containers:\n  - name: web\n    image: busybox\n    ports:\n    - containerPort: 8080\n';
      await c.kubectlOK(['apply', '--server-side', '-f', '-'], { input: pod });
      await c.kubectlOK(['apply', '--server-side', '-f', '-'], { input: pod.replace('image: busybox', 'image: busybox:1') });
      const got = json<{ spec: { containers: { image: string; ports: object[] }[] } }>(await c.kubectlOK(['get', 'pod', 'ssa-ports', '-o', 'json']));
      assert.equal(got.spec.containers[0]?.image, 'busybox:1');
      assert.deepEqual(got.spec.containers[0]?.ports, [{ containerPort: 8080, protocol: 'TCP' }]);
      await c.kubectlOK(['delete', 'pod', 'ssa-ports', '--wait=false']);
    });

    test('kubectl get in every output form', async () => {
      const pods = await c.kubectlOK(['get', 'pods']);
      assert.match(pods, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      assert.match(pods, /^tomcat-redis\s+0\/2\s+Pending\s+0\s+\d+s$/m);
      const wide = await c.kubectlOK(['get', 'pods', '-o', 'wide']);
      assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
      const svcs = await c.kubectlOK(['get', 'svc']);
      assert.match(svcs, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
      assert.match(svcs, /^cluster-service-test\s+ClusterIP\s+10\.170\.11\.11\s+<none>\s+80\/TCP,99\/TCP\s+\d+s$/m);
      const deploys = await c.kubectlOK(['get', 'deployments']);
      assert.match(deploys, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
      assert.match(deploys, /^tomcat-stable\s+0\/3\s+0\s+0\s+\d+s$/m);
      const yaml = await c.kubectlOK(['get', 'svc', 'cluster-service-test', '-o', 'yaml']);
      assert.match(yaml, /clusterIP: 10\.170\.11\.11/);
      const jp = await c.kubectlOK(['get', 'svc', 'cluster-service-test', '-o', 'jsonpath={.spec.ports[*].targetPort}']);
      assert.equal(jp, '8080 6379');
      const cc = await c.kubectlOK(['get', 'deploy', '-o', 'custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas']);
      assert.match(cc, /^tomcat-canary\s+1$/m);
      assert.match(cc, /^tomcat-stable\s+3$/m);
      const labels = await c.kubectlOK(['get', 'pods', '--show-labels']);
      assert.match(labels, /app=canary-tomcat/);
      const selected = await c.kubectlOK(['get', 'svc', '-l', 'tier=backend', '-o', 'name']);
      assert.equal(selected.trim(), 'service/cluster-service-test');
      const notSelected = await c.kubectlOK(['get', 'svc', '-l', 'tier!=backend,component notin (apiserver)', '-o', 'name']);
      assert.doesNotMatch(notSelected, /cluster-service-test|kubernetes/);
      const all = await c.kubectlOK(['get', 'all']);
      assert.match(all, /deployment\.apps\/tomcat-stable/);
      assert.match(all, /cronjob\.batch\/cron-forbid/);
    });

    test('kubectl get -w sees changes', async () => {
      const watcher = c.netns.spawn('/usr/lib/google-cloud-sdk/bin/kubectl.1.32', ['get', 'configmaps', '-w', '--kubeconfig', c.kubeconfig]);
      let out = '';
      watcher.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      try {
        await waitFor('the watch to list', async () => /^ssa\s/m.test(out), { ...clusterPolling, timeoutMs: 20_000 });
        await c.kubectlOK(['create', 'configmap', 'watched', '--from-literal=k=v']);
        await waitFor('the watch to show the new configmap', async () => /^watched\s+1\s/m.test(out), { ...clusterPolling, timeoutMs: 20_000 });
      } finally {
        if (watcher.pid) process.kill(watcher.pid, 'SIGKILL');
      }
    });

    test('describe, explain, scale, label, annotate, create, delete, edit', async (t) => {
      const d = await c.kubectlOK(['describe', 'svc', 'cluster-service-test']);
      assert.match(d, /IP:\s+10\.170\.11\.11/);
      assert.match(d, /Port:\s+abc\s+80\/TCP/);
      assert.match(d, /TargetPort:\s+6379\/TCP/);
      const ex = await c.kubectlOK(['explain', 'deployment.spec.strategy']);
      assert.match(ex, /KIND:\s+Deployment/);
      assert.match(ex, /rollingUpdate/);
      await c.kubectlOK(['scale', 'deployment', 'tomcat-canary', '--replicas=2']);
      assert.equal(await c.kubectlOK(['get', 'deploy', 'tomcat-canary', '-o', 'jsonpath={.spec.replicas}']), '2');
      await c.kubectlOK(['label', 'deploy', 'tomcat-canary', 'stage=canary']);
      await c.kubectlOK(['annotate', 'deploy', 'tomcat-canary', 'note=seed']);
      const dep = json<{ metadata: { labels: Record<string, string>; annotations: Record<string, string>; generation: number } }>(
        await c.kubectlOK(['get', 'deploy', 'tomcat-canary', '-o', 'json']),
      );
      assert.equal(dep.metadata.labels.stage, 'canary');
      assert.equal(dep.metadata.annotations.note, 'seed');
      assert.equal(dep.metadata.generation, 2);
      await c.kubectlOK(['create', 'namespace', 'scratch']);
      await c.kubectlOK(['create', 'configmap', 'cfg', '-n', 'scratch', '--from-literal=x=1']);
      await c.kubectlOK(['create', 'secret', 'generic', 'pw', '-n', 'scratch', '--from-literal=password=hunter2']);
      const secret = json<{ data: Record<string, string>; type: string }>(await c.kubectlOK(['get', 'secret', 'pw', '-n', 'scratch', '-o', 'json']));
      assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 'hunter2');
      assert.equal(secret.type, 'Opaque');
      // kubectl edit with an EDITOR that rewrites the value.
      const dir = await mkdtemp(join(tmpdir(), 'skiff-editor-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const editor = join(dir, 'editor.sh');
      await writeFile(editor, '#!/bin/sh\nsed -i "s/x: \\"1\\"/x: \\"2\\"/" "$1"\n');
      await chmod(editor, 0o755);
      await c.kubectlOK(['edit', 'configmap', 'cfg', '-n', 'scratch'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
      assert.equal(await c.kubectlOK(['get', 'cm', 'cfg', '-n', 'scratch', '-o', 'jsonpath={.data.x}']), '2');
      const del = await c.kubectlOK(['delete', 'configmap', 'cfg', '-n', 'scratch']);
      assert.match(del, /configmap "cfg" deleted/);
      const gone = await c.kubectl(['get', 'configmap', 'cfg', '-n', 'scratch']);
      assert.match(gone.stderr, /NotFound|not found/);
    });

    test('two writers with one resourceVersion: one wins, the other gets 409', async () => {
      const cm = json<{ metadata: { resourceVersion: string } }>(await c.kubectlOK(['get', 'cm', 'watched', '-o', 'json']));
      const body = (v: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', namespace: 'default', resourceVersion: cm.metadata.resourceVersion }, data: { k: v } });
      const [a, b] = await Promise.all([
        raw(c, 'PUT', '/api/v1/namespaces/default/configmaps/watched', body('a')),
        raw(c, 'PUT', '/api/v1/namespaces/default/configmaps/watched', body('b')),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [200, 409]);
      const loser = json<{ reason: string; message: string }>(a.status === 409 ? a.body : b.body);
      assert.equal(loser.reason, 'Conflict');
      assert.match(loser.message, /the object has been modified/);
    });

    test('bad input answers a Status and changes nothing', async () => {
      const before = await c.kubectlOK(['get', 'cm', '-o', 'name']);
      const malformed = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", ');
      assert.equal(malformed.status, 400);
      assert.equal(json<{ kind: string }>(malformed.body).kind, 'Status');
      const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { x: 'y'.repeat(3 * 1024 * 1024 + 10) } });
      assert.equal((await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', big)).status, 413);
      const wrongVersion = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'w' } }));
      assert.equal(wrongVersion.status, 400);
      const wrongKind = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'w' } }));
      assert.equal(wrongKind.status, 400);
      assert.equal((await raw(c, 'GET', '/api/v1/namespaces/default/widgets')).status, 404);
      const noNs = await raw(c, 'POST', '/api/v1/namespaces/nowhere/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }));
      assert.equal(noNs.status, 404);
      assert.match(json<{ message: string }>(noNs.body).message, /namespaces "nowhere" not found/);
      const badName = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }));
      assert.equal(badName.status, 422);
      const status = json<{ reason: string; details: { causes: { field: string; reason: string }[] } }>(badName.body);
      assert.equal(status.reason, 'Invalid');
      assert.deepEqual(status.details.causes.map((x) => [x.field, x.reason]), [['metadata.name', 'FieldValueInvalid']]);
      const outside = await raw(c, 'POST', '/api/v1/namespaces/default/services', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'outside' }, spec: { clusterIP: '192.168.1.1', ports: [{ port: 80 }] } }));
      assert.equal(outside.status, 422);
      const taken = await raw(c, 'POST', '/api/v1/namespaces/default/services', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'taken' }, spec: { clusterIP: '10.170.11.11', ports: [{ port: 80 }] } }));
      assert.equal(taken.status, 422);
      assert.match(json<{ message: string }>(taken.body).message, /already allocated/);
      const anonymous = await raw(c, 'GET', '/api/v1/namespaces', '', 'application/json', true);
      assert.equal(anonymous.status, 401);
      assert.equal((await raw(c, 'GET', '/healthz', '', 'application/json', true)).status, 200);
      assert.equal(await c.kubectlOK(['get', 'cm', '-o', 'name']), before);
    });

    test('a restart keeps everything', async () => {
      const before = await c.kubectlOK(['get', 'all', '-A', '-o', 'name']);
      assert.equal(await c.stopServer('SIGINT'), 0);
      await c.startServer();
      assert.equal(await c.kubectlOK(['get', 'all', '-A', '-o', 'name']), before);
      // A ClusterIP is never handed out twice, across restarts too.
      const created = await raw(c, 'POST', '/api/v1/namespaces/default/services', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'again' }, spec: { clusterIP: '10.170.11.88', ports: [{ port: 80 }] } }));
      assert.equal(created.status, 422);
    });
  });
}
