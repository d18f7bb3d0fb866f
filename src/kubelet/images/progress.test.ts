import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, ProgressReporter, renderProgressBar } from './progress.js';

describe('renderProgressBar', () => {
  test('draws a bar, a percentage and sizes', () => {
    assert.equal(renderProgressBar({ label: 'a.tar', done: 512 * 1024, total: 1024 * 1024, width: 10 }), 'a.tar [#####-----]  50% 512.0 KiB/1.0 MiB');
    assert.equal(renderProgressBar({ label: 'a', done: 0, total: 10, width: 4 }), 'a [----]   0% 0 B/10 B');
    assert.equal(renderProgressBar({ label: 'a', done: 10, total: 10, width: 4 }), 'a [####] 100% 10 B/10 B');
    assert.equal(renderProgressBar({ label: 'a', done: 20, total: 10, width: 4 }), 'a [####] 100% 20 B/10 B');
  });

  test('leaves the bar out when the total is unknown', () => {
    assert.equal(renderProgressBar({ label: 'x', done: 1536, total: 0 }), 'x 1.5 KiB');
  });

  test('formatBytes', () => {
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB');
  });
});

function fakeOutput(isTTY: boolean): { writes: string[]; isTTY: boolean; write(s: string): boolean } {
  const writes: string[] = [];
  return { writes, isTTY, write: (s: string) => (writes.push(s), true) };
}

describe('ProgressReporter', () => {
  test('on a terminal redraws in place at most every interval, then ends the line', () => {
    const out = fakeOutput(true);
    let now = 1000;
    const reporter = new ProgressReporter({ output: out, width: 4, now: () => now });
    reporter.update({ label: 'f', done: 1, total: 4 });
    now += 50;
    reporter.update({ label: 'f', done: 2, total: 4 }); // too soon: not drawn
    now += 60;
    reporter.update({ label: 'f', done: 3, total: 4 });
    reporter.update({ label: 'f', done: 4, total: 4 }); // too soon, but shown by finish
    reporter.finish();
    assert.deepEqual(out.writes, ['\rf [#---]  25% 1 B/4 B\x1b[K', '\rf [###-]  75% 3 B/4 B\x1b[K', '\rf [####] 100% 4 B/4 B\x1b[K\n']);
  });

  test('elsewhere prints only the final line', () => {
    const out = fakeOutput(false);
    const reporter = new ProgressReporter({ output: out, width: 4 });
    for (let i = 0; i <= 4; i++) reporter.update({ label: 'f', done: i, total: 4 });
    reporter.finish();
    reporter.update({ label: 'g', done: 1, total: 1 });
    reporter.finish('g imported');
    reporter.finish(); // nothing pending: prints nothing
    assert.deepEqual(out.writes, ['f [####] 100% 4 B/4 B\n', 'g imported\n']);
  });
});
