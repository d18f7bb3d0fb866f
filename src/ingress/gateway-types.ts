/**
 * The parts of the Gateway API (gateway.networking.k8s.io/v1, standard channel) that Skiff's
 * gateway controller reads and writes, with upstream's field names.
 */
import type { Condition as MetaCondition, LabelSelector, ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** The API group of the Gateway API. */
export const gatewayGroup = 'gateway.networking.k8s.io';

/** Fields every Gateway API object has. */
export interface GatewayObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A GatewayClass: which controller serves the Gateways naming it. */
export interface GatewayClass extends GatewayObject {
  spec?: { controllerName?: string; description?: string };
  status?: { conditions?: MetaCondition[] };
}

/** Which routes may attach to a listener. */
export interface AllowedRoutes {
  namespaces?: { from?: 'All' | 'Same' | 'Selector'; selector?: LabelSelector };
  kinds?: RouteGroupKind[];
}

/** A reference to another object (a listener's certificate, a mirror's backend). */
export interface ObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

/** A port, protocol and (optional) hostname a Gateway listens on. */
export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: { mode?: string; certificateRefs?: ObjectReference[]; options?: Record<string, string> };
  allowedRoutes?: AllowedRoutes;
}

/** The status of one listener. */
export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: MetaCondition[];
}

/** A Gateway: listeners of a class. */
export interface Gateway extends GatewayObject {
  spec?: { gatewayClassName?: string; listeners?: Listener[] };
  status?: { addresses?: { type?: string; value: string }[]; conditions?: MetaCondition[]; listeners?: ListenerStatus[] };
}

/** Where a route attaches: a Gateway, optionally one listener (sectionName) or port. */
export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

/** A request match of an HTTPRoute rule. Types are strings: values added upstream later must not break the translation. */
export interface HTTPRouteMatch {
  path?: { type?: string; value?: string };
  headers?: { type?: string; name: string; value: string }[];
  queryParams?: { type?: string; name: string; value: string }[];
  method?: string;
}

/** A reference to a backend (a Service port). */
export interface BackendObjectReference extends ObjectReference {
  port?: number;
}

/** A header name and value of a header filter. */
export interface HTTPHeader {
  name: string;
  value: string;
}

/** Request or response header changes. */
export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}

/** A new path for a redirect or rewrite. */
export interface HTTPPathModifier {
  type: string;
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

/** A processing step of an HTTPRoute rule or backendRef. */
export interface HTTPRouteFilter {
  type: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestRedirect?: { scheme?: string; hostname?: string; path?: HTTPPathModifier; port?: number; statusCode?: number };
  urlRewrite?: { hostname?: string; path?: HTTPPathModifier };
  requestMirror?: { backendRef: BackendObjectReference; percent?: number; fraction?: { numerator: number; denominator?: number } };
  extensionRef?: { group: string; kind: string; name: string };
}

/** A weighted reference to a backend (a Service port). */
export interface HTTPBackendRef extends BackendObjectReference {
  weight?: number;
  filters?: HTTPRouteFilter[];
}

/** One rule of an HTTPRoute. */
export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
}

/** The status of a route for one parent. */
export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: MetaCondition[];
}

/** An HTTPRoute. */
export interface HTTPRoute extends GatewayObject {
  spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: HTTPRouteRule[] };
  status?: { parents?: RouteParentStatus[] };
}

/** A route kind a listener serves or allows (group default gateway.networking.k8s.io). */
export interface RouteGroupKind {
  group?: string;
  kind: string;
}

/** One rule of a GRPCRoute, as far as this controller reads it (its backends). */
export interface GRPCRouteRule {
  name?: string;
  matches?: { method?: { type?: string; service?: string; method?: string }; headers?: { type?: string; name: string; value: string }[] }[];
  backendRefs?: HTTPBackendRef[];
}

/** A GRPCRoute: gRPC requests by service and method. */
export interface GRPCRoute extends GatewayObject {
  spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: GRPCRouteRule[] };
  status?: { parents?: RouteParentStatus[] };
}

/** A ReferenceGrant: lets objects of other namespaces refer to objects of its own. */
export interface ReferenceGrant extends GatewayObject {
  spec?: { from?: { group: string; kind: string; namespace: string }[]; to?: { group: string; kind: string; name?: string }[] };
}
