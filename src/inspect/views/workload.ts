/**
 * The seed's workload pictures: a controller and what it keeps in shape, left to right.
 * Deployment → ReplicaSets (revision, pod-template-hash) → Pods; StatefulSet → Pods by ordinal
 * with their claims and full DNS names (web-0.nginx.default.svc.cluster.local); DaemonSet →
 * one row per node; Job → Pods; CronJob → Jobs → Pods.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../../apimachinery/pod.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { arrow, group, rect, svgDocument, text } from '../svg.js';
import type { ViewDefinition, ViewLink } from '../view.js';
import { controllerRef, type HasMetadata } from '../workload-of.js';

/** The kinds the workload view draws. */
export const workloadKinds = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;

/** One of {@link workloadKinds}. */
export type WorkloadKind = (typeof workloadKinds)[number];

/** A PersistentVolumeClaim a StatefulSet pod gets from a claim template. */
export interface WorkloadClaim {
  name: string;
  /** `Bound`, `Pending`, `not created`, or `not readable` when the user may not list claims. */
  status: string;
  capacity?: string;
}

/** One pod (or, for a StatefulSet, an ordinal whose pod does not exist yet). */
export interface WorkloadPod {
  name: string;
  /** `Running, ready`, `Pending`, `Succeeded`, `not created`, `terminating`... */
  status: string;
  tone: 'ok' | 'warn' | 'bad';
  /** False for a StatefulSet ordinal without a pod. */
  exists: boolean;
  podIP?: string;
  nodeName?: string;
  restarts: number;
  ordinal?: number;
  /** A StatefulSet pod's full address: pod.service.namespace.svc.<cluster domain>. */
  dnsName?: string;
  claims?: WorkloadClaim[];
}

/** The middle column: a ReplicaSet of a Deployment, a Job of a CronJob, a node of a DaemonSet. */
export interface WorkloadGroup {
  kind: 'ReplicaSet' | 'Job' | 'Node';
  name: string;
  /** What the box says under its name: revision and template hash, a Job's counts... */
  lines: string[];
  tone: 'ok' | 'warn' | 'bad' | 'box' | 'node';
  pods: WorkloadPod[];
}

/** What the workload view draws. */
export interface WorkloadViewModel {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** What the controller box says under its name. */
  lines: string[];
  /** ReplicaSets, Jobs or nodes between the controller and its pods (empty when pods hang directly below). */
  groups: WorkloadGroup[];
  /** Pods the controller owns directly (StatefulSet, Job, ReplicaSet). */
  pods: WorkloadPod[];
  /** A StatefulSet's governing Service. */
  serviceName?: string;
}

/** Options of {@link workloadView}. */
export interface WorkloadViewOptions {
  /** The cluster's DNS domain, for StatefulSet pods' full addresses. Default `cluster.local`. */
  clusterDomain?: string;
}

function kindOf(param: string | undefined): WorkloadKind | undefined {
  const p = (param ?? '').toLowerCase();
  const aliases: Record<string, WorkloadKind> = {
    deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
    replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', rs: 'ReplicaSet',
    statefulset: 'StatefulSet', statefulsets: 'StatefulSet', sts: 'StatefulSet',
    daemonset: 'DaemonSet', daemonsets: 'DaemonSet', ds: 'DaemonSet',
    job: 'Job', jobs: 'Job',
    cronjob: 'CronJob', cronjobs: 'CronJob', cj: 'CronJob',
  };
  return aliases[p];
}

function listOf(snapshot: ClusterSnapshot, kind: WorkloadKind): HasMetadata[] {
  switch (kind) {
    case 'Deployment':
      return snapshot.deployments;
    case 'ReplicaSet':
      return snapshot.replicaSets;
    case 'StatefulSet':
      return snapshot.statefulSets;
    case 'DaemonSet':
      return snapshot.daemonSets;
    case 'Job':
      return snapshot.jobs;
    case 'CronJob':
      return snapshot.cronJobs;
  }
}

const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);

function ownedBy<T extends HasMetadata>(items: T[], owner: HasMetadata): T[] {
  const uid = owner.metadata?.uid;
  return items.filter((o) => {
    if (o.metadata?.namespace !== owner.metadata?.namespace) return false;
    const ref = controllerRef(o);
    return ref !== undefined && (uid ? ref.uid === uid : ref.name === owner.metadata?.name);
  });
}

function podModel(pod: Pod): WorkloadPod {
  const ready = isPodReady(pod);
  const phase = pod.status?.phase ?? 'Pending';
  const waiting = (pod.status?.containerStatuses ?? []).map((s) => s.state?.waiting?.reason).find((r) => r !== undefined);
  const restarts = (pod.status?.containerStatuses ?? []).reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
  const deleting = pod.metadata?.deletionTimestamp !== undefined;
  const status = deleting ? 'terminating' : phase === 'Running' ? `Running, ${ready ? 'ready' : 'not ready'}` : waiting && phase === 'Pending' ? `Pending: ${waiting}` : phase;
  const tone = deleting ? 'warn' : phase === 'Failed' || (waiting !== undefined && /BackOff|Err/.test(waiting)) ? 'bad' : ready || phase === 'Succeeded' ? 'ok' : 'warn';
  return {
    name: pod.metadata?.name ?? '',
    status: waiting && phase === 'Running' ? `${status} (${waiting})` : status,
    tone,
    exists: true,
    ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    restarts,
  };
}

function podsOf(snapshot: ClusterSnapshot, owner: HasMetadata): WorkloadPod[] {
  return ownedBy(snapshot.pods, owner).map(podModel).sort(byName);
}

function replicaCounts(spec: number | undefined, ready: number | undefined, extra = ''): string {
  return `${ready ?? 0}/${spec ?? 0} ready${extra}`;
}

function deploymentModel(snapshot: ClusterSnapshot, d: ClusterSnapshot['deployments'][number]): Omit<WorkloadViewModel, 'kind' | 'namespace' | 'name'> {
  const revision = d.metadata?.annotations?.['deployment.kubernetes.io/revision'];
  const strategy = d.spec?.strategy?.type ?? 'RollingUpdate';
  const ru = d.spec?.strategy?.rollingUpdate;
  const lines = [
    replicaCounts(d.spec?.replicas ?? 1, d.status?.readyReplicas, `, ${d.status?.updatedReplicas ?? 0} updated, ${d.status?.availableReplicas ?? 0} available`),
    strategy === 'RollingUpdate' ? `RollingUpdate: maxSurge ${ru?.maxSurge ?? '25%'}, maxUnavailable ${ru?.maxUnavailable ?? '25%'}` : strategy,
    ...(revision ? [`revision ${revision}`] : []),
  ];
  const groups = ownedBy(snapshot.replicaSets, d)
    .map((rs) => {
      const rev = rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '?';
      const hash = rs.metadata?.labels?.['pod-template-hash'] ?? '?';
      const current = revision !== undefined && rev === revision;
      const group: WorkloadGroup = {
        kind: 'ReplicaSet',
        name: rs.metadata?.name ?? '',
        lines: [`revision ${rev}${current ? ' (current)' : ''}`, `pod-template-hash ${hash}`, replicaCounts(rs.spec?.replicas, rs.status?.readyReplicas)],
        tone: current ? 'ok' : 'box',
        pods: podsOf(snapshot, rs),
      };
      return { group, rev: Number(rev) };
    })
    .sort((a, b) => (Number.isNaN(b.rev) ? -1 : b.rev) - (Number.isNaN(a.rev) ? -1 : a.rev) || byName(a.group, b.group))
    .map((x) => x.group);
  return { lines, groups, pods: [] };
}

function statefulSetModel(snapshot: ClusterSnapshot, s: ClusterSnapshot['statefulSets'][number], clusterDomain: string): Omit<WorkloadViewModel, 'kind' | 'namespace' | 'name'> {
  const namespace = s.metadata?.namespace ?? '';
  const name = s.metadata?.name ?? '';
  const replicas = s.spec?.replicas ?? 1;
  const serviceName = s.spec?.serviceName ?? '';
  const claimsReadable = !snapshot.forbidden.includes('persistentvolumeclaims');
  const owned = ownedBy(snapshot.pods, s);
  const ordinalOf = (podName: string): number | undefined => {
    const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(podName);
    return m ? Number(m[1]) : undefined;
  };
  const start = s.spec?.ordinals?.start ?? 0;
  const ordinals = new Set<number>();
  for (let i = start; i < start + replicas; i++) ordinals.add(i);
  for (const p of owned) {
    const o = ordinalOf(p.metadata?.name ?? '');
    if (o !== undefined) ordinals.add(o);
  }
  const pods = [...ordinals]
    .sort((a, b) => a - b)
    .map((ordinal): WorkloadPod => {
      const podName = `${name}-${ordinal}`;
      const pod = owned.find((p) => p.metadata?.name === podName);
      const base: WorkloadPod = pod ? podModel(pod) : { name: podName, status: 'not created', tone: 'warn', exists: false, restarts: 0 };
      const claims = (s.spec?.volumeClaimTemplates ?? []).map((t): WorkloadClaim => {
        const claimName = `${t.metadata?.name ?? ''}-${podName}`;
        if (!claimsReadable) return { name: claimName, status: 'not readable' };
        const pvc = snapshot.persistentVolumeClaims.find((c) => c.metadata?.namespace === namespace && c.metadata?.name === claimName);
        if (!pvc) return { name: claimName, status: 'not created' };
        const capacity = pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage;
        return { name: claimName, status: pvc.status?.phase ?? 'Pending', ...(capacity ? { capacity } : {}) };
      });
      return {
        ...base,
        ordinal,
        ...(serviceName ? { dnsName: `${podName}.${serviceName}.${namespace}.svc.${clusterDomain}` } : {}),
        ...(claims.length ? { claims } : {}),
      };
    });
  const lines = [
    replicaCounts(replicas, s.status?.readyReplicas, `, ${s.status?.currentReplicas ?? 0} current`),
    `serviceName ${serviceName || '(none)'}`,
    `podManagementPolicy ${s.spec?.podManagementPolicy ?? 'OrderedReady'}, ${s.spec?.updateStrategy?.type ?? 'RollingUpdate'}`,
  ];
  return { lines, groups: [], pods, ...(serviceName ? { serviceName } : {}) };
}

function daemonSetModel(snapshot: ClusterSnapshot, d: ClusterSnapshot['daemonSets'][number]): Omit<WorkloadViewModel, 'kind' | 'namespace' | 'name'> {
  const pods = ownedBy(snapshot.pods, d).map(podModel);
  const nodeNames = new Set([...snapshot.nodes.map((n) => n.metadata?.name ?? ''), ...pods.flatMap((p) => (p.nodeName ? [p.nodeName] : []))]);
  const groups: WorkloadGroup[] = [...nodeNames].sort().map((node) => {
    const here = pods.filter((p) => p.nodeName === node).sort(byName);
    return { kind: 'Node', name: node, lines: [here.length ? `${here.length} pod${here.length === 1 ? '' : 's'}` : 'no pod here'], tone: 'node', pods: here };
  });
  const unscheduled = pods.filter((p) => !p.nodeName).sort(byName);
  if (unscheduled.length) groups.push({ kind: 'Node', name: '(not scheduled)', lines: [`${unscheduled.length} pod${unscheduled.length === 1 ? '' : 's'}`], tone: 'warn', pods: unscheduled });
  const st = d.status;
  const lines = [`${st?.numberReady ?? 0}/${st?.desiredNumberScheduled ?? 0} ready, ${st?.currentNumberScheduled ?? 0} scheduled, ${st?.numberMisscheduled ?? 0} misscheduled`];
  return { lines, groups, pods: [] };
}

function jobLines(j: ClusterSnapshot['jobs'][number]): { lines: string[]; tone: WorkloadGroup['tone'] } {
  const conds = j.status?.conditions ?? [];
  const complete = conds.some((c) => c.type === 'Complete' && c.status === 'True');
  const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
  const state = complete ? 'Complete' : failed ? `Failed${failed.reason ? `: ${failed.reason}` : ''}` : j.spec?.suspend ? 'Suspended' : 'Running';
  return {
    lines: [state, `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1} succeeded, ${j.status?.active ?? 0} active, ${j.status?.failed ?? 0} failed`, ...(j.status?.startTime ? [`started ${j.status.startTime}`] : [])],
    tone: complete ? 'ok' : failed ? 'bad' : 'warn',
  };
}

function jobModel(snapshot: ClusterSnapshot, j: ClusterSnapshot['jobs'][number]): Omit<WorkloadViewModel, 'kind' | 'namespace' | 'name'> {
  const { lines } = jobLines(j);
  return { lines: [...lines, `parallelism ${j.spec?.parallelism ?? 1}, backoffLimit ${j.spec?.backoffLimit ?? 6}`], groups: [], pods: podsOf(snapshot, j) };
}

function cronJobModel(snapshot: ClusterSnapshot, c: ClusterSnapshot['cronJobs'][number]): Omit<WorkloadViewModel, 'kind' | 'namespace' | 'name'> {
  const spec = c.spec;
  const lines = [
    `schedule ${spec?.schedule ?? ''}${spec?.timeZone ? ` (${spec.timeZone})` : ''}${spec?.suspend ? ', suspended' : ''}`,
    `concurrencyPolicy ${spec?.concurrencyPolicy ?? 'Allow'}${spec?.startingDeadlineSeconds !== undefined ? `, startingDeadlineSeconds ${spec.startingDeadlineSeconds}` : ''}`,
    `last scheduled ${c.status?.lastScheduleTime ?? 'never'}`,
  ];
  const groups = ownedBy(snapshot.jobs, c)
    .map((j): WorkloadGroup => {
      const { lines: jl, tone } = jobLines(j);
      return { kind: 'Job', name: j.metadata?.name ?? '', lines: jl, tone, pods: podsOf(snapshot, j) };
    })
    .sort(byName);
  return { lines, groups, pods: [] };
}

function replicaSetModel(snapshot: ClusterSnapshot, rs: ClusterSnapshot['replicaSets'][number]): Omit<WorkloadViewModel, 'kind' | 'namespace' | 'name'> {
  const rev = rs.metadata?.annotations?.['deployment.kubernetes.io/revision'];
  const hash = rs.metadata?.labels?.['pod-template-hash'];
  const lines = [replicaCounts(rs.spec?.replicas ?? 1, rs.status?.readyReplicas), ...(rev ? [`revision ${rev}`] : []), ...(hash ? [`pod-template-hash ${hash}`] : [])];
  return { lines, groups: [], pods: podsOf(snapshot, rs) };
}

function selectWorkload(snapshot: ClusterSnapshot, params: Record<string, string>, clusterDomain: string): WorkloadViewModel | undefined {
  const kind = kindOf(params.kind);
  const namespace = params.namespace || 'default';
  if (!kind || !params.name) return undefined;
  const find = <T extends HasMetadata>(list: T[]): T | undefined => list.find((o) => o.metadata?.namespace === namespace && o.metadata?.name === params.name);
  const head = { kind, namespace, name: params.name };
  const shaped = (body: Omit<WorkloadViewModel, 'kind' | 'namespace' | 'name'> | undefined): WorkloadViewModel | undefined => (body ? { ...head, ...body } : undefined);
  switch (kind) {
    case 'Deployment': {
      const d = find(snapshot.deployments);
      return shaped(d && deploymentModel(snapshot, d));
    }
    case 'StatefulSet': {
      const s = find(snapshot.statefulSets);
      return shaped(s && statefulSetModel(snapshot, s, clusterDomain));
    }
    case 'DaemonSet': {
      const d = find(snapshot.daemonSets);
      return shaped(d && daemonSetModel(snapshot, d));
    }
    case 'Job': {
      const j = find(snapshot.jobs);
      return shaped(j && jobModel(snapshot, j));
    }
    case 'CronJob': {
      const c = find(snapshot.cronJobs);
      return shaped(c && cronJobModel(snapshot, c));
    }
    case 'ReplicaSet': {
      const rs = find(snapshot.replicaSets);
      return shaped(rs && replicaSetModel(snapshot, rs));
    }
  }
}

function podLines(p: WorkloadPod): string[] {
  return [
    p.name,
    p.status + (p.restarts ? `, ${p.restarts} restart${p.restarts === 1 ? '' : 's'}` : ''),
    ...(p.exists ? [p.podIP ? `IP ${p.podIP} on ${p.nodeName ?? 'no node'}` : `no IP, ${p.nodeName ? `on ${p.nodeName}` : 'no node yet'}`] : []),
    ...(p.dnsName ? [p.dnsName] : []),
    ...(p.claims ?? []).map((c) => `claim ${c.name}: ${c.status}${c.capacity ? ` ${c.capacity}` : ''}`),
  ];
}

function sentence(p: WorkloadPod): string {
  return podLines(p).join('; ');
}

const charWidth = 7;
const boldCharWidth = 8;
const lineHeight = 17;
const pad = 10;
const gap = 12;
const columnGap = 48;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function boxHeight(lines: number): number {
  return pad * 2 + lines * lineHeight;
}

function textWidth(lines: string[]): number {
  // The first line is bold: wider letters.
  return Math.max(120, ...lines.map((l, i) => l.length * (i === 0 ? boldCharWidth : charWidth))) + 2 * pad;
}

function boxText(b: Box, lines: string[]): string[] {
  return lines.map((l, i) => text(b.x + pad, b.y + pad + 13 + i * lineHeight, l, i === 0 ? { class: 'heading' } : {}));
}

function renderWorkload(m: WorkloadViewModel): string {
  const headLines = [`${m.kind} ${m.namespace}/${m.name}`, ...m.lines];
  const head: Box = { x: 20, y: 20, width: textWidth(headLines), height: boxHeight(headLines.length) };
  const groupLines = m.groups.map((g) => [`${g.kind === 'Node' ? 'node' : g.kind} ${g.name}`, ...g.lines]);
  const groupWidth = m.groups.length ? Math.max(...groupLines.map(textWidth)) : 0;
  const allPods = [...m.pods, ...m.groups.flatMap((g) => g.pods)];
  const podWidth = allPods.length ? Math.max(...allPods.map((p) => textWidth(podLines(p)))) : 0;
  const groupX = head.x + head.width + columnGap;
  const podX = m.groups.length ? groupX + groupWidth + columnGap : groupX;
  const body: string[] = [];
  const edgeFrom = (a: Box, b: Box): string => arrow(a.x + a.width, a.y + Math.min(a.height / 2, 24), b.x, b.y + Math.min(b.height / 2, 24), { class: 'edge' });

  const podGroup = (p: WorkloadPod, y: number): { svg: string; box: Box } => {
    const lines = podLines(p);
    const box: Box = { x: podX, y, width: podWidth, height: boxHeight(lines.length) };
    const label = p.exists ? `Pod ${sentence(p)}` : `Pod ${p.name} (not created yet)${p.dnsName ? `; ${p.dnsName}` : ''}`;
    return { svg: group(label, { class: 'workload-pod' }, rect(box.x, box.y, box.width, box.height, { class: p.tone, rx: 4, 'stroke-dasharray': p.exists ? undefined : '4 3' }), ...boxText(box, lines)), box };
  };

  let y = 20;
  if (m.groups.length === 0) {
    for (const p of m.pods) {
      const { svg, box } = podGroup(p, y);
      body.push(edgeFrom(head, box), svg);
      y += box.height + gap;
    }
  } else {
    m.groups.forEach((g, i) => {
      const lines = groupLines[i] ?? [];
      const gBox: Box = { x: groupX, y, width: groupWidth, height: boxHeight(lines.length) };
      const parts = [rect(gBox.x, gBox.y, gBox.width, gBox.height, { class: g.tone, rx: 4 }), ...boxText(gBox, lines)];
      let py = y;
      for (const p of g.pods) {
        const { svg, box } = podGroup(p, py);
        parts.push(edgeFrom(gBox, box), svg);
        py += box.height + gap;
      }
      body.push(edgeFrom(head, gBox), group(`${g.kind === 'Node' ? 'Node' : g.kind} ${g.name}: ${g.lines.join(', ')}; ${g.pods.length} pod${g.pods.length === 1 ? '' : 's'}`, { class: 'workload-group' }, ...parts));
      y = Math.max(y + gBox.height, py - gap) + gap * 2;
    });
  }
  const height = Math.max(head.y + head.height, y) + 20;
  const width = (allPods.length ? podX + podWidth : m.groups.length ? groupX + groupWidth : head.x + head.width) + 20;
  const headGroup = group(`${m.kind} ${m.namespace}/${m.name}: ${m.lines.join(', ')}`, { class: 'workload' }, rect(head.x, head.y, head.width, head.height, { class: 'box', rx: 4 }), ...boxText(head, headLines));
  return svgDocument({ width, height, title: `${m.kind} ${m.namespace}/${m.name}`, description: describeWorkload(m) }, headGroup, ...body);
}

function describeWorkload(m: WorkloadViewModel): string {
  const out = [`${m.kind} ${m.namespace}/${m.name}: ${m.lines.join('; ')}.`];
  const pods = (list: WorkloadPod[], indent: string): void => {
    if (list.length === 0) out.push(`${indent}no pods`);
    for (const p of list) out.push(`${indent}Pod ${p.exists ? sentence(p) : `${p.name}: not created yet${p.dnsName ? `; ${p.dnsName}` : ''}`}`);
  };
  if (m.groups.length) {
    const what = m.kind === 'Deployment' ? 'ReplicaSets, newest first' : m.kind === 'CronJob' ? 'Jobs' : 'Nodes';
    out.push(`${what}:`);
    for (const g of m.groups) {
      out.push(`- ${g.kind === 'Node' ? 'node' : g.kind} ${g.name}: ${g.lines.join('; ')}`);
      pods(g.pods, '  - ');
    }
  } else if (m.kind === 'Deployment' || m.kind === 'CronJob' || m.kind === 'DaemonSet') {
    out.push(m.kind === 'Deployment' ? 'No ReplicaSets.' : m.kind === 'CronJob' ? 'No Jobs.' : 'No nodes.');
  } else {
    out.push('Pods:');
    pods(m.pods, '- ');
  }
  return out.join('\n');
}

function workloadLinks(m: WorkloadViewModel): ViewLink[] {
  const links: ViewLink[] = [];
  for (const p of [...m.pods, ...m.groups.flatMap((g) => g.pods)]) if (p.exists) links.push({ view: 'pod', params: { namespace: m.namespace, name: p.name } });
  if (m.serviceName) links.push({ view: 'service', params: { namespace: m.namespace, name: m.serviceName } });
  if (m.kind === 'Deployment') links.push({ view: 'rollout', params: { namespace: m.namespace, name: m.name } });
  if (m.kind === 'CronJob') links.push({ view: 'cronjob', params: { namespace: m.namespace, name: m.name } });
  for (const g of m.groups) if (g.kind === 'Job') links.push({ view: 'workload', params: { namespace: m.namespace, kind: 'Job', name: g.name } });
  return links;
}

function workloadInstances(snapshot: ClusterSnapshot): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const kind of workloadKinds) {
    for (const o of listOf(snapshot, kind)) {
      // A Deployment's ReplicaSets and a CronJob's Jobs are drawn with their owner.
      if ((kind === 'ReplicaSet' || kind === 'Job') && controllerRef(o)) continue;
      out.push({ namespace: o.metadata?.namespace ?? '', kind, name: o.metadata?.name ?? '' });
    }
  }
  return out.sort((a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || (a.kind ?? '').localeCompare(b.kind ?? '') || (a.name ?? '').localeCompare(b.name ?? ''));
}

/** The Workload view: `/view/workload?namespace=NS&kind=Deployment&name=NAME` (also StatefulSet, DaemonSet, Job, CronJob, ReplicaSet). */
export function workloadView(options: WorkloadViewOptions = {}): ViewDefinition<WorkloadViewModel> {
  const clusterDomain = options.clusterDomain ?? 'cluster.local';
  return {
    name: 'workload',
    title: 'Workload',
    params: ['namespace', 'kind', 'name'],
    select: (snapshot, params) => selectWorkload(snapshot, params, clusterDomain),
    render: renderWorkload,
    describe: describeWorkload,
    links: workloadLinks,
    instances: workloadInstances,
  };
}
