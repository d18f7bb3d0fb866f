/**
 * The seed's pod picture: one box holding the pod's IP with its containers side by side, each
 * with its containerPorts, state, restarts and last termination; a port two containers want is
 * drawn as the conflict it is (containers of a pod share one network namespace, so only one can
 * bind it), with the log line that shows it when the observer could read it.
 */
import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../../apimachinery/pod.js';
import { labelSelectorFromObject, matchesLabels } from '../../apimachinery/selectors/labels.js';
import { portClaims, portKey } from '../port-claims.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { el, group, rect, svgDocument, text } from '../svg.js';
import type { ViewDefinition, ViewLink } from '../view.js';
import { workloadOf, type WorkloadRef } from '../workload-of.js';

/** One port a container declares. */
export interface PodViewPort {
  port: number;
  protocol: string;
  name?: string;
  /** Another container of the pod declares the same port and protocol. */
  conflict: boolean;
}

/** One container as the pod view draws it. */
export interface PodViewContainer {
  name: string;
  image: string;
  ports: PodViewPort[];
  /** `running`, `waiting: CrashLoopBackOff`, `terminated: Error (exit code 1)`, or `not started`. */
  state: string;
  /** How the box is coloured: running and ready, something to wait for, failing. */
  tone: 'ok' | 'warn' | 'bad';
  ready: boolean;
  restarts: number;
  /** `Error (exit code 1)` for a container whose last run ended. */
  lastTermination?: string;
}

/** A port more than one container of the pod declares. */
export interface PodViewConflict {
  port: number;
  protocol: string;
  /** The containers that declare it, in the pod's order. */
  containers: string[];
  /** Of those, the ones not running or that have restarted: the ones losing the port. */
  failing: string[];
  /** The log line that shows it, from the observer's log tails. */
  logLine?: { container: string; previous: boolean; line: string };
}

/** What the pod view draws. */
export interface PodViewModel {
  namespace: string;
  name: string;
  podIP?: string;
  nodeName?: string;
  phase: string;
  ready: boolean;
  containers: PodViewContainer[];
  conflicts: PodViewConflict[];
  /** The workload that controls the pod. */
  workload?: WorkloadRef;
  /** Services of the pod's namespace whose selector matches it, sorted. */
  services: string[];
}

function describeTermination(t: { reason?: string; exitCode: number; signal?: number }): string {
  return `${t.reason ?? 'Terminated'} (exit code ${t.exitCode}${t.signal ? `, signal ${t.signal}` : ''})`;
}

function containerState(status: ContainerStatus | undefined): { state: string; tone: PodViewContainer['tone'] } {
  const s = status?.state;
  if (s?.running) return { state: 'running', tone: status?.ready ? 'ok' : 'warn' };
  if (s?.terminated) return { state: `terminated: ${describeTermination(s.terminated)}`, tone: s.terminated.exitCode === 0 ? 'ok' : 'bad' };
  if (s?.waiting) {
    const reason = s.waiting.reason ?? 'Waiting';
    const bad = /BackOff|Err|Invalid|CreateContainerConfigError/.test(reason);
    return { state: `waiting: ${reason}`, tone: bad ? 'bad' : 'warn' };
  }
  return { state: 'not started', tone: 'warn' };
}

function containerModel(c: Container, status: ContainerStatus | undefined, claimed: Map<string, string[]>): PodViewContainer {
  const { state, tone } = containerState(status);
  const last = status?.lastState?.terminated;
  return {
    name: c.name,
    image: c.image ?? '',
    ports: (c.ports ?? []).map((p) => ({
      port: p.containerPort,
      protocol: p.protocol ?? 'TCP',
      ...(p.name ? { name: p.name } : {}),
      conflict: (claimed.get(portKey(p))?.length ?? 0) > 1,
    })),
    state,
    tone,
    ready: status?.ready === true,
    restarts: status?.restartCount ?? 0,
    ...(last ? { lastTermination: describeTermination(last) } : {}),
  };
}

/** The line of a log tail that explains a lost port: the last that says so, else the last line. */
function explainingLine(lines: string[], port: number): string | undefined {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l !== '');
  const says = [...meaningful].reverse().find((l) => /in use|EADDRINUSE|bind/i.test(l) || l.includes(`:${port}`));
  return says ?? meaningful[meaningful.length - 1];
}

function conflictsOf(snapshot: ClusterSnapshot, pod: Pod, claimed: Map<string, string[]>, containers: PodViewContainer[]): PodViewConflict[] {
  const out: PodViewConflict[] = [];
  for (const [key, names] of claimed) {
    if (names.length < 2) continue;
    const [port = '0', protocol = 'TCP'] = key.split('/');
    const failing = names.filter((n) => {
      const c = containers.find((x) => x.name === n);
      return c !== undefined && (c.tone === 'bad' || c.restarts > 0 || !c.state.startsWith('running'));
    });
    let logLine: PodViewConflict['logLine'];
    for (const name of failing) {
      const tails = snapshot.containerLogs
        .filter((t) => t.namespace === pod.metadata?.namespace && t.pod === pod.metadata?.name && t.container === name)
        .sort((a, b) => Number(b.previous) - Number(a.previous));
      for (const tail of tails) {
        const line = explainingLine(tail.lines, Number(port));
        if (line !== undefined) {
          logLine = { container: name, previous: tail.previous, line };
          break;
        }
      }
      if (logLine) break;
    }
    out.push({ port: Number(port), protocol, containers: names, failing, ...(logLine ? { logLine } : {}) });
  }
  return out.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

function selectPod(snapshot: ClusterSnapshot, params: Record<string, string>): PodViewModel | undefined {
  const namespace = params.namespace || 'default';
  const pod = snapshot.pods.find((p) => p.metadata?.namespace === namespace && p.metadata?.name === params.name);
  if (!pod) return undefined;
  const claimed = portClaims(pod);
  const statuses = pod.status?.containerStatuses ?? [];
  const containers = (pod.spec?.containers ?? []).map((c) => containerModel(c, statuses.find((s) => s.name === c.name), claimed));
  const services = snapshot.services
    .filter((s) => s.metadata?.namespace === namespace && s.spec?.selector && Object.keys(s.spec.selector).length > 0)
    .filter((s) => matchesLabels(labelSelectorFromObject({ matchLabels: s.spec?.selector }), pod.metadata?.labels))
    .map((s) => s.metadata?.name ?? '')
    .sort();
  const workload = workloadOf(snapshot, pod);
  return {
    namespace,
    name: params.name ?? '',
    ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    phase: pod.status?.phase ?? 'Pending',
    ready: isPodReady(pod),
    containers,
    conflicts: conflictsOf(snapshot, pod, claimed, containers),
    ...(workload ? { workload } : {}),
    services,
  };
}

const charWidth = 7;
const lineHeight = 18;
const pad = 12;

function portLabel(p: PodViewPort): string {
  return `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol}${p.conflict ? ' (conflict)' : ''}`;
}

function containerLines(c: PodViewContainer): { content: string; cls?: string }[] {
  return [
    { content: c.name, cls: 'heading' },
    { content: c.image, cls: 'muted' },
    ...(c.ports.length === 0 ? [{ content: 'no ports', cls: 'muted' }] : c.ports.map((p) => ({ content: `port ${portLabel(p)}`, ...(p.conflict ? { cls: 'alert' } : {}) }))),
    { content: c.state, ...(c.tone === 'bad' ? { cls: 'alert' } : {}) },
    { content: `${c.ready ? 'ready' : 'not ready'}, ${c.restarts} restart${c.restarts === 1 ? '' : 's'}` },
    ...(c.lastTermination ? [{ content: `last: ${c.lastTermination}` }] : []),
  ];
}

function podHeading(m: PodViewModel): string {
  return `Pod ${m.namespace}/${m.name}`;
}

function podSubheading(m: PodViewModel): string {
  return `IP ${m.podIP ?? 'none yet'} · node ${m.nodeName ?? 'not scheduled'} · ${m.phase}, ${m.ready ? 'ready' : 'not ready'}`;
}

function conflictSentence(c: PodViewConflict): string {
  const who = c.containers.length === 2 ? `${c.containers[0]} and ${c.containers[1]}` : `${c.containers.slice(0, -1).join(', ')} and ${c.containers[c.containers.length - 1]}`;
  return `port ${c.port}/${c.protocol} is wanted by ${who}: they share the pod's network, only one can bind it`;
}

function logSentence(l: NonNullable<PodViewConflict['logLine']>): string {
  return `${l.container} log${l.previous ? ' (previous run)' : ''}: ${l.line}`;
}

function renderPod(m: PodViewModel): string {
  const boxes = m.containers.map((c) => {
    const lines = containerLines(c);
    const width = Math.max(170, ...lines.map((l) => l.content.length * (l.cls === 'heading' ? 8 : charWidth) + 2 * pad));
    return { c, lines, width };
  });
  const containerHeight = Math.max(0, ...boxes.map((b) => b.lines.length * lineHeight + pad)) + pad;
  const podX = 20;
  const podY = 20;
  const containersY = podY + 60;
  let x = podX + 16;
  const placed = boxes.map((b) => {
    const at = { ...b, x };
    x += b.width + 16;
    return at;
  });
  const conflictsY = containersY + containerHeight + 28;
  const conflictRows = m.conflicts.map((c) => ({ c, rows: c.logLine ? 2 : 1 }));
  const textWidths = [
    podHeading(m).length * 8,
    podSubheading(m).length * charWidth,
    ...m.conflicts.map((c) => conflictSentence(c).length * charWidth + 40),
    ...m.conflicts.map((c) => (c.logLine ? logSentence(c.logLine).length * charWidth + 40 : 0)),
  ];
  const podWidth = Math.max(x - podX, ...textWidths.map((w) => w + 32));
  const conflictsHeight = conflictRows.reduce((sum, r) => sum + 30 + r.rows * lineHeight, 0);
  const podHeight = containersY - podY + containerHeight + (m.conflicts.length ? conflictsHeight + 16 : 20);

  const containerGroups = placed.map(({ c, lines, width, x: cx }) =>
    group(
      `Container ${c.name}: ${c.ports.length ? c.ports.map(portLabel).join(', ') : 'no ports'}; ${c.state}; ${c.restarts} restarts${c.lastTermination ? `; last ${c.lastTermination}` : ''}`,
      { class: 'container' },
      rect(cx, containersY, width, containerHeight, { class: c.tone, rx: 4 }),
      ...lines.map((l, i) => text(cx + pad, containersY + pad + 12 + i * lineHeight, l.content, l.cls ? { class: l.cls } : {})),
    ),
  );

  let y = conflictsY;
  const conflictGroups = conflictRows.map(({ c }) => {
    const claimants = placed.filter((p) => c.containers.includes(p.c.name));
    const centers = claimants.map((p) => p.x + p.width / 2);
    const left = Math.min(...centers);
    const right = Math.max(...centers);
    const barY = y;
    const parts = [
      el('line', { x1: left, y1: barY, x2: right, y2: barY, class: 'edge refused' }),
      ...centers.map((cx) => el('line', { x1: cx, y1: containersY + containerHeight, x2: cx, y2: barY, class: 'edge refused' })),
      text(podX + 16, barY + 20, conflictSentence(c), { class: 'alert' }),
    ];
    if (c.logLine) parts.push(text(podX + 16, barY + 20 + lineHeight, logSentence(c.logLine)));
    y += 30 + (c.logLine ? 2 : 1) * lineHeight;
    return group(`Port conflict: ${conflictSentence(c)}${c.logLine ? `. ${logSentence(c.logLine)}` : ''}`, { class: 'conflict' }, ...parts);
  });

  const width = podX + podWidth + 20;
  const height = podY + podHeight + 20;
  return svgDocument(
    { width, height, title: `${podHeading(m)}: ${m.containers.length} container${m.containers.length === 1 ? '' : 's'}`, description: describePod(m) },
    group(
      `${podHeading(m)}, ${podSubheading(m)}`,
      { class: 'pod-box' },
      rect(podX, podY, podWidth, podHeight, { class: 'pod', rx: 6 }),
      text(podX + 16, podY + 24, podHeading(m), { class: 'heading' }),
      text(podX + 16, podY + 44, podSubheading(m), { class: 'muted' }),
      ...containerGroups,
      ...conflictGroups,
    ),
  );
}

function describePod(m: PodViewModel): string {
  const lines = [`${podHeading(m)}: IP ${m.podIP ?? 'none yet'}, on node ${m.nodeName ?? '(not scheduled)'}, phase ${m.phase}, ${m.ready ? 'ready' : 'not ready'}.`];
  lines.push(`${m.containers.length} container${m.containers.length === 1 ? '' : 's'} side by side, sharing the pod's IP and ports:`);
  for (const c of m.containers) {
    lines.push(
      `- ${c.name} (${c.image}): ${c.ports.length ? `ports ${c.ports.map(portLabel).join(', ')}` : 'no ports'}; ${c.state}; ${c.ready ? 'ready' : 'not ready'}; ${c.restarts} restart${c.restarts === 1 ? '' : 's'}${c.lastTermination ? `; last terminated: ${c.lastTermination}` : ''}.`,
    );
  }
  for (const c of m.conflicts) {
    lines.push(`Port conflict: ${conflictSentence(c)}.${c.failing.length ? ` Failing: ${c.failing.join(', ')}.` : ''}`);
    if (c.logLine) lines.push(`${logSentence(c.logLine)}`);
  }
  if (m.workload) lines.push(`Controlled by ${m.workload.kind} ${m.workload.name}.`);
  if (m.services.length) lines.push(`Selected by Service${m.services.length === 1 ? '' : 's'} ${m.services.join(', ')}.`);
  return lines.join('\n');
}

function podLinks(m: PodViewModel): ViewLink[] {
  const links: ViewLink[] = [];
  if (m.workload) links.push({ view: 'workload', params: { namespace: m.namespace, kind: m.workload.kind, name: m.workload.name } });
  for (const s of m.services) links.push({ view: 'service', params: { namespace: m.namespace, name: s } });
  if (m.nodeName) links.push({ view: 'network', params: {} });
  return links;
}

function podInstances(snapshot: ClusterSnapshot): Record<string, string>[] {
  return snapshot.pods
    .map((p) => ({ namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '' }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** The Pod view: `/view/pod?namespace=NS&name=POD`. */
export const podView: ViewDefinition<PodViewModel> = {
  name: 'pod',
  title: 'Pod',
  params: ['namespace', 'name'],
  select: selectPod,
  render: renderPod,
  describe: describePod,
  links: podLinks,
  instances: podInstances,
};
