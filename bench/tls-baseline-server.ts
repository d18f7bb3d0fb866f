/**
 * The baseline of bench/watch-memory: a bare Node HTTPS server built as the API server's listener
 * is (HTTP/2 with HTTP/1.1 allowed, client certificates requested), answering each request with
 * one JSON line and holding it open as a watch does. Prints "ready" once listening.
 * Usage: node tls-baseline-server.js CERT KEY PORT
 */
import { createSecureServer } from 'node:http2';
import { readFileSync } from 'node:fs';

const [cert, key, port] = process.argv.slice(2);
const server = createSecureServer(
  { cert: readFileSync(String(cert)), key: readFileSync(String(key)), allowHTTP1: true, requestCert: true, rejectUnauthorized: false },
  (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"type":"BOOKMARK"}\n');
  },
);
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
