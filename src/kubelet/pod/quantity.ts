/**
 * Exact resource quantities for the node agent. The API server's `parseQuantity` returns a float,
 * which is fine for validation but not for cgroup values: `1.1` CPUs times 1000 is not 1100 in
 * binary floating point. Here a quantity is a BigInt count of nano-units (upstream's finest
 * precision), rounded up as upstream's resource.Quantity rounds values below 1n.
 */

const decimalExponents: Record<string, number> = {
  n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18,
};

const binaryExponents: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const quantityPattern = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/;

const nanoPerUnit = 1_000_000_000n;

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return quotient * denominator === numerator ? quotient : quotient + 1n;
}

/**
 * Parses a quantity string (upstream's grammar: signed decimal number, then a binary suffix Ki..Ei,
 * a decimal suffix n..E or an exponent e3/E-2) or a JSON number into nano-units.
 * Undefined when it does not parse.
 */
export function parseQuantityNanos(input: unknown): bigint | undefined {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    input = String(input);
  }
  if (typeof input !== 'string') return undefined;
  const match = quantityPattern.exec(input);
  if (!match) return undefined;
  const sign = match[1] ?? '';
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  const suffix = match[4] ?? '';
  if (whole === '' && fraction === '') return undefined;
  const mantissa = BigInt((whole || '0') + fraction);
  // value = mantissa * 10^-fraction.length * multiplier; scaled to nano-units.
  let numerator = mantissa;
  let denominator = 10n ** BigInt(fraction.length);
  const binary = binaryExponents[suffix];
  let decimalExponent: number | undefined = decimalExponents[suffix];
  if (binary !== undefined) {
    numerator *= 2n ** BigInt(binary);
    decimalExponent = 0;
  } else if (decimalExponent === undefined) {
    const exponent = /^[eE]([+-]?\d+)$/.exec(suffix);
    if (!exponent?.[1]) return undefined;
    decimalExponent = Number(exponent[1]);
  }
  const scale = decimalExponent + 9;
  if (scale >= 0) numerator *= 10n ** BigInt(scale);
  else denominator *= 10n ** BigInt(-scale);
  const magnitude = ceilDiv(numerator, denominator);
  return sign === '-' ? -magnitude : magnitude;
}

/** The quantity in thousandths of a unit, rounded up (upstream's Quantity.MilliValue); 0 when unparsable or absent. */
export function quantityMilliValue(input: unknown): number {
  const nanos = parseQuantityNanos(input);
  if (nanos === undefined) return 0;
  return Number(nanos < 0n ? -ceilDiv(-nanos, 1_000_000n) : ceilDiv(nanos, 1_000_000n));
}

/** The quantity in whole units, rounded up (upstream's Quantity.Value); 0 when unparsable or absent. */
export function quantityValue(input: unknown): number {
  const nanos = parseQuantityNanos(input);
  if (nanos === undefined) return 0;
  return Number(nanos < 0n ? -ceilDiv(-nanos, nanoPerUnit) : ceilDiv(nanos, nanoPerUnit));
}
