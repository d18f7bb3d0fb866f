import type { ClusterSnapshot } from '../snapshot.js';
import { renderTrace } from './render-trace.js';
import { parseTraceArgs, TraceArgumentError } from './trace-args.js';
import { traceConnection, type TraceOptions } from './trace-connection.js';

/**
 * `skiff trace FROM TO` as text from the words a user typed (for the UI's "why?" hook): FROM and
 * TO as {@link parseTraceArgs} reads them (pods in `options.namespace`, default `default`), the
 * steps of {@link traceConnection} rendered by {@link renderTrace}; arguments that cannot be read
 * give one line saying what is expected. Pure.
 */
export function explainConnection(snapshot: ClusterSnapshot, from: string, to: string, options: TraceOptions = {}): string {
  try {
    const args = parseTraceArgs(from, to, options.namespace ?? 'default');
    return renderTrace(traceConnection(snapshot, args.from, args.to, options));
  } catch (error) {
    if (error instanceof TraceArgumentError) return `${error.message}\n`;
    throw error;
  }
}
