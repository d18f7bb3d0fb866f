/**
 * One run of a container probe (exec, httpGet, tcpSocket), with upstream's results and messages
 * (pkg/probe/{exec,http,tcp}, pkg/kubelet/prober/prober.go).
 */
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { systemClock, type Clock } from '../../apimachinery/clock.js';
import { buildHttpGetRequest, defaultKubeVersion, httpGet, maxResponseBodyBytes, resolveContainerPort, tcpDial } from './net-checks.js';
import { errorMessage } from '../../apimachinery/errors.js';

/** What a command run in a container returned: its exit code and its stdout+stderr. */
export interface ExecResult {
  exitCode: number;
  output: string;
}

/**
 * The container a probe or hook runs against. `exec` runs a command in the container (CRI
 * ExecSync); `timeoutSeconds` 0 means no timeout. When the command times out it should reject with
 * an {@link ExecTimeoutError} (or any error carrying `timedOut: true`, or gRPC code 4
 * DEADLINE_EXCEEDED, as ExecSync returns); other rejections count as probe errors.
 */
export interface ProbeTarget {
  /** The pod's IP: the default host of httpGet and tcpSocket. */
  readonly podIP: string;
  readonly container: Container;
  exec(command: string[], timeoutSeconds: number): Promise<ExecResult>;
}

/** Thrown by a {@link ProbeTarget.exec} whose command did not finish in time. */
export class ExecTimeoutError extends Error {
  readonly timedOut = true;
  constructor(command: string[]) {
    super(`command ${JSON.stringify(command.join(' '))} timed out`);
    this.name = 'ExecTimeoutError';
  }
}

/**
 * The result of one probe run. 'unknown' means the probe could not be run (bad port, exec
 * error, unsupported grpc probe): upstream throws such results away rather than counting them.
 * `warning` marks a success upstream reports as a ProbeWarning (a redirect it did not follow).
 */
export interface ProbeRunResult {
  result: 'success' | 'failure' | 'unknown';
  output: string;
  warning?: boolean;
}

/** Options of {@link runProbe}. */
export interface RunProbeOptions {
  /** Timer source for timeouts (default the system clock). */
  clock?: Clock;
  /** Version in the User-Agent `kube-probe/<version>` (default {@link defaultKubeVersion}). */
  kubeVersion?: string;
}

/** Default probe timeout, seconds (upstream's API default). */
export const defaultProbeTimeoutSeconds = 1;

/**
 * Extra time given to `exec` beyond `timeoutSeconds` before it counts as timed out here: the
 * runtime enforces the timeout itself; this only guards against one that never answers.
 */
const execTimeoutGraceMs = 1000;

/**
 * Runs `probe` once against `target`:
 * - exec: exit code 0 succeeds, another fails with the command's output; a timeout fails with
 *   `command "<cmd>" timed out`; an exec error is 'unknown'.
 * - httpGet: GET (HTTPS without verifying certificates), success iff 200 <= status < 400; output
 *   is the body (at most 10 KiB); failures `HTTP probe failed with statuscode: 500` or Go-style
 *   transport errors (`Get "http://10.0.0.5:80/": dial tcp 10.0.0.5:80: connect: connection refused`);
 *   a redirect to another host is not followed and counts as success with a warning
 *   (`Probe terminated redirects, Response body: ...`).
 * - tcpSocket: success iff a connection opens.
 * - grpc: not supported here: 'unknown' with output "grpc probes are not supported".
 * An aborted `signal` gives 'unknown'.
 */
export async function runProbe(
  probe: Probe,
  target: ProbeTarget,
  signal?: AbortSignal,
  options: RunProbeOptions = {},
): Promise<ProbeRunResult> {
  const clock = options.clock ?? systemClock;
  const timeoutSeconds = probe.timeoutSeconds && probe.timeoutSeconds > 0 ? probe.timeoutSeconds : defaultProbeTimeoutSeconds;
  const timeoutMs = timeoutSeconds * 1000;
  if (signal?.aborted) return { result: 'unknown', output: 'probe cancelled' };

  if (probe.exec) {
    return runExecProbe(probe.exec.command ?? [], timeoutSeconds, target, clock, signal);
  }
  if (probe.httpGet) {
    let request;
    try {
      request = buildHttpGetRequest(probe.httpGet, target.container, target.podIP, 'probe', options.kubeVersion ?? defaultKubeVersion);
    } catch (err) {
      return { result: 'unknown', output: errorMessage(err) };
    }
    const outcome = await httpGet(request, { timeoutMs, clock, signal });
    if (signal?.aborted) return { result: 'unknown', output: 'probe cancelled' };
    if (outcome.kind === 'error') return { result: 'failure', output: outcome.message };
    if (outcome.statusCode >= 200 && outcome.statusCode < 400) {
      if (outcome.statusCode >= 300) {
        return { result: 'success', output: `Probe terminated redirects, Response body: ${outcome.body}`, warning: true };
      }
      return { result: 'success', output: outcome.body };
    }
    return { result: 'failure', output: `HTTP probe failed with statuscode: ${outcome.statusCode}` };
  }
  if (probe.tcpSocket) {
    let port: number;
    try {
      port = resolveContainerPort(probe.tcpSocket.port, target.container);
    } catch (err) {
      return { result: 'unknown', output: errorMessage(err) };
    }
    const failure = await tcpDial(probe.tcpSocket.host || target.podIP, port, { timeoutMs, clock, signal });
    if (signal?.aborted) return { result: 'unknown', output: 'probe cancelled' };
    return failure === undefined ? { result: 'success', output: '' } : { result: 'failure', output: failure };
  }
  if (probe.grpc) {
    return { result: 'unknown', output: 'grpc probes are not supported' };
  }
  return { result: 'unknown', output: `missing probe handler for container "${target.container.name}"` };
}

async function runExecProbe(
  command: string[],
  timeoutSeconds: number,
  target: ProbeTarget,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<ProbeRunResult> {
  const timedOut: ProbeRunResult = { result: 'failure', output: new ExecTimeoutError(command).message };
  let guard: { cancel(): void } | undefined;
  let onAbort: (() => void) | undefined;
  const backstop = new Promise<ProbeRunResult>((resolve) => {
    guard = clock.setTimer(timeoutSeconds * 1000 + execTimeoutGraceMs, () => resolve(timedOut));
    onAbort = (): void => resolve({ result: 'unknown', output: 'probe cancelled' });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  const run = target.exec(command, timeoutSeconds).then(
    (res): ProbeRunResult => ({ result: res.exitCode === 0 ? 'success' : 'failure', output: truncate(res.output) }),
    (err: unknown): ProbeRunResult => (isExecTimeout(err) ? timedOut : { result: 'unknown', output: errorMessage(err) }),
  );
  try {
    return await Promise.race([run, backstop]);
  } finally {
    guard?.cancel();
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Whether an exec rejection means the command timed out (see {@link ProbeTarget}). */
export function isExecTimeout(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const fields = err as { timedOut?: unknown; code?: unknown };
  return fields.timedOut === true || fields.code === 4 || fields.code === 'DEADLINE_EXCEEDED';
}

function truncate(output: string): string {
  const bytes = Buffer.from(output, 'utf8');
  return bytes.length <= maxResponseBodyBytes ? output : bytes.subarray(0, maxResponseBodyBytes).toString('utf8');
}

