import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IntOrPercentError, scaledValueFromIntOrPercent } from './intstr.js';

describe('scaledValueFromIntOrPercent', () => {
  test('a number is used as is; a percentage of the total rounds up or down', () => {
    assert.equal(scaledValueFromIntOrPercent(3, 10, true), 3);
    assert.equal(scaledValueFromIntOrPercent('25%', 4, false), 1);
    assert.equal(scaledValueFromIntOrPercent('25%', 5, true), 2);
    assert.equal(scaledValueFromIntOrPercent('25%', 5, false), 1);
  });

  test('other strings are rejected', () => {
    assert.throws(() => scaledValueFromIntOrPercent('3', 10, true), IntOrPercentError);
    assert.throws(() => scaledValueFromIntOrPercent('abc', 10, true), /invalid value for IntOrString/);
  });
});
