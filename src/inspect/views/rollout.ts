/**
 * The seed's "rolling update" picture, drawn live: a Deployment's ReplicaSets, old and new, one
 * column per observed change, each pod a square (available, ready, or not yet ready), against
 * the bounds the rollout keeps: at most replicas + maxSurge pods and at least
 * replicas - maxUnavailable available (resolved as upstream does: surge rounds up, unavailable
 * down). The newest revision is marked under each column; `kubectl rollout undo` shows as the
 * old ReplicaSet taking the newest revision and growing back while the other shrinks.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  deploymentComplete,
  isRollingUpdate,
  maxSurge,
  maxUnavailable,
  revisionHistoryAnnotation,
  revisionOf,
} from '../../apimachinery/deployment-rollout.js';
import { IntOrPercentError } from '../../apimachinery/intstr.js';
import { controllerOf } from '../../apimachinery/owner.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { el, group, rect, svgDocument, text } from '../svg.js';
import type { ViewDefinition, ViewLink } from '../view.js';
import { utcClock } from './time-text.js';

/** The most columns drawn; earlier changes are counted, not drawn. */
export const maxRolloutSteps = 16;

/** One ReplicaSet's counts at one moment. */
export interface ReplicaSetCounts {
  name: string;
  /** The pod-template-hash label ('' when missing). */
  hash: string;
  revision?: number;
  /** spec.replicas: the pods it should run. */
  spec: number;
  ready: number;
  available: number;
}

/** The rollout's bounds at one moment, resolved from the Deployment of that moment. */
export interface RolloutBounds {
  desired: number;
  maxSurge: number;
  maxUnavailable: number;
  /** desired + maxSurge: the most pods (sum of spec.replicas) the rollout may run. */
  maxPods: number;
  /** desired - maxUnavailable: the fewest available pods it may leave. */
  minAvailable: number;
}

/** The newest revision changed at a step: a new ReplicaSet, or (with `previous`) a rollback. */
export interface RevisionChange {
  revision: number;
  replicaSet: string;
  /** Revisions this ReplicaSet had before: non-empty when `kubectl rollout undo` brought it back. */
  previous: number[];
}

/** The Deployment and its ReplicaSets after one observed change. */
export interface RolloutStep {
  at: number;
  /** ReplicaSets with pods or wanted pods, lowest revision first. */
  replicaSets: ReplicaSetCounts[];
  /** The ReplicaSet with the highest revision. */
  newest?: string;
  /** Undefined when maxSurge/maxUnavailable do not parse. */
  bounds?: RolloutBounds;
  /** Sum of spec.replicas. */
  pods: number;
  /** Sum of available replicas. */
  available: number;
  revisionChange?: RevisionChange;
}

/** A ReplicaSet as the legend lists it. */
export interface ReplicaSetSummary extends ReplicaSetCounts {
  /** Revisions it had before (revision-history annotation and earlier observations). */
  previousRevisions: number[];
  newest: boolean;
}

/** What the rolling-update picture draws. */
export interface RolloutModel {
  namespace: string;
  name: string;
  strategy: 'RollingUpdate' | 'Recreate';
  /** maxSurge / maxUnavailable as written (defaults filled in). */
  maxSurgeSpec: string;
  maxUnavailableSpec: string;
  /** `kubectl rollout status`'s sentence for the current Deployment. */
  status: string;
  complete: boolean;
  steps: RolloutStep[];
  /** Changes before the drawn steps. */
  omittedSteps: number;
  replicaSets: ReplicaSetSummary[];
  /** Set when the bounds cannot be resolved. */
  boundsProblem?: string;
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;

function ownedBy(rs: ReplicaSet, deployment: Deployment): boolean {
  const ref = controllerOf({ metadata: rs.metadata });
  if (ref?.kind !== 'Deployment' || ref.name !== deployment.metadata?.name) return false;
  const uid = deployment.metadata?.uid;
  return uid === undefined || ref.uid === undefined || ref.uid === uid;
}

function counts(rs: ReplicaSet): ReplicaSetCounts {
  const revision = revisionOf(rs);
  return {
    name: rs.metadata?.name ?? '',
    hash: rs.metadata?.labels?.['pod-template-hash'] ?? '',
    ...(revision === undefined ? {} : { revision }),
    spec: rs.spec?.replicas ?? 1,
    ready: rs.status?.readyReplicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
  };
}

function byRevision(a: ReplicaSetCounts, b: ReplicaSetCounts): number {
  return (a.revision ?? 0) - (b.revision ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function bounds(deployment: Deployment): RolloutBounds {
  const desired = deployment.spec?.replicas ?? 1;
  const surge = maxSurge(deployment);
  const unavailable = maxUnavailable(deployment);
  return { desired, maxSurge: surge, maxUnavailable: unavailable, maxPods: desired + surge, minAvailable: desired - unavailable };
}

function boundsOrProblem(deployment: Deployment): { bounds?: RolloutBounds; problem?: string } {
  try {
    return { bounds: bounds(deployment) };
  } catch (err) {
    if (err instanceof IntOrPercentError) return { problem: err.message };
    throw err;
  }
}

/** `kubectl rollout status` for a Deployment (its sentences, without the trailing newline). */
export function rolloutStatusText(deployment: Deployment): { text: string; complete: boolean } {
  const name = deployment.metadata?.name ?? '';
  const status = deployment.status ?? {};
  if (deployment.spec?.paused === true) return { text: `deployment "${name}" is paused`, complete: false };
  if ((deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { text: 'Waiting for deployment spec update to be observed...', complete: false };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { text: `deployment "${name}" exceeded its progress deadline`, complete: false };
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const waiting = `Waiting for deployment "${name}" rollout to finish:`;
  if (updated < desired) return { text: `${waiting} ${updated} out of ${desired} new replicas have been updated...`, complete: false };
  if ((status.replicas ?? 0) > updated) return { text: `${waiting} ${(status.replicas ?? 0) - updated} old replicas are pending termination...`, complete: false };
  if ((status.availableReplicas ?? 0) < updated) {
    return { text: `${waiting} ${status.availableReplicas ?? 0} of ${updated} updated replicas are available...`, complete: false };
  }
  return { text: `deployment "${name}" successfully rolled out`, complete: deploymentComplete(deployment, status) };
}

/** What a step draws, apart from its time: equal shapes are one step. */
function shapeOf(step: RolloutStep): string {
  return JSON.stringify([step.replicaSets, step.newest, step.bounds]);
}

function intOrString(value: number | string | undefined, fallback: string): string {
  return value === undefined ? fallback : String(value);
}

/** Builds the model from the snapshot: the current objects, replayed through `changes`. */
function selectRollout(snapshot: ClusterSnapshot, params: Record<string, string>): RolloutModel | undefined {
  const namespace = params.namespace ?? 'default';
  const name = params.name ?? '';
  const deployment = snapshot.deployments.find((d) => d.metadata?.namespace === namespace && d.metadata?.name === name);
  if (!deployment) return undefined;
  const isOurs = (rs: ReplicaSet): boolean => rs.metadata?.namespace === namespace && ownedBy(rs, deployment);
  const isThisDeployment = (d: Deployment): boolean => d.metadata?.namespace === namespace && d.metadata?.name === name;

  // The changes that concern this rollout, oldest first.
  const changes = snapshot.changes.filter((c) =>
    c.kind === 'replicaSets' ? isOurs(c.object as ReplicaSet) : c.kind === 'deployments' && isThisDeployment(c.object as Deployment),
  );
  // Before its first change an object is taken as that change shows it, unless the change added it.
  const replicaSets = new Map<string, ReplicaSet>();
  let current: Deployment | undefined;
  const seen = new Set<string>();
  for (const change of changes) {
    const k = change.kind === 'deployments' ? 'deployment' : key(namespace, change.object.metadata?.name ?? '');
    if (seen.has(k)) continue;
    seen.add(k);
    if (change.type === 'ADDED') continue;
    if (change.kind === 'deployments') current = change.object as Deployment;
    else replicaSets.set(k, change.object as ReplicaSet);
  }
  for (const rs of snapshot.replicaSets) {
    const k = key(namespace, rs.metadata?.name ?? '');
    if (isOurs(rs) && !seen.has(k)) replicaSets.set(k, rs);
  }
  current ??= seen.has('deployment') ? undefined : deployment;

  const steps: RolloutStep[] = [];
  const revisionsSeen = new Map<string, Set<number>>();
  let boundsProblem: string | undefined;
  const record = (at: number): void => {
    const all = [...replicaSets.values()].map(counts).sort(byRevision);
    const newest = all.length > 0 ? all[all.length - 1] : undefined;
    const shown = all.filter((rs) => rs.spec > 0 || rs.ready > 0 || rs === newest);
    const resolved = current && isRollingUpdate(current) ? boundsOrProblem(current) : {};
    if (resolved.problem !== undefined) boundsProblem = resolved.problem;
    const step: RolloutStep = {
      at,
      replicaSets: shown,
      ...(newest ? { newest: newest.name } : {}),
      ...(resolved.bounds ? { bounds: resolved.bounds } : {}),
      pods: shown.reduce((sum, rs) => sum + rs.spec, 0),
      available: shown.reduce((sum, rs) => sum + rs.available, 0),
    };
    const previous = steps[steps.length - 1];
    const previousNewest = previous?.replicaSets.find((rs) => rs.name === previous.newest);
    if (previous && newest?.revision !== undefined && (previousNewest?.name !== newest.name || previousNewest.revision !== newest.revision)) {
      const before = [...(revisionsSeen.get(newest.name) ?? [])].filter((r) => r < (newest.revision ?? 0)).sort((a, b) => a - b);
      step.revisionChange = { revision: newest.revision, replicaSet: newest.name, previous: before };
    }
    for (const rs of all) {
      if (rs.revision === undefined) continue;
      const set = revisionsSeen.get(rs.name) ?? new Set<number>();
      set.add(rs.revision);
      revisionsSeen.set(rs.name, set);
    }
    if (previous && shapeOf(previous) === shapeOf(step)) return;
    steps.push(step);
  };

  if (changes.length === 0) record(snapshot.now);
  else record(changes[0]!.at);
  for (const change of changes) {
    if (change.kind === 'deployments') current = change.type === 'DELETED' ? undefined : (change.object as Deployment);
    else {
      const k = key(namespace, change.object.metadata?.name ?? '');
      if (change.type === 'DELETED') replicaSets.delete(k);
      else replicaSets.set(k, change.object as ReplicaSet);
    }
    record(change.at);
  }
  // The snapshot's objects are the truth now: a change the observer missed shows as a last step.
  replicaSets.clear();
  for (const rs of snapshot.replicaSets) if (isOurs(rs)) replicaSets.set(key(namespace, rs.metadata?.name ?? ''), rs);
  current = deployment;
  record(snapshot.now);

  const last = steps[steps.length - 1];
  const summaries: ReplicaSetSummary[] = [...replicaSets.values()]
    .map(counts)
    .sort(byRevision)
    .reverse()
    .map((rs) => {
      const rsObject = replicaSets.get(key(namespace, rs.name));
      const history = (rsObject?.metadata?.annotations?.[revisionHistoryAnnotation] ?? '')
        .split(',')
        .filter((r) => /^\d+$/.test(r))
        .map(Number);
      const previousRevisions = [...new Set([...history, ...(revisionsSeen.get(rs.name) ?? [])])]
        .filter((r) => r < (rs.revision ?? 0))
        .sort((a, b) => a - b);
      return { ...rs, previousRevisions, newest: rs.name === last?.newest };
    });
  const rolling = deployment.spec?.strategy?.rollingUpdate;
  const status = rolloutStatusText(deployment);
  return {
    namespace,
    name,
    strategy: isRollingUpdate(deployment) ? 'RollingUpdate' : 'Recreate',
    maxSurgeSpec: intOrString(rolling?.maxSurge, '25%'),
    maxUnavailableSpec: intOrString(rolling?.maxUnavailable, '25%'),
    status: status.text,
    complete: status.complete,
    steps: steps.slice(-maxRolloutSteps),
    omittedSteps: Math.max(0, steps.length - maxRolloutSteps),
    replicaSets: summaries,
    ...(boundsProblem === undefined ? {} : { boundsProblem }),
  };
}

// Layout, by rule: a header, then one column per step (pods stacked as squares, lowest revision
// at the bottom), rows of numbers under the columns, the bounds as lines across, a legend below.
const margin = 16;
const rowHeaderWidth = 118;
const columnWidth = 60;
const barWidth = 30;
const boundsLabelWidth = 250;
const headerHeight = 86;
const rowHeight = 18;

function revisionLabel(revision: number | undefined): string {
  return revision === undefined ? 'no revision' : `revision ${revision}`;
}

function rsText(rs: ReplicaSetCounts): string {
  return `${revisionLabel(rs.revision)} (${rs.name}): ${rs.spec} wanted, ${rs.ready} ready, ${rs.available} available`;
}

function boundsText(b: RolloutBounds): string {
  return `at most ${b.maxPods} pods (${b.desired} + maxSurge ${b.maxSurge}), at least ${b.minAvailable} available (${b.desired} - maxUnavailable ${b.maxUnavailable})`;
}

function revisionChangeText(change: RevisionChange): string {
  return change.previous.length > 0
    ? `rollback: ${change.replicaSet} goes from revision ${change.previous[change.previous.length - 1]} to revision ${change.revision}`
    : `new revision ${change.revision}: ${change.replicaSet}`;
}

function stepText(step: RolloutStep): string {
  const parts = [
    ...(step.revisionChange ? [revisionChangeText(step.revisionChange)] : []),
    ...step.replicaSets.map((rs) => `${rsText(rs)}${rs.name === step.newest ? ' (newest)' : ''}`),
  ];
  let totals = `total ${step.pods} pods wanted, ${step.available} available`;
  if (step.bounds) {
    const over = step.pods > step.bounds.maxPods ? `, above the ${step.bounds.maxPods}-pod bound` : '';
    const under = step.available < step.bounds.minAvailable ? `, below the ${step.bounds.minAvailable}-available bound` : '';
    totals += `${over}${under}`;
  }
  return `${utcClock(step.at)} UTC: ${[...parts, totals].join('; ')}`;
}

function headerLines(model: RolloutModel): string[] {
  const last = model.steps[model.steps.length - 1];
  const strategy =
    model.strategy === 'Recreate'
      ? 'Strategy Recreate: every old pod goes before new ones start.'
      : `Strategy RollingUpdate, maxSurge ${model.maxSurgeSpec}, maxUnavailable ${model.maxUnavailableSpec}${last?.bounds ? `: ${boundsText(last.bounds)}` : ''}.`;
  return [strategy, model.boundsProblem === undefined ? model.status : `${model.status} (bounds unknown: ${model.boundsProblem})`];
}

function describeRollout(model: RolloutModel): string {
  const lines = [`Rolling update of Deployment ${model.namespace}/${model.name}.`, ...headerLines(model)];
  if (model.omittedSteps > 0) lines.push(`${model.omittedSteps} earlier changes are not shown.`);
  lines.push(`Observed changes (${model.steps.length}):`);
  for (const step of model.steps) lines.push(`- ${stepText(step)}`);
  lines.push('ReplicaSets now:');
  for (const rs of model.replicaSets) {
    const history = rs.previousRevisions.length > 0 ? `, earlier revisions ${rs.previousRevisions.join(', ')}` : '';
    lines.push(`- ${rsText(rs)}${rs.hash ? `, template hash ${rs.hash}` : ''}${rs.newest ? ', newest' : ''}${history}`);
  }
  return lines.join('\n');
}

/** The squares of one ReplicaSet in one column, bottom-up from `baseY`. */
function replicaSetSquares(rs: ReplicaSetCounts, newest: boolean, x: number, baseY: number, unit: number): string {
  const squares: string[] = [];
  const total = Math.max(rs.spec, rs.ready);
  for (let i = 0; i < total; i++) {
    const state = i >= rs.spec ? 'bad' : i < rs.available ? 'ok' : i < rs.ready ? 'warn' : 'box';
    const y = baseY - (i + 1) * unit;
    squares.push(rect(x, y + 1, barWidth, unit - 2, { class: state, 'stroke-dasharray': newest ? undefined : '3 2' }));
    if (unit >= 12 && rs.revision !== undefined) {
      squares.push(text(x + barWidth / 2, y + unit / 2 + 3.5, String(rs.revision), { 'text-anchor': 'middle', 'font-size': 9 }));
    }
  }
  return group(`${rsText(rs)}${newest ? ', newest' : ''}`, {}, ...squares);
}

function renderRollout(model: RolloutModel): string {
  const steps = model.steps;
  const peak = Math.max(1, ...steps.map((s) => Math.max(s.bounds?.maxPods ?? 0, s.replicaSets.reduce((n, rs) => n + Math.max(rs.spec, rs.ready), 0))));
  const unit = Math.max(4, Math.min(16, Math.floor(220 / peak)));
  const chartTop = margin + headerHeight;
  const chartHeight = peak * unit;
  const baseY = chartTop + chartHeight;
  const chartLeft = margin + rowHeaderWidth;
  const columnsWidth = Math.max(1, steps.length) * columnWidth;
  const width = chartLeft + columnsWidth + boundsLabelWidth + margin;
  const columnX = (i: number): number => chartLeft + i * columnWidth + (columnWidth - barWidth) / 2;

  const header = group(
    'Deployment and rollout status',
    {},
    text(margin, margin + 14, `Rolling update: Deployment ${model.namespace}/${model.name}`, { 'font-size': 16, 'font-weight': 'bold' }),
    ...headerLines(model).map((line, i) => text(margin, margin + 36 + i * 18, line, { class: i === 1 && !model.complete ? undefined : 'muted' })),
    ...(model.omittedSteps > 0 ? [text(margin, margin + 72, `${model.omittedSteps} earlier changes not shown`, { class: 'muted' })] : []),
  );

  const axis = group(
    'Replica axis',
    {},
    el('line', { x1: chartLeft - 4, y1: baseY, x2: chartLeft + columnsWidth, y2: baseY, class: 'edge' }),
    el('line', { x1: chartLeft - 4, y1: chartTop, x2: chartLeft - 4, y2: baseY, class: 'edge' }),
    text(chartLeft - 8, baseY + 4, '0', { 'text-anchor': 'end', class: 'muted' }),
    text(chartLeft - 8, chartTop + 8, String(peak), { 'text-anchor': 'end', class: 'muted' }),
    text(margin, chartTop + chartHeight / 2, 'pods', { class: 'muted' }),
  );

  const columns = steps.map((step, i) => {
    let y = baseY;
    const stacks: string[] = [];
    for (const rs of step.replicaSets) {
      stacks.push(replicaSetSquares(rs, rs.name === step.newest, columnX(i), y, unit));
      y -= Math.max(rs.spec, rs.ready) * unit;
    }
    return group(`Step ${i + 1}: ${stepText(step)}`, {}, ...stacks);
  });

  // The bounds: a dashed line per column at replicas + maxSurge and replicas - maxUnavailable.
  const boundLines: string[] = [];
  steps.forEach((step, i) => {
    if (!step.bounds) return;
    const x1 = chartLeft + i * columnWidth;
    const x2 = x1 + columnWidth;
    const maxY = baseY - step.bounds.maxPods * unit;
    const minY = baseY - step.bounds.minAvailable * unit;
    boundLines.push(el('line', { x1, y1: maxY, x2, y2: maxY, class: 'edge refused' }));
    boundLines.push(el('line', { x1, y1: minY, x2, y2: minY, class: 'edge', 'stroke-dasharray': '1 3', stroke: '#1d6b2c' }));
  });
  const lastBounds = steps[steps.length - 1]?.bounds;
  const noBounds = model.strategy === 'Recreate' ? 'Recreate: no surge, no availability floor' : 'bounds unknown';
  const boundLabels = lastBounds
    ? [
        text(chartLeft + columnsWidth + 8, baseY - lastBounds.maxPods * unit + 4, `max ${lastBounds.maxPods} pods = ${lastBounds.desired} + maxSurge ${lastBounds.maxSurge}`),
        text(
          chartLeft + columnsWidth + 8,
          baseY - lastBounds.minAvailable * unit + (lastBounds.minAvailable === lastBounds.maxPods ? 18 : 4),
          `min ${lastBounds.minAvailable} available = ${lastBounds.desired} - maxUnavailable ${lastBounds.maxUnavailable}`,
        ),
      ]
    : [text(chartLeft + columnsWidth + 8, chartTop + 8, noBounds, { class: 'muted' })];
  const boundsGroup = group(lastBounds ? `Bounds: ${boundsText(lastBounds)}` : noBounds, {}, ...boundLines, ...boundLabels);

  // Rows of numbers under the columns.
  const rowsTop = baseY + 6;
  const rowNames = ['time (UTC)', 'wanted / max', 'available / min', 'newest'];
  const cells: string[] = rowNames.map((label, r) => text(margin, rowsTop + (r + 1) * rowHeight - 4, label, { class: 'muted' }));
  steps.forEach((step, i) => {
    const cx = chartLeft + i * columnWidth + columnWidth / 2;
    const cell = (r: number, content: string, cls?: string): string =>
      text(cx, rowsTop + (r + 1) * rowHeight - 4, content, { 'text-anchor': 'middle', 'font-size': 11, class: cls });
    const newest = step.replicaSets.find((rs) => rs.name === step.newest);
    cells.push(cell(0, utcClock(step.at)));
    cells.push(cell(1, `${step.pods}/${step.bounds?.maxPods ?? '?'}`, step.bounds && step.pods > step.bounds.maxPods ? 'bad' : undefined));
    cells.push(cell(2, `${step.available}/${step.bounds?.minAvailable ?? '?'}`, step.bounds && step.available < step.bounds.minAvailable ? 'bad' : undefined));
    const change = step.revisionChange;
    const newestLabel = change ? (change.previous.length > 0 ? `undo→${change.revision}` : `→${change.revision}`) : newest?.revision !== undefined ? String(newest.revision) : '-';
    cells.push(cell(3, newestLabel, change ? undefined : 'muted'));
  });
  const rows = group('Counts per step: time, pods wanted against the maximum, available against the minimum, newest revision', {}, ...cells);

  // Legend: the ReplicaSets now, then what the squares mean.
  const legendTop = rowsTop + rowNames.length * rowHeight + 16;
  const legendRows = model.replicaSets.map((rs, i) => {
    const y = legendTop + i * 22;
    const history = rs.previousRevisions.length > 0 ? `, was revision ${rs.previousRevisions.join(', ')}` : '';
    return group(
      `${rsText(rs)}${rs.newest ? ', newest' : ''}${history}`,
      {},
      rect(margin, y, 14, 14, { class: rs.newest ? 'pod' : 'box', 'stroke-dasharray': rs.newest ? undefined : '3 2' }),
      text(margin + 22, y + 11, `${revisionLabel(rs.revision)}${rs.newest ? ' (newest)' : ''}: ${rs.name}${rs.hash ? ` [${rs.hash}]` : ''} ${rs.spec} wanted, ${rs.ready} ready, ${rs.available} available${history}`),
    );
  });
  const keyTop = legendTop + model.replicaSets.length * 22 + 6;
  const keyItems: [string, string][] = [
    ['ok', 'available'],
    ['warn', 'ready, not yet available'],
    ['box', 'wanted, not ready'],
    ['bad', 'no longer wanted, still ready'],
  ];
  const key = group(
    'Key: a square is a pod; solid border newest revision, dashed older; green available, yellow ready but not yet available, white wanted but not ready, red no longer wanted but still ready; the number is the revision',
    {},
    ...keyItems.flatMap(([cls, label], i) => [rect(margin + i * 190, keyTop, 14, 14, { class: cls }), text(margin + i * 190 + 20, keyTop + 11, label)]),
  );
  const height = keyTop + 14 + margin;
  // Text is about 6.6 px per character at 12 px: wide enough for the longest line.
  const longest = Math.max(...headerLines(model).map((l) => l.length), ...model.replicaSets.map((rs) => rs.name.length + 90));
  const fullWidth = Math.max(width, margin * 2 + keyItems.length * 190, margin * 2 + Math.ceil(longest * 6.6));
  return svgDocument(
    { width: fullWidth, height, title: `Rolling update of Deployment ${model.namespace}/${model.name}`, description: describeRollout(model) },
    header,
    axis,
    ...columns,
    boundsGroup,
    rows,
    ...legendRows,
    key,
  );
}

function rolloutLinks(model: RolloutModel): ViewLink[] {
  return [{ view: 'workload', params: { namespace: model.namespace, kind: 'Deployment', name: model.name } }];
}

/** The rolling-update view: `/view/rollout?namespace=…&name=…` (a Deployment). */
export const rolloutView: ViewDefinition<RolloutModel> = {
  name: 'rollout',
  title: 'Rolling update',
  params: ['namespace', 'name'],
  select: selectRollout,
  render: renderRollout,
  describe: describeRollout,
  links: rolloutLinks,
  instances: (snapshot) =>
    snapshot.deployments
      .map((d) => ({ namespace: d.metadata?.namespace ?? '', name: d.metadata?.name ?? '' }))
      .sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1)),
};
