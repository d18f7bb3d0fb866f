/**
 * Run inside a test's network namespace, as the "other side" of the API server's or a node's TLS:
 *
 * - `node tls-peer.js listen HOST PORT DIR`: a TLS listener with a certificate from a CA of its
 *   own (made in DIR), asking for client certificates; prints one JSON line per connection
 *   attempt: `{"event":"secureConnection","clientCertificate":bool}`, `{"event":"data","bytes":n}`
 *   or `{"event":"handshakeError","message":...}`, then `{"event":"listening"}` first of all.
 * - `node tls-peer.js upgrade URL CERT KEY`: sends an exec-style upgrade request with the client
 *   certificate (server not verified) and prints the answer's status code.
 */
import { connect, createServer, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { CertificateAuthority } from '../../src/pki/ca.js';

const [mode, ...args] = process.argv.slice(2);
const print = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

if (mode === 'listen') {
  const [host, port, dir] = args as [string, string, string];
  const ca = await CertificateAuthority.loadOrCreate({ dir, name: 'listener-ca' });
  const serving = ca.issueServingCert({ commonName: 'listener', dnsNames: ['listener'], ips: [host] });
  const server = createServer({ key: serving.privateKeyPem, cert: serving.certificatePem, requestCert: true, rejectUnauthorized: false }, (socket: TLSSocket) => {
    print({ event: 'secureConnection', clientCertificate: Object.keys(socket.getPeerCertificate() ?? {}).length > 0 });
    socket.on('data', (d: Buffer) => print({ event: 'data', bytes: d.length }));
    socket.on('error', () => socket.destroy());
    socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 14\r\n\r\nlistener-reply');
  });
  server.on('tlsClientError', (err: Error) => print({ event: 'handshakeError', message: err.message }));
  server.listen(Number(port), host, () => print({ event: 'listening' }));
} else if (mode === 'upgrade') {
  const [url, certFile, keyFile] = args as [string, string, string];
  const target = new URL(url);
  const socket = connect({ host: target.hostname, port: Number(target.port), rejectUnauthorized: false, cert: readFileSync(certFile), key: readFileSync(keyFile), ALPNProtocols: ['http/1.1'] }, () => {
    socket.write(`POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n`);
  });
  let head = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    head += d;
    const line = /^HTTP\/1\.1 (\d{3})/.exec(head);
    if (line) {
      print({ status: Number(line[1]) });
      socket.destroy();
    }
  });
  socket.on('error', (err) => {
    print({ error: err.message });
    process.exitCode = 1;
  });
} else {
  console.error('usage: tls-peer.js listen HOST PORT DIR | upgrade URL CERT KEY');
  process.exitCode = 2;
}
