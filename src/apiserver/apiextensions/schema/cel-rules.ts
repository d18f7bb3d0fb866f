import { Optional, type ParseResult } from '@marcbachmann/cel-js';
import { CelBudgetExceeded as BudgetExceeded, CelEnvironment, celErrorMessage, readsVariable } from '../../cel/cel-environment.js';
import type { FieldCause, JSONSchemaProps, ValidationRule } from './types.js';
import { additionalSchema, isObject, itemsSchema } from './types.js';

/** Options of {@link CelRules}. */
export interface CelRulesOptions {
  /**
   * Evaluation steps one rule may take before it is stopped (upstream's per-call cost limit,
   * counted here as evaluator steps). Default 1,000,000.
   */
  perRuleSteps?: number;
  /** Steps all rules of one object may take together (upstream's runtime budget). Default 10,000,000. */
  perObjectSteps?: number;
}

/** One rule compiled once: its program, its message expression, whether it is a transition rule. */
export interface CompiledRule {
  rule: ValidationRule;
  program?: ParseResult;
  messageProgram?: ParseResult;
  /** Why the rule did not compile: `compilation failed: ...`. */
  error?: string;
  /** Why the message expression did not compile. */
  messageError?: string;
  /** The rule reads `oldSelf` (a transition rule: evaluated only on update). */
  usesOldSelf: boolean;
}

const reservedWords = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/**
 * A property name as CEL expressions see it (upstream's escaping): `x-prop` is `x__dash__prop`,
 * `namespace` is `__namespace__`; undefined when the name cannot be reached from CEL.
 */
export function celPropertyName(name: string): string | undefined {
  if (reservedWords.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name
    .replaceAll('__', '__underscores__')
    .replaceAll('.', '__dot__')
    .replaceAll('-', '__dash__')
    .replaceAll('/', '__slash__');
}

const supportedReasons = new Set(['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired']);

/** The rule's words in messages: its message if set, else the rule (trimmed), as upstream. */
function ruleErrorString(rule: ValidationRule): string {
  return rule.message?.trim() ? rule.message.trim() : rule.rule.trim();
}

function ruleMessageOrDefault(rule: ValidationRule): string {
  return rule.message?.trim() ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
}

/**
 * A CEL value of `value` under schema `s`, as upstream's UnstructuredToVal: integers are CEL ints,
 * properties are escaped, unknown and null-valued properties are absent, strings of format
 * date-time are timestamps.
 */
function toCel(value: unknown, s: JSONSchemaProps | undefined, isResourceRoot = false): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'number') {
    if (s?.type === 'number') return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value === 'string') {
    if (s?.type === 'string' && (s.format === 'date-time' || s.format === 'datetime')) {
      const d = new Date(value);
      return Number.isNaN(d.getTime()) ? value : d;
    }
    return value;
  }
  if (Array.isArray(value)) {
    const items = s ? itemsSchema(s) : undefined;
    return value.map((v) => toCel(v, items));
  }
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  if (s?.properties || isResourceRoot || s?.['x-kubernetes-embedded-resource']) {
    const props: Record<string, JSONSchemaProps> = { ...(s?.properties ?? {}) };
    if (isResourceRoot || s?.['x-kubernetes-embedded-resource']) {
      props.apiVersion = { type: 'string' };
      props.kind = { type: 'string' };
      props.metadata = { type: 'object', properties: { name: { type: 'string' }, generateName: { type: 'string' } } };
    }
    for (const [k, ps] of Object.entries(props)) {
      const v = value[k];
      const name = celPropertyName(k);
      if (v === null || v === undefined || name === undefined) continue;
      out[name] = toCel(v, ps);
    }
    return out;
  }
  const add = s ? additionalSchema(s) : undefined;
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    out[k] = toCel(v, add);
  }
  return out;
}

/** The old value correlated with item `item` of a list, for list-type map (by keys); else undefined. */
function correlatedItem(s: JSONSchemaProps, item: unknown, old: unknown): unknown {
  if (s['x-kubernetes-list-type'] !== 'map' || !Array.isArray(old) || !isObject(item)) return undefined;
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  return old.find((o) => isObject(o) && keys.every((k) => o[k] === item[k]));
}

/** Upstream's field error for a failed rule with a reason. */
function causeForReason(field: string, value: unknown, detail: string, reason: string | undefined): FieldCause {
  switch (reason) {
    case 'FieldValueForbidden':
      return { type: 'FieldValueForbidden', field, detail };
    case 'FieldValueRequired':
      return { type: 'FieldValueRequired', field, detail };
    case 'FieldValueDuplicate':
      return { type: 'FieldValueDuplicate', field, value };
    default:
      return { type: 'FieldValueInvalid', field, value, detail };
  }
}

/** A `fieldPath` (`.spec.foo`, `['x.y']`) as a field path suffix, or undefined when malformed. */
function normalizeFieldPath(fieldPath: string): string | undefined {
  let out = '';
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/y;
  let i = 0;
  while (i < fieldPath.length) {
    re.lastIndex = i;
    const m = re.exec(fieldPath);
    if (!m) return undefined;
    out += m[1] !== undefined ? `.${m[1]}` : `[${m[2].replace(/\\(.)/g, '$1')}]`;
    i = re.lastIndex;
  }
  return out;
}

/** True when `fieldPath` names fields that exist in the schema (upstream's ValidFieldPath). */
export function fieldPathExists(s: JSONSchemaProps, fieldPath: string): boolean {
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/y;
  let i = 0;
  let cur: JSONSchemaProps | undefined = s;
  while (i < fieldPath.length) {
    re.lastIndex = i;
    const m = re.exec(fieldPath);
    if (!m || !cur) return false;
    const name = m[1] ?? m[2].replace(/\\(.)/g, '$1');
    if (cur.properties) cur = cur.properties[name];
    else if (additionalSchema(cur)) cur = additionalSchema(cur);
    else return false;
    if (!cur) return false;
    i = re.lastIndex;
  }
  return true;
}

/**
 * The `x-kubernetes-validations` rules of one schema, compiled once (at construction) and
 * evaluated against objects with `self` (and `oldSelf` for transition rules, on update only).
 * Evaluation is bounded: each rule, and all rules of one object together, have a step budget
 * so a rule cannot stall the event loop. Keep one instance per schema (e.g. per CRD version).
 */
export class CelRules {
  private readonly env: CelEnvironment;
  private readonly compiled = new Map<JSONSchemaProps, CompiledRule[]>();
  private readonly perRuleSteps: number;
  private readonly perObjectSteps: number;

  constructor(readonly schema: JSONSchemaProps, options: CelRulesOptions = {}) {
    this.perRuleSteps = options.perRuleSteps ?? 1_000_000;
    this.perObjectSteps = options.perObjectSteps ?? 10_000_000;
    this.env = new CelEnvironment({ variables: ['self', 'oldSelf'] });
    this.compileTree(schema, new Set());
  }

  /** The compiled rules of one schema node (empty when it has none). */
  rulesOf(node: JSONSchemaProps): CompiledRule[] {
    return this.compiled.get(node) ?? [];
  }

  /** Compiles one rule (used for every rule of the schema at construction). */
  compile(rule: ValidationRule): CompiledRule {
    const out: CompiledRule = { rule, usesOldSelf: false };
    if (!rule.rule?.trim()) return out;
    const compiled = this.env.compile(rule.rule, ['bool']);
    if (compiled.program) {
      out.program = compiled.program;
      out.usesOldSelf = readsVariable(compiled.program.ast, 'oldSelf');
    } else if (compiled.type !== undefined) {
      out.error = 'compilation failed: cel expression must evaluate to a bool';
    } else {
      out.error = `compilation failed: ${compiled.error ?? 'invalid expression'}`;
    }
    if (rule.messageExpression?.trim()) {
      const message = this.env.compile(rule.messageExpression, ['string']);
      if (message.program) out.messageProgram = message.program;
      else if (message.type !== undefined) out.messageError = 'must evaluate to a string';
      else out.messageError = `messageExpression compilation failed: ${message.error ?? ''}`;
    }
    return out;
  }

  /**
   * Evaluates every rule of the schema against `obj` (at `path`, '' for a custom object), with
   * `oldObj` on update; returns one cause per failed rule, worded as upstream.
   */
  validate(obj: unknown, oldObj?: unknown, path = ''): FieldCause[] {
    const errs: FieldCause[] = [];
    this.env.beginBudget(this.perObjectSteps);
    try {
      this.walk(this.schema, obj, oldObj, path, true, errs);
    } finally {
      this.env.endBudget();
    }
    return errs;
  }

  /** Returns false when evaluation must stop (budget spent). */
  private walk(s: JSONSchemaProps, obj: unknown, old: unknown, path: string, root: boolean, errs: FieldCause[]): boolean {
    if (obj === null || obj === undefined) return true;
    if (!this.evaluateNode(s, obj, old, path, root, errs)) return false;
    for (const sub of s.allOf ?? []) if (!this.walk(sub, obj, old, path, false, errs)) return false;
    if (Array.isArray(obj)) {
      const items = itemsSchema(s);
      if (!items) return true;
      for (let i = 0; i < obj.length; i++) {
        const oldItem = correlatedItem(s, obj[i], old);
        if (!this.walk(items, obj[i], oldItem, `${path}[${i}]`, false, errs)) return false;
      }
      return true;
    }
    if (!isObject(obj)) return true;
    const oldObj = isObject(old) ? old : undefined;
    const atomic = s['x-kubernetes-map-type'] === 'atomic';
    if (s.properties) {
      for (const [k, ps] of Object.entries(s.properties)) {
        if (!(k in obj)) continue;
        const child = path ? `${path}.${k}` : k;
        if (!this.walk(ps, obj[k], atomic ? undefined : oldObj?.[k], child, false, errs)) return false;
      }
    }
    const add = additionalSchema(s);
    if (add) {
      for (const [k, v] of Object.entries(obj)) {
        if (!this.walk(add, v, atomic ? undefined : oldObj?.[k], `${path}[${k}]`, false, errs)) return false;
      }
    }
    return true;
  }

  private evaluateNode(s: JSONSchemaProps, obj: unknown, old: unknown, path: string, root: boolean, errs: FieldCause[]): boolean {
    const rules = this.compiled.get(s);
    if (!rules?.length) return true;
    // As upstream, the value of a failed rule's error is the schema's type ("object", "string"...), not the data.
    const typeValue = s.type ?? '';
    const hasOld = old !== null && old !== undefined;
    const self = toCel(obj, s, root);
    const oldSelf = hasOld ? toCel(old, s, root) : undefined;
    for (const c of rules) {
      if (c.error) {
        errs.push({ type: 'FieldValueInvalid', field: path, value: s.type ?? '', detail: `rule compile error: ${c.error}` });
        continue;
      }
      if (!c.program) continue;
      const optional = c.rule.optionalOldSelf === true;
      if (c.usesOldSelf && !hasOld && !optional) continue;
      const activation = {
        self,
        oldSelf: optional ? (hasOld ? Optional.of(oldSelf) : Optional.none()) : oldSelf,
      };
      let result: unknown;
      try {
        result = this.run(c.program, activation);
      } catch (err) {
        if (err instanceof BudgetExceeded) {
          errs.push({
            type: 'FieldValueInvalid',
            field: path,
            value: s.type ?? '',
            detail: err.perCall
              ? `'${err.message}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(c.rule)}`
              : 'validation failed due to running out of cost budget, no further validation rules will be run',
          });
          return false;
        }
        const why = celErrorMessage(err);
        errs.push({ type: 'FieldValueInvalid', field: path, value: s.type ?? '', detail: `${why} evaluating rule: ${ruleErrorString(c.rule)}` });
        continue;
      }
      if (result === true) continue;
      let detail: string | undefined;
      if (c.messageProgram) {
        try {
          const m = this.run(c.messageProgram, activation);
          if (typeof m === 'string' && m.trim() && !/\n/.test(m)) detail = m.trim();
        } catch (err) {
          if (err instanceof BudgetExceeded) {
            errs.push({
              type: 'FieldValueInvalid',
              field: path,
              value: s.type ?? '',
              detail: 'messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run',
            });
            return false;
          }
          // upstream logs the failure and falls back to the message
        }
      }
      const suffix = c.rule.fieldPath ? normalizeFieldPath(c.rule.fieldPath) ?? '' : '';
      const field = suffix.startsWith('.') && !path ? suffix.slice(1) : path + suffix;
      errs.push(causeForReason(field, typeValue, detail ?? ruleMessageOrDefault(c.rule), c.rule.reason));
    }
    return true;
  }

  private run(program: ParseResult, activation: Record<string, unknown>): unknown {
    return this.env.run(program, activation, this.perRuleSteps);
  }

  private compileTree(s: JSONSchemaProps, seen: Set<JSONSchemaProps>): void {
    if (seen.has(s)) return;
    seen.add(s);
    const rules = s['x-kubernetes-validations'];
    if (rules?.length) this.compiled.set(s, rules.map((r) => this.compile(r)));
    for (const ps of Object.values(s.properties ?? {})) this.compileTree(ps, seen);
    const items = itemsSchema(s);
    if (items) this.compileTree(items, seen);
    const add = additionalSchema(s);
    if (add) this.compileTree(add, seen);
    for (const sub of s.allOf ?? []) this.compileTree(sub, seen);
  }
}

/** Reasons a rule may carry (upstream's supportedValidationReason). */
export const supportedValidationReasons = [...supportedReasons].sort();

/** Upstream's checks of one rule's fields (not its expression), for CRD validation. */
export function checkRuleFields(s: JSONSchemaProps, rule: ValidationRule, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const trimmedRule = (rule.rule ?? '').trim();
  const msg = rule.message ?? '';
  const trimmedMsg = msg.trim();
  if (!trimmedRule) {
    errs.push({ type: 'FieldValueRequired', field: `${path}.rule`, detail: 'rule is not specified' });
  } else if (msg.length > 0 && !trimmedMsg) {
    errs.push({ type: 'FieldValueInvalid', field: `${path}.message`, value: msg, detail: 'message must be non-empty if specified' });
  } else if (/[\n\r]/.test(trimmedMsg)) {
    errs.push({ type: 'FieldValueInvalid', field: `${path}.message`, value: msg, detail: 'message must not contain line breaks' });
  } else if (/[\n\r]/.test(trimmedRule) && !trimmedMsg) {
    errs.push({ type: 'FieldValueRequired', field: `${path}.message`, detail: 'message must be specified if rule contains line breaks' });
  }
  if (rule.messageExpression !== undefined && rule.messageExpression.length > 0 && !rule.messageExpression.trim()) {
    errs.push({ type: 'FieldValueRequired', field: `${path}.messageExpression`, detail: 'messageExpression must be non-empty if specified' });
  }
  if (rule.reason !== undefined && !supportedReasons.has(rule.reason)) {
    errs.push({ type: 'FieldValueNotSupported', field: `${path}.reason`, value: rule.reason, supported: supportedValidationReasons });
  }
  const fp = rule.fieldPath;
  if (fp !== undefined && fp.length > 0) {
    if (!fp.trim()) errs.push({ type: 'FieldValueInvalid', field: `${path}.fieldPath`, value: fp, detail: 'fieldPath must be non-empty if specified' });
    if (/[\n\r]/.test(fp)) errs.push({ type: 'FieldValueInvalid', field: `${path}.fieldPath`, value: fp, detail: 'fieldPath must not contain line breaks' });
    if (!fieldPathExists(s, fp)) errs.push({ type: 'FieldValueInvalid', field: `${path}.fieldPath`, value: fp, detail: 'fieldPath must be a valid path' });
  }
  return errs;
}
