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
}

/** A test on a request. Exact matches are case-sensitive. */
export interface Condition {
  on: 'header' | 'cookie';
  /** The header or cookie name. */
  name: string;
  match: 'exact' | 'regex';
  value: string;
}

/** Requests meeting every condition (none: every request) go to `backends`. */
export interface RouteRule {
  when: Condition[];
  backends: WeightedBackend[];
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

/** One hostname (exact, or `*.` for one more label); '' is the catch-all served for every other host. */
export interface VirtualHost {
  hostname: string;
  tls?: TlsCertificate;
  locations: Location[];
}

/** Everything the data plane serves. */
export interface DataPlane {
  virtualHosts: VirtualHost[];
}
