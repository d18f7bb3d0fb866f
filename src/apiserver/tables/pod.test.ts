import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podPrinter } from './pod.js';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:00:00Z';

function pod(p: Partial<Pod> & { status?: Pod['status'] }, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    ...p,
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: created, ...p.metadata },
    spec: { containers: [{ name: 'app', image: 'nginx' }, { name: 'sidecar', image: 'envoy' }], ...spec },
  };
}

function cells(p: Pod): unknown[] {
  return podPrinter.print(p, now).cells;
}

const running = { running: { startedAt: '2024-05-01T11:01:00Z' } };

describe('pod table', () => {
  test('columns as upstream, wide ones priority 1', () => {
    assert.deepEqual(
      podPrinter.columns.map((c) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Ready', 'string', 0],
        ['Status', 'string', 0],
        ['Restarts', 'string', 0],
        ['Age', 'string', 0],
        ['IP', 'string', 1],
        ['Node', 'string', 1],
        ['Nominated Node', 'string', 1],
        ['Readiness Gates', 'string', 1],
      ],
    );
    assert.equal(podPrinter.columns[0]?.format, 'name');
  });

  test('running pod 2/2 ready with restarts (5m ago)', () => {
    const p = pod(
      {
        status: {
          phase: 'Running',
          podIPs: [{ ip: '10.244.1.5' }],
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [
            { name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 3, state: running, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:55:00Z' } } },
            { name: 'sidecar', image: 'envoy', imageID: '', ready: true, restartCount: 0, state: running },
          ],
        },
      },
      { nodeName: 'node-a' },
    );
    assert.deepEqual(cells(p), ['web-1', '2/2', 'Running', '3 (5m ago)', '60m', '10.244.1.5', 'node-a', '<none>', '<none>']);
  });

  test('CrashLoopBackOff wins over a ready container', () => {
    const p = pod({
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:58:30Z' } } },
          { name: 'sidecar', image: 'envoy', imageID: '', ready: true, restartCount: 0, state: running },
        ],
      },
    });
    assert.deepEqual(cells(p).slice(0, 4), ['web-1', '1/2', 'CrashLoopBackOff', '5 (90s ago)']);
  });

  test('pending pod without statuses', () => {
    assert.deepEqual(cells(pod({ status: { phase: 'Pending' } })).slice(0, 6), ['web-1', '0/2', 'Pending', '0', '60m', '<none>']);
  });

  test('a lone status.podIP shows as IP', () => {
    assert.equal(cells(pod({ status: { phase: 'Running', podIP: '10.244.0.9' } }))[5], '10.244.0.9');
  });

  test('SchedulingGated', () => {
    const p = pod({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } });
    assert.equal(cells(p)[2], 'SchedulingGated');
  });

  test('init containers: progress, waiting reason, failure, signal', () => {
    const spec = { initContainers: [{ name: 'init-a', image: 'busybox' }, { name: 'init-b', image: 'busybox' }] };
    const done = { name: 'init-a', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    const p1 = pod({ status: { phase: 'Pending', initContainerStatuses: [done, { name: 'init-b', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: running }] } }, spec);
    assert.equal(cells(p1)[2], 'Init:1/2');
    const p2 = pod({
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'init-a', image: 'busybox', imageID: '', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
    }, spec);
    assert.deepEqual(cells(p2).slice(1, 4), ['0/2', 'Init:CrashLoopBackOff', '4']);
    const p3 = pod({ status: { phase: 'Pending', initContainerStatuses: [{ name: 'init-a', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }] } }, spec);
    assert.equal(cells(p3)[2], 'Init:ExitCode:2');
    const p4 = pod({ status: { phase: 'Pending', initContainerStatuses: [{ name: 'init-a', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] } }, spec);
    assert.equal(cells(p4)[2], 'Init:Signal:9');
    const p5 = pod({ status: { phase: 'Pending', initContainerStatuses: [{ name: 'init-a', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] } }, spec);
    assert.equal(cells(p5)[2], 'Init:0/2');
  });

  test('restartable init container (sidecar) counts as a container', () => {
    const p = pod(
      {
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
          initContainerStatuses: [{ name: 'proxy', image: 'envoy', imageID: '', ready: true, started: true, restartCount: 1, state: running }],
          containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: running }],
        },
      },
      { containers: [{ name: 'app', image: 'nginx' }], initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] },
    );
    assert.deepEqual(cells(p).slice(1, 4), ['2/2', 'Running', '1']);
  });

  test('Completed and Error, with the Completed row condition', () => {
    const completed = pod({
      status: {
        phase: 'Succeeded',
        containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      },
    }, { containers: [{ name: 'app', image: 'x' }] });
    const row = podPrinter.print(completed, now);
    assert.deepEqual(row.cells.slice(1, 3), ['0/1', 'Completed']);
    assert.deepEqual(row.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    const failed = pod({
      status: {
        phase: 'Failed',
        containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }],
      },
    }, { containers: [{ name: 'app', image: 'x' }] });
    assert.equal(podPrinter.print(failed, now).cells[2], 'Error');
    assert.equal(podPrinter.print(failed, now).conditions?.[0]?.reason, 'Failed');
    const exitCode = pod({
      status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] },
    }, { containers: [{ name: 'app', image: 'x' }] });
    assert.equal(cells(exitCode)[2], 'ExitCode:3');
  });

  test('Completed with a running container shows Running or NotReady', () => {
    const statuses = [
      { name: 'app', image: 'x', imageID: '', ready: true, restartCount: 0, state: running },
      { name: 'job', image: 'y', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ];
    assert.equal(cells(pod({ status: { phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'True' }] } }))[2], 'Running');
    assert.equal(cells(pod({ status: { phase: 'Running', containerStatuses: statuses } }))[2], 'NotReady');
  });

  test('Terminating, NodeLost and Unknown', () => {
    const deleting = { name: 'web-1', creationTimestamp: created, deletionTimestamp: '2024-05-01T11:59:00Z' };
    assert.equal(cells(pod({ metadata: deleting, status: { phase: 'Running' } }))[2], 'Terminating');
    assert.equal(cells(pod({ metadata: deleting, status: { phase: 'Succeeded' } }))[2], 'Succeeded');
    assert.equal(cells(pod({ status: { phase: 'Running', reason: 'NodeLost' } }))[2], 'NodeLost');
    assert.equal(cells(pod({ metadata: deleting, status: { phase: 'Running', reason: 'NodeLost' } }))[2], 'Unknown');
    assert.equal(cells(pod({ status: { phase: 'Failed', reason: 'Evicted' } }))[2], 'Evicted');
  });

  test('wide cells: nominated node and readiness gates', () => {
    const p = pod(
      {
        status: {
          phase: 'Pending',
          nominatedNodeName: 'node-b',
          conditions: [{ type: 'example.com/ready', status: 'True' }, { type: 'example.com/other', status: 'False' }],
        },
      },
      { readinessGates: [{ conditionType: 'example.com/ready' }, { conditionType: 'example.com/other' }] },
    );
    assert.deepEqual(cells(p).slice(5), ['<none>', '<none>', 'node-b', '1/2']);
  });
});
