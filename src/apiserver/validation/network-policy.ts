/** Upstream's validation of networking.k8s.io/v1 NetworkPolicy (pkg/apis/networking/validation). */
import { isIP } from 'node:net';
import type { FieldError } from '../../apimachinery/errors.js';
import { isValidPortName, isValidPortNum, nameIsDNSSubdomain } from '../../apimachinery/names.js';
import { asObject, objectsIn, type JsonObject } from '../defaults/util.js';
import { at, child, forbidden, invalid, notSupported, required, str } from './field.js';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

const protocols = ['TCP', 'UDP', 'SCTP'];
const policyTypes = ['Ingress', 'Egress'];
const cidrMessage = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

interface ParsedCIDR {
  /** The address as a big integer, and its width in bits (32 or 128). */
  address: bigint;
  bits: number;
  prefix: number;
}

function addressValue(ip: string): bigint {
  if (isIP(ip) === 4) return ip.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
  const [head = '', tail] = ip.split('::');
  const groups = (part: string): string[] => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** `ip/prefix` parsed as Go's ParseCIDR would (IPv4-in-IPv6 forms are left out), or undefined. */
function parseCIDR(value: string): ParsedCIDR | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) return undefined;
  const ip = value.slice(0, slash);
  const prefixText = value.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^\d{1,3}$/.test(prefixText) || (family === 6 && ip.includes('.'))) return undefined;
  const bits = family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  return { address: addressValue(ip), bits, prefix };
}

function networkOf(cidr: ParsedCIDR): bigint {
  return cidr.address >> BigInt(cidr.bits - cidr.prefix);
}

/** Upstream's ValidateIPBlock: a CIDR, and excepts strictly inside it. */
function validateIPBlock(blockValue: JsonObject, field: string): FieldError[] {
  const cidrText = str(blockValue.cidr);
  if (!cidrText) return [required(child(field, 'cidr'))];
  const cidr = parseCIDR(cidrText);
  if (!cidr) return [invalid(child(field, 'cidr'), cidrText, cidrMessage)];
  const errs: FieldError[] = [];
  (Array.isArray(blockValue.except) ? blockValue.except : []).forEach((value, i) => {
    const path = at(child(field, 'except'), i);
    const exceptText = str(value);
    const except = parseCIDR(exceptText);
    if (!except) {
      errs.push(invalid(path, exceptText, cidrMessage));
      return;
    }
    const inside = except.bits === cidr.bits && except.address >> BigInt(cidr.bits - cidr.prefix) === networkOf(cidr);
    if (!inside || cidr.prefix >= except.prefix) errs.push(invalid(path, exceptText, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

/** Upstream's ValidateNetworkPolicyPeer: exactly one kind of peer, ipBlock alone. */
function validatePeer(peer: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let kinds = 0;
  if (asObject(peer.podSelector)) {
    kinds++;
    errs.push(...validateLabelSelector(peer.podSelector, child(field, 'podSelector')));
  }
  if (asObject(peer.namespaceSelector)) {
    kinds++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, child(field, 'namespaceSelector')));
  }
  const ipBlock = asObject(peer.ipBlock);
  if (ipBlock) {
    kinds++;
    errs.push(...validateIPBlock(ipBlock, child(field, 'ipBlock')));
  }
  if (kinds === 0) errs.push(required(field, 'must specify a peer'));
  else if (kinds > 1 && ipBlock) errs.push(forbidden(field, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** Upstream's ValidateNetworkPolicyPort: protocol, numbered or named port, endPort only after a number. */
function validatePort(port: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && port.protocol !== null && !protocols.includes(str(port.protocol))) {
    errs.push(notSupported(child(field, 'protocol'), port.protocol, protocols));
  }
  const endPort = typeof port.endPort === 'number' ? port.endPort : undefined;
  if (typeof port.port === 'number') {
    errs.push(...isValidPortNum(port.port).map((m) => invalid(child(field, 'port'), port.port, m)));
    if (endPort !== undefined) {
      if (endPort < port.port) errs.push(invalid(child(field, 'endPort'), port.port, 'must be greater than or equal to `port`'));
      errs.push(...isValidPortNum(endPort).map((m) => invalid(child(field, 'endPort'), endPort, m)));
    }
  } else if (typeof port.port === 'string') {
    if (endPort !== undefined) errs.push(invalid(child(field, 'endPort'), endPort, 'may not be specified when `port` is non-numeric'));
    errs.push(...isValidPortName(port.port).map((m) => invalid(child(field, 'port'), port.port, m)));
  } else if (endPort !== undefined) {
    errs.push(invalid(child(field, 'endPort'), endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validateRules(rules: unknown, field: string, peersKey: 'from' | 'to'): FieldError[] {
  const errs: FieldError[] = [];
  objectsIn(rules).forEach((rule, i) => {
    const path = at(field, i);
    objectsIn(rule.ports).forEach((port, j) => errs.push(...validatePort(port, at(child(path, 'ports'), j))));
    objectsIn(rule[peersKey]).forEach((peer, j) => errs.push(...validatePeer(peer, at(child(path, peersKey), j))));
  });
  return errs;
}

/** Upstream's ValidateNetworkPolicySpec. */
function validateSpec(specValue: unknown): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs = [
    ...validateLabelSelector(spec.podSelector, 'spec.podSelector'),
    ...validateRules(spec.ingress, 'spec.ingress', 'from'),
    ...validateRules(spec.egress, 'spec.egress', 'to'),
  ];
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  if (types.length > policyTypes.length) {
    errs.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((type, i) => {
    if (!policyTypes.includes(str(type))) errs.push(notSupported(at('spec.policyTypes', i), type, policyTypes));
  });
  return errs;
}

/** Validates a networking.k8s.io/v1 NetworkPolicy (after defaulting), as upstream's ValidateNetworkPolicy. */
export function validateNetworkPolicy(policy: JsonObject): FieldError[] {
  return [...validateObjectMeta(policy.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(policy.spec)];
}

/** Validates a NetworkPolicy update: the whole spec may change. */
export function validateNetworkPolicyUpdate(policy: JsonObject, old: JsonObject): FieldError[] {
  return [...validateObjectMetaUpdate(policy.metadata, old.metadata), ...validateSpec(policy.spec)];
}
