import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseRequestInfo } from '../request-info.js';
import { NodeGraph } from './node-graph.js';
import { NodeAuthorizer } from './node-authorizer.js';
import { BootstrapAuthorizer } from './bootstrap-authorizer.js';
import { AuthorizerChain, systemMastersAuthorizer, type ChainedAuthorizer } from './chain.js';
import { requestAttributes } from './attributes.js';

const n1 = { user: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const pod = (name: string, node: string | undefined, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { nodeName: node, containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: `${name}-env`, key: 'k' } } }] }], ...extra },
});

function decide(authorizer: NodeAuthorizer, method: string, path: string, user = n1) {
  const url = new URL(path, 'https://x');
  return authorizer.decide(user, requestAttributes(parseRequestInfo(method, url.pathname, url.searchParams), url.pathname)).decision;
}

test('node graph: a node reads the Secrets, ConfigMaps, PVCs and PVs of its own pods only, until they go', () => {
  const graph = new NodeGraph();
  const authorizer = new NodeAuthorizer({ graph, unmatched: 'deny' });
  graph.setPod(pod('web', 'n1', { volumes: [{ name: 'v', configMap: { name: 'cm' } }, { name: 'd', persistentVolumeClaim: { claimName: 'data' } }], imagePullSecrets: [{ name: 'pull' }] }));
  graph.setPod(pod('other', 'n2'));
  graph.setClaim({ metadata: { name: 'data', namespace: 'default' }, spec: { volumeName: 'pv-1' } });
  graph.setClaim({ metadata: { name: 'elsewhere', namespace: 'default' }, spec: { volumeName: 'pv-2' } });
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/secrets/web-env'), 'allow');
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/secrets/pull'), 'allow');
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/configmaps/cm'), 'allow');
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims/data'), 'allow');
  assert.equal(decide(authorizer, 'GET', '/api/v1/persistentvolumes/pv-1'), 'allow');
  assert.equal(decide(authorizer, 'GET', '/api/v1/persistentvolumes/pv-2'), 'deny');
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/secrets/other-env'), 'deny');
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/other/secrets/web-env'), 'deny');
  // A list names one object only through the authorization info the server derives; a bare list is refused.
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/secrets'), 'deny');
  assert.equal(decide(authorizer, 'PUT', '/api/v1/namespaces/default/secrets/web-env'), 'deny');
  // The pod moves off the node: its objects go with it.
  graph.setPod(pod('web', undefined));
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/secrets/web-env'), 'deny');
  graph.setPod(pod('web', 'n1'));
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/secrets/web-env'), 'allow');
  graph.removePod(pod('web', 'n1'));
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/secrets/web-env'), 'deny');
});

test('node rules: own Node, Lease and pods; reads as the system:node role; other users no opinion', () => {
  const graph = new NodeGraph();
  graph.setPod(pod('mine', 'n1'));
  graph.setPod(pod('theirs', 'n2'));
  const authorizer = new NodeAuthorizer({ graph, unmatched: 'deny' });
  assert.equal(decide(authorizer, 'PUT', '/api/v1/nodes/n1'), 'allow');
  assert.equal(decide(authorizer, 'PATCH', '/api/v1/nodes/n1/status'), 'allow');
  assert.equal(decide(authorizer, 'PATCH', '/api/v1/nodes/n2/status'), 'deny');
  assert.equal(decide(authorizer, 'PUT', '/api/v1/nodes/n2'), 'deny');
  assert.equal(decide(authorizer, 'DELETE', '/api/v1/nodes/n2'), 'deny');
  assert.equal(decide(authorizer, 'GET', '/api/v1/nodes?watch=true'), 'allow');
  assert.equal(decide(authorizer, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1'), 'allow');
  assert.equal(decide(authorizer, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2'), 'deny');
  assert.equal(decide(authorizer, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager'), 'deny');
  assert.equal(decide(authorizer, 'PATCH', '/api/v1/namespaces/default/pods/mine/status'), 'allow');
  assert.equal(decide(authorizer, 'PATCH', '/api/v1/namespaces/default/pods/theirs/status'), 'deny');
  assert.equal(decide(authorizer, 'DELETE', '/api/v1/namespaces/default/pods/mine'), 'allow');
  assert.equal(decide(authorizer, 'DELETE', '/api/v1/namespaces/default/pods/theirs'), 'deny');
  assert.equal(decide(authorizer, 'PUT', '/api/v1/namespaces/default/pods/mine'), 'deny');
  assert.equal(decide(authorizer, 'POST', '/api/v1/namespaces/default/events'), 'allow');
  for (const path of ['/api/v1/pods', '/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices', '/api/v1/namespaces/default/endpoints']) {
    assert.equal(decide(authorizer, 'GET', path), 'allow', path);
  }
  assert.equal(decide(authorizer, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token'), 'allow');
  assert.equal(decide(authorizer, 'POST', '/api/v1/namespaces/other/serviceaccounts/default/token'), 'deny');
  assert.equal(decide(authorizer, 'POST', '/apis/apps/v1/namespaces/default/deployments'), 'deny');
  assert.equal(decide(authorizer, 'GET', '/apis/apps/v1/namespaces/default/deployments'), 'deny');
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/kube-system/configmaps/skiff-cluster-config'), 'allow');
  assert.equal(decide(authorizer, 'GET', '/apis'), 'allow');
  // Not a node identity: a user named like one without the group, and anyone else.
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/secrets/x', { user: 'system:node:n1', groups: [] }), 'noOpinion');
  assert.equal(decide(authorizer, 'GET', '/api/v1/namespaces/default/secrets/x', { user: 'bob', groups: [] }), 'noOpinion');
  assert.equal(decide(new NodeAuthorizer({ graph, unmatched: 'noOpinion' }), 'GET', '/apis/apps/v1/deployments'), 'noOpinion');
});

test('the chain: the join token may only request certificates; masters always; others fall through', () => {
  const allowRest: ChainedAuthorizer = { decide: () => ({ decision: 'allow' }) };
  const authorizer = new AuthorizerChain([systemMastersAuthorizer, new BootstrapAuthorizer(), new NodeAuthorizer({ graph: new NodeGraph(), unmatched: 'deny' }), allowRest]);
  const bootstrap = { user: 'system:bootstrap:skiff-join', groups: ['system:bootstrappers', 'system:authenticated'] };
  const ask = (user: { user: string; groups: string[] }, method: string, path: string) => {
    const url = new URL(path, 'https://x');
    return authorizer.authorize(user, parseRequestInfo(method, url.pathname, url.searchParams)).allowed;
  };
  assert.equal(ask(bootstrap, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests'), true);
  assert.equal(ask(bootstrap, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests?watch=1'), true);
  assert.equal(ask(bootstrap, 'PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval'), false);
  assert.equal(ask(bootstrap, 'GET', '/api/v1/namespaces/kube-system/secrets'), false);
  assert.equal(ask(bootstrap, 'GET', '/api/v1/nodes'), false);
  assert.equal(ask({ user: 'system:node:n1', groups: ['system:nodes', 'system:masters'] }, 'GET', '/api/v1/namespaces/kube-system/secrets/x'), true);
  assert.equal(ask(n1, 'GET', '/api/v1/namespaces/kube-system/secrets/x'), false);
  assert.equal(ask({ user: 'bob', groups: ['system:authenticated'] }, 'GET', '/api/v1/namespaces/kube-system/secrets/x'), true);
});
