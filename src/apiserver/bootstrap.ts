import { systemPriorityClasses } from './validation/policy.js';
import { StatusError } from '../apimachinery/errors.js';
import { jsonEqual, type KubeObject } from '../apimachinery/object.js';
import type { RestStore } from './rest-store.js';

/** What the objects every cluster starts with depend on. */
export interface BootstrapOptions {
  /** The `kubernetes` Service's ClusterIP: the first address of the service CIDR. */
  kubernetesServiceIP: string;
  /** The address and port the API server is reached at from pods. */
  endpointAddress: string;
  endpointPort: number;
  store: (group: string, version: string, plural: string) => RestStore;
  /**
   * The cluster DNS Service (`kube-system/kube-dns`) to create, at `serviceIP` (the kubelet's
   * `--cluster-dns`), with endpoints at `endpointAddress:endpointPort` where the DNS server
   * listens. Default: none (no DNS server runs).
   */
  clusterDNS?: { serviceIP: string; endpointPort: number };
  /**
   * The cluster's network settings nodes read at start, written as the data of the ConfigMap
   * `kube-system/skiff-cluster-config` ({@link clusterConfigMapName}); rewritten when changed.
   * Default: none.
   */
  clusterConfig?: Record<string, string>;
}

/** The ConfigMap in kube-system holding the cluster's network settings for joining nodes. */
export const clusterConfigMapName = 'skiff-cluster-config';

/** A port of a Service's endpoints that Skiff writes itself (no selector, no controller). */
interface FixedPort {
  name: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}

/** The namespaces that exist from the first start, as upstream's system namespaces controller makes them. */
export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(store: RestStore, namespace: string, obj: KubeObject): Promise<void> {
  try {
    await store.create(namespace, obj);
  } catch (err) {
    if (err instanceof StatusError && err.reason === 'AlreadyExists') return;
    throw err;
  }
}

/**
 * Creates what every cluster has: the system namespaces, the system PriorityClasses, the `kubernetes` Service in default
 * with its Endpoints and EndpointSlice pointing at the API server, and with `clusterDNS` the
 * `kube-system/kube-dns` Service likewise. Safe to run on every start (an address that changed
 * is rewritten).
 */
export async function bootstrapCluster(o: BootstrapOptions): Promise<void> {
  const namespaces = o.store('', 'v1', 'namespaces');
  for (const name of systemNamespaces) {
    await ensure(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  for (const pc of systemPriorityClasses) {
    await ensure(o.store('scheduling.k8s.io', 'v1', 'priorityclasses'), '', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: pc.name },
      value: pc.value,
      description: pc.description,
    });
  }
  await ensure(o.store('', 'v1', 'services'), 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: o.kubernetesServiceIP,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: o.endpointPort }],
      sessionAffinity: 'None',
    },
  });
  if (o.clusterDNS) {
    await ensure(o.store('', 'v1', 'services'), 'kube-system', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kube-dns',
        namespace: 'kube-system',
        labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KubeDNS' },
      },
      spec: {
        type: 'ClusterIP',
        clusterIP: o.clusterDNS.serviceIP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: o.clusterDNS.endpointPort },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: o.clusterDNS.endpointPort },
        ],
        sessionAffinity: 'None',
      },
    });
  }
  if (o.clusterConfig) {
    await ensureContent(o.store('', 'v1', 'configmaps'), 'kube-system', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: clusterConfigMapName, namespace: 'kube-system' },
      data: { ...o.clusterConfig },
    }, ['data']);
  }
  // Pods reach the API server and the DNS server at the advertised address; a loopback one is
  // no use to them (and upstream refuses it), so the endpoints wait for a routable address.
  if (/^127\./.test(o.endpointAddress) || o.endpointAddress === '::1') return;
  await ensureFixedEndpoints(o, 'default', 'kubernetes', [{ name: 'https', port: o.endpointPort, protocol: 'TCP' }]);
  if (o.clusterDNS) {
    const port = o.clusterDNS.endpointPort;
    await ensureFixedEndpoints(o, 'kube-system', 'kube-dns', [
      { name: 'dns', port, protocol: 'UDP' },
      { name: 'dns-tcp', port, protocol: 'TCP' },
    ]);
  }
}

/**
 * Writes the Endpoints and the EndpointSlice of a selector-less Service served at the API
 * server's own address, as upstream's endpoint reconciler does for `kubernetes`: both name the
 * Service, the Endpoints are not mirrored, and each is rewritten only when it changed.
 */
async function ensureFixedEndpoints(o: BootstrapOptions, namespace: string, name: string, ports: FixedPort[]): Promise<void> {
  const subsets = [{ addresses: [{ ip: o.endpointAddress }], ports: ports.map((p) => ({ ...p })) }];
  await ensureContent(o.store('', 'v1', 'endpoints'), namespace, {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets,
  }, ['subsets']);
  await ensureContent(o.store('discovery.k8s.io', 'v1', 'endpointslices'), namespace, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': name } },
    addressType: o.endpointAddress.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [o.endpointAddress], conditions: { ready: true, serving: true, terminating: false } }],
    ports: ports.map((p) => ({ ...p })),
  }, ['addressType', 'endpoints', 'ports']);
}

/** Creates `obj`, or rewrites the `fields` of the stored one when they differ. */
async function ensureContent(store: RestStore, namespace: string, obj: KubeObject, fields: string[]): Promise<void> {
  const name = obj.metadata?.name ?? '';
  try {
    const cur = await store.get(namespace, name);
    if (fields.every((f) => jsonEqual(cur[f], obj[f]))) return;
    await store.guaranteedUpdate(namespace, name, (stored) => {
      const next = { ...stored };
      for (const f of fields) next[f] = obj[f];
      return next;
    });
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
    await ensure(store, namespace, obj);
  }
}
