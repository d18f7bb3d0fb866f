/**
 * Access reviews and impersonation over HTTPS with real clients: kubectl 1.32 (`auth can-i`,
 * `auth can-i --list`, `auth whoami`, `--as`, `create -f`) and @kubernetes/client-node
 * (SubjectAccessReview), against an API server whose test authorizer denies a few things.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Authorizer, UserInfo } from '../../src/apiserver/auth.js';
import type { RequestInfo } from '../../src/apiserver/request-info.js';
import { ensureServerCredentials, type ServerCredentials } from '../../src/pki/bootstrap.js';
import { startHttpsApiServer, type HttpsApiServer } from '../../src/testing/https-api-server.js';

const kubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

/**
 * The test policy: nobody may delete Secrets (an explicit deny); bob may not impersonate;
 * members of system:serviceaccounts:default may only get pods in default (and ask reviews);
 * everyone else may do everything.
 */
const testAuthorizer: Authorizer = {
  authorize(user: UserInfo, info: RequestInfo) {
    if (info.verb === 'delete' && info.resource === 'secrets') return { allowed: false, denied: true, reason: 'secrets are forever here' };
    if (user.user === 'bob' && info.verb === 'impersonate') return { allowed: false };
    if (user.groups.includes('system:serviceaccounts:default')) {
      const review = ['authorization.k8s.io', 'authentication.k8s.io'].includes(info.apiGroup) || !info.isResourceRequest;
      const allowed = review || (info.verb === 'get' && info.resource === 'pods' && info.namespace === 'default');
      return { allowed };
    }
    return { allowed: true };
  },
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('access reviews and impersonation', { skip: existsSync(kubectl) ? false : `${kubectl} not installed` }, () => {
  let dataDir: string;
  let creds: ServerCredentials;
  let server: HttpsApiServer;
  const stop = new AbortController();
  const bobToken = 'bob-token-0123456789';

  const run = (args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(kubectl, ['--kubeconfig', creds.kubeconfigFile, ...args], { env: { ...process.env, HOME: dataDir, KUBECONFIG: '' } }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
      if (input !== undefined) child.stdin?.end(input);
    });

  /** A POST with the admin's certificate; the status code and the parsed answer. */
  const post = (path: string, body: string, headers: Record<string, string | string[]> = {}, method = 'POST'): Promise<{ code: number; body: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: server.port, path, method, headers: { 'Content-Type': 'application/json', ...headers }, ca: creds.serverCA.certificatePem, cert: creds.admin.certificatePem, key: creds.admin.privateKeyPem },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skiff-reviews-'));
    const options = { dataDir, bindAddress: '127.0.0.1', advertiseAddresses: ['127.0.0.1'], httpsPort: 0, serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local' };
    creds = await ensureServerCredentials(options);
    await writeFile(creds.tokensFile, `${bobToken},bob,bob-uid\n`);
    server = await startHttpsApiServer({ credentials: creds, signal: stop.signal, server: { authorizer: testAuthorizer } });
    // The kubeconfig is rewritten for the ephemeral port; the certificates stay.
    creds = await ensureServerCredentials({ ...options, httpsPort: server.port });
  });

  after(async () => {
    stop.abort();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('kubectl auth can-i: yes for what the authorizer allows, no for what it denies', async () => {
    assert.deepEqual(await run(['auth', 'can-i', 'create', 'pods']), { code: 0, stdout: 'yes\n', stderr: '' });
    const denied = await run(['auth', 'can-i', 'delete', 'secrets', '-n', 'kube-system']);
    assert.equal(denied.code, 1);
    assert.equal(denied.stdout, 'no - secrets are forever here\n');
    // A non-resource URL goes through the same authorizer.
    assert.deepEqual(await run(['auth', 'can-i', 'get', '/healthz']), { code: 0, stdout: 'yes\n', stderr: '' });
  });

  test('kubectl auth can-i --list prints the rules of the rule resolver (everything, by default)', async () => {
    const out = await run(['auth', 'can-i', '--list']);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(lines[0], ['Resources', 'Non-Resource', 'URLs', 'Resource', 'Names', 'Verbs']);
    assert.deepEqual(lines.slice(1), [
      ['*.*', '[]', '[]', '[*]'],
      ['[*]', '[]', '[*]'],
    ]);
  });

  test('kubectl auth whoami prints the caller, and the impersonated user with --as and --as-group', async () => {
    const me = await run(['auth', 'whoami']);
    assert.equal(me.code, 0, me.stderr);
    assert.match(me.stdout, /^Username\s+system:admin$/m);
    assert.match(me.stdout, /^Groups\s+\[system:masters system:authenticated\]$/m);
    const jane = await run(['auth', 'whoami', '--as=jane', '--as-group=devs', '-o', 'json']);
    assert.equal(jane.code, 0, jane.stderr);
    const review = JSON.parse(jane.stdout) as { apiVersion: string; kind: string; status: { userInfo: { username: string; groups: string[] } } };
    assert.equal(review.kind, 'SelfSubjectReview');
    assert.equal(review.apiVersion, 'authentication.k8s.io/v1');
    assert.deepEqual(review.status.userInfo, { username: 'jane', groups: ['devs', 'system:authenticated'] });
    const table = await run(['auth', 'whoami', '--as=jane', '--as-group=devs']);
    assert.match(table.stdout, /^Username\s+jane$/m);
    assert.match(table.stdout, /^Groups\s+\[devs system:authenticated\]$/m);
  });

  test('impersonating a service account gives it its groups; can-i answers as it', async () => {
    const sa = 'system:serviceaccount:default:x';
    const who = JSON.parse((await run(['auth', 'whoami', `--as=${sa}`, '-o', 'json'])).stdout) as { status: { userInfo: { username: string; groups: string[] } } };
    assert.deepEqual(who.status.userInfo, { username: sa, groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] });
    assert.deepEqual(await run(['auth', 'can-i', 'get', 'pods', `--as=${sa}`]), { code: 0, stdout: 'yes\n', stderr: '' });
    assert.equal((await run(['auth', 'can-i', 'get', 'pods', '-n', 'kube-system', `--as=${sa}`])).stdout, 'no\n');
    assert.equal((await run(['auth', 'can-i', 'list', 'secrets', `--as=${sa}`])).stdout, 'no\n');
    // The impersonated service account is authorized for the request itself, too.
    const list = await run(['get', 'configmaps', `--as=${sa}`]);
    assert.equal(list.code, 1);
    assert.match(list.stderr, /forbidden: User "system:serviceaccount:default:x" cannot list resource "configmaps"/);
  });

  test('a caller without the impersonate verb gets 403', async () => {
    const out = await run(['get', 'pods', '--token', bobToken, '--as=jane']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /forbidden: User "bob" cannot impersonate resource "users"/);
    // Without impersonation bob is bob.
    const who = await run(['auth', 'whoami', '--token', bobToken]);
    assert.match(who.stdout, /^Username\s+bob$/m);
    assert.match(who.stdout, /^UID\s+bob-uid$/m);
  });

  test('kubectl create -f of a SubjectAccessReview answers its status', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'anyone', groups: ['g'], resourceAttributes: { verb: 'delete', resource: 'secrets', namespace: 'default' } },
    });
    // kubectl finds no PATCH operation for a create-only kind in OpenAPI, so it asks whether the
    // kind is a CRD (Skiff serves apiextensions.k8s.io); it is not, and validation passes.
    const out = await run(['create', '-f', '-', '-o', 'json'], manifest);
    assert.equal(out.code, 0, out.stderr);
    const review = JSON.parse(out.stdout) as { status: Record<string, unknown> };
    assert.deepEqual(review.status, { allowed: false, denied: true, reason: 'secrets are forever here' });
    // Reviews are not stored: there is nothing to get.
    const get = await run(['get', 'subjectaccessreviews']);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /MethodNotAllowed|does not allow this method/);
  });

  test('@kubernetes/client-node: SubjectAccessReview and LocalSubjectAccessReview', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(creds.kubeconfigFile);
    const api = kc.makeApiClient(AuthorizationV1Api);
    const allowed = await api.createSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'system:serviceaccount:default:y', groups: ['system:serviceaccounts:default'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } },
    });
    assert.equal(allowed.status?.allowed, true);
    const other = await api.createSubjectAccessReview({
      body: { spec: { user: 'system:serviceaccount:default:y', groups: ['system:serviceaccounts:default'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'kube-system' } } },
    });
    assert.equal(other.status?.allowed, false);
    const local = await api.createNamespacedLocalSubjectAccessReview({
      namespace: 'default',
      body: { metadata: { namespace: 'default' }, spec: { user: 'jane', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } } },
    });
    assert.equal(local.status?.allowed, true);
    assert.equal(local.metadata?.namespace, 'default');
  });

  test('bad review bodies get 422 and 400 with upstream messages', async () => {
    const neither = await post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', JSON.stringify({ spec: {} }));
    assert.equal(neither.code, 422);
    assert.equal(neither.body.message, 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
    const both = await post('/apis/authorization.k8s.io/v1/subjectaccessreviews', JSON.stringify({ spec: { user: 'u', resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } } }));
    assert.equal(both.code, 422);
    assert.match(String(both.body.message), /spec.nonResourceAttributes: Invalid value: .*cannot be specified in combination with resourceAttributes/);
    const noSubject = await post('/apis/authorization.k8s.io/v1/subjectaccessreviews', JSON.stringify({ spec: { resourceAttributes: { verb: 'get' } } }));
    assert.equal(noSubject.code, 422);
    assert.match(String(noSubject.body.message), /spec.user: Invalid value: "": at least one of user or group must be specified/);
    const mismatch = await post('/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews', JSON.stringify({ spec: { user: 'u', resourceAttributes: { verb: 'get', namespace: 'other' } } }));
    assert.equal(mismatch.code, 422);
    assert.match(String(mismatch.body.message), /spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace/);
    const wrongNamespace = await post('/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews', JSON.stringify({ metadata: { namespace: 'other' }, spec: { user: 'u', resourceAttributes: { verb: 'get', namespace: 'other' } } }));
    assert.deepEqual([wrongNamespace.code, wrongNamespace.body.message], [400, 'the namespace of the provided object does not match the namespace sent on the request']);
    const noNamespace = await post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', JSON.stringify({ spec: {} }));
    assert.deepEqual([noNamespace.code, noNamespace.body.message], [400, 'no namespace on request']);
    const wrongType = await post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', JSON.stringify({ spec: { resourceAttributes: 'pods' } }));
    assert.equal(wrongType.code, 400);
    assert.match(String(wrongType.body.message), /^SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: json: cannot unmarshal string/);
    const malformed = await post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', '{');
    assert.equal(malformed.code, 400);
  });

  test('impersonation headers over the wire: repeated groups, extras and a UID reach SelfSubjectReview', async () => {
    const who = await post('/apis/authentication.k8s.io/v1/selfsubjectreviews', '{}', {
      'Impersonate-User': 'jane',
      'Impersonate-Group': ['devs', 'ops'],
      'Impersonate-Uid': 'jane-uid',
      'Impersonate-Extra-Scopes': ['view', 'edit'],
    });
    assert.equal(who.code, 201);
    assert.deepEqual((who.body.status as { userInfo: unknown }).userInfo, { username: 'jane', uid: 'jane-uid', groups: ['devs', 'ops', 'system:authenticated'], extra: { scopes: ['view', 'edit'] } });
    const groupOnly = await post('/apis/authentication.k8s.io/v1/selfsubjectreviews', '{}', { 'Impersonate-Group': 'devs' });
    assert.deepEqual([groupOnly.code, groupOnly.body.message], [500, 'Internal error occurred: requested [{Group  devs    }] without impersonating a user']);
  });

  test('reviews are create-only: discovery lists only create, other verbs get 405', async () => {
    const resources = await run(['api-resources', '--api-group=authorization.k8s.io', '-o', 'wide']);
    assert.match(resources.stdout, /^localsubjectaccessreviews\s+authorization.k8s.io\/v1\s+true\s+LocalSubjectAccessReview\s+create\s*$/m);
    assert.match(resources.stdout, /^selfsubjectaccessreviews\s+authorization.k8s.io\/v1\s+false\s+SelfSubjectAccessReview\s+create\s*$/m);
    assert.match((await run(['api-resources', '--api-group=authentication.k8s.io', '-o', 'wide'])).stdout, /^selfsubjectreviews\s+authentication.k8s.io\/v1\s+false\s+SelfSubjectReview\s+create\s*$/m);
    const list = await post('/apis/authorization.k8s.io/v1/subjectaccessreviews', '', {}, 'GET');
    assert.deepEqual([list.code, list.body.reason], [405, 'MethodNotAllowed']);
    const remove = await post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', '', {}, 'DELETE');
    assert.equal(remove.code, 405);
  });
});
