import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';

/** Fields shared by every tar entry. Paths are relative to the archive root (a leading '/' or './' is dropped). */
export interface TarEntryCommon {
  path: string;
  /** Permission bits (and setuid/setgid/sticky). Default 0o644 for files, 0o755 for directories, 0o777 for symlinks. */
  mode?: number;
  /** Default 0. */
  uid?: number;
  /** Default 0. */
  gid?: number;
  /** Seconds since the epoch. Default 0, so that the same entries always give the same bytes. */
  mtime?: number;
  /** Default 'root' for uid 0, else empty. */
  uname?: string;
  /** Default 'root' for gid 0, else empty. */
  gname?: string;
}

/** A regular file. */
export interface TarFileEntry extends TarEntryCommon {
  type: 'file';
  content: string | Buffer;
}

/** A directory. */
export interface TarDirectoryEntry extends TarEntryCommon {
  type: 'directory';
}

/** A symbolic link pointing at `target` (stored verbatim). */
export interface TarSymlinkEntry extends TarEntryCommon {
  type: 'symlink';
  target: string;
}

/** A hard link to an earlier entry of the same archive, named by its archive path. */
export interface TarHardlinkEntry extends TarEntryCommon {
  type: 'hardlink';
  target: string;
}

/** One entry of a tar archive to write. */
export type TarEntry = TarFileEntry | TarDirectoryEntry | TarSymlinkEntry | TarHardlinkEntry;

const BLOCK = 512;
const USTAR_NUMERIC_LIMIT = 0o7777777; // 7 octal digits in the 8-byte id fields
const USTAR_SIZE_LIMIT = 0o77777777777; // 11 octal digits

const TYPE_FLAGS: Record<TarEntry['type'], string> = { file: '0', hardlink: '1', symlink: '2', directory: '5' };

function normalizeEntryPath(path: string, isDirectory: boolean): string {
  let p = path.replace(/^(\.\/|\/)+/, '');
  if (p === '' || p === '.') throw new Error(`tar: empty entry path ${JSON.stringify(path)}`);
  p = p.replace(/\/+$/, '');
  return isDirectory ? `${p}/` : p;
}

function defaultMode(type: TarEntry['type']): number {
  switch (type) {
    case 'directory':
      return 0o755;
    case 'symlink':
      return 0o777;
    default:
      return 0o644;
  }
}

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** Splits a path into ustar prefix (<=155 bytes) and name (<=100 bytes), or returns undefined if it does not fit. */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (!isAscii(path)) return undefined;
  if (path.length <= 100) return { prefix: '', name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (prefix.length <= 155 && name.length <= 100 && name.length > 0) return { prefix, name };
    if (name.length > 100) break;
  }
  return undefined;
}

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  bytes.copy(header, offset, 0, Math.min(bytes.length, length));
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  // length-1 digits, zero padded, then NUL.
  const digits = Math.floor(value).toString(8).padStart(length - 1, '0');
  header.write(`${digits}\0`, offset, length, 'ascii');
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body, 'utf8');
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length = String(length).length + bodyLength;
  return Buffer.from(`${length}${body}`, 'utf8');
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

interface HeaderFields {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
}

function encodeHeader(fields: HeaderFields): Buffer {
  const header = Buffer.alloc(BLOCK);
  const split = splitUstarPath(fields.path) ?? { prefix: '', name: fields.path.slice(0, 100) };
  writeString(header, 0, 100, split.name);
  writeOctal(header, 100, 8, fields.mode & 0o7777);
  writeOctal(header, 108, 8, Math.min(fields.uid, USTAR_NUMERIC_LIMIT));
  writeOctal(header, 116, 8, Math.min(fields.gid, USTAR_NUMERIC_LIMIT));
  writeOctal(header, 124, 12, Math.min(fields.size, USTAR_SIZE_LIMIT));
  writeOctal(header, 136, 12, Math.min(Math.max(fields.mtime, 0), USTAR_SIZE_LIMIT));
  header.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  header.write(fields.typeflag, 156, 1, 'ascii');
  writeString(header, 157, 100, fields.linkname);
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  writeString(header, 265, 32, fields.uname);
  writeString(header, 297, 32, fields.gname);
  writeOctal(header, 329, 8, 0);
  writeOctal(header, 337, 8, 0);
  writeString(header, 345, 155, split.prefix);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/** The header block(s) of one entry: a pax extended header first when ustar cannot hold a field. */
function entryHeaderBlocks(fields: HeaderFields): Buffer[] {
  const records: Buffer[] = [];
  if (!splitUstarPath(fields.path)) records.push(paxRecord('path', fields.path));
  if (fields.linkname.length > 100 || !isAscii(fields.linkname)) records.push(paxRecord('linkpath', fields.linkname));
  if (fields.size > USTAR_SIZE_LIMIT) records.push(paxRecord('size', String(fields.size)));
  if (fields.uid > USTAR_NUMERIC_LIMIT) records.push(paxRecord('uid', String(fields.uid)));
  if (fields.gid > USTAR_NUMERIC_LIMIT) records.push(paxRecord('gid', String(fields.gid)));
  if (fields.mtime > USTAR_SIZE_LIMIT || fields.mtime < 0) records.push(paxRecord('mtime', String(fields.mtime)));
  if (Buffer.byteLength(fields.uname) > 32 || !isAscii(fields.uname)) records.push(paxRecord('uname', fields.uname));
  if (Buffer.byteLength(fields.gname) > 32 || !isAscii(fields.gname)) records.push(paxRecord('gname', fields.gname));
  const blocks: Buffer[] = [];
  if (records.length > 0) {
    const body = Buffer.concat(records);
    const base = fields.path.replace(/\/$/, '').split('/').pop() ?? 'entry';
    blocks.push(
      encodeHeader({
        path: `PaxHeaders/${base}`.slice(0, 100),
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: body.length,
        mtime: Math.min(Math.max(fields.mtime, 0), USTAR_SIZE_LIMIT),
        typeflag: 'x',
        linkname: '',
        uname: '',
        gname: '',
      }),
      body,
      padding(body.length),
    );
  }
  blocks.push(encodeHeader(fields));
  return blocks;
}

/** The blocks (header, content, padding) of one entry. */
export function encodeTarEntry(entry: TarEntry): Buffer[] {
  const uid = entry.uid ?? 0;
  const gid = entry.gid ?? 0;
  const content = entry.type === 'file' ? (typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : entry.content) : undefined;
  const fields: HeaderFields = {
    path: normalizeEntryPath(entry.path, entry.type === 'directory'),
    mode: entry.mode ?? defaultMode(entry.type),
    uid,
    gid,
    size: content?.length ?? 0,
    mtime: entry.mtime ?? 0,
    typeflag: TYPE_FLAGS[entry.type],
    linkname: entry.type === 'symlink' ? entry.target : entry.type === 'hardlink' ? normalizeEntryPath(entry.target, false) : '',
    uname: entry.uname ?? (uid === 0 ? 'root' : ''),
    gname: entry.gname ?? (gid === 0 ? 'root' : ''),
  };
  const blocks = entryHeaderBlocks(fields);
  if (content && content.length > 0) blocks.push(content, padding(content.length));
  return blocks;
}

/** The end-of-archive marker: two zero blocks. */
function endOfArchive(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}

/** Writes the entries, in order, as a pax/ustar tar archive. */
export function createTar(entries: Iterable<TarEntry>): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) parts.push(...encodeTarEntry(entry));
  parts.push(endOfArchive());
  return Buffer.concat(parts);
}

/** Same bytes as {@link createTar}, produced lazily as a stream (entries may come from an async source). */
export function createTarStream(entries: Iterable<TarEntry> | AsyncIterable<TarEntry>): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for await (const entry of entries) yield* encodeTarEntry(entry);
    yield endOfArchive();
  }
  return Readable.from(generate(), { objectMode: false });
}

/** One entry as read back from an archive. */
export interface TarReadEntry {
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** The raw typeflag character. */
  typeflag: string;
  /** Archive path without a trailing slash for directories. */
  path: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  uname: string;
  gname: string;
  /** Symlink target or hard link source path; empty otherwise. */
  linkname: string;
  /** File content (empty for non-files). */
  content: Buffer;
}

function readString(buf: Buffer, offset: number, length: number): string {
  const slice = buf.subarray(offset, offset + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? length : nul).toString('utf8');
}

function readNumber(buf: Buffer, offset: number, length: number): number {
  const field = buf.subarray(offset, offset + length);
  if (field[0] !== undefined && (field[0] & 0x80) !== 0) {
    // GNU base-256: big-endian with the high bit of the first byte as marker.
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = readString(buf, offset, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function parsePax(body: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space === -1) break;
    const length = parseInt(body.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) throw new Error('tar: malformed pax record');
    const record = body.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

function entryType(typeflag: string): TarReadEntry['type'] {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

function isZeroBlock(buf: Buffer, offset: number): boolean {
  for (let i = offset; i < offset + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

function verifyChecksum(header: Buffer): boolean {
  const stored = readNumber(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum === stored;
}

/** Pax/GNU metadata collected from the members preceding an entry. */
interface PendingMeta {
  pax: Map<string, string>;
  longName?: string;
  longLink?: string;
}

function isMetaType(typeflag: string): boolean {
  return typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K';
}

/** The size of the data following a header, taking a pax `size` record into account. */
function memberSize(header: Buffer, meta: PendingMeta): number {
  const typeflag = String.fromCharCode(header[156] ?? 0);
  const headerSize = readNumber(header, 124, 12);
  return isMetaType(typeflag) ? headerSize : Number(meta.pax.get('size') ?? headerSize);
}

/** Records a metadata member's data into `meta`. */
function absorbMeta(typeflag: string, data: Buffer, meta: PendingMeta): void {
  if (typeflag === 'x') meta.pax = parsePax(data);
  else if (typeflag === 'L') meta.longName = readString(data, 0, data.length);
  else if (typeflag === 'K') meta.longLink = readString(data, 0, data.length);
}

function entryFromHeader(header: Buffer, meta: PendingMeta, size: number, content: Buffer): TarReadEntry {
  const typeflag = String.fromCharCode(header[156] ?? 0);
  const magic = readString(header, 257, 6);
  const prefix = magic.startsWith('ustar') ? readString(header, 345, 155) : '';
  const name = readString(header, 0, 100);
  let path = meta.pax.get('path') ?? meta.longName ?? (prefix ? `${prefix}/${name}` : name);
  const rawType = entryType(typeflag);
  const type = rawType === 'file' && path.endsWith('/') ? 'directory' : rawType;
  if (path.endsWith('/') && path.length > 1) path = path.replace(/\/+$/, '');
  return {
    type,
    typeflag,
    path,
    mode: readNumber(header, 100, 8),
    uid: Number(meta.pax.get('uid') ?? readNumber(header, 108, 8)),
    gid: Number(meta.pax.get('gid') ?? readNumber(header, 116, 8)),
    mtime: Math.floor(Number(meta.pax.get('mtime') ?? readNumber(header, 136, 12))),
    size,
    uname: meta.pax.get('uname') ?? readString(header, 265, 32),
    gname: meta.pax.get('gname') ?? readString(header, 297, 32),
    linkname: meta.pax.get('linkpath') ?? meta.longLink ?? readString(header, 157, 100),
    content: type === 'file' ? content : Buffer.alloc(0),
  };
}

/**
 * Reads every entry of a tar archive held in memory (gzip-compressed input is inflated first).
 * Understands ustar, pax extended headers ('x'; global 'g' headers are skipped) and GNU long
 * names ('L'/'K').
 */
export function readTar(archive: Buffer): TarReadEntry[] {
  const buf = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const entries: TarReadEntry[] = [];
  let pos = 0;
  let meta: PendingMeta = { pax: new Map() };
  while (pos + BLOCK <= buf.length) {
    if (isZeroBlock(buf, pos)) break;
    const header = buf.subarray(pos, pos + BLOCK);
    if (!verifyChecksum(header)) throw new Error(`tar: bad header checksum at offset ${pos}`);
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const size = memberSize(header, meta);
    const data = buf.subarray(pos + BLOCK, pos + BLOCK + size);
    if (data.length < size) throw new Error('tar: archive truncated');
    pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (isMetaType(typeflag)) {
      absorbMeta(typeflag, data, meta);
      continue;
    }
    entries.push(entryFromHeader(header, meta, size, Buffer.from(data)));
    meta = { pax: new Map() };
  }
  return entries;
}

/** Options of {@link scanTarStream}. */
export interface ScanTarOptions {
  /** Whether to keep the content of this file entry (default: keep none). */
  keepContent?: (path: string) => boolean;
  /** Largest content kept for one entry; larger ones are skipped. Default 16 MiB. */
  maxContentBytes?: number;
}

/** Pulls exact byte counts out of an async chunk source. */
class ByteReader {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private done = false;
  private readonly iterator: AsyncIterator<Buffer | string>;

  constructor(source: AsyncIterable<Buffer | string>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.bufferedLength < n && !this.done) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      this.buffered.push(chunk);
      this.bufferedLength += chunk.length;
    }
  }

  /** Exactly n bytes, or fewer at the end of the source. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = Buffer.concat(this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedLength = rest.length;
    return out;
  }

  /** Drops n bytes without keeping them. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.bufferedLength === 0) {
        await this.fill(1);
        if (this.bufferedLength === 0) throw new Error('tar: archive truncated');
      }
      const head = this.buffered[0]!;
      if (head.length <= left) {
        this.buffered.shift();
        this.bufferedLength -= head.length;
        left -= head.length;
      } else {
        this.buffered[0] = head.subarray(left);
        this.bufferedLength -= left;
        left = 0;
      }
    }
  }

  /** Stops reading the source early. */
  async close(): Promise<void> {
    if (!this.done) await this.iterator.return?.();
  }
}

/**
 * Reads the entries of an uncompressed tar stream without holding the archive in memory:
 * every header is returned, file contents only where `keepContent` asks for them.
 */
export async function scanTarStream(stream: AsyncIterable<Buffer | string>, options: ScanTarOptions = {}): Promise<TarReadEntry[]> {
  const keep = options.keepContent ?? (() => false);
  const maxContent = options.maxContentBytes ?? 16 * 1024 * 1024;
  const reader = new ByteReader(stream);
  const entries: TarReadEntry[] = [];
  let meta: PendingMeta = { pax: new Map() };
  try {
    for (;;) {
      const header = await reader.read(BLOCK);
      if (header.length < BLOCK || isZeroBlock(header, 0)) break;
      if (!verifyChecksum(header)) throw new Error('tar: bad header checksum');
      const typeflag = String.fromCharCode(header[156] ?? 0);
      const size = memberSize(header, meta);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (isMetaType(typeflag)) {
        const data = await reader.read(size);
        await reader.skip(padded - size);
        absorbMeta(typeflag, data, meta);
        continue;
      }
      const entry = entryFromHeader(header, meta, size, Buffer.alloc(0));
      meta = { pax: new Map() };
      if (entry.type === 'file' && size <= maxContent && keep(entry.path)) {
        entry.content = Buffer.from(await reader.read(size));
        if (entry.content.length < size) throw new Error('tar: archive truncated');
        await reader.skip(padded - size);
      } else {
        await reader.skip(padded);
      }
      entries.push(entry);
    }
  } finally {
    await reader.close();
  }
  return entries;
}
