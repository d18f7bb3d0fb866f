import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fixedNanoTimestamp, parseCriLogLine, readContainerLog, type ReadContainerLogOptions } from './cri-log.js';

const sample = [
  '2024-05-01T10:00:00.100000000Z stdout F first',
  '2024-05-01T10:00:01.2Z stderr F second',
  '2024-05-01T10:00:02.300000000Z stdout P thi',
  '2024-05-01T10:00:02.300000001Z stdout F rd',
  '2024-05-01T10:00:03.400000000Z stdout F fourth',
  '',
].join('\n');

async function withLog(content: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cri-log-'));
  try {
    const path = join(dir, '0.log');
    await writeFile(path, content);
    await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function read(path: string, options: ReadContainerLogOptions): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await readContainerLog(path, options, out);
  return Buffer.concat(chunks).toString();
}

/** Waits until `check` holds, failing after a deadline. */
async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('parseCriLogLine', () => {
  test('parses the four fields', () => {
    const line = parseCriLogLine(Buffer.from('2024-05-01T10:00:00.1Z stderr P a b '));
    assert.equal(line?.stream, 'stderr');
    assert.equal(line?.partial, true);
    assert.equal(line?.content.toString(), 'a b ');
    assert.equal(line?.timeMs, Date.parse('2024-05-01T10:00:00.100Z'));
  });
  test('an empty content and malformed lines', () => {
    assert.equal(parseCriLogLine(Buffer.from('2024-05-01T10:00:00Z stdout F'))?.content.length, 0);
    assert.equal(parseCriLogLine(Buffer.from('garbage')), undefined);
    assert.equal(parseCriLogLine(Buffer.from('2024-05-01T10:00:00Z other F x')), undefined);
  });
  test('fixed nano timestamps', () => {
    assert.equal(fixedNanoTimestamp('2024-05-01T10:00:01.2Z'), '2024-05-01T10:00:01.200000000Z');
    assert.equal(fixedNanoTimestamp('2024-05-01T10:00:01+02:00'), '2024-05-01T10:00:01.000000000+02:00');
  });
});

describe('readContainerLog', () => {
  test('whole file, partial lines joined', async () => {
    await withLog(sample, async (path) => {
      assert.equal(await read(path, {}), 'first\nsecond\nthird\nfourth\n');
    });
  });

  test('tailLines counts file lines from the end; 0 prints nothing', async () => {
    await withLog(sample, async (path) => {
      assert.equal(await read(path, { tailLines: 1 }), 'fourth\n');
      assert.equal(await read(path, { tailLines: 3 }), 'third\nfourth\n');
      assert.equal(await read(path, { tailLines: 100 }), 'first\nsecond\nthird\nfourth\n');
      assert.equal(await read(path, { tailLines: 0 }), '');
    });
  });

  test('sinceTime, timestamps and limitBytes', async () => {
    await withLog(sample, async (path) => {
      assert.equal(await read(path, { sinceTime: new Date('2024-05-01T10:00:02Z') }), 'third\nfourth\n');
      assert.equal(
        await read(path, { timestamps: true, tailLines: 3 }),
        '2024-05-01T10:00:02.300000000Z third\n2024-05-01T10:00:03.400000000Z fourth\n',
      );
      assert.equal(await read(path, { limitBytes: 8 }), 'first\nse');
    });
  });

  test('a last line without newline is read when not following', async () => {
    await withLog('2024-05-01T10:00:00Z stdout F a\n2024-05-01T10:00:01Z stdout F b', async (path) => {
      assert.equal(await read(path, {}), 'a\nb\n');
      assert.equal(await read(path, { tailLines: 1 }), 'b\n');
    });
  });

  test('follow: appended lines arrive, abort ends it', async () => {
    await withLog(sample, async (path) => {
      const out = new PassThrough();
      let text = '';
      out.on('data', (c: Buffer) => (text += c.toString()));
      const controller = new AbortController();
      const done = readContainerLog(path, { follow: true, tailLines: 1, signal: controller.signal, pollIntervalMs: 50 }, out);
      await waitFor(() => text === 'fourth\n', 'the tail');
      await appendFile(path, '2024-05-01T10:00:04Z stdout P fi');
      await appendFile(path, '\n2024-05-01T10:00:05Z stdout F fth\n');
      await waitFor(() => text === 'fourth\nfifth\n', 'the appended line');
      controller.abort();
      await done;
    });
  });

  test('follow ends once the container stopped and the file is drained', async () => {
    await withLog(sample, async (path) => {
      let running = true;
      const out = new PassThrough();
      let text = '';
      out.on('data', (c: Buffer) => (text += c.toString()));
      const done = readContainerLog(path, { follow: true, tailLines: 0, isContainerRunning: () => running, pollIntervalMs: 20 }, out);
      await appendFile(path, '2024-05-01T10:00:05Z stdout F last\n');
      running = false;
      await done;
      assert.equal(text, 'last\n');
    });
  });

  test('follow reopens a replaced (rotated) file', async () => {
    await withLog(sample, async (path) => {
      const out = new PassThrough();
      let text = '';
      out.on('data', (c: Buffer) => (text += c.toString()));
      const controller = new AbortController();
      const done = readContainerLog(path, { follow: true, tailLines: 0, signal: controller.signal, pollIntervalMs: 20 }, out);
      await appendFile(path, '2024-05-01T10:00:05Z stdout F before\n');
      await waitFor(() => text === 'before\n', 'the line before rotation');
      await rename(path, `${path}.20240501-100006`);
      await writeFile(path, '2024-05-01T10:00:06Z stdout F after\n');
      await waitFor(() => text === 'before\nafter\n', 'the line after rotation');
      controller.abort();
      await done;
    });
  });
});
