/**
 * The baseline of bench/api's watch step: what one Node event loop does when it does nothing
 * but the fan-out. A bare HTTPS server built as the API server's listener is (HTTP/2 with
 * HTTP/1.1 allowed, client certificates requested) that holds every GET open as a watch and
 * sends each POSTed object, given a resourceVersion, to all of them as an ADDED event line,
 * encoded once and written as the API server writes its watch lines (`WatchWire`: one shared
 * framed Buffer on each HTTP/1.1 socket, the stream on HTTP/2), and answers the POST 201 with
 * the object. No store, authentication, admission or selection: the floor under the API server's
 * figures on the same machine in the same run. Prints "ready" once listening.
 * Usage: node watch-baseline-server.js CERT KEY PORT
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { WatchWire } from '../src/apiserver/watch-wire.js';

const [cert, key, port] = process.argv.slice(2);
/** The open watches, each with where its lines go. */
const watches = new Set<WatchWire>();
let revision = 0;

function post(req: Http2ServerRequest, res: Http2ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (d: Buffer) => chunks.push(d));
  req.on('end', () => {
    const object = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata?: Record<string, unknown> };
    object.metadata = { ...object.metadata, resourceVersion: String(++revision) };
    const body = JSON.stringify(object);
    if (req.url.includes('/configmaps')) {
      const line = Buffer.from(`{"type":"ADDED","object":${body}}\n`);
      // Framed once per framing, as the API server caches an event's bytes per representation.
      let framed: Buffer | undefined;
      for (const wire of watches) {
        const bytes = wire.framed ? (framed ??= wire.frame(line)) : line;
        wire.response.write(bytes);
      }
    }
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end(body);
  });
}

function watch(res: Http2ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  (res as unknown as ServerResponse).flushHeaders();
  const wire = new WatchWire(res);
  watches.add(wire);
  res.on('close', () => watches.delete(wire));
}

const server = createSecureServer(
  { cert: readFileSync(String(cert)), key: readFileSync(String(key)), allowHTTP1: true, requestCert: true, rejectUnauthorized: false },
  (req, res) => (req.method === 'POST' ? post(req, res) : watch(res)),
);
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
