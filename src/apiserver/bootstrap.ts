import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { RestStore } from './rest-store.js';

/** What the objects every cluster starts with depend on. */
export interface BootstrapOptions {
  /** The `kubernetes` Service's ClusterIP: the first address of the service CIDR. */
  kubernetesServiceIP: string;
  /** The address and port the API server is reached at from pods. */
  endpointAddress: string;
  endpointPort: number;
  store: (group: string, version: string, plural: string) => RestStore;
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
 * Creates what every cluster has: the system namespaces, the `kubernetes` Service in default
 * and its Endpoints pointing at the API server. Safe to run on every start.
 */
export async function bootstrapCluster(o: BootstrapOptions): Promise<void> {
  const namespaces = o.store('', 'v1', 'namespaces');
  for (const name of systemNamespaces) {
    await ensure(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
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
  // Pods reach the API server at its advertised address; a loopback one is no use to them
  // (and upstream refuses it), so the Endpoints wait for a routable address.
  if (/^127\./.test(o.endpointAddress) || o.endpointAddress === '::1') return;
  const endpoints = o.store('', 'v1', 'endpoints');
  const subsets = [
    {
      addresses: [{ ip: o.endpointAddress }],
      ports: [{ name: 'https', port: o.endpointPort, protocol: 'TCP' }],
    },
  ];
  try {
    const cur = await endpoints.get('default', 'kubernetes');
    if (JSON.stringify(cur.subsets) !== JSON.stringify(subsets)) {
      await endpoints.guaranteedUpdate('default', 'kubernetes', (e) => ({ ...e, subsets }));
    }
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
    await ensure(endpoints, 'default', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets,
    });
  }
}
