import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FieldError } from '../../apimachinery/errors.js';
import { applyDefaults } from '../defaults/index.js';
import { resourceTypes, type ResourceType } from '../registry.js';
import { validateCreate, validateUpdate } from './index.js';

type Json = Record<string, unknown>;

function networkPolicyType(): ResourceType {
  const found = resourceTypes.find((r) => r.group === 'networking.k8s.io' && r.kind === 'NetworkPolicy');
  assert.ok(found, 'NetworkPolicy is served');
  return found;
}

function defaulted(spec: Json): Json {
  const policy: Json = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'default' }, spec: structuredClone(spec) };
  applyDefaults(networkPolicyType(), policy);
  return policy;
}

/** Defaults then validates a new policy with this spec, as the server does on create. */
function create(spec: Json): FieldError[] {
  return validateCreate(networkPolicyType(), defaulted(spec));
}

function summary(errors: FieldError[]): string[] {
  return errors.map((e) => `${e.type} ${e.field}${e.detail ? `: ${e.detail}` : ''}`);
}

const cidrMessage = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

describe('NetworkPolicy defaults', () => {
  test('policyTypes: Ingress always, Egress when egress rules exist; ports default to TCP', () => {
    assert.deepEqual((defaulted({ podSelector: {} }).spec as Json).policyTypes, ['Ingress']);
    const both = defaulted({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 443 }] }], ingress: [{ ports: [{ port: 'http' }] }] }).spec as Json;
    assert.deepEqual(both.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(both.egress, [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 443, protocol: 'TCP' }] }]);
    assert.deepEqual(both.ingress, [{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
    // Types the user names are kept.
    assert.deepEqual((defaulted({ podSelector: {}, policyTypes: ['Egress'] }).spec as Json).policyTypes, ['Egress']);
  });
});

describe('NetworkPolicy validation (upstream cases)', () => {
  test('valid policies', () => {
    const valid: Json[] = [
      { podSelector: { matchLabels: { a: 'b' } } },
      { podSelector: { matchLabels: { a: 'b' } }, ingress: [] },
      { podSelector: { matchLabels: { a: 'b' } }, ingress: [{ from: [], ports: [] }] },
      { podSelector: { matchLabels: { a: 'b' } }, ingress: [{ ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 'dns' }, { protocol: 'SCTP', port: 7777 }, { port: 8080 }] }] },
      { podSelector: { matchLabels: { a: 'b' } }, ingress: [{ from: [{ podSelector: { matchLabels: { c: 'd' } } }] }] },
      { podSelector: { matchLabels: { a: 'b' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { c: 'd' } } }] }] },
      { podSelector: { matchLabels: { a: 'b' } }, ingress: [{ from: [{ podSelector: { matchLabels: { c: 'd' } }, namespaceSelector: { matchLabels: { e: 'f' } } }] }] },
      { podSelector: { matchLabels: { a: 'b' } }, egress: [{ to: [{ namespaceSelector: { matchLabels: { c: 'd' } } }] }] },
      { podSelector: { matchLabels: { a: 'b' } }, egress: [{ to: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.3.0/24', '192.168.4.0/24'] } }] }] },
      { podSelector: { matchLabels: { a: 'b' } }, ingress: [{ from: [{ ipBlock: { cidr: 'fd00:192:168::/48', except: ['fd00:192:168:3::/64', 'fd00:192:168:4::/64'] } }] }] },
      { podSelector: { matchLabels: { a: 'b' } }, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { c: 'd' } } }] }] },
      { podSelector: { matchLabels: { a: 'b' } }, egress: [{ ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }, { protocol: 'UDP', port: 'dns' }] }] },
      { podSelector: { matchLabels: { a: 'b' } }, egress: [{ ports: [{ protocol: 'TCP', port: 32000, endPort: 32000 }] }] },
    ];
    for (const spec of valid) assert.deepEqual(create(spec), [], JSON.stringify(spec));
  });

  test('peers: one kind, ipBlock alone', () => {
    assert.deepEqual(summary(create({ podSelector: {}, ingress: [{ from: [{}] }] })), ['FieldValueRequired spec.ingress[0].from[0]: must specify a peer']);
    assert.deepEqual(summary(create({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { c: 'd' } }, ipBlock: { cidr: '10.0.0.0/8' } }] }] })), [
      'FieldValueForbidden spec.ingress[0].from[0]: may not specify both ipBlock and another peer',
    ]);
    assert.deepEqual(summary(create({ podSelector: {}, egress: [{ to: [{ namespaceSelector: { matchLabels: { c: 'd' } }, ipBlock: { cidr: '10.0.0.0/8' } }] }] })), [
      'FieldValueForbidden spec.egress[0].to[0]: may not specify both ipBlock and another peer',
    ]);
    assert.deepEqual(summary(create({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { 'c!': 'd' } } }] }] })).map((s) => s.split(':')[0]), [
      'FieldValueInvalid spec.ingress[0].from[0].podSelector.matchLabels',
    ]);
    assert.deepEqual(summary(create({ podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } })), [
      "FieldValueRequired spec.podSelector.matchExpressions[0].values: must be specified when `operator` is 'In' or 'NotIn'",
    ]);
  });

  test('ipBlock: a CIDR, excepts strictly inside it', () => {
    const block = (ipBlock: Json): Json => ({ podSelector: {}, egress: [{ to: [{ ipBlock }] }] });
    assert.deepEqual(summary(create(block({ cidr: '' }))), ['FieldValueRequired spec.egress[0].to[0].ipBlock.cidr']);
    assert.deepEqual(summary(create(block({ cidr: '192.168.5.6' }))), [`FieldValueInvalid spec.egress[0].to[0].ipBlock.cidr: ${cidrMessage}`]);
    assert.deepEqual(summary(create(block({ cidr: '192.168.0.0/16', except: ['192.168.1.0/33'] }))), [`FieldValueInvalid spec.egress[0].to[0].ipBlock.except[0]: ${cidrMessage}`]);
    const strict = 'must be a strict subset of `cidr`';
    assert.deepEqual(summary(create(block({ cidr: '192.168.8.0/24', except: ['192.168.9.1/24'] }))), [`FieldValueInvalid spec.egress[0].to[0].ipBlock.except[0]: ${strict}`]);
    assert.deepEqual(summary(create(block({ cidr: '192.168.0.0/24', except: ['192.168.0.0/24'] }))), [`FieldValueInvalid spec.egress[0].to[0].ipBlock.except[0]: ${strict}`]);
    assert.deepEqual(summary(create(block({ cidr: '192.168.0.0/24', except: ['192.168.0.0/16'] }))), [`FieldValueInvalid spec.egress[0].to[0].ipBlock.except[0]: ${strict}`]);
    assert.deepEqual(summary(create(block({ cidr: 'fd00:192:168::/48', except: ['fd00:192:169::/64'] }))), [`FieldValueInvalid spec.egress[0].to[0].ipBlock.except[0]: ${strict}`]);
    assert.deepEqual(summary(create(block({ cidr: '10.0.0.0/8', except: ['fd00::/64'] }))), [`FieldValueInvalid spec.egress[0].to[0].ipBlock.except[0]: ${strict}`]);
  });

  test('ports: protocol, number or name, endPort only after a number and not below it', () => {
    const port = (p: Json): Json => ({ podSelector: {}, ingress: [{ ports: [p] }] });
    assert.deepEqual(summary(create(port({ protocol: 'ICMP', port: 80 }))), ['FieldValueNotSupported spec.ingress[0].ports[0].protocol']);
    assert.deepEqual(summary(create(port({ port: 0 }))), ['FieldValueInvalid spec.ingress[0].ports[0].port: must be between 1 and 65535, inclusive']);
    assert.deepEqual(summary(create(port({ port: 65536 }))), ['FieldValueInvalid spec.ingress[0].ports[0].port: must be between 1 and 65535, inclusive']);
    assert.equal(summary(create(port({ port: '!@#$' })))[0]?.startsWith('FieldValueInvalid spec.ingress[0].ports[0].port: '), true);
    assert.deepEqual(summary(create(port({ port: 32000, endPort: 31999 }))), ['FieldValueInvalid spec.ingress[0].ports[0].endPort: must be greater than or equal to `port`']);
    assert.deepEqual(summary(create(port({ port: 32000, endPort: 65536 }))), ['FieldValueInvalid spec.ingress[0].ports[0].endPort: must be between 1 and 65535, inclusive']);
    assert.deepEqual(summary(create(port({ port: 'dns', endPort: 32768 }))), ['FieldValueInvalid spec.ingress[0].ports[0].endPort: may not be specified when `port` is non-numeric']);
    assert.deepEqual(summary(create(port({ endPort: 32768 }))), ['FieldValueInvalid spec.ingress[0].ports[0].endPort: may not be specified when `port` is not specified']);
  });

  test('policyTypes: Ingress and Egress only, at most two', () => {
    assert.deepEqual(summary(create({ podSelector: {}, policyTypes: ['foo', 'bar'] })).map((s) => s.split(':')[0]), [
      'FieldValueNotSupported spec.policyTypes[0]',
      'FieldValueNotSupported spec.policyTypes[1]',
    ]);
    assert.deepEqual(summary(create({ podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] })), ['FieldValueInvalid spec.policyTypes: may not specify more than two policyTypes']);
  });

  test('the name is a DNS subdomain; the spec may change on update', () => {
    const policy = defaulted({ podSelector: {} });
    const bad = { ...policy, metadata: { name: 'Bad_Name', namespace: 'default' } };
    assert.deepEqual(validateCreate(networkPolicyType(), bad).map((e) => e.field), ['metadata.name']);
    const changed = defaulted({ podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 80 }] }] });
    assert.deepEqual(validateUpdate(networkPolicyType(), changed, policy), []);
    const invalidChange = defaulted({ podSelector: {}, ingress: [{ from: [{}] }] });
    assert.deepEqual(summary(validateUpdate(networkPolicyType(), invalidChange, policy)), ['FieldValueRequired spec.ingress[0].from[0]: must specify a peer']);
  });
});
