/**
 * Test support for the Service proxy: Services, EndpointSlices and node facts as the seed and
 * the benchmarks use them; Pods, Namespaces and NetworkPolicies for the policy tests.
 */
import type { ContainerPort, Namespace, Pod, Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy, NetworkPolicySpec } from 'kubernetes-types/networking/v1.js';
import type { EndpointConditions, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { NodeFacts } from './desired-ruleset.js';
import { spawnCommand, type CommandRunner } from './nftables.js';
import { spawnProcess, type ProcessStarter } from './nft-session.js';

/** The node the fixtures run on: `node-a` at 192.168.50.2, pods 10.42.0.0/16, Services 10.170.0.0/16. */
export const testNode: NodeFacts = {
  nodeName: 'node-a',
  nodeIPs: ['192.168.50.2', '127.0.0.1'],
  clusterCIDR: '10.42.0.0/16',
  serviceCIDR: '10.170.0.0/16',
};

/** A Service in `default` (or `namespace`). */
export function service(name: string, spec: ServiceSpec, extra: Partial<Service> = {}, namespace = 'default'): Service & KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec, ...extra };
}

/** One endpoint of {@link slice}: an address, its node, and conditions (default ready). */
export interface TestEndpoint {
  ip: string;
  node?: string;
  conditions?: EndpointConditions;
}

/** An IPv4 EndpointSlice of Service `serviceName`. */
export function slice(serviceName: string, sliceName: string, ports: EndpointPort[], endpoints: TestEndpoint[], namespace = 'default'): EndpointSlice & KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports,
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node ?? 'node-a',
      conditions: e.conditions ?? { ready: true, serving: true, terminating: false },
    })),
  };
}

/**
 * The seed's Services: `cluster-service-test` (10.170.11.11, `abc` 80→8080 and `redis`
 * 99→6379; a second slice whose pod names its port 8081, so `abc` resolves per endpoint) and
 * `cluster-service-02` (10.170.11.88, 80→8080 over the canary Deployments' pods).
 */
export function seedCluster(): { services: (Service & KubeObject)[]; endpointSlices: (EndpointSlice & KubeObject)[] } {
  return {
    services: [
      service('cluster-service-test', {
        clusterIP: '10.170.11.11',
        selector: { app: 'canary-tomcat' },
        ports: [
          { name: 'abc', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'redis', port: 99, targetPort: 6379, protocol: 'TCP' },
        ],
      }),
      service('cluster-service-02', { clusterIP: '10.170.11.88', selector: { app: 'canary-tomcat' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }),
    ],
    endpointSlices: [
      slice('cluster-service-test', 'cluster-service-test-a', [{ name: 'abc', port: 8080, protocol: 'TCP' }, { name: 'redis', port: 6379, protocol: 'TCP' }], [{ ip: '10.42.0.7' }]),
      slice('cluster-service-test', 'cluster-service-test-b', [{ name: 'abc', port: 8081, protocol: 'TCP' }, { name: 'redis', port: 6379, protocol: 'TCP' }], [{ ip: '10.42.1.9', node: 'node-b' }]),
      slice('cluster-service-02', 'cluster-service-02-x', [{ name: '', port: 8080, protocol: 'TCP' }], [
        { ip: '10.42.0.3' },
        { ip: '10.42.0.4' },
        { ip: '10.42.1.5', node: 'node-b' },
        { ip: '10.42.1.6', node: 'node-b' },
      ]),
    ],
  };
}

/**
 * `count` ClusterIP Services (`svc-0`…) in 10.170.0.0/16 (from 10.170.1.0), each with one
 * TCP port 80→8080 and `endpointsPerService` ready endpoints in 10.42.0.0/16.
 */
export function manyServices(count: number, endpointsPerService: number): { services: (Service & KubeObject)[]; endpointSlices: (EndpointSlice & KubeObject)[] } {
  const services: (Service & KubeObject)[] = [];
  const endpointSlices: (EndpointSlice & KubeObject)[] = [];
  for (let i = 0; i < count; i++) {
    const name = `svc-${i}`;
    services.push(service(name, { clusterIP: `10.170.${1 + (i >>> 8)}.${i & 255}`, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }));
    const endpoints: TestEndpoint[] = [];
    for (let e = 0; e < endpointsPerService; e++) {
      const n = i * endpointsPerService + e;
      endpoints.push({ ip: `10.42.${(n >>> 8) & 255}.${n & 255}`, node: 'node-b' });
    }
    endpointSlices.push(slice(name, `${name}-a`, [{ name: '', port: 8080, protocol: 'TCP' }], endpoints));
  }
  return { services, endpointSlices };
}

/** A running pod in `namespace` with an address, labels and named container ports, on `node` (default `node-a`). */
export function pod(
  name: string,
  ip: string,
  labels: Record<string, string>,
  options: { namespace?: string; node?: string; ports?: ContainerPort[]; hostNetwork?: boolean; phase?: string } = {},
): Pod & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: options.namespace ?? 'default', labels },
    spec: { nodeName: options.node ?? 'node-a', hostNetwork: options.hostNetwork, containers: [{ name: 'main', image: 'busybox', ports: options.ports }] },
    status: { phase: options.phase ?? 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

/** A Namespace with labels (the API server's `kubernetes.io/metadata.name` included). */
export function namespace(name: string, labels: Record<string, string> = {}): Namespace & KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

/** A NetworkPolicy in `default` (or `namespace`). */
export function networkPolicy(name: string, spec: NetworkPolicySpec, namespace = 'default'): NetworkPolicy & KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

/** Runs a program inside network namespace `ns` (joining only its network namespace). */
export function inNetworkNamespace(ns: string): CommandRunner {
  return (program, args, stdin) => spawnCommand('nsenter', [`--net=/run/netns/${ns}`, program, ...args], stdin);
}

/** Starts a long-lived program inside network namespace `ns` (joining only its network namespace). */
export function startInNetworkNamespace(ns: string): ProcessStarter {
  return (program, args) => spawnProcess('nsenter', [`--net=/run/netns/${ns}`, program, ...args]);
}

/** Runs a program; its output, or an Error naming the command and its stderr when it fails. */
export async function runOrThrow(program: string, ...args: string[]): Promise<string> {
  const result = await spawnCommand(program, args, '');
  if (result.code !== 0) throw new Error(`${program} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** A TCP connection from namespace `ns`: `data:…` (what the server said), `error:CODE` or `timeout` (1.5 s). */
export async function connectFrom(ns: string, host: string, port: number): Promise<string> {
  const script = `
    const s = require('net').connect(${port}, '${host}');
    let data = '';
    s.setTimeout(1500, () => { console.log('timeout'); process.exit(0); });
    s.on('data', (d) => (data += d));
    s.on('end', () => { console.log('data:' + data.trim()); process.exit(0); });
    s.on('error', (e) => { console.log('error:' + e.code); process.exit(0); });`;
  return (await inNetworkNamespace(ns)(process.execPath, ['-e', script], '')).stdout.trim();
}
