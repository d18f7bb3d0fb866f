import type { UserInfo } from '../auth.js';
import { clusterConfigMapName } from '../bootstrap.js';
import type { ChainedAuthorizer, DecisionResult } from './chain.js';
import type { RequestAttributes } from './rules.js';
import type { NodeGraph, NodeReachable } from './node-graph.js';

/** The group of node identities. */
export const NODES_GROUP = 'system:nodes';
/** The user name prefix of node identities: `system:node:<node name>`. */
export const NODE_USER_PREFIX = 'system:node:';

/** The node a user is, when it is a node identity (`system:node:<name>` in `system:nodes`). */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.user.startsWith(NODE_USER_PREFIX)) return undefined;
  const name = user.user.slice(NODE_USER_PREFIX.length);
  return name === '' ? undefined : name;
}

/** Options of {@link NodeAuthorizer}. */
export interface NodeAuthorizerOptions {
  /** Which objects each node reaches through its pods. */
  graph: NodeGraph;
  /**
   * What a node's request that no rule here allows gets: `noOpinion` (default: RBAC, after it
   * in the chain, decides, as upstream) or `deny`.
   */
  unmatched?: 'deny' | 'noOpinion';
}

const read = new Set(['get', 'list', 'watch']);
const write = new Set(['update', 'patch']);

/** Resources a node reads cluster-wide, as upstream's system:node role (and the agent's Service proxy and policy enforcer). */
const readable = new Set(['/pods', '/nodes', '/services', '/endpoints', 'discovery.k8s.io/endpointslices', '/namespaces', 'networking.k8s.io/networkpolicies']);

/** Objects reached through the graph: only those of pods bound to the node. */
const graphed: Record<string, NodeReachable | 'persistentvolumes'> = {
  '/secrets': 'secrets',
  '/configmaps': 'configmaps',
  '/persistentvolumeclaims': 'persistentvolumeclaims',
  '/persistentvolumes': 'persistentvolumes',
};

/** Discovery and health paths any node may read (upstream's system:discovery and system:public-info-viewer). */
const nonResourcePrefixes = ['api', 'apis', 'version', 'healthz', 'livez', 'readyz', 'openapi'];

/**
 * Upstream's Node authorizer with the system:node role's rules folded in: a node identity
 * (`system:node:<name>`, group `system:nodes`) may read the Secrets, ConfigMaps, PVCs and PVs of
 * pods bound to it (and request tokens for their service accounts), change only its own Node,
 * Lease and pods (status, delete), create Nodes, pods (NodeRestriction narrows both), events and
 * CertificateSigningRequests, and read pods, nodes, Services, Endpoints, EndpointSlices,
 * namespaces and NetworkPolicies. Other users: no opinion.
 */
export class NodeAuthorizer implements ChainedAuthorizer {
  constructor(private readonly options: NodeAuthorizerOptions) {}

  decide(user: UserInfo, info: RequestAttributes): DecisionResult {
    const node = nodeNameOf(user);
    if (node === undefined) return { decision: 'noOpinion' };
    if (this.allows(node, info)) return { decision: 'allow' };
    const unrelated = `${info.apiGroup}/${info.resource}` in graphed || (info.resource === 'serviceaccounts' && info.subresource === 'token');
    const reason = unrelated ? `no relationship found between node '${node}' and this object` : `node '${node}' may not ${info.verb} this resource`;
    return { decision: this.options.unmatched ?? 'noOpinion', reason };
  }

  private allows(node: string, info: RequestAttributes): boolean {
    const { verb, name, namespace, subresource } = info;
    if (!info.isResourceRequest) return verb === 'get' && nonResourcePrefixes.includes(info.path.split('/')[1] ?? '');
    const resource = `${info.apiGroup}/${info.resource}`;
    const graph = this.options.graph;
    const kind = graphed[resource];
    if (kind) {
      // Only single named objects: a get, or a list/watch selecting one name.
      if (!read.has(verb) || name === '' || subresource !== '') return false;
      if (kind === 'configmaps' && namespace === 'kube-system' && name === clusterConfigMapName) return true;
      return kind === 'persistentvolumes' ? graph.nodeUsesVolume(node, name) : graph.nodeUses(node, kind, namespace, name);
    }
    if (resource === '/serviceaccounts' && subresource === 'token') return verb === 'create' && graph.nodeUses(node, 'serviceaccounts', namespace, name);
    if (resource === '/nodes') {
      if (subresource === '') {
        if (read.has(verb) || verb === 'create') return true;
        return (write.has(verb) || verb === 'delete') && name === node;
      }
      return subresource === 'status' && (read.has(verb) || write.has(verb)) && name === node;
    }
    if (resource === 'coordination.k8s.io/leases') {
      if (namespace !== 'kube-node-lease') return false;
      return verb === 'create' || ((read.has(verb) || write.has(verb) || verb === 'delete') && name === node);
    }
    if (resource === '/pods') {
      if (subresource === '') {
        if (read.has(verb) || verb === 'create') return true;
        return verb === 'delete' && graph.podNode(namespace, name) === node;
      }
      if (subresource === 'status') return (write.has(verb) || verb === 'get') && graph.podNode(namespace, name) === node;
      return false;
    }
    if (resource === '/events' || resource === 'events.k8s.io/events') return verb === 'create' || write.has(verb);
    if (resource === 'certificates.k8s.io/certificatesigningrequests') return subresource === '' && (verb === 'create' || read.has(verb));
    return subresource === '' && read.has(verb) && readable.has(resource);
  }
}
