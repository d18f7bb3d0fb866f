/**
 * Run inside a test's network namespace: `node informer.js KUBECONFIG NAMESPACE` runs an
 * @kubernetes/client-node informer on ConfigMaps and prints one JSON line per event
 * (`{"event":"add","name":...,"rv":...}`), and `{"event":"error",...}` lines on watch errors.
 */
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';

const [kubeconfigPath, namespace] = process.argv.slice(2);
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);
const api = kc.makeApiClient(CoreV1Api);
const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, () =>
  api.listNamespacedConfigMap({ namespace }),
);
const print = (event: string, obj?: V1ConfigMap) =>
  process.stdout.write(JSON.stringify({ event, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, data: obj?.data }) + '\n');
informer.on('add', (o) => print('add', o));
informer.on('update', (o) => print('update', o));
informer.on('delete', (o) => print('delete', o));
informer.on('connect', () => print('connect'));
informer.on('error', (err: unknown) => {
  process.stdout.write(JSON.stringify({ event: 'error', error: String(err) }) + '\n');
  // Restart after an error, as an application using the informer would.
  setTimeout(() => void informer.start(), 500);
});
await informer.start();
