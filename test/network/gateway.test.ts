/**
 * Gateway API on real nodes, driven by real kubectl and curl: the GatewayClass skiff that
 * `skiff server` creates, a Gateway with an HTTP listener, and the seed's canary written as an
 * HTTPRoute (weights 80/20, a header match `canary: always`, weights changed in place); a
 * route to a missing Service answers 500 for its share with ResolvedRefs False/BackendNotFound.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterPolling } from '../harness/cluster.js';
import { testImages } from '../harness/images.js';
import { waitFor } from '../../src/testing/wait.js';
import { canRunNodes, TwoNodeCluster } from './two-node-cluster.js';

const host = 'gw.example.com';

const version = (v: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: tomcat-${v}}
spec:
  replicas: 1
  selector: {matchLabels: {app: tomcat, version: ${v}}}
  template:
    metadata: {labels: {app: tomcat, version: ${v}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: tomcat, image: ${v === 'v1' ? testImages.tomcatV1 : testImages.tomcatV2}, imagePullPolicy: IfNotPresent, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: tomcat-${v}}
spec:
  selector: {app: tomcat, version: ${v}}
  ports: [{name: http, port: 80, targetPort: 8080}]
`;

const gateway = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web}
spec:
  gatewayClassName: skiff
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
`;

const canaryRoute = (w1: number, w2: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: tomcat}
spec:
  parentRefs: [{name: web}]
  hostnames: [${host}]
  rules:
  - matches: [{headers: [{name: canary, value: always}]}]
    backendRefs: [{name: tomcat-v2, port: 80}]
  - backendRefs:
    - {name: tomcat-v1, port: 80, weight: ${w1}}
    - {name: tomcat-v2, port: 80, weight: ${w2}}
`;

describe('Gateway API on real nodes (nginx on the server node)', { skip: canRunNodes ? false : 'needs root, containerd and runc' }, () => {
  let cluster: TwoNodeCluster | undefined;
  const c = (): TwoNodeCluster => {
    assert.ok(cluster);
    return cluster;
  };
  const kubectlOK = (args: string[], input?: string) => c().kubectlOK(args, input);
  const curl = async (args: string[]) => c().server.netns.run('curl', ['-sS', '--max-time', '10', ...args], { timeoutMs: 120_000 });
  /** Per request `code body`, of `n` requests on one connection. */
  const answers = async (n: number, extra: string[] = [], hostName = host): Promise<string[]> => {
    const r = await curl(['-H', `Host: ${hostName}`, ...extra, '-w', '%{http_code}\\n', '-o', '/dev/null', `http://${c().server.ip}/?n=[1-${n}]`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  const bodies = async (n: number, extra: string[] = []): Promise<string[]> => {
    const r = await curl(['-H', `Host: ${host}`, ...extra, `http://${c().server.ip}/?n=[1-${n}]`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  const waitRunning = async (selector: string, count: number) => {
    await waitFor(`${count} pods ${selector} ready`, async () => {
      const out = await kubectlOK(['get', 'pods', '-l', selector, '-o', 'jsonpath={range .items[*]}{.status.containerStatuses[*].ready}{"\\n"}{end}']);
      const lines = out.split('\n').filter((l) => l !== '');
      return lines.length === count && lines.every((l) => l === 'true');
    }, { ...clusterPolling, timeoutMs: 120_000, intervalMs: 500 });
  };
  const shareOfV2 = async (): Promise<number> => {
    const all = await bodies(500);
    assert.equal(all.length, 500);
    const v2 = all.filter((b) => b === 'tomcat v2').length;
    assert.equal(all.filter((b) => b === 'tomcat v1').length + v2, 500, `unexpected answers: ${[...new Set(all)].join(', ')}`);
    return v2;
  };

  before(async () => {
    cluster = await TwoNodeCluster.start({ serverArgs: ['--service-cidr', '10.172.0.0/16', '--dns-upstream', 'none'] });
    try {
      await kubectlOK(['apply', '-f', '-'], version('v1') + '---' + version('v2'));
      await waitRunning('app=tomcat', 2);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${c().logs()}`);
    }
  });

  after(async () => {
    if (process.env.SKIFF_TEST_VERBOSE) console.error(cluster?.logs());
    await cluster?.remove();
  });

  test('the GatewayClass skiff is there and Accepted; a Gateway gets Accepted, Programmed and the node address', async () => {
    await waitFor('GatewayClass skiff accepted', async () => (await c().kubectl(['get', 'gatewayclass', 'skiff', '-o', 'jsonpath={.status.conditions[?(@.type=="Accepted")].status}'])).stdout === 'True', { ...clusterPolling, timeoutMs: 60_000 });
    await kubectlOK(['apply', '-f', '-'], gateway);
    await waitFor('Gateway programmed', async () => (await kubectlOK(['get', 'gateway', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Programmed")].status} {.status.addresses[*].value}'])) === `True ${c().server.ip}`, { ...clusterPolling, timeoutMs: 60_000 });
  });

  test('an HTTPRoute canary with weights 80/20: 20% +/- 6% of 500 requests reach v2; header canary: always sends all to v2', async () => {
    await kubectlOK(['apply', '-f', '-'], canaryRoute(80, 20));
    await waitFor('v2 through the header match', async () => (await bodies(1, ['-H', 'canary: always']))[0] === 'tomcat v2', { ...clusterPolling, timeoutMs: 60_000 });
    const v2 = await shareOfV2();
    assert.ok(v2 >= 70 && v2 <= 130, `${v2} of 500 reached v2 (want 100 +/- 30)`);
    assert.deepEqual(new Set(await bodies(50, ['-H', 'canary: always'])), new Set(['tomcat v2']));
    const attached = await kubectlOK(['get', 'gateway', 'web', '-o', 'jsonpath={.status.listeners[0].attachedRoutes}']);
    assert.equal(attached, '1');
    const parent = await kubectlOK(['get', 'httproute', 'tomcat', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status} {.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}']);
    assert.equal(parent, 'True True');
  });

  test('changing the weights takes effect: 0/100 then 50/50', async () => {
    await kubectlOK(['apply', '-f', '-'], canaryRoute(0, 100));
    await waitFor('all to v2', async () => new Set(await bodies(30)).size === 1 && (await bodies(1))[0] === 'tomcat v2', { ...clusterPolling, timeoutMs: 60_000 });
    assert.equal(await shareOfV2(), 500);
    await kubectlOK(['apply', '-f', '-'], canaryRoute(50, 50));
    await waitFor('both versions answer', async () => new Set(await bodies(40)).size === 2, { ...clusterPolling, timeoutMs: 60_000 });
    const v2 = await shareOfV2();
    assert.ok(v2 >= 220 && v2 <= 280, `${v2} of 500 reached v2 (want 250 +/- 30)`);
  });

  test('a backendRef to a missing Service: its share is answered 500, and ResolvedRefs is False/BackendNotFound', async () => {
    await kubectlOK(['apply', '-f', '-'], `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ghost}
spec:
  parentRefs: [{name: web}]
  hostnames: [ghost.example.com]
  rules:
  - backendRefs:
    - {name: tomcat-v1, port: 80, weight: 50}
    - {name: ghost, port: 80, weight: 50}
`);
    await waitFor('ResolvedRefs False', async () => (await kubectlOK(['get', 'httproute', 'ghost', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}/{.status.parents[0].conditions[?(@.type=="ResolvedRefs")].reason}'])) === 'False/BackendNotFound', { ...clusterPolling, timeoutMs: 60_000 });
    await waitFor('the ghost host answers', async () => (await answers(10, [], 'ghost.example.com')).includes('200'), { ...clusterPolling, timeoutMs: 60_000 });
    const codes = await answers(200, [], 'ghost.example.com');
    assert.deepEqual(new Set(codes), new Set(['200', '500']));
    const errors = codes.filter((x) => x === '500').length;
    assert.ok(errors >= 70 && errors <= 130, `${errors} of 200 answered 500 (want 100 +/- 30)`);
  });
});
