/** Printers of core/v1 types other than Pod, as upstream's printers.go. */
import type {
  ConfigMap,
  Endpoints,
  Event,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  PodTemplate,
  ReplicationController,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { formatLabels } from '../../apimachinery/selectors/labels.js';
import { ageColumn, column, containerCells, containersColumn, imagesColumn, metaOf, nameColumn, selectorColumn } from './columns.js';
import { parseTimestamp, timestampSince } from './duration.js';
import type { TypePrinter } from './types.js';

const nodeRolePrefix = 'node-role.kubernetes.io/';
const legacyNodeRoleLabel = 'kubernetes.io/role';

/** Node roles from `node-role.kubernetes.io/<role>` labels and a `kubernetes.io/role` label, sorted. */
function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith(nodeRolePrefix)) {
      const role = k.slice(nodeRolePrefix.length);
      if (role) roles.add(role);
    } else if (k === legacyNodeRoleLabel && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

const nodePrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    ageColumn(),
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    column('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
    column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', {
      priority: 1,
    }),
  ],
  print(obj, now) {
    const node = obj as Node;
    const meta = metaOf(node);
    const status: string[] = [];
    // Of duplicate Ready conditions the last one counts, as upstream's condition map.
    const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').pop();
    if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
    if (status.length === 0) status.push('Unknown');
    if (node.spec?.unschedulable) status.push('SchedulingDisabled');
    const addresses = node.status?.addresses ?? [];
    const info = node.status?.nodeInfo;
    return {
      cells: [
        meta.name ?? '',
        status.join(','),
        nodeRoles(meta.labels).join(',') || '<none>',
        timestampSince(meta.creationTimestamp, now),
        info?.kubeletVersion ?? '',
        addresses.find((a) => a.type === 'InternalIP')?.address ?? '<none>',
        addresses.find((a) => a.type === 'ExternalIP')?.address ?? '<none>',
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ],
    };
  },
};

const namespacePrinter: TypePrinter = {
  columns: [nameColumn(), column('Status', 'The status of the namespace'), ageColumn()],
  print(obj, now) {
    const ns = obj as Namespace;
    const meta = metaOf(ns);
    return { cells: [meta.name ?? '', ns.status?.phase ?? '', timestampSince(meta.creationTimestamp, now)] };
  },
};

/** Load balancer ingress IPs (or hostnames), sorted and de-duplicated, joined by `,`. */
export function loadBalancerAddresses(ingress: readonly { ip?: string; hostname?: string }[] | undefined): string {
  const result = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) result.add(i.ip);
    else if (i.hostname) result.add(i.hostname);
  }
  return [...result].sort().join(',');
}

function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  // The server prints tables as -o wide, so load balancer addresses are never clipped.
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

const servicePrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Type', 'type determines how the Service is exposed. Defaults to ClusterIP.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
  ],
  print(obj, now) {
    const svc = obj as Service;
    const meta = metaOf(svc);
    const spec = svc.spec ?? {};
    const ports = (spec.ports ?? [])
      .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
      .join(',');
    return {
      cells: [
        meta.name ?? '',
        spec.type ?? 'ClusterIP',
        spec.clusterIPs?.[0] ?? (spec.clusterIP || '<none>'),
        serviceExternalIP(svc),
        ports || '<none>',
        timestampSince(meta.creationTimestamp, now),
        formatLabels(spec.selector),
      ],
    };
  },
};

/** `ip:port,...` of an Endpoints object, at most 3 then ` + N more...`, `<none>` without subsets. */
function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip.includes(':') ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}

const endpointsPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Endpoints', 'The set of all endpoints is the union of all subsets.'),
    ageColumn(),
  ],
  print(obj, now) {
    const ep = obj as Endpoints;
    const meta = metaOf(ep);
    return { cells: [meta.name ?? '', formatEndpoints(ep), timestampSince(meta.creationTimestamp, now)] };
  },
};

const configMapPrinter: TypePrinter = {
  columns: [nameColumn(), column('Data', 'Data contains the configuration data.'), ageColumn()],
  print(obj, now) {
    const cm = obj as ConfigMap;
    const meta = metaOf(cm);
    const count = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return { cells: [meta.name ?? '', count, timestampSince(meta.creationTimestamp, now)] };
  },
};

const secretPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Type', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'Data contains the secret data.'),
    ageColumn(),
  ],
  print(obj, now) {
    const secret = obj as Secret;
    const meta = metaOf(secret);
    // stringData is folded into data on write; count it too in case a stored object kept it.
    const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
    return { cells: [meta.name ?? '', secret.type ?? '', keys.size, timestampSince(meta.creationTimestamp, now)] };
  },
};

const serviceAccountPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'),
    ageColumn(),
  ],
  print(obj, now) {
    const sa = obj as ServiceAccount;
    const meta = metaOf(sa);
    return { cells: [meta.name ?? '', (sa.secrets ?? []).length, timestampSince(meta.creationTimestamp, now)] };
  },
};

/** An event in the fields the printer reads; core/v1 and events.k8s.io/v1 events both map to it. */
export interface PrintableEvent {
  metadata?: ObjectMeta;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  type?: string;
  reason?: string;
  message?: string;
  sourceComponent?: string;
  sourceHost?: string;
  reportingController?: string;
  reportingInstance?: string;
}

const eventColumns = [
  column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  column('Object', 'The object that this event is about.'),
  column('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', {
    priority: 1,
  }),
  column('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
  column('Message', 'A human-readable description of the status of this operation.'),
  column('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { priority: 1 }),
  column('Count', 'The number of times this event has occurred.', { priority: 1 }),
  nameColumn(1),
];

function hasTime(ts: string | undefined): boolean {
  return parseTimestamp(ts) !== undefined;
}

/** The cells of an event, as upstream's printEvent. */
function printEventCells(ev: PrintableEvent, now: Date): (string | number)[] {
  const firstSeen = hasTime(ev.firstTimestamp) ? timestampSince(ev.firstTimestamp, now) : timestampSince(ev.eventTime, now);
  let lastSeen = hasTime(ev.lastTimestamp) ? timestampSince(ev.lastTimestamp, now) : firstSeen;
  let count = ev.count ?? 0;
  if (ev.series) {
    lastSeen = timestampSince(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events of the new API have no count.
    count = 1;
  }
  const kind = (ev.involvedObject?.kind ?? '').toLowerCase();
  const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
  const component = ev.sourceComponent || ev.reportingController || '';
  const instance = ev.sourceHost || ev.reportingInstance || '';
  return [
    lastSeen,
    ev.type ?? '',
    ev.reason ?? '',
    target,
    ev.involvedObject?.fieldPath ?? '',
    instance ? `${component}, ${instance}` : component,
    (ev.message ?? '').trim(),
    firstSeen,
    count,
    metaOf(ev).name ?? '',
  ];
}

const coreEventPrinter: TypePrinter = {
  columns: eventColumns,
  print(obj, now) {
    const ev = obj as Event & { reportingComponent?: string };
    return {
      cells: printEventCells(
        {
          metadata: ev.metadata,
          firstTimestamp: ev.firstTimestamp,
          lastTimestamp: ev.lastTimestamp,
          eventTime: ev.eventTime,
          count: ev.count,
          series: ev.series,
          involvedObject: ev.involvedObject,
          type: ev.type,
          reason: ev.reason,
          message: ev.message,
          sourceComponent: ev.source?.component,
          sourceHost: ev.source?.host,
          reportingController: ev.reportingComponent,
          reportingInstance: ev.reportingInstance,
        },
        now,
      ),
    };
  },
};

/** The Event printer over the events.k8s.io/v1 field names, as upstream prints both with one printer. */
export const eventsV1Printer: TypePrinter = {
  columns: eventColumns,
  print(obj, now) {
    const ev = obj as {
      metadata?: ObjectMeta;
      deprecatedFirstTimestamp?: string;
      deprecatedLastTimestamp?: string;
      deprecatedCount?: number;
      deprecatedSource?: { component?: string; host?: string };
      eventTime?: string;
      series?: { count?: number; lastObservedTime?: string };
      regarding?: { kind?: string; name?: string; fieldPath?: string };
      type?: string;
      reason?: string;
      note?: string;
      reportingController?: string;
      reportingInstance?: string;
    };
    return {
      cells: printEventCells(
        {
          metadata: ev.metadata,
          firstTimestamp: ev.deprecatedFirstTimestamp,
          lastTimestamp: ev.deprecatedLastTimestamp,
          eventTime: ev.eventTime,
          count: ev.deprecatedCount,
          series: ev.series,
          involvedObject: ev.regarding,
          type: ev.type,
          reason: ev.reason,
          message: ev.note,
          sourceComponent: ev.deprecatedSource?.component,
          sourceHost: ev.deprecatedSource?.host,
          reportingController: ev.reportingController,
          reportingInstance: ev.reportingInstance,
        },
        now,
      ),
    };
  },
};

/** Access modes as `RWO,ROX,RWX,RWOP`, as upstream's GetAccessModesAsString. */
function accessModes(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? []);
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

const persistentVolumePrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Capacity', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    column('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    column('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn(),
    column('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', {
      priority: 1,
    }),
  ],
  print(obj, now) {
    const pv = obj as PersistentVolume;
    const meta = metaOf(pv);
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    const phase = meta.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
    const storageClass = meta.annotations?.[betaStorageClassAnnotation] ?? spec.storageClassName ?? '';
    const vac = (spec as { volumeAttributesClassName?: string }).volumeAttributesClassName;
    return {
      cells: [
        meta.name ?? '',
        spec.capacity?.storage ?? '0',
        accessModes(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? '',
        phase,
        claim,
        storageClass,
        vac ?? '<unset>',
        pv.status?.reason ?? '',
        timestampSince(meta.creationTimestamp, now),
        spec.volumeMode ?? '<unset>',
      ],
    };
  },
};

const persistentVolumeClaimPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    column('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', { priority: 1 }),
  ],
  print(obj, now) {
    const pvc = obj as PersistentVolumeClaim;
    const meta = metaOf(pvc);
    const spec = pvc.spec ?? {};
    const phase = meta.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
    let capacity = '';
    let modes = '';
    if (spec.volumeName) {
      modes = accessModes(pvc.status?.accessModes);
      capacity = pvc.status?.capacity?.storage ?? '0';
    }
    const storageClass = meta.annotations?.[betaStorageClassAnnotation] ?? spec.storageClassName ?? '';
    const vac = (spec as { volumeAttributesClassName?: string }).volumeAttributesClassName;
    return {
      cells: [
        meta.name ?? '',
        phase,
        spec.volumeName ?? '',
        capacity,
        modes,
        storageClass,
        vac ?? '<unset>',
        timestampSince(meta.creationTimestamp, now),
        spec.volumeMode ?? '<unset>',
      ],
    };
  },
};

const replicationControllerPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    column('Ready', 'The number of ready replicas for this replication controller.', { type: 'integer' }),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('Selector is a label query over pods that should match the Replicas count.'),
  ],
  print(obj, now) {
    const rc = obj as ReplicationController;
    const meta = metaOf(rc);
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    return {
      cells: [
        meta.name ?? '',
        rc.spec?.replicas ?? 1,
        rc.status?.replicas ?? 0,
        rc.status?.readyReplicas ?? 0,
        timestampSince(meta.creationTimestamp, now),
        names,
        images,
        formatLabels(rc.spec?.selector),
      ],
    };
  },
};

const podTemplatePrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Containers', 'Names of each container in the template.'),
    column('Images', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'The labels for the pod template.'),
  ],
  print(obj) {
    const template = obj as PodTemplate;
    const [names, images] = containerCells(template.template?.spec?.containers);
    return { cells: [metaOf(template).name ?? '', names, images, formatLabels(template.template?.metadata?.labels)] };
  },
};

/** Printers of core/v1 types (Pod excepted), by kind. */
export const corePrinters: Readonly<Record<string, TypePrinter>> = {
  Node: nodePrinter,
  Namespace: namespacePrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  ServiceAccount: serviceAccountPrinter,
  Event: coreEventPrinter,
  PersistentVolume: persistentVolumePrinter,
  PersistentVolumeClaim: persistentVolumeClaimPrinter,
  ReplicationController: replicationControllerPrinter,
  PodTemplate: podTemplatePrinter,
};
