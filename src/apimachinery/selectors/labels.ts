/**
 * Label selectors: upstream's string syntax (k8s.io/apimachinery/pkg/labels), matching, and
 * conversion from the API's LabelSelector object (matchLabels + matchExpressions).
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { SelectorError } from './errors.js';
import { invalidMessage, labelKeyErrors, labelValueErrors } from './validation.js';
import { errorMessage } from '../errors.js';

/** Upstream's selection.Operator values. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** One requirement: `key op values`. */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Empty for exists and `!`; one value for `=`, `==`, `!=`, gt, lt. */
  values: string[];
}

/** A parsed label selector: the AND of its requirements, sorted by key as upstream does. */
export interface LabelSelectorExpr {
  requirements: LabelRequirement[];
  /** True for the selector of a missing (nil) LabelSelector object, which selects nothing. */
  matchesNothing: boolean;
}

const binaryOperators = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

type TokenKind =
  | 'end'
  | 'closePar'
  | 'comma'
  | 'not'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

interface Token {
  kind: TokenKind;
  literal: string;
}

const literalTokens: Record<string, TokenKind> = {
  ')': 'closePar',
  ',': 'comma',
  '!': 'not',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'greaterThan',
  in: 'in',
  '<': 'lessThan',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return '=!(),><'.includes(ch);
}

/** Splits a selector into tokens the way upstream's Lexer does. */
function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos] ?? '')) pos++;
    if (pos >= s.length) {
      tokens.push({ kind: 'end', literal: '' });
      return tokens;
    }
    const ch = s[pos] ?? '';
    if (isSpecialSymbol(ch)) {
      // The longest operator made of special symbols, as upstream's scanSpecialSymbol. Every
      // special symbol is an operator on its own, so this always finds one.
      let literal = ch;
      pos++;
      while (pos < s.length && literalTokens[literal + (s[pos] ?? '')]) {
        literal += s[pos];
        pos++;
      }
      tokens.push({ kind: literalTokens[literal] ?? 'identifier', literal });
    } else {
      let buffer = '';
      while (pos < s.length && !isSpecialSymbol(s[pos] ?? '') && !isWhitespace(s[pos] ?? '')) {
        buffer += s[pos];
        pos++;
      }
      const kind = literalTokens[buffer];
      tokens.push(kind && (kind === 'in' || kind === 'notIn') ? { kind, literal: buffer } : { kind: 'identifier', literal: buffer });
    }
  }
}

type ParseContext = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  private token(context: ParseContext, advance: boolean): Token {
    const t = this.tokens[Math.min(this.position, this.tokens.length - 1)] ?? { kind: 'end', literal: '' };
    if (advance) this.position++;
    // In value position the keywords `in` and `notin` are plain identifiers.
    if (context === 'values' && (t.kind === 'in' || t.kind === 'notIn')) return { kind: 'identifier', literal: t.literal };
    return t;
  }
  private lookahead(context: ParseContext): Token {
    return this.token(context, false);
  }
  private consume(context: ParseContext): Token {
    return this.token(context, true);
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const t = this.lookahead('values');
      if (t.kind === 'identifier' || t.kind === 'not') {
        let r: LabelRequirement;
        try {
          r = this.parseRequirement();
        } catch (err) {
          const message = errorMessage(err);
          throw new SelectorError(`unable to parse requirement: ${message}`);
        }
        requirements.push(r);
        const next = this.consume('values');
        if (next.kind === 'end') return requirements;
        if (next.kind === 'comma') {
          const after = this.lookahead('values');
          if (after.kind !== 'identifier' && after.kind !== 'not') {
            throw new SelectorError(`found '${after.literal}', expected: identifier after ','`);
          }
        } else {
          throw new SelectorError(`found '${next.literal}', expected: ',' or 'end of string'`);
        }
      } else if (t.kind === 'end') {
        return requirements;
      } else {
        throw new SelectorError(`found '${t.literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    let operator: '!' | undefined;
    let t = this.consume('values');
    if (t.kind === 'not') {
      operator = '!';
      t = this.consume('values');
    }
    if (t.kind !== 'identifier') throw new Error(`found '${t.literal}', expected: identifier`);
    const key = t.literal;
    const keyErrors = labelKeyErrors(key);
    if (keyErrors.length) throw new Error(invalidMessage('<nil>', key, keyErrors.join('; ')));
    const next = this.lookahead('values');
    // `!key` is complete as it stands; whatever follows must be `,` or the end (checked by parse()).
    if (operator === '!') return newRequirement(key, '!', []);
    if (next.kind === 'end' || next.kind === 'comma') return newRequirement(key, 'exists', []);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, op, [...new Set(values)].sort());
  }

  private parseOperator(): LabelOperator {
    const t = this.consume('keyAndOperator');
    switch (t.kind) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        throw new Error(`found '${t.literal}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  private parseValues(): string[] {
    let t = this.consume('values');
    if (t.kind !== 'openPar') throw new Error(`found '${t.literal}' expected: '('`);
    t = this.lookahead('values');
    if (t.kind === 'identifier' || t.kind === 'comma') {
      const values = this.parseIdentifiersList();
      if (this.consume('values').kind !== 'closePar') throw new Error(`found '${t.literal}', expected: ')'`);
      return values;
    }
    if (t.kind === 'closePar') {
      this.consume('values');
      return [''];
    }
    throw new Error(`found '${t.literal}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): string[] {
    const values = new Set<string>();
    for (;;) {
      const t = this.consume('values');
      if (t.kind === 'identifier') {
        values.add(t.literal);
        const next = this.lookahead('values');
        if (next.kind === 'comma') continue;
        if (next.kind === 'closePar') return [...values];
        throw new Error(`found '${next.literal}', expected: ',' or ')'`);
      } else if (t.kind === 'comma') {
        // Empty values around commas are allowed: `(,a)`, `(a,)`, `(a,,b)`.
        if (values.size === 0) values.add('');
        const next = this.lookahead('values');
        if (next.kind === 'closePar') {
          values.add('');
          return [...values];
        }
        if (next.kind === 'comma') values.add('');
      } else {
        throw new Error(`found '${t.literal}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): string[] {
    const next = this.lookahead('values');
    if (next.kind === 'end' || next.kind === 'comma') return [''];
    const t = this.consume('values');
    if (t.kind === 'identifier') return [t.literal];
    throw new Error(`found '${t.literal}', expected: identifier`);
  }
}

/** Builds a requirement with upstream's NewRequirement checks; throws an Error with the aggregated message. */
/** Go's `%#v` of a []string, as upstream prints slice values in field errors. */
function goStrings(values: string[]): string {
  return values.length ? `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}` : '[]string{}';
}

function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: string[] = [];
  const keyErrors = labelKeyErrors(key);
  if (keyErrors.length) errs.push(invalidMessage('key', key, keyErrors.join('; ')));
  const valuesPath = 'values';
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(`${valuesPath}: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(`${valuesPath}: Invalid value: ${goStrings(values)}: exact-match compatibility requires one single value`);
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(`${valuesPath}: Invalid value: ${goStrings(values)}: values set must be empty for exists and does not exist`);
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(`${valuesPath}: Invalid value: ${goStrings(values)}: for 'Gt', 'Lt' operators, exactly one value is required`);
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(invalidMessage(`${valuesPath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrors = labelValueErrors(v);
    if (valueErrors.length) errs.push(invalidMessage(`${valuesPath}[${i}][${key}]`, v, valueErrors.join('; ')));
  });
  if (errs.length === 1) throw new Error(errs[0]);
  if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
  return { key, operator, values };
}

function sortByKey(requirements: LabelRequirement[]): LabelRequirement[] {
  return requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Parses upstream's label selector syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`,
 * `!a`, `a>1`, `a<1`, comma = AND. An empty string selects everything.
 * @throws SelectorError (400) with upstream's message.
 */
export function parseLabelSelector(s: string): LabelSelectorExpr {
  const parser = new Parser(lex(s));
  return { requirements: sortByKey(parser.parse()), matchesNothing: false };
}

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^[+-]?\d+$/.test(value) || r.values.length !== 1) return false;
      const actual = BigInt(value);
      const bound = BigInt(r.values[0] ?? '0');
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

/** Whether a set of labels satisfies every requirement of the selector. Missing labels count as `{}`. */
export function matchesLabels(expr: LabelSelectorExpr, labels: Readonly<Record<string, string>> | undefined | null): boolean {
  if (expr.matchesNothing) return false;
  const set = labels ?? {};
  return expr.requirements.every((r) => requirementMatches(r, set));
}

/** The operators of LabelSelectorRequirement and the selector operators they stand for. */
const objectOperators: ReadonlyMap<string, LabelOperator> = new Map([
  ['In', 'in'],
  ['NotIn', 'notin'],
  ['Exists', 'exists'],
  ['DoesNotExist', '!'],
]);

/**
 * The selector of an API LabelSelector object, as upstream's metav1.LabelSelectorAsSelector:
 * a missing selector selects nothing, an empty one everything.
 * @throws SelectorError (400) for an invalid key, value or operator.
 */
export function labelSelectorFromObject(sel: LabelSelector | undefined | null): LabelSelectorExpr {
  if (!sel) return { requirements: [], matchesNothing: true };
  const matchLabels = sel.matchLabels ?? {};
  const expressions = sel.matchExpressions ?? [];
  const requirements: LabelRequirement[] = [];
  try {
    for (const [key, value] of Object.entries(matchLabels)) requirements.push(newRequirement(key, '=', [value]));
    for (const e of expressions) {
      const op = objectOperators.get(e.operator);
      if (!op) throw new Error(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
      requirements.push(newRequirement(e.key, op, [...(e.values ?? [])]));
    }
  } catch (err) {
    if (err instanceof SelectorError) throw err;
    throw new SelectorError(errorMessage(err));
  }
  return { requirements: sortByKey(requirements), matchesNothing: false };
}

function requirementToString(r: LabelRequirement): string {
  const values = r.values.length === 1 ? (r.values[0] ?? '') : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${values})`;
    case 'notin':
      return `${r.key} notin (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

/**
 * The canonical string of a selector, as upstream's Selector.String(): requirements joined by `,`
 * (e.g. `app=web,tier in (a,b)`); empty for the everything and nothing selectors.
 */
export function selectorToString(expr: LabelSelectorExpr): string {
  if (expr.matchesNothing) return '';
  return expr.requirements.map(requirementToString).join(',');
}

/** A label map as upstream's labels.FormatLabels: `a=b,c=d` sorted by key, `<none>` when empty. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/**
 * A LabelSelector object as upstream's metav1.FormatLabelSelector (the -o wide SELECTOR column):
 * its string, `<none>` when it selects everything or nothing, `<error>` when invalid.
 */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  let expr: LabelSelectorExpr;
  try {
    expr = labelSelectorFromObject(sel);
  } catch (err) {
    if (err instanceof SelectorError) return '<error>';
    throw err;
  }
  return selectorToString(expr) || '<none>';
}
