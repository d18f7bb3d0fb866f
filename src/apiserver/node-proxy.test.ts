import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { notFound, StatusError } from '../apimachinery/errors.js';
import { NodeProxy, nodeEndpoint } from './node-proxy.js';
import { parseRequestInfo } from './request-info.js';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns' },
  spec: { nodeName: 'n1', containers: [{ name: 'app' }, { name: 'side' }], initContainers: [{ name: 'init' }] },
};
const node: Node = { metadata: { name: 'n1' }, status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.7' }] } };

function proxy(nodeOverride: Node = node): NodeProxy {
  return new NodeProxy({
    getPod: async (ns, name) => {
      if (ns === 'ns' && name === 'web') return pod;
      throw notFound({ resource: 'pods', group: '', name });
    },
    getNode: async () => nodeOverride,
    kubeletTLS: { cert: '', key: '', ca: '' },
    dialTimeoutMs: 2000,
  });
}

function locate(p: NodeProxy, path: string, method = 'GET') {
  const url = new URL(path, 'https://x');
  return p.locate(parseRequestInfo(method, url.pathname, url.searchParams), url.searchParams);
}

async function status(promise: Promise<unknown>): Promise<[number, string]> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StatusError) return [err.code, err.message];
    throw err;
  }
  throw new Error('no error');
}

describe('NodeProxy.locate', () => {
  test('maps pods/log options to the kubelet query', async () => {
    const loc = await locate(proxy(), '/api/v1/namespaces/ns/pods/web/log?container=app&follow=true&tailLines=5&timestamps=true&limitBytes=10&sinceTime=2024-05-01T10:00:00Z');
    assert.deepEqual(loc, {
      host: '10.0.0.7',
      port: 10250,
      path: '/containerLogs/ns/web/app?follow=true&limitBytes=10&sinceTime=2024-05-01T10%3A00%3A00Z&tailLines=5&timestamps=true',
      nodeName: 'n1',
    });
  });

  test('maps exec, attach and portforward options as upstream streamParams', async () => {
    const exec = await locate(proxy(), '/api/v1/namespaces/ns/pods/web/exec?container=side&command=ls&command=-l&stdout=true&stderr=true', 'POST');
    assert.equal(exec?.path, '/exec/ns/web/side?command=ls&command=-l&error=1&output=1');
    const attach = await locate(proxy(), '/api/v1/namespaces/ns/pods/web/attach?container=app&stdin=true&stdout=true&tty=true', 'POST');
    assert.equal(attach?.path, '/attach/ns/web/app?input=1&output=1&tty=1');
    const pf = await locate(proxy(), '/api/v1/namespaces/ns/pods/web/portforward?ports=80&ports=443', 'POST');
    assert.equal(pf?.path, '/portForward/ns/web?port=80%2C443');
  });

  test('validation errors as upstream', async () => {
    const p = proxy();
    assert.deepEqual(await status(locate(p, '/api/v1/namespaces/ns/pods/web/log')), [
      400,
      'a container name must be specified for pod web, choose one of: [app side] or one of the init containers: [init]',
    ]);
    assert.deepEqual(await status(locate(p, '/api/v1/namespaces/ns/pods/web/exec?container=x&command=sh')), [400, 'container x is not valid for pod web']);
    assert.deepEqual(await status(locate(p, '/api/v1/namespaces/ns/pods/gone/exec?command=sh')), [404, 'pods "gone" not found']);
    assert.deepEqual(await status(locate(p, '/api/v1/namespaces/ns/pods/web/log?container=app&tailLines=-1')), [
      422,
      'PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    ]);
    const both = await status(locate(p, '/api/v1/namespaces/ns/pods/web/log?container=app&sinceSeconds=5&sinceTime=2024-05-01T10:00:00Z'));
    assert.equal(both[0], 422);
    assert.match(both[1], /at most one of `sinceTime` or `sinceSeconds` may be specified/);
    // An init container is a valid target.
    assert.equal((await locate(p, '/api/v1/namespaces/ns/pods/web/log?container=init'))?.path, '/containerLogs/ns/web/init');
  });

  test('the node endpoint: InternalIP first, the daemon endpoint port', () => {
    assert.deepEqual(nodeEndpoint({ ...node, status: { ...node.status, daemonEndpoints: { kubeletEndpoint: { Port: 10251 } } } }), { host: '10.0.0.7', port: 10251 });
    assert.deepEqual(nodeEndpoint({ metadata: { name: 'h' }, status: { addresses: [{ type: 'Hostname', address: 'h' }] } }), { host: 'h', port: 10250 });
  });

  test('an unreachable node is a 500 naming the dial error', async () => {
    // A port that was just free: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const p = proxy({ metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } });
    const url = new URL('https://x/api/v1/namespaces/ns/pods/web/exec?container=app&command=sh&stdout=true');
    const info = parseRequestInfo('POST', url.pathname, url.searchParams);
    const [code, message] = await status(p.upgrade({ method: 'POST', rawHeaders: [] } as unknown as IncomingMessage, new PassThrough(), Buffer.alloc(0), info, url.searchParams));
    assert.equal(code, 500);
    assert.match(message, /^error dialing backend: connect ECONNREFUSED 127.0.0.1:\d+$/);
    p.close();
  });
});
