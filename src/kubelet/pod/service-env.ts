/**
 * The Service environment variables a pod's containers start with, as upstream's kubelet builds
 * them (getServiceEnvVarMap over the node's Service cache, then envvars.FromServices):
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT[_<PORTNAME>]` and the Docker-link variables
 * `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`.
 */
import type { Service } from 'kubernetes-types/core/v1.js';

/** Options of {@link serviceEnvironment}. */
export interface ServiceEnvironmentOptions {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's spec.enableServiceLinks. Default true (the API server's default). */
  enableServiceLinks?: boolean;
  /** Where the master services live (upstream's --master-service-namespace). Default 'default'. */
  masterServiceNamespace?: string;
}

/** Services always visible to every pod when they are in the master service namespace. */
const masterServices = new Set(['kubernetes']);

/** Whether the Service has a cluster IP (upstream's IsServiceIPSet: neither empty nor "None"). */
function hasClusterIP(service: Service): boolean {
  const ip = service.spec?.clusterIP ?? '';
  return ip !== '' && ip !== 'None';
}

/** A Service or port name as a variable name part: upper case, dashes as underscores. */
function envVariableName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

/** `ip:port`, with an IPv6 address in brackets (Go's net.JoinHostPort). */
function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * The variables of `services`, in their order, each service's in upstream's order (FromServices);
 * services without a cluster IP give none.
 */
export function envVarsFromServices(services: readonly Service[]): [string, string][] {
  const result: [string, string][] = [];
  for (const service of services) {
    if (!hasClusterIP(service)) continue;
    const ports = service.spec?.ports ?? [];
    const first = ports[0];
    if (!first) continue;
    const clusterIP = service.spec?.clusterIP ?? '';
    const prefix = envVariableName(service.metadata?.name ?? '');
    result.push([`${prefix}_SERVICE_HOST`, clusterIP], [`${prefix}_SERVICE_PORT`, String(first.port)]);
    for (const port of ports) {
      if (port.name) result.push([`${prefix}_SERVICE_PORT_${envVariableName(port.name)}`, String(port.port)]);
    }
    ports.forEach((port, index) => {
      const protocol = port.protocol || 'TCP';
      const url = `${protocol.toLowerCase()}://${joinHostPort(clusterIP, port.port)}`;
      if (index === 0) result.push([`${prefix}_PORT`, url]);
      const portPrefix = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`;
      result.push(
        [portPrefix, url],
        [`${portPrefix}_PROTO`, protocol.toLowerCase()],
        [`${portPrefix}_PORT`, String(port.port)],
        [`${portPrefix}_ADDR`, clusterIP],
      );
    });
  }
  return result;
}

/**
 * The Service variables a pod in `options.namespace` sees, from every Service the node knows:
 * the master services (`kubernetes` in `default`) always, even with enableServiceLinks false;
 * with service links on, every Service of the pod's namespace, which wins over a master service
 * of the same name. Services without a cluster IP (headless, ExternalName) give none.
 */
export function serviceEnvironment(services: readonly Service[], options: ServiceEnvironmentOptions): Record<string, string> {
  const masterNamespace = options.masterServiceNamespace ?? 'default';
  const enableServiceLinks = options.enableServiceLinks ?? true;
  const byName = new Map<string, Service>();
  for (const service of services) {
    if (!hasClusterIP(service)) continue;
    const name = service.metadata?.name ?? '';
    const namespace = service.metadata?.namespace ?? '';
    if (namespace === masterNamespace && masterServices.has(name)) {
      if (!byName.has(name)) byName.set(name, service);
    } else if (namespace === options.namespace && enableServiceLinks) {
      byName.set(name, service);
    }
  }
  const chosen = [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, service]) => service);
  return Object.fromEntries(envVarsFromServices(chosen));
}
