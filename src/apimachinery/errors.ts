import type { Status, StatusCause } from 'kubernetes-types/meta/v1.js';

/** Upstream's field error types (k8s.io/apimachinery/pkg/util/validation/field), as Status cause reasons. */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

/** One problem with one field, as upstream's field.Error. */
export interface FieldError {
  type: FieldErrorType;
  /** The field's path, e.g. `spec.template.spec.containers[0].name`. */
  field: string;
  /** The offending value, if any (printed in the message as upstream does). */
  value?: unknown;
  /** Why it is wrong (for Invalid, Forbidden, TooLong...); for NotSupported, the supported values. */
  detail?: string;
  /** For NotSupported: the values that are allowed. */
  supported?: string[];
}

const typeWords: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Field errors whose message omits the value, as upstream's field.Error.ErrorBody does. */
const omitsValue = new Set<FieldErrorType>([
  'FieldValueRequired',
  'FieldValueForbidden',
  'FieldValueTooLong',
  'InternalError',
]);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  // Go's %#v of a []string, which upstream prints for list values (clusterIPs and the like).
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The message of a field error without its path, as upstream's ErrorBody: `Invalid value: "x": detail`. */
export function fieldErrorBody(e: FieldError): string {
  let s = typeWords[e.type];
  if (!omitsValue.has(e.type) && e.value !== undefined) s += `: ${formatValue(e.value)}`;
  if (e.type === 'FieldValueNotSupported' && e.supported?.length) {
    s += `: supported values: ${e.supported.map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (e.detail) {
    s += `: ${e.detail}`;
  }
  return s;
}

/** Stable reasons of a Status, as metav1.StatusReason. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'Timeout'
  | 'TooManyRequests'
  | 'Expired'
  | 'ServiceUnavailable'
  | 'InternalError'
  | '';

/** An error that the API edge answers as a Kubernetes Status with this code and reason. */
export class StatusError extends Error {
  override readonly name = 'StatusError';
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: Status['details'],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The Status object to send. */
  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason || undefined,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** What names an object in an error: its resource (plural, with group) and name. */
export interface ErrorTarget {
  /** Resource plural, e.g. `deployments`. */
  resource: string;
  /** API group, '' for core. */
  group: string;
  /** The kind, e.g. `Deployment` (used by Invalid, as upstream). */
  kind?: string;
  name: string;
}

function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

/** 404: `pods "x" not found`. */
export function notFound(t: ErrorTarget): StatusError {
  return new StatusError(404, 'NotFound', `${qualified(t.resource, t.group)} "${t.name}" not found`, {
    name: t.name,
    group: t.group || undefined,
    kind: t.resource,
  });
}

/** 409: `pods "x" already exists`. */
export function alreadyExists(t: ErrorTarget): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualified(t.resource, t.group)} "${t.name}" already exists`, {
    name: t.name,
    group: t.group || undefined,
    kind: t.resource,
  });
}

/** 409 Conflict, e.g. for a stale resourceVersion, with upstream's wording. */
export function conflict(t: ErrorTarget, why: string): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(t.resource, t.group)} "${t.name}": ${why}`,
    { name: t.name, group: t.group || undefined, kind: t.resource },
  );
}

/** The message upstream gives a stale resourceVersion. */
export const staleObjectMessage = 'the object has been modified; please apply your changes to the latest version and try again';

/** 422 Invalid with one cause per field error: `Deployment.apps "x" is invalid: [a: Required value, ...]`. */
export function invalid(t: ErrorTarget, errors: FieldError[]): StatusError {
  const kind = t.kind ?? t.resource;
  const qualifiedKind = t.group ? `${kind}.${t.group}` : kind;
  const parts = errors.map((e) => (e.field ? `${e.field}: ${fieldErrorBody(e)}` : fieldErrorBody(e)));
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const causes: StatusCause[] = errors.map((e) => ({
    reason: e.type,
    message: fieldErrorBody(e),
    field: e.field,
  }));
  return new StatusError(422, 'Invalid', `${qualifiedKind} "${t.name}" is invalid: ${joined}`, {
    name: t.name,
    group: t.group || undefined,
    kind,
    causes,
  });
}

/** 400 BadRequest with a message. */
export function badRequest(message: string, options?: { cause?: unknown }): StatusError {
  return new StatusError(400, 'BadRequest', message, undefined, options);
}

/** 410 Gone, as upstream answers a list or watch from a compacted resourceVersion. */
export function gone(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

/** 500 with a message; the cause is kept for the log. */
export function internalError(message: string, cause?: unknown): StatusError {
  return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, undefined, { cause });
}

/** True when `err` is a StatusError with this HTTP code (404, 409...). */
export function isStatusError(err: unknown, code: number): err is StatusError {
  return err instanceof StatusError && err.code === code;
}

/**
 * True when `err` is a StatusError whose details carry a cause with this reason (upstream's
 * HasStatusCause), e.g. `NamespaceTerminating` on a create in a namespace being deleted.
 */
export function hasStatusCause(err: unknown, reason: string): boolean {
  return err instanceof StatusError && (err.details?.causes ?? []).some((c) => c.reason === reason);
}

/**
 * Errors a level-triggered writer expects and retries or drops, as upstream's controllers do:
 * a conflict (409, someone wrote first) and a create in a namespace being deleted. Logged at debug.
 */
export function isExpectedWriteRace(err: unknown): err is StatusError {
  return isStatusError(err, 409) || hasStatusCause(err, 'NamespaceTerminating');
}

/** The message of an error of any kind, for logs and events. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
