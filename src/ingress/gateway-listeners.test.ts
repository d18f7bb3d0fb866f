import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { resolveListeners, type ListenerContext } from './gateway-listeners.js';
import type { Gateway, Listener, ReferenceGrant } from './gateway-types.js';

/** A self-signed certificate and its key from openssl. */
function keyPair(cn: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-gw-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const secret = (namespace: string, name: string, cert: string, key: string, type = 'kubernetes.io/tls'): Secret => ({
  metadata: { namespace, name },
  type,
  data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
});
const gateway = (listeners: Partial<Listener>[]): Gateway => ({
  metadata: { namespace: 'infra', name: 'gw' },
  spec: { gatewayClassName: 'skiff', listeners: listeners.map((l, i) => ({ name: `l${i}`, port: 443, protocol: 'HTTPS', ...l })) },
});
const https = (ref: { name: string; namespace?: string; kind?: string; group?: string }): Partial<Listener> => ({ tls: { mode: 'Terminate', certificateRefs: [ref] } });
const verdicts = (infos: ReturnType<typeof resolveListeners>) => infos.map((i) => `${i.refs.ok}/${i.refs.reason} programmed=${i.programmed}`);

test('HTTPS listeners: a valid Secret resolves and is served; missing, malformed, other kinds and unmatched key pairs are InvalidCertificateRef', { skip: !existsSync('/usr/bin/openssl') }, () => {
  const a = keyPair('a.example.com');
  const b = keyPair('b.example.com');
  const ctx: ListenerContext = {
    secrets: new Map(
      [secret('infra', 'good', a.cert, a.key), secret('infra', 'malformed', 'Hello world', 'Hello world'), secret('infra', 'mixed', a.cert, b.key), secret('infra', 'opaque', a.cert, a.key, 'Opaque')].map((s) => [`infra/${s.metadata?.name}`, s]),
    ),
    referenceGrants: [],
    httpPort: 80,
    httpsPort: 443,
    certificateDir: '/certs',
  };
  const infos = resolveListeners(
    gateway([https({ name: 'good' }), https({ name: 'nonexistent' }), https({ name: 'malformed' }), https({ name: 'good', group: 'wrong.group.company.io' }), https({ name: 'good', kind: 'WrongKind' }), https({ name: 'mixed' }), https({ name: 'opaque' })].map((l, i) => ({ ...l, hostname: `h${i}.example.com` }))),
    ctx,
  );
  assert.deepEqual(verdicts(infos), ['true/ResolvedRefs programmed=true', ...Array(6).fill('false/InvalidCertificateRef programmed=false')]);
  assert.match(infos[0]?.certificate?.file ?? '', /^\/certs\/infra_good-[0-9a-f]{16}\.pem$/);
  assert.ok(infos[0]?.certificate?.pem.includes('BEGIN CERTIFICATE') && infos[0].certificate.pem.includes('PRIVATE KEY'));
  assert.ok(infos.slice(1).every((i) => i.accepted.ok), 'an unresolved certificate leaves the listener Accepted');
});

test('a Secret in another namespace needs a ReferenceGrant from Gateways of this namespace to that Secret', { skip: !existsSync('/usr/bin/openssl') }, () => {
  const a = keyPair('a.example.com');
  const base = { secrets: new Map([['web/cert', secret('web', 'cert', a.cert, a.key)]]), httpPort: 80, httpsPort: 443, certificateDir: '/certs' };
  const gw = gateway([https({ name: 'cert', namespace: 'web' })]);
  const grant = (from: Partial<ReferenceGrant['spec'] & object>['from'], to: Partial<ReferenceGrant['spec'] & object>['to']): ReferenceGrant => ({ metadata: { namespace: 'web', name: 'g' }, spec: { from, to } });
  const ok = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' };
  assert.deepEqual(verdicts(resolveListeners(gw, { ...base, referenceGrants: [] })), ['false/RefNotPermitted programmed=false']);
  for (const wrong of [grant([{ ...ok, kind: 'HTTPRoute' }], [{ group: '', kind: 'Secret' }]), grant([ok], [{ group: '', kind: 'Secret', name: 'other' }]), grant([{ ...ok, namespace: 'else' }], [{ group: '', kind: 'Secret' }])]) {
    assert.deepEqual(verdicts(resolveListeners(gw, { ...base, referenceGrants: [wrong] })), ['false/RefNotPermitted programmed=false']);
  }
  assert.deepEqual(verdicts(resolveListeners(gw, { ...base, referenceGrants: [grant([ok], [{ group: '', kind: 'Secret', name: 'cert' }])] })), ['true/ResolvedRefs programmed=true']);
});

test('listeners: HTTP and HTTPS on the data plane’s ports; another port, protocol, or two protocols on one port are not programmed', () => {
  const ctx: ListenerContext = { secrets: new Map(), referenceGrants: [], httpPort: 80, httpsPort: 443, certificateDir: '/certs' };
  const infos = resolveListeners(gateway([{ protocol: 'HTTP', port: 80 }, { protocol: 'HTTPS', port: 8443, ...https({ name: 'x' }) }, { protocol: 'UDP', port: 53 }, { protocol: 'HTTP', port: 443 }]), ctx);
  assert.deepEqual(
    infos.map((i) => `${i.accepted.reason}/${i.conflict?.reason ?? '-'}`),
    ['Accepted/-', 'PortUnavailable/-', 'UnsupportedProtocol/-', 'PortUnavailable/-'],
  );
  const clash = resolveListeners(gateway([{ protocol: 'HTTP', port: 80 }, { protocol: 'HTTPS', port: 80, ...https({ name: 'x' }) }]), ctx);
  assert.deepEqual(clash.map((i) => i.conflict?.reason), ['ProtocolConflict', 'ProtocolConflict']);
  const same = resolveListeners(gateway([{ protocol: 'HTTP', port: 80, hostname: 'a' }, { protocol: 'HTTP', port: 80, hostname: 'a' }]), ctx);
  assert.deepEqual(same.map((i) => i.conflict?.reason), [undefined, 'HostnameConflict']);
});

test('route kinds: HTTP listeners serve HTTPRoute; allowedRoutes.kinds naming another kind or group is InvalidRouteKinds; other protocols serve no kind', () => {
  const ctx: ListenerContext = { secrets: new Map(), referenceGrants: [], httpPort: 80, httpsPort: 443, certificateDir: '/certs' };
  const kinds = (...k: { group?: string; kind: string }[]): Partial<Listener> => ({ protocol: 'HTTP', port: 80, allowedRoutes: { kinds: k } });
  const infos = resolveListeners(
    gateway([{ protocol: 'HTTP', port: 80, hostname: 'a' }, { ...kinds({ kind: 'HTTPRoute' }), hostname: 'b' }, { ...kinds({ kind: 'HTTPRoute' }, { kind: 'TCPRoute' }), hostname: 'c' }, { ...kinds({ group: 'example.com', kind: 'HTTPRoute' }), hostname: 'd' }, { protocol: 'UDP', port: 53 }]),
    ctx,
  );
  assert.deepEqual(
    infos.map((i) => [i.supportedKinds.map((k) => `${k.group}/${k.kind}`), i.refs.reason, i.programmed]),
    [
      [['gateway.networking.k8s.io/HTTPRoute'], 'ResolvedRefs', true],
      [['gateway.networking.k8s.io/HTTPRoute'], 'ResolvedRefs', true],
      [['gateway.networking.k8s.io/HTTPRoute'], 'InvalidRouteKinds', true],
      [[], 'InvalidRouteKinds', false],
      [[], 'ResolvedRefs', false],
    ],
  );
  assert.match(infos[2]?.refs.message ?? '', /does not serve: gateway.networking.k8s.io\/TCPRoute; it serves HTTPRoute$/);
  assert.match(infos[3]?.refs.message ?? '', /does not serve: example.com\/HTTPRoute;/);
});
