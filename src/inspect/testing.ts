/**
 * Test support for the live pictures: the seed's scenarios as a running two-node cluster shows
 * them (names, labels and ports of the seed's diagrams), as one fixed {@link ClusterSnapshot}.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Container, ContainerStatus, Node, PersistentVolumeClaim, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { emptySnapshot, type ClusterSnapshot } from './snapshot.js';

/** The fixed clock of {@link seedSnapshot}: 2026-01-01T00:10:00Z. */
export const seedNow = Date.parse('2026-01-01T00:10:00Z');

const ns = 'seed';

function owner(kind: string, apiVersion: string, name: string): OwnerReference {
  return { apiVersion, kind, name, uid: `uid-${kind.toLowerCase()}-${name}`, controller: true, blockOwnerDeletion: true };
}

function running(name: string, restartCount = 0): ContainerStatus {
  return { name, image: '', imageID: '', ready: true, restartCount, started: true, state: { running: { startedAt: '2026-01-01T00:01:00Z' } } };
}

function tomcat(name: string, image = 'tomcat:latest'): Container {
  return { name, image, ports: [{ containerPort: 8080, protocol: 'TCP' }] };
}

function pod(name: string, o: { labels?: Record<string, string>; owner?: OwnerReference; ip?: string; node?: string; containers: Container[]; statuses?: ContainerStatus[]; phase?: string; ready?: boolean }): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid: `uid-pod-${name}`, labels: o.labels ?? {}, ...(o.owner ? { ownerReferences: [o.owner] } : {}) },
    spec: { containers: o.containers, ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip ? { podIP: o.ip } : {}),
      conditions: [{ type: 'Ready', status: (o.ready ?? true) ? 'True' : 'False' }],
      containerStatuses: o.statuses ?? o.containers.map((c) => running(c.name)),
    },
  };
}

function deployment(name: string, track: string, replicas: number, revision: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, uid: `uid-deployment-${name}`, annotations: { 'deployment.kubernetes.io/revision': revision } },
    spec: { replicas, selector: { matchLabels: { app: 'canary-tomcat', track } }, template: { metadata: { labels: { app: 'canary-tomcat', track } }, spec: { containers: [tomcat('tomcat-container', `tomcat:${track === 'stable' ? 'v1' : 'v2'}`)] } } },
    status: { replicas, readyReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas },
  };
}

function replicaSet(deploymentName: string, hash: string, revision: string, replicas: number): ReplicaSet {
  const name = `${deploymentName}-${hash}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: ns, uid: `uid-replicaset-${name}`, labels: { 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [owner('Deployment', 'apps/v1', deploymentName)] },
    spec: { replicas, selector: {} },
    status: { replicas, readyReplicas: replicas },
  };
}

function job(name: string, cronJob: string, done: boolean): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, uid: `uid-job-${name}`, ownerReferences: [owner('CronJob', 'batch/v1', cronJob)] },
    spec: { template: { spec: { containers: [] } } },
    status: done
      ? { succeeded: 1, startTime: '2026-01-01T00:07:00Z', completionTime: '2026-01-01T00:08:31Z', conditions: [{ type: 'Complete', status: 'True' }] }
      : { active: 1, startTime: '2026-01-01T00:09:00Z' },
  };
}

/**
 * The seed on a two-node cluster: pod tomcat-redis whose container-03 crash-loops on 8080 (its
 * previous log says `bind: Address in use`), Services cluster-service-test (abc 80→8080, redis
 * 99→6379), cluster-service-02 and headless nginx, Deployments tomcat-stable (revision 2, an
 * old ReplicaSet of revision 1) and tomcat-canary, StatefulSet web (web-2 still Pending, its
 * claim too), CronJob cron-forbid with a finished and a running Job, DaemonSet node-logs, and
 * the client pod. `now` is {@link seedNow}.
 */
export function seedSnapshot(): ClusterSnapshot {
  const nodes: Node[] = ['node-a', 'node-b'].map((name, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-node-${name}`, labels: { 'kubernetes.io/hostname': name } },
    spec: { podCIDR: `10.42.${i}.0/24`, podCIDRs: [`10.42.${i}.0/24`] },
    status: { addresses: [{ type: 'InternalIP', address: `192.168.77.${i + 1}` }, { type: 'Hostname', address: name }], conditions: [{ type: 'Ready', status: 'True' }] },
  }));
  const tomcatRedis = pod('tomcat-redis', {
    labels: { app: 'tomcat-redis' },
    ip: '10.42.0.5',
    node: 'node-a',
    ready: false,
    containers: [tomcat('tomcat-container'), { name: 'redis-container', image: 'redis:latest', ports: [{ containerPort: 6379, protocol: 'TCP' }] }, tomcat('container-03')],
    statuses: [
      running('tomcat-container'),
      running('redis-container'),
      {
        name: 'container-03',
        image: '',
        imageID: '',
        ready: false,
        restartCount: 4,
        started: false,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2026-01-01T00:08:50Z' } },
      },
    ],
  });
  const stable = deployment('tomcat-stable', 'stable', 3, '2');
  const canary = deployment('tomcat-canary', 'canary', 1, '1');
  const stableRS = replicaSet('tomcat-stable', '6d8f7c9b54', '2', 3);
  const stableOldRS = replicaSet('tomcat-stable', '5b7d9c8f66', '1', 0);
  const canaryRS = replicaSet('tomcat-canary', '7c4b8d9f5d', '1', 1);
  const rsPod = (rs: ReplicaSet, suffix: string, track: string, ip: string, node: string): Pod =>
    pod(`${rs.metadata?.name}-${suffix}`, {
      labels: { app: 'canary-tomcat', track, 'pod-template-hash': rs.metadata?.labels?.['pod-template-hash'] ?? '' },
      owner: owner('ReplicaSet', 'apps/v1', rs.metadata?.name ?? ''),
      ip,
      node,
      containers: [tomcat('tomcat-container', `tomcat:${track === 'stable' ? 'v1' : 'v2'}`)],
    });
  const web: StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: ns, uid: 'uid-statefulset-web' },
    spec: {
      serviceName: 'nginx',
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.22', ports: [{ name: 'web', containerPort: 80 }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
    status: { replicas: 3, readyReplicas: 2, currentReplicas: 3 },
  };
  const webPod = (i: number, node: string, ready: boolean): Pod =>
    pod(`web-${i}`, {
      labels: { app: 'nginx', 'statefulset.kubernetes.io/pod-name': `web-${i}` },
      owner: owner('StatefulSet', 'apps/v1', 'web'),
      ...(ready ? { ip: `10.42.${i % 2}.${20 + i}` } : {}),
      node,
      phase: ready ? 'Running' : 'Pending',
      ready,
      containers: [{ name: 'nginx', image: 'nginx:1.22', ports: [{ name: 'web', containerPort: 80, protocol: 'TCP' }] }],
      ...(ready ? {} : { statuses: [{ name: 'nginx', image: '', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }),
    });
  const claim = (i: number, bound: boolean): PersistentVolumeClaim => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `www-web-${i}`, namespace: ns, uid: `uid-pvc-www-web-${i}` },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    status: bound ? { phase: 'Bound', capacity: { storage: '1Gi' } } : { phase: 'Pending' },
  });
  const cron: CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'cron-forbid', namespace: ns, uid: 'uid-cronjob-cron-forbid' },
    spec: { schedule: '*/1 * * * *', startingDeadlineSeconds: 600, concurrencyPolicy: 'Forbid', jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
    status: { lastScheduleTime: '2026-01-01T00:09:00Z', active: [{ name: 'cron-forbid-29000009', namespace: ns }] },
  };
  const jobDone = job('cron-forbid-29000007', 'cron-forbid', true);
  const jobRunning = job('cron-forbid-29000009', 'cron-forbid', false);
  const hello = (j: Job, phase: string): Pod =>
    pod(`${j.metadata?.name}-x7k2p`, {
      owner: owner('Job', 'batch/v1', j.metadata?.name ?? ''),
      ip: phase === 'Running' ? '10.42.1.30' : undefined,
      node: 'node-b',
      phase,
      ready: phase === 'Running',
      containers: [{ name: 'hello', image: 'busybox:latest' }],
      statuses: [
        phase === 'Running'
          ? running('hello')
          : { name: 'hello', image: '', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      ],
    });
  const logs: DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-logs', namespace: ns, uid: 'uid-daemonset-node-logs' },
    spec: { selector: { matchLabels: { app: 'node-logs' } }, template: { metadata: { labels: { app: 'node-logs' } }, spec: { containers: [{ name: 'tail', image: 'busybox:latest' }] } } },
    status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, numberMisscheduled: 0 },
  };
  const logsPod = (node: string, suffix: string, ip: string): Pod =>
    pod(`node-logs-${suffix}`, { labels: { app: 'node-logs' }, owner: owner('DaemonSet', 'apps/v1', 'node-logs'), ip, node, containers: [{ name: 'tail', image: 'busybox:latest' }] });
  const service = (name: string, spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, uid: `uid-service-${name}` }, spec });
  return {
    ...emptySnapshot(seedNow),
    nodes,
    pods: [
      tomcatRedis,
      rsPod(stableRS, 'abcde', 'stable', '10.42.0.11', 'node-a'),
      rsPod(stableRS, 'fghij', 'stable', '10.42.1.12', 'node-b'),
      rsPod(stableRS, 'klmno', 'stable', '10.42.1.13', 'node-b'),
      rsPod(canaryRS, 'pqrst', 'canary', '10.42.0.14', 'node-a'),
      webPod(0, 'node-a', true),
      webPod(1, 'node-b', true),
      webPod(2, 'node-a', false),
      hello(jobDone, 'Succeeded'),
      hello(jobRunning, 'Running'),
      logsPod('node-a', 'q8w2e', '10.42.0.40'),
      logsPod('node-b', 'r5t7y', '10.42.1.41'),
      pod('client', { ip: '10.42.1.50', node: 'node-b', containers: [{ name: 'client', image: 'busybox:latest' }] }),
    ],
    services: [
      service('cluster-service-test', {
        clusterIP: '10.170.11.11',
        selector: { app: 'tomcat-redis' },
        publishNotReadyAddresses: true,
        ports: [
          { name: 'abc', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'redis', port: 99, targetPort: 6379, protocol: 'TCP' },
        ],
      }),
      service('cluster-service-02', { clusterIP: '10.170.11.88', selector: { app: 'canary-tomcat' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }),
      service('nginx', { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80, protocol: 'TCP' }] }),
    ],
    deployments: [canary, stable],
    replicaSets: [canaryRS, stableOldRS, stableRS],
    statefulSets: [web],
    daemonSets: [logs],
    jobs: [jobDone, jobRunning],
    cronJobs: [cron],
    persistentVolumeClaims: [claim(0, true), claim(1, true), claim(2, false)],
    containerLogs: [{ namespace: ns, pod: 'tomcat-redis', container: 'container-03', previous: true, lines: ['httpd: bind: Address in use', ''] }],
  };
}

/**
 * Compares a view's output with its golden file src/inspect/views/testdata/`name` (found from
 * dist as from src); `UPDATE_GOLDEN=1` rewrites the file instead.
 */
export function assertGolden(name: string, actual: string): void {
  const here = fileURLToPath(import.meta.url);
  const root = here.includes('/dist/') ? new URL('../../../', import.meta.url) : new URL('../../', import.meta.url);
  const path = fileURLToPath(new URL(`src/inspect/views/testdata/${name}`, root));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}
