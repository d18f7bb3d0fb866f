import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateRule, type ListenerScheme, type RuleContext } from './gateway-rules.js';
import type { HTTPRouteFilter, HTTPRouteRule } from './gateway-types.js';

const ctx: RuleContext = {
  resolve: (ref) =>
    ref.name === 'missing'
      ? { target: { kind: 'status', code: 500 }, problem: { reason: 'BackendNotFound', message: `Service default/${ref.name} not found` } }
      : { target: { kind: 'upstream', name: `default-${ref.name}-${ref.port}`, address: '10.43.0.1', port: ref.port ?? 80 } },
};
const http80: ListenerScheme = { scheme: 'http', port: 80 };
const rule = (r: HTTPRouteRule) => translateRule(r, 0, ctx);
const redirect = (requestRedirect: HTTPRouteFilter['requestRedirect'], listener = http80) =>
  rule({ matches: [{ path: { type: 'PathPrefix', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect }] }).servedOn(listener).filters?.redirect;

test('matches: paths, method, headers and query parameters become conditions; precedence as the spec orders it', () => {
  const t = rule({
    matches: [
      { path: { type: 'Exact', value: '/a' } },
      { path: { type: 'PathPrefix', value: '/long/prefix' }, method: 'POST', headers: [{ name: 'X-A', value: '1' }, { name: 'x-a', value: 'ignored' }, { name: 'X-B', type: 'RegularExpression', value: 'v[0-9]+' }], queryParams: [{ name: 'q', value: 'x y' }] },
      { path: { type: 'RegularExpression', value: '/items/[0-9]+' } },
    ],
    backendRefs: [{ name: 'v1', port: 80 }],
  });
  assert.deepEqual(t.unsupported, []);
  assert.deepEqual(t.matches.map((m) => m.path), [{ kind: 'exact', value: '/a' }, { kind: 'prefix', value: '/long/prefix' }, { kind: 'regex', value: '/items/[0-9]+' }]);
  assert.deepEqual(t.matches[1]?.when, [
    { on: 'method', name: '', match: 'exact', value: 'POST' },
    { on: 'header', name: 'X-A', match: 'exact', value: '1' },
    { on: 'header', name: 'X-B', match: 'regex', value: '^(?:v[0-9]+)$' },
    { on: 'query', name: 'q', match: 'exact', value: 'x y' },
  ]);
  assert.deepEqual(t.matches[2]?.when, [{ on: 'path', name: '', match: 'regex', value: '^(?:/items/[0-9]+)$' }]);
  // Exact first, then regular expressions, then prefixes by length; then method, headers, query parameters.
  assert.deepEqual(t.matches.map((m) => m.precedence), [[0, -2, 1, -0, -0], [2, -12, 0, -2, -1], [1, -13, 1, -0, -0]]);
});

test('unknown path, header and method values make the rule unsupported, naming what', () => {
  const t = rule({ matches: [{ path: { type: 'Glob', value: '/x' }, method: 'BREW', headers: [{ name: 'a.b', value: '1' }] }] });
  assert.deepEqual(t.unsupported, ['rule 0 match 0: path type "Glob" is not supported', 'rule 0 match 0: method "BREW" is not supported', 'rule 0 match 0: header name "a.b" is not supported (letters, digits and \'-\' only)']);
});

test('RequestRedirect: scheme and port as the spec derives them (well-known ports left out), hostname, path and status', () => {
  assert.deepEqual(redirect({}), { scheme: 'http', statusCode: 302 });
  assert.deepEqual(redirect({}, { scheme: 'http', port: 8080 }), { scheme: 'http', statusCode: 302, port: 8080 });
  assert.deepEqual(redirect({ scheme: 'https' }, { scheme: 'http', port: 8080 }), { scheme: 'https', statusCode: 302 });
  assert.deepEqual(redirect({ scheme: 'https', port: 8443 }), { scheme: 'https', statusCode: 302, port: 8443 });
  assert.deepEqual(redirect({ port: 80 }, { scheme: 'https', port: 443 }), { scheme: 'https', statusCode: 302, port: 80 });
  assert.deepEqual(redirect({ hostname: 'example.org', statusCode: 301, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } }), {
    scheme: 'http',
    statusCode: 301,
    hostname: 'example.org',
    path: { kind: 'prefix', prefix: '/old', replacement: '/new' },
  });
  assert.deepEqual(redirect({ path: { type: 'ReplaceFullPath', replaceFullPath: '/full' } })?.path, { kind: 'full', path: '/full' });
  assert.deepEqual(rule({ filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 305 } }] }).unsupported, ['rule 0 filter RequestRedirect: statusCode 305 is not supported']);
});

test('header modifiers, URLRewrite and mirrors at rule and backendRef level', () => {
  const t = rule({
    matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
    filters: [
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Set', value: 'a' }], add: [{ name: 'X-Add', value: 'b' }], remove: ['X-Remove'] } },
      { type: 'URLRewrite', urlRewrite: { hostname: 'internal.example', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 }, fraction: { numerator: 1, denominator: 4 } } },
    ],
    backendRefs: [{ name: 'v1', port: 80, filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Backend', value: 'v1' }] } }] }],
  });
  assert.deepEqual(t.unsupported, []);
  const served = t.servedOn(http80);
  assert.deepEqual(served.filters, {
    requestHeaders: { set: [{ name: 'X-Set', value: 'a' }], add: [{ name: 'X-Add', value: 'b' }], remove: ['X-Remove'] },
    rewrite: { hostname: 'internal.example', path: { kind: 'prefix', prefix: '/api', replacement: '/' } },
    mirrors: [{ target: { kind: 'upstream', name: 'default-shadow-80', address: '10.43.0.1', port: 80 }, percent: 25 }],
  });
  assert.deepEqual(served.backends[0]?.filters, { responseHeaders: { set: [{ name: 'X-Backend', value: 'v1' }], add: [], remove: [] } });
});

test('a mirror to a missing Service is left out with BackendNotFound; an ExtensionRef answers 500 (InvalidKind); CORS is unsupported', () => {
  const mirror = rule({ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'missing', port: 80 } } }], backendRefs: [{ name: 'v1', port: 80 }] });
  assert.equal(mirror.servedOn(http80).filters, undefined);
  assert.deepEqual(mirror.refProblems.map((p) => p.reason), ['BackendNotFound']);
  const ext = rule({ filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Auth', name: 'a' } }], backendRefs: [{ name: 'v1', port: 80 }] });
  assert.deepEqual(ext.servedOn(http80).backends, [{ target: { kind: 'status', code: 500 }, weight: 1 }]);
  assert.deepEqual(ext.refProblems.map((p) => p.reason), ['InvalidKind']);
  assert.deepEqual(rule({ filters: [{ type: 'CORS' }] }).unsupported, ['rule 0 filter CORS is not supported by this controller']);
  assert.deepEqual(rule({ timeouts: { request: '10s' } }).unsupported, ['rule 0: timeouts are not supported by this controller']);
});

test('ReplacePrefixMatch without exactly one PathPrefix match, and header values with line breaks, are unsupported', () => {
  const t = rule({ matches: [{ path: { type: 'Exact', value: '/a' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } }] });
  assert.deepEqual(t.unsupported, ['rule 0 filter URLRewrite: ReplacePrefixMatch needs exactly one PathPrefix match in the rule']);
  const h = rule({ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X', value: 'a\r\nInjected: 1' }] } }] });
  assert.deepEqual(h.unsupported, ['rule 0 filter RequestHeaderModifier: the value of header X has control characters']);
});
