import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../apimachinery/clock.js';
import { waitFor } from './wait.js';

describe('waitFor', () => {
  test('returns the first truthy answer of the probe', async () => {
    let calls = 0;
    const value = await waitFor('the third call', () => (++calls >= 3 ? `call ${calls}` : undefined));
    assert.equal(value, 'call 3');
  });

  test('moves a fake clock between rounds, so timers fire', async () => {
    const clock = new FakeClock();
    let fired = false;
    clock.setTimer(1000, () => {
      fired = true;
    });
    await waitFor('the timer', () => fired, { clock, stepMs: 100 });
    assert.ok(clock.now().getTime() - new FakeClock().now().getTime() >= 1000);
  });

  test('fails with the name of what it waited for once the deadline passed', async () => {
    await assert.rejects(waitFor('never', () => false, { timeoutMs: 20, errors: ['boom'] }), /timed out waiting for never; errors: boom/);
  });

  test('a throwing probe fails the wait unless retryOnError, which names the last error on timeout', async () => {
    const probe = (): boolean => {
      throw new Error('not up');
    };
    await assert.rejects(waitFor('server', probe), /not up/);
    await assert.rejects(waitFor('server', probe, { retryOnError: true, timeoutMs: 20, intervalMs: 5 }), /timed out waiting for server: Error: not up/);
  });
});
