/**
 * A container's environment, resolved as upstream's kubelet makeEnvironmentVariables does:
 * envFrom first (later sources overwrite earlier ones), then env in order (value with `$(VAR)`
 * expansion, or valueFrom: fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef), then the
 * service variables not already set.
 */
import type { ConfigMap, Container, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { DownwardAPIError, containerResourceValue, podFieldSelectorValue, type PodRuntimeFields } from '../../apimachinery/downward-api.js';
import { expand, mappingFor } from './expansion.js';

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

/** Where a container's environment comes from besides the pod (and the node facts fieldRefs read). */
export interface EnvSources extends PodRuntimeFields {
  /** The ConfigMap `name` in namespace `namespace`, or undefined when it does not exist. */
  configMap(namespace: string, name: string): ConfigMap | undefined;
  /** The Secret `name` in namespace `namespace`, or undefined when it does not exist. */
  secret(namespace: string, name: string): Secret | undefined;
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

/** Runs a downward API lookup, reporting its failure as the container's config error. */
function downwardAPIValue(resolve: () => string): string {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof DownwardAPIError) throw new ContainerConfigError(error.message);
    throw error;
  }
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
      const selector = from.fieldRef;
      value = downwardAPIValue(() => podFieldSelectorValue(pod, selector, sources));
    } else if (from?.resourceFieldRef) {
      const selector = from.resourceFieldRef;
      value = downwardAPIValue(() => containerResourceValue(pod, selector, { container, nodeAllocatable: sources.nodeAllocatable }));
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
