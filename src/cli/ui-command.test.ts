import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { resources } from '../client/client.js';
import { MemoryClient } from '../testing/memory-client.js';
import { waitFor } from '../testing/wait.js';
import { runUi } from './ui-command.js';

function fetchPage(url: string, cookie = ''): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { cookie } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    }).on('error', reject);
  });
}

test('skiff ui prints the URL, serves the cluster as the client sees it, and stops on its signal', async () => {
  const client = new MemoryClient();
  await client.create(resources.pods, 'seed', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'seed' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const lines: string[] = [];
  const errors: string[] = [];
  const opened: string[] = [];
  let closed = false;
  const stop = new AbortController();
  const run = runUi(['--port', '0', '--kubeconfig', '/nonexistent/kubeconfig'], {
    connect: (kubeconfig) => {
      assert.equal(kubeconfig, '/nonexistent/kubeconfig');
      return { client, getText: async () => '', close: () => (closed = true) };
    },
    out: (t) => lines.push(t),
    err: (t) => errors.push(t),
    openBrowser: (url) => opened.push(url),
    signal: stop.signal,
  });
  const url = await waitFor('the URL', () => lines[0]);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  assert.deepEqual(opened, [url]);
  const login = await fetchPage(url);
  assert.equal(login.status, 303);
  const cookie = `skiff_ui_${new URL(url).port}=${new URL(url).searchParams.get('token')}`;
  const page = await waitFor('the pod in the menu', async () => {
    const p = await fetchPage(new URL('/', url).href, cookie);
    return p.body.includes('seed client') ? p : undefined;
  });
  assert.equal(page.status, 200);
  await waitFor('the note on what may not be listed', () => errors.some((e) => /may not list secrets/.test(e)));
  stop.abort();
  assert.equal(await run, 0);
  assert.ok(closed, 'the connection is closed');
});

test('skiff ui --open-nothing only prints; bad flags are usage errors; no kubeconfig is exit 1', async () => {
  const stop = new AbortController();
  stop.abort();
  const lines: string[] = [];
  const opened: string[] = [];
  const code = await runUi(['--open-nothing'], {
    env: { KUBECONFIG: '/x' },
    connect: () => ({ client: new MemoryClient(), getText: async () => '', close: () => undefined }),
    out: (t) => lines.push(t),
    openBrowser: (url) => opened.push(url),
    signal: stop.signal,
  });
  assert.equal(code, 0);
  assert.equal(lines.length, 1);
  assert.deepEqual(opened, []);
  await assert.rejects(runUi(['--port', 'x']), /--port x: not a port/);
  await assert.rejects(runUi(['extra']), /unexpected arguments: extra/);
  const errs: string[] = [];
  assert.equal(await runUi(['--kubeconfig', '/nonexistent/kubeconfig'], { err: (t) => errs.push(t) }), 1);
  assert.match(errs[0] ?? '', /no kubeconfig at \/nonexistent\/kubeconfig/);
});
