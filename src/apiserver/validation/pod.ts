import type { FieldError } from '../../apimachinery/errors.js';
import { asObject, objectsIn, type JsonObject } from '../defaults/util.js';
import {
  at,
  child,
  deepEqual,
  duplicate,
  entriesOf,
  forbidden,
  invalid,
  nonNegative,
  notFound,
  notSupported,
  required,
  str,
} from './field.js';
import { validateAnnotations, validateLabelName, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
} from '../../apimachinery/names.js';
import { parseQuantity, quantityErrors } from '../../apimachinery/quantity.js';

/** Upstream's supported port protocols, sorted. */
export const portProtocols = ['SCTP', 'TCP', 'UDP'];

/** The volume source fields of a core/v1 Volume. */
const volumeSources = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc',
  'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

/** Upstream's ValidatePortNumOrName for an IntOrString port. */
export function validatePortNumOrName(port: unknown, field: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(field, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(field, port, m));
  return [invalid(field, port ?? null, 'must be an integer or a string')];
}

function dns1123Label(value: string, field: string): FieldError[] {
  return isDNS1123Label(value).map((m) => invalid(field, value, m));
}

function validateKeyToPaths(items: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objectsIn(items).forEach((item, i) => {
    const path = at(field, i);
    if (!str(item.key)) errs.push(required(child(path, 'key')));
    if (!str(item.path)) errs.push(required(child(path, 'path')));
    else errs.push(...validateLocalNonReservedPath(str(item.path), child(path, 'path')));
    errs.push(...validateFileMode(item.mode, child(path, 'mode')));
  });
  return errs;
}

function validateFileMode(mode: unknown, field: string): FieldError[] {
  if (typeof mode !== 'number') return [];
  return mode < 0 || mode > 0o777 ? [invalid(field, mode, 'must be a number between 0 and 0777 (octal), both inclusive')] : [];
}

function validateLocalDescendingPath(path: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (path.startsWith('/')) errs.push(invalid(field, path, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(path, field));
  return errs;
}

/** Upstream's validatePathNoBacksteps: no `..` element in a path (hostPath, subPath). */
export function validatePathNoBacksteps(path: string, field: string): FieldError[] {
  return path.split(/[\\/]/).includes('..') ? [invalid(field, path, "must not contain '..'")] : [];
}

function validateLocalNonReservedPath(path: string, field: string): FieldError[] {
  const errs = validateLocalDescendingPath(path, field);
  if (path.startsWith('..')) errs.push(invalid(field, path, "must not start with '..'"));
  return errs;
}

function validateVolumeSource(volume: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const present = volumeSources.filter((k) => volume[k] !== undefined && volume[k] !== null);
  if (present.length === 0) return [required(field, 'must specify a volume type')];
  for (const extra of present.slice(1)) errs.push(forbidden(child(field, extra), 'may not specify more than 1 volume type'));
  const kind = present[0] as string;
  const source = asObject(volume[kind]) ?? {};
  const path = child(field, kind);
  switch (kind) {
    case 'hostPath': {
      if (!str(source.path)) errs.push(required(child(path, 'path')));
      else errs.push(...validatePathNoBacksteps(str(source.path), child(path, 'path')));
      const types = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
      if (source.type !== undefined && !types.includes(str(source.type))) {
        errs.push(notSupported(child(path, 'type'), source.type, types));
      }
      break;
    }
    case 'emptyDir':
      if (source.medium !== undefined && !['', 'Memory', 'HugePages'].includes(str(source.medium)) && !str(source.medium).startsWith('HugePages-')) {
        errs.push(notSupported(child(path, 'medium'), source.medium, ['', 'Memory', 'HugePages']));
      }
      errs.push(...validateQuantity(source.sizeLimit, child(path, 'sizeLimit')));
      break;
    case 'secret':
      if (!str(source.secretName)) errs.push(required(child(path, 'secretName')));
      errs.push(...validateFileMode(source.defaultMode, child(path, 'defaultMode')));
      errs.push(...validateKeyToPaths(source.items, child(path, 'items')));
      break;
    case 'configMap':
      if (!str(source.name)) errs.push(required(child(path, 'name')));
      errs.push(...validateFileMode(source.defaultMode, child(path, 'defaultMode')));
      errs.push(...validateKeyToPaths(source.items, child(path, 'items')));
      break;
    case 'persistentVolumeClaim':
      if (!str(source.claimName)) errs.push(required(child(path, 'claimName')));
      break;
    case 'nfs':
      if (!str(source.server)) errs.push(required(child(path, 'server')));
      if (!str(source.path)) errs.push(required(child(path, 'path')));
      else if (!str(source.path).startsWith('/')) errs.push(invalid(child(path, 'path'), source.path, 'must be an absolute path'));
      break;
    case 'downwardAPI':
    case 'projected':
      errs.push(...validateFileMode(source.defaultMode, child(path, 'defaultMode')));
      break;
    default:
      break;
  }
  return errs;
}

/** Upstream's ValidateVolumes: the valid volumes' names, and the errors. */
export function validateVolumes(volumes: unknown, field: string): { names: Set<string>; errors: FieldError[] } {
  const names = new Set<string>();
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  objectsIn(volumes).forEach((volume, i) => {
    const path = at(field, i);
    const name = str(volume.name);
    const errs = validateVolumeSource(volume, path);
    if (!name) errs.push(required(child(path, 'name')));
    else errs.push(...dns1123Label(name, child(path, 'name')));
    if (seen.has(name)) errs.push(duplicate(child(path, 'name'), name));
    seen.add(name);
    if (errs.length === 0) names.add(name);
    else errors.push(...errs);
  });
  return { names, errors };
}

/** An error for a quantity that does not parse or is negative (absent quantities pass). */
function validateQuantity(quantity: unknown, field: string): FieldError[] {
  if (quantity === undefined || quantity === null) return [];
  const parsed = parseQuantity(quantity);
  if (!parsed) return [invalid(field, quantity, quantityErrors.formatWrong)];
  return parsed.sign() < 0 ? [invalid(field, parsed.toString(), 'must be greater than or equal to 0')] : [];
}

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/')) {
    if (!standardContainerResources.has(name) && !name.startsWith('hugepages-')) {
      errs.push(invalid(field, name, 'must be a standard resource for containers'));
    }
  } else if (!name.includes('kubernetes.io/') && name.startsWith('requests.')) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Upstream's ValidateResourceRequirements: names, quantities, and requests ≤ limits. */
export function validateResourceRequirements(resources: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const req = asObject(resources) ?? {};
  const limitsPath = child(field, 'limits');
  const requestsPath = child(field, 'requests');
  const limits = entriesOf(req.limits);
  for (const [name, quantity] of limits) {
    errs.push(...validateContainerResourceName(name, at(limitsPath, name)));
    errs.push(...validateQuantity(quantity, at(limitsPath, name)));
  }
  for (const [name, quantity] of entriesOf(req.requests)) {
    errs.push(...validateContainerResourceName(name, at(requestsPath, name)));
    errs.push(...validateQuantity(quantity, at(requestsPath, name)));
    const limit = limits.find(([n]) => n === name)?.[1];
    const request = parseQuantity(quantity);
    const limitQuantity = parseQuantity(limit);
    if (request === undefined || limitQuantity === undefined) continue;
    if (name.startsWith('hugepages-') || (name.includes('/') && !name.includes('kubernetes.io/'))) {
      if (request.cmp(limitQuantity) !== 0) {
        errs.push(invalid(requestsPath, request.toString(), `must be equal to ${name} limit of ${limitQuantity.toString()}`));
      }
    } else if (request.cmp(limitQuantity) > 0) {
      errs.push(invalid(requestsPath, request.toString(), `must be less than or equal to ${name} limit of ${limitQuantity.toString()}`));
    }
  }
  return errs;
}

function validateContainerPorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objectsIn(ports).forEach((port, i) => {
    const path = at(field, i);
    const name = str(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) errs.push(...msgs.map((m) => invalid(child(path, 'name'), name, m)));
      else if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
      else names.add(name);
    }
    if (!port.containerPort) errs.push(required(child(path, 'containerPort')));
    else if (typeof port.containerPort === 'number') {
      errs.push(...isValidPortNum(port.containerPort).map((m) => invalid(child(path, 'containerPort'), port.containerPort, m)));
    }
    if (typeof port.hostPort === 'number' && port.hostPort !== 0) {
      errs.push(...isValidPortNum(port.hostPort).map((m) => invalid(child(path, 'hostPort'), port.hostPort, m)));
    }
    const protocol = str(port.protocol);
    if (!protocol) errs.push(required(child(path, 'protocol')));
    else if (!portProtocols.includes(protocol)) errs.push(notSupported(child(path, 'protocol'), protocol, portProtocols));
  });
  return errs;
}

const envFieldPaths = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const envResourceFields = [
  'limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory',
];

function validateKeySelector(selector: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(selector.name)) errs.push(required(child(field, 'name')));
  const key = str(selector.key);
  if (!key) errs.push(required(child(field, 'key')));
  else errs.push(...isConfigMapKey(key).map((m) => invalid(child(field, 'key'), key, m)));
  return errs;
}

function validateEnvValueFrom(env: JsonObject, field: string): FieldError[] {
  const from = asObject(env.valueFrom);
  if (!from) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  const fieldRef = asObject(from.fieldRef);
  if (fieldRef) {
    sources++;
    const path = child(field, 'fieldRef');
    const fieldPath = str(fieldRef.fieldPath);
    if (!str(fieldRef.apiVersion)) errs.push(required(child(path, 'apiVersion')));
    if (!fieldPath) errs.push(required(child(path, 'fieldPath')));
    else if (!envFieldPaths.includes(fieldPath) && !/^metadata\.(labels|annotations)\['.+'\]$/.test(fieldPath)) {
      errs.push(notSupported(child(path, 'fieldPath'), fieldPath, envFieldPaths));
    }
  }
  const resourceFieldRef = asObject(from.resourceFieldRef);
  if (resourceFieldRef) {
    sources++;
    const path = child(field, 'resourceFieldRef');
    const resource = str(resourceFieldRef.resource);
    if (!resource) errs.push(required(child(path, 'resource')));
    else if (!envResourceFields.includes(resource) && !/^(limits|requests)\.hugepages-/.test(resource)) {
      errs.push(notSupported(child(path, 'resource'), resource, envResourceFields));
    }
  }
  for (const key of ['configMapKeyRef', 'secretKeyRef']) {
    const selector = asObject(from[key]);
    if (!selector) continue;
    sources++;
    errs.push(...validateKeySelector(selector, child(field, key)));
  }
  if (sources === 0) {
    errs.push(invalid(field, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (str(env.value)) {
    errs.push(invalid(field, '', 'may not be specified when `value` is not empty'));
  } else if (sources > 1) {
    errs.push(invalid(field, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

function validateEnv(env: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objectsIn(env).forEach((variable, i) => {
    const path = at(field, i);
    const name = str(variable.name);
    if (!name) errs.push(required(child(path, 'name')));
    errs.push(...isEnvVarName(name).map((m) => invalid(child(path, 'name'), name, m)));
    errs.push(...validateEnvValueFrom(variable, child(path, 'valueFrom')));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  objectsIn(mounts).forEach((mount, i) => {
    const path = at(field, i);
    const name = str(mount.name);
    const mountPath = str(mount.mountPath);
    if (!name) errs.push(required(child(path, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(path, 'name'), name));
    if (!mountPath) errs.push(required(child(path, 'mountPath')));
    if (mountPaths.has(mountPath)) errs.push(invalid(child(path, 'mountPath'), mountPath, 'must be unique'));
    mountPaths.add(mountPath);
    if (str(mount.subPath)) errs.push(...validateLocalDescendingPath(str(mount.subPath), child(path, 'subPath')));
  });
  return errs;
}

function validateHandler(handler: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let handlers = 0;
  for (const kind of ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep']) {
    const action = asObject(handler[kind]);
    if (!action) continue;
    const path = child(field, kind);
    if (handlers > 0) {
      errs.push(forbidden(path, 'may not specify more than 1 handler type'));
      continue;
    }
    handlers++;
    if (kind === 'exec' && (!Array.isArray(action.command) || action.command.length === 0)) errs.push(required(child(path, 'command')));
    if (kind === 'httpGet') {
      if (!str(action.path)) errs.push(required(child(path, 'path')));
      errs.push(...validatePortNumOrName(action.port, child(path, 'port')));
      const scheme = str(action.scheme);
      if (!['HTTP', 'HTTPS'].includes(scheme)) errs.push(notSupported(child(path, 'scheme'), scheme, ['HTTP', 'HTTPS']));
    }
    if (kind === 'tcpSocket') errs.push(...validatePortNumOrName(action.port, child(path, 'port')));
    if (kind === 'grpc') {
      const port = typeof action.port === 'number' ? action.port : 0;
      errs.push(...isValidPortNum(port).map((m) => invalid(child(path, 'port'), port, m)));
    }
    if (kind === 'sleep') errs.push(...nonNegative(action.seconds, child(path, 'seconds')));
  }
  if (handlers === 0) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: unknown, field: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  const p = asObject(probe);
  if (!p) return [];
  const errs = validateHandler(p, field);
  for (const key of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(p[key], child(field, key)));
  }
  if (typeof p.terminationGracePeriodSeconds === 'number') {
    if (kind === 'readiness') {
      errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
    } else if (p.terminationGracePeriodSeconds <= 0) {
      errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must be greater than 0'));
    }
  }
  if (kind !== 'readiness' && p.successThreshold !== undefined && p.successThreshold !== 1) {
    errs.push(invalid(child(field, 'successThreshold'), p.successThreshold, 'must be 1'));
  }
  return errs;
}

function validateContainerCommon(container: JsonObject, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(container.name);
  if (!name) errs.push(required(child(path, 'name')));
  else errs.push(...dns1123Label(name, child(path, 'name')));
  if (!str(container.image)) errs.push(required(child(path, 'image')));
  const policy = str(container.terminationMessagePolicy);
  if (!policy) errs.push(required(child(path, 'terminationMessagePolicy'), "must be 'File' or 'FallbackToLogsOnError'"));
  else if (policy !== 'File' && policy !== 'FallbackToLogsOnError') {
    errs.push(invalid(child(path, 'terminationMessagePolicy'), policy, "must be 'File' or 'FallbackToLogsOnError'"));
  }
  errs.push(...validateContainerPorts(container.ports, child(path, 'ports')));
  errs.push(...validateEnv(container.env, child(path, 'env')));
  errs.push(...validateVolumeMounts(container.volumeMounts, volumes, child(path, 'volumeMounts')));
  const pullPolicy = str(container.imagePullPolicy);
  if (!pullPolicy) errs.push(required(child(path, 'imagePullPolicy')));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pullPolicy)) {
    errs.push(notSupported(child(path, 'imagePullPolicy'), pullPolicy, ['Always', 'IfNotPresent', 'Never']));
  }
  errs.push(...validateResourceRequirements(container.resources, child(path, 'resources')));
  return errs;
}

function validateHostPortConflicts(containers: JsonObject[], field: string, indexOffset = 0): FieldError[] {
  const errs: FieldError[] = [];
  const used = new Set<string>();
  containers.forEach((container, ci) => {
    objectsIn(container.ports).forEach((port, pi) => {
      if (typeof port.hostPort !== 'number' || port.hostPort === 0) return;
      const key = `${str(port.hostIP)}/${str(port.protocol)}/${port.hostPort}`;
      const path = child(at(child(at(field, ci + indexOffset), 'ports'), pi), 'hostPort');
      if (used.has(key)) errs.push(duplicate(path, key));
      used.add(key);
    });
  });
  return errs;
}

function validateContainers(containers: unknown, volumes: Set<string>, field: string): FieldError[] {
  const list = objectsIn(containers);
  const errs: FieldError[] = [];
  if (list.length === 0) errs.push(required(field));
  const names = new Set<string>();
  list.forEach((container, i) => {
    const path = at(field, i);
    errs.push(...validateContainerCommon(container, volumes, path));
    const name = str(container.name);
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else names.add(name);
    const lifecycle = asObject(container.lifecycle);
    for (const hook of ['postStart', 'preStop']) {
      const handler = asObject(lifecycle?.[hook]);
      if (handler) errs.push(...validateHandler(handler, child(path, 'lifecycle', hook)));
    }
    errs.push(...validateProbe(container.livenessProbe, child(path, 'livenessProbe'), 'liveness'));
    errs.push(...validateProbe(container.readinessProbe, child(path, 'readinessProbe'), 'readiness'));
    errs.push(...validateProbe(container.startupProbe, child(path, 'startupProbe'), 'startup'));
    if (container.restartPolicy !== undefined) errs.push(forbidden(child(path, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...validateHostPortConflicts(list, field));
  return errs;
}

function validateInitContainers(initContainers: unknown, containers: unknown, volumes: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(objectsIn(containers).map((c) => str(c.name)));
  objectsIn(initContainers).forEach((container, i) => {
    const path = at(field, i);
    errs.push(...validateContainerCommon(container, volumes, path));
    const restartAlways = container.restartPolicy === 'Always';
    if (container.restartPolicy !== undefined && !restartAlways) {
      errs.push(notSupported(child(path, 'restartPolicy'), container.restartPolicy, ['Always']));
    }
    const name = str(container.name);
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else if (name) names.add(name);
    errs.push(...validateHostPortConflicts([container], field, i));
    if (restartAlways) {
      errs.push(...validateProbe(container.livenessProbe, child(path, 'livenessProbe'), 'liveness'));
      errs.push(...validateProbe(container.readinessProbe, child(path, 'readinessProbe'), 'readiness'));
      errs.push(...validateProbe(container.startupProbe, child(path, 'startupProbe'), 'startup'));
    } else {
      for (const key of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (container[key] !== undefined && container[key] !== null) {
          errs.push(forbidden(child(path, key), 'may not be set for init containers without restartPolicy=Always'));
        }
      }
    }
  });
  return errs;
}

/** Upstream's ValidateTolerations. */
export function validateTolerations(tolerations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objectsIn(tolerations).forEach((toleration, i) => {
    const path = at(field, i);
    const key = str(toleration.key);
    const operator = str(toleration.operator);
    const effect = str(toleration.effect);
    if (key) errs.push(...validateLabelName(key, child(path, 'key')));
    if (!key && operator !== 'Exists') {
      errs.push(invalid(child(path, 'operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (toleration.tolerationSeconds !== undefined && toleration.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(invalid(child(path, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const msgs = isValidLabelValue(str(toleration.value));
      if (msgs.length > 0) errs.push(invalid(child(path, 'operator'), str(toleration.value), msgs.join(';')));
    } else if (operator === 'Exists') {
      if (str(toleration.value)) errs.push(invalid(child(path, 'operator'), toleration, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(child(path, 'operator'), operator, ['Equal', 'Exists']));
    }
    if (effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(notSupported(child(path, 'effect'), effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return errs;
}

/** Upstream's ValidatePodSpec (the commonly used fields). */
export function validatePodSpec(podSpec: unknown, field: string): FieldError[] {
  const spec = asObject(podSpec) ?? {};
  const { names: volumes, errors } = validateVolumes(spec.volumes, child(field, 'volumes'));
  const errs = [...errors];
  errs.push(...validateContainers(spec.containers, volumes, child(field, 'containers')));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, volumes, child(field, 'initContainers')));
  if (spec.hostNetwork === true) {
    objectsIn(spec.containers).forEach((container, ci) => {
      objectsIn(container.ports).forEach((port, pi) => {
        if (port.hostPort !== undefined && port.hostPort !== port.containerPort) {
          const path = child(at(child(at(child(field, 'containers'), ci), 'ports'), pi), 'hostPort');
          errs.push(invalid(path, port.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  const restartPolicy = str(spec.restartPolicy);
  if (!restartPolicy) errs.push(required(child(field, 'restartPolicy')));
  else if (!['Always', 'OnFailure', 'Never'].includes(restartPolicy)) {
    errs.push(notSupported(child(field, 'restartPolicy'), restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  const dnsPolicy = str(spec.dnsPolicy);
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (!dnsPolicy) errs.push(required(child(field, 'dnsPolicy')));
  else if (!dnsPolicies.includes(dnsPolicy)) errs.push(notSupported(child(field, 'dnsPolicy'), dnsPolicy, dnsPolicies));
  errs.push(...validateLabels(spec.nodeSelector, child(field, 'nodeSelector')));
  const serviceAccountName = str(spec.serviceAccountName);
  if (serviceAccountName) {
    errs.push(...isDNS1123Subdomain(serviceAccountName).map((m) => invalid(child(field, 'serviceAccountName'), serviceAccountName, m)));
  }
  const nodeName = str(spec.nodeName);
  if (nodeName) errs.push(...isDNS1123Subdomain(nodeName).map((m) => invalid(child(field, 'nodeName'), nodeName, m)));
  if (typeof spec.activeDeadlineSeconds === 'number' && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > 2147483647)) {
    errs.push(invalid(child(field, 'activeDeadlineSeconds'), spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  if (str(spec.hostname)) errs.push(...dns1123Label(str(spec.hostname), child(field, 'hostname')));
  if (str(spec.subdomain)) errs.push(...dns1123Label(str(spec.subdomain), child(field, 'subdomain')));
  errs.push(...validateTolerations(spec.tolerations, child(field, 'tolerations')));
  objectsIn(spec.imagePullSecrets).forEach((secret, i) => {
    if (!str(secret.name)) errs.push(required(child(at(child(field, 'imagePullSecrets'), i), 'name')));
  });
  if (spec.preemptionPolicy !== undefined && !['Never', 'PreemptLowerPriority'].includes(str(spec.preemptionPolicy))) {
    errs.push(notSupported(child(field, 'preemptionPolicy'), spec.preemptionPolicy, ['Never', 'PreemptLowerPriority']));
  }
  return errs;
}

/** Upstream's ValidatePodTemplateSpec: labels and annotations (at `<field>.labels`), then the pod spec. */
export function validatePodTemplateSpec(template: unknown, field: string): FieldError[] {
  const t = asObject(template);
  if (!t) return [required(field)];
  const metadata = asObject(t.metadata) ?? {};
  const errs = [
    ...validateLabels(metadata.labels, child(field, 'labels')),
    ...validateAnnotations(metadata.annotations, child(field, 'annotations')),
    ...validatePodSpec(t.spec, child(field, 'spec')),
  ];
  if (objectsIn(asObject(t.spec)?.ephemeralContainers).length > 0) {
    errs.push(forbidden(child(field, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** Upstream's ValidatePodCreate. */
export function validatePod(pod: JsonObject): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  errs.push(...validatePodSpec(pod.spec, 'spec'));
  if (objectsIn(asObject(pod.spec)?.ephemeralContainers).length > 0) {
    errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  return errs;
}

const podUpdateMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A short diff of two JSON values: one `path: old -> new` line per differing leaf. */
export function jsonDiff(old: unknown, updated: unknown, path = ''): string[] {
  if (deepEqual(old, updated)) return [];
  const oldObj = typeof old === 'object' && old !== null ? (old as Record<string, unknown>) : undefined;
  const newObj = typeof updated === 'object' && updated !== null ? (updated as Record<string, unknown>) : undefined;
  if (oldObj && newObj && Array.isArray(old) === Array.isArray(updated)) {
    const keys = [...new Set([...Object.keys(oldObj), ...Object.keys(newObj)])];
    return keys.flatMap((k) => jsonDiff(oldObj[k], newObj[k], Array.isArray(old) ? `${path}[${k}]` : path ? `${path}.${k}` : k));
  }
  return [`  ${path}: ${JSON.stringify(old ?? null)} -> ${JSON.stringify(updated ?? null)}`];
}

function validateContainerUpdates(containers: unknown, oldContainers: unknown, field: string): { errors: FieldError[]; stop: boolean } {
  const list = objectsIn(containers);
  if (list.length !== objectsIn(oldContainers).length) {
    return { errors: [forbidden(field, 'pod updates may not add or remove containers')], stop: true };
  }
  const errors: FieldError[] = [];
  list.forEach((container, i) => {
    const image = str(container.image);
    if (!image) errors.push(required(child(at(field, i), 'image')));
    if (image.trim() !== image) errors.push(invalid(child(at(field, i), 'image'), image, 'must not have leading or trailing whitespace'));
  });
  return { errors, stop: false };
}

/** Upstream's ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations and a few more may change. */
export function validatePodUpdate(pod: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePodSpec(pod.spec, 'spec'));
  const spec = asObject(pod.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  for (const key of ['containers', 'initContainers']) {
    const { errors, stop } = validateContainerUpdates(spec[key], oldSpec[key], child('spec', key));
    errs.push(...errors);
    if (stop) return errs;
  }
  const deadline = spec.activeDeadlineSeconds;
  const oldDeadline = oldSpec.activeDeadlineSeconds;
  if (typeof deadline === 'number') {
    if (deadline < 0 || deadline > 2147483647) {
      errs.push(invalid('spec.activeDeadlineSeconds', deadline, 'must be between 0 and 2147483647, inclusive'));
      return errs;
    }
    if (typeof oldDeadline === 'number' && oldDeadline < deadline) {
      errs.push(invalid('spec.activeDeadlineSeconds', deadline, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (typeof oldDeadline === 'number') {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  const tolerations = objectsIn(spec.tolerations);
  for (const oldToleration of objectsIn(oldSpec.tolerations)) {
    const kept = tolerations.some((t) => deepEqual({ ...oldToleration, tolerationSeconds: t.tolerationSeconds }, t));
    if (!kept) {
      errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  if (deepEqual(spec, oldSpec)) return errs;
  const munged: JsonObject = structuredClone(spec);
  for (const key of ['containers', 'initContainers']) {
    const oldList = objectsIn(oldSpec[key]);
    objectsIn(munged[key]).forEach((container, i) => {
      container.image = oldList[i]?.image;
    });
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.tolerations = oldSpec.tolerations;
  munged.schedulingGates = oldSpec.schedulingGates;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  if (!deepEqual(munged, oldSpec)) {
    errs.push(forbidden('spec', `${podUpdateMessage}\n${jsonDiff(oldSpec, munged, 'spec').join('\n')}`));
  }
  return errs;
}

/** Upstream's ValidatePodStatusUpdate (lighter): metadata rules, nodeName unchanged, a known phase. */
export function validatePodStatusUpdate(pod: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  const nodeName = asObject(pod.spec)?.nodeName;
  const oldNodeName = asObject(old.spec)?.nodeName;
  if (oldNodeName && !deepEqual(nodeName, oldNodeName)) errs.push(forbidden('status.nodeName', 'may not be changed directly'));
  const phase = asObject(pod.status)?.phase;
  const phases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
  if (phase !== undefined && !phases.includes(str(phase))) errs.push(notSupported('status.phase', phase, phases));
  const oldPhase = str(asObject(old.status)?.phase);
  if ((oldPhase === 'Succeeded' || oldPhase === 'Failed') && phase !== oldPhase) {
    errs.push(forbidden('status.phase', `cannot transition from ${oldPhase} to ${str(phase)}`));
  }
  return errs;
}
