/** Printers of apps/v1 and batch/v1 types, as upstream's printers.go. */
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { formatLabels, formatLabelSelector, labelSelectorFromObject, selectorToString } from '../../apimachinery/selectors/labels.js';
import { SelectorError } from '../../apimachinery/selectors/errors.js';
import {
  ageColumn,
  column,
  containerCells,
  containersColumn,
  imagesColumn,
  metaOf,
  nameColumn,
  selectorColumn,
} from './columns.js';
import { humanDuration, parseTimestamp, timestampSince } from './duration.js';
import type { TypePrinter } from './types.js';

/** A Deployment's selector as upstream prints it: the selector string, `<invalid>` when it does not parse. */
function deploymentSelector(sel: LabelSelector | undefined): string {
  try {
    return selectorToString(labelSelectorFromObject(sel));
  } catch (err) {
    if (err instanceof SelectorError) return '<invalid>';
    throw err;
  }
}

const deploymentPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
  ],
  print(obj, now) {
    const d = obj as Deployment;
    const meta = metaOf(d);
    const status = d.status ?? {};
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    return {
      cells: [
        meta.name ?? '',
        `${status.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
        status.updatedReplicas ?? 0,
        status.availableReplicas ?? 0,
        timestampSince(meta.creationTimestamp, now),
        names,
        images,
        deploymentSelector(d.spec?.selector),
      ],
    };
  },
};

const replicaSetPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Desired', 'Replicas is the number of desired pods.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    column('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('Selector is a label query over pods that should match the replica count.'),
  ],
  print(obj, now) {
    const rs = obj as ReplicaSet;
    const meta = metaOf(rs);
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return {
      cells: [
        meta.name ?? '',
        rs.spec?.replicas ?? 1,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        timestampSince(meta.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(rs.spec?.selector),
      ],
    };
  },
};

const statefulSetPrinter: TypePrinter = {
  columns: [nameColumn(), column('Ready', 'Number of the pod with ready state'), ageColumn(), containersColumn(), imagesColumn()],
  print(obj, now) {
    const sts = obj as StatefulSet;
    const meta = metaOf(sts);
    const [names, images] = containerCells(sts.spec?.template?.spec?.containers);
    return {
      cells: [
        meta.name ?? '',
        `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 1}`,
        timestampSince(meta.creationTimestamp, now),
        names,
        images,
      ],
    };
  },
};

const daemonSetPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', {
      type: 'integer',
    }),
    column('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
    column('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', {
      type: 'integer',
    }),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    column('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', {
      type: 'integer',
    }),
    column('Node Selector', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that are managed by the daemon set.'),
  ],
  print(obj, now) {
    const ds = obj as DaemonSet;
    const meta = metaOf(ds);
    const status = ds.status;
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    return {
      cells: [
        meta.name ?? '',
        status?.desiredNumberScheduled ?? 0,
        status?.currentNumberScheduled ?? 0,
        status?.numberReady ?? 0,
        status?.updatedNumberScheduled ?? 0,
        status?.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector),
        timestampSince(meta.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};

/** `kind.group/name` (lower-cased kind.group) of an object's controller owner, `<none>` without one. */
function controllerName(rev: ControllerRevision): string {
  const ref = (rev.metadata?.ownerReferences ?? []).find((o) => o.controller === true);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
  if (!group && !ref.kind) return ref.name;
  const groupKind = group ? `${ref.kind}.${group}` : ref.kind;
  return `${groupKind.toLowerCase()}/${ref.name}`;
}

const controllerRevisionPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Controller', 'Controller of the object'),
    column('Revision', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  print(obj, now) {
    const rev = obj as ControllerRevision;
    const meta = metaOf(rev);
    return { cells: [meta.name ?? '', controllerName(rev), rev.revision ?? 0, timestampSince(meta.creationTimestamp, now)] };
  },
};

function hasJobCondition(conditions: JobCondition[] | undefined, type: string): boolean {
  const c = (conditions ?? []).find((x) => x.type === type);
  return c?.status === 'True';
}

/** A Job's STATUS cell, as upstream's printJob (1.31+). */
function jobStatus(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasJobCondition(conditions, 'Complete')) return 'Complete';
  if (hasJobCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasJobCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasJobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

const jobPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Status', 'Status of the job.'),
    column('Completions', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  print(obj, now) {
    const job = obj as Job;
    const meta = metaOf(job);
    const succeeded = job.status?.succeeded ?? 0;
    let completions: string;
    if (job.spec?.completions !== undefined && job.spec.completions !== null) {
      completions = `${succeeded}/${job.spec.completions}`;
    } else {
      const parallelism = job.spec?.parallelism ?? 0;
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = parseTimestamp(job.status?.startTime);
    const completion = parseTimestamp(job.status?.completionTime);
    let duration = '';
    if (start !== undefined) duration = humanDuration((completion ?? now.getTime()) - start);
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return {
      cells: [
        meta.name ?? '',
        jobStatus(job),
        completions,
        duration,
        timestampSince(meta.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(job.spec?.selector),
      ],
    };
  },
};

function printBoolPtr(value: boolean | undefined): string {
  if (value === undefined || value === null) return '<unset>';
  return value ? 'True' : 'False';
}

const cronJobPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    column('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.', {
      type: 'boolean',
    }),
    column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  print(obj, now) {
    const cj = obj as CronJob;
    const meta = metaOf(cj);
    const lastSchedule = cj.status?.lastScheduleTime ? timestampSince(cj.status.lastScheduleTime, now) : '<none>';
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
    return {
      cells: [
        meta.name ?? '',
        cj.spec?.schedule ?? '',
        cj.spec?.timeZone ?? '<none>',
        printBoolPtr(cj.spec?.suspend),
        (cj.status?.active ?? []).length,
        lastSchedule,
        timestampSince(meta.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(jobSpec?.selector),
      ],
    };
  },
};

/** Printers of apps/v1 and batch/v1 types, by `group/Kind`. */
export const workloadPrinters: Readonly<Record<string, TypePrinter>> = {
  'apps/Deployment': deploymentPrinter,
  'apps/ReplicaSet': replicaSetPrinter,
  'apps/StatefulSet': statefulSetPrinter,
  'apps/DaemonSet': daemonSetPrinter,
  'apps/ControllerRevision': controllerRevisionPrinter,
  'batch/Job': jobPrinter,
  'batch/CronJob': cronJobPrinter,
};
