import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGatewayDataPlane, skiffGatewayController, type GatewayState } from './gateway-model.js';
import type { HTTPRoute } from './gateway-types.js';
import { buildIngressDataPlane, type IngressState } from './ingress-model.js';
import type { DataPlane } from './model.js';
import { renderNginxConfig, type NginxSettings } from './nginx-config.js';
import { ingress, service, slice, state, tlsSecret } from './testing.js';

const settings: NginxSettings = { httpPort: 80, httpsPort: 443, pidFile: '/var/lib/skiff/ingress/nginx.pid', tempDir: '/var/lib/skiff/ingress/tmp', workerProcesses: 2 };

/** Golden files live beside the sources; UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../../src/ingress/testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

const render = (s: IngressState, certificateDir = '/var/lib/skiff/ingress/certs', nginx = settings) => {
  const built = buildIngressDataPlane(s, { certificateDir });
  return { built, rendered: renderNginxConfig(built.plane, nginx) };
};

const seedCanary = state({
  services: [service('v1', '10.43.0.11'), service('v2', '10.43.0.12')],
  endpointSlices: [slice('v1'), slice('v2')],
  ingresses: [
    ingress('app', 'canary.example.com', [{ path: '/', service: 'v1' }]),
    ingress('app-canary', 'canary.example.com', [{ path: '/', service: 'v2' }], {
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '20',
      'nginx.ingress.kubernetes.io/canary-by-header': 'canary',
      'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary',
    }),
  ],
});

const routing = state({
  services: [service('web', '10.43.0.21', [80, 8080]), service('api', '10.43.0.22'), service('down', '10.43.0.23'), service('fallback', '10.43.0.24')],
  endpointSlices: [slice('web'), slice('api'), slice('down', false), slice('fallback')],
  secrets: [tlsSecret('web-tls', '-----BEGIN CERTIFICATE-----\nweb\n-----END CERTIFICATE-----', '-----BEGIN PRIVATE KEY-----\nweb\n-----END PRIVATE KEY-----')],
  ingresses: [
    {
      ...ingress('web', 'www.example.com', [
        { path: '/', service: 'web', port: 'http' },
        { path: '/exact', pathType: 'Exact', service: 'web', port: 8080 },
        { path: '/app/', service: 'web' },
        { path: '/down', service: 'down' },
        { path: '/missing', service: 'nope' },
      ]),
      spec: {
        tls: [{ hosts: ['www.example.com'], secretName: 'web-tls' }],
        defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
        rules: ingress('web', 'www.example.com', [
          { path: '/', service: 'web', port: 'http' },
          { path: '/exact', pathType: 'Exact', service: 'web', port: 8080 },
          { path: '/app/', service: 'web' },
          { path: '/down', service: 'down' },
          { path: '/missing', service: 'nope' },
        ]).spec!.rules,
      },
    },
    ingress('wild', '*.apps.example.com', [{ path: '/', service: 'api' }]),
    ingress('rewrite', 'api.example.com', [{ path: '/v1(/|$)(.*)', pathType: 'ImplementationSpecific', service: 'api' }], { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' }),
    ingress('regex', 'api.example.com', [{ path: '/items/[0-9]+', pathType: 'ImplementationSpecific', service: 'api' }], { 'nginx.ingress.kubernetes.io/use-regex': 'true' }),
    ingress('nohost', undefined, [{ path: '/shared', service: 'api' }]),
  ],
});

const headerVariants = state({
  services: [service('v1', '10.43.0.11'), service('v2', '10.43.0.12'), service('v3', '10.43.0.13')],
  endpointSlices: [slice('v1'), slice('v2'), slice('v3')],
  ingresses: [
    ingress('a', 'a.example.com', [{ path: '/', service: 'v1' }]),
    ingress('a-canary', 'a.example.com', [{ path: '/', service: 'v2' }], {
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Release',
      'nginx.ingress.kubernetes.io/canary-by-header-value': 'v2.0',
      'nginx.ingress.kubernetes.io/canary-weight': '1',
      'nginx.ingress.kubernetes.io/canary-weight-total': '3',
    }),
    ingress('b', 'b.example.com', [{ path: '/', service: 'v1' }]),
    ingress('b-canary', 'b.example.com', [{ path: '/', service: 'v3' }], {
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Release',
      'nginx.ingress.kubernetes.io/canary-by-header-pattern': '^(beta|rc)$',
    }),
  ],
});

/** Gateway API routes on an HTTP listener, with every filter and match kind the controller serves. */
const gatewayRoute = (name: string, spec: NonNullable<HTTPRoute['spec']>): HTTPRoute => ({ metadata: { namespace: 'default', name, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { parentRefs: [{ name: 'gw' }], hostnames: ['gw.example.com'], ...spec } });
const gatewayFilters: GatewayState = {
  gatewayClasses: [{ metadata: { name: 'skiff' }, spec: { controllerName: skiffGatewayController } }],
  gateways: [{ metadata: { namespace: 'default', name: 'gw' }, spec: { gatewayClassName: 'skiff', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', hostname: '*.example.com' }] } }],
  services: [service('v1', '10.43.0.11'), service('v2', '10.43.0.12'), service('shadow', '10.43.0.13')],
  endpointSlices: [slice('v1'), slice('v2'), slice('shadow')],
  referenceGrants: [],
  namespaces: [],
  secrets: [],
  grpcRoutes: [],
  httpRoutes: [
    gatewayRoute('filters', {
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/headers' } }],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Set', value: 'a "quoted" $value' }], add: [{ name: 'X-Add', value: 'added' }, { name: 'X-Forwarded-For', value: '10.0.0.1' }], remove: ['X-Remove'] } },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Resp-Set', value: 'r' }], add: [{ name: 'X-Resp-Add', value: 'more' }], remove: ['Server-Timing'] } },
          ],
          backendRefs: [{ name: 'v1', port: 80 }],
        },
        { matches: [{ path: { type: 'PathPrefix', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'new.example.com', statusCode: 301, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] },
        { matches: [{ path: { type: 'Exact', value: '/moved' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { port: 8080, path: { type: 'ReplaceFullPath', replaceFullPath: '/elsewhere' } } }] },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          filters: [
            { type: 'URLRewrite', urlRewrite: { hostname: 'internal.example', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
            { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 } } },
            { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 }, percent: 25 } },
          ],
          backendRefs: [
            { name: 'v1', port: 80, weight: 80 },
            { name: 'v2', port: 80, weight: 20, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Canary', value: 'yes' }] } }] },
            { name: 'gone', port: 80, weight: 1 },
          ],
        },
        { matches: [{ path: { type: 'Exact', value: '/full' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/replaced' } } }], backendRefs: [{ name: 'v2', port: 80 }] },
      ],
    }),
    gatewayRoute('matches', {
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'POST', queryParams: [{ name: 'version', value: '2' }] }], backendRefs: [{ name: 'v2', port: 80 }] },
        { matches: [{ path: { type: 'RegularExpression', value: '/items/[0-9]+' }, headers: [{ name: 'X-Tier', type: 'RegularExpression', value: 'gold|silver' }] }], backendRefs: [{ name: 'v2', port: 80 }] },
      ],
    }),
  ],
};

/** HTTPS-only and HTTP-only hosts of one hostname, a Gateway API wildcard, and a catch-all HTTPS listener with its own certificate. */
const gatewayTls = (certificateDir: string): DataPlane => {
  const loc = (path: string, ip: string, source: string) => ({ path, match: 'prefix' as const, source, rules: [{ when: [], source, backends: [{ weight: 1, target: { kind: 'upstream' as const, name: `default-${source}-80`, address: ip, port: 80 } }] }] });
  const tls = { file: `${certificateDir}/default_cert-0123456789abcdef.pem`, source: 'gateway:default/gw' };
  return {
    virtualHosts: [
      { hostname: '', http: false, tls, wildcard: 'labels', locations: [loc('/', '10.43.0.11', 'v1')] },
      { hostname: 'a.example.com', http: false, tls, wildcard: 'labels', locations: [loc('/', '10.43.0.12', 'v2')] },
      { hostname: 'a.example.com', http: true, wildcard: 'labels', locations: [loc('/', '10.43.0.11', 'v1')] },
      { hostname: '*.apps.example.com', http: false, tls, wildcard: 'labels', locations: [] },
    ],
  };
};

test('golden: Gateway API filters (header modifiers, redirects, rewrites, mirrors, backendRef filters) and matches (method, query, regex)', () => {
  const built = buildGatewayDataPlane(gatewayFilters, { httpPort: 80, httpsPort: 443, certificateDir: '/var/lib/skiff/ingress/certs', addresses: [], now: '2026-01-01T00:00:00Z' });
  assert.deepEqual(built.httpRoutes.map((r) => r.status.parents?.[0]?.conditions.map((c) => `${c.type}=${c.status}`).join(',')), ['Accepted=True,ResolvedRefs=False', 'Accepted=True,ResolvedRefs=True']);
  golden('gateway-filters.conf', renderNginxConfig(built.plane, settings).text);
});

test('golden: Gateway API HTTPS listeners (SNI by hostname, a catch-all certificate, HTTPS-only hosts beside HTTP ones)', () => {
  golden('gateway-tls.conf', renderNginxConfig(gatewayTls('/var/lib/skiff/ingress/certs'), settings).text);
});

test('golden: the seed canary (header, cookie, weight 20) renders maps falling through to split_clients', () => {
  golden('seed-canary.conf', render(seedCanary).rendered.text);
});

test('golden: routing (exact, prefix by element, regex, rewrite, wildcard, TLS, defaultBackend, 503s)', () => {
  const { built, rendered } = render(routing);
  assert.deepEqual(built.problems, []);
  golden('routing.conf', rendered.text);
});

test('golden: canary by header value and by header pattern, weights over a total other than 100', () => {
  golden('header-variants.conf', render(headerVariants).rendered.text);
});

test('golden: nothing served gives the 404 default server alone', () => {
  golden('empty.conf', render(state({})).rendered.text);
});

test('each line names the Ingress it comes from', () => {
  const { rendered } = render(seedCanary);
  const lines = rendered.text.split('\n');
  const split = lines.findIndex((l) => l.includes('split_clients'));
  assert.equal(rendered.lineSources[split], 'default/app-canary');
  const proxyPass = lines.findIndex((l) => l.includes('proxy_pass'));
  assert.equal(rendered.lineSources[proxyPass], 'default/app');
  assert.equal(rendered.lineSources.length, lines.length - 1);
});

test('weights become exact percentages, the last taking the rest', () => {
  const text = render(headerVariants).rendered.text;
  assert.match(text, /66\.66% u_default_v1_80;\n\s+\* u_default_v2_80;/);
  assert.match(render(seedCanary).rendered.text, /80\.00% u_default_v1_80;\n\s+\* u_default_v2_80;/);
});

test('with an access-log port, requests that reach an upstream are logged to it over syslog in the compact format', () => {
  const text = render(seedCanary, undefined, { ...settings, accessLogPort: 5140 }).rendered.text;
  assert.match(text, /^    log_format skiff_upstream "skiff1 \$status \$upstream_addr";$/m);
  assert.match(text, /^    access_log syslog:server=127\.0\.0\.1:5140,nohostname,tag=skiff skiff_upstream if=\$upstream_addr;$/m);
  assert.doesNotMatch(text, /access_log off/);
  assert.match(render(seedCanary).rendered.text, /^    access_log off;$/m);
});

test('keepalive_min_timeout is rendered only when set (nginx 1.27.4 and later have it)', () => {
  assert.match(render(seedCanary, undefined, { ...settings, keepaliveMinTimeoutMs: 1000 }).rendered.text, /^    keepalive_min_timeout 1000ms;$/m);
  assert.doesNotMatch(render(seedCanary).rendered.text, /keepalive_min_timeout/);
});

const nginxBinary = '/usr/sbin/nginx';

test('nginx -t accepts every golden configuration (with real certificates and directories)', { skip: !existsSync(nginxBinary) || !existsSync('/usr/bin/openssl') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ingress-conf-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=www.example.com', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    const real = tlsSecret('web-tls', readFileSync(join(dir, 'c.pem'), 'utf8'), readFileSync(join(dir, 'k.pem'), 'utf8'));
    const local = { ...settings, httpPort: 18080, httpsPort: 18443, pidFile: join(dir, 'nginx.pid'), tempDir: join(dir, 'tmp') };
    mkdirSync(join(dir, 'certs'));
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'tmp', d), { recursive: true });
    const check = (text: string): void => {
      writeFileSync(join(dir, 'nginx.conf'), text);
      execFileSync(nginxBinary, ['-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf'), '-t', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    };
    for (const [s, accessLogPort] of [[seedCanary, undefined], [{ ...routing, secrets: [real] }, undefined], [headerVariants, undefined], [state({}), undefined], [seedCanary, 5140]] as [IngressState, number | undefined][]) {
      const { built, rendered } = render(s, join(dir, 'certs'), { ...local, ...(accessLogPort ? { accessLogPort } : {}) });
      for (const c of built.certificates) writeFileSync(c.file, c.pem, { mode: 0o600 });
      check(rendered.text);
    }
    const gw = buildGatewayDataPlane(gatewayFilters, { httpPort: 80, httpsPort: 443, certificateDir: join(dir, 'certs'), addresses: [], now: '2026-01-01T00:00:00Z' });
    check(renderNginxConfig(gw.plane, local).text);
    const tlsPlane = gatewayTls(join(dir, 'certs'));
    writeFileSync(tlsPlane.virtualHosts[0]!.tls!.file, `${readFileSync(join(dir, 'c.pem'), 'utf8')}${readFileSync(join(dir, 'k.pem'), 'utf8')}`, { mode: 0o600 });
    check(renderNginxConfig(tlsPlane, local).text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
