/**
 * Skiff's one CEL integration (over `@marcbachmann/cel-js`): an environment with Kubernetes'
 * library additions, compiling with type checks, and evaluation bounded by a step budget so an
 * expression cannot stall the event loop. CRD validation rules and ValidatingAdmissionPolicies
 * both compile and evaluate through it.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { re2RegExp } from './re2-pattern.js';

/** A compiled expression, or why it did not compile. */
export interface CelCompileResult {
  program?: ParseResult;
  /** The checker's or parser's words, without any prefix. */
  error?: string;
  /** The checked result type (`bool`, `string`, `dyn`...). */
  type?: string;
}

/** Thrown by the step counter when an evaluation runs past its budget. */
export class CelBudgetExceeded extends Error {
  /** @param perCall true when the one evaluation's limit was hit, false for the whole budget. */
  constructor(readonly perCall: boolean) {
    super('operation cancelled: actual cost limit exceeded');
  }
}

/** Options of {@link CelEnvironment}. */
export interface CelEnvironmentOptions {
  /** Names of the variables expressions may read, each of type dyn. */
  variables: readonly string[];
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
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
          return isRecord(o) && Object.hasOwn(o, field) && o[field] !== undefined;
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

/** A checked `rcall` node: its evaluation calls `handle` with the receiver and argument values. */
interface CheckedCallNode {
  op: 'rcall';
  args: [string, unknown, unknown[]];
  handle?: (values: unknown, ev: unknown, ast: unknown) => unknown;
}

/**
 * The evaluator's `matches` hands the pattern to JavaScript's RegExp, which rejects RE2's
 * inline flags (`^(?i)[a-z]+`, as in Gateway API's GRPCRoute rules). Makes each checked
 * `string.matches(string)` of the tree compile its pattern with {@link re2RegExp}; values of
 * other types still go to the evaluator's overload resolution. In place.
 */
function useRe2Matches(node: unknown, seen = new Set<unknown>()): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  const n = node as AstNode & Partial<CheckedCallNode>;
  const handle = n.handle;
  if (n.op === 'rcall' && Array.isArray(n.args) && n.args[0] === 'matches' && Array.isArray(n.args[2]) && n.args[2].length === 1 && handle) {
    n.handle = (values, ev, ast) => {
      const [text, pattern] = Array.isArray(values) ? (values as unknown[]) : [];
      if (typeof text !== 'string' || typeof pattern !== 'string') return handle(values, ev, ast);
      let re: RegExp;
      try {
        re = re2RegExp(pattern);
      } catch (err) {
        throw new Error(`Invalid regular expression: ${pattern}`, { cause: err });
      }
      return re.test(text);
    };
  }
  const args = n.args;
  const children = Array.isArray(args) ? args.flat() : args && typeof args === 'object' ? ('op' in args ? [args] : Object.values(args)) : [];
  for (const c of children) useRe2Matches(c, seen);
  for (const c of n.meta?.macro?.args ?? []) useRe2Matches(c, seen);
  if (n.meta?.alternate) useRe2Matches(n.meta.alternate, seen);
}

/** True when the parsed expression names the variable `name` anywhere. */
export function readsVariable(node: unknown, name: string, seen = new Set<unknown>()): boolean {
  if (node === null || typeof node !== 'object' || seen.has(node)) return false;
  seen.add(node);
  const n = node as { op?: unknown; args?: unknown };
  if (n.op === 'id' && n.args === name) return true;
  const args = n.args;
  if (Array.isArray(args)) return args.some((a) => readsVariable(a, name, seen));
  if (args && typeof args === 'object') return Object.values(args).some((a) => readsVariable(a, name, seen));
  return false;
}

/** An evaluation error in cel-go's words (`no such key: x`). */
export function celErrorMessage(err: unknown): string {
  const raw = err instanceof Error ? (err as { summary?: string }).summary ?? err.message.split('\n')[0] : String(err);
  return raw.charAt(0).toLowerCase() + raw.slice(1);
}

/**
 * A JSON value as CEL sees it without a schema: whole numbers are CEL ints, null-valued map
 * entries are absent.
 */
export function jsonToCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(jsonToCel);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = jsonToCel(v);
  return out;
}

/**
 * A CEL environment with Kubernetes' library additions and a step counter. Compile once, then
 * evaluate inside a budget: {@link beginBudget} sets what a group of evaluations (one object)
 * may spend, each {@link run} what one evaluation may.
 */
export class CelEnvironment {
  private readonly env: Environment;
  private steps = 0;
  private callLimit = Infinity;
  private totalLimit = Infinity;

  constructor(options: CelEnvironmentOptions) {
    let env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
    for (const v of options.variables) env = env.registerVariable(v, 'dyn');
    this.env = env;
    registerKubernetesLibrary(this.env);
    this.installStepCounter();
  }

  /** Parses and type-checks an expression; `want` lists the result types accepted (dyn always is). */
  compile(expression: string, want?: readonly string[]): CelCompileResult {
    try {
      const program = this.env.parse(expression);
      widenHas(program.ast);
      const checked = program.check();
      if (!checked.valid) return { error: checked.error?.message ?? 'invalid expression' };
      useRe2Matches(program.ast);
      const type = String(checked.type);
      if (want && type !== 'dyn' && !want.includes(type)) return { error: `must evaluate to ${want.join(' or ')}`, type };
      return { program, type };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Starts a budget of `totalSteps` for the evaluations that follow, until {@link endBudget}. */
  beginBudget(totalSteps: number): void {
    this.steps = 0;
    this.totalLimit = totalSteps;
  }

  /** Ends the current budget. */
  endBudget(): void {
    this.callLimit = Infinity;
    this.totalLimit = Infinity;
  }

  /** Evaluates `program` with at most `callSteps` steps; throws {@link CelBudgetExceeded} past a limit. */
  run(program: ParseResult, activation: Record<string, unknown>, callSteps = Infinity): unknown {
    this.callLimit = this.steps + callSteps;
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
        if (this.steps > this.callLimit) throw new CelBudgetExceeded(this.steps <= this.totalLimit);
        if (this.steps > this.totalLimit) throw new CelBudgetExceeded(false);
        return run.call(evaluator, a, c);
      };
      return original.call(root, ev, ast, ctx);
    };
    probe({});
  }
}

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
