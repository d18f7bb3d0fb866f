/**
 * What JSON.parse forgets about a JSON text and upstream's decoder does not: fields written twice
 * (the strict decoder reports `duplicate field "spec.replicas"`) and the literal text of numbers
 * that are not plain integers (Go refuses `1.5`, `1e3` or `1.0` for an integer field and prints the
 * literal: `cannot unmarshal number 1e3 into ... of type int32`).
 */

/** What {@link scanJSONSource} finds. */
export interface JSONSourceFacts {
  /** Paths of fields that appear more than once in their object, in document order (`spec.replicas`, `spec.containers[0].name`). */
  duplicates: string[];
  /**
   * Path → literal of each number that is not a plain integer JSON.parse keeps exactly: it has a
   * fraction or exponent, or more than 15 digits.
   */
  numberLiterals: Map<string, string>;
}

/** The key under which {@link attachSourceFacts} keeps the facts on a decoded value (not enumerable, so never written out). */
const sourceFactsKey = Symbol('skiff.jsonSourceFacts');

/** Keeps `facts` on the decoded document `value` (an object), for the schema checks of the write. */
export function attachSourceFacts(value: unknown, facts: JSONSourceFacts): void {
  if (value === null || typeof value !== 'object') return;
  if (!facts.duplicates.length && !facts.numberLiterals.size) return;
  Object.defineProperty(value, sourceFactsKey, { value: facts, enumerable: false, configurable: true });
}

/** The facts {@link attachSourceFacts} kept on `value`, if any. */
export function sourceFactsOf(value: unknown): JSONSourceFacts | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return (value as { [sourceFactsKey]?: JSONSourceFacts })[sourceFactsKey];
}

interface Frame {
  /** Path of the container, as field paths print. */
  path: string;
  /** Keys seen so far (objects only). */
  keys?: Set<string>;
  /** The next element's index (arrays only). */
  index: number;
  /** The key whose value comes next (objects only). */
  key?: string;
}

const plainInteger = /^-?\d{1,15}$/;

/**
 * Scans a JSON text that JSON.parse has already accepted, in one pass without recursion, for
 * duplicate fields and numbers JSON.parse would change. Paths use the format of field errors.
 */
export function scanJSONSource(text: string): JSONSourceFacts {
  const facts: JSONSourceFacts = { duplicates: [], numberLiterals: new Map() };
  const stack: Frame[] = [];
  /** Where the value that starts at the cursor goes. */
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.keys) return top.path ? `${top.path}.${top.key ?? ''}` : (top.key ?? '');
    return `${top.path}[${top.index}]`;
  };
  const afterValue = (): void => {
    const top = stack[stack.length - 1];
    if (top && !top.keys) top.index++;
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      let end = text.indexOf('"', start);
      let escaped = false;
      while (end > 0) {
        let backslashes = 0;
        for (let j = end - 1; j >= start && text.charCodeAt(j) === 0x5c; j--) backslashes++;
        if (backslashes % 2 === 0) break;
        escaped = true;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) break;
      if (!escaped && text.lastIndexOf('\\', end) >= start) escaped = true;
      i = end + 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.key === undefined) {
        const key = escaped ? (JSON.parse(text.slice(start - 1, end + 1)) as string) : text.slice(start, end);
        top.key = key;
        if (top.keys.has(key)) facts.duplicates.push(valuePath());
        else top.keys.add(key);
      } else {
        afterValue();
      }
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ path: valuePath(), keys: c === 0x7b ? new Set() : undefined, index: 0 });
      i++;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      afterValue();
      i++;
      continue;
    }
    if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.key = undefined;
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < n) {
        const d = text.charCodeAt(end);
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) end++;
        else break;
      }
      const literal = text.slice(i, end);
      if (!plainInteger.test(literal)) facts.numberLiterals.set(valuePath(), literal);
      afterValue();
      i = end;
      continue;
    }
    if (c === 0x74 /* t */ || c === 0x66 /* f */ || c === 0x6e /* n */) {
      i += c === 0x66 ? 5 : 4;
      afterValue();
      continue;
    }
    i++;
  }
  return facts;
}
