import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { snapshotKinds, snapshotResources } from '../inspect/snapshot.js';
import { seedSnapshot } from '../inspect/testing.js';
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

/** Runs `skiff ui ARGS` on the seed's objects (and the server's published settings when `published` is given) until `use` is done. */
async function withSeedUi(args: string[], published: string | undefined, use: (page: (path: string) => Promise<{ status: number; body: string }>, errors: string[]) => Promise<void>): Promise<void> {
  const client = new MemoryClient();
  const snapshot = seedSnapshot();
  for (const kind of snapshotKinds) for (const obj of snapshot[kind] as KubeObject[]) await client.create(snapshotResources[kind], obj.metadata?.namespace ?? '', obj);
  // The page's "why?" traces from pods in `default`: a copy of the seed's client there.
  const seedClient = snapshot.pods.find((p) => p.metadata?.name === 'client');
  assert.ok(seedClient);
  await client.create(resources.pods, 'default', { ...seedClient, metadata: { name: 'client', namespace: 'default' } });
  if (published !== undefined) {
    await client.create(resources.configmaps, 'kube-system', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'kube-system', name: 'skiff-cluster-config' }, data: { clusterDomain: published } });
  }
  const lines: string[] = [];
  const errors: string[] = [];
  const stop = new AbortController();
  const run = runUi(['--port', '0', '--open-nothing', ...args], {
    connect: () => ({ client, getText: async () => '', close: () => undefined }),
    out: (t) => lines.push(t),
    err: (t) => errors.push(t),
    signal: stop.signal,
  });
  try {
    const url = await waitFor('the URL', () => lines[0]);
    const cookie = `skiff_ui_${new URL(url).port}=${new URL(url).searchParams.get('token')}`;
    await use((path) => fetchPage(new URL(path, url).href, cookie), errors);
  } finally {
    stop.abort();
    assert.equal(await run, 0);
  }
}

const webPath = '/view/workload?namespace=seed&kind=StatefulSet&name=web';
const tracePath = '/trace?from=client&to=cluster-service-test.seed%3A80';

test("skiff ui writes StatefulSet pods' addresses and traces under the zone the server publishes", async () => {
  await withSeedUi([], 'corp.internal', async (page, errors) => {
    const web = await page(webPath);
    assert.equal(web.status, 200);
    assert.match(web.body, /web-0\.nginx\.seed\.svc\.corp\.internal/);
    assert.doesNotMatch(web.body, /cluster\.local/);
    assert.match((await page(tracePath)).body, /search default\.svc\.corp\.internal svc\.corp\.internal corp\.internal/);
    assert.deepEqual(errors.filter((e) => /skiff-cluster-config/.test(e)), []);
  });
});

test('skiff ui --cluster-domain wins; without it and without the published setting, cluster.local and a note', async () => {
  await withSeedUi(['--cluster-domain', 'example.test'], 'corp.internal', async (page) => {
    assert.match((await page(webPath)).body, /web-0\.nginx\.seed\.svc\.example\.test/);
    assert.match((await page(tracePath)).body, /search default\.svc\.example\.test svc\.example\.test example\.test/);
  });
  await withSeedUi([], undefined, async (page, errors) => {
    assert.match((await page(webPath)).body, /web-0\.nginx\.seed\.svc\.cluster\.local/);
    assert.ok(errors.some((e) => /the server publishes no kube-system\/skiff-cluster-config: StatefulSet pods' addresses and traces use cluster\.local \(give --cluster-domain/.test(e)), errors.join('\n'));
  });
  await assert.rejects(runUi(['--cluster-domain', 'no such zone']), /--cluster-domain "no such zone"/);
});
