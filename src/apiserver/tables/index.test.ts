import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, resourceTypes } from '../registry.js';
import type { ResourceType } from '../registry.js';
import { tableColumns, tableFor } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:57:00Z'; // 3m before now

function resource(group: string, plural: string): ResourceType {
  const r = findResource(group, 'v1', plural);
  assert.ok(r, `${group}/${plural} served`);
  return r;
}

function row(group: string, plural: string, obj: object): unknown[] {
  const t = tableFor(resource(group, plural), [obj], { now, includeObject: 'None' });
  const r = t.rows[0];
  assert.ok(r);
  assert.equal(r.cells.length, t.columnDefinitions.length, 'one cell per column');
  return r.cells;
}

function headers(group: string, plural: string): string[] {
  return tableColumns(resource(group, plural)).map((c) => (c.priority ? `(${c.name})` : c.name));
}

describe('tableFor', () => {
  test('Table shape and includeObject policies', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', creationTimestamp: created, uid: 'u1' }, data: { a: '1' } };
    const meta = tableFor(resource('', 'configmaps'), [cm], { now, includeObject: 'Metadata' });
    assert.equal(meta.kind, 'Table');
    assert.equal(meta.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(meta.rows[0]?.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata });
    assert.deepEqual(meta.rows[0]?.cells, ['cfg', 1, '3m']);
    assert.equal(tableFor(resource('', 'configmaps'), [cm], { now, includeObject: 'Object' }).rows[0]?.object, cm);
    assert.equal('object' in (tableFor(resource('', 'configmaps'), [cm], { now, includeObject: 'None' }).rows[0] ?? {}), false);
    assert.deepEqual(tableFor(resource('', 'configmaps'), [cm], { now, includeObject: 'None', noHeaders: true }).columnDefinitions, []);
  });

  test('every served type has a Name column with format name and an Age column', () => {
    for (const r of resourceTypes) {
      const cols = tableColumns(r);
      const name = cols.find((c) => c.name === 'Name');
      assert.ok(name, `${r.plural} has Name`);
      assert.equal(name.format, 'name');
      // Roles and LimitRanges have upstream's columns NAME, CREATED AT.
      const age = r.kind === 'Role' || r.kind === 'ClusterRole' || r.kind === 'LimitRange' ? 'Created At' : 'Age';
      // Upstream prints PodTemplates without an age: NAME, CONTAINERS, IMAGES, POD LABELS.
      if (r.kind !== 'Event' && r.kind !== 'PodTemplate') assert.ok(cols.some((c) => c.name === age), `${r.plural} has ${age}`);
    }
  });

  test('RBAC: roles NAME, CREATED AT; bindings NAME, ROLE, AGE and wide subjects', () => {
    const created = '2024-05-01T10:00:00Z';
    assert.deepEqual(headers('rbac.authorization.k8s.io', 'clusterroles'), ['Name', 'Created At']);
    assert.deepEqual(row('rbac.authorization.k8s.io', 'roles', { metadata: { name: 'r', creationTimestamp: created } }), ['r', created]);
    assert.deepEqual(headers('rbac.authorization.k8s.io', 'rolebindings'), ['Name', 'Role', 'Age', '(Users)', '(Groups)', '(ServiceAccounts)']);
    const binding = {
      metadata: { name: 'b', creationTimestamp: created },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'bob' },
        { kind: 'User', name: 'amy' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' },
      ],
    };
    const cells = row('rbac.authorization.k8s.io', 'clusterrolebindings', binding);
    assert.deepEqual([cells[0], cells[1], ...cells.slice(3)], ['b', 'ClusterRole/view', 'bob, amy', 'devs', 'ns/sa']);
  });

  test('default table for types without a printer (Binding)', () => {
    assert.deepEqual(headers('', 'bindings'), ['Name', 'Age']);
  });
});

describe('core types', () => {
  test('Service from the seed: ClusterIP with two ports', () => {
    const svc = {
      metadata: { name: 'web', namespace: 'default', creationTimestamp: created },
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.170.11.11',
        clusterIPs: ['10.170.11.11'],
        selector: { app: 'web', tier: 'front' },
        ports: [
          { name: 'abc', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'redis', port: 99, targetPort: 6379, protocol: 'TCP' },
        ],
      },
    };
    assert.deepEqual(headers('', 'services'), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', '(Selector)']);
    assert.deepEqual(row('', 'services', svc), ['web', 'ClusterIP', '10.170.11.11', '<none>', '80/TCP,99/TCP', '3m', 'app=web,tier=front']);
  });

  test('Service: NodePort, LoadBalancer pending and with address, ExternalName', () => {
    const base = { metadata: { name: 's', creationTimestamp: created } };
    const np = { ...base, spec: { type: 'NodePort', clusterIPs: ['10.0.0.9'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } };
    assert.deepEqual(row('', 'services', np).slice(1, 5), ['NodePort', '10.0.0.9', '<none>', '80:30080/TCP,53/UDP']);
    const lb = { ...base, spec: { type: 'LoadBalancer', clusterIPs: ['10.0.0.9'], ports: [] } };
    assert.deepEqual(row('', 'services', lb).slice(1, 5), ['LoadBalancer', '10.0.0.9', '<pending>', '<none>']);
    const lb2 = { ...lb, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }, { hostname: 'lb.example.com' }] } } };
    assert.equal(row('', 'services', lb2)[3], '192.0.2.10,lb.example.com');
    const en = { ...base, spec: { type: 'ExternalName', externalName: 'db.example.com' } };
    assert.deepEqual(row('', 'services', en).slice(1, 4), ['ExternalName', '<none>', 'db.example.com']);
    assert.equal(row('', 'services', { ...base, spec: { type: 'ClusterIP', clusterIPs: ['None'] } })[6], '<none>');
  });

  test('Node: Ready, NotReady, SchedulingDisabled, roles and wide cells', () => {
    const node = {
      metadata: { name: 'n1', creationTimestamp: created, labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'infra' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'n1' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'skiff://0.1.0' },
      },
    };
    assert.deepEqual(row('', 'nodes', node), [
      'n1', 'Ready,SchedulingDisabled', 'control-plane,infra,worker', '3m', 'v1.32.0', '172.18.0.2', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'skiff://0.1.0',
    ]);
    const notReady = { metadata: { name: 'n2', creationTimestamp: created }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } };
    assert.deepEqual(row('', 'nodes', notReady), ['n2', 'NotReady', '<none>', '3m', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
    assert.equal(row('', 'nodes', { metadata: { name: 'n3' } })[1], 'Unknown');
  });

  test('Namespace, Secret, ServiceAccount, ConfigMap with binaryData', () => {
    assert.deepEqual(row('', 'namespaces', { metadata: { name: 'kube-system', creationTimestamp: created }, status: { phase: 'Active' } }), ['kube-system', 'Active', '3m']);
    assert.deepEqual(row('', 'secrets', { metadata: { name: 'tok', creationTimestamp: created }, type: 'kubernetes.io/service-account-token', data: { token: 'eA==', 'ca.crt': 'eA==', namespace: 'eA==' } }), [
      'tok', 'kubernetes.io/service-account-token', 3, '3m',
    ]);
    assert.deepEqual(row('', 'serviceaccounts', { metadata: { name: 'default', creationTimestamp: created } }), ['default', 0, '3m']);
    assert.deepEqual(row('', 'configmaps', { metadata: { name: 'c' }, data: { a: '1' }, binaryData: { b: 'eA==' } }), ['c', 2, '<unknown>']);
  });

  test('Endpoints with the + N more... truncation', () => {
    const ep = {
      metadata: { name: 'web', creationTimestamp: created },
      subsets: [
        { addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }], ports: [{ name: 'abc', port: 8080 }, { name: 'redis', port: 6379 }] },
      ],
    };
    assert.deepEqual(row('', 'endpoints', ep), ['web', '10.244.0.5:8080,10.244.0.6:8080,10.244.0.5:6379 + 1 more...', '3m']);
    assert.equal(row('', 'endpoints', { metadata: { name: 'x' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] })[1], '10.0.0.1:80');
    assert.equal(row('', 'endpoints', { metadata: { name: 'x' } })[1], '<none>');
    assert.equal(row('', 'endpoints', { metadata: { name: 'x' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }] })[1], '10.0.0.1,10.0.0.2');
  });

  test('Events: core/v1 and events.k8s.io', () => {
    assert.deepEqual(headers('', 'events'), ['Last Seen', 'Type', 'Reason', 'Object', '(Subobject)', '(Source)', 'Message', '(First Seen)', '(Count)', '(Name)']);
    const ev = {
      metadata: { name: 'web-1.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container\n',
      type: 'Warning',
      source: { component: 'kubelet', host: 'node-a' },
      firstTimestamp: '2024-05-01T11:00:00Z',
      lastTimestamp: '2024-05-01T11:58:00Z',
      count: 7,
    };
    assert.deepEqual(row('', 'events', ev), [
      '2m', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{app}', 'kubelet, node-a', 'Back-off restarting failed container', '60m', 7, 'web-1.17a',
    ]);
    const single = {
      metadata: { name: 'e2' },
      involvedObject: { kind: 'Node' },
      reason: 'Starting',
      type: 'Normal',
      eventTime: '2024-05-01T11:59:55.000000Z',
      reportingComponent: 'kube-proxy',
      reportingInstance: 'node-a',
    };
    assert.deepEqual(row('', 'events', single), ['5s', 'Normal', 'Starting', 'node', '', 'kube-proxy, node-a', '', '5s', 1, 'e2']);
    const v1 = {
      metadata: { name: 'e3' },
      regarding: { kind: 'Deployment', name: 'web' },
      reason: 'ScalingReplicaSet',
      note: 'Scaled up replica set web-abc to 2',
      type: 'Normal',
      eventTime: '2024-05-01T11:50:00.000000Z',
      series: { count: 3, lastObservedTime: '2024-05-01T11:59:00.000000Z' },
      reportingController: 'deployment-controller',
    };
    assert.deepEqual(row('events.k8s.io', 'events', v1), [
      '60s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up replica set web-abc to 2', '10m', 3, 'e3',
    ]);
  });

  test('PersistentVolume and PersistentVolumeClaim', () => {
    assert.deepEqual(headers('', 'persistentvolumeclaims'), [
      'Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', '(VolumeMode)',
    ]);
    const pvc = {
      metadata: { name: 'data', creationTimestamp: created },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', volumeName: 'pv-1', volumeMode: 'Filesystem' },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce', 'ReadWriteOncePod'], capacity: { storage: '1Gi' } },
    };
    assert.deepEqual(row('', 'persistentvolumeclaims', pvc), ['data', 'Bound', 'pv-1', '1Gi', 'RWO,RWOP', 'standard', '<unset>', '3m', 'Filesystem']);
    const pending = { metadata: { name: 'p', creationTimestamp: created }, spec: { resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } };
    assert.deepEqual(row('', 'persistentvolumeclaims', pending), ['p', 'Pending', '', '', '', '', '<unset>', '3m', '<unset>']);
    const pv = {
      metadata: { name: 'pv-1', creationTimestamp: created },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany', 'ReadOnlyMany'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'standard', volumeMode: 'Filesystem' },
      status: { phase: 'Bound' },
    };
    assert.deepEqual(row('', 'persistentvolumes', pv), ['pv-1', '1Gi', 'ROX,RWX', 'Retain', 'Bound', 'default/data', 'standard', '<unset>', '', '3m', 'Filesystem']);
  });
});

describe('workloads', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } };

  test('Deployment', () => {
    assert.deepEqual(headers('apps', 'deployments'), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', '(Containers)', '(Images)', '(Selector)']);
    const d = { metadata: { name: 'web', creationTimestamp: created }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
    assert.deepEqual(row('apps', 'deployments', d), ['web', '2/3', 3, 2, '3m', 'app,log', 'nginx:1.27,busybox', 'app=web']);
    assert.deepEqual(row('apps', 'deployments', { metadata: { name: 'x' }, spec: { replicas: 0, template } }).slice(1, 4), ['0/0', 0, 0]);
  });

  test('ReplicationController and PodTemplate', () => {
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
    const rc = { metadata: { name: 'rc', creationTimestamp: created }, spec: { replicas: 3, selector: { app: 'web' }, template }, status: { replicas: 2, readyReplicas: 1 } };
    assert.deepEqual(row('', 'replicationcontrollers', rc), ['rc', 3, 2, 1, '3m', 'app', 'nginx:1.27', 'app=web']);
    assert.deepEqual(row('', 'podtemplates', { metadata: { name: 'pt' }, template }), ['pt', 'app', 'nginx:1.27', 'app=web']);
  });

  test('ReplicaSet, StatefulSet, DaemonSet', () => {
    const rs = { metadata: { name: 'web-abc', creationTimestamp: created }, spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } }, template }, status: { replicas: 2, readyReplicas: 1 } };
    assert.deepEqual(row('apps', 'replicasets', rs), ['web-abc', 2, 2, 1, '3m', 'app,log', 'nginx:1.27,busybox', 'app=web,pod-template-hash=abc']);
    const sts = { metadata: { name: 'db', creationTimestamp: created }, spec: { replicas: 3, selector: { matchLabels: { app: 'db' } }, template }, status: { readyReplicas: 3 } };
    assert.deepEqual(row('apps', 'statefulsets', sts), ['db', '3/3', '3m', 'app,log', 'nginx:1.27,busybox']);
    assert.deepEqual(headers('apps', 'daemonsets'), ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', '(Containers)', '(Images)', '(Selector)']);
    const ds = {
      metadata: { name: 'proxy', creationTimestamp: created },
      spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['proxy'] }] }, template: { spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    };
    assert.deepEqual(row('apps', 'daemonsets', ds), ['proxy', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '3m', 'app,log', 'nginx:1.27,busybox', 'app in (proxy)']);
  });

  test('ControllerRevision', () => {
    const cr = {
      metadata: { name: 'proxy-5d8', creationTimestamp: created, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'proxy', uid: 'u', controller: true }] },
      revision: 2,
    };
    assert.deepEqual(row('apps', 'controllerrevisions', cr), ['proxy-5d8', 'daemonset.apps/proxy', 2, '3m']);
    assert.equal(row('apps', 'controllerrevisions', { metadata: { name: 'x' }, revision: 1 })[1], '<none>');
  });

  test('Job: status, completions and duration', () => {
    assert.deepEqual(headers('batch', 'jobs'), ['Name', 'Status', 'Completions', 'Duration', 'Age', '(Containers)', '(Images)', '(Selector)']);
    const complete = {
      metadata: { name: 'pi', creationTimestamp: created },
      spec: { completions: 1, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, template },
      status: { succeeded: 1, startTime: '2024-05-01T11:57:00Z', completionTime: '2024-05-01T11:57:42Z', conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] },
    };
    assert.deepEqual(row('batch', 'jobs', complete), ['pi', 'Complete', '1/1', '42s', '3m', 'app,log', 'nginx:1.27,busybox', 'batch.kubernetes.io/controller-uid=u1']);
    const running = { metadata: { name: 'w', creationTimestamp: created }, spec: { parallelism: 3, template }, status: { succeeded: 1, startTime: '2024-05-01T11:58:00Z' } };
    assert.deepEqual(row('batch', 'jobs', running).slice(1, 4), ['Running', '1/1 of 3', '2m']);
    const failed = { metadata: { name: 'f' }, spec: { completions: 2, template }, status: { conditions: [{ type: 'Failed', status: 'True' }] } };
    assert.deepEqual(row('batch', 'jobs', failed).slice(1, 4), ['Failed', '0/2', '']);
    assert.equal(row('batch', 'jobs', { metadata: { name: 's' }, spec: { template }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } })[1], 'Suspended');
    assert.equal(row('batch', 'jobs', { metadata: { name: 't', deletionTimestamp: created }, spec: { template } })[1], 'Terminating');
  });

  test('CronJob', () => {
    assert.deepEqual(headers('batch', 'cronjobs'), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', '(Containers)', '(Images)', '(Selector)']);
    const cj = {
      metadata: { name: 'hello', creationTimestamp: created },
      spec: { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: 'hello-1' }], lastScheduleTime: '2024-05-01T11:59:00Z' },
    };
    assert.deepEqual(row('batch', 'cronjobs', cj), ['hello', '*/1 * * * *', '<none>', 'False', 1, '60s', '3m', 'app,log', 'nginx:1.27,busybox', '<none>']);
    const tz = { metadata: { name: 'tz' }, spec: { schedule: '0 0 * * *', timeZone: 'Etc/UTC', jobTemplate: { spec: { template } } } };
    assert.deepEqual(row('batch', 'cronjobs', tz).slice(2, 6), ['Etc/UTC', '<unset>', 0, '<none>']);
  });
});

describe('other groups', () => {
  test('Lease and EndpointSlice', () => {
    assert.deepEqual(row('coordination.k8s.io', 'leases', { metadata: { name: 'n1', creationTimestamp: created }, spec: { holderIdentity: 'n1' } }), ['n1', 'n1', '3m']);
    const slice = {
      metadata: { name: 'web-x7', creationTimestamp: created },
      addressType: 'IPv4',
      ports: [{ name: 'abc', port: 8080 }, { name: 'redis', port: 6379 }],
      endpoints: [{ addresses: ['10.244.0.5'] }, { addresses: ['10.244.0.6'] }, { addresses: ['10.244.0.7'] }, { addresses: ['10.244.0.8'] }],
    };
    assert.deepEqual(row('discovery.k8s.io', 'endpointslices', slice), ['web-x7', 'IPv4', '8080,6379', '10.244.0.5,10.244.0.6,10.244.0.7 + 1 more...', '3m']);
    assert.deepEqual(row('discovery.k8s.io', 'endpointslices', { metadata: { name: 'e' }, addressType: 'IPv4' }).slice(2, 4), ['<unset>', '<unset>']);
  });

  test('Ingress and IngressClass', () => {
    const ing = {
      metadata: { name: 'web', creationTimestamp: created },
      spec: { ingressClassName: 'skiff', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
      status: { loadBalancer: { ingress: [{ ip: '172.18.0.2' }] } },
    };
    assert.deepEqual(row('networking.k8s.io', 'ingresses', ing), ['web', 'skiff', 'a.example.com,b.example.com', '172.18.0.2', '80, 443', '3m']);
    assert.deepEqual(row('networking.k8s.io', 'ingresses', { metadata: { name: 'x' }, spec: { rules: [{}] } }).slice(1, 5), ['<none>', '*', '', '80']);
    const many = { metadata: { name: 'm' }, spec: { rules: ['a', 'b', 'c', 'd', 'e'].map((h) => ({ host: `${h}.io` })) } };
    assert.equal(row('networking.k8s.io', 'ingresses', many)[2], 'a.io,b.io,c.io + 2 more...');
    const ic = { metadata: { name: 'skiff', creationTimestamp: created }, spec: { controller: 'skiff.dev/ingress', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } } };
    assert.deepEqual(row('networking.k8s.io', 'ingressclasses', ic), ['skiff', 'skiff.dev/ingress', 'IngressParameters.k8s.example.com/p', '3m']);
  });

  test('NetworkPolicy: NAME, POD-SELECTOR, AGE', () => {
    assert.deepEqual(headers('networking.k8s.io', 'networkpolicies'), ['Name', 'Pod-Selector', 'Age']);
    const deny = { metadata: { name: 'default-deny', creationTimestamp: created }, spec: { podSelector: {} } };
    assert.deepEqual(row('networking.k8s.io', 'networkpolicies', deny), ['default-deny', '<none>', '3m']);
    const web = { metadata: { name: 'web', creationTimestamp: created }, spec: { podSelector: { matchLabels: { app: 'web', tier: 'front' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] } } };
    assert.deepEqual(row('networking.k8s.io', 'networkpolicies', web), ['web', 'app=web,env in (dev,prod),tier=front', '3m']);
  });

  test('StorageClass with default annotation and defaults', () => {
    const sc = { metadata: { name: 'standard', creationTimestamp: created, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'skiff.dev/hostpath' };
    assert.deepEqual(row('storage.k8s.io', 'storageclasses', sc), ['standard (default)', 'skiff.dev/hostpath', 'Delete', 'Immediate', false, '3m']);
  });
});
