import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import { fixturePod, fixtureService, fixtureSlice, seedNetworkSnapshot, xmlProblems } from '../seed-fixtures/testing.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { assertGolden } from '../testing.js';
import { serviceView, type ServiceViewModel } from './service.js';

function model(snapshot: ClusterSnapshot, name: string, namespace = 'default'): ServiceViewModel {
  const m = serviceView.select(snapshot, { namespace, name });
  assert.ok(m, `Service ${namespace}/${name} found`);
  return m;
}

/** Renders, checks the SVG is well-formed and labelled, and compares it with its golden file. */
function renderChecked(m: ServiceViewModel, goldenName: string): string {
  const svg = serviceView.render(m);
  assert.deepEqual(xmlProblems(svg), []);
  assert.match(svg, /^<svg [^>]*role="img"/);
  for (const g of svg.matchAll(/<g [^>]*>/g)) assert.match(g[0], /aria-label="[^"]+"/, 'every group has an aria-label');
  assertGolden(goldenName, svg);
  return svg;
}

/** The demo's tomcat-redis: container-03 also wants 8080, so the pod is never Ready and the Service publishes not-ready addresses. */
function notReadySnapshot(): ClusterSnapshot {
  const s = seedNetworkSnapshot();
  const pod = fixturePod({
    name: 'tomcat-redis',
    labels: { app: 'tomcat-redis' },
    node: 'node-a',
    ip: '10.244.1.5',
    ready: false,
    containers: [
      { name: 'tomcat-container', image: 'tomcat', ports: [{ containerPort: 8080, protocol: 'TCP' }] },
      { name: 'redis-container', image: 'redis', ports: [{ containerPort: 6379, protocol: 'TCP' }] },
      { name: 'container-03', image: 'tomcat', ports: [{ containerPort: 8080, protocol: 'TCP' }] },
    ],
  });
  const service = s.services.find((x) => x.metadata?.name === 'cluster-service-test') as Service;
  return {
    ...s,
    pods: s.pods.map((p) => (p.metadata?.name === 'tomcat-redis' ? pod : p)),
    endpointSlices: s.endpointSlices.map((e) => (e.metadata?.labels?.['kubernetes.io/service-name'] === 'cluster-service-test' ? fixtureSlice(service, [8080, 6379], [{ pod, ready: false }]) : e)),
  };
}

describe('service view', () => {
  test("the seed's port question: 80 (abc) → 8080 → tomcat, 99 (redis) → 6379 → redis, 6379 on the ClusterIP refused", () => {
    const m = model(seedNetworkSnapshot(), 'cluster-service-test');
    assert.deepEqual(m.clusterIPs, ['10.170.11.11']);
    assert.deepEqual(m.ports.map((p) => [p.name, p.port, p.targetPort, p.endpoints.map((e) => `${e.pod}:${e.port}:${e.containers.join('+')}:${e.ready}`)]), [
      ['abc', 80, '8080', ['tomcat-redis:8080:tomcat-container:true']],
      ['redis', 99, '6379', ['tomcat-redis:6379:redis-container:true']],
    ]);
    assert.deepEqual(m.refused.map((r) => [r.port, r.useInstead]), [[6379, ['99 (redis → 6379)']], [8080, ['80 (abc → 8080)']]]);
    const text = serviceView.describe(m);
    assert.match(text, /^Service default\/cluster-service-test: type ClusterIP, ClusterIP 10\.170\.11\.11, selector app=tomcat-redis\./);
    assert.match(text, /Port abc: 10\.170\.11\.11:80\/TCP → targetPort 8080 → 1 endpoint\(s\):\n {2}- pod tomcat-redis 10\.244\.1\.5:8080 on node-a, ready, container tomcat-container/);
    assert.match(text, /10\.170\.11\.11:6379\/TCP is refused: 6379 is the port of redis-container in tomcat-redis, not a Service port; use 99 \(redis → 6379\)\./);
    const svg = renderChecked(m, 'service-seed-ports.svg');
    assert.match(svg, /aria-label="10\.170\.11\.11:6379\/TCP is refused: /);
    assert.match(svg, /class="edge refused"/);
  });

  test('a Service whose pods come from two Deployments: four endpoints with their measured share of connections', () => {
    const s = seedNetworkSnapshot();
    const backend = (ip: string) => `default/cluster-service-02/${ip}:8080`;
    s.traffic = [
      { source: 'service', backend: backend('10.244.1.21'), count: 30, windowSeconds: 60 },
      { source: 'service', backend: backend('10.244.2.22'), count: 25, windowSeconds: 60 },
      { source: 'service', backend: backend('10.244.1.23'), count: 25, windowSeconds: 60 },
      { source: 'service', backend: backend('10.244.1.24'), count: 20, windowSeconds: 60 },
      { source: 'ingress', backend: 'default/cluster-service-02', count: 999, windowSeconds: 60 },
    ];
    const m = model(s, 'cluster-service-02');
    const endpoints = m.ports[0]?.endpoints ?? [];
    assert.deepEqual(endpoints.map((e) => [e.pod, e.measured?.share]), [
      ['tomcat-canary-7b4d9f6c8-x7k2p', 0.2],
      ['tomcat-stable-6f9c8d7b5-m4q9z', 0.25],
      ['tomcat-stable-6f9c8d7b5-r8t3w', 0.25],
      ['tomcat-stable-6f9c8d7b5-x7k2p', 0.3],
    ]);
    assert.deepEqual(m.refused.map((r) => [r.port, r.declaredBy.length, r.useInstead]), [[8080, 4, ['80 (→ 8080)']]]);
    assert.match(serviceView.describe(m), /pod tomcat-canary-7b4d9f6c8-x7k2p 10\.244\.1\.24:8080 on node-a, ready, container tomcat-container, 20% of connections \(20 in 60 s\)/);
    assert.deepEqual(serviceView.links(m).filter((l) => l.view !== 'pod'), [
      { view: 'workload', params: { namespace: 'default', kind: 'Deployment', name: 'tomcat-canary' } },
      { view: 'workload', params: { namespace: 'default', kind: 'Deployment', name: 'tomcat-stable' } },
      { view: 'canary', params: { namespace: 'default', kind: 'service', name: 'cluster-service-02' } },
      { view: 'network', params: { namespace: 'default' } },
    ]);
    renderChecked(m, 'service-measured-shares.svg');
  });

  test('a LoadBalancer Service shows its NodePorts on every node address and its load balancer address', () => {
    const s = seedNetworkSnapshot();
    const svc = s.services.find((x) => x.metadata?.name === 'cluster-service-test') as Service;
    svc.spec = { ...svc.spec, type: 'LoadBalancer', ports: (svc.spec?.ports ?? []).map((p, i) => ({ ...p, nodePort: 30080 + i })) };
    (svc as { status?: Service['status'] }).status = { loadBalancer: { ingress: [{ ip: '192.168.50.200' }] } };
    const m = model(s, 'cluster-service-test');
    assert.deepEqual(m.ports[0]?.external, ['192.168.50.11:30080 (NodePort, node-a)', '192.168.50.12:30080 (NodePort, node-b)', '192.168.50.200:80 (LoadBalancer)']);
    assert.match(serviceView.describe(m), /also reachable at 192\.168\.50\.12:30081 \(NodePort, node-b\)/);
    renderChecked(m, 'service-loadbalancer.svg');
  });

  test('a pod that is not ready is still drawn (publishNotReadyAddresses) and two containers declaring 8080 are named', () => {
    const m = model(notReadySnapshot(), 'cluster-service-test');
    const abc = m.ports[0]?.endpoints[0];
    assert.equal(abc?.ready, false);
    assert.deepEqual(abc?.containers, ['tomcat-container', 'container-03']);
    const text = serviceView.describe(m);
    assert.match(text, /pod tomcat-redis 10\.244\.1\.5:8080 on node-a, not ready, containers tomcat-container and container-03 both declare it/);
    assert.match(text, /10\.170\.11\.11:8080\/TCP is refused: 8080 is the port of tomcat-container in tomcat-redis, container-03 in tomcat-redis, not a Service port; use 80 \(abc → 8080\)\./);
    renderChecked(m, 'service-not-ready.svg');
  });

  test('a named targetPort resolves per pod, as the EndpointSlices publish it', () => {
    const s = seedNetworkSnapshot();
    const a = fixturePod({ name: 'web-a', labels: { app: 'web' }, node: 'node-a', ip: '10.244.1.40', containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] });
    const b = fixturePod({ name: 'web-b', labels: { app: 'web' }, node: 'node-b', ip: '10.244.2.40', containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 9090 }] }] });
    const svc = fixtureService('web', '10.170.13.1', { app: 'web' }, [{ name: 'web', port: 80, targetPort: 'http' }]);
    s.pods.push(a, b);
    s.services.push(svc);
    s.endpointSlices.push({ ...fixtureSlice(svc, [8080], [{ pod: a }]), metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } } });
    s.endpointSlices.push({ ...fixtureSlice(svc, [9090], [{ pod: b }]), metadata: { name: 'web-2', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } } });
    const m = model(s, 'web');
    assert.deepEqual(m.ports[0]?.endpoints.map((e) => `${e.pod}:${e.port}:${e.containers.join()}`), ['web-a:8080:web', 'web-b:9090:web']);
    assert.deepEqual(m.refused.map((r) => [r.port, r.useInstead]), [[8080, ['80 (web → http)']], [9090, ['80 (web → http)']]]);
  });

  test('a headless Service has no ClusterIP to refuse on; an ExternalName Service says what DNS answers', () => {
    const s = seedNetworkSnapshot();
    const headless = fixtureService('nginx', 'None', { app: 'tomcat-redis' }, [{ name: 'web', port: 80, targetPort: 8080 }]);
    headless.spec = { ...headless.spec, clusterIP: 'None', clusterIPs: ['None'] };
    const external: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'db.example.test' } };
    s.services.push(headless, external);
    s.endpointSlices.push(fixtureSlice(headless, [8080], [{ pod: s.pods.find((p) => p.metadata?.name === 'tomcat-redis')! }]));
    const h = model(s, 'nginx');
    assert.equal(h.headless, true);
    assert.deepEqual(h.refused, []);
    assert.match(serviceView.describe(h), /Port web: port 80\/TCP → targetPort 8080 → 1 endpoint/);
    const e = model(s, 'db');
    assert.match(serviceView.describe(e), /ExternalName: DNS answers with a CNAME for db\.example\.test; nothing is proxied\./);
    assert.deepEqual(xmlProblems(serviceView.render(e)), []);
  });

  test('what the user may not list is said, not silently missing', () => {
    const s = { ...seedNetworkSnapshot(), endpointSlices: [], forbidden: ['endpointslices'] };
    const m = model(s, 'cluster-service-test');
    assert.match(serviceView.describe(m), /Endpoints not shown: you may not list endpointslices\./);
    assert.match(serviceView.describe(m), /Port abc: 10\.170\.11\.11:80\/TCP → targetPort 8080 → no endpoints\./);
  });

  test('instances are every Service, sorted; the view asks for traffic', () => {
    assert.deepEqual(serviceView.instances?.(seedNetworkSnapshot()).map((p) => p.name), ['cluster-service-02', 'cluster-service-test', 'tomcat-canary', 'tomcat-stable']);
    assert.equal(serviceView.usesTraffic, true);
  });

  test('an unknown Service selects nothing; the same state in another order draws the same bytes', () => {
    assert.equal(serviceView.select(seedNetworkSnapshot(), { namespace: 'default', name: 'nope' }), undefined);
    const s = seedNetworkSnapshot();
    const shuffled = { ...s, pods: [...s.pods].reverse(), endpointSlices: [...s.endpointSlices].reverse(), nodes: [...s.nodes].reverse() };
    assert.equal(serviceView.render(model(shuffled, 'cluster-service-02')), serviceView.render(model(s, 'cluster-service-02')));
  });

  test('the Ingresses and routes that send to a Service are named and linked', () => {
    const m = model(seedNetworkSnapshot(), 'tomcat-canary');
    assert.deepEqual(m.routedBy, [{ kind: 'HTTPRoute', name: 'tomcat' }, { kind: 'Ingress', name: 'tomcat-canary' }]);
    assert.ok(serviceView.links(m).some((l) => l.view === 'ingress' && l.params.kind === 'ingress' && l.params.name === 'tomcat-canary'));
  });
});
