/** Objects for the ingress tests: Services with ready endpoints, Ingresses, TLS Secrets. */
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { HTTPIngressPath, Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { defaultClassAnnotation, ingressNginxController, type IngressState } from './ingress-model.js';

/** The IngressClass the controller creates. */
export const nginxClass: IngressClass = {
  metadata: { name: 'nginx', annotations: { [defaultClassAnnotation]: 'true' } },
  spec: { controller: ingressNginxController },
};

/** A Service `name` in `default` with ClusterIP `ip` and ports (`http` is the first). */
export function service(name: string, ip: string, ports: number[] = [80]): Service {
  return { metadata: { namespace: 'default', name }, spec: { clusterIP: ip, ports: ports.map((port, i) => ({ name: i === 0 ? 'http' : `p${port}`, port })) } };
}

/** An EndpointSlice of Service `name` with one endpoint, ready or not. */
export function slice(name: string, ready = true): EndpointSlice {
  return {
    metadata: { namespace: 'default', name: `${name}-abc`, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.42.0.9'], conditions: { ready } }],
  };
}

/** An Ingress with one host and paths to Services by port number. */
export function ingress(name: string, host: string | undefined, paths: { path: string; pathType?: string; service: string; port?: number | string }[], annotations: Record<string, string> = {}, created = '2026-01-01T00:00:00Z'): Ingress {
  const httpPaths: HTTPIngressPath[] = paths.map((p) => ({
    path: p.path,
    pathType: p.pathType ?? 'Prefix',
    backend: { service: { name: p.service, port: typeof p.port === 'string' ? { name: p.port } : { number: p.port ?? 80 } } },
  }));
  return { metadata: { namespace: 'default', name, annotations, creationTimestamp: created, resourceVersion: '1' }, spec: { rules: [{ ...(host !== undefined ? { host } : {}), http: { paths: httpPaths } }] } };
}

/** A kubernetes.io/tls Secret holding `cert` and `key` text. */
export function tlsSecret(name: string, cert: string, key: string): Secret {
  return { metadata: { namespace: 'default', name }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') } };
}

/** State with the nginx class and these objects. */
export function state(parts: Partial<IngressState>): IngressState {
  return { ingresses: [], ingressClasses: [nginxClass], services: [], endpointSlices: [], secrets: [], ...parts };
}
