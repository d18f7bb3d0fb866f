/**
 * spec.podFailurePolicy of Jobs, after upstream's pkg/controller/job/pod_failure_policy.go:
 * the rules are tried in order against each failed pod; the first one whose onExitCodes or
 * onPodConditions requirement matches decides what the failure means (FailJob, FailIndex,
 * Ignore or Count). No matching rule means the default: the failure counts.
 */
import type { Job, PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/** The actions of a pod failure policy rule. */
export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

/** What a failed pod means under a Job's pod failure policy (upstream's matchPodFailurePolicy results). */
export interface PodFailurePolicyMatch {
  /** Set when a FailJob rule matched: the message of the Job's FailureTarget and Failed conditions. */
  jobFailureMessage?: string;
  /** Whether the failure counts toward backoffLimit (false only for Ignore). */
  countFailed: boolean;
  /** The action of the matching rule, if a rule matched. */
  action?: PodFailurePolicyAction;
  /** The index of the matching rule in spec.podFailurePolicy.rules, if a rule matched. */
  ruleIndex?: number;
}

/** The first terminated, non-zero-exit container status (app containers, then init containers) that meets the requirement. */
function matchOnExitCodes(pod: Pod, requirement: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  const lists = [pod.status?.containerStatuses ?? [], pod.status?.initContainerStatuses ?? []];
  for (const statuses of lists) {
    for (const status of statuses) {
      const terminated = status.state?.terminated;
      // Still running or terminating: there is no exit code to match yet.
      if (!terminated) continue;
      if (requirement.containerName !== undefined && requirement.containerName !== null && requirement.containerName !== status.name) continue;
      if (terminated.exitCode === 0) continue;
      if (exitCodeMatches(terminated.exitCode, requirement)) return status;
    }
  }
  return undefined;
}

/** In: the code is listed; NotIn: it is not; any other operator never matches (upstream's isOnExitCodesOperatorMatching). */
function exitCodeMatches(exitCode: number, requirement: PodFailurePolicyOnExitCodesRequirement): boolean {
  const values = requirement.values ?? [];
  if (requirement.operator === 'In') return values.includes(exitCode);
  if (requirement.operator === 'NotIn') return !values.includes(exitCode);
  return false;
}

/** The first pod condition (in the pod's order) that equals one of the patterns in type and status. */
function matchOnPodConditions(pod: Pod, patterns: readonly PodFailurePolicyOnPodConditionsPattern[]): PodCondition | undefined {
  for (const podCondition of pod.status?.conditions ?? []) {
    for (const pattern of patterns) {
      if (podCondition.type === pattern.type && podCondition.status === pattern.status) return podCondition;
    }
  }
  return undefined;
}

/**
 * Matches a failed pod against `policy` (upstream's matchPodFailurePolicy). Without a policy, or
 * when no rule matches, the failure counts. A rule with an unknown action is passed over, as
 * upstream's switch falls out to the next rule. The FailJob messages are upstream's:
 * `Container <name> for pod <ns>/<pod> failed with exit code <n> matching FailJob rule at index <i>`
 * and `Pod <ns>/<pod> has condition <type> matching FailJob rule at index <i>`.
 */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined | null, pod: Pod): PodFailurePolicyMatch {
  if (!policy) return { countFailed: true };
  const podRef = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  const rules = policy.rules ?? [];
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index];
    if (!rule) continue;
    let failJobMessage: string | undefined;
    if (rule.onExitCodes) {
      const status = matchOnExitCodes(pod, rule.onExitCodes);
      if (!status) continue;
      failJobMessage = `Container ${status.name} for pod ${podRef} failed with exit code ${status.state?.terminated?.exitCode ?? 0} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const podCondition = matchOnPodConditions(pod, rule.onPodConditions);
      if (!podCondition) continue;
      failJobMessage = `Pod ${podRef} has condition ${podCondition.type} matching ${rule.action} rule at index ${index}`;
    } else {
      continue;
    }
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore', ruleIndex: index };
      case 'Count':
        return { countFailed: true, action: 'Count', ruleIndex: index };
      case 'FailIndex':
        return { countFailed: true, action: 'FailIndex', ruleIndex: index };
      case 'FailJob':
        return { jobFailureMessage: failJobMessage, countFailed: true, action: 'FailJob', ruleIndex: index };
      default:
        continue;
    }
  }
  return { countFailed: true };
}

/**
 * The FailJob message of the first pod in `failedPods` matching a FailJob rule of the Job's
 * policy, if any (upstream's getFailJobMessage, given the pods it considers failed).
 */
export function failJobMessage(job: Job, failedPods: readonly Pod[]): string | undefined {
  const policy = job.spec?.podFailurePolicy;
  if (!policy) return undefined;
  for (const pod of failedPods) {
    const message = matchPodFailurePolicy(policy, pod).jobFailureMessage;
    if (message !== undefined) return message;
  }
  return undefined;
}

/** How many of `failedPods` count toward backoffLimit: those not matching an Ignore rule (upstream's nonIgnoredFailedPodsCount). */
export function countedFailures(job: Job, failedPods: readonly Pod[]): number {
  const policy = job.spec?.podFailurePolicy;
  if (!policy) return failedPods.length;
  return failedPods.filter((pod) => matchPodFailurePolicy(policy, pod).countFailed).length;
}
