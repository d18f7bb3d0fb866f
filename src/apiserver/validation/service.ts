import { isIP } from 'node:net';
import type { FieldError } from '../../apimachinery/errors.js';
import { asObject, objectsIn, type JsonObject } from '../defaults/util.js';
import { at, child, deepEqual, duplicate, forbidden, immutable, invalid, notSupported, required, str, tooMany } from './field.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum, nameIsDNS1035Label, nameIsDNSSubdomain } from '../../apimachinery/names.js';
import { portProtocols, validatePortNumOrName } from './pod.js';

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

/** Upstream's ValidateNonSpecialIP. */
export function validateNonSpecialIP(ip: string, field: string): FieldError[] {
  const v4 = isIP(ip) === 4 ? ip.split('.').map(Number) : undefined;
  const lower = ip.toLowerCase();
  if (ip === '0.0.0.0' || ip === '::') return [invalid(field, ip, 'may not be unspecified (0.0.0.0)')];
  if (v4?.[0] === 127 || lower === '::1') return [invalid(field, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  if ((v4?.[0] === 169 && v4[1] === 254) || lower.startsWith('fe80:')) {
    return [invalid(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  }
  if ((v4?.[0] === 224 && v4[1] === 0 && v4[2] === 0) || lower.startsWith('ff02:')) {
    return [invalid(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  }
  return [];
}

function label(value: string, field: string): FieldError[] {
  return isDNS1123Label(value).map((m) => invalid(field, value, m));
}

function validateServiceSpec(service: JsonObject): FieldError[] {
  const spec = asObject(service.spec) ?? {};
  const errs: FieldError[] = [];
  const type = str(spec.type);
  const ports = objectsIn(spec.ports);
  const clusterIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(str) : [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  if ((type === 'LoadBalancer' || type === 'NodePort') && headless) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
  }
  if (type === 'ExternalName') {
    if (clusterIPs.length > 0 || str(spec.clusterIP)) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname) errs.push(...isDNS1123Subdomain(cname).map((m) => invalid('spec.externalName', cname, m)));
    else errs.push(required('spec.externalName'));
  }
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const path = at('spec.ports', i);
    const name = str(port.name);
    if (ports.length > 1 && !name) errs.push(required(child(path, 'name')));
    else if (name) {
      errs.push(...label(name, child(path, 'name')));
      if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
      else names.add(name);
    }
    const portNumber = typeof port.port === 'number' ? port.port : 0;
    errs.push(...isValidPortNum(portNumber).map((m) => invalid(child(path, 'port'), portNumber, m)));
    const protocol = str(port.protocol);
    if (!protocol) errs.push(required(child(path, 'protocol')));
    else if (!portProtocols.includes(protocol)) errs.push(notSupported(child(path, 'protocol'), protocol, portProtocols));
    errs.push(...validatePortNumOrName(port.targetPort, child(path, 'targetPort')));
  });
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  const affinity = str(spec.sessionAffinity);
  if (!affinity) errs.push(required('spec.sessionAffinity'));
  else if (affinity !== 'ClientIP' && affinity !== 'None') errs.push(notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
  if (affinity === 'ClientIP') {
    const timeout = asObject(asObject(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    if (typeof timeout !== 'number' || timeout <= 0 || timeout > 86400) {
      errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout ?? 0, 'must be greater than 0 and less than 86400'));
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPs(spec, clusterIPs));
  (Array.isArray(spec.externalIPs) ? spec.externalIPs.map(str) : []).forEach((ip, i) => {
    const msgs = isValidIP(ip);
    if (msgs.length > 0) errs.push(...msgs.map((m) => invalid(at('spec.externalIPs', i), ip, m)));
    else errs.push(...validateNonSpecialIP(ip, at('spec.externalIPs', i)));
  });
  if (!type) errs.push(required('spec.type'));
  else if (!serviceTypes.includes(type)) errs.push(notSupported('spec.type', type, serviceTypes));
  if (type === 'ClusterIP') {
    ports.forEach((port, i) => {
      if (port.nodePort) errs.push(forbidden(child(at('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((port, i) => {
    const path = at('spec.ports', i);
    if (port.nodePort) {
      const key = `${str(port.protocol)}/${String(port.nodePort)}`;
      if (nodePorts.has(key)) errs.push(duplicate(child(path, 'nodePort'), port.nodePort));
      nodePorts.add(key);
    }
    const key = `${str(port.protocol)}/${String(port.port)}`;
    if (portKeys.has(key)) errs.push(duplicate(path, { protocol: str(port.protocol), port: port.port }));
    portKeys.add(key);
  });
  const external = spec.externalTrafficPolicy;
  if (type !== 'NodePort' && type !== 'LoadBalancer') {
    if (str(external)) errs.push(invalid('spec.externalTrafficPolicy', external, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    if (spec.healthCheckNodePort) {
      errs.push(invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (!str(external)) {
    errs.push(required('spec.externalTrafficPolicy'));
  } else if (external !== 'Cluster' && external !== 'Local') {
    errs.push(notSupported('spec.externalTrafficPolicy', external, ['Cluster', 'Local']));
  }
  errs.push(...validateLoadBalancerFields(spec, type, ports));
  const internal = spec.internalTrafficPolicy;
  if (internal === undefined || internal === null) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(required('spec.internalTrafficPolicy'));
  } else if (internal !== 'Cluster' && internal !== 'Local') {
    errs.push(notSupported('spec.internalTrafficPolicy', internal, ['Cluster', 'Local']));
  }
  return errs;
}

/** The port of the kubelet's API, which a load balancer may not expose (upstream's ports.KubeletPort). */
const kubeletPort = 10250;

/** Upstream's IsValidCIDR message for `value` when it is not a CIDR. */
function cidrErrors(value: string, field: string): FieldError[] {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  const bits = prefix !== undefined && /^\d+$/.test(prefix) ? Number(prefix) : -1;
  if (rest.length === 0 && family !== 0 && bits >= 0 && bits <= (family === 4 ? 32 : 128)) return [];
  return [invalid(field, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

/**
 * The fields of type LoadBalancer, as upstream's ValidateService: allocateLoadBalancerNodePorts,
 * loadBalancerClass and loadBalancerSourceRanges only with that type (the first required with
 * it), the class a qualified name, the ranges CIDRs, and no port of the kubelet exposed.
 */
function validateLoadBalancerFields(spec: JsonObject, type: string, ports: JsonObject[]): FieldError[] {
  const errs: FieldError[] = [];
  const loadBalancer = type === 'LoadBalancer';
  const onlyLoadBalancer = "may only be used when `type` is 'LoadBalancer'";
  const allocate = spec.allocateLoadBalancerNodePorts;
  if (allocate !== undefined && allocate !== null && !loadBalancer) errs.push(forbidden('spec.allocateLoadBalancerNodePorts', onlyLoadBalancer));
  if (loadBalancer && (allocate === undefined || allocate === null)) errs.push(required('spec.allocateLoadBalancerNodePorts'));
  const loadBalancerClass = spec.loadBalancerClass;
  if (loadBalancerClass !== undefined && loadBalancerClass !== null) {
    if (!loadBalancer) errs.push(forbidden('spec.loadBalancerClass', onlyLoadBalancer));
    else errs.push(...isQualifiedName(str(loadBalancerClass)).map((m) => invalid('spec.loadBalancerClass', loadBalancerClass, m)));
  }
  const sourceRanges = Array.isArray(spec.loadBalancerSourceRanges) ? spec.loadBalancerSourceRanges.map(str) : [];
  if (sourceRanges.length > 0) {
    // Upstream's field path, capitalised since the annotation it replaced.
    const path = 'spec.LoadBalancerSourceRanges';
    if (!loadBalancer) errs.push(forbidden(path, onlyLoadBalancer));
    sourceRanges.forEach((range, i) => errs.push(...cidrErrors(range.trim(), at(path, i))));
  }
  if (loadBalancer) {
    ports.forEach((port, i) => {
      if (port.port === kubeletPort) {
        errs.push(invalid(at('spec.ports', i), kubeletPort, `may not expose port ${kubeletPort} externally since it is used by kubelet`));
      }
    });
  }
  return errs;
}

function validateClusterIPs(spec: JsonObject, clusterIPs: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const families = Array.isArray(spec.ipFamilies) ? spec.ipFamilies.map(str) : [];
  const seen = new Set<string>();
  families.forEach((family, i) => {
    if (family !== 'IPv4' && family !== 'IPv6') errs.push(notSupported(at('spec.ipFamilies', i), family, ['IPv4', 'IPv6']));
    if (seen.has(family)) errs.push(duplicate(at('spec.ipFamilies', i), family));
    seen.add(family);
  });
  const policies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null && !policies.includes(str(spec.ipFamilyPolicy))) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, policies));
  }
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) errs.push(invalid('spec.clusterIPs', clusterIPs, "'None' must be the first and only value"));
      return;
    }
    errs.push(...isValidIP(ip).map((m) => invalid(at('spec.clusterIPs', i), ip, m)));
  });
  if (clusterIPs.length > 2) errs.push(invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'));
  const clusterIP = str(spec.clusterIP);
  if (clusterIPs.length === 0 && clusterIP && clusterIP !== 'None') {
    errs.push(...isValidIP(clusterIP).map((m) => invalid('spec.clusterIP', clusterIP, m)));
  }
  return errs;
}

/** Validates a new Service (name is a DNS-1035 label). */
export function validateService(service: JsonObject): FieldError[] {
  return [
    ...validateObjectMeta(service.metadata, { namespaced: true, nameValidator: nameIsDNS1035Label }),
    ...validateServiceSpec(service),
  ];
}

/** Validates a Service update: the primary clusterIP may not change unless moving to/from ExternalName. */
export function validateServiceUpdate(service: JsonObject, old: JsonObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(service.metadata, old.metadata), ...validateServiceSpec(service)];
  const spec = asObject(service.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  // Upstream's validateLoadBalancerClassField: a LoadBalancer keeps its class (or its lack of one).
  if (spec.type === 'LoadBalancer' && oldSpec.type === 'LoadBalancer' && !deepEqual(spec.loadBalancerClass, oldSpec.loadBalancerClass)) {
    errs.push(invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  // Moves to and from ExternalName may drop or gain addresses; otherwise they are kept.
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
    errs.push(...stackChangeErrors(spec, oldSpec, 'clusterIPs', 'clusterIP', spec.clusterIPs));
    const headless = isHeadless(spec);
    // A headless Service may change families, and so may one becoming or ceasing to be headless.
    if (headless === isHeadless(oldSpec) && !headless) {
      errs.push(...stackChangeErrors(spec, oldSpec, 'ipFamilies', 'ipFamily', spec.clusterIPs));
    }
  }
  return errs;
}

function isHeadless(spec: JsonObject): boolean {
  return Array.isArray(spec.clusterIPs) && spec.clusterIPs.length === 1 && spec.clusterIPs[0] === 'None';
}

/**
 * Upstream's rules for changing a Service's `clusterIPs` or `ipFamilies` (its
 * validateUpgradeDowngrade* checks): entries already set may not change; the primary may not
 * go; dropping the secondary needs ipFamilyPolicy SingleStack. `clusterIPs` is what the
 * primary-unset check of ipFamilies looks at, as upstream's.
 */
function stackChangeErrors(spec: JsonObject, oldSpec: JsonObject, key: 'clusterIPs' | 'ipFamilies', noun: string, clusterIPs: unknown): FieldError[] {
  const list = Array.isArray(spec[key]) ? (spec[key] as unknown[]) : [];
  const oldList = Array.isArray(oldSpec[key]) ? (oldSpec[key] as unknown[]) : [];
  const ips = Array.isArray(clusterIPs) ? clusterIPs : [];
  const field = `spec.${key}`;
  const errs: FieldError[] = [];
  if (list.length === oldList.length) {
    oldList.forEach((v, i) => {
      if (v !== list[i]) errs.push(invalid(key === 'clusterIPs' ? at(field, i) : at(field, 0), list, 'may not change once set'));
    });
  } else if (list.length < oldList.length) {
    const primaryGone = key === 'clusterIPs' ? list.length === 0 : ips.length === 0;
    if (primaryGone) errs.push(invalid(at(field, 0), list, `primary ${noun} can not be unset`));
    if (list.length > 0 && list[0] !== oldList[0]) errs.push(invalid(at(field, 0), key === 'clusterIPs' ? list : ips, 'may not change once set'));
    if (list.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, `must be set to 'SingleStack' when releasing the secondary ${noun}`));
    }
  } else if (oldList.length > 0 && list[0] !== oldList[0]) {
    errs.push(invalid(at(field, 0), key === 'clusterIPs' ? list : ips, 'may not change once set'));
  }
  return errs;
}

const loadBalancerIPModes = ['Proxy', 'VIP'];

/**
 * Upstream's ValidateLoadBalancerStatus: ingress only on a LoadBalancer; IPs valid, with an
 * ipMode (VIP or Proxy) exactly when an IP is set; hostnames DNS names, not IPs.
 */
export function validateLoadBalancerStatus(service: JsonObject): FieldError[] {
  const path = 'status.loadBalancer.ingress';
  const ingress = objectsIn(asObject(asObject(service.status)?.loadBalancer)?.ingress);
  if (ingress.length > 0 && str(asObject(service.spec)?.type) !== 'LoadBalancer') {
    return [forbidden(path, "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  const errs: FieldError[] = [];
  ingress.forEach((entry, i) => {
    const entryPath = at(path, i);
    const ip = str(entry.ip);
    if (ip) errs.push(...isValidIP(ip).map((m) => invalid(child(entryPath, 'ip'), ip, m)));
    const ipMode = entry.ipMode;
    if (ipMode === undefined || ipMode === null) {
      if (ip) errs.push(required(child(entryPath, 'ipMode'), 'must be specified when `ip` is set'));
    } else if (!ip) {
      errs.push(forbidden(child(entryPath, 'ipMode'), 'may not be specified when `ip` is not set'));
    } else if (!loadBalancerIPModes.includes(str(ipMode))) {
      errs.push(notSupported(child(entryPath, 'ipMode'), ipMode, loadBalancerIPModes));
    }
    const hostname = str(entry.hostname);
    if (hostname) {
      errs.push(...isDNS1123Subdomain(hostname).map((m) => invalid(child(entryPath, 'hostname'), hostname, m)));
      if (isIP(hostname)) errs.push(invalid(child(entryPath, 'hostname'), hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

function validateEndpointAddress(address: JsonObject, field: string): FieldError[] {
  const ip = str(address.ip);
  const msgs = isValidIP(ip);
  const errs = msgs.map((m) => invalid(child(field, 'ip'), ip, m));
  if (str(address.hostname)) errs.push(...label(str(address.hostname), child(field, 'hostname')));
  if (typeof address.nodeName === 'string') {
    errs.push(...isDNS1123Subdomain(address.nodeName).map((m) => invalid(child(field, 'nodeName'), address.nodeName, m)));
  }
  if (msgs.length === 0) errs.push(...validateNonSpecialIP(ip, child(field, 'ip')));
  return errs;
}

/** Validates core/v1 Endpoints: subsets need addresses; ports named when several. */
export function validateEndpoints(endpoints: JsonObject): FieldError[] {
  const errs = validateObjectMeta(endpoints.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  objectsIn(endpoints.subsets).forEach((subset, i) => {
    const path = at('subsets', i);
    const addresses = objectsIn(subset.addresses);
    const notReady = objectsIn(subset.notReadyAddresses);
    if (addresses.length === 0 && notReady.length === 0) errs.push(required(path, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => errs.push(...validateEndpointAddress(a, at(child(path, 'addresses'), j))));
    notReady.forEach((a, j) => errs.push(...validateEndpointAddress(a, at(child(path, 'notReadyAddresses'), j))));
    const ports = objectsIn(subset.ports);
    ports.forEach((port, j) => {
      const portPath = at(child(path, 'ports'), j);
      const name = str(port.name);
      if (ports.length > 1 && !name) errs.push(required(child(portPath, 'name')));
      else if (name) errs.push(...label(name, child(portPath, 'name')));
      const number = typeof port.port === 'number' ? port.port : 0;
      errs.push(...isValidPortNum(number).map((m) => invalid(child(portPath, 'port'), number, m)));
      const protocol = str(port.protocol);
      if (!protocol) errs.push(required(child(portPath, 'protocol')));
      else if (!portProtocols.includes(protocol)) errs.push(notSupported(child(portPath, 'protocol'), protocol, portProtocols));
    });
  });
  return errs;
}

/** Validates a discovery.k8s.io/v1 EndpointSlice. */
export function validateEndpointSlice(slice: JsonObject): FieldError[] {
  const errs = validateObjectMeta(slice.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const addressType = str(slice.addressType);
  const addressTypes = ['FQDN', 'IPv4', 'IPv6'];
  if (!addressType) errs.push(required('addressType'));
  else if (!addressTypes.includes(addressType)) errs.push(notSupported('addressType', addressType, addressTypes));
  const endpoints = objectsIn(slice.endpoints);
  if (endpoints.length > 1000) errs.push(tooMany('endpoints', endpoints.length, 1000));
  endpoints.forEach((endpoint, i) => {
    const path = at('endpoints', i);
    const addressPath = child(path, 'addresses');
    const addresses = Array.isArray(endpoint.addresses) ? endpoint.addresses.map(str) : [];
    if (addresses.length === 0) errs.push(required(addressPath, 'must contain at least 1 address'));
    else if (addresses.length > 100) errs.push(tooMany(addressPath, addresses.length, 100));
    addresses.forEach((address, j) => {
      const p = at(addressPath, j);
      if (addressType === 'IPv4' || addressType === 'IPv6') {
        const family = addressType === 'IPv4' ? 4 : 6;
        if (isIP(address) !== family) errs.push(invalid(p, address, `must be a valid ${addressType} address`));
        else errs.push(...validateNonSpecialIP(address, p));
      } else if (addressType === 'FQDN') {
        errs.push(...isDNS1123Subdomain(address).map((m) => invalid(p, address, m)));
      }
    });
    if (typeof endpoint.nodeName === 'string') {
      errs.push(...isDNS1123Subdomain(endpoint.nodeName).map((m) => invalid(child(path, 'nodeName'), endpoint.nodeName, m)));
    }
    if (typeof endpoint.hostname === 'string') errs.push(...label(endpoint.hostname, child(path, 'hostname')));
  });
  const names = new Set<string>();
  objectsIn(slice.ports).forEach((port, i) => {
    const path = at('ports', i);
    const name = str(port.name);
    if (name) errs.push(...label(name, child(path, 'name')));
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    names.add(name);
    const protocol = port.protocol;
    if (protocol === undefined || protocol === null) errs.push(required(child(path, 'protocol')));
    else if (!portProtocols.includes(str(protocol))) errs.push(notSupported(child(path, 'protocol'), protocol, portProtocols));
  });
  return errs;
}

/** Validates an EndpointSlice update: addressType is immutable. */
export function validateEndpointSliceUpdate(slice: JsonObject, old: JsonObject): FieldError[] {
  return [
    ...validateObjectMetaUpdate(slice.metadata, old.metadata),
    ...validateEndpointSlice(slice).filter((e) => !e.field.startsWith('metadata')),
    ...immutable(slice.addressType, old.addressType, 'addressType'),
  ];
}
