/**
 * Run inside a test's network namespace: `node token-client.js KUBECONFIG NAMESPACE SERVICEACCOUNT AUDIENCE`
 * asks for a token with @kubernetes/client-node (TokenRequest with that audience), reviews it
 * (TokenReview for the same audience), and prints `{ token, expirationTimestamp, review }` as JSON.
 */
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

const [kubeconfigPath, namespace, name, audience] = process.argv.slice(2) as [string, string, string, string];
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);
const core = kc.makeApiClient(CoreV1Api);
const auth = kc.makeApiClient(AuthenticationV1Api);
const request = await core.createNamespacedServiceAccountToken({
  name,
  namespace,
  body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [audience], expirationSeconds: 1200 } },
});
const token = request.status?.token ?? '';
const review = await auth.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [audience] } } });
process.stdout.write(JSON.stringify({ token, expirationTimestamp: request.status?.expirationTimestamp, spec: request.spec, review: review.status }));
