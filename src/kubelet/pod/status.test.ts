import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { podConditions, podPhase, type ContainerStateInput } from './status.js';

const running = (name: string, ready = true): ContainerStateInput => ({ name, state: 'running', ready, started: true });
const waiting = (name: string, reason = 'ContainerCreating'): ContainerStateInput => ({ name, state: 'waiting', reason, ready: false });
const exited = (name: string, exitCode: number): ContainerStateInput => ({ name, state: 'terminated', exitCode, ready: false, reason: exitCode === 0 ? 'Completed' : 'Error' });
const restarting = (name: string, exitCode: number): ContainerStateInput => ({ name, state: 'waiting', reason: 'CrashLoopBackOff', exitCode, ready: false, restarting: true });

function seedPod(restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always', initContainers: { name: string; restartPolicy?: string }[] = []): Pod {
  return {
    metadata: { name: 'tomcat-redis', namespace: 'default' },
    spec: {
      restartPolicy,
      initContainers: initContainers.map((c) => ({ image: 'busybox', ...c })),
      containers: [{ name: 'tomcat-container', image: 'tomcat' }, { name: 'redis-container', image: 'redis' }],
    },
  };
}

describe('podPhase', () => {
  test('Pending while a container waits for its first start, Running when all started', () => {
    const pod = seedPod();
    assert.equal(podPhase(pod, [], [running('tomcat-container'), waiting('redis-container')]), 'Pending');
    assert.equal(podPhase(pod, [], [running('tomcat-container')]), 'Pending');
    assert.equal(podPhase(pod, [], [running('tomcat-container'), running('redis-container', false)]), 'Running');
    assert.equal(podPhase(pod, [], [running('tomcat-container'), restarting('redis-container', 1)]), 'Running');
  });

  test('all stopped: restart policy decides', () => {
    const allOk = [exited('tomcat-container', 0), exited('redis-container', 0)];
    const oneFailed = [exited('tomcat-container', 0), exited('redis-container', 2)];
    assert.equal(podPhase(seedPod('Always'), [], allOk), 'Running');
    assert.equal(podPhase(seedPod('OnFailure'), [], allOk), 'Succeeded');
    assert.equal(podPhase(seedPod('Never'), [], allOk), 'Succeeded');
    assert.equal(podPhase(seedPod('Never'), [], oneFailed), 'Failed');
    assert.equal(podPhase(seedPod('OnFailure'), [], oneFailed), 'Running');
    assert.equal(podPhase(seedPod('Always'), [], oneFailed, { podIsTerminal: true }), 'Failed');
    assert.equal(podPhase(seedPod('Always'), [], allOk, { podIsTerminal: true }), 'Succeeded');
  });

  test('init containers', () => {
    const pod = seedPod('Always', [{ name: 'init-db' }]);
    const regularWaiting = [waiting('tomcat-container', 'PodInitializing'), waiting('redis-container', 'PodInitializing')];
    assert.equal(podPhase(pod, [running('init-db')], regularWaiting), 'Pending');
    assert.equal(podPhase(pod, [exited('init-db', 0)], [running('tomcat-container'), running('redis-container')]), 'Running');
    assert.equal(podPhase(seedPod('Never', [{ name: 'init-db' }]), [exited('init-db', 1)], regularWaiting), 'Failed');
    assert.equal(podPhase(pod, [restarting('init-db', 1)], regularWaiting), 'Pending');
  });

  test('a started sidecar (restartable init container) counts as running', () => {
    const pod = seedPod('Always', [{ name: 'proxy', restartPolicy: 'Always' }]);
    assert.equal(podPhase(pod, [running('proxy')], [running('tomcat-container'), running('redis-container')]), 'Running');
    assert.equal(podPhase(pod, [{ ...running('proxy'), started: false }], [waiting('tomcat-container'), waiting('redis-container')]), 'Pending');
  });
});

describe('podConditions', () => {
  const now = '2024-05-01T10:00:00Z';
  const later = '2024-05-01T10:05:00Z';
  const byType = (conditions: PodCondition[]): Record<string, PodCondition> => Object.fromEntries(conditions.map((c) => [c.type, c]));

  test('unready containers: ContainersNotReady with upstream\'s message, Ready follows', () => {
    const pod = seedPod();
    const regular = [running('tomcat-container', false), waiting('redis-container')];
    const conditions = podConditions(pod, [], regular, podPhase(pod, [], regular), now);
    assert.deepEqual(conditions.map((c) => c.type), ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    const c = byType(conditions);
    assert.deepEqual(c.ContainersReady, {
      type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [tomcat-container redis-container]', lastTransitionTime: now,
    });
    assert.deepEqual(c.Ready, { ...c.ContainersReady, type: 'Ready' });
    assert.deepEqual(c.Initialized, { type: 'Initialized', status: 'True', lastTransitionTime: now });
    assert.deepEqual(c.PodScheduled, { type: 'PodScheduled', status: 'True', lastTransitionTime: now });
  });

  test('lastTransitionTime kept while the status holds, PodScheduled and foreign conditions kept as they are', () => {
    const pod = seedPod();
    const previous: PodCondition[] = [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-05-01T09:00:00Z' },
      { type: 'example.com/gate', status: 'True', lastTransitionTime: '2024-05-01T09:30:00Z' },
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
      { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
    ];
    const regular = [running('tomcat-container'), running('redis-container')];
    const conditions = podConditions({ ...pod, status: { conditions: previous } }, [], regular, 'Running', later);
    assert.deepEqual(conditions.map((c) => c.type), ['example.com/gate', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    const c = byType(conditions);
    assert.equal(c.Initialized?.lastTransitionTime, now);
    assert.deepEqual(c.Ready, { type: 'Ready', status: 'True', lastTransitionTime: later });
    assert.deepEqual(c.ContainersReady, { type: 'ContainersReady', status: 'True', lastTransitionTime: later });
    assert.deepEqual(c.PodScheduled, previous[0]);
    assert.deepEqual(c['example.com/gate'], previous[1]);
  });

  test('init containers not done: ContainersNotInitialized', () => {
    const pod = seedPod('Always', [{ name: 'init-a' }, { name: 'init-b' }]);
    const c = byType(podConditions(pod, [running('init-a', false)], [waiting('tomcat-container', 'PodInitializing'), waiting('redis-container', 'PodInitializing')], 'Pending', now));
    assert.deepEqual(c.Initialized, {
      type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized',
      message: 'containers with unknown status: [init-b], containers with incomplete status: [init-a]', lastTransitionTime: now,
    });
  });

  test('completed and failed pods', () => {
    const pod = seedPod('Never', [{ name: 'init-a' }]);
    const done = [exited('tomcat-container', 0), exited('redis-container', 0)];
    const succeeded = byType(podConditions(pod, [exited('init-a', 0)], done, 'Succeeded', now));
    assert.deepEqual(succeeded.Initialized, { type: 'Initialized', status: 'True', reason: 'PodCompleted', lastTransitionTime: now });
    assert.deepEqual(succeeded.ContainersReady, { type: 'ContainersReady', status: 'False', reason: 'PodCompleted', lastTransitionTime: now });
    assert.equal(succeeded.Ready?.reason, 'PodCompleted');
    const failed = byType(podConditions(pod, [exited('init-a', 0)], [exited('tomcat-container', 1), exited('redis-container', 0)], 'Failed', now));
    assert.equal(failed.Ready?.reason, 'PodFailed');
  });

  test('readiness gates and PodReadyToStartContainers', () => {
    const pod: Pod = { ...seedPod(), spec: { ...seedPod().spec!, readinessGates: [{ conditionType: 'example.com/lb' }] } };
    const regular = [running('tomcat-container'), running('redis-container')];
    const c = byType(podConditions(pod, [], regular, 'Running', now, { sandboxReady: true }));
    assert.deepEqual(c.Ready, {
      type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady',
      message: 'corresponding condition of pod readiness gate "example.com/lb" does not exist.', lastTransitionTime: now,
    });
    assert.deepEqual(c.PodReadyToStartContainers, { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: now });
  });
});
