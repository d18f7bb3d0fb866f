import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority } from '../pki/ca.js';
import { TokenAuthenticator } from '../pki/verify.js';
import { CertAndTokenAuthenticator } from './auth.js';

/** A verified TLS connection that counts how often its peer certificate is read. */
function connection(raw: Buffer): { socket: object; reads: () => number } {
  let reads = 0;
  const socket = {
    authorized: true,
    getPeerCertificate: () => {
      reads++;
      return { raw };
    },
  };
  return { socket, reads: () => reads };
}

describe('CertAndTokenAuthenticator', () => {
  let dir: string;
  let raw: Buffer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-auth-'));
    const ca = await CertificateAuthority.loadOrCreate({ dir, name: 'client-ca' });
    raw = ca.issueClientCert({ commonName: 'jane', organizations: ['devs'] }).certificate.raw;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const noTokens = new TokenAuthenticator();

  it('reads the client certificate of an HTTP/1.1 connection once for all its requests', () => {
    const auth = new CertAndTokenAuthenticator(noTokens);
    const { socket, reads } = connection(raw);
    const request = () => ({ headers: {}, socket }) as unknown as IncomingMessage;
    assert.deepEqual(auth.authenticate(request()), { user: 'jane', groups: ['devs', 'system:authenticated'] });
    assert.deepEqual(auth.authenticate(request()), { user: 'jane', groups: ['devs', 'system:authenticated'] });
    assert.equal(reads(), 1);
  });

  it('reads it once per HTTP/2 connection, whose streams each have their own socket proxy', () => {
    const auth = new CertAndTokenAuthenticator(noTokens);
    const { socket, reads } = connection(raw);
    const session = { socket };
    // As Node's compat layer: each stream's `req.socket` is a new proxy of the stream.
    const request = () => ({ headers: {}, socket: { ...socket }, stream: { session } }) as unknown as IncomingMessage;
    for (let i = 0; i < 3; i++) assert.equal(auth.authenticate(request())?.user, 'jane');
    assert.equal(reads(), 1);
  });

  it('treats a connection without a verified certificate as anonymous, and a bearer token as its user', () => {
    const auth = new CertAndTokenAuthenticator(new TokenAuthenticator([['secret', { user: 'bot', groups: [] }]]));
    const socket = { authorized: false, getPeerCertificate: () => ({ raw }) };
    assert.equal(auth.authenticate({ headers: {}, socket } as unknown as IncomingMessage), undefined);
    const withToken = { headers: { authorization: 'Bearer secret' }, socket } as unknown as IncomingMessage;
    assert.deepEqual(auth.authenticate(withToken), { user: 'bot', groups: ['system:authenticated'] });
  });
});
