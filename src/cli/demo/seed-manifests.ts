import type { CronJob } from 'kubernetes-types/batch/v1.js';
import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Container, Namespace, Pod, PodSpec, Service } from 'kubernetes-types/core/v1.js';
import { standInImageNames } from '../../kubelet/images/stand-ins.js';

/** The namespace `skiff demo` puts the seed's scenarios in. */
export const seedNamespace = 'seed';

/** One object of the seed, typed as the API types it. */
export type SeedObject = Namespace | Pod | Service | Deployment | StatefulSet | CronJob;

// The stand-in images exist only in the node's containerd: never pull them.
const pullPolicy = 'IfNotPresent';
// Ports name their protocol although TCP is the default: the server-side apply of a second run
// matches list items by (port, protocol) and would otherwise add a second copy of each port.

function tomcatContainer(name: string, image: string): Container {
  return { name, image, imagePullPolicy: pullPolicy, ports: [{ containerPort: 8080, protocol: 'TCP' }] };
}

function canaryDeployment(name: string, track: string, replicas: number, image: string): Deployment {
  const labels = { app: 'canary-tomcat', track };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: seedNamespace },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 5, containers: [tomcatContainer('tomcat-container', image)] } },
    },
  };
}

function cronJob(name: string, concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace'): CronJob {
  const spec: PodSpec = {
    restartPolicy: 'OnFailure',
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'hello', image: standInImageNames.busybox, imagePullPolicy: pullPolicy, command: ['sh', '-c', 'date; sleep 90'] }],
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: seedNamespace },
    spec: { schedule: '*/1 * * * *', startingDeadlineSeconds: 600, concurrencyPolicy, jobTemplate: { spec: { template: { spec } } } },
  };
}

/**
 * The seed's scenarios (the names, labels and ports of its diagrams, on the stand-in images),
 * in the order they are applied: the namespace first.
 *
 * - "Service 整个端口问题": pod `tomcat-redis` (tomcat on 8080, redis on 6379, and container-03,
 *   which also wants 8080 and so crash-loops) behind `cluster-service-test` (abc 80→8080,
 *   redis 99→6379, clusterIP 10.170.11.11). That pod is never Ready (container-03), so the
 *   Service publishes not-ready addresses, and it selects `app: tomcat-redis` rather than the
 *   seed's shared `app: canary-tomcat`, so that port 99 always lands on the pod that runs redis.
 * - "金丝雀-Service版": Deployments `tomcat-stable` (3 × tomcat:v1) and `tomcat-canary`
 *   (1 × tomcat:v2) share `app: canary-tomcat`; `cluster-service-02` (80→8080, clusterIP
 *   10.170.11.88) selects it, so traffic splits 3:1.
 * - "StatefulSet 全地址": StatefulSet `web` (3 × nginx, a 1Gi claim each) with the headless
 *   Service `nginx`: web-0.nginx.seed.svc.cluster.local.
 * - "CronJob": cron-allow, cron-forbid, cron-replace, every minute, startingDeadlineSeconds 600,
 *   each job running 90 s so the policies show.
 * - a `client` pod (busybox) to try the Services and DNS from inside the cluster.
 */
export function seedManifests(): SeedObject[] {
  const namespace: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: seedNamespace } };
  const tomcatRedis: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'tomcat-redis', namespace: seedNamespace, labels: { app: 'tomcat-redis' } },
    spec: {
      terminationGracePeriodSeconds: 5,
      containers: [
        tomcatContainer('tomcat-container', standInImageNames.tomcat),
        { name: 'redis-container', image: standInImageNames.redis, imagePullPolicy: pullPolicy, ports: [{ containerPort: 6379, protocol: 'TCP' }] },
        tomcatContainer('container-03', standInImageNames.tomcat),
      ],
    },
  };
  const serviceTest: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'cluster-service-test', namespace: seedNamespace },
    spec: {
      clusterIP: '10.170.11.11',
      selector: { app: 'tomcat-redis' },
      publishNotReadyAddresses: true,
      ports: [
        { name: 'abc', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'redis', port: 99, targetPort: 6379, protocol: 'TCP' },
      ],
    },
  };
  const service02: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'cluster-service-02', namespace: seedNamespace },
    spec: { clusterIP: '10.170.11.88', selector: { app: 'canary-tomcat' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
  const headless: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'nginx', namespace: seedNamespace, labels: { app: 'nginx' } },
    spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80, protocol: 'TCP' }] },
  };
  const web: StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: seedNamespace },
    spec: {
      serviceName: 'nginx',
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'nginx',
              image: standInImageNames.nginx,
              imagePullPolicy: pullPolicy,
              ports: [{ name: 'web', containerPort: 80, protocol: 'TCP' }],
              volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  const client: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'client', namespace: seedNamespace },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'client', image: standInImageNames.busybox, imagePullPolicy: pullPolicy, command: ['sh', '-c', 'while true; do sleep 3600; done'] }],
    },
  };
  return [
    namespace,
    tomcatRedis,
    serviceTest,
    canaryDeployment('tomcat-stable', 'stable', 3, standInImageNames.tomcatV1),
    canaryDeployment('tomcat-canary', 'canary', 1, standInImageNames.tomcatV2),
    service02,
    headless,
    web,
    cronJob('cron-allow', 'Allow'),
    cronJob('cron-forbid', 'Forbid'),
    cronJob('cron-replace', 'Replace'),
    client,
  ];
}

/**
 * What to try once the seed is applied: one heading per picture, then the commands that show
 * it. `clusterIPs` (Service name to IP) lets the commands reach Services without cluster DNS.
 */
export function seedTryNext(clusterIPs: ReadonlyMap<string, string>): string {
  const n = `-n ${seedNamespace}`;
  const test = clusterIPs.get('cluster-service-test') || 'cluster-service-test';
  const canary = clusterIPs.get('cluster-service-02') || 'cluster-service-02';
  return `What to try next (kubectl ... ${n}):

  Every pod is a host with its own IP:
    kubectl get pods ${n} -o wide

  container-03 may not take 8080 too (containers of a pod share ports): it crash-loops
    kubectl get pod tomcat-redis ${n}
    kubectl logs tomcat-redis -c container-03 ${n} --previous      # bind: Address in use

  Service ports: clients use the Service's port (80, 99), never the container's (6379)
    kubectl get svc ${n}
    kubectl exec client ${n} -- wget -qO- http://${test}         # tomcat latest (80 -> 8080)
    kubectl exec client ${n} -- nc ${test} 99                    # +PONG (99 -> 6379)
    kubectl exec client ${n} -- nc -w 2 ${test} 6379             # nothing: 6379 is not a Service port

  Canary by Service: 3 stable + 1 canary pods behind one Service, traffic 3:1
    kubectl get endpoints cluster-service-02 ${n}
    kubectl get endpointslices ${n} -l kubernetes.io/service-name=cluster-service-02
    kubectl exec client ${n} -- sh -c 'for i in 1 2 3 4 5 6 7 8; do wget -qO- http://${canary}; done'

  Rolling update, history, undo
    kubectl set image deployment/tomcat-stable tomcat-container=tomcat:v2 ${n}
    kubectl rollout status deployment/tomcat-stable ${n}
    kubectl rollout history deployment/tomcat-stable ${n}
    kubectl rollout undo deployment/tomcat-stable ${n}

  StatefulSet full addresses: pod.service.namespace.svc.cluster.local (answered by the cluster DNS)
    kubectl get statefulset web ${n}; kubectl get pvc ${n}
    kubectl exec client ${n} -- nslookup web-0.nginx.${seedNamespace}.svc.cluster.local
    kubectl exec client ${n} -- wget -qO- http://web-0.nginx.${seedNamespace}.svc.cluster.local    # nginx web-0

  CronJobs every minute, startingDeadlineSeconds 600, Allow / Forbid / Replace
    kubectl get cronjobs ${n}
    kubectl get jobs ${n} --watch

  When done: skiff demo --clean`;
}
