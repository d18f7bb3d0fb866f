import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { buildContainerConfig, containerResources, containerSpecHash, milliCPUToShares, podQOSClass, type ContainerConfigOptions } from './container-config.js';
import { containerOOMScoreAdj } from './qos.js';
import { runAsNonRootViolation } from './security-context.js';

const GiB = 2 ** 30;

/** The seed's tomcat-redis pod (app: canary-tomcat) with its two containers. */
function seedPod(): Pod {
  return {
    metadata: { name: 'tomcat-redis', namespace: 'default', uid: '5f0c-uid', labels: { app: 'canary-tomcat' } },
    spec: {
      terminationGracePeriodSeconds: 30,
      containers: [
        { name: 'tomcat-container', image: 'tomcat', ports: [{ containerPort: 8080, protocol: 'TCP' }], terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
        { name: 'redis-container', image: 'redis', ports: [{ containerPort: 6379, protocol: 'TCP' }], terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
      ],
    },
  };
}

const baseOptions: ContainerConfigOptions = { attempt: 0, imageRef: 'docker.io/library/tomcat:latest', env: [], mounts: [], restartCount: 0, nodeMemoryCapacityBytes: 16 * GiB };

function withResources(requests: Record<string, string> | undefined, limits: Record<string, string> | undefined, extra: Partial<Container> = {}): Container {
  return { name: 'c', image: 'busybox', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) }, ...extra };
}

function podWith(...containers: Container[]): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers } };
}

describe('podQOSClass', () => {
  test('BestEffort, Burstable and Guaranteed by upstream\'s rules', () => {
    assert.equal(podQOSClass(seedPod()), 'BestEffort');
    assert.equal(podQOSClass(podWith(withResources({ cpu: '100m' }, undefined))), 'Burstable');
    assert.equal(podQOSClass(podWith(withResources({ cpu: '1', memory: '1Gi' }, { cpu: '1000m', memory: '1024Mi' }))), 'Guaranteed');
    // Limits alone stay Burstable here: the API server's defaulting copies limits into requests first.
    assert.equal(podQOSClass(podWith(withResources(undefined, { cpu: '1', memory: '1Gi' }))), 'Burstable');
    assert.equal(podQOSClass(podWith(withResources({ cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }))), 'Burstable');
    assert.equal(podQOSClass(podWith(withResources({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }), withResources(undefined, undefined))), 'Burstable');
    assert.equal(podQOSClass(podWith(withResources({ cpu: '0' }, { memory: '0' }))), 'BestEffort');
    assert.equal(podQOSClass({ ...podWith(withResources({ cpu: '100m' }, undefined)), status: { qosClass: 'BestEffort' } }), 'BestEffort');
  });
});

describe('containerResources', () => {
  test('cpu shares, CFS quota and memory limit', () => {
    const container = withResources({ cpu: '250m', memory: '256Mi' }, { cpu: '500m', memory: '512Mi' });
    const resources = containerResources(podWith(container), container, 16 * GiB);
    assert.equal(resources.cpuShares, 256);
    assert.equal(resources.cpuPeriod, 100000);
    assert.equal(resources.cpuQuota, 50000);
    assert.equal(resources.memoryLimitInBytes, 512 * 2 ** 20);
  });

  test('no requests: minimum shares, no quota, no memory limit; a limit alone sets shares', () => {
    const none = withResources(undefined, undefined);
    assert.deepEqual(containerResources(podWith(none), none, 16 * GiB), { cpuShares: 2, cpuPeriod: 100000, cpuQuota: 0, oomScoreAdj: 1000 });
    const limitOnly = withResources(undefined, { cpu: '2' });
    assert.equal(containerResources(podWith(limitOnly), limitOnly, 16 * GiB).cpuShares, 2048);
    const tiny = withResources({ cpu: '1m' }, { cpu: '1m' });
    assert.equal(containerResources(podWith(tiny), tiny, 16 * GiB).cpuQuota, 1000);
    assert.equal(milliCPUToShares(1), 2);
  });

  test('oom_score_adj by QoS class', () => {
    const guaranteed = withResources({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' });
    assert.equal(containerOOMScoreAdj(podWith(guaranteed), guaranteed, 16 * GiB), -997);
    const burstable = withResources({ memory: '4Gi' }, undefined);
    assert.equal(containerOOMScoreAdj(podWith(burstable), burstable, 16 * GiB), 750);
    const huge = withResources({ memory: '16Gi' }, undefined);
    assert.equal(containerOOMScoreAdj(podWith(huge), huge, 16 * GiB), 3);
    const cpuOnly = withResources({ cpu: '1' }, undefined);
    assert.equal(containerOOMScoreAdj(podWith(cpuOnly), cpuOnly, 16 * GiB), 999);
    const critical: Pod = { metadata: { name: 'p' }, spec: { containers: [cpuOnly], priority: 2000001000, priorityClassName: 'system-node-critical' } };
    assert.equal(containerOOMScoreAdj(critical, cpuOnly, 16 * GiB), -997);
  });
});

describe('buildContainerConfig', () => {
  test('the seed\'s tomcat-container', () => {
    const pod = seedPod();
    const container = pod.spec!.containers[0]!;
    const config = buildContainerConfig(pod, container, {
      ...baseOptions,
      attempt: 2,
      restartCount: 2,
      env: [{ key: 'CATALINA_OPTS', value: '-Xmx256m' }],
      mounts: [{ containerPath: '/etc/hosts', hostPath: '/var/lib/skiff/pods/5f0c-uid/etc-hosts' }],
    });
    assert.deepEqual(config.metadata, { name: 'tomcat-container', attempt: 2 });
    assert.deepEqual(config.image, { image: 'docker.io/library/tomcat:latest', userSpecifiedImage: 'tomcat' });
    assert.equal(config.logPath, 'tomcat-container/2.log');
    assert.deepEqual(config.envs, [{ key: 'CATALINA_OPTS', value: '-Xmx256m' }]);
    assert.deepEqual(config.mounts, [{ containerPath: '/etc/hosts', hostPath: '/var/lib/skiff/pods/5f0c-uid/etc-hosts' }]);
    assert.deepEqual(config.labels, {
      'io.kubernetes.pod.name': 'tomcat-redis', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': '5f0c-uid', 'io.kubernetes.container.name': 'tomcat-container',
    });
    assert.deepEqual(config.annotations, {
      'io.kubernetes.container.hash': containerSpecHash(container),
      'io.kubernetes.container.restartCount': '2',
      'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
      'io.kubernetes.container.terminationMessagePolicy': 'File',
      'io.kubernetes.pod.terminationGracePeriod': '30',
      'io.kubernetes.container.ports': '[{"containerPort":8080,"protocol":"TCP"}]',
      'io.kubernetes.container.type': 'container',
    });
    assert.equal(config.stdin, false);
    assert.equal(config.tty, false);
    assert.equal(config.linux?.resources?.oomScoreAdj, 1000);
    assert.deepEqual(config.linux?.securityContext?.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
    assert.equal(config.linux?.securityContext?.privileged, false);
    assert.ok(config.linux?.securityContext?.maskedPaths?.includes('/proc/kcore'));
  });

  test('command and args are expanded from the environment', () => {
    const container: Container = { name: 'c', image: 'busybox', command: ['sh', '-c'], args: ['echo $(MSG) $$(MSG)'] };
    const config = buildContainerConfig(podWith(container), container, { ...baseOptions, env: [{ key: 'MSG', value: 'hi' }] });
    assert.deepEqual(config.command, ['sh', '-c']);
    assert.deepEqual(config.args, ['echo hi $(MSG)']);
  });

  test('security context: container fields override the pod\'s; groups and host namespaces from the pod', () => {
    const container: Container = {
      name: 'c', image: 'busybox', stdin: true, tty: true, workingDir: '/work',
      securityContext: { runAsUser: 2000, readOnlyRootFilesystem: true, privileged: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } },
    };
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'default', uid: 'u' },
      spec: {
        hostNetwork: true, hostPID: true, initContainers: [container], containers: [],
        securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 5000] },
      },
    };
    const config = buildContainerConfig(pod, container, baseOptions);
    const sc = config.linux?.securityContext;
    assert.deepEqual(sc?.runAsUser, { value: 2000 });
    assert.deepEqual(sc?.runAsGroup, { value: 3000 });
    assert.equal(sc?.readonlyRootfs, true);
    assert.equal(sc?.privileged, true);
    assert.equal(sc?.noNewPrivs, true);
    assert.deepEqual(sc?.capabilities, { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] });
    assert.deepEqual(sc?.supplementalGroups, [2000, 4000, 5000]);
    assert.deepEqual(sc?.namespaceOptions, { network: 'NODE', pid: 'NODE', ipc: 'POD' });
    assert.equal(config.annotations?.['io.kubernetes.container.type'], 'init');
    assert.equal(config.workingDir, '/work');
    assert.equal(config.stdin, true);
    assert.equal(config.tty, true);
  });

  test('image user fills runAsUser only when the pod and container leave it unset', () => {
    const container: Container = { name: 'c', image: 'busybox' };
    const sc = buildContainerConfig(podWith(container), container, { ...baseOptions, imageUser: { uid: 65534 } }).linux?.securityContext;
    assert.deepEqual(sc?.runAsUser, { value: 65534 });
  });
});

describe('containerSpecHash', () => {
  test('stable under key order; changes with the image; ignores resources', () => {
    const a: Container = { name: 'c', image: 'nginx:1.22', ports: [{ containerPort: 80, name: 'web' }] };
    const b = { ports: [{ name: 'web', containerPort: 80 }], image: 'nginx:1.22', name: 'c' } as Container;
    assert.equal(containerSpecHash(a), containerSpecHash(b));
    assert.notEqual(containerSpecHash(a), containerSpecHash({ ...a, image: 'nginx:1.23' }));
    assert.equal(containerSpecHash(a), containerSpecHash({ ...a, resources: { limits: { cpu: '1' } } }));
    assert.match(containerSpecHash(a), /^[0-9a-f]{16}$/);
  });
});

describe('runAsNonRootViolation', () => {
  test('upstream\'s messages', () => {
    const container: Container = { name: 'c', image: 'busybox', securityContext: { runAsNonRoot: true } };
    const pod = podWith(container);
    assert.equal(runAsNonRootViolation(pod, container, 0, undefined), 'container has runAsNonRoot and image will run as root (pod: "p_default(u)", container: c)');
    assert.equal(runAsNonRootViolation(pod, container, 1000, undefined), undefined);
    assert.match(runAsNonRootViolation(pod, container, undefined, 'nobody') ?? '', /image has non-numeric user \(nobody\)/);
    const root: Container = { ...container, securityContext: { runAsNonRoot: true, runAsUser: 0 } };
    assert.match(runAsNonRootViolation(pod, root, 1000, undefined) ?? '', /^container's runAsUser breaks non-root policy/);
  });
});
