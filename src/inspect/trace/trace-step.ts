/**
 * The vocabulary of `skiff trace` and the UI's "why?" button: where a connection starts
 * ({@link TraceSource}), where it goes ({@link TraceTarget}), and the steps it meets
 * ({@link TraceStep}). Plain data, stable: other code builds on these shapes.
 */

/** Where a connection starts: a pod (its network namespace) or a node (its host network). */
export type TraceSource = { kind: 'pod'; namespace: string; name: string } | { kind: 'node'; name: string };

/**
 * Where a connection goes: `host` and `port` (an address, a Service name as a pod would write it
 * — `name`, `name.ns`, a full DNS name — or any other name), or a URL (http/https) that goes
 * through the Ingress or Gateway data plane. `text` is what the user wrote, for the answer.
 */
export type TraceTarget =
  | { kind: 'address'; host: string; port: number; protocol: 'TCP' | 'UDP'; text: string }
  | { kind: 'url'; url: string; text: string };

/** An object a step is about, for links (`kind` as in the API, e.g. `Service`). */
export interface TraceObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** What a step looks at, in the order a connection meets them. */
export type TraceStepKind =
  | 'source'
  | 'dns'
  | 'ingress'
  | 'service'
  | 'endpoints'
  | 'policy'
  | 'route'
  | 'destination'
  | 'probe'
  | 'verdict';

/**
 * One step of a trace. `outcome`: `pass` the connection goes on, `warn` it goes on with a caveat
 * the user should read, `stop` it ends here (the last step before the verdict says why). The
 * last step of every trace has kind `verdict`: `text` is the answer in one sentence, `outcome`
 * `pass` when the connection reaches a destination, `stop` when it does not, `warn` when the
 * trace cannot tell (a name outside the cluster, an address no object holds).
 */
export interface TraceStep {
  kind: TraceStepKind;
  outcome: 'pass' | 'warn' | 'stop';
  /** One sentence. */
  text: string;
  /** Further lines: names tried, endpoints, rules. */
  details: string[];
  /** The objects the step is about. */
  objects: TraceObjectRef[];
}
