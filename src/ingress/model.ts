/**
 * The data plane's neutral model: virtual hosts, locations, ordered routing rules with
 * conditions, and weighted upstreams. Ingresses (ingress-model.ts) are translated into it, and
 * Gateway API routes can be translated into it the same way; the nginx renderer
 * (nginx-config.ts) knows only this model.
 */

/** Where a share of requests goes: a Service's ClusterIP and port, or a fixed status answer. */
export type BackendTarget =
  | {
      kind: 'upstream';
      /** A name unique in the model for this address and port, e.g. `default-web-80`. */
      name: string;
      address: string;
      port: number;
    }
  | {
      kind: 'status';
      /** 503: no ready endpoints or no such Service; 500: an invalid backend (Gateway API); 404: nothing matches. */
      code: number;
    };

/** A target and its share: requests split in proportion to the weights; weight 0 gets nothing. */
export interface WeightedBackend {
  target: BackendTarget;
  weight: number;
  /** Applied to the requests sent to this backend, after the rule's (a field given here replaces the rule's). */
  filters?: Filters;
}

/**
 * A test on a request. Exact matches are case-sensitive; regexes (PCRE) search the value
 * unless anchored. `header` and `cookie` test the named header or cookie, `query` the first
 * query parameter of that name (case-sensitive, the value as sent), `method` the request
 * method, `path` the normalized, decoded path.
 */
export interface Condition {
  on: 'header' | 'cookie' | 'query' | 'method' | 'path';
  /** The header, cookie or query parameter name ('' for `method` and `path`). */
  name: string;
  match: 'exact' | 'regex';
  value: string;
}

/** A header name and value. */
export interface Header {
  name: string;
  value: string;
}

/** Changes to the headers of a request or response, applied in the order set, add, remove. */
export interface HeaderEdits {
  /** Replaces any value the header had. */
  set: Header[];
  /** Appends to the value the header had (joined with a comma), or adds it. */
  add: Header[];
  /** Header names to drop. */
  remove: string[];
}

/** A new path: the whole path, or the part a path prefix matched (by path element). */
export type PathRewrite = { kind: 'full'; path: string } | { kind: 'prefix'; prefix: string; replacement: string };

/** An answer redirecting the client; the query string is kept. */
export interface Redirect {
  scheme: 'http' | 'https';
  /** Default: the request's host (without its port). */
  hostname?: string;
  /** Written after the host; none: no port in the Location. */
  port?: number;
  /** Default: the request's path as sent. */
  path?: PathRewrite;
  statusCode: number;
}

/** A copy of the requests sent to another upstream, whose answers are ignored. */
export interface Mirror {
  target: Extract<BackendTarget, { kind: 'upstream' }>;
  /** The share of requests mirrored, 0 to 100. */
  percent: number;
}

/** What is done to a request on its way (and to its answer); a redirect answers instead of a backend. */
export interface Filters {
  requestHeaders?: HeaderEdits;
  responseHeaders?: HeaderEdits;
  redirect?: Redirect;
  /** The Host header and path sent to the backend. */
  rewrite?: { hostname?: string; path?: PathRewrite };
  mirrors?: Mirror[];
}

/** Requests meeting every condition (none: every request) go to `backends`. */
export interface RouteRule {
  when: Condition[];
  backends: WeightedBackend[];
  /** Applied to every request the rule takes; a redirect here answers them all. */
  filters?: Filters;
  /** The object the rule comes from (`namespace/name` of an Ingress), for errors. */
  source: string;
}

/** A path on a virtual host; the first rule whose conditions hold decides, else 404. */
export interface Location {
  path: string;
  /** `prefix` matches by path element (`/a` matches `/a` and `/a/b`, not `/ab`); `regex` is case-insensitive, anchored at the start. */
  match: 'exact' | 'prefix' | 'regex';
  /** Replaces the matched path (may use `$1`… of a regex). */
  rewriteTarget?: string;
  rules: RouteRule[];
  source: string;
}

/** A TLS certificate and key, in one PEM file the controller wrote. */
export interface TlsCertificate {
  file: string;
  source: string;
}

/**
 * One hostname (exact or `*.` wildcard); '' is the catch-all served for every other host.
 * Served over HTTP unless `http` is false, and over HTTPS with `tls` when given.
 */
export interface VirtualHost {
  hostname: string;
  /** What a `*.` wildcard stands for: one label (the Ingress API's meaning, the default) or one or more labels (the Gateway API's). */
  wildcard?: 'label' | 'labels';
  /** Default true. */
  http?: boolean;
  tls?: TlsCertificate;
  locations: Location[];
}

/** Everything the data plane serves. */
export interface DataPlane {
  virtualHosts: VirtualHost[];
}
