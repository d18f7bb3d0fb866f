/**
 * Container lifecycle hooks (postStart / preStop): exec, httpGet and sleep handlers with the
 * kubelet's failure messages (pkg/kubelet/lifecycle/handlers.go). The caller records events.
 */
import type { LifecycleHandler } from 'kubernetes-types/core/v1.js';
import { systemClock, type Clock } from '../../apimachinery/clock.js';
import { formatPodForMessage, type BackOffPodRef } from './backoff.js';
import { buildHttpGetRequest, defaultKubeVersion, httpGet } from './net-checks.js';
import type { ProbeTarget } from './probe.js';
import { errorMessage } from '../../apimachinery/errors.js';

/** Event reason when a postStart hook fails (the container is then killed). */
export const FailedPostStartHook = 'FailedPostStartHook';
/** Event reason when a preStop hook fails (the container is stopped anyway). */
export const FailedPreStopHook = 'FailedPreStopHook';
/** The error (and container waiting reason) of a start that failed because its postStart hook did. */
export const PostStartHookError = 'PostStartHookError';

/** What a hook runs against: a probe target plus the pod it belongs to (for messages). */
export interface LifecycleTarget extends ProbeTarget {
  readonly pod: BackOffPodRef;
}

/** Outcome of a hook: `message` is empty on success, else upstream's failure message. */
export interface LifecycleHandlerResult {
  ok: boolean;
  message: string;
}

/** Options of {@link runLifecycleHandler}. */
export interface LifecycleHandlerOptions {
  /** Timer source for sleep handlers (default the system clock). */
  clock?: Clock;
  /** Version in the User-Agent `kube-lifecycle/<version>` (default {@link defaultKubeVersion}). */
  kubeVersion?: string;
}

/**
 * Runs a lifecycle hook handler to completion or until `signal` aborts (for preStop: the end of
 * the grace period; for postStart the caller may pass none).
 * - exec: runs the command without a timeout; a non-zero exit fails with
 *   `Exec lifecycle hook ([cmd args]) for Container "c" in Pod "p_ns(uid)" failed - error: command 'cmd args' exited with 1: <output>, message: "<output>"`.
 * - httpGet: GET with the probe rules for host (default pod IP), named ports, path and headers
 *   (User-Agent `kube-lifecycle/<version>`); a transport error fails with
 *   `HTTP lifecycle hook (/path) for Container "c" in Pod "p_ns(uid)" failed - error: Get "...": ...`.
 *   Unlike upstream (which ignores the status code), a status outside 200-399 fails too.
 * - sleep: waits `seconds`; an abort first fails with `... failed - error: container terminated before sleep hook finished`.
 * - anything else (tcpSocket is deprecated and unsupported): `Cannot run handler: invalid handler: ...`.
 */
export async function runLifecycleHandler(
  handler: LifecycleHandler,
  target: LifecycleTarget,
  signal?: AbortSignal,
  options: LifecycleHandlerOptions = {},
): Promise<LifecycleHandlerResult> {
  const where = `for Container ${JSON.stringify(target.container.name)} in Pod ${JSON.stringify(formatPodForMessage(target.pod))}`;
  if (handler.exec) {
    const command = handler.exec.command ?? [];
    const describe = `Exec lifecycle hook ([${command.join(' ')}]) ${where} failed - error:`;
    const execution = target.exec(command, 0).then(
      (res) => ({ res }),
      (err: unknown) => ({ err }),
    );
    const outcome = await raceAbort(execution, signal);
    if (outcome === undefined) return { ok: false, message: `${describe} context canceled, message: ""` };
    if ('err' in outcome) return { ok: false, message: `${describe} ${errorMessage(outcome.err)}, message: ""` };
    if (outcome.res.exitCode === 0) return { ok: true, message: '' };
    const output = outcome.res.output;
    return {
      ok: false,
      message: `${describe} command '${command.join(' ')}' exited with ${outcome.res.exitCode}: ${output}, message: ${JSON.stringify(output)}`,
    };
  }
  if (handler.httpGet) {
    const describe = `HTTP lifecycle hook (${handler.httpGet.path ?? ''}) ${where} failed - error:`;
    if (!handler.httpGet.host && !target.podIP) {
      return { ok: false, message: `${describe} failed to find networking container` };
    }
    let request;
    try {
      request = buildHttpGetRequest(handler.httpGet, target.container, target.podIP, 'lifecycle', options.kubeVersion ?? defaultKubeVersion);
    } catch (err) {
      return { ok: false, message: `${describe} ${errorMessage(err)}` };
    }
    const outcome = await httpGet(request, { clock: options.clock, signal });
    if (outcome.kind === 'error') return { ok: false, message: `${describe} ${outcome.message}` };
    if (outcome.statusCode < 200 || outcome.statusCode >= 400) {
      return { ok: false, message: `${describe} HTTP lifecycle hook failed with statuscode: ${outcome.statusCode}` };
    }
    return { ok: true, message: '' };
  }
  if (handler.sleep) {
    const seconds = handler.sleep.seconds;
    await (options.clock ?? systemClock).sleep(seconds * 1000, signal);
    if (signal?.aborted) {
      return {
        ok: false,
        message: `Sleep lifecycle hook (${seconds}) ${where} failed - error: container terminated before sleep hook finished`,
      };
    }
    return { ok: true, message: '' };
  }
  return { ok: false, message: `Cannot run handler: invalid handler: ${JSON.stringify(handler)}` };
}

/** The event reason of a failed hook. */
export function hookFailureReason(hook: 'postStart' | 'preStop'): string {
  return hook === 'postStart' ? FailedPostStartHook : FailedPreStopHook;
}

/** Resolves with the promise's value, or undefined as soon as `signal` aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

