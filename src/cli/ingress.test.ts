import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ingressConfig, keepaliveMinTimeoutFor } from './ingress.js';
import { UsageError } from './flags.js';

test('Ingress flags: ports 80 and 443 by default, --disable-ingress turns it off, bad ports are usage errors', () => {
  assert.deepEqual(ingressConfig({}), { httpPort: 80, httpsPort: 443 });
  assert.deepEqual(ingressConfig({ 'ingress-http-port': '8080', 'ingress-https-port': '8443' }), { httpPort: 8080, httpsPort: 8443 });
  assert.equal(ingressConfig({ 'disable-ingress': true }), undefined);
  assert.throws(() => ingressConfig({ 'ingress-http-port': '70000' }), (err: unknown) => err instanceof UsageError && /--ingress-http-port: invalid port 70000/.test(err.message));
});

test('keepalive_min_timeout (1 s) only for nginx 1.27.4 and later, which have it', () => {
  for (const v of ['1.27.4', '1.27.10', '1.28.0', '2.0.0']) assert.equal(keepaliveMinTimeoutFor(v), 1000, v);
  for (const v of ['1.22.1', '1.27.3', '1.26.9', '0.9.9', undefined, '', 'x.y.z']) assert.equal(keepaliveMinTimeoutFor(v), undefined, String(v));
});
