import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterPolling, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const maxReplicasPolicy = `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  matchConditions:
  - name: not-sandbox
    expression: "request.namespace != 'sandbox'"
  validations:
  - expression: object.spec.replicas <= 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas-binding}
spec:
  policyName: max-replicas
  validationActions: [Deny]
`;

const warnPolicy = `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-password}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [configmaps]
  validations:
  - expression: "!has(object.data) || !('password' in object.data)"
    message: configmaps should not hold passwords
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: no-password-warn}
spec:
  policyName: no-password
  validationActions: [Warn]
`;

const paramPolicy = `
apiVersion: v1
kind: ConfigMap
metadata: {name: replica-limits, namespace: default}
data: {maxReplicas: "2"}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replicaset-limit}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [replicasets]
  variables:
  - name: max
    expression: int(params.data.maxReplicas)
  validations:
  - expression: object.spec.replicas <= variables.max
    messageExpression: "'at most ' + string(variables.max) + ' replicas, asked ' + string(object.spec.replicas) + ' by ' + request.userInfo.username"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replicaset-limit-binding}
spec:
  policyName: replicaset-limit
  validationActions: [Deny]
  paramRef: {name: replica-limits, namespace: default, parameterNotFoundAction: Deny}
`;

function replicaSet(name: string, replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  });
}

describe('ValidatingAdmissionPolicy with kubectl', { concurrency: 1 }, () => {
  let c: TestCluster;
  before(async () => {
    c = await TestCluster.start({ serverArgs: ['--service-cidr', '10.171.0.0/16', '--disable-controllers'] });
  });
  after(async () => {
    await c?.stop();
  });

  test('a Deny binding refuses 6 replicas with upstream message and allows 3; a match condition exempts a namespace', async () => {
    await c.kubectlOK(['apply', '-f', '-'], { input: maxReplicasPolicy });
    const table = await c.kubectlOK(['get', 'validatingadmissionpolicies']);
    assert.match(table, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE$/m);
    assert.match(table, /^max-replicas\s+1\s+<unset>\s+/m);
    await waitFor('the policy status', async () => (await c.kubectlOK(['get', 'validatingadmissionpolicy', 'max-replicas', '-o', 'jsonpath={.status.observedGeneration}'])).trim() === '1', clusterPolling);
    const denied = await waitFor('the policy to deny', async () => {
      const r = await c.kubectl(['create', 'deployment', 'big', '--image=nginx', '--replicas=6', '--dry-run=server']);
      return r.code !== 0 && r.stderr;
    }, clusterPolling);
    assert.match(
      denied,
      /^error: failed to create deployment: deployments\.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object\.spec\.replicas <= 5$/m,
    );
    // The status is upstream's: reason Invalid, code 422.
    const raw = await c.kubectl(['create', '-f', '-', '-v=6'], {
      input: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'big' }, spec: { replicas: 6, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }),
    });
    // kubectl words a 422 with causes as upstream's documentation shows it.
    assert.match(raw.stderr, /^The deployments "big" is invalid: : ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object\.spec\.replicas <= 5$/m);
    assert.match(raw.stderr, /POST https:\/\/\S+\/apis\/apps\/v1\/namespaces\/default\/deployments\S* 422 /);
    await c.kubectlOK(['create', 'deployment', 'small', '--image=nginx', '--replicas=3']);
    await c.kubectlOK(['scale', 'deployment', 'small', '--replicas=5']);
    const scaled = await c.kubectl(['patch', 'deployment', 'small', '-p', '{"spec":{"replicas":7}}']);
    assert.notEqual(scaled.code, 0);
    assert.match(scaled.stderr, /denied request: failed expression: object\.spec\.replicas <= 5/);
    await c.kubectlOK(['create', 'namespace', 'sandbox']);
    await c.kubectlOK(['create', 'deployment', 'big', '--image=nginx', '--replicas=6', '-n', 'sandbox']);
  });

  test('a Warn binding lets the request through with a kubectl warning', async () => {
    await c.kubectlOK(['apply', '-f', '-'], { input: warnPolicy });
    const warned = await waitFor('the warning', async () => {
      const r = await c.kubectl(['create', 'configmap', 'creds', '--from-literal=password=x', '--dry-run=server']);
      return r.code === 0 && /Warning: Validation failed for ValidatingAdmissionPolicy 'no-password' with binding 'no-password-warn': configmaps should not hold passwords/.test(r.stderr) && r.stderr;
    }, clusterPolling);
    assert.ok(warned);
    const clean = await c.kubectl(['create', 'configmap', 'plain', '--from-literal=user=x']);
    assert.equal(clean.code, 0);
    assert.doesNotMatch(clean.stderr, /Warning/);
  });

  test('params from a ConfigMap set the limit; the reason Forbidden answers 403', async () => {
    await c.kubectlOK(['apply', '-f', '-'], { input: paramPolicy });
    assert.match(await c.kubectlOK(['get', 'validatingadmissionpolicybindings']), /^replicaset-limit-binding\s+replicaset-limit\s+default\/replica-limits\s+/m);
    const denied = await waitFor('the param policy to deny', async () => {
      const r = await c.kubectl(['create', '-f', '-', '--dry-run=server'], { input: replicaSet('three', 3) });
      return r.code !== 0 && r.stderr;
    }, clusterPolling);
    assert.match(denied, /Error from server \(Forbidden\).*replicasets\.apps "three" is forbidden: ValidatingAdmissionPolicy 'replicaset-limit' with binding 'replicaset-limit-binding' denied request: at most 2 replicas, asked 3 by system:admin/);
    await c.kubectlOK(['create', '-f', '-'], { input: replicaSet('two', 2) });
    // Raising the limit in the ConfigMap lets the same request in.
    await c.kubectlOK(['patch', 'configmap', 'replica-limits', '-p', '{"data":{"maxReplicas":"3"}}']);
    await waitFor('the new limit', async () => (await c.kubectl(['create', '-f', '-'], { input: replicaSet('three', 3) })).code === 0, clusterPolling);
  });

  test('invalid policies and bindings are refused with upstream field errors', async () => {
    const bad = await c.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: 'bad' },
        spec: { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] }, validations: [{ expression: 'object.spec.replicas <=' }] },
      }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /^The ValidatingAdmissionPolicy "bad" is invalid: spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <=": compilation failed: [^\n]+$/m);
    const binding = await c.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'b' }, spec: { policyName: 'x', validationActions: ['Deny', 'Warn'] } }),
    });
    assert.match(binding.stderr, /spec\.validationActions: Forbidden: must not contain both Deny and Warn/);
  });
});
