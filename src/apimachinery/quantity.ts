/**
 * Resource quantities with the semantics of upstream's resource.Quantity
 * (k8s.io/apimachinery/pkg/api/resource): exact decimal values (a BigInt mantissa times a power
 * of ten, never a float), upstream's grammar and rounding, and its canonical string form.
 */

/** How a quantity is written: `12e6`, `12Mi` (12 × 2^20) or `12M` (12 × 10^6). */
export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

/** Upstream's splitREString, quoted in its ErrFormatWrong message. */
export const quantityPattern = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** Upstream's parse error messages (ErrFormatWrong, ErrNumeric, ErrSuffix). */
export const quantityErrors = {
  formatWrong: `quantities must match the regular expression '${quantityPattern}'`,
  numeric: 'unable to parse numeric part of quantity',
  suffix: "unable to parse quantity's suffix",
} as const;

/** A string that is not a quantity; the message is upstream's. */
export class QuantityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityParseError';
  }
}

/** Powers of ten of upstream's scales (Scale): value × 10^scale. */
export const Scale = { nano: -9, micro: -6, milli: -3, unit: 0, kilo: 3, mega: 6, giga: 9, tera: 12, peta: 15, exa: 18 } as const;

const decimalSuffixExponents: Readonly<Record<string, number>> = {
  n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18,
};
const binarySuffixExponents: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalSuffixByExponent = new Map(Object.entries(decimalSuffixExponents).map(([suffix, exponent]) => [exponent, suffix]));
const binarySuffixByPower = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const suffixLetters = 'eEinumkKMGTP';
const maxInt64 = (1n << 63n) - 1n;
const nanoExponent = -9;
/** Beyond this many decimal digits a value is ±Infinity as a JS number (doubles end near 1.8e308). */
const maxNumberDigits = 310;

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

/** 10^0 … 10^40, the powers everyday quantities need. */
const smallPowersOf10 = Array.from({ length: 41 }, (_, exponent) => 10n ** BigInt(exponent));

function pow10(exponent: number): bigint {
  return smallPowersOf10[exponent] ?? 10n ** BigInt(exponent);
}

/** Whether |mantissa × 10^exponent| is greater than `limit` (a non-negative integer). */
function magnitudeExceeds(mantissa: bigint, exponent: number, limit: bigint): boolean {
  return exponent >= 0 ? abs(mantissa) * pow10(exponent) > limit : abs(mantissa) > limit * pow10(-exponent);
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

function sign(value: bigint): -1 | 0 | 1 {
  return value === 0n ? 0 : value < 0n ? -1 : 1;
}

/** Divides by 10^digits, rounding away from zero (upstream's RoundUp). */
function divideRoundingUp(value: bigint, digits: number): { quotient: bigint; exact: boolean } {
  const magnitude = abs(value);
  // A divisor with more digits than the value leaves 0 or ±1; never build 10^1000000000 to find that out.
  if (digits > smallPowersOf10.length && digits > magnitude.toString().length) {
    return { quotient: BigInt(sign(value)), exact: value === 0n };
  }
  const divisor = pow10(digits);
  let quotient = magnitude / divisor;
  const exact = quotient * divisor === magnitude;
  if (!exact) quotient += 1n;
  return { quotient: value < 0n ? -quotient : quotient, exact };
}

/** Moves the factors of `base` out of `value`: value = result × base^times. */
function removeFactors(value: bigint, base: bigint): { result: bigint; times: number } {
  let result = value;
  let times = 0;
  while (result !== 0n && result % base === 0n) {
    result /= base;
    times++;
  }
  return { result, times };
}

interface ScannedQuantity {
  negative: boolean;
  /** Integer digits without leading zeros ("0" when there are none). */
  whole: string;
  /** Fraction digits as written. */
  fraction: string;
  suffix: string;
}

/** Splits a quantity into sign, digits and suffix as upstream's parseQuantityString scanner does. */
function scanQuantity(text: string): ScannedQuantity {
  const scanned: ScannedQuantity = { negative: false, whole: '0', fraction: '', suffix: '' };
  let pos = 0;
  if (text[0] === '-' || text[0] === '+') {
    scanned.negative = text[0] === '-';
    pos++;
  }
  while (text[pos] === '0') pos++;
  if (pos >= text.length) return scanned;
  const wholeStart = pos;
  while (isDigit(text[pos])) pos++;
  if (pos > wholeStart) scanned.whole = text.slice(wholeStart, pos);
  if (pos >= text.length) return scanned;
  if (text[pos] === '.') {
    const fractionStart = ++pos;
    while (isDigit(text[pos])) pos++;
    scanned.fraction = text.slice(fractionStart, pos);
    if (pos >= text.length) return scanned;
  }
  const suffixStart = pos;
  while (pos < text.length && suffixLetters.includes(text[pos]!)) pos++;
  if (pos < text.length && (text[pos] === '+' || text[pos] === '-')) pos++;
  while (isDigit(text[pos])) pos++;
  if (pos < text.length) throw new QuantityParseError(quantityErrors.formatWrong);
  scanned.suffix = text.slice(suffixStart);
  return scanned;
}

interface InterpretedSuffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

/** The base, exponent and format a suffix stands for (upstream's suffixer.interpret). */
function interpretSuffix(suffix: string): InterpretedSuffix {
  const decimal = decimalSuffixExponents[suffix];
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = binarySuffixExponents[suffix];
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const digits = suffix.slice(1);
    if (/^[+-]?\d+$/.test(digits)) {
      const parsed = BigInt(digits);
      // Upstream parses an int64 and keeps its low 32 bits (int32 conversion).
      if (parsed <= maxInt64 && parsed >= -maxInt64 - 1n) return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
    }
  }
  throw new QuantityParseError(quantityErrors.suffix);
}

/**
 * The input string when upstream keeps it as the quantity's string form (it does so for inputs
 * its int64 fast path finds already canonical, sign and leading zeros included), else undefined.
 */
function verbatimForm(text: string, scanned: ScannedQuantity, suffix: InterpretedSuffix): string | undefined {
  const { whole, fraction } = scanned;
  const precision =
    suffix.format === 'BinarySI'
      ? fraction === '' ? 15 - whole.length - Math.trunc((suffix.exponent * 3) / 10) - 1 : -1
      : 18 - (whole.length + fraction.length);
  if (precision < 0) return undefined;
  const scale = (suffix.base === 10 ? suffix.exponent : 0) - fraction.length;
  if (scale < nanoExponent) return undefined;
  const shifted = whole + fraction;
  const digits = BigInt(shifted);
  if (digits > maxInt64) return undefined;
  if (suffix.base === 2 && digits << BigInt(suffix.exponent) > maxInt64) return undefined;
  if (suffix.format === 'BinarySI') return (digits & 7n) !== 0n ? text : undefined;
  return scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0' ? text : undefined;
}

/**
 * A fixed-point quantity: `mantissa × 10^exponent` with a format remembered for printing. Parsed
 * values are rounded up to nano precision; BinarySI values are capped at 2^63-1 in magnitude.
 * Immutable: arithmetic returns new quantities.
 */
export class Quantity {
  private constructor(
    private readonly mantissa: bigint,
    private readonly exponent: number,
    /** The format the quantity prints in (the one it was written in). */
    readonly format: QuantityFormat,
    /** The input string when upstream would print the quantity as written (worked out on first print). */
    private verbatim?: string | (() => string | undefined),
  ) {}

  /** Parses a quantity string exactly as upstream's ParseQuantity (no surrounding whitespace); throws QuantityParseError. */
  static parse(text: string): Quantity {
    if (text.length === 0) throw new QuantityParseError(quantityErrors.formatWrong);
    if (text === '0') return new Quantity(0n, 0, 'DecimalSI', text);
    const scanned = scanQuantity(text);
    const suffix = interpretSuffix(scanned.suffix);
    let mantissa = BigInt(scanned.whole + scanned.fraction);
    let exponent = -scanned.fraction.length;
    if (suffix.base === 10) exponent += suffix.exponent;
    else mantissa <<= BigInt(suffix.exponent);
    if (exponent < nanoExponent) {
      // Upstream rounds any non-zero amount up to the next nano: asking for some resource gives some.
      mantissa = divideRoundingUp(mantissa, nanoExponent - exponent).quotient;
      exponent = nanoExponent;
    }
    let format = suffix.format;
    if (format === 'BinarySI') {
      if (magnitudeExceeds(mantissa, exponent, maxInt64)) {
        mantissa = maxInt64;
        exponent = 0;
      }
      // Between 0 and 1 there is no binary suffix to keep.
      if (mantissa !== 0n && exponent < 0 && mantissa < pow10(-exponent)) format = 'DecimalSI';
    }
    if (scanned.negative) mantissa = -mantissa;
    return new Quantity(mantissa, exponent, format, () => verbatimForm(text, scanned, suffix));
  }

  /**
   * Decodes a quantity from JSON as upstream's UnmarshalJSON: a string (surrounding whitespace
   * ignored) or a number. Throws QuantityParseError for anything else or a malformed string.
   */
  static fromJSON(value: unknown): Quantity {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new QuantityParseError(quantityErrors.formatWrong);
      return Quantity.parse(String(value));
    }
    if (typeof value !== 'string') throw new QuantityParseError(quantityErrors.formatWrong);
    return Quantity.parse(value.trim());
  }

  /** The quantity `value` (an integer) in `format` (upstream's NewQuantity); default DecimalSI. */
  static fromInteger(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return Quantity.fromScaled(value, 0, format);
  }

  /** The quantity `value / 1000` (upstream's NewMilliQuantity); default format DecimalSI. */
  static fromMilli(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return Quantity.fromScaled(value, Scale.milli, format);
  }

  /** The quantity `value × 10^scale` (upstream's NewScaledQuantity); default format DecimalSI. */
  static fromScaled(value: bigint | number, scale: number, format: QuantityFormat = 'DecimalSI'): Quantity {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
    return new Quantity(BigInt(value), scale, format);
  }

  /** -1, 0 or 1 as the quantity is negative, zero or positive. */
  sign(): -1 | 0 | 1 {
    return sign(this.mantissa);
  }

  /** Whether the quantity is zero. */
  isZero(): boolean {
    return this.mantissa === 0n;
  }

  /** Decimal digits of the magnitude's integer part plus one: |value| < 10^order. */
  private order(): number {
    return abs(this.mantissa).toString().length + this.exponent;
  }

  /** -1, 0 or 1 as this quantity is less than, equal to or greater than `other` (upstream's Cmp). */
  cmp(other: Quantity): -1 | 0 | 1 {
    const mine = this.sign();
    const theirs = other.sign();
    if (mine !== theirs || mine === 0) return mine > theirs ? 1 : mine < theirs ? -1 : 0;
    // Same sign: far-apart exponents compare by order of magnitude, so they never get expanded.
    if (Math.abs(this.exponent - other.exponent) > smallPowersOf10.length) {
      const orderDifference = this.order() - other.order();
      if (orderDifference !== 0) return (orderDifference > 0 ? mine : -mine) as -1 | 1;
    }
    const [a, b] = Quantity.aligned(this, other);
    return a === b ? 0 : a > b ? 1 : -1;
  }

  /** Whether both quantities have the same value (formats may differ). */
  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** Mantissas of both quantities at their common (smaller) exponent. */
  private static aligned(a: Quantity, b: Quantity): [bigint, bigint, number] {
    const exponent = Math.min(a.exponent, b.exponent);
    return [a.mantissa * pow10(a.exponent - exponent), b.mantissa * pow10(b.exponent - exponent), exponent];
  }

  /**
   * The exact sum; it keeps this quantity's format unless this quantity is zero (then `other`'s),
   * as upstream's Add. Like upstream's, exponents far apart (1e999999 + 1) make huge numbers.
   */
  add(other: Quantity): Quantity {
    if (other.isZero()) return new Quantity(this.mantissa, this.exponent, this.format);
    const [a, b, exponent] = Quantity.aligned(this, other);
    return new Quantity(a + b, exponent, this.isZero() ? other.format : this.format);
  }

  /** The difference; formats as in add (upstream's Sub). */
  sub(other: Quantity): Quantity {
    return this.add(other.neg());
  }

  /** The negated quantity, same format. */
  neg(): Quantity {
    return new Quantity(-this.mantissa, this.exponent, this.format);
  }

  /** The same value printed in `format`. */
  withFormat(format: QuantityFormat): Quantity {
    return new Quantity(this.mantissa, this.exponent, format);
  }

  /** The larger of this quantity and `other` (this one when equal). */
  max(other: Quantity): Quantity {
    return other.cmp(this) > 0 ? other : this;
  }

  /**
   * ceil(value / 10^scale) rounded away from zero, exactly (upstream's ScaledValue, which
   * returns it as an int64 and overflows beyond 2^63-1).
   */
  scaledValue(scale: number): bigint {
    const shift = this.exponent - scale;
    if (shift >= 0) return this.mantissa * pow10(shift);
    return divideRoundingUp(this.mantissa, -shift).quotient;
  }

  /**
   * The value rounded up away from zero to an integer (upstream's Value) as a JS number: exact
   * up to 2^53, the nearest double beyond, ±Infinity past the double range.
   */
  value(): number {
    return this.scaledNumber(Scale.unit);
  }

  /** ceil(value × 1000) away from zero (upstream's MilliValue), as a JS number like value(). */
  milliValue(): number {
    return this.scaledNumber(Scale.milli);
  }

  private scaledNumber(scale: number): number {
    const shift = this.exponent - scale;
    if (this.mantissa === 0n) return 0;
    // Guards against expanding absurd exponents: the result is beyond doubles, or a fraction rounding to ±1.
    if (shift > maxNumberDigits) return this.sign() * Infinity;
    if (shift < -maxNumberDigits && this.order() - this.exponent < -shift) return this.sign();
    return Number(this.scaledValue(scale));
  }

  /** Canonical mantissa digits and a base-10 exponent that is a multiple of 3 (upstream's AsCanonicalBytes). */
  private canonicalDecimal(): { digits: string; exponent: number } {
    const stripped = removeFactors(this.mantissa, 10n);
    let mantissa = stripped.result;
    let exponent = this.exponent + stripped.times;
    while (exponent % 3 !== 0) {
      mantissa *= 10n;
      exponent--;
    }
    return { digits: mantissa.toString(), exponent };
  }

  /**
   * The canonical form (upstream's String/CanonicalizeBytes): the largest suffix of the
   * quantity's format that keeps an integer mantissa, no fraction, `-` only for negatives.
   * BinarySI values within ±1024 or not integral print as DecimalSI. Values beyond the last
   * suffix (E, Ei) print in exponent form, as upstream does since it stopped dropping them.
   */
  toString(): string {
    if (typeof this.verbatim === 'function') this.verbatim = this.verbatim();
    if (this.verbatim !== undefined) return this.verbatim;
    if (this.isZero()) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const integral = this.scaledValue(Scale.unit);
      const withinKibi = this.cmp(Quantity.fromInteger(-1024)) > 0 && this.cmp(Quantity.fromInteger(1024)) < 0;
      // Rounding to an integer would lose precision: print the exact value as DecimalSI instead.
      if (withinKibi || !Quantity.fromInteger(integral).equals(this)) {
        format = 'DecimalSI';
      } else {
        const { result, times } = removeFactors(integral, 1024n);
        const suffix = binarySuffixByPower[times];
        if (suffix !== undefined) return `${result}${suffix}`;
        format = 'DecimalExponent';
      }
    }
    const { digits, exponent } = this.canonicalDecimal();
    const suffix = format === 'DecimalSI' ? decimalSuffixByExponent.get(exponent) : undefined;
    if (suffix !== undefined) return digits + suffix;
    return exponent === 0 ? digits : `${digits}e${exponent}`;
  }

  /** The canonical string, as upstream's MarshalJSON writes it. */
  toJSON(): string {
    return this.toString();
  }
}

/**
 * The quantity a JSON value holds (a string, whitespace around it ignored, or a number), as the
 * API decodes a resource.Quantity field; undefined when it is not one.
 */
export function parseQuantity(input: unknown): Quantity | undefined {
  try {
    return Quantity.fromJSON(input);
  } catch (error) {
    if (error instanceof QuantityParseError) return undefined;
    throw error;
  }
}
