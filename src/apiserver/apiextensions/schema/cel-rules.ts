import { Environment, Optional, type ParseResult } from '@marcbachmann/cel-js';
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

/** Thrown by the step counter when a rule runs past its budget. */
class BudgetExceeded extends Error {
  constructor(readonly perRule: boolean) {
    super('operation cancelled: actual cost limit exceeded');
  }
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

/** True when the parsed expression names `oldSelf` anywhere. */
function readsOldSelf(node: unknown, seen = new Set<unknown>()): boolean {
  if (node === null || typeof node !== 'object' || seen.has(node)) return false;
  seen.add(node);
  const n = node as { op?: unknown; args?: unknown };
  if (n.op === 'id' && n.args === 'oldSelf') return true;
  const args = n.args;
  if (Array.isArray(args)) return args.some((a) => readsOldSelf(a, seen));
  if (args && typeof args === 'object') return Object.values(args).some((a) => readsOldSelf(a, seen));
  return false;
}

/** A node of the evaluator's parsed tree, as far as {@link widenHas} reads it. */
interface AstNode {
  op?: unknown;
  args?: unknown;
  meta?: { macro?: HasMacro & { args?: unknown[] }; alternate?: unknown };
}

interface HasMacro {
  args: AstNode[];
  macroHasProps?: unknown;
  typeCheck: (checker: { check: (n: unknown, ctx: unknown) => unknown; getType: (t: string) => unknown }, m: HasMacro, ctx: unknown) => unknown;
  evaluate: (ev: { run: (n: unknown, ctx: unknown) => unknown }, m: HasMacro, ctx: unknown) => unknown;
}

/**
 * The evaluator's `has()` accepts only selections down to a variable (`has(self.a.b)`); CEL (and
 * published CRDs such as Gateway API's) also test fields of any expression, e.g.
 * `has(self.matches[0].path)`. Widens each `has()` of the parsed tree to that, in place.
 */
function widenHas(node: unknown, seen = new Set<unknown>()): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  const n = node as AstNode;
  const macro = n.meta?.macro;
  if (n.op === 'call' && Array.isArray(n.args) && n.args[0] === 'has' && macro) {
    const selection = macro.args[0];
    if ((selection.op === '.' || selection.op === '.?') && Array.isArray(selection.args)) {
      const [operand, field] = selection.args as [AstNode, string];
      let base: AstNode = operand;
      while ((base.op === '.' || base.op === '.?') && Array.isArray(base.args)) base = base.args[0] as AstNode;
      if (base.op !== 'id') {
        macro.typeCheck = (checker, _m, ctx) => {
          checker.check(operand, ctx);
          return checker.getType('bool');
        };
        macro.evaluate = (ev, _m, ctx) => {
          const o = ev.run(operand, ctx);
          if (o instanceof Map) return o.has(field);
          return isObject(o) && Object.hasOwn(o, field) && o[field] !== undefined;
        };
      }
    }
  }
  const args = n.args;
  const children = Array.isArray(args) ? args.flat() : args && typeof args === 'object' ? ('op' in args ? [args] : Object.values(args)) : [];
  for (const c of children) widenHas(c, seen);
  for (const c of macro?.args ?? []) widenHas(c, seen);
  if (n.meta?.alternate) widenHas(n.meta.alternate, seen);
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
  private readonly env: Environment;
  private readonly compiled = new Map<JSONSchemaProps, CompiledRule[]>();
  private readonly perRuleSteps: number;
  private readonly perObjectSteps: number;
  private steps = 0;
  private ruleStepLimit = Infinity;
  private objectStepLimit = Infinity;

  constructor(readonly schema: JSONSchemaProps, options: CelRulesOptions = {}) {
    this.perRuleSteps = options.perRuleSteps ?? 1_000_000;
    this.perObjectSteps = options.perObjectSteps ?? 10_000_000;
    this.env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false })
      .registerVariable('self', 'dyn')
      .registerVariable('oldSelf', 'dyn');
    registerKubernetesLibrary(this.env);
    this.installStepCounter();
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
    try {
      const program = this.env.parse(rule.rule);
      widenHas(program.ast);
      const checked = program.check();
      if (!checked.valid) {
        out.error = `compilation failed: ${checked.error?.message ?? 'invalid expression'}`;
      } else if (checked.type !== 'bool' && checked.type !== 'dyn') {
        out.error = `compilation failed: cel expression must evaluate to a bool`;
      } else {
        out.program = program;
        out.usesOldSelf = readsOldSelf(program.ast);
      }
    } catch (err) {
      out.error = `compilation failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (rule.messageExpression?.trim()) {
      try {
        const program = this.env.parse(rule.messageExpression);
        widenHas(program.ast);
        const checked = program.check();
        if (!checked.valid) out.messageError = `messageExpression compilation failed: ${checked.error?.message ?? ''}`;
        else if (checked.type !== 'string' && checked.type !== 'dyn') {
          out.messageError = 'must evaluate to a string';
        } else out.messageProgram = program;
      } catch (err) {
        out.messageError = `messageExpression compilation failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    return out;
  }

  /**
   * Evaluates every rule of the schema against `obj` (at `path`, '' for a custom object), with
   * `oldObj` on update; returns one cause per failed rule, worded as upstream.
   */
  validate(obj: unknown, oldObj?: unknown, path = ''): FieldCause[] {
    const errs: FieldCause[] = [];
    this.steps = 0;
    this.objectStepLimit = this.perObjectSteps;
    try {
      this.walk(this.schema, obj, oldObj, path, true, errs);
    } finally {
      this.ruleStepLimit = Infinity;
      this.objectStepLimit = Infinity;
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
            detail: err.perRule
              ? `'${err.message}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(c.rule)}`
              : 'validation failed due to running out of cost budget, no further validation rules will be run',
          });
          return false;
        }
        const raw = err instanceof Error ? (err as { summary?: string }).summary ?? err.message.split('\n')[0] : String(err);
        const why = raw.charAt(0).toLowerCase() + raw.slice(1); // cel-go's words: `no such key: x`
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
    this.ruleStepLimit = this.steps + this.perRuleSteps;
    return program(activation);
  }

  /**
   * Counts evaluator steps. The evaluator hands itself to each node it evaluates; the first
   * evaluation wraps its `run` (the one call every sub-expression goes through) with a counter.
   */
  private installStepCounter(): void {
    const probe = this.env.parse('true');
    const root = probe.ast as unknown as { evaluate: (ev: unknown, ast: unknown, ctx: unknown) => unknown };
    const original = root.evaluate;
    root.evaluate = (ev, ast, ctx) => {
      const evaluator = ev as { run: (ast: unknown, ctx: unknown) => unknown };
      const run = evaluator.run;
      evaluator.run = (a: unknown, c: unknown): unknown => {
        this.steps++;
        if (this.steps > this.ruleStepLimit) throw new BudgetExceeded(this.steps <= this.objectStepLimit);
        if (this.steps > this.objectStepLimit) throw new BudgetExceeded(false);
        return run.call(evaluator, a, c);
      };
      return original.call(root, ev, ast, ctx);
    };
    probe({});
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

/**
 * The pieces of Kubernetes' CEL library the evaluator lacks: strings `replace`, `charAt`,
 * and the list functions `isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`.
 */
function registerKubernetesLibrary(env: Environment): void {
  env
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
      if (n < 0n) return s.split(a).join(b);
      let out = s;
      let from = 0;
      for (let i = 0n; i < n; i++) {
        const at = out.indexOf(a, from);
        if (at < 0) break;
        out = out.slice(0, at) + b + out.slice(at + a.length);
        from = at + b.length;
      }
      return out;
    })
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => [...s][Number(i)] ?? '')
    .registerFunction('list.isSorted(): bool', (l: unknown[]) => l.every((v, i) => i === 0 || compare(l[i - 1], v) <= 0))
    .registerFunction('list.sum(): dyn', (l: unknown[]) => l.reduce<unknown>((a, b) => add(a, b), l.length && typeof l[0] === 'number' ? 0 : 0n))
    .registerFunction('list.min(): dyn', (l: unknown[]) => l.reduce((a, b) => (compare(b, a) < 0 ? b : a)))
    .registerFunction('list.max(): dyn', (l: unknown[]) => l.reduce((a, b) => (compare(b, a) > 0 ? b : a)))
    .registerFunction('list.indexOf(dyn): int', (l: unknown[], v: unknown) => BigInt(l.findIndex((x) => x === v)))
    .registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], v: unknown) => BigInt(l.findLastIndex((x) => x === v)));
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  return Number(a) + Number(b);
}

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
