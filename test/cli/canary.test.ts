import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { TestCluster, testBackends } from '../harness/cluster.js';
import type { RunResult } from '../harness/netns.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));
const seed = (file: string) => fileURLToPath(new URL(`../../../test/fixtures/seed/${file}`, import.meta.url));
const crds = fileURLToPath(new URL('../../../test/fixtures/crd/gateway-api-standard.yaml', import.meta.url));

/** A Service without a selector, and optionally an EndpointSlice with one ready endpoint (no pods run in this cluster). */
const service = (name: string) => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  ports: [{port: 80, targetPort: 8080}]
`;
const readySlice = (name: string, ip: string) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}-1
  labels: {kubernetes.io/service-name: ${name}}
addressType: IPv4
ports: [{port: 8080}]
endpoints: [{addresses: ["${ip}"], conditions: {ready: true}}]
`;

const annotation = (name: string) => `{.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/${name}}`;

for (const backend of testBackends()) {
  describe(`skiff canary on the seed's Ingress pair (${backend})`, { concurrency: 1 }, () => {
    let c: TestCluster;
    /** Runs `skiff canary ARGS` in the cluster's namespace; the cluster is found from KUBECONFIG unless ARGS say --kubeconfig. */
    const canary = (args: string[]): Promise<RunResult> =>
      c.netns.run(process.execPath, [skiffBin, 'canary', ...args], { env: { ...process.env, KUBECONFIG: c.kubeconfig } });
    const canaryOK = async (args: string[]): Promise<string> => {
      const r = await canary(args);
      assert.equal(r.code, 0, `skiff canary ${args.join(' ')}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    const get = (args: string[]) => c.kubectlOK(['get', ...args]);
    /** An Ingress's ingress-nginx annotations (kubectl apply's last-applied-configuration left out). */
    const nginxAnnotations = async (name: string): Promise<Record<string, string>> => {
      const all = JSON.parse((await get(['ingress', name, '-o', 'jsonpath={.metadata.annotations}'])) || '{}') as Record<string, string>;
      return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith('nginx.ingress.kubernetes.io/')));
    };

    before(async () => {
      c = await TestCluster.start({ backend });
      await c.kubectlOK(['apply', '--server-side', '-f', crds]);
      await c.kubectlOK(['wait', '--for', 'condition=Established', '--timeout=30s', 'crd/httproutes.gateway.networking.k8s.io', 'crd/gateways.gateway.networking.k8s.io']);
      await c.kubectlOK(['apply', '-f', '-'], { input: `${service('tomcat-stable')}---\n${service('tomcat-canary')}---\n${readySlice('tomcat-stable', '10.0.0.10')}` });
      await c.kubectlOK(['apply', '-f', seed('ingress.yaml')]);
    });
    after(async () => {
      await c?.stop();
    });

    test('status (cluster from KUBECONFIG): both Ingresses, backends, weight, header and cookie rules', async () => {
      const out = await canaryOK(['status', 'tomcat']);
      assert.match(out, /^Main ingress:\s+tomcat$/m);
      assert.match(out, /^Canary ingress:\s+tomcat-canary$/m);
      assert.match(out, /tomcat\.example\.test\/ \(Prefix\): main tomcat-stable:80, canary tomcat-canary:80/);
      assert.match(out, /^Weight:\s+20\/100 \(20% to the canary\)$/m);
      assert.match(out, /^Header:\s+X-Canary: "always" sends to the canary, "never" to the main$/m);
      assert.match(out, /^Cookie:\s+canary: "always" sends to the canary, "never" to the main$/m);
      assert.match(out, /^Recent requests: not available/m);
    });

    test('set-weight (cluster from --kubeconfig) sets canary-weight; out of range is refused and changes nothing', async () => {
      const r = await c.netns.run(process.execPath, [skiffBin, 'canary', 'set-weight', 'tomcat-canary', '50', '--kubeconfig', c.kubeconfig], { env: { ...process.env, KUBECONFIG: '/nonexistent' } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ingress\/tomcat-canary patched: canary-weight 50 of 100$/m);
      assert.equal(await get(['ingress', 'tomcat-canary', '-o', `jsonpath=${annotation('canary-weight')}`]), '50');
      const bad = await canary(['set-weight', 'tomcat', '101']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /canary-weight 101 is out of range: must be a whole number from 0 to 100 \(canary-weight-total\)/);
      assert.equal(await get(['ingress', 'tomcat-canary', '-o', `jsonpath=${annotation('canary-weight')}`]), '50');
      assert.equal((await canary(['set-weight', 'tomcat', 'lots'])).code, 2);
    });

    test('migrate -o yaml prints the Gateway API objects; migrate applies them', async () => {
      const printed = await canaryOK(['migrate', 'tomcat', '-o', 'yaml']);
      assert.match(printed, /kind: Gateway\n[\s\S]*gatewayClassName: skiff/);
      assert.match(printed, /name: Cookie\n\s+value: \(\^\|; \)canary=always\(;\|\$\)/);
      assert.match(await canaryOK(['migrate', 'tomcat']), /^httproute\.gateway\.networking\.k8s\.io\/tomcat applied$/m);
      assert.equal(await get(['gateway', 'tomcat', '-o', 'jsonpath={.spec.gatewayClassName} {.spec.listeners[0].hostname} {.spec.listeners[0].protocol}']), 'skiff tomcat.example.test HTTP');
      const route = JSON.parse(await get(['httproute', 'tomcat', '-o', 'json'])) as { spec: { rules: { matches: { headers?: { name: string; value: string }[] }[]; backendRefs: { name: string; weight?: number }[] }[] } };
      const weighted = route.spec.rules.at(-1)!;
      assert.deepEqual(weighted.backendRefs.map((b) => [b.name, b.weight]), [['tomcat-stable', 50], ['tomcat-canary', 50]]);
      assert.deepEqual(route.spec.rules.slice(0, -1).map((r) => [r.matches[0]!.headers![0]!.name, r.matches[0]!.headers![0]!.value, r.backendRefs[0]!.name]), [
        ['X-Canary', 'always', 'tomcat-canary'],
        ['X-Canary', 'never', 'tomcat-stable'],
        ['Cookie', '(^|; )canary=always(;|$)', 'tomcat-canary'],
        ['Cookie', '(^|; )canary=never(;|$)', 'tomcat-stable'],
      ]);
    });

    test('on httproute/NAME: status, set-weight and abort adjust the backendRefs weights', async () => {
      assert.match(await canaryOK(['status', 'httproute/tomcat']), /^Weight:\s+50\/100/m);
      await canaryOK(['set-weight', 'httproute/tomcat', '30']);
      assert.equal(await get(['httproute', 'tomcat', '-o', 'jsonpath={.spec.rules[4].backendRefs[*].weight}']), '70 30');
      await canaryOK(['abort', 'httproute/tomcat']);
      const rules = JSON.parse(await get(['httproute', 'tomcat', '-o', 'jsonpath={.spec.rules}'])) as { backendRefs: { name: string; weight?: number }[] }[];
      assert.deepEqual(rules.map((r) => r.backendRefs.map((b) => `${b.name}:${b.weight ?? 1}`).join(',')), ['tomcat-stable:1', 'tomcat-stable:1', 'tomcat-stable:100,tomcat-canary:0']);
    });

    test('abort on the Ingress: canary-weight 0, header and cookie rules removed', async () => {
      assert.match(await canaryOK(['abort', 'tomcat']), /ingress\/tomcat-canary patched: canary-weight 0, header and cookie rules removed/);
      assert.deepEqual(await nginxAnnotations('tomcat-canary'), { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '0' });
    });

    test('promote refuses while the canary Service has no ready endpoints, and changes nothing', async () => {
      await canaryOK(['set-weight', 'tomcat', '20']);
      const r = await canary(['promote', 'tomcat', '--settle=0']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /service "tomcat-canary" has no ready endpoints/);
      assert.equal(await get(['ingress', '-o', 'jsonpath={.items[*].metadata.name}']), 'tomcat tomcat-canary');
      assert.equal(await get(['ingress', 'tomcat-canary', '-o', `jsonpath=${annotation('canary-weight')}`]), '20');
    });

    test("promote reaches the seed's end state: the former canary, plain, routes to v2; the old Ingress and Service are gone", async () => {
      await c.kubectlOK(['apply', '-f', '-'], { input: readySlice('tomcat-canary', '10.0.0.20') });
      const out = await canaryOK(['promote', 'tomcat', '--settle=0']);
      assert.deepEqual(out.trim().split('\n').map((l) => l.slice(0, l.indexOf(':'))), [
        'ingress/tomcat-canary patched',
        'ingress/tomcat patched',
        'ingress/tomcat-canary patched',
        'ingress/tomcat deleted',
        'service/tomcat-stable deleted',
      ]);
      assert.equal(await get(['ingress', '-o', 'jsonpath={.items[*].metadata.name}']), 'tomcat-canary');
      assert.deepEqual(await nginxAnnotations('tomcat-canary'), {});
      assert.equal(await get(['ingress', 'tomcat-canary', '-o', 'jsonpath={.spec.rules[0].host} {.spec.rules[0].http.paths[0].backend.service.name}']), 'tomcat.example.test tomcat-canary');
      assert.equal(await get(['service', '-o', 'jsonpath={.items[*].metadata.name}']), 'kubernetes tomcat-canary');
      const gone = await c.kubectl(['get', 'service', 'tomcat-stable']);
      assert.match(gone.stderr, /services "tomcat-stable" not found/);
    });

    test('promote on httproute/NAME: canary weight 100, then the main backendRef dropped', async () => {
      await canaryOK(['set-weight', 'httproute/tomcat', '40']);
      await canaryOK(['promote', 'httproute/tomcat', '--settle=0']);
      const rules = JSON.parse(await get(['httproute', 'tomcat', '-o', 'jsonpath={.spec.rules}'])) as { backendRefs: { name: string; weight?: number }[] }[];
      assert.deepEqual(rules.map((r) => r.backendRefs.map((b) => `${b.name}:${b.weight ?? 1}`).join(',')), ['tomcat-canary:1', 'tomcat-canary:1', 'tomcat-canary:100']);
    });
  });
}
