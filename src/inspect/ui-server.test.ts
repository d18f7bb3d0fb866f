import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { seedSnapshot } from './testing.js';
import { emptySnapshot, type ClusterSnapshot } from './snapshot.js';
import { svgDocument } from './svg.js';
import { UiServer, type SnapshotSource } from './ui-server.js';
import { registerView, type AnyView, type ViewLink } from './view.js';
import { inspectViews } from './views/index.js';
import { podView } from './views/pod.js';
import { waitFor } from '../testing/wait.js';

/** A snapshot source the test changes by hand. */
class FixtureSource implements SnapshotSource {
  current: ClusterSnapshot = seedSnapshot();
  trafficWanted = 0;
  private readonly listeners = new Set<() => void>();

  snapshot(): ClusterSnapshot {
    return this.current;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  wantTraffic(): () => void {
    this.trafficWanted++;
    return () => this.trafficWanted--;
  }

  change(next: ClusterSnapshot): void {
    this.current = next;
    for (const l of this.listeners) l();
  }
}

/** A view of the traffic samples, which throws for name=boom and links to a trace. */
const trafficView = registerView({
  name: 'traffic',
  title: 'Traffic',
  params: ['name'],
  usesTraffic: true,
  select: (s: ClusterSnapshot, p: Record<string, string>) => {
    if (p.name === 'boom') throw new Error('boom <b>');
    return { samples: s.traffic.length };
  },
  render: (m: { samples: number }) => svgDocument({ width: 10, height: 10, title: 'traffic', description: `${m.samples} samples` }),
  describe: (m: { samples: number }) => `${m.samples} samples`,
  links: (): ViewLink[] => [
    { view: 'trace', params: { from: 'seed/client', to: 'cluster-service-test:6379' } },
    { view: 'nowhere', params: {} },
  ],
});

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('UiServer', () => {
  const source = new FixtureSource();
  const views: AnyView[] = [...inspectViews(), trafficView];
  let server: UiServer;
  let traced: string[] = [];
  let port = 0;
  let cookie = '';

  function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { cookie, ...headers } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Opens an event stream and collects its `view` events until `close` is called. */
  function events(path: string): { views: { svg: string; description: string; links: { href: string; text: string }[]; status: number }[]; close: () => void } {
    const out: { views: { svg: string; description: string; links: { href: string; text: string }[]; status: number }[]; close: () => void } = { views: [], close: () => undefined };
    const req = request({ host: '127.0.0.1', port, path, headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (block.includes('event: view') && data) out.views.push(JSON.parse(data.slice(6)));
        }
      });
    });
    req.on('error', () => undefined);
    req.end();
    out.close = () => req.destroy();
    return out;
  }

  before(async () => {
    server = new UiServer({
      source,
      views,
      token: 'secret-token',
      trace: (from, to) => {
        traced.push(`${from} ${to}`);
        if (to === 'fail') throw new Error('no such pod');
        return `${to} is refused: <port 6379 is the container's port, use 99>`;
      },
    });
    const url = await server.start();
    port = Number(new URL(url).port);
    assert.equal(url, `http://127.0.0.1:${port}/?token=secret-token`);
  });

  after(async () => {
    await server.close();
  });

  test('without the token nothing is served; the token sets a cookie and redirects without it; another Host is refused', async () => {
    cookie = '';
    assert.equal((await get('/')).status, 401);
    assert.equal((await get('/view/pod?namespace=seed&name=tomcat-redis')).status, 401);
    assert.equal((await get('/?token=wrong')).status, 401);
    const login = await get('/view/pod?token=secret-token&namespace=seed&name=tomcat-redis');
    assert.equal(login.status, 303);
    assert.equal(login.headers.location, '/view/pod?namespace=seed&name=tomcat-redis');
    assert.match(String(login.headers['set-cookie']), new RegExp(`^skiff_ui_${port}=secret-token;`));
    assert.match(String(login.headers['set-cookie']), / HttpOnly; SameSite=Strict; Path=\//);
    cookie = `skiff_ui_${port}=secret-token`;
    assert.equal((await get('/')).status, 200);
    assert.equal((await get('/', { host: `evil.example:${port}` })).status, 403, 'DNS rebinding');
    assert.equal((await get('/', { host: `localhost:${port}` })).status, 200);
  });

  test('the start page: a menu with a labelled form per view and the objects each can draw; assets from skiff itself under a strict CSP', async () => {
    cookie = `skiff_ui_${port}=secret-token`;
    const page = await get('/');
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.match(page.body, /<nav aria-label="Views">/);
    assert.match(page.body, /<label for="f-pod-namespace">namespace<\/label><input id="f-pod-namespace" name="namespace"/);
    assert.match(page.body, /<a href="\/view\/pod\?namespace=seed&amp;name=tomcat-redis">seed tomcat-redis<\/a>/);
    assert.match(page.body, /<a href="\/view\/workload\?namespace=seed&amp;kind=StatefulSet&amp;name=web">seed StatefulSet web<\/a>/);
    assert.doesNotMatch(page.body, /https?:\/\/(?!127\.0\.0\.1)/, 'nothing from elsewhere');
    const js = await get('/assets/page.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(js.body, /EventSource/);
    assert.equal((await get('/assets/page.css')).status, 200);
    assert.equal((await get('/nothing/here')).status, 404);
    assert.equal((await get('/view/nosuchview')).status, 404);
  });

  test('/view draws the picture inline with its text description and links to registered views only', async () => {
    cookie = `skiff_ui_${port}=secret-token`;
    const page = await get('/view/pod?namespace=seed&name=tomcat-stable-6d8f7c9b54-abcde&ignored=1');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1 id="view-heading">Pod: seed tomcat-stable-6d8f7c9b54-abcde<\/h1>/);
    assert.match(page.body, /<div id="picture" tabindex="0" role="region" aria-labelledby="view-heading"><svg xmlns/);
    assert.match(page.body, /<p id="description">Pod seed\/tomcat-stable-6d8f7c9b54-abcde: IP 10\.42\.0\.11/);
    assert.match(page.body, /<a href="\/view\/workload\?namespace=seed&amp;kind=Deployment&amp;name=tomcat-stable">Workload: seed Deployment tomcat-stable<\/a>/);
    assert.match(page.body, /<a href="\/view\/service\?namespace=seed&amp;name=cluster-service-02">Service: seed cluster-service-02<\/a>/);
    assert.match(page.body, /data-events="\/events\/pod\?namespace=seed&amp;name=tomcat-stable-6d8f7c9b54-abcde"/);
    const missing = await get('/view/pod?namespace=seed&name=nope');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /Nothing to draw: seed nope does not exist, or you may not see it\./);
    const empty = await get('/view/pod');
    assert.equal(empty.status, 404);
    assert.match(empty.body, /give namespace, name in the form of the menu/);
  });

  test('/svg answers the standalone SVG; a failing view answers 500 with its message, escaped, and the server goes on', async () => {
    cookie = `skiff_ui_${port}=secret-token`;
    const svg = await get('/svg/pod?namespace=seed&name=tomcat-redis');
    assert.equal(svg.status, 200);
    assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
    assert.equal(svg.body, podView.render(podView.select(source.snapshot(), { namespace: 'seed', name: 'tomcat-redis' }) ?? assert.fail()));
    const boom = await get('/view/traffic?name=boom');
    assert.equal(boom.status, 500);
    assert.match(boom.body, /The Traffic view failed: boom &lt;b&gt;/);
    assert.equal((await get('/')).status, 200);
  });

  test('/events sends the view, then again when the snapshot changes (only what changed); a traffic view holds traffic while open', async () => {
    cookie = `skiff_ui_${port}=secret-token`;
    const stream = events('/events/workload?namespace=seed&kind=Deployment&name=tomcat-canary');
    try {
      await waitFor('the first drawing', () => stream.views.length === 1, { timeoutMs: 5000, intervalMs: 10 });
      assert.equal(stream.views[0]?.status, 200);
      assert.match(stream.views[0]?.description ?? '', /1\/1 ready/);
      source.change({ ...source.current, pods: [...source.current.pods] });
      // Same drawing: nothing sent. Then a real change.
      const next = seedSnapshot();
      const canary = next.deployments.find((d) => d.metadata?.name === 'tomcat-canary');
      assert.ok(canary?.spec && canary.status);
      canary.spec.replicas = 2;
      source.change(next);
      await waitFor('the redrawing', () => stream.views.length === 2, { timeoutMs: 5000, intervalMs: 10 });
      assert.match(stream.views[1]?.description ?? '', /1\/2 ready/);
    } finally {
      stream.close();
    }
    const traffic = events('/events/traffic?name=t');
    try {
      await waitFor('the traffic view', () => traffic.views.length === 1, { timeoutMs: 5000, intervalMs: 10 });
      assert.equal(source.trafficWanted, 1);
      assert.deepEqual(traffic.views[0]?.links, [{ href: '/trace?from=seed%2Fclient&to=cluster-service-test%3A6379', text: 'Why? Trace seed/client → cluster-service-test:6379' }]);
    } finally {
      traffic.close();
    }
    await waitFor('traffic released', () => source.trafficWanted === 0 && server.streamCount === 0, { timeoutMs: 5000, intervalMs: 10 });
  });

  test('/trace asks the injected trace and shows its answer escaped; a failure says why', async () => {
    cookie = `skiff_ui_${port}=secret-token`;
    traced = [];
    const form = await get('/trace');
    assert.equal(form.status, 200);
    assert.match(form.body, /<label for="trace-from">/);
    const answer = await get('/trace?from=seed%2Fclient&to=10.170.11.11%3A6379');
    assert.equal(answer.status, 200);
    assert.deepEqual(traced, ['seed/client 10.170.11.11:6379']);
    assert.match(answer.body, /<pre id="trace">10\.170\.11\.11:6379 is refused: &lt;port 6379 is the container&#39;s port, use 99&gt;<\/pre>/);
    const failed = await get('/trace?from=x&to=fail');
    assert.equal(failed.status, 500);
    assert.match(failed.body, /The trace failed: no such pod/);
  });
});

test('without a trace function /trace says it is not available and trace links are left out', async () => {
  const server = new UiServer({ source: new FixtureSource(), views: [trafficView], token: 't' });
  const url = new URL(await server.start());
  try {
    const get = (path: string) => getWithCookie(url, path);
    assert.equal((await get('/trace?from=a&to=b')).status, 404);
    assert.doesNotMatch((await get('/view/traffic?name=x')).body, /Why\?/);
  } finally {
    await server.close();
  }
});

/** A source that has read nothing yet; {@link finishRead} brings the seed and says it is ready. */
class SlowSource extends FixtureSource {
  private wake: () => void = () => undefined;
  private readonly read = new Promise<void>((resolve) => (this.wake = resolve));
  constructor() {
    super();
    this.current = emptySnapshot();
  }

  ready(signal: AbortSignal): Promise<void> {
    return Promise.race([this.read, new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]);
  }

  finishRead(): void {
    this.change(seedSnapshot());
    this.wake();
  }
}

async function getWithCookie(url: URL, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, path, headers: { cookie: `skiff_ui_${url.port}=t` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test("a page asked for before the source's first full read waits for it: the menu lists every object, the object is drawn", async () => {
  const source = new SlowSource();
  const server = new UiServer({ source, views: inspectViews(), token: 't' });
  const url = new URL(await server.start());
  try {
    let answered = false;
    const index = getWithCookie(url, '/').finally(() => (answered = true));
    const pod = getWithCookie(url, '/view/pod?namespace=seed&name=tomcat-redis');
    // The asset, which does not depend on the cluster, is served at once.
    assert.equal((await getWithCookie(url, '/assets/page.css')).status, 200);
    assert.equal(answered, false, 'the index page waits for the first read');
    source.finishRead();
    const menu = await index;
    assert.equal(menu.status, 200);
    assert.match(menu.body, /href="\/view\/pod\?namespace=seed&amp;name=tomcat-redis"/);
    assert.equal((await pod).status, 200);
  } finally {
    await server.close();
  }
});

test('a source that never finishes its first read: pages draw what there is after readyTimeoutMs', async () => {
  const source = new SlowSource();
  const server = new UiServer({ source, views: inspectViews(), token: 't', readyTimeoutMs: 50 });
  const url = new URL(await server.start());
  try {
    const pod = await getWithCookie(url, '/view/pod?namespace=seed&name=tomcat-redis');
    assert.equal(pod.status, 404);
    assert.match(pod.body, /does not exist, or you may not see it/);
  } finally {
    await server.close();
  }
});
