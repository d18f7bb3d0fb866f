/**
 * Field selectors: upstream's syntax (k8s.io/apimachinery/pkg/fields), matching, and the fields
 * each served type supports (the field label conversion funcs and ToSelectableFields of upstream's
 * registries).
 */
import { SelectorError } from './errors.js';

/** What field selection needs to know of a resource type (the API server's ResourceType has it). */
export interface SelectableType {
  group: string;
  kind: string;
  namespaced: boolean;
}

/** One term: `field=value`, `field==value` or `field!=value`. */
export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  /** The value with escapes (`\,` `\=` `\\`) removed. */
  value: string;
}

/** A parsed field selector: the AND of its terms. Empty terms select everything. */
export interface FieldSelectorExpr {
  requirements: FieldRequirement[];
}

/** Splits on commas that are not escaped with a backslash. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const termOperators = ['!=', '==', '='] as const;

function splitTerm(term: string): { field: string; operator: FieldRequirement['operator']; rhs: string } | undefined {
  // No escaping in the field name: the first operator found splits the term.
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), operator: op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') {
      // Upstream formats the rune with %v, which prints its code point.
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`);
    } else out += c;
  }
  if (inSlash) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * Parses a field selector (`a=b`, `a==b`, `a!=b`, comma = AND; `\,` `\=` `\\` escape in values).
 * Terms are sorted as upstream sorts them; an empty string selects everything.
 * @throws SelectorError (400) with upstream's message.
 */
export function parseFieldSelector(s: string): FieldSelectorExpr {
  const parts = splitTerms(s).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (!term) throw new SelectorError(`invalid selector: '${s}'; can't understand '${part}'`);
    requirements.push({ field: term.field, operator: term.operator, value: unescapeValue(term.rhs) });
  }
  return { requirements };
}

/** Whether an object's field set satisfies every term; a field missing from the set counts as `""`. */
export function matchesFields(expr: FieldSelectorExpr, fieldSet: Readonly<Record<string, string>>): boolean {
  return expr.requirements.every((r) => {
    const actual = Object.prototype.hasOwnProperty.call(fieldSet, r.field) ? fieldSet[r.field] : '';
    return r.operator === '!=' ? actual !== r.value : actual === r.value;
  });
}

const metaFields = ['metadata.name', 'metadata.namespace'];

/** Field labels upstream accepts per type beyond metadata.*; the key is `group/Kind`. */
const typeFields: Record<string, { fields: string[]; clusterScopedNameOnly?: boolean }> = {
  '/Pod': {
    fields: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.podIPs',
      'status.nominatedNodeName',
      // Old clients' name for spec.nodeName.
      'spec.host',
    ],
  },
  '/Node': { fields: ['spec.unschedulable'], clusterScopedNameOnly: true },
  '/Namespace': { fields: ['status.phase'], clusterScopedNameOnly: true },
  '/Secret': { fields: ['type'] },
  '/Service': { fields: ['spec.clusterIP', 'spec.type'] },
  '/ReplicationController': { fields: ['status.replicas'] },
  '/Event': {
    fields: [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ],
  },
  'events.k8s.io/Event': {
    fields: [
      'regarding.kind',
      'regarding.namespace',
      'regarding.name',
      'regarding.uid',
      'regarding.apiVersion',
      'regarding.resourceVersion',
      'regarding.fieldPath',
      'reason',
      'reportingController',
      'type',
    ],
  },
  'apps/ReplicaSet': { fields: ['status.replicas'] },
  'apps/StatefulSet': { fields: ['status.successful'] },
  'batch/Job': { fields: ['status.successful'] },
};

function typeKey(resource: SelectableType): string {
  return `${resource.group}/${resource.kind}`;
}

/**
 * The field labels a type accepts in a field selector: metadata.name and metadata.namespace for
 * every type (nodes and namespaces: metadata.name only), plus the type's own, as upstream.
 */
export function supportedFields(resource: SelectableType): string[] {
  const own = typeFields[typeKey(resource)];
  if (!own) return [...metaFields];
  return [...(own.clusterScopedNameOnly ? ['metadata.name'] : metaFields), ...own.fields];
}

/**
 * Checks every field of a selector against the type's supported fields and returns the selector
 * with upstream's renames applied (pods: `spec.host` → `spec.nodeName`).
 * @throws SelectorError (400): `field label not supported: spec.foo` for types with their own
 * fields, upstream's default message (`"spec.foo" is not a known field selector: only
 * "metadata.name", "metadata.namespace"`) for the others.
 */
export function checkFieldSelector(resource: SelectableType, expr: FieldSelectorExpr): FieldSelectorExpr {
  const own = typeFields[typeKey(resource)];
  const supported = new Set(supportedFields(resource));
  const requirements = expr.requirements.map((r) => {
    if (!supported.has(r.field)) {
      throw new SelectorError(
        own
          ? `field label not supported: ${r.field}`
          : `${JSON.stringify(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    if (typeKey(resource) === '/Pod' && r.field === 'spec.host') return { ...r, field: 'spec.nodeName' };
    return r;
  });
  return { requirements };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function rec(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/**
 * The selectable fields of an object, as upstream's ToSelectableFields per type: always
 * metadata.name, metadata.namespace for namespaced types, and the type's own fields.
 */
export function fieldSetFor(resource: SelectableType, obj: object): Record<string, string> {
  const o = rec(obj);
  const meta = rec(o.metadata);
  const spec = rec(o.spec);
  const status = rec(o.status);
  const set: Record<string, string> = { 'metadata.name': str(meta.name) };
  if (resource.namespaced) set['metadata.namespace'] = str(meta.namespace);
  switch (typeKey(resource)) {
    case '/Pod': {
      const podIPs = Array.isArray(status.podIPs) ? status.podIPs : [];
      set['spec.nodeName'] = str(spec.nodeName);
      // Old clients' name for spec.nodeName; lets callers that skip checkFieldSelector match it too.
      set['spec.host'] = set['spec.nodeName'];
      set['spec.restartPolicy'] = str(spec.restartPolicy);
      set['spec.schedulerName'] = str(spec.schedulerName);
      set['spec.serviceAccountName'] = str(spec.serviceAccountName);
      set['spec.hostNetwork'] = String(spec.hostNetwork === true);
      set['status.phase'] = str(status.phase);
      set['status.podIP'] = podIPs.length ? str(rec(podIPs[0]).ip) : str(status.podIP);
      set['status.nominatedNodeName'] = str(status.nominatedNodeName);
      break;
    }
    case '/Node':
      set['spec.unschedulable'] = String(spec.unschedulable === true);
      break;
    case '/Namespace':
      set['status.phase'] = str(status.phase);
      break;
    case '/Secret':
      set.type = str(o.type);
      break;
    case '/Service':
      set['spec.clusterIP'] = str(spec.clusterIP);
      set['spec.type'] = str(spec.type);
      break;
    case '/Event': {
      const involved = rec(o.involvedObject);
      for (const f of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
        set[`involvedObject.${f}`] = str(involved[f]);
      }
      set.reason = str(o.reason);
      set.reportingComponent = str(o.reportingComponent);
      set.source = str(rec(o.source).component) || str(o.reportingComponent);
      set.type = str(o.type);
      break;
    }
    case 'events.k8s.io/Event': {
      const regarding = rec(o.regarding);
      for (const f of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
        set[`regarding.${f}`] = str(regarding[f]);
      }
      set.reason = str(o.reason);
      set.reportingController = str(o.reportingController);
      set.type = str(o.type);
      break;
    }
    case 'apps/ReplicaSet':
      set['status.replicas'] = String(num(status.replicas));
      break;
    case 'batch/Job':
      set['status.successful'] = String(num(status.succeeded));
      break;
  }
  return set;
}
