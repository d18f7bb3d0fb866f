import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../apimachinery/clock.js';
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type ListOptions, type ObjectList, type ResourceRef, type WatchEventOf, type WatchOptions, type WriteOptions } from '../client/client.js';
import { MemoryClient } from '../testing/memory-client.js';
import { waitFor } from '../testing/wait.js';
import { ClusterObserver, type ClusterObserverOptions } from './observer.js';

/** A MemoryClient as a user with limited rights sees it: lists and watches of `denied` resources answer 403. */
class RbacClient extends MemoryClient {
  readonly denied = new Set<string>();
  readonly absent = new Set<string>();
  secretsAllowed = false;

  private check(ref: ResourceRef): void {
    if (this.denied.has(ref.resource)) throw new StatusError(403, 'Forbidden', `${ref.resource} is forbidden: User "jane" cannot list resource "${ref.resource}"`);
    if (this.absent.has(ref.resource)) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }

  override list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, options?: ListOptions): Promise<ObjectList<T>> {
    try {
      this.check(ref);
    } catch (err) {
      return Promise.reject(err);
    }
    return super.list<T>(ref, namespace, options);
  }

  override watch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, options: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEventOf<T>> {
    this.check(ref);
    return super.watch<T>(ref, namespace, options, signal);
  }

  override create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options?: WriteOptions): Promise<T> {
    if (ref.resource === 'selfsubjectaccessreviews') return Promise.resolve({ ...obj, status: { allowed: this.secretsAllowed } });
    return super.create(ref, namespace, obj, options);
  }
}

const pod = (name: string, extra: Partial<Pod> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'seed' }, spec: { containers: [{ name: 'c', image: 'i' }] }, ...extra }) as KubeObject;

const conflictPod = (restartCount: number): KubeObject =>
  pod('tomcat-redis', {
    spec: {
      containers: [
        { name: 'tomcat-container', image: 'tomcat', ports: [{ containerPort: 8080 }] },
        { name: 'container-03', image: 'tomcat', ports: [{ containerPort: 8080 }] },
      ],
    },
    status: {
      containerStatuses: [
        { name: 'tomcat-container', image: '', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        { name: 'container-03', image: '', imageID: '', ready: false, restartCount, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } },
      ],
    },
  });

describe('ClusterObserver', () => {
  const stops: AbortController[] = [];
  afterEach(() => {
    for (const s of stops.splice(0)) s.abort();
  });

  function observe(client: MemoryClient, options: Partial<ClusterObserverOptions> = {}): { observer: ClusterObserver; errors: unknown[]; notified: () => number } {
    const errors: unknown[] = [];
    const observer = new ClusterObserver({ client, recheckMs: 20, debounceMs: 30, onError: (e) => errors.push(e), ...options });
    let notifications = 0;
    observer.onChange(() => notifications++);
    const stop = new AbortController();
    stops.push(stop);
    void observer.start(stop.signal);
    return { observer, errors, notified: () => notifications };
  }

  test('lists every kind as the user, sorted; a change after the first list is logged and told once per burst', async () => {
    const client = new RbacClient();
    await client.create(resources.pods, 'seed', pod('b'));
    await client.create(resources.pods, 'seed', pod('a'));
    await client.create(resources.deployments, 'seed', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'seed' }, spec: { replicas: 1 } });
    const clock = new FakeClock();
    const { observer, errors, notified } = observe(client, { clock });
    await observer.ready();
    const first = observer.snapshot();
    assert.deepEqual(first.pods.map((p) => p.metadata?.name), ['a', 'b']);
    assert.equal(first.deployments.length, 1);
    assert.deepEqual(first.changes, [], 'the first list is the state, not changes');
    assert.deepEqual(first.forbidden, ['secrets'], 'without a yes from an access review, Secrets count as unreadable');
    await clock.advanceAsync(30);
    const before = notified();
    assert.ok(before > 0, 'the first list is told');
    await client.patch(resources.deployments, 'seed', 'web', 'merge', { spec: { replicas: 3 } });
    await client.patch(resources.deployments, 'seed', 'web', 'merge', { spec: { replicas: 4 } });
    await client.delete(resources.pods, 'seed', 'b');
    await waitFor('the changes', () => observer.snapshot().changes.length === 3);
    assert.equal(notified(), before, 'told only once the debounce period is over');
    await clock.advanceAsync(30);
    assert.deepEqual(observer.snapshot().changes.map((c) => [c.type, c.kind, c.object.metadata?.name]), [
      ['MODIFIED', 'deployments', 'web'],
      ['MODIFIED', 'deployments', 'web'],
      ['DELETED', 'pods', 'b'],
    ]);
    assert.equal(notified(), before + 1, 'a burst of changes is one notification');
    assert.deepEqual(observer.snapshot().pods.map((p) => p.metadata?.name), ['a']);
    assert.deepEqual(errors, []);
  });

  test('the change log keeps the last maxChanges', async () => {
    const client = new RbacClient();
    await client.create(resources.pods, 'seed', pod('a'));
    const { observer } = observe(client, { maxChanges: 2 });
    await observer.ready();
    for (const image of ['i2', 'i3', 'i4']) await client.patch(resources.pods, 'seed', 'a', 'merge', { spec: { containers: [{ name: 'c', image }] } });
    await waitFor('the last change', () => (observer.snapshot().pods[0]?.spec as Pod['spec'])?.containers[0]?.image === 'i4');
    const changes = observer.snapshot().changes;
    assert.equal(changes.length, 2);
    assert.deepEqual(changes.map((c) => (c.object.spec as Pod['spec'])?.containers[0]?.image), ['i3', 'i4']);
  });

  test('a 403 puts the resource in forbidden and its objects out of sight; granted later, it is listed again', async () => {
    const client = new RbacClient();
    await client.create(resources.pods, 'seed', pod('a'));
    client.denied.add('pods');
    client.absent.add('gateways');
    client.absent.add('httproutes');
    const { observer, errors } = observe(client);
    await observer.ready();
    const snap = observer.snapshot();
    assert.deepEqual(snap.forbidden, ['pods', 'secrets'], 'a CRD not installed is absent, not forbidden');
    assert.deepEqual(snap.pods, []);
    client.denied.delete('pods');
    await waitFor('pods listed once allowed', () => observer.snapshot().pods.length === 1);
    assert.deepEqual(observer.snapshot().forbidden, ['secrets']);
    assert.deepEqual(errors, []);
  });

  test('Secrets are readable only when a SelfSubjectAccessReview says so', async () => {
    const client = new RbacClient();
    client.secretsAllowed = true;
    const { observer } = observe(client);
    await waitFor('secrets readable', () => !observer.snapshot().forbidden.includes('secrets'));
    client.secretsAllowed = false;
    await waitFor('secrets unreadable again', () => observer.snapshot().forbidden.includes('secrets'));
  });

  test('a container losing a port: the tail of its previous log is fetched once per restart', async () => {
    const client = new RbacClient();
    await client.create(resources.pods, 'seed', conflictPod(1));
    const asked: string[] = [];
    const { observer } = observe(client, {
      getText: async (path) => {
        asked.push(path);
        return 'httpd: bind: Address in use\n';
      },
    });
    await waitFor('the log tail', () => observer.snapshot().containerLogs.length === 1);
    assert.deepEqual(observer.snapshot().containerLogs, [{ namespace: 'seed', pod: 'tomcat-redis', container: 'container-03', previous: true, lines: ['httpd: bind: Address in use', ''] }]);
    assert.deepEqual(asked, ['/api/v1/namespaces/seed/pods/tomcat-redis/log?container=container-03&tailLines=20&previous=true']);
    await client.patch(resources.pods, 'seed', 'tomcat-redis', 'merge', { metadata: { labels: { touched: 'yes' } } });
    await waitFor('the label', () => observer.snapshot().pods[0]?.metadata?.labels?.touched === 'yes');
    assert.equal(asked.length, 1, 'the same restart is not fetched again');
    await client.update(resources.pods, 'seed', conflictPod(2), { subresource: 'status' });
    await waitFor('the next restart fetched', () => asked.length === 2);
    await client.delete(resources.pods, 'seed', 'tomcat-redis');
    await waitFor('the tail dropped with its pod', () => observer.snapshot().containerLogs.length === 0);
  });

  test('traffic: scraped only while wanted, from /metrics and each node; a 403 gives no samples', async () => {
    const client = new RbacClient();
    await client.create(resources.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    await client.create(resources.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b' } });
    const asked: string[] = [];
    const clock = new FakeClock();
    const { observer, errors } = observe(client, {
      clock,
      trafficIntervalMs: 1000,
      getText: async (path) => {
        asked.push(path);
        if (path === '/metrics') return 'skiff_ingress_upstream_recent_requests{namespace="seed",service="tomcat-stable",port="80"} 8\n';
        if (path.includes('node-b')) throw new StatusError(403, 'Forbidden', 'nodes/proxy is forbidden');
        return 'skiff_proxy_endpoint_connections{namespace="seed",service="s",port="80",endpoint="10.42.0.11:8080"} 2\n';
      },
    });
    await observer.ready();
    await clock.advanceAsync(5000);
    assert.equal(asked.length, 0, 'nothing scraped while no traffic view is open');
    const release = observer.wantTraffic();
    await waitFor('traffic samples', () => observer.snapshot().traffic.length === 2, { clock });
    assert.deepEqual(observer.snapshot().traffic, [
      { source: 'ingress', backend: 'seed/tomcat-stable', count: 8, windowSeconds: 60 },
      { source: 'service', backend: 'seed/s/10.42.0.11:8080', count: 2, windowSeconds: 120 },
    ]);
    assert.ok(asked.includes('/api/v1/nodes/node-a/proxy/metrics') && asked.includes('/api/v1/nodes/node-b/proxy/metrics'));
    release();
    await waitFor('samples dropped once nobody wants them', () => observer.snapshot().traffic.length === 0, { clock });
    const count = asked.length;
    await clock.advanceAsync(10_000);
    assert.equal(asked.length, count, 'no scrape in ten intervals once released');
    assert.deepEqual(errors, []);
  });
});
