/**
 * Raw proxying of HTTP upgrades (exec, attach, port-forward) as upstream's UpgradeAwareHandler,
 * shared by the API server (to nodes) and the node agent (to the runtime's streaming server).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StatusError } from './errors.js';

/** Headers never passed on upstream: the caller's credentials stay where they were checked, as upstream. */
const droppedRequestHeaders = new Set(['host', 'authorization']);

/**
 * Writes the head of a request (method, `path`, the client's headers but `dropped`, `Host: hostHeader`)
 * to `upstream`, then `head` (bytes the client sent after its headers), and pipes both ways until
 * either side closes: the raw proxying of an HTTP upgrade, as upstream's UpgradeAwareHandler.
 */
export function pipeUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  upstream: Duplex,
  path: string,
  hostHeader: string,
  dropped: ReadonlySet<string> = droppedRequestHeaders,
): void {
  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${hostHeader}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (dropped.has(name.toLowerCase()) || name.toLowerCase() === 'host') continue;
    lines.push(`${name}: ${raw[i + 1]}`);
  }
  upstream.write(lines.join('\r\n') + '\r\n\r\n');
  if (head.length) upstream.write(head);
  const closeBoth = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', closeBoth);
  upstream.on('error', closeBoth);
  client.on('close', closeBoth);
  upstream.on('close', closeBoth);
  client.pipe(upstream);
  upstream.pipe(client);
}

/** Writes a Status as a complete HTTP/1.1 answer on a raw (not yet upgraded) socket, and closes it. */
export function writeStatusToSocket(socket: Duplex, err: StatusError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(err.toStatus());
  const reasonPhrases: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  socket.end(
    `HTTP/1.1 ${err.code} ${reasonPhrases[err.code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-cache, private\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}
