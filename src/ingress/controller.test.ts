import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { MemoryEventRecorder } from '../client/events.js';
import { MemoryClient } from '../testing/memory-client.js';
import { waitFor } from '../testing/wait.js';
import { gatewayResources, IngressController, type NginxControl } from './controller.js';
import { skiffGatewayController } from './gateway-model.js';
import type { HTTPRoute } from './gateway-types.js';
import { ingressFingerprint, loadedAnnotation } from './loaded-annotation.js';
import { ingress, service, slice, tlsSecret } from './testing.js';

/** An nginx that rejects any configuration holding `([` (as nginx -t does an unbalanced regex), naming the line. */
class FakeNginx implements NginxControl {
  reloads = 0;
  async test(file: string): Promise<string | undefined> {
    const lines = (await readFile(file, 'utf8')).split('\n');
    const certificate = /ssl_certificate "([^"]+)"/.exec(lines.join('\n'))?.[1];
    if (certificate && (await readFile(certificate, 'utf8')).includes('BAD')) return `nginx: [emerg] cannot load certificate "${certificate}": PEM_read_bio_X509_AUX() failed\nnginx: configuration file ${file} test failed`;
    const bad = lines.findIndex((l) => l.includes('(['));
    return bad < 0 ? undefined : `nginx: [emerg] pcre2_compile() failed: missing closing parenthesis in "([" in ${file}:${bad + 1}\nnginx: configuration file ${file} test failed`;
  }
  async reload(): Promise<boolean> {
    this.reloads++;
    return true;
  }
  async serving(): Promise<boolean> {
    return true;
  }
}

const polling = { timeoutMs: 5000, intervalMs: 10 };

test('the controller loads what nginx accepts, keeps the last good version of an Ingress it rejects, and reports it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-ingress-ctl-'));
  const client = new MemoryClient();
  const events = new MemoryEventRecorder();
  const nginx = new FakeNginx();
  const abort = new AbortController();
  const controller = new IngressController({ client, dir, httpPort: 80, httpsPort: 443, addresses: ['192.168.77.1'], nginx, events, onError: (err) => assert.fail(String(err)), log: () => undefined });
  try {
    for (const s of [service('v1', '10.43.0.1'), service('v2', '10.43.0.2')]) await client.create(resources.services, 'default', s as KubeObject);
    for (const s of [slice('v1'), slice('v2')]) await client.create(resources.endpointslices, 'default', s as unknown as KubeObject);
    await client.create(resources.secrets, 'default', tlsSecret('web-tls', 'CERT', 'KEY') as KubeObject);
    const main = ingress('main', 'h.example.com', [{ path: '/', service: 'v1' }]);
    main.spec = { ...main.spec, tls: [{ hosts: ['h.example.com'], secretName: 'web-tls' }] };
    await client.create(resources.ingresses, 'default', main as KubeObject);
    assert.equal(await controller.prepare(abort.signal), true);
    const cls = await client.get(resources.ingressclasses, '', 'nginx');
    assert.equal(cls.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
    const conf = () => readFile(join(dir, 'nginx.conf'), 'utf8');
    assert.match(await conf(), /proxy_pass http:\/\/u_default_v1_80;/);
    const certFile = /ssl_certificate "([^"]+)"/.exec(await conf())?.[1] ?? '';
    assert.equal((await stat(certFile)).mode & 0o777, 0o600);
    assert.equal(await readFile(certFile, 'utf8'), 'CERT\nKEY\n');
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const running = controller.run(abort.signal);

    // A canary whose header pattern nginx rejects: not loaded, an event names it.
    const canary = ingress('bad', 'h.example.com', [{ path: '/', service: 'v2' }], { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-by-header': 'x', 'nginx.ingress.kubernetes.io/canary-by-header-pattern': '([' });
    await client.create(resources.ingresses, 'default', canary as KubeObject);
    await waitFor('the rejection event', () => events.events.some((e) => e.reason === 'RejectedByNginx' && e.object.endsWith('default/bad')), polling);
    assert.doesNotMatch(await conf(), /\(\[/);

    // Fixed: the canary loads; broken again: its last good version keeps serving.
    const fixed = await client.get<Ingress & KubeObject>(resources.ingresses, 'default', 'bad');
    fixed.metadata!.annotations!['nginx.ingress.kubernetes.io/canary-by-header-pattern'] = '^beta$';
    await client.update(resources.ingresses, 'default', fixed);
    await waitFor('the fixed canary loaded', async () => (await conf()).includes('~^beta$'), polling);
    const again = await client.get<Ingress & KubeObject>(resources.ingresses, 'default', 'bad');
    again.metadata!.annotations!['nginx.ingress.kubernetes.io/canary-by-header-pattern'] = '([x';
    await client.update(resources.ingresses, 'default', again);
    await waitFor('a second rejection event', () => events.events.filter((e) => e.reason === 'RejectedByNginx').length === 2, polling);
    // The loaded annotation names what nginx runs: the fixed version, not the rejected one.
    const fixedLoaded = ingressFingerprint(fixed);
    await waitFor('the fixed version marked loaded', async () => (await client.get<Ingress & KubeObject>(resources.ingresses, 'default', 'bad')).metadata?.annotations?.[loadedAnnotation] === fixedLoaded, polling);
    const rejected = await client.get<Ingress & KubeObject>(resources.ingresses, 'default', 'bad');
    assert.notEqual(ingressFingerprint(rejected), fixedLoaded);
    // Later changes of other Ingresses still load, with the canary's last good version.
    const other = ingress('other', 'o.example.com', [{ path: '/', service: 'v2' }]);
    await client.create(resources.ingresses, 'default', other as KubeObject);
    await waitFor('the other Ingress loaded', async () => (await conf()).includes('server_name o.example.com;'), polling);
    assert.match(await conf(), /~\^beta\$/);
    await waitFor('two reloads', () => nginx.reloads >= 2, polling);

    // A Secret whose certificate nginx cannot load: its previous version keeps serving, an event on the Ingress names it.
    await client.update(resources.secrets, 'default', { ...(await client.get(resources.secrets, 'default', 'web-tls')), data: { 'tls.crt': Buffer.from('BAD').toString('base64'), 'tls.key': Buffer.from('KEY').toString('base64') } });
    await waitFor('the certificate rejection', () => events.events.some((e) => e.reason === 'RejectedByNginx' && e.object.endsWith('default/main') && e.message.includes('Secret default/web-tls')), polling);
    await client.create(resources.ingresses, 'default', ingress('third', 't.example.com', [{ path: '/', service: 'v2' }]) as KubeObject);
    await waitFor('the third Ingress loaded', async () => (await conf()).includes('server_name t.example.com;'), polling);
    assert.equal(await readFile(/ssl_certificate "([^"]+)"/.exec(await conf())?.[1] ?? '', 'utf8'), 'CERT\nKEY\n');

    const mainNow = await client.get<Ingress & KubeObject>(resources.ingresses, 'default', 'main');
    await waitFor('main marked loaded', async () => (await client.get<Ingress & KubeObject>(resources.ingresses, 'default', 'main')).metadata?.annotations?.[loadedAnnotation] === ingressFingerprint(mainNow), polling);
    await waitFor('status with the node address', async () => {
      const got = await client.get<Ingress & KubeObject>(resources.ingresses, 'default', 'main');
      return JSON.stringify(got.status?.loadBalancer?.ingress) === '[{"ip":"192.168.77.1"}]';
    }, polling);
    abort.abort();
    await running;
  } finally {
    abort.abort();
    await rm(dir, { recursive: true, force: true });
  }
});

test('Gateway API: an HTTPRoute whose configuration nginx rejects is left out and not Accepted (UnsupportedValue); fixed, it is served', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-gateway-ctl-'));
  const client = new MemoryClient();
  const abort = new AbortController();
  const controller = new IngressController({ client, dir, httpPort: 80, httpsPort: 443, addresses: ['192.168.77.1'], nginx: new FakeNginx(), events: new MemoryEventRecorder(), gatewayController: skiffGatewayController, onError: (err) => assert.fail(String(err)), log: () => undefined });
  try {
    await client.create(resources.services, 'default', service('v1', '10.43.0.1') as KubeObject);
    await client.create(resources.endpointslices, 'default', slice('v1') as unknown as KubeObject);
    await client.create(gatewayResources.gatewayclasses, '', { metadata: { name: 'skiff' }, spec: { controllerName: skiffGatewayController } } as KubeObject);
    await client.create(gatewayResources.gateways, 'default', { metadata: { name: 'gw' }, spec: { gatewayClassName: 'skiff', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } } as KubeObject);
    const route = (name: string, host: string, pattern?: string): KubeObject =>
      ({ metadata: { name }, spec: { parentRefs: [{ name: 'gw' }], hostnames: [host], rules: [{ ...(pattern ? { matches: [{ headers: [{ name: 'x', type: 'RegularExpression', value: pattern }] }] } : {}), backendRefs: [{ name: 'v1', port: 80 }] }] } }) as KubeObject;
    await client.create(gatewayResources.httproutes, 'default', route('bad', 'bad.example.com', '(['));
    assert.equal(await controller.prepare(abort.signal), true);
    const conf = () => readFile(join(dir, 'nginx.conf'), 'utf8');
    const accepted = async (name: string) => {
      const got = await client.get<HTTPRoute & KubeObject>(gatewayResources.httproutes, 'default', name);
      const c = got.status?.parents?.[0]?.conditions.find((x) => x.type === 'Accepted');
      return `${c?.status}/${c?.reason}`;
    };
    assert.doesNotMatch(await conf(), /\(\[/);
    // Route status is written once nginx runs the configuration, i.e. after run() starts.
    const running = controller.run(abort.signal);
    await waitFor('the bad route not accepted', async () => (await accepted('bad')) === 'False/UnsupportedValue', polling);
    await client.create(gatewayResources.httproutes, 'default', route('good', 'good.example.com'));
    await waitFor('the other route served', async () => (await conf()).includes('server_name good.example.com;'), polling);
    const fixed = await client.get<HTTPRoute & KubeObject>(gatewayResources.httproutes, 'default', 'bad');
    fixed.spec!.rules![0]!.matches![0]!.headers![0]!.value = 'beta|rc';
    await client.update(gatewayResources.httproutes, 'default', fixed);
    await waitFor('the fixed route served', async () => (await conf()).includes('"~^(?:beta|rc)$"'), polling);
    await waitFor('the fixed route accepted', async () => (await accepted('bad')) === 'True/Accepted', polling);
    abort.abort();
    await running;
  } finally {
    abort.abort();
    await rm(dir, { recursive: true, force: true });
  }
});
