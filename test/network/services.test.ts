/**
 * Services on real nodes, driven by real kubectl: two machines (`skiff server` with its agent,
 * `skiff agent` joining), each running the Service proxy; the cluster DNS server in the
 * server. The seed's Service questions: named ports, canary by Service, DNS names, NodePorts,
 * hairpin, client IPs, session affinity, and Services answering while the server restarts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { clusterPolling } from '../harness/cluster.js';
import { testImages } from '../harness/images.js';
import { familyOf, parsePrometheusText, samplesOf } from '../../src/testing/prometheus-text.js';
import { waitFor } from '../../src/testing/wait.js';
import { canRunNodes, TwoNodeCluster } from './two-node-cluster.js';

const fixture = (name: string) => readFile(fileURLToPath(new URL(`../../../test/fixtures/seed/${name}`, import.meta.url)), 'utf8');

/** The seed's manifests name `tomcat`/`redis` (pull policy Always): nothing can be pulled here, the images are imported. */
const offline = (yaml: string) => yaml.replace(/^([ \t]*)image: (.+)$/gm, '$1image: $2\n$1imagePullPolicy: IfNotPresent');

const clientPod = (name: string, node: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers:
  - name: client
    image: ${testImages.busybox}
    imagePullPolicy: IfNotPresent
`;

/** An HTTP server on 8080 whose /cgi-bin/who answers "<hostname> <client address>". */
const whoContainer = `
    - name: who
      image: ${testImages.busybox}
      imagePullPolicy: IfNotPresent
      ports: [{containerPort: 8080}]
      command:
      - sh
      - -c
      - |
        mkdir -p /tmp/www/cgi-bin
        printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho "$(hostname) $REMOTE_ADDR"\\n' > /tmp/www/cgi-bin/who
        chmod +x /tmp/www/cgi-bin/who
        exec httpd -f -p 8080 -h /tmp/www`;

const whoWorkloads = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: who}
spec:
  replicas: 3
  selector: {matchLabels: {app: who}}
  template:
    metadata: {labels: {app: who}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:${whoContainer.replace(/\n/g, '\n    ')}
---
apiVersion: v1
kind: Pod
metadata: {name: loop, labels: {app: loop}}
spec:
  terminationGracePeriodSeconds: 1
  containers:${whoContainer}
---
apiVersion: v1
kind: Service
metadata: {name: who-cluster}
spec:
  type: NodePort
  selector: {app: who}
  ports: [{port: 80, targetPort: 8080, nodePort: 30081}]
---
apiVersion: v1
kind: Service
metadata: {name: who-local}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {app: who}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: who-sticky}
spec:
  sessionAffinity: ClientIP
  selector: {app: who}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: loop}
spec:
  selector: {app: loop}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: nothing}
spec:
  selector: {app: nothing-has-this}
  ports: [{port: 80, targetPort: 8080}]
`;

/** Two who pods behind Service \`pair\`, for the connection metrics. */
const pairWorkload = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: pair}
spec:
  replicas: 2
  selector: {matchLabels: {app: pair}}
  template:
    metadata: {labels: {app: pair}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:${whoContainer.replace(/\n/g, '\n    ')}
---
apiVersion: v1
kind: Service
metadata: {name: pair}
spec:
  selector: {app: pair}
  ports: [{port: 80, targetPort: 8080}]
`;

/**
 * The seed's StatefulSet and headless Service (test/fixtures/seed/statefulset.yaml) with the
 * tomcat stand-in for nginx and no volume claims (no storage provisioner runs here).
 */
const statefulSet = `
apiVersion: v1
kind: Service
metadata: {name: nginx, labels: {app: nginx}}
spec:
  clusterIP: None
  selector: {app: nginx}
  ports: [{name: web, port: 80, targetPort: web}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: nginx
        image: ${testImages.tomcatV1}
        imagePullPolicy: IfNotPresent
        ports: [{name: web, containerPort: 8080}]
`;

/** A LoadBalancer Service in front of the who pods (ServiceLB gives it the nodes' addresses). */
const whoLoadBalancer = `
apiVersion: v1
kind: Service
metadata: {name: who-lb}
spec:
  type: LoadBalancer
  selector: {app: who}
  ports: [{port: 8090, targetPort: 8080}]
`;

/**
 * Namespace np: a web server on node-a, and three clients: \`client\` (role: client) and
 * \`other\` on node-b, \`near\` beside the server on node-a (judged on the bridge).
 */
const policyWorkloads = `
apiVersion: v1
kind: Namespace
metadata: {name: np}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: np, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: node-a}
  containers:${whoContainer}
${[['client', 'node-b', '{role: client}'], ['other', 'node-b', '{}'], ['near', 'node-a', '{}']]
  .map(([name, node, labels]) => `---${clientPod(name!, node!).replace(`metadata: {name: ${name}}`, `metadata: {name: ${name}, namespace: np, labels: ${labels}}`)}`)
  .join('')}`;

const denyIngress = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: np}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

const allowClients = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-clients, namespace: np}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {role: client}}}]
    ports: [{port: 8080}]
`;

const clientEgress = (allowDns: boolean) => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-egress, namespace: np}
spec:
  podSelector: {matchLabels: {role: client}}
  policyTypes: [Egress]
  egress: ${allowDns ? '[{ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]' : '[]'}
`;

describe('Services on two real nodes (Service proxy on each, cluster DNS in the server)', { skip: canRunNodes ? false : 'needs root, containerd and runc' }, () => {
  let cluster: TwoNodeCluster | undefined;
  const c = (): TwoNodeCluster => {
    assert.ok(cluster);
    return cluster;
  };
  const kubectlOK = (args: string[], input?: string) => c().kubectlOK(args, input);
  const inPod = (pod: string, script: string) => c().kubectl(['exec', pod, '--', 'sh', '-c', script]);
  const podField = async (pod: string, path: string) => (await kubectlOK(['get', 'pod', pod, '-o', `jsonpath={${path}}`])).trim();
  const waitRunning = async (selector: string[], count: number, namespace = 'default') => {
    await waitFor(`${count} pods ${selector.join(' ')} ready`, async () => {
      const out = await kubectlOK(['get', 'pods', '-n', namespace, ...selector, '-o', 'jsonpath={range .items[*]}{.status.containerStatuses[*].ready}{"\\n"}{end}']);
      const lines = out.split('\n').filter((l) => l !== '');
      return lines.length === count && lines.every((l) => !l.includes('false'));
    }, { ...clusterPolling, timeoutMs: 120_000, intervalMs: 500 });
  };
  /** Waits until `node`'s Service proxy sends `frontend` to `count` endpoints (a sync on that node). */
  const waitForEndpoints = async (nodeIndex: number, frontend: string, count: number) => {
    const node = c().nodes[nodeIndex]!;
    await waitFor(`${node.name}'s proxy: ${frontend} to ${count} endpoints`, async () => {
      const r = await node.netns.run('nft', ['list', 'map', 'ip', 'skiff', 'frontends']);
      return r.stdout.includes(`${frontend} : goto endpoints-${count}`);
    }, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 200 });
  };
  /** The pod on the node other than `pod`'s. */
  const clientAwayFrom = async (pod: string) => ((await podField(pod, '.spec.nodeName')) === 'node-a' ? 'client-b' : 'client-a');

  before(async () => {
    cluster = await TwoNodeCluster.start({ serverArgs: ['--service-cidr', '10.170.0.0/16', '--dns-upstream', 'none'] });
    try {
      await kubectlOK(['apply', '-f', '-'], `${clientPod('client-a', 'node-a')}---${clientPod('client-b', 'node-b')}`);
      await kubectlOK(['apply', '-f', '-'], offline(await fixture('service-ports.yaml')));
      await kubectlOK(['create', 'namespace', 'canary']);
      await kubectlOK(['apply', '-n', 'canary', '-f', '-'], offline(await fixture('canary-service.yaml')));
      await kubectlOK(['apply', '-f', '-'], whoWorkloads);
      await kubectlOK(['apply', '-f', '-'], statefulSet);
      await kubectlOK(['apply', '-f', '-'], policyWorkloads);
      for (const pod of ['client-a', 'client-b', 'tomcat-redis', 'loop']) await waitRunning(['--field-selector', `metadata.name=${pod}`], 1);
      await waitRunning(['-l', 'app=who'], 3);
      await waitRunning(['-l', 'app=nginx'], 2);
      await waitRunning(['-l', 'app=canary-tomcat'], 4, 'canary');
      await waitRunning([], 4, 'np');
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${c().logs()}`);
    }
  });

  after(async () => {
    if (process.env.SKIFF_TEST_VERBOSE) console.error(cluster?.logs());
    await cluster?.remove();
  });

  test('the seed\'s Service ports from a pod on the other node: 80 is tomcat, 99 is redis, 6379 is refused at once', async () => {
    const client = await clientAwayFrom('tomcat-redis');
    await waitForEndpoints(client === 'client-a' ? 0 : 1, '10.170.11.11 . tcp . 80', 1);
    const web = await inPod(client, 'timeout 10 wget -qO- http://10.170.11.11:80/');
    assert.equal(web.stdout, 'tomcat latest\n', web.stderr);
    const redis = await inPod(client, 'timeout 10 nc 10.170.11.11 99 </dev/null');
    assert.equal(redis.stdout.trim(), '+PONG', redis.stderr);
    const refused = await inPod(client, 'timeout 10 nc 10.170.11.11 6379 </dev/null');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /refused/i, `a refusal, not a timeout: ${refused.stdout}${refused.stderr}`);
  });

  test('cluster-service-02 answers from pods on both nodes and from a node itself', async () => {
    for (const client of ['client-a', 'client-b']) {
      const r = await inPod(client, 'timeout 10 wget -qO- http://10.170.11.88/');
      assert.match(r.stdout, /^tomcat v[12]\n$/, `${client}: ${r.stderr}`);
    }
    for (const node of c().nodes) {
      const r = await node.netns.run('timeout', ['10', 'busybox', 'wget', '-qO-', 'http://10.170.11.88/']);
      assert.match(r.stdout, /^tomcat v[12]\n$/, `${node.name}: ${r.stderr}`);
    }
  });

  test('canary by Service: 1 of 4 pods gets about 25% of 400 requests, 2 of 5 about 40%', async () => {
    const share = async () => {
      const r = await inPod('client-b', 'for i in $(seq 400); do timeout 10 wget -qO- http://10.170.11.88/; done');
      const answers = r.stdout.split('\n').filter((l) => l !== '');
      assert.equal(answers.length, 400, r.stderr);
      return answers.filter((a) => a === 'tomcat v2').length / 400;
    };
    await waitForEndpoints(1, '10.170.11.88 . tcp . 80', 4);
    const one = await share();
    assert.ok(Math.abs(one - 0.25) <= 0.08, `canary share with 1 of 4 pods: ${one}`);
    await kubectlOK(['scale', '-n', 'canary', 'deployment/tomcat-canary', '--replicas=2']);
    await waitRunning(['-l', 'app=canary-tomcat'], 5, 'canary');
    await waitForEndpoints(1, '10.170.11.88 . tcp . 80', 5);
    const two = await share();
    assert.ok(Math.abs(two - 0.4) <= 0.08, `canary share with 2 of 5 pods: ${two}`);
  });

  test('the client node\'s metrics count the connections each endpoint of a Service answered', async () => {
    await kubectlOK(['apply', '-f', '-'], pairWorkload);
    await waitRunning(['-l', 'app=pair'], 2);
    const ip = (await kubectlOK(['get', 'service', 'pair', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    await waitForEndpoints(1, `${ip} . tcp . 80`, 2);
    const podEndpoints = (await kubectlOK(['get', 'pods', '-l', 'app=pair', '-o', 'jsonpath={.items[*].status.podIP}'])).split(' ').map((a) => `${a}:8080`).sort();
    const requests = 40;
    const r = await inPod('client-b', `for i in $(seq ${requests}); do timeout 10 wget -qO- http://${ip}/cgi-bin/who; done`);
    assert.equal(r.stdout.split('\n').filter((l) => /^pair-/.test(l)).length, requests, r.stderr);
    // The DNAT happened on the client's node: its conntrack table holds the connections (TIME_WAIT keeps them two minutes).
    const metrics = await kubectlOK(['get', '--raw', '/api/v1/nodes/node-b/proxy/metrics']);
    const families = await parsePrometheusText(metrics);
    const pair = { namespace: 'default', service: 'pair', port: '80' };
    const perEndpoint = new Map(samplesOf(familyOf(families, 'skiff_proxy_endpoint_connections'), 'skiff_proxy_endpoint_connections', pair).map((s) => [s.labels.endpoint!, s.value]));
    // The kernel's count of new connections at the DNAT: exact. (Python's parser drops the counter family's `_total`.)
    const counted = families.filter((f) => f.type === 'counter').flatMap((f) => samplesOf(f, 'skiff_proxy_endpoint_connections_total', pair));
    assert.deepEqual(counted.map((s) => s.labels.endpoint).sort(), podEndpoints, metrics);
    assert.equal(counted.reduce((n, s) => n + s.value, 0), requests, metrics);
    assert.deepEqual([...perEndpoint.keys()].sort(), podEndpoints, metrics);
    const total = [...perEndpoint.values()].reduce((a, b) => a + b, 0);
    assert.ok(total >= requests * 0.9 && total <= requests, `connections counted: ${total} of ${requests} (${[...perEndpoint].join(', ')})`);
    assert.ok([...perEndpoint.values()].every((n) => n > 0), `both endpoints answered: ${[...perEndpoint].join(', ')}`);
  });

  test('cluster DNS from a pod with the default resolv.conf: Services, FQDNs, StatefulSet pods, SRV, NXDOMAIN', async () => {
    const lookup = (name: string, type = '') => inPod('client-b', `nslookup ${type} ${name}`);
    // busybox nslookup applies the search list only to names without a dot; the C library's
    // resolver (ping's here) applies it as ndots:5 says, as any client in a pod does.
    const resolve = async (name: string) => /^PING \S+ \(([\d.]+)\)/.exec((await inPod('client-b', `ping -c 1 -W 1 ${name}`)).stdout)?.[1];
    const resolvConf = await inPod('client-b', 'cat /etc/resolv.conf');
    assert.match(resolvConf.stdout, /nameserver 10\.170\.0\.10/);
    await waitFor('kube-dns answering', async () => (await lookup('kubernetes.default.svc.cluster.local')).stdout.includes('10.170.0.1'), { ...clusterPolling, timeoutMs: 30_000, intervalMs: 500 });
    const short = await lookup('cluster-service-test');
    assert.match(short.stdout, /Address:\s+10\.170\.11\.11/, short.stdout + short.stderr);
    // On the server's own node the kube-dns endpoint is the node itself.
    const sameNode = await inPod('client-a', 'nslookup cluster-service-test');
    assert.match(sameNode.stdout, /Address:\s+10\.170\.11\.11/, sameNode.stdout + sameNode.stderr);
    assert.equal(await resolve('kubernetes.default'), '10.170.0.1');
    const firstCandidate = await lookup('kubernetes.default.default.svc.cluster.local');
    assert.match(firstCandidate.stdout + firstCandidate.stderr, /NXDOMAIN/, 'the first search-list candidate does not exist, so the resolver goes on');
    const fqdn = await lookup('cluster-service-test.default.svc.cluster.local');
    assert.match(fqdn.stdout, /Address:\s+10\.170\.11\.11/);
    const srv = await lookup('_web._tcp.nginx.default.svc.cluster.local', '-type=srv');
    assert.match(srv.stdout, /8080 web-0\.nginx\.default\.svc\.cluster\.local/, srv.stdout + srv.stderr);
    const unknown = await lookup('no-such-service.default.svc.cluster.local');
    assert.match(unknown.stdout + unknown.stderr, /NXDOMAIN/);

    const web0 = async () => podField('web-0', '.status.podIP');
    const first = await web0();
    await waitFor('web-0.nginx answering', async () => (await resolve('web-0.nginx')) === first, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 500 });
    const uid = await podField('web-0', '.metadata.uid');
    await kubectlOK(['delete', 'pod', 'web-0']);
    await waitFor('a new web-0 with an IP', async () => (await podField('web-0', '.metadata.uid')) !== uid && (await web0()) !== '', { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
    const second = await web0();
    await waitFor(`web-0.nginx following web-0 to ${second}`, async () => (await resolve('web-0.nginx')) === second, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 500 });
  });

  test('NodePort answers on each node\'s address, from the other node', async () => {
    const [a, b] = c().nodes;
    assert.ok(a && b);
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const r = await from.netns.run('timeout', ['10', 'busybox', 'wget', '-qO-', `http://${to.ip}:30081/cgi-bin/who`]);
      assert.match(r.stdout, /^who-\S+ \S+\n$/, `${from.name} to ${to.ip}:30081: ${r.stderr}`);
    }
  });

  test('externalTrafficPolicy Local on a NodePort keeps the client\'s address', async () => {
    const [a, b] = c().nodes;
    assert.ok(a && b);
    const whereWho = (await kubectlOK(['get', 'pods', '-l', 'app=who', '-o', 'jsonpath={.items[*].spec.nodeName}'])).split(' ');
    const target = whereWho.includes('node-a') ? a : b;
    const from = target === a ? b : a;
    const r = await from.netns.run('timeout', ['10', 'busybox', 'wget', '-qO-', `http://${target.ip}:30080/cgi-bin/who`]);
    // busybox httpd gives REMOTE_ADDR as [::ffff:a.b.c.d] (it listens on IPv6).
    const address = /(\d+\.\d+\.\d+\.\d+)\]?$/.exec(r.stdout.trim())?.[1];
    assert.equal(address, from.ip, `answer: ${r.stdout} ${r.stderr}`);
  });

  test('a Service without endpoints refuses at once', async () => {
    const ip = (await kubectlOK(['get', 'service', 'nothing', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const r = await inPod('client-a', `timeout 10 wget -qO- http://${ip}/`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refused/i, `a refusal, not a timeout: ${r.stderr}`);
  });

  test('an SCTP port is not served: each node says so in a Warning event on the Service', async () => {
    await kubectlOK(['apply', '-f', '-'], 'apiVersion: v1\nkind: Service\nmetadata: {name: sctp}\nspec:\n  selector: {app: who}\n  ports: [{name: assoc, port: 9, protocol: SCTP}]\n');
    await waitFor('PortNotServed events from both nodes', async () => {
      const out = await kubectlOK(['get', 'events', '--field-selector', 'involvedObject.name=sctp,reason=PortNotServed', '-o', 'jsonpath={range .items[*]}{.source.host} {.message}{"\\n"}{end}']);
      const lines = out.split('\n').filter((l) => l !== '');
      return lines.length === 2 && lines.every((l) => /port assoc: protocol SCTP is not supported/.test(l));
    }, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 500 });
  });

  test('a pod reaches itself through its own Service (hairpin)', async () => {
    const ip = (await kubectlOK(['get', 'service', 'loop', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const r = await inPod('loop', `timeout 10 wget -qO- http://${ip}/cgi-bin/who`);
    assert.match(r.stdout, /^loop /, r.stderr);
  });

  test('sessionAffinity ClientIP keeps one client on one pod', async () => {
    const ip = (await kubectlOK(['get', 'service', 'who-sticky', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const r = await inPod('client-b', `for i in $(seq 30); do timeout 10 wget -qO- http://${ip}/cgi-bin/who; done`);
    const pods = new Set(r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split(' ')[0]));
    assert.equal(pods.size, 1, `answered by ${[...pods].join(', ')}`);
  });

  test('LoadBalancer: ServiceLB gives the nodes\' addresses, and the port answers on each node\'s address', async () => {
    await kubectlOK(['apply', '-f', '-'], whoLoadBalancer);
    const ips = c().nodes.map((n) => n.ip).sort();
    await waitFor('who-lb EXTERNAL-IP: both nodes', async () => {
      const out = await kubectlOK(['get', 'service', 'who-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}']);
      return out.split(' ').filter((ip) => ip !== '').sort().join(' ') === ips.join(' ');
    }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 500 });
    const [a, b] = c().nodes;
    assert.ok(a && b);
    for (const [from, to] of [[a, b], [b, a]] as const) {
      await waitFor(`${to.name}:8090 answering ${from.name}`, async () => {
        const r = await from.netns.run('timeout', ['5', 'busybox', 'wget', '-qO-', `http://${to.ip}:8090/cgi-bin/who`]);
        return /^who-\S+ \S+\n$/.test(r.stdout);
      }, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 500 });
    }
  });

  test('LoadBalancer with externalTrafficPolicy Local: each node\'s health check port counts its own ready endpoints', async () => {
    await kubectlOK(['apply', '-f', '-'], whoLoadBalancer.replace('name: who-lb}', 'name: who-lb-local}').replace('type: LoadBalancer', 'type: LoadBalancer\n  externalTrafficPolicy: Local').replace('port: 8090', 'port: 8091'));
    const port = Number(await kubectlOK(['get', 'service', 'who-lb-local', '-o', 'jsonpath={.spec.healthCheckNodePort}']));
    assert.ok(port >= 30000, `healthCheckNodePort ${port}`);
    const where = (await kubectlOK(['get', 'pods', '-l', 'app=who', '-o', 'jsonpath={.items[*].spec.nodeName}'])).split(' ');
    for (const node of c().nodes) {
      const expected = where.filter((n) => n === node.name).length;
      await waitFor(`${node.name}:${port} reporting ${expected} local endpoints`, async () => {
        const r = await node.netns.run('timeout', ['5', 'busybox', 'wget', '-qO-', `http://${node.ip}:${port}/healthz`]);
        // busybox wget prints no body for a 503: that answer shows as a failure naming the code.
        return expected > 0 ? r.stdout.includes(`"localEndpoints":${expected}`) : /503/.test(r.stderr);
      }, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 500 });
    }
  });

  test('NetworkPolicy: default deny, an allow for role: client, egress that blocks DNS until port 53 is allowed, removal restores the flat network', async () => {
    const webIP = await kubectlOK(['get', 'pod', 'web', '-n', 'np', '-o', 'jsonpath={.status.podIP}']);
    const inNp = (pod: string, script: string) => c().kubectl(['exec', '-n', 'np', pod, '--', 'sh', '-c', script]);
    // Dropped packets: a short timeout tells a block from an answer.
    const reaches = async (pod: string) => /^web /.test((await inNp(pod, `timeout 3 wget -qO- http://${webIP}:8080/cgi-bin/who`)).stdout);
    const resolves = async (pod: string) => /Address:\s+10\.170\.0\.1\b/.test((await inNp(pod, 'timeout 4 nslookup kubernetes.default.svc.cluster.local')).stdout);
    const policyPolling = { ...clusterPolling, timeoutMs: 30_000, intervalMs: 300 };
    for (const pod of ['client', 'other', 'near']) assert.ok(await reaches(pod), `${pod} reaches web before any policy`);
    assert.ok(await resolves('client'), 'DNS before any policy');

    await kubectlOK(['apply', '-f', '-'], denyIngress);
    await waitFor('client blocked by default-deny-ingress', async () => !(await reaches('client')), policyPolling);
    assert.equal(await reaches('other'), false, 'other blocked');
    assert.equal(await reaches('near'), false, 'near (same node) blocked');

    await kubectlOK(['apply', '-f', '-'], allowClients);
    await waitFor('role: client let through', () => reaches('client'), policyPolling);
    assert.equal(await reaches('other'), false, 'other still blocked');
    assert.equal(await reaches('near'), false, 'near still blocked');
    // Judged on the server's node: the drops are counted there.
    const dropped = await c().nodes[0]!.netns.run('nft', ['list', 'chain', 'ip', 'skiff', 'policy-ingress']);
    assert.match(dropped.stdout, /counter packets [1-9]/, `drops counted on node-a: ${dropped.stdout}`);

    await kubectlOK(['apply', '-f', '-'], clientEgress(false));
    await waitFor('DNS blocked by the egress policy', async () => !(await resolves('client')), policyPolling);
    assert.equal(await reaches('client'), false, 'egress to web blocked too');
    await kubectlOK(['apply', '-f', '-'], clientEgress(true));
    await waitFor('DNS allowed on port 53', () => resolves('client'), policyPolling);
    assert.equal(await reaches('client'), false, 'egress to web still blocked');

    await kubectlOK(['delete', 'networkpolicy', '-n', 'np', '--all']);
    await waitFor('the flat network back', async () => (await reaches('client')) && (await reaches('other')) && (await reaches('near')), policyPolling);
  });

  test('a Service keeps answering while skiff server restarts (SIGTERM, start again)', async () => {
    // The loop runs inside the pod: kubectl exec itself goes through the API server.
    await inPod(
      'client-b',
      'rm -f /tmp/loop.out /tmp/stop; setsid sh -c \'ok=0; fail=0; while [ ! -f /tmp/stop ]; do if timeout 5 wget -qO- http://10.170.11.11/ >/dev/null; then ok=$((ok+1)); else fail=$((fail+1)); fi; echo "$ok $fail" > /tmp/loop.out; done; echo "done $ok $fail" > /tmp/loop.out\' >/dev/null 2>&1 &',
    );
    const counts = async () => (await inPod('client-b', 'cat /tmp/loop.out')).stdout.trim();
    await waitFor('the client loop running', async () => /^[1-9]\d* 0$/.test(await counts()), { ...clusterPolling, timeoutMs: 30_000, intervalMs: 200 });
    await c().stopServer();
    // A clean stop leaves node-a's table and Service route: its pods keep reaching Services.
    const a = c().server;
    assert.equal((await a.netns.run('nft', ['list', 'table', 'ip', 'skiff'])).code, 0);
    assert.match((await a.netns.run('ip', ['route', 'show', '10.170.0.0/16'])).stdout, /dev skiff-svc0/);
    await c().startServer();
    await waitFor('node-a Ready again', async () => (await kubectlOK(['get', 'node', 'node-a', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True', { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
    await inPod('client-b', 'touch /tmp/stop');
    let final = '';
    await waitFor('the client loop to end', async () => (final = await counts()).startsWith('done'), { ...clusterPolling, timeoutMs: 30_000, intervalMs: 200 });
    const [, ok, fail] = final.split(' ');
    assert.equal(fail, '0', `requests that failed during the restart: ${final}`);
    assert.ok(Number(ok) > 0);
  });
});
