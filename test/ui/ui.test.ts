/**
 * `skiff ui` as a user runs it, against a real cluster (`skiff server` with its own node agent
 * and containerd, in a network namespace the test makes) holding the seed's objects, applied with
 * real kubectl; the page driven by headless Chromium (Debian's chromium, through playwright-core)
 * started inside the same namespace, so nothing it does can leave the machine. Every registered
 * view renders and passes axe-core; a `kubectl scale`, a `kubectl set image` rollout and a canary
 * weight changed with `kubectl annotate` show up in the open page; a user without
 * rights to Secrets sees no Secret name. Screenshots go to test-artifacts/ui/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load } from 'js-yaml';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { clusterPolling, type TestCluster } from '../harness/cluster.js';
import { startNodeCluster } from '../harness/node-cluster.js';
import { waitFor } from '../../src/testing/wait.js';
import { seedManifests } from '../../src/cli/demo/seed-manifests.js';
import { inspectViews } from '../../src/inspect/views/index.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));
const artifacts = fileURLToPath(new URL('../../../test-artifacts/ui/', import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const chromiumPath = '/usr/bin/chromium';
/** The cluster's DNS zone: not the default, so that the pictures show they use the cluster's. */
const clusterDomain = 'skiff-ui.test';
const canRun = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/sbin/runc') && existsSync(chromiumPath);

/** Secret names that a user without rights to Secrets must never see. */
const secretNames = ['seed-secret-do-not-show', 'ingress-tls-do-not-show'];

/**
 * The seed plus what the Secrets check needs (a Secret, an Ingress naming a TLS Secret, a user
 * without Secrets) and an ingress-nginx canary: the Ingress `tomcat-canary` sends 20 of 100
 * requests for tomcat.example.test to the Service of the seed's canary pods.
 */
const extras = `
apiVersion: v1
kind: Secret
metadata: {name: ${secretNames[0]}, namespace: seed}
stringData: {password: hunter2}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: tomcat, namespace: seed}
spec:
  tls:
  - hosts: [tomcat.example.test]
    secretName: ${secretNames[1]}
  rules:
  - host: tomcat.example.test
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: cluster-service-02, port: {number: 80}}}
---
apiVersion: v1
kind: Service
metadata: {name: tomcat-canary, namespace: seed}
spec:
  selector: {app: canary-tomcat, track: canary}
  ports: [{port: 80, targetPort: 8080, protocol: TCP}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: tomcat-canary
  namespace: seed
  annotations: {nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-weight: "20"}
spec:
  rules:
  - host: tomcat.example.test
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: tomcat-canary, port: {number: 80}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: viewer, namespace: seed}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ui-viewer-without-secrets}
rules:
- apiGroups: ["", apps, batch, networking.k8s.io, discovery.k8s.io, gateway.networking.k8s.io]
  resources: [pods, pods/log, services, endpoints, nodes, events, persistentvolumeclaims, deployments, replicasets, statefulsets, daemonsets, jobs, cronjobs, ingresses, ingressclasses, networkpolicies, endpointslices, gateways, httproutes]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ui-viewer-without-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ui-viewer-without-secrets}
subjects:
- {kind: ServiceAccount, name: viewer, namespace: seed}
`;

/** `skiff ui` started as a user would, inside the cluster's namespace; its URL once printed. */
class UiProcess {
  output = '';
  private constructor(private readonly child: ChildProcess) {}

  static async start(c: TestCluster, kubeconfig: string): Promise<{ ui: UiProcess; url: URL }> {
    const child = c.netns.spawn(process.execPath, [skiffBin, 'ui', '--kubeconfig', kubeconfig, '--port', '0', '--open-nothing']);
    const ui = new UiProcess(child);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (ui.output += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (ui.output += d));
    const url = await waitFor('skiff ui to print its URL', () => {
      if (child.exitCode !== null) throw new Error(`skiff ui exited with ${child.exitCode}:\n${ui.output}`);
      const m = /^http:\/\/127\.0\.0\.1:\d+\/\?token=\w+$/m.exec(ui.output);
      return m ? new URL(m[0]) : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50 });
    return { ui, url };
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  }
}

interface AxeViolation {
  id: string;
  impact?: string;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Serious and critical axe-core violations of the page as it is now. */
async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not restrict.
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))",
  )) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The little of the DOM the checks read (this file is compiled without the DOM's types). */
interface PageDocument {
  documentElement: { dataset: Record<string, string | undefined> };
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): { textContent: string | null } | null;
}

/**
 * Predicates run in the page, as functions: the page's Content-Security-Policy forbids
 * evaluating strings there. Patterns travel as RegExp sources.
 */
const inPage = {
  /** The live stream delivered its first drawing. */
  live: (): boolean => (globalThis as unknown as { document: PageDocument }).document.documentElement.dataset.updates !== undefined,
  description: (source: string): boolean => new RegExp(source).test((globalThis as unknown as { document: PageDocument }).document.getElementById('description')?.textContent ?? ''),
  main: (source: string): boolean => new RegExp(source).test((globalThis as unknown as { document: PageDocument }).document.querySelector('main')?.textContent ?? ''),
};

/** Waits for the page's live stream to draw, then marks the document so a reload would show. */
async function markLive(page: Page): Promise<void> {
  await page.waitForFunction(inPage.live, null, { timeout: 10_000 });
  await page.evaluate(() => ((globalThis as unknown as { sameDocument: boolean }).sameDocument = true));
}

/** Whether the document {@link markLive} marked is still the one shown (no reload happened). */
async function stillSameDocument(page: Page): Promise<boolean | undefined> {
  return page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument);
}

/** The view a `/view/<name>?…` link opens. */
const viewOf = (href: string): string => decodeURIComponent(new URL(href, 'http://x').pathname.replace(/^\/view\//, ''));

describe('skiff ui on a real cluster, in headless Chromium', { skip: canRun ? false : 'needs root, containerd, runc and chromium' }, () => {
  let c: TestCluster;
  let imagesDir = '';
  let workDir = '';
  let browser: BrowserContext | undefined;
  const uis: UiProcess[] = [];
  let admin: URL;
  const views = inspectViews();
  /** Requests any page made to somewhere else than its skiff ui: there must be none. */
  const outside: string[] = [];

  /** A page of the browser, logged in to the `skiff ui` at `url` (its token sets the cookie). */
  async function open(url: URL): Promise<Page> {
    assert.ok(browser);
    const page = await browser.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith(`${url.origin}/`) && !r.url().startsWith('data:')) outside.push(r.url());
    });
    const answer = await page.goto(url.href);
    assert.equal(answer?.status(), 200);
    return page;
  }

  before(async () => {
    imagesDir = await mkdtemp(join(tmpdir(), 'skiff-images-'));
    workDir = await mkdtemp(join(tmpdir(), 'skiff-ui-test-'));
    c = await startNodeCluster('node-a', imagesDir, { serverArgs: ['--service-cidr', '10.170.0.0/16', '--cluster-domain', clusterDomain] });
    const seed = seedManifests().map((o) => dump(o, { lineWidth: -1 })).join('---\n');
    await c.kubectlOK(['apply', '-f', '-'], { input: seed });
    await c.kubectlOK(['apply', '-f', '-'], { input: extras });
    await waitFor('tomcat-stable ready', async () => (await c.kubectl(['get', 'deployment', 'tomcat-stable', '-n', 'seed', '-o', 'jsonpath={.status.readyReplicas}'])).stdout === '3', { ...clusterPolling, timeoutMs: 120_000, intervalMs: 500 });
    await waitFor('container-03 to have lost 8080 once', async () => {
      const r = await c.kubectl(['get', 'pod', 'tomcat-redis', '-n', 'seed', '-o', 'jsonpath={.status.containerStatuses[?(@.name=="container-03")].restartCount}']);
      return Number(r.stdout || '0') >= 1;
    }, { ...clusterPolling, timeoutMs: 120_000, intervalMs: 500 });
    // Chromium runs inside the cluster's namespace (no route out), started by playwright through this wrapper.
    const wrapper = join(workDir, 'chromium-in-netns');
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${c.netns.name} ${chromiumPath} "$@"\n`);
    await chmod(wrapper, 0o755);
    browser = await chromium.launchPersistentContext(join(workDir, 'profile'), {
      executablePath: wrapper,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const started = await UiProcess.start(c, c.kubeconfig);
    uis.push(started.ui);
    admin = started.url;
    await mkdir(artifacts, { recursive: true });
  });

  after(async () => {
    assert.deepEqual(outside, [], 'the pages fetched nothing from elsewhere');
    await browser?.close();
    for (const ui of uis) await ui.stop();
    if (c) {
      if (process.env.SKIFF_TEST_VERBOSE) console.error(c.log, uis.map((u) => u.output).join('\n'));
      await c.stop();
    }
    for (const dir of [imagesDir, workDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every registered view renders with its text description and links, passes axe-core, and is kept as a screenshot', async (t) => {
    const page = await open(admin);
    try {
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to the content', 'the first Tab reaches the skip link');
      const menu = await page.$$eval('nav a[href^="/view/"]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
      const queue: string[] = [];
      for (const view of views) {
        const own = menu.filter((href) => viewOf(href) === view.name);
        queue.push(...(own.length ? own.slice(0, 2) : [`/view/${view.name}`]));
      }
      const rendered = new Map<string, string>();
      const tried = new Set<string>();
      /** What each view answered when it did not answer 200, for the failure message. */
      const refused = new Map<string, string[]>();
      while (queue.length) {
        const href = queue.shift() ?? '';
        const name = viewOf(href);
        if (tried.has(href) || rendered.has(name) || !views.some((v) => v.name === name)) continue;
        tried.add(href);
        const answer = await page.goto(new URL(href, admin).href);
        if (answer?.status() !== 200) {
          const said = (await page.textContent('#status').catch(() => null)) ?? (await answer?.text().catch(() => '')) ?? '';
          refused.set(name, [...(refused.get(name) ?? []), `${href} answered ${answer?.status() ?? 'nothing'}: ${said.trim().slice(0, 300)}`]);
          continue;
        }
        rendered.set(name, href);
        assert.ok(await page.$('#picture svg[role="img"]'), `${href}: the picture`);
        const description = (await page.textContent('#description')) ?? '';
        assert.ok(description.length > 20, `${href}: a text description`);
        const svgText = (await page.$eval('#picture svg desc', (d) => d.textContent)) ?? '';
        assert.ok(svgText.length > 0, `${href}: the SVG's own <desc>`);
        await page.waitForFunction(inPage.live, null, { timeout: 10_000 });
        const violations = await seriousViolations(page);
        assert.deepEqual(violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`), [], `${href}: serious or critical accessibility violations`);
        await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
        for (const link of await page.$$eval('#links a[href^="/view/"]', (as) => as.map((a) => a.getAttribute('href') ?? ''))) queue.push(link);
      }
      for (const v of views) {
        const answers = refused.get(v.name)?.join('; ') ?? 'never asked';
        assert.ok(rendered.has(v.name), `view ${v.name} rendered nothing: give it instances() or link to it from another view (menu: ${menu.filter((href) => viewOf(href) === v.name).join(', ') || 'none'}; answers: ${answers})`);
      }
      t.diagnostic(`rendered: ${[...rendered.values()].join(', ')}; screenshots in ${artifacts}`);
    } finally {
      await page.close();
    }
  });

  test('the seed pod: the port container-03 wants is drawn as the conflict, with the log line of the real container', async () => {
    const page = await open(admin);
    try {
      await page.goto(new URL('/view/pod?namespace=seed&name=tomcat-redis', admin).href);
      await page.waitForFunction(inPage.description, /Address (already )?in use/.source, { timeout: 60_000 }).catch(async (err: unknown) => {
        const logs = await c.kubectl(['logs', 'tomcat-redis', '-c', 'container-03', '-n', 'seed', '--previous']);
        throw new Error(`${String(err)}\npage: ${await page.textContent('#description')}\nskiff ui: ${uis[0]?.output}\nkubectl logs --previous: ${logs.stdout}${logs.stderr}`);
      });
      const description = (await page.textContent('#description')) ?? '';
      assert.match(description, /Port conflict: port 8080\/TCP is wanted by tomcat-container and container-03/);
      assert.match(description, /container-03 log( \(previous run\))?: .*bind.*Address (already )?in use/);
      assert.match((await page.$eval('#picture', (p) => p.innerHTML)) ?? '', /Address (already )?in use/);
      await page.screenshot({ path: join(artifacts, 'pod-conflict.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('a kubectl scale shows up in the open page, without reloading it', async (t) => {
    const page = await open(admin);
    try {
      await page.goto(new URL('/view/workload?namespace=seed&kind=Deployment&name=tomcat-stable', admin).href);
      await markLive(page);
      assert.match((await page.textContent('#description')) ?? '', /\/3 ready/);
      const started = performance.now();
      await c.kubectlOK(['scale', 'deployment/tomcat-stable', '--replicas=4', '-n', 'seed']);
      await page.waitForFunction(inPage.description, /\/4 ready/.source, { timeout: 30_000, polling: 10 });
      const latency = performance.now() - started;
      assert.match((await page.$eval('#picture', (p) => p.innerHTML)) ?? '', /\/4 ready/, 'the picture too');
      assert.equal(await stillSameDocument(page), true, 'the page was not reloaded');
      t.diagnostic(`kubectl scale → page updated in ${Math.round(latency)} ms (kubectl's own run included)`);
      await page.waitForFunction(inPage.description, /4\/4 ready/.source, { timeout: 90_000 });
      await page.screenshot({ path: join(artifacts, 'workload-scaled.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('a kubectl set image shows up in the open rolling-update view, without reloading it, until the rollout is done', async (t) => {
    const page = await open(admin);
    try {
      await page.goto(new URL('/view/rollout?namespace=seed&name=tomcat-canary', admin).href);
      await markLive(page);
      const before = (await page.textContent('#description')) ?? '';
      assert.match(before, /revision 1 \(tomcat-canary-\w+\): 1 wanted/);
      assert.doesNotMatch(before, /revision 2/);
      const started = performance.now();
      await c.kubectlOK(['set', 'image', 'deployment/tomcat-canary', 'tomcat-container=tomcat:v1', '-n', 'seed']);
      const kubectlDone = performance.now();
      await page.waitForFunction(inPage.description, /revision 2 \(tomcat-canary-\w+\)/.source, { timeout: 30_000, polling: 10 });
      const latency = performance.now() - started;
      assert.match((await page.$eval('#picture', (p) => p.innerHTML)) ?? '', /revision 2 \(tomcat-canary-\w+\)/, 'the picture too');
      t.diagnostic(`kubectl set image → new revision in the page in ${Math.round(latency)} ms (kubectl's own run included; ${Math.round(Math.max(0, started + latency - kubectlDone))} ms after kubectl exited)`);
      await page.waitForFunction(inPage.description, /successfully rolled out[\s\S]*revision 2 \(tomcat-canary-\w+\): 1 wanted, 1 ready, 1 available/.source, { timeout: 120_000 });
      assert.match((await page.textContent('#description')) ?? '', /revision 1 \(tomcat-canary-\w+\): 0 wanted/, 'the old ReplicaSet scaled to 0');
      assert.equal(await stillSameDocument(page), true, 'the page was not reloaded');
      await page.screenshot({ path: join(artifacts, 'rollout-updated.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('a canary weight changed with kubectl annotate shows up in the open canary view, without reloading it', async (t) => {
    const page = await open(admin);
    try {
      await page.goto(new URL('/view/canary?namespace=seed&kind=ingress&name=tomcat-canary', admin).href);
      await markLive(page);
      const before = (await page.textContent('#description')) ?? '';
      assert.match(before, /Ingress tomcat \+ canary tomcat-canary/);
      assert.match(before, /other requests: weight 20 of 100 → tomcat-canary/);
      const started = performance.now();
      await c.kubectlOK(['annotate', 'ingress', 'tomcat-canary', '-n', 'seed', 'nginx.ingress.kubernetes.io/canary-weight=45', '--overwrite']);
      const kubectlDone = performance.now();
      await page.waitForFunction(inPage.description, /other requests: weight 45 of 100 → tomcat-canary/.source, { timeout: 30_000, polling: 10 });
      const latency = performance.now() - started;
      const after = (await page.textContent('#description')) ?? '';
      assert.match(after, /canary Service tomcat-canary[^\n]*configured 45%/, 'the canary\'s configured share');
      assert.match(after, /main Service cluster-service-02[^\n]*configured 55%/, 'the main Service\'s configured share');
      assert.match((await page.$eval('#picture', (p) => p.innerHTML)) ?? '', /45%/, 'the picture too');
      assert.equal(await stillSameDocument(page), true, 'the page was not reloaded');
      t.diagnostic(`kubectl annotate canary-weight → page updated in ${Math.round(latency)} ms (kubectl's own run included; ${Math.round(Math.max(0, started + latency - kubectlDone))} ms after kubectl exited)`);
      await page.screenshot({ path: join(artifacts, 'canary-weight-changed.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test("StatefulSet pods' addresses use the cluster's DNS zone, which skiff ui reads from the server's published settings", async () => {
    const page = await open(admin);
    try {
      await page.goto(new URL('/view/workload?namespace=seed&kind=StatefulSet&name=web', admin).href);
      await page.waitForFunction(inPage.live, null, { timeout: 10_000 });
      const description = (await page.textContent('#description')) ?? '';
      assert.match(description, new RegExp(`web-0\\.nginx\\.seed\\.svc\\.${clusterDomain.replace(/\./g, '\\.')}`));
      assert.doesNotMatch(description, /cluster\.local/);
      assert.doesNotMatch(uis[0]?.output ?? '', /skiff-cluster-config/, 'the admin may read the setting: no note');
    } finally {
      await page.close();
    }
  });

  test('a user without rights to Secrets sees no Secret names anywhere in the page', async () => {
    const token = (await c.kubectlOK(['create', 'token', 'viewer', '-n', 'seed', '--duration', '1h'])).trim();
    const adminConfig = load(readFileSync(c.kubeconfig, 'utf8')) as { clusters: { name: string }[] };
    const clusterName = adminConfig.clusters[0]?.name ?? '';
    const viewerConfig = join(workDir, 'viewer-kubeconfig.yaml');
    await writeFile(viewerConfig, dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: adminConfig.clusters,
      users: [{ name: 'viewer', user: { token } }],
      contexts: [{ name: 'viewer', context: { cluster: clusterName, user: 'viewer' } }],
      'current-context': 'viewer',
    }));
    const denied = await c.kubectl(['get', 'secrets', '-n', 'seed'], { env: { KUBECONFIG: viewerConfig } });
    assert.notEqual(denied.code, 0, 'the viewer may not list Secrets');
    const { ui, url } = await UiProcess.start(c, viewerConfig);
    uis.push(ui);
    // The viewer may not read the published zone: told which one the pictures assume.
    await waitFor('the note on the cluster domain', () => /your credentials may not read kube-system\/skiff-cluster-config: .* use cluster\.local \(give --cluster-domain/.test(ui.output), { timeoutMs: 10_000, intervalMs: 50 });
    const page = await open(url);
    try {
      await page.waitForFunction(inPage.main, /may not list: .*secrets/.source, { timeout: 30_000 });
      const hrefs = [...new Set(await page.$$eval('nav a[href^="/view/"]', (as) => as.map((a) => a.getAttribute('href') ?? '')))];
      for (const view of views) if (!hrefs.some((h) => viewOf(h) === view.name)) hrefs.push(`/view/${view.name}`);
      const pages = ['/', ...hrefs];
      for (const href of pages) {
        await page.goto(new URL(href, url).href);
        if (href.startsWith('/view/')) await page.waitForFunction(inPage.live, null, { timeout: 10_000 });
        const content = await page.content();
        for (const secret of secretNames) assert.ok(!content.includes(secret), `${href} shows the Secret name ${secret} to a user who may not list Secrets`);
      }
      await page.screenshot({ path: join(artifacts, 'viewer-without-secrets.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});
