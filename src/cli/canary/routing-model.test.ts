import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeIngressRequest, type ModelRequest } from './routing-model.js';
import { seedIngresses } from './testing.js';

const request = (headers: Record<string, string>, cookies: Record<string, string>, roll = 0.5): ModelRequest => ({ host: 'tomcat.example.test', path: '/x', headers, cookies, roll });
const to = (r: ModelRequest) => routeIngressRequest(seedIngresses(), r).backends;

test("ingress-nginx's precedence: header, then cookie, then weight", () => {
  assert.deepEqual(to(request({ 'x-canary': 'never' }, { canary: 'always' })), ['tomcat-stable']);
  assert.deepEqual(to(request({ 'x-canary': 'always' }, { canary: 'never' })), ['tomcat-canary']);
  assert.deepEqual(to(request({ 'x-canary': 'other' }, { canary: 'always' })), ['tomcat-canary']);
  assert.deepEqual(to(request({}, {}, 0.1)), ['tomcat-canary']);
  assert.deepEqual(to(request({}, {}, 0.2)), ['tomcat-stable']);
});

test('a canary without a main Ingress is ignored; another host gets a 404', () => {
  assert.deepEqual(routeIngressRequest([seedIngresses()[1]!], request({ 'x-canary': 'always' }, {})).backends, []);
  assert.deepEqual(routeIngressRequest(seedIngresses(), { ...request({}, {}), host: 'other.test' }).backends, []);
});
