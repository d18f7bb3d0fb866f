/**
 * certificates.k8s.io/v1 CertificateSigningRequest validation, as upstream's
 * pkg/apis/certificates/validation: a PEM request that parses and verifies, a qualified
 * signerName, known usages, expirationSeconds of at least ten minutes, and conditions where
 * Approved and Denied exclude each other and a certificate once issued stays as it is.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { isDNS1123Subdomain } from '../../apimachinery/names.js';
import { parseCertificateRequest } from '../../pki/csr.js';
import type { JsonObject } from '../defaults/util.js';
import { child, at, duplicate, forbidden, invalid, notSupported, required, str } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

/** Upstream's KeyUsage values. */
export const keyUsages = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing',
  'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing',
  'microsoft sgc', 'netscape sgc',
];

const conditionTypes = ['Approved', 'Denied', 'Failed'];

function asObject(value: unknown): JsonObject {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}

function conditionsOf(obj: JsonObject): JsonObject[] {
  const list = asObject(obj.status).conditions;
  return Array.isArray(list) ? list.map(asObject) : [];
}

/** The PEM text of `spec.request` (base64 in JSON, as []byte fields are). */
export function requestPem(obj: JsonObject): string {
  return Buffer.from(str(asObject(obj.spec).request), 'base64').toString('utf8');
}

function validateSignerName(field: string, name: string): FieldError[] {
  if (name === '') return [required(field, '')];
  const parts = name.split('/');
  if (parts.length < 2) return [invalid(field, name, 'must be a fully qualified domain and path of the form \'example.com/signer-name\'')];
  const domain = parts[0]!;
  const path = parts.slice(1).join('/');
  const errs = isDNS1123Subdomain(domain).map((m) => invalid(field, name, `the domain part of the signerName must be a valid DNS subdomain: ${m}`));
  if (path === '') errs.push(invalid(field, name, 'validating path: must not be empty'));
  return errs;
}

function validateStatus(obj: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  const conditions = conditionsOf(obj);
  conditions.forEach((c, i) => {
    const field = at('status.conditions', i);
    const type = str(c.type);
    if (type === '') errs.push(required(child(field, 'type'), ''));
    else if (conditionTypes.includes(type) && seen.has(type)) errs.push(duplicate(child(field, 'type'), type));
    seen.add(type);
    const status = str(c.status);
    if (status === '') errs.push(required(child(field, 'status'), ''));
    else if (!['True', 'False', 'Unknown'].includes(status)) errs.push(notSupported(child(field, 'status'), status, ['False', 'True', 'Unknown']));
  });
  if (seen.has('Approved') && seen.has('Denied')) {
    errs.push(invalid('status.conditions', conditions.map((c) => c.type), 'Approved and Denied conditions are mutually exclusive'));
  }
  const certificate = str(asObject(obj.status).certificate);
  if (certificate !== '') {
    const pem = Buffer.from(certificate, 'base64').toString('utf8');
    if (!/^\s*-----BEGIN CERTIFICATE-----/.test(pem)) errs.push(invalid('status.certificate', '<certificate data>', 'must contain at least one CERTIFICATE PEM block'));
    if (seen.has('Denied') || seen.has('Failed')) errs.push(forbidden('status.certificate', 'may not be set when Denied or Failed'));
  }
  return errs;
}

/** Validates a new CertificateSigningRequest (after the strategy reset its status). */
export function validateCertificateSigningRequest(obj: JsonObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: () => [] });
  const spec = asObject(obj.spec);
  if (str(spec.request) === '') {
    errs.push(required('spec.request', ''));
  } else {
    try {
      parseCertificateRequest(requestPem(obj));
    } catch (err) {
      errs.push(invalid('spec.request', '<request data>', err instanceof Error ? err.message : String(err)));
    }
  }
  errs.push(...validateSignerName('spec.signerName', str(spec.signerName)));
  const usages = Array.isArray(spec.usages) ? spec.usages.map(str) : [];
  if (usages.length === 0) errs.push(required('spec.usages', ''));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (!keyUsages.includes(u)) errs.push(notSupported(at('spec.usages', i), u, keyUsages));
    else if (seen.has(u)) errs.push(duplicate(at('spec.usages', i), u));
    seen.add(u);
  });
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null) {
    const seconds = Number(spec.expirationSeconds);
    if (!Number.isInteger(seconds) || seconds < 600) {
      errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
    }
  }
  errs.push(...validateStatus(obj));
  return errs;
}

/**
 * Validates an update of the object, its /approval or its /status: metadata rules, the status
 * rules, and what upstream forbids changing: an Approved or Denied condition may not be removed,
 * and an issued certificate may not change.
 */
export function validateCertificateSigningRequestUpdate(obj: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  errs.push(...validateStatus(obj));
  const types = new Set(conditionsOf(obj).map((c) => str(c.type)));
  for (const type of ['Approved', 'Denied', 'Failed']) {
    if (conditionsOf(old).some((c) => str(c.type) === type) && !types.has(type)) {
      errs.push(forbidden('status.conditions', `updates may not remove a condition of type "${type}"`));
    }
  }
  const oldCertificate = str(asObject(old.status).certificate);
  if (oldCertificate !== '' && str(asObject(obj.status).certificate) !== oldCertificate) {
    errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}
