/** Multipliers of upstream's decimal SI suffixes (resource.Quantity accepts n, u, m, '', k, M, G, T, P, E). */
const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Multipliers of upstream's binary SI suffixes. */
const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const quantityPattern = /^([+-]?)(\d+\.?\d*|\.\d+)(.*)$/;

/**
 * Parses a Kubernetes resource quantity with upstream's grammar: a signed decimal number
 * (`1`, `1.5`, `.5`, `5.`) followed by a binary SI suffix (Ki..Ei), a decimal SI suffix
 * (n, u, m, k, M, G, T, P, E) or a decimal exponent (`e3`, `E-2`). JSON numbers are
 * accepted too, as upstream's Quantity decodes them. Undefined when it does not parse.
 */
export function parseQuantity(input: unknown): { value: number } | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? { value: input } : undefined;
  if (typeof input !== 'string') return undefined;
  const match = quantityPattern.exec(input);
  if (!match) return undefined;
  const [, sign, digits, suffix] = match as unknown as [string, string, string, string];
  let multiplier: number | undefined = decimalSuffixes[suffix] ?? binarySuffixes[suffix];
  if (multiplier === undefined) {
    const exponent = /^[eE]([+-]?\d+)$/.exec(suffix);
    if (!exponent?.[1]) return undefined;
    multiplier = 10 ** Number(exponent[1]);
  }
  const magnitude = Number(digits) * multiplier;
  if (!Number.isFinite(magnitude)) return undefined;
  return { value: sign === '-' ? -magnitude : magnitude };
}
