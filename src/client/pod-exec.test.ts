import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../testing/wait.js';
import { execInPod } from './pod-exec.js';

/** An unmasked server frame. */
function serverFrame(opcode: number, payload: Buffer): Buffer {
  const header = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 255]);
  return Buffer.concat([header, payload]);
}

const message = (channel: number, text: string): Buffer => serverFrame(2, Buffer.concat([Buffer.from([channel]), Buffer.from(text)]));

describe('execInPod', () => {
  let server: Server;
  let base = '';
  const seen: string[] = [];
  const sockets = new Set<Duplex>();

  before(async () => {
    server = createServer((req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'pods "gone" not found' }));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      seen.push(req.url ?? '');
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.resume();
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n`);
      const failing = (req.url ?? '').includes('command=false');
      socket.write(Buffer.concat([message(1, 'hello '), message(1, 'world'), message(2, 'warn'), message(1, 'x'.repeat(300))]));
      const status = failing
        ? { kind: 'Status', status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code', details: { causes: [{ reason: 'ExitCode', message: '7' }] } }
        : { kind: 'Status', status: 'Success' };
      socket.write(message(3, JSON.stringify(status)));
      socket.end(serverFrame(8, Buffer.from([0x03, 0xe8])));
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    // Upgraded sockets leave the server's bookkeeping: close() does not wait for them.
    server.close();
    await waitFor('the client to close every stream', () => sockets.size === 0, { timeoutMs: 5000 });
  });

  it('collects stdout, stderr and the exit code of the v4 channels', async () => {
    const result = await execInPod({ server: base, ca: '' }, { namespace: 'default', pod: 'client', container: 'c', command: ['nc', '-z', '10.0.0.1', '80'] });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, `hello world${'x'.repeat(300)}`);
    assert.equal(result.stderr, 'warn');
    assert.equal(seen[0], '/api/v1/namespaces/default/pods/client/exec?container=c&command=nc&command=-z&command=10.0.0.1&command=80&stdout=true&stderr=true');
  });

  it('reads a non-zero exit code from the Status', async () => {
    const result = await execInPod({ server: base, ca: '' }, { namespace: 'default', pod: 'client', container: 'c', command: ['false'] });
    assert.equal(result.exitCode, 7);
  });

  it('raises the API\'s refusal as a StatusError', async () => {
    // A plain request answered without upgrading (the fake answers every non-upgrade with 404).
    const noUpgrade = createServer((req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'pods "gone" not found' }));
    });
    await new Promise<void>((resolve) => noUpgrade.listen(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(execInPod({ server: `http://127.0.0.1:${(noUpgrade.address() as AddressInfo).port}`, ca: '' }, { namespace: 'default', pod: 'gone', container: 'c', command: ['true'] }), { name: 'StatusError', code: 404, message: 'pods "gone" not found' });
    } finally {
      await new Promise<void>((resolve) => noUpgrade.close(() => resolve()));
    }
  });
});
