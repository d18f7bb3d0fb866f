/**
 * A small SVG writer shared by every view: escaped text, attributes in the order given (so
 * output is byte-stable for golden files), and the few shapes the seed's pictures are made of.
 */

/** Attribute values; undefined and false attributes are left out. */
export type SvgAttrs = Record<string, string | number | boolean | undefined>;

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function formatNumber(n: number): string {
  // Two decimals at most, no trailing zeros: stable across platforms.
  return String(Math.round(n * 100) / 100);
}

function attrs(a: SvgAttrs): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === false) continue;
    out += v === true ? ` ${k}` : ` ${k}="${escapeXml(typeof v === 'number' ? formatNumber(v) : v)}"`;
  }
  return out;
}

/** An element with children (already-rendered strings) or none. */
export function el(tag: string, a: SvgAttrs = {}, ...children: string[]): string {
  return children.length === 0 ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${children.join('')}</${tag}>`;
}

/** A text element; the text is escaped. */
export function text(x: number, y: number, content: string, a: SvgAttrs = {}): string {
  return `<text${attrs({ x, y, ...a })}>${escapeXml(content)}</text>`;
}

/** A rectangle (a pod, a container, a node). */
export function rect(x: number, y: number, width: number, height: number, a: SvgAttrs = {}): string {
  return el('rect', { x, y, width, height, ...a });
}

/** A straight arrow from (x1, y1) to (x2, y2); `markerId` names a marker from {@link svgDocument}'s defs. */
export function arrow(x1: number, y1: number, x2: number, y2: number, a: SvgAttrs = {}): string {
  return el('line', { x1, y1, x2, y2, 'marker-end': 'url(#arrow)', ...a });
}

/** A group with an accessible name (`role="group"` and `aria-label`), e.g. one pod. */
export function group(label: string, a: SvgAttrs, ...children: string[]): string {
  return el('g', { role: 'group', 'aria-label': label, ...a }, ...children);
}

/** Options of {@link svgDocument}. */
export interface SvgDocumentOptions {
  width: number;
  height: number;
  /** The picture's accessible name (`<title>`). */
  title: string;
  /** A longer text alternative (`<desc>`). */
  description: string;
}

/**
 * A standalone SVG document: `role="img"` labelled by its title and description, an arrow
 * marker, and the project's one stylesheet (classes, so the page can restyle without
 * re-rendering).
 */
export function svgDocument(o: SvgDocumentOptions, ...body: string[]): string {
  const style = [
    'text{font-family:sans-serif;font-size:12px;fill:#1b1b1b}',
    '.muted{fill:#5a5a5a}',
    '.box{fill:#ffffff;stroke:#1b1b1b;stroke-width:1.5}',
    '.pod{fill:#eef4ff;stroke:#2451a6;stroke-width:1.5}',
    '.node{fill:#f6f6f6;stroke:#5a5a5a;stroke-width:1}',
    '.ok{fill:#e3f5e6;stroke:#1d6b2c}',
    '.warn{fill:#fff4d6;stroke:#8a5a00}',
    '.bad{fill:#fde7e7;stroke:#a61b1b}',
    '.edge{stroke:#1b1b1b;stroke-width:1.5;fill:none}',
    '.refused{stroke:#a61b1b;stroke-dasharray:4 3}',
    '.alert{fill:#a61b1b}',
    '.heading{font-weight:bold}',
  ].join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${formatNumber(o.width)}" height="${formatNumber(o.height)}" viewBox="0 0 ${formatNumber(o.width)} ${formatNumber(o.height)}" role="img" aria-labelledby="title desc">` +
    `<title id="title">${escapeXml(o.title)}</title><desc id="desc">${escapeXml(o.description)}</desc>` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z"/></marker><style>${style}</style></defs>` +
    body.join('') +
    '</svg>\n'
  );
}
