import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUsageError } from './flags.js';
import { logLevelOf } from './log-flags.js';

test('--log-level names the level; -v 4 and above means debug; bad values are usage errors', () => {
  assert.equal(logLevelOf({ 'log-level': 'info', v: '' }), 'info');
  assert.equal(logLevelOf({ 'log-level': 'warn', v: '' }), 'warn');
  assert.equal(logLevelOf({ 'log-level': 'info', v: '2' }), 'info');
  assert.equal(logLevelOf({ 'log-level': 'info', v: '4' }), 'debug');
  assert.throws(() => logLevelOf({ 'log-level': 'loud' }), (err: Error) => isUsageError(err) && /--log-level: invalid log level "loud"/.test(err.message));
  assert.throws(() => logLevelOf({ 'log-level': 'info', v: 'x' }), (err: Error) => isUsageError(err) && /-v: not a verbosity/.test(err.message));
});
