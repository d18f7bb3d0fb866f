import { isIP } from 'node:net';
import type { FieldError } from '../../apimachinery/errors.js';
import { asObject, objectsIn, type JsonObject } from '../defaults/util.js';
import { at, child, deepEqual, duplicate, entriesOf, forbidden, immutable, invalid, nonNegative, notSupported, required, str, tooLong } from './field.js';
import { validateLabelName, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  isConfigMapKey,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
} from '../../apimachinery/names.js';
import { jsonDiff, validatePathNoBacksteps } from './pod.js';
import { parseQuantity, quantityErrors } from '../../apimachinery/quantity.js';
import { errorMessage } from '../../apimachinery/errors.js';

/** Upstream's MaxSecretSize (1 MiB), also the ConfigMap limit. */
export const maxSecretSize = 1024 * 1024;

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const standardFinalizers = ['kubernetes', 'orphan', 'foregroundDeletion'];

function namespacedMeta(obj: JsonObject): FieldError[] {
  return validateObjectMeta(obj.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
}

function clusterMeta(obj: JsonObject, nameValidator = nameIsDNSSubdomain): FieldError[] {
  return validateObjectMeta(obj.metadata, { namespaced: false, nameValidator });
}

function validateNamespace(namespace: JsonObject): FieldError[] {
  const errs = clusterMeta(namespace, nameIsDNSLabel);
  const finalizers = asObject(namespace.spec)?.finalizers;
  for (const finalizer of (Array.isArray(finalizers) ? finalizers : []).map(str)) {
    errs.push(...isQualifiedName(finalizer).map((m) => invalid('spec.finalizers', finalizer, m)));
    if (!finalizer.includes('/') && !standardFinalizers.includes(finalizer)) {
      errs.push(invalid('spec.finalizers', finalizer, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

function validateNodeSpec(node: JsonObject): FieldError[] {
  const spec = asObject(node.spec) ?? {};
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objectsIn(spec.taints).forEach((taint, i) => {
    const path = at('spec.taints', i);
    errs.push(...validateLabelName(str(taint.key), child(path, 'key')));
    const valueErrors = isValidLabelValue(str(taint.value));
    if (valueErrors.length > 0) errs.push(invalid(child(path, 'value'), str(taint.value), valueErrors.join(';')));
    const effect = str(taint.effect);
    const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
    if (!effect) errs.push(required(child(path, 'effect')));
    else if (!effects.includes(effect)) errs.push(notSupported(child(path, 'effect'), effect, effects));
    const key = `${str(taint.key)}:${effect}`;
    if (seen.has(key)) errs.push(duplicate(path, taint));
    seen.add(key);
  });
  const cidrs = Array.isArray(spec.podCIDRs) ? spec.podCIDRs.map(str) : str(spec.podCIDR) ? [str(spec.podCIDR)] : [];
  cidrs.forEach((cidr, i) => {
    const [ip, bits] = cidr.split('/');
    const family = isIP(ip ?? '');
    const max = family === 6 ? 128 : 32;
    if (!family || !bits || !/^\d+$/.test(bits) || Number(bits) > max) {
      errs.push(invalid(at('spec.podCIDRs', i), cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    }
  });
  return errs;
}

function validateNodeUpdate(node: JsonObject, old: JsonObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(node.metadata, old.metadata), ...validateNodeSpec(node)];
  const spec = asObject(node.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  if (Array.isArray(oldSpec.podCIDRs) && oldSpec.podCIDRs.length > 0 && !deepEqual(spec.podCIDRs, oldSpec.podCIDRs)) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (str(oldSpec.providerID) && spec.providerID !== oldSpec.providerID) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

function validateDataMaps(obj: JsonObject, decode: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const data = entriesOf(obj.data);
  const binaryData = entriesOf(obj.binaryData);
  let size = 0;
  const sizeOf = (value: unknown, base64: boolean): number =>
    base64 ? Buffer.from(str(value), 'base64').length : Buffer.byteLength(str(value));
  for (const [key, value] of data) {
    errs.push(...isConfigMapKey(key).map((m) => invalid(at('data', key), key, m)));
    if (binaryData.some(([k]) => k === key)) errs.push(invalid(at('data', key), key, 'duplicate of key present in binaryData'));
    size += sizeOf(value, decode);
  }
  for (const [key, value] of binaryData) {
    errs.push(...isConfigMapKey(key).map((m) => invalid(at('binaryData', key), key, m)));
    if (data.some(([k]) => k === key)) errs.push(invalid(at('binaryData', key), key, 'duplicate of key present in data'));
    size += sizeOf(value, true);
  }
  if (size > maxSecretSize) errs.push(tooLong('', maxSecretSize));
  return errs;
}

function validateImmutableData(obj: JsonObject, old: JsonObject, keys: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const key of keys) {
    if (!deepEqual(obj[key], old[key])) errs.push(forbidden(key, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

function validateSecret(secret: JsonObject): FieldError[] {
  const errs = [...namespacedMeta(secret), ...validateDataMaps(secret, true)];
  const data = asObject(secret.data) ?? {};
  const has = (key: string): boolean => data[key] !== undefined;
  const requireKey = (key: string): void => {
    if (!has(key)) errs.push(required(at('data', key)));
  };
  const checkJson = (key: string): void => {
    if (!has(key)) {
      errs.push(required(at('data', key)));
      return;
    }
    try {
      JSON.parse(Buffer.from(str(data[key]), 'base64').toString('utf8'));
    } catch (err) {
      errs.push(invalid(at('data', key), '<secret contents redacted>', errorMessage(err)));
    }
  };
  switch (str(secret.type)) {
    case 'kubernetes.io/service-account-token':
      if (!str(asObject(asObject(secret.metadata)?.annotations)?.['kubernetes.io/service-account.name'])) {
        errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      checkJson('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      checkJson('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        requireKey('username');
        requireKey('password');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!str(data['ssh-privatekey'])) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      requireKey('tls.crt');
      requireKey('tls.key');
      break;
    default:
      break;
  }
  return errs;
}

function storageRequest(spec: JsonObject): unknown {
  return asObject(asObject(spec.resources)?.requests)?.storage;
}

function validatePVCSpec(specValue: unknown, field: string): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs: FieldError[] = [];
  const modes = Array.isArray(spec.accessModes) ? spec.accessModes.map(str) : [];
  if (modes.length === 0) errs.push(required(child(field, 'accessModes'), 'at least 1 access mode is required'));
  errs.push(...validateLabelSelector(spec.selector, child(field, 'selector')));
  for (const mode of modes) if (!accessModes.includes(mode)) errs.push(notSupported(child(field, 'accessModes'), mode, accessModes));
  const storage = storageRequest(spec);
  const storagePath = at(child(field, 'resources'), 'storage');
  if (storage === undefined) errs.push(required(storagePath));
  else {
    const parsed = parseQuantity(storage);
    if (!parsed) errs.push(invalid(storagePath, storage, quantityErrors.formatWrong));
    else if (parsed.sign() <= 0) errs.push(invalid(storagePath, parsed.toString(), 'must be greater than zero'));
  }
  const className = spec.storageClassName;
  if (typeof className === 'string' && className) {
    errs.push(...isDNS1123Subdomain(className).map((m) => invalid(child(field, 'storageClassName'), className, m)));
  }
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !['Block', 'Filesystem'].includes(str(spec.volumeMode))) {
    errs.push(notSupported(child(field, 'volumeMode'), spec.volumeMode, ['Block', 'Filesystem']));
  }
  return errs;
}

function validatePVCUpdate(pvc: JsonObject, old: JsonObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pvc.metadata, old.metadata), ...validatePVCSpec(pvc.spec, 'spec')];
  const spec: JsonObject = structuredClone(asObject(pvc.spec) ?? {});
  const oldSpec: JsonObject = structuredClone(asObject(old.spec) ?? {});
  if (!str(oldSpec.volumeName)) oldSpec.volumeName = spec.volumeName;
  const bound = asObject(pvc.status)?.phase === 'Bound';
  const requests = asObject(asObject(spec.resources)?.requests);
  if (bound && requests) requests.storage = storageRequest(oldSpec);
  if (!deepEqual(spec, oldSpec)) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests for bound claims'));
  }
  const newSize = parseQuantity(storageRequest(asObject(pvc.spec) ?? {}));
  const oldSize = parseQuantity(storageRequest(asObject(old.spec) ?? {}));
  if (newSize !== undefined && oldSize !== undefined && newSize.cmp(oldSize) < 0) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  return errs;
}

const pvSourceKeys = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc',
  'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk',
  'portworxVolume', 'scaleIO', 'local', 'storageos', 'csi',
];

function validatePV(pv: JsonObject): FieldError[] {
  const errs = clusterMeta(pv, nameIsPathSegment);
  const spec = asObject(pv.spec) ?? {};
  const modes = Array.isArray(spec.accessModes) ? spec.accessModes.map(str) : [];
  if (modes.length === 0) errs.push(required('spec.accessModes'));
  for (const mode of modes) if (!accessModes.includes(mode)) errs.push(notSupported('spec.accessModes', mode, accessModes));
  const capacity = entriesOf(spec.capacity);
  if (capacity.length === 0) errs.push(required('spec.capacity'));
  if (!capacity.some(([k]) => k === 'storage') || capacity.length > 1) errs.push(notSupported('spec.capacity', spec.capacity ?? null, ['storage']));
  for (const [name, quantity] of capacity) {
    const parsed = parseQuantity(quantity);
    if (!parsed || parsed.sign() <= 0) errs.push(invalid(at('spec.capacity', name), quantity, 'must be greater than zero'));
  }
  const policy = str(spec.persistentVolumeReclaimPolicy);
  if (policy && !['Delete', 'Recycle', 'Retain'].includes(policy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, ['Delete', 'Recycle', 'Retain']));
  }
  const present = pvSourceKeys.filter((k) => asObject(spec[k]));
  if (present.length === 0) errs.push(required('spec', 'must specify a volume type'));
  for (const extra of present.slice(1)) errs.push(forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  const hostPath = asObject(spec.hostPath);
  if (hostPath && !str(hostPath.path)) errs.push(required('spec.hostPath.path'));
  else if (hostPath) errs.push(...validatePathNoBacksteps(str(hostPath.path), 'spec.hostPath.path'));
  const local = asObject(spec.local);
  if (local && !str(local.path)) errs.push(required('spec.local.path'));
  if (spec.volumeMode !== undefined && !['Block', 'Filesystem'].includes(str(spec.volumeMode))) {
    errs.push(notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  }
  if (typeof spec.storageClassName === 'string' && spec.storageClassName) {
    errs.push(...isDNS1123Subdomain(spec.storageClassName).map((m) => invalid('spec.storageClassName', spec.storageClassName, m)));
  }
  return errs;
}

function validatePVUpdate(pv: JsonObject, old: JsonObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pv.metadata, old.metadata), ...validatePV(pv).filter((e) => !e.field.startsWith('metadata'))];
  const spec = asObject(pv.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  const source = (s: JsonObject): JsonObject => Object.fromEntries(pvSourceKeys.map((k) => [k, s[k]]));
  if (!deepEqual(source(spec), source(oldSpec))) {
    const diff = jsonDiff(source(oldSpec), source(spec)).join('\n');
    errs.push(forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${diff}`));
  }
  errs.push(...immutable(spec.volumeMode, oldSpec.volumeMode, 'volumeMode'));
  return errs;
}

function validateLease(lease: JsonObject): FieldError[] {
  const errs = namespacedMeta(lease);
  const spec = asObject(lease.spec) ?? {};
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  errs.push(...nonNegative(spec.leaseTransitions, 'spec.leaseTransitions'));
  return errs;
}

function validateStorageClass(storageClass: JsonObject): FieldError[] {
  const errs = clusterMeta(storageClass);
  const provisioner = str(storageClass.provisioner);
  if (!provisioner) errs.push(required('provisioner'));
  else errs.push(...isQualifiedName(provisioner.toLowerCase()).map((m) => invalid('provisioner', provisioner, m)));
  const parameters = entriesOf(storageClass.parameters);
  if (parameters.length > 512) errs.push(tooLong('parameters', 512, 'items'));
  for (const [key] of parameters) if (!key) errs.push(invalid('parameters', key, 'field can not be empty.'));
  const reclaim = str(storageClass.reclaimPolicy);
  if (reclaim && reclaim !== 'Delete' && reclaim !== 'Retain') errs.push(notSupported('reclaimPolicy', reclaim, ['Delete', 'Retain']));
  const binding = storageClass.volumeBindingMode;
  if (binding === undefined || binding === null) errs.push(required('volumeBindingMode'));
  else if (binding !== 'Immediate' && binding !== 'WaitForFirstConsumer') {
    errs.push(notSupported('volumeBindingMode', binding, ['Immediate', 'WaitForFirstConsumer']));
  }
  return errs;
}

function validateStorageClassUpdate(storageClass: JsonObject, old: JsonObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(storageClass.metadata, old.metadata), ...validateStorageClass(storageClass).filter((e) => !e.field.startsWith('metadata'))];
  if (!deepEqual(storageClass.parameters, old.parameters)) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (storageClass.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (!deepEqual(storageClass.reclaimPolicy, old.reclaimPolicy)) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable(storageClass.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
  return errs;
}

function eventNamespaceErrors(namespace: string, objectNamespace: string, hasEventTime: boolean): FieldError[] {
  if (!hasEventTime) {
    if (!objectNamespace) {
      return namespace && namespace !== 'default' ? [invalid('involvedObject.namespace', objectNamespace, 'does not match event.namespace')] : [];
    }
    return namespace !== objectNamespace ? [invalid('involvedObject.namespace', objectNamespace, 'does not match event.namespace')] : [];
  }
  if (!objectNamespace && namespace !== 'default' && namespace !== 'kube-system') {
    return [invalid('involvedObject.namespace', objectNamespace, 'does not match event.namespace')];
  }
  return [];
}

function validateNewStyleEventFields(event: JsonObject, controllerField: string, noteField: string): FieldError[] {
  const errs: FieldError[] = [];
  const controller = str(event.reportingController ?? event.reportingComponent);
  if (!controller) errs.push(required(controllerField));
  errs.push(...isQualifiedName(controller).map((m) => invalid(controllerField, controller, m)));
  const limited: [string, number][] = [['reportingInstance', 128], ['action', 128], ['reason', 128]];
  for (const [key, limit] of limited) {
    const value = str(event[key]);
    if (!value) errs.push(required(key));
    if (value.length > limit) errs.push(invalid(key, '', `can have at most ${limit} characters`));
  }
  const note = str(event[noteField]);
  if (note.length > 1024) errs.push(invalid(noteField, '', 'can have at most 1024 characters'));
  return errs;
}

/** core/v1 Event: upstream's legacy checks only (involvedObject namespace, new-style fields when eventTime is set). */
function validateCoreEvent(event: JsonObject): FieldError[] {
  const metadata = asObject(event.metadata) ?? {};
  const errs: FieldError[] = [];
  if (!str(metadata.name)) errs.push(required('metadata.name', 'name or generateName is required'));
  const namespace = str(metadata.namespace);
  const objectNamespace = str(asObject(event.involvedObject)?.namespace);
  const hasEventTime = Boolean(event.eventTime);
  errs.push(...eventNamespaceErrors(namespace, objectNamespace, hasEventTime));
  if (hasEventTime) errs.push(...validateNewStyleEventFields(event, 'reportingComponent', 'message'));
  errs.push(...isDNS1123Subdomain(namespace).map((m) => invalid('namespace', namespace, m)));
  return errs;
}

/** events.k8s.io/v1 Event: strict validation. */
function validateEventsV1Event(event: JsonObject): FieldError[] {
  const errs = namespacedMeta(event);
  const namespace = str(asObject(event.metadata)?.namespace);
  const regardingNamespace = str(asObject(event.regarding)?.namespace);
  if (!regardingNamespace && namespace !== 'default' && namespace !== 'kube-system' && event.eventTime) {
    errs.push(invalid('regarding.namespace', regardingNamespace, 'does not match event.namespace'));
  }
  errs.push(...validateNewStyleEventFields(event, 'reportingController', 'note'));
  if (!event.eventTime) errs.push(required('eventTime'));
  if (event.type !== 'Normal' && event.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${str(event.type)}`));
  const series = asObject(event.series);
  if (series) {
    if (typeof series.count !== 'number' || series.count < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
    if (!series.lastObservedTime) errs.push(required('series.lastObservedTime'));
  }
  return errs;
}

/** Validates a new core/v1 (or events, coordination, storage) object of a kind handled here. */
export function validateCoreCreate(group: string, kind: string, obj: JsonObject): FieldError[] {
  switch (`${group}/${kind}`) {
    case '/Namespace':
      return validateNamespace(obj);
    case '/Node':
      return [...clusterMeta(obj), ...validateNodeSpec(obj)];
    case '/ConfigMap':
      return [...namespacedMeta(obj), ...validateDataMaps(obj, false)];
    case '/Secret':
      return validateSecret(obj);
    case '/ServiceAccount': {
      const errs = namespacedMeta(obj);
      objectsIn(obj.imagePullSecrets).forEach((s, i) => {
        if (!str(s.name)) errs.push(required(child(at('imagePullSecrets', i), 'name')));
      });
      return errs;
    }
    case '/Event':
      return validateCoreEvent(obj);
    case 'events.k8s.io/Event':
      return validateEventsV1Event(obj);
    case '/PersistentVolume':
      return validatePV(obj);
    case '/PersistentVolumeClaim':
      return [...namespacedMeta(obj), ...validatePVCSpec(obj.spec, 'spec')];
    case 'coordination.k8s.io/Lease':
      return validateLease(obj);
    case 'storage.k8s.io/StorageClass':
      return validateStorageClass(obj);
    default:
      return [];
  }
}

/** Validates an update of a kind handled here; undefined when the kind is not one of them. */
export function validateCoreUpdate(group: string, kind: string, obj: JsonObject, old: JsonObject): FieldError[] | undefined {
  const metaUpdate = (): FieldError[] => validateObjectMetaUpdate(obj.metadata, old.metadata);
  const rest = (): FieldError[] => validateCoreCreate(group, kind, obj).filter((e) => !e.field.startsWith('metadata'));
  switch (`${group}/${kind}`) {
    case '/Namespace':
      return [...metaUpdate(), ...rest()];
    case '/Node':
      return validateNodeUpdate(obj, old);
    case '/ConfigMap':
      return [...metaUpdate(), ...rest(), ...validateImmutableData(obj, old, ['data', 'binaryData'])];
    case '/Secret':
      return [...metaUpdate(), ...rest(), ...immutable(obj.type, old.type, 'type'), ...validateImmutableData(obj, old, ['data'])];
    case '/PersistentVolume':
      return validatePVUpdate(obj, old);
    case '/PersistentVolumeClaim':
      return validatePVCUpdate(obj, old);
    case 'storage.k8s.io/StorageClass':
      return validateStorageClassUpdate(obj, old);
    case '/ServiceAccount':
    case '/Event':
    case 'events.k8s.io/Event':
    case 'coordination.k8s.io/Lease':
      return [...metaUpdate(), ...rest()];
    default:
      return undefined;
  }
}

/** Namespace status updates: phase Active unless deleting, then Terminating (path `status.Phase`, as upstream). */
export function validateNamespaceStatusUpdate(obj: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const phase = str(asObject(obj.status)?.phase);
  if (!asObject(obj.metadata)?.deletionTimestamp) {
    if (phase !== 'Active') errs.push(invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}
