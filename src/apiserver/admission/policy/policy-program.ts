/**
 * A ValidatingAdmissionPolicy compiled once: its variables, match conditions and validations
 * as CEL programs, evaluated per request with upstream's variables (`object`, `oldObject`,
 * `request`, `params`, `namespaceObject`, `variables`) and decisions.
 */
import type { ParseResult } from '@marcbachmann/cel-js';
import type { ValidatingAdmissionPolicySpec } from 'kubernetes-types/admissionregistration/v1.js';
import { CelBudgetExceeded, CelEnvironment, celErrorMessage, jsonToCel } from '../../cel/cel-environment.js';

/** The variables every policy expression may read. */
export const policyVariables = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables', 'authorizer'] as const;

/** Options of {@link PolicyProgram}. */
export interface PolicyProgramOptions {
  /** Steps all expressions of one evaluation may take (upstream's runtime cost budget). Default 10,000,000. */
  budgetSteps?: number;
}

/** What one evaluation decided for one validation (only failures and errors are returned). */
export interface PolicyDecision {
  /** `Deny` (the validation failed, or an error under failurePolicy Fail). */
  action: 'Deny';
  message: string;
  /** The validation's reason (Invalid by default); undefined for errors. */
  reason?: string;
}

/** The inputs of one evaluation, as plain JSON (converted to CEL values here). */
export interface PolicyInput {
  object: unknown;
  oldObject: unknown;
  request: Record<string, unknown>;
  params: unknown;
  namespaceObject: unknown;
}

interface Compiled {
  expression: string;
  program?: ParseResult;
  error?: string;
}

/** Upstream's names for what compiling a policy found wrong, per field. */
export interface PolicyCompileError {
  field: string;
  expression: string;
  detail: string;
}

/** A policy's expressions, compiled once; {@link evaluate} applies them to one request. */
export class PolicyProgram {
  readonly errors: PolicyCompileError[] = [];
  private readonly env: CelEnvironment;
  private readonly variables: { name: string; compiled: Compiled }[];
  private readonly matchConditions: { name: string; compiled: Compiled }[];
  private readonly validations: { compiled: Compiled; message?: Compiled; text?: string; reason?: string }[];
  private readonly failurePolicy: string;
  private readonly budgetSteps: number;

  constructor(spec: ValidatingAdmissionPolicySpec, options: PolicyProgramOptions = {}) {
    this.env = new CelEnvironment({ variables: policyVariables });
    this.budgetSteps = options.budgetSteps ?? 10_000_000;
    this.failurePolicy = spec.failurePolicy ?? 'Fail';
    this.variables = (spec.variables ?? []).map((v, i) => ({ name: v.name, compiled: this.compile(v.expression, `spec.variables[${i}].expression`) }));
    this.matchConditions = (spec.matchConditions ?? []).map((c, i) => ({ name: c.name, compiled: this.compile(c.expression, `spec.matchConditions[${i}].expression`, ['bool']) }));
    this.validations = (spec.validations ?? []).map((v, i) => ({
      compiled: this.compile(v.expression, `spec.validations[${i}].expression`, ['bool']),
      ...(v.messageExpression ? { message: this.compile(v.messageExpression, `spec.validations[${i}].messageExpression`, ['string']) } : {}),
      ...(v.message !== undefined ? { text: v.message } : {}),
      ...(v.reason !== undefined ? { reason: v.reason } : {}),
    }));
  }

  private compile(expression: string, field: string, want?: string[]): Compiled {
    const result = this.env.compile(expression, want);
    if (result.program) return { expression, program: result.program };
    const detail = result.type !== undefined ? `must evaluate to ${want?.join(' or ')}` : `compilation failed: ${(result.error ?? 'invalid expression').split('\n')[0]}`;
    this.errors.push({ field, expression, detail });
    return { expression, error: detail };
  }

  /**
   * Evaluates the policy against one request: undefined when a match condition excludes it,
   * else the decisions of the validations that failed (errors count as failures under
   * failurePolicy Fail and are dropped under Ignore).
   */
  evaluate(input: PolicyInput): PolicyDecision[] | undefined {
    const ignore = this.failurePolicy === 'Ignore';
    const fail = (message: string): PolicyDecision[] => (ignore ? [] : [{ action: 'Deny', message }]);
    const variables: Record<string, unknown> = {};
    const activation: Record<string, unknown> = {
      object: jsonToCel(input.object ?? null),
      oldObject: jsonToCel(input.oldObject ?? null),
      request: jsonToCel(input.request),
      params: jsonToCel(input.params ?? null),
      namespaceObject: jsonToCel(input.namespaceObject ?? null),
      variables,
      authorizer: null,
    };
    this.env.beginBudget(this.budgetSteps);
    try {
      const run = (c: Compiled): { value?: unknown; error?: string } => {
        if (!c.program) return { error: c.error ?? 'compilation failed' };
        try {
          return { value: this.env.run(c.program, activation) };
        } catch (err) {
          if (err instanceof CelBudgetExceeded) return { error: `expression '${c.expression}' resulted in error: ${err.message}` };
          return { error: `expression '${c.expression}' resulted in error: ${celErrorMessage(err)}` };
        }
      };
      for (const v of this.variables) {
        const r = run(v.compiled);
        if (r.error === undefined) variables[v.name] = r.value;
      }
      // A false condition excludes the request; errors matter only when none is false.
      let conditionError: string | undefined;
      for (const c of this.matchConditions) {
        const r = run(c.compiled);
        if (r.error !== undefined) conditionError ??= r.error;
        else if (r.value === false) return undefined;
      }
      if (conditionError !== undefined) return fail(conditionError);
      const out: PolicyDecision[] = [];
      for (const v of this.validations) {
        const r = run(v.compiled);
        if (r.error !== undefined) {
          out.push(...fail(r.error));
          continue;
        }
        if (r.value === true) continue;
        let message = '';
        if (v.message?.program) {
          const m = run(v.message);
          if (typeof m.value === 'string' && !m.value.includes('\n') && m.value.length <= 5 * 1024) message = m.value.trim();
        }
        if (!message && v.text?.trim()) message = v.text.trim();
        if (!message) message = `failed expression: ${v.compiled.expression.trim()}`;
        out.push({ action: 'Deny', message, reason: v.reason ?? 'Invalid' });
      }
      return out;
    } finally {
      this.env.endBudget();
    }
  }
}
