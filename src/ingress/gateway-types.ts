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
  kinds?: { group?: string; kind: string }[];
}

/** A port, protocol and (optional) hostname a Gateway listens on. */
export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: { mode?: string; certificateRefs?: { group?: string; kind?: string; name: string; namespace?: string }[] };
  allowedRoutes?: AllowedRoutes;
}

/** The status of one listener. */
export interface ListenerStatus {
  name: string;
  supportedKinds: { group?: string; kind: string }[];
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

/** A request match of an HTTPRoute rule. */
export interface HTTPRouteMatch {
  path?: { type?: 'Exact' | 'PathPrefix' | 'RegularExpression'; value?: string };
  headers?: { type?: 'Exact' | 'RegularExpression'; name: string; value: string }[];
  queryParams?: { type?: string; name: string; value: string }[];
  method?: string;
}

/** A weighted reference to a backend (a Service port). */
export interface HTTPBackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  filters?: unknown[];
}

/** One rule of an HTTPRoute. */
export interface HTTPRouteRule {
  matches?: HTTPRouteMatch[];
  filters?: { type: string }[];
  backendRefs?: HTTPBackendRef[];
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

/** A ReferenceGrant: lets objects of other namespaces refer to objects of its own. */
export interface ReferenceGrant extends GatewayObject {
  spec?: { from?: { group: string; kind: string; namespace: string }[]; to?: { group: string; kind: string; name?: string }[] };
}
