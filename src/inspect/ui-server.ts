/**
 * `skiff ui`'s HTTP server, on 127.0.0.1 only: the page and its assets (served by skiff
 * itself, nothing from elsewhere), `/view/<name>?…` (the picture inline with its text and links),
 * `/svg/<name>?…`, live updates over Server-Sent Events (`/events/<name>?…`: the view drawn
 * again when the snapshot changes, no polling per object) and the "why?" hook `/trace?from=&to=`.
 * The page shows what the user's credentials may read, so it is kept to the user: requests
 * need the token of the printed URL (then a cookie), and a Host other than 127.0.0.1 or
 * localhost (DNS rebinding) is refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ClusterSnapshot } from './snapshot.js';
import { indexPageHtml, messagePageHtml, renderView, tracePageHtml, viewHref, viewPageHtml, viewParams, type PageFrame, type RenderedView } from './ui-page.js';
import type { AnyView } from './view.js';

/** Where the pictures' state comes from: a {@link ClusterObserver} or a fixture. */
export interface SnapshotSource {
  snapshot(): ClusterSnapshot;
  /** Calls `listener` after changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** Asks for data-plane traffic until the returned function is called. Optional. */
  wantTraffic?(): () => void;
  /** Resolves once the first full read of the cluster is in (or `signal` aborts). Optional: without it the snapshot is taken as complete. */
  ready?(signal: AbortSignal): Promise<void>;
}

/**
 * The "why?" reasoning (`skiff trace`): what a connection from `from` (a pod or node) to `to`
 * (address:port, Service name:port or URL) meets, step by step, as text.
 */
export type TraceFunction = (from: string, to: string, snapshot: ClusterSnapshot) => Promise<string> | string;

/** Options of {@link UiServer}. */
export interface UiServerOptions {
  source: SnapshotSource;
  /** The views served, in menu order. */
  views: readonly AnyView[];
  /** Answers `/trace`. Default none: `/trace` says tracing is not available. */
  trace?: TraceFunction;
  /** The port; 0 (default) any free one. */
  port?: number;
  /** The secret of the printed URL. Default 32 random bytes, hex. */
  token?: string;
  /** Open event streams are drawn again this often even without changes, for views of time. Default 30 s; 0 never. */
  redrawMs?: number;
  /** An SSE comment keeps idle streams open this often. Default 15 s. */
  keepAliveMs?: number;
  /** The folder of page.js and page.css. Default: beside this module (the build copies them), else src/inspect/ui-assets. */
  assetsDir?: string;
  /**
   * Pages asked for before the source's first full read wait for it at most this long, then
   * draw what there is. Without the wait, a page opened as soon as the URL is printed would list
   * only the kinds read so far and call the others missing. Default 10 s.
   */
  readyTimeoutMs?: number;
}


const securityHeaders = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function defaultAssetsDir(): string {
  const candidates = ['./ui-assets/', '../../../src/inspect/ui-assets/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((d) => existsSync(`${d}page.js`)) ?? candidates[0] ?? '';
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** One open event stream. */
interface Stream {
  view: AnyView;
  params: Record<string, string>;
  res: ServerResponse;
  /** The last payload sent, to send only what changed. */
  last: string;
}

/**
 * The page server. {@link start} listens on 127.0.0.1 and returns the URL to open (with the
 * token); {@link close} ends every stream and stops listening.
 */
export class UiServer {
  private readonly server: Server;
  private readonly token: string;
  private readonly streams = new Set<Stream>();
  private readonly assets: Map<string, { type: string; body: Buffer }>;
  private unsubscribe: (() => void) | undefined;
  private redrawTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  /** Views drawn since the last change, by URL: streams of the same view share one drawing. */
  private drawn = new Map<string, RenderedView>();
  private port = 0;
  /** Settles once the source's first full read is in, or after `readyTimeoutMs`. */
  private firstRead: Promise<void> = Promise.resolve();
  /** Stops waiting for the first read when the server closes. */
  private readonly closing = new AbortController();

  /** The cookie's name: one per port, as cookies do not tell ports apart (two `skiff ui` side by side). */
  private get cookieName(): string {
    return `skiff_ui_${this.port}`;
  }

  constructor(private readonly options: UiServerOptions) {
    this.token = options.token ?? randomBytes(32).toString('hex');
    const dir = options.assetsDir ?? defaultAssetsDir();
    this.assets = new Map([
      ['/assets/page.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(`${dir.replace(/\/?$/, '/')}page.js`) }],
      ['/assets/page.css', { type: 'text/css; charset=utf-8', body: readFileSync(`${dir.replace(/\/?$/, '/')}page.css`) }],
    ]);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, 500, 'text/plain; charset=utf-8', `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
        else res.destroy();
      });
    });
  }

  /** Listens on 127.0.0.1; resolves with the URL to open, token included. */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.firstRead = this.waitFirstRead();
    this.unsubscribe = this.options.source.onChange(() => this.changed());
    const redrawMs = this.options.redrawMs ?? 30_000;
    if (redrawMs > 0) this.redrawTimer = setInterval(() => this.changed(), redrawMs);
    this.keepAliveTimer = setInterval(() => {
      for (const s of this.streams) s.res.write(': keep-alive\n\n');
    }, this.options.keepAliveMs ?? 15_000);
    return this.url;
  }

  private async waitFirstRead(): Promise<void> {
    const source = this.options.source;
    if (!source.ready) return;
    const giveUp = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.readyTimeoutMs ?? 10_000)]);
    await source.ready(giveUp);
  }

  /** The URL to open: `http://127.0.0.1:PORT/?token=…`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  /** Open event streams (for tests and the command's log). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Ends every stream and stops listening. */
  async close(): Promise<void> {
    this.closing.abort();
    this.unsubscribe?.();
    clearInterval(this.redrawTimer);
    clearInterval(this.keepAliveTimer);
    for (const s of [...this.streams]) s.res.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
    res.writeHead(status, { ...securityHeaders, 'Content-Type': type, ...headers });
    res.end(body);
  }

  private frame(title: string, current?: string, params?: Record<string, string>): PageFrame {
    return { title, views: this.options.views, snapshot: this.options.source.snapshot(), traceEnabled: this.options.trace !== undefined, ...(current ? { current } : {}), ...(params ? { params } : {}) };
  }

  /** Whether the request may go on; answers it otherwise. */
  private admit(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${this.port}` && host !== `localhost:${this.port}`) {
      this.send(res, 403, 'text/plain; charset=utf-8', 'skiff ui answers only at 127.0.0.1 or localhost\n');
      return false;
    }
    const given = url.searchParams.get('token');
    if (given !== null && sameSecret(given, this.token)) {
      url.searchParams.delete('token');
      const rest = url.searchParams.toString();
      res.writeHead(303, {
        ...securityHeaders,
        'Set-Cookie': `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: `${url.pathname}${rest ? `?${rest}` : ''}`,
      });
      res.end();
      return false;
    }
    const cookie = cookieValue(req, this.cookieName);
    if (cookie !== undefined && sameSecret(cookie, this.token)) return true;
    this.send(res, 401, 'text/plain; charset=utf-8', 'Open the URL `skiff ui` printed (it carries a token that keeps the page yours).\n');
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.send(res, 405, 'text/plain; charset=utf-8', 'only GET\n', { Allow: 'GET, HEAD' });
      return;
    }
    if (!this.admit(req, res, url)) return;
    const path = url.pathname;
    const asset = this.assets.get(path);
    if (asset) return this.send(res, 200, asset.type, asset.body);
    // Everything else is drawn from the snapshot: from a complete one.
    await this.firstRead;
    if (path === '/') return this.send(res, 200, 'text/html; charset=utf-8', indexPageHtml(this.frame('Views')));
    if (path === '/trace') return this.serveTrace(res, url);
    const m = /^\/(view|svg|events)\/([^/]+)$/.exec(path);
    const view = m ? this.options.views.find((v) => v.name === decodeURIComponent(m[2] ?? '')) : undefined;
    if (!m || !view) {
      this.send(res, 404, 'text/html; charset=utf-8', messagePageHtml(this.frame('Not found'), 'Not found', `There is no page at ${path}. The views are listed in the menu.`));
      return;
    }
    const params = viewParams(view, url.searchParams);
    if (m[1] === 'events') return this.openStream(req, res, view, params);
    const rendered = this.draw(view, params);
    if (m[1] === 'svg') {
      if (rendered.status === 200) this.send(res, 200, 'image/svg+xml; charset=utf-8', rendered.svg);
      else this.send(res, rendered.status, 'text/plain; charset=utf-8', `${rendered.message}\n`);
      return;
    }
    const events = viewHref(view, view.name, params).replace(/^\/view\//, '/events/');
    this.send(res, rendered.status, 'text/html; charset=utf-8', viewPageHtml(this.frame(rendered.heading, view.name, params), rendered, events));
  }

  private draw(view: AnyView, params: Record<string, string>): RenderedView {
    const key = viewHref(view, view.name, params);
    let rendered = this.drawn.get(key);
    if (!rendered) {
      rendered = renderView(view, params, this.options.source.snapshot(), this.options.views, this.options.trace !== undefined);
      this.drawn.set(key, rendered);
    }
    return rendered;
  }

  private async serveTrace(res: ServerResponse, url: URL): Promise<void> {
    const from = url.searchParams.get('from') ?? '';
    const to = url.searchParams.get('to') ?? '';
    const trace = this.options.trace;
    if (!trace) {
      this.send(res, 404, 'text/html; charset=utf-8', messagePageHtml(this.frame('Trace'), "Why can't I reach it?", 'Tracing is not available in this skiff ui.'));
      return;
    }
    if (!from || !to) {
      this.send(res, 200, 'text/html; charset=utf-8', tracePageHtml(this.frame('Trace'), from, to, undefined, undefined));
      return;
    }
    let answer: string | undefined;
    let failure: string | undefined;
    try {
      answer = await trace(from, to, this.options.source.snapshot());
    } catch (err) {
      failure = `The trace failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.send(res, failure ? 500 : 200, 'text/html; charset=utf-8', tracePageHtml(this.frame(`Trace ${from} → ${to}`), from, to, answer, failure));
  }

  private openStream(req: IncomingMessage, res: ServerResponse, view: AnyView, params: Record<string, string>): void {
    res.writeHead(200, { ...securityHeaders, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    // A client reconnecting after 2 s if the stream breaks.
    res.write('retry: 2000\n\n');
    const stream: Stream = { view, params, res, last: '' };
    this.streams.add(stream);
    const release = view.usesTraffic ? this.options.source.wantTraffic?.() : undefined;
    req.on('close', () => {
      this.streams.delete(stream);
      release?.();
    });
    this.push(stream);
  }

  private push(stream: Stream): void {
    const r = this.draw(stream.view, stream.params);
    const payload = JSON.stringify({ status: r.status, heading: r.heading, svg: r.svg, description: r.description, links: r.links, message: r.message });
    if (payload === stream.last) return;
    stream.last = payload;
    stream.res.write(`event: view\ndata: ${payload}\n\n`);
  }

  private changed(): void {
    this.drawn = new Map();
    for (const s of this.streams) this.push(s);
  }
}
