/**
 * The seed's CronJob picture, drawn live: one row per scheduled time (computed from the schedule
 * with the controller's own parser), what became of it (a Job started, a run skipped because
 * the previous one still ran under concurrencyPolicy Forbid, a run cut short by the next under
 * Replace, a start missed past startingDeadlineSeconds) and the Event that records it, with the
 * Jobs drawn as bars in lanes beside the rows so overlapping runs (Allow) show side by side.
 *
 * Event reasons and messages are upstream's CronJob controller's (cronjob_controllerv2.go), which
 * Skiff's controller emits: SuccessfulCreate `Created job <name>`, JobAlreadyActive, SuccessfulDelete
 * `Deleted job <name>`, MissSchedule `Missed scheduled time to start a job: <RFC 1123 time>`,
 * SawCompletedJob, MissingJob; the rest (TooManyMissedTimes, UnparseableSchedule, ...) are listed
 * apart.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import {
  jobNameFor,
  nextAfter,
  parseSchedule,
  ScheduleParseError,
  scheduledTimeOfJob,
  scheduleZone,
  type Schedule,
} from '../../apimachinery/cron-schedule.js';
import { controllerOf } from '../../apimachinery/owner.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { el, group, rect, svgDocument, text } from '../svg.js';
import type { ViewDefinition, ViewLink } from '../view.js';
import { durationText, utcClock, utcDateTime } from './time-text.js';

/** The most past scheduled times drawn (the next one is drawn too). */
export const maxCronRuns = 12;
/** The most Job lanes drawn side by side; more overlapping Jobs share the last lane. */
export const maxJobLanes = 4;

/** One occurrence of an Event about the CronJob. */
export interface CronEventOccurrence {
  type: string;
  reason: string;
  message: string;
  at: number;
}

/** A Job the CronJob started, as last seen. */
export interface CronJobRunJob {
  name: string;
  state: 'active' | 'succeeded' | 'failed';
  /** The Job was deleted (by Replace, the history limits or a user). */
  deleted: boolean;
  startedAt?: number;
  /** Completion, failure or deletion time, when known. */
  endedAt?: number;
}

/**
 * What became of one scheduled time: `started` (a Job runs or ran for it), `replaced` (its Job
 * was deleted by the next run under Replace), `skipped` (Forbid: the previous Job still ran),
 * `missed` (not started within startingDeadlineSeconds), `due` (the controller may still start
 * it), `unknown` (no Job or Event left to tell), `upcoming` (the next time, after now).
 */
export type CronRunOutcome = 'started' | 'replaced' | 'skipped' | 'missed' | 'due' | 'unknown' | 'upcoming';

/** One scheduled time and its outcome. */
export interface CronRun {
  scheduledAt: number;
  outcome: CronRunOutcome;
  job?: CronJobRunJob;
  /** For `replaced`: the Job that took its place. */
  replacedBy?: string;
  /** Why, in words. */
  note: string;
  /** The Events that record it, oldest first. */
  events: CronEventOccurrence[];
}

/** What the CronJob picture draws. */
export interface CronJobModel {
  namespace: string;
  name: string;
  schedule: string;
  /** The zone the schedule is evaluated in (UTC when none is named). */
  timeZone: string;
  concurrencyPolicy: string;
  startingDeadlineSeconds?: number;
  suspended: boolean;
  lastScheduleTime?: number;
  /** Oldest first; the last is the upcoming time unless the schedule never fires again. */
  runs: CronRun[];
  /** Jobs drawn as bars (those of the drawn runs), each in a lane. */
  jobs: (CronJobRunJob & { lane: number; scheduledAt: number })[];
  /** Set when the schedule does not parse (the controller's UnparseableSchedule). */
  scheduleProblem?: string;
  /** Events about the CronJob not tied to one run (TooManyMissedTimes, UnknownTimeZone, ...). */
  otherEvents: CronEventOccurrence[];
  now: number;
}

const runReasons = new Set(['SuccessfulCreate', 'JobAlreadyActive', 'SuccessfulDelete', 'MissSchedule', 'SawCompletedJob', 'MissingJob']);

function eventTime(event: Event): number | undefined {
  const text = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Each occurrence of the CronJob's Events: the recorder folds repeats into one Event (count,
 * firstTimestamp, lastTimestamp), so the first and last come from the current Event and the ones
 * between from the Event's observed changes.
 */
function eventOccurrences(snapshot: ClusterSnapshot, cronJob: CronJob): CronEventOccurrence[] {
  const about = (e: Event): boolean =>
    e.involvedObject?.kind === 'CronJob' &&
    e.involvedObject.name === cronJob.metadata?.name &&
    (e.involvedObject.namespace ?? e.metadata?.namespace) === cronJob.metadata?.namespace &&
    (e.involvedObject.uid === undefined || cronJob.metadata?.uid === undefined || e.involvedObject.uid === cronJob.metadata.uid);
  const versions: Event[] = [...snapshot.changes.filter((c) => c.kind === 'events').map((c) => c.object as unknown as Event), ...snapshot.events].filter(about);
  const seen = new Map<string, CronEventOccurrence>();
  const add = (e: Event, at: number | undefined): void => {
    if (at === undefined) return;
    const occurrence = { type: e.type ?? 'Normal', reason: e.reason ?? '', message: e.message ?? '', at };
    seen.set(JSON.stringify([occurrence.reason, occurrence.message, at]), occurrence);
  };
  for (const e of versions) {
    add(e, eventTime(e));
    if (e.firstTimestamp !== undefined) add(e, Date.parse(e.firstTimestamp));
  }
  return [...seen.values()].sort((a, b) => a.at - b.at || a.reason.localeCompare(b.reason) || a.message.localeCompare(b.message));
}

function jobState(job: Job): CronJobRunJob['state'] {
  const finished = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return finished?.type === 'Complete' ? 'succeeded' : finished?.type === 'Failed' ? 'failed' : 'active';
}

function parseTime(text: string | undefined): number | undefined {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The CronJob's Jobs as last seen, deleted ones included (from the observed changes), by name. */
function knownJobs(snapshot: ClusterSnapshot, cronJob: CronJob): Map<string, { job: Job; deletedAt?: number }> {
  const owned = (job: Job): boolean => {
    const ref = controllerOf({ metadata: job.metadata });
    return (
      job.metadata?.namespace === cronJob.metadata?.namespace &&
      ref?.kind === 'CronJob' &&
      ref.name === cronJob.metadata?.name &&
      (ref.uid === undefined || cronJob.metadata?.uid === undefined || ref.uid === cronJob.metadata.uid)
    );
  };
  const jobs = new Map<string, { job: Job; deletedAt?: number }>();
  for (const change of snapshot.changes) {
    if (change.kind !== 'jobs') continue;
    const job = change.object as Job;
    if (!owned(job)) continue;
    const name = job.metadata?.name ?? '';
    if (change.type === 'DELETED') {
      // The last state seen before the deletion tells whether it was still running.
      const before = jobs.get(name)?.job ?? job;
      jobs.set(name, { job: before, deletedAt: change.at });
    } else jobs.set(name, { job });
  }
  for (const [name, entry] of jobs) if (entry.deletedAt === undefined) jobs.delete(name);
  for (const job of snapshot.jobs) if (owned(job)) jobs.set(job.metadata?.name ?? '', { job });
  return jobs;
}

/** The last `max` scheduled times in (from, now] and the first after now. */
function scheduledTimes(schedule: Schedule, zone: string | undefined, from: number, now: number, max: number): { past: number[]; next?: number } {
  const first = nextAfter(schedule, new Date(now), zone);
  const second = first ? nextAfter(schedule, first, zone) : undefined;
  const interval = first && second ? Math.max(1000, second.getTime() - first.getTime()) : 60_000;
  let lookback = (max + 1) * interval;
  let past: number[] = [];
  // Irregular schedules (weekdays only, month ends) may need a longer look back.
  for (let attempt = 0; attempt < 8; attempt++) {
    const start = Math.max(from, now - lookback);
    past = [];
    for (let t = nextAfter(schedule, new Date(start), zone); t && t.getTime() <= now; t = nextAfter(schedule, t, zone)) {
      past.push(t.getTime());
      if (past.length > max) past.shift();
    }
    if (past.length >= max || start === from) break;
    lookback *= 4;
  }
  return { past, ...(first ? { next: first.getTime() } : {}) };
}

function jobOfMessage(message: string, prefix: string): string | undefined {
  if (!message.startsWith(prefix)) return undefined;
  return message.slice(prefix.length).split(',')[0]?.trim();
}

function selectCronJob(snapshot: ClusterSnapshot, params: Record<string, string>): CronJobModel | undefined {
  const namespace = params.namespace ?? 'default';
  const name = params.name ?? '';
  const cronJob = snapshot.cronJobs.find((c) => c.metadata?.namespace === namespace && c.metadata?.name === name);
  if (!cronJob) return undefined;
  const now = snapshot.now;
  const spec = cronJob.spec;
  const policy = spec?.concurrencyPolicy ?? 'Allow';
  const deadline = spec?.startingDeadlineSeconds ?? undefined;
  const lastScheduleTime = parseTime(cronJob.status?.lastScheduleTime);
  const occurrences = eventOccurrences(snapshot, cronJob);
  const jobs = knownJobs(snapshot, cronJob);
  const base = {
    namespace,
    name,
    schedule: spec?.schedule ?? '',
    concurrencyPolicy: policy,
    ...(deadline === undefined ? {} : { startingDeadlineSeconds: deadline }),
    suspended: spec?.suspend === true,
    ...(lastScheduleTime === undefined ? {} : { lastScheduleTime }),
    now,
  };

  let schedule: Schedule;
  try {
    schedule = parseSchedule(spec?.schedule ?? '');
  } catch (err) {
    if (!(err instanceof ScheduleParseError)) throw err;
    return { ...base, timeZone: spec?.timeZone ?? 'UTC', runs: [], jobs: [], scheduleProblem: err.message, otherEvents: occurrences };
  }
  const zone = scheduleZone(schedule, spec?.timeZone);
  const created = parseTime(cronJob.metadata?.creationTimestamp) ?? now - 24 * 3_600_000;
  const { past, next } = scheduledTimes(schedule, zone, created, now, maxCronRuns);

  // Which scheduled time each Job and each Event belongs to.
  const runOfJob = (jobName: string): number | undefined => {
    const entry = jobs.get(jobName);
    return scheduledTimeOfJob(name, entry?.job ?? { metadata: { name: jobName } })?.getTime();
  };
  const slotOf = (at: number): number | undefined => [...past].reverse().find((t) => t <= at);
  const eventsOf = new Map<number, CronEventOccurrence[]>(past.map((t) => [t, []]));
  const otherEvents: CronEventOccurrence[] = [];
  for (const o of occurrences) {
    let slot: number | undefined;
    if (o.reason === 'SuccessfulCreate') slot = runOfJob(jobOfMessage(o.message, 'Created job ') ?? '');
    else if (o.reason === 'SuccessfulDelete') slot = runOfJob(jobOfMessage(o.message, 'Deleted job ') ?? '');
    else if (o.reason === 'SawCompletedJob') slot = runOfJob(jobOfMessage(o.message, 'Saw completed job: ') ?? '');
    else if (o.reason === 'MissingJob') slot = runOfJob(jobOfMessage(o.message, 'Active job went missing: ') ?? '');
    else if (o.reason === 'MissSchedule') slot = parseTime(o.message.replace(/^Missed scheduled time to start a job: /, ''));
    else if (o.reason === 'JobAlreadyActive') slot = slotOf(o.at);
    const list = slot === undefined || !runReasons.has(o.reason) ? undefined : eventsOf.get(slot);
    if (list) list.push(o);
    else if (!runReasons.has(o.reason)) otherEvents.push(o);
  }

  const jobFor = (t: number): CronJobRunJob | undefined => {
    const jobName = jobNameFor(name, new Date(t));
    const entry = [...jobs.values()].find((e) => scheduledTimeOfJob(name, e.job)?.getTime() === t) ?? jobs.get(jobName);
    const events = eventsOf.get(t) ?? [];
    const createdEvent = events.find((o) => o.reason === 'SuccessfulCreate');
    if (!entry) {
      // Known only from Events (the Job is gone, or Jobs may not be listed): they tell its start, end and deletion.
      if (!createdEvent) return undefined;
      const completed = events.find((o) => o.reason === 'SawCompletedJob');
      const deletedEvent = events.find((o) => o.reason === 'SuccessfulDelete');
      const state = completed ? (/condition: Failed$/.test(completed.message) ? 'failed' : 'succeeded') : 'active';
      const endedAt = completed?.at ?? deletedEvent?.at;
      return {
        name: jobOfMessage(createdEvent.message, 'Created job ') ?? jobName,
        state,
        deleted: deletedEvent !== undefined,
        startedAt: createdEvent.at,
        ...(endedAt === undefined ? {} : { endedAt }),
      };
    }
    const job = entry.job;
    const finished = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const startedAt = parseTime(job.status?.startTime) ?? parseTime(job.metadata?.creationTimestamp) ?? createdEvent?.at;
    const endedAt = parseTime(job.status?.completionTime) ?? parseTime(finished?.lastTransitionTime) ?? entry.deletedAt;
    return {
      name: job.metadata?.name ?? jobName,
      state: jobState(job),
      deleted: entry.deletedAt !== undefined,
      ...(startedAt === undefined ? {} : { startedAt }),
      ...(endedAt === undefined ? {} : { endedAt }),
    };
  };
  const runJobs = new Map<number, CronJobRunJob>();
  for (const t of past) {
    const job = jobFor(t);
    if (job) runJobs.set(t, job);
  }
  const activeAt = (t: number, except: number): CronJobRunJob | undefined =>
    [...runJobs.entries()].find(([s, j]) => s !== except && j.startedAt !== undefined && j.startedAt <= t && (j.endedAt === undefined || j.endedAt > t))?.[1];

  const runs: CronRun[] = past.map((t, i) => {
    const events = eventsOf.get(t) ?? [];
    const job = runJobs.get(t);
    const has = (reason: string): CronEventOccurrence | undefined => events.find((o) => o.reason === reason);
    if (job) {
      const deletedWhileRunning = job.deleted && job.state === 'active';
      const nextStarted = past.slice(i + 1).find((s) => runJobs.has(s));
      if (deletedWhileRunning && policy === 'Replace' && nextStarted !== undefined) {
        const replacedBy = runJobs.get(nextStarted)?.name ?? '';
        return { scheduledAt: t, outcome: 'replaced', job, replacedBy, note: `Job ${job.name} was deleted while running: Replace started ${replacedBy} in its place`, events };
      }
      const late = job.startedAt !== undefined ? job.startedAt - t : 0;
      const held = has('JobAlreadyActive') ? `, held back by Forbid until the previous Job finished` : '';
      const lateness = late >= 10_000 ? ` ${durationText(late)} late${held}` : '';
      const state = job.deleted && job.state !== 'active' ? `${job.state}, since deleted` : job.deleted ? 'deleted' : job.state;
      return { scheduledAt: t, outcome: 'started', job, note: `Job ${job.name} started${lateness} (${state})`, events };
    }
    const missed = has('MissSchedule');
    if (missed) return { scheduledAt: t, outcome: 'missed', note: `not started: the start was missed by more than startingDeadlineSeconds (${deadline ?? '?'}s)`, events };
    const skipped = has('JobAlreadyActive');
    const running = activeAt(t, t);
    if (skipped || (policy === 'Forbid' && running)) {
      const why = running ? `Job ${running.name} was still running` : 'the previous Job was still running';
      return { scheduledAt: t, outcome: 'skipped', note: `skipped: ${why} and concurrencyPolicy is Forbid${skipped ? '' : ' (no Event seen)'}`, events };
    }
    if (spec?.suspend === true) return { scheduledAt: t, outcome: 'unknown', note: 'not started: the CronJob is suspended', events };
    const handled = lastScheduleTime !== undefined && t <= lastScheduleTime;
    if (deadline !== undefined && !handled && t + deadline * 1000 < now) {
      return { scheduledAt: t, outcome: 'missed', note: `not started within startingDeadlineSeconds (${deadline}s) (no Event seen)`, events };
    }
    if (!handled) return { scheduledAt: t, outcome: 'due', note: 'due: no Job yet; the controller may still start it', events };
    return { scheduledAt: t, outcome: 'unknown', note: 'no Job or Event left (finished Jobs beyond the history limits are deleted; Events expire)', events };
  });
  if (next !== undefined) {
    runs.push({ scheduledAt: next, outcome: 'upcoming', note: `next run in ${durationText(next - now)}${spec?.suspend === true ? ' (suspended: it will not start)' : ''}`, events: [] });
  }

  // Lanes: each Job in the first lane free at its start.
  const laneEnds: number[] = [];
  const drawn = [...runJobs.entries()].sort(([a, ja], [b, jb]) => (ja.startedAt ?? a) - (jb.startedAt ?? b) || a - b);
  const placed = drawn.map(([scheduledAt, job]) => {
    const start = job.startedAt ?? scheduledAt;
    let lane = laneEnds.findIndex((end) => end <= start);
    if (lane < 0) lane = Math.min(laneEnds.length, maxJobLanes - 1);
    laneEnds[lane] = Math.max(laneEnds[lane] ?? 0, job.endedAt ?? Number.POSITIVE_INFINITY);
    return { ...job, lane, scheduledAt };
  });
  return {
    ...base,
    timeZone: zone ?? schedule.timeZone ?? 'UTC',
    runs,
    jobs: placed.sort((a, b) => a.scheduledAt - b.scheduledAt),
    otherEvents,
  };
}

const outcomeClass: Record<CronRunOutcome, string> = {
  started: 'ok',
  replaced: 'warn',
  skipped: 'warn',
  missed: 'bad',
  due: 'box',
  unknown: 'node',
  upcoming: 'box',
};

function eventText(o: CronEventOccurrence): string {
  return `${o.type} ${o.reason} at ${utcClock(o.at)}: ${o.message}`;
}

function runText(run: CronRun): string {
  const events = run.events.length > 0 ? `; ${run.events.map((o) => `Event ${eventText(o)}`).join('; ')}` : '';
  return `${utcClock(run.scheduledAt)} UTC ${run.outcome}: ${run.note}${events}`;
}

function jobBarText(job: CronJobRunJob): string {
  const from = job.startedAt !== undefined ? `from ${utcClock(job.startedAt)}` : 'start unknown';
  const to = job.endedAt !== undefined ? `to ${utcClock(job.endedAt)}` : 'still running';
  return `Job ${job.name}, ${job.deleted ? (job.state === 'active' ? 'deleted while running' : `${job.state}, deleted`) : job.state}, ${from} ${to}`;
}

function headerLines(model: CronJobModel): string[] {
  const deadline = model.startingDeadlineSeconds !== undefined ? `startingDeadlineSeconds ${model.startingDeadlineSeconds}` : 'no startingDeadlineSeconds';
  return [
    `schedule "${model.schedule}" in ${model.timeZone}, concurrencyPolicy ${model.concurrencyPolicy}, ${deadline}${model.suspended ? ', suspended' : ''}`,
    `last scheduled ${model.lastScheduleTime !== undefined ? utcDateTime(model.lastScheduleTime) : 'never'}; now ${utcDateTime(model.now)}`,
  ];
}

function describeCronJob(model: CronJobModel): string {
  const lines = [`CronJob ${model.namespace}/${model.name}: ${headerLines(model).join('; ')}.`];
  if (model.scheduleProblem !== undefined) lines.push(`The schedule does not parse: ${model.scheduleProblem}`);
  if (model.runs.length > 0) {
    lines.push(`Scheduled times (UTC), oldest first:`);
    for (const run of model.runs) lines.push(`- ${runText(run)}`);
  }
  if (model.jobs.length > 0) {
    lines.push('Jobs:');
    for (const job of model.jobs) lines.push(`- ${jobBarText(job)}`);
  }
  if (model.otherEvents.length > 0) {
    lines.push('Other events:');
    for (const o of model.otherEvents) lines.push(`- ${eventText(o)}`);
  }
  return lines.join('\n');
}

// Layout, by rule: a header; one row per scheduled time (time, outcome, note, events), time
// flowing down; the Jobs as vertical bars in lanes between the time column and the notes, each
// from its start to its end placed on the same time scale as the rows; a line at now.
const margin = 16;
const headerHeight = 70;
/** Events drawn per row; more are summarised (the text alternative has them all). */
const eventsPerRow = 3;
const eventLineHeight = 13;
const timeWidth = 70;
const outcomeWidth = 84;
const laneWidth = 16;
const lanesEnd = margin + timeWidth + outcomeWidth + 8 + maxJobLanes * laneWidth;
const noteX = lanesEnd + 36;

function renderCronJob(model: CronJobModel): string {
  const top = margin + headerHeight;
  const runs = model.runs;
  // Every row has room for its note and the most event lines any row draws.
  const eventLines = Math.min(eventsPerRow, Math.max(0, ...runs.map((r) => r.events.length)));
  const rowHeight = 28 + eventLines * eventLineHeight;
  const longestEvent = Math.max(0, ...runs.flatMap((r) => r.events.map((o) => eventText(o).length)), ...runs.map((r) => r.note.length * 1.1));
  const width = Math.max(noteX + 640, noteX + Math.ceil(longestEvent * 6.2) + margin, margin * 2 + Math.ceil(Math.max(...headerLines(model).map((l) => l.length)) * 6.6));
  // A row's anchor (its time's place on the scale) is the baseline of its first line.
  const rowCenter = (i: number): number => top + i * rowHeight + 18;
  // Time → y: rows are evenly spaced; between two scheduled times, linear.
  const yOf = (t: number): number => {
    if (runs.length === 0) return top;
    if (t <= runs[0]!.scheduledAt) return rowCenter(0) - Math.min(rowHeight / 2, ((runs[0]!.scheduledAt - t) / 60_000) * (rowHeight / 2));
    for (let i = 0; i + 1 < runs.length; i++) {
      const a = runs[i]!.scheduledAt;
      const b = runs[i + 1]!.scheduledAt;
      if (t <= b) return rowCenter(i) + ((t - a) / (b - a)) * rowHeight;
    }
    return rowCenter(runs.length - 1) + rowHeight / 2;
  };
  const header = group(
    `CronJob ${model.namespace}/${model.name}`,
    {},
    text(margin, margin + 14, `CronJob ${model.namespace}/${model.name}`, { 'font-size': 16, 'font-weight': 'bold' }),
    ...headerLines(model).map((line, i) => text(margin, margin + 36 + i * 18, line, { class: 'muted' })),
  );
  const problem =
    model.scheduleProblem !== undefined
      ? [group('Schedule problem', {}, rect(margin, top, 600, 32, { class: 'bad', rx: 4 }), text(margin + 10, top + 20, `The schedule does not parse: ${model.scheduleProblem}`))]
      : [];
  const rows = runs.map((run, i) => {
    const y = top + i * rowHeight;
    const cy = rowCenter(i);
    const shown = run.events.length > eventsPerRow ? run.events.slice(-(eventsPerRow - 1)) : run.events;
    const lines = [
      ...(shown.length < run.events.length ? [`${run.events.length - shown.length} earlier Events (listed in the text alternative)`] : []),
      ...shown.map(eventText),
    ].map((line, k) => text(noteX, cy + 15 + k * eventLineHeight, line, { 'font-size': 11, class: 'muted' }));
    return group(
      runText(run),
      {},
      el('line', { x1: margin, y1: y + rowHeight, x2: width - margin, y2: y + rowHeight, stroke: '#d0d0d0', 'stroke-width': 1 }),
      text(margin, cy, utcClock(run.scheduledAt), { class: run.outcome === 'upcoming' ? 'muted' : undefined }),
      rect(margin + timeWidth, cy - 14, outcomeWidth - 8, 20, { class: outcomeClass[run.outcome], rx: 10, 'stroke-dasharray': run.outcome === 'upcoming' || run.outcome === 'due' ? '4 3' : undefined }),
      text(margin + timeWidth + (outcomeWidth - 8) / 2, cy, run.outcome, { 'text-anchor': 'middle', 'font-size': 11 }),
      text(noteX, cy, run.note),
      ...lines,
    );
  });
  const laneX = (lane: number): number => margin + timeWidth + outcomeWidth + 8 + lane * laneWidth;
  const bars = model.jobs.map((job) => {
    const y1 = yOf(job.startedAt ?? job.scheduledAt);
    const y2 = yOf(job.endedAt ?? model.now);
    const cls = job.deleted && job.state === 'active' ? 'warn' : job.state === 'succeeded' ? 'ok' : job.state === 'failed' ? 'bad' : 'pod';
    return group(
      jobBarText(job),
      {},
      rect(laneX(job.lane), y1, laneWidth - 4, Math.max(3, y2 - y1), { class: cls, rx: 2, 'stroke-dasharray': job.endedAt === undefined ? '4 2' : undefined }),
    );
  });
  const nowY = yOf(model.now);
  const nowLine =
    runs.length > 0
      ? [
          group(
            `Now: ${utcDateTime(model.now)}`,
            {},
            el('line', { x1: margin, y1: nowY, x2: lanesEnd + 4, y2: nowY, class: 'edge refused' }),
            text(lanesEnd + 6, nowY + 4, 'now', { 'font-size': 10, class: 'muted' }),
          ),
        ]
      : [];
  let y = top + Math.max(runs.length * rowHeight, problem.length > 0 ? 40 : 0) + 20;
  const others: string[] = [];
  if (model.otherEvents.length > 0) {
    others.push(
      group(
        `Other events: ${model.otherEvents.map(eventText).join('; ')}`,
        {},
        text(margin, y, 'Other events', { 'font-weight': 'bold' }),
        ...model.otherEvents.map((o, k) => text(margin, y + 18 + k * 16, eventText(o), { 'font-size': 11 })),
      ),
    );
    y += 18 + model.otherEvents.length * 16 + 10;
  }
  const keyItems: [string, string][] = [
    ['ok', 'Job succeeded'],
    ['pod', 'Job running'],
    ['warn', 'Job deleted while running'],
    ['bad', 'Job failed'],
  ];
  const key = group(
    'Key: bars are Jobs from start to end on the rows’ time scale; green succeeded, blue running, yellow deleted while running (Replace), red failed; dashed still running',
    {},
    ...keyItems.flatMap(([cls, label], i) => [rect(margin + i * 200, y, 12, 12, { class: cls }), text(margin + i * 200 + 18, y + 10, label, { 'font-size': 11 })]),
  );
  const height = y + 12 + margin;
  return svgDocument(
    { width, height, title: `CronJob ${model.namespace}/${model.name}: scheduled times, Jobs and Events`, description: describeCronJob(model) },
    header,
    ...problem,
    ...rows,
    ...bars,
    ...nowLine,
    ...others,
    key,
  );
}

function cronJobLinks(model: CronJobModel): ViewLink[] {
  const jobs = model.jobs.filter((j) => !j.deleted).map((j) => j.name).sort();
  return [
    { view: 'workload', params: { namespace: model.namespace, kind: 'CronJob', name: model.name } },
    ...jobs.map((name) => ({ view: 'workload', params: { namespace: model.namespace, kind: 'Job', name } })),
  ];
}

/** The CronJob timeline view: `/view/cronjob?namespace=…&name=…`. */
export const cronJobView: ViewDefinition<CronJobModel> = {
  name: 'cronjob',
  title: 'CronJob timeline',
  params: ['namespace', 'name'],
  select: selectCronJob,
  render: renderCronJob,
  describe: describeCronJob,
  links: cronJobLinks,
  instances: (snapshot) =>
    snapshot.cronJobs
      .map((c) => ({ namespace: c.metadata?.namespace ?? '', name: c.metadata?.name ?? '' }))
      .sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1)),
};
