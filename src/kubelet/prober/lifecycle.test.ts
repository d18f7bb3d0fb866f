import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock, settle } from '../../apimachinery/clock.js';
import { runLifecycleHandler, type LifecycleTarget } from './lifecycle.js';
import type { ExecResult } from './probe.js';

function target(exec?: LifecycleTarget['exec'], podIP = '127.0.0.1'): LifecycleTarget {
  return {
    podIP,
    container: { name: 'app', ports: [{ name: 'web', containerPort: 1 }] },
    pod: { name: 'web', namespace: 'default', uid: 'uid-1' },
    exec: exec ?? (async (): Promise<ExecResult> => ({ exitCode: 0, output: '' })),
  };
}

describe('exec hooks', () => {
  test('exit 0 is ok; a non-zero exit gives the kubelet message', async () => {
    let exitCode = 0;
    const calls: number[] = [];
    const t = target(async (_command, timeoutSeconds) => {
      calls.push(timeoutSeconds);
      return { exitCode, output: 'oops' };
    });
    assert.deepEqual(await runLifecycleHandler({ exec: { command: ['sh', '-c', 'exit 0'] } }, t), { ok: true, message: '' });
    exitCode = 2;
    assert.deepEqual(await runLifecycleHandler({ exec: { command: ['sh', '-c', 'exit 2'] } }, t), {
      ok: false,
      message:
        'Exec lifecycle hook ([sh -c exit 2]) for Container "app" in Pod "web_default(uid-1)" failed - error: ' +
        "command 'sh -c exit 2' exited with 2: oops, message: \"oops\"",
    });
    assert.deepEqual(calls, [0, 0], 'hooks run without a timeout');
  });
});

describe('httpGet hooks', () => {
  let port = 0;
  const paths: string[] = [];
  const userAgents: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    userAgents.push(req.headers['user-agent'] ?? '');
    res.statusCode = req.url === '/bad' ? 503 : 200;
    res.end();
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('2xx is ok, with the kube-lifecycle User-Agent', async () => {
    assert.deepEqual(await runLifecycleHandler({ httpGet: { port, path: '/hook' } }, target()), { ok: true, message: '' });
    assert.equal(paths.at(-1), '/hook');
    assert.equal(userAgents.at(-1), 'kube-lifecycle/1.32');
  });

  test('a 5xx fails', async () => {
    const res = await runLifecycleHandler({ httpGet: { port, path: '/bad' } }, target());
    assert.deepEqual(res, {
      ok: false,
      message:
        'HTTP lifecycle hook (/bad) for Container "app" in Pod "web_default(uid-1)" failed - error: HTTP lifecycle hook failed with statuscode: 503',
    });
  });

  test('an unknown named port fails', async () => {
    const res = await runLifecycleHandler({ httpGet: { port: 'metrics', path: '/x' } }, target());
    assert.equal(res.ok, false);
    assert.match(res.message, /failed - error: port metrics not found$/);
  });
});

describe('sleep hooks', () => {
  test('sleep waits the seconds on the clock', async () => {
    const clock = new FakeClock();
    let done = false;
    const pending = runLifecycleHandler({ sleep: { seconds: 5 } }, target(), undefined, { clock }).then((r) => {
      done = true;
      return r;
    });
    await clock.advanceAsync(4_999);
    assert.equal(done, false);
    await clock.advanceAsync(1);
    assert.deepEqual(await pending, { ok: true, message: '' });
  });

  test('an abort ends the sleep with the kubelet message', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const pending = runLifecycleHandler({ sleep: { seconds: 30 } }, target(), controller.signal, { clock });
    await settle();
    controller.abort();
    assert.deepEqual(await pending, {
      ok: false,
      message:
        'Sleep lifecycle hook (30) for Container "app" in Pod "web_default(uid-1)" failed - error: container terminated before sleep hook finished',
    });
  });
});

test('a tcpSocket handler is not supported', async () => {
  const res = await runLifecycleHandler({ tcpSocket: { port: 80 } }, target());
  assert.equal(res.ok, false);
  assert.match(res.message, /^Cannot run handler: invalid handler: /);
});
