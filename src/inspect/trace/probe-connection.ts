import { isIP } from 'node:net';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { routeHttpRequest } from './http-route.js';
import type { TraceSource, TraceStep, TraceTarget } from './trace-step.js';

/** How a command ran in a container (as `kubectl exec` reports it). */
export interface ProbeExecResult {
  /** Undefined when the command could not be started (`failure` says why). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  failure?: string;
}

/** Runs a command in a container of the source pod (the API's exec); rejects when the API refuses. */
export type ProbeExec = (container: string, command: string[]) => Promise<ProbeExecResult>;

/** Options of {@link probeConnection}. */
export interface ProbeOptions {
  /** Seconds a connection attempt may take. Default 3. */
  connectSeconds?: number;
}

/** One way to try the connection, and how to read its outcome. */
interface Attempt {
  tool: string;
  command: string[];
}

function connectAttempts(host: string, port: number, seconds: number): Attempt[] {
  return [
    // busybox nc: -e runs a program once connected, so exit 0 means the connection was made.
    { tool: 'nc', command: ['timeout', String(seconds + 2), 'nc', '-w', String(seconds), host, String(port), '-e', 'true'] },
    { tool: 'nc', command: ['nc', '-w', String(seconds), host, String(port), '-e', 'true'] },
    { tool: 'bash', command: ['timeout', String(seconds + 2), 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`] },
  ];
}

function httpAttempts(url: string, hostHeader: string | undefined, seconds: number): Attempt[] {
  const header = hostHeader ? ['--header', `Host: ${hostHeader}`] : [];
  // busybox wget's -T crashes it: the time limit comes from timeout(1) instead.
  return [
    { tool: 'wget', command: ['timeout', String(seconds + 7), 'wget', '-q', '-S', '-O', '/dev/null', ...header, url] },
    { tool: 'curl', command: ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}\n', '--max-time', String(seconds + 7), ...(hostHeader ? ['-H', `Host: ${hostHeader}`] : []), url] },
  ];
}

/** Whether an attempt's tool is missing or does not take these flags (then the next one is tried). */
function toolMissing(result: ProbeExecResult): boolean {
  const text = `${result.failure ?? ''}\n${result.stderr}`;
  if (result.exitCode === undefined) return true;
  if (result.exitCode === 126 || result.exitCode === 127) return true;
  return /executable file not found|no such file or directory|not found in \$PATH|applet not found|invalid option|unrecognized option|usage:/i.test(text) && !/connection refused|timed out|unreachable/i.test(text);
}

/** The outcome in words: what the tool printed that matters. */
function outcomeOf(tool: string, result: ProbeExecResult): { outcome: TraceStep['outcome']; words: string } {
  const output = `${result.stdout}\n${result.stderr}`.trim();
  const lastLine = output.split('\n').filter((l) => l.trim() !== '').pop()?.trim() ?? '';
  if (tool === 'wget' || tool === 'curl') {
    const statuses = [...output.matchAll(/HTTP\/[\d.]+ (\d{3})[^\n]*/g)].map((m) => m[0].trim());
    const code = tool === 'curl' ? /^(\d{3})$/m.exec(result.stdout)?.[1] : statuses[statuses.length - 1]?.split(' ')[1];
    if (code && code !== '000') return { outcome: Number(code) < 400 ? 'pass' : 'stop', words: `HTTP ${code}${statuses.length ? ` (${statuses[statuses.length - 1]})` : ''}` };
  }
  if (result.exitCode === 0) return { outcome: 'pass', words: 'connected' };
  if (/refused/i.test(output)) return { outcome: 'stop', words: `refused (${lastLine})` };
  if (/timed out|timeout/i.test(output) || result.exitCode === 124 || result.exitCode === 143) return { outcome: 'stop', words: `no answer: timed out${lastLine ? ` (${lastLine})` : ''}` };
  if (/unreachable|no route/i.test(output)) return { outcome: 'stop', words: `unreachable (${lastLine})` };
  if (/bad address|could not resolve|unknown host|name or service not known/i.test(output)) return { outcome: 'stop', words: `the name did not resolve (${lastLine})` };
  return { outcome: 'stop', words: `failed with exit code ${result.exitCode}${lastLine ? ` (${lastLine})` : ''}` };
}

const quote = (command: string[]): string => command.map((c) => (/^[\w@%+=:,./-]+$/.test(c) ? c : `'${c.replace(/'/g, `'\\''`)}'`)).join(' ');

/**
 * Sends one real connection from `from` to `to` and reports what happened as a `probe` step:
 * from a pod, through `exec` into its first running container, with a tool the image has
 * (busybox `nc … -e true` for a port, `wget` or `curl` for a URL, sent to the ingress
 * controller's address with the URL's Host when the name is not an address). A node has no
 * exec: the step says so. UDP has no connection to make: the step says so.
 */
export async function probeConnection(snapshot: ClusterSnapshot, from: TraceSource, to: TraceTarget, exec: ProbeExec, options: ProbeOptions = {}): Promise<TraceStep> {
  const seconds = options.connectSeconds ?? 3;
  const step = (outcome: TraceStep['outcome'], text: string, details: string[] = []): TraceStep => ({ kind: 'probe', outcome, text, details, objects: from.kind === 'pod' ? [{ kind: 'Pod', namespace: from.namespace, name: from.name }] : [] });
  if (from.kind === 'node') return step('warn', `No probe: a node has no exec; probe from a pod on node ${from.name} instead`);
  if (to.kind === 'address' && to.protocol === 'UDP') return step('warn', 'No probe: UDP has no connection to make');
  const pod: Pod | undefined = snapshot.pods.find((p) => p.metadata?.namespace === from.namespace && p.metadata?.name === from.name);
  const running = (pod?.status?.containerStatuses ?? []).filter((c) => c.state?.running).map((c) => c.name);
  const containers = (pod?.spec?.containers ?? []).map((c) => c.name).filter((name) => running.includes(name));
  if (containers.length === 0) return step('warn', `No probe: pod ${from.namespace}/${from.name} has no running container to exec into`);

  let attempts: Attempt[];
  const details: string[] = [];
  if (to.kind === 'address') attempts = connectAttempts(to.host, to.port, seconds);
  else {
    const url = new URL(to.url);
    const routing = routeHttpRequest(snapshot, url);
    const address = routing.location?.addresses.find((a) => isIP(a));
    if (!isIP(url.hostname) && address) {
      const direct = new URL(url.href);
      direct.hostname = address;
      details.push(`sent to the ingress controller at ${address} with Host: ${url.host} (${url.hostname} need not resolve in the pod)`);
      attempts = httpAttempts(direct.href, url.host, seconds);
    } else attempts = httpAttempts(url.href, undefined, seconds);
  }
  const tried: string[] = [];
  for (const container of containers) {
    for (const attempt of attempts) {
      const result = await exec(container, attempt.command);
      if (toolMissing(result)) {
        tried.push(`${container}: ${attempt.command[attempt.command[0] === 'timeout' ? 2 : 0]} is not usable`);
        continue;
      }
      const { outcome, words } = outcomeOf(attempt.tool, result);
      return step(outcome, `Probe from pod ${from.namespace}/${from.name} (container ${container}): ${words}`, [`ran: ${quote(attempt.command)}`, ...details]);
    }
  }
  return step('warn', `No probe: no container of pod ${from.namespace}/${from.name} has nc, bash, wget or curl`, tried);
}
