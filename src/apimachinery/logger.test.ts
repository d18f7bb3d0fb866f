import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, levelForVerbosity, parseLogLevel } from './logger.js';

test('a logger writes RFC 3339 time, level, component and message; child loggers name their component', () => {
  const lines: string[] = [];
  const root = new Logger({ write: (l) => lines.push(l), now: () => new Date('2026-12-04T19:00:00.000Z') });
  root.info('starting');
  const child = root.child('node-controller');
  child.warn('slow');
  const passed: (msg: string) => void = child.error;
  passed('broken');
  assert.deepEqual(lines, [
    '2026-12-04T19:00:00.000Z info - starting',
    '2026-12-04T19:00:00.000Z warn node-controller slow',
    '2026-12-04T19:00:00.000Z error node-controller broken',
  ]);
});

test('debug lines are written only at level debug', () => {
  const lines: string[] = [];
  const info = new Logger({ write: (l) => lines.push(l) }).child('c');
  info.debug('hidden');
  assert.equal(lines.length, 0);
  const debug = new Logger({ level: 'debug', write: (l) => lines.push(l) }).child('c');
  debug.debug('shown');
  assert.match(lines[0]!, /^\S+ debug c shown$/);
  const errorsOnly = new Logger({ level: 'error', write: (l) => lines.push(l) });
  errorsOnly.warn('hidden');
  assert.equal(lines.length, 1);
});

test('log levels parse by name, and klog verbosity 4 and above means debug', () => {
  assert.equal(parseLogLevel('debug'), 'debug');
  assert.throws(() => parseLogLevel('trace'), /invalid log level "trace" \(one of error, warn, info, debug\)/);
  assert.equal(levelForVerbosity(2), 'info');
  assert.equal(levelForVerbosity(4), 'debug');
});
