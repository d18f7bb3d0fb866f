import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../../apimachinery/errors.js';
import { applyDefaults, prepareJobSelector } from '../defaults/index.js';
import { resourceTypes, type ResourceType } from '../registry.js';
import { validateCreate, validateStatusUpdate, validateUpdate } from './index.js';

type Json = Record<string, unknown>;

function typeOf(group: string, kind: string): ResourceType {
  const found = resourceTypes.find((r) => r.group === group && r.kind === kind);
  assert.ok(found, `${group}/${kind}`);
  return found;
}

/** Defaults then validates a new object, as the server does on create. */
function create(group: string, kind: string, obj: Json): FieldError[] {
  const type = typeOf(group, kind);
  const copy = structuredClone(obj);
  applyDefaults(type, copy);
  if (kind === 'Job' && group === 'batch') prepareJobSelector(copy, 'uid-1');
  return validateCreate(type, copy);
}

/** Defaults both and validates `obj` replacing `old`. */
function update(group: string, kind: string, obj: Json, old: Json): FieldError[] {
  const type = typeOf(group, kind);
  const [next, prev] = [structuredClone(obj), structuredClone(old)];
  applyDefaults(type, prev);
  applyDefaults(type, next, { operation: 'update' });
  return validateUpdate(type, next, prev);
}

/** The errors as `type field` lines, for compact assertions. */
function summary(errors: FieldError[]): string[] {
  return errors.map((e) => `${e.type} ${e.field}`);
}

function withField(errors: FieldError[], field: string): FieldError | undefined {
  return errors.find((e) => e.field === field);
}

const dns1123Subdomain =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const meta = (name: string, extra: Json = {}): Json => ({ name, namespace: 'default', ...extra });

function tomcatDeployment(name = 'canary-tomcat'): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, { labels: { app: 'canary-tomcat' } }),
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'canary-tomcat' } },
      template: {
        metadata: { labels: { app: 'canary-tomcat' } },
        spec: {
          containers: [
            {
              name: 'tomcat',
              image: 'tomcat:9.0',
              ports: [{ containerPort: 8080, name: 'http' }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
              readinessProbe: { httpGet: { path: '/', port: 8080 } },
            },
          ],
        },
      },
    },
  };
}

function redisService(): Json {
  return {
    metadata: meta('redis-svc'),
    spec: {
      clusterIP: '10.170.11.11',
      selector: { app: 'redis' },
      ports: [
        { name: 'abc', port: 80, targetPort: 8080 },
        { name: 'redis', port: 99, targetPort: 6379 },
      ],
    },
  };
}

function webStatefulSet(): Json {
  return {
    metadata: meta('web'),
    spec: {
      serviceName: 'nginx',
      replicas: 2,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'registry.k8s.io/nginx-slim:0.8',
              ports: [{ containerPort: 80, name: 'web' }],
              volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    },
  };
}

function cronJob(policy: string): Json {
  return {
    metadata: meta(`hello-${policy.toLowerCase()}`),
    spec: {
      schedule: '*/1 * * * *',
      startingDeadlineSeconds: 600,
      concurrencyPolicy: policy,
      jobTemplate: {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'hello', image: 'busybox:1.28', command: ['/bin/sh', '-c', 'date; echo Hello'] }],
              restartPolicy: 'OnFailure',
            },
          },
        },
      },
    },
  };
}

function ingress(name: string, annotations: Json = {}): Json {
  return {
    metadata: meta(name, { annotations }),
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'tomcat.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: name, port: { number: 8080 } } } }] },
        },
      ],
    },
  };
}

describe('seed manifests are valid', () => {
  test('Deployments with app: canary-tomcat', () => {
    assert.deepEqual(create('apps', 'Deployment', tomcatDeployment()), []);
    assert.deepEqual(create('apps', 'Deployment', tomcatDeployment('canary-tomcat-v2')), []);
  });
  test('Service with ports abc and redis and a fixed clusterIP', () => {
    assert.deepEqual(create('', 'Service', redisService()), []);
  });
  test('StatefulSet web with a headless Service nginx', () => {
    assert.deepEqual(create('apps', 'StatefulSet', webStatefulSet()), []);
    const headless = { metadata: meta('nginx'), spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80 }] } };
    assert.deepEqual(create('', 'Service', headless), []);
  });
  test('CronJobs with each concurrencyPolicy', () => {
    for (const policy of ['Allow', 'Forbid', 'Replace']) assert.deepEqual(create('batch', 'CronJob', cronJob(policy)), [], policy);
  });
  test('Ingress and canary Ingress', () => {
    assert.deepEqual(create('networking.k8s.io', 'Ingress', ingress('tomcat')), []);
    const canary = ingress('tomcat-canary', {
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '10',
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
    });
    assert.deepEqual(create('networking.k8s.io', 'Ingress', canary), []);
  });
  test('other kinds', () => {
    const cases: [string, string, Json][] = [
      ['', 'Namespace', { metadata: { name: 'dev' } }],
      ['', 'ConfigMap', { metadata: meta('cfg'), data: { 'app.properties': 'a=b', KEY_1: 'v' } }],
      ['', 'Secret', { metadata: meta('s'), stringData: { password: 'x' } }],
      ['', 'ServiceAccount', { metadata: meta('builder') }],
      ['', 'Pod', { metadata: meta('p'), spec: { containers: [{ name: 'c', image: 'nginx' }] } }],
      ['', 'Node', { metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } }],
      ['', 'Endpoints', { metadata: meta('redis-svc'), subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ name: 'abc', port: 8080 }, { name: 'redis', port: 6379 }] }] }],
      ['', 'PersistentVolumeClaim', { metadata: meta('data'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ['', 'PersistentVolume', { metadata: { name: 'pv1' }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } }],
      ['', 'Event', { metadata: meta('e.1'), involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Started' }],
      ['events.k8s.io', 'Event', { metadata: meta('e.2'), eventTime: '2024-01-01T00:00:00.000000Z', type: 'Normal', reportingController: 'skiff.io/kubelet', reportingInstance: 'node-1', action: 'Started', reason: 'Started', regarding: { kind: 'Pod', name: 'p', namespace: 'default' } }],
      ['coordination.k8s.io', 'Lease', { metadata: meta('node-1'), spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } }],
      ['discovery.k8s.io', 'EndpointSlice', { metadata: meta('redis-svc-abc'), addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.5'] }], ports: [{ name: 'abc', port: 8080 }] }],
      ['networking.k8s.io', 'IngressClass', { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }],
      ['storage.k8s.io', 'StorageClass', { metadata: { name: 'standard' }, provisioner: 'rancher.io/local-path' }],
      ['apps', 'ControllerRevision', { metadata: meta('web-1'), data: {}, revision: 1 }],
      ['apps', 'DaemonSet', { metadata: meta('proxy'), spec: { selector: { matchLabels: { k: 'v' } }, template: { metadata: { labels: { k: 'v' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }],
      ['apps', 'ReplicaSet', { metadata: meta('rs'), spec: { selector: { matchLabels: { k: 'v' } }, template: { metadata: { labels: { k: 'v' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }],
      ['batch', 'Job', { metadata: meta('pi'), spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } } }],
    ];
    for (const [group, kind, obj] of cases) assert.deepEqual(create(group, kind, obj), [], `${group}/${kind}`);
  });
});

describe('object metadata', () => {
  test('name required, with upstream detail', () => {
    const errs = create('', 'ConfigMap', { metadata: { namespace: 'default' } });
    assert.deepEqual(errs, [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' }]);
  });
  test('DNS-1123 subdomain names', () => {
    const errs = create('', 'ConfigMap', { metadata: meta('Bad_Name') });
    assert.deepEqual(errs, [{ type: 'FieldValueInvalid', field: 'metadata.name', value: 'Bad_Name', detail: dns1123Subdomain }]);
  });
  test('Services use DNS-1035 labels', () => {
    const errs = create('', 'Service', { ...redisService(), metadata: meta('1redis') });
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.field, 'metadata.name');
    assert.match(String(errs[0]?.detail), /^a DNS-1035 label must consist of/);
  });
  test('Namespaces use DNS-1123 labels; cluster-scoped types forbid a namespace', () => {
    assert.deepEqual(summary(create('', 'Namespace', { metadata: { name: 'a.b' } })), ['FieldValueInvalid metadata.name']);
    assert.deepEqual(summary(create('', 'Node', { metadata: { name: 'n', namespace: 'x' } })), ['FieldValueForbidden metadata.namespace']);
  });
  test('namespace required for namespaced types', () => {
    assert.deepEqual(summary(create('', 'ConfigMap', { metadata: { name: 'x' } })), ['FieldValueRequired metadata.namespace']);
  });
  test('generateName may end with a dash', () => {
    assert.deepEqual(create('', 'ConfigMap', { metadata: meta('web-abcde', { generateName: 'web-' }) }), []);
    assert.deepEqual(summary(create('', 'ConfigMap', { metadata: meta('x', { generateName: 'Web-' }) })), ['FieldValueInvalid metadata.generateName']);
  });
  test('labels: qualified names and values ≤ 63 characters', () => {
    const errs = create('', 'ConfigMap', { metadata: meta('x', { labels: { 'a/b/c': 'v', ok: 'x'.repeat(64), 'example.com/': 'v' } }) });
    // As upstream, an empty name part fails both the emptiness and the regex checks.
    assert.deepEqual(summary(errs), Array(4).fill('FieldValueInvalid metadata.labels'));
    assert.match(String(errs[0]?.detail), /^a qualified name must consist of/);
    assert.equal(errs[1]?.detail, 'must be no more than 63 characters');
    assert.equal(errs[2]?.detail, 'name part must be non-empty');
    assert.match(String(errs[3]?.detail), /^name part must consist of/);
  });
  test('annotations: total size at most 256KiB', () => {
    const errs = create('', 'ConfigMap', { metadata: meta('x', { annotations: { big: 'x'.repeat(256 * 1024) } }) });
    assert.deepEqual(errs, [{ type: 'FieldValueTooLong', field: 'metadata.annotations', detail: 'must have at most 262144 bytes' }]);
    assert.deepEqual(create('', 'ConfigMap', { metadata: meta('x', { annotations: { 'Example.COM/Key': 'any value at all' } }) }), []);
  });
  test('one controller owner reference', () => {
    const ref = (name: string): Json => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: name, controller: true });
    const errs = create('', 'ConfigMap', { metadata: meta('x', { ownerReferences: [ref('a'), ref('b')] }) });
    assert.deepEqual(summary(errs), ['FieldValueInvalid metadata.ownerReferences']);
    assert.match(String(errs[0]?.detail), /Only one reference can have Controller set to true/);
  });
  test('identity fields are immutable on update', () => {
    const old = { metadata: meta('x', { uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' }) };
    const errs = update('', 'ConfigMap', { metadata: meta('y', { uid: 'u2', creationTimestamp: '2024-01-01T00:00:00Z' }) }, old);
    assert.deepEqual(errs, [
      { type: 'FieldValueInvalid', field: 'metadata.name', value: 'y', detail: 'field is immutable' },
      { type: 'FieldValueInvalid', field: 'metadata.uid', value: 'u2', detail: 'field is immutable' },
    ]);
  });
});

describe('pods and pod templates', () => {
  const pod = (spec: Json): Json => ({ metadata: meta('p'), spec });
  test('containers, name and image are required', () => {
    assert.deepEqual(summary(create('', 'Pod', pod({}))), ['FieldValueRequired spec.containers']);
    assert.deepEqual(summary(create('', 'Pod', pod({ containers: [{ image: 'x' }] }))), ['FieldValueRequired spec.containers[0].name']);
    assert.deepEqual(summary(create('', 'Pod', pod({ containers: [{ name: 'c' }] }))), ['FieldValueRequired spec.containers[0].image']);
  });
  test('duplicate container names, across init containers too', () => {
    const errs = create('', 'Pod', pod({ containers: [{ name: 'c', image: 'x' }, { name: 'c', image: 'y' }], initContainers: [{ name: 'c', image: 'z' }] }));
    assert.deepEqual(summary(errs), ['FieldValueDuplicate spec.containers[1].name', 'FieldValueDuplicate spec.initContainers[0].name']);
  });
  test('container ports', () => {
    const errs = create('', 'Pod', pod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 0 }, { containerPort: 70000, hostPort: -1, name: 'Http' }, { containerPort: 80, protocol: 'HTTP', name: 'web' }, { containerPort: 81, name: 'web' }] }] }));
    assert.deepEqual(summary(errs), [
      'FieldValueRequired spec.containers[0].ports[0].containerPort',
      'FieldValueInvalid spec.containers[0].ports[1].name',
      'FieldValueInvalid spec.containers[0].ports[1].containerPort',
      'FieldValueInvalid spec.containers[0].ports[1].hostPort',
      'FieldValueNotSupported spec.containers[0].ports[2].protocol',
      'FieldValueDuplicate spec.containers[0].ports[3].name',
    ]);
    assert.equal(withField(errs, 'spec.containers[0].ports[1].containerPort')?.detail, 'must be between 1 and 65535, inclusive');
    assert.deepEqual(withField(errs, 'spec.containers[0].ports[2].protocol')?.supported, ['SCTP', 'TCP', 'UDP']);
  });
  test('volumes: duplicates, missing source, mounts of unknown volumes, unique mount paths', () => {
    const errs = create('', 'Pod', pod({
      volumes: [{ name: 'a', emptyDir: {} }, { name: 'a', emptyDir: {} }, { name: 'b', configMap: {} }],
      containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'a', mountPath: '/a' }, { name: 'zz', mountPath: '/a' }] }],
    }));
    assert.deepEqual(summary(errs), [
      'FieldValueDuplicate spec.volumes[1].name',
      'FieldValueRequired spec.volumes[2].configMap.name',
      'FieldValueNotFound spec.containers[0].volumeMounts[1].name',
      'FieldValueInvalid spec.containers[0].volumeMounts[1].mountPath',
    ]);
  });
  test('restartPolicy, dnsPolicy and imagePullPolicy values', () => {
    const errs = create('', 'Pod', pod({ restartPolicy: 'Sometimes', dnsPolicy: 'Cluster', containers: [{ name: 'c', image: 'x', imagePullPolicy: 'Maybe' }] }));
    assert.deepEqual(summary(errs), [
      'FieldValueNotSupported spec.containers[0].imagePullPolicy',
      'FieldValueNotSupported spec.restartPolicy',
      'FieldValueNotSupported spec.dnsPolicy',
    ]);
    assert.deepEqual(withField(errs, 'spec.restartPolicy')?.supported, ['Always', 'OnFailure', 'Never']);
  });
  test('env names and valueFrom', () => {
    const errs = create('', 'Pod', pod({ containers: [{ name: 'c', image: 'x', env: [{ name: '1BAD' }, { name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'B', valueFrom: {} }] }] }));
    assert.deepEqual(summary(errs), [
      'FieldValueInvalid spec.containers[0].env[0].name',
      'FieldValueInvalid spec.containers[0].env[1].valueFrom',
      'FieldValueInvalid spec.containers[0].env[2].valueFrom',
    ]);
    assert.equal(withField(errs, 'spec.containers[0].env[1].valueFrom')?.detail, 'may not be specified when `value` is not empty');
  });
  test('resources: quantities parse, requests ≤ limits', () => {
    const errs = create('', 'Pod', pod({ containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '500m', memory: 'lots' }, requests: { cpu: '1' } } }] }));
    // Requests default to limits, so the bad memory limit is also a bad request.
    assert.deepEqual(summary(errs), [
      'FieldValueInvalid spec.containers[0].resources.limits[memory]',
      'FieldValueInvalid spec.containers[0].resources.requests',
      'FieldValueInvalid spec.containers[0].resources.requests[memory]',
    ]);
    assert.equal(withField(errs, 'spec.containers[0].resources.requests')?.detail, 'must be less than or equal to cpu limit of 500m');
  });
  test('probes: liveness successThreshold must be 1, one handler', () => {
    const errs = create('', 'Pod', pod({ containers: [{ name: 'c', image: 'x', livenessProbe: { successThreshold: 2, tcpSocket: { port: 80 }, exec: { command: ['true'] } } }] }));
    assert.deepEqual(summary(errs), ['FieldValueForbidden spec.containers[0].livenessProbe.tcpSocket', 'FieldValueInvalid spec.containers[0].livenessProbe.successThreshold']);
  });
  test('template labels are reported at template.labels', () => {
    const d = tomcatDeployment();
    ((d.spec as Json).template as Json).metadata = { labels: { app: 'canary-tomcat', 'bad key!': 'x' } };
    assert.deepEqual(summary(create('apps', 'Deployment', d)), ['FieldValueInvalid spec.template.labels']);
  });
  test('pod update may only change images and a few fields', () => {
    const old = pod({ containers: [{ name: 'c', image: 'nginx:1' }] });
    applyDefaults(typeOf('', 'Pod'), old);
    const edited = (change: (spec: Json) => void): Json => {
      const next = structuredClone(old);
      change(next.spec as Json);
      return next;
    };
    const firstContainer = (spec: Json): Json => (spec.containers as Json[])[0] as Json;
    assert.deepEqual(update('', 'Pod', edited((s) => (firstContainer(s).image = 'nginx:2')), old), []);
    assert.deepEqual(update('', 'Pod', edited((s) => (s.activeDeadlineSeconds = 30)), old), []);
    const errs = update('', 'Pod', edited((s) => (s.nodeName = 'n1')), old);
    assert.deepEqual(summary(errs), ['FieldValueForbidden spec']);
    assert.match(String(errs[0]?.detail), /^pod updates may not change fields other than `spec.containers\[\*\].image`/);
    assert.match(String(errs[0]?.detail), /spec.nodeName: null -> "n1"/);
    assert.deepEqual(summary(update('', 'Pod', edited((s) => (s.containers = [])), old)), ['FieldValueRequired spec.containers', 'FieldValueForbidden spec.containers']);
    assert.deepEqual(summary(update('', 'Pod', edited((s) => (s.tolerations = [])), old)), ['FieldValueForbidden spec.tolerations']);
  });
});

describe('workloads', () => {
  test('selector must match template labels', () => {
    const d = tomcatDeployment();
    (d.spec as Json).selector = { matchLabels: { app: 'other' } };
    const errs = create('apps', 'Deployment', d);
    assert.deepEqual(summary(errs), ['FieldValueInvalid spec.template.metadata.labels']);
    assert.equal(errs[0]?.detail, '`selector` does not match template `labels`');
  });
  test('empty and missing selectors', () => {
    const d = tomcatDeployment();
    (d.spec as Json).selector = {};
    assert.deepEqual(create('apps', 'Deployment', d).map((e) => e.detail), ['empty selector is invalid for deployment']);
    delete (d.spec as Json).selector;
    assert.deepEqual(summary(create('apps', 'Deployment', d)), ['FieldValueRequired spec.selector']);
  });
  test('selector expressions', () => {
    const d = tomcatDeployment();
    (d.spec as Json).selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['canary-tomcat'] }, { key: 'x', operator: 'Near' }, { key: 'y', operator: 'Exists', values: ['a'] }] };
    assert.deepEqual(summary(create('apps', 'Deployment', d)), [
      'FieldValueInvalid spec.selector.matchExpressions[1].operator',
      'FieldValueForbidden spec.selector.matchExpressions[2].values',
      'FieldValueInvalid spec.template.metadata.labels',
    ]);
  });
  test('replicas and rolling update parameters', () => {
    const d = tomcatDeployment();
    Object.assign(d.spec as Json, { replicas: -1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } });
    const errs = create('apps', 'Deployment', d);
    assert.deepEqual(summary(errs), ['FieldValueInvalid spec.replicas', 'FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable']);
    assert.equal(errs[1]?.detail, 'may not be 0 when `maxSurge` is 0');
    Object.assign(d.spec as Json, { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '5', maxUnavailable: '120%' } } });
    assert.deepEqual(summary(create('apps', 'Deployment', d)), ['FieldValueInvalid spec.strategy.rollingUpdate.maxSurge', 'FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable']);
    Object.assign(d.spec as Json, { strategy: { type: 'Recreate', rollingUpdate: {} } });
    assert.deepEqual(summary(create('apps', 'Deployment', d)), ['FieldValueForbidden spec.strategy.rollingUpdate']);
  });
  test('restartPolicy must be Always in Deployments', () => {
    const d = tomcatDeployment();
    (((d.spec as Json).template as Json).spec as Json).restartPolicy = 'OnFailure';
    assert.deepEqual(summary(create('apps', 'Deployment', d)), ['FieldValueNotSupported spec.template.spec.restartPolicy']);
  });
  test('Deployment selector is immutable', () => {
    const d = tomcatDeployment();
    const next = structuredClone(d);
    (next.spec as Json).selector = { matchLabels: { app: 'canary-tomcat', track: 'stable' } };
    (((next.spec as Json).template as Json).metadata as Json).labels = { app: 'canary-tomcat', track: 'stable' };
    assert.deepEqual(summary(update('apps', 'Deployment', next, d)), ['FieldValueInvalid spec.selector']);
    const scaled = structuredClone(d);
    (scaled.spec as Json).replicas = 5;
    assert.deepEqual(update('apps', 'Deployment', scaled, d), []);
  });
  test('StatefulSet: policies, and the forbidden spec update', () => {
    const s = webStatefulSet();
    Object.assign(s.spec as Json, { podManagementPolicy: 'Random', updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } });
    assert.deepEqual(summary(create('apps', 'StatefulSet', s)), ['FieldValueInvalid spec.podManagementPolicy', 'FieldValueInvalid spec.updateStrategy.rollingUpdate']);
    const old = webStatefulSet();
    const next = webStatefulSet();
    (next.spec as Json).serviceName = 'other';
    const errs = update('apps', 'StatefulSet', next, old);
    assert.deepEqual(summary(errs), ['FieldValueForbidden spec']);
    assert.match(String(errs[0]?.detail), /^updates to statefulset spec for fields other than 'replicas'/);
    (next.spec as Json).serviceName = 'nginx';
    (next.spec as Json).replicas = 5;
    assert.deepEqual(update('apps', 'StatefulSet', next, old), []);
  });
  test('DaemonSet rolling update', () => {
    const ds = { metadata: meta('ds'), spec: { selector: { matchLabels: { k: 'v' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }, template: { metadata: { labels: { k: 'v' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    assert.deepEqual(summary(create('apps', 'DaemonSet', ds)), ['FieldValueRequired spec.updateStrategy.rollingUpdate.maxUnavailable']);
  });
});

describe('jobs and cronjobs', () => {
  const job = (spec: Json): Json => ({ metadata: meta('pi'), spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } }, ...spec } });
  test('job fields', () => {
    const errs = create('batch', 'Job', job({ completions: -1, backoffLimit: -2, completionMode: 'Sometimes' }));
    assert.deepEqual(summary(errs), ['FieldValueInvalid spec.completions', 'FieldValueInvalid spec.backoffLimit', 'FieldValueNotSupported spec.completionMode']);
    assert.deepEqual(summary(create('batch', 'Job', job({ completionMode: 'Indexed', completions: null, parallelism: 2 }))), ['FieldValueRequired spec.completions']);
  });
  test('podFailurePolicy rules', () => {
    const ok = job({ podFailurePolicy: { rules: [
      { action: 'FailJob', onExitCodes: { containerName: 'pi', operator: 'In', values: [1, 42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ] } });
    assert.deepEqual(create('batch', 'Job', ok), []);
    const bad = job({ podFailurePolicy: { rules: [
      { action: 'FailJob', onExitCodes: { containerName: 'nope', operator: 'In', values: [0, 3, 2, 2] } },
      { action: 'Explode', onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] },
      { action: 'Count' },
      { action: 'FailIndex', onPodConditions: [{ type: 'X', status: 'True' }] },
    ] } });
    (((bad.spec as Json).template as Json).spec as Json).restartPolicy = 'OnFailure';
    assert.deepEqual(summary(create('batch', 'Job', bad)), [
      'FieldValueInvalid spec.template.spec.restartPolicy',
      'FieldValueInvalid spec.podFailurePolicy.rules[0].onExitCodes.containerName',
      'FieldValueInvalid spec.podFailurePolicy.rules[0].onExitCodes.values[0]',
      'FieldValueInvalid spec.podFailurePolicy.rules[0].onExitCodes.values[2]',
      'FieldValueDuplicate spec.podFailurePolicy.rules[0].onExitCodes.values[3]',
      'FieldValueNotSupported spec.podFailurePolicy.rules[1].action',
      'FieldValueNotSupported spec.podFailurePolicy.rules[1].onPodConditions[0].status',
      'FieldValueInvalid spec.podFailurePolicy.rules[2]',
      'FieldValueInvalid spec.podFailurePolicy.rules[3].action',
    ]);
  });
  test('job restartPolicy must be OnFailure or Never', () => {
    const j = job({});
    delete (((j.spec as Json).template as Json).spec as Json).restartPolicy;
    const errs = create('batch', 'Job', j);
    assert.deepEqual(errs, [{ type: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', value: 'Always', supported: ['OnFailure', 'Never'] }]);
  });
  test('job template is immutable unless suspended', () => {
    const old = job({});
    applyDefaults(typeOf('batch', 'Job'), old);
    prepareJobSelector(old, 'uid-1');
    const next = structuredClone(old);
    ((((next.spec as Json).template as Json).spec as Json).containers as Json[])[0]!.image = 'perl:2';
    assert.deepEqual(summary(update('batch', 'Job', next, old)), ['FieldValueInvalid spec.template']);
  });
  test('cron schedules', () => {
    const withSchedule = (schedule: string): FieldError[] => create('batch', 'CronJob', { ...cronJob('Allow'), spec: { ...(cronJob('Allow').spec as Json), schedule } });
    for (const ok of ['0 0 * * *', '@hourly', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '*/5 1-5 1,15 jan-jun mon-fri', '0 0 ? * SUN']) {
      assert.deepEqual(withSchedule(ok), [], ok);
    }
    assert.deepEqual(withSchedule('* * *').map((e) => e.detail), ['expected exactly 5 fields, found 3: [* * *]']);
    assert.deepEqual(withSchedule('61 * * * *').map((e) => e.detail), ['end of range (61) above maximum (59): 61']);
    assert.deepEqual(withSchedule('@often').map((e) => e.detail), ['unrecognized descriptor: @often']);
    assert.deepEqual(withSchedule('TZ=UTC 0 0 * * *').map((e) => e.detail), ['cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
    assert.deepEqual(summary(withSchedule('')), ['FieldValueRequired spec.schedule']);
  });
  test('cronjob fields', () => {
    const cj = cronJob('Sometimes');
    Object.assign(cj.spec as Json, { startingDeadlineSeconds: -1, timeZone: 'Mars/Olympus' });
    const errs = create('batch', 'CronJob', cj);
    assert.deepEqual(summary(errs), ['FieldValueInvalid spec.startingDeadlineSeconds', 'FieldValueInvalid spec.timeZone', 'FieldValueNotSupported spec.concurrencyPolicy']);
    assert.equal(withField(errs, 'spec.timeZone')?.detail, 'unknown time zone Mars/Olympus');
    Object.assign(cj.spec as Json, { startingDeadlineSeconds: 600, timeZone: 'Europe/Paris', concurrencyPolicy: 'Forbid' });
    assert.deepEqual(create('batch', 'CronJob', cj), []);
    const long = { ...cronJob('Allow'), metadata: meta('x'.repeat(53)) };
    assert.deepEqual(create('batch', 'CronJob', long).map((e) => e.detail), ['must be no more than 52 characters']);
  });
});

describe('services', () => {
  test('ports required unless headless or ExternalName', () => {
    assert.deepEqual(summary(create('', 'Service', { metadata: meta('s'), spec: { selector: { a: 'b' } } })), ['FieldValueRequired spec.ports']);
    assert.deepEqual(create('', 'Service', { metadata: meta('s'), spec: { clusterIP: 'None' } }), []);
    assert.deepEqual(create('', 'Service', { metadata: meta('s'), spec: { type: 'ExternalName', externalName: 'db.example.com.' } }), []);
  });
  test('port names, duplicates and ranges', () => {
    const errs = create('', 'Service', { metadata: meta('s'), spec: { ports: [{ name: 'abc', port: 80 }, { port: 80 }, { name: 'abc', port: 70000, targetPort: 'Not_A_Name' }] } });
    assert.deepEqual(summary(errs), [
      'FieldValueRequired spec.ports[1].name',
      'FieldValueDuplicate spec.ports[2].name',
      'FieldValueInvalid spec.ports[2].port',
      'FieldValueInvalid spec.ports[2].targetPort',
      'FieldValueDuplicate spec.ports[1]',
    ]);
  });
  test('type, clusterIP, sessionAffinity and traffic policies', () => {
    const errs = create('', 'Service', { metadata: meta('s'), spec: { type: 'Magic', clusterIP: '10.0.0.300', sessionAffinity: 'Sticky', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] } });
    assert.deepEqual(summary(errs), [
      'FieldValueNotSupported spec.sessionAffinity',
      'FieldValueInvalid spec.clusterIPs[0]',
      'FieldValueNotSupported spec.type',
      'FieldValueInvalid spec.externalTrafficPolicy',
    ]);
    assert.deepEqual(summary(create('', 'Service', { metadata: meta('s'), spec: { type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] } })), ['FieldValueInvalid spec.clusterIPs[0]']);
    assert.deepEqual(summary(create('', 'Service', { metadata: meta('s'), spec: { ports: [{ port: 80, nodePort: 30080 }] } })), ['FieldValueForbidden spec.ports[0].nodePort']);
  });
  test('clusterIP may not change, except to or from ExternalName', () => {
    const next = redisService();
    (next.spec as Json).clusterIP = '10.170.11.12';
    const errs = update('', 'Service', next, redisService());
    assert.deepEqual(errs, [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', value: ['10.170.11.12'], detail: 'may not change once set' }]);
    assert.deepEqual(update('', 'Service', redisService(), redisService()), []);
  });
  test('LoadBalancer fields only with type LoadBalancer; class a qualified name; ranges CIDRs; no kubelet port', () => {
    const lb = (spec: Json): Json => ({ metadata: meta('s'), spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec } });
    assert.deepEqual(create('', 'Service', lb({ loadBalancerClass: 'example.com/lb', loadBalancerSourceRanges: ['10.0.0.0/8', ' 192.168.0.0/16'] })), []);
    assert.deepEqual(
      summary(create('', 'Service', { metadata: meta('s'), spec: { ports: [{ port: 80 }], allocateLoadBalancerNodePorts: false, loadBalancerClass: 'example.com/lb', loadBalancerSourceRanges: ['10.0.0.0/8'] } })),
      ['FieldValueForbidden spec.allocateLoadBalancerNodePorts', 'FieldValueForbidden spec.loadBalancerClass', 'FieldValueForbidden spec.LoadBalancerSourceRanges'],
    );
    const bad = create('', 'Service', lb({ loadBalancerClass: 'not a class', loadBalancerSourceRanges: ['10.0.0.0/33'], ports: [{ port: 10250 }] }));
    assert.deepEqual(summary(bad), ['FieldValueInvalid spec.loadBalancerClass', 'FieldValueInvalid spec.LoadBalancerSourceRanges[0]', 'FieldValueInvalid spec.ports[0]']);
    assert.equal(withField(bad, 'spec.ports[0]')?.detail, 'may not expose port 10250 externally since it is used by kubelet');
    // Defaulting sets allocateLoadBalancerNodePorts; without it the field is required.
    const type = typeOf('', 'Service');
    assert.deepEqual(summary(validateCreate(type, { metadata: meta('s'), spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster' } })), [
      'FieldValueRequired spec.allocateLoadBalancerNodePorts',
    ]);
  });
  test('loadBalancerClass may not change while the Service stays a LoadBalancer', () => {
    const lb = (spec: Json): Json => ({ metadata: meta('s'), spec: { type: 'LoadBalancer', clusterIP: '10.43.0.5', ports: [{ port: 80 }], ...spec } });
    assert.deepEqual(update('', 'Service', lb({ loadBalancerClass: 'example.com/lb' }), lb({ loadBalancerClass: 'example.com/lb' })), []);
    const changed = update('', 'Service', lb({ loadBalancerClass: 'example.com/other' }), lb({ loadBalancerClass: 'example.com/lb' }));
    assert.deepEqual(changed, [{ type: 'FieldValueInvalid', field: 'spec.loadBalancerClass', value: 'example.com/other', detail: 'may not change once set' }]);
    assert.deepEqual(summary(update('', 'Service', lb({ loadBalancerClass: 'example.com/lb' }), lb({}))), ['FieldValueInvalid spec.loadBalancerClass']);
    // Set along with the change to LoadBalancer.
    assert.deepEqual(update('', 'Service', lb({ loadBalancerClass: 'example.com/lb' }), { metadata: meta('s'), spec: { clusterIP: '10.43.0.5', ports: [{ port: 80 }] } }), []);
  });
});

describe('ingress', () => {
  test('rules or default backend required', () => {
    assert.deepEqual(create('networking.k8s.io', 'Ingress', { metadata: meta('i'), spec: {} }).map((e) => e.detail), ['either `defaultBackend` or `rules` must be specified']);
  });
  test('hosts, paths and backends', () => {
    const bad = {
      metadata: meta('i'),
      spec: {
        rules: [
          { host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Exact', backend: { service: { name: 'web', port: { name: 'http' } } } }] } },
          { host: 'Bad_Host', http: { paths: [{ path: 'api', pathType: 'Prefix', backend: { service: { name: 'web', port: {} } } }, { path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
          { host: '10.0.0.1', http: { paths: [] } },
        ],
      },
    };
    assert.deepEqual(summary(create('networking.k8s.io', 'Ingress', bad)), [
      'FieldValueInvalid spec.rules[1].host',
      'FieldValueInvalid spec.rules[1].http.paths[0].path',
      'FieldValueRequired spec.rules[1].http.paths[0].backend',
      'FieldValueRequired spec.rules[1].http.paths[1].pathType',
      'FieldValueInvalid spec.rules[2].host',
      'FieldValueRequired spec.rules[2].http.paths',
    ]);
  });
  test('IngressClass controller', () => {
    assert.deepEqual(summary(create('networking.k8s.io', 'IngressClass', { metadata: { name: 'c' }, spec: { controller: 'nginx' } })), ['FieldValueInvalid spec.controller']);
    const old = { metadata: { name: 'c' }, spec: { controller: 'a.io/x' } };
    assert.deepEqual(summary(update('networking.k8s.io', 'IngressClass', { metadata: { name: 'c' }, spec: { controller: 'b.io/x' } }, old)), ['FieldValueInvalid spec.controller']);
  });
});

describe('config, storage and others', () => {
  test('ConfigMap keys and immutability', () => {
    assert.deepEqual(summary(create('', 'ConfigMap', { metadata: meta('c'), data: { 'bad key': 'v', '..': 'x' } })), ['FieldValueInvalid data[bad key]', 'FieldValueInvalid data[..]']);
    const old = { metadata: meta('c'), immutable: true, data: { a: '1' } };
    const errs = update('', 'ConfigMap', { metadata: meta('c'), immutable: true, data: { a: '2' } }, old);
    assert.deepEqual(errs, [{ type: 'FieldValueForbidden', field: 'data', detail: 'field is immutable when `immutable` is set' }]);
  });
  test('Secret types need their keys; type is immutable', () => {
    assert.deepEqual(summary(create('', 'Secret', { metadata: meta('s'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } })), ['FieldValueRequired data[tls.key]']);
    assert.deepEqual(summary(update('', 'Secret', { metadata: meta('s'), type: 'kubernetes.io/basic-auth', data: { username: 'eA==' } }, { metadata: meta('s') })), ['FieldValueInvalid type']);
  });
  test('PVC spec and update', () => {
    assert.deepEqual(summary(create('', 'PersistentVolumeClaim', { metadata: meta('d'), spec: {} })), ['FieldValueRequired spec.accessModes', 'FieldValueRequired spec.resources[storage]']);
    const old = { metadata: meta('d'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const next = structuredClone(old);
    next.spec.accessModes = ['ReadWriteMany'];
    assert.deepEqual(summary(update('', 'PersistentVolumeClaim', next, old)), ['FieldValueForbidden spec']);
  });
  test('EndpointSlice addressType and addresses', () => {
    const errs = create('discovery.k8s.io', 'EndpointSlice', { metadata: meta('e'), addressType: 'IPv4', endpoints: [{ addresses: ['fe::1'] }, { addresses: [] }] });
    assert.deepEqual(summary(errs), ['FieldValueInvalid endpoints[0].addresses[0]', 'FieldValueRequired endpoints[1].addresses']);
    assert.deepEqual(summary(create('discovery.k8s.io', 'EndpointSlice', { metadata: meta('e'), addressType: 'IPX' })), ['FieldValueNotSupported addressType']);
  });
  test('Event involvedObject namespace must match', () => {
    const errs = create('', 'Event', { metadata: meta('e'), involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' } });
    assert.deepEqual(errs, [{ type: 'FieldValueInvalid', field: 'involvedObject.namespace', value: 'other', detail: 'does not match event.namespace' }]);
  });
  test('Lease and StorageClass', () => {
    assert.deepEqual(summary(create('coordination.k8s.io', 'Lease', { metadata: meta('l'), spec: { leaseDurationSeconds: 0 } })), ['FieldValueInvalid spec.leaseDurationSeconds']);
    assert.deepEqual(summary(create('storage.k8s.io', 'StorageClass', { metadata: { name: 'sc' } })), ['FieldValueRequired provisioner']);
    const old = { metadata: { name: 'sc' }, provisioner: 'a.io/b', parameters: { x: '1' } };
    assert.deepEqual(summary(update('storage.k8s.io', 'StorageClass', { ...old, parameters: { x: '2' } }, old)), ['FieldValueForbidden parameters']);
  });
  test('status updates', () => {
    const ns = { metadata: { name: 'dev' }, status: { phase: 'Terminating' } };
    assert.deepEqual(summary(validateStatusUpdate(typeOf('', 'Namespace'), ns, { metadata: { name: 'dev' } })), ['FieldValueInvalid status.Phase']);
    const d = { metadata: meta('d'), status: { replicas: 1, readyReplicas: 2 } };
    assert.deepEqual(summary(validateStatusUpdate(typeOf('apps', 'Deployment'), d, { metadata: meta('d') })), ['FieldValueInvalid status.readyReplicas']);
  });
  test('Service status: load balancer ingress only on a LoadBalancer, ipMode with an IP, hostnames DNS names', () => {
    const svc = (type: string, ingress: Json[]): Json => ({ metadata: meta('s'), spec: { type }, status: { loadBalancer: { ingress } } });
    const status = (obj: Json) => summary(validateStatusUpdate(typeOf('', 'Service'), obj, { metadata: meta('s') }));
    assert.deepEqual(status(svc('LoadBalancer', [{ ip: '10.0.0.1', ipMode: 'VIP' }, { ip: '10.0.0.2', ipMode: 'Proxy' }, { hostname: 'lb.example.com' }])), []);
    assert.deepEqual(status(svc('ClusterIP', [{ ip: '10.0.0.1', ipMode: 'VIP' }])), ['FieldValueForbidden status.loadBalancer.ingress']);
    assert.deepEqual(status(svc('ClusterIP', [])), []);
    assert.deepEqual(status(svc('LoadBalancer', [{ ip: '10.0.0.300', ipMode: 'VIP' }, { ip: '10.0.0.1' }, { hostname: 'h.example.com', ipMode: 'VIP' }, { ip: '10.0.0.2', ipMode: 'Magic' }, { hostname: '10.0.0.3' }])), [
      'FieldValueInvalid status.loadBalancer.ingress[0].ip',
      'FieldValueRequired status.loadBalancer.ingress[1].ipMode',
      'FieldValueForbidden status.loadBalancer.ingress[2].ipMode',
      'FieldValueNotSupported status.loadBalancer.ingress[3].ipMode',
      'FieldValueInvalid status.loadBalancer.ingress[4].hostname',
    ]);
  });
});

describe('service address updates', () => {
  const svc = (spec: Json): Json => ({ metadata: meta('s'), spec: { ports: [{ port: 80 }], ...spec } });
  const dual = svc({ clusterIP: '10.43.0.5', clusterIPs: ['10.43.0.5', 'fd00::5'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' });
  test('clusterIPs and ipFamilies set may not change, as upstream', () => {
    const errs = update('', 'Service', svc({ clusterIP: '10.43.0.6', clusterIPs: ['10.43.0.6'] }), svc({ clusterIP: '10.43.0.5', clusterIPs: ['10.43.0.5'] }));
    assert.deepEqual(errs, [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', value: ['10.43.0.6'], detail: 'may not change once set' }]);
    const families = update('', 'Service', svc({ clusterIPs: ['10.43.0.5'], ipFamilies: ['IPv6'] }), svc({ clusterIPs: ['10.43.0.5'], ipFamilies: ['IPv4'] }));
    assert.deepEqual(summary(families).filter((l) => l.includes('ipFamilies[0]')), ['FieldValueInvalid spec.ipFamilies[0]']);
    assert.equal(withField(families, 'spec.ipFamilies[0]')?.detail, 'may not change once set');
  });
  test('dropping the secondary family needs SingleStack; headless Services may change families', () => {
    const down = update('', 'Service', svc({ clusterIP: '10.43.0.5', clusterIPs: ['10.43.0.5'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'PreferDualStack' }), dual);
    assert.deepEqual(
      down.map((e) => e.detail),
      ["must be set to 'SingleStack' when releasing the secondary clusterIP", "must be set to 'SingleStack' when releasing the secondary ipFamily"],
    );
    assert.deepEqual(update('', 'Service', svc({ clusterIP: '10.43.0.5', clusterIPs: ['10.43.0.5'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }), dual), []);
    const headless = (families: string[]) => svc({ clusterIP: 'None', clusterIPs: ['None'], ipFamilies: families, ipFamilyPolicy: 'SingleStack' });
    assert.deepEqual(update('', 'Service', headless(['IPv6']), headless(['IPv4'])), []);
  });
});

describe('ReplicationController and PodTemplate', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  test('a ReplicationController takes its selector from the template; a mismatch, no template labels or a Never policy are refused', () => {
    assert.deepEqual(create('', 'ReplicationController', { metadata: meta('rc'), spec: { template } }), []);
    const mismatch = create('', 'ReplicationController', { metadata: meta('rc'), spec: { selector: { app: 'other' }, template } });
    assert.deepEqual(mismatch, [{ type: 'FieldValueInvalid', field: 'spec.template.metadata.labels', value: { app: 'web' }, detail: '`selector` does not match template `labels`' }]);
    const unlabelled = create('', 'ReplicationController', { metadata: meta('rc'), spec: { template: { spec: template.spec } } });
    assert.deepEqual(summary(unlabelled), ['FieldValueRequired spec.selector']);
    const never = create('', 'ReplicationController', { metadata: meta('rc'), spec: { replicas: -1, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } });
    assert.deepEqual(summary(never), ['FieldValueInvalid spec.replicas', 'FieldValueNotSupported spec.template.spec.restartPolicy']);
  });
  test('a ReplicationController selector may change (unlike a ReplicaSet one)', () => {
    const old = { metadata: meta('rc'), spec: { selector: { app: 'web' }, template } };
    const relabelled = { metadata: meta('rc'), spec: { selector: { tier: 'x' }, template: { ...template, metadata: { labels: { tier: 'x' } } } } };
    assert.deepEqual(update('', 'ReplicationController', relabelled, old), []);
  });
  test('a PodTemplate validates its template as a pod template', () => {
    assert.deepEqual(create('', 'PodTemplate', { metadata: meta('pt'), template }), []);
    const bad = create('', 'PodTemplate', { metadata: meta('pt'), template: { spec: { containers: [{ name: 'c' }] } } });
    assert.deepEqual(summary(bad), ['FieldValueRequired template.spec.containers[0].image']);
  });
});
