import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatLabelSelector,
  formatLabels,
  labelSelectorFromObject,
  matchesLabels,
  parseLabelSelector,
  selectorToString,
} from './labels.js';
import { SelectorError } from './errors.js';

function parseError(s: string): string {
  try {
    parseLabelSelector(s);
  } catch (err) {
    assert.ok(err instanceof SelectorError, `expected SelectorError for ${s}`);
    assert.equal(err.code, 400);
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(s)} to fail`);
}

describe('parseLabelSelector', () => {
  test('parses every operator and sorts requirements by key', () => {
    const expr = parseLabelSelector('z=1, y==2,x!=3,w in (b,a),v notin (c), u, !t, s>5, r<7');
    assert.deepEqual(
      expr.requirements.map((r) => [r.key, r.operator, r.values]),
      [
        ['r', 'lt', ['7']],
        ['s', 'gt', ['5']],
        ['t', '!', []],
        ['u', 'exists', []],
        ['v', 'notin', ['c']],
        ['w', 'in', ['a', 'b']],
        ['x', '!=', ['3']],
        ['y', '==', ['2']],
        ['z', '=', ['1']],
      ],
    );
    assert.equal(selectorToString(expr), 'r<7,s>5,!t,u,v notin (c),w in (a,b),x!=3,y==2,z=1');
  });

  test('empty selector and whitespace select everything', () => {
    assert.deepEqual(parseLabelSelector('').requirements, []);
    assert.deepEqual(parseLabelSelector('   ').requirements, []);
    assert.equal(matchesLabels(parseLabelSelector(''), undefined), true);
  });

  test('empty values and keywords as values', () => {
    assert.deepEqual(parseLabelSelector('a=').requirements[0]?.values, ['']);
    assert.deepEqual(parseLabelSelector('a in ()').requirements[0]?.values, ['']);
    assert.deepEqual(parseLabelSelector('a in (,x)').requirements[0]?.values, ['', 'x']);
    assert.deepEqual(parseLabelSelector('a in (in,notin)').requirements[0]?.values, ['in', 'notin']);
    assert.deepEqual(parseLabelSelector('example.com/app=web').requirements[0]?.key, 'example.com/app');
  });

  test('upstream error messages', () => {
    assert.equal(parseError('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(parseError('a=b c'), "found 'c', expected: ',' or 'end of string'");
    assert.equal(parseError('a=b,'), "found '', expected: identifier after ','");
    assert.equal(parseError(',a'), "found ',', expected: !, identifier, or 'end of string'");
    assert.equal(parseError('a in b'), "unable to parse requirement: found 'b' expected: '('");
    assert.equal(parseError('a in (b'), "unable to parse requirement: found '', expected: ',' or ')'");
    assert.equal(parseError('!a=b'), "found '=', expected: ',' or 'end of string'");
    assert.equal(parseError('a=(b)'), "unable to parse requirement: found '(', expected: identifier");
    assert.match(parseError('a=b c d'), /found 'c'/);
    assert.match(
      parseError('-a=b'),
      /^unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of alphanumeric characters/,
    );
    assert.match(
      parseError('a=-b'),
      /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b": a valid label must be an empty string/,
    );
    assert.equal(
      parseError('/a=b'),
      'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty',
    );
    assert.match(parseError('a>b'), /for 'Gt', 'Lt' operators, the value must be an integer/);
  });
});

describe('matchesLabels', () => {
  const labels = { app: 'web', tier: 'front', n: '10' };
  const cases: [string, boolean][] = [
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (db,web)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['n>9', true],
    ['n<10', false],
    ['missing>1', false],
  ];
  for (const [sel, want] of cases) {
    test(`${sel} → ${want}`, () => assert.equal(matchesLabels(parseLabelSelector(sel), labels), want));
  }
});

describe('labelSelectorFromObject', () => {
  test('matchLabels and matchExpressions, sorted by key', () => {
    const expr = labelSelectorFromObject({
      matchLabels: { tier: 'front', app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'gpu', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'Exists' },
        { key: 'bad', operator: 'NotIn', values: ['x'] },
      ],
    });
    assert.equal(selectorToString(expr), 'app=web,bad notin (x),env in (dev,prod),!gpu,tier=front,zone');
    assert.equal(matchesLabels(expr, { app: 'web', tier: 'front', env: 'dev', zone: 'a' }), true);
    assert.equal(matchesLabels(expr, { app: 'web', tier: 'front', env: 'dev', zone: 'a', gpu: '1' }), false);
  });

  test('a missing selector matches nothing, an empty one everything', () => {
    assert.equal(matchesLabels(labelSelectorFromObject(undefined), { a: 'b' }), false);
    assert.equal(matchesLabels(labelSelectorFromObject({}), { a: 'b' }), true);
    assert.equal(selectorToString(labelSelectorFromObject({})), '');
  });

  test('invalid operator and values', () => {
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }),
      { message: '"Gt" is not a valid label selector operator' },
    );
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In' }] }), {
      message: "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    });
  });
});

describe('formatting', () => {
  test('formatLabels', () => {
    assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
    assert.equal(formatLabels({}), '<none>');
    assert.equal(formatLabels(undefined), '<none>');
  });
  test('formatLabelSelector', () => {
    assert.equal(formatLabelSelector({ matchLabels: { app: 'web' } }), 'app=web');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
  });
});
