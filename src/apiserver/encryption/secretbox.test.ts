import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poly1305, secretboxOpen, secretboxSeal } from './secretbox.js';

test('poly1305 gives RFC 8439 §2.5.2 tag', () => {
  const key = Buffer.from('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b', 'hex');
  assert.equal(poly1305(Buffer.from('Cryptographic Forum Research Group'), key).toString('hex'), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test("secretbox seals as libsodium's crypto_secretbox_easy does and opens only untampered boxes", () => {
  const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const nonce = Buffer.from(Array.from({ length: 24 }, (_, i) => 100 + i));
  const message = Buffer.from('The quick brown fox jumps over the lazy dog, and then some more text to pass 64 bytes of keystream: 0123456789abcdef0123456789');
  // Made with libsodium 1.0.18 (crypto_secretbox_easy) for these inputs.
  const expected =
    '01149e1eb24e850e558027380aa3065e56d1fce94bc3a78adbdd41e658f3cd3858c540878ed3266bd52c2de26ff9e9fcc00ad4742e4de2c49179704e2072b301e1e4c67d7ca64a306e847369b4c0fb4437ee3419e84827aac9ee6c8160f5d9b336eef962d4df1464b2f0ec5e0b9297a39ba4d35bdfe808f4374e49bc8465f45a1b4bf32ce71a723a74b93894dc28';
  const sealed = secretboxSeal(message, nonce, key);
  assert.equal(sealed.toString('hex'), expected);
  assert.deepEqual(secretboxOpen(sealed, nonce, key), message);
  const tampered = Buffer.from(sealed);
  tampered[40]! ^= 1;
  assert.equal(secretboxOpen(tampered, nonce, key), undefined);
  assert.equal(secretboxOpen(sealed, nonce, Buffer.alloc(32)), undefined);
  assert.deepEqual(secretboxOpen(secretboxSeal(Buffer.alloc(0), nonce, key), nonce, key), Buffer.alloc(0));
});
