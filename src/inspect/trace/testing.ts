/**
 * The seed's objects as a cluster would hold them, for the trace's tests: two nodes, a client
 * pod, the seed's `tomcat-redis` pod behind `cluster-service-test` (abc 80→8080, redis 99→6379,
 * ClusterIP 10.170.11.11), a Service selecting nothing, the seed's StatefulSet `web` behind the
 * headless `nginx`, and the seed's Ingress `tomcat` with its canary twin.
 */
import type { Container, Namespace, Node, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { emptySnapshot, type ClusterSnapshot } from '../snapshot.js';

function node(name: string, ip: string, podCIDR: string): Node {
  return {
    metadata: { name },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }], conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** A running, ready pod with these containers. */
export function runningPod(name: string, ip: string, nodeName: string, labels: Record<string, string>, containers: Container[], extra: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { namespace: 'default', name, labels },
    spec: { nodeName, containers, ...extra },
    status: {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: containers.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } })),
    },
  };
}

function service(name: string, clusterIP: string, selector: Record<string, string> | undefined, ports: ServicePort[], namespace = 'default'): Service {
  return { metadata: { namespace, name }, spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ...(selector ? { selector } : {}), ports } };
}

/** The EndpointSlice the controller writes for `svc` over `pods` (ports as given: name → number). */
export function sliceFor(svc: Service, pods: Pod[], ports: { name?: string; port: number; protocol?: string }[], ready = true): EndpointSlice {
  return {
    metadata: { namespace: svc.metadata?.namespace, name: `${svc.metadata?.name}-abcde`, labels: { 'kubernetes.io/service-name': svc.metadata?.name ?? '' } },
    addressType: 'IPv4',
    endpoints: pods.map((p) => ({
      addresses: [p.status?.podIP ?? ''],
      conditions: { ready, serving: ready, terminating: false },
      nodeName: p.spec?.nodeName,
      ...(p.spec?.hostname && p.spec.subdomain === svc.metadata?.name ? { hostname: p.spec.hostname } : {}),
      targetRef: { kind: 'Pod', namespace: p.metadata?.namespace, name: p.metadata?.name },
    })),
    ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

const busybox = (name: string): Container => ({ name, image: 'busybox' });

/** The seed's snapshot (see the file's comment). */
export function seedSnapshot(): ClusterSnapshot {
  const client = runningPod('client', '10.42.0.5', 'node-a', { app: 'client' }, [busybox('client')]);
  const tomcatRedis = runningPod('tomcat-redis', '10.42.1.9', 'node-b', { app: 'canary-tomcat' }, [
    { name: 'tomcat-container', image: 'tomcat', ports: [{ containerPort: 8080, protocol: 'TCP' }] },
    { name: 'redis-container', image: 'redis', ports: [{ containerPort: 6379, protocol: 'TCP' }] },
  ]);
  const web = [0, 1].map((i) => runningPod(`web-${i}`, `10.42.${i}.${20 + i}`, i === 0 ? 'node-a' : 'node-b', { app: 'nginx' }, [{ name: 'nginx', image: 'nginx:1.22', ports: [{ name: 'web', containerPort: 80, protocol: 'TCP' }] }], { hostname: `web-${i}`, subdomain: 'nginx' }));
  const stable = runningPod('tomcat-stable-7d9f-abcde', '10.42.1.30', 'node-b', { app: 'tomcat', track: 'stable' }, [{ name: 'tomcat-container', image: 'tomcat:v1', ports: [{ containerPort: 8080, protocol: 'TCP' }] }]);
  const canary = runningPod('tomcat-canary-5c6b-fghij', '10.42.0.31', 'node-a', { app: 'tomcat', track: 'canary' }, [{ name: 'tomcat-container', image: 'tomcat:v2', ports: [{ containerPort: 8080, protocol: 'TCP' }] }]);

  const kubeDns = service('kube-dns', '10.170.0.10', undefined, [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 5353 }], 'kube-system');
  const kubeDnsSlice: EndpointSlice = {
    metadata: { namespace: 'kube-system', name: 'kube-dns', labels: { 'kubernetes.io/service-name': 'kube-dns' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['192.168.77.1'], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5353, protocol: 'TCP' }],
  };
  const clusterServiceTest = service('cluster-service-test', '10.170.11.11', { app: 'canary-tomcat' }, [
    { name: 'abc', port: 80, targetPort: 8080, protocol: 'TCP' },
    { name: 'redis', port: 99, targetPort: 6379, protocol: 'TCP' },
  ]);
  const nothing = service('nothing', '10.170.11.20', { app: 'nothing-has-this' }, [{ port: 80, targetPort: 8080, protocol: 'TCP' }]);
  const nginx = service('nginx', 'None', { app: 'nginx' }, [{ name: 'web', port: 80, targetPort: 'web', protocol: 'TCP' }]);
  nginx.spec!.clusterIPs = ['None'];
  const tomcatStable = service('tomcat-stable', '10.170.11.30', { app: 'tomcat', track: 'stable' }, [{ port: 80, targetPort: 8080, protocol: 'TCP' }]);
  const tomcatCanary = service('tomcat-canary', '10.170.11.31', { app: 'tomcat', track: 'canary' }, [{ port: 80, targetPort: 8080, protocol: 'TCP' }]);

  const nginxClass: IngressClass = { metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8s.io/ingress-nginx' } };
  const ingress = (name: string, backend: string, annotations: Record<string, string> = {}): Ingress => ({
    metadata: { namespace: 'default', name, annotations, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      ingressClassName: 'nginx',
      rules: [{ host: 'tomcat.example.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: backend, port: { number: 80 } } } }] } }],
    },
    status: { loadBalancer: { ingress: [{ ip: '192.168.77.1' }] } },
  });
  const namespaces: Namespace[] = ['default', 'kube-system'].map((name) => ({ metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } }));

  return {
    ...emptySnapshot(Date.parse('2026-01-01T00:00:00Z')),
    namespaces,
    nodes: [node('node-a', '192.168.77.1', '10.42.0.0/24'), node('node-b', '192.168.77.2', '10.42.1.0/24')],
    pods: [client, tomcatRedis, ...web, stable, canary],
    services: [kubeDns, clusterServiceTest, nothing, nginx, tomcatStable, tomcatCanary],
    endpointSlices: [
      kubeDnsSlice,
      sliceFor(clusterServiceTest, [tomcatRedis], [{ name: 'abc', port: 8080 }, { name: 'redis', port: 6379 }]),
      sliceFor(nginx, web, [{ name: 'web', port: 80 }]),
      sliceFor(tomcatStable, [stable], [{ port: 8080 }]),
      sliceFor(tomcatCanary, [canary], [{ port: 8080 }]),
    ],
    ingressClasses: [nginxClass],
    ingresses: [
      ingress('tomcat', 'tomcat-stable'),
      ingress('tomcat-canary', 'tomcat-canary', {
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '20',
        'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
        'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary',
      }),
    ],
  };
}
