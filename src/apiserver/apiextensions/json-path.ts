/**
 * The JSONPath subset CRDs use in additionalPrinterColumns and scale paths: `.a.b`, `['a.b']`,
 * `[0]`, `[*]` and filters `[?(@.type=="Ready")]`, evaluated as kubectl's jsonpath does.
 */

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'filter'; path: string[]; value: string | number | boolean };

/** Parses a path; throws on syntax it does not know. */
export function parseJsonPath(expression: string): Step[] {
  let text = expression.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  if (text.startsWith('$')) text = text.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '.') {
      i++;
      let j = i;
      while (j < text.length && text[j] !== '.' && text[j] !== '[') j++;
      if (j > i) steps.push({ kind: 'field', name: text.slice(i, j) });
      i = j;
    } else if (text[i] === '[') {
      const end = text.indexOf(']', text.startsWith('[?(', i) ? text.indexOf(')]', i) : i);
      if (end < 0) throw new Error(`unterminated [ in ${expression}`);
      const inner = text.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else {
        const m = /^\?\(@((?:\.[\w-]+)+)\s*==\s*(?:"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?)|(true|false))\)$/.exec(inner);
        if (!m) throw new Error(`unsupported JSONPath element [${inner}] in ${expression}`);
        const value = m[2] ?? m[3] ?? (m[4] !== undefined ? Number(m[4]) : m[5] === 'true');
        steps.push({ kind: 'filter', path: m[1].slice(1).split('.'), value });
      }
    } else {
      throw new Error(`unexpected ${text[i]} in JSONPath ${expression}`);
    }
  }
  return steps;
}

function child(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

/** Every value the path reaches in `obj` (none when a step finds nothing). */
export function evaluateJsonPath(obj: unknown, expression: string): unknown[] {
  let current: unknown[] = [obj];
  for (const step of parseJsonPath(expression)) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'field') {
        const v = child(value, step.name);
        if (v !== undefined) next.push(v);
      } else if (Array.isArray(value)) {
        if (step.kind === 'index') {
          const v = value[step.index < 0 ? value.length + step.index : step.index];
          if (v !== undefined) next.push(v);
        } else if (step.kind === 'all') {
          next.push(...value);
        } else {
          next.push(...value.filter((item) => step.path.reduce<unknown>((v, name) => child(v, name), item) === step.value));
        }
      } else if (step.kind === 'all' && value !== null && typeof value === 'object') {
        next.push(...Object.values(value));
      }
    }
    current = next;
  }
  return current;
}

/** Reads the single value a simple path (`.spec.replicas`) leads to. */
export function getPath(obj: unknown, path: string): unknown {
  return evaluateJsonPath(obj, path)[0];
}

/** Sets the value at a simple path of fields (`.spec.replicas`), making objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const names = parseJsonPath(path).map((s) => {
    if (s.kind !== 'field') throw new Error(`${path} is not a path of fields`);
    return s.name;
  });
  let target = obj;
  for (const name of names.slice(0, -1)) {
    const next = target[name];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[name] = {};
    target = target[name] as Record<string, unknown>;
  }
  target[names[names.length - 1]] = value;
}
