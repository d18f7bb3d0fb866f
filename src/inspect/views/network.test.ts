import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { fixturePod, seedNetworkSnapshot, xmlProblems } from '../seed-fixtures/testing.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { assertGolden } from '../testing.js';
import { networkView, type NetworkModel } from './network.js';

function model(snapshot: ClusterSnapshot, params: Record<string, string> = {}): NetworkModel {
  const m = networkView.select(snapshot, params);
  assert.ok(m);
  return m;
}

function renderChecked(m: NetworkModel, goldenName: string): string {
  const svg = networkView.render(m);
  assert.deepEqual(xmlProblems(svg), []);
  for (const g of svg.matchAll(/<g [^>]*>/g)) assert.match(g[0], /aria-label="[^"]+"/, 'every group has an aria-label');
  assertGolden(goldenName, svg);
  return svg;
}

const policy = (name: string, namespace: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

/**
 * The seed plus walls: default denies all ingress in `default`, the tomcat pods let anyone in on
 * 8080, the client may only talk to tomcat on 8080 and to DNS in kube-system; a DNS pod in
 * kube-system and a pod still waiting for a node.
 */
function walledSnapshot(): ClusterSnapshot {
  const s = seedNetworkSnapshot();
  s.namespaces = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } },
  ];
  s.pods.push(fixturePod({ name: 'dns-5c7b9', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, node: 'node-b', ip: '10.244.2.2', containers: [{ name: 'dns', image: 'skiff' }] }));
  s.pods.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'batch-q8v2c', namespace: 'default', labels: { app: 'batch' } }, spec: { containers: [{ name: 'batch', image: 'busybox' }] }, status: { phase: 'Pending' } });
  s.networkPolicies = [
    policy('default-deny-ingress', 'default', { podSelector: {}, policyTypes: ['Ingress'] }),
    policy('tomcat-8080', 'default', { podSelector: { matchLabels: { app: 'canary-tomcat' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 8080 }] }] }),
    policy('client-out', 'default', {
      podSelector: { matchLabels: { run: 'client' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ podSelector: { matchLabels: { app: 'canary-tomcat' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }] },
        { to: [{ ipBlock: { cidr: '192.168.50.0/24', except: ['192.168.50.200/32'] } }] },
      ],
    }),
  ];
  return s;
}

describe('network view', () => {
  test("the seed's flat network: two nodes with their pod CIDRs, pods with their IPs, Services above, all connected", () => {
    const m = model(seedNetworkSnapshot(), { namespace: 'default' });
    assert.deepEqual(m.nodes.map((n) => [n.name, n.podCIDRs, n.addresses, n.pods.map((p) => `${p.name} ${p.ip}`)]), [
      ['node-a', ['10.244.1.0/24'], ['InternalIP 192.168.50.11'], ['tomcat-canary-7b4d9f6c8-x7k2p 10.244.1.24', 'tomcat-redis 10.244.1.5', 'tomcat-stable-6f9c8d7b5-r8t3w 10.244.1.23', 'tomcat-stable-6f9c8d7b5-x7k2p 10.244.1.21']],
      ['node-b', ['10.244.2.0/24'], ['InternalIP 192.168.50.12'], ['client 10.244.2.9', 'tomcat-stable-6f9c8d7b5-m4q9z 10.244.2.22']],
    ]);
    assert.deepEqual(m.services.map((s) => `${s.name} ${s.clusterIP} ${s.ports.join(',')} → ${s.endpoints.length}`), [
      'cluster-service-02 10.170.11.88 80→8080/TCP → 4',
      'cluster-service-test 10.170.11.11 80→8080/TCP,99→6379/TCP → 1',
      'tomcat-canary 10.170.12.20 80→8080/TCP → 1',
      'tomcat-stable 10.170.12.10 80→8080/TCP → 3',
    ]);
    const text = networkView.describe(m);
    assert.match(text, /Every pod reaches every pod and every Service directly, across nodes, unless a NetworkPolicy selects it\./);
    assert.match(text, /Node node-a \(Ready\): InternalIP 192\.168\.50\.11; pod CIDR 10\.244\.1\.0\/24; 4 pod\(s\):\n {2}- pod tomcat-canary-7b4d9f6c8-x7k2p 10\.244\.1\.24, ready, open to all/);
    assert.match(text, /Service cluster-service-test: 10\.170\.11\.11, ports 80→8080\/TCP, 99→6379\/TCP; endpoints tomcat-redis\./);
    renderChecked(m, 'network-seed.svg');
  });

  test('NetworkPolicies are walls: who they select, who may pass on which ports, deny all', () => {
    const m = model(walledSnapshot());
    const pod = (name: string) => [...m.nodes.flatMap((n) => n.pods), ...m.unscheduled].find((p) => p.name === name);
    assert.deepEqual(pod('tomcat-redis')?.ingressWalls, ['default/default-deny-ingress']);
    assert.deepEqual(pod('tomcat-stable-6f9c8d7b5-m4q9z')?.ingressWalls, ['default/default-deny-ingress', 'default/tomcat-8080']);
    assert.deepEqual([pod('client')?.ingressWalls, pod('client')?.egressWalls], [['default/default-deny-ingress'], ['default/client-out']]);
    assert.deepEqual(pod('dns-5c7b9')?.ingressWalls, [], 'policies of default do not reach kube-system');
    assert.deepEqual(m.unscheduled.map((p) => p.name), ['batch-q8v2c']);
    const out = m.policies.find((p) => p.name === 'client-out');
    assert.equal(out?.ingress, undefined);
    assert.deepEqual(out?.egress?.map((r) => [r.peers, r.ports, r.peerPods.length]), [
      [['pods app=canary-tomcat in default'], ['TCP 8080'], 4],
      [['pods k8s-app=kube-dns in namespaces kubernetes.io/metadata.name=kube-system'], ['UDP 53'], 1],
      [['addresses 192.168.50.0/24 except 192.168.50.200/32'], [], 0],
    ]);
    const text = networkView.describe(m);
    assert.match(text, /default\/default-deny-ingress selects all pods \(7 pod\(s\): [^)]*\); ingress denied \(no rule allows any\); egress not restricted\./);
    assert.match(text, /default\/client-out selects run=client \(1 pod\(s\): default\/client\); ingress not restricted; egress allowed only to pods app=canary-tomcat in default on TCP 8080 \(now: [^)]*\); or to pods k8s-app=kube-dns in namespaces kubernetes\.io\/metadata\.name=kube-system on UDP 53 \(now: kube-system\/dns-5c7b9\); or to addresses 192\.168\.50\.0\/24 except 192\.168\.50\.200\/32 on any port\./);
    assert.match(text, /pod default\/client 10\.244\.2\.9, ready, ingress only as default\/default-deny-ingress allows; egress only as default\/client-out allows/);
    assert.match(text, /Not on a node: 1 pod\(s\):\n {2}- pod default\/batch-q8v2c \(no IP yet\), not ready/);
    const svg = renderChecked(m, 'network-policies.svg');
    assert.match(svg, /aria-label="NetworkPolicy default\/default-deny-ingress selects all pods/);
  });

  test('one namespace shows its pods, Services and policies only; the nodes are always drawn', () => {
    const m = model(walledSnapshot(), { namespace: 'kube-system' });
    assert.deepEqual(m.nodes.map((n) => [n.name, n.pods.map((p) => p.name)]), [['node-a', []], ['node-b', ['dns-5c7b9']]]);
    assert.deepEqual([m.services, m.policies, m.unscheduled], [[], [], []]);
    assert.deepEqual(networkView.links(m), [{ view: 'pod', params: { namespace: 'kube-system', name: 'dns-5c7b9' } }]);
    assert.deepEqual(networkView.instances?.(walledSnapshot()), [{}, { namespace: 'default' }, { namespace: 'kube-system' }]);
    assert.deepEqual(xmlProblems(networkView.render(m)), []);
  });

  test('what the user may not list is said; the same state in another order draws the same bytes', () => {
    const s = { ...walledSnapshot(), forbidden: ['nodes'], nodes: [] };
    assert.match(networkView.describe(model(s)), /Not shown: you may not list nodes\./);
    const w = walledSnapshot();
    const shuffled = { ...w, pods: [...w.pods].reverse(), services: [...w.services].reverse(), networkPolicies: [...w.networkPolicies].reverse(), nodes: [...w.nodes].reverse() };
    assert.equal(networkView.render(model(shuffled)), networkView.render(model(w)));
  });
});
