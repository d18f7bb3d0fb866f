import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Quantity, QuantityParseError, Scale, parseQuantity, quantityErrors, type QuantityFormat } from './quantity.js';

const maxInt64 = (1n << 63n) - 1n;

function scaled(mantissa: bigint | number, exponent: number, format: QuantityFormat): Quantity {
  return Quantity.fromScaled(mantissa, exponent, format);
}

function assertSame(actual: Quantity, expected: Quantity, label: string): void {
  assert.equal(actual.cmp(expected), 0, `${label}: ${actual.toString()} ≠ ${expected.toString()}`);
  assert.equal(actual.format, expected.format, `${label}: format`);
}

describe('Quantity.parse', () => {
  // Upstream's TestQuantityParse table: input, mantissa, exponent, format.
  const cases: [string, bigint | number, number, QuantityFormat][] = [
    ['0', 0, 0, 'DecimalSI'], ['0n', 0, 0, 'DecimalSI'], ['0u', 0, 0, 'DecimalSI'], ['0m', 0, 0, 'DecimalSI'],
    ['0Ki', 0, 0, 'BinarySI'], ['0k', 0, 0, 'DecimalSI'], ['0Mi', 0, 0, 'BinarySI'], ['0M', 0, 0, 'DecimalSI'],
    ['0Gi', 0, 0, 'BinarySI'], ['0G', 0, 0, 'DecimalSI'], ['0Ti', 0, 0, 'BinarySI'], ['0T', 0, 0, 'DecimalSI'],
    ['1', 1, 0, 'DecimalSI'],
    ['1Ki', 1024, 0, 'BinarySI'], ['8Ki', 8 * 1024, 0, 'BinarySI'], ['7Mi', 7 * 2 ** 20, 0, 'BinarySI'],
    ['6Gi', 6 * 2 ** 30, 0, 'BinarySI'], ['5Ti', 5 * 2 ** 40, 0, 'BinarySI'], ['4Pi', 4 * 2 ** 50, 0, 'BinarySI'],
    ['3Ei', 3n << 60n, 0, 'BinarySI'], ['10Ti', 10 * 2 ** 40, 0, 'BinarySI'], ['100Ti', 100 * 2 ** 40, 0, 'BinarySI'],
    ['5n', 5, -9, 'DecimalSI'], ['4u', 4, -6, 'DecimalSI'], ['3m', 3, -3, 'DecimalSI'], ['9', 9, 0, 'DecimalSI'],
    ['8k', 8, 3, 'DecimalSI'], ['50k', 5, 4, 'DecimalSI'], ['7M', 7, 6, 'DecimalSI'], ['6G', 6, 9, 'DecimalSI'],
    ['5T', 5, 12, 'DecimalSI'], ['40T', 4, 13, 'DecimalSI'], ['300T', 3, 14, 'DecimalSI'], ['2P', 2, 15, 'DecimalSI'],
    ['1E', 1, 18, 'DecimalSI'],
    ['1E-3', 1, -3, 'DecimalExponent'], ['1e3', 1, 3, 'DecimalExponent'], ['1E6', 1, 6, 'DecimalExponent'],
    ['1e9', 1, 9, 'DecimalExponent'], ['1E12', 1, 12, 'DecimalExponent'], ['1e15', 1, 15, 'DecimalExponent'],
    ['1E18', 1, 18, 'DecimalExponent'], ['1e14', 1, 14, 'DecimalExponent'], ['1e13', 1, 13, 'DecimalExponent'],
    ['100.035k', 100035, 0, 'DecimalSI'],
    ['0.001', 1, -3, 'DecimalSI'], ['0.0005k', 5, -1, 'DecimalSI'], ['0.005', 5, -3, 'DecimalSI'], ['0.05', 5, -2, 'DecimalSI'],
    ['0.5', 5, -1, 'DecimalSI'], ['0.00050k', 5, -1, 'DecimalSI'], ['0.00500', 5, -3, 'DecimalSI'], ['0.05000', 5, -2, 'DecimalSI'],
    ['0.50000', 5, -1, 'DecimalSI'], ['0.5e0', 5, -1, 'DecimalExponent'], ['0.5e-1', 5, -2, 'DecimalExponent'],
    ['0.5e-2', 5, -3, 'DecimalExponent'], ['10.035M', 10035, 3, 'DecimalSI'],
    ['1.2e3', 12, 2, 'DecimalExponent'], ['1.3E+6', 13, 5, 'DecimalExponent'], ['1.40e9', 14, 8, 'DecimalExponent'],
    ['1.53E12', 153, 10, 'DecimalExponent'], ['1.6e15', 16, 14, 'DecimalExponent'], ['1.7E18', 17, 17, 'DecimalExponent'],
    ['9.01', 901, -2, 'DecimalSI'], ['8.1k', 81, 2, 'DecimalSI'], ['7.123456M', 7123456, 0, 'DecimalSI'],
    ['6.987654321G', 6987654321, 0, 'DecimalSI'], ['5.444T', 5444, 9, 'DecimalSI'], ['40.1T', 401, 11, 'DecimalSI'],
    ['300.2T', 3002, 11, 'DecimalSI'], ['2.5P', 25, 14, 'DecimalSI'], ['1.01E', 101, 16, 'DecimalSI'],
    // Sub-nano precision rounds up; BinarySI is capped at 2^63-1.
    ['3.001n', 4, -9, 'DecimalSI'], ['1.1E-9', 2, -9, 'DecimalExponent'], ['0.0000000001', 1, -9, 'DecimalSI'],
    ['0.0000000005', 1, -9, 'DecimalSI'], ['0.00000000050', 1, -9, 'DecimalSI'], ['0.5e-9', 1, -9, 'DecimalExponent'],
    ['0.9n', 1, -9, 'DecimalSI'], ['0.00000012345', 124, -9, 'DecimalSI'], ['0.00000012354', 124, -9, 'DecimalSI'],
    ['9Ei', maxInt64, 0, 'BinarySI'], ['9223372036854775807Ki', maxInt64, 0, 'BinarySI'], ['12E', 12, 18, 'DecimalSI'],
    ['100.035Ki', 10243584, -2, 'BinarySI'], ['0.5Mi', 0.5 * 2 ** 20, 0, 'BinarySI'], ['0.05Gi', 536870912, -1, 'BinarySI'],
    ['0.025Ti', 274877906944, -1, 'BinarySI'],
    ['0.000000000001Ki', 2, -9, 'DecimalSI'], ['.001', 1, -3, 'DecimalSI'], ['.0001k', 100, -3, 'DecimalSI'],
    ['1.', 1, 0, 'DecimalSI'], ['1.G', 1, 9, 'DecimalSI'],
  ];

  test("upstream's table, with explicit + and negated", () => {
    for (const [input, mantissa, exponent, format] of cases) {
      const expected = scaled(mantissa, exponent, format);
      assertSame(Quantity.parse(input), expected, input);
      assertSame(Quantity.parse(`+${input}`), expected, `+${input}`);
      assertSame(Quantity.parse(`-${input}`), expected.neg(), `-${input}`);
    }
  });

  test('a bare sign or point is zero, as upstream scans it', () => {
    for (const input of ['.', '-.', '+', '-']) assert.ok(Quantity.parse(input).isZero(), input);
  });

  test('rejects what upstream rejects, with its messages', () => {
    const invalid: [string, string][] = [
      ['', quantityErrors.formatWrong], ['1.1.M', quantityErrors.formatWrong], ['1+1.0M', quantityErrors.formatWrong],
      ['0.1mi', quantityErrors.suffix], ['0.1am', quantityErrors.formatWrong], ['aoeu', quantityErrors.formatWrong],
      ['.5i', quantityErrors.suffix], ['1i', quantityErrors.suffix], ['-3.01i', quantityErrors.suffix],
      ['-3.01e-', quantityErrors.suffix], [' 1', quantityErrors.formatWrong], ['1 ', quantityErrors.formatWrong],
      ['1K', quantityErrors.suffix], ['1KB', quantityErrors.formatWrong], ['1e', quantityErrors.suffix],
      ['Non-Numeric', quantityErrors.formatWrong], ['1 Gi', quantityErrors.formatWrong], ['--1', quantityErrors.suffix],
    ];
    for (const [input, message] of invalid) {
      assert.throws(() => Quantity.parse(input), (error: unknown) => error instanceof QuantityParseError && error.message === message, input);
    }
    assert.equal(quantityErrors.formatWrong, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });
});

describe('Quantity.toString', () => {
  test("upstream's canonical forms (TestQuantityString) and their negatives", () => {
    const cases: [Quantity, string, string][] = [
      [scaled(2 ** 30, 0, 'BinarySI'), '1Gi', '1024Mi'], [scaled(300 * 2 ** 20, 0, 'BinarySI'), '300Mi', '307200Ki'],
      [scaled(6 * 1024, 0, 'BinarySI'), '6Ki', ''], [scaled(1001 * 2 ** 30, 0, 'BinarySI'), '1001Gi', '1025024Mi'],
      [scaled(2 ** 40, 0, 'BinarySI'), '1Ti', '1024Gi'], [scaled(5, 0, 'BinarySI'), '5', '5000m'],
      [scaled(500, -3, 'BinarySI'), '500m', '0.5'], [scaled(1, 9, 'DecimalSI'), '1G', '1000M'],
      [scaled(1000, 6, 'DecimalSI'), '1G', '0.001T'], [scaled(1000000, 3, 'DecimalSI'), '1G', ''],
      [scaled(1000000000, 0, 'DecimalSI'), '1G', ''], [scaled(1, -3, 'DecimalSI'), '1m', '1000u'],
      [scaled(80, -3, 'DecimalSI'), '80m', ''], [scaled(1080, -3, 'DecimalSI'), '1080m', '1.08'],
      [scaled(108, -2, 'DecimalSI'), '1080m', '1080000000n'], [scaled(10800, -4, 'DecimalSI'), '1080m', ''],
      [scaled(300, 6, 'DecimalSI'), '300M', ''], [scaled(1, 12, 'DecimalSI'), '1T', ''],
      [scaled(1234567, 6, 'DecimalSI'), '1234567M', ''], [scaled(1234567, -3, 'BinarySI'), '1234567m', ''],
      [scaled(3, 3, 'DecimalSI'), '3k', ''], [scaled(1025, 0, 'BinarySI'), '1025', ''],
      [scaled(0, 0, 'DecimalSI'), '0', ''], [scaled(0, 0, 'BinarySI'), '0', ''],
      [scaled(1, 9, 'DecimalExponent'), '1e9', '.001e12'], [scaled(1, -3, 'DecimalExponent'), '1e-3', '0.001e0'],
      [scaled(1, -9, 'DecimalExponent'), '1e-9', '1000e-12'], [scaled(80, -3, 'DecimalExponent'), '80e-3', ''],
      [scaled(300, 6, 'DecimalExponent'), '300e6', ''], [scaled(1, 12, 'DecimalExponent'), '1e12', ''],
      [scaled(1, 3, 'DecimalExponent'), '1e3', ''], [scaled(3, 3, 'DecimalExponent'), '3e3', ''],
      [scaled(0, 0, 'DecimalExponent'), '0', '00'], [scaled(1, -9, 'DecimalSI'), '1n', ''],
      [scaled(80, -9, 'DecimalSI'), '80n', ''], [scaled(1080, -9, 'DecimalSI'), '1080n', ''],
      [scaled(108, -8, 'DecimalSI'), '1080n', ''], [scaled(10800, -10, 'DecimalSI'), '1080n', ''],
      [scaled(1, -6, 'DecimalSI'), '1u', ''], [scaled(80, -6, 'DecimalSI'), '80u', ''], [scaled(1080, -6, 'DecimalSI'), '1080u', ''],
    ];
    for (const [quantity, canonical, alternate] of cases) {
      assert.equal(quantity.toString(), canonical);
      assert.equal(Quantity.parse(canonical).toString(), canonical);
      if (alternate) assert.equal(Quantity.parse(alternate).toString(), canonical, alternate);
      if (!quantity.isZero()) assert.equal(quantity.neg().toString(), `-${canonical}`);
    }
  });

  test('parse then print (TestQuantityParseEmit), also negated', () => {
    const cases: [string, string][] = [
      ['1Ki', '1Ki'], ['1Mi', '1Mi'], ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1000M', '1G'], ['.001Ki', '1024m'],
      ['.000001Ki', '1024u'], ['.000000001Ki', '1024n'], ['.000000000001Ki', '2n'],
      ['1.5', '1500m'], ['1.5Gi', '1536Mi'], ['0.1m', '100u'], ['1Ei', '1Ei'], ['1000m', '1'],
    ];
    for (const [input, canonical] of cases) {
      assert.equal(Quantity.parse(input).toString(), canonical, input);
      assert.equal(Quantity.parse(`-${input}`).toString(), `-${canonical}`, `-${input}`);
    }
  });

  test('an input upstream finds canonical on its fast path prints as written', () => {
    for (const input of ['100m', '+1', '01', '1025Ki', '10e3', '+1Gi', '1E3', '-1E3']) {
      assert.equal(Quantity.parse(input).toString(), input);
    }
    assert.equal(Quantity.parse('1E3').add(Quantity.parse('0')).toString(), '1e3', 'arithmetic prints canonically');
  });

  test('large values (TestParseQuantity canonical column)', () => {
    const cases: [string, string][] = [
      ['999999999999999999.1', '999999999999999999100m'], ['-1000000000000000000', '-1E'], ['1.0E', '1E'],
      ['9999999999999999999000m', '9999999999999999999'], ['1.0000000000000000001E', '1000000000000000000100m'],
      ['1.000000000000000001E', '1000000000000000001'], ['10000000000000000000', '10E'],
      ['10000000000000000000000m', '10E'], ['-9223372036854775809.1', '-9223372036854775809100m'],
    ];
    for (const [input, canonical] of cases) assert.equal(Quantity.parse(input).toString(), canonical, input);
  });

  test('beyond the last suffix prints in exponent form instead of dropping the magnitude', () => {
    assert.equal(Quantity.parse('1000E').toString(), '1e21');
    assert.equal(Quantity.parse('1e21').toString(), '1e21');
    assert.equal(Quantity.parse('4Ei').add(Quantity.parse('4Ei')).toString(), '8Ei');
    assert.equal(Quantity.fromInteger(1n << 70n, 'BinarySI').toString(), '1180591620717411303424');
    assert.equal(Quantity.fromScaled(1, 70, 'BinarySI').toString(), '10e69');
  });

  test('new quantities (TestNewSet, TestMilliNewSet, TestNewScaledSet)', () => {
    assert.equal(Quantity.fromInteger(1000).toString(), '1k');
    assert.equal(Quantity.fromInteger(1234000).toString(), '1234k');
    assert.equal(Quantity.fromInteger(1024, 'BinarySI').toString(), '1Ki');
    assert.equal(Quantity.fromInteger(1024 * 1024, 'BinarySI').toString(), '1Mi');
    assert.equal(Quantity.fromInteger(1000000, 'DecimalExponent').toString(), '1e6');
    assert.equal(Quantity.fromMilli(1).toString(), '1m');
    assert.equal(Quantity.fromMilli(1000).toString(), '1');
    assert.equal(Quantity.fromMilli(1024, 'BinarySI').toString(), '1024m');
    assert.equal(Quantity.fromMilli(1024 * 1024, 'BinarySI').toString(), '1048576m');
    const scaledCases: [number, number, string][] = [
      [1, Scale.nano, '1n'], [1000, Scale.nano, '1u'], [1, Scale.micro, '1u'], [1000, Scale.micro, '1m'],
      [1, Scale.milli, '1m'], [1000, Scale.milli, '1'], [1, 0, '1'], [0, Scale.nano, '0'], [0, 0, '0'],
    ];
    for (const [value, scale, canonical] of scaledCases) {
      const quantity = Quantity.fromScaled(value, scale);
      assert.equal(quantity.toString(), canonical);
      assert.equal(Quantity.parse(canonical).scaledValue(scale), BigInt(value));
    }
  });
});

describe('Quantity arithmetic', () => {
  test('comparisons (TestQuantityCmp and mixed scales)', () => {
    const cases: [string, string, number][] = [
      ['0', '0', 0], ['100m', '50m', 1], ['50m', '100m', -1], ['10000T', '100Gi', 1], ['1', '1000m', 0],
      ['1Ki', '1024', 0], ['1k', '1Ki', -1], ['-1', '1m', -1], ['1e999999999', '9Ei', 1], ['-1e999999999', '1n', -1],
      ['9.01', '9.1', -1], ['0.8', '0.79', 1],
    ];
    for (const [a, b, expected] of cases) {
      assert.equal(Quantity.parse(a).cmp(Quantity.parse(b)), expected, `${a} vs ${b}`);
      assert.equal(Quantity.parse(b).cmp(Quantity.parse(a)), expected === 0 ? 0 : -expected, `${b} vs ${a}`);
    }
  });

  test('add and sub keep the receiver format unless it is zero (TestAdd, TestSub, zero preserves suffix)', () => {
    const ten = scaled(10, 0, 'DecimalSI');
    assertSame(ten.add(scaled(1, 1, 'DecimalSI')), scaled(20, 0, 'DecimalSI'), '10+1e1');
    assertSame(ten.add(scaled(1, 0, 'BinarySI')), scaled(11, 0, 'DecimalSI'), '10+1');
    assertSame(scaled(10, 0, 'BinarySI').add(scaled(1, 0, 'DecimalSI')), scaled(11, 0, 'BinarySI'), 'binary 10+1');
    assertSame(ten.sub(scaled(1, 1, 'DecimalSI')), scaled(0, 0, 'DecimalSI'), '10-1e1');
    assertSame(scaled(10, 0, 'BinarySI').sub(scaled(1, 0, 'DecimalSI')), scaled(9, 0, 'BinarySI'), 'binary 10-1');
    const zero = Quantity.parse('0');
    for (const input of ['100m', '1Gi']) {
      const value = Quantity.parse(input);
      assert.equal(value.add(zero).toString(), input);
      assert.equal(zero.add(value).toString(), input);
      assert.equal(value.sub(zero).toString(), input);
      assert.equal(zero.sub(value).toString(), `-${input}`);
    }
    assert.equal(Quantity.parse('100m').add(Quantity.parse('1.1')).toString(), '1200m');
    assert.equal(Quantity.parse('1Gi').add(Quantity.parse('512Mi')).toString(), '1536Mi');
  });

  test('additions and subtractions across scales cancel exactly', () => {
    let sum = Quantity.parse('0');
    const parts = ['0.1', '0.2', '1n', '3Ki', '7e12', '123456789.123456789', '5m'];
    for (const part of parts) sum = sum.add(Quantity.parse(part));
    assert.equal(sum.cmp(Quantity.parse('7000123459861.42845679')), 0);
    for (const part of parts) sum = sum.sub(Quantity.parse(part));
    assert.ok(sum.isZero());
  });

  test('value and milliValue round up away from zero (TestScaledValue)', () => {
    const cases: [string, number, number][] = [
      ['1', 1, 1000], ['1.1', 2, 1100], ['100m', 1, 100], ['0.1m', 1, 1], ['1n', 1, 1], ['1Ki', 1024, 1024000],
      ['1.5Gi', 1610612736, 1610612736000], ['-1.5', -2, -1500], ['-0.1m', -1, -1], ['0', 0, 0], ['250m', 1, 250],
      ['1.5m', 1, 2], ['12e3', 12000, 12000000], ['1G', 1e9, 1e12], ['128Mi', 128 * 2 ** 20, 128 * 2 ** 20 * 1000],
    ];
    for (const [input, value, milli] of cases) {
      assert.equal(Quantity.parse(input).value(), value, `${input} value`);
      assert.equal(Quantity.parse(input).milliValue(), milli, `${input} milli`);
    }
    const scales: [number, number, bigint][] = [
      [Scale.nano, Scale.nano, 1n], [Scale.nano, Scale.micro, 1n], [Scale.nano, Scale.milli, 1n], [Scale.nano, 0, 1n],
      [Scale.micro, Scale.nano, 1000n], [Scale.milli, Scale.nano, 1000000n], [0, Scale.nano, 1000000000n], [2, -2, 10000n],
    ];
    for (const [from, to, expected] of scales) assert.equal(Quantity.fromScaled(1, from).scaledValue(to), expected);
  });

  test('overflow: BinarySI parses are capped at 2^63-1; larger DecimalSI values stay exact', () => {
    assert.equal(Quantity.parse('9Ei').toString(), '9223372036854775807');
    assert.equal(Quantity.parse('-9Ei').toString(), '-9223372036854775807');
    assert.equal(Quantity.parse('9Ei').scaledValue(0), maxInt64);
    assert.equal(Quantity.parse('10E').scaledValue(0), 10n ** 19n);
    assert.equal(Quantity.parse('12E').value(), 1.2e19);
    assert.equal(Quantity.parse('1e999999999').value(), Infinity);
    assert.equal(Quantity.parse('-1e999999999').milliValue(), -Infinity);
    assert.equal(Quantity.parse('1e-999999999').toString(), '1e-9', 'tiny values round up to a nano without expanding');
    assert.equal(Quantity.parse('1e999999999').scaledValue(999999999), 1n);
    assert.equal(Quantity.parse('1e9999999999').cmp(Quantity.parse('1e1410065407')), 0, 'exponents keep their low 32 bits as upstream');
  });
});

describe('parseQuantity (JSON values)', () => {
  test('strings with surrounding whitespace and numbers decode; other values do not', () => {
    assert.equal(parseQuantity(' 1')?.toString(), '1');
    assert.equal(parseQuantity('1 ')?.toString(), '1');
    assert.equal(parseQuantity(10)?.toString(), '10');
    assert.equal(parseQuantity(-1)?.toString(), '-1');
    assert.equal(parseQuantity(0.5)?.toString(), '500m');
    assert.equal(parseQuantity(1e21)?.cmp(Quantity.parse('1e21')), 0);
    for (const bad of ['', 'abc', '1 Gi', null, undefined, {}, Number.NaN, Infinity]) assert.equal(parseQuantity(bad), undefined, String(bad));
  });
});
