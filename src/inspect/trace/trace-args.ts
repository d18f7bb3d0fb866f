import { isIP } from 'node:net';
import type { TraceSource, TraceTarget } from './trace-step.js';

/** FROM or TO that cannot be traced as written; the message says what is expected. */
export class TraceArgumentError extends Error {
  override readonly name = 'TraceArgumentError';
}

const podWords = new Set(['pod', 'pods', 'po']);
const nodeWords = new Set(['node', 'nodes', 'no']);

function parseSource(text: string, namespace: string): TraceSource {
  const slash = text.indexOf('/');
  if (slash === -1) {
    if (!text) throw new TraceArgumentError('FROM is empty: give a pod (NAME or pod/NAME) or node/NAME');
    return { kind: 'pod', namespace, name: text };
  }
  const kind = text.slice(0, slash).toLowerCase();
  const name = text.slice(slash + 1);
  if (!name || name.includes('/')) throw new TraceArgumentError(`${text}: FROM is a pod (NAME or pod/NAME) or node/NAME`);
  if (podWords.has(kind)) return { kind: 'pod', namespace, name };
  if (nodeWords.has(kind)) return { kind: 'node', name };
  throw new TraceArgumentError(`${text}: FROM is a pod (NAME or pod/NAME) or node/NAME, not a ${kind}`);
}

function parseTarget(text: string): TraceTarget {
  if (/^https?:\/\//i.test(text)) {
    try {
      return { kind: 'url', url: new URL(text).href, text };
    } catch (error) {
      if (error instanceof TypeError) throw new TraceArgumentError(`${text}: not a URL`);
      throw error;
    }
  }
  const match = /^(\[[^\]]+\]|[^:/]+):(\d+)(?:\/(tcp|udp))?$/i.exec(text);
  if (!match) throw new TraceArgumentError(`${text}: TO is ADDRESS:PORT, NAME[.NAMESPACE]:PORT (a Service), a DNS name with :PORT, or a URL`);
  const host = match[1]!.startsWith('[') ? match[1]!.slice(1, -1) : match[1]!;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw new TraceArgumentError(`${text}: port ${match[2]} is not between 1 and 65535`);
  if (host.startsWith('[') || (match[1]!.startsWith('[') && isIP(host) !== 6)) throw new TraceArgumentError(`${text}: not an IPv6 address in brackets`);
  const protocol = (match[3]?.toUpperCase() ?? 'TCP') as 'TCP' | 'UDP';
  return { kind: 'address', host: host.toLowerCase(), port, protocol, text };
}

/**
 * `skiff trace FROM TO` as data. FROM: `NAME` or `pod/NAME` (in `namespace`), or `node/NAME`.
 * TO: `ADDRESS:PORT`, `NAME:PORT` / `NAME.NAMESPACE:PORT` / a full DNS name with `:PORT` (looked
 * up as the pod's resolver would), any of them with `/udp`, or an `http://` / `https://` URL.
 * Throws {@link TraceArgumentError} when either cannot be read.
 */
export function parseTraceArgs(from: string, to: string, namespace = 'default'): { from: TraceSource; to: TraceTarget } {
  return { from: parseSource(from, namespace), to: parseTarget(to) };
}
