import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { WatchWire } from './watch-wire.js';

/** A local HTTP/1.1 server answering each request with `answer`; `run` gets its port, everything stops after. */
async function withServer(answer: (res: ServerResponse) => void, run: (port: number) => Promise<void>): Promise<void> {
  const server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** GETs `/` with `agent`; resolves with the body, the response and whether its connection was reused. */
function get(port: number, agent: Agent): Promise<{ body: string; res: IncomingMessage; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ body, res, reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('lines framed by the wire and written on the socket reach an HTTP/1.1 client intact, and the connection serves the next request', async () => {
  const lines = ['{"type":"ADDED"}\n', `{"type":"MODIFIED","object":{"data":"${'é'.repeat(300)}"}}\n`, '{"type":"DELETED"}\n'];
  let framed: boolean[] = [];
  await withServer(
    (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      const wire = new WatchWire(res);
      framed.push(wire.framed);
      const bytes = lines.map((l) => wire.frame(Buffer.from(l)));
      wire.response.write(bytes[0]!);
      // Several lines in one go, as a watch stream writes what one turn of the loop brought.
      wire.response.cork();
      wire.response.write(bytes[1]!);
      wire.response.write(bytes[2]!);
      wire.response.uncork();
      res.end();
    },
    async (port) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const first = await get(port, agent);
        assert.equal(first.res.headers['transfer-encoding'], 'chunked');
        assert.equal(first.body, lines.join(''));
        const second = await get(port, agent);
        assert.equal(second.reused, true);
        assert.equal(second.body, lines.join(''));
      } finally {
        agent.destroy();
      }
    },
  );
  assert.deepEqual(framed, [true, true]);

  // A response that is not chunked (here: of known length) is written through as it is.
  framed = [];
  const line = Buffer.from('{"type":"ADDED"}\n');
  await withServer(
    (res) => {
      res.writeHead(200, { 'Content-Length': line.length });
      res.flushHeaders();
      const wire = new WatchWire(res);
      framed.push(wire.framed);
      assert.equal(wire.frame(line), line);
      wire.response.write(wire.frame(line));
      res.end();
    },
    async (port) => {
      const agent = new Agent({ keepAlive: true });
      try {
        assert.equal((await get(port, agent)).body, line.toString());
      } finally {
        agent.destroy();
      }
    },
  );
  assert.deepEqual(framed, [false]);
});

test('on HTTP/2 the lines are written on the response stream as they are and reach the client intact', async () => {
  const lines = ['{"type":"ADDED"}\n', `{"type":"MODIFIED","object":{"data":"${'é'.repeat(300)}"}}\n`];
  const server = createHttp2Server((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // As the API server's handlers do (Node's compatibility response has it; its types do not).
    (res as unknown as { flushHeaders(): void }).flushHeaders();
    const wire = new WatchWire(res);
    assert.equal(wire.framed, false);
    assert.equal(wire.response, res.stream);
    wire.response.cork();
    for (const line of lines) wire.response.write(wire.frame(Buffer.from(line)));
    wire.response.uncork();
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ':path': '/' });
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => (text += d));
      stream.on('end', () => resolve(text));
      stream.on('error', reject);
    });
    assert.equal(body, lines.join(''));
  } finally {
    session.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});
