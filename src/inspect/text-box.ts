import { group, rect, text } from './svg.js';

/** The layout constants of {@link textBox}: 12 px text, 16 px lines, 8 px padding. */
export const textMetrics = { charWidth: 7, lineHeight: 16, padding: 8 } as const;

/** An estimate of a line's width in pixels (no font metrics in a pure function: 7 px a character at 12 px). */
export function textWidth(s: string): number {
  return [...s].length * textMetrics.charWidth;
}

/** A line cut to fit `width` pixels, ending in `…` when cut (the full text stays in the aria-label and the description). */
export function fitText(s: string, width: number): string {
  const max = Math.max(1, Math.floor(width / textMetrics.charWidth));
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** The height of a box holding `lines` lines of text. */
export function boxHeight(lines: number): number {
  return lines * textMetrics.lineHeight + 2 * textMetrics.padding - 4;
}

/** The width a box needs for its lines (a tenth more, for bold first lines), at least `min` and at most `max`. */
export function boxWidth(lines: readonly string[], min: number, max: number): number {
  const widest = Math.ceil(Math.max(0, ...lines.map(textWidth)) * 1.1) + 2 * textMetrics.padding;
  return Math.min(max, Math.max(min, widest));
}

/** Options of {@link textBox}. */
export interface TextBoxOptions {
  x: number;
  y: number;
  width: number;
  /** At least this tall (default: as tall as its lines). */
  height?: number;
  /** Lines of text, top to bottom; the first is bold. */
  lines: readonly string[];
  /** The rectangle's class from the stylesheet: `box`, `pod`, `node`, `ok`, `warn`, `bad`. */
  className: string;
  /** The group's accessible name; it should say everything the lines say. */
  label: string;
  /** Extra attributes for the rectangle (e.g. `stroke-dasharray` for a virtual address). */
  dashed?: boolean;
}

/**
 * A labelled box of text lines (a port, a Service, a pod): a group with an aria-label holding a
 * rectangle and its lines, cut to the box's width. Returns the SVG and the box's height.
 */
export function textBox(o: TextBoxOptions): { svg: string; height: number } {
  const height = Math.max(o.height ?? 0, boxHeight(o.lines.length));
  const inner = o.width - 2 * textMetrics.padding;
  const lines = o.lines.map((line, i) =>
    text(o.x + textMetrics.padding, o.y + textMetrics.padding + 12 + i * textMetrics.lineHeight, fitText(line, inner), i === 0 ? { 'font-weight': 'bold' } : {}),
  );
  const box = rect(o.x, o.y, o.width, height, { class: o.className, rx: 4, 'stroke-dasharray': o.dashed ? '6 4' : undefined });
  return { svg: group(o.label, {}, box, ...lines), height };
}
