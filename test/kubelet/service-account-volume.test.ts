/**
 * The service-account volume on a real node (containerd): a pod finds its token, the cluster CA
 * and its namespace under /var/run/secrets/kubernetes.io/serviceaccount, the token authenticates
 * as the pod's service account (bound to the pod), an in-cluster client in a pod reaches the API
 * server with it through client-go's in-cluster config (the KUBERNETES_SERVICE_* variables the
 * node sets) and through kubernetes.default.svc, the Service variables follow enableServiceLinks,
 * and automountServiceAccountToken: false gives no volume.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { clusterPolling, kubectlBinary, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';
import { testImages } from '../harness/images.js';
import { startNodeCluster } from '../harness/node-cluster.js';
import { CriClient } from '../../src/kubelet/cri/client.js';
import { decodeJwt } from '../../src/pki/jwt.js';

const canRun = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/sbin/runc');
const mountPath = '/var/run/secrets/kubernetes.io/serviceaccount';

function podYaml(name: string, extraSpec = '', extraContainer = ''): string {
  return `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1${extraSpec}
  containers:
  - name: main
    image: ${testImages.busybox}
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'sleep 3600']${extraContainer}
`;
}

interface PodJSON {
  metadata: { uid: string };
  spec: { volumes?: { name: string; projected?: unknown }[]; containers: { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[] };
  status?: { phase?: string; containerStatuses?: { state?: { running?: unknown } }[] };
}

describe('the service-account volume on a real node (containerd)', { skip: canRun ? false : 'needs root, containerd and runc' }, () => {
  let c: TestCluster;
  let imagesDir: string;

  const pod = async (name: string): Promise<PodJSON> => JSON.parse(await c.kubectlOK(['get', 'pod', name, '-o', 'json'])) as PodJSON;
  const running = (name: string) =>
    waitFor(`${name} running`, async () => {
      const s = (await pod(name)).status;
      return s?.phase === 'Running' && (s.containerStatuses ?? []).every((x) => x.state?.running);
    }, { ...clusterPolling, timeoutMs: 90_000, intervalMs: 300 });
  const exec = (name: string, args: string[]) => c.kubectlOK(['exec', name, '--', ...args]);

  /** kubectl with a kubeconfig whose only credential is `token`. */
  async function kubectlWithToken(token: string, args: string[]) {
    const config = load(await readFile(c.kubeconfig, 'utf8')) as { users: { name: string; user: Record<string, string> }[] };
    config.users = [{ name: config.users[0]!.name, user: { token } }];
    const file = join(c.dataDir, 'pod-token-kubeconfig.yaml');
    await writeFile(file, dump(config), { mode: 0o600 });
    return c.kubectl(['--kubeconfig', file, ...args]);
  }

  before(async () => {
    imagesDir = await mkdtemp(join(tmpdir(), 'skiff-images-'));
    c = await startNodeCluster('node-a', imagesDir, { serverArgs: ['--service-cidr', '10.172.0.0/16'] });
    await waitFor('the default service account', async () => (await c.kubectl(['get', 'serviceaccount', 'default'])).code === 0, clusterPolling);
    await waitFor('the kubernetes Service', async () => (await c.kubectl(['get', 'service', 'kubernetes'])).code === 0, clusterPolling);
    // A Service of the pods' namespace, before the pods: its variables are in their environment.
    await c.kubectlOK(['create', 'service', 'clusterip', 'backend-api', '--tcp=8080:80']);
    const kubectlFromHost = `
  volumes:
  - name: kubectl
    hostPath: {path: ${kubectlBinary}, type: File}`;
    await c.kubectlOK(['apply', '-f', '-'], {
      input: podYaml('with-token') + podYaml('without-token', '\n  automountServiceAccountToken: false') + podYaml('no-service-links', '\n  enableServiceLinks: false') + podYaml('in-cluster-client', kubectlFromHost, '\n    volumeMounts: [{name: kubectl, mountPath: /usr/local/bin/kubectl, readOnly: true}]'),
    });
  });

  after(async () => {
    if (c) {
      await c.kubectl(['delete', 'pods', '--all', '--wait=false']);
      const cri = CriClient.connect(`unix://${c.containerdSocket}`, { callTimeoutMs: 10_000 });
      try {
        await waitFor('the runtime to hold no sandbox', async () => (await cri.listPodSandbox()).length === 0, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 300 }).catch((err: unknown) => console.error(`test cleanup: ${String(err)}`));
      } finally {
        cri.close();
      }
      if (process.env.SKIFF_TEST_VERBOSE) console.error(c.log);
      await c.stop();
    }
    if (imagesDir) await rm(imagesDir, { recursive: true, force: true });
  });

  test('token, ca.crt and namespace are mounted; the token authenticates as the pod', async () => {
    await running('with-token');
    const spec = (await pod('with-token')).spec;
    const volume = spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.ok(volume?.projected, 'the admission added the projected volume');
    assert.deepEqual(spec.containers[0]?.volumeMounts, [{ name: volume.name, mountPath, readOnly: true }]);

    const files = (await exec('with-token', ['ls', mountPath])).trim().split(/\s+/).sort();
    assert.deepEqual(files, ['ca.crt', 'namespace', 'token']);
    assert.equal((await exec('with-token', ['cat', `${mountPath}/namespace`])).trim(), 'default');
    const ca = await exec('with-token', ['cat', `${mountPath}/ca.crt`]);
    const clusterCA = await readFile(join(c.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8');
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(ca.trim(), clusterCA.trim());

    const token = (await exec('with-token', ['cat', `${mountPath}/token`])).trim();
    const claims = decodeJwt(token).claims;
    const uid = (await pod('with-token')).metadata.uid;
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.deepEqual((claims['kubernetes.io'] as { pod: unknown }).pod, { name: 'with-token', uid });
    assert.equal(Number(claims.exp) - Number(claims.iat), 3607);
    const api = await kubectlWithToken(token, ['get', '--raw', '/api']);
    assert.equal(api.code, 0, api.stderr);
    const review = JSON.parse(
      await c.kubectlOK(['create', '--raw', '/apis/authentication.k8s.io/v1/tokenreviews', '-f', '-'], {
        input: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
      }),
    ) as { status: { authenticated?: boolean; user?: { username?: string; extra?: Record<string, string[]> } } };
    assert.equal(review.status.authenticated, true);
    assert.equal(review.status.user?.username, 'system:serviceaccount:default:default');
    assert.deepEqual(review.status.user?.extra?.['authentication.kubernetes.io/pod-name'], ['with-token']);
    assert.deepEqual(review.status.user?.extra?.['authentication.kubernetes.io/node-name'], ['node-a']);

    // In-cluster, as client-go does: a client in the pod reaches the API server through the
    // `kubernetes` Service (cluster DNS for kubernetes.default.svc, the Service proxy), checks the
    // server against the mounted ca.crt, sends the mounted token, and SelfSubjectReview names the
    // pod's identity. The client is kubectl (client-go, statically linked) mounted from the host:
    // busybox wget's own TLS offers no signature_algorithms, which OpenSSL 3 servers refuse.
    type Review = { status: { userInfo: { username: string; groups: string[]; extra?: Record<string, string[]> } } };
    const whoami = async (name: string, command: string): Promise<Review['status']['userInfo']> => {
      let answer = '';
      let last = '';
      await waitFor(`${name}: kubectl auth whoami to reach the API server from the pod`, async () => {
        const r = await c.kubectl(['exec', 'in-cluster-client', '--', 'sh', '-c', command], { timeoutMs: 30_000 });
        answer = r.stdout;
        last = r.stderr;
        return r.code === 0;
      }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 500 }).catch((err: unknown) => {
        throw new Error(`${String(err)}\nlast answer: ${last}`);
      });
      return (JSON.parse(answer) as Review).status.userInfo;
    };
    await running('in-cluster-client');
    // No kubeconfig in the pod: kubectl's default loading rules fall back to client-go's in-cluster
    // config, KUBERNETES_SERVICE_HOST/PORT (set by the node) with the mounted token and ca.crt.
    const inCluster = await whoami('in-cluster config', 'kubectl auth whoami -o json');
    assert.equal(inCluster.username, 'system:serviceaccount:default:default');
    assert.deepEqual(inCluster.extra?.['authentication.kubernetes.io/pod-name'], ['in-cluster-client']);
    const viaDNS = await whoami(
      'https://kubernetes.default.svc',
      `kubectl --server https://kubernetes.default.svc --certificate-authority ${mountPath}/ca.crt --token "$(cat ${mountPath}/token)" auth whoami -o json`,
    );
    assert.equal(viaDNS.username, 'system:serviceaccount:default:default');
    assert.ok(viaDNS.groups.includes('system:serviceaccounts:default'));
    assert.deepEqual(viaDNS.extra?.['authentication.kubernetes.io/pod-name'], ['in-cluster-client']);

    await c.kubectlOK(['delete', 'pod', 'with-token', '--wait=true', '--timeout=60s']);
    await waitFor('the pod token to be refused', async () => (await kubectlWithToken(token, ['get', '--raw', '/api'])).code !== 0, clusterPolling);
  });

  test("containers get the kubernetes Service's variables and their namespace's Services'; enableServiceLinks: false leaves only KUBERNETES_*", async () => {
    const clusterIP = async (name: string) => (await c.kubectlOK(['get', 'service', name, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const kubernetesIP = await clusterIP('kubernetes');
    const backendIP = await clusterIP('backend-api');
    const envOf = async (name: string) => new Map((await exec(name, ['env'])).trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

    await running('in-cluster-client');
    const env = await envOf('in-cluster-client');
    assert.equal(env.get('KUBERNETES_SERVICE_HOST'), kubernetesIP);
    assert.equal(env.get('KUBERNETES_SERVICE_PORT'), '443');
    assert.equal(env.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
    assert.equal(env.get('KUBERNETES_PORT'), `tcp://${kubernetesIP}:443`);
    assert.equal(env.get('KUBERNETES_PORT_443_TCP_ADDR'), kubernetesIP);
    assert.equal(env.get('BACKEND_API_SERVICE_HOST'), backendIP);
    assert.equal(env.get('BACKEND_API_SERVICE_PORT'), '8080');
    assert.equal(env.get('BACKEND_API_SERVICE_PORT_8080_80'), '8080');
    assert.equal(env.get('BACKEND_API_PORT_8080_TCP'), `tcp://${backendIP}:8080`);

    await running('no-service-links');
    const noLinks = await envOf('no-service-links');
    assert.equal(noLinks.get('KUBERNETES_SERVICE_HOST'), kubernetesIP);
    assert.equal(noLinks.get('KUBERNETES_SERVICE_PORT'), '443');
    const serviceVariables = [...noLinks.keys()].filter((key) => /_SERVICE_HOST$|_SERVICE_PORT|_PORT$|_PORT_\d+_/.test(key));
    assert.ok(serviceVariables.length > 0 && serviceVariables.every((key) => key.startsWith('KUBERNETES_')), serviceVariables.join(' '));
  });

  test('automountServiceAccountToken: false gives no volume', async () => {
    await running('without-token');
    const spec = (await pod('without-token')).spec;
    assert.equal(spec.volumes?.some((v) => v.name.startsWith('kube-api-access-')) ?? false, false);
    assert.equal(spec.containers[0]?.volumeMounts, undefined);
    const ls = await c.kubectl(['exec', 'without-token', '--', 'ls', mountPath]);
    assert.notEqual(ls.code, 0);
  });
});
