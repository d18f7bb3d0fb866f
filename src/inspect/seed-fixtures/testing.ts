/**
 * The seed's cluster as a snapshot, for the views' tests: the objects of the seed's pictures
 * (test/fixtures/seed/*.yaml and the demo's seed), with the state a running cluster gives them
 * (pod IPs on two nodes, EndpointSlices, ClusterIPs, an IngressClass). Namespace `default`.
 */
import type { Container, Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { emptySnapshot, type ClusterSnapshot } from '../snapshot.js';

/** A Node with one InternalIP and one pod CIDR, Ready. */
export function fixtureNode(name: string, internalIP: string, podCIDR: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: {
      addresses: [{ type: 'InternalIP', address: internalIP }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

/** Options of {@link fixturePod}. */
export interface FixturePod {
  name: string;
  labels: Record<string, string>;
  node: string;
  ip: string;
  containers: Container[];
  /** Default true. */
  ready?: boolean;
  /** A controller owner (kind, name). */
  owner?: { kind: string; name: string };
  namespace?: string;
}

/** A running pod on a node with an IP, Ready unless told. */
export function fixturePod(o: FixturePod): Pod {
  const ready = o.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: o.namespace ?? 'default',
      labels: o.labels,
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: `uid-${o.owner.name}`, controller: true }] } : {}),
    },
    spec: { nodeName: o.node, containers: o.containers },
    status: {
      phase: 'Running',
      podIP: o.ip,
      podIPs: [{ ip: o.ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

/** One endpoint of {@link fixtureSlice}. */
export interface FixtureEndpoint {
  pod: Pod;
  ready?: boolean;
}

/** The EndpointSlice the controller writes for a Service: one port entry per Service port, resolved to `portNumbers`. */
export function fixtureSlice(service: Service, portNumbers: number[], endpoints: FixtureEndpoint[]): EndpointSlice {
  const name = service.metadata?.name ?? '';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-abcde`, namespace: service.metadata?.namespace ?? 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    ports: (service.spec?.ports ?? []).map((p, i) => ({ name: p.name ?? '', port: portNumbers[i] ?? 0, protocol: p.protocol ?? 'TCP' })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.pod.status?.podIP ?? ''],
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false },
      nodeName: e.pod.spec?.nodeName ?? '',
      targetRef: { kind: 'Pod', name: e.pod.metadata?.name ?? '', namespace: e.pod.metadata?.namespace ?? 'default' },
    })),
  };
}

/** A ClusterIP Service. */
export function fixtureService(name: string, clusterIP: string, selector: Record<string, string>, ports: Array<{ name?: string; port: number; targetPort: number | string }>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      selector,
      ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort, protocol: 'TCP' })),
    },
  };
}

const tomcat = (name = 'tomcat-container', image = 'tomcat'): Container => ({ name, image, ports: [{ containerPort: 8080, protocol: 'TCP' }] });
const redis: Container = { name: 'redis-container', image: 'redis', ports: [{ containerPort: 6379, protocol: 'TCP' }] };

/** The two Deployments of the canary (Service edition), their ReplicaSets and pods: 3 stable, 1 canary. */
function canaryWorkloads(): { deployments: Deployment[]; replicaSets: ReplicaSet[]; pods: Pod[] } {
  const deployments: Deployment[] = [];
  const replicaSets: ReplicaSet[] = [];
  const pods: Pod[] = [];
  const tracks = [
    { track: 'stable', replicas: 3, hash: '6f9c8d7b5', image: 'tomcat:v1' },
    { track: 'canary', replicas: 1, hash: '7b4d9f6c8', image: 'tomcat:v2' },
  ];
  let ip = 21;
  for (const t of tracks) {
    const name = `tomcat-${t.track}`;
    const labels = { app: 'canary-tomcat', track: t.track };
    deployments.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { replicas: t.replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [tomcat('tomcat-container', t.image)] } } } });
    const rs = `${name}-${t.hash}`;
    replicaSets.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: rs, namespace: 'default', uid: `uid-${rs}`, labels: { ...labels, 'pod-template-hash': t.hash }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: `uid-${name}`, controller: true }] },
      spec: { replicas: t.replicas, selector: { matchLabels: labels } },
    });
    for (let i = 0; i < t.replicas; i += 1) {
      const node = i % 2 === 0 ? 'node-a' : 'node-b';
      pods.push(fixturePod({ name: `${rs}-${['x7k2p', 'm4q9z', 'r8t3w'][i] ?? String(i)}`, labels: { ...labels, 'pod-template-hash': t.hash }, node, ip: `10.244.${node === 'node-a' ? 1 : 2}.${ip}`, containers: [tomcat('tomcat-container', t.image)], owner: { kind: 'ReplicaSet', name: rs } }));
      ip += 1;
    }
  }
  return { deployments, replicaSets, pods };
}

/** The seed's Ingress pair (test/fixtures/seed/ingress.yaml): 80 % tomcat-stable, 20 % tomcat-canary, header X-Canary and cookie canary. */
export function seedIngressPair(): Ingress[] {
  const rule = (service: string) => [{ host: 'tomcat.example.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }];
  return [
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'tomcat', namespace: 'default' }, spec: { ingressClassName: 'nginx', rules: rule('tomcat-stable') } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'tomcat-canary',
        namespace: 'default',
        annotations: {
          'nginx.ingress.kubernetes.io/canary': 'true',
          'nginx.ingress.kubernetes.io/canary-weight': '20',
          'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
          'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary',
        },
      },
      spec: { ingressClassName: 'nginx', rules: rule('tomcat-canary') },
    },
  ];
}

/** The Gateway and HTTPRoute `skiff canary migrate` makes of the seed's Ingress pair (src/cli/canary/testdata/seed-migrate.yaml). */
export function seedGatewayObjects(): { gateway: KubeObject; route: KubeObject } {
  const prefix = { type: 'PathPrefix', value: '/' };
  const match = (name: string, value: string, type = 'Exact') => ({ path: prefix, headers: [{ type, name, value }] });
  const ref = (name: string, weight?: number) => ({ name, port: 80, ...(weight === undefined ? {} : { weight }) });
  return {
    gateway: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'tomcat', namespace: 'default' },
      spec: { gatewayClassName: 'skiff', listeners: [{ name: 'http', protocol: 'HTTP', port: 80, hostname: 'tomcat.example.test', allowedRoutes: { namespaces: { from: 'Same' } } }] },
      status: { addresses: [{ type: 'IPAddress', value: '192.168.50.11' }] },
    } as KubeObject,
    route: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'tomcat', namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'tomcat', sectionName: 'http' }],
        hostnames: ['tomcat.example.test'],
        rules: [
          { matches: [match('X-Canary', 'always')], backendRefs: [ref('tomcat-canary')] },
          { matches: [match('X-Canary', 'never')], backendRefs: [ref('tomcat-stable')] },
          { matches: [match('Cookie', '(^|; )canary=always(;|$)', 'RegularExpression')], backendRefs: [ref('tomcat-canary')] },
          { matches: [match('Cookie', '(^|; )canary=never(;|$)', 'RegularExpression')], backendRefs: [ref('tomcat-stable')] },
          { matches: [{ path: prefix }], backendRefs: [ref('tomcat-stable', 80), ref('tomcat-canary', 20)] },
        ],
      },
    } as KubeObject,
  };
}

/**
 * The seed's cluster: nodes node-a (192.168.50.11, 10.244.1.0/24) and node-b (192.168.50.12,
 * 10.244.2.0/24); pod `tomcat-redis` (tomcat 8080, redis 6379) behind `cluster-service-test`
 * (10.170.11.11: abc 80→8080, redis 99→6379); Deployments tomcat-stable (3) and tomcat-canary (1)
 * sharing `app: canary-tomcat` behind `cluster-service-02` (10.170.11.88: 80→8080) and each
 * behind its own Service for the Ingress pair `tomcat` / `tomcat-canary`; IngressClass nginx
 * (default); a `client` pod.
 */
export function seedNetworkSnapshot(now = Date.UTC(2026, 11, 5, 12, 0, 0)): ClusterSnapshot {
  const nodes = [fixtureNode('node-a', '192.168.50.11', '10.244.1.0/24'), fixtureNode('node-b', '192.168.50.12', '10.244.2.0/24')];
  const tomcatRedis = fixturePod({ name: 'tomcat-redis', labels: { app: 'tomcat-redis' }, node: 'node-a', ip: '10.244.1.5', containers: [tomcat(), redis] });
  const client = fixturePod({ name: 'client', labels: { run: 'client' }, node: 'node-b', ip: '10.244.2.9', containers: [{ name: 'client', image: 'busybox' }] });
  const { deployments, replicaSets, pods: canaryPods } = canaryWorkloads();
  const serviceTest = fixtureService('cluster-service-test', '10.170.11.11', { app: 'tomcat-redis' }, [{ name: 'abc', port: 80, targetPort: 8080 }, { name: 'redis', port: 99, targetPort: 6379 }]);
  const service02 = fixtureService('cluster-service-02', '10.170.11.88', { app: 'canary-tomcat' }, [{ port: 80, targetPort: 8080 }]);
  const stable = fixtureService('tomcat-stable', '10.170.12.10', { app: 'canary-tomcat', track: 'stable' }, [{ name: 'http', port: 80, targetPort: 8080 }]);
  const canary = fixtureService('tomcat-canary', '10.170.12.20', { app: 'canary-tomcat', track: 'canary' }, [{ name: 'http', port: 80, targetPort: 8080 }]);
  const track = (t: string) => canaryPods.filter((p) => p.metadata?.labels?.track === t).map((pod) => ({ pod }));
  const ingressClass: IngressClass = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
    spec: { controller: 'k8s.io/ingress-nginx' },
  };
  const { gateway, route } = seedGatewayObjects();
  return {
    ...emptySnapshot(now),
    nodes,
    pods: [client, tomcatRedis, ...canaryPods],
    services: [service02, serviceTest, canary, stable],
    endpointSlices: [
      fixtureSlice(serviceTest, [8080, 6379], [{ pod: tomcatRedis }]),
      fixtureSlice(service02, [8080], canaryPods.map((pod) => ({ pod }))),
      fixtureSlice(stable, [8080], track('stable')),
      fixtureSlice(canary, [8080], track('canary')),
    ],
    deployments,
    replicaSets,
    ingresses: seedIngressPair(),
    ingressClasses: [ingressClass],
    gateways: [gateway],
    httpRoutes: [route],
  };
}

/**
 * The well-formedness problems of an XML document (empty when well-formed): one root element,
 * tags nested and closed, attributes quoted and unique, text and attribute values free of raw
 * `<` and of `&` outside the predefined and numeric entities. Enough to pin that golden SVGs
 * parse in any XML reader, without a parser dependency.
 */
export function xmlProblems(doc: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const entity = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
  const checkText = (s: string, where: string): void => {
    for (let i = 0; i < s.length; i += 1) {
      if (s[i] === '<') problems.push(`raw < in ${where}`);
      if (s[i] === '&') {
        entity.lastIndex = i;
        if (!entity.test(s)) problems.push(`bare & in ${where}: ${s.slice(i, i + 12)}`);
      }
    }
  };
  let roots = 0;
  let i = 0;
  const body = doc.replace(/^<\?xml[^?]*\?>\s*/, '');
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const textPart = lt < 0 ? body.slice(i) : body.slice(i, lt);
    if (stack.length === 0 && textPart.trim() !== '') problems.push(`text outside the root: ${textPart.trim().slice(0, 20)}`);
    checkText(textPart, 'text');
    if (lt < 0) break;
    if (body.startsWith('<!--', lt)) {
      const end = body.indexOf('-->', lt);
      if (end < 0) return [...problems, 'unclosed comment'];
      i = end + 3;
      continue;
    }
    const gt = body.indexOf('>', lt);
    if (gt < 0) return [...problems, 'unclosed tag'];
    const tag = body.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const m = /^([A-Za-z_][\w.:-]*)([\s\S]*?)\/?$/.exec(tag);
    if (!m) {
      problems.push(`bad tag <${tag.slice(0, 20)}>`);
      continue;
    }
    const name = m[1] ?? '';
    const seen = new Set<string>();
    const rest = (m[2] ?? '').trim();
    const attr = /([A-Za-z_][\w.:-]*)="([^"]*)"\s*|([A-Za-z_][\w.:-]*)\s*/gy;
    let a: RegExpExecArray | null;
    let consumed = 0;
    while (consumed < rest.length && (a = attr.exec(rest)) !== null) {
      consumed = attr.lastIndex;
      const key = a[1] ?? a[3] ?? '';
      if (a[3] !== undefined) problems.push(`attribute ${key} of <${name}> has no quoted value`);
      if (seen.has(key)) problems.push(`attribute ${key} twice on <${name}>`);
      seen.add(key);
      checkText(a[2] ?? '', `attribute ${key}`);
    }
    if (consumed < rest.length) problems.push(`unparsable attributes on <${name}>: ${rest.slice(consumed, consumed + 20)}`);
    if (stack.length === 0) roots += 1;
    if (!selfClosing) stack.push(name);
  }
  if (stack.length > 0) problems.push(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
