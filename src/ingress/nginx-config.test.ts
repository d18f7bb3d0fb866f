import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIngressDataPlane, type IngressState } from './ingress-model.js';
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

const nginxBinary = '/usr/sbin/nginx';

test('nginx -t accepts every golden configuration (with real certificates and directories)', { skip: !existsSync(nginxBinary) || !existsSync('/usr/bin/openssl') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ingress-conf-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=www.example.com', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    const real = tlsSecret('web-tls', readFileSync(join(dir, 'c.pem'), 'utf8'), readFileSync(join(dir, 'k.pem'), 'utf8'));
    const local = { ...settings, httpPort: 18080, httpsPort: 18443, pidFile: join(dir, 'nginx.pid'), tempDir: join(dir, 'tmp') };
    mkdirSync(join(dir, 'certs'));
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'tmp', d), { recursive: true });
    for (const [s, accessLogPort] of [[seedCanary, undefined], [{ ...routing, secrets: [real] }, undefined], [headerVariants, undefined], [state({}), undefined], [seedCanary, 5140]] as [IngressState, number | undefined][]) {
      const { built, rendered } = render(s, join(dir, 'certs'), { ...local, ...(accessLogPort ? { accessLogPort } : {}) });
      for (const c of built.certificates) writeFileSync(c.file, c.pem, { mode: 0o600 });
      writeFileSync(join(dir, 'nginx.conf'), rendered.text);
      execFileSync(nginxBinary, ['-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf'), '-t', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
