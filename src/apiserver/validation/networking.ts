import { isIP } from 'node:net';
import type { FieldError } from '../../apimachinery/errors.js';
import { asObject, objectsIn, type JsonObject } from '../defaults/util.js';
import { at, child, immutable, invalid, notSupported, required, str, tooLong } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameIsDNSSubdomain,
} from '../../apimachinery/names.js';

function validateHost(host: string, field: string): FieldError[] {
  if (host.includes('*')) return isWildcardDNS1123Subdomain(host).map((m) => invalid(field, host, m));
  return isDNS1123Subdomain(host).map((m) => invalid(field, host, m));
}

function validateBackend(backendValue: unknown, field: string): FieldError[] {
  const backend = asObject(backendValue) ?? {};
  const resource = asObject(backend.resource);
  const service = asObject(backend.service);
  if (resource && service) return [invalid(field, '', 'cannot set both resource and service backends')];
  const errs: FieldError[] = [];
  if (resource) {
    const path = child(field, 'resource');
    if (!str(resource.kind)) errs.push(required(child(path, 'kind')));
    if (!str(resource.name)) errs.push(required(child(path, 'name')));
    return errs;
  }
  if (!service) return [invalid(field, '', 'resource or service backend is required')];
  const name = str(service.name);
  if (!name) errs.push(required(child(field, 'service', 'name')));
  else errs.push(...isDNS1035Label(name).map((m) => invalid(child(field, 'service', 'name'), name, m)));
  const port = asObject(service.port) ?? {};
  const portName = str(port.name);
  const portNumber = typeof port.number === 'number' ? port.number : 0;
  if (portName && portNumber) errs.push(invalid(field, '', 'cannot set both port name & port number'));
  else if (portName) errs.push(...isValidPortName(portName).map((m) => invalid(child(field, 'service', 'port', 'name'), portName, m)));
  else if (portNumber) errs.push(...isValidPortNum(portNumber).map((m) => invalid(child(field, 'service', 'port', 'number'), portNumber, m)));
  else errs.push(required(field, 'port name or number is required'));
  return errs;
}

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validatePath(pathValue: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const pathType = pathValue.pathType;
  const path = str(pathValue.path);
  if (pathType === undefined || pathType === null) return [required(child(field, 'pathType'), 'pathType must be specified')];
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!path.startsWith('/')) errs.push(invalid(child(field, 'path'), path, 'must be an absolute path'));
    for (const sequence of ['//', '/./', '/../', '%2f', '%2F']) {
      if (path.includes(sequence)) errs.push(invalid(child(field, 'path'), path, `must not contain '${sequence}'`));
    }
    for (const suffix of ['/..', '/.']) {
      if (path.endsWith(suffix)) errs.push(invalid(child(field, 'path'), path, `cannot end with '${suffix}'`));
    }
  } else if (pathType === 'ImplementationSpecific') {
    if (path && !path.startsWith('/')) errs.push(invalid(child(field, 'path'), path, 'must be an absolute path'));
  } else {
    errs.push(notSupported(child(field, 'pathType'), pathType, pathTypes));
  }
  errs.push(...validateBackend(pathValue.backend, child(field, 'backend')));
  return errs;
}

function validateIngressSpec(specValue: unknown): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs: FieldError[] = [];
  const rules = objectsIn(spec.rules);
  if (rules.length === 0 && !asObject(spec.defaultBackend)) {
    errs.push(invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (asObject(spec.defaultBackend)) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const path = at('spec.rules', i);
    const host = str(rule.host);
    if (host) {
      if (isIP(host)) errs.push(invalid(child(path, 'host'), host, 'must be a DNS name, not an IP address'));
      errs.push(...validateHost(host, child(path, 'host')));
    }
    const http = asObject(rule.http);
    if (http) {
      const paths = objectsIn(http.paths);
      if (paths.length === 0) errs.push(required(child(path, 'http', 'paths')));
      paths.forEach((p, j) => errs.push(...validatePath(p, at(child(path, 'http', 'paths'), j))));
    }
  });
  objectsIn(spec.tls).forEach((tls, i) => {
    const path = at('spec.tls', i);
    (Array.isArray(tls.hosts) ? tls.hosts.map(str) : []).forEach((host, j) => {
      errs.push(...validateHost(host, at(child(path, 'hosts'), j)));
    });
    const secretName = str(tls.secretName);
    if (secretName) errs.push(...isDNS1123Subdomain(secretName).map((m) => invalid(child(path, 'secretName'), secretName, m)));
  });
  if (typeof spec.ingressClassName === 'string') {
    errs.push(...isDNS1123Subdomain(spec.ingressClassName).map((m) => invalid('spec.ingressClassName', spec.ingressClassName, m)));
  }
  return errs;
}

/** Validates a networking.k8s.io/v1 Ingress. */
export function validateIngress(ingress: JsonObject): FieldError[] {
  return [
    ...validateObjectMeta(ingress.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
    ...validateIngressSpec(ingress.spec),
  ];
}

/** Validates an Ingress update (the spec is fully mutable). */
export function validateIngressUpdate(ingress: JsonObject, old: JsonObject): FieldError[] {
  return [...validateObjectMetaUpdate(ingress.metadata, old.metadata), ...validateIngressSpec(ingress.spec)];
}

function validateIngressClassSpec(specValue: unknown): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs: FieldError[] = [];
  const controller = str(spec.controller);
  if (controller.length > 250) errs.push(tooLong('spec.controller', 250, 'characters'));
  if (!controller) {
    errs.push(required('spec.controller'));
  } else {
    const slash = controller.indexOf('/');
    const host = controller.slice(0, Math.max(slash, 0));
    const path = controller.slice(slash + 1);
    if (slash <= 0 || !path) {
      errs.push(invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    } else {
      errs.push(...isDNS1123Subdomain(host).map((m) => invalid('spec.controller', host, m)));
      if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(path)) {
        errs.push(invalid('spec.controller', path, "must be a valid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"));
      }
    }
  }
  const parameters = asObject(spec.parameters);
  if (parameters) {
    if (!str(parameters.kind)) errs.push(required('spec.parameters.kind'));
    if (!str(parameters.name)) errs.push(required('spec.parameters.name'));
    const scope = parameters.scope;
    if (scope !== undefined && scope !== 'Cluster' && scope !== 'Namespace') {
      errs.push(notSupported('spec.parameters.scope', scope, ['Cluster', 'Namespace']));
    }
    if (scope === 'Namespace' && !str(parameters.namespace)) errs.push(required('spec.parameters.namespace', '`parameters.scope` is set to "Namespace"'));
  }
  return errs;
}

/** Validates a networking.k8s.io/v1 IngressClass. */
export function validateIngressClass(ingressClass: JsonObject): FieldError[] {
  return [
    ...validateObjectMeta(ingressClass.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }),
    ...validateIngressClassSpec(ingressClass.spec),
  ];
}

/** Validates an IngressClass update: spec.controller is immutable. */
export function validateIngressClassUpdate(ingressClass: JsonObject, old: JsonObject): FieldError[] {
  return [
    ...validateObjectMetaUpdate(ingressClass.metadata, old.metadata),
    ...validateIngressClassSpec(ingressClass.spec),
    ...immutable(asObject(ingressClass.spec)?.controller, asObject(old.spec)?.controller, 'spec.controller'),
  ];
}
