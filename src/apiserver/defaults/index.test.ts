import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceTypes, type ResourceType } from '../registry.js';
import { applyDefaults, imageTag, podQOSClass, prepareJobSelector } from './index.js';

function typeOf(group: string, kind: string): ResourceType {
  const found = resourceTypes.find((r) => r.group === group && r.kind === kind);
  assert.ok(found, `${group}/${kind}`);
  return found;
}

/** A loosely typed view of a decoded object, for reading nested fields in assertions. */
interface Obj {
  [key: string]: Obj;
}

function defaulted(group: string, kind: string, obj: Record<string, unknown>, operation?: 'create' | 'update'): Obj {
  applyDefaults(typeOf(group, kind), obj, operation ? { operation } : {});
  return obj as unknown as Obj;
}

describe('imageTag', () => {
  test('latest when untagged, the tag otherwise, empty for digests', () => {
    assert.equal(imageTag('nginx'), 'latest');
    assert.equal(imageTag('nginx:1.25'), '1.25');
    assert.equal(imageTag('registry:5000/app'), 'latest');
    assert.equal(imageTag('registry:5000/app:v1'), 'v1');
    assert.equal(imageTag('nginx@sha256:abc'), '');
  });
});

describe('Pod defaults', () => {
  test('spec, container and admission defaults on create', () => {
    const pod = defaulted('', 'Pod', {
      metadata: { name: 'p' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'nginx',
            ports: [{ containerPort: 80 }],
            livenessProbe: { httpGet: { port: 80 } },
            env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            resources: { limits: { cpu: '1' } },
          },
          { name: 'd', image: 'busybox:1.36' },
        ],
        volumes: [{ name: 'cm', configMap: { name: 'x' } }, { name: 'scratch' }],
      },
    });
    const spec = pod.spec;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    // Priority and preemptionPolicy come from the Priority admission plugin, which reads PriorityClasses.
    assert.equal(spec.priority, undefined);
    assert.deepEqual(
      (spec.tolerations as unknown as Obj[]).map((t) => t.key),
      ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'],
    );
    const [c, d] = spec.containers as unknown as Obj[];
    assert.equal(c.imagePullPolicy, 'Always');
    assert.equal(d.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.equal(c.ports[0].protocol, 'TCP');
    assert.deepEqual(c.livenessProbe, {
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
    assert.deepEqual(c.resources, { limits: { cpu: '1' }, requests: { cpu: '1' } });
    assert.deepEqual(d.resources, {});
    assert.equal(spec.volumes[0].configMap.defaultMode, 420);
    assert.deepEqual(spec.volumes[1].emptyDir, {});
  });

  test('no admission defaults on update, and user values are kept', () => {
    const pod = defaulted(
      '',
      'Pod',
      { spec: { containers: [{ name: 'c', image: 'x', imagePullPolicy: 'Never' }], restartPolicy: 'Never' } },
      'update',
    );
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'Never');
    assert.equal(pod.spec.priority, undefined);
    assert.equal(pod.spec.serviceAccountName, undefined);
    assert.equal(pod.spec.tolerations, undefined);
  });
});

describe('podQOSClass', () => {
  const pod = (resources: Record<string, unknown>[]): Record<string, unknown> => ({ spec: { containers: resources.map((r, i) => ({ name: `c${i}`, resources: r })) } });
  test('BestEffort without requests or limits', () => assert.equal(podQOSClass(pod([{}])), 'BestEffort'));
  test('Guaranteed when limits equal requests for cpu and memory', () => {
    assert.equal(podQOSClass(pod([{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } }])), 'Guaranteed');
    assert.equal(podQOSClass(pod([{ limits: { cpu: '500m', memory: '128Mi' } }])), 'Guaranteed');
  });
  test('Burstable otherwise', () => {
    assert.equal(podQOSClass(pod([{ requests: { cpu: '100m' } }])), 'Burstable');
    assert.equal(podQOSClass(pod([{ limits: { cpu: '1', memory: '1Gi' } }, {}])), 'Burstable');
  });
});

describe('workload defaults', () => {
  const template = (): Record<string, unknown> => ({ metadata: { labels: { app: 'canary-tomcat' } }, spec: { containers: [{ name: 'tomcat', image: 'tomcat:9' }] } });

  test('Deployment', () => {
    const d = defaulted('apps', 'Deployment', { spec: { selector: { matchLabels: { app: 'canary-tomcat' } }, template: template() } });
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(d.spec.template.metadata.creationTimestamp, null);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(d.spec.template.spec.enableServiceLinks, undefined);
    assert.equal(d.spec.template.spec.priority, undefined);
  });

  test('Recreate Deployment gets no rollingUpdate', () => {
    const d = defaulted('apps', 'Deployment', { spec: { strategy: { type: 'Recreate' }, template: template() } });
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
  });

  test('StatefulSet', () => {
    const s = defaulted('apps', 'StatefulSet', {
      spec: {
        serviceName: 'nginx',
        template: template(),
        volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    assert.equal(s.spec.replicas, 1);
    assert.equal(s.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(s.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(s.spec.revisionHistoryLimit, 10);
    assert.deepEqual(s.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(s.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    assert.equal(s.spec.volumeClaimTemplates[0].status.phase, 'Pending');
  });

  test('DaemonSet and ReplicaSet', () => {
    const ds = defaulted('apps', 'DaemonSet', { spec: { template: template() } });
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(ds.spec.revisionHistoryLimit, 10);
    const rs = defaulted('apps', 'ReplicaSet', { spec: { template: template() } });
    assert.equal(rs.spec.replicas, 1);
  });

  test('Job, and its generated selector', () => {
    const job = defaulted('batch', 'Job', { metadata: { name: 'pi' }, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } } });
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.backoffLimit, 6);
    assert.equal(job.spec.completionMode, 'NonIndexed');
    assert.equal(job.spec.suspend, false);
    assert.equal(job.spec.podReplacementPolicy, 'TerminatingOrFailed');
    prepareJobSelector(job, 'uid-1');
    assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } });
    assert.deepEqual(job.spec.template.metadata.labels, {
      'batch.kubernetes.io/controller-uid': 'uid-1',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'uid-1',
      'job-name': 'pi',
    });
  });

  test('Job with only parallelism keeps completions unset', () => {
    const job = defaulted('batch', 'Job', { spec: { parallelism: 3, template: template() } });
    assert.equal(job.spec.completions, undefined);
    assert.equal(job.spec.parallelism, 3);
  });

  test('CronJob', () => {
    const cj = defaulted('batch', 'CronJob', { spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: template() } } } });
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.failedJobsHistoryLimit, 1);
    assert.equal(cj.spec.jobTemplate.metadata.creationTimestamp, null);
    assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
  });
});

describe('other defaults', () => {
  test('Service', () => {
    const svc = defaulted('', 'Service', { spec: { clusterIP: '10.170.11.11', ports: [{ name: 'abc', port: 80, targetPort: 8080 }, { name: 'redis', port: 99 }] } });
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.equal(svc.spec.internalTrafficPolicy, 'Cluster');
    assert.deepEqual(svc.spec.clusterIPs, ['10.170.11.11']);
    assert.equal(svc.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(svc.spec.ipFamilies, ['IPv4']);
    assert.deepEqual(svc.spec.ports[1], { name: 'redis', port: 99, protocol: 'TCP', targetPort: 99 });
    assert.equal(svc.spec.externalTrafficPolicy, undefined);
    const np = defaulted('', 'Service', { spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
    const ext = defaulted('', 'Service', { spec: { type: 'ExternalName', externalName: 'example.com' } });
    assert.equal(ext.spec.ipFamilies, undefined);
    assert.equal(ext.spec.internalTrafficPolicy, undefined);
  });

  test('Namespace, Secret, PVC, PV, StorageClass, EndpointSlice', () => {
    const ns = defaulted('', 'Namespace', { metadata: { name: 'dev' } });
    assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], 'dev');
    assert.equal(ns.status.phase, 'Active');
    const secret = defaulted('', 'Secret', { stringData: { password: 'hi' } });
    assert.equal(secret.type, 'Opaque');
    assert.deepEqual(secret.data, { password: 'aGk=' });
    assert.equal(secret.stringData, undefined);
    const pvc = defaulted('', 'PersistentVolumeClaim', { spec: {} });
    assert.equal(pvc.spec.volumeMode, 'Filesystem');
    const pv = defaulted('', 'PersistentVolume', { spec: { hostPath: { path: '/data' } } });
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(pv.spec.hostPath.type, '');
    const sc = defaulted('storage.k8s.io', 'StorageClass', { provisioner: 'x.io/y' });
    assert.equal(sc.reclaimPolicy, 'Delete');
    assert.equal(sc.volumeBindingMode, 'Immediate');
    const slice = defaulted('discovery.k8s.io', 'EndpointSlice', { ports: [{ port: 80 }] });
    assert.deepEqual(slice.ports[0], { port: 80, name: '', protocol: 'TCP' });
  });
});
