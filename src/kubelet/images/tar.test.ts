import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createTar, createTarStream, readTar, scanTarStream, type TarEntry } from './tar.js';

const longDir = `${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(60)}`;
const veryLongName = `${'x'.repeat(120)}.txt`;

const sample: TarEntry[] = [
  { type: 'directory', path: 'etc', mode: 0o755 },
  { type: 'file', path: '/etc/hello.txt', content: 'hello\n', mode: 0o640, uid: 1000, gid: 1001, mtime: 1_700_000_000 },
  { type: 'directory', path: 'tmp/', mode: 0o1777 },
  { type: 'file', path: 'bin/tool', content: Buffer.alloc(1500, 7), mode: 0o755 },
  { type: 'symlink', path: 'bin/sh', target: '/bin/tool' },
  { type: 'hardlink', path: 'bin/tool2', target: 'bin/tool' },
  { type: 'file', path: `${longDir}/file`, content: 'deep' },
  { type: 'file', path: `dir/${veryLongName}`, content: 'long' },
  { type: 'symlink', path: 'long-link', target: `/${'t'.repeat(150)}` },
  { type: 'file', path: 'utf8-é.txt', content: 'ü' },
  { type: 'file', path: 'empty', content: '' },
];

describe('tar writer and reader', () => {
  test('round trip keeps paths, types, modes, owners, times, targets and contents', () => {
    const entries = readTar(createTar(sample));
    assert.deepEqual(
      entries.map((e) => [e.type, e.path]),
      [
        ['directory', 'etc'],
        ['file', 'etc/hello.txt'],
        ['directory', 'tmp'],
        ['file', 'bin/tool'],
        ['symlink', 'bin/sh'],
        ['hardlink', 'bin/tool2'],
        ['file', `${longDir}/file`],
        ['file', `dir/${veryLongName}`],
        ['symlink', 'long-link'],
        ['file', 'utf8-é.txt'],
        ['file', 'empty'],
      ],
    );
    const hello = entries[1]!;
    assert.equal(hello.mode, 0o640);
    assert.equal(hello.uid, 1000);
    assert.equal(hello.gid, 1001);
    assert.equal(hello.mtime, 1_700_000_000);
    assert.equal(hello.content.toString(), 'hello\n');
    assert.equal(entries[2]!.mode, 0o1777);
    assert.deepEqual(entries[3]!.content, Buffer.alloc(1500, 7));
    assert.equal(entries[4]!.linkname, '/bin/tool');
    assert.equal(entries[5]!.linkname, 'bin/tool');
    assert.equal(entries[8]!.linkname, `/${'t'.repeat(150)}`);
    assert.equal(entries[9]!.content.toString(), 'ü');
    assert.equal(entries[0]!.uname, 'root');
  });

  test('output is whole blocks and identical for identical input', () => {
    const a = createTar(sample);
    assert.equal(a.length % 512, 0);
    assert.deepEqual(a, createTar(sample));
  });

  test('the stream writer produces the same bytes', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of createTarStream(sample)) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), createTar(sample));
  });

  test('gzip input is read too', () => {
    assert.equal(readTar(gzipSync(createTar(sample))).length, sample.length);
  });

  test('scanTarStream lists headers and keeps only the asked-for contents', async () => {
    const archive = createTar(sample);
    // Small, unaligned chunks exercise the re-assembly.
    const chunks: Buffer[] = [];
    for (let i = 0; i < archive.length; i += 333) chunks.push(archive.subarray(i, i + 333));
    const entries = await scanTarStream(Readable.from(chunks), { keepContent: (p) => p === 'etc/hello.txt' });
    assert.deepEqual(
      entries.map((e) => e.path),
      readTar(archive).map((e) => e.path),
    );
    assert.equal(entries.find((e) => e.path === 'etc/hello.txt')!.content.toString(), 'hello\n');
    const tool = entries.find((e) => e.path === 'bin/tool')!;
    assert.equal(tool.size, 1500);
    assert.equal(tool.content.length, 0);
  });

  test('GNU tar lists and extracts what was written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-tar-'));
    try {
      const file = join(dir, 'a.tar');
      writeFileSync(file, createTar(sample));
      const listing = execFileSync('tar', ['-tvf', file], { encoding: 'utf8' });
      assert.match(listing, /^-rw-r----- 1000\/1001\s+6 2023-11-1\d \d\d:\d\d etc\/hello\.txt$/m);
      assert.match(listing, /^drwxrwxrwt root\/root\s+0 .* tmp\/$/m);
      assert.match(listing, /^lrwxrwxrwx root\/root\s+0 .* bin\/sh -> \/bin\/tool$/m);
      assert.match(listing, /^hrw-r--r-- root\/root\s+0 .* bin\/tool2 link to bin\/tool$/m);
      assert.ok(listing.includes(`${longDir}/file`));
      assert.ok(listing.includes(`dir/${veryLongName}`));
      assert.ok(listing.includes('utf8-é.txt'));
      const out = join(dir, 'out');
      execFileSync('mkdir', [out]);
      execFileSync('tar', ['-xf', file, '-C', out, '--numeric-owner']);
      assert.equal(readFileSync(join(out, 'etc/hello.txt'), 'utf8'), 'hello\n');
      assert.equal(readlinkSync(join(out, 'bin/sh')), '/bin/tool');
      assert.equal(statSync(join(out, 'bin/tool2')).ino, statSync(join(out, 'bin/tool')).ino);
      assert.equal(readFileSync(join(out, `dir/${veryLongName}`), 'utf8'), 'long');
      assert.equal(statSync(join(out, 'bin/tool')).mode & 0o777, 0o755);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('reads archives made by GNU tar', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-tar-'));
    try {
      const src = join(dir, 'src');
      execFileSync('mkdir', ['-p', join(src, longDir)]);
      writeFileSync(join(src, longDir, 'f'), 'gnu');
      for (const format of ['gnu', 'pax', 'ustar']) {
        const file = join(dir, `${format}.tar`);
        execFileSync('tar', [`--format=${format}`, '-cf', file, '-C', src, 'a' + 'a'.repeat(59)]);
        const entries = readTar(readFileSync(file));
        const f = entries.find((e) => e.path === `${longDir}/f`);
        assert.ok(f, `${format}: ${entries.map((e) => e.path).join(', ')}`);
        assert.equal(f.content.toString(), 'gnu');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
