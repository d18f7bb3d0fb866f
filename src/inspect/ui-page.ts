/**
 * The HTML of `skiff ui`'s pages, as pure functions of the views and a snapshot: a menu of views
 * (a form for each view's parameters and the objects it can draw), the picture inline, its text
 * description and its links. Plain HTML that works without scripts; /assets/page.js adds live
 * updates.
 */
import type { ClusterSnapshot } from './snapshot.js';
import { escapeXml } from './svg.js';
import type { AnyView, ViewLink } from './view.js';

/** A link as the page shows it. */
export interface PageLink {
  href: string;
  text: string;
}

/** One view drawn for the page (or the reason it could not be). */
export interface RenderedView {
  /** HTTP status: 200, 404 (no such object, or not visible to the user), 500 (the view failed). */
  status: number;
  /** The page heading. */
  heading: string;
  /** The standalone SVG ('' when not drawn). */
  svg: string;
  /** The text alternative ('' when not drawn). */
  description: string;
  links: PageLink[];
  /** Why nothing is drawn ('' when drawn). */
  message: string;
}

/** The view link that becomes a "why?" link to `/trace?from=&to=` rather than a view. */
export const traceLinkView = 'trace';

/** Menu entries listed per view at most. */
const maxInstances = 40;

const h = escapeXml;

/** The URL of a view with its parameters (in the view's order, empty ones left out). */
export function viewHref(view: AnyView | undefined, name: string, params: Record<string, string>): string {
  const q = new URLSearchParams();
  const order = view ? [...view.params, ...Object.keys(params).filter((k) => !view.params.includes(k))] : Object.keys(params);
  for (const key of order) {
    const value = params[key];
    if (value !== undefined && value !== '') q.set(key, value);
  }
  const query = q.toString();
  return `/view/${encodeURIComponent(name)}${query ? `?${query}` : ''}`;
}

/** The parameters a view takes, from a URL's query (others are ignored). */
export function viewParams(view: AnyView, query: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = {};
  for (const key of view.params) {
    const value = query.get(key);
    if (value !== null && value !== '') params[key] = value;
  }
  return params;
}

function describeParams(params: Record<string, string>): string {
  return Object.values(params).filter((v) => v !== '').join(' ');
}

/** Turns a view's links into page links: views that are not registered are left out; `trace` links go to /trace. */
export function pageLinks(links: ViewLink[], views: readonly AnyView[], traceEnabled: boolean): PageLink[] {
  const out: PageLink[] = [];
  const seen = new Set<string>();
  for (const link of links) {
    let entry: PageLink | undefined;
    if (link.view === traceLinkView) {
      if (traceEnabled) entry = { href: `/trace?${new URLSearchParams(link.params).toString()}`, text: `Why? Trace ${link.params.from ?? ''} → ${link.params.to ?? ''}` };
    } else {
      const view = views.find((v) => v.name === link.view);
      if (view) entry = { href: viewHref(view, view.name, link.params), text: `${view.title}${Object.keys(link.params).length ? `: ${describeParams(link.params)}` : ''}` };
    }
    if (entry && !seen.has(entry.href)) {
      seen.add(entry.href);
      out.push(entry);
    }
  }
  return out;
}

/** Draws `view` for `params` from `snapshot`; never throws (a failing view gives status 500 and its message). */
export function renderView(view: AnyView, params: Record<string, string>, snapshot: ClusterSnapshot, views: readonly AnyView[], traceEnabled: boolean): RenderedView {
  const heading = `${view.title}${Object.keys(params).length ? `: ${describeParams(params)}` : ''}`;
  try {
    const model = view.select(snapshot, params);
    if (model === undefined) {
      const missing = view.params.filter((p) => params[p] === undefined);
      const message = missing.length
        ? `Nothing to draw yet: give ${missing.join(', ')} in the form of the menu, or pick one of the objects listed under ${view.title}.`
        : `Nothing to draw: ${describeParams(params)} does not exist, or you may not see it.`;
      return { status: 404, heading, svg: '', description: '', links: [], message };
    }
    return { status: 200, heading, svg: view.render(model), description: view.describe(model), links: pageLinks(view.links(model), views, traceEnabled), message: '' };
  } catch (err) {
    return { status: 500, heading, svg: '', description: '', links: [], message: `The ${view.title} view failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** What every page has around its content. */
export interface PageFrame {
  /** The document title. */
  title: string;
  views: readonly AnyView[];
  snapshot: ClusterSnapshot;
  /** The view whose menu entry is open. */
  current?: string;
  /** Filled in the current view's form. */
  params?: Record<string, string>;
  /** Whether `/trace` answers. */
  traceEnabled: boolean;
}

function namespacesOf(snapshot: ClusterSnapshot): string[] {
  const names = new Set<string>();
  for (const list of [snapshot.pods, snapshot.services, snapshot.deployments, snapshot.statefulSets, snapshot.daemonSets, snapshot.jobs, snapshot.cronJobs, snapshot.ingresses]) {
    for (const o of list) if (o.metadata?.namespace) names.add(o.metadata.namespace);
  }
  return [...names].sort();
}

function menu(frame: PageFrame): string {
  const namespaces = namespacesOf(frame.snapshot);
  const entries = frame.views.map((view) => {
    const id = (param: string): string => `f-${view.name}-${param}`.replace(/[^a-zA-Z0-9_-]/g, '-');
    const filled = view.name === frame.current ? (frame.params ?? {}) : {};
    const inputs = view.params
      .map((p) => `<label for="${h(id(p))}">${h(p)}</label><input id="${h(id(p))}" name="${h(p)}" value="${h(filled[p] ?? '')}"${p === 'namespace' ? ' list="namespaces"' : ''} autocomplete="off">`)
      .join('');
    let instances: Record<string, string>[] = [];
    let failed = '';
    try {
      instances = view.instances?.(frame.snapshot) ?? [];
    } catch (err) {
      // A failing view still has its form; its page says what failed.
      failed = `<li>could not list: ${h(err instanceof Error ? err.message : String(err))}</li>`;
    }
    const shown = instances.slice(0, maxInstances).map((p) => `<li><a href="${h(viewHref(view, view.name, p))}">${h(describeParams(p) || view.title)}</a></li>`);
    const more = (instances.length > maxInstances ? `<li>and ${instances.length - maxInstances} more: use the form</li>` : '') + failed;
    const list = shown.length ? `<ul aria-label="${h(view.title)}: what there is to draw">${shown.join('')}${more}</ul>` : '';
    const form = view.params.length
      ? `<form action="/view/${h(encodeURIComponent(view.name))}" method="get" aria-label="${h(view.title)}: choose what to draw">${inputs}<button type="submit">Show ${h(view.title)}</button></form>`
      : `<p><a href="/view/${h(encodeURIComponent(view.name))}">Show ${h(view.title)}</a></p>`;
    return `<details${view.name === frame.current ? ' open' : ''}><summary>${h(view.title)}</summary>${form}${list}</details>`;
  });
  const trace = frame.traceEnabled ? `<p><a href="/trace">Trace a connection (why can't I reach it?)</a></p>` : '';
  return `<nav aria-label="Views"><h2>Views</h2>${entries.join('')}${trace}<datalist id="namespaces">${namespaces.map((n) => `<option value="${h(n)}"></option>`).join('')}</datalist></nav>`;
}

function forbiddenNotice(snapshot: ClusterSnapshot): string {
  if (snapshot.forbidden.length === 0) return '';
  return `<p class="notice">Your credentials may not list: ${h(snapshot.forbidden.join(', '))}. The pictures leave out what you may not see.</p>`;
}

/** A whole page: header with the live status, the menu of views, and `main`. */
export function pageHtml(frame: PageFrame, main: string, mainAttrs = ''): string {
  return (
    '<!doctype html>\n' +
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${h(frame.title)} · skiff ui</title><link rel="stylesheet" href="/assets/page.css"><script type="module" src="/assets/page.js"></script></head>` +
    `<body><a class="skip" href="#main">Skip to the content</a>` +
    `<header><p class="brand"><a href="/">skiff ui</a></p><p id="live" role="status" aria-live="polite"></p></header>` +
    `<div class="layout">${menu(frame)}<main id="main"${mainAttrs}>${forbiddenNotice(frame.snapshot)}${main}</main></div></body></html>\n`
  );
}

/** The page of one view: the picture inline, its text description, its links, live through `eventsUrl`. */
export function viewPageHtml(frame: PageFrame, rendered: RenderedView, eventsUrl: string): string {
  const links = rendered.links.map((l) => `<li><a href="${h(l.href)}">${h(l.text)}</a></li>`).join('');
  const main =
    `<h1 id="view-heading">${h(rendered.heading)}</h1>` +
    `<p id="status" class="${rendered.status === 500 ? 'error' : 'notice'}"${rendered.message ? '' : ' hidden'}>${h(rendered.message)}</p>` +
    `<div id="picture" tabindex="0" role="region" aria-labelledby="view-heading">${rendered.svg}</div>` +
    `<section aria-labelledby="description-heading"><h2 id="description-heading">Text description</h2><p id="description">${h(rendered.description)}</p></section>` +
    `<section aria-labelledby="links-heading"><h2 id="links-heading">Related views</h2><ul id="links">${links}</ul></section>`;
  return pageHtml(frame, main, ` data-events="${h(eventsUrl)}"`);
}

/** The start page: what the views are and what the user may see. */
export function indexPageHtml(frame: PageFrame): string {
  const count = (v: AnyView): string => {
    try {
      return v.instances ? `: ${v.instances(frame.snapshot).length} to draw` : '';
    } catch (err) {
      return `: could not list (${err instanceof Error ? err.message : String(err)})`;
    }
  };
  const items = frame.views.map((v) => `<li><a href="/view/${h(encodeURIComponent(v.name))}">${h(v.title)}</a>${h(count(v))}</li>`).join('');
  const main = `<h1>The cluster, drawn</h1><p>Each view draws one of the seed's pictures from what your credentials may read, and follows the cluster live. Pick an object in the menu or open a view:</p><ul>${items}</ul>`;
  return pageHtml(frame, main);
}

/** The answer of `/trace`: the steps a connection meets, as text. */
export function tracePageHtml(frame: PageFrame, from: string, to: string, answer: string | undefined, failure: string | undefined): string {
  const form =
    `<form action="/trace" method="get" class="why" aria-label="Trace a connection">` +
    `<label for="trace-from">From (pod or node)</label><input id="trace-from" name="from" value="${h(from)}" autocomplete="off">` +
    `<label for="trace-to">To (address:port, Service name:port or URL)</label><input id="trace-to" name="to" value="${h(to)}" autocomplete="off">` +
    `<button type="submit">Trace</button></form>`;
  const result = failure
    ? `<p class="error" role="alert">${h(failure)}</p>`
    : answer !== undefined
      ? `<section aria-labelledby="trace-heading"><h2 id="trace-heading">What the connection meets</h2><pre id="trace">${h(answer)}</pre></section>`
      : '';
  return pageHtml(frame, `<h1>Why can't I reach it?</h1>${form}${result}`);
}

/** A page that only says something (not found, not allowed). */
export function messagePageHtml(frame: PageFrame, heading: string, message: string): string {
  return pageHtml(frame, `<h1>${h(heading)}</h1><p>${h(message)}</p>`);
}
