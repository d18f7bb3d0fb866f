import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, PodFailurePolicy } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { isPodFailed } from './job-util.js';
import { countedFailures, failJobMessage, matchPodFailurePolicy } from './pod-failure-policy.js';

function terminated(name: string, exitCode: number): ContainerStatus {
  return { name, image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } };
}

function failedPod(
  name: string,
  statuses: ContainerStatus[],
  options: { init?: ContainerStatus[]; conditions?: { type: string; status: string }[] } = {},
): Pod {
  return {
    metadata: { name, namespace: 'ns' },
    status: {
      phase: 'Failed',
      containerStatuses: statuses,
      ...(options.init ? { initContainerStatuses: options.init } : {}),
      ...(options.conditions ? { conditions: options.conditions } : {}),
    },
  };
}

function jobWith(policy?: PodFailurePolicy): Job {
  return { spec: { template: {}, ...(policy ? { podFailurePolicy: policy } : {}) } };
}

describe('matchPodFailurePolicy', () => {
  test('without a policy every failure counts', () => {
    assert.deepEqual(matchPodFailurePolicy(undefined, failedPod('p', [terminated('main', 3)])), { countFailed: true });
  });

  test('a FailJob rule on exit codes In gives upstream\'s message with the container, pod, code and rule index', () => {
    const policy: PodFailurePolicy = {
      rules: [
        { action: 'Ignore', onExitCodes: { operator: 'In', values: [7] } },
        { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [1, 42] } },
      ],
    };
    assert.deepEqual(matchPodFailurePolicy(policy, failedPod('p-1', [terminated('main', 42)])), {
      jobFailureMessage: 'Container main for pod ns/p-1 failed with exit code 42 matching FailJob rule at index 1',
      countFailed: true,
      action: 'FailJob',
      ruleIndex: 1,
    });
    // Not in the list: no rule matches, the default applies.
    assert.deepEqual(matchPodFailurePolicy(policy, failedPod('p-1', [terminated('main', 2)])), { countFailed: true });
  });

  test('containerName restricts the rule to that container (app or init)', () => {
    const policy: PodFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [5] } }] };
    assert.equal(matchPodFailurePolicy(policy, failedPod('p', [terminated('sidecar', 5)])).action, undefined);
    const init = matchPodFailurePolicy(policy, failedPod('p', [terminated('other', 5)], { init: [terminated('main', 5)] }));
    assert.equal(init.jobFailureMessage, 'Container main for pod ns/p failed with exit code 5 matching FailJob rule at index 0');
  });

  test('NotIn matches codes outside the list, and exit code 0 never matches', () => {
    const policy: PodFailurePolicy = { rules: [{ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1, 2] } }] };
    assert.deepEqual(matchPodFailurePolicy(policy, failedPod('p', [terminated('main', 3)])), { countFailed: false, action: 'Ignore', ruleIndex: 0 });
    assert.deepEqual(matchPodFailurePolicy(policy, failedPod('p', [terminated('main', 1)])), { countFailed: true });
    assert.deepEqual(matchPodFailurePolicy(policy, failedPod('p', [terminated('main', 0)])), { countFailed: true });
  });

  test('app container statuses are searched before init container statuses; containers not terminated are skipped', () => {
    const policy: PodFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [3, 4] } }] };
    const running: ContainerStatus = { name: 'slow', image: 'x', imageID: '', ready: false, restartCount: 0, state: { running: {} } };
    const pod = failedPod('p', [running, terminated('app', 4)], { init: [terminated('init', 3)] });
    assert.match(matchPodFailurePolicy(policy, pod).jobFailureMessage ?? '', /^Container app for pod ns\/p failed with exit code 4 /);
  });

  test('onPodConditions matches type and status; the FailJob message names the condition', () => {
    const policy: PodFailurePolicy = {
      rules: [
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        { action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] },
      ],
    };
    const disrupted = failedPod('p', [terminated('main', 137)], { conditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    assert.deepEqual(matchPodFailurePolicy(policy, disrupted), { countFailed: false, action: 'Ignore', ruleIndex: 0 });
    const notDisrupted = failedPod('p', [terminated('main', 137)], { conditions: [{ type: 'DisruptionTarget', status: 'False' }] });
    assert.deepEqual(matchPodFailurePolicy(policy, notDisrupted), { countFailed: true });
    const misconfigured = failedPod('p', [], { conditions: [{ type: 'Ready', status: 'False' }, { type: 'ConfigIssue', status: 'True' }] });
    assert.equal(matchPodFailurePolicy(policy, misconfigured).jobFailureMessage, 'Pod ns/p has condition ConfigIssue matching FailJob rule at index 1');
  });

  test('the first matching rule wins; Count and FailIndex count; an unknown action passes to the next rule', () => {
    const pod = failedPod('p', [terminated('main', 9)]);
    const count: PodFailurePolicy = {
      rules: [
        { action: 'Count', onExitCodes: { operator: 'In', values: [9] } },
        { action: 'Ignore', onExitCodes: { operator: 'In', values: [9] } },
      ],
    };
    assert.deepEqual(matchPodFailurePolicy(count, pod), { countFailed: true, action: 'Count', ruleIndex: 0 });
    const failIndex: PodFailurePolicy = { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [9] } }] };
    assert.deepEqual(matchPodFailurePolicy(failIndex, pod), { countFailed: true, action: 'FailIndex', ruleIndex: 0 });
    const unknown: PodFailurePolicy = {
      rules: [
        { action: 'Explode', onExitCodes: { operator: 'In', values: [9] } },
        { action: 'Ignore', onExitCodes: { operator: 'In', values: [9] } },
      ],
    };
    assert.deepEqual(matchPodFailurePolicy(unknown, pod), { countFailed: false, action: 'Ignore', ruleIndex: 1 });
    const unknownOperator: PodFailurePolicy = { rules: [{ action: 'Ignore', onExitCodes: { operator: 'Maybe', values: [9] } }] };
    assert.deepEqual(matchPodFailurePolicy(unknownOperator, pod), { countFailed: true });
  });
});

describe('failJobMessage and countedFailures', () => {
  const policy: PodFailurePolicy = {
    rules: [
      { action: 'Ignore', onExitCodes: { operator: 'In', values: [2] } },
      { action: 'FailJob', onExitCodes: { operator: 'In', values: [3] } },
    ],
  };
  const pods = [failedPod('a', [terminated('main', 1)]), failedPod('b', [terminated('main', 2)]), failedPod('c', [terminated('main', 3)])];

  test('the first pod matching a FailJob rule gives the message', () => {
    assert.equal(failJobMessage(jobWith(policy), pods), 'Container main for pod ns/c failed with exit code 3 matching FailJob rule at index 1');
    assert.equal(failJobMessage(jobWith(policy), pods.slice(0, 2)), undefined);
    assert.equal(failJobMessage(jobWith(), pods), undefined);
  });

  test('failures matching Ignore are not counted', () => {
    assert.equal(countedFailures(jobWith(policy), pods), 2);
    assert.equal(countedFailures(jobWith(), pods), 3);
  });

  test('with a pod failure policy a terminating pod is not failed until its phase is Failed', () => {
    const terminating: Pod = { metadata: { name: 't', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } };
    assert.equal(isPodFailed(terminating, jobWith()), true);
    assert.equal(isPodFailed(terminating, jobWith(policy)), false);
    assert.equal(isPodFailed({ ...terminating, status: { phase: 'Failed' } }, jobWith(policy)), true);
  });
});
