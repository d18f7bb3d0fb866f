import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load } from 'js-yaml';
import { clusterPolling, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';
import { decodeJwt, keyIdOf, signJwt, verifyJwtSignature } from '../../src/pki/jwt.js';

const tokenClientScript = fileURLToPath(new URL('../harness/token-client.js', import.meta.url));

interface KubeconfigFile {
  clusters: { name: string; cluster: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: unknown[];
  'current-context': string;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

describe('service-account tokens (kubectl and client-node)', { concurrency: 1 }, () => {
  let c: TestCluster;
  let tokenConfig: string;
  before(async () => {
    c = await TestCluster.start({ backend: 'sqlite' });
    await waitFor('the default ServiceAccount', async () => (await c.kubectl(['get', 'serviceaccount', 'default'])).code === 0, clusterPolling);
    tokenConfig = join(c.dataDir, 'token-kubeconfig.yaml');
  });
  after(async () => {
    await c?.stop();
  });

  /** Runs kubectl with a kubeconfig whose only credential is the token (no client certificate). */
  async function kubectlWithToken(token: string, args: string[]) {
    const admin = load(await readFile(c.kubeconfig, 'utf8')) as KubeconfigFile;
    admin.users = [{ name: admin.users[0]!.name, user: { token } }];
    await writeFile(tokenConfig, dump(admin), { mode: 0o600 });
    return c.kubectl(['--kubeconfig', tokenConfig, ...args]);
  }

  async function review(token: string, audiences?: string[]): Promise<TokenReviewStatus> {
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } };
    // `create --raw`: kubectl's client-side validation of kinds without PATCH asks for CRDs, which Skiff does not serve yet.
    const out = await c.kubectlOK(['create', '--raw', '/apis/authentication.k8s.io/v1/tokenreviews', '-f', '-'], { input: JSON.stringify(body) });
    return (JSON.parse(out) as { status: TokenReviewStatus }).status;
  }

  const unauthorized = /Unauthorized|must be logged in|provide credentials/;

  test('kubectl create token: the token authenticates as the service account', async () => {
    const token = (await c.kubectlOK(['create', 'token', 'default'])).trim();
    const sa = JSON.parse(await c.kubectlOK(['get', 'serviceaccount', 'default', '-o', 'json'])) as { metadata: { uid: string } };
    const claims = decodeJwt(token).claims;
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local');
    assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local']);
    assert.equal(Number(claims.exp) - Number(claims.iat), 3600);

    const api = await kubectlWithToken(token, ['get', '--raw', '/api']);
    assert.equal(api.code, 0, api.stderr);
    const pods = await kubectlWithToken(token, ['get', 'pods', '-n', 'default']);
    assert.doesNotMatch(pods.stderr, unauthorized);

    const status = await review(token);
    assert.equal(status.authenticated, true);
    assert.equal(status.user?.username, 'system:serviceaccount:default:default');
    assert.equal(status.user?.uid, sa.metadata.uid);
    assert.deepEqual(status.user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    assert.deepEqual(status.audiences, ['https://kubernetes.default.svc.cluster.local']);
  });

  test('the JWKS and the discovery document verify the token', async () => {
    const token = (await c.kubectlOK(['create', 'token', 'default', '--duration', '20m'])).trim();
    const config = JSON.parse(await c.kubectlOK(['get', '--raw', '/.well-known/openid-configuration'])) as Record<string, unknown>;
    assert.equal(config.issuer, decodeJwt(token).claims.iss);
    assert.equal(config.jwks_uri, 'https://127.0.0.1:6443/openid/v1/jwks');
    assert.deepEqual(config.response_types_supported, ['id_token']);
    const jwks = JSON.parse(await c.kubectlOK(['get', '--raw', '/openid/v1/jwks'])) as { keys: JsonWebKey[] };
    assert.equal(jwks.keys.length, 1);
    const key = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' });
    const jwt = decodeJwt(token);
    assert.equal(jwt.header.kid, jwks.keys[0]!.kid);
    assert.ok(verifyJwtSignature(jwt, [key]));
    assert.equal(Number(jwt.claims.exp) - Number(jwt.claims.iat), 1200);
  });

  test('audiences: a token for another audience is refused by the API and reviewed for its own', async () => {
    const token = (await c.kubectlOK(['create', 'token', 'default', '--audience', 'vault'])).trim();
    const r = await kubectlWithToken(token, ['get', '--raw', '/api']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, unauthorized);
    const status = await review(token, ['vault']);
    assert.equal(status.authenticated, true);
    assert.deepEqual(status.audiences, ['vault']);
    const wrong = await review(token);
    assert.equal(wrong.authenticated, undefined);
    assert.match(wrong.error ?? '', /audiences/);
  });

  test('malformed, expired and forged tokens get 401', async () => {
    const good = decodeJwt((await c.kubectlOK(['create', 'token', 'default'])).trim());
    const serverKey = createPrivateKey(await readFile(join(c.dataDir, 'server', 'tls', 'service.key'), 'utf8'));
    const kid = keyIdOf(createPublicKey(serverKey));
    const now = Math.floor(Date.now() / 1000);
    const expired = signJwt({ ...good.claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, serverKey, kid);
    const forged = signJwt(good.claims, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, kid);
    for (const [what, token] of [['malformed', 'abc.def.ghi'], ['expired', expired], ['forged', forged]] as const) {
      const r = await kubectlWithToken(token, ['get', '--raw', '/api']);
      assert.notEqual(r.code, 0, what);
      assert.match(r.stderr, unauthorized, what);
      assert.notEqual((await review(token)).authenticated, true, what);
    }
    assert.match((await review(expired)).error ?? '', /expired/);
  });

  test('a token bound to a pod stops working when the pod is deleted', async () => {
    await c.kubectlOK(['run', 'bound', '--image', 'busybox', '--restart', 'Never']);
    const token = (await c.kubectlOK(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'bound'])).trim();
    const pod = JSON.parse(await c.kubectlOK(['get', 'pod', 'bound', '-o', 'json'])) as { metadata: { uid: string } };
    const status = await review(token);
    assert.equal(status.authenticated, true);
    assert.deepEqual(status.user?.extra?.['authentication.kubernetes.io/pod-name'], ['bound']);
    assert.deepEqual(status.user?.extra?.['authentication.kubernetes.io/pod-uid'], [pod.metadata.uid]);
    assert.equal((await kubectlWithToken(token, ['get', '--raw', '/api'])).code, 0);
    await c.kubectlOK(['delete', 'pod', 'bound', '--grace-period', '0', '--force']);
    await waitFor('the bound token to be refused', async () => (await kubectlWithToken(token, ['get', '--raw', '/api'])).code !== 0, clusterPolling);
    assert.match((await kubectlWithToken(token, ['get', '--raw', '/api'])).stderr, unauthorized);
    assert.match((await review(token)).error ?? '', /invalidated/);
  });

  test('bad TokenRequests get upstream Status errors', async () => {
    const short = await c.kubectl(['create', 'token', 'default', '--duration', '1m']);
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /TokenRequest.authentication.k8s.io "default" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
    const noSA = await c.kubectl(['create', 'token', 'nobody']);
    assert.match(noSA.stderr, /serviceaccounts "nobody" not found/);
    const noPod = await c.kubectl(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'nope']);
    assert.match(noPod.stderr, /pods "nope" not found/);
    const list = await c.kubectl(['get', '--raw', '/apis/authentication.k8s.io/v1/tokenreviews']);
    assert.match(list.stderr, /MethodNotAllowed|not allow this method/);
  });

  test('a legacy service-account-token Secret is filled and its token authenticates', async () => {
    await c.kubectlOK(['create', 'serviceaccount', 'builder']);
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: builder-token\n  annotations:\n    kubernetes.io/service-account.name: builder\ntype: kubernetes.io/service-account-token\n';
    await c.kubectlOK(['apply', '-f', '-'], { input: secret });
    const token = await waitFor('the token', async () => {
      const out = await c.kubectlOK(['get', 'secret', 'builder-token', '-o', 'jsonpath={.data.token}']);
      return out ? Buffer.from(out, 'base64').toString('utf8') : undefined;
    }, clusterPolling);
    const ns = await c.kubectlOK(['get', 'secret', 'builder-token', '-o', 'jsonpath={.data.namespace}']);
    assert.equal(Buffer.from(ns, 'base64').toString('utf8'), 'default');
    assert.equal((await kubectlWithToken(token, ['get', '--raw', '/api'])).code, 0);
    assert.equal((await review(token)).user?.username, 'system:serviceaccount:default:builder');
    await c.kubectlOK(['delete', 'secret', 'builder-token']);
    await waitFor('the legacy token to be refused', async () => (await kubectlWithToken(token, ['get', '--raw', '/api'])).code !== 0, clusterPolling);
  });

  test('client-node: TokenRequest with an audience and TokenReview', async () => {
    const r = await c.netns.run(process.execPath, [tokenClientScript, c.kubeconfig, 'default', 'default', 'my-audience']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { token: string; expirationTimestamp: string; spec: { audiences: string[]; expirationSeconds: number }; review: TokenReviewStatus };
    assert.deepEqual(out.spec.audiences, ['my-audience']);
    assert.equal(out.spec.expirationSeconds, 1200);
    assert.ok(new Date(out.expirationTimestamp).getTime() > Date.now() + 1_000_000);
    assert.equal(out.review.authenticated, true);
    assert.equal(out.review.user?.username, 'system:serviceaccount:default:default');
    assert.deepEqual(out.review.audiences, ['my-audience']);
  });
});
