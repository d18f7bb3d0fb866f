/**
 * A container's environment, resolved as upstream's kubelet makeEnvironmentVariables does:
 * envFrom first (later sources overwrite earlier ones), then env in order (value with `$(VAR)`
 * expansion, or valueFrom: fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef), then the
 * service variables not already set.
 */
import type { ConfigMap, Container, ObjectFieldSelector, Pod, ResourceFieldSelector, Secret } from 'kubernetes-types/core/v1.js';
import { expand, mappingFor } from './expansion.js';
import { parseQuantityNanos, quantityMilliValue, quantityValue } from './quantity.js';

/** An environment variable of a container's runtime config (the CRI KeyValue). */
export interface EnvVar {
  key: string;
  value: string;
}

/**
 * The environment could not be built (a missing ConfigMap, Secret or key, an unsupported field);
 * upstream reports it as the container's waiting reason CreateContainerConfigError.
 */
export class ContainerConfigError extends Error {
  /** The container status reason upstream reports. */
  readonly reason = 'CreateContainerConfigError';
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** Where a container's environment comes from besides the pod. */
export interface EnvSources {
  /** The ConfigMap `name` in namespace `namespace`, or undefined when it does not exist. */
  configMap(namespace: string, name: string): ConfigMap | undefined;
  /** The Secret `name` in namespace `namespace`, or undefined when it does not exist. */
  secret(namespace: string, name: string): Secret | undefined;
  /** The node's name (spec.nodeName when the pod does not carry it). */
  nodeName: string;
  /** The node's primary IP (status.hostIP). */
  hostIP: string;
  /** All node IPs (status.hostIPs); default [hostIP]. */
  hostIPs?: string[];
  /** The pod's IPs, primary first (status.podIP is the first). */
  podIPs: string[];
  /** spec.serviceAccountName when the pod does not carry it. */
  serviceAccountName?: string;
  /** The node's allocatable resources: limits a container does not set default to these (cpu, memory, ephemeral-storage). */
  nodeAllocatable?: Record<string, string>;
  /** Service link variables (KUBERNETES_SERVICE_HOST, ...): usable in `$(VAR)` and appended when env does not set them. */
  serviceEnv?: Record<string, string>;
}

/** A container's resolved environment. */
export interface ResolvedEnv {
  env: EnvVar[];
  /** Warnings about envFrom keys skipped as invalid variable names (upstream's InvalidEnvironmentVariableNames event). */
  warnings: string[];
}

const envVarName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Field paths the downward API offers to environment variables. */
const supportedFieldPaths = new Set([
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid',
  'spec.nodeName', 'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName',
  'status.phase', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
]);

/** Splits `metadata.labels['key']` into path and subscript. */
function splitSubscriptedPath(fieldPath: string): { path: string; subscript: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const inner = fieldPath.slice(0, -2);
  const open = inner.indexOf("['");
  if (open <= 0) return undefined;
  return { path: inner.slice(0, open), subscript: inner.slice(open + 2) };
}

/** Upstream's fieldpath.FormatMap: sorted `key="value"` lines. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map?.[key] ?? '')}`)
    .join('\n');
}

function fieldRefValue(selector: ObjectFieldSelector, pod: Pod, sources: EnvSources): string {
  const apiVersion = selector.apiVersion || 'v1';
  if (apiVersion !== 'v1') throw new ContainerConfigError(`unsupported pod version: ${apiVersion}`);
  let fieldPath = selector.fieldPath;
  const subscripted = splitSubscriptedPath(fieldPath);
  if (subscripted) {
    if (subscripted.path === 'metadata.annotations') return pod.metadata?.annotations?.[subscripted.subscript] ?? '';
    if (subscripted.path === 'metadata.labels') return pod.metadata?.labels?.[subscripted.subscript] ?? '';
    throw new ContainerConfigError(`field label does not support subscript: ${fieldPath}`);
  }
  if (fieldPath === 'spec.host') fieldPath = 'spec.nodeName';
  if (!supportedFieldPaths.has(fieldPath)) throw new ContainerConfigError(`field label not supported: ${fieldPath}`);
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec?.nodeName || sources.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName || sources.serviceAccountName || '';
    case 'status.hostIP':
      return sources.hostIP;
    case 'status.hostIPs':
      return (sources.hostIPs ?? [sources.hostIP]).join(',');
    case 'status.podIP':
      return sources.podIPs[0] ?? '';
    case 'status.podIPs':
      return sources.podIPs.join(',');
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** The container's resources with cpu, memory and ephemeral-storage limits defaulted to the node's allocatable. */
function limitsDefaultedToAllocatable(container: Container, allocatable: Record<string, string> | undefined): Container {
  const limits: Record<string, string> = { ...(container.resources?.limits as Record<string, string> | undefined) };
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    const limit = limits[name];
    const capacity = allocatable?.[name];
    if ((limit === undefined || parseQuantityNanos(limit) === 0n) && capacity !== undefined) limits[name] = capacity;
  }
  return { ...container, resources: { ...container.resources, limits } };
}

function resourceFieldRefValue(selector: ResourceFieldSelector, pod: Pod, container: Container, sources: EnvSources): string {
  let target = container;
  if (selector.containerName) {
    const found = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === selector.containerName);
    if (!found) throw new ContainerConfigError(`container ${selector.containerName} not found`);
    target = found;
  }
  target = limitsDefaultedToAllocatable(target, sources.nodeAllocatable);
  const divisor = selector.divisor === undefined || parseQuantityNanos(selector.divisor) === 0n ? '1' : selector.divisor;
  const dot = selector.resource.indexOf('.');
  const kind = selector.resource.slice(0, dot);
  const name = selector.resource.slice(dot + 1);
  const list = kind === 'limits' ? target.resources?.limits : kind === 'requests' ? target.resources?.requests : undefined;
  const supported = name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-');
  if (dot === -1 || !supported || (kind !== 'limits' && kind !== 'requests')) {
    throw new ContainerConfigError(`unsupported container resource : ${selector.resource}`);
  }
  const quantity = (list as Record<string, string> | undefined)?.[name];
  // Go divides float64s and rounds up; so do we (the divisor is at least 1m or 1).
  if (name === 'cpu') return String(Math.ceil(quantityMilliValue(quantity) / quantityMilliValue(divisor)));
  return String(Math.ceil(quantityValue(quantity) / quantityValue(divisor)));
}

function decodeSecretValue(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/**
 * Resolves the container's environment. envFrom keys that are not valid variable names are
 * skipped (with a warning); a missing ConfigMap, Secret or key throws ContainerConfigError with
 * upstream's message (`configmap "x" not found`, `couldn't find key k in ConfigMap ns/x`) unless
 * the reference is optional, in which case the variable (or envFrom source) is left out.
 */
export function resolveContainerEnv(pod: Pod, container: Container, sources: EnvSources): ResolvedEnv {
  const namespace = pod.metadata?.namespace ?? 'default';
  const configMaps = new Map<string, ConfigMap>();
  const secrets = new Map<string, Secret>();
  const getConfigMap = (name: string, optional: boolean): ConfigMap | undefined => {
    const configMap = configMaps.get(name) ?? sources.configMap(namespace, name);
    if (!configMap) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap ${JSON.stringify(name)} not found`);
    }
    configMaps.set(name, configMap);
    return configMap;
  };
  const getSecret = (name: string, optional: boolean): Secret | undefined => {
    const secret = secrets.get(name) ?? sources.secret(namespace, name);
    if (!secret) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret ${JSON.stringify(name)} not found`);
    }
    secrets.set(name, secret);
    return secret;
  };

  const values = new Map<string, string>();
  const warnings: string[] = [];
  for (const envFrom of container.envFrom ?? []) {
    let data: Record<string, string> = {};
    let describe = '';
    if (envFrom.configMapRef) {
      const name = envFrom.configMapRef.name ?? '';
      const configMap = getConfigMap(name, envFrom.configMapRef.optional === true);
      if (!configMap) continue;
      data = configMap.data ?? {};
      describe = `configMap ${namespace}/${name}`;
    } else if (envFrom.secretRef) {
      const name = envFrom.secretRef.name ?? '';
      const secret = getSecret(name, envFrom.secretRef.optional === true);
      if (!secret) continue;
      data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, decodeSecretValue(v)]));
      for (const [k, v] of Object.entries(secret.stringData ?? {})) data[k] = v;
      describe = `secret ${namespace}/${name}`;
    } else {
      continue;
    }
    const invalidKeys: string[] = [];
    for (const key of Object.keys(data).sort()) {
      const name = (envFrom.prefix ?? '') + key;
      if (!envVarName.test(name)) {
        invalidKeys.push(name);
        continue;
      }
      values.set(name, data[key] ?? '');
    }
    if (invalidKeys.length > 0) {
      warnings.push(`Keys [${invalidKeys.join(', ')}] from the EnvFrom ${describe} were skipped since they are considered invalid environment variable names.`);
    }
  }

  const serviceEnv = new Map(Object.entries(sources.serviceEnv ?? {}));
  const mapping = mappingFor(values, serviceEnv);
  for (const envVar of container.env ?? []) {
    let value = envVar.value ?? '';
    const from = envVar.valueFrom;
    if (value !== '') {
      value = expand(value, mapping);
    } else if (from?.fieldRef) {
      value = fieldRefValue(from.fieldRef, pod, sources);
    } else if (from?.resourceFieldRef) {
      value = resourceFieldRefValue(from.resourceFieldRef, pod, container, sources);
    } else if (from?.configMapKeyRef) {
      const { name = '', key, optional = false } = from.configMapKeyRef;
      const configMap = getConfigMap(name, optional);
      if (!configMap) continue;
      const found = configMap.data?.[key];
      if (found === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
      }
      value = found;
    } else if (from?.secretKeyRef) {
      const { name = '', key, optional = false } = from.secretKeyRef;
      const secret = getSecret(name, optional);
      if (!secret) continue;
      const encoded = secret.data?.[key];
      const plain = secret.stringData?.[key];
      if (encoded === undefined && plain === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
      }
      value = plain ?? decodeSecretValue(encoded ?? '');
    }
    values.set(envVar.name, value);
  }

  const env: EnvVar[] = [...values].map(([key, value]) => ({ key, value }));
  for (const [key, value] of serviceEnv) if (!values.has(key)) env.push({ key, value });
  return { env, warnings };
}

/**
 * The container's command and args with `$(VAR)` references expanded from `env`
 * (upstream's ExpandContainerCommandAndArgs); undefined fields stay undefined.
 */
export function expandContainerCommand(container: Container, env: readonly EnvVar[]): { command?: string[]; args?: string[] } {
  const mapping = mappingFor(new Map(env.map((e) => [e.key, e.value])));
  const result: { command?: string[]; args?: string[] } = {};
  if (container.command && container.command.length > 0) result.command = container.command.map((c) => expand(c, mapping));
  if (container.args && container.args.length > 0) result.args = container.args.map((a) => expand(a, mapping));
  return result;
}
